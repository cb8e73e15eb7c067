// The retention purges (issue 15), one kind at a time, for one tenant, in
// batches of short transactions: each batch picks at most `batch` rows with
// FOR UPDATE SKIP LOCKED (rows someone else is working on are left for the next
// pass, and nobody waits on us), changes them and commits. No statement scans
// or locks more than one batch, so concurrent inserts and updates on the same
// tables are never held up for long. Every batch runs under the tenant's own
// context (row-level security): one tenant's policy cannot reach another's rows.
import { withTenant, type Database, type Tx } from "./database.js";
import { cutoff, emptyCounts, type RetentionCounts, type RetentionKind, type RetentionSettings } from "../domain/tenant/retention.js";

export interface PurgeOptions {
  /** Rows per batch (one short transaction each). */
  batch: number;
  /** At most this many batches per kind per pass; the rest waits for the next pass. */
  maxBatches: number;
  now?: Date;
}

type Purge = (tx: Tx, tenantId: string, before: Date, batch: number) => Promise<number>;

const n = (rows: { n: number | bigint }[]) => Number(rows[0]?.n ?? 0);

const PURGES: Record<RetentionKind, { days: keyof RetentionSettings; run: Purge }> = {
  // The analysed facts (subject, sender, intent, analysis, thread, lead) stay; the raw mail goes, and with it the
  // long-memory item holding an excerpt of it (in the same statement; the memory-index job makes a new one
  // from what the message still holds, its subject).
  inboundMessageBodies: {
    days: "inboundMessageBodyDays",
    run: async (tx, tenantId, before, batch) =>
      n(
        await tx.$queryRaw<{ n: number }[]>`
          WITH purged AS (
            UPDATE "InboundMessage" SET "text" = '', "raw" = NULL, "headers" = '{}'::jsonb
            WHERE "id" IN (
              SELECT "id" FROM "InboundMessage"
              WHERE "tenantId" = ${tenantId}::uuid AND "receivedAt" < ${before}
                AND ("text" <> '' OR "raw" IS NOT NULL OR "headers" <> '{}'::jsonb)
              ORDER BY "receivedAt" LIMIT ${batch} FOR UPDATE SKIP LOCKED)
            RETURNING "id"),
          forgotten AS (
            DELETE FROM "MemoryItem" m USING purged p
            WHERE m."tenantId" = ${tenantId}::uuid AND m."sourceType" = 'INBOUND_MESSAGE' AND m."sourceId" = p."id")
          SELECT count(*)::int AS n FROM purged`,
      ),
  },
  aiInvocationTexts: {
    days: "aiInvocationTextDays",
    run: async (tx, _tenantId, before, batch) =>
      n(await tx.$queryRaw<{ n: number }[]>`SELECT app_retention_ai_invocation_text(${before}::timestamptz, ${batch}::int) AS n`),
  },
  agentRuns: {
    days: "agentRunDays",
    run: async (tx, _tenantId, before, batch) => n(await tx.$queryRaw<{ n: number }[]>`SELECT app_retention_agent_runs(${before}::timestamptz, ${batch}::int) AS n`),
  },
  deliveredOutboxEvents: {
    days: "deliveredOutboxEventDays",
    run: (tx, tenantId, before, batch) => tx.$executeRaw`
      DELETE FROM "OutboxEvent" WHERE "id" IN (
        SELECT "id" FROM "OutboxEvent"
        WHERE "tenantId" = ${tenantId}::uuid AND "deliveredAt" IS NOT NULL AND "deliveredAt" < ${before}
        LIMIT ${batch} FOR UPDATE SKIP LOCKED)`,
  },
  // Settled attempts only: one with a next attempt due is still in flight.
  webhookDeliveries: {
    days: "webhookDeliveryDays",
    run: (tx, tenantId, before, batch) => tx.$executeRaw`
      DELETE FROM "WebhookDelivery" WHERE "id" IN (
        SELECT "id" FROM "WebhookDelivery"
        WHERE "tenantId" = ${tenantId}::uuid AND "createdAt" < ${before} AND "nextAttemptAt" IS NULL
        LIMIT ${batch} FOR UPDATE SKIP LOCKED)`,
  },
  // Processed (or given up) deliveries only: a RECEIVED one still waits for its job.
  inboundWebhookDeliveries: {
    days: "webhookDeliveryDays",
    run: (tx, tenantId, before, batch) => tx.$executeRaw`
      DELETE FROM "InboundWebhookDelivery" WHERE "id" IN (
        SELECT "id" FROM "InboundWebhookDelivery"
        WHERE "tenantId" = ${tenantId}::uuid AND "receivedAt" < ${before} AND "status" <> 'RECEIVED'
        LIMIT ${batch} FOR UPDATE SKIP LOCKED)`,
  },
  // Each lead keeps its latest snapshot (the one it points to, and the newest by time) whatever its age.
  scoreSnapshots: {
    days: "scoreSnapshotDays",
    run: (tx, tenantId, before, batch) => tx.$executeRaw`
      DELETE FROM "ScoreSnapshot" WHERE "id" IN (
        SELECT s."id" FROM "ScoreSnapshot" s
        WHERE s."tenantId" = ${tenantId}::uuid AND s."createdAt" < ${before}
          AND NOT EXISTS (SELECT 1 FROM "Lead" l WHERE l."tenantId" = s."tenantId" AND l."latestScoreId" = s."id")
          AND EXISTS (SELECT 1 FROM "ScoreSnapshot" newer WHERE newer."tenantId" = s."tenantId" AND newer."leadId" = s."leadId"
                      AND (newer."createdAt", newer."id") > (s."createdAt", s."id"))
        LIMIT ${batch} FOR UPDATE OF s SKIP LOCKED)`,
  },
};

/** Applies one tenant's retention settings; returns what was removed, by kind. */
export async function purgeTenant(db: Database, tenantId: string, settings: RetentionSettings, options: PurgeOptions): Promise<RetentionCounts> {
  const now = options.now ?? new Date();
  const counts = emptyCounts();
  for (const [kind, purge] of Object.entries(PURGES) as [RetentionKind, (typeof PURGES)[RetentionKind]][]) {
    const before = cutoff(now, settings[purge.days]);
    for (let i = 0; i < options.maxBatches; i++) {
      const done = await withTenant(db.prisma, { tenantId }, (tx) => purge.run(tx, tenantId, before, options.batch));
      counts[kind] += done;
      // Not `done < batch`: rows skipped because someone held them (SKIP LOCKED) make a short batch, not the end.
      if (done === 0) break;
    }
  }
  return counts;
}
