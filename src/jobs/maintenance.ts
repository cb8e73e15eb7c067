// Periodic housekeeping on pg-boss: expired idempotency records and old
// delivered outbox events.
import { QUEUES, type JobQueue } from "../data/job-queue.js";
import type { Database } from "../data/database.js";
import type { Logger } from "../observability/logger.js";

export const OUTBOX_RETENTION = "7 days";

export async function runMaintenance(db: Database): Promise<{ idempotency: number; outbox: number }> {
  const [idem] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT app_purge_expired_idempotency() AS n`;
  const [outbox] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT app_purge_delivered_outbox(${OUTBOX_RETENTION}::interval) AS n`;
  return { idempotency: Number(idem?.n ?? 0), outbox: Number(outbox?.n ?? 0) };
}

export async function startMaintenanceWorker(deps: { jobs: JobQueue; db: Database; logger: Logger }): Promise<void> {
  const { jobs, db, logger } = deps;
  await jobs.boss.schedule(QUEUES.maintenance.name, "*/15 * * * *", {});
  await jobs.boss.work(QUEUES.maintenance.name, async () => {
    const purged = await runMaintenance(db);
    logger.info({ purged }, "maintenance done");
  });
}
