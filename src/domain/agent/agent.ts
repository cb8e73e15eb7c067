// Agents as jobs, pure: their names, the lifecycle of a run, and the
// fair-share priority that keeps one tenant's backlog from starving others.
//
//   QUEUED ──start──▶ RUNNING ──▶ SUCCEEDED
//     ▲                  │
//     └──failure, attempts left──┘
//                        └──failure, last attempt (or nothing a retry could fix)──▶ FAILED ──dead-letter worker──▶ DEAD

import { z } from "zod";

export const AGENTS = ["inbound-analysis", "thread-reader", "draft-writer", "recommender", "voice-learner"] as const;
export type AgentName = (typeof AGENTS)[number];

export const AGENT_RUN_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "DEAD"] as const;
export type AgentRunStatus = (typeof AGENT_RUN_STATUSES)[number];

/** Runs that still wait for a worker or hold one. */
export const PENDING_RUN_STATUSES = ["QUEUED", "RUNNING"] as const satisfies readonly AgentRunStatus[];

export function isAgentName(value: string): value is AgentName {
  return (AGENTS as readonly string[]).includes(value);
}

/** pg-boss priorities are integers; this keeps a huge backlog from overflowing anything. */
const LOWEST_PRIORITY = -1_000_000;

/**
 * Fair share across tenants. A job's priority is minus the number of runs of
 * the same agent its tenant already has pending, and workers take the highest
 * priority first (then the oldest). So every tenant's first pending job ranks
 * 0, its second −1, and so on: workers serve the tenants round-robin, and a
 * tenant that enqueues a thousand jobs delays another tenant's single job by
 * at most the jobs already running.
 */
export function fairPriority(pendingRunsOfTenant: number): number {
  const pending = Math.max(0, Math.floor(pendingRunsOfTenant));
  return pending === 0 ? 0 : Math.max(LOWEST_PRIORITY, -pending);
}

/** After a failed attempt: back in the queue while attempts remain, else FAILED (and dead-lettered). */
export function statusAfterFailure(attempt: number, maxAttempts: number): "QUEUED" | "FAILED" {
  return attempt < maxAttempts ? "QUEUED" : "FAILED";
}

/** A run that finished can no longer start again (a duplicate delivery of its job changes nothing). */
export function canStart(status: AgentRunStatus): boolean {
  return status === "QUEUED" || status === "RUNNING";
}

/** Errors are stored for people to read; stack traces and long bodies are not. */
export function errorSummary(error: unknown, max = 1000): string {
  const message = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
  return message.length > max ? `${message.slice(0, max - 1)}…` : message;
}

const memberEmail = z.string().trim().toLowerCase().email("must be an e-mail address").max(254);

/** Tenant settings section `agents`: what the writer talks about and who it writes for. */
export const agentSettingsSchema = z
  .object({
    /** The product the draft writer presents; default: the tenant's name. */
    productName: z.string().trim().min(1).max(200).nullable().default(null),
    /** One or two sentences on why it matters, used in outreach. */
    valueProposition: z.string().trim().min(1).max(1000).nullable().default(null),
    /**
     * The member agents write for when a lead has no owner (their voice and
     * name); default: the member whose address the message arrived at, else the
     * longest-standing OWNER.
     */
    defaultAuthorEmail: memberEmail.nullable().default(null),
    /** Write a reply draft for inbound mail the analysis says deserves one. */
    draftReplies: z.boolean().default(true),
    /** Generate next-best-action recommendations after each analysed message. */
    recommendAfterInbound: z.boolean().default(true),
  })
  .strict();
export type AgentSettings = z.infer<typeof agentSettingsSchema>;
