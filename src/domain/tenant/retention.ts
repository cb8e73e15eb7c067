// Retention (issue 15): how long each kind of stored data is kept, per tenant,
// as the `retention` section of the tenant settings. The maintenance queue
// applies it (src/jobs/maintenance.ts → src/data/retention.ts). Audit entries
// are never purged (they are immutable and already redacted).
import { z } from "zod";

/** Bounds every tenant must stay within: at least a day, at most ten years. */
const days = (fallback: number, max = 3650) =>
  z
    .number({ message: "must be a whole number of days" })
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day")
    .max(max, `must be at most ${max} days`)
    .default(fallback);

export const RETENTION_DEFAULTS = {
  inboundMessageBodyDays: 180,
  aiInvocationTextDays: 30,
  agentRunDays: 90,
  deliveredOutboxEventDays: 7,
  webhookDeliveryDays: 30,
  scoreSnapshotDays: 180,
} as const;

/** Delivered outbox events are an internal queue: a platform cap keeps the table small. */
export const OUTBOX_RETENTION_MAX_DAYS = 90;

export const retentionSettingsSchema = z
  .object({
    /** Raw inbound mail (text, RFC 5322 source, headers) is blanked; subject, sender, intent and analysis stay. */
    inboundMessageBodyDays: days(RETENTION_DEFAULTS.inboundMessageBodyDays),
    /** AI invocation records keep hashes, tokens and cost; their error text goes. */
    aiInvocationTextDays: days(RETENTION_DEFAULTS.aiInvocationTextDays),
    /** Finished agent runs (with their input/output summaries) are deleted; runs behind a recommendation stay. */
    agentRunDays: days(RETENTION_DEFAULTS.agentRunDays),
    deliveredOutboxEventDays: days(RETENTION_DEFAULTS.deliveredOutboxEventDays, OUTBOX_RETENTION_MAX_DAYS),
    /** Outbound webhook attempts (settled) and processed inbound webhook deliveries. */
    webhookDeliveryDays: days(RETENTION_DEFAULTS.webhookDeliveryDays),
    /** Score history; each lead's latest snapshot always stays. */
    scoreSnapshotDays: days(RETENTION_DEFAULTS.scoreSnapshotDays),
  })
  .strict();

export type RetentionSettings = z.infer<typeof retentionSettingsSchema>;

/** What a retention pass removes, by kind (the keys are also the metric's `kind` label). */
export const RETENTION_KINDS = [
  "inboundMessageBodies",
  "aiInvocationTexts",
  "agentRuns",
  "deliveredOutboxEvents",
  "webhookDeliveries",
  "inboundWebhookDeliveries",
  "scoreSnapshots",
] as const;

export type RetentionKind = (typeof RETENTION_KINDS)[number];
export type RetentionCounts = Record<RetentionKind, number>;

export function emptyCounts(): RetentionCounts {
  return Object.fromEntries(RETENTION_KINDS.map((k) => [k, 0])) as RetentionCounts;
}

export function totalOf(counts: RetentionCounts): number {
  return RETENTION_KINDS.reduce((sum, k) => sum + counts[k], 0);
}

/** The cut-off for a kind: rows older than this go. */
export function cutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * 86_400_000);
}

/** What each setting removes and what it keeps, for people (the `retentionPolicy` query, the README). */
export const RETENTION_RULES: readonly { setting: keyof RetentionSettings; removes: string; keeps: string }[] = [
  {
    setting: "inboundMessageBodyDays",
    removes: "Inbound mail's text, RFC 5322 source and headers (blanked), by received date.",
    keeps: "Subject, sender, recipients, dates, intent, action, analysis, thread, contact and lead links.",
  },
  {
    setting: "aiInvocationTextDays",
    removes: "AI invocation error text, by creation date.",
    keeps: "The input hash, model, tokens, cost, latency and outcome (no prompt or answer text is ever stored).",
  },
  {
    setting: "agentRunDays",
    removes: "Finished agent runs (their input and output summaries), by queue date.",
    keeps: "Runs still queued or running, runs a recommendation points to, and the AI invocations (detached).",
  },
  {
    setting: "deliveredOutboxEventDays",
    removes: "Delivered outbox events (event payloads), by delivery date.",
    keeps: "Events not yet delivered.",
  },
  {
    setting: "webhookDeliveryDays",
    removes: "Settled outbound webhook attempts and processed inbound webhook deliveries (their raw bodies).",
    keeps: "Attempts with a retry due and inbound deliveries still waiting for their job.",
  },
  {
    setting: "scoreSnapshotDays",
    removes: "Lead score snapshots, by creation date.",
    keeps: "Each lead's latest snapshot, whatever its age.",
  },
];
