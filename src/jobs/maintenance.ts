// Periodic housekeeping on pg-boss: expired idempotency records, and the
// tenants' retention policies (raw mail, AI texts, agent runs, delivered
// outbox events, webhook deliveries, score history; issue 15).
import { QUEUES, type JobQueue } from "../data/job-queue.js";
import type { Database } from "../data/database.js";
import { OUTBOX_RETENTION_MAX_DAYS } from "../domain/tenant/retention.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { applyRetention, type RetentionPassResult } from "../orchestration/tenant/retention.js";
import { expireErasureRequests } from "../orchestration/governance/erasure-request.js";

/**
 * Backstop for delivered outbox events across all tenants: the longest a tenant
 * may keep them. Each tenant's own (shorter) setting is applied by the retention pass.
 */
export const OUTBOX_RETENTION = `${OUTBOX_RETENTION_MAX_DAYS} days`;

/** Rows per retention batch (one short transaction each) and batches per kind and tenant per pass. */
export const RETENTION_BATCH = 1000;
export const RETENTION_MAX_BATCHES = 200;

export async function runMaintenance(db: Database): Promise<{ idempotency: number; outbox: number }> {
  const [idem] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT app_purge_expired_idempotency() AS n`;
  const [outbox] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT app_purge_delivered_outbox(${OUTBOX_RETENTION}::interval) AS n`;
  return { idempotency: Number(idem?.n ?? 0), outbox: Number(outbox?.n ?? 0) };
}

export async function runRetention(deps: { db: Database; logger: Logger; metrics?: Metrics | null }): Promise<RetentionPassResult> {
  const result = await applyRetention(deps, { batch: RETENTION_BATCH, maxBatches: RETENTION_MAX_BATCHES });
  deps.logger.info({ retention: result }, "retention pass done");
  return result;
}

export async function startMaintenanceWorker(deps: { jobs: JobQueue; db: Database; logger: Logger; metrics?: Metrics }): Promise<void> {
  const { jobs, db, logger } = deps;
  await jobs.boss.schedule(QUEUES.maintenance.name, "*/15 * * * *", {});
  await jobs.boss.work(QUEUES.maintenance.name, async () => {
    const purged = await runMaintenance(db);
    logger.info({ purged }, "maintenance done");
    await runRetention(deps);
    await expireAllErasureRequests(deps);
  });
}

/** Records erasure requests that expired undecided, tenant by tenant (a failing tenant is logged; the next pass retries). */
export async function expireAllErasureRequests(deps: { db: Database; logger: Logger }): Promise<number> {
  const tenants = await deps.db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  let expired = 0;
  for (const { id } of tenants) {
    try {
      expired += await expireErasureRequests(deps, id);
    } catch (error) {
      deps.logger.warn({ tenantId: id, err: error instanceof Error ? error.message.slice(0, 200) : undefined }, "expiring erasure requests failed");
    }
  }
  if (expired) deps.logger.info({ expired }, "erasure requests expired");
  return expired;
}
