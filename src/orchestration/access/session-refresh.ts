// Console session refresh: a signed-in person's bearer token is exchanged,
// before it expires, for a fresh one for the same workspace, so a session
// outlives OIDC_SESSION_HOURS without a round trip to the identity provider
// (and without losing what is open in the console). The sign-in time travels
// along (`auth_time`), so no chain of refreshes outlasts
// OIDC_SESSION_MAX_HOURS from the sign-in: after that, the person signs in
// again. Membership is checked as on every request (a removed member's token
// is refused before this runs). API keys do not expire this way: refused.
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { runUnitOfWork, type Actor } from "../unit-of-work.js";
import type { Services } from "../services.js";

export interface RefreshedSession {
  token: string;
  expiresAt: Date;
  /** When no further refresh is possible (OIDC_SESSION_MAX_HOURS after the sign-in). */
  sessionEndsAt: Date;
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
  const now = Math.floor(Date.now() / 1000);
  const endsAt = principal.session.startedAt + services.config.OIDC_SESSION_MAX_HOURS * 3600;
  // A refresh that would not extend the token by at least a minute is no refresh: the session is at its end.
  if (endsAt - Math.max(now, principal.session.expiresAt) < 60) {
    return fail(userError("SESSION_EXPIRED", `Your session started ${new Date(principal.session.startedAt * 1000).toISOString()} and cannot be extended further: sign in again.`, []));
  }
  const expiresAt = Math.min(now + services.config.OIDC_SESSION_HOURS * 3600, endsAt);
  const token = await tokens.issueUserToken({ userId: principal.userId, tenantId: principal.tenantId, authTime: principal.session.startedAt }, expiresAt - now);
  const audited = await runUnitOfWork(services, actor, async (uow) => {
    await uow.audit({
      action: "session.refreshed",
      targetType: "User",
      targetId: principal.userId!,
      summary: { expiresAt: new Date(expiresAt * 1000).toISOString(), previousExpiresAt: new Date(principal.session!.expiresAt * 1000).toISOString() },
    });
    return ok(null);
  });
  if (!audited.ok) return audited;
  return ok({ token, expiresAt: new Date(expiresAt * 1000), sessionEndsAt: new Date(endsAt * 1000) });
}
