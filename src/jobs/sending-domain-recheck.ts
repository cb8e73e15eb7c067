// Scheduled DNS re-checks of sending domains: the worker of the
// `sending-domain-recheck` queue (one tenant's domains that are due,
// src/orchestration/sending/sending-domain.ts) and the sweep that enqueues one
// per tenant (DNS_RECHECK_CRON, hourly by default; "off" unschedules it). A
// run that throws is retried by pg-boss; a retry is safe (a change is
// evented once: it is judged against the stored result).
import { QUEUES } from "../data/job-queue.js";
import { enqueueDomainRechecksForAllTenants, recheckSendingDomains, type SendingDomainRecheckJob } from "../orchestration/sending/sending-domain.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

export async function startSendingDomainRecheckWorkers(services: Services): Promise<void> {
  const { jobs, logger, config } = services;
  await workTenantQueue<SendingDomainRecheckJob>(services, QUEUES.sendingDomainRecheck.name, { pollingIntervalSeconds: 2 }, async (batch) => {
    for (const job of batch) {
      const result = await recheckSendingDomains(services, job.data);
      logger.info({ jobId: job.id, tenantId: job.data.tenantId, checked: result.checked.length, failed: result.failed, recovered: result.recovered }, "sending domains re-checked");
    }
  });
  if (config.DNS_RECHECK_CRON === "off") await jobs.boss.unschedule(QUEUES.sendingDomainRecheckSweep.name).catch(() => {});
  else await jobs.boss.schedule(QUEUES.sendingDomainRecheckSweep.name, config.DNS_RECHECK_CRON, {});
  await jobs.boss.work(QUEUES.sendingDomainRecheckSweep.name, async () => {
    const queued = await enqueueDomainRechecksForAllTenants(services);
    logger.info({ queued }, "sending domain re-check sweep queued");
  });
}
