// The send workers and the send sweeper.
//
// Workers take one draft-send job at a time (SEND_WORKERS of them per
// instance); a job whose draft needs another try (a transient transport error)
// throws, and pg-boss retries it with backoff. The sweeper runs every
// SEND_SWEEP_SECONDS on every instance: it recovers drafts whose SENDING lease
// lapsed (see recoverLapsedSend) and re-enqueues QUEUED drafts whose job went
// missing. Both are safe to run concurrently: the draft row lock decides.
import type PgBoss from "pg-boss";
import { QUEUES } from "../data/job-queue.js";
import { deliverDraft, recoverLapsedSend, type SendJob } from "../orchestration/draft-delivery.js";
import { enqueueSend } from "../orchestration/draft.js";
import type { Services } from "../orchestration/services.js";

export class RetryLater extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "RetryLater";
  }
}

/** Handles one job; throws RetryLater when pg-boss should try it again. */
export async function handleSendJob(services: Services, job: PgBoss.Job<SendJob>): Promise<void> {
  const result = await deliverDraft(services, job.data);
  services.logger.info({ draftId: job.data.draftId, outcome: result.outcome, jobId: job.id }, "draft send job done");
  if (result.outcome === "retry") throw new RetryLater(result.reason);
}

export interface SendSweepResult {
  recovered: number;
  requeued: number;
}

/** One sweep: lapsed leases and stranded queued drafts, across tenants (each handled under its own tenant). */
export async function sweepSends(services: Services, options: { queuedGraceSeconds?: number } = {}): Promise<SendSweepResult> {
  // Long enough that a job waiting out pg-boss's retry backoff is not doubled.
  const grace = `${options.queuedGraceSeconds ?? 300} seconds`;
  const stuck = await services.db.prisma.$queryRaw<{ tenant_id: string; draft_id: string; status: string }[]>`
    SELECT * FROM app_stuck_sends(200, ${grace}::interval)`;
  let recovered = 0;
  let requeued = 0;
  for (const row of stuck) {
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
    await jobs.boss.work<SendJob>(QUEUES.draftSend.name, { batchSize: 1, pollingIntervalSeconds: config.SEND_POLL_SECONDS }, async ([job]) => {
      if (job) await handleSendJob(services, job);
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
