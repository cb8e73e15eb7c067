// A wire-level fake OpenID Connect provider for the console's single sign-on:
// discovery, an authorization endpoint with a small sign-in form (a person
// types the address to sign in as), a token endpoint that enforces what a
// real provider does for the authorization code flow with PKCE — single-use,
// short-lived codes bound to client, redirect URI and S256 challenge — and
// RS256 ID tokens from its own key published at the JWKS endpoint. Signing in
// starts a provider session (a cookie): while it lasts the authorization
// endpoint signs the browser straight back in without the form, as real
// providers do, until RP-initiated logout at the end-session endpoint ends it.
// The token endpoint also hands out refresh tokens (unless told not to) and
// honours the refresh_token grant with rotation (each refresh token works
// once), refusing with invalid_grant once an account is disabled — what a
// real provider does when an administrator disables someone.
// Used by the tests (test/api/access/oidc-sign-in.test.ts, test/web/console.test.ts)
// and by `npm run dev:fakes` for trying sign-in by hand.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";

export interface FakeOidcAccount {
  email: string;
  name?: string;
  /** Default true. */
  emailVerified?: boolean;
  /** Default: derived from the address (stable). */
  subject?: string;
}

export interface FakeOidcOptions {
  port?: number;
  host?: string;
  clientId?: string;
  /** When set, the token endpoint requires it (a confidential client). */
  clientSecret?: string;
  /** Default true: the code exchange returns a refresh token, and the refresh_token grant is honoured. */
  refreshTokens?: boolean;
  accounts?: FakeOidcAccount[];
}

export interface FakeOidc {
  readonly url: string;
  readonly issuer: string;
  readonly clientId: string;
  addAccount(account: FakeOidcAccount): void;
  /** Signs in as `email` without the form (what a browser would get after submitting it): the redirect URL with code and state. */
  authorize(params: { email: string; redirectUri: string; codeChallenge: string; state: string; nonce: string; clientId?: string }): string;
  /** Signs an ID token as this provider would, with claims overridden (tests of tampered or foreign tokens). */
  signIdToken(claims: Record<string, unknown>): Promise<string>;
  /** How many codes the token endpoint redeemed. */
  readonly redeemed: number;
  /** Refresh tokens the provider handed out (tests check none of them ever reaches a client). */
  readonly issuedRefreshTokens: readonly string[];
  /** How many refresh_token grants it accepted, and refused. */
  readonly refreshes: { accepted: number; refused: number };
  /** Disables the account (as an administrator at the provider would): its grants are refused from now on. */
  disableAccount(email: string): void;
  /** Provider sessions open now (signed in through the form, not yet logged out). */
  readonly openSessions: number;
  /** Every request to the end-session endpoint, in order, with what it carried and what it answered. */
  readonly logouts: { method: string; idTokenHint: string | null; clientId: string | null; postLogoutRedirectUri: string | null; state: string | null; ended: boolean }[];
  close(): Promise<void>;
}

interface PendingCode {
  account: Required<FakeOidcAccount>;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string;
  expiresAt: number;
}

const CODE_TTL_MS = 60_000;

const subjectOf = (email: string) => `fake|${createHash("sha256").update(email.toLowerCase()).digest("hex").slice(0, 24)}`;
const base64url = (buffer: Buffer) => buffer.toString("base64url");

export async function startFakeOidc(options: FakeOidcOptions = {}): Promise<FakeOidc> {
  const clientId = options.clientId ?? "sales-agent-console";
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "fake-oidc-1", alg: "RS256", use: "sig" };
  const accounts = new Map<string, Required<FakeOidcAccount>>();
  const codes = new Map<string, PendingCode>();
  let redeemed = 0;
  let issuer = "";
  // Live refresh tokens → the account they were issued to; a used one is gone (rotation).
  const refreshGrants = new Map<string, string>();
  const issuedRefreshTokens: string[] = [];
  const refreshes = { accepted: 0, refused: 0 };
  const disabled = new Set<string>();
  const newRefreshToken = (email: string) => {
    const token = `fake-rt-${base64url(randomBytes(24))}`;
    refreshGrants.set(token, email);
    issuedRefreshTokens.push(token);
    return token;
  };
  // Provider sessions: cookie value → account e-mail.
  const sessions = new Map<string, string>();
  const logouts: FakeOidc["logouts"][number][] = [];
  const SESSION_COOKIE = "fake_idp_session";
  const sessionOf = (req: IncomingMessage) => {
    const match = /(?:^|;\s*)fake_idp_session=([^;]+)/.exec(req.headers.cookie ?? "");
    return match && sessions.has(match[1]!) ? match[1]! : null;
  };

  const addAccount = (a: FakeOidcAccount) =>
    accounts.set(a.email.toLowerCase(), { email: a.email.toLowerCase(), name: a.name ?? a.email.split("@")[0]!, emailVerified: a.emailVerified ?? true, subject: a.subject ?? subjectOf(a.email) });
  for (const a of options.accounts ?? []) addAccount(a);

  const signIdToken = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: jwk.kid }).setIssuer(issuer).setAudience(clientId).setIssuedAt().setExpirationTime("10m").sign(privateKey);

  function issueCode(account: Required<FakeOidcAccount>, p: { clientId: string; redirectUri: string; codeChallenge: string; nonce: string }): string {
    const code = base64url(randomBytes(24));
    codes.set(code, { account, ...p, expiresAt: Date.now() + CODE_TTL_MS });
    return code;
  }

  function authorizeRedirect(params: URLSearchParams, email: string): { location: string } | { error: string } {
    const redirectUri = params.get("redirect_uri") ?? "";
    if (params.get("client_id") !== clientId) return { error: "unknown client_id" };
    if (!/^https?:\/\//.test(redirectUri)) return { error: "redirect_uri must be an http(s) URL" };
    if (params.get("response_type") !== "code") return { error: "response_type must be code" };
    if (params.get("code_challenge_method") !== "S256" || !params.get("code_challenge")) return { error: "PKCE with S256 is required" };
    if (!(params.get("scope") ?? "").split(" ").includes("openid")) return { error: "scope must include openid" };
    const account = accounts.get(email.trim().toLowerCase());
    const target = new URL(redirectUri);
    if (!account) {
      target.searchParams.set("error", "access_denied");
      target.searchParams.set("error_description", "No such account at the identity provider");
    } else {
      target.searchParams.set("code", issueCode(account, { clientId, redirectUri, codeChallenge: params.get("code_challenge")!, nonce: params.get("nonce") ?? "" }));
    }
    if (params.get("state")) target.searchParams.set("state", params.get("state")!);
    return { location: target.toString() };
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    try {
      if (req.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          end_session_endpoint: `${issuer}/logout`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          code_challenge_methods_supported: ["S256"],
          scopes_supported: ["openid", "email", "profile"],
          token_endpoint_auth_methods_supported: options.clientSecret ? ["client_secret_post"] : ["none"],
        });
      }
      if (req.method === "GET" && url.pathname === "/jwks") return json(res, 200, { keys: [jwk] });
      if (req.method === "GET" && url.pathname === "/authorize" && sessionOf(req)) {
        // A provider session is open: straight back with a code, no form.
        const outcome = authorizeRedirect(url.searchParams, sessions.get(sessionOf(req)!)!);
        if ("error" in outcome) return json(res, 400, { error: "invalid_request", error_description: outcome.error });
        res.writeHead(302, { location: outcome.location });
        return res.end();
      }
      if ((req.method === "GET" || req.method === "POST") && url.pathname === "/logout") {
        // RP-initiated logout: ends the provider session; goes back to post_logout_redirect_uri when the hint checks out.
        const params = req.method === "POST" ? new URLSearchParams(await readBody(req)) : url.searchParams;
        const hint = params.get("id_token_hint");
        let hintOk = !hint;
        if (hint) {
          try {
            const { payload } = await jwtVerify(hint, publicKey, { issuer, audience: clientId, clockTolerance: 3600 * 24 });
            hintOk = !!payload.sub;
          } catch {
            hintOk = false;
          }
        }
        const clientOk = (params.get("client_id") ?? clientId) === clientId;
        const session = sessionOf(req);
        const ended = hintOk && clientOk && session !== null;
        if (ended) sessions.delete(session);
        const redirect = params.get("post_logout_redirect_uri");
        logouts.push({ method: req.method, idTokenHint: hint, clientId: params.get("client_id"), postLogoutRedirectUri: redirect, state: params.get("state"), ended });
        if (!hintOk || !clientOk) return json(res, 400, { error: "invalid_request", error_description: "id_token_hint or client_id not valid" });
        const headers: Record<string, string> = { "set-cookie": `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` };
        if (redirect && /^https?:\/\//.test(redirect)) {
          const target = new URL(redirect);
          if (params.get("state")) target.searchParams.set("state", params.get("state")!);
          res.writeHead(302, { ...headers, location: target.toString() });
          return res.end();
        }
        res.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8" });
        return res.end(`<!doctype html><html lang="en"><head><title>Signed out</title></head><body><main><h1>You are signed out of the fake identity provider</h1></main></body></html>`);
      }
      if (req.method === "GET" && url.pathname === "/authorize") {
        // The sign-in form; the authorization request's parameters ride along as hidden fields.
        const hidden = [...url.searchParams].map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`).join("");
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        return res.end(
          `<!doctype html><html lang="en"><head><title>Fake identity provider</title></head><body><main><h1>Fake identity provider</h1>` +
            `<form method="post" action="/authorize">${hidden}<label for="email">E-mail</label> <input id="email" name="login_email" type="email" value="${escape(url.searchParams.get("login_hint") ?? "")}">` +
            ` <button type="submit">Continue</button></form></main></body></html>`,
        );
      }
      if (req.method === "POST" && url.pathname === "/authorize") {
        const form = new URLSearchParams(await readBody(req));
        const outcome = authorizeRedirect(form, form.get("login_email") ?? "");
        if ("error" in outcome) return json(res, 400, { error: "invalid_request", error_description: outcome.error });
        const headers: Record<string, string> = { location: outcome.location };
        const account = accounts.get((form.get("login_email") ?? "").trim().toLowerCase());
        if (account && !outcome.location.includes("error=")) {
          const id = base64url(randomBytes(18));
          sessions.set(id, account.email);
          headers["set-cookie"] = `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`;
        }
        res.writeHead(302, headers);
        return res.end();
      }
      if (req.method === "POST" && url.pathname === "/token") {
        const form = new URLSearchParams(await readBody(req));
        const grantType = form.get("grant_type");
        if (grantType !== "authorization_code" && !(grantType === "refresh_token" && options.refreshTokens !== false)) return json(res, 400, { error: "unsupported_grant_type" });
        if (form.get("client_id") !== clientId) return json(res, 401, { error: "invalid_client" });
        if (options.clientSecret && form.get("client_secret") !== options.clientSecret) return json(res, 401, { error: "invalid_client" });
        if (grantType === "refresh_token") {
          const presented = form.get("refresh_token") ?? "";
          const email = refreshGrants.get(presented);
          refreshGrants.delete(presented); // rotation: each refresh token works once
          const account = email ? accounts.get(email) : undefined;
          if (!account || disabled.has(account.email)) {
            refreshes.refused++;
            return json(res, 400, { error: "invalid_grant", error_description: account ? "the account is disabled" : "unknown, used or revoked refresh token" });
          }
          refreshes.accepted++;
          const idToken = await new SignJWT({ email: account.email, email_verified: account.emailVerified, name: account.name })
            .setProtectedHeader({ alg: "RS256", kid: jwk.kid })
            .setIssuer(issuer)
            .setSubject(account.subject)
            .setAudience(clientId)
            .setIssuedAt()
            .setExpirationTime("10m")
            .sign(privateKey);
          return json(res, 200, { access_token: base64url(randomBytes(24)), token_type: "Bearer", expires_in: 600, id_token: idToken, refresh_token: newRefreshToken(account.email) });
        }
        const code = form.get("code") ?? "";
        const pending = codes.get(code);
        codes.delete(code); // single use, even when the rest fails
        if (!pending || pending.expiresAt < Date.now()) return json(res, 400, { error: "invalid_grant", error_description: "unknown, used or expired code" });
        if (pending.redirectUri !== form.get("redirect_uri")) return json(res, 400, { error: "invalid_grant", error_description: "redirect_uri mismatch" });
        const verifier = form.get("code_verifier") ?? "";
        if (base64url(createHash("sha256").update(verifier).digest()) !== pending.codeChallenge) {
          return json(res, 400, { error: "invalid_grant", error_description: "code_verifier does not match the challenge" });
        }
        redeemed++;
        const a = pending.account;
        const idToken = await new SignJWT({ email: a.email, email_verified: a.emailVerified, name: a.name, ...(pending.nonce ? { nonce: pending.nonce } : {}) })
          .setProtectedHeader({ alg: "RS256", kid: jwk.kid })
          .setIssuer(issuer)
          .setSubject(a.subject)
          .setAudience(clientId)
          .setIssuedAt()
          .setExpirationTime("10m")
          .sign(privateKey);
        return json(res, 200, {
          access_token: base64url(randomBytes(24)),
          token_type: "Bearer",
          expires_in: 600,
          id_token: idToken,
          ...(options.refreshTokens !== false ? { refresh_token: newRefreshToken(a.email) } : {}),
        });
      }
      json(res, 404, { error: "not_found" });
    } catch {
      json(res, 500, { error: "server_error" });
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  issuer = `http://${options.host ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;

  return {
    get url() {
      return issuer;
    },
    get issuer() {
      return issuer;
    },
    clientId,
    addAccount,
    authorize(p) {
      const params = new URLSearchParams({
        client_id: p.clientId ?? clientId,
        redirect_uri: p.redirectUri,
        response_type: "code",
        scope: "openid email profile",
        code_challenge: p.codeChallenge,
        code_challenge_method: "S256",
        state: p.state,
        nonce: p.nonce,
      });
      const outcome = authorizeRedirect(params, p.email);
      if ("error" in outcome) throw new Error(outcome.error);
      return outcome.location;
    },
    signIdToken,
    get redeemed() {
      return redeemed;
    },
    issuedRefreshTokens,
    refreshes,
    disableAccount(email) {
      disabled.add(email.trim().toLowerCase());
    },
    get openSessions() {
      return sessions.size;
    },
    logouts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
