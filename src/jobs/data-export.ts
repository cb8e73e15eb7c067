// The data-export worker: builds the archive of one requested export
// (src/orchestration/governance/data-export.ts). A thrown error is retried by
// pg-boss; the export stays QUEUED until a run builds it.
import { QUEUES } from "../data/job-queue.js";
import { buildDataExport, type DataExportJob } from "../orchestration/governance/data-export.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

export async function startDataExportWorker(services: Services): Promise<void> {
  await workTenantQueue<DataExportJob>(services, QUEUES.dataExport.name, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    const result = await buildDataExport(services, job.data);
    services.logger.info({ exportId: job.data.exportId, result }, "data export processed");
  });
}
