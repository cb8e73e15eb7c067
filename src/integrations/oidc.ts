// The identity provider, for the console's single sign-on (OpenID Connect,
// authorization code flow with PKCE). The browser goes to the provider and
// comes back with a code; the service exchanges that code (with the PKCE
// verifier only the browser knew) at the provider's token endpoint and checks
// the ID token with `jose` (signature from the provider's JWKS, issuer,
// audience = our client id, expiry, nonce). Endpoints come from the
// provider's discovery document, cached.
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
}

export interface OidcPublicSettings {
  issuer: string;
  authorizationEndpoint: string;
  /** The provider's RP-initiated logout endpoint (OpenID Connect RP-Initiated Logout 1.0), when its discovery document names one. */
  endSessionEndpoint: string | null;
  clientId: string;
  scopes: string;
}

export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** The verified ID token itself: the console hands it back to the provider as `id_token_hint` when it signs out. */
  idToken: string;
  /** The provider's refresh token, when it gave one: kept server-side (sealed) so session refreshes ask the provider again. */
  refreshToken: string | null;
}

export interface RefreshedGrant {
  /** The provider's new refresh token when it rotates them, else the one just used. */
  refreshToken: string;
}

/** The provider refused, answered nonsense, or could not be reached: the message is safe to show. */
export class OidcError extends Error {
  constructor(
    message: string,
    readonly kind: "REFUSED" | "UNAVAILABLE" | "INVALID_TOKEN",
  ) {
    super(message);
    this.name = "OidcError";
  }
}

export interface OidcClient {
  publicSettings(): Promise<OidcPublicSettings>;
  /** Exchanges the code and verifies the ID token it returns. */
  signIn(input: { code: string; codeVerifier: string; redirectUri: string; nonce: string }): Promise<VerifiedIdentity>;
  /**
   * Asks the provider whether the person's sign-in still stands (refresh_token grant at the token
   * endpoint). Throws OidcError REFUSED when it does not (invalid_grant: revoked, expired, the account
   * disabled), UNAVAILABLE when it cannot tell now, INVALID_TOKEN when it answers for someone else.
   */
  refresh(input: { refreshToken: string; subject: string }): Promise<RefreshedGrant>;
}

const discoverySchema = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  end_session_endpoint: z.string().url().optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});

const tokenResponseSchema = z.object({ id_token: z.string().min(1), refresh_token: z.string().min(1).optional() });
const refreshResponseSchema = z.object({ id_token: z.string().min(1).optional(), refresh_token: z.string().min(1).optional() });

const idTokenClaims = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().max(320).optional(),
  email_verified: z.union([z.boolean(), z.enum(["true", "false"])]).optional(),
  name: z.string().max(200).optional(),
  nonce: z.string().optional(),
});

const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const TIMEOUT_MS = 10_000;

export function createOidcClient(settings: OidcSettings): OidcClient {
  let discovered: { at: number; doc: z.infer<typeof discoverySchema>; jwks: JWTVerifyGetKey } | null = null;

  async function discovery(): Promise<NonNullable<typeof discovered>> {
    if (discovered && Date.now() - discovered.at < DISCOVERY_TTL_MS) return discovered;
    const url = `${settings.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    let body: unknown;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch {
      throw new OidcError("The identity provider cannot be reached. Try again shortly.", "UNAVAILABLE");
    }
    const doc = discoverySchema.safeParse(body);
    // The discovery document must name the issuer we were configured with (OpenID Connect Discovery 1.0, 4.3).
    if (!doc.success || doc.data.issuer.replace(/\/$/, "") !== settings.issuer.replace(/\/$/, "")) {
      throw new OidcError("The identity provider's discovery document is not valid for the configured issuer.", "UNAVAILABLE");
    }
    discovered = { at: Date.now(), doc: doc.data, jwks: createRemoteJWKSet(new URL(doc.data.jwks_uri)) };
    return discovered;
  }

  return {
    async publicSettings() {
      const { doc } = await discovery();
      return {
        issuer: doc.issuer,
        authorizationEndpoint: doc.authorization_endpoint,
        endSessionEndpoint: doc.end_session_endpoint ?? null,
        clientId: settings.clientId,
        scopes: settings.scopes,
      };
    },

    async signIn(input) {
      const { doc, jwks } = await discovery();
      const body = await tokenRequest(
        doc.token_endpoint,
        { grant_type: "authorization_code", code: input.code, redirect_uri: input.redirectUri, code_verifier: input.codeVerifier },
        (error) => `The identity provider refused the sign-in (${error}). Start the sign-in again.`,
        "The identity provider cannot complete the sign-in now. Try again shortly.",
      );
      const tokens = tokenResponseSchema.safeParse(body);
      if (!tokens.success) throw new OidcError("The identity provider returned no ID token.", "INVALID_TOKEN");
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(tokens.data.id_token, jwks, { issuer: doc.issuer, audience: settings.clientId, requiredClaims: ["exp", "iat", "sub"] }));
      } catch {
        throw new OidcError("The identity provider's ID token did not verify.", "INVALID_TOKEN");
      }
      const claims = idTokenClaims.safeParse(payload);
      if (!claims.success) throw new OidcError("The identity provider's ID token lacks a subject.", "INVALID_TOKEN");
      // The nonce binds the token to the browser tab that started this sign-in (no replay of another's token).
      if (claims.data.nonce !== input.nonce) throw new OidcError("The sign-in did not start here (nonce mismatch). Start it again.", "INVALID_TOKEN");
      return {
        issuer: doc.issuer,
        subject: claims.data.sub,
        email: claims.data.email ?? null,
        emailVerified: claims.data.email_verified === true || claims.data.email_verified === "true",
        name: claims.data.name ?? null,
        idToken: tokens.data.id_token,
        refreshToken: tokens.data.refresh_token ?? null,
      };
    },

    async refresh(input) {
      const { doc, jwks } = await discovery();
      const body = await tokenRequest(
        doc.token_endpoint,
        { grant_type: "refresh_token", refresh_token: input.refreshToken },
        (error) => `Your identity provider no longer accepts this sign-in (${error}). Sign in again.`,
        "The identity provider cannot confirm your sign-in now. Try again shortly.",
      );
      const tokens = refreshResponseSchema.safeParse(body);
      if (!tokens.success) throw new OidcError("The identity provider answered the refresh with something unreadable.", "INVALID_TOKEN");
      // An ID token in the answer must be the provider's and about the same person (OpenID Connect Core 12.2).
      if (tokens.data.id_token) {
        let sub: unknown;
        try {
          ({ payload: { sub } } = await jwtVerify(tokens.data.id_token, jwks, { issuer: doc.issuer, audience: settings.clientId, requiredClaims: ["exp", "iat", "sub"] }));
        } catch {
          throw new OidcError("The identity provider's ID token did not verify.", "INVALID_TOKEN");
        }
        if (sub !== input.subject) throw new OidcError("The identity provider's refreshed ID token is about someone else.", "INVALID_TOKEN");
      }
      return { refreshToken: tokens.data.refresh_token ?? input.refreshToken };
    },
  };

  /** POSTs a grant to the token endpoint; 400/401 (invalid_grant, invalid_client …) are REFUSED, anything else UNAVAILABLE. */
  async function tokenRequest(endpoint: string, grant: Record<string, string>, refused: (error: string) => string, unavailable: string): Promise<unknown> {
    const form = new URLSearchParams({ ...grant, client_id: settings.clientId });
    if (settings.clientSecret) form.set("client_secret", settings.clientSecret);
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new OidcError("The identity provider cannot be reached. Try again shortly.", "UNAVAILABLE");
    }
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    if (!response.ok) {
      if (response.status === 400 || response.status === 401) {
        throw new OidcError(refused(typeof body?.error === "string" ? body.error.slice(0, 60) : "invalid request"), "REFUSED");
      }
      throw new OidcError(unavailable, "UNAVAILABLE");
    }
    return body;
  }
}
