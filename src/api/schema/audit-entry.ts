import { Prisma as PrismaSql, type Prisma } from "../../data/database.js";
import { listPage } from "./list-page.js";
import { builder } from "../builder.js";

const ActorTypeEnum = builder.enumType("ActorType", { values: ["USER", "API_KEY", "AGENT"] as const });

export const AuditEntryType = builder.prismaNode("AuditEntry", {
  id: { field: "id" },
  description: "An immutable record of one action: who, what, on which object, when.",
  fields: (t) => ({
    actorType: t.expose("actorType", { type: ActorTypeEnum }),
    actorId: t.exposeString("actorId"),
    actorLabel: t.exposeString("actorLabel", { nullable: true }),
    action: t.exposeString("action"),
    targetType: t.exposeString("targetType", { nullable: true }),
    targetId: t.exposeString("targetId", { nullable: true }),
    summary: t.expose("summary", { type: "JSON", description: "What changed, with personal data and secrets redacted." }),
    requestId: t.exposeString("requestId", { nullable: true }),
    traceId: t.exposeString("traceId", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const AuditEntryFilter = builder.inputType("AuditEntryFilter", {
  fields: (t) => ({
    actorId: t.string({ required: false }),
    actorType: t.field({ type: ActorTypeEnum, required: false }),
    action: t.string({ required: false, description: "Exact action, or a prefix ending in '.' (e.g. \"membership.\")." }),
    targetType: t.string({ required: false }),
    targetId: t.string({ required: false }),
    from: t.field({ type: "DateTime", required: false }),
    to: t.field({ type: "DateTime", required: false }),
  }),
});

builder.queryField("auditEntries", (t) =>
  t.prismaConnection({
    type: "AuditEntry",
    cursor: "id",
    description: "The tenant's audit trail, newest first.",
    authScopes: { permission: "audit:read" },
    args: { filter: t.arg({ type: AuditEntryFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx, info) => {
      const where: Prisma.AuditEntryWhereInput = {};
      if (filter?.actorId) where.actorId = filter.actorId;
      if (filter?.actorType) where.actorType = filter.actorType;
      if (filter?.action) where.action = filter.action.endsWith(".") ? { startsWith: filter.action } : filter.action;
      if (filter?.targetType) where.targetType = filter.targetType;
      if (filter?.targetId) where.targetId = filter.targetId;
      if (filter?.from || filter?.to) where.createdAt = { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) };
      // One statement unless the action is a prefix (Prisma's LIKE escaping stays the reference) (see list-page.ts).
      const sql: PrismaSql.Sql[] | null = filter?.action?.endsWith(".") ? null : [];
      if (sql && filter?.actorId) sql.push(PrismaSql.sql`t."actorId" = ${filter.actorId}`);
      if (sql && filter?.actorType) sql.push(PrismaSql.sql`t."actorType" = CAST(${filter.actorType} AS "ActorType")`);
      if (sql && filter?.action) sql.push(PrismaSql.sql`t.action = ${filter.action}`);
      if (sql && filter?.targetType) sql.push(PrismaSql.sql`t."targetType" = ${filter.targetType}`);
      if (sql && filter?.targetId) sql.push(PrismaSql.sql`t."targetId" = ${filter.targetId}`);
      if (sql && filter?.from) sql.push(PrismaSql.sql`t."createdAt" >= ${filter.from}`);
      if (sql && filter?.to) sql.push(PrismaSql.sql`t."createdAt" < ${filter.to}`);
      return listPage(ctx, info, "AuditEntry", query, [{ field: "id", dir: "desc" }], sql, () => ctx.db.auditEntry.findMany({ ...query, where, orderBy: { id: "desc" } }));
    },
  },
    { name: "AuditEntryConnection" },
    { name: "AuditEntryEdge" },
  ),
);
