// Tenant settings: one validated document per tenant. Each feature owns a
// section (general now; pipeline, scoring, approval, sending, ai… as they
// arrive). Updates are JSON merge patches (RFC 7386) validated as a whole.
import { z } from "zod";
import { approvalSettingsSchema } from "./approval-policy.js";
import { qualitySettingsSchema } from "../draft/quality-gate.js";
import { quotaSettingsSchema } from "../sending/quota.js";
import { sendingSettingsSchema } from "../sending/sending.js";
import { deliverabilitySettingsSchema } from "../sending/deliverability.js";
import { RECOMMENDATION_TOOLS } from "./ai-policy.js";
import { retentionSettingsSchema } from "./retention.js";
import { pipelineSettingsSchema } from "../pipeline/pipeline.js";
import { scoringSettingsSchema } from "../scoring/settings.js";
import { agentSettingsSchema } from "../agent/agent.js";
import { sequenceSettingsSchema } from "../sequence/sequence.js";
import { assetSettingsSchema } from "../draft/asset.js";
import { meetingSettingsSchema } from "../draft/meeting-slot.js";
import { governanceSettingsSchema } from "../governance/policy.js";

export const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as Europe/Berlin");

export const generalSettingsSchema = z
  .object({
    timeZone: timeZone.default("UTC"),
    locale: z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, "must be a locale such as en or en-US").default("en"),
    currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR").default("USD"),
  })
  .strict();

/**
 * AI: which provider, the monthly budget, compliance mode, and which tools
 * agents may propose. Budgets count calls to paid (external) providers only.
 */
export const aiSettingsSchema = z
  .object({
    /** auto: the configured external provider when there is one, else local. */
    provider: z.enum(["auto", "local", "openai"]).default("auto"),
    monthlyTokenBudget: z.number().int().min(0).nullable().default(null),
    monthlyCostBudgetUsd: z.number().min(0).nullable().default(null),
    /** hipaa: personal data is always redacted before an external call. */
    complianceMode: z.enum(["standard", "hipaa"]).default("standard"),
    /** allowed, redacted (personal data replaced before the call) or forbidden (local only). */
    externalProviders: z.enum(["allowed", "redacted", "forbidden"]).default("allowed"),
    disabledTools: z.array(z.enum(RECOMMENDATION_TOOLS)).default([]),
    /** Largest score change qualification assist may propose (0–10 points). */
    maxScoreAdjustment: z.number().int().min(0).max(10).default(10),
  })
  .strict();

export type AiSettings = z.infer<typeof aiSettingsSchema>;

/** Sections are registered here as features add them. */
export const tenantSettingsSchema = z
  .object({
    general: generalSettingsSchema.default(() => generalSettingsSchema.parse({})),
    approval: approvalSettingsSchema.default(() => approvalSettingsSchema.parse({})),
    sending: sendingSettingsSchema.default(() => sendingSettingsSchema.parse({})),
    quotas: quotaSettingsSchema.default(() => quotaSettingsSchema.parse({})),
    quality: qualitySettingsSchema.default(() => qualitySettingsSchema.parse({})),
    ai: aiSettingsSchema.default(() => aiSettingsSchema.parse({})),
    /** Deal stages and the moves between them (src/domain/pipeline/pipeline.ts). */
    pipeline: pipelineSettingsSchema.default(() => pipelineSettingsSchema.parse({})),
    /** Lead scoring rules, model, AI bound and disqualification (src/domain/scoring/settings.ts). */
    scoring: scoringSettingsSchema.default(() => scoringSettingsSchema.parse({})),
    /** The agents: product facts for the writer, the default author, what runs after inbound mail (src/domain/agent/agent.ts). */
    agents: agentSettingsSchema.default(() => agentSettingsSchema.parse({})),
    /** Sequences: the tenant's holidays and how early a step's draft is prepared (src/domain/sequence/sequence.ts). */
    sequences: sequenceSettingsSchema.default(() => sequenceSettingsSchema.parse({})),
    /** Working hours, buffers, notice, holidays and meeting length for offered meeting slots (src/domain/draft/meeting-slot.ts). */
    meetings: meetingSettingsSchema.default(() => meetingSettingsSchema.parse({})),
    /** The Drive folders / shared drives assets may come from (src/domain/draft/asset.ts). */
    assets: assetSettingsSchema.default(() => assetSettingsSchema.parse({})),
    /** How long raw mail, AI texts, agent runs, outbox events, webhook deliveries and score history are kept (src/domain/tenant/retention.ts). */
    retention: retentionSettingsSchema.default(() => retentionSettingsSchema.parse({})),
    /** Deliverability guardrails: auto-pause thresholds, warm-up ramp, DMARC enforcement (src/domain/sending/deliverability.ts). */
    deliverability: deliverabilitySettingsSchema.default(() => deliverabilitySettingsSchema.parse({})),
    /** Four-eyes erasure and the tenant's API request budget; OWNER only (src/domain/governance/policy.ts). */
    governance: governanceSettingsSchema.default(() => governanceSettingsSchema.parse({})),
  })
  .strict();

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

export const TENANT_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

export const tenantNameSchema = z.string().trim().min(2, "must be at least 2 characters").max(120);

/** Stored settings with defaults filled in (stored JSON may predate newer sections). */
export function readTenantSettings(stored: unknown): TenantSettings {
  const parsed = tenantSettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : tenantSettingsSchema.parse({});
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export type { Json };
