// Platform administration: who may create, suspend and resume tenants.
//
// A platform administrator is not a tenant member and holds no tenant role.
// They are the identities listed in PLATFORM_ADMIN_SUBJECTS, signed in with
// a JWT from the same issuer as everyone else (HS256 with JWT_SECRET, or RS256
// from the identity provider's JWKS; issuer, audience and expiry checked) that
// carries no tenant (`tid`) claim. Such a token is never a tenant principal,
// so it reads no tenant data; a tenant token (even an OWNER's, even for a
// listed subject) is never a platform administrator.
//
// Operators without an identity provider get such a token from the CLI
// (`npm run tenant -- admin-token --subject <subject>`), which needs the same
// JWT secret as the service: there is no standing bootstrap password to leak.
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWTVerifyGetKey } from "jose";
import type { Config } from "../../config/index.js";
import { looksLikeApiKey } from "../../domain/access/api-key.js";
import { AuthenticationError, type Credentials } from "./auth.js";

export interface PlatformAdmin {
  subject: string;
  /** For audit entries and events: "platform:<subject>". */
  label: string;
}

export interface PlatformIdentity {
  /**
   * The platform administrator these credentials name; null when they are not
   * a platform-admin token (tenant tokens, API keys, subjects not listed).
   * Throws AuthenticationError for a listed subject whose token does not verify.
   */
  identify(credentials: Credentials): Promise<PlatformAdmin | null>;
  /** Signs a platform-admin token (HS256) for a listed subject; only with a JWT secret. */
  issuePlatformToken(subject: string, ttlSeconds: number): Promise<string>;
  /**
   * Signs a member's sign-in token (HS256, the same claims the authenticator accepts); only with a JWT secret.
   * `authTime` (epoch seconds) marks when the person signed in: refreshed console sessions keep it (`auth_time`).
   * `sessionId` names the server-side record of an identity-provider sign-in (OidcSession; `sid`).
   */
  issueUserToken(claims: { userId: string; tenantId: string; authTime?: number; sessionId?: string }, ttlSeconds: number): Promise<string>;
  /** Whether this server can sign tokens itself (false with an identity provider only). */
  canIssueTokens: boolean;
}

export function platformAdminSubjects(config: Pick<Config, "PLATFORM_ADMIN_SUBJECTS">): ReadonlySet<string> {
  return new Set(
    (config.PLATFORM_ADMIN_SUBJECTS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

export function createPlatformIdentity(deps: { config: Config; jwtSecret: string | undefined }): PlatformIdentity {
  const { config } = deps;
  const subjects = platformAdminSubjects(config);
  const secretKey = deps.jwtSecret ? new TextEncoder().encode(deps.jwtSecret) : null;
  let jwks: JWTVerifyGetKey | null = null;

  async function verify(token: string): Promise<Record<string, unknown>> {
    const alg = decodeProtectedHeader(token).alg;
    const common = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, requiredClaims: ["exp", "sub"] };
    try {
      if (alg === "HS256" && secretKey) return (await jwtVerify(token, secretKey, { ...common, algorithms: ["HS256"] })).payload;
      if (alg === "RS256" && config.JWT_JWKS_URL) {
        jwks ??= createRemoteJWKSet(new URL(config.JWT_JWKS_URL));
        return (await jwtVerify(token, jwks, { ...common, algorithms: ["RS256"] })).payload;
      }
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ERR_JWT_EXPIRED") throw new AuthenticationError("The token has expired.");
      if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") throw new AuthenticationError("The token was not issued for this service.");
      throw new AuthenticationError("The token's signature is not valid.");
    }
    throw new AuthenticationError(`Tokens signed with "${alg ?? "none"}" are not accepted.`);
  }

  function sign(claims: Record<string, unknown>, subject: string, ttlSeconds: number): Promise<string> {
    if (!secretKey) throw new Error("JWT_SECRET is not configured; tokens come from the identity provider.");
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(subject)
      .setIssuer(config.JWT_ISSUER)
      .setAudience(config.JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(secretKey);
  }

  return {
    canIssueTokens: secretKey !== null,
    async identify({ bearer, apiKey }) {
      if (apiKey || !bearer || subjects.size === 0 || looksLikeApiKey(bearer)) return null;
      let unverified: Record<string, unknown>;
      try {
        unverified = decodeJwt(bearer);
      } catch {
        return null;
      }
      // Tenant tokens (and anything for a subject that is not listed) are the authenticator's.
      if (unverified.tid !== undefined || typeof unverified.sub !== "string" || !subjects.has(unverified.sub)) return null;
      const payload = await verify(bearer);
      if (payload.tid !== undefined || typeof payload.sub !== "string" || !subjects.has(payload.sub)) return null;
      return { subject: payload.sub, label: `platform:${payload.sub}` };
    },
    async issuePlatformToken(subject, ttlSeconds) {
      if (!subjects.has(subject)) throw new Error(`"${subject}" is not listed in PLATFORM_ADMIN_SUBJECTS.`);
      return sign({ platform: true }, subject, ttlSeconds);
    },
    issueUserToken({ userId, tenantId, authTime, sessionId }, ttlSeconds) {
      return sign({ tid: tenantId, ...(authTime ? { auth_time: authTime } : {}), ...(sessionId ? { sid: sessionId } : {}) }, userId, ttlSeconds);
    },
  };
}
