// HubSpot's OAuth 2.0 with @hubspot/api-client's oauth APIs (token exchange,
// refresh, token info, refresh-token revocation), for the shared connection
// flow (src/orchestration/connection/connection.ts). The consent page URL is built here
// (the SDK's getAuthorizationUrl has the host fixed) so HUBSPOT_OAUTH_BASE_URL
// can point it at a fake. HubSpot does not take PKCE; the flow's signed,
// single-use state protects the callback. A private-app token ("pat-…") has
// no refresh token and no token info: it is checked with an owners call.
import { createHash, randomBytes } from "node:crypto";
import type { Config } from "../../config/index.js";
import type { OAuthProvider } from "../oauth.js";
import { HUBSPOT_API_BASE, HUBSPOT_APP_BASE, HubspotApiError, normalizeHubspotError, sdkClient } from "./client.js";

/** Scopes the sync needs (read CRM objects and owners) and the engagement logging (write contacts/companies/deals timelines). */
export const HUBSPOT_DEFAULT_SCOPES = [
  "oauth",
  "crm.objects.contacts.read",
  "crm.objects.contacts.write",
  "crm.objects.companies.read",
  "crm.objects.companies.write",
  "crm.objects.deals.read",
  "crm.objects.deals.write",
  "crm.objects.owners.read",
];
const HUBSPOT_SCOPE = /^[a-z][a-z0-9_.-]{1,80}$/;

/** The requested scopes (default: HUBSPOT_DEFAULT_SCOPES); malformed ones are returned separately. */
export function resolveHubspotScopes(requested: readonly string[]): { scopes: string[]; unknown: string[] } {
  const scopes = new Set<string>(["oauth"]);
  const unknown: string[] = [];
  for (const s of requested.length ? requested : HUBSPOT_DEFAULT_SCOPES) {
    if (HUBSPOT_SCOPE.test(s)) scopes.add(s);
    else unknown.push(s);
  }
  return { scopes: [...scopes], unknown };
}

export function isPrivateAppToken(token: string): boolean {
  return token.startsWith("pat-");
}

export function hubspotOAuth(config: Pick<Config, "HUBSPOT_CLIENT_ID" | "HUBSPOT_CLIENT_SECRET" | "HUBSPOT_OAUTH_BASE_URL" | "HUBSPOT_API_BASE_URL">): OAuthProvider {
  const basePath = config.HUBSPOT_API_BASE_URL ?? HUBSPOT_API_BASE;
  const appBase = (config.HUBSPOT_OAUTH_BASE_URL ?? HUBSPOT_APP_BASE).replace(/\/+$/, "");
  const clientId = config.HUBSPOT_CLIENT_ID ?? "";
  const clientSecret = config.HUBSPOT_CLIENT_SECRET ?? "";
  const anonymous = () => sdkClient("", basePath);
  const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw normalizeHubspotError(error);
    }
  };
  return {
    configured: !!config.HUBSPOT_CLIENT_ID && !!config.HUBSPOT_CLIENT_SECRET,
    async pkce() {
      // Unused by HubSpot, kept so the shared flow stores a verifier for every provider.
      const verifier = randomBytes(32).toString("base64url");
      return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
    },
    authorizationUrl({ scopes, state, redirectUri }) {
      const url = new URL(`${appBase}/oauth/authorize`);
      url.searchParams.set("client_id", clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("scope", scopes.join(" "));
      url.searchParams.set("state", state);
      return url.toString();
    },
    async exchangeCode({ code, redirectUri }) {
      const t = await wrap(() => anonymous().oauth.tokensApi.create("authorization_code", code, redirectUri, clientId, clientSecret));
      return { accessToken: t.accessToken, refreshToken: t.refreshToken ?? null, expiresAt: Date.now() + t.expiresIn * 1000, tokenType: "Bearer", scopes: null };
    },
    async accountInfo(accessToken) {
      if (isPrivateAppToken(accessToken)) {
        // No token info for private apps: a cheap authenticated read proves the token.
        await wrap(() => sdkClient(accessToken, basePath).crm.owners.ownersApi.getPage(undefined, undefined, 1, false));
        return { email: "private-app", scopes: [] };
      }
      const info = await wrap(() => anonymous().oauth.accessTokensApi.get(accessToken));
      return { email: (info.user ?? `hub-${info.hubId}`).toLowerCase(), scopes: info.scopes ?? [] };
    },
    async refresh(refreshToken) {
      const t = await wrap(() => anonymous().oauth.tokensApi.create("refresh_token", undefined, undefined, clientId, clientSecret, refreshToken));
      return { accessToken: t.accessToken, refreshToken: t.refreshToken || refreshToken, expiresAt: Date.now() + t.expiresIn * 1000, tokenType: "Bearer" };
    },
    async revoke(token) {
      // A private-app token is revoked in HubSpot's settings, not through the API.
      if (isPrivateAppToken(token)) throw new HubspotApiError(400, {}, { status: "error", category: "VALIDATION_ERROR" });
      await wrap(() => anonymous().oauth.refreshTokensApi.archive(token));
    },
  };
}
