// Enrolment by rule: the worker of the `sequence-segment` queue (one run of
// one sequence's saved segment, src/orchestration/sequence/sequence-segment.ts)
// and the hourly sweep that enqueues a run for every active rule. A run that
// throws is retried by pg-boss; a retry is safe (contacts already enrolled
// are no longer candidates).
import { QUEUES } from "../data/job-queue.js";
import {
  enqueueSegmentRunsForAllTenants,
  runSequenceSegment,
  SEQUENCE_SEGMENT_SWEEP_CRON,
  type SequenceSegmentJob,
} from "../orchestration/sequence/sequence-segment.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

export async function startSequenceSegmentWorkers(services: Services): Promise<void> {
  const { jobs, logger } = services;
  await workTenantQueue<SequenceSegmentJob>(services, QUEUES.sequenceSegment.name, { pollingIntervalSeconds: 2 }, async (batch) => {
    for (const job of batch) {
      const result = await runSequenceSegment(services, job.data);
      logger.info({ jobId: job.id, sequenceId: job.data.sequenceId, ...result }, "sequence segment run done");
    }
  });
  await jobs.boss.schedule(QUEUES.sequenceSegmentSweep.name, SEQUENCE_SEGMENT_SWEEP_CRON, {});
  await jobs.boss.work(QUEUES.sequenceSegmentSweep.name, async () => {
    const queued = await enqueueSegmentRunsForAllTenants(services);
    logger.info({ queued }, "sequence segment sweep queued");
  });
}
