// The tenant's scoring settings: ICP-fit and engagement rules (points with
// reasons), grade thresholds, the predictive model's training and blending,
// the bound on the AI assessment, and the hard disqualification rules.
import { z } from "zod";
import { hashOf } from "../canonical-json.js";
import { normalizeDomain } from "../email.js";

export const SENIORITIES = ["C_LEVEL", "VP", "DIRECTOR", "MANAGER", "SENIOR", "ENTRY", "UNKNOWN"] as const;
export type Seniority = (typeof SENIORITIES)[number];

export const ACTIVITY_TYPES = ["EMAIL_SENT", "EMAIL_RECEIVED", "MEETING", "CALL", "NOTE", "FORM_SUBMISSION", "WEB_VISIT"] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const COMPANY_LIFECYCLES = ["PROSPECT", "CUSTOMER", "FORMER_CUSTOMER", "PARTNER", "COMPETITOR"] as const;
export type CompanyLifecycle = (typeof COMPANY_LIFECYCLES)[number];

const points = z.number().int().min(-100).max(100);
const valueRule = z.object({ value: z.string().trim().min(1).max(100), points }).strict();
const rangeRule = z
  .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional(), points })
  .strict()
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, "min must not exceed max");

const icpSchema = z
  .object({
    /** Matched case-insensitively against the company's industry. */
    industries: z.array(valueRule).max(100).default([]),
    employeeRanges: z.array(rangeRule).max(20).default([
      { min: 1, max: 10, points: 2 },
      { min: 11, max: 50, points: 8 },
      { min: 51, max: 200, points: 15 },
      { min: 201, max: 1000, points: 20 },
      { min: 1001, points: 15 },
    ]),
    /** ISO 3166-1 alpha-2 codes of the company (or, lacking one, the lead's country attribute). */
    countries: z.array(valueRule).max(250).default([]),
    seniorities: z
      .array(z.object({ value: z.enum(SENIORITIES), points }).strict())
      .max(SENIORITIES.length)
      .default([
        { value: "C_LEVEL", points: 20 },
        { value: "VP", points: 18 },
        { value: "DIRECTOR", points: 14 },
        { value: "MANAGER", points: 8 },
        { value: "SENIOR", points: 4 },
      ]),
    /** Lead sources, matched case-insensitively. */
    sources: z.array(valueRule).max(50).default([
      { value: "referral", points: 15 },
      { value: "web_form", points: 10 },
      { value: "event", points: 8 },
      { value: "hubspot", points: 5 },
    ]),
    /** Points for a company address, and for a free-mail one. */
    emailDomain: z.object({ company: points.default(5), free: points.default(-5) }).strict().default({ company: 5, free: -5 }),
    /** Custom attributes: key (of the lead's attributes) equals value. */
    attributes: z
      .array(z.object({ key: z.string().trim().min(1).max(64), value: z.string().max(200), points }).strict())
      .max(100)
      .default([]),
  })
  .strict();

const engagementSchema = z
  .object({
    /** An activity's points halve every this many days. */
    halfLifeDays: z.number().min(1).max(365).default(14),
    /** Older activities count for nothing. */
    lookbackDays: z.number().int().min(1).max(730).default(180),
    maxPoints: z.number().int().min(0).max(100).default(40),
    points: z
      .object(Object.fromEntries(ACTIVITY_TYPES.map((t) => [t, points.optional()])) as Record<ActivityType, z.ZodOptional<typeof points>>)
      .strict()
      .default({}),
  })
  .strict();

export const DEFAULT_ACTIVITY_POINTS: Record<ActivityType, number> = {
  MEETING: 12,
  FORM_SUBMISSION: 8,
  EMAIL_RECEIVED: 6,
  CALL: 6,
  WEB_VISIT: 1,
  EMAIL_SENT: 0,
  NOTE: 0,
};

const gradesSchema = z
  .object({ A: z.number().int().min(1).max(100).default(75), B: z.number().int().min(1).max(100).default(50), C: z.number().int().min(1).max(100).default(25) })
  .strict()
  .refine((g) => g.A > g.B && g.B > g.C, "thresholds must fall from A to C");

const modelSchema = z
  .object({
    /** Use a trained model when one is active. */
    enabled: z.boolean().default(true),
    /** Retrain on the nightly schedule when new outcomes arrived. */
    scheduledRetraining: z.boolean().default(true),
    /** Leads with a known outcome needed before a model is trained at all. */
    minLabelledLeads: z.number().int().min(20).max(1_000_000).default(50),
    /** And of each class (converted, not converted). */
    minPerClass: z.number().int().min(5).max(100_000).default(10),
    /** A model whose held-out AUC is below this is kept but not used. */
    minAuc: z.number().min(0.5).max(1).default(0.55),
    /** Share of the model in the score; the rest comes from the rules. */
    weight: z.number().min(0).max(1).default(0.6),
    /** L2 penalty of the logistic regression. */
    l2: z.number().min(0.0001).max(1000).default(1),
  })
  .strict();

const disqualificationSchema = z
  .object({
    /** Competitors' domains: their people are never leads. */
    competitorDomains: z
      .array(z.string().transform((d, ctx) => normalizeDomain(d) ?? (ctx.addIssue({ code: "custom", message: "must be a domain name such as rival.com" }), z.NEVER)))
      .max(500)
      .default([]),
    /** Industries the tenant does not sell to (case-insensitive). */
    excludedIndustries: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
    /** When non-empty, only companies in these countries (ISO 3166-1 alpha-2). */
    allowedCountries: z.array(z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as DE")).max(250).default([]),
    /** Company size the tenant sells to; a company outside it is disqualified. */
    employeeRange: z
      .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
      .strict()
      .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, "min must not exceed max")
      .default({}),
    /** Company lifecycles that are not leads (e.g. existing customers for a new-logo team). */
    excludedLifecycles: z.array(z.enum(COMPANY_LIFECYCLES)).max(5).default(["COMPETITOR"]),
    /** Company stages (the company attribute "stage", e.g. "pre_seed") the tenant does not sell to. */
    excludedCompanyStages: z.array(z.string().trim().min(1).max(60)).max(50).default([]),
    /** Disposable (throw-away) addresses are not real prospects. */
    disqualifyDisposableEmail: z.boolean().default(true),
  })
  .strict();

export const scoringSettingsSchema = z
  .object({
    icp: icpSchema.default(() => icpSchema.parse({})),
    engagement: engagementSchema.default(() => engagementSchema.parse({})),
    grades: gradesSchema.default({ A: 75, B: 50, C: 25 }),
    /** leadQualify with decision AUTO qualifies at or above this score. */
    qualifyThreshold: z.number().int().min(0).max(100).default(50),
    model: modelSchema.default(() => modelSchema.parse({})),
    /** The AI assessment may move the score by at most this many points either way. */
    ai: z.object({ maxAdjustment: z.number().int().min(0).max(30).default(10) }).strict().default({ maxAdjustment: 10 }),
    disqualification: disqualificationSchema.default(() => disqualificationSchema.parse({})),
  })
  .strict();

export type ScoringSettings = z.infer<typeof scoringSettingsSchema>;

export const DEFAULT_SCORING_SETTINGS: ScoringSettings = scoringSettingsSchema.parse({});

/** A short, stable id of the rules and their weights: the same settings always give the same version. */
export function rulesVersion(settings: ScoringSettings): string {
  return `rules:${hashOf(settings).slice(0, 10)}`;
}

export function activityPoints(settings: ScoringSettings, type: ActivityType): number {
  return settings.engagement.points[type] ?? DEFAULT_ACTIVITY_POINTS[type];
}
