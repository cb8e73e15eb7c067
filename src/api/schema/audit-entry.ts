import type { Prisma } from "../../data/database.js";
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
    resolve: (query, _root, { filter }, ctx) => {
      const where: Prisma.AuditEntryWhereInput = {};
      if (filter?.actorId) where.actorId = filter.actorId;
      if (filter?.actorType) where.actorType = filter.actorType;
      if (filter?.action) where.action = filter.action.endsWith(".") ? { startsWith: filter.action } : filter.action;
      if (filter?.targetType) where.targetType = filter.targetType;
      if (filter?.targetId) where.targetId = filter.targetId;
      if (filter?.from || filter?.to) where.createdAt = { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) };
      return ctx.db.auditEntry.findMany({ ...query, where, orderBy: { id: "desc" } });
    },
  },
    { name: "AuditEntryConnection" },
    { name: "AuditEntryEdge" },
  ),
);
