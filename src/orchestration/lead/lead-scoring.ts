// Scoring leads and training the tenant's model. Scoring writes a
// ScoreSnapshot only when something that goes into the score changed (same
// input and version → same score, no new history row), keeps the latest
// score on the lead for sorting and filtering, and applies the hard
// disqualification rules to the lead's status.
import { v7 as uuidv7 } from "uuid";
import { insertRows, type BulkColumn } from "../../data/bulk-insert.js";
import type { Tx } from "../../data/database.js";
import { Prisma } from "../../data/database.js";
import { QUEUES } from "../../data/job-queue.js";
import type { LeadFacts } from "../../domain/scoring/facts.js";
import { trainModel, type ModelParameters, type TrainingSample } from "../../domain/scoring/model.js";
import { scoreLead, type ActiveModel, type AiAssessment, type ScoreResult } from "../../domain/scoring/score.js";
import type { ScoringSettings } from "../../domain/scoring/settings.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { ok, type Outcome } from "../../domain/user-error.js";
import { loadLeadFacts } from "./lead-facts.js";
import type { Services } from "../services.js";
import type { UnitOfWork } from "../unit-of-work.js";

export interface ScoringContext {
  settings: ScoringSettings;
  model: ActiveModel | null;
  noModelReason: string | null;
}

export async function loadScoringContext(tx: Tx, tenantId: string): Promise<ScoringContext> {
  const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
  const settings = readTenantSettings(tenant.settings).scoring;
  const active = await tx.scoringModel.findFirst({ where: { active: true }, orderBy: { version: "desc" } });
  if (active) {
    const metrics = active.metrics as { auc?: number; trainCount?: number };
    return {
      settings,
      model: { version: active.version, parameters: active.parameters as unknown as ModelParameters, auc: metrics.auc ?? 0.5, trainCount: metrics.trainCount ?? 0 },
      noModelReason: null,
    };
  }
  const latest = await tx.scoringModel.findFirst({ orderBy: { version: "desc" }, select: { version: true, metrics: true } });
  const note = (latest?.metrics as { reason?: string } | undefined)?.reason;
  return {
    settings,
    model: null,
    noModelReason: latest
      ? `No usable model: training run ${latest.version} said "${note ?? "not activated"}". The score comes from the rules alone.`
      : "No model has been trained for this tenant yet; the score comes from the rules alone.",
  };
}

export interface ScoredLead {
  leadId: string;
  snapshotId: string;
  /** False when the inputs were unchanged and the latest snapshot still holds. */
  changed: boolean;
  result: ScoreResult;
  newlyDisqualified: boolean;
}

/**
 * Scores leads inside the caller's unit of work. `assessments` are AI
 * assessments asked for beforehand (outside the transaction); one is used
 * only if the facts it was given are still the facts now.
 */
export async function scoreLeadsInUnitOfWork(
  services: Pick<Services, "salesHooks">,
  uow: UnitOfWork,
  leadIds: string[],
  options: { asOf?: Date; assessments?: Map<string, { facts: LeadFacts; assessment: AiAssessment }> } = {},
): Promise<ScoredLead[]> {
  const tenantId = uow.actor.principal.tenantId;
  const context = await loadScoringContext(uow.tx, tenantId);
  const asOf = options.asOf ?? new Date();
  const facts = await loadLeadFacts(uow.tx, leadIds, { settings: context.settings, asOf, suppression: services.salesHooks?.suppression, tenantId });
  const leads = await uow.tx.lead.findMany({
    where: { id: { in: [...facts.keys()] } },
    select: { id: true, status: true, latestScore: { select: { id: true, inputHash: true } } },
  });
  const out: ScoredLead[] = [];
  const snapshots: Record<string, unknown>[] = [];
  const updates: { id: string; score: number; grade: string; snapshotId: string; disqualifiedReason: string | null }[] = [];
  for (const lead of leads) {
    const leadFacts = facts.get(lead.id)!;
    const prepared = options.assessments?.get(lead.id);
    const assessment = prepared && JSON.stringify(prepared.facts) === JSON.stringify(leadFacts) ? prepared.assessment : null;
    const result = scoreLead({ facts: leadFacts, settings: context.settings, model: context.model, noModelReason: context.noModelReason, assessment });
    let snapshotId = lead.latestScore?.id ?? null;
    const changed = lead.latestScore?.inputHash !== result.inputHash;
    if (changed || !snapshotId) {
      snapshotId = uuidv7();
      snapshots.push({
        id: snapshotId,
        tenantId,
        leadId: lead.id,
        score: result.score,
        grade: result.grade,
        confidence: result.confidence,
        version: result.version,
        disqualified: result.disqualified,
        factors: result.factors,
        details: result.details,
        inputHash: result.inputHash,
      });
    }
    const disqualify = result.disqualified && lead.status !== "DISQUALIFIED" && lead.status !== "CONVERTED";
    out.push({ leadId: lead.id, snapshotId, changed, result, newlyDisqualified: disqualify });
    if (!changed && !disqualify && lead.latestScore) continue;
    const reasons = result.details.disqualifications.map((d) => d.reason).join(" ");
    updates.push({ id: lead.id, score: result.score, grade: result.grade, snapshotId, disqualifiedReason: disqualify ? reasons.slice(0, 1000) : null });
    if (changed) {
      await uow.emit("sales.lead.scored", { leadId: lead.id, score: result.score, grade: result.grade, version: result.version });
    }
    if (disqualify) {
      const rules = result.details.disqualifications.map((d) => d.rule);
      await uow.audit({ action: "lead.disqualified", targetType: "Lead", targetId: lead.id, summary: { from: lead.status, rules, by: "rules" } });
      await uow.emit("sales.lead.disqualified", { leadId: lead.id, rules, by: "rules" });
    }
  }
  // Two statements for any number of leads: the new snapshots, then every lead's latest score.
  await insertRows(uow.tx, "ScoreSnapshot", SNAPSHOT_COLUMNS, snapshots);
  if (updates.length) {
    await uow.tx.$executeRaw`
      UPDATE "Lead" l SET "score" = v.score, "grade" = v.grade, "scoredAt" = ${asOf}, "latestScoreId" = v.snapshot_id, "updatedAt" = now(),
        "status" = CASE WHEN v.reason IS NOT NULL THEN 'DISQUALIFIED'::"LeadStatus" ELSE l."status" END,
        "disqualifiedReason" = COALESCE(v.reason, l."disqualifiedReason")
      FROM unnest(${updates.map((u) => u.id)}::uuid[], ${updates.map((u) => u.score)}::int[], ${updates.map((u) => u.grade)}::text[],
                  ${updates.map((u) => u.snapshotId)}::uuid[], ${updates.map((u) => u.disqualifiedReason)}::text[]) AS v(id, score, grade, snapshot_id, reason)
      WHERE l."id" = v.id`;
  }
  return out;
}

const SNAPSHOT_COLUMNS: BulkColumn[] = [
  ["id", "uuid"], ["tenantId", "uuid"], ["leadId", "uuid"], ["score", "int4"], ["grade", "text"], ["confidence", "float8"], ["version", "text"],
  ["disqualified", "bool"], ["factors", "jsonb"], ["details", "jsonb"], ["inputHash", "text"],
];

/** Asks the configured AI assessor about leads a hard rule does not disqualify; outside any transaction. */
export async function assessLeads(
  services: Pick<Services, "db" | "salesHooks" | "logger">,
  tenantId: string,
  leadIds: string[],
  readFacts: (leadIds: string[]) => Promise<{ facts: Map<string, LeadFacts>; context: ScoringContext }>,
): Promise<Map<string, { facts: LeadFacts; assessment: AiAssessment }>> {
  const out = new Map<string, { facts: LeadFacts; assessment: AiAssessment }>();
  const assessor = services.salesHooks?.assessor;
  if (!assessor || leadIds.length === 0) return out;
  const { facts, context } = await readFacts(leadIds);
  for (const [leadId, leadFacts] of facts) {
    const preview = scoreLead({ facts: leadFacts, settings: context.settings, model: null });
    if (preview.disqualified) continue;
    try {
      const assessment = await assessor.assess({ tenantId, leadId, facts: leadFacts });
      if (assessment) out.set(leadId, { facts: leadFacts, assessment });
    } catch (error) {
      // Scoring never depends on the AI: without an answer the score is complete without it.
      services.logger.warn({ err: error, leadId }, "AI lead assessment failed; scoring without it");
    }
  }
  return out;
}

/** Enqueues scoring of leads in the caller's transaction, in batches. */
export async function enqueueLeadScoring(services: Pick<Services, "jobs">, uow: UnitOfWork, leadIds: string[]): Promise<void> {
  for (let i = 0; i < leadIds.length; i += 200) {
    await services.jobs.send(QUEUES.leadScoring.name, { tenantId: uow.actor.principal.tenantId, leadIds: leadIds.slice(i, i + 200) }, {}, uow.tx);
  }
}

export interface TrainingOutcome {
  scoringModelId: string;
  version: number;
  status: "TRAINED" | "INSUFFICIENT_DATA";
  active: boolean;
}

/**
 * Trains a new model version from the tenant's leads with a known outcome.
 * Every run is kept (with its metrics, or why it could not train); a model
 * becomes active only when its held-out AUC clears the tenant's minimum, and
 * then open leads are queued for rescoring.
 */
export async function trainTenantModel(services: Pick<Services, "jobs" | "salesHooks">, uow: UnitOfWork, trigger: string): Promise<Outcome<TrainingOutcome>> {
  const tenantId = uow.actor.principal.tenantId;
  const context = await loadScoringContext(uow.tx, tenantId);
  const labelled = await uow.tx.lead.findMany({
    where: { outcome: { not: null } },
    select: { id: true, outcome: true, convertedAt: true, updatedAt: true },
    orderBy: { id: "asc" },
  });
  const asOfByLead = new Map(labelled.map((l) => [l.id, l.convertedAt ?? l.updatedAt]));
  // In slices: a tenant's whole history would exceed PostgreSQL's bind-parameter limit in one IN list.
  const facts = new Map<string, LeadFacts>();
  for (let i = 0; i < labelled.length; i += 5_000) {
    const slice = labelled.slice(i, i + 5_000);
    const sliceAsOf = new Map(slice.map((l) => [l.id, asOfByLead.get(l.id)!]));
    for (const [id, f] of await loadLeadFacts(uow.tx, slice.map((l) => l.id), { settings: context.settings, asOf: new Date(), asOfByLead: sliceAsOf, tenantId })) facts.set(id, f);
  }
  const samples: TrainingSample[] = labelled.map((l) => ({ key: l.id, facts: facts.get(l.id)!, label: l.outcome === "CONVERTED" ? 1 : 0 }));
  const result = trainModel(samples, context.settings.model);
  const latest = await uow.tx.scoringModel.findFirst({ orderBy: { version: "desc" }, select: { version: true } });
  const version = (latest?.version ?? 0) + 1;
  const active = result.status === "TRAINED" && result.usable;
  if (active) await uow.tx.scoringModel.updateMany({ where: { active: true }, data: { active: false } });
  const metrics =
    result.status === "TRAINED"
      ? { status: result.status, usable: result.usable, reason: result.reason, trigger, ...result.metrics }
      : { status: result.status, usable: false, reason: result.reason, trigger, ...result.metrics };
  const model = await uow.tx.scoringModel.create({
    data: {
      tenantId,
      version,
      algorithm: result.status === "TRAINED" ? result.parameters.algorithm : "none",
      parameters: (result.status === "TRAINED" ? result.parameters : {}) as unknown as Prisma.InputJsonValue,
      metrics: metrics as unknown as Prisma.InputJsonValue,
      active,
    },
  });
  await uow.audit({
    action: "scoring_model.trained",
    targetType: "ScoringModel",
    targetId: model.id,
    summary: { version, status: result.status, active, reason: metrics.reason, labelled: metrics.labelled, auc: "auc" in metrics ? metrics.auc : null, trigger },
  });
  await uow.emit("sales.scoring_model.trained", { scoringModelId: model.id, version, status: result.status, active, auc: "auc" in metrics ? metrics.auc : null });
  if (active) {
    const open = await uow.tx.lead.findMany({ where: { status: { in: ["NEW", "WORKING", "QUALIFIED"] } }, select: { id: true } });
    await enqueueLeadScoring(services, uow, open.map((l) => l.id));
  }
  return ok({ scoringModelId: model.id, version, status: result.status, active });
}

/** How many leads have a known outcome; the nightly run retrains only when this moved since the last run. */
export async function labelledCountChanged(tx: Tx): Promise<boolean> {
  const [count, latest] = await Promise.all([
    tx.lead.count({ where: { outcome: { not: null } } }),
    tx.scoringModel.findFirst({ orderBy: { version: "desc" }, select: { metrics: true } }),
  ]);
  const before = (latest?.metrics as { labelled?: number } | undefined)?.labelled;
  return before === undefined ? count > 0 : before !== count;
}

/** The hard rules that disqualify a lead as it is now (empty when none); reads only. */
export async function hardDisqualifications(services: Pick<Services, "salesHooks">, uow: UnitOfWork, leadId: string): Promise<{ rule: string; reason: string }[]> {
  const tenantId = uow.actor.principal.tenantId;
  const context = await loadScoringContext(uow.tx, tenantId);
  const facts = await loadLeadFacts(uow.tx, [leadId], { settings: context.settings, asOf: new Date(), suppression: services.salesHooks?.suppression, tenantId });
  const leadFacts = facts.get(leadId);
  return leadFacts ? scoreLead({ facts: leadFacts, settings: context.settings, model: null }).details.disqualifications : [];
}
