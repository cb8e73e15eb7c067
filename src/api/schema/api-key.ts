import { PERMISSIONS } from "../../domain/permission.js";
import { apiKeyCreateSchema, createApiKey, revokeApiKey } from "../../orchestration/api-key.js";
import { actorOf } from "../context.js";
import { builder } from "../builder.js";
import { idOf } from "./global-id.js";
import { HumanRoleEnum, RoleEnum } from "./role.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "./user-error.js";

export const PermissionEnum = builder.enumType("Permission", {
  description: "A single permission from the matrix (e.g. DRAFT_APPROVE is draft:approve).",
  values: Object.fromEntries(PERMISSIONS.map((p) => [p.replace(/[:]/g, "_").toUpperCase(), { value: p }])),
});

export const ApiKeyType = builder.prismaNode("ApiKey", {
  id: { field: "id" },
  fields: (t) => ({
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix", { description: "The key's first characters, to recognise it. The key itself is never shown again." }),
    role: t.expose("role", { type: RoleEnum }),
    scopes: t.field({ type: [PermissionEnum], resolve: (k) => k.scopes as (typeof PERMISSIONS)[number][] }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

builder.queryField("apiKeys", (t) =>
  t.prismaConnection({
    type: "ApiKey",
    cursor: "id",
    authScopes: { permission: "apikey:manage" },
    resolve: (query, _root, _args, ctx) => ctx.db.apiKey.findMany({ ...query, orderBy: { id: "desc" } }),
  },
    { name: "ApiKeyConnection" },
    { name: "ApiKeyEdge" },
  ),
);

const ApiKeyCreateInput = builder.inputType("ApiKeyCreateInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    role: t.field({ type: HumanRoleEnum, required: true, description: "At most the creator's own role." }),
    scopes: t.field({ type: [PermissionEnum], required: false, description: "Narrow the key to these permissions (empty: all its role has)." }),
    expiresAt: t.field({ type: "DateTime", required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const ApiKeyCreatePayload = payloadType<Payload<{ apiKeyId: string; secret: string | null }>>("ApiKeyCreatePayload", (t) => ({
  apiKey: t.prismaField({
    type: "ApiKey",
    nullable: true,
    resolve: (query, p, _args, ctx) => (p.apiKeyId ? ctx.db.apiKey.findUnique({ ...query, where: { id: p.apiKeyId } }) : null),
  }),
  secret: t.string({
    nullable: true,
    description: "The key, shown only in this response. Send it as `Authorization: Bearer <key>` or `X-Api-Key: <key>`.",
    resolve: (p) => p.secret ?? null,
  }),
}));

builder.mutationField("apiKeyCreate", (t) =>
  t.field({
    type: ApiKeyCreatePayload,
    authScopes: { permission: "apikey:manage" },
    args: { input: t.arg({ type: ApiKeyCreateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(apiKeyCreateSchema, {
        name: input.name,
        role: input.role,
        scopes: input.scopes ?? [],
        expiresAt: input.expiresAt ?? undefined,
      });
      if (!parsed.ok) return errorPayload<{ apiKeyId: string; secret: string | null }>(parsed.errors);
      return toPayload(await createApiKey(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const ApiKeyRevokeInput = builder.inputType("ApiKeyRevokeInput", {
  fields: (t) => ({
    apiKeyId: t.id({ required: true }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const ApiKeyRevokePayload = payloadType<Payload<{ apiKeyId: string }>>("ApiKeyRevokePayload", (t) => ({
  apiKey: t.prismaField({
    type: "ApiKey",
    nullable: true,
    resolve: (query, p, _args, ctx) => (p.apiKeyId ? ctx.db.apiKey.findUnique({ ...query, where: { id: p.apiKeyId } }) : null),
  }),
}));

builder.mutationField("apiKeyRevoke", (t) =>
  t.field({
    type: ApiKeyRevokePayload,
    authScopes: { permission: "apikey:manage" },
    args: { input: t.arg({ type: ApiKeyRevokeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.apiKeyId), "ApiKey", ["input", "apiKeyId"]);
      if (!id.ok) return errorPayload<{ apiKeyId: string }>(id.errors);
      return toPayload(await revokeApiKey(ctx.services, actorOf(ctx), { apiKeyId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);
