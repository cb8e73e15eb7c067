// The refresh of the sales tables' planner statistics (ANALYZE through
// app_refresh_sales_statistics), off the path of the writes that call for it:
// a lead import or a HubSpot sync enqueues it (src/data/planner-statistics.ts),
// and the writes of a burst reach this worker as one job with all their rows.
// The refresh is across tenants (statistics are per table), so the job runs as
// the service role, outside any tenant. A failure is retried by pg-boss;
// autovacuum remains the backstop.
import type { Database } from "../data/database.js";
import { QUEUES, type JobQueue } from "../data/job-queue.js";
import { refreshSalesStatistics, type SalesStatisticsJob } from "../data/planner-statistics.js";
import type { Logger } from "../observability/logger.js";

export async function startSalesStatisticsWorker(deps: { jobs: JobQueue; db: Database; logger: Logger }): Promise<void> {
  const { jobs, db, logger } = deps;
  await jobs.boss.work<SalesStatisticsJob>(QUEUES.salesStatistics.name, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    const rowsWritten = Number(job.data.rowsWritten ?? 0);
    const analysed = await refreshSalesStatistics(db, rowsWritten);
    logger.info({ jobId: job.id, rowsWritten, analysed }, "sales planner statistics refreshed");
    return { analysed };
  });
}
