// The send workers and the send sweeper.
//
// Workers take up to SEND_BATCH_SIZE draft-send jobs at a time (SEND_WORKERS
// of them per instance) and deliver them together (deliverDrafts: one claim
// transaction, one transport call where the transport can, one record
// transaction per tenant); a job whose draft needs another try (a transient
// transport error) is failed on its own, and pg-boss retries it with backoff
// while the rest of its batch completes. How long one send may take is
// the transport's own timeout (SMTP_TIMEOUT_MS; the local outbox's database
// budget): a worker stuck longer does not hold anything else up — the
// sweeper takes its draft over when the lease lapses, and other workers and
// instances go on fetching.
//
// The sweeper runs every SEND_SWEEP_SECONDS on every instance. It recovers
// drafts whose SENDING lease lapsed (see recoverLapsedSend), and re-enqueues
// QUEUED drafts that have no live job: none waiting and none started within
// the lease (a job a killed instance had fetched stays "active" in pg-boss
// until expireInSeconds; it is not waited for). So a dead instance's drafts
// are back in the queue within SEND_LEASE_SECONDS + SEND_SWEEP_SECONDS of the
// moment its worker took them, and sent at the next poll. Everything here is
// safe to run concurrently and twice: the draft row lock and its status decide
// (a second job for a draft finds it no longer QUEUED), and the queue drops a
// duplicate waiting job (see QUEUES.draftSend).
import type PgBoss from "pg-boss";
import { QUEUES } from "../data/job-queue.js";
import { recoverLapsedSend, type SendJob } from "../orchestration/draft/draft-delivery.js";
import { enqueueSend } from "../orchestration/draft/draft.js";
import { deliverDrafts } from "../orchestration/draft/draft-send-batch.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

/** Handles a fetched batch: the jobs whose drafts need another try are failed (pg-boss retries them), the others complete. */
export async function handleSendJobs(services: Services, jobs: PgBoss.Job<SendJob>[]): Promise<void> {
  const results = await deliverDrafts(services, jobs.map((job) => job.data));
  const retry: string[] = [];
  for (const [i, result] of results.entries()) {
    const job = jobs[i]!;
    services.logger.info({ draftId: job.data.draftId, outcome: result.outcome, jobId: job.id }, "draft send job done");
    // A retry the provider gave a time for (Retry-After) is already scheduled as its own job.
    if (result.outcome === "retry" && !result.at) retry.push(job.id);
  }
  // Failed before the handler returns: pg-boss then completes only the batch's other (still active) jobs.
  for (const id of retry) await services.jobs.boss.fail(QUEUES.draftSend.name, id, { message: "transient send failure: retried with backoff" });
}

export interface SendSweepResult {
  recovered: number;
  requeued: number;
}

type StuckRow = { tenant_id: string; draft_id: string; status: string };

/**
 * One sweep: lapsed leases and stranded queued drafts, across tenants (each
 * handled under its own tenant). A queued draft counts as stranded once it has
 * waited `queuedGraceSeconds` (default: the lease, or the sweep interval when
 * that is longer) and no live job is left for it (see JobQueue.liveSingletonKeys):
 * one backing off before a retry is live, so retries are not doubled.
 */
export async function sweepSends(services: Services, options: { queuedGraceSeconds?: number } = {}): Promise<SendSweepResult> {
  const { config } = services;
  const queuedGrace = `${options.queuedGraceSeconds ?? Math.max(config.SEND_LEASE_SECONDS, config.SEND_SWEEP_SECONDS)} seconds`;
  // Lapsed leases first, in a pass of their own, so a long queue of waiting drafts cannot crowd them out.
  const lapsed = await services.db.prisma.$queryRaw<StuckRow[]>`
    SELECT * FROM app_stuck_sends(200, '100 years'::interval) WHERE status = 'SENDING'`;
  const waiting = await services.db.prisma.$queryRaw<StuckRow[]>`
    SELECT * FROM app_stuck_sends(500, ${queuedGrace}::interval) WHERE status = 'QUEUED'`;
  const live = await services.jobs.liveSingletonKeys(
    QUEUES.draftSend.name,
    waiting.map((r) => r.draft_id),
    config.SEND_LEASE_SECONDS,
  );
  let recovered = 0;
  let requeued = 0;
  for (const row of [...lapsed, ...waiting.filter((r) => !live.has(r.draft_id))]) {
    const job = { tenantId: row.tenant_id, draftId: row.draft_id };
    try {
      if (row.status === "SENDING") {
        const result = await recoverLapsedSend(services, job);
        if (result.outcome !== "skipped") recovered++;
      } else {
        await enqueueSend(services, null, job.tenantId, job.draftId);
        requeued++;
      }
    } catch (error) {
      services.logger.warn({ err: error, draftId: job.draftId }, "send sweeper could not settle a draft");
    }
  }
  return { recovered, requeued };
}

export interface SendWorkers {
  stop(): Promise<void>;
}

export async function startSendWorkers(services: Services): Promise<SendWorkers> {
  const { jobs, config, logger } = services;
  for (let i = 0; i < config.SEND_WORKERS; i++) {
    await workTenantQueue<SendJob>(services, QUEUES.draftSend.name, { batchSize: config.SEND_BATCH_SIZE, pollingIntervalSeconds: config.SEND_POLL_SECONDS }, async (jobs) => {
      if (jobs.length > 0) await handleSendJobs(services, jobs);
    });
  }
  let sweeping: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = sweepSends(services)
      .then((r) => {
        if (r.recovered || r.requeued) logger.info(r, "send sweeper settled drafts");
      })
      .catch((error) => logger.warn({ err: error }, "send sweep failed"))
      .finally(() => {
        sweeping = null;
      });
  }, config.SEND_SWEEP_SECONDS * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await sweeping;
      await jobs.boss.offWork(QUEUES.draftSend.name).catch(() => {});
    },
  };
}
