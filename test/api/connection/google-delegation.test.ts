// Google domain-wide delegation over real HTTP: an OWNER uploads a service
// account's JSON key and names Workspace users; google-auth-library's JWT
// client signs the jwt-bearer assertion, the fake token endpoint checks it as
// Google does (RS256 signature with the key's public half, iss, sub, aud,
// scope, exp; the client id's authorised scopes and the Workspace's users).
// Gmail sync and send and Calendar free/busy then work through the delegated
// connections; connectionTest explains refusals (unauthorized_client …) and
// resumes the connection once the admin fixed the delegation. The key never
// reaches GraphQL, the database in clear, the audit, the outbox or the logs.
// Roles and tenants.
import { randomBytes, randomUUID } from "node:crypto";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionMailbox, syncMailbox } from "../../../src/orchestration/connection/gmail-sync.js";
import { createTenant, startTestApp, startLoggedApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, sql } from "../../helpers/operator.js";
import { GOOGLE_TOKEN_AUDIENCE, type FakeServiceAccountKeyFile } from "../../fakes/google/oauth.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";

const DELEGATE = `mutation Delegate($input: ConnectionCreateGoogleDelegationInput!) {
  connectionCreateGoogleDelegation(input: $input) {
    clientId
    connections { id accountEmail authMethod shared status scopes user { id } connectedBy { id } }
    userErrors { code field message }
  }
}`;
const TEST = `mutation DelegatedTest($input: ConnectionTestInput!) { connectionTest(input: $input) { ok message connection { id status lastError } userErrors { code field message } } }`;
const REVOKE = `mutation DelegatedRevoke($input: ConnectionRevokeInput!) { connectionRevoke(input: $input) { providerRevoked connection { status } userErrors { code } } }`;
const LIST = `query DelegatedList { connections(first: 50) { edges { node { id accountEmail authMethod status } } } }`;
const SLOTS = `query DelegatedSlots($contactId: ID!) { meetingSlots(contactId: $contactId, durationMinutes: 30) { slots { start end } userErrors { code message } } }`;

const SCOPES = [
  "https://www.googleapis.com/auth/gmail.readonly",
  "https://www.googleapis.com/auth/gmail.send",
  "https://www.googleapis.com/auth/calendar.freebusy",
  "https://www.googleapis.com/auth/calendar.events",
  "https://www.googleapis.com/auth/drive.readonly",
];

type DelegateResult = {
  connectionCreateGoogleDelegation: {
    clientId: string | null;
    connections: { id: string; accountEmail: string; authMethod: string; shared: boolean; status: string; scopes: string[]; user: { id: string } | null; connectedBy: { id: string } | null }[] | null;
    userErrors: { code: string; field: string[]; message: string }[];
  };
};
type TestResult = { connectionTest: { ok: boolean | null; message: string | null; connection: { id: string; status: string; lastError: string | null } | null; userErrors: { code: string }[] } };

let t: TestApp;
let google: FakeGoogle;
let tenant: TestTenant;
let other: TestTenant;
let key: FakeServiceAccountKeyFile;
const KEYS = `k1:${randomBytes(32).toString("base64")}`;
let rep: string;
let shared: string;

function env(): Record<string, string> {
  return {
    GOOGLE_OAUTH_BASE_URL: google.url,
    GOOGLE_API_ROOT_URL: google.rootUrl,
    CREDENTIALS_KEYS: KEYS,
    CONNECTOR_RETRY_BASE_MS: "5",
    CONNECTOR_MAX_RETRIES: "1",
    GMAIL_SYNC_INITIAL_DAYS: "7",
    AGENT_WORKERS: "0",
  };
}

beforeAll(async () => {
  // No OAuth client at all: delegation needs none.
  google = await startFakeGoogle();
  t = await startTestApp({ env: env() });
  tenant = await createTenant(t, "gdwd");
  other = await createTenant(t, "gdwd-other");
  key = google.oauth.createServiceAccountKey();
  google.oauth.authorizeDelegation(key.client_id, SCOPES);
  rep = tenant.members.OPERATOR.email;
  shared = `sales@${tenant.slug}.example`;
  for (const user of [rep, shared]) google.oauth.workspaceUsers.add(user);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await google?.close();
});

function delegate(token: string, input: { serviceAccountKey?: string; subjects: string[]; scopes?: string[] }) {
  return execute<DelegateResult, unknown>(t.graphqlUrl, DELEGATE, { input: { serviceAccountKey: JSON.stringify(key), ...input } }, { token });
}

function connectionTest(token: string, id: string) {
  return execute<TestResult, unknown>(t.graphqlUrl, TEST, { input: { connectionId: encodeGlobalID("Connection", id) } }, { token });
}

/** Pieces of the key that must never appear anywhere outside the vault's envelope. */
function keyFragments(k: FakeServiceAccountKeyFile): string[] {
  const body = k.private_key.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  return [body.slice(0, 40), body.slice(400, 440), body.slice(-60, -20), k.private_key_id];
}

const ids: Record<string, string> = {};
const rawId = (gid: string) => Buffer.from(gid, "base64").toString("utf8").split(":").slice(1).join(":");

describe("connecting Workspace mailboxes by domain-wide delegation", () => {
  it("an OWNER uploads the key for a member and a shared mailbox: one ACTIVE connection each, after Google minted a token for each", async () => {
    const owner = tenant.members.OWNER;
    const res = await delegate(owner.token, { subjects: [rep.toUpperCase(), shared, rep] });
    expect(res.errors).toBeUndefined();
    const payload = res.data!.connectionCreateGoogleDelegation;
    expect(payload.userErrors).toEqual([]);
    expect(payload.clientId).toBe(key.client_id);
    const byEmail = Object.fromEntries(payload.connections!.map((c) => [c.accountEmail, c]));
    expect(Object.keys(byEmail).sort()).toEqual([rep, shared].sort());
    expect(byEmail[rep]).toMatchObject({ authMethod: "SERVICE_ACCOUNT", shared: false, status: "ACTIVE", user: { id: encodeGlobalID("User", tenant.members.OPERATOR.userId) }, connectedBy: { id: encodeGlobalID("User", owner.userId) } });
    expect(byEmail[shared]).toMatchObject({ authMethod: "SERVICE_ACCOUNT", shared: true, status: "ACTIVE", user: null });
    expect(byEmail[rep]!.scopes.sort()).toEqual([...SCOPES].sort());
    ids.rep = rawId(byEmail[rep]!.id);
    ids.shared = rawId(byEmail[shared]!.id);

    // The assertion the library signed: what Google itself checks.
    const claims = google.oauth.assertions.last!;
    expect(claims).toMatchObject({ iss: key.client_email, aud: GOOGLE_TOKEN_AUDIENCE });
    expect([rep, shared]).toContain(claims.sub);
    expect(String(claims.scope).split(" ").sort()).toEqual([...SCOPES].sort());
    expect(Number(claims.exp) - Number(claims.iat)).toBeLessThanOrEqual(3600);

    // Nothing of the key in the answer; audited and evented without it.
    const text = JSON.stringify(res);
    for (const fragment of keyFragments(key)) expect(text).not.toContain(fragment);
    const audit = await sql<{ action: string; summary: Record<string, unknown> }>(t.db, `SELECT "action", "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" LIKE 'connection.%' ORDER BY "createdAt", "id"`, [tenant.tenantId]);
    expect(audit.map((a) => a.action)).toEqual(["connection.connected", "connection.connected"]);
    expect(audit[0]!.summary).toMatchObject({ method: "service_account", clientId: key.client_id });
    const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" LIKE 'sales.connection.%'`, [tenant.tenantId]);
    expect(events.map((e) => e.type)).toEqual(["sales.connection.connected", "sales.connection.connected"]);
  });

  it("a dump of the tables shows no key material and no access token: the key is sealed in the vault", async () => {
    const dump = await sql<{ row: string }>(
      t.db,
      `SELECT row_to_json(x)::text AS row FROM (
         SELECT "ciphertext" AS v FROM "ConnectionCredential" WHERE "tenantId" = $1
         UNION ALL SELECT "summary"::text FROM "AuditEntry" WHERE "tenantId" = $1
         UNION ALL SELECT "payload"::text FROM "OutboxEvent" WHERE "tenantId" = $1
         UNION ALL SELECT row_to_json(c)::text FROM "Connection" c WHERE "tenantId" = $1) x`,
      [tenant.tenantId],
    );
    expect(dump.length).toBeGreaterThan(4);
    const all = dump.map((d) => d.row).join("\n");
    for (const fragment of [...keyFragments(key), ...google.oauth.issuedTokens]) expect(all).not.toContain(fragment);
    const credentials = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "ConnectionCredential" WHERE "connectionId" IN ($1, $2)`, [ids.rep, ids.shared]);
    expect(credentials[0]!.n).toBe(2);
  });

  it("Gmail sync and send run through the delegated connection (one token minted, then reused from the vault)", async () => {
    const now = Date.now();
    const messageId = `<dwd-${randomUUID()}@prospect.example>`;
    google.gmail.deliver(rep, {
      raw: [`From: Ada Buyer <ada@prospect.example>`, `To: ${rep}`, `Subject: Pilot`, `Date: ${new Date(now - 3600_000).toUTCString()}`, `Message-ID: ${messageId}`, "", "Could we talk next week?", ""].join("\r\n"),
      internalDate: now - 3600_000,
    });
    const minted = google.oauth.assertions.count;
    const result = await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId: ids.rep! });
    expect(result).toMatchObject({ mode: "FULL", imported: 1 });
    const inbound = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "InboundMessage" WHERE "tenantId" = $1 AND "mailbox" = $2`, [tenant.tenantId, rep]);
    expect(inbound[0]!.n).toBe(1);

    const mailbox = connectionMailbox(t.app.background as never, { id: ids.rep!, tenantId: tenant.tenantId });
    const outgoing = `<out-${randomUUID()}@${tenant.slug}.example>`;
    const sent = await mailbox.send({ raw: [`From: ${rep}`, `To: ada@prospect.example`, `Subject: Re: Pilot`, `Message-ID: ${outgoing}`, `In-Reply-To: ${messageId}`, "", "Tuesday works.", ""].join("\r\n") });
    expect(sent.labelIds).toContain("SENT");
    expect(google.gmail.sendCount(rep)).toBe(1);
    expect(await mailbox.findSentByMessageId(outgoing)).toMatchObject({ id: sent.id });
    // The first token of the upload is still valid: nothing was minted for the sync and the send.
    expect(google.oauth.assertions.count).toBe(minted);
  });

  it("an expired delegated token is replaced by a newly minted one (no refresh token exists)", async () => {
    google.oauth.expireAccessTokens();
    const minted = google.oauth.assertions.count;
    const mailbox = connectionMailbox(t.app.background as never, { id: ids.rep!, tenantId: tenant.tenantId });
    // Google refuses the old token (401): callWithConnection asks for another, minted with the key.
    expect((await mailbox.profile()).emailAddress).toBe(rep);
    expect(google.oauth.assertions.count).toBe(minted + 1);
    expect(google.oauth.assertions.last!.sub).toBe(rep);
  });

  it("Calendar: the member's meeting slots come from their delegated calendar", async () => {
    const contactId = await insertContact(t.db, tenant.tenantId, { email: `cto-${randomUUID().slice(0, 8)}@prospect.example` });
    const before = google.calendar.queries.length;
    google.calendar.seedBusyCalendar(rep, { from: new Date(Date.now() - 86_400_000), days: 20, busyRanges: [{ startHourUtc: 8, endHourUtc: 10 }] });
    const r = await execute<{ meetingSlots: { slots: { start: string }[]; userErrors: { code: string }[] } }, unknown>(t.graphqlUrl, SLOTS, { contactId: encodeGlobalID("Contact", contactId) }, { token: tenant.members.OPERATOR.token });
    expect(r.errors).toBeUndefined();
    expect(r.data!.meetingSlots.userErrors).toEqual([]);
    expect(r.data!.meetingSlots.slots.length).toBeGreaterThan(0);
    expect(google.calendar.queries.length).toBe(before + 1);
  });
});

describe("refusals, explained", () => {
  it("connectionTest mints afresh: a client id no longer authorised for the scopes → NEEDS_REAUTH with the admin's fix; authorised again → ACTIVE", async () => {
    google.oauth.authorizeDelegation(key.client_id, [SCOPES[0]!]);
    const owner = tenant.members.OWNER;
    const refused = (await connectionTest(owner.token, ids.shared!)).data!.connectionTest;
    expect(refused.ok).toBe(false);
    expect(refused.connection!.status).toBe("NEEDS_REAUTH");
    expect(refused.message).toContain("unauthorized_client");
    expect(refused.message).toContain(`client ID ${key.client_id}`);
    expect(refused.message).toContain("Domain-wide delegation");
    expect(refused.message).toContain("https://www.googleapis.com/auth/gmail.send");
    expect(refused.connection!.lastError).toBe(refused.message);
    const needsReauth = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.connection.needs_reauth'`, [tenant.tenantId]);
    expect(needsReauth).toHaveLength(1);

    google.oauth.authorizeDelegation(key.client_id, SCOPES);
    const resumed = (await connectionTest(owner.token, ids.shared!)).data!.connectionTest;
    expect(resumed).toMatchObject({ ok: true, message: null, connection: { status: "ACTIVE", lastError: null } });
  });

  it("an unknown Workspace user, a deleted key and scopes never authorised are refused at upload, with nothing stored", async () => {
    const owner = tenant.members.OWNER;
    const before = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "Connection" WHERE "tenantId" = $1`, [tenant.tenantId]);

    const unknown = (await delegate(owner.token, { subjects: [shared, `ghost@${tenant.slug}.example`] })).data!.connectionCreateGoogleDelegation;
    expect(unknown.userErrors).toEqual([{ code: "DELEGATION_REFUSED", field: ["input", "subjects", "1"], message: expect.stringContaining(`does not know the Workspace user ghost@${tenant.slug}.example`) }]);

    const scoped = (await delegate(owner.token, { subjects: [shared], scopes: ["drive.metadata.readonly"] })).data!.connectionCreateGoogleDelegation;
    expect(scoped.userErrors[0]).toMatchObject({ code: "DELEGATION_REFUSED", message: expect.stringContaining("unauthorized_client") });

    const oldKey = google.oauth.createServiceAccountKey();
    google.oauth.deleteServiceAccountKey(oldKey.private_key_id);
    const deleted = (await execute<DelegateResult, unknown>(t.graphqlUrl, DELEGATE, { input: { serviceAccountKey: JSON.stringify(oldKey), subjects: [shared] } }, { token: owner.token })).data!
      .connectionCreateGoogleDelegation;
    expect(deleted.userErrors[0]).toMatchObject({ code: "DELEGATION_REFUSED", message: expect.stringContaining("refused the service-account key") });

    const after = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "Connection" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it("a key file that is not one is refused without echoing it", async () => {
    const owner = tenant.members.OWNER;
    const cases: [string, string][] = [
      ["not json -----BEGIN PRIVATE KEY-----abc", "not JSON"],
      [JSON.stringify({ ...key, type: "authorized_user" }), "not a service-account key file"],
      [JSON.stringify({ ...key, private_key: "-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----\n" }), "not a readable private key"],
    ];
    for (const [serviceAccountKey, message] of cases) {
      const r = await delegate(owner.token, { serviceAccountKey, subjects: [shared] });
      const errors = r.data!.connectionCreateGoogleDelegation.userErrors;
      expect(errors).toEqual([{ code: "VALIDATION_FAILED", field: ["input", "serviceAccountKey"], message: expect.stringContaining(message) }]);
      expect(JSON.stringify(r)).not.toContain("abc");
      expect(JSON.stringify(r)).not.toContain("not-a-key");
    }
  });
});

describe("roles and tenants", () => {
  it("only OWNER and ADMIN may upload a key", async () => {
    for (const role of ["MANAGER", "OPERATOR", "ANALYST"] as const) {
      const r = await delegate(tenant.members[role].token, { subjects: [shared] });
      expect(r.data?.connectionCreateGoogleDelegation ?? null, role).toBeNull();
      expect(r.errors?.[0]?.extensions?.code, role).toBe("FORBIDDEN");
    }
    const admin = await delegate(tenant.members.ADMIN.token, { subjects: [shared] });
    expect(admin.data!.connectionCreateGoogleDelegation.userErrors).toEqual([]);
    // The same mailbox again: the key is replaced on the same connection.
    expect(rawId(admin.data!.connectionCreateGoogleDelegation.connections![0]!.id)).toBe(ids.shared);
  });

  it("another tenant neither sees nor tests nor revokes these connections; its own delegation for the same user is its own connection", async () => {
    const stranger = other.members.OWNER;
    const list = await execute<{ connections: { edges: { node: { accountEmail: string } }[] } }, unknown>(t.graphqlUrl, LIST, {}, { token: stranger.token });
    expect(list.data!.connections.edges).toEqual([]);
    const test = await connectionTest(stranger.token, ids.shared!);
    expect(test.data!.connectionTest.userErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    const revoke = await execute<{ connectionRevoke: { userErrors: { code: string }[] } }, unknown>(t.graphqlUrl, REVOKE, { input: { connectionId: encodeGlobalID("Connection", ids.shared!) } }, { token: stranger.token });
    expect(revoke.data!.connectionRevoke.userErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);

    const own = (await delegate(stranger.token, { subjects: [shared] })).data!.connectionCreateGoogleDelegation;
    expect(own.userErrors).toEqual([]);
    expect(rawId(own.connections![0]!.id)).not.toBe(ids.shared);
    const mine = await sql<{ status: string }>(t.db, `SELECT "status" FROM "Connection" WHERE "id" = $1`, [ids.shared]);
    expect(mine[0]!.status).toBe("ACTIVE");
  });

  it("revoking a delegated connection erases its key (nothing to revoke at Google)", async () => {
    const r = await execute<{ connectionRevoke: { providerRevoked: boolean; connection: { status: string }; userErrors: unknown[] } }, unknown>(
      t.graphqlUrl,
      REVOKE,
      { input: { connectionId: encodeGlobalID("Connection", ids.shared!) } },
      { token: tenant.members.OWNER.token },
    );
    expect(r.data!.connectionRevoke).toMatchObject({ providerRevoked: false, connection: { status: "REVOKED" }, userErrors: [] });
    const left = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "ConnectionCredential" WHERE "connectionId" = $1`, [ids.shared]);
    expect(left[0]!.n).toBe(0);
    expect(google.oauth.calls.revoke ?? 0).toBe(0);
  });
});

describe("logs", () => {
  it("no key material reaches the log, on success or refusal, even at debug level", async () => {
    const logged = await startLoggedApp(t, env());
    try {
      const url = logged.graphqlUrl;
      const owner = { token: await logged.tokenFor(tenant.members.OWNER, tenant.tenantId) };
      const ok = await execute<DelegateResult, unknown>(url, DELEGATE, { input: { serviceAccountKey: JSON.stringify(key), subjects: [rep] } }, { token: owner.token });
      expect(ok.data!.connectionCreateGoogleDelegation.userErrors).toEqual([]);
      await execute<DelegateResult, unknown>(url, DELEGATE, { input: { serviceAccountKey: JSON.stringify(key), subjects: [`ghost@${tenant.slug}.example`] } }, { token: owner.token });
      await execute<DelegateResult, unknown>(url, DELEGATE, { input: { serviceAccountKey: `${JSON.stringify(key)}}`, subjects: [rep] } }, { token: owner.token });
    } finally {
      await logged.stop();
    }
    expect(logged.lines.length).toBeGreaterThan(0);
    const log = logged.lines.join("\n");
    for (const fragment of keyFragments(key)) expect(log).not.toContain(fragment);
    expect(log).not.toContain("PRIVATE KEY");
  });
});
