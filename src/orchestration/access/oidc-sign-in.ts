// Console sign-in with the identity provider (OIDC authorization code + PKCE).
//
// The browser keeps the PKCE verifier, state and nonce; the provider sends it
// back with a code; this use case exchanges the code (integrations/oidc.ts
// verifies the ID token), finds the person's user through their identity at
// the provider — binding it on the first sign-in when the provider vouches
// for an address that a membership here already names (an invitation creates
// that) — and hands back one session token per workspace the person belongs
// to. Nobody gets in by signing in alone: membership is decided here, by
// invitation, never by the provider.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { ROLE_PERMISSIONS, type Role } from "../../domain/access/permission.js";
import type { Principal, RequestMeta } from "../../domain/access/principal.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { OidcError, type OidcPublicSettings } from "../../integrations/oidc.js";
import { withTenant } from "../../data/database.js";
import { runUnitOfWork } from "../unit-of-work.js";
import type { Services } from "../services.js";

export const oidcSignInSchema = z.object({
  code: z.string().min(1).max(2048),
  // RFC 7636 4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~].
  codeVerifier: z.string().regex(/^[A-Za-z0-9\-._~]{43,128}$/, "must be an RFC 7636 code verifier (43–128 unreserved characters)"),
  redirectUri: z
    .string()
    .max(2048)
    .url()
    .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL"),
  nonce: z.string().min(16, "must be at least 16 characters").max(256),
});

export interface SignInWorkspace {
  tenantId: string;
  tenantName: string;
  role: Role;
  token: string;
}

export interface OidcSignIn {
  email: string;
  /** True when this sign-in bound the identity to the account (the first one). */
  linked: boolean;
  workspaces: SignInWorkspace[];
  /** The provider's ID token, for `id_token_hint` when the console signs out at the provider. */
  idToken: string;
}

/**
 * Records the sign-in server-side (OidcSession): the provider's refresh token, sealed with the credential
 * vault, so sessionRefresh asks the provider again; none when the provider gave none (or there is no vault).
 * Written as the person (app.user_id; the first workspace only sets the transaction's tenant).
 */
async function startOidcSession(
  services: Services,
  s: { userId: string; tenantId: string; issuer: string; subject: string; refreshToken: string | null },
): Promise<string> {
  const id = randomUUID();
  const vault = services.connectors?.vault;
  const sealed = s.refreshToken && vault ? vault.sealOidcRefreshToken(s.userId, id, s.refreshToken) : null;
  await withTenant(services.db.prisma, { tenantId: s.tenantId, userId: s.userId }, (tx) =>
    tx.oidcSession.create({ data: { id, userId: s.userId, issuer: s.issuer, subject: s.subject, refreshToken: sealed?.ciphertext ?? null, keyId: sealed?.keyId ?? null } }),
  );
  return id;
}

/** What the console needs to start a sign-in; null when no provider is configured. Throws OidcError when it cannot be reached. */
export async function oidcSignInSettings(services: Pick<Services, "oidc">): Promise<OidcPublicSettings | null> {
  return services.oidc ? services.oidc.publicSettings() : null;
}

export async function signInWithOidc(
  services: Services,
  meta: RequestMeta,
  input: z.infer<typeof oidcSignInSchema>,
): Promise<Outcome<OidcSignIn>> {
  const identityProvider = services.oidc;
  const tokens = services.platform;
  if (!identityProvider || !tokens?.canIssueTokens) {
    return fail(userError("NOT_CONFIGURED", "Single sign-on is not configured on this service (OIDC_ISSUER, OIDC_CLIENT_ID and JWT_SECRET).", []));
  }
  let identity;
  try {
    identity = await identityProvider.signIn(input);
  } catch (error) {
    if (error instanceof OidcError) {
      return fail(userError(error.kind === "UNAVAILABLE" ? "PROVIDER_UNAVAILABLE" : "SIGN_IN_REFUSED", error.message, error.kind === "REFUSED" ? ["input", "code"] : []));
    }
    throw error;
  }
  const rows = await services.db.prisma.$queryRaw<{ outcome: string; user_id: string | null; tenant_id: string | null; tenant_name: string | null; role: Role | null }[]>`
    SELECT outcome, user_id, tenant_id, tenant_name, role
    FROM app_oidc_sign_in(${identity.issuer}, ${identity.subject}, ${identity.email ?? ""}, ${identity.emailVerified && !!identity.email})`;
  const first = rows[0];
  const address = identity.email ?? "this account";
  if (!first || first.outcome === "NOT_A_MEMBER") {
    return fail(userError("NOT_A_MEMBER", `No workspace here has ${address} as a member. Ask an admin for an invitation, accept it, then sign in again.`, []));
  }
  if (first.outcome === "EMAIL_NOT_VERIFIED") {
    return fail(userError("EMAIL_NOT_VERIFIED", "Your identity provider has not verified your e-mail address, so it cannot be matched to an invitation.", []));
  }
  if (first.outcome === "ALREADY_LINKED") {
    return fail(userError("IDENTITY_ALREADY_LINKED", `The account for ${address} is already bound to another sign-in at this identity provider. Sign in with that one.`, []));
  }
  const members = rows.filter((r): r is typeof r & { user_id: string; tenant_id: string; tenant_name: string; role: Role } => !!r.tenant_id && !!r.user_id && !!r.role);
  const userId = members[0]!.user_id;
  const linked = first.outcome === "LINKED";
  if (linked) {
    // The binding is what lets this identity in from now on: each workspace's audit log records it.
    for (const member of members) {
      const principal: Principal = {
        kind: "USER",
        id: userId,
        tenantId: member.tenant_id,
        role: member.role,
        permissions: ROLE_PERMISSIONS[member.role],
        label: `user:${identity.email}`,
        userId,
      };
      await runUnitOfWork(services, { principal, meta: { ...meta, requestId: meta.requestId || randomUUID() } }, async (uow) => {
        await uow.audit({
          action: "user.identity_linked",
          targetType: "User",
          targetId: userId,
          summary: { issuer: identity.issuer, via: "oidc-first-sign-in" },
        });
        return ok(null);
      });
    }
  }
  const ttlSeconds = services.config.OIDC_SESSION_HOURS * 3600;
  const sessionId = await startOidcSession(services, { userId, tenantId: members[0]!.tenant_id, issuer: identity.issuer, subject: identity.subject, refreshToken: identity.refreshToken });
  const authTime = Math.floor(Date.now() / 1000);
  const workspaces = await Promise.all(
    members.map(async (m) => ({
      tenantId: m.tenant_id,
      tenantName: m.tenant_name,
      role: m.role,
      token: await tokens.issueUserToken({ userId, tenantId: m.tenant_id, authTime, sessionId }, ttlSeconds),
    })),
  );
  services.logger.info({ userId, workspaces: workspaces.length, linked }, "console sign-in through the identity provider");
  return ok({ email: identity.email ?? "", linked, workspaces, idToken: identity.idToken });
}
