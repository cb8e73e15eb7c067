// Agents as pg-boss jobs, each one visible as an AgentRun. Enqueueing writes
// the run and its job in the caller's transaction (both or neither). A worker
// marks the run RUNNING, calls the agent as the tenant's SERVICE principal,
// and records the outcome: SUCCEEDED with its output; on an error, QUEUED
// again while attempts remain (pg-boss retries with backoff), FAILED on the
// last one; the dead-letter worker then marks it DEAD. Agents act only
// through the normal use cases, with the permissions of the SERVICE role,
// which can never approve or send.
import { randomUUID } from "node:crypto";
import { AiError } from "../../ai/provider.js";
import type { AiContext, AiResult } from "../../ai/runtime.js";
import type { Prisma } from "../../data/database.js";
import { QUEUES, type QueueName } from "../../data/job-queue.js";
import { canStart, errorSummary, fairPriority, PENDING_RUN_STATUSES, statusAfterFailure, type AgentName } from "../../domain/agent/agent.js";
import type { FallbackReason } from "../../domain/tenant/ai-policy.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { ok } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import { runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";

export const AGENT_QUEUES: Readonly<Record<AgentName, QueueName>> = {
  "inbound-analysis": QUEUES.agentInboundAnalysis.name,
  "thread-reader": QUEUES.agentThreadReader.name,
  "draft-writer": QUEUES.agentDraftWriter.name,
  recommender: QUEUES.agentRecommender.name,
  "voice-learner": QUEUES.agentVoiceLearner.name,
};

/** What a pg-boss job carries: the tenant and the run. The run row holds the rest. */
export interface AgentJobData {
  tenantId: string;
  runId: string;
}

export interface AgentRunSpec {
  agent: AgentName;
  /** Ids and options only; the agent reads everything else when it runs. */
  input: Record<string, unknown>;
  leadId?: string | null;
  dealId?: string | null;
  startAfter?: Date;
}

/** Creates the run and enqueues its job, in the caller's transaction, with a fair-share priority. */
export async function enqueueAgent(services: Pick<Services, "jobs" | "config">, uow: UnitOfWork, spec: AgentRunSpec): Promise<{ runId: string; jobId: string }> {
  const tenantId = uow.actor.principal.tenantId;
  const queue = AGENT_QUEUES[spec.agent];
  // Row-level security confines the count to this tenant: its own backlog sets its priority.
  const pending = await uow.tx.agentRun.count({ where: { agent: spec.agent, status: { in: [...PENDING_RUN_STATUSES] } } });
  const priority = fairPriority(pending);
  const maxAttempts = services.config.AGENT_MAX_ATTEMPTS;
  const jobId = randomUUID();
  const run = await uow.tx.agentRun.create({
    data: {
      tenantId,
      agent: spec.agent,
      queue,
      jobId,
      priority,
      maxAttempts,
      input: spec.input as Prisma.InputJsonValue,
      leadId: spec.leadId ?? null,
      dealId: spec.dealId ?? null,
      triggeredBy: uow.actor.principal.label,
    },
    select: { id: true },
  });
  const sent = await services.jobs.send(
    queue,
    { tenantId, runId: run.id } satisfies AgentJobData,
    {
      id: jobId,
      priority,
      retryLimit: maxAttempts - 1,
      retryDelay: services.config.AGENT_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      expireInSeconds: services.config.AGENT_TIMEOUT_SECONDS,
      deadLetter: QUEUES.agentDeadLetter.name,
      ...(spec.startAfter ? { startAfter: spec.startAfter } : {}),
    },
    uow.tx,
  );
  if (!sent) throw new Error(`queue ${queue} did not accept the job: is it installed (npm run db:migrate)?`);
  return { runId: run.id, jobId };
}

/** Nothing to do (the message is gone, the contact unsubscribed meanwhile…): the run succeeds and says why. */
export class AgentSkip extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "AgentSkip";
  }
}

/** A failure no retry can fix (e.g. no sender mailbox configured): the run ends FAILED at once. So does a non-transient AiError. */
export class PermanentAgentError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "PermanentAgentError";
  }
}

export interface AgentRunContext {
  runId: string;
  jobId: string;
  tenantId: string;
  agent: AgentName;
  attempt: number;
  input: Record<string, unknown>;
  leadId: string | null;
  dealId: string | null;
  /** The tenant's SERVICE principal for this agent: every change goes through the use cases as it. */
  actor: Actor;
  /** The AI context: every invocation is recorded against this run. */
  ai: AiContext;
  /** Notes a runtime result on the run (a fallback to the local provider shows on the AgentRun) and returns its proposal. */
  use<T>(result: AiResult<T>): T;
  /** Queues a follow-up agent in the caller's unit of work. */
  enqueue(uow: UnitOfWork, spec: AgentRunSpec): Promise<{ runId: string; jobId: string }>;
}

export type AgentHandler = (services: Services, run: AgentRunContext) => Promise<Record<string, unknown>>;

export interface AgentRunOutcome {
  status: "SUCCEEDED" | "FAILED" | "IGNORED";
  /** Queues the run added jobs to (committed): their idle workers may start at once. */
  enqueuedQueues: QueueName[];
}

export function agentActor(tenantId: string, agent: string, jobId: string): Actor {
  return { principal: agentPrincipal(tenantId, agent), meta: { requestId: `job:${jobId}`, traceId: null } };
}

function runEvent(status: "SUCCEEDED" | "FAILED" | "DEAD"): string {
  return `sales.agent_run.${status.toLowerCase()}`;
}

/**
 * Runs one agent job. Throws (so pg-boss retries, or dead-letters after the
 * last attempt) only for errors a retry may fix; everything else is settled here.
 */
export async function executeAgentRun(services: Services, data: AgentJobData, handler: AgentHandler): Promise<AgentRunOutcome> {
  const claimed = await runUnitOfWork(services, agentActor(data.tenantId, "agent-runner", data.runId), async (uow) => {
    const rows = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "AgentRun" WHERE "id" = ${data.runId}::uuid FOR UPDATE`;
    if (!rows.length) return ok(null);
    const run = await uow.tx.agentRun.findUniqueOrThrow({ where: { id: data.runId } });
    if (!canStart(run.status)) return ok(null);
    const updated = await uow.tx.agentRun.update({
      where: { id: run.id },
      data: { status: "RUNNING", attempts: { increment: 1 }, startedAt: new Date() },
    });
    return ok(updated);
  });
  const run = claimed.ok ? claimed.value : null;
  if (!run) return { status: "IGNORED", enqueuedQueues: [] };
  const agent = run.agent as AgentName;
  const actor = agentActor(run.tenantId, agent, run.jobId);
  let fallbackReason: FallbackReason | null = null;
  const enqueuedQueues = new Set<QueueName>();
  const context: AgentRunContext = {
    runId: run.id,
    jobId: run.jobId,
    tenantId: run.tenantId,
    agent,
    attempt: run.attempts,
    input: (run.input ?? {}) as Record<string, unknown>,
    leadId: run.leadId,
    dealId: run.dealId,
    actor,
    ai: { tenantId: run.tenantId, agent, agentRunId: run.id },
    use(result) {
      fallbackReason ??= result.fallbackReason;
      return result.proposal;
    },
    enqueue: (uow, spec) => {
      enqueuedQueues.add(AGENT_QUEUES[spec.agent]);
      return enqueueAgent(services, uow, spec);
    },
  };
  const log = services.logger;
  const started = performance.now();
  const observe = (status: string) => {
    services.metrics.agentRuns.inc({ agent, status });
    services.metrics.agentRunDuration.observe({ agent }, (performance.now() - started) / 1000);
  };
  try {
    const output = await handler(services, context);
    await settle(services, actor, run.id, { status: "SUCCEEDED", output, error: null, fallbackReason });
    observe("SUCCEEDED");
    log.info({ tenantId: run.tenantId, agent, runId: run.id, attempt: run.attempts }, "agent run succeeded");
    return { status: "SUCCEEDED", enqueuedQueues: [...enqueuedQueues] };
  } catch (error) {
    if (error instanceof AgentSkip) {
      await settle(services, actor, run.id, { status: "SUCCEEDED", output: { skipped: error.message }, error: null, fallbackReason });
      observe("SUCCEEDED");
      log.info({ tenantId: run.tenantId, agent, runId: run.id, reason: error.message }, "agent run skipped");
      return { status: "SUCCEEDED", enqueuedQueues: [] };
    }
    // Retries help a timeout, a rate limit, a database hiccup; not a refused or invalid answer.
    const permanent = error instanceof PermanentAgentError || (error instanceof AiError && !error.transient);
    const status = permanent ? "FAILED" : statusAfterFailure(run.attempts, run.maxAttempts);
    await settle(services, actor, run.id, { status, output: null, error: errorSummary(error), fallbackReason });
    observe(status);
    log.warn({ tenantId: run.tenantId, agent, runId: run.id, attempt: run.attempts, err: error, status }, "agent run failed");
    if (permanent) return { status: "FAILED", enqueuedQueues: [] };
    throw error;
  }
}

async function settle(
  services: Services,
  actor: Actor,
  runId: string,
  result: { status: "SUCCEEDED" | "FAILED" | "QUEUED"; output: Record<string, unknown> | null; error: string | null; fallbackReason: FallbackReason | null },
): Promise<void> {
  await runUnitOfWork(services, actor, async (uow) => {
    const finished = result.status !== "QUEUED";
    const run = await uow.tx.agentRun.update({
      where: { id: runId },
      data: {
        status: result.status,
        ...(result.output ? { output: result.output as Prisma.InputJsonValue } : {}),
        error: result.error,
        fallbackReason: result.fallbackReason,
        ...(finished ? { finishedAt: new Date() } : {}),
      },
    });
    if (finished) {
      await uow.emit(runEvent(result.status as "SUCCEEDED" | "FAILED"), {
        agentRunId: run.id,
        agent: run.agent,
        status: run.status,
        attempts: run.attempts,
        leadId: run.leadId,
        dealId: run.dealId,
        error: run.error,
      });
    }
    return ok(null);
  });
}

/** The dead-letter worker's job: the run used all its attempts. Recorded as DEAD with the last error. */
export async function markRunDead(services: Services, data: AgentJobData, lastError: string | null): Promise<boolean> {
  const outcome = await runUnitOfWork(services, agentActor(data.tenantId, "dead-letter", data.runId), async (uow) => {
    const run = await uow.tx.agentRun.findUnique({ where: { id: data.runId } });
    if (!run || run.status === "SUCCEEDED" || run.status === "DEAD") return ok(null);
    const error = run.error ?? lastError ?? "every attempt failed";
    await uow.tx.agentRun.update({ where: { id: run.id }, data: { status: "DEAD", error, finishedAt: run.finishedAt ?? new Date() } });
    await uow.audit({ action: "agent_run.dead", targetType: "AgentRun", targetId: run.id, summary: { agent: run.agent, attempts: run.attempts, error } });
    await uow.emit(runEvent("DEAD"), { agentRunId: run.id, agent: run.agent, status: "DEAD", attempts: run.attempts, leadId: run.leadId, dealId: run.dealId, error });
    return ok(run.agent);
  });
  const agent = outcome.ok ? outcome.value : null;
  if (!agent) return false;
  services.metrics.agentRuns.inc({ agent, status: "DEAD" });
  services.logger.error({ tenantId: data.tenantId, runId: data.runId, agent, error: lastError }, "agent run dead-lettered after its last attempt");
  return true;
}
