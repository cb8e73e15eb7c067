// Sales background work on pg-boss: scoring new and changed leads, training
// a tenant's model on demand, and the nightly retraining of every tenant with
// new outcomes. Each job runs as the tenant's agent principal, inside that
// tenant's row-level security, never as "system with no tenant".
import { randomUUID } from "node:crypto";
import { withTenant } from "../data/database.js";
import { QUEUES } from "../data/job-queue.js";
import { agentPrincipal } from "../domain/access/principal.js";
import { readTenantSettings } from "../domain/tenant/tenant.js";
import { ok } from "../domain/user-error.js";
import { loadLeadFacts } from "../orchestration/lead/lead-facts.js";
import { assessLeads, labelledCountChanged, loadScoringContext, scoreLeadsInUnitOfWork, trainTenantModel } from "../orchestration/lead/lead-scoring.js";
import type { Services } from "../orchestration/services.js";
import { bufferedUnitOfWork, runUnitOfWork, type Actor } from "../orchestration/unit-of-work.js";
import { workTenantQueue } from "./tenant-worker.js";

export const TRAINING_CRON = "0 3 * * *";

function agent(tenantId: string, name: string, jobId: string): Actor {
  return { principal: agentPrincipal(tenantId, name), meta: { requestId: `job:${jobId}`, traceId: null } };
}

/** Scores the given leads of one tenant (AI assessment first, outside the transaction). */
export async function runLeadScoringJob(services: Services, data: { tenantId: string; leadIds: string[] }, jobId: string = randomUUID()): Promise<number> {
  const { tenantId, leadIds } = data;
  const assessments = await assessLeads(services, tenantId, leadIds, (ids) =>
    withTenant(services.db.prisma, { tenantId }, async (tx) => {
      const context = await loadScoringContext(tx, tenantId);
      const facts = await loadLeadFacts(tx, ids, { settings: context.settings, asOf: new Date(), suppression: services.salesHooks?.suppression, tenantId });
      return { facts, context };
    }),
  );
  const outcome = await runUnitOfWork(services, agent(tenantId, "lead-scorer", jobId), async (outer) => {
    // A batch of leads: their events and audit entries are written together.
    const uow = bufferedUnitOfWork(outer);
    const scored = await scoreLeadsInUnitOfWork(services, uow, leadIds, { assessments });
    await uow.flush();
    return ok({ changed: scored.filter((s) => s.changed).length });
  });
  return outcome.ok ? outcome.value.changed : 0;
}

/**
 * Trains one tenant's model. Two trainings of one tenant never overlap: each
 * first takes the tenant's training lock (a transaction advisory lock, held
 * until it commits or rolls back), so a second waits for the first and then
 * trains on what the first committed (the next version). The queue's policy
 * cannot give that guarantee without jamming fetch (QUEUES.scoringTraining);
 * a lock, unlike a job state, ends with a dead instance's connection.
 */
export async function runTrainingJob(services: Services, data: { tenantId: string; trigger?: string }, jobId: string = randomUUID()) {
  return runUnitOfWork(
    services,
    agent(data.tenantId, "model-trainer", jobId),
    async (uow) => {
      await uow.tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`scoring-training:${data.tenantId}`}, 0))`;
      return trainTenantModel(services, uow, data.trigger ?? "job");
    },
    { timeout: 20 * 60_000 },
  );
}

/** The nightly pass: every tenant that allows scheduled retraining and has new outcomes gets a training job. */
export async function scheduleTrainingForAllTenants(services: Services): Promise<string[]> {
  const tenants = await services.db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  const queued: string[] = [];
  for (const { id: tenantId } of tenants) {
    const due = await withTenant(services.db.prisma, { tenantId }, async (tx) => {
      const tenant = await tx.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
      if (!tenant) return false;
      const settings = readTenantSettings(tenant.settings).scoring;
      return settings.model.enabled && settings.model.scheduledRetraining && (await labelledCountChanged(tx));
    });
    if (!due) continue;
    await services.jobs.send(QUEUES.scoringTraining.name, { tenantId, trigger: "schedule" }, { singletonKey: tenantId });
    queued.push(tenantId);
  }
  return queued;
}

export async function startSalesWorkers(services: Services): Promise<void> {
  const { jobs, logger } = services;
  await workTenantQueue<{ tenantId: string; leadIds: string[] }>(services, QUEUES.leadScoring.name, { batchSize: 5, pollingIntervalSeconds: 1 }, async (batch) => {
    for (const job of batch) {
      const changed = await runLeadScoringJob(services, job.data, job.id);
      logger.debug({ tenantId: job.data.tenantId, leads: job.data.leadIds.length, changed }, "leads scored");
    }
  });
  await workTenantQueue<{ tenantId: string; trigger?: string }>(services, QUEUES.scoringTraining.name, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    const outcome = await runTrainingJob(services, job.data, job.id);
    logger.info({ tenantId: job.data.tenantId, outcome: outcome.ok ? outcome.value : outcome.errors }, "scoring model training done");
  });
  await jobs.boss.schedule(QUEUES.scoringTrainingSchedule.name, TRAINING_CRON, {});
  await jobs.boss.work(QUEUES.scoringTrainingSchedule.name, async () => {
    const queued = await scheduleTrainingForAllTenants(services);
    logger.info({ tenants: queued.length }, "nightly scoring model training queued");
  });
}
