// Keeping a console session alive, and ending it.
//
// Refresh: a person's session token is traded for a fresh one
// (`sessionRefresh`) a little before it expires — a fifth of its lifetime, at
// most five minutes, ahead. Only the stored token changes: the GraphQL client
// reads it on each request and the live socket reconnects with it, so nothing
// on screen is rebuilt and unsaved edits stay. When the session cannot be
// extended any more (OIDC_SESSION_MAX_HOURS), the console says so ahead of the
// end instead of signing out under the person's hands.
//
// Sign-out after single sign-on also ends the session at the identity provider
// (OpenID Connect RP-Initiated Logout): a form POST — so the ID token stays out
// of every URL — to its end_session_endpoint with id_token_hint, client_id and
// post_logout_redirect_uri back to the console.
const PROVIDER = "sales-agent.oidc-session";

export interface ProviderSession {
  endSessionEndpoint: string;
  clientId: string;
  idToken: string;
}

export function storeProviderSession(session: ProviderSession | null): void {
  if (session) sessionStorage.setItem(PROVIDER, JSON.stringify(session));
  else sessionStorage.removeItem(PROVIDER);
}

export function providerSession(): ProviderSession | null {
  try {
    const text = sessionStorage.getItem(PROVIDER);
    return text ? (JSON.parse(text) as ProviderSession) : null;
  } catch {
    return null;
  }
}

/** Ends the provider session: the browser leaves the console for the provider, which sends it back to the sign-in page. */
export function signOutAtProvider(session: ProviderSession): void {
  const form = document.createElement("form");
  form.method = "POST";
  form.action = session.endSessionEndpoint;
  form.hidden = true;
  const fields = { id_token_hint: session.idToken, client_id: session.clientId, post_logout_redirect_uri: `${location.origin}/` };
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

/** `iat` and `exp` of a JWT (seconds), or null for anything else (an API key). Read only to plan the refresh: the server decides. */
export function tokenTimes(token: string): { iat: number; exp: number } | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as { iat?: unknown; exp?: unknown };
    if (typeof claims.exp !== "number") return null;
    return { iat: typeof claims.iat === "number" ? claims.iat : claims.exp - 3600, exp: claims.exp };
  } catch {
    return null;
  }
}

/** How long from now to refresh this token: a fifth of its lifetime (at most five minutes) before it expires. */
export function refreshDelayMs(times: { iat: number; exp: number }, nowMs = Date.now()): number {
  const lead = Math.min(300, (times.exp - times.iat) / 5);
  return Math.max(0, (times.exp - lead) * 1000 - nowMs);
}

export type RefreshOutcome = { token: string } | { ended: string } | { retry: true };

export async function refreshSession(token: string): Promise<RefreshOutcome> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: "mutation ConsoleSessionRefresh { sessionRefresh { token userErrors { code message } } }" }),
  }).catch(() => null);
  const body = (await response?.json().catch(() => null)) as { data?: { sessionRefresh: { token: string | null; userErrors: { code: string; message: string }[] } } } | null;
  const result = body?.data?.sessionRefresh;
  if (!result) return { retry: true };
  if (result.token) return { token: result.token };
  // The identity provider could not be asked: not a refusal, the current token still works — try again.
  if (result.userErrors[0]?.code === "PROVIDER_UNAVAILABLE") return { retry: true };
  return { ended: result.userErrors[0]?.message ?? "Your session cannot be extended." };
}
