// The one guard every tenant's worker goes through (issue 15: a suspended
// tenant's queued jobs wait). workTenantQueue registers a pg-boss worker like
// boss.work, but before the handler sees a batch, the jobs of suspended tenants
// are taken out of it and put back, due SUSPENDED_JOB_RECHECK_SECONDS later —
// not dropped, and not failed (their retries are kept). Resuming a tenant makes
// its deferred jobs due at once (releaseDeferredJobs, in the resume's
// transaction).
//
// One statement per batch reads which of its tenants are suspended (no
// transaction for the common case: nobody suspended). The put-back runs in one
// transaction that holds the suspension row FOR SHARE and checks it again, so a
// resume (which deletes that row, then releases the deferred jobs) waits for it
// and then sees the job it put back: none is left waiting for the recheck. A suspension that commits while a job already runs
// lets that one job finish (sends are also held in the send claim itself).
//
// Workers whose jobs are not one tenant's (the platform's schedules and sweeps:
// maintenance, credential rotation, the polls that only enqueue tenant jobs)
// use boss.work directly; test/jobs/tenant-worker.test.ts lists them.
import type PgBoss from "pg-boss";
import { withTenant } from "../data/database.js";
import { DEFERRED_MARK, deferJobs, type QueueName } from "../data/job-queue.js";
import { SUSPENDED_JOB_RECHECK_SECONDS } from "../orchestration/tenant/tenant-suspension.js";
import type { Services } from "../orchestration/services.js";

export type TenantJob<T> = PgBoss.JobWithMetadata<T>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tenantOf(job: PgBoss.Job<unknown>): string | null {
  const tenantId = (job.data as { tenantId?: unknown } | null)?.tenantId;
  return typeof tenantId === "string" && UUID.test(tenantId) ? tenantId : null;
}

function withoutMark<T>(job: TenantJob<T>): TenantJob<T> {
  const data = job.data as Record<string, unknown> | null;
  if (!data || !(DEFERRED_MARK in data)) return job;
  const { [DEFERRED_MARK]: _mark, ...rest } = data;
  return { ...job, data: rest as T };
}

/**
 * Of one fetched batch, the jobs that may run now; the others (their tenant is
 * suspended) are put back in the queue. Exported for tests.
 *
 * One statement asks which of the batch's tenants are suspended (a platform
 * function: ids in, suspended ids out); only a suspended tenant's jobs cost a
 * transaction, which takes the suspension row FOR SHARE and looks again — a
 * resume committed in between lets the jobs run, and a resume that comes
 * after waits for the put-back and then releases it.
 */
export async function deferSuspendedTenantJobs<T>(
  services: Pick<Services, "db" | "jobs" | "logger">,
  queue: string,
  batch: TenantJob<T>[],
): Promise<TenantJob<T>[]> {
  const byTenant = new Map<string, TenantJob<T>[]>();
  for (const job of batch) {
    const tenantId = tenantOf(job);
    if (!tenantId) continue;
    const jobs = byTenant.get(tenantId);
    if (jobs) jobs.push(job);
    else byTenant.set(tenantId, [job]);
  }
  if (byTenant.size === 0) return batch.map(withoutMark);
  const suspendedIds = await services.db.prisma.$queryRaw<{ id: string }[]>`SELECT app_suspended_tenants(${[...byTenant.keys()]}::uuid[])::text AS id`;
  const deferred = new Set<string>();
  for (const { id: tenantId } of suspendedIds) {
    const jobs = byTenant.get(tenantId);
    if (!jobs) continue;
    const stillSuspended = await withTenant(services.db.prisma, { tenantId }, async (tx) => {
      const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "TenantSuspension" WHERE "tenantId" = ${tenantId}::uuid FOR SHARE`;
      if (rows.length === 0) return false;
      const startAfter = new Date(Date.now() + SUSPENDED_JOB_RECHECK_SECONDS * 1000);
      await deferJobs(services.jobs.boss, queue, jobs as TenantJob<object>[], startAfter, tx);
      return true;
    });
    if (stillSuspended) {
      for (const job of jobs) deferred.add(job.id);
      services.logger.info({ tenantId, queue, jobs: jobs.length }, "jobs deferred: tenant suspended");
    }
  }
  return batch.filter((job) => !deferred.has(job.id)).map(withoutMark);
}

/**
 * boss.work for a queue whose jobs carry a tenantId: the same options and
 * handler, behind the suspension guard. Returns the worker id (for notifyWorker).
 */
export async function workTenantQueue<T extends { tenantId: string }>(
  services: Pick<Services, "db" | "jobs" | "logger">,
  queue: QueueName,
  options: PgBoss.WorkOptions,
  handler: (jobs: TenantJob<T>[]) => Promise<unknown>,
): Promise<string> {
  const { boss } = services.jobs;
  let workerId: string | null = null;
  workerId = await boss.work<T>(queue, { ...options, includeMetadata: true }, async (batch) => {
    const runnable = await deferSuspendedTenantJobs(services, queue, batch);
    // A suspended tenant's backlog must not cost the others a polling interval per batch.
    if (runnable.length < batch.length && workerId) boss.notifyWorker(workerId);
    if (runnable.length === 0) return undefined;
    return handler(runnable);
  });
  return workerId;
}
