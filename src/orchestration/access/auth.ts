// Authentication: turns a bearer JWT or an API key into a Principal (who,
// which tenant, which role, which permissions), or refuses it.
//
// JWTs: HS256 with JWT_SECRET, or RS256 against JWT_JWKS_URL; issuer,
// audience and expiry are always checked and `alg: none` never accepted.
// Claims: `sub` = user id, `tid` = tenant id; the role comes from the user's
// membership in that tenant (so a demotion takes effect at once, not when the
// token expires). API keys act for their creator: the key's role and scopes
// are intersected with the creator's current membership on every request, and
// a removed creator's keys are refused (see src/domain/access/api-key.ts).
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import type { Config } from "../../config/index.js";
import { withTenant, type Database } from "../../data/database.js";
import { apiKeyAccess, apiKeyRefusal, apiKeyStatus, hashApiKey, isWellFormedApiKey, looksLikeApiKey } from "../../domain/access/api-key.js";
import { ROLE_PERMISSIONS } from "../../domain/access/permission.js";
import type { Principal } from "../../domain/access/principal.js";
import type { AccessExpectation } from "../../data/database.js";
import type { PrincipalCache } from "./principal-cache.js";
import { TENANT_SUSPENDED_MESSAGE, tenantSuspension } from "../tenant/tenant-suspension.js";

export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthenticationError";
  }
}

/** The credentials are fine but their tenant is suspended by the platform (tenant-lifecycle.ts): nothing of it is read or written. */
export class TenantSuspendedError extends AuthenticationError {
  readonly code = "TENANT_SUSPENDED";
  constructor() {
    super(TENANT_SUSPENDED_MESSAGE);
    this.name = "TenantSuspendedError";
  }
}

export interface Credentials {
  /** The value after "Bearer " in the Authorization header. */
  bearer?: string | null;
  /** An API key from the X-Api-Key header. */
  apiKey?: string | null;
}

export interface Authenticator {
  /** null when no credentials were given; throws AuthenticationError when they are invalid. */
  authenticate(credentials: Credentials): Promise<Principal | null>;
  /** Signs a user token (HS256); only available when JWT_SECRET is configured. */
  issueUserToken(claims: { userId: string; tenantId: string }, ttlSeconds: number): Promise<string>;
}

const uuid = z.string().uuid();
const claimsSchema = z.object({ sub: uuid, tid: uuid, sid: uuid.optional() });

/** Refresh `lastUsedAt` at most this often, so a busy key does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function createAuthenticator(deps: {
  config: Config;
  db: Database;
  jwtSecret: string | undefined;
  /** Remembers verified principals for a few seconds (see principal-cache.ts); absent = verify every request. */
  cache?: PrincipalCache;
}): Authenticator {
  const { config, db, cache } = deps;
  const secretKey = deps.jwtSecret ? new TextEncoder().encode(deps.jwtSecret) : null;
  const jwks: JWTVerifyGetKey | null = config.JWT_JWKS_URL ? createRemoteJWKSet(new URL(config.JWT_JWKS_URL)) : null;

  async function verifyJwt(token: string): Promise<z.infer<typeof claimsSchema> & { exp: number; startedAt: number }> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new AuthenticationError("The bearer token is not a valid JWT.");
    }
    const common = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, requiredClaims: ["exp", "sub"] };
    try {
      let payload: unknown;
      if (alg === "HS256" && secretKey) {
        ({ payload } = await jwtVerify(token, secretKey, { ...common, algorithms: ["HS256"] }));
      } else if (alg === "RS256" && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...common, algorithms: ["RS256"] }));
      } else {
        throw new AuthenticationError(`Tokens signed with "${alg ?? "none"}" are not accepted.`);
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw new AuthenticationError("The token must carry a user id (sub) and a tenant id (tid).");
      const { exp, iat, auth_time } = payload as { exp: number; iat?: unknown; auth_time?: unknown };
      const startedAt = typeof auth_time === "number" ? auth_time : typeof iat === "number" ? iat : exp;
      return { ...claims.data, exp, startedAt };
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      const code = (error as { code?: string }).code;
      if (code === "ERR_JWT_EXPIRED") throw new AuthenticationError("The token has expired.");
      if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") throw new AuthenticationError("The token was not issued for this service.");
      throw new AuthenticationError("The token's signature is not valid.");
    }
  }

  async function userPrincipal(token: string): Promise<Principal> {
    const { sub, tid, sid, exp, startedAt } = await verifyJwt(token);
    const membership = await withTenant(db.prisma, { tenantId: tid, userId: sub }, async (tx) => {
      const found = await tx.membership.findUnique({ where: { tenantId_userId: { tenantId: tid, userId: sub } }, include: { user: true } });
      if (found && (await tenantSuspension(tx, tid))) throw new TenantSuspendedError();
      // A token from an identity-provider sign-in works only while that sign-in stands (ended when the provider refused a refresh).
      if (found && sid) {
        const session = await tx.oidcSession.findUnique({ where: { id: sid }, select: { userId: true, endedAt: true } });
        if (!session || session.userId !== sub || session.endedAt) throw new AuthenticationError("This sign-in has ended: sign in again.");
      }
      return found;
    });
    if (!membership) throw new AuthenticationError("This user is not a member of the token's tenant.");
    const principal: Principal = {
      kind: "USER",
      id: membership.userId,
      tenantId: tid,
      role: membership.role,
      permissions: ROLE_PERMISSIONS[membership.role],
      label: `user:${membership.user.email}`,
      userId: membership.userId,
      accessFingerprint: membership.role,
      session: { startedAt, expiresAt: exp, ...(sid ? { oidcSessionId: sid } : {}) },
    };
    cache?.set(token, principal, exp * 1000);
    return principal;
  }

  async function apiKeyPrincipal(secret: string): Promise<Principal> {
    if (!isWellFormedApiKey(secret)) throw new AuthenticationError("The API key is not valid.");
    const hash = hashApiKey(secret);
    const owners = await db.prisma.$queryRaw<{ tenant_id: string; api_key_id: string }[]>`
      SELECT tenant_id, api_key_id FROM app_api_key_tenant(${hash})`;
    const owner = owners[0];
    if (!owner) throw new AuthenticationError("The API key is not valid.");
    // The key and its creator's CURRENT membership, read together on every
    // request: the key never does more than the person who made it may do now.
    const found = await withTenant(db.prisma, { tenantId: owner.tenant_id }, async (tx) => {
      const key = await tx.apiKey.findUnique({ where: { id: owner.api_key_id } });
      if (!key) return null;
      if (await tenantSuspension(tx, key.tenantId)) throw new TenantSuspendedError();
      const creator = key.createdById
        ? await tx.membership.findUnique({ where: { tenantId_userId: { tenantId: key.tenantId, userId: key.createdById } }, select: { role: true } })
        : null;
      const creatorRole = creator?.role ?? null;
      const status = apiKeyStatus(key, creatorRole);
      if (status === "ACTIVE" && (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS)) {
        await tx.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: new Date() } });
      }
      return { key, creatorRole, status };
    });
    if (!found) throw new AuthenticationError("The API key is not valid.");
    const { key, creatorRole, status } = found;
    const refusal = apiKeyRefusal(status);
    if (refusal) throw new AuthenticationError(refusal);
    const access = apiKeyAccess(key, creatorRole);
    if (!access) throw new AuthenticationError(apiKeyRefusal("CREATOR_REMOVED")!);
    const principal: Principal = {
      kind: "API_KEY",
      id: key.id,
      tenantId: key.tenantId,
      role: access.role,
      permissions: access.permissions,
      label: `apikey:${key.prefix}`,
      userId: key.createdById,
      // The same text app_access_fingerprint() computes from the database.
      accessFingerprint: `${key.role}|${key.scopes.join(",")}|${creatorRole ?? "-"}`,
    };
    // A key that expires by date leaves the cache no later than that (and lastUsedAt is refreshed at most every minute anyway).
    cache?.set(secret, principal, key.expiresAt?.getTime());
    return principal;
  }

  return {
    async authenticate({ bearer, apiKey }) {
      const token = (apiKey ?? bearer ?? "").trim();
      if (!token) return null;
      const cached = cache?.get(token);
      if (cached) return cached;
      const verify = () => (looksLikeApiKey(token) ? apiKeyPrincipal(token) : userPrincipal(token));
      return cache ? cache.verifyOnce(token, verify) : verify();
    },
    async issueUserToken({ userId, tenantId }, ttlSeconds) {
      if (!secretKey) throw new Error("JWT_SECRET is not configured; tokens come from the identity provider.");
      return new SignJWT({ tid: tenantId })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(userId)
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(secretKey);
    },
  };
}

/** What a request checks a cached caller against (null: verified in this request, or an agent). */
export function accessExpectation(principal: Principal | null): AccessExpectation | null {
  if (!principal?.cached || !principal.accessFingerprint) return null;
  if (principal.kind !== "USER" && principal.kind !== "API_KEY") return null;
  return { kind: principal.kind, principalId: principal.id, fingerprint: principal.accessFingerprint };
}

/** Splits an Authorization header into its bearer token, if it is one. */
export function bearerFrom(header: string | undefined | null): string | null {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match ? match[1]! : null;
}
