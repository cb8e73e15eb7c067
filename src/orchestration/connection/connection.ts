// Connections: the OAuth flow (start → provider consent → public callback),
// tokens in the vault, automatic refresh, revocation, health. Every provider
// call runs through the resilience policy. A grant the provider no longer
// honours (invalid_grant) turns the connection to NEEDS_REAUTH — audited and
// evented, never a silent failure. Tokens never leave this module except as
// the access token handed to an API client.
import { randomUUID } from "node:crypto";
import type { OAuth2Client } from "google-auth-library";
import type { Connection } from "../../generated/prisma/client.js";
import { withTenant, type Tx } from "../../data/database.js";
import { CredentialVault, resolveKeyRing } from "../../data/credential-vault.js";
import type { Config } from "../../config/index.js";
import type { Database } from "../../data/database.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import {
  classifyProviderError,
  DescribedProviderError,
  mayConnect,
  mayManage,
  OAUTH_STATE_TTL_MS,
  resolveGoogleScopes,
  signOAuthState,
  verifyOAuthState,
  type ConnectionProvider,
} from "../../domain/connection/connection.js";
import { oauthStateAad, open as openEnvelope, seal, type StoredTokens } from "../../domain/connection/credential.js";
import { ROLE_PERMISSIONS } from "../../domain/access/permission.js";
import { agentPrincipal, type Principal } from "../../domain/access/principal.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { googleOAuth, type OAuthProvider } from "../../integrations/oauth.js";
import { hubspotOAuth, resolveHubspotScopes } from "../../integrations/hubspot/oauth.js";
import { ConnectorUnavailableError, createResilience, type Resilience } from "../../integrations/resilience.js";
import type { Services } from "../services.js";
import { runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";
import { createHubspotBudget, type HubspotBudget } from "../../integrations/hubspot/rate-budget.js";
import { googleDelegatedTokens, type DelegatedTokenMinter } from "../../integrations/google/service-account.js";
import { describeDelegationRefusal, type ServiceAccountKey } from "../../domain/connection/service-account.js";

/** What app.ts builds once: the vault, the resilience policy and the OAuth providers. */
export interface ConnectorServices {
  vault: CredentialVault;
  resilience: Resilience;
  oauth: Partial<Record<ConnectionProvider, OAuthProvider>>;
  /** HubSpot's burst and daily limits, shared by instances, with a background share (issue 11). */
  hubspotBudget?: HubspotBudget;
  /** Google domain-wide delegation: access tokens minted with a service account's key (JWT client). */
  googleDelegation?: DelegatedTokenMinter;
}

/** Builds the vault (key ring from CREDENTIALS_KEYS or the local key file), the resilience policy and the providers. */
export async function createConnectorServices(deps: { config: Config; db: Database; metrics: Metrics; logger: Logger }): Promise<ConnectorServices> {
  const { config, logger } = deps;
  const ring = await resolveKeyRing(config);
  const resilience = createResilience({
    timeoutMs: config.CONNECTOR_TIMEOUT_MS,
    maxRetries: config.CONNECTOR_MAX_RETRIES,
    retryBaseMs: config.CONNECTOR_RETRY_BASE_MS,
    maxRetryDelayMs: config.CONNECTOR_MAX_RETRY_DELAY_MS,
    breakerThreshold: config.CONNECTOR_BREAKER_THRESHOLD,
    halfOpenAfterMs: config.CONNECTOR_BREAKER_HALF_OPEN_MS,
    ratePerSecond: { GOOGLE: config.GOOGLE_RATE_LIMIT_PER_SECOND, HUBSPOT: config.HUBSPOT_RATE_LIMIT_PER_SECOND },
    redisUrl: config.REDIS_URL,
    pgPool: deps.db.pool,
    registry: deps.metrics.registry,
    onCircuitChange: (change) => logger.warn({ circuit: change }, "connector circuit state changed"),
  });
  const hubspotBudget = createHubspotBudget({
    burst: config.HUBSPOT_BURST_LIMIT,
    burstWindowSeconds: config.HUBSPOT_BURST_WINDOW_SECONDS,
    daily: config.HUBSPOT_DAILY_LIMIT,
    backgroundShare: config.HUBSPOT_BACKGROUND_SHARE_PERCENT / 100,
    maxWaitMs: config.CONNECTOR_MAX_RETRY_DELAY_MS,
    redisUrl: config.REDIS_URL,
    pgPool: deps.db.pool,
  });
  return {
    vault: new CredentialVault(ring),
    resilience,
    oauth: { GOOGLE: googleOAuth(config), HUBSPOT: hubspotOAuth(config) },
    hubspotBudget,
    googleDelegation: googleDelegatedTokens(config),
  };
}

export type ConnectionServices = Pick<Services, "db" | "config" | "mail" | "logger"> & { connectors: ConnectorServices };

/** The services with their connectors (app.ts always builds them; a bare script may not). */
export function withConnectors<S extends Pick<Services, "db" | "config" | "mail" | "logger" | "connectors">>(services: S): S & { connectors: ConnectorServices } {
  if (!services.connectors) throw new Error("connectors are not configured in these services");
  return services as S & { connectors: ConnectorServices };
}

/** Refresh this long before the access token expires. */
const EXPIRY_MARGIN_MS = 60_000;

export function redirectUri(services: Pick<Services, "config" | "mail">): string {
  return services.config.OAUTH_REDIRECT_URL ?? `${(services.mail.publicUrl ?? "").replace(/\/$/, "")}/oauth/callback`;
}

// ---- start ------------------------------------------------------------------

export interface ConnectionStartInput {
  provider: ConnectionProvider;
  scopes: string[];
  shared: boolean;
}

export async function startConnection(
  services: ConnectionServices,
  actor: Actor,
  input: ConnectionStartInput,
): Promise<Outcome<{ authorizationUrl: string; expiresAt: Date }>> {
  const { principal } = actor;
  // HubSpot is the tenant's CRM: always its shared account (OWNER/ADMIN), never a personal one.
  if (input.provider === "HUBSPOT") input = { ...input, shared: true };
  if (!mayConnect(principal, input.shared) || !principal.userId) {
    return fail(
      userError(
        "FORBIDDEN",
        input.shared ? "Only an OWNER or ADMIN can connect the tenant's shared account." : "Your role cannot connect an account.",
        ["input", "shared"],
      ),
    );
  }
  const provider = services.connectors.oauth[input.provider];
  if (!provider) {
    return fail(userError("NOT_CONFIGURED", `Connecting ${input.provider} is not available yet.`, ["input", "provider"]));
  }
  if (!provider.configured) {
    const vars = input.provider === "HUBSPOT" ? "HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET; or connect a private-app token" : "GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET";
    return fail(userError("NOT_CONFIGURED", `${input.provider === "HUBSPOT" ? "HubSpot" : "Google"} is not configured on this server (${vars}).`, ["input", "provider"]));
  }
  const { scopes, unknown } = input.provider === "HUBSPOT" ? resolveHubspotScopes(input.scopes) : resolveGoogleScopes(input.scopes);
  if (unknown.length) {
    return fail(userError("VALIDATION_FAILED", `Unknown scopes: ${unknown.slice(0, 5).join(", ")}.`, ["input", "scopes"]));
  }
  const pkce = await provider.pkce();
  const ring = services.connectors.vault.ring;
  const userId = principal.userId;
  const stateId = randomUUID();
  const expiresAt = new Date(Date.now() + OAUTH_STATE_TTL_MS);
  const outcome = await runUnitOfWork(services, actor, async (uow) => {
    await uow.tx.oAuthState.create({
      data: {
        id: stateId,
        tenantId: principal.tenantId,
        userId,
        provider: input.provider,
        scopes,
        shared: input.shared,
        codeVerifier: seal(ring, pkce.verifier, oauthStateAad(principal.tenantId, stateId)),
        expiresAt,
      },
    });
    // Old, unused states of this tenant are dropped on the way.
    await uow.tx.oAuthState.deleteMany({ where: { expiresAt: { lt: new Date(Date.now() - OAUTH_STATE_TTL_MS) } } });
    await uow.audit({
      action: "connection.started",
      targetType: "OAuthState",
      targetId: stateId,
      summary: { provider: input.provider, shared: input.shared, scopes },
    });
    return ok(null);
  });
  if (!outcome.ok) return outcome;
  const state = signOAuthState(ring, { tenantId: principal.tenantId, stateId, userId, expiresAt: expiresAt.getTime() });
  return ok({
    authorizationUrl: provider.authorizationUrl({ scopes, state, codeChallenge: pkce.challenge, redirectUri: redirectUri(services) }),
    expiresAt,
  });
}

// ---- callback -----------------------------------------------------------------

export type CallbackResult =
  | { ok: true; connectionId: string; accountEmail: string; provider: ConnectionProvider }
  | { ok: false; reason: "INVALID_STATE" | "EXPIRED_STATE" | "DENIED" | "NOT_ALLOWED" | "PROVIDER_ERROR"; message: string };

async function userPrincipalOf(services: ConnectionServices, tenantId: string, userId: string): Promise<Principal | null> {
  const membership = await withTenant(services.db.prisma, { tenantId, userId }, (tx) =>
    tx.membership.findUnique({ where: { tenantId_userId: { tenantId, userId } }, include: { user: true } }),
  );
  if (!membership) return null;
  return {
    kind: "USER",
    id: membership.userId,
    tenantId,
    role: membership.role,
    permissions: ROLE_PERMISSIONS[membership.role],
    label: `user:${membership.user.email}`,
    userId: membership.userId,
  };
}

/**
 * Completes a flow from the provider's redirect. The state must carry a valid
 * signature, be unexpired and unused; it is consumed (in its own committed
 * transaction) before the code is exchanged, so a replay fails even when the
 * first attempt did not finish.
 */
export async function completeConnection(
  services: ConnectionServices,
  query: { state?: unknown; code?: unknown; error?: unknown },
  meta: { requestId?: string } = {},
): Promise<CallbackResult> {
  const ring = services.connectors.vault.ring;
  const check = verifyOAuthState(ring, query.state);
  if (!check.ok) {
    return check.reason === "EXPIRED"
      ? { ok: false, reason: "EXPIRED_STATE", message: "This sign-in link has expired. Start connecting again." }
      : { ok: false, reason: "INVALID_STATE", message: "This sign-in response is not valid. Start connecting again." };
  }
  const { tenantId, stateId, userId } = check.claims;
  const claimed = await withTenant(services.db.prisma, { tenantId, userId }, (tx) =>
    tx.$queryRaw<{ provider: ConnectionProvider; scopes: string[]; shared: boolean; codeVerifier: string }[]>`
      UPDATE "OAuthState" SET "usedAt" = now()
      WHERE "id" = ${stateId}::uuid AND "tenantId" = ${tenantId}::uuid AND "userId" = ${userId}::uuid
        AND "usedAt" IS NULL AND "expiresAt" > now()
      RETURNING "provider", "scopes", "shared", "codeVerifier"`,
  );
  const row = claimed[0];
  if (!row) return { ok: false, reason: "INVALID_STATE", message: "This sign-in response was already used or has expired. Start connecting again." };
  if (typeof query.error === "string" || typeof query.code !== "string" || !query.code) {
    return { ok: false, reason: "DENIED", message: "The account was not connected: access was not granted." };
  }
  const principal = await userPrincipalOf(services, tenantId, userId);
  if (!principal || !mayConnect(principal, row.shared)) {
    return { ok: false, reason: "NOT_ALLOWED", message: "Your role no longer allows connecting this account." };
  }
  const provider = services.connectors.oauth[row.provider];
  if (!provider) return { ok: false, reason: "PROVIDER_ERROR", message: "This provider is not available." };
  const verifier = openEnvelope(ring, row.codeVerifier, oauthStateAad(tenantId, stateId));
  const resilience = services.connectors.resilience;
  let tokens: StoredTokens & { scopes: string[] | null };
  let account: { email: string; scopes: string[] };
  try {
    // An authorization code works once: never retried blindly.
    tokens = await resilience.execute(tenantId, row.provider, () => provider.exchangeCode({ code: query.code as string, codeVerifier: verifier, redirectUri: redirectUri(services) }), { idempotent: false });
    account = await resilience.execute(tenantId, row.provider, () => provider.accountInfo(tokens.accessToken ?? ""));
  } catch (error) {
    const failure = error instanceof ConnectorUnavailableError ? { message: error.message } : classifyProviderError(error);
    services.logger.warn({ tenantId, provider: row.provider, failure: failure.message }, "OAuth code exchange failed");
    return { ok: false, reason: "PROVIDER_ERROR", message: "The provider did not complete the connection. Try again." };
  }
  const actor: Actor = { principal, meta: { requestId: meta.requestId ?? randomUUID(), traceId: null } };
  const ownerId = row.shared ? null : userId;
  const scopes = tokens.scopes ?? account.scopes;
  const outcome = await runUnitOfWork(services, actor, async (uow) => {
    const existing = await uow.tx.connection.findFirst({
      where: { provider: row.provider, userId: ownerId, accountEmail: account.email, status: { not: "REVOKED" } },
      orderBy: { createdAt: "desc" },
    });
    const now = new Date();
    const connection = existing
      ? await uow.tx.connection.update({
          where: { id: existing.id },
          data: { status: "ACTIVE", scopes, connectedById: userId, lastError: null, lastErrorAt: null, lastSuccessAt: now },
        })
      : await uow.tx.connection.create({
          data: { tenantId, provider: row.provider, userId: ownerId, connectedById: userId, accountEmail: account.email, scopes, lastSuccessAt: now },
        });
    await services.connectors.vault.store(uow.tx, tenantId, connection.id, {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      tokenType: tokens.tokenType ?? "Bearer",
    });
    await uow.audit({
      action: existing ? "connection.reconnected" : "connection.connected",
      targetType: "Connection",
      targetId: connection.id,
      summary: { provider: row.provider, accountEmail: account.email, shared: row.shared, scopes, previousStatus: existing?.status ?? null },
    });
    await uow.emit("sales.connection.connected", { connectionId: connection.id, provider: row.provider, shared: row.shared, userId: ownerId });
    return ok(connection);
  });
  if (!outcome.ok) return { ok: false, reason: "PROVIDER_ERROR", message: "The connection could not be saved. Try again." };
  return { ok: true, connectionId: outcome.value.id, accountEmail: account.email, provider: row.provider };
}

// ---- tokens for API clients -------------------------------------------------

/** Why no access token could be had; the connection's status already says so. */
export class ConnectionUnavailableError extends Error {
  constructor(
    readonly connectionId: string,
    readonly status: string,
    message: string,
  ) {
    super(message);
    this.name = "ConnectionUnavailableError";
  }
}

export interface ConnectionRef {
  id: string;
  tenantId: string;
}

function systemActor(tenantId: string): Actor {
  return { principal: agentPrincipal(tenantId, "connector"), meta: { requestId: randomUUID(), traceId: null } };
}

/** Records a failure on the connection; a REAUTH failure turns it to NEEDS_REAUTH (audited, evented) once. */
async function recordFailure(services: ConnectionServices, ref: ConnectionRef, error: unknown, actor?: Actor): Promise<void> {
  const failure = error instanceof ConnectorUnavailableError ? { kind: "TRANSIENT" as const, message: error.message } : classifyProviderError(error);
  await runUnitOfWork(services, actor ?? systemActor(ref.tenantId), async (uow) => {
    const now = new Date();
    if (failure.kind === "REAUTH") {
      const changed = await uow.tx.connection.updateMany({
        where: { id: ref.id, status: "ACTIVE" },
        data: { status: "NEEDS_REAUTH", lastError: failure.message, lastErrorAt: now, lastFailureAt: now },
      });
      if (changed.count === 0) {
        // Already waiting for someone: keep its reason current (e.g. a delegation refused for another reason now).
        await uow.tx.connection.updateMany({ where: { id: ref.id, status: "NEEDS_REAUTH" }, data: { lastError: failure.message, lastErrorAt: now, lastFailureAt: now } });
      }
      if (changed.count === 1) {
        await uow.audit({ action: "connection.needs_reauth", targetType: "Connection", targetId: ref.id, summary: { reason: failure.message } });
        await uow.emit("sales.connection.needs_reauth", { connectionId: ref.id, reason: failure.message });
      }
    } else {
      await uow.tx.connection.updateMany({ where: { id: ref.id }, data: { lastError: failure.message, lastErrorAt: now, lastFailureAt: now } });
    }
    return ok(null);
  });
}

async function recordSuccess(services: ConnectionServices, ref: ConnectionRef): Promise<void> {
  await withTenant(services.db.prisma, { tenantId: ref.tenantId }, (tx) =>
    tx.connection.updateMany({ where: { id: ref.id }, data: { lastSuccessAt: new Date() } }),
  );
}

/**
 * A valid access token for the connection: the stored one while it is fresh,
 * else refreshed with the refresh token and stored again (the row is locked
 * meanwhile, so two instances never refresh at once). An invalid_grant turns
 * the connection to NEEDS_REAUTH and throws ConnectionUnavailableError.
 */
export async function accessTokenFor(
  services: ConnectionServices,
  ref: ConnectionRef,
  options: { forceRefresh?: boolean; rejectedToken?: string } = {},
): Promise<string> {
  return (await credentialsFor(services, ref, options)).accessToken;
}

/** accessTokenFor, with the connection row it read (its status, account time zone, …) for the caller. */
async function credentialsFor(
  services: ConnectionServices,
  ref: ConnectionRef,
  options: { forceRefresh?: boolean; rejectedToken?: string } = {},
): Promise<{ accessToken: string; connection: Connection }> {
  const { vault, resilience } = services.connectors;
  let failed: unknown = null;
  let loaded: Connection | null = null;
  const token = await withTenant(
    services.db.prisma,
    { tenantId: ref.tenantId },
    async (tx) => {
      const connection = await tx.connection.findUnique({ where: { id: ref.id } });
      if (!connection) throw new ConnectionUnavailableError(ref.id, "NOT_FOUND", "No such connection.");
      loaded = connection;
      if (connection.status !== "ACTIVE") {
        throw new ConnectionUnavailableError(ref.id, connection.status, `The connection is ${connection.status}; connect the account again.`);
      }
      // Lock the credential row: a concurrent refresh waits here and then finds the fresh token.
      await tx.$queryRaw`SELECT 1 FROM "ConnectionCredential" WHERE "connectionId" = ${ref.id}::uuid FOR UPDATE`;
      const tokens = await vault.load(tx, ref.tenantId, ref.id);
      if (!tokens) throw new ConnectionUnavailableError(ref.id, connection.status, "The connection has no stored credentials; connect the account again.");
      // No expiry and nothing to refresh with (a HubSpot private-app token): valid until the provider refuses it.
      const stillValid = tokens.accessToken && (tokens.expiresAt ? tokens.expiresAt - EXPIRY_MARGIN_MS > Date.now() : !tokens.refreshToken);
      // forceRefresh: the provider refused this very token; another caller may have refreshed it meanwhile.
      if (stillValid && (!options.forceRefresh || tokens.accessToken !== options.rejectedToken)) return tokens.accessToken!;
      if (tokens.serviceAccount) {
        const minted = await mintDelegated(services, { ...ref, provider: connection.provider, subject: connection.accountEmail, scopes: connection.scopes }, tokens.serviceAccount);
        if (!minted.ok) {
          failed = minted.error;
          return null;
        }
        await vault.store(tx, ref.tenantId, ref.id, { ...minted.tokens, serviceAccount: tokens.serviceAccount });
        await tx.connection.update({ where: { id: ref.id }, data: { lastSuccessAt: new Date(), lastError: null, lastErrorAt: null } });
        return minted.tokens.accessToken;
      }
      const provider = services.connectors.oauth[connection.provider];
      if (!tokens.refreshToken || !provider) {
        failed = Object.assign(new Error("no refresh token"), { response: { status: 400, data: { error: "invalid_grant" } } });
        return null;
      }
      try {
        const fresh = await resilience.execute(ref.tenantId, connection.provider, () => provider.refresh(tokens.refreshToken!));
        await vault.store(tx, ref.tenantId, ref.id, fresh);
        await tx.connection.update({ where: { id: ref.id }, data: { lastSuccessAt: new Date(), lastError: null, lastErrorAt: null } });
        return fresh.accessToken;
      } catch (error) {
        failed = error;
        return null;
      }
    },
    { timeout: 120_000 },
  );
  if (token && loaded) return { accessToken: token, connection: loaded };
  await recordFailure(services, ref, failed);
  const failure = failed instanceof ConnectorUnavailableError ? { kind: "TRANSIENT", message: failed.message } : classifyProviderError(failed);
  throw new ConnectionUnavailableError(ref.id, failure.kind === "REAUTH" ? "NEEDS_REAUTH" : "ACTIVE", failure.message);
}

/**
 * A delegated access token for the connection's Workspace user (its
 * accountEmail) and scopes, under the resilience policy. Google's refusals
 * come back described for the admin who must act (DescribedProviderError).
 */
export async function mintDelegated(
  services: ConnectionServices,
  target: ConnectionRef & { provider: ConnectionProvider; subject: string; scopes: string[] },
  key: ServiceAccountKey,
): Promise<{ ok: true; tokens: StoredTokens } | { ok: false; error: unknown }> {
  const mint = services.connectors.googleDelegation;
  if (!mint) return { ok: false, error: new DescribedProviderError({ kind: "PERMANENT", message: "Domain-wide delegation is not available on this server." }) };
  try {
    const tokens = await services.connectors.resilience.execute(target.tenantId, target.provider, () => mint({ key, subject: target.subject, scopes: target.scopes }));
    return { ok: true, tokens };
  } catch (error) {
    const refusal = describeDelegationRefusal(error, { clientId: key.clientId, subject: target.subject, scopes: target.scopes });
    return { ok: false, error: refusal ? new DescribedProviderError(refusal) : error };
  }
}

/**
 * Runs an authenticated provider call for a connection under the resilience
 * policy: a fresh access token, an OAuth2Client for googleapis, health
 * recorded, and a 401/invalid_grant turning the connection to NEEDS_REAUTH.
 * The Google API clients use this for every call.
 */
export async function callWithConnection<T>(
  services: ConnectionServices,
  ref: ConnectionRef & { provider: ConnectionProvider },
  fn: (auth: { accessToken: string; client: OAuth2Client | null; signal: AbortSignal; connection: Connection }) => Promise<T>,
  options: { idempotent?: boolean } = {},
): Promise<T> {
  const provider = services.connectors.oauth[ref.provider];
  const attempt = async ({ accessToken, connection }: { accessToken: string; connection: Connection }) => {
    const client = provider?.clientFor ? provider.clientFor({ accessToken, refreshToken: null, expiresAt: null }) : null;
    return services.connectors.resilience.execute(ref.tenantId, ref.provider, (signal) => fn({ accessToken, client, signal, connection }), options);
  };
  let credentials = await credentialsFor(services, ref);
  try {
    let result: T;
    try {
      result = await attempt(credentials);
    } catch (error) {
      // The provider refused a token we thought valid (401 / invalid_token): refresh once and
      // try again before calling the grant lost.
      if (!tokenRejected(error)) throw error;
      credentials = await credentialsFor(services, ref, { forceRefresh: true, rejectedToken: credentials.accessToken });
      result = await attempt(credentials);
    }
    await recordSuccess(services, ref).catch(() => {});
    return result;
  } catch (error) {
    if (!(error instanceof ConnectionUnavailableError)) await recordFailure(services, ref, error).catch(() => {});
    throw error;
  }
}

function tokenRejected(error: unknown): boolean {
  const e = error as { status?: unknown; response?: { status?: unknown; data?: { error?: unknown } } } | null;
  const status = typeof e?.response?.status === "number" ? e.response.status : typeof e?.status === "number" ? e.status : null;
  return status === 401 || e?.response?.data?.error === "invalid_token";
}

// ---- revoke and test ------------------------------------------------------------

async function findManageable(uow: UnitOfWork, connectionId: string): Promise<Outcome<Connection>> {
  const connection = await uow.tx.connection.findUnique({ where: { id: connectionId } });
  if (!connection) return fail(userError("NOT_FOUND", "No such connection.", ["input", "connectionId"]));
  if (!mayManage(uow.actor.principal, connection)) {
    // Someone else's personal connection reads as "not found" to those who may not manage it.
    return connection.userId !== null && !uow.actor.principal.permissions.has("connection:manage")
      ? fail(userError("NOT_FOUND", "No such connection.", ["input", "connectionId"]))
      : fail(userError("FORBIDDEN", "Only an OWNER or ADMIN can manage the tenant's shared account.", ["input", "connectionId"]));
  }
  return ok(connection);
}

/**
 * Revokes at the provider when possible (the refresh token, which also ends
 * its access tokens), then marks the connection REVOKED and erases its tokens.
 * A provider that cannot be reached does not stop the local revocation.
 */
export async function revokeConnection(
  services: ConnectionServices,
  actor: Actor,
  input: { connectionId: string },
): Promise<Outcome<{ connectionId: string; providerRevoked: boolean }>> {
  const { vault } = services.connectors;
  const read = await runUnitOfWork(services, actor, async (uow) => {
    const found = await findManageable(uow, input.connectionId);
    if (!found.ok) return found;
    if (found.value.status === "REVOKED") return fail(userError("ALREADY_REVOKED", "This connection is already revoked.", ["input", "connectionId"]));
    return ok({ connection: found.value, tokens: await loadTokensToRevoke(vault, uow.tx, found.value) });
  });
  if (!read.ok) return read;
  const { connection, tokens } = read.value;
  const providerRevoked = await revokeAtProvider(services, connection, tokens);
  return runUnitOfWork(services, actor, async (uow) => {
    const found = await findManageable(uow, input.connectionId);
    if (!found.ok) return found;
    if (found.value.status === "REVOKED") return fail(userError("ALREADY_REVOKED", "This connection is already revoked.", ["input", "connectionId"]));
    await revokeLocally(uow, connection, { providerRevoked });
    return ok({ connectionId: connection.id, providerRevoked });
  });
}

/** The tokens to revoke at the provider; null when there are none or the envelope does not open (it is erased all the same). */
async function loadTokensToRevoke(vault: CredentialVault | undefined, tx: Tx, connection: Connection): Promise<StoredTokens | null> {
  if (!vault) return null;
  try {
    return await vault.load(tx, connection.tenantId, connection.id);
  } catch {
    return null;
  }
}

/** Best effort: asks the provider to end the grant; true when it did (or the grant was already gone). Never throws. */
async function revokeAtProvider(
  services: Pick<ConnectionServices, "connectors">,
  connection: Pick<Connection, "tenantId" | "provider">,
  tokens: StoredTokens | null,
): Promise<boolean> {
  const provider = services.connectors.oauth[connection.provider];
  // A delegated connection holds no grant at Google to revoke (the admin removes the client id's
  // delegation in the Admin console); its key is erased locally.
  const token = tokens?.serviceAccount ? null : (tokens?.refreshToken ?? tokens?.accessToken);
  if (!provider || !token) return false;
  try {
    await services.connectors.resilience.execute(connection.tenantId, connection.provider, () => provider.revoke(token));
    return true;
  } catch (error) {
    // A grant that is already gone counts as revoked.
    return !(error instanceof ConnectorUnavailableError) && classifyProviderError(error).kind === "REAUTH";
  }
}

/** Erases the tokens and marks the connection REVOKED, audited and evented, in the caller's transaction. */
async function revokeLocally(
  uow: UnitOfWork,
  connection: Connection,
  outcome: { providerRevoked: boolean | null; reason?: "MEMBER_REMOVED" },
): Promise<void> {
  // The vault's erase is a delete of the sealed row: no key is needed, so it runs without connectors too.
  await uow.tx.connectionCredential.deleteMany({ where: { tenantId: connection.tenantId, connectionId: connection.id } });
  await uow.tx.connection.update({ where: { id: connection.id }, data: { status: "REVOKED", revokedAt: new Date() } });
  const reason = outcome.reason ? { reason: outcome.reason, userId: connection.userId } : {};
  await uow.audit({
    action: "connection.revoked",
    targetType: "Connection",
    targetId: connection.id,
    summary: { provider: connection.provider, accountEmail: connection.accountEmail, providerRevoked: outcome.providerRevoked, previousStatus: connection.status, ...reason },
  });
  await uow.emit("sales.connection.revoked", { connectionId: connection.id, provider: connection.provider, providerRevoked: outcome.providerRevoked, ...reason });
}

/** A leaving member's personal connections, revoked in the removal's transaction; their tokens for the provider call after it. */
export interface LeaverRevocation {
  connection: Connection;
  tokens: StoredTokens | null;
}

/**
 * A member leaves the tenant: every personal connection of theirs in this
 * tenant (not REVOKED yet) is revoked in the same transaction as the removal —
 * tokens erased, status REVOKED (so sync, sending and calendar use stop),
 * audited (`connection.revoked`, reason MEMBER_REMOVED) and evented
 * (`sales.connection.revoked` with `providerRevoked: null`: not asked yet).
 * Shared connections they made stay. The tokens are returned for
 * `revokeLeaverGrants`, which asks the provider after the commit.
 */
export async function revokeLeaverConnections(
  services: Pick<Services, "connectors">,
  uow: UnitOfWork,
  userId: string,
): Promise<LeaverRevocation[]> {
  const tenantId = uow.actor.principal.tenantId;
  // Locked, so a token refresh or a second removal racing with this one waits and then sees REVOKED.
  const ids = await uow.tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Connection" WHERE "tenantId" = ${tenantId}::uuid AND "userId" = ${userId}::uuid AND "status" <> 'REVOKED' ORDER BY "id" FOR UPDATE`;
  if (ids.length === 0) return [];
  const connections = await uow.tx.connection.findMany({ where: { tenantId, id: { in: ids.map((r) => r.id) } }, orderBy: { id: "asc" } });
  const revoked: LeaverRevocation[] = [];
  for (const connection of connections) {
    const tokens = await loadTokensToRevoke(services.connectors?.vault, uow.tx, connection);
    await revokeLocally(uow, connection, { providerRevoked: null, reason: "MEMBER_REMOVED" });
    revoked.push({ connection, tokens });
  }
  return revoked;
}

/**
 * After the removal committed: asks the provider to end each grant (best
 * effort, never failing the removal) and audits the answer
 * (`connection.provider_revoked`). A crash before this leaves a grant at
 * Google that nobody holds a token for any more (the person can remove it in
 * their Google account).
 */
export async function revokeLeaverGrants(services: Pick<Services, "db" | "config" | "connectors" | "logger">, actor: Actor, revoked: LeaverRevocation[]): Promise<void> {
  const connectors = services.connectors;
  if (!connectors) return;
  for (const { connection, tokens } of revoked) {
    // A delegated connection has no grant at Google to end (its key is erased): nothing to ask or record.
    if (!tokens || tokens.serviceAccount) continue;
    const providerRevoked = await revokeAtProvider({ connectors }, connection, tokens);
    try {
      await runUnitOfWork(services, actor, async (uow) => {
        await uow.audit({
          action: "connection.provider_revoked",
          targetType: "Connection",
          targetId: connection.id,
          summary: { provider: connection.provider, accountEmail: connection.accountEmail, providerRevoked, reason: "MEMBER_REMOVED" },
        });
        return ok(null);
      });
    } catch (error) {
      services.logger.warn({ tenantId: connection.tenantId, connectionId: connection.id, err: error }, "could not audit the provider revocation of a leaver's connection");
    }
  }
}

export interface ConnectionTestResult {
  connectionId: string;
  ok: boolean;
  status: string;
  message: string | null;
}

/** A cheap authenticated call (token info) → health; a refused grant turns the connection to NEEDS_REAUTH. */
export async function testConnection(
  services: ConnectionServices,
  actor: Actor,
  input: { connectionId: string },
): Promise<Outcome<ConnectionTestResult>> {
  const read = await runUnitOfWork(services, actor, async (uow) => findManageable(uow, input.connectionId));
  if (!read.ok) return read;
  const connection = read.value;
  if (connection.status === "REVOKED") {
    return fail(userError("CONNECTION_NOT_ACTIVE", "This connection is revoked; connect the account again.", ["input", "connectionId"]));
  }
  const delegatedKey = await withTenant(services.db.prisma, { tenantId: connection.tenantId }, async (tx: Tx) => (await services.connectors.vault.load(tx, connection.tenantId, connection.id))?.serviceAccount ?? null).catch(() => null);
  const result = delegatedKey ? await testDelegated(services, connection, delegatedKey) : await testOAuth(services, connection);
  await runUnitOfWork(services, actor, async (uow) => {
    await uow.audit({ action: "connection.tested", targetType: "Connection", targetId: connection.id, summary: { ok: result.ok, status: result.status, previousStatus: connection.status } });
    await uow.emit("sales.connection.tested", { connectionId: connection.id, ok: result.ok, status: result.status });
    return ok(null);
  });
  return ok(result);
}

/**
 * The test of a delegated connection: a fresh token minted now (a cached one
 * would hide a delegation the admin has since removed). Success makes the
 * connection ACTIVE again — how an admin resumes it after fixing the
 * delegation in the Admin console; a refusal is recorded with the admin's fix.
 */
async function testDelegated(services: ConnectionServices, connection: Connection, key: ServiceAccountKey): Promise<ConnectionTestResult> {
  const ref = { id: connection.id, tenantId: connection.tenantId, provider: connection.provider };
  const minted = await mintDelegated(services, { ...ref, subject: connection.accountEmail, scopes: connection.scopes }, key);
  if (!minted.ok) {
    await recordFailure(services, ref, minted.error);
    const after = await withTenant(services.db.prisma, { tenantId: connection.tenantId }, (tx: Tx) => tx.connection.findUnique({ where: { id: connection.id }, select: { status: true } }));
    const message = minted.error instanceof ConnectorUnavailableError ? minted.error.message : classifyProviderError(minted.error).message;
    return { connectionId: connection.id, ok: false, status: after?.status ?? connection.status, message };
  }
  await withTenant(services.db.prisma, { tenantId: connection.tenantId }, async (tx: Tx) => {
    await services.connectors.vault.store(tx, connection.tenantId, connection.id, { ...minted.tokens, serviceAccount: key });
    await tx.connection.updateMany({
      where: { id: connection.id, status: { in: ["ACTIVE", "NEEDS_REAUTH", "ERROR"] } },
      data: { status: "ACTIVE", lastError: null, lastErrorAt: null, lastSuccessAt: new Date() },
    });
  });
  return { connectionId: connection.id, ok: true, status: "ACTIVE", message: null };
}

/** The test of an OAuth connection: token info through callWithConnection (refreshing when needed). */
async function testOAuth(services: ConnectionServices, connection: Connection): Promise<ConnectionTestResult> {
  const provider = services.connectors.oauth[connection.provider];
  try {
    if (!provider) throw new ConnectionUnavailableError(connection.id, connection.status, `${connection.provider} is not available.`);
    await callWithConnection(services, { id: connection.id, tenantId: connection.tenantId, provider: connection.provider }, ({ accessToken }) => provider.accountInfo(accessToken));
    return { connectionId: connection.id, ok: true, status: "ACTIVE", message: null };
  } catch (error) {
    const message =
      error instanceof ConnectionUnavailableError || error instanceof ConnectorUnavailableError ? error.message : classifyProviderError(error).message;
    const after = await withTenant(services.db.prisma, { tenantId: connection.tenantId }, (tx: Tx) =>
      tx.connection.findUnique({ where: { id: connection.id }, select: { status: true } }),
    );
    return { connectionId: connection.id, ok: false, status: after?.status ?? connection.status, message };
  }
}
