// The inbound webhook worker: one job per verified delivery (queued with the
// delivery row by the public route), processed as the tenant's SERVICE
// principal by processInboundDelivery — once, whatever pg-boss retries, since
// only a RECEIVED delivery is acted on, under its row lock. An error is
// retried with backoff; after the last attempt the delivery is marked FAILED.
import type PgBoss from "pg-boss";
import { QUEUES } from "../data/job-queue.js";
import { markDeliveryFailed, processInboundDelivery, type InboundWebhookJob, type ProcessOptions } from "../orchestration/inbound/inbound-webhook.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

/** Worker ids per pg-boss instance, so the route can wake this instance's workers once a delivery committed. */
const workers = new WeakMap<PgBoss, string[]>();

export function wakeInboundWebhookWorkers(boss: PgBoss): void {
  for (const id of workers.get(boss) ?? []) boss.notifyWorker(id);
}

export interface InboundWebhookWorker {
  stop(): Promise<void>;
}

export async function startInboundWebhookWorker(services: Services, options: ProcessOptions = {}): Promise<InboundWebhookWorker> {
  const { jobs, logger } = services;
  const workerId = await workTenantQueue<InboundWebhookJob>(
    services,
    QUEUES.inboundWebhook.name,
    { batchSize: 5, pollingIntervalSeconds: 1 },
    async (batch) => {
      let retry: unknown = null;
      for (const job of batch) {
        try {
          await processInboundDelivery(services, job.data, options);
        } catch (error) {
          const last = job.retryCount >= job.retryLimit;
          logger.warn({ err: error, deliveryId: job.data.deliveryId, attempt: job.retryCount + 1, last }, "inbound webhook delivery could not be processed");
          if (last) await markDeliveryFailed(services, job.data, error instanceof Error ? error.message : String(error));
          else retry ??= error;
        }
      }
      // The batch is retried together; deliveries already processed are skipped by their status.
      if (retry) throw retry;
      jobs.boss.notifyWorker(workerId);
    },
  );
  workers.set(jobs.boss, [...(workers.get(jobs.boss) ?? []), workerId]);
  return {
    async stop() {
      workers.set(jobs.boss, (workers.get(jobs.boss) ?? []).filter((id) => id !== workerId));
      await jobs.boss.offWork(QUEUES.inboundWebhook.name).catch(() => {});
    },
  };
}
