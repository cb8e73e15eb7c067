// The agent workers: AGENT_WORKERS per agent queue in this instance, each
// taking one job at a time by fair-share priority (src/domain/agent/agent.ts), and
// one dead-letter worker that marks runs DEAD after their last attempt.
import type PgBoss from "pg-boss";
import { QUEUES } from "../data/job-queue.js";
import { AGENTS, type AgentName } from "../domain/agent/agent.js";
import { AGENT_QUEUES, executeAgentRun, markRunDead, type AgentHandler, type AgentJobData, type AgentRunOutcome } from "../orchestration/agent/agent-run.js";
import { runDraftWriter } from "../orchestration/draft/draft-writer.js";
import { runThreadReader } from "../orchestration/inbound/email-thread.js";
import { runInboundAnalysis } from "../orchestration/inbound/inbound-analysis.js";
import { runRecommender } from "../orchestration/pipeline/recommendation.js";
import type { Services } from "../orchestration/services.js";
import { runVoiceLearner } from "../orchestration/draft/voice.js";
import { workTenantQueue } from "./tenant-worker.js";

export const AGENT_HANDLERS: Readonly<Record<AgentName, AgentHandler>> = {
  "inbound-analysis": runInboundAnalysis,
  "thread-reader": runThreadReader,
  "draft-writer": runDraftWriter,
  recommender: runRecommender,
  "voice-learner": runVoiceLearner,
};

/**
 * Runs one agent job (tests call it to drive a run without workers). Throws when pg-boss should retry.
 * A suspended tenant's job never gets here: the workers' guard puts it back (src/jobs/tenant-worker.ts).
 */
export async function handleAgentJob(services: Services, agent: AgentName, data: AgentJobData): Promise<AgentRunOutcome> {
  return executeAgentRun(services, data, AGENT_HANDLERS[agent]);
}

/** The output pg-boss keeps of the last failed attempt: the error it was thrown with. */
function lastError(job: PgBoss.Job<AgentJobData> & { output?: unknown }): string | null {
  const output = job.output as { message?: unknown; value?: { message?: unknown } } | null | undefined;
  const message = output?.message ?? output?.value?.message;
  return typeof message === "string" ? message.slice(0, 1000) : null;
}

export interface AgentWorkers {
  stop(): Promise<void>;
}

/** Each pg-boss instance's agent worker ids per queue, so other workers can wake this instance's idle ones. */
const registry = new WeakMap<PgBoss, Map<string, string[]>>();

/**
 * Wakes this instance's idle workers of these agents' queues: work queued and committed
 * elsewhere (a Gmail sync that ingested mail) starts now, not at the next polling interval.
 */
export function wakeAgentWorkers(boss: PgBoss, agents: readonly AgentName[]): void {
  const ids = registry.get(boss);
  for (const agent of agents) for (const id of ids?.get(AGENT_QUEUES[agent]) ?? []) boss.notifyWorker(id);
}

export async function startAgentWorkers(services: Services): Promise<AgentWorkers> {
  const { jobs, config, logger } = services;
  const queues: string[] = [];
  const workerIds = new Map<string, string[]>();
  registry.set(jobs.boss, workerIds);
  if (config.AGENT_WORKERS > 0) {
    for (const agent of AGENTS) {
      const queue = AGENT_QUEUES[agent];
      queues.push(queue);
      for (let i = 0; i < config.AGENT_WORKERS; i++) {
        let workerId: string | null = null;
        workerId = await workTenantQueue<AgentJobData>(services, queue, { batchSize: 1, pollingIntervalSeconds: config.AGENT_POLL_SECONDS }, async ([job]) => {
          if (!job) return;
          const outcome = await handleAgentJob(services, agent, job.data);
          // pg-boss waits a polling interval after every fetch: with work done, fetch the next job at once,
          // and wake this instance's idle workers of the agents just queued (the interval only paces idle workers).
          if (workerId) jobs.boss.notifyWorker(workerId);
          for (const next of outcome.enqueuedQueues) for (const id of workerIds.get(next) ?? []) jobs.boss.notifyWorker(id);
        });
        workerIds.set(queue, [...(workerIds.get(queue) ?? []), workerId]);
      }
    }
    queues.push(QUEUES.agentDeadLetter.name);
    await workTenantQueue<AgentJobData>(
      services,
      QUEUES.agentDeadLetter.name,
      { batchSize: 5, pollingIntervalSeconds: config.AGENT_POLL_SECONDS },
      async (batch) => {
        for (const job of batch) {
          if (!job.data?.tenantId || !job.data?.runId) {
            logger.error({ jobId: job.id }, "dead-lettered agent job without a run; dropped");
            continue;
          }
          await markRunDead(services, job.data, lastError(job));
        }
      },
    );
  }
  return {
    async stop() {
      for (const queue of queues) await jobs.boss.offWork(queue).catch(() => {});
    },
  };
}
