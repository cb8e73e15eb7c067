// Companies: the Company type, the companies connection, and companyUpdate.
import { Prisma as PrismaSql, type Prisma } from "../../../data/database.js";
import { idCondition, listPage, reads } from "../list-page.js";
import { COMPANY_LIFECYCLES } from "../../../domain/scoring/settings.js";
import { companyPatchSchema } from "../../../domain/lead/record-update.js";
import type { UserError } from "../../../domain/user-error.js";
import { updateCompany } from "../../../orchestration/lead/company.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { clearableId, filterId, presentFields, searchTerms, orderInput, sortDirection, userGlobalId } from "../pipeline/sales-common.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

export const CompanyLifecycleEnum = builder.enumType("CompanyLifecycle", { values: COMPANY_LIFECYCLES });

export const CompanyType = builder.prismaNode("Company", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  // Checked once per object (isTypeOf) instead of once per field: the same rule, not run for every scalar of a list page.
  runScopesOnType: true,
  fields: (t) => ({
    name: t.exposeString("name"),
    domains: t.field({
      type: ["String"],
      select: { domains: { select: { domain: true }, orderBy: { createdAt: "asc" } } },
      resolve: (company) => company.domains.map((d) => d.domain),
    }),
    industry: t.exposeString("industry", { nullable: true }),
    employeeCount: t.exposeInt("employeeCount", { nullable: true }),
    country: t.exposeString("country", { nullable: true, description: "ISO 3166-1 alpha-2." }),
    lifecycle: t.expose("lifecycle", { type: CompanyLifecycleEnum }),
    ownerId: t.field({ type: "ID", nullable: true, description: "Global id of the owning User.", extensions: reads("ownerId"), resolve: (c) => userGlobalId(c.ownerId) }),
    attributes: t.expose("attributes", { type: "JSON" }),
    contacts: t.relatedConnection("contacts", { cursor: "id", query: () => ({ orderBy: { id: "asc" } }) }),
    deals: t.relatedConnection("deals", { cursor: "id", query: () => ({ orderBy: { id: "desc" } }) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const CompanySortField = builder.enumType("CompanySortField", { values: ["NAME", "CREATED_AT", "UPDATED_AT"] as const });

const CompanyFilter = builder.inputType("CompanyFilter", {
  fields: (t) => ({
    search: t.string({ required: false, description: "Matches the name or a domain (case-insensitive, every word must match)." }),
    lifecycle: t.field({ type: [CompanyLifecycleEnum], required: false }),
    ownerId: t.id({ required: false }),
    industry: t.string({ required: false }),
  }),
});

const CompanyOrder = orderInput("CompanyOrder", CompanySortField);

builder.queryField("companies", (t) =>
  t.prismaConnection(
    {
      type: "Company",
      cursor: "id",
      authScopes: { permission: "lead:read" },
      args: { filter: t.arg({ type: CompanyFilter, required: false }), orderBy: t.arg({ type: CompanyOrder, required: false }) },
      resolve: (query, _root, { filter, orderBy }, ctx, info) => {
        const where: Prisma.CompanyWhereInput = {};
        const terms = searchTerms(filter?.search);
        if (terms.length)
          where.AND = terms.map((term) => ({
            OR: [{ name: { contains: term, mode: "insensitive" } }, { domains: { some: { domain: { contains: term.toLowerCase() } } } }],
          }));
        if (filter?.lifecycle?.length) where.lifecycle = { in: filter.lifecycle };
        if (filter?.ownerId) where.ownerId = filterId(String(filter.ownerId), "User");
        if (filter?.industry) where.industry = { equals: filter.industry, mode: "insensitive" };
        const dir = sortDirection(orderBy?.direction);
        const field = orderBy?.field === "NAME" ? "name" : orderBy?.field === "UPDATED_AT" ? "updatedAt" : "createdAt";
        // One statement unless the filter searches or matches case-insensitively (see list-page.ts).
        const sql: PrismaSql.Sql[] | null = terms.length || filter?.industry ? null : [];
        if (sql && filter?.lifecycle?.length) sql.push(PrismaSql.sql`t.lifecycle = ANY(CAST(${[...filter.lifecycle]} AS "CompanyLifecycle"[]))`);
        if (sql && filter?.ownerId) sql.push(idCondition("ownerId", filterId(String(filter.ownerId), "User")));
        return listPage(ctx, info, "Company", query, [{ field, dir }, { field: "id", dir }], sql, () =>
          ctx.db.company.findMany({ ...query, where, orderBy: [{ [field]: dir }, { id: dir }] }),
        );
      },
    },
    { name: "CompanyConnection" },
    { name: "CompanyEdge" },
  ),
);

// --- companyUpdate ----------------------------------------------------------

const CompanyUpdateInput = builder.inputType("CompanyUpdateInput", {
  description: "Only the fields given change; null clears a field that may be empty.",
  fields: (t) => ({
    companyId: t.id({ required: true }),
    name: t.string({ required: false }),
    industry: t.string({ required: false }),
    employeeCount: t.int({ required: false }),
    country: t.string({ required: false, description: "ISO 3166-1 alpha-2." }),
    lifecycle: t.field({ type: CompanyLifecycleEnum, required: false }),
    addDomains: t.stringList({ required: false, description: "Domains that identify the company when leads arrive (not free-mail; not another company's)." }),
    removeDomains: t.stringList({ required: false }),
    ownerId: t.id({ required: false, description: "Global id of a User who is a member; null unassigns." }),
    attributes: t.field({ type: "JSON", required: false, description: "A patch: each key given is set, a key set to null is removed." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const CompanyUpdatePayload = payloadType<Payload<{ companyId: string }>>("CompanyUpdatePayload", (t) => ({
  company: t.prismaField({ type: "Company", nullable: true, resolve: (q, p, _a, ctx) => (p.companyId ? ctx.db.company.findUnique({ ...q, where: { id: p.companyId } }) : null) }),
}));

builder.mutationField("companyUpdate", (t) =>
  t.field({
    type: CompanyUpdatePayload,
    description: "Edits a company and its domains; its open leads are scored again. Audited with old and new values.",
    authScopes: { permission: "lead:write" },
    args: { input: t.arg({ type: CompanyUpdateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const { companyId, ownerId, idempotencyKey, ...fields } = input;
      const company = idOf(String(companyId), "Company", ["input", "companyId"]);
      if (!company.ok) errors.push(...company.errors);
      const owner = clearableId(errors, ownerId, "User", ["input", "ownerId"]);
      const parsed = parseInput(companyPatchSchema, presentFields(fields));
      if (!parsed.ok) errors.push(...parsed.errors);
      if (errors.length || !parsed.ok || !company.ok) return errorPayload<{ companyId: string }>(errors);
      return toPayload(await updateCompany(ctx.services, actorOf(ctx), { ...parsed.data, companyId: company.id, ownerId: owner }, idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);
