// Ports the sales use cases call out through, wired by other features:
// the suppression list (issue 4) and the AI assessment (the AI issue).
// Without them, scoring is complete: nothing is suppressed by the hook and no
// AI adjustment is made.
import type { Tx } from "../../data/database.js";
import type { LeadFacts } from "../../domain/scoring/facts.js";
import type { AiAssessment } from "../../domain/scoring/score.js";

/** Answers "is this address, or its domain, suppressed?" inside the caller's transaction (tenant-scoped). */
export interface SuppressionCheck {
  isSuppressed(tx: Tx, query: { tenantId: string; email: string | null; domain: string | null }): Promise<boolean>;
}

/**
 * An AI's view of a lead: a bounded score adjustment with its reason. It is
 * asked before the scoring transaction (no transaction is held open during a
 * model call); returning null means "no opinion". It never sees a lead that a
 * hard rule disqualifies, and its adjustment is clamped to the tenant's bound.
 */
export interface LeadAssessor {
  assess(input: { tenantId: string; leadId: string; facts: LeadFacts }): Promise<AiAssessment | null>;
}

export interface SalesHooks {
  suppression?: SuppressionCheck;
  assessor?: LeadAssessor;
}
