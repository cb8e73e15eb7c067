// Console session refresh: a signed-in person's bearer token is exchanged,
// before it expires, for a fresh one for the same workspace, so a session
// outlives OIDC_SESSION_HOURS without losing what is open in the console.
// The sign-in time travels along (`auth_time`), so no chain of refreshes
// outlasts OIDC_SESSION_MAX_HOURS from the sign-in: after that, the person
// signs in again. Membership is checked as on every request (a removed
// member's token is refused before this runs). API keys do not expire this
// way: refused.
//
// A token from an identity-provider sign-in (`sid`: its OidcSession) is
// renewed only after the provider renews the grant: the refresh token it gave
// at sign-in (sealed server-side, never sent to the browser) goes to its
// token endpoint. When the provider refuses (invalid_grant: the account
// disabled, the grant revoked or expired) the session ends here too — its
// tokens stop working at once — and the person must sign in again
// (SESSION_REVOKED). When the provider gave no refresh token the session is
// renewed as before, but never beyond OIDC_SESSION_UNCHECKED_MAX_HOURS from
// the sign-in, so nobody disabled there keeps working here for longer.
import { CredentialDecryptError } from "../../domain/connection/credential.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { withTenant } from "../../data/database.js";
import { OidcError } from "../../integrations/oidc.js";
import { runUnitOfWork, type Actor } from "../unit-of-work.js";
import type { Services } from "../services.js";

export interface RefreshedSession {
  token: string;
  expiresAt: Date;
  /** When no further refresh is possible (OIDC_SESSION_MAX_HOURS after the sign-in; for an OIDC sign-in without a refresh token, OIDC_SESSION_UNCHECKED_MAX_HOURS). */
  sessionEndsAt: Date;
}

interface StoredSession {
  id: string;
  userId: string;
  subject: string;
  refreshToken: string | null;
  endedAt: Date | null;
}

export async function refreshSession(services: Services, actor: Actor): Promise<Outcome<RefreshedSession>> {
  const { principal } = actor;
  const tokens = services.platform;
  if (principal.kind !== "USER" || !principal.session || !principal.userId) {
    return fail(userError("FORBIDDEN", "Only a person's signed-in session can be refreshed; an API key does not expire this way.", []));
  }
  if (!tokens?.canIssueTokens) {
    return fail(userError("NOT_CONFIGURED", "This service does not sign session tokens (JWT_SECRET); your identity provider's tokens are renewed there.", []));
  }
  const { session } = principal;
  const userId = principal.userId;
  const sessionId = session.oidcSessionId;
  let endsAt = session.startedAt + services.config.OIDC_SESSION_MAX_HOURS * 3600;
  let providerChecked = false;

  if (sessionId) {
    const stored = await loadSession(services, principal.tenantId, userId, sessionId);
    if (!stored || stored.endedAt) return fail(revoked());
    if (!stored.refreshToken) {
      // The provider gave no refresh token: nothing to ask it, so the session is capped shorter.
      endsAt = Math.min(endsAt, session.startedAt + services.config.OIDC_SESSION_UNCHECKED_MAX_HOURS * 3600);
    } else {
      if (timeLeft(endsAt, session.expiresAt) < 60) return fail(expired(session.startedAt));
      const checked = await renewAtProvider(services, actor, stored);
      if (!checked.ok) return checked;
      providerChecked = true;
    }
  }

  // A refresh that would not extend the token by at least a minute is no refresh: the session is at its end.
  if (timeLeft(endsAt, session.expiresAt) < 60) return fail(expired(session.startedAt));
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = Math.min(now + services.config.OIDC_SESSION_HOURS * 3600, endsAt);
  const token = await tokens.issueUserToken({ userId, tenantId: principal.tenantId, authTime: session.startedAt, sessionId }, expiresAt - now);
  const audited = await runUnitOfWork(services, actor, async (uow) => {
    await uow.audit({
      action: "session.refreshed",
      targetType: "User",
      targetId: userId,
      summary: {
        expiresAt: new Date(expiresAt * 1000).toISOString(),
        previousExpiresAt: new Date(session.expiresAt * 1000).toISOString(),
        ...(sessionId ? { identityProvider: providerChecked ? "renewed" : "no-refresh-token" } : {}),
      },
    });
    return ok(null);
  });
  if (!audited.ok) return audited;
  return ok({ token, expiresAt: new Date(expiresAt * 1000), sessionEndsAt: new Date(endsAt * 1000) });
}

function timeLeft(endsAt: number, tokenExpiresAt: number): number {
  return endsAt - Math.max(Math.floor(Date.now() / 1000), tokenExpiresAt);
}

const expired = (startedAt: number): UserError =>
  userError("SESSION_EXPIRED", `Your session started ${new Date(startedAt * 1000).toISOString()} and cannot be extended further: sign in again.`, []);

const revoked = (why = "Your sign-in has ended"): UserError => userError("SESSION_REVOKED", `${why}: sign in again.`, []);

async function loadSession(services: Services, tenantId: string, userId: string, id: string): Promise<StoredSession | null> {
  return withTenant(services.db.prisma, { tenantId, userId }, (tx) =>
    tx.oidcSession.findUnique({ where: { id }, select: { id: true, userId: true, subject: true, refreshToken: true, endedAt: true } }),
  );
}

/**
 * Renews the grant at the provider and keeps the refresh token it returns (rotated or not). Two tabs may
 * refresh at once and a rotating provider accepts only the newest token: a refusal is believed only when
 * nobody stored a newer token meanwhile (else the newer one is tried, once).
 */
async function renewAtProvider(services: Services, actor: Actor, stored: StoredSession): Promise<Outcome<null>> {
  const provider = services.oidc;
  const vault = services.connectors?.vault;
  if (!provider || !vault) {
    return fail(userError("NOT_CONFIGURED", "Single sign-on is no longer configured on this service (OIDC_ISSUER, OIDC_CLIENT_ID): sign in again.", []));
  }
  const { tenantId } = actor.principal;
  let current = stored;
  for (let attempt = 0; ; attempt++) {
    let refreshToken: string;
    try {
      refreshToken = vault.openOidcRefreshToken(current.userId, current.id, current.refreshToken!);
    } catch (error) {
      if (!(error instanceof CredentialDecryptError)) throw error;
      // Sealed under a key that is no longer in CREDENTIALS_KEYS: the provider cannot be asked, so the session cannot go on.
      await endSession(services, actor, current.id, "refresh token unreadable (vault key retired)");
      return fail(revoked("Your sign-in can no longer be confirmed with your identity provider"));
    }
    try {
      const renewed = await provider.refresh({ refreshToken, subject: current.subject });
      const sealed = vault.sealOidcRefreshToken(current.userId, current.id, renewed.refreshToken);
      await withTenant(services.db.prisma, { tenantId, userId: current.userId }, (tx) =>
        tx.oidcSession.updateMany({
          where: { id: current.id, refreshToken: current.refreshToken, endedAt: null },
          data: { refreshToken: sealed.ciphertext, keyId: sealed.keyId, refreshedAt: new Date() },
        }),
      );
      return ok(null);
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      if (error.kind === "UNAVAILABLE") {
        // Not a refusal: the session stands and its current token works until it expires; the console retries.
        return fail(userError("PROVIDER_UNAVAILABLE", error.message, []));
      }
      const latest = await loadSession(services, tenantId, current.userId, current.id);
      if (attempt === 0 && latest && !latest.endedAt && latest.refreshToken && latest.refreshToken !== current.refreshToken) {
        current = latest;
        continue;
      }
      await endSession(services, actor, current.id, error.kind === "REFUSED" ? "identity provider refused the refresh" : "identity provider answered for someone else");
      services.logger.info({ userId: current.userId, sessionId: current.id, kind: error.kind }, "identity provider refused a session refresh: session ended");
      return fail(revoked(error.message.replace(/\s*Sign in again\.$/, "").replace(/\.$/, "")));
    }
  }
}

/** Ends the sign-in: its tokens stop working (the auth cache hears of it at commit). Audited in the workspace that asked. */
async function endSession(services: Services, actor: Actor, sessionId: string, reason: string): Promise<void> {
  const ended = await runUnitOfWork(services, actor, async (uow) => {
    await uow.tx.oidcSession.updateMany({ where: { id: sessionId, endedAt: null }, data: { endedAt: new Date(), endReason: reason } });
    await uow.audit({ action: "session.ended", targetType: "User", targetId: actor.principal.userId!, summary: { reason } });
    return ok(null);
  });
  if (!ended.ok) throw new Error(`ending session ${sessionId} failed: ${ended.errors.map((e) => e.code).join(", ")}`);
}
