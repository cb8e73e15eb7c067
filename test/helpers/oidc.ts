// The console's side of a sign-in with the identity provider, against the
// wire-level fake provider (test/fakes/oidc/server.ts): a PKCE pair (S256), a
// nonce and a state; the browser sent to authorize; the code taken from the
// redirect — what the console then hands to signInWithOidc.
import { createHash, randomBytes } from "node:crypto";
import type { FakeOidc } from "../fakes/oidc/server.js";

/** The console's redirect URI. */
export const OIDC_REDIRECT = "http://127.0.0.1:4000/auth/callback";

/** A fresh PKCE verifier and its S256 challenge, with a nonce and a state. */
export function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url"), nonce: randomBytes(16).toString("hex"), state: randomBytes(8).toString("hex") };
}

export interface ProviderAuthorization {
  /** Where the provider sent the browser back (code and state in its query). */
  location: URL;
  /** The state the console sent (the provider must return it unchanged). */
  state: string;
  /** signInWithOidc's input for the code: the code, the PKCE verifier, the redirect URI and the nonce. */
  input: { code: string; codeVerifier: string; redirectUri: string; nonce: string };
}

/** `email` signs in at the provider; the sign-in input for the code it redirects with (`code` is empty when it gave none). */
export function authorizeAtProvider(oidc: FakeOidc, email: string): ProviderAuthorization {
  const p = pkce();
  const location = new URL(oidc.authorize({ email, redirectUri: OIDC_REDIRECT, codeChallenge: p.challenge, state: p.state, nonce: p.nonce }));
  return { location, state: p.state, input: { code: location.searchParams.get("code") ?? "", codeVerifier: p.verifier, redirectUri: OIDC_REDIRECT, nonce: p.nonce } };
}
