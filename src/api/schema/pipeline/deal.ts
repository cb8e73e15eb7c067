// Deals: the Deal type and its stage history, the deals connection, the deal
// mutations (dealCreate, dealUpdate, dealProgress, dealClose), the pipeline
// stages and the pipeline summary.
import { GraphQLError } from "graphql";
import { Prisma as PrismaSql, type Prisma } from "../../../data/database.js";
import type { OrderTerm } from "../../../data/list-page.js";
import { idCondition, listPage, reads } from "../list-page.js";
import { dealFieldsSchema } from "../../../domain/pipeline/deal.js";
import { orderedStages, type Stage } from "../../../domain/pipeline/pipeline.js";
import { readTenantSettings } from "../../../domain/tenant/tenant.js";
import type { UserError } from "../../../domain/user-error.js";
import { ContactType } from "../lead/contact.js";
import { closeDeal, createDeal, progressDeal, updateDeal } from "../../../orchestration/pipeline/deal.js";
import { pipelineSummary, type PipelineSummary } from "../../../orchestration/pipeline/pipeline.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { decodeId, idOf } from "../global-id.js";
import { clearableId, dateOnly, filterId, optionalIds, searchTerms, orderInput, sortDirection, userGlobalId } from "./sales-common.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

export const DealStatusEnum = builder.enumType("DealStatus", { values: ["OPEN", "WON", "LOST"] as const });
const StageKindEnum = builder.enumType("PipelineStageKind", { values: ["OPEN", "WON", "LOST"] as const });
const ActorTypeRef = builder.enumType("DealActorType", { values: ["USER", "API_KEY", "AGENT"] as const });

export const DealType = builder.prismaNode("Deal", {
  id: { field: "id" },
  authScopes: { permission: "deal:read" },
  // Checked once per object (isTypeOf) instead of once per field: the same rule, not run for every scalar of a list page.
  runScopesOnType: true,
  fields: (t) => ({
    name: t.exposeString("name"),
    stage: t.exposeString("stage", { description: "Key of a stage of the tenant's pipeline." }),
    status: t.expose("status", { type: DealStatusEnum }),
    amount: t.float({ extensions: reads("amount"), resolve: (d) => Number(d.amount) }),
    currency: t.exposeString("currency"),
    expectedCloseDate: t.string({ nullable: true, description: "YYYY-MM-DD.", extensions: reads("expectedCloseDate"), resolve: (d) => d.expectedCloseDate?.toISOString().slice(0, 10) ?? null }),
    probability: t.exposeInt("probability"),
    weightedAmount: t.float({ extensions: reads("amount", "probability"), resolve: (d) => Math.round(Number(d.amount) * d.probability) / 100 }),
    lostReason: t.exposeString("lostReason", { nullable: true }),
    ownerId: t.field({ type: "ID", nullable: true, extensions: reads("ownerId"), resolve: (d) => userGlobalId(d.ownerId) }),
    company: t.relation("company", { nullable: true }),
    lead: t.relation("lead", { nullable: true }),
    contacts: t.field({
      type: [ContactType],
      select: (_args, _ctx, nested) => ({ contacts: { select: { contact: nested(true) }, orderBy: { createdAt: "asc" } } }),
      resolve: (deal) => deal.contacts.map((c) => c.contact),
    }),
    stageHistory: t.relatedConnection("stageChanges", { cursor: "id", query: () => ({ orderBy: { id: "asc" } }) }),
    closedAt: t.expose("closedAt", { type: "DateTime", nullable: true }),
    stageChangedAt: t.expose("stageChangedAt", { type: "DateTime" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.prismaNode("DealStageChange", {
  id: { field: "id" },
  authScopes: { permission: "deal:read" },
  fields: (t) => ({
    fromStage: t.exposeString("fromStage", { nullable: true }),
    toStage: t.exposeString("toStage"),
    fromStatus: t.expose("fromStatus", { type: DealStatusEnum, nullable: true }),
    toStatus: t.expose("toStatus", { type: DealStatusEnum }),
    actorType: t.expose("actorType", { type: ActorTypeRef }),
    actorId: t.exposeString("actorId"),
    reason: t.exposeString("reason", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const DealSortField = builder.enumType("DealSortField", { values: ["AMOUNT", "CREATED_AT", "UPDATED_AT", "EXPECTED_CLOSE_DATE"] as const });

const DealFilter = builder.inputType("DealFilter", {
  fields: (t) => ({
    status: t.field({ type: [DealStatusEnum], required: false }),
    stage: t.stringList({ required: false }),
    ownerId: t.id({ required: false }),
    companyId: t.id({ required: false }),
    currency: t.string({ required: false }),
    amountMin: t.float({ required: false }),
    amountMax: t.float({ required: false }),
    search: t.string({ required: false, description: "Matches the deal or company name (case-insensitive; every word must match)." }),
  }),
});

const DealOrder = orderInput("DealOrder", DealSortField);

builder.queryField("deals", (t) =>
  t.prismaConnection(
    {
      type: "Deal",
      cursor: "id",
      authScopes: { permission: "deal:read" },
      args: { filter: t.arg({ type: DealFilter, required: false }), orderBy: t.arg({ type: DealOrder, required: false }) },
      resolve: (query, _root, { filter, orderBy }, ctx, info) => {
        const where: Prisma.DealWhereInput = {};
        if (filter?.status?.length) where.status = { in: filter.status };
        if (filter?.stage?.length) where.stage = { in: filter.stage };
        if (filter?.ownerId) where.ownerId = filterId(String(filter.ownerId), "User");
        if (filter?.companyId) where.companyId = filterId(String(filter.companyId), "Company");
        if (filter?.currency) where.currency = filter.currency.toUpperCase();
        if (filter?.amountMin != null || filter?.amountMax != null) {
          where.amount = { ...(filter.amountMin != null ? { gte: filter.amountMin } : {}), ...(filter.amountMax != null ? { lte: filter.amountMax } : {}) };
        }
        const terms = searchTerms(filter?.search);
        if (terms.length) {
          where.AND = terms.map((term) => ({
            OR: [{ name: { contains: term, mode: "insensitive" } }, { company: { is: { name: { contains: term, mode: "insensitive" } } } }],
          }));
        }
        const dir = sortDirection(orderBy?.direction);
        const field = { AMOUNT: "amount", UPDATED_AT: "updatedAt", EXPECTED_CLOSE_DATE: "expectedCloseDate", CREATED_AT: "createdAt" }[orderBy?.field ?? "CREATED_AT"];
        const first = field === "expectedCloseDate" ? { expectedCloseDate: { sort: dir, nulls: "last" } } : { [field]: dir };
        // One statement with the company (and lead) joined unless the filter searches (see list-page.ts).
        const sql: PrismaSql.Sql[] | null = terms.length ? null : [];
        if (sql && filter?.status?.length) sql.push(PrismaSql.sql`t.status = ANY(CAST(${[...filter.status]} AS "DealStatus"[]))`);
        if (sql && filter?.stage?.length) sql.push(PrismaSql.sql`t.stage = ANY(${[...filter.stage]})`);
        if (sql && filter?.ownerId) sql.push(idCondition("ownerId", filterId(String(filter.ownerId), "User")));
        if (sql && filter?.companyId) sql.push(idCondition("companyId", filterId(String(filter.companyId), "Company")));
        if (sql && filter?.currency) sql.push(PrismaSql.sql`t.currency = ${filter.currency.toUpperCase()}`);
        if (sql && filter?.amountMin != null) sql.push(PrismaSql.sql`t.amount >= CAST(${String(filter.amountMin)} AS numeric)`);
        if (sql && filter?.amountMax != null) sql.push(PrismaSql.sql`t.amount <= CAST(${String(filter.amountMax)} AS numeric)`);
        const order: OrderTerm[] = [field === "expectedCloseDate" ? { field, dir, nulls: "last" } : { field: field!, dir }, { field: "id", dir }];
        return listPage(ctx, info, "Deal", query, order, sql, () =>
          ctx.db.deal.findMany({ ...query, where, orderBy: [first as Prisma.DealOrderByWithRelationInput, { id: dir }] }),
        );
      },
    },
    { name: "DealConnection" },
    { name: "DealEdge" },
  ),
);

// --- pipeline ---------------------------------------------------------------

const PipelineStageType = builder.objectRef<Stage>("PipelineStage").implement({
  fields: (t) => ({
    key: t.exposeString("key"),
    name: t.exposeString("name"),
    order: t.exposeInt("order"),
    probability: t.exposeInt("probability", { description: "Default probability (0–100) of a deal in this stage." }),
    kind: t.field({ type: StageKindEnum, resolve: (s) => s.kind }),
  }),
});

builder.queryField("pipelineStages", (t) =>
  t.field({
    type: [PipelineStageType],
    description: "The tenant's pipeline stages in order (change them with pipelineUpdateSettings).",
    authScopes: { permission: "deal:read" },
    resolve: async (_root, _args, ctx) => {
      const tenant = await ctx.db.tenant.findUniqueOrThrow({ where: { id: ctx.principal!.tenantId }, select: { settings: true } });
      return orderedStages(readTenantSettings(tenant.settings).pipeline);
    },
  }),
);

type SummaryStage = PipelineSummary["stages"][number];
type SummaryConversion = PipelineSummary["conversions"][number];

const PipelineSummaryStageType = builder.objectRef<SummaryStage>("PipelineSummaryStage").implement({
  fields: (t) => ({
    key: t.exposeString("key"),
    name: t.exposeString("name"),
    kind: t.field({ type: StageKindEnum, resolve: (s) => s.kind }),
    order: t.exposeInt("order"),
    probability: t.exposeInt("probability"),
    count: t.exposeInt("count"),
    amount: t.exposeFloat("amount"),
    weightedAmount: t.exposeFloat("weightedAmount", { description: "Σ amount × the deal's probability." }),
  }),
});

const StageConversionType = builder.objectRef<SummaryConversion>("PipelineStageConversion").implement({
  fields: (t) => ({
    stage: t.exposeString("stage"),
    name: t.exposeString("name"),
    entered: t.exposeInt("entered", { description: "Deals that entered the stage in the period." }),
    advanced: t.exposeInt("advanced", { description: "Of those, how many reached a later stage or won (by the period's end)." }),
    rate: t.exposeFloat("rate", { nullable: true }),
  }),
});

const PipelineSummaryType = builder.objectRef<PipelineSummary>("PipelineSummary").implement({
  fields: (t) => ({
    currency: t.exposeString("currency", { description: "Amounts are in this currency; deals in other currencies are not included." }),
    from: t.expose("from", { type: "DateTime", nullable: true }),
    to: t.expose("to", { type: "DateTime", nullable: true }),
    stages: t.field({
      type: [PipelineSummaryStageType],
      description: "Open deals that existed in the period and deals closed in it, per stage.",
      resolve: (s) => s.stages,
    }),
    openCount: t.exposeInt("openCount", { description: "Open deals expected to close in the period (all open deals without a period)." }),
    openAmount: t.exposeFloat("openAmount"),
    weightedPipeline: t.exposeFloat("weightedPipeline", { description: "Σ amount × probability of those open deals." }),
    wonCount: t.exposeInt("wonCount"),
    wonAmount: t.exposeFloat("wonAmount"),
    lostCount: t.exposeInt("lostCount"),
    forecast: t.exposeFloat("forecast", { description: "Won in the period plus the weighted pipeline." }),
    winRate: t.exposeFloat("winRate", { nullable: true, description: "Won ÷ (won + lost) among deals closed in the period." }),
    averageCycleDays: t.exposeFloat("averageCycleDays", { nullable: true, description: "Mean days from creation to won, for deals won in the period." }),
    conversions: t.field({ type: [StageConversionType], resolve: (s) => s.conversions }),
  }),
});

const PipelineSummaryFilter = builder.inputType("PipelineSummaryFilter", {
  fields: (t) => ({
    ownerId: t.id({ required: false }),
    stage: t.string({ required: false }),
    from: t.field({ type: "DateTime", required: false, description: "Start of the period (inclusive)." }),
    to: t.field({ type: "DateTime", required: false, description: "End of the period (exclusive)." }),
    currency: t.string({ required: false, description: "Default: the tenant's currency." }),
  }),
});

/** The summary's owner filter: a User id, or BAD_USER_INPUT (an aggregate has no "matches nothing" to answer with). */
function ownerOf(globalId: string | number): string {
  const id = decodeId(globalId, "User");
  if (id === null) throw new GraphQLError("filter.ownerId is not the id of a User.", { extensions: { code: "BAD_USER_INPUT", argumentPath: ["filter", "ownerId"] } });
  return id;
}

builder.queryField("pipelineSummary", (t) =>
  t.field({
    type: PipelineSummaryType,
    description: "Counts and amounts per stage, weighted forecast, win rate, cycle time and stage conversion, aggregated in the database.",
    authScopes: { permission: "deal:read" },
    args: { filter: t.arg({ type: PipelineSummaryFilter, required: false }) },
    resolve: (_root, { filter }, ctx) =>
      pipelineSummary(ctx.services, ctx.principal!, {
        ownerId: filter?.ownerId ? ownerOf(filter.ownerId) : null,
        stage: filter?.stage ?? null,
        from: filter?.from ?? null,
        to: filter?.to ?? null,
        currency: filter?.currency?.toUpperCase() ?? null,
      }),
  }),
);

// --- mutations --------------------------------------------------------------

const DealPayload = payloadType<Payload<{ dealId: string }>>("DealPayload", (t) => ({
  deal: t.prismaField({ type: "Deal", nullable: true, resolve: (q, p, _a, ctx) => (p.dealId ? ctx.db.deal.findUnique({ ...q, where: { id: p.dealId } }) : null) }),
}));

const DealCreateInput = builder.inputType("DealCreateInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    stage: t.string({ required: false }),
    amount: t.float({ required: false }),
    currency: t.string({ required: false }),
    expectedCloseDate: t.string({ required: false, description: "YYYY-MM-DD." }),
    probability: t.int({ required: false }),
    ownerId: t.id({ required: false }),
    leadId: t.id({ required: false }),
    companyId: t.id({ required: false }),
    contactIds: t.idList({ required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("dealCreate", (t) =>
  t.field({
    type: DealPayload,
    authScopes: { permission: "deal:write" },
    args: { input: t.arg({ type: DealCreateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const ids = optionalIds(errors, {
        ownerId: { value: input.ownerId == null ? null : String(input.ownerId), type: "User" },
        leadId: { value: input.leadId == null ? null : String(input.leadId), type: "Lead" },
        companyId: { value: input.companyId == null ? null : String(input.companyId), type: "Company" },
      });
      const contactIds: string[] = [];
      (input.contactIds ?? []).forEach((c, i) => {
        const id = idOf(String(c), "Contact", ["input", "contactIds", String(i)]);
        if (id.ok) contactIds.push(id.id);
        else errors.push(...id.errors);
      });
      const expectedCloseDate = dateOnly(input.expectedCloseDate, ["input", "expectedCloseDate"], errors);
      const parsed = parseInput(dealFieldsSchema, {
        name: input.name,
        stage: input.stage ?? undefined,
        amount: input.amount ?? undefined,
        currency: input.currency ?? undefined,
        probability: input.probability ?? undefined,
      });
      if (!parsed.ok) errors.push(...parsed.errors);
      if (errors.length || !parsed.ok) return errorPayload<{ dealId: string }>(errors);
      return toPayload(
        await createDeal(ctx.services, actorOf(ctx), { ...parsed.data, expectedCloseDate, ...ids, contactIds }, input.idempotencyKey ?? ctx.idempotencyKey),
      );
    },
  }),
);

const DealUpdateInput = builder.inputType("DealUpdateInput", {
  fields: (t) => ({
    dealId: t.id({ required: true }),
    name: t.string({ required: false }),
    amount: t.float({ required: false }),
    currency: t.string({ required: false }),
    expectedCloseDate: t.string({ required: false, description: "YYYY-MM-DD; null clears it." }),
    probability: t.int({ required: false }),
    ownerId: t.id({ required: false, description: "Global id of a User who is a member; null unassigns." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("dealUpdate", (t) =>
  t.field({
    type: DealPayload,
    description: "Changes an open deal's name, amount, currency, expected close date, probability or owner (stages move with dealProgress).",
    authScopes: { permission: "deal:write" },
    args: { input: t.arg({ type: DealUpdateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const deal = idOf(String(input.dealId), "Deal", ["input", "dealId"]);
      if (!deal.ok) errors.push(...deal.errors);
      // null clears the owner or the expected close date; an absent field stays.
      const ownerId = clearableId(errors, input.ownerId, "User", ["input", "ownerId"]);
      const expectedCloseDate = input.expectedCloseDate === null ? null : dateOnly(input.expectedCloseDate, ["input", "expectedCloseDate"], errors);
      const parsed = parseInput(dealFieldsSchema.partial(), {
        name: input.name ?? undefined,
        amount: input.amount ?? undefined,
        currency: input.currency ?? undefined,
        probability: input.probability ?? undefined,
      });
      if (!parsed.ok) errors.push(...parsed.errors);
      if (errors.length || !parsed.ok || !deal.ok) return errorPayload<{ dealId: string }>(errors);
      return toPayload(
        await updateDeal(ctx.services, actorOf(ctx), { dealId: deal.id, ...parsed.data, expectedCloseDate, ownerId }, input.idempotencyKey ?? ctx.idempotencyKey),
      );
    },
  }),
);

const DealProgressInput = builder.inputType("DealProgressInput", {
  fields: (t) => ({
    dealId: t.id({ required: true }),
    stage: t.string({ required: true, description: "An open stage's key." }),
    reason: t.string({ required: false }),
    reopen: t.boolean({ required: false, description: "Needed to move a closed deal (and the deal:reopen permission)." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("dealProgress", (t) =>
  t.field({
    type: DealPayload,
    description: "Moves a deal to another open stage, along the moves the pipeline allows; records actor and reason.",
    authScopes: { permission: "deal:write" },
    args: { input: t.arg({ type: DealProgressInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const deal = idOf(String(input.dealId), "Deal", ["input", "dealId"]);
      if (!deal.ok) return errorPayload<{ dealId: string }>(deal.errors);
      return toPayload(
        await progressDeal(ctx.services, actorOf(ctx), { dealId: deal.id, stage: input.stage, reason: input.reason, reopen: input.reopen }, input.idempotencyKey ?? ctx.idempotencyKey),
      );
    },
  }),
);

const DealCloseOutcomeEnum = builder.enumType("DealCloseOutcome", { values: ["WON", "LOST"] as const });

const DealCloseInput = builder.inputType("DealCloseInput", {
  fields: (t) => ({
    dealId: t.id({ required: true }),
    outcome: t.field({ type: DealCloseOutcomeEnum, required: true }),
    reason: t.string({ required: false, description: "Required when lost." }),
    stage: t.string({ required: false, description: "A won/lost stage key, when the pipeline has several." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("dealClose", (t) =>
  t.field({
    type: DealPayload,
    authScopes: { permission: "deal:write" },
    args: { input: t.arg({ type: DealCloseInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const deal = idOf(String(input.dealId), "Deal", ["input", "dealId"]);
      if (!deal.ok) return errorPayload<{ dealId: string }>(deal.errors);
      return toPayload(
        await closeDeal(ctx.services, actorOf(ctx), { dealId: deal.id, outcome: input.outcome, reason: input.reason, stage: input.stage }, input.idempotencyKey ?? ctx.idempotencyKey),
      );
    },
  }),
);
