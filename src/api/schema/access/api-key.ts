import { encodeGlobalID } from "@pothos/plugin-relay";
import { API_KEY_STATUSES, apiKeyAccess, apiKeyStatus } from "../../../domain/access/api-key.js";
import { PERMISSIONS, type Role } from "../../../domain/access/permission.js";
import { apiKeyCreateSchema, createApiKey, reissueApiKey, revokeApiKey } from "../../../orchestration/access/api-key.js";
import { actorOf, type GraphQLContext } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { HumanRoleEnum, RoleEnum } from "./role.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

export const PermissionEnum = builder.enumType("Permission", {
  description: "A single permission from the matrix (e.g. DRAFT_APPROVE is draft:approve).",
  values: Object.fromEntries(PERMISSIONS.map((p) => [p.replace(/[:]/g, "_").toUpperCase(), { value: p }])),
});

export const ApiKeyStatusEnum = builder.enumType("ApiKeyStatus", {
  description: "ACTIVE keys work; CREATOR_REMOVED: the person who created the key is no longer a member (an OWNER can re-issue it with apiKeyReissue).",
  values: API_KEY_STATUSES,
});

/**
 * The current role of each key creator, loaded once per request for all the
 * keys in a page (one query, not one per key). null: no longer a member.
 */
const creatorRoleLoaders = new WeakMap<GraphQLContext, Map<string, Promise<Role | null>>>();
function creatorRole(ctx: GraphQLContext, userId: string | null): Promise<Role | null> {
  if (!userId) return Promise.resolve(null);
  let cache = creatorRoleLoaders.get(ctx);
  if (!cache) creatorRoleLoaders.set(ctx, (cache = new Map()));
  const cached = cache.get(userId);
  if (cached) return cached;
  const promise = batchCreatorRoles(ctx, userId);
  cache.set(userId, promise);
  return promise;
}
/** Collects the ids asked for in the same tick, then reads them in one query. */
const batches = new WeakMap<GraphQLContext, { ids: Set<string>; result: Promise<Map<string, Role>> }>();
function batchCreatorRoles(ctx: GraphQLContext, userId: string): Promise<Role | null> {
  let batch = batches.get(ctx);
  if (!batch) {
    const ids = new Set<string>();
    const result = new Promise<void>((resolve) => queueMicrotask(resolve)).then(async () => {
      batches.delete(ctx);
      const rows = await ctx.db.membership.findMany({ where: { userId: { in: [...ids] } }, select: { userId: true, role: true } });
      return new Map(rows.map((r) => [r.userId, r.role as Role]));
    });
    batch = { ids, result };
    batches.set(ctx, batch);
  }
  batch.ids.add(userId);
  return batch.result.then((roles) => roles.get(userId) ?? null);
}

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
    createdById: t.id({
      nullable: true,
      description: "The member the key acts for (its creator, or whom an OWNER re-issued it to).",
      resolve: (k) => (k.createdById ? encodeGlobalID("User", k.createdById) : null),
    }),
    status: t.field({
      type: ApiKeyStatusEnum,
      description: "Whether the key works now. A key acts for its creator: it stops working when they leave the tenant.",
      resolve: async (k, _args, ctx) => apiKeyStatus(k, await creatorRole(ctx, k.createdById)),
    }),
    effectiveRole: t.field({
      type: RoleEnum,
      nullable: true,
      description: "What the key may do now: the lower of its own role and its creator's current role (null when the creator is no longer a member).",
      resolve: async (k, _args, ctx) => apiKeyAccess({ role: k.role, scopes: k.scopes }, await creatorRole(ctx, k.createdById))?.role ?? null,
    }),
    effectivePermissions: t.field({
      type: [PermissionEnum],
      description: "The permissions the key has now: its role and scopes intersected with its creator's current role (empty when the creator is no longer a member).",
      resolve: async (k, _args, ctx) => {
        const access = apiKeyAccess({ role: k.role, scopes: k.scopes }, await creatorRole(ctx, k.createdById));
        return access ? ([...access.permissions].sort() as (typeof PERMISSIONS)[number][]) : [];
      },
    }),
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

const ApiKeyReissueInput = builder.inputType("ApiKeyReissueInput", {
  fields: (t) => ({
    apiKeyId: t.id({ required: true }),
    ownerId: t.id({ required: true, description: "The member (a User id) the new key will act for." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

type ReissueShape = { apiKeyId: string; secret: string | null; revokedApiKeyId: string };
const ApiKeyReissuePayload = payloadType<Payload<ReissueShape>>("ApiKeyReissuePayload", (t) => ({
  apiKey: t.prismaField({
    type: "ApiKey",
    nullable: true,
    resolve: (query, p, _args, ctx) => (p.apiKeyId ? ctx.db.apiKey.findUnique({ ...query, where: { id: p.apiKeyId } }) : null),
  }),
  secret: t.string({
    nullable: true,
    description: "The new key, shown only in this response.",
    resolve: (p) => p.secret ?? null,
  }),
  revokedApiKeyId: t.id({ nullable: true, resolve: (p) => (p.revokedApiKeyId ? encodeGlobalID("ApiKey", p.revokedApiKeyId) : null) }),
}));

builder.mutationField("apiKeyReissue", (t) =>
  t.field({
    type: ApiKeyReissuePayload,
    description:
      "OWNER only. Hands a key over to another member, e.g. when its creator leaves: a new secret acting for that member, with the same name, expiry, role and scopes capped at their role; the old key is revoked. The secret is shown once.",
    authScopes: { permission: "apikey:manage" },
    args: { input: t.arg({ type: ApiKeyReissueInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const key = idOf(String(input.apiKeyId), "ApiKey", ["input", "apiKeyId"]);
      if (!key.ok) return errorPayload<ReissueShape>(key.errors);
      const owner = idOf(String(input.ownerId), "User", ["input", "ownerId"]);
      if (!owner.ok) return errorPayload<ReissueShape>(owner.errors);
      return toPayload(
        await reissueApiKey(ctx.services, actorOf(ctx), { apiKeyId: key.id, ownerId: owner.id }, input.idempotencyKey ?? ctx.idempotencyKey),
      );
    },
  }),
);
