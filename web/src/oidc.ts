// Single sign-on with the identity provider: OIDC authorization code flow with
// PKCE (S256). The verifier, state and nonce live in sessionStorage for the
// round trip only; the provider's code comes back in the query string, is
// handed to the service (`signInWithOidc`, which exchanges and verifies it)
// and removed from the address at once. No token ever goes into a URL. The
// provider's ID token is kept (sessionStorage) only to end the provider session
// on sign-out (session.ts).
import { storeProviderSession } from "./session";

const PENDING = "sales-agent.oidc-pending";
export const CALLBACK_PATH = "/auth/callback";

export interface OidcSettings {
  authorizationEndpoint: string;
  endSessionEndpoint: string | null;
  clientId: string;
  scopes: string;
}

export interface Workspace {
  tenantId: string;
  tenantName: string;
  role: string;
  token: string;
}

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  redirectUri: string;
  endSessionEndpoint: string | null;
  clientId: string;
}

function randomString(bytes: number): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(data);
}

function base64url(data: Uint8Array): string {
  let text = "";
  for (const b of data) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function post<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch("/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (!body.data) throw new Error(body.errors?.[0]?.message ?? "The service did not answer.");
  return body.data;
}

/** What the sign-in page offers: null settings when no provider is configured; a problem when it is but cannot be reached. */
export async function signInOptions(): Promise<{ oidc: OidcSettings | null; problem: string | null }> {
  const data = await post<{ signInOptions: { oidc: OidcSettings | null; oidcProblem: string | null } }>(
    "query ConsoleSignInOptions { signInOptions { oidc { authorizationEndpoint endSessionEndpoint clientId scopes } oidcProblem } }",
  );
  return { oidc: data.signInOptions.oidc, problem: data.signInOptions.oidcProblem };
}

/** Sends the browser to the provider. Needs a secure context (https, or http on localhost/127.0.0.1) for WebCrypto. */
export async function startSignIn(settings: OidcSettings): Promise<void> {
  if (!crypto.subtle) throw new Error("Single sign-on needs a secure page (https, or http on 127.0.0.1 or localhost).");
  const verifier = randomString(32);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const pending: Pending = {
    verifier,
    state: randomString(16),
    nonce: randomString(16),
    redirectUri: `${location.origin}${CALLBACK_PATH}`,
    endSessionEndpoint: settings.endSessionEndpoint,
    clientId: settings.clientId,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(settings.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: settings.clientId,
    redirect_uri: pending.redirectUri,
    scope: settings.scopes,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: pending.state,
    nonce: pending.nonce,
  }).toString();
  location.assign(url.toString());
}

/** On the callback page: checks the state, has the service complete the sign-in, and clears the code from the address. */
export async function completeSignIn(): Promise<{ workspaces: Workspace[] } | { error: string }> {
  const params = new URLSearchParams(location.search);
  history.replaceState(null, "", "/");
  const stored = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (params.get("error")) return { error: `The identity provider did not sign you in: ${params.get("error_description") ?? params.get("error")}.` };
  const pending = stored ? (JSON.parse(stored) as Pending) : null;
  if (!pending || params.get("state") !== pending.state) return { error: "This sign-in was not started in this tab (or was already used). Start it again." };
  const code = params.get("code");
  if (!code) return { error: "The identity provider sent no code. Start the sign-in again." };
  try {
    const data = await post<{ signInWithOidc: { workspaces: Workspace[] | null; idToken: string | null; userErrors: { message: string }[] } }>(
      `mutation ConsoleSignInWithOidc($input: OidcSignInInput!) {
        signInWithOidc(input: $input) { workspaces { tenantId tenantName role token } idToken userErrors { code message } }
      }`,
      { input: { code, codeVerifier: pending.verifier, redirectUri: pending.redirectUri, nonce: pending.nonce } },
    );
    const result = data.signInWithOidc;
    if (result.userErrors.length || !result.workspaces?.length) return { error: result.userErrors[0]?.message ?? "You are not a member of any workspace here." };
    storeProviderSession(
      pending.endSessionEndpoint && result.idToken ? { endSessionEndpoint: pending.endSessionEndpoint, clientId: pending.clientId, idToken: result.idToken } : null,
    );
    return { workspaces: result.workspaces };
  } catch (error) {
    return { error: error instanceof Error ? error.message : "The service cannot be reached." };
  }
}
