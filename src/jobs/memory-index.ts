// Long memory's background work: the per-tenant index job (new sources,
// missing or outdated embeddings) and the hourly sweep that enqueues it for
// every tenant — the backfill of existing history and the re-embedding after
// a model change both happen through it. The outbox enqueues it as soon as
// something worth remembering happened (enqueueMemoryIndexing).
import type { Tx } from "../data/database.js";
import { QUEUES, type JobQueue } from "../data/job-queue.js";
import type { DomainEvent } from "../domain/event.js";
import { indexMemory, type IndexOutcome } from "../orchestration/memory/memory.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

export const MEMORY_SWEEP_CRON = "17 * * * *";

/** Events after which the tenant's memory has something new to index. */
const MEMORY_EVENTS = new Set(["sales.message.received", "sales.activity.logged", "sales.draft.sent", "sales.thread.read"]);

/** Outbox hook: one index job per tenant with relevant events (a waiting one absorbs the rest). */
export async function enqueueMemoryIndexing(jobs: JobQueue, tx: Tx, tenantId: string, events: DomainEvent[]): Promise<void> {
  if (!events.some((e) => MEMORY_EVENTS.has(e.type))) return;
  await jobs.send(QUEUES.memoryIndex.name, { tenantId }, { singletonKey: tenantId }, tx);
}

/** One run for one tenant; continues in a new job while work remains. */
export async function runMemoryIndexJob(services: Services, data: { tenantId: string }): Promise<IndexOutcome> {
  const outcome = await indexMemory(services, data.tenantId);
  if (outcome.remaining) {
    // After this job completes (policy "short" keeps one waiting per tenant).
    await services.jobs.send(QUEUES.memoryIndex.name, { tenantId: data.tenantId }, { singletonKey: data.tenantId, startAfter: 1 });
  }
  return outcome;
}

export async function enqueueMemoryIndexForAllTenants(services: Services): Promise<number> {
  const tenants = await services.db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  for (const { id } of tenants) await services.jobs.send(QUEUES.memoryIndex.name, { tenantId: id }, { singletonKey: id });
  return tenants.length;
}

export async function startMemoryIndexWorkers(services: Services): Promise<void> {
  const { jobs, logger } = services;
  await workTenantQueue<{ tenantId: string }>(services, QUEUES.memoryIndex.name, { pollingIntervalSeconds: 2 }, async ([job]) => {
    if (!job) return;
    const outcome = await runMemoryIndexJob(services, job.data);
    logger.debug({ tenantId: job.data.tenantId, ...outcome }, "long memory indexed");
  });
  if (services.config.MEMORY_AUTO_INDEX) await jobs.boss.schedule(QUEUES.memoryIndexSweep.name, MEMORY_SWEEP_CRON, {});
  else await jobs.boss.unschedule(QUEUES.memoryIndexSweep.name).catch(() => {});
  await jobs.boss.work(QUEUES.memoryIndexSweep.name, async () => {
    const tenants = await enqueueMemoryIndexForAllTenants(services);
    logger.info({ tenants }, "long memory index sweep queued");
  });
}
