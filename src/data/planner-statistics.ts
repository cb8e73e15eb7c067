// Fresh planner statistics after a bulk write (migration 20261209000000): without
// them a table filled a moment ago is planned as if empty until autovacuum's next pass.
// The refresh (ANALYZE) runs as a job, not on the path of the request that wrote: the
// writer only enqueues it (requestSalesStatisticsRefresh), and the writes of a burst
// share one refresh (src/jobs/sales-statistics.ts).
import type { Database } from "./database.js";
import { QUEUES, type JobQueue } from "./job-queue.js";

/** The refresh covers every tenant's rows (ANALYZE is per table): one singleton key for the whole service. */
export const SALES_STATISTICS_KEY = "sales-tables";

export interface SalesStatisticsJob {
  /** Rows written since the job was enqueued, all writers of the burst together. */
  rowsWritten: number;
}

/** Refreshes the sales tables' statistics where `rowsWritten` outgrew them; how many tables were analysed (0 when another refresh is running). */
export async function refreshSalesStatistics(db: Pick<Database, "prisma">, rowsWritten: number): Promise<number> {
  const [row] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT app_refresh_sales_statistics(${Math.max(0, Math.trunc(rowsWritten))}::int) AS n`;
  return Number(row?.n ?? 0);
}

/**
 * Asks for a refresh after `rowsWritten` rows were written and committed: due `delaySeconds` from now, or
 * added to the refresh that is already waiting. Returns at once; the refresh itself runs on a worker.
 */
export async function requestSalesStatisticsRefresh(jobs: Pick<JobQueue, "sendCoalesced">, rowsWritten: number, delaySeconds: number): Promise<void> {
  const rows = Math.max(0, Math.trunc(rowsWritten));
  if (rows === 0) return;
  await jobs.sendCoalesced(QUEUES.salesStatistics.name, SALES_STATISTICS_KEY, { rowsWritten: rows } satisfies SalesStatisticsJob, delaySeconds > 0 ? { startAfter: delaySeconds } : {});
}
