// The sequence-step worker: each job is one step of one enrolment, due at its
// time (pg-boss startAfter), never a polling loop per enrolment. What a job
// does is src/orchestration/sequence/sequence-runner.ts (runSequenceStep); a job that
// throws (the database or the AI provider failed) is retried by pg-boss, and a
// retry is safe: the enrolment's schedule token and the step's outcome decide.
import { QUEUES } from "../data/job-queue.js";
import { runSequenceStep, type SequenceStepJob } from "../orchestration/sequence/sequence-runner.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

export async function startSequenceStepWorker(services: Services): Promise<{ wake(): void }> {
  const { jobs, logger, config } = services;
  const workerId = await workTenantQueue<SequenceStepJob>(
    services,
    QUEUES.sequenceStep.name,
    { batchSize: 5, pollingIntervalSeconds: Math.max(0.5, Math.min(config.SEND_POLL_SECONDS, 2)) },
    async (batch) => {
      for (const job of batch) {
        const result = await runSequenceStep(services, job.data);
        logger.info({ jobId: job.id, enrollmentId: job.data.enrollmentId, action: job.data.action, ...result }, "sequence step job done");
      }
    },
  );
  return { wake: () => jobs.boss.notifyWorker(workerId) };
}
