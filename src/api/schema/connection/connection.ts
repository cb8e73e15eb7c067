// Connections to external accounts: `connections`, `connectionStart`,
// `connectionRevoke`, `connectionTest`. Tokens are never part of the schema.
// Everyone with connection:read sees the tenant's shared accounts and their
// own; OWNER/ADMIN (connection:manage) see and manage all of them.
import { z } from "zod";
import { CONNECTION_PROVIDERS, CONNECTION_STATUSES, mayView } from "../../../domain/connection/connection.js";
import type { Prisma } from "../../../generated/prisma/client.js";
import { revokeConnection, startConnection, testConnection, withConnectors, type ConnectionTestResult } from "../../../orchestration/connection/connection.js";
import { actorOf, type GraphQLContext } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

export const ConnectionProviderEnum = builder.enumType("ConnectionProvider", { values: CONNECTION_PROVIDERS });
export const ConnectionStatusEnum = builder.enumType("ConnectionStatus", {
  description: "ACTIVE; NEEDS_REAUTH: the provider no longer honours the grant, connect again; REVOKED: disconnected, tokens erased; ERROR.",
  values: CONNECTION_STATUSES,
});

export const ConnectionAuthMethodEnum = builder.enumType("ConnectionAuthMethod", {
  description: "OAUTH: a person's consent (refresh token); PRIVATE_APP: a HubSpot private-app token; SERVICE_ACCOUNT: Google domain-wide delegation.",
  values: ["OAUTH", "PRIVATE_APP", "SERVICE_ACCOUNT"] as const,
});

interface Health {
  circuitState: string;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
}

const ConnectionHealthType = builder.objectRef<Health>("ConnectionHealth").implement({
  description: "How calls to the provider for this connection are going (circuit breaker of this tenant and provider, as seen by this instance).",
  fields: (t) => ({
    circuitState: t.exposeString("circuitState", { description: "closed, open, half_open or isolated." }),
    lastSuccessAt: t.expose("lastSuccessAt", { type: "DateTime", nullable: true }),
    lastFailureAt: t.expose("lastFailureAt", { type: "DateTime", nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true, description: "The provider's error code and HTTP status; never a token or a raw response." }),
    lastErrorAt: t.expose("lastErrorAt", { type: "DateTime", nullable: true }),
  }),
});

/** Rows the caller may see: all with connection:manage, else the shared ones and their own. */
function visibleWhere(ctx: GraphQLContext): Prisma.ConnectionWhereInput {
  const p = ctx.principal;
  if (!p) return { id: { in: [] } };
  if (p.permissions.has("connection:manage")) return {};
  return { OR: [{ userId: null }, ...(p.userId ? [{ userId: p.userId }] : [])] };
}

export const ConnectionType = builder.prismaNode("Connection", {
  id: { field: "id" },
  // node(id) of someone else's personal connection reads as "not found".
  authScopes: (connection, ctx) => mayView(ctx.principal!, connection),
  fields: (t) => ({
    provider: t.expose("provider", { type: ConnectionProviderEnum }),
    shared: t.boolean({ description: "The tenant's shared account (no owning user).", resolve: (c) => c.userId === null }),
    user: t.prismaField({
      type: "User",
      nullable: true,
      description: "Whose account it is; null for the tenant's shared account.",
      resolve: (query, c, _a, ctx) => (c.userId ? ctx.db.user.findUnique({ ...query, where: { id: c.userId } }) : null),
    }),
    connectedBy: t.prismaField({
      type: "User",
      nullable: true,
      description: "Who completed the connection.",
      resolve: (query, c, _a, ctx) => (c.connectedById ? ctx.db.user.findUnique({ ...query, where: { id: c.connectedById } }) : null),
    }),
    accountEmail: t.exposeString("accountEmail"),
    scopes: t.exposeStringList("scopes", { description: "Scopes the provider granted." }),
    authMethod: t.expose("authMethod", { type: ConnectionAuthMethodEnum }),
    status: t.expose("status", { type: ConnectionStatusEnum }),
    lastError: t.exposeString("lastError", { nullable: true }),
    lastSyncAt: t.expose("lastSyncAt", { type: "DateTime", nullable: true }),
    health: t.field({
      type: ConnectionHealthType,
      resolve: (c, _a, ctx) => ({
        circuitState: ctx.services.connectors?.resilience.circuitState(c.tenantId, c.provider) ?? "closed",
        lastSuccessAt: c.lastSuccessAt,
        lastFailureAt: c.lastFailureAt,
        lastError: c.lastError,
        lastErrorAt: c.lastErrorAt,
      }),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

const ConnectionFilter = builder.inputType("ConnectionFilter", {
  fields: (t) => ({
    provider: t.field({ type: ConnectionProviderEnum, required: false }),
    status: t.field({ type: [ConnectionStatusEnum], required: false }),
    shared: t.boolean({ required: false }),
  }),
});

builder.queryField("connections", (t) =>
  t.prismaConnection(
    {
      type: "Connection",
      cursor: "id",
      authScopes: { permission: "connection:read" },
      args: { filter: t.arg({ type: ConnectionFilter, required: false }) },
      resolve: (query, _root, { filter }, ctx) =>
        ctx.db.connection.findMany({
          ...query,
          where: {
            AND: [
              visibleWhere(ctx),
              filter?.provider ? { provider: filter.provider } : {},
              filter?.status?.length ? { status: { in: filter.status } } : {},
              filter?.shared === true ? { userId: null } : filter?.shared === false ? { userId: { not: null } } : {},
            ],
          },
          orderBy: { id: "desc" },
        }),
    },
    { name: "ConnectionConnection" },
    { name: "ConnectionEdge" },
  ),
);

const ConnectionStartInput = builder.inputType("ConnectionStartInput", {
  fields: (t) => ({
    provider: t.field({ type: ConnectionProviderEnum, required: true }),
    scopes: t.stringList({
      required: false,
      description:
        'Short names ("gmail.readonly", "gmail.send", "gmail.modify", "calendar.readonly", "calendar.freebusy", "calendar.events", "drive.readonly", "drive.metadata.readonly") or full scope URLs; default: mail read and send, free/busy and events, Drive read. openid and email are always added.',
    }),
    shared: t.boolean({ required: false, description: "Connect the tenant's shared account (OWNER/ADMIN) instead of your own. Default false." }),
  }),
});

const connectionStartSchema = z.object({
  provider: z.enum(CONNECTION_PROVIDERS),
  scopes: z.array(z.string().trim().min(1).max(200)).max(20),
  shared: z.boolean(),
});

const ConnectionStartPayload = payloadType<Payload<{ authorizationUrl: string; expiresAt: Date }>>("ConnectionStartPayload", (t) => ({
  authorizationUrl: t.string({
    nullable: true,
    description: "Open this in the browser of the person connecting; the provider sends them back to /oauth/callback.",
    resolve: (p) => p.authorizationUrl ?? null,
  }),
  expiresAt: t.field({ type: "DateTime", nullable: true, description: "The flow must be completed before this.", resolve: (p) => p.expiresAt ?? null }),
}));

builder.mutationField("connectionStart", (t) =>
  t.field({
    type: ConnectionStartPayload,
    description: "Starts connecting an account (OAuth 2.0 authorization code with PKCE): returns the provider's authorization URL.",
    authScopes: { permission: "connection:connect" },
    args: { input: t.arg({ type: ConnectionStartInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(connectionStartSchema, { provider: input.provider, scopes: input.scopes ?? [], shared: input.shared ?? false });
      if (!parsed.ok) return errorPayload<{ authorizationUrl: string; expiresAt: Date }>(parsed.errors);
      return toPayload(await startConnection(withConnectors(ctx.services), actorOf(ctx), parsed.data));
    },
  }),
);

const ConnectionIdInput = (name: string) =>
  builder.inputType(name, {
    fields: (t) => ({
      connectionId: t.id({ required: true }),
      idempotencyKey: t.string({ required: false }),
    }),
  });

const ConnectionRevokePayload = payloadType<Payload<{ connectionId: string; providerRevoked: boolean }>>("ConnectionRevokePayload", (t) => ({
  connection: t.prismaField({
    type: "Connection",
    nullable: true,
    resolve: (query, p, _a, ctx) => (p.connectionId ? ctx.db.connection.findUnique({ ...query, where: { id: p.connectionId } }) : null),
  }),
  providerRevoked: t.boolean({
    nullable: true,
    description: "Whether the provider confirmed the revocation (false: it could not be reached; the tokens are erased here all the same).",
    resolve: (p) => p.providerRevoked ?? null,
  }),
}));

builder.mutationField("connectionRevoke", (t) =>
  t.field({
    type: ConnectionRevokePayload,
    description: "Disconnects: revokes the grant at the provider when possible, erases the tokens, status REVOKED.",
    authScopes: { permission: "connection:connect" },
    args: { input: t.arg({ type: ConnectionIdInput("ConnectionRevokeInput"), required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.connectionId), "Connection", ["input", "connectionId"]);
      if (!id.ok) return errorPayload<{ connectionId: string; providerRevoked: boolean }>(id.errors);
      return toPayload(await revokeConnection(withConnectors(ctx.services), actorOf(ctx), { connectionId: id.id }));
    },
  }),
);

const ConnectionTestPayload = payloadType<Payload<ConnectionTestResult>>("ConnectionTestPayload", (t) => ({
  connection: t.prismaField({
    type: "Connection",
    nullable: true,
    resolve: (query, p, _a, ctx) => (p.connectionId ? ctx.db.connection.findUnique({ ...query, where: { id: p.connectionId } }) : null),
  }),
  ok: t.boolean({ nullable: true, resolve: (p) => p.ok ?? null }),
  message: t.string({ nullable: true, description: "Why the test failed (safe to show).", resolve: (p) => p.message ?? null }),
}));

builder.mutationField("connectionTest", (t) =>
  t.field({
    type: ConnectionTestPayload,
    description: "Makes a cheap authenticated call to the provider (refreshing the token when needed) and records the connection's health.",
    authScopes: { permission: "connection:connect" },
    args: { input: t.arg({ type: ConnectionIdInput("ConnectionTestInput"), required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.connectionId), "Connection", ["input", "connectionId"]);
      if (!id.ok) return errorPayload<ConnectionTestResult>(id.errors);
      return toPayload(await testConnection(withConnectors(ctx.services), actorOf(ctx), { connectionId: id.id }));
    },
  }),
);
