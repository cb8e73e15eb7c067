// OAuth 2.0 with the provider's own library: for Google, google-auth-library's
// OAuth2Client (authorization URL with PKCE S256, code exchange, refresh,
// token info, revocation) — never hand-written HTTP to Google. Endpoints come
// from GOOGLE_OAUTH_BASE_URL when set, so tests point the real library at a
// fake server. Every network call is made by the caller through the
// resilience policy (src/integrations/resilience.ts).
import type { Credentials, OAuth2Client } from "google-auth-library";
import { lazyRequire } from "../config/lazy-require.js";
import type { Config } from "../config/index.js";
import type { StoredTokens } from "../domain/connection/credential.js";

const googleAuth = lazyRequire<typeof import("google-auth-library")>("google-auth-library");

export interface OAuthEndpoints {
  authUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  tokenInfoUrl: string;
}

/** Google's endpoints, or the same paths under a base URL (a fake server). */
export function googleEndpoints(baseUrl?: string): OAuthEndpoints {
  if (!baseUrl) {
    return {
      authUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      tokenUrl: "https://oauth2.googleapis.com/token",
      revokeUrl: "https://oauth2.googleapis.com/revoke",
      tokenInfoUrl: "https://oauth2.googleapis.com/tokeninfo",
    };
  }
  const base = baseUrl.replace(/\/+$/, "");
  return {
    authUrl: `${base}/o/oauth2/v2/auth`,
    tokenUrl: `${base}/token`,
    revokeUrl: `${base}/revoke`,
    tokenInfoUrl: `${base}/tokeninfo`,
  };
}

export interface AccountInfo {
  email: string;
  scopes: string[];
}

export interface OAuthProvider {
  readonly configured: boolean;
  /** A new PKCE pair (S256). */
  pkce(): Promise<{ verifier: string; challenge: string }>;
  authorizationUrl(input: { scopes: string[]; state: string; codeChallenge: string; redirectUri: string }): string;
  exchangeCode(input: { code: string; codeVerifier: string; redirectUri: string }): Promise<StoredTokens & { scopes: string[] | null }>;
  /** The account behind an access token (e-mail, granted scopes); also the cheap authenticated call of connectionTest. */
  accountInfo(accessToken: string): Promise<AccountInfo>;
  /** A new access token from the refresh token; the refresh token is kept unless the provider rotated it. */
  refresh(refreshToken: string): Promise<StoredTokens>;
  revoke(token: string): Promise<void>;
  /** An OAuth2Client with the given tokens, for the Google API clients (googleapis accepts it as `auth`); absent for providers whose SDK takes the bare token (HubSpot). */
  clientFor?(tokens: StoredTokens): OAuth2Client;
}

function toStored(c: Credentials, previousRefresh: string | null = null): StoredTokens {
  return {
    accessToken: c.access_token ?? null,
    refreshToken: c.refresh_token ?? previousRefresh,
    expiresAt: c.expiry_date ?? null,
    tokenType: c.token_type ?? "Bearer",
  };
}

export function googleOAuth(config: Pick<Config, "GOOGLE_CLIENT_ID" | "GOOGLE_CLIENT_SECRET" | "GOOGLE_OAUTH_BASE_URL">): OAuthProvider & { clientFor(tokens: StoredTokens): OAuth2Client } {
  const endpoints = googleEndpoints(config.GOOGLE_OAUTH_BASE_URL);
  const client = () =>
    new (googleAuth().OAuth2Client)({
      clientId: config.GOOGLE_CLIENT_ID,
      clientSecret: config.GOOGLE_CLIENT_SECRET,
      endpoints: {
        oauth2AuthBaseUrl: endpoints.authUrl,
        oauth2TokenUrl: endpoints.tokenUrl,
        oauth2RevokeUrl: endpoints.revokeUrl,
        tokenInfoUrl: endpoints.tokenInfoUrl,
      },
    });
  return {
    configured: !!config.GOOGLE_CLIENT_ID && !!config.GOOGLE_CLIENT_SECRET,
    async pkce() {
      const { codeVerifier, codeChallenge } = await client().generateCodeVerifierAsync();
      return { verifier: codeVerifier, challenge: codeChallenge! };
    },
    authorizationUrl({ scopes, state, codeChallenge, redirectUri }) {
      return client().generateAuthUrl({
        access_type: "offline",
        // Always show consent, so Google returns a refresh token even on a reconnect.
        prompt: "consent",
        include_granted_scopes: true,
        scope: scopes,
        state,
        redirect_uri: redirectUri,
        code_challenge_method: googleAuth().CodeChallengeMethod.S256,
        code_challenge: codeChallenge,
      });
    },
    async exchangeCode({ code, codeVerifier, redirectUri }) {
      const { tokens } = await client().getToken({ code, codeVerifier, redirect_uri: redirectUri });
      return { ...toStored(tokens), scopes: tokens.scope ? tokens.scope.split(" ").filter(Boolean) : null };
    },
    async accountInfo(accessToken) {
      const info = (await client().getTokenInfo(accessToken)) as { email?: string; scopes: string[] };
      if (!info.email) throw Object.assign(new Error("The token carries no e-mail (the email scope is missing)."), { response: { status: 403, data: { error: "insufficient_scope" } } });
      return { email: info.email.toLowerCase(), scopes: info.scopes };
    },
    async refresh(refreshToken) {
      const c = client();
      c.setCredentials({ refresh_token: refreshToken });
      const { token } = await c.getAccessToken();
      return { ...toStored(c.credentials, refreshToken), accessToken: token ?? c.credentials.access_token ?? null };
    },
    async revoke(token) {
      await client().revokeToken(token);
    },
    clientFor(tokens) {
      const c = client();
      // No refresh token here: refreshing goes through accessTokenFor, which persists the new token.
      c.setCredentials({
        access_token: tokens.accessToken ?? undefined,
        expiry_date: tokens.expiresAt ?? undefined,
        token_type: tokens.tokenType ?? "Bearer",
      });
      return c;
    },
  };
}
