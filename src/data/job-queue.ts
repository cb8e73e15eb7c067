// Background jobs on pg-boss (PostgreSQL-backed, so a job can be enqueued in
// the same transaction as the change that causes it).
//
// The owner installs pg-boss's schema and creates every queue
// (installJobQueues, at migration time); the service role only uses them.
import PgBoss from "pg-boss";
import { createLogger, type Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { Tx } from "./database.js";

export interface QueueDefinition {
  name: string;
  /** Attempts after the first; backoff doubles the delay each time. */
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /** Where jobs go after their last failed attempt. */
  deadLetter?: string;
  policy?: PgBoss.QueuePolicy;
}

/** Every queue the service uses. Features add theirs here. */
export const QUEUES = {
  maintenance: { name: "maintenance", retryLimit: 2, retryDelaySeconds: 30, retryBackoff: true },
  /** Hourly: writes the weekly digests that are due (src/jobs/weekly-digest.ts); each member's at most once a week. */
  weeklyDigest: { name: "weekly-digest", retryLimit: 1, retryDelaySeconds: 300, expireInSeconds: 30 * 60 },
  /**
   * One job per queued draft (singletonKey = draft id). The job is only a
   * trigger: exactly-once is decided by the draft itself — a worker claims it
   * from QUEUED under the draft's row lock and holds a SENDING lease; the send
   * record is unique per draft; the Message-ID is fixed. A second job for the
   * same draft finds it no longer QUEUED and does nothing.
   *
   * Policy "short": at most one *waiting* (created) job per draft, any number
   * active. Not "stately" or "singleton": those add a unique index over
   * *active* jobs per key, and pg-boss 10's fetch (plans.js fetchNextJob)
   * takes the oldest waiting job and sets it active without checking it; when
   * a job of the same draft is still active — e.g. one held by an instance that
   * was killed, until expireInSeconds — that UPDATE violates the index, the
   * whole fetch fails, and since the same oldest job is picked every time, no
   * job of any tenant is fetched again (issue 9: 15–18 minutes without a
   * send). "short" only constrains inserts (a duplicate enqueue is dropped),
   * never fetch or retry, so no job can become unfetchable. A dead instance's
   * active jobs are harmless: the sweeper re-enqueues its drafts once their
   * lease lapses (src/jobs/draft-send.ts), and when pg-boss finally expires
   * the dead jobs, their retries find the drafts settled.
   */
  draftSend: { name: "draft-send", retryLimit: 10, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 15 * 60, policy: "short" },
  /** Scores new and changed leads (data: tenantId, leadIds). */
  leadScoring: { name: "lead-scoring", retryLimit: 3, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 10 * 60 },
  /**
   * Trains a tenant's scoring model (singletonKey = tenant id). At most one
   * queued per tenant: policy "short" drops a second enqueue while one waits.
   * At most one running per tenant: the worker holds a per-tenant transaction
   * advisory lock for the whole training (src/jobs/lead-scoring.ts), so a job
   * fetched while another of its tenant runs waits for it, and a dead
   * instance's job holds nothing (its transaction ended with its connection).
   * Not "stately", for draftSend's reason above: its unique index on active
   * jobs per key made fetch fail for the whole queue whenever a tenant's next
   * training (or a retry) came due while one was still active.
   */
  scoringTraining: { name: "scoring-training", retryLimit: 1, retryDelaySeconds: 60, expireInSeconds: 30 * 60, policy: "short" },
  /** Nightly: enqueues training for every tenant with new outcomes. */
  scoringTrainingSchedule: { name: "scoring-training-schedule", retryLimit: 1, retryDelaySeconds: 300 },
  /**
   * Agents, one queue each (data: tenantId, runId; the AgentRun row holds the
   * rest). Jobs carry a fair-share priority (src/domain/agent/agent.ts); after their
   * last attempt they go to the dead-letter queue, whose worker marks the run DEAD.
   * Retry counts and delays are set per job from the AGENT_* configuration.
   */
  agentInboundAnalysis: { name: "agent-inbound-analysis", deadLetter: "agent-dead-letter" },
  agentThreadReader: { name: "agent-thread-reader", deadLetter: "agent-dead-letter" },
  agentDraftWriter: { name: "agent-draft-writer", deadLetter: "agent-dead-letter" },
  agentRecommender: { name: "agent-recommender", deadLetter: "agent-dead-letter" },
  agentVoiceLearner: { name: "agent-voice-learner", deadLetter: "agent-dead-letter" },
  agentDeadLetter: { name: "agent-dead-letter", retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true },
  /** Re-seals stored credentials under the newest key of CREDENTIALS_KEYS (src/jobs/credential-rotation.ts). */
  credentialRotation: { name: "credential-rotation", retryLimit: 3, retryDelaySeconds: 60, retryBackoff: true, expireInSeconds: 30 * 60 },
  /**
   * One outbound webhook attempt (data: tenantId, endpointId, eventId, attempt).
   * The retry schedule is the job's own (the next attempt is a new job with
   * startAfter, enqueued with the attempt's log row); pg-boss's retries only
   * cover a worker that crashed or threw mid-attempt (src/jobs/webhook-delivery.ts).
   */
  webhookDelivery: { name: "webhook-delivery", retryLimit: 5, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 5 * 60 },
  /**
   * Processes one verified inbound webhook delivery (data: tenantId, deliveryId = the
   * InboundWebhookDelivery row). Idempotent: the row's status is checked under its lock,
   * so a retried or duplicate job acts once (src/jobs/inbound-webhook.ts).
   */
  inboundWebhook: { name: "inbound-webhook", retryLimit: 5, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 5 * 60 },
  /**
   * One sync of one connected Gmail mailbox (data: tenantId, connectionId, reason; singletonKey =
   * connection id). Policy "short": at most one waiting per mailbox, so a burst of push notifications
   * or polls while a sync runs leaves exactly one more to run after it. Two running at once (another
   * instance, an expired job) are harmless: the mailbox's lease makes the second wait, and every
   * message is ingested once by unique constraints (src/orchestration/connection/gmail-sync.ts).
   */
  gmailSync: { name: "gmail-sync", retryLimit: 3, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 30 * 60, policy: "short" },
  /** Scheduled (GMAIL_SYNC_POLL_CRON): enqueues an incremental sync for every ACTIVE Google mailbox. */
  gmailSyncPoll: { name: "gmail-sync-poll", retryLimit: 1, retryDelaySeconds: 30 },
  /** Scheduled twice a day when GMAIL_PUSH_TOPIC is set: renews users.watch of every ACTIVE Google mailbox (a watch lasts 7 days). */
  gmailWatchRenewal: { name: "gmail-watch-renewal", retryLimit: 2, retryDelaySeconds: 300 },
  /**
   * Long memory of one tenant (data: tenantId; singletonKey = tenant id): indexes new sources and embeds
   * items lacking an embedding of the current model (src/jobs/memory-index.ts). Enqueued when the outbox
   * delivers a message, activity, sent draft or thread reading, and by the hourly sweep (the backfill and
   * the re-embedding after a model change). Policy "short": one waiting per tenant; idempotent.
   */
  memoryIndex: { name: "memory-index", retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 30 * 60, policy: "short" },
  /** Scheduled hourly: enqueues memory-index for every tenant. */
  memoryIndexSweep: { name: "memory-index-sweep", retryLimit: 1, retryDelaySeconds: 300 },
  /**
   * One step of one sequence enrolment, due at its time (startAfter): prepare the step (a draft ahead of
   * the recipient's window, a task, a wait), check it at the window's end, or resume a paused enrolment
   * (data: tenantId, enrollmentId, stepRunId, token, action). A job whose token is older than the
   * enrolment's does nothing (src/jobs/sequence-step.ts).
   */
  sequenceStep: { name: "sequence-step", retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 10 * 60 },
  /**
   * One send day of one story-pitch campaign (data: tenantId, campaignId, day, token), due ahead of the
   * day: writes that day's drafts. A job whose token is older than the campaign's does nothing
   * (src/jobs/campaign-draft.ts).
   */
  /**
   * One run of a sequence's enrolment rule (data: tenantId, sequenceId, after; singletonKey = the
   * sequence id): enrols the saved segment's new matches (src/jobs/sequence-segment.ts). Policy "short":
   * one waiting run per rule; the sequence row lock keeps two runs from enrolling a contact twice.
   */
  sequenceSegment: { name: "sequence-segment", retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 10 * 60, policy: "short" },
  /** Scheduled hourly: enqueues sequence-segment for every active rule of every tenant. */
  sequenceSegmentSweep: { name: "sequence-segment-sweep", retryLimit: 1, retryDelaySeconds: 300 },
  /**
   * SPF/DKIM/DMARC re-check of one tenant's sending domains (data: tenantId, force; singletonKey = tenant
   * id): stores each result and audits/events a domain that newly fails DMARC or recovers
   * (src/jobs/sending-domain-recheck.ts). Policy "short": one waiting per tenant; idempotent.
   */
  sendingDomainRecheck: { name: "sending-domain-recheck", retryLimit: 3, retryDelaySeconds: 300, retryBackoff: true, expireInSeconds: 10 * 60, policy: "short" },
  /** Scheduled (DNS_RECHECK_CRON, hourly): enqueues sending-domain-recheck for every tenant. */
  sendingDomainRecheckSweep: { name: "sending-domain-recheck-sweep", retryLimit: 1, retryDelaySeconds: 300 },
  campaignDraft: { name: "campaign-draft", retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 30 * 60 },
  /**
   * HubSpot inbound sync of one connection (data: tenantId, connectionId;
   * singletonKey = connection id): incremental by last-modified, and the full
   * reconcile (src/jobs/hubspot-sync.ts). Policy "short": one waiting job per
   * connection; a per-connection advisory lock keeps two runs from overlapping.
   */
  hubspotSync: { name: "hubspot-sync", retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 60 * 60, policy: "short" },
  hubspotReconcile: { name: "hubspot-reconcile", retryLimit: 3, retryDelaySeconds: 60, retryBackoff: true, expireInSeconds: 4 * 60 * 60, policy: "short" },
  /** Scheduled (HUBSPOT_SYNC_CRON / HUBSPOT_RECONCILE_CRON): enqueue a sync / reconcile of every ACTIVE HubSpot connection. */
  hubspotSyncPoll: { name: "hubspot-sync-poll", retryLimit: 1, retryDelaySeconds: 60 },
  hubspotReconcilePoll: { name: "hubspot-reconcile-poll", retryLimit: 1, retryDelaySeconds: 300 },
  /**
   * One HubspotSyncItem (data: tenantId, itemId; singletonKey = item id): a record pushed to HubSpot or
   * an engagement logged on its timelines (src/jobs/hubspot-push.ts). Policy "short": changes made while
   * the item's job waits are coalesced into it.
   */
  hubspotPush: { name: "hubspot-push", retryLimit: 6, retryDelaySeconds: 20, retryBackoff: true, expireInSeconds: 10 * 60, policy: "short" },
  /**
   * Refreshes the sales tables' planner statistics after bulk writes (data: rowsWritten; singletonKey =
   * SALES_STATISTICS_KEY, src/jobs/sales-statistics.ts), due a few seconds after the first write of a
   * burst. Policy "short": one waiting job across the service; the writes that come while it waits add
   * their rows to it (sendCoalesced), so an import of many files in a row is one refresh, not one each.
   */
  salesStatistics: { name: "sales-statistics", retryLimit: 2, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 15 * 60, policy: "short" },
  /** Builds one data export's archive (data: tenantId, exportId); only a QUEUED export is built, so a retry is harmless (src/jobs/data-export.ts). */
  dataExport: { name: "data-export", retryLimit: 3, retryDelaySeconds: 15, retryBackoff: true, expireInSeconds: 15 * 60 },
} satisfies Record<string, QueueDefinition>;

export const JOB_STATES = ["created", "retry", "active", "completed", "cancelled", "failed"] as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES]["name"];

const SCHEMA = "pgboss";

function queueOptions(q: QueueDefinition): PgBoss.Queue {
  return {
    name: q.name,
    policy: q.policy ?? "standard",
    retryLimit: q.retryLimit ?? 3,
    retryDelay: q.retryDelaySeconds ?? 5,
    retryBackoff: q.retryBackoff ?? true,
    expireInSeconds: q.expireInSeconds ?? 15 * 60,
    ...(q.deadLetter ? { deadLetter: q.deadLetter } : {}),
  };
}

/** pg-boss reports errors as events (a failed fetch, maintenance, the pool); the worker loops go on after them. */
interface BossError {
  message?: string;
  stack?: string;
  code?: string;
  detail?: string;
  constraint?: string;
  queue?: string;
  worker?: string;
}

/** Logs (and counts) every pg-boss error: silently discarded, a jammed queue looks like an idle one. */
function reportErrors(boss: PgBoss, logger: Logger, metrics?: Pick<Metrics, "jobQueueErrors">): void {
  boss.on("error", (raw: unknown) => {
    const e = (raw ?? {}) as BossError;
    const err = raw instanceof Error ? raw : Object.assign(new Error(String(e.message ?? raw)), { code: e.code, stack: e.stack });
    metrics?.jobQueueErrors.inc({ queue: e.queue ?? "none", code: e.code ?? "none" });
    logger.error({ err, queue: e.queue, worker: e.worker, detail: e.detail, constraint: e.constraint }, "job queue error");
  });
}

/** Installs (or upgrades) pg-boss and creates all queues, as the schema owner; grants the service role their use. */
export async function installJobQueues(
  ownerUrl: string,
  queues: QueueDefinition[] = Object.values(QUEUES),
  options: { logger?: Logger } = {},
): Promise<void> {
  const boss = new PgBoss({ connectionString: ownerUrl, schema: SCHEMA, supervise: false, schedule: false, max: 2 });
  reportErrors(boss, options.logger ?? createLogger("warn"));
  await boss.start();
  try {
    // Dead-letter queues must exist before the queues that point at them.
    const ordered = [...queues].sort((a, b) => Number(!!a.deadLetter) - Number(!!b.deadLetter));
    for (const q of ordered) {
      const existing = await boss.getQueue(q.name);
      if (existing) await boss.updateQueue(q.name, queueOptions(q));
      else await boss.createQueue(q.name, queueOptions(q));
      // pg-boss copies the policy into each job row. Unfinished jobs of a queue that was "stately"
      // (draft-send and scoring-training until issue 9) would keep its unique index on active jobs — and could still jam
      // fetch — so they move to the queue's new policy. Safe: "stately" allowed at most one created
      // job per key, which is all "short" asks; "standard" asks nothing.
      const policy = queueOptions(q).policy;
      if (existing?.policy === "stately" && (policy === "short" || policy === "standard")) {
        await boss.getDb().executeSql(
          `UPDATE ${SCHEMA}.job SET policy = $2 WHERE name = $1 AND policy = 'stately' AND state < 'completed'`,
          [q.name, policy],
        );
      }
    }
    await boss.getDb().executeSql(
      `GRANT USAGE ON SCHEMA ${SCHEMA} TO sales_app;
       GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${SCHEMA} TO sales_app;
       GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${SCHEMA} TO sales_app;
       GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${SCHEMA} TO sales_app;`,
      [],
    );
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

export interface JobQueue {
  boss: PgBoss;
  /** Enqueues a job; pass the use case's transaction to enqueue atomically with the change. */
  send(queue: QueueName, data: object, options?: PgBoss.SendOptions, tx?: Tx): Promise<string | null>;
  /** Job counts by queue and state, for /metrics. */
  counts(): Promise<{ queue: string; state: string; count: number }[]>;
  /**
   * Of these singleton keys, the ones that still have a live job in the queue:
   * one waiting (created, or retry while it backs off) or one that a worker
   * started less than `activeWithinSeconds` ago. An older active job is taken
   * for dead (its worker's instance was killed, or it hangs).
   */
  liveSingletonKeys(queue: QueueName, keys: string[], activeWithinSeconds: number): Promise<Set<string>>;
  /**
   * Enqueues a job whose data are counts, or, while a job of the same singleton key is still waiting
   * (a "short" queue), adds the counts to that job's data instead: a burst of sends is one job that
   * knows all of them. Returns the new job's id, or null when the counts went to the waiting job.
   */
  sendCoalesced(queue: QueueName, singletonKey: string, counts: Record<string, number>, options?: PgBoss.SendOptions): Promise<string | null>;
  stop(): Promise<void>;
}

export interface JobQueueOptions {
  supervise?: boolean;
  schedule?: boolean;
  /** Where pg-boss errors are logged (the service logger). */
  logger?: Logger;
  /** Where they are counted (job_queue_errors_total). */
  metrics?: Pick<Metrics, "jobQueueErrors">;
}

/** Connects as the service role; does not install or migrate anything. */
export async function startJobQueue(appUrl: string, options: JobQueueOptions = {}): Promise<JobQueue> {
  const boss = new PgBoss({
    connectionString: appUrl,
    schema: SCHEMA,
    migrate: false,
    supervise: options.supervise ?? true,
    schedule: options.schedule ?? true,
    max: 4,
    application_name: "sales-agent-jobs",
  });
  reportErrors(boss, options.logger ?? createLogger("warn"), options.metrics);
  await boss.start();
  return {
    boss,
    send(queue, data, sendOptions = {}, tx) {
      return boss.send(queue, data, tx ? { ...sendOptions, db: transactionDb(tx) } : sendOptions);
    },
    async counts() {
      const result = await boss.getDb().executeSql(
        `SELECT name AS queue, state::text AS state, count(*)::int AS count FROM ${SCHEMA}.job GROUP BY 1, 2`,
        [],
      );
      return result.rows as { queue: string; state: string; count: number }[];
    },
    async liveSingletonKeys(queue, keys, activeWithinSeconds) {
      if (keys.length === 0) return new Set();
      const result = await boss.getDb().executeSql(
        `SELECT DISTINCT singleton_key AS key FROM ${SCHEMA}.job
         WHERE name = $1 AND singleton_key = ANY($2::text[])
           AND (state < 'active' OR (state = 'active' AND started_on > now() - make_interval(secs => $3)))`,
        [queue, keys, activeWithinSeconds],
      );
      return new Set((result.rows as { key: string }[]).map((r) => r.key));
    },
    async sendCoalesced(queue, singletonKey, counts, sendOptions = {}) {
      // The waiting job may be fetched between a refused send and the update (the update then finds no
      // waiting job, and the next send succeeds): a few rounds settle it either way.
      for (let round = 0; round < 3; round++) {
        const id = await boss.send(queue, counts, { ...sendOptions, singletonKey });
        if (id) return id;
        const merged = await boss.getDb().executeSql(
          `UPDATE ${SCHEMA}.job j
              SET data = j.data || COALESCE((SELECT jsonb_object_agg(c.key, COALESCE((j.data->>c.key)::numeric, 0) + c.value::numeric) FROM jsonb_each_text($3::jsonb) c), '{}')
            WHERE j.name = $1 AND j.singleton_key = $2 AND j.state = 'created'
            RETURNING j.id`,
          [queue, singletonKey, JSON.stringify(counts)],
        );
        if (merged.rows.length > 0) return null;
      }
      throw new Error(`could not enqueue or coalesce a ${queue} job`);
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
    },
  };
}

/** pg-boss's `db` adapter over a Prisma interactive transaction. */
export function transactionDb(tx: Tx): PgBoss.Db {
  return {
    async executeSql(text, values) {
      const rows = await tx.$queryRawUnsafe<unknown[]>(text, ...values);
      return { rows };
    },
  };
}

/**
 * Set in the data of a job put back because its tenant was suspended
 * (src/jobs/tenant-worker.ts); the worker strips it before the handler sees the job.
 */
export const DEFERRED_MARK = "deferredWhileSuspended";

/**
 * Puts active jobs back, due at `startAfter`, in the caller's transaction: each is
 * re-sent with the same data (marked), priority, singleton key, dead letter,
 * expiry and the retries it has left, and the fetched one is completed — both or
 * neither. A re-send that a waiting job of the same singleton key absorbs
 * (policy "short") is dropped: the waiting job does the same work.
 */
export async function deferJobs(
  boss: PgBoss,
  queue: string,
  jobs: PgBoss.JobWithMetadata<object>[],
  startAfter: Date,
  tx: Tx,
): Promise<void> {
  const db = transactionDb(tx);
  for (const job of jobs) {
    await boss.send(queue, { ...job.data, [DEFERRED_MARK]: true }, {
      db,
      startAfter,
      priority: job.priority,
      retryLimit: Math.max(0, job.retryLimit - job.retryCount),
      retryDelay: job.retryDelay,
      retryBackoff: job.retryBackoff,
      expireInSeconds: Math.max(1, Math.round(Number(job.expireInSeconds))),
      ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
      ...(job.deadLetter ? { deadLetter: job.deadLetter } : {}),
    });
  }
  for (const job of jobs) await boss.complete(queue, job.id, { deferred: true }, { db });
}

/** Makes every job deferred for this tenant due now (in the caller's transaction, e.g. the resume's). Returns how many. */
export async function releaseDeferredJobs(tx: Tx, tenantId: string): Promise<number> {
  return tx.$executeRawUnsafe(
    `UPDATE ${SCHEMA}.job SET start_after = now()
     WHERE state = 'created' AND start_after > now() AND data->>'tenantId' = $1 AND data->>'${DEFERRED_MARK}' IS NOT NULL`,
    tenantId,
  );
}
