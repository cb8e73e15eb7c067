// Next-best-action recommendations: the Recommendation node, the list, the
// mutations (generate, accept, dismiss) and the recommendationGenerated
// subscription.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { z } from "zod";
import { Prisma as PrismaSql, type Prisma } from "../../../data/database.js";
import { idCondition, listPage, reads } from "../list-page.js";
import { RECOMMENDATION_TOOLS } from "../../../domain/tenant/ai-policy.js";
import type { DomainEvent } from "../../../domain/event.js";
import { effectiveStatus, RECOMMENDATION_STATUSES, type RecommendationStatus } from "../../../domain/pipeline/recommendation.js";
import type { UserError } from "../../../domain/user-error.js";
import { acceptRecommendation, dismissRecommendation, requestRecommendations } from "../../../orchestration/pipeline/recommendation.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { decodeId, idOf } from "../global-id.js";
import { mapIterator } from "../inbound/inbound-message.js";
import { filterId, optionalIds } from "./sales-common.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

const RecommendationToolEnum = builder.enumType("RecommendationTool", { values: RECOMMENDATION_TOOLS });
const RecommendationStatusEnum = builder.enumType("RecommendationStatus", {
  description: "OPEN; ACCEPTED (the action was performed); DISMISSED (with feedback); EXPIRED (past expiresAt, or replaced by a newer set).",
  values: RECOMMENDATION_STATUSES,
});

builder.prismaNode("Recommendation", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  // Checked once per object (isTypeOf) instead of once per field: the same rule, not run for every scalar of a list page.
  runScopesOnType: true,
  description: "A suggested next action. Accepting it performs the action as you, with your rights.",
  fields: (t) => ({
    tool: t.expose("tool", { type: RecommendationToolEnum }),
    title: t.exposeString("title"),
    params: t.expose("params", { type: "JSON", description: "The tool's arguments (e.g. { dueAt }, { toStage }); you may override them when accepting." }),
    rationale: t.exposeString("rationale"),
    confidence: t.exposeFloat("confidence"),
    factsUsed: t.exposeStringList("factsUsed"),
    rank: t.exposeInt("rank", { description: "1 = best." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    status: t.field({
      type: RecommendationStatusEnum,
      description: "An open one past expiresAt reads EXPIRED.",
      extensions: reads("status", "expiresAt"),
      resolve: (r) => effectiveStatus(r.status as RecommendationStatus, r.expiresAt, new Date()),
    }),
    feedback: t.exposeString("feedback", { nullable: true, description: "The dismissal reason, or why it expired early." }),
    audienceRole: t.exposeString("audienceRole", { description: "The role whose rights the suggestions were shaped for." }),
    provider: t.exposeString("provider", { description: "Which provider proposed it (local, openai)." }),
    decidedBy: t.exposeString("decidedByLabel", { nullable: true }),
    decidedAt: t.expose("decidedAt", { type: "DateTime", nullable: true }),
    result: t.field({
      type: "JSON",
      nullable: true,
      description: "Global ids of what accepting it created or changed: { draftId | taskId | activityId | dealId }.",
      extensions: reads("result"),
      resolve: (r) => globalIds(r.result),
    }),
    lead: t.relation("lead", { nullable: true }),
    deal: t.relation("deal", { nullable: true }),
    contact: t.relation("contact", { nullable: true }),
    agentRun: t.relation("agentRun", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.prismaObjectFields("Lead", (t) => ({
  recommendations: t.relatedConnection("recommendations", {
    cursor: "id",
    description: "Newest set first, best ranked first within a set.",
    args: { status: t.arg({ type: [RecommendationStatusEnum], required: false }) },
    query: (args) => ({ where: statusWhere(args.status ?? undefined), orderBy: [{ createdAt: "desc" }, { rank: "asc" }] }),
  }),
  inboundMessages: t.relatedConnection("inboundMessages", { cursor: "id", query: () => ({ orderBy: { id: "desc" } }) }),
}));

const RESULT_TYPES: Record<string, string> = { draftId: "Draft", taskId: "Task", activityId: "Activity", dealId: "Deal" };

function globalIds(result: unknown): Record<string, string> | null {
  if (!result || typeof result !== "object") return null;
  return Object.fromEntries(
    Object.entries(result as Record<string, unknown>)
      .filter((e): e is [string, string] => typeof e[1] === "string" && e[0] in RESULT_TYPES)
      .map(([k, v]) => [k, encodeGlobalID(RESULT_TYPES[k]!, v)]),
  );
}

function statusWhere(statuses: RecommendationStatus[] | undefined): Prisma.RecommendationWhereInput {
  if (!statuses?.length) return {};
  const now = new Date();
  const or: Prisma.RecommendationWhereInput[] = [];
  if (statuses.includes("OPEN")) or.push({ status: "OPEN", expiresAt: { gt: now } });
  if (statuses.includes("EXPIRED")) or.push({ status: "EXPIRED" }, { status: "OPEN", expiresAt: { lte: now } });
  const settled = statuses.filter((s) => s === "ACCEPTED" || s === "DISMISSED");
  if (settled.length) or.push({ status: { in: settled } });
  return { OR: or };
}

const RecommendationFilter = builder.inputType("RecommendationFilter", {
  fields: (t) => ({
    leadId: t.id({ required: false }),
    dealId: t.id({ required: false }),
    status: t.field({ type: [RecommendationStatusEnum], required: false }),
    tool: t.field({ type: [RecommendationToolEnum], required: false }),
  }),
});

builder.queryField("recommendations", (t) =>
  t.prismaConnection(
    {
      type: "Recommendation",
      cursor: "id",
      description: "Recommendations, newest set first, best ranked first within a set.",
      authScopes: { permission: "lead:read" },
      args: { filter: t.arg({ type: RecommendationFilter, required: false }) },
      resolve: (query, _root, { filter }, ctx, info) => {
        const where: Prisma.RecommendationWhereInput = { ...statusWhere(filter?.status ?? undefined) };
        if (filter?.leadId) where.leadId = filterId(String(filter.leadId), "Lead");
        if (filter?.dealId) where.dealId = filterId(String(filter.dealId), "Deal");
        if (filter?.tool?.length) where.tool = { in: filter.tool };
        // One statement unless the status filter (which reads expiry against the clock) is given (see list-page.ts).
        const sql: PrismaSql.Sql[] | null = filter?.status?.length ? null : [];
        if (sql && filter?.leadId) sql.push(idCondition("leadId", filterId(String(filter.leadId), "Lead")));
        if (sql && filter?.dealId) sql.push(idCondition("dealId", filterId(String(filter.dealId), "Deal")));
        if (sql && filter?.tool?.length) sql.push(PrismaSql.sql`t.tool = ANY(CAST(${[...filter.tool]} AS "RecommendationTool"[]))`);
        return listPage(
          ctx,
          info,
          "Recommendation",
          query,
          [{ field: "createdAt", dir: "desc" }, { field: "rank", dir: "asc" }, { field: "id", dir: "asc" }],
          sql,
          () => ctx.db.recommendation.findMany({ ...query, where, orderBy: [{ createdAt: "desc" }, { rank: "asc" }, { id: "asc" }] }),
        );
      },
    },
    { name: "RecommendationConnection" },
    { name: "RecommendationEdge" },
  ),
);

// ---------------------------------------------------------------------------
// Mutations

const RecommendationsGenerateInput = builder.inputType("RecommendationsGenerateInput", {
  description: "A lead or a deal (a deal's lead is included).",
  fields: (t) => ({ leadId: t.id({ required: false }), dealId: t.id({ required: false }), idempotencyKey: t.string({ required: false }) }),
});

const RecommendationsGeneratePayload = payloadType<Payload<{ agentRunId: string }>>("RecommendationsGeneratePayload", (t) => ({
  agentRun: t.prismaField({
    type: "AgentRun",
    nullable: true,
    description: "The recommender run; the result arrives on recommendationGenerated.",
    resolve: (query, p, _a, ctx) => (p.agentRunId ? ctx.db.agentRun.findUnique({ ...query, where: { id: p.agentRunId } }) : null),
  }),
}));

builder.mutationField("recommendationsGenerate", (t) =>
  t.field({
    type: RecommendationsGeneratePayload,
    description: "Queues the recommender for a lead or deal, with the tools your role may use.",
    authScopes: { permission: "agent:run" },
    args: { input: t.arg({ type: RecommendationsGenerateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const ids = optionalIds(errors, {
        leadId: { value: input.leadId == null ? null : String(input.leadId), type: "Lead" },
        dealId: { value: input.dealId == null ? null : String(input.dealId), type: "Deal" },
      });
      if (errors.length) return errorPayload<{ agentRunId: string }>(errors);
      return toPayload(await requestRecommendations(ctx.services, actorOf(ctx), { leadId: ids.leadId ?? null, dealId: ids.dealId ?? null }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

type AcceptShape = Payload<{ recommendationId: string; draftId?: string; taskId?: string; activityId?: string; dealId?: string }>;

const RecommendationAcceptInput = builder.inputType("RecommendationAcceptInput", {
  fields: (t) => ({
    recommendationId: t.id({ required: true }),
    overrides: t.field({
      type: "JSON",
      required: false,
      description: "Tool arguments to use instead of the suggested ones: { dueAt, title, assigneeId } · { toStage, reason } · { type, summary } · { kind, subject, bodyText }.",
    }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const RecommendationAcceptPayload = payloadType<AcceptShape>("RecommendationAcceptPayload", (t) => ({
  recommendation: t.prismaField({
    type: "Recommendation",
    nullable: true,
    resolve: (q, p, _a, ctx) => (p.recommendationId ? ctx.db.recommendation.findUnique({ ...q, where: { id: p.recommendationId } }) : null),
  }),
  draft: t.prismaField({ type: "Draft", nullable: true, description: "sendOutreachEmail: the draft waiting for review (never sent).", resolve: (q, p, _a, ctx) => (p.draftId ? ctx.db.draft.findUnique({ ...q, where: { id: p.draftId } }) : null) }),
  task: t.prismaField({ type: "Task", nullable: true, resolve: (q, p, _a, ctx) => (p.taskId ? ctx.db.task.findUnique({ ...q, where: { id: p.taskId } }) : null) }),
  activity: t.prismaField({ type: "Activity", nullable: true, resolve: (q, p, _a, ctx) => (p.activityId ? ctx.db.activity.findUnique({ ...q, where: { id: p.activityId } }) : null) }),
  deal: t.prismaField({ type: "Deal", nullable: true, resolve: (q, p, _a, ctx) => (p.dealId ? ctx.db.deal.findUnique({ ...q, where: { id: p.dealId } }) : null) }),
}));

builder.mutationField("recommendationAccept", (t) =>
  t.field({
    type: RecommendationAcceptPayload,
    description: "Performs the recommended action as you (your permissions apply: a role without deal:write cannot move a deal this way).",
    authScopes: { permission: "recommendation:act" },
    args: { input: t.arg({ type: RecommendationAcceptInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const rec = idOf(String(input.recommendationId), "Recommendation", ["input", "recommendationId"]);
      if (!rec.ok) return errorPayload<AcceptShape>(rec.errors);
      const overrides = input.overrides ?? null;
      return toPayload(await acceptRecommendation(ctx.services, actorOf(ctx), { recommendationId: rec.id, overrides }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const RecommendationDismissInput = builder.inputType("RecommendationDismissInput", {
  fields: (t) => ({ recommendationId: t.id({ required: true }), reason: t.string({ required: true }), idempotencyKey: t.string({ required: false }) }),
});

const RecommendationDismissPayload = payloadType<Payload<{ recommendationId: string }>>("RecommendationDismissPayload", (t) => ({
  recommendation: t.prismaField({
    type: "Recommendation",
    nullable: true,
    resolve: (q, p, _a, ctx) => (p.recommendationId ? ctx.db.recommendation.findUnique({ ...q, where: { id: p.recommendationId } }) : null),
  }),
}));

const dismissSchema = z.object({ reason: z.string().trim().min(3, "must say why (at least 3 characters)").max(1000) });

builder.mutationField("recommendationDismiss", (t) =>
  t.field({
    type: RecommendationDismissPayload,
    description: "Closes a recommendation with your reason (kept as feedback).",
    authScopes: { permission: "recommendation:act" },
    args: { input: t.arg({ type: RecommendationDismissInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const rec = idOf(String(input.recommendationId), "Recommendation", ["input", "recommendationId"]);
      const parsed = parseInput(dismissSchema, { reason: input.reason });
      const errors = [...(rec.ok ? [] : rec.errors), ...(parsed.ok ? [] : parsed.errors)];
      if (!rec.ok || !parsed.ok) return errorPayload<{ recommendationId: string }>(errors);
      return toPayload(await dismissRecommendation(ctx.services, actorOf(ctx), { recommendationId: rec.id, reason: parsed.data.reason }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

// ---------------------------------------------------------------------------
// recommendationGenerated

interface GeneratedView {
  event: DomainEvent;
  leadId: string | null;
  dealId: string | null;
  ids: string[];
}

function generatedView(event: DomainEvent): GeneratedView | null {
  if (event.type !== "sales.recommendation.generated") return null;
  const p = event.payload as { leadId?: unknown; dealId?: unknown; recommendationIds?: unknown };
  return {
    event,
    leadId: typeof p.leadId === "string" ? p.leadId : null,
    dealId: typeof p.dealId === "string" ? p.dealId : null,
    ids: Array.isArray(p.recommendationIds) ? p.recommendationIds.filter((i): i is string => typeof i === "string") : [],
  };
}

const RecommendationGeneratedType = builder.objectRef<GeneratedView>("RecommendationGenerated").implement({
  fields: (t) => ({
    eventId: t.id({ resolve: (v) => v.event.id }),
    occurredAt: t.field({ type: "DateTime", resolve: (v) => new Date(v.event.occurredAt) }),
    leadId: t.id({ nullable: true, resolve: (v) => (v.leadId ? encodeGlobalID("Lead", v.leadId) : null) }),
    dealId: t.id({ nullable: true, resolve: (v) => (v.dealId ? encodeGlobalID("Deal", v.dealId) : null) }),
    recommendations: t.prismaField({
      type: ["Recommendation"],
      description: "The new set, best first (empty when nothing is worth doing now).",
      resolve: (query, v, _a, ctx) => ctx.db.recommendation.findMany({ ...query, where: { id: { in: v.ids } }, orderBy: { rank: "asc" } }),
    }),
  }),
});

builder.subscriptionField("recommendationGenerated", (t) =>
  t.field({
    type: RecommendationGeneratedType,
    description: "New recommendation sets: the tenant's, or one lead's or deal's.",
    authScopes: { $all: { permission: "event:subscribe", $any: { permission: "lead:read" } } },
    args: { leadId: t.arg.id({ required: false }), dealId: t.arg.id({ required: false }) },
    subscribe: (_root, args, ctx) => {
      // undefined: no filter; null: an id that names nothing, which matches no event.
      const leadId = args.leadId ? decodeId(args.leadId, "Lead") : undefined;
      const dealId = args.dealId ? decodeId(args.dealId, "Deal") : undefined;
      const matches = (want: string | null | undefined, got: string | null) => want === undefined || (want !== null && got === want);
      return mapIterator(ctx.services.bus.subscribe(ctx.principal!.tenantId), generatedView, (v) => matches(leadId, v.leadId) && matches(dealId, v.dealId));
    },
    resolve: (v) => v,
  }),
);
