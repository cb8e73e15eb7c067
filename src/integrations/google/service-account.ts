// Domain-wide delegation with google-auth-library's JWT client: the service
// account signs an RS256 assertion naming the Workspace user to impersonate
// (`subject`) and the scopes, and trades it at Google's token endpoint
// (jwt-bearer grant) for a one-hour access token. No refresh token exists:
// a new assertion mints the next token. The library always addresses
// https://oauth2.googleapis.com/token (also the assertion's audience); with
// GOOGLE_OAUTH_BASE_URL the request alone is sent to the fake server's
// /token, the assertion stays exactly what Google would receive.
import type { JWT } from "google-auth-library";
import { lazyRequire } from "../../config/lazy-require.js";
import type { Config } from "../../config/index.js";
import type { StoredTokens } from "../../domain/connection/credential.js";
import type { ServiceAccountKey } from "../../domain/connection/service-account.js";
import { googleEndpoints } from "../oauth.js";

const googleAuth = lazyRequire<typeof import("google-auth-library")>("google-auth-library");

const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

export type DelegatedTokenMinter = (input: { key: ServiceAccountKey; subject: string; scopes: string[] }) => Promise<StoredTokens>;

export function googleDelegatedTokens(config: Pick<Config, "GOOGLE_OAUTH_BASE_URL">): DelegatedTokenMinter {
  const tokenUrl = config.GOOGLE_OAUTH_BASE_URL ? googleEndpoints(config.GOOGLE_OAUTH_BASE_URL).tokenUrl : null;
  return async ({ key, subject, scopes }) => {
    const client = new (googleAuth().JWT)({ email: key.clientEmail, key: key.privateKey, keyId: key.privateKeyId, subject, scopes });
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (tokenUrl && String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUrl);
        // The resilience policy retries (honouring Retry-After); gtoken's own retry of the POST is off.
        options.retryConfig = { ...options.retryConfig, retry: 0 };
        return options;
      },
    });
    const credentials = await client.authorize();
    return {
      accessToken: credentials.access_token ?? null,
      refreshToken: null,
      expiresAt: credentials.expiry_date ?? null,
      tokenType: credentials.token_type ?? "Bearer",
    };
  };
}
