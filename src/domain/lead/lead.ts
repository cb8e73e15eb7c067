// Leads: the status machine, what an ingested lead may contain (one schema
// for leadIngest, JSON import rows and CSV import rows), and how a repeat of
// the same person merges into what is known without losing anything.
import { z } from "zod";
import { dealFieldsSchema } from "../pipeline/deal.js";
import { normalizeDomain, parseEmail } from "../email.js";
import { COMPANY_LIFECYCLES, SENIORITIES, type Seniority } from "../scoring/settings.js";
import { timeZone } from "../tenant/tenant.js";

export const LEAD_STATUSES = ["NEW", "WORKING", "QUALIFIED", "DISQUALIFIED", "CONVERTED"] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** Allowed status changes. CONVERTED is final; a disqualified lead comes back only through a person's decision. */
export const LEAD_TRANSITIONS: Readonly<Record<LeadStatus, readonly LeadStatus[]>> = {
  NEW: ["WORKING", "QUALIFIED", "DISQUALIFIED", "CONVERTED"],
  WORKING: ["QUALIFIED", "DISQUALIFIED", "CONVERTED"],
  QUALIFIED: ["WORKING", "DISQUALIFIED", "CONVERTED"],
  DISQUALIFIED: ["WORKING", "QUALIFIED"],
  CONVERTED: [],
};

export function canTransition(from: LeadStatus, to: LeadStatus): boolean {
  return LEAD_TRANSITIONS[from].includes(to);
}

export const LEAD_OUTCOMES = ["CONVERTED", "NOT_CONVERTED"] as const;
export type LeadOutcome = (typeof LEAD_OUTCOMES)[number];

export const MAX_ATTRIBUTES_BYTES = 16_384;
export const MAX_ATTRIBUTE_KEYS = 100;
export const MAX_IMPORT_ROWS = 10_000;

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .optional()
    .transform((v) => (v === "" ? undefined : v));

/** Custom attributes: a flat-or-nested JSON object, bounded in keys and size. */
export const attributesSchema = z
  .record(z.string().min(1).max(64, "attribute names are at most 64 characters"), z.unknown())
  .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTE_KEYS, `must have at most ${MAX_ATTRIBUTE_KEYS} keys`)
  .refine((a) => Buffer.byteLength(JSON.stringify(a), "utf8") <= MAX_ATTRIBUTES_BYTES, `must be at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON`);

export const countryCode = z
  .string()
  .trim()
  .transform((c) => c.toUpperCase())
  .refine((c) => /^[A-Z]{2}$/.test(c) && new Intl.DisplayNames(["en"], { type: "region" }).of(c) !== c, "must be an ISO 3166-1 alpha-2 country code such as DE");

const outcomeValue = z.preprocess((v) => {
  if (typeof v === "boolean") return v ? "CONVERTED" : "NOT_CONVERTED";
  if (typeof v === "number") return v === 1 ? "CONVERTED" : v === 0 ? "NOT_CONVERTED" : v;
  if (typeof v !== "string") return v;
  const s = v.trim().toLowerCase();
  if (["converted", "won", "yes", "true", "1", "y"].includes(s)) return "CONVERTED";
  if (["not_converted", "not converted", "lost", "no", "false", "0", "n"].includes(s)) return "NOT_CONVERTED";
  return v;
}, z.enum(LEAD_OUTCOMES, { message: "must be CONVERTED or NOT_CONVERTED (or yes/no, true/false, 1/0)" }));

const booleanValue = z.preprocess((v) => {
  if (typeof v !== "string") return v;
  const s = v.trim().toLowerCase();
  if (["true", "yes", "1", "y"].includes(s)) return true;
  if (["false", "no", "0", "n", ""].includes(s)) return false;
  return v;
}, z.boolean({ message: "must be true or false" }));

const numberValue = z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? Number(v.trim().replace(/[,_ ](?=\d{3}\b)/g, "")) : v), z.number({ message: "must be a number" }));

export const leadInputSchema = z
  .object({
    email: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v.trim() === "") return undefined;
        const parsed = parseEmail(v);
        if (!parsed.ok) {
          ctx.addIssue({ code: "custom", message: parsed.reason });
          return z.NEVER;
        }
        return parsed.email;
      }),
    firstName: optionalText(100),
    lastName: optionalText(100),
    title: optionalText(200),
    seniority: z.enum(SENIORITIES).optional(),
    phone: optionalText(40),
    timeZone: timeZone.optional(),
    doNotContact: booleanValue.optional(),
    companyName: optionalText(200),
    companyDomain: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v.trim() === "") return undefined;
        const d = normalizeDomain(v);
        if (!d) {
          ctx.addIssue({ code: "custom", message: "must be a domain name such as acme.com" });
          return z.NEVER;
        }
        return d;
      }),
    industry: optionalText(100),
    companyLifecycle: z.preprocess((v) => (typeof v === "string" ? v.trim().toUpperCase().replace(/[\s-]+/g, "_") : v), z.enum(COMPANY_LIFECYCLES)).optional(),
    /** The company's own custom attributes (e.g. stage: "series_a"), merged like the lead's. */
    companyAttributes: attributesSchema.optional(),
    employeeCount: numberValue.pipe(z.number().int("must be a whole number").min(0, "must not be negative").max(10_000_000)).optional(),
    country: countryCode.optional(),
    source: optionalText(60),
    externalId: optionalText(200),
    externalSystem: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_-]{0,39}$/, "must be a lower-case system name such as hubspot")
      .optional(),
    ownerId: z.string().uuid().optional(),
    ownerEmail: z.string().trim().email().optional(),
    outcome: outcomeValue.optional(),
    attributes: attributesSchema.optional(),
    /** A deal that comes with the lead (e.g. from a CRM export); its name defaults to the company's. */
    deal: dealFieldsSchema
      .extend({
        name: dealFieldsSchema.shape.name.optional(),
        amount: numberValue.pipe(dealFieldsSchema.shape.amount.unwrap()).optional(),
      })
      .optional(),
  })
  .superRefine((lead, ctx) => {
    if (!lead.email && !lead.externalId) {
      ctx.addIssue({ code: "custom", path: ["email"], message: "is required when there is no externalId (a lead needs an e-mail or an external id)" });
    }
  });

export type LeadInput = z.infer<typeof leadInputSchema>;

/** Title → seniority, for when the source did not say. */
export function seniorityFromTitle(title: string | null | undefined): Seniority {
  if (!title) return "UNKNOWN";
  const t = title.toLowerCase();
  // "Vice President" before "President".
  if (/\b(vp|svp|evp|vice president)\b/.test(t)) return "VP";
  if (/\b(ceo|cto|cfo|coo|cmo|cio|ciso|cro|cpo|chief|founder|co-founder|cofounder|owner|president|managing director|geschäftsführer)\b/.test(t)) return "C_LEVEL";
  if (/\b(director|head of|head)\b/.test(t)) return "DIRECTOR";
  if (/\b(manager|lead|supervisor)\b/.test(t)) return "MANAGER";
  if (/\b(senior|sr\.?|principal|staff)\b/.test(t)) return "SENIOR";
  if (/\b(intern|junior|jr\.?|assistant|associate|trainee)\b/.test(t)) return "ENTRY";
  return "UNKNOWN";
}

/** A company name from a domain when none was given: "acme-labs.com" → "Acme Labs". */
export function companyNameFromDomain(domain: string): string {
  const label = domain.split(".")[0] ?? domain;
  return label
    .split(/[-_]/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(" ");
}

export type FieldChange = { from: unknown; to: unknown };

/**
 * Merges incoming values into a stored record: absent or empty values never
 * erase what is known; a different value replaces the old one, and the
 * change (old and new) is reported so the audit entry keeps both.
 */
export function mergeFields<I extends Record<string, unknown>>(
  existing: object,
  incoming: I,
): { update: Partial<{ [K in keyof I]: Exclude<I[K], undefined> }>; changes: Record<string, FieldChange> } {
  const update: Record<string, unknown> = {};
  const changes: Record<string, FieldChange> = {};
  for (const [key, value] of Object.entries(incoming)) {
    if (value === undefined || value === null || value === "") continue;
    const before = (existing as Record<string, unknown>)[key];
    if (sameValue(before, value)) continue;
    update[key] = value;
    changes[key] = { from: before ?? null, to: value };
  }
  return { update: update as Partial<{ [K in keyof I]: Exclude<I[K], undefined> }>, changes };
}

/** Attributes merge key by key: new keys are added, changed keys take the new value (old one reported). */
export function mergeAttributes(
  existing: Record<string, unknown>,
  incoming: Record<string, unknown> | undefined,
): { merged: Record<string, unknown>; changes: Record<string, FieldChange> } {
  const merged = { ...existing };
  const changes: Record<string, FieldChange> = {};
  for (const [key, value] of Object.entries(incoming ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    if (sameValue(existing[key], value)) continue;
    changes[key] = { from: existing[key] ?? null, to: value };
    merged[key] = value;
  }
  return { merged, changes };
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return new Date(a as Date).getTime() === new Date(b as Date).getTime();
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

export function attributesWithinLimits(attributes: Record<string, unknown>): string | null {
  const parsed = attributesSchema.safeParse(attributes);
  return parsed.success ? null : `merged attributes ${parsed.error.issues[0]!.message}`;
}
