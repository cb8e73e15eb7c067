// Tenant settings: one validated document per tenant. Each feature owns a
// section (general now; pipeline, scoring, approval, sending, ai… as they
// arrive). Updates are JSON merge patches (RFC 7386) validated as a whole.
import { z } from "zod";
import { pipelineSettingsSchema } from "./pipeline.js";
import { scoringSettingsSchema } from "./scoring/settings.js";

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

/** Sections are registered here as features add them. */
export const tenantSettingsSchema = z
  .object({
    general: generalSettingsSchema.default(() => generalSettingsSchema.parse({})),
    /** Deal stages and the moves between them (src/domain/pipeline.ts). */
    pipeline: pipelineSettingsSchema.default(() => pipelineSettingsSchema.parse({})),
    /** Lead scoring rules, model, AI bound and disqualification (src/domain/scoring/settings.ts). */
    scoring: scoringSettingsSchema.default(() => scoringSettingsSchema.parse({})),
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
