// Lead scores (snapshots with their factors), scoring model versions with
// their metrics, training on demand, and the scoring settings.
import type { Factor } from "../../../domain/scoring/rules.js";
import { requestModelTraining, updateSalesSettings } from "../../../orchestration/tenant/sales-settings.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { payloadType, toPayload, type Payload } from "../user-error.js";

const FactorSourceEnum = builder.enumType("ScoreFactorSource", { values: ["RULES", "MODEL", "AI", "DISQUALIFICATION"] as const });

const ScoreFactorType = builder.objectRef<Factor>("ScoreFactor").implement({
  description: "One reason behind a score, with the points it contributed (negative lowers the score).",
  fields: (t) => ({
    feature: t.exposeString("feature"),
    contribution: t.exposeFloat("contribution"),
    reason: t.exposeString("reason"),
    source: t.field({ type: FactorSourceEnum, resolve: (f) => f.source }),
  }),
});

export const ScoreSnapshotType = builder.prismaNode("ScoreSnapshot", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  description: "One scoring of a lead: kept as history; a new one is written only when its inputs changed.",
  fields: (t) => ({
    score: t.exposeInt("score", { description: "0–100." }),
    grade: t.exposeString("grade", { description: "A (best) to D." }),
    confidence: t.exposeFloat("confidence", { description: "0–1: how complete the lead's data is and how good the model is." }),
    version: t.exposeString("version", { description: "What produced it: rules:<hash>, or model:<version>+rules:<hash>." }),
    disqualified: t.exposeBoolean("disqualified"),
    factors: t.field({
      type: [ScoreFactorType],
      description: "Up to five factors that raised the score and five that lowered it, largest first.",
      resolve: (s) => s.factors as unknown as Factor[],
    }),
    positiveFactors: t.field({ type: [ScoreFactorType], resolve: (s) => (s.factors as unknown as Factor[]).filter((f) => f.contribution > 0) }),
    negativeFactors: t.field({ type: [ScoreFactorType], resolve: (s) => (s.factors as unknown as Factor[]).filter((f) => f.contribution < 0) }),
    details: t.expose("details", {
      type: "JSON",
      description: "Disqualification reasons, rules score, model probability, fallback note (why no model was used), AI adjustment and reason.",
    }),
    fallbackReason: t.string({
      nullable: true,
      description: "Why the score comes from the rules alone, when it does.",
      resolve: (s) => (s.details as { fallback?: string | null }).fallback ?? null,
    }),
    lead: t.relation("lead"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

interface ModelMetrics {
  status?: string;
  reason?: string | null;
  auc?: number | null;
  labelled?: number;
  positives?: number;
  negatives?: number;
  trainCount?: number;
  testCount?: number;
}

export const ScoringModelType = builder.prismaNode("ScoringModel", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  description: "One training run of the tenant's scoring model. Active when its held-out AUC cleared the minimum.",
  fields: (t) => ({
    version: t.exposeInt("version"),
    algorithm: t.exposeString("algorithm"),
    active: t.exposeBoolean("active"),
    status: t.string({ description: "TRAINED or INSUFFICIENT_DATA.", resolve: (m) => (m.metrics as ModelMetrics).status ?? "TRAINED" }),
    reason: t.string({ nullable: true, description: "Why it is not used, when it is not.", resolve: (m) => (m.metrics as ModelMetrics).reason ?? null }),
    auc: t.float({ nullable: true, description: "ROC AUC on the held-out 20 %.", resolve: (m) => (m.metrics as ModelMetrics).auc ?? null }),
    labelledLeads: t.int({ resolve: (m) => (m.metrics as ModelMetrics).labelled ?? 0 }),
    trainCount: t.int({ resolve: (m) => (m.metrics as ModelMetrics).trainCount ?? 0 }),
    testCount: t.int({ resolve: (m) => (m.metrics as ModelMetrics).testCount ?? 0 }),
    metrics: t.expose("metrics", { type: "JSON", description: "All training metrics, including calibration by band." }),
    trainedAt: t.expose("trainedAt", { type: "DateTime" }),
  }),
});

builder.queryField("scoringModels", (t) =>
  t.prismaConnection(
    {
      type: "ScoringModel",
      cursor: "id",
      description: "Model versions, newest first.",
      authScopes: { permission: "lead:read" },
      resolve: (query, _root, _args, ctx) => ctx.db.scoringModel.findMany({ ...query, orderBy: { version: "desc" } }),
    },
    { name: "ScoringModelConnection" },
    { name: "ScoringModelEdge" },
  ),
);

builder.queryField("activeScoringModel", (t) =>
  t.prismaField({
    type: "ScoringModel",
    nullable: true,
    description: "The model scores use now; null means scores come from the rules alone.",
    authScopes: { permission: "lead:read" },
    resolve: (query, _root, _args, ctx) => ctx.db.scoringModel.findFirst({ ...query, where: { active: true }, orderBy: { version: "desc" } }),
  }),
);

const ScoringModelTrainInput = builder.inputType("ScoringModelTrainInput", {
  fields: (t) => ({ idempotencyKey: t.string({ required: false }) }),
});

const ScoringModelTrainPayload = payloadType<Payload<{ jobId: string | null; queued: boolean }>>("ScoringModelTrainPayload", (t) => ({
  jobId: t.string({ nullable: true, resolve: (p) => p.jobId ?? null }),
  queued: t.boolean({ nullable: true, description: "False when a run for this tenant is already queued.", resolve: (p) => p.queued ?? null }),
}));

builder.mutationField("scoringModelTrain", (t) =>
  t.field({
    type: ScoringModelTrainPayload,
    description: "Queues training of a new model version from the leads with a known outcome (see scoringModels for the result).",
    authScopes: { permission: "scoring:manage" },
    args: { input: t.arg({ type: ScoringModelTrainInput, required: false }) },
    resolve: async (_root, { input }, ctx) => toPayload(await requestModelTraining(ctx.services, actorOf(ctx), input?.idempotencyKey ?? ctx.idempotencyKey)),
  }),
);

const SettingsPatchInput = (name: string, description: string) =>
  builder.inputType(name, {
    fields: (t) => ({
      patch: t.field({ type: "JSON", required: true, description }),
      idempotencyKey: t.string({ required: false }),
    }),
  });

export const SettingsPayload = payloadType<Payload<{ tenantId: string }>>("SalesSettingsPayload", (t) => ({
  tenant: t.prismaField({
    type: "Tenant",
    nullable: true,
    resolve: (query, p, _args, ctx) => (p.tenantId ? ctx.db.tenant.findUnique({ ...query, where: { id: p.tenantId } }) : null),
  }),
}));

const ScoringUpdateSettingsInput = SettingsPatchInput(
  "ScoringUpdateSettingsInput",
  "A JSON merge patch of settings.scoring (icp, engagement, grades, qualifyThreshold, model, ai, disqualification).",
);

builder.mutationField("scoringUpdateSettings", (t) =>
  t.field({
    type: SettingsPayload,
    authScopes: { permission: "scoring:manage" },
    args: { input: t.arg({ type: ScoringUpdateSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateSalesSettings(ctx.services, actorOf(ctx), "scoring", input.patch, input.idempotencyKey ?? ctx.idempotencyKey)),
  }),
);

const PipelineUpdateSettingsInput = SettingsPatchInput(
  "PipelineUpdateSettingsInput",
  "A JSON merge patch of settings.pipeline (stages replace the whole list; allowBackwardMoves, allowSkippingStages, currencies).",
);

builder.mutationField("pipelineUpdateSettings", (t) =>
  t.field({
    type: SettingsPayload,
    authScopes: { permission: "pipeline:manage" },
    args: { input: t.arg({ type: PipelineUpdateSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateSalesSettings(ctx.services, actorOf(ctx), "pipeline", input.patch, input.idempotencyKey ?? ctx.idempotencyKey)),
  }),
);
