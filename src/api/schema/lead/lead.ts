// Leads: the Lead type, the leads connection (filters, search, sorting), and
// the lead mutations: leadIngest, leadImport, leadUpdate, leadQualify, leadConvert.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { Prisma as PrismaSql, type Prisma } from "../../../data/database.js";
import type { OrderTerm } from "../../../data/list-page.js";
import { idCondition, listPage, reads } from "../list-page.js";
import { dealFieldsSchema } from "../../../domain/pipeline/deal.js";
import { LEAD_OUTCOMES, LEAD_STATUSES, leadInputSchema } from "../../../domain/lead/lead.js";
import type { UserError } from "../../../domain/user-error.js";
import { leadPatchSchema } from "../../../domain/lead/record-update.js";
import { convertLead, importLeads, ingestLeadUseCase, qualifyLead, updateLead, type ImportRowResult, type ImportValue, type IngestLeadValue } from "../../../orchestration/lead/lead.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { CompanyLifecycleEnum } from "./company.js";
import { contactSearch, SeniorityEnum } from "./contact.js";
import { idOf } from "../global-id.js";
import { clearableId, dateOnly, filterId, optionalIds, presentFields, searchTerms, orderInput, sortDirection, userGlobalId } from "../pipeline/sales-common.js";
import { errorPayload, parseInput, payloadType, toPayload, UserErrorType, type Payload } from "../user-error.js";

export const LeadStatusEnum = builder.enumType("LeadStatus", { values: LEAD_STATUSES });
export const LeadOutcomeEnum = builder.enumType("LeadOutcome", { values: LEAD_OUTCOMES });

export const LeadType = builder.prismaNode("Lead", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  // Checked once per object (isTypeOf) instead of once per field: the same rule, not run for every scalar of a list page.
  runScopesOnType: true,
  fields: (t) => ({
    source: t.exposeString("source"),
    status: t.expose("status", { type: LeadStatusEnum }),
    outcome: t.expose("outcome", { type: LeadOutcomeEnum, nullable: true, description: "Known result (the label the scoring model learns from)." }),
    disqualifiedReason: t.exposeString("disqualifiedReason", { nullable: true }),
    attributes: t.expose("attributes", { type: "JSON", description: "Whatever a CRM or form sent that has no field of its own." }),
    score: t.exposeInt("score", { nullable: true, description: "Latest score, 0–100." }),
    grade: t.exposeString("grade", { nullable: true }),
    scoredAt: t.expose("scoredAt", { type: "DateTime", nullable: true }),
    ownerId: t.field({ type: "ID", nullable: true, description: "Global id of the owning User.", extensions: reads("ownerId"), resolve: (l) => userGlobalId(l.ownerId) }),
    contact: t.relation("contact", { nullable: true }),
    company: t.relation("company", { nullable: true }),
    latestScore: t.relation("latestScore", { nullable: true, description: "The snapshot behind score and grade, with its factors." }),
    scoreHistory: t.relatedConnection("scoreSnapshots", { cursor: "id", query: () => ({ orderBy: { id: "desc" } }) }),
    deals: t.relation("deals", { query: () => ({ orderBy: { id: "asc" } }) }),
    activities: t.relatedConnection("activities", { cursor: "id", query: () => ({ orderBy: [{ occurredAt: "desc" }, { id: "desc" }] }) }),
    tasks: t.relatedConnection("tasks", { cursor: "id", query: () => ({ orderBy: { id: "desc" } }) }),
    convertedAt: t.expose("convertedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const LeadSortField = builder.enumType("LeadSortField", { values: ["SCORE", "CREATED_AT", "UPDATED_AT"] as const });

const LeadFilter = builder.inputType("LeadFilter", {
  fields: (t) => ({
    status: t.field({ type: [LeadStatusEnum], required: false }),
    ownerId: t.id({ required: false, description: "Global id of a User." }),
    companyId: t.id({ required: false }),
    source: t.string({ required: false }),
    grade: t.stringList({ required: false }),
    scoreMin: t.int({ required: false }),
    scoreMax: t.int({ required: false }),
    search: t.string({ required: false, description: "Matches name, e-mail or company (case-insensitive; every word must match)." }),
  }),
});

const LeadOrder = orderInput("LeadOrder", LeadSortField);

builder.queryField("leads", (t) =>
  t.prismaConnection(
    {
      type: "Lead",
      cursor: "id",
      authScopes: { permission: "lead:read" },
      args: { filter: t.arg({ type: LeadFilter, required: false }), orderBy: t.arg({ type: LeadOrder, required: false }) },
      resolve: (query, _root, { filter, orderBy }, ctx, info) => {
        const where: Prisma.LeadWhereInput = {};
        if (filter?.status?.length) where.status = { in: filter.status };
        if (filter?.ownerId) where.ownerId = filterId(String(filter.ownerId), "User");
        if (filter?.companyId) where.companyId = filterId(String(filter.companyId), "Company");
        if (filter?.source) where.source = { equals: filter.source, mode: "insensitive" };
        if (filter?.grade?.length) where.grade = { in: filter.grade };
        if (filter?.scoreMin != null || filter?.scoreMax != null) {
          where.score = { ...(filter.scoreMin != null ? { gte: filter.scoreMin } : {}), ...(filter.scoreMax != null ? { lte: filter.scoreMax } : {}) };
        }
        const terms = searchTerms(filter?.search);
        if (terms.length) {
          const contactTerms = contactSearch(terms);
          where.AND = terms.map((term, i) => ({
            OR: [{ contact: { is: contactTerms[i]! } }, { company: { is: { name: { contains: term, mode: "insensitive" } } } }],
          }));
        }
        const dir = sortDirection(orderBy?.direction);
        const sort: Prisma.LeadOrderByWithRelationInput[] =
          orderBy?.field === "SCORE"
            ? [{ score: { sort: dir, nulls: "last" } }, { id: dir }]
            : [{ [orderBy?.field === "UPDATED_AT" ? "updatedAt" : "createdAt"]: dir }, { id: dir }];
        const order: OrderTerm[] =
          orderBy?.field === "SCORE"
            ? [{ field: "score", dir, nulls: "last" }, { field: "id", dir }]
            : [{ field: orderBy?.field === "UPDATED_AT" ? "updatedAt" : "createdAt", dir }, { field: "id", dir }];
        // The same page in one statement with contact and company joined, when the filter allows (see list-page.ts).
        return listPage(ctx, info, "Lead", query, order, leadWhereSql(filter), () => ctx.db.lead.findMany({ ...query, where, orderBy: sort }));
      },
    },
    { name: "LeadConnection" },
    { name: "LeadEdge" },
  ),
);

type LeadFilterValue = {
  status?: readonly string[] | null;
  ownerId?: string | number | null;
  companyId?: string | number | null;
  source?: string | null;
  grade?: readonly string[] | null;
  scoreMin?: number | null;
  scoreMax?: number | null;
  search?: string | null;
};

/** The filter as SQL conditions on the lead (`t`), or null for what only the Prisma query expresses (source, search). */
function leadWhereSql(filter: LeadFilterValue | null | undefined): PrismaSql.Sql[] | null {
  if (!filter) return [];
  if (filter.source || searchTerms(filter.search).length) return null;
  const where: PrismaSql.Sql[] = [];
  if (filter.status?.length) where.push(PrismaSql.sql`t.status = ANY(CAST(${[...filter.status]} AS "LeadStatus"[]))`);
  if (filter.ownerId) where.push(idCondition("ownerId", filterId(String(filter.ownerId), "User")));
  if (filter.companyId) where.push(idCondition("companyId", filterId(String(filter.companyId), "Company")));
  if (filter.grade?.length) where.push(PrismaSql.sql`t.grade = ANY(${[...filter.grade]})`);
  if (filter.scoreMin != null) where.push(PrismaSql.sql`t.score >= ${filter.scoreMin}`);
  if (filter.scoreMax != null) where.push(PrismaSql.sql`t.score <= ${filter.scoreMax}`);
  return where;
}

// --- leadIngest -----------------------------------------------------------

const LeadDealInput = builder.inputType("LeadDealInput", {
  description: "A deal that comes with the lead (e.g. from a CRM); created if the lead has none.",
  fields: (t) => ({
    name: t.string({ required: false }),
    stage: t.string({ required: false, description: "A stage key of the tenant's pipeline (default: the first open stage)." }),
    amount: t.float({ required: false }),
    currency: t.string({ required: false, description: "ISO 4217 (default: the tenant's currency)." }),
    expectedCloseDate: t.string({ required: false, description: "YYYY-MM-DD." }),
    probability: t.int({ required: false }),
  }),
});

const LeadIngestInput = builder.inputType("LeadIngestInput", {
  fields: (t) => ({
    email: t.string({ required: false }),
    firstName: t.string({ required: false }),
    lastName: t.string({ required: false }),
    title: t.string({ required: false }),
    seniority: t.field({ type: SeniorityEnum, required: false, description: "Derived from the title when not given." }),
    phone: t.string({ required: false }),
    timeZone: t.string({ required: false }),
    doNotContact: t.boolean({ required: false }),
    companyName: t.string({ required: false }),
    companyDomain: t.string({ required: false }),
    industry: t.string({ required: false }),
    companyLifecycle: t.field({ type: CompanyLifecycleEnum, required: false }),
    companyAttributes: t.field({ type: "JSON", required: false, description: "The company's custom attributes, e.g. { stage: \"series_a\" } (read by the company-stage guardrail)." }),
    employeeCount: t.int({ required: false }),
    country: t.string({ required: false }),
    source: t.string({ required: false }),
    externalId: t.string({ required: false }),
    externalSystem: t.string({ required: false }),
    ownerId: t.id({ required: false, description: "Global id of a User who is a member." }),
    outcome: t.field({ type: LeadOutcomeEnum, required: false }),
    attributes: t.field({ type: "JSON", required: false }),
    deal: t.field({ type: LeadDealInput, required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const LeadMatchEnum = builder.enumType("LeadMatch", { values: ["EXTERNAL_ID", "EMAIL"] as const });
const LeadIngestResultEnum = builder.enumType("LeadIngestResult", { values: ["CREATED", "MERGED", "UNCHANGED"] as const });

const LeadIngestPayload = payloadType<Payload<IngestLeadValue>>("LeadIngestPayload", (t) => ({
  lead: t.prismaField({
    type: "Lead",
    nullable: true,
    resolve: (query, p, _a, ctx) => (p.leadId ? ctx.db.lead.findUnique({ ...query, where: { id: p.leadId } }) : null),
  }),
  result: t.field({ type: LeadIngestResultEnum, nullable: true, resolve: (p) => p.result ?? null }),
  matchedBy: t.field({ type: LeadMatchEnum, nullable: true, resolve: (p) => p.matchedBy ?? null }),
  notes: t.stringList({ nullable: true, resolve: (p) => p.notes ?? null }),
}));

builder.mutationField("leadIngest", (t) =>
  t.field({
    type: LeadIngestPayload,
    description: "Creates a lead, or merges into the one with the same external id or e-mail (never duplicates).",
    authScopes: { permission: "lead:write" },
    args: { input: t.arg({ type: LeadIngestInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const { idempotencyKey, ownerId, deal, ...fields } = input;
      const ids = optionalIds(errors, { ownerId: { value: ownerId == null ? null : String(ownerId), type: "User" } });
      const closeDate = dateOnly(deal?.expectedCloseDate, ["input", "deal", "expectedCloseDate"], errors);
      const raw = stripNulls({ ...fields, ownerId: ids.ownerId, deal: deal ? stripNulls({ ...deal, expectedCloseDate: closeDate }) : undefined });
      const parsed = parseInput(leadInputSchema, raw);
      if (!parsed.ok) errors.push(...parsed.errors);
      if (errors.length || !parsed.ok) return errorPayload<IngestLeadValue>(errors);
      return toPayload(await ingestLeadUseCase(ctx.services, actorOf(ctx), parsed.data, raw, idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

/** GraphQL gives null for omitted optional fields; the domain schemas expect them absent. */
function stripNulls<T extends Record<string, unknown>>(value: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

// --- leadImport -----------------------------------------------------------

const LeadImportInput = builder.inputType("LeadImportInput", {
  fields: (t) => ({
    csv: t.string({ required: false, description: "CSV text with a header row (email, first_name, company, industry, outcome, …; other columns become attributes)." }),
    rows: t.field({ type: ["JSON"], required: false, description: "Or JSON objects with the fields of LeadIngestInput." }),
    source: t.string({ required: false, description: "Source of rows without one (default: import)." }),
    externalSystem: t.string({ required: false, description: "System the external ids belong to (default: import)." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const ImportRowStatusEnum = builder.enumType("LeadImportRowStatus", { values: ["CREATED", "MERGED", "UNCHANGED", "REJECTED"] as const });

const LeadImportRowType = builder.objectRef<ImportRowResult>("LeadImportRow").implement({
  fields: (t) => ({
    row: t.exposeInt("row", { description: "0-based index of the data row." }),
    status: t.field({ type: ImportRowStatusEnum, resolve: (r) => r.status }),
    leadId: t.field({ type: "ID", nullable: true, resolve: (r) => (r.leadId ? encodeGlobalID("Lead", r.leadId) : null) }),
    matchedBy: t.field({ type: LeadMatchEnum, nullable: true, resolve: (r) => (r.matchedBy as "EXTERNAL_ID" | "EMAIL" | null) ?? null }),
    errors: t.field({ type: [UserErrorType], description: "Why the row was rejected; it changed nothing.", resolve: (r) => r.errors }),
    notes: t.exposeStringList("notes"),
  }),
});

const LeadImportPayload = payloadType<Payload<ImportValue>>("LeadImportPayload", (t) => ({
  created: t.int({ nullable: true, resolve: (p) => p.created ?? null }),
  merged: t.int({ nullable: true, resolve: (p) => p.merged ?? null }),
  unchanged: t.int({ nullable: true, resolve: (p) => p.unchanged ?? null }),
  rejected: t.int({ nullable: true, resolve: (p) => p.rejected ?? null }),
  rows: t.field({ type: [LeadImportRowType], nullable: true, resolve: (p) => p.rows ?? null }),
}));

builder.mutationField("leadImport", (t) =>
  t.field({
    type: LeadImportPayload,
    description: "Imports up to 10,000 leads. Each row is created, merged, unchanged or rejected on its own; a rejected row changes nothing.",
    authScopes: { permission: "lead:write" },
    args: { input: t.arg({ type: LeadImportInput, required: true }) },
    complexity: 50,
    resolve: async (_root, { input }, ctx) =>
      toPayload(
        await importLeads(
          ctx.services,
          actorOf(ctx),
          { csv: input.csv ?? null, rows: input.rows ?? null, source: input.source ?? null, externalSystem: input.externalSystem ?? null },
          input.idempotencyKey ?? ctx.idempotencyKey,
        ),
      ),
  }),
);

// --- leadQualify ----------------------------------------------------------

const LeadDecisionEnum = builder.enumType("LeadDecision", {
  values: {
    AUTO: { description: "Score it; qualify at or above the tenant's threshold, otherwise a new lead becomes WORKING." },
    QUALIFY: { description: "Qualify it (refused when a hard rule disqualifies it)." },
    DISQUALIFY: { description: "Disqualify it, with a reason." },
  } as const,
});

const LeadQualifyInput = builder.inputType("LeadQualifyInput", {
  fields: (t) => ({
    leadId: t.id({ required: true }),
    decision: t.field({ type: LeadDecisionEnum, required: false, defaultValue: "AUTO" }),
    reason: t.string({ required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const LeadQualifyPayload = payloadType<Payload<{ leadId: string; scoreSnapshotId: string }>>("LeadQualifyPayload", (t) => ({
  lead: t.prismaField({ type: "Lead", nullable: true, resolve: (q, p, _a, ctx) => (p.leadId ? ctx.db.lead.findUnique({ ...q, where: { id: p.leadId } }) : null) }),
  scoreSnapshot: t.prismaField({
    type: "ScoreSnapshot",
    nullable: true,
    resolve: (q, p, _a, ctx) => (p.scoreSnapshotId ? ctx.db.scoreSnapshot.findUnique({ ...q, where: { id: p.scoreSnapshotId } }) : null),
  }),
}));

builder.mutationField("leadQualify", (t) =>
  t.field({
    type: LeadQualifyPayload,
    description: "Scores the lead (score, grade, confidence, top factors) and decides its status. Hard disqualification rules always win.",
    authScopes: { permission: "lead:write" },
    args: { input: t.arg({ type: LeadQualifyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.leadId), "Lead", ["input", "leadId"]);
      if (!id.ok) return errorPayload<{ leadId: string; scoreSnapshotId: string }>(id.errors);
      return toPayload(
        await qualifyLead(ctx.services, actorOf(ctx), { leadId: id.id, decision: input.decision ?? "AUTO", reason: input.reason ?? null }, input.idempotencyKey ?? ctx.idempotencyKey),
      );
    },
  }),
);

// --- leadUpdate -----------------------------------------------------------

const LeadUpdateInput = builder.inputType("LeadUpdateInput", {
  description: "Only the fields given change; null clears a field that may be empty.",
  fields: (t) => ({
    leadId: t.id({ required: true }),
    ownerId: t.id({ required: false, description: "Global id of a User who is a member; null unassigns." }),
    companyId: t.id({ required: false, description: "null unlinks the company." }),
    source: t.string({ required: false }),
    status: t.field({
      type: LeadStatusEnum,
      required: false,
      description: "Only WORKING (pick the lead up, or take a disqualified one back unless a hard rule disqualifies it); use leadQualify and leadConvert for the rest.",
    }),
    outcome: t.field({ type: LeadOutcomeEnum, required: false, description: "The known result the scoring model learns from; null clears it." }),
    attributes: t.field({ type: "JSON", required: false, description: "A patch: each key given is set, a key set to null is removed." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const LeadUpdatePayload = payloadType<Payload<{ leadId: string }>>("LeadUpdatePayload", (t) => ({
  lead: t.prismaField({ type: "Lead", nullable: true, resolve: (q, p, _a, ctx) => (p.leadId ? ctx.db.lead.findUnique({ ...q, where: { id: p.leadId } }) : null) }),
}));

builder.mutationField("leadUpdate", (t) =>
  t.field({
    type: LeadUpdatePayload,
    description: "Edits a lead (owner, company, source, outcome, attributes) or starts working it. Audited with old and new values; the lead is scored again.",
    authScopes: { permission: "lead:write" },
    args: { input: t.arg({ type: LeadUpdateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const { leadId, ownerId, companyId, idempotencyKey, ...fields } = input;
      const lead = idOf(String(leadId), "Lead", ["input", "leadId"]);
      if (!lead.ok) errors.push(...lead.errors);
      const owner = clearableId(errors, ownerId, "User", ["input", "ownerId"]);
      const company = clearableId(errors, companyId, "Company", ["input", "companyId"]);
      const parsed = parseInput(leadPatchSchema, presentFields(fields));
      if (!parsed.ok) errors.push(...parsed.errors);
      if (errors.length || !parsed.ok || !lead.ok) return errorPayload<{ leadId: string }>(errors);
      return toPayload(await updateLead(ctx.services, actorOf(ctx), { ...parsed.data, leadId: lead.id, ownerId: owner, companyId: company }, idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

// --- leadConvert ----------------------------------------------------------

const LeadConvertInput = builder.inputType("LeadConvertInput", {
  fields: (t) => ({
    leadId: t.id({ required: true }),
    dealName: t.string({ required: false }),
    amount: t.float({ required: false }),
    currency: t.string({ required: false }),
    stage: t.string({ required: false, description: "Open stage to start in (default: the first)." }),
    expectedCloseDate: t.string({ required: false, description: "YYYY-MM-DD." }),
    ownerId: t.id({ required: false }),
    companyName: t.string({ required: false, description: "Creates the company when the lead has none." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

type ConvertValue = { leadId: string; dealId: string; companyId: string | null; contactId: string | null };

const LeadConvertPayload = payloadType<Payload<ConvertValue>>("LeadConvertPayload", (t) => ({
  lead: t.prismaField({ type: "Lead", nullable: true, resolve: (q, p, _a, ctx) => (p.leadId ? ctx.db.lead.findUnique({ ...q, where: { id: p.leadId } }) : null) }),
  deal: t.prismaField({ type: "Deal", nullable: true, resolve: (q, p, _a, ctx) => (p.dealId ? ctx.db.deal.findUnique({ ...q, where: { id: p.dealId } }) : null) }),
}));

builder.mutationField("leadConvert", (t) =>
  t.field({
    type: LeadConvertPayload,
    description: "Converts a lead into a deal, creating or linking its company and contact, in one transaction.",
    authScopes: { permission: "deal:write" },
    args: { input: t.arg({ type: LeadConvertInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const lead = idOf(String(input.leadId), "Lead", ["input", "leadId"]);
      if (!lead.ok) errors.push(...lead.errors);
      const ids = optionalIds(errors, { ownerId: { value: input.ownerId == null ? null : String(input.ownerId), type: "User" } });
      const expectedCloseDate = dateOnly(input.expectedCloseDate, ["input", "expectedCloseDate"], errors);
      const deal = parseInput(dealFieldsSchema.partial(), {
        name: input.dealName ?? undefined,
        amount: input.amount ?? undefined,
        currency: input.currency ?? undefined,
        stage: input.stage ?? undefined,
      });
      if (!deal.ok) errors.push(...deal.errors.map((e) => ({ ...e, field: e.field.map((f) => (f === "name" ? "dealName" : f)) })));
      if (errors.length || !lead.ok || !deal.ok) return errorPayload<ConvertValue>(errors);
      return toPayload(
        await convertLead(
          ctx.services,
          actorOf(ctx),
          {
            leadId: lead.id,
            companyName: input.companyName ?? undefined,
            deal: { ...deal.data, expectedCloseDate, ownerId: ids.ownerId },
          },
          input.idempotencyKey ?? ctx.idempotencyKey,
        ),
      );
    },
  }),
);
