// What scoring knows about a lead: plain data, gathered by orchestration
// (from the database) or by the evaluation command (from a CSV row). Rules,
// disqualification, the model and the AI hook all read only this.
import type { EmailDomainKind } from "../email.js";
import type { ActivityType, CompanyLifecycle, Seniority } from "./settings.js";

export type AttributeValue = string | number | boolean | null;

export interface LeadFacts {
  source: string | null;
  /** The contact's address, when there is one; `valid` is false for an address that no longer passes validation. */
  email: { domain: string; kind: EmailDomainKind; valid: boolean } | null;
  doNotContact: boolean;
  /** Set by the suppression check (issue 4), when one is wired in. */
  suppressed: boolean;
  seniority: Seniority;
  title: string | null;
  company: {
    domain: string | null;
    industry: string | null;
    employeeCount: number | null;
    country: string | null;
    lifecycle: CompanyLifecycle;
    /** The company attribute "stage" (funding or maturity), when known. */
    stage: string | null;
  } | null;
  /** Custom attributes of the lead (what a CRM or form sent), flattened to scalars. */
  attributes: Record<string, AttributeValue>;
  /** Activities within the engagement look-back, each with its age in whole days at the scoring time. */
  activities: { type: ActivityType; ageDays: number }[];
}

/** Scalars kept as they are; arrays and objects become their JSON text, so they still count as a value. */
export function flattenAttributes(attributes: unknown): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!attributes || typeof attributes !== "object" || Array.isArray(attributes)) return out;
  for (const [key, value] of Object.entries(attributes as Record<string, unknown>)) {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") out[key] = value;
    else if (value !== undefined) out[key] = JSON.stringify(value);
  }
  return out;
}

const DAY_MS = 86_400_000;

/** Whole days between an activity and the scoring time (never negative), so scores are stable within a day. */
export function ageInDays(occurredAt: Date, asOf: Date): number {
  return Math.max(0, Math.floor((asOf.getTime() - occurredAt.getTime()) / DAY_MS));
}
