// Data exports: contactExport (contact:export — MANAGER and up), tenantExport
// (tenant:export — OWNER only), and their status. The one-time download link
// is shown only to whoever requested the export: it is a bearer credential.
import { encodeGlobalID } from "@pothos/plugin-relay";
import type { DataExport } from "../../../generated/prisma/client.js";
import { downloadUrl, requestContactExport, requestTenantExport } from "../../../orchestration/governance/data-export.js";
import { actorOf, type GraphQLContext as Context } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { errorPayload, payloadType, toPayload, type Payload } from "../user-error.js";

const DataExportScopeEnum = builder.enumType("DataExportScope", { values: ["CONTACT", "TENANT"] as const });
const DataExportStatusEnum = builder.enumType("DataExportStatus", { values: ["QUEUED", "READY", "FAILED", "DOWNLOADED"] as const });

/** Without the archive bytes: the API never carries them. */
type DataExportRow = Omit<DataExport, "archive">;
const SELECT = {
  id: true, tenantId: true, scope: true, contactId: true, status: true, requestedById: true, requestedByLabel: true, byteSize: true, recordCount: true,
  error: true, expiresAt: true, readyAt: true, downloadedAt: true, createdAt: true, updatedAt: true,
} as const;

const DataExportType = builder.objectRef<DataExportRow>("DataExport").implement({
  description: "An archive of one contact's or the whole tenant's data (JSON lines, gzip), downloadable once through a signed, expiring link.",
  fields: (t) => ({
    id: t.id({ resolve: (e) => encodeGlobalID("DataExport", e.id) }),
    scope: t.field({ type: DataExportScopeEnum, resolve: (e) => e.scope }),
    status: t.field({ type: DataExportStatusEnum, resolve: (e) => e.status }),
    contactId: t.id({ nullable: true, resolve: (e) => (e.contactId ? encodeGlobalID("Contact", e.contactId) : null) }),
    recordCount: t.exposeInt("recordCount", { nullable: true }),
    byteSize: t.exposeInt("byteSize", { nullable: true }),
    error: t.exposeString("error", { nullable: true }),
    requestedBy: t.exposeString("requestedByLabel"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    readyAt: t.expose("readyAt", { type: "DateTime", nullable: true }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    downloadedAt: t.expose("downloadedAt", { type: "DateTime", nullable: true }),
    downloadUrl: t.string({
      nullable: true,
      description: "The one-time link (GET; a second download or an expired link answers 410). Only for whoever requested the export, while it is READY.",
      resolve: (e, _a, ctx: Context) => (ctx.principal && ctx.principal.id === e.requestedById ? downloadUrl(ctx.services, e) : null),
    }),
  }),
});

/** TENANT exports are visible to those who may make them (OWNER) only. */
function visibleScopes(ctx: Context): ("CONTACT" | "TENANT")[] {
  return ctx.principal?.permissions.has("tenant:export") ? ["CONTACT", "TENANT"] : ["CONTACT"];
}

builder.queryField("dataExports", (t) =>
  t.field({
    type: [DataExportType],
    description: "The tenant's data exports, newest first (at most 100).",
    authScopes: { permission: "contact:export" },
    args: { first: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (_root, args, ctx) =>
      ctx.db.dataExport.findMany({ where: { scope: { in: visibleScopes(ctx) } }, select: SELECT, orderBy: { id: "desc" }, take: Math.min(Math.max(args.first ?? 20, 1), 100) }),
  }),
);

builder.queryField("dataExport", (t) =>
  t.field({
    type: DataExportType,
    nullable: true,
    authScopes: { permission: "contact:export" },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), "DataExport", ["id"]);
      if (!id.ok) return null;
      return ctx.db.dataExport.findFirst({ where: { id: id.id, scope: { in: visibleScopes(ctx) } }, select: SELECT });
    },
  }),
);

const DataExportPayload = payloadType<Payload<{ dataExportId: string }>>("DataExportPayload", (t) => ({
  dataExport: t.field({
    type: DataExportType,
    nullable: true,
    resolve: (p, _a, ctx) => (p.dataExportId ? ctx.db.dataExport.findUnique({ where: { id: p.dataExportId }, select: SELECT }) : null),
  }),
}));

const ContactExportInput = builder.inputType("ContactExportInput", {
  fields: (t) => ({ contactId: t.id({ required: true }), idempotencyKey: t.string({ required: false }) }),
});

builder.mutationField("contactExport", (t) =>
  t.field({
    type: DataExportPayload,
    description: "Queues an export of everything held about one contact; poll dataExport(id) until READY, then download once from downloadUrl.",
    authScopes: { permission: "contact:export" },
    args: { input: t.arg({ type: ContactExportInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.contactId), "Contact", ["input", "contactId"]);
      if (!id.ok) return errorPayload<{ dataExportId: string }>(id.errors);
      return toPayload(await requestContactExport(ctx.services, actorOf(ctx), { contactId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

builder.mutationField("tenantExport", (t) =>
  t.field({
    type: DataExportPayload,
    description: "Queues an export of the whole tenant's data (OWNER only).",
    authScopes: { permission: "tenant:export" },
    args: { idempotencyKey: t.arg.string({ required: false }) },
    resolve: async (_root, args, ctx) => toPayload(await requestTenantExport(ctx.services, actorOf(ctx), args.idempotencyKey ?? ctx.idempotencyKey)),
  }),
);
