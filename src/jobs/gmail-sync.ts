// Gmail sync workers (src/orchestration/connection/gmail-sync.ts does the work):
// - gmail-sync: one job per mailbox sync (singletonKey = connection id). A
//   mailbox another sync holds is tried again a little later; a transient
//   failure (Google 5xx/429, open circuit) is retried by pg-boss; a refused
//   grant is not (the connection is NEEDS_REAUTH and the poll skips it).
// - gmail-sync-poll: scheduled (GMAIL_SYNC_POLL_CRON), enqueues an
//   incremental sync of every ACTIVE Google mailbox — the fallback that keeps
//   mail flowing when push notifications are off or lost.
// - gmail-watch-renewal: with GMAIL_PUSH_TOPIC, users.watch of every mailbox
//   twice a day (a watch lasts 7 days).
import type PgBoss from "pg-boss";
import { QUEUES } from "../data/job-queue.js";
import { wakeAgentWorkers } from "./agents.js";
import { enqueueAllGmailSyncs, enqueueGmailSync, isTransientSyncFailure, renewGmailWatches, syncMailbox, type GmailSyncJobData } from "../orchestration/connection/gmail-sync.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

export interface GmailSyncWorkers {
  /** Fetch now rather than at the next poll (tests, push). */
  wake(): void;
}

/** Each pg-boss instance's gmail-sync worker ids, so the push route can wake this instance's idle workers. */
const registry = new WeakMap<PgBoss, string[]>();

/** A sync was queued (and committed) just now: this instance's idle sync workers fetch it now, not at their next poll. */
export function wakeGmailSyncWorkers(boss: PgBoss): void {
  for (const id of registry.get(boss) ?? []) boss.notifyWorker(id);
}

export async function startGmailSyncWorkers(services: Services): Promise<GmailSyncWorkers> {
  const { jobs, logger, config } = services;
  const ids: string[] = [];
  if (config.GMAIL_SYNC_POLL_CRON === "off") await jobs.boss.unschedule(QUEUES.gmailSyncPoll.name);
  else await jobs.boss.schedule(QUEUES.gmailSyncPoll.name, config.GMAIL_SYNC_POLL_CRON, {});
  await jobs.boss.work(QUEUES.gmailSyncPoll.name, async () => {
    const queued = await enqueueAllGmailSyncs(services);
    if (queued) logger.debug({ queued }, "Gmail syncs queued by the poll");
  });
  if (config.GMAIL_PUSH_TOPIC) await jobs.boss.schedule(QUEUES.gmailWatchRenewal.name, "23 */12 * * *", {});
  else await jobs.boss.unschedule(QUEUES.gmailWatchRenewal.name);
  await jobs.boss.work(QUEUES.gmailWatchRenewal.name, async () => {
    const renewed = await renewGmailWatches(services);
    if (renewed.renewed || renewed.failed) logger.info({ gmailWatch: renewed }, "Gmail watches renewed");
  });
  for (let i = 0; i < config.GMAIL_SYNC_WORKERS; i++) {
    let workerId: string | null = null;
    // Through the tenant guard: a suspended tenant's syncs wait (tenant-worker.ts).
    workerId = await workTenantQueue<GmailSyncJobData>(services, QUEUES.gmailSync.name, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (!job) return;
      const data = job.data;
      // pg-boss waits a polling interval after every fetch: with a job taken, look for the next one as soon as it is done.
      if (workerId) jobs.boss.notifyWorker(workerId);
      try {
        const result = await syncMailbox(services, data);
        // The ingested messages' analysis was queued in their own committed transactions: start it now.
        if (result.imported) wakeAgentWorkers(jobs.boss, ["inbound-analysis"]);
        if (result.skipped === "BUSY") {
          // Another sync holds the mailbox: run once more after it (a push may have come in meanwhile).
          await enqueueGmailSync(services, data, undefined, { startAfterSeconds: 15 });
        } else if (result.imported || result.mode !== "INCREMENTAL") {
          logger.info({ gmailSync: { ...result, reason: data.reason } }, "Gmail mailbox synced");
        }
      } catch (error) {
        logger.warn({ connectionId: data.connectionId, err: error instanceof Error ? { name: error.name } : undefined }, "Gmail sync failed");
        if (isTransientSyncFailure(error)) throw new Error("transient Gmail sync failure; retried");
      }
    });
    ids.push(workerId);
  }
  registry.set(jobs.boss, ids);
  return { wake: () => ids.forEach((id) => jobs.boss.notifyWorker(id)) };
}
