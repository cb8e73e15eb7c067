// Connections over real HTTP, with the real google-auth-library pointed at
// the fake Google OAuth server: connectionStart → the fake's consent redirect
// → GET /oauth/callback (PKCE checked by the fake) → an ACTIVE connection with
// encrypted tokens; state replay, expiry and forgery refused; automatic
// refresh; a grant revoked at Google → NEEDS_REAUTH with its event; revoke;
// tenants and roles.
import { randomBytes, randomUUID } from "node:crypto";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signOAuthState } from "../../../src/domain/connection/connection.js";
import { redactText } from "../../../src/domain/redaction.js";
import { graphql } from "../../generated/gql/index.js";
import { ALL_ROLES, createTenant, startTestApp, startLoggedApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { sql, waitFor } from "../../helpers/operator.js";
import { startFakeGoogleOAuth } from "../../fakes/google/oauth.js";

const Start = graphql(`
  mutation ConnStart($input: ConnectionStartInput!) {
    connectionStart(input: $input) { authorizationUrl expiresAt userErrors { code field message } }
  }
`);
const List = graphql(`
  query ConnList {
    connections(first: 50) {
      edges { node { id provider shared accountEmail scopes status lastError user { id } connectedBy { id } health { circuitState lastSuccessAt lastFailureAt lastError } } }
    }
  }
`);
const NodeOf = graphql(`
  query ConnNode($id: ID!) { node(id: $id) { id ... on Connection { accountEmail status } } }
`);
const Revoke = graphql(`
  mutation ConnRevoke($input: ConnectionRevokeInput!) {
    connectionRevoke(input: $input) { providerRevoked connection { id status revokedAt } userErrors { code field message } }
  }
`);
const Test = graphql(`
  mutation ConnTest($input: ConnectionTestInput!) {
    connectionTest(input: $input) { ok message connection { id status health { circuitState lastSuccessAt lastError } } userErrors { code field message } }
  }
`);

let t: TestApp;
let google: Awaited<ReturnType<typeof startFakeGoogleOAuth>>;
let tenant: TestTenant;
let other: TestTenant;
const K1 = `k1:${randomBytes(32).toString("base64")}`;

beforeAll(async () => {
  google = await startFakeGoogleOAuth();
  t = await startTestApp({
    env: {
      GOOGLE_OAUTH_BASE_URL: google.url,
      GOOGLE_CLIENT_ID: google.fake.clientId,
      GOOGLE_CLIENT_SECRET: google.fake.clientSecret,
      CREDENTIALS_KEYS: K1,
      CONNECTOR_RETRY_BASE_MS: "10",
    },
  });
  tenant = await createTenant(t, "conn");
  other = await createTenant(t, "conn-other");
});
afterAll(async () => {
  await t?.close();
  await google?.close();
});

async function start(token: string, input: { shared?: boolean; scopes?: string[] } = {}) {
  const r = await executeOk(t.graphqlUrl, Start, { input: { provider: "GOOGLE", ...input } }, { token });
  expect(r.connectionStart.userErrors).toEqual([]);
  return r.connectionStart.authorizationUrl!;
}

/** Follows the fake's consent redirect; returns the callback URL it sends the browser to. */
async function consent(authorizationUrl: string): Promise<string> {
  const res = await fetch(authorizationUrl, { redirect: "manual" });
  expect(res.status).toBe(302);
  return res.headers.get("location")!;
}

async function callback(url: string) {
  const res = await fetch(url);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

async function connect(token: string, email: string, input: { shared?: boolean } = {}) {
  google.fake.user = { email, sub: String(Math.floor(Math.random() * 1e15)) };
  const back = await callback(await consent(await start(token, input)));
  expect(back.status, back.html).toBe(200);
  const rows = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Connection" WHERE "accountEmail" = $1 AND "status" = 'ACTIVE' ORDER BY "createdAt" DESC LIMIT 1`, [email]);
  return rows[0]!.id;
}

describe("connecting a Google account", () => {
  it("runs the authorization-code flow with PKCE and stores the tokens encrypted", async () => {
    const op = tenant.members.OPERATOR;
    google.fake.user = { email: "Oscar.Rep@Example.com", sub: "42" };
    const url = await start(op.token, { scopes: ["gmail.readonly", "gmail.send"] });
    const auth = new URL(url);
    expect(auth.origin).toBe(google.url);
    expect(auth.searchParams.get("code_challenge_method")).toBe("S256");
    expect(auth.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.searchParams.get("access_type")).toBe("offline");
    expect(auth.searchParams.get("redirect_uri")).toBe(`${t.url}/oauth/callback`);
    expect(auth.searchParams.get("scope")!.split(" ")).toEqual(
      expect.arrayContaining(["openid", "email", "https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.send"]),
    );

    const location = await consent(url);
    expect(location.startsWith(`${t.url}/oauth/callback?`)).toBe(true);
    const back = await callback(location);
    expect(back.status).toBe(200);
    expect(back.html).toContain("Account connected");
    expect(back.headers.get("referrer-policy")).toBe("no-referrer");
    expect(google.fake.calls["token:authorization_code"]).toBe(1);

    const list = await executeOk(t.graphqlUrl, List, {}, { token: op.token });
    const mine = list.connections.edges.map((e) => e.node);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      provider: "GOOGLE",
      shared: false,
      accountEmail: "oscar.rep@example.com",
      status: "ACTIVE",
      user: { id: encodeGlobalID("User", op.userId) },
      connectedBy: { id: encodeGlobalID("User", op.userId) },
      health: { circuitState: "closed" },
    });
    expect(mine[0]!.scopes).toContain("https://www.googleapis.com/auth/gmail.send");

    // Audited and evented, without any token.
    const audit = await sql<{ action: string; summary: unknown }>(t.db, `SELECT "action", "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" LIKE 'connection.%' ORDER BY "createdAt", "id"`, [tenant.tenantId]);
    expect(audit.map((a) => a.action)).toEqual(["connection.started", "connection.connected"]);
    const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" LIKE 'sales.connection.%'`, [tenant.tenantId]);
    expect(events.map((e) => e.type)).toEqual(["sales.connection.connected"]);
  });

  it("a replayed callback is refused and the code is not exchanged again", async () => {
    google.fake.user = { email: "replay@example.com", sub: "7" };
    const location = await consent(await start(tenant.members.MANAGER.token));
    const before = google.fake.calls["token:authorization_code"] ?? 0;
    expect((await callback(location)).status).toBe(200);
    const again = await callback(location);
    expect(again.status).toBe(400);
    expect(again.html).toContain("already used");
    expect(google.fake.calls["token:authorization_code"]).toBe(before + 1);
  });

  it("forged, tampered, foreign and expired states are refused before anything is exchanged", async () => {
    const ring = t.app.services.connectors!.vault.ring;
    const location = new URL(await consent(await start(tenant.members.OPERATOR.token)));
    const state = location.searchParams.get("state")!;
    const code = location.searchParams.get("code")!;
    const exchanges = google.fake.calls["token:authorization_code"] ?? 0;
    const parts = state.split(".");
    const attempt = (s: string) => callback(`${t.url}/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(s)}`);

    // Signature altered; tenant swapped (the signature no longer holds); made up; missing.
    const badMac = [...parts.slice(0, 6), parts[6]!.replace(/^./, (c) => (c === "A" ? "B" : "A"))].join(".");
    const otherTenant = [parts[0], other.tenantId, ...parts.slice(2)].join(".");
    for (const s of [badMac, otherTenant, "s1.nonsense", ""]) {
      const r = await attempt(s);
      expect(r.status).toBe(400);
      expect(r.html).toContain("not valid");
    }
    // Signed with a key the server does not have.
    const foreign = signOAuthState(
      { keys: [{ id: "k1", key: randomBytes(32) }], current: { id: "k1", key: randomBytes(32) } },
      { tenantId: tenant.tenantId, stateId: parts[2]!, userId: parts[3]!, expiresAt: Date.now() + 60_000 },
    );
    expect((await attempt(foreign)).status).toBe(400);
    // Genuinely signed but expired.
    const expired = signOAuthState(ring, { tenantId: tenant.tenantId, stateId: parts[2]!, userId: parts[3]!, expiresAt: Date.now() - 1 });
    const r = await attempt(expired);
    expect(r.status).toBe(400);
    expect(r.html).toContain("expired");
    // Genuinely signed, unexpired, but no such flow was started.
    const unknown = signOAuthState(ring, { tenantId: tenant.tenantId, stateId: randomUUID(), userId: parts[3]!, expiresAt: Date.now() + 60_000 });
    expect((await attempt(unknown)).status).toBe(400);
    expect(google.fake.calls["token:authorization_code"] ?? 0).toBe(exchanges);
    // The real state still works once.
    expect((await attempt(state)).status).toBe(200);
  });

  it("a user who refuses consent gets a page saying nothing was connected", async () => {
    google.fake.denyNext = true;
    const back = await callback(await consent(await start(tenant.members.OPERATOR.token)));
    expect(back.status).toBe(200);
    expect(back.html).toContain("Not connected");
  });

  it("no token reaches the database in clear, the audit log, the events or GraphQL", async () => {
    const op = tenant.members.OPERATOR;
    const dump = JSON.stringify(
      await sql(t.db, `SELECT (SELECT json_agg(c) FROM "ConnectionCredential" c) AS creds, (SELECT json_agg(a) FROM "AuditEntry" a) AS audit,
                              (SELECT json_agg(o) FROM "OutboxEvent" o) AS events, (SELECT json_agg(s) FROM "OAuthState" s) AS states,
                              (SELECT json_agg(x) FROM "Connection" x) AS conns`),
    );
    const graph = JSON.stringify(await executeOk(t.graphqlUrl, List, {}, { token: op.token }));
    expect(google.fake.issuedTokens.length).toBeGreaterThan(2);
    for (const token of google.fake.issuedTokens) {
      expect(dump).not.toContain(token);
      expect(graph).not.toContain(token);
      expect(redactText(`refresh failed for ${token}`)).not.toContain(token);
    }
    expect(dump).toContain('"keyId":"k1"');
  });
});

describe("refresh and revoked grants", () => {
  it("refreshes an expiring access token automatically and stores the new one", async () => {
    google.fake.accessTokenTtlSeconds = 30; // inside the refresh margin: the next use refreshes
    const op = tenant.members.OPERATOR;
    const id = await connect(op.token, "refresh@example.com");
    google.fake.accessTokenTtlSeconds = 3600;
    const [before] = await sql<{ ciphertext: string }>(t.db, `SELECT "ciphertext" FROM "ConnectionCredential" WHERE "connectionId" = $1`, [id]);
    const refreshes = google.fake.calls["token:refresh_token"] ?? 0;
    const r = await executeOk(t.graphqlUrl, Test, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token: op.token });
    expect(r.connectionTest).toMatchObject({ ok: true, message: null, connection: { status: "ACTIVE" }, userErrors: [] });
    expect(google.fake.calls["token:refresh_token"]).toBe(refreshes + 1);
    const [after] = await sql<{ ciphertext: string; accessTokenExpiresAt: Date }>(t.db, `SELECT "ciphertext", "accessTokenExpiresAt" FROM "ConnectionCredential" WHERE "connectionId" = $1`, [id]);
    expect(after!.ciphertext).not.toBe(before!.ciphertext);
    expect(after!.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    // Fresh now: a second test does not refresh again.
    await executeOk(t.graphqlUrl, Test, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token: op.token });
    expect(google.fake.calls["token:refresh_token"]).toBe(refreshes + 1);
  });

  it("an access token the provider refuses early is refreshed once and the call repeated, not taken for a lost grant", async () => {
    const op = tenant.members.OPERATOR;
    const id = await connect(op.token, "early@example.com");
    google.fake.expireAccessTokens(); // dead at Google, still valid by our clock
    const refreshes = google.fake.calls["token:refresh_token"] ?? 0;
    const r = await executeOk(t.graphqlUrl, Test, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token: op.token });
    expect(r.connectionTest).toMatchObject({ ok: true, connection: { status: "ACTIVE" } });
    expect(google.fake.calls["token:refresh_token"]).toBe(refreshes + 1);
  });

  it("a grant revoked at Google turns the connection to NEEDS_REAUTH, audited and evented — never a silent failure", async () => {
    const op = tenant.members.OPERATOR;
    google.fake.accessTokenTtlSeconds = 30;
    const id = await connect(op.token, "revoked@example.com");
    google.fake.accessTokenTtlSeconds = 3600;
    google.fake.revokeUser("revoked@example.com");
    const r = await executeOk(t.graphqlUrl, Test, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token: op.token });
    expect(r.connectionTest.ok).toBe(false);
    expect(r.connectionTest.connection).toMatchObject({ status: "NEEDS_REAUTH" });
    expect(r.connectionTest.message).toMatch(/invalid_grant/);
    expect(r.connectionTest.message).not.toMatch(/ya29|1\/\//);
    const events = await sql<{ type: string; payload: { connectionId: string } }>(t.db, `SELECT "type", "payload" FROM "OutboxEvent" WHERE "type" = 'sales.connection.needs_reauth'`);
    expect(events.map((e) => e.payload.connectionId)).toEqual([id]);
    const audit = await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "action" = 'connection.needs_reauth' AND "targetId" = $1`, [id]);
    expect(audit).toHaveLength(1);
    // Testing again changes nothing more (one event, not one per attempt).
    await executeOk(t.graphqlUrl, Test, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token: op.token });
    expect(await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "type" = 'sales.connection.needs_reauth'`)).toHaveLength(1);
    // Connecting the same account again brings the same connection back to ACTIVE.
    const again = await connect(op.token, "revoked@example.com");
    expect(again).toBe(id);
  });

  it("connectionRevoke revokes at Google, erases the tokens and marks it REVOKED", async () => {
    const op = tenant.members.OPERATOR;
    const id = await connect(op.token, "bye@example.com");
    const revokes = google.fake.calls.revoke ?? 0;
    const r = await executeOk(t.graphqlUrl, Revoke, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token: op.token });
    expect(r.connectionRevoke).toMatchObject({ providerRevoked: true, connection: { status: "REVOKED" }, userErrors: [] });
    expect(google.fake.calls.revoke).toBe(revokes + 1);
    expect(await sql(t.db, `SELECT 1 FROM "ConnectionCredential" WHERE "connectionId" = $1`, [id])).toHaveLength(0);
    const twice = await executeOk(t.graphqlUrl, Revoke, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token: op.token });
    expect(twice.connectionRevoke.userErrors.map((e) => e.code)).toEqual(["ALREADY_REVOKED"]);
    const test = await executeOk(t.graphqlUrl, Test, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token: op.token });
    expect(test.connectionTest.userErrors.map((e) => e.code)).toEqual(["CONNECTION_NOT_ACTIVE"]);
  });
});

describe("logs", () => {
  it("no token, code, state or verifier reaches the log, even at debug level and on failures", async () => {
    const logged = await startLoggedApp(t, {
      GOOGLE_OAUTH_BASE_URL: google.url,
      GOOGLE_CLIENT_ID: google.fake.clientId,
      GOOGLE_CLIENT_SECRET: google.fake.clientSecret,
      CREDENTIALS_KEYS: K1,
      CONNECTOR_RETRY_BASE_MS: "10",
      CONNECTOR_MAX_RETRIES: "1",
    });
    try {
      const token = await logged.tokenFor(tenant.members.OPERATOR, tenant.tenantId);
      google.fake.user = { email: "logged@example.com", sub: "99" };
      google.fake.accessTokenTtlSeconds = 30;
      const started = await executeOk(logged.graphqlUrl, Start, { input: { provider: "GOOGLE" } }, { token });
      const location = await consent(started.connectionStart.authorizationUrl!);
      const params = new URL(location).searchParams;
      expect((await callback(location)).status).toBe(200);
      expect((await callback(location)).status).toBe(400); // replay: logged as a refusal, if at all
      const [conn] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Connection" WHERE "accountEmail" = 'logged@example.com'`);
      const gid = encodeGlobalID("Connection", conn!.id);
      await executeOk(logged.graphqlUrl, Test, { input: { connectionId: gid } }, { token }); // refresh
      google.fake.revokeUser("logged@example.com");
      google.fake.expireAccessTokens();
      await executeOk(logged.graphqlUrl, Test, { input: { connectionId: gid } }, { token }); // invalid_grant
      google.fake.accessTokenTtlSeconds = 3600;
      const log = logged.lines.join("");
      expect(log.length).toBeGreaterThan(0);
      for (const secret of [...google.fake.issuedTokens, params.get("code")!, params.get("state")!]) expect(log).not.toContain(secret);
      expect(log).not.toContain(google.fake.clientSecret);
    } finally {
      await logged.stop();
    }
  });
});

describe("health in /ready and /metrics", () => {
  it("reports open connector circuits (informational) and the circuit gauge", async () => {
    const ready = await (await fetch(`${t.url}/ready`)).json();
    expect(ready).toMatchObject({ status: "ready", connectors: { openCircuits: [] } });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`connector_circuit_state\\{tenant="${tenant.tenantId}",provider="GOOGLE"\\} 0`));
    expect(metrics).toMatch(/connector_calls_total\{provider="GOOGLE",outcome="ok"\} \d+/);
  });
});

describe("key rotation without downtime", () => {
  it("a second instance with a new key appended re-seals every credential at start-up; its connections keep working and the old key can go", async () => {
    const id = await connect(tenant.members.OPERATOR.token, "rotate@example.com");
    const K2 = `k2:${randomBytes(32).toString("base64")}`;
    const env = { GOOGLE_OAUTH_BASE_URL: google.url, GOOGLE_CLIENT_ID: google.fake.clientId, GOOGLE_CLIENT_SECRET: google.fake.clientSecret, CONNECTOR_RETRY_BASE_MS: "10" };
    const second = await startTestApp({ db: t.db, env: { ...env, CREDENTIALS_KEYS: `${K1},${K2}` } });
    try {
      await waitFor(async () => {
        const ids = await sql<{ keyId: string }>(t.db, `SELECT DISTINCT "keyId" FROM "ConnectionCredential"`);
        return ids.length === 1 && ids[0]!.keyId === "k2";
      }, 20_000, "every credential re-sealed under k2");
    } finally {
      await second.close();
    }
    // An instance that only has the new key decrypts everything.
    const third = await startTestApp({ db: t.db, env: { ...env, CREDENTIALS_KEYS: K2 } });
    try {
      const op = tenant.members.OPERATOR;
      const token = await third.app.authenticator.issueUserToken({ userId: op.userId, tenantId: tenant.tenantId }, 600);
      const r = await executeOk(third.graphqlUrl, Test, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token });
      expect(r.connectionTest).toMatchObject({ ok: true, connection: { status: "ACTIVE" } });
    } finally {
      await third.close();
    }
  });
});

describe("who may connect, see and manage what", () => {
  it("only OWNER/ADMIN connect the shared account; everyone with connection:read sees it", async () => {
    const refused = await executeOk(t.graphqlUrl, Start, { input: { provider: "GOOGLE", shared: true } }, { token: tenant.members.MANAGER.token });
    expect(refused.connectionStart.userErrors.map((e) => e.code)).toEqual(["FORBIDDEN"]);
    const id = await connect(tenant.members.ADMIN.token, "sales@example.com", { shared: true });
    const analyst = await executeOk(t.graphqlUrl, List, {}, { token: tenant.members.ANALYST.token });
    expect(analyst.connections.edges.map((e) => e.node)).toEqual([expect.objectContaining({ id: encodeGlobalID("Connection", id), shared: true, user: null })]);
    // A MANAGER cannot revoke or test the shared one.
    const r = await executeOk(t.graphqlUrl, Revoke, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token: tenant.members.MANAGER.token });
    expect(r.connectionRevoke.userErrors.map((e) => e.code)).toEqual(["FORBIDDEN"]);
  });

  it("a member's own connection is hidden from other non-admins, visible to admins", async () => {
    const [opConn] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Connection" WHERE "userId" = $1 AND "status" = 'ACTIVE' LIMIT 1`, [tenant.members.OPERATOR.userId]);
    const gid = encodeGlobalID("Connection", opConn!.id);
    const manager = await executeOk(t.graphqlUrl, List, {}, { token: tenant.members.MANAGER.token });
    expect(manager.connections.edges.map((e) => e.node.id)).not.toContain(gid);
    expect((await execute(t.graphqlUrl, NodeOf, { id: gid }, { token: tenant.members.MANAGER.token })).data?.node ?? null).toBeNull();
    const test = await executeOk(t.graphqlUrl, Test, { input: { connectionId: gid } }, { token: tenant.members.MANAGER.token });
    expect(test.connectionTest.userErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    const admin = await executeOk(t.graphqlUrl, List, {}, { token: tenant.members.ADMIN.token });
    expect(admin.connections.edges.map((e) => e.node.id)).toContain(gid);
  });

  it("another tenant cannot see, test or revoke a connection", async () => {
    const [conn] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Connection" WHERE "tenantId" = $1 AND "status" = 'ACTIVE' LIMIT 1`, [tenant.tenantId]);
    const gid = encodeGlobalID("Connection", conn!.id);
    const owner = other.members.OWNER.token;
    expect((await executeOk(t.graphqlUrl, List, {}, { token: owner })).connections.edges).toEqual([]);
    expect((await execute(t.graphqlUrl, NodeOf, { id: gid }, { token: owner })).data?.node ?? null).toBeNull();
    const test = await executeOk(t.graphqlUrl, Test, { input: { connectionId: gid } }, { token: owner });
    expect(test.connectionTest.userErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    const revoke = await executeOk(t.graphqlUrl, Revoke, { input: { connectionId: gid } }, { token: owner });
    expect(revoke.connectionRevoke.userErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    expect(await sql(t.db, `SELECT "status" FROM "Connection" WHERE "id" = $1`, [conn!.id])).toEqual([{ status: "ACTIVE" }]);
  });

  it("role matrix: connections for every role; connectionStart/Test/Revoke for OPERATOR and up, not ANALYST", async () => {
    const expected = { OWNER: true, ADMIN: true, MANAGER: true, OPERATOR: true, ANALYST: false } as const;
    for (const role of ALL_ROLES) {
      const token = tenant.members[role].token;
      const list = await execute(t.graphqlUrl, List, {}, { token });
      expect(list.errors, role).toBeUndefined();
      const start = await execute(t.graphqlUrl, Start, { input: { provider: "GOOGLE" } }, { token });
      const test = await execute(t.graphqlUrl, Test, { input: { connectionId: encodeGlobalID("Connection", randomUUID()) } }, { token });
      const revoke = await execute(t.graphqlUrl, Revoke, { input: { connectionId: encodeGlobalID("Connection", randomUUID()) } }, { token });
      for (const [name, r] of [["start", start], ["test", test], ["revoke", revoke]] as const) {
        if (expected[role]) expect(r.errors, `${role} ${name}`).toBeUndefined();
        else expect(r.errors?.[0]?.extensions?.code, `${role} ${name}`).toBe("FORBIDDEN");
      }
      if (expected[role]) expect((start.data as { connectionStart: { authorizationUrl: string | null } }).connectionStart.authorizationUrl).toContain(google.url);
    }
  });
});
