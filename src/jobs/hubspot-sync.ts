// HubSpot sync workers (src/orchestration/connection/hubspot-sync.ts does the work):
// - hubspot-sync: an incremental sync of one connection (singletonKey =
//   connection id); hubspot-reconcile: the full reconcile. A run holds a
//   session advisory lock per connection, so two never overlap; a job that
//   finds the lock taken runs again a little later.
// - hubspot-sync-poll (HUBSPOT_SYNC_CRON) and hubspot-reconcile-poll
//   (HUBSPOT_RECONCILE_CRON) enqueue one of them for every ACTIVE HubSpot
//   connection of every tenant.
// A transient failure (HubSpot 5xx/429 past the in-process wait, an open
// circuit) is retried by pg-boss; a refused grant is not (the connection is
// NEEDS_REAUTH, audited and evented, and the polls skip it).
import { QUEUES } from "../data/job-queue.js";
import { withTenant } from "../data/database.js";
import { ConnectorUnavailableError, isTransient } from "../integrations/resilience.js";
import { ConnectionUnavailableError, withConnectors } from "../orchestration/connection/connection.js";
import { runHubspotSync, type SyncMode } from "../orchestration/connection/hubspot-sync.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

export interface HubspotSyncJobData {
  tenantId: string;
  connectionId: string;
}

/** Runs one sync unless another holds the connection; returns null when it was busy. */
export async function runLockedHubspotSync(services: Services, data: HubspotSyncJobData, mode: SyncMode) {
  const client = await services.db.pool.connect();
  try {
    const lock = `hubspot-sync:${data.connectionId}`;
    const got = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [lock]);
    if (!got.rows[0]?.ok) return null;
    try {
      return await runHubspotSync(withConnectors(services), { ...data, mode });
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [lock]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

async function enqueueAll(services: Services, queue: string): Promise<number> {
  const tenants = await services.db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  let queued = 0;
  for (const { id: tenantId } of tenants) {
    const connections = await withTenant(services.db.prisma, { tenantId }, (tx) =>
      tx.connection.findMany({ where: { provider: "HUBSPOT", userId: null, status: "ACTIVE" }, select: { id: true } }),
    );
    for (const c of connections) if (await services.jobs.send(queue as never, { tenantId, connectionId: c.id }, { singletonKey: c.id })) queued++;
  }
  return queued;
}

export async function startHubspotSyncWorkers(services: Services): Promise<void> {
  const { jobs, logger, config } = services;
  const polls = [
    { poll: QUEUES.hubspotSyncPoll.name, cron: config.HUBSPOT_SYNC_CRON, target: QUEUES.hubspotSync.name },
    { poll: QUEUES.hubspotReconcilePoll.name, cron: config.HUBSPOT_RECONCILE_CRON, target: QUEUES.hubspotReconcile.name },
  ];
  for (const p of polls) {
    if (p.cron === "off") await jobs.boss.unschedule(p.poll);
    else await jobs.boss.schedule(p.poll, p.cron, {});
    await jobs.boss.work(p.poll, async () => {
      const queued = await enqueueAll(services, p.target);
      if (queued) logger.debug({ queued, queue: p.target }, "HubSpot syncs queued by the poll");
    });
  }
  for (const [queue, mode] of [[QUEUES.hubspotSync.name, "INCREMENTAL"], [QUEUES.hubspotReconcile.name, "FULL"]] as const) {
    await workTenantQueue<HubspotSyncJobData>(services, queue, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (!job) return;
      try {
        const result = await runLockedHubspotSync(services, job.data, mode);
        if (!result) {
          await jobs.send(queue, job.data, { singletonKey: job.data.connectionId, startAfter: 30 });
          return;
        }
        logger.info({ hubspotSync: { connectionId: job.data.connectionId, mode, objects: result.objects } }, "HubSpot synced");
      } catch (error) {
        logger.warn({ connectionId: job.data.connectionId, mode, err: error instanceof Error ? { name: error.name, message: error.message.slice(0, 200) } : undefined }, "HubSpot sync failed");
        if (error instanceof ConnectionUnavailableError && error.status !== "ACTIVE") return; // NEEDS_REAUTH / REVOKED: nothing to retry
        if (error instanceof ConnectorUnavailableError || error instanceof ConnectionUnavailableError || isTransient(error)) throw new Error("transient HubSpot sync failure; retried");
        throw error;
      }
    });
  }
}
