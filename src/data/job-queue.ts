// Background jobs on pg-boss (PostgreSQL-backed, so a job can be enqueued in
// the same transaction as the change that causes it).
//
// The owner installs pg-boss's schema and creates every queue
// (installJobQueues, at migration time); the service role only uses them.
import PgBoss from "pg-boss";
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
  /**
   * One job per queued draft (singletonKey = draft id; "stately": at most one
   * waiting and one running per draft). The worker's own bookkeeping on the
   * draft decides exactly-once; pg-boss retries transient failures.
   */
  draftSend: { name: "draft-send", retryLimit: 10, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 15 * 60, policy: "stately" },
  /** Scores new and changed leads (data: tenantId, leadIds). */
  leadScoring: { name: "lead-scoring", retryLimit: 3, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 10 * 60 },
  /** Trains a tenant's scoring model; one queued and one running per tenant (singletonKey = tenant id). */
  scoringTraining: { name: "scoring-training", retryLimit: 1, retryDelaySeconds: 60, expireInSeconds: 30 * 60, policy: "stately" },
  /** Nightly: enqueues training for every tenant with new outcomes. */
  scoringTrainingSchedule: { name: "scoring-training-schedule", retryLimit: 1, retryDelaySeconds: 300 },
  /**
   * Agents, one queue each (data: tenantId, runId; the AgentRun row holds the
   * rest). Jobs carry a fair-share priority (src/domain/agent.ts); after their
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

/** Installs (or upgrades) pg-boss and creates all queues, as the schema owner; grants the service role their use. */
export async function installJobQueues(ownerUrl: string, queues: QueueDefinition[] = Object.values(QUEUES)): Promise<void> {
  const boss = new PgBoss({ connectionString: ownerUrl, schema: SCHEMA, supervise: false, schedule: false, max: 2 });
  boss.on("error", () => {});
  await boss.start();
  try {
    // Dead-letter queues must exist before the queues that point at them.
    const ordered = [...queues].sort((a, b) => Number(!!a.deadLetter) - Number(!!b.deadLetter));
    for (const q of ordered) {
      const existing = await boss.getQueue(q.name);
      if (existing) await boss.updateQueue(q.name, queueOptions(q));
      else await boss.createQueue(q.name, queueOptions(q));
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
  stop(): Promise<void>;
}

/** Connects as the service role; does not install or migrate anything. */
export async function startJobQueue(appUrl: string, options: { supervise?: boolean; schedule?: boolean } = {}): Promise<JobQueue> {
  const boss = new PgBoss({
    connectionString: appUrl,
    schema: SCHEMA,
    migrate: false,
    supervise: options.supervise ?? true,
    schedule: options.schedule ?? true,
    max: 4,
    application_name: "sales-agent-jobs",
  });
  boss.on("error", () => {});
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
