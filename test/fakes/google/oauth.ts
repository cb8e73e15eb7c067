// A wire-level fake of Google's OAuth 2.0 endpoints, for the real
// google-auth-library pointed at it (GOOGLE_OAUTH_BASE_URL):
//   GET  /o/oauth2/v2/auth   consent: redirects back with a code (or ?error=access_denied) for the configured user
//   POST /token              authorization_code (PKCE S256 verifier checked) and refresh_token grants; invalid_grant when revoked
//   POST /revoke?token=      revokes the grant behind a refresh or access token
//   GET|POST /tokeninfo      Bearer token → aud, scope, expires_in, email (invalid_token when unknown/expired/revoked)
//   GET  /v1/userinfo, /oauth2/v3/userinfo  Bearer token → sub, email
//   POST /token  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer: a service account's
//                signed assertion (domain-wide delegation), checked as Google does: RS256
//                signature against the account's live keys, iss, aud (Google's token URL),
//                iat/exp (≤ 60 min), scope, and — with `sub` — the Workspace user and the
//                client id's authorised scopes (Admin console → Domain-wide delegation).
// `googleOAuthRoutes(fake)` returns a node:http handler that answers these
// paths and returns false for anything else, so the Google API fake
// (server.ts) can mount it; `startFakeGoogleOAuth()` runs it on its own port.
import { createHash, generateKeyPairSync, randomBytes, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeOAuthUser {
  email: string;
  sub: string;
}

interface Grant {
  id: string;
  user: FakeOAuthUser;
  clientId: string;
  scopes: string[];
  refreshToken: string;
  revoked: boolean;
}

interface AccessToken {
  grant: Grant;
  expiresAt: number;
}

/** The JSON key file Google Cloud hands out for a service account ("Keys → Add key → JSON"). */
export interface FakeServiceAccountKeyFile {
  type: "service_account";
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

interface ServiceAccount {
  clientEmail: string;
  clientId: string;
  /** Public keys by private_key_id; a deleted key is removed. */
  keys: Map<string, KeyObject>;
}

/** The audience Google requires in a jwt-bearer assertion (gtoken signs exactly this). */
export const GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

export interface FakeGoogleOAuth {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The account that "consents" on the next authorize request. */
  user: FakeOAuthUser;
  /** Lifetime of issued access tokens, in seconds. */
  accessTokenTtlSeconds: number;
  /** The next authorize request is refused by the "user" (redirect with error=access_denied). */
  denyNext: boolean;
  /** While above 0, /revoke answers 503 (Google unavailable) and counts down. */
  failRevokes: number;
  /** Requests per endpoint ("token:authorization_code", "token:refresh_token", "revoke", "tokeninfo", "userinfo", "auth"). */
  readonly calls: Record<string, number>;
  /** The last PKCE challenge and redirect URI seen at /auth (tests check the flow's parameters). */
  lastAuthorize: URLSearchParams | null;
  /** Revokes every grant of an account at the "provider" side (the user removed the app's access). */
  revokeUser(email: string): void;
  /** Makes every issued access token expire now (refresh is then needed). */
  expireAccessTokens(): void;
  /** Checks a Bearer token; the Gmail/Calendar/Drive fakes use this. */
  authenticate(req: IncomingMessage): { user: FakeOAuthUser; scopes: string[] } | null;
  /** Every token string ever issued (tests grep the database for them). */
  readonly issuedTokens: string[];
  /** Creates a service account (or a new key of an existing one) and returns its JSON key file. */
  createServiceAccountKey(options?: { name?: string; project?: string }): FakeServiceAccountKeyFile;
  /** Deletes a key in Cloud IAM: assertions signed with it are refused from now on. */
  deleteServiceAccountKey(privateKeyId: string): void;
  /** Admin console → Domain-wide delegation: authorises a client id for exactly these scopes (replacing earlier ones); [] removes it. */
  authorizeDelegation(clientId: string, scopes: string[]): void;
  /** Users of the Workspace (e-mail addresses a delegated token may impersonate). */
  readonly workspaceUsers: Set<string>;
  /** Assertions received per service account e-mail, and the claims of the last one. */
  readonly assertions: { count: number; last: Record<string, unknown> | null };
}

export function createFakeGoogleOAuth(options: { clientId?: string; clientSecret?: string; user?: Partial<FakeOAuthUser> } = {}): FakeGoogleOAuth {
  const grants = new Map<string, Grant>(); // by refresh token
  const accessTokens = new Map<string, AccessToken>();
  const issuedTokens: string[] = [];
  const calls: Record<string, number> = {};
  const fake: FakeGoogleOAuth = {
    clientId: options.clientId ?? "fake-client-id.apps.googleusercontent.com",
    clientSecret: options.clientSecret ?? "fake-client-secret",
    user: { email: options.user?.email ?? "rep@example.com", sub: options.user?.sub ?? "100000000000000000001" },
    accessTokenTtlSeconds: 3600,
    denyNext: false,
    failRevokes: 0,
    calls,
    lastAuthorize: null,
    revokeUser(email) {
      for (const g of grants.values()) if (g.user.email === email) g.revoked = true;
    },
    expireAccessTokens() {
      for (const t of accessTokens.values()) t.expiresAt = 0;
    },
    authenticate(req) {
      const header = req.headers.authorization ?? "";
      const token = /^Bearer (.+)$/i.exec(header)?.[1];
      const entry = token ? accessTokens.get(token) : undefined;
      if (!entry || entry.grant.revoked || entry.expiresAt <= Date.now()) return null;
      return { user: entry.grant.user, scopes: entry.grant.scopes };
    },
    issuedTokens,
    createServiceAccountKey(opts = {}) {
      const project = opts.project ?? "sales-agent-fake";
      const clientEmail = `${opts.name ?? "sales-agent-dwd"}@${project}.iam.gserviceaccount.com`;
      let account = serviceAccounts.get(clientEmail);
      if (!account) {
        account = { clientEmail, clientId: String(100_000_000_000_000_000_000n + BigInt(serviceAccounts.size + 1)), keys: new Map() };
        serviceAccounts.set(clientEmail, account);
      }
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const privateKeyId = randomBytes(20).toString("hex");
      account.keys.set(privateKeyId, publicKey);
      return {
        type: "service_account",
        project_id: project,
        private_key_id: privateKeyId,
        private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        client_email: clientEmail,
        client_id: account.clientId,
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: GOOGLE_TOKEN_AUDIENCE,
        auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
        universe_domain: "googleapis.com",
      };
    },
    deleteServiceAccountKey(privateKeyId) {
      for (const account of serviceAccounts.values()) account.keys.delete(privateKeyId);
    },
    authorizeDelegation(clientId, scopes) {
      if (scopes.length) delegations.set(clientId, new Set(scopes));
      else delegations.delete(clientId);
    },
    workspaceUsers: new Set(),
    assertions: { count: 0, last: null },
  };
  const serviceAccounts = new Map<string, ServiceAccount>();
  const delegations = new Map<string, Set<string>>();
  (fake as unknown as { _internal: unknown })._internal = { grants, accessTokens, serviceAccounts, delegations };
  return fake;
}

const codes = new WeakMap<FakeGoogleOAuth, Map<string, { clientId: string; redirectUri: string; scopes: string[]; challenge: string | null; method: string | null; user: FakeOAuthUser; used: boolean }>>();

function internal(fake: FakeGoogleOAuth) {
  return (
    fake as unknown as {
      _internal: { grants: Map<string, Grant>; accessTokens: Map<string, AccessToken>; serviceAccounts: Map<string, ServiceAccount>; delegations: Map<string, Set<string>> };
    }
  )._internal;
}

type AssertionCheck = { ok: true; account: ServiceAccount; subject: string | null; scopes: string[] } | { ok: false; status: number; error: string; description: string };

/**
 * Google's checks of a jwt-bearer assertion, with Google's answers (error code
 * and description as the real token endpoint words them).
 */
function checkAssertion(assertion: string, serviceAccounts: Map<string, ServiceAccount>, delegations: Map<string, Set<string>>, workspaceUsers: Set<string>): AssertionCheck & { claims?: Record<string, unknown> } {
  const refuse = (error: string, description: string, status = 400): AssertionCheck => ({ ok: false, status, error, description });
  const parts = assertion.split(".");
  if (parts.length !== 3) return refuse("invalid_grant", "Invalid JWT Signature.");
  let header: { alg?: unknown; kid?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as typeof header;
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return refuse("invalid_grant", "Invalid JWT Signature.");
  }
  if (header.alg !== "RS256") return refuse("invalid_grant", "Invalid JWT Signature.");
  const account = typeof claims.iss === "string" ? serviceAccounts.get(claims.iss) : undefined;
  if (!account) return refuse("invalid_grant", "Invalid grant: account not found");
  // The key id is optional in the header (gtoken sends none): any live key of the account may have signed.
  const candidates = typeof header.kid === "string" ? [account.keys.get(header.kid)].filter((k): k is KeyObject => !!k) : [...account.keys.values()];
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2]!, "base64url");
  if (!candidates.some((key) => verify("RSA-SHA256", signed, key, signature))) return refuse("invalid_grant", "Invalid JWT Signature.");
  const result = { claims };
  if (claims.aud !== GOOGLE_TOKEN_AUDIENCE) return { ...refuse("invalid_grant", `Invalid JWT: Failed audience check. The expected audience is ${GOOGLE_TOKEN_AUDIENCE}.`), ...result };
  const now = Math.floor(Date.now() / 1000);
  const iat = claims.iat;
  const exp = claims.exp;
  if (typeof iat !== "number" || typeof exp !== "number" || exp <= now || iat > now + 300 || exp - iat > 3600 || exp <= iat) {
    return { ...refuse("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."), ...result };
  }
  const scopes = typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : [];
  if (!scopes.length) return { ...refuse("invalid_scope", "Invalid OAuth scope or ID token audience provided."), ...result };
  const subject = typeof claims.sub === "string" && claims.sub ? claims.sub.toLowerCase() : null;
  if (subject) {
    if (!workspaceUsers.has(subject)) return { ...refuse("invalid_grant", "Invalid email or User ID"), ...result };
    const allowed = delegations.get(account.clientId);
    if (!allowed || scopes.some((s) => !allowed.has(s))) {
      return { ...refuse("unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.", 401), ...result };
    }
  }
  return { ok: true, account, subject, scopes, claims };
}

function token(prefix: string): string {
  return `${prefix}${randomBytes(24).toString("base64url")}`;
}

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
  return true;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A handler for the OAuth paths; resolves false when the path is not one of them. */
export function googleOAuthRoutes(fake: FakeGoogleOAuth): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { grants, accessTokens, serviceAccounts, delegations } = internal(fake);
  let pending = codes.get(fake);
  if (!pending) codes.set(fake, (pending = new Map()));
  const codeStore = pending;
  const count = (name: string) => (fake.calls[name] = (fake.calls[name] ?? 0) + 1);

  function issueAccess(grant: Grant) {
    const access = token("ya29.fake-");
    accessTokens.set(access, { grant, expiresAt: Date.now() + fake.accessTokenTtlSeconds * 1000 });
    fake.issuedTokens.push(access);
    return access;
  }

  function bearer(req: IncomingMessage, url: URL, form: URLSearchParams | null): AccessToken | null {
    const t = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? url.searchParams.get("access_token") ?? form?.get("access_token");
    const entry = t ? accessTokens.get(t) : undefined;
    if (!entry || entry.grant.revoked || entry.expiresAt <= Date.now()) return null;
    return entry;
  }

  function clientOk(req: IncomingMessage, form: URLSearchParams): boolean {
    let id = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (basic) [id, secret] = Buffer.from(basic, "base64").toString("utf8").split(":") as [string, string];
    return id === fake.clientId && secret === fake.clientSecret;
  }

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    if (req.method === "GET" && path === "/o/oauth2/v2/auth") {
      count("auth");
      const q = url.searchParams;
      fake.lastAuthorize = q;
      const redirect = q.get("redirect_uri");
      if (q.get("client_id") !== fake.clientId || !redirect) return json(res, 400, { error: "invalid_request" });
      const back = new URL(redirect);
      if (q.get("state")) back.searchParams.set("state", q.get("state")!);
      if (fake.denyNext) {
        fake.denyNext = false;
        back.searchParams.set("error", "access_denied");
      } else {
        const code = token("4/fake-code-");
        codeStore.set(code, {
          clientId: fake.clientId,
          redirectUri: redirect,
          scopes: (q.get("scope") ?? "").split(" ").filter(Boolean),
          challenge: q.get("code_challenge"),
          method: q.get("code_challenge_method"),
          user: { ...fake.user },
          used: false,
        });
        back.searchParams.set("code", code);
        back.searchParams.set("scope", q.get("scope") ?? "");
      }
      res.writeHead(302, { location: back.toString() });
      res.end();
      return true;
    }
    if (req.method === "POST" && path === "/token") {
      const form = new URLSearchParams(await readBody(req));
      const grantType = form.get("grant_type") ?? "";
      count(`token:${grantType}`);
      if (grantType === JWT_BEARER_GRANT) {
        // No client secret: the assertion's signature authenticates the service account.
        const check = checkAssertion(form.get("assertion") ?? "", serviceAccounts, delegations, fake.workspaceUsers);
        fake.assertions.count++;
        fake.assertions.last = check.claims ?? null;
        if (!check.ok) return json(res, check.status, { error: check.error, error_description: check.description });
        const email = check.subject ?? check.account.clientEmail;
        const grant: Grant = { id: token("g"), user: { email, sub: email }, clientId: check.account.clientId, scopes: check.scopes, refreshToken: "", revoked: false };
        return json(res, 200, { access_token: issueAccess(grant), expires_in: fake.accessTokenTtlSeconds, token_type: "Bearer" });
      }
      if (!clientOk(req, form)) return json(res, 401, { error: "invalid_client", error_description: "The OAuth client was not found." });
      if (grantType === "authorization_code") {
        const code = codeStore.get(form.get("code") ?? "");
        if (!code || code.used) return json(res, 400, { error: "invalid_grant", error_description: "Malformed auth code." });
        code.used = true;
        if (code.redirectUri !== form.get("redirect_uri")) return json(res, 400, { error: "redirect_uri_mismatch", error_description: "Bad Request" });
        const verifier = form.get("code_verifier") ?? "";
        const expected = code.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
        if (!code.challenge || expected !== code.challenge) return json(res, 400, { error: "invalid_grant", error_description: "Invalid code verifier." });
        const grant: Grant = { id: token("g"), user: code.user, clientId: code.clientId, scopes: code.scopes, refreshToken: token("1//fake-refresh-"), revoked: false };
        grants.set(grant.refreshToken, grant);
        fake.issuedTokens.push(grant.refreshToken);
        return json(res, 200, {
          access_token: issueAccess(grant),
          expires_in: fake.accessTokenTtlSeconds,
          refresh_token: grant.refreshToken,
          scope: grant.scopes.join(" "),
          token_type: "Bearer",
        });
      }
      if (grantType === "refresh_token") {
        const grant = grants.get(form.get("refresh_token") ?? "");
        if (!grant || grant.revoked) return json(res, 400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
        return json(res, 200, { access_token: issueAccess(grant), expires_in: fake.accessTokenTtlSeconds, scope: grant.scopes.join(" "), token_type: "Bearer" });
      }
      return json(res, 400, { error: "unsupported_grant_type" });
    }
    if (req.method === "POST" && path === "/revoke") {
      count("revoke");
      const form = new URLSearchParams(await readBody(req));
      if (fake.failRevokes > 0) {
        fake.failRevokes -= 1;
        return json(res, 503, { error: "temporarily_unavailable" });
      }
      const t = url.searchParams.get("token") ?? form.get("token") ?? "";
      const grant = grants.get(t) ?? accessTokens.get(t)?.grant;
      if (!grant || grant.revoked) return json(res, 400, { error: "invalid_token", error_description: "Token expired or revoked" });
      grant.revoked = true;
      return json(res, 200, {});
    }
    if (path === "/tokeninfo") {
      count("tokeninfo");
      const form = req.method === "POST" ? new URLSearchParams(await readBody(req)) : null;
      const entry = bearer(req, url, form);
      if (!entry) return json(res, 400, { error: "invalid_token", error_description: "Invalid Value" });
      return json(res, 200, {
        azp: entry.grant.clientId,
        aud: entry.grant.clientId,
        sub: entry.grant.user.sub,
        scope: entry.grant.scopes.join(" "),
        exp: String(Math.floor(entry.expiresAt / 1000)),
        expires_in: Math.max(0, Math.floor((entry.expiresAt - Date.now()) / 1000)),
        email: entry.grant.user.email,
        email_verified: "true",
        access_type: "offline",
      });
    }
    if (req.method === "GET" && (path === "/v1/userinfo" || path === "/oauth2/v3/userinfo")) {
      count("userinfo");
      const entry = bearer(req, url, null);
      if (!entry) return json(res, 401, { error: "invalid_token" });
      return json(res, 200, { sub: entry.grant.user.sub, email: entry.grant.user.email, email_verified: true });
    }
    return false;
  };
}

/** Runs the OAuth fake on its own port (tests, or `tsx test/fakes/google/oauth.ts`). */
export async function startFakeGoogleOAuth(options: Parameters<typeof createFakeGoogleOAuth>[0] & { port?: number; host?: string } = {}) {
  const fake = createFakeGoogleOAuth(options);
  const handle = googleOAuthRoutes(fake);
  const server = createServer((req, res) => {
    handle(req, res)
      .then((handled) => {
        if (!handled) json(res, 404, { error: "not_found" });
      })
      .catch(() => json(res, 500, { error: "internal" }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    fake,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = await startFakeGoogleOAuth({ port: Number(process.env.FAKE_GOOGLE_OAUTH_PORT ?? 4010) });
  process.stdout.write(
    `Fake Google OAuth at ${started.url}\n  GOOGLE_OAUTH_BASE_URL=${started.url} GOOGLE_CLIENT_ID=${started.fake.clientId} GOOGLE_CLIENT_SECRET=${started.fake.clientSecret}\n  consenting user: ${started.fake.user.email}\n`,
  );
}
