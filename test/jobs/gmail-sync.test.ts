// Gmail sync against the wire-level fake Google (real OAuth flow, real
// @googleapis/gmail with rootUrl): the first sync imports the window and
// stores the history id; incremental sync reads only what changed (a reply
// joins its thread); expired history → a full resync without duplicates; the
// same message twice (two Gmail ids, two mailboxes, two syncs at once) is
// ingested once, by unique constraints; sent mail is not inbound; failures
// show on the connection; the poll and gmailSyncNow queue real pg-boss jobs;
// roles and tenants.
import { randomUUID } from "node:crypto";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../src/data/database.js";
import { enqueueAllGmailSyncs, syncMailbox } from "../../src/orchestration/connection/gmail-sync.js";
import { revokeConnection, withConnectors } from "../../src/orchestration/connection/connection.js";
import { ALL_ROLES, createTenant, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute } from "../helpers/graphql.js";
import { sql, userActor, waitFor } from "../helpers/operator.js";
import type { FakeGoogle } from "../fakes/google/server.js";
import { connectGoogle, gmailRaw, gmailSyncJobs, inboundCount, startGmailTestApp } from "../helpers/google.js";

const SYNC_NOW = `mutation GmailSyncNow($input: GmailSyncNowInput!) {
  gmailSyncNow(input: $input) { queued connection { id lastSyncAt gmailSync { mode lastImported incremental lastError } } userErrors { code field message } }
}`;
const CONNECTION = `query GmailSyncConn($id: ID!) { node(id: $id) { ... on Connection { lastSyncAt lastError gmailSync { mode lastImported incremental running lastError } } } }`;

let t: TestApp;
let google: FakeGoogle;
let close: () => Promise<void>;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  ({ t, google, close } = await startGmailTestApp({ CONNECTOR_MAX_RETRIES: "1", GMAIL_SYNC_INITIAL_DAYS: "7" }));
  tenant = await createTenant(t, "gsync");
  other = await createTenant(t, "gsync-other");
}, 60_000);

afterAll(async () => {
  await close?.();
});

/** Connects `email` as this member of the tenant (the fake's consent), returns the connection id. */
function connect(role: "OPERATOR" | "MANAGER" | "ADMIN", email: string, scopes = ["gmail.readonly", "gmail.send"], shared = false): Promise<string> {
  return connectGoogle(t, google, { tenant, role }, email, { scopes, shared });
}

describe("Gmail sync of a connected mailbox", () => {
  const SDR = "sync-sdr@seller.example";
  let connectionId: string;
  let firstMessageId: string;

  it("first sync: the last N days of received mail through the ingest path, sent mail recorded but not inbound, history id stored", async () => {
    connectionId = await connect("OPERATOR", SDR);
    const now = Date.now();
    firstMessageId = `<first-${randomUUID()}@customer.example>`;
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: "Ada Buyer <ada@customer.example>", to: SDR, subject: "Pilot pricing", messageId: firstMessageId }), internalDate: now - 3 * 86_400_000 });
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: "bob@customer.example", to: SDR, subject: "Demo next week?" }), internalDate: now - 86_400_000 });
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: "carol@other.example", to: SDR, subject: "Integration question" }), internalDate: now - 3_600_000 });
    // Outside the 7-day window: not imported.
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: "old@customer.example", to: SDR, subject: "Old thread" }), internalDate: now - 20 * 86_400_000 });
    // Sent by the mailbox itself.
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: SDR, to: "ada@customer.example", subject: "Re: Pilot pricing", body: "Hi Ada, here you go." }), labelIds: ["SENT"], internalDate: now - 2 * 86_400_000 });
    // A draft: never imported.
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: SDR, to: "x@customer.example", subject: "unfinished" }), labelIds: ["DRAFT"], internalDate: now - 1000 });

    const result = await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId });
    expect(result).toMatchObject({ skipped: null, mode: "FULL", imported: 3, sent: 1, duplicates: 0, skippedMessages: 0, historyId: String(google.gmail.mailbox(SDR).historyId) });

    expect(await inboundCount(t, tenant.tenantId, SDR)).toBe(3);
    const subjects = await sql<{ subject: string; fromEmail: string }>(t.db, `SELECT "subject", "fromEmail" FROM "InboundMessage" WHERE "tenantId" = $1 ORDER BY "subject"`, [tenant.tenantId]);
    expect(subjects.map((s) => s.subject)).toEqual(["Demo next week?", "Integration question", "Pilot pricing"]);
    // The messageIngest path: a lead per new person, an EMAIL_RECEIVED activity, the analysis agent queued, the event.
    const leads = await sql<{ email: string }>(t.db, `SELECT c."email" FROM "Lead" l JOIN "Contact" c ON c."id" = l."contactId" WHERE l."tenantId" = $1 ORDER BY 1`, [tenant.tenantId]);
    expect(leads.map((l) => l.email)).toEqual(["ada@customer.example", "bob@customer.example", "carol@other.example"]);
    const runs = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "AgentRun" WHERE "tenantId" = $1 AND "agent" = 'inbound-analysis'`, [tenant.tenantId]);
    expect(runs[0]!.n).toBe(3);
    const kinds = await sql<{ kind: string; n: number }>(t.db, `SELECT "kind"::text, count(*)::int AS n FROM "GmailMessage" WHERE "connectionId" = $1 GROUP BY 1 ORDER BY 1`, [connectionId]);
    expect(kinds).toEqual([{ kind: "INBOUND", n: 3 }, { kind: "SENT", n: 1 }]);
    const state = await sql<{ historyId: string; lastMode: string; leaseUntil: Date | null }>(t.db, `SELECT "historyId", "lastMode", "leaseUntil" FROM "GmailSyncState" WHERE "connectionId" = $1`, [connectionId]);
    expect(state[0]).toEqual({ historyId: result.historyId, lastMode: "FULL", leaseUntil: null });
    const conn = await sql<{ lastSyncAt: Date | null }>(t.db, `SELECT "lastSyncAt" FROM "Connection" WHERE "id" = $1`, [connectionId]);
    expect(conn[0]!.lastSyncAt).not.toBeNull();
    const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.connection.synced'`, [tenant.tenantId]);
    expect(events).toHaveLength(1);
  });

  it("incremental: only what changed since the stored history id; a reply joins its thread", async () => {
    const listsBefore = google.requests[`GET /gmail/v1/users/me/messages`] ?? 0;
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: "ada@customer.example", to: SDR, subject: "Re: Pilot pricing", body: "Thanks! Can we start in March?", inReplyTo: firstMessageId }) });
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: "dan@newco.example", to: SDR, subject: "Hello from Newco" }) });
    const result = await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId });
    expect(result).toMatchObject({ mode: "INCREMENTAL", imported: 2, sent: 0, duplicates: 0, historyId: String(google.gmail.mailbox(SDR).historyId) });
    // No listing: the history API only.
    expect(google.requests[`GET /gmail/v1/users/me/messages`] ?? 0).toBe(listsBefore);
    expect(await inboundCount(t, tenant.tenantId, SDR)).toBe(5);
    const thread = await sql<{ messageId: string; threadId: string | null }>(
      t.db,
      `SELECT "messageId", "threadId" FROM "InboundMessage" WHERE "tenantId" = $1 AND ("messageId" = $2 OR "inReplyTo" = $2)`,
      [tenant.tenantId, firstMessageId],
    );
    expect(thread).toHaveLength(2);
    expect(thread[0]!.threadId).not.toBeNull();
    expect(thread[0]!.threadId).toBe(thread[1]!.threadId);

    // Nothing new: nothing imported, no audit entry or event for an empty incremental sync.
    const again = await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId });
    expect(again).toMatchObject({ mode: "INCREMENTAL", imported: 0, seen: 0 });
  });

  it("history too old (Google's 404): a full resync of the window, without duplicates", async () => {
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: "erin@customer.example", to: SDR, subject: "Arrived while history expired" }) });
    google.gmail.expireHistory(SDR);
    const result = await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId });
    // Everything in the window was seen again; only the new one went through ingest.
    expect(result).toMatchObject({ mode: "RESYNC", imported: 1, sent: 0, skippedMessages: 0 });
    expect(result.duplicates).toBe(6); // 5 inbound + 1 sent already handled
    expect(await inboundCount(t, tenant.tenantId, SDR)).toBe(6);
    const dup = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM (SELECT "messageId" FROM "InboundMessage" WHERE "tenantId" = $1 GROUP BY 1 HAVING count(*) > 1) d`, [tenant.tenantId]);
    expect(dup[0]!.n).toBe(0);
    const state = await sql<{ historyId: string; lastMode: string }>(t.db, `SELECT "historyId", "lastMode" FROM "GmailSyncState" WHERE "connectionId" = $1`, [connectionId]);
    expect(state[0]).toEqual({ historyId: String(google.gmail.mailbox(SDR).historyId), lastMode: "RESYNC" });
    // And incremental again from there.
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: "erin@customer.example", to: SDR, subject: "One more" }) });
    expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId })).toMatchObject({ mode: "INCREMENTAL", imported: 1 });
  });

  it("the same message twice — two Gmail ids, a second mailbox of the tenant, two syncs at once — is ingested once", async () => {
    const shared = "sales-team@seller.example";
    const sharedId = await connect("ADMIN", shared, ["gmail.readonly"], true);
    const msgid = `<twice-${randomUUID()}@customer.example>`;
    const raw = gmailRaw({ from: "frank@customer.example", to: `${SDR}, ${shared}`, subject: "To both of you", messageId: msgid });
    google.gmail.deliver(SDR, { raw });
    google.gmail.deliver(SDR, { raw }); // Gmail keeps a second copy (e.g. re-imported)
    google.gmail.deliver(shared, { raw });

    const [a, b] = await Promise.all([
      syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId }),
      syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId }),
    ]);
    // One of them holds the mailbox; the other steps aside.
    expect([a.skipped, b.skipped].sort()).toEqual(["BUSY", null].sort());
    const ran = a.skipped ? b : a;
    expect(ran).toMatchObject({ imported: 1, duplicates: 1 });
    const sharedResult = await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId: sharedId });
    expect(sharedResult).toMatchObject({ mode: "FULL", imported: 0, duplicates: 1 });

    const rows = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "InboundMessage" WHERE "tenantId" = $1 AND "messageId" = $2`, [tenant.tenantId, msgid]);
    expect(rows[0]!.n).toBe(1);
    const runs = await sql<{ n: number }>(
      t.db,
      `SELECT count(*)::int AS n FROM "AgentRun" r JOIN "InboundMessage" m ON m."id"::text = r."input"->>'inboundMessageId' WHERE m."messageId" = $1`,
      [msgid],
    );
    expect(runs[0]!.n).toBe(1);
    // The guarantees are constraints, not only checks: a second row for the same Gmail id or Message-ID is refused.
    const existing = await sql<{ gmailMessageId: string; rfcMessageId: string }>(t.db, `SELECT "gmailMessageId", "rfcMessageId" FROM "GmailMessage" WHERE "connectionId" = $1 AND "rfcMessageId" = $2`, [connectionId, msgid]);
    expect(existing).toHaveLength(1);
    await expect(
      sql(t.db, `INSERT INTO "GmailMessage" ("id", "tenantId", "connectionId", "gmailMessageId", "rfcMessageId", "kind") VALUES ($1, $2, $3, $4, $5, 'INBOUND')`, [randomUUID(), tenant.tenantId, connectionId, existing[0]!.gmailMessageId, "<other@x>"]),
    ).rejects.toThrow(/unique/i);
    await expect(
      sql(t.db, `INSERT INTO "GmailMessage" ("id", "tenantId", "connectionId", "gmailMessageId", "rfcMessageId", "kind") VALUES ($1, $2, $3, $4, $5, 'INBOUND')`, [randomUUID(), tenant.tenantId, connectionId, "other-gmail-id", msgid]),
    ).rejects.toThrow(/unique/i);
  });

  it("a failing Gmail shows on the connection (lastError, gmailSync.lastError) and the next sync clears the sync error", async () => {
    // Both attempts (CONNECTOR_MAX_RETRIES=1) of the history call fail.
    google.failNext({ status: 500, times: 2, path: /\/history$/ });
    await expect(syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId })).rejects.toThrow();
    const r = await execute<{ node: { lastError: string | null; gmailSync: { lastError: string | null; running: boolean } } }, unknown>(
      t.graphqlUrl,
      CONNECTION,
      { id: encodeGlobalID("Connection", connectionId) },
      { token: tenant.members.OPERATOR.token },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.node.lastError).toMatch(/Gmail sync failed: The provider is unavailable \(.*HTTP 500\)/);
    expect(r.data!.node.gmailSync).toMatchObject({ running: false, lastError: expect.stringContaining("HTTP 500") });
    const failed = await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.connection.sync_failed'`, [tenant.tenantId]);
    expect(failed).toHaveLength(1);
    expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId })).toMatchObject({ mode: "INCREMENTAL" });
    const state = await sql<{ lastError: string | null }>(t.db, `SELECT "lastError" FROM "GmailSyncState" WHERE "connectionId" = $1`, [connectionId]);
    expect(state[0]!.lastError).toBeNull();
  });

  it("gmailSyncNow queues a job that the worker runs; the poll queues one per ACTIVE mailbox that may read mail", async () => {
    google.gmail.deliver(SDR, { raw: gmailRaw({ from: "gina@customer.example", to: SDR, subject: "Via the job" }) });
    const before = await inboundCount(t, tenant.tenantId, SDR);
    const r = await execute<{ gmailSyncNow: { queued: boolean | null; userErrors: { code: string }[] } }, unknown>(
      t.graphqlUrl,
      SYNC_NOW,
      { input: { connectionId: encodeGlobalID("Connection", connectionId) } },
      { token: tenant.members.OPERATOR.token },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.gmailSyncNow).toMatchObject({ queued: true, userErrors: [] });
    await waitFor(async () => (await inboundCount(t, tenant.tenantId, SDR)) === before + 1, 30_000, "the job synced the mailbox");
    const audits = await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'connection.sync_requested'`, [tenant.tenantId]);
    expect(audits).toHaveLength(1);

    // A send-only connection and a revoked one are not polled.
    const sendOnly = await connect("MANAGER", "send-only@seller.example", ["gmail.send"]);
    const jobsBefore = await gmailSyncJobs(t, connectionId);
    const sendOnlyBefore = await gmailSyncJobs(t, sendOnly);
    const queued = await enqueueAllGmailSyncs(t.app.background);
    expect(queued).toBeGreaterThanOrEqual(2); // SDR and the shared mailbox
    expect(await gmailSyncJobs(t, connectionId)).toBe(jobsBefore + 1);
    expect(await gmailSyncJobs(t, sendOnly)).toBe(sendOnlyBefore);
    const refused = await execute<{ gmailSyncNow: { userErrors: { code: string }[] } }, unknown>(
      t.graphqlUrl,
      SYNC_NOW,
      { input: { connectionId: encodeGlobalID("Connection", sendOnly) } },
      { token: tenant.members.MANAGER.token },
    );
    expect(refused.data!.gmailSyncNow.userErrors.map((e) => e.code)).toEqual(["MISSING_SCOPE"]);
  });

  it("roles and tenants: only the connection's owner (or connection:manage) may sync it; another tenant never", async () => {
    const gid = encodeGlobalID("Connection", connectionId);
    const jobsBefore = await gmailSyncJobs(t, connectionId);
    const ask = (token: string) => execute<{ gmailSyncNow: { queued: boolean | null; userErrors: { code: string }[] } | null }, unknown>(t.graphqlUrl, SYNC_NOW, { input: { connectionId: gid } }, { token });
    // Another member's personal mailbox reads as not found to a MANAGER; ANALYST may not sync at all.
    expect((await ask(tenant.members.MANAGER.token)).data!.gmailSyncNow!.userErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    expect((await ask(tenant.members.ANALYST.token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // Another tenant: not found, whatever the role.
    for (const role of ALL_ROLES) {
      const r = await ask(other.members[role].token);
      if (role === "ANALYST") expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      else expect(r.data!.gmailSyncNow!.userErrors.map((e) => e.code), role).toEqual(["NOT_FOUND"]);
    }
    // A MANAGER may not sync the tenant's shared mailbox either; ADMIN and OWNER may sync any.
    const shared = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Connection" WHERE "accountEmail" = 'sales-team@seller.example'`);
    const sharedGid = encodeGlobalID("Connection", shared[0]!.id);
    const m = await execute<{ gmailSyncNow: { userErrors: { code: string }[] } }, unknown>(t.graphqlUrl, SYNC_NOW, { input: { connectionId: sharedGid } }, { token: tenant.members.MANAGER.token });
    expect(m.data!.gmailSyncNow.userErrors.map((e) => e.code)).toEqual(["FORBIDDEN"]);
    expect(await gmailSyncJobs(t, connectionId)).toBe(jobsBefore);
    for (const role of ["ADMIN", "OWNER"] as const) {
      const r = await ask(tenant.members[role].token);
      expect(r.data!.gmailSyncNow!.userErrors, role).toEqual([]);
    }
    // Row-level security: the other tenant's session sees none of this mailbox's sync rows.
    const seen = await withTenant(t.app.services.db.prisma, { tenantId: other.tenantId }, async (tx) => [await tx.gmailMessage.count({ where: { connectionId } }), await tx.gmailSyncState.count({ where: { connectionId } })]);
    expect(seen).toEqual([0, 0]);
    const own = await withTenant(t.app.services.db.prisma, { tenantId: tenant.tenantId }, (tx) => tx.gmailMessage.count({ where: { connectionId } }));
    expect(own).toBeGreaterThan(0);
  });

  it("revoked: the connection and its sync rows stay (its history); connected again, a new connection imports nothing twice", async () => {
    const BOX = "revoke-me@seller.example";
    const id = await connect("OPERATOR", BOX, ["gmail.readonly"]);
    google.gmail.seedMailbox(BOX, 2, { from: "buyer@customer.example" });
    expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId: id })).toMatchObject({ mode: "FULL", imported: 2 });
    const revoked = await revokeConnection(withConnectors(t.app.services), userActor(tenant, "OPERATOR"), { connectionId: id });
    expect(revoked.ok).toBe(true);
    const rows = (connectionId: string) =>
      sql<{ states: number; messages: number }>(t.db, `SELECT (SELECT count(*)::int FROM "GmailSyncState" WHERE "connectionId" = $1) AS states, (SELECT count(*)::int FROM "GmailMessage" WHERE "connectionId" = $1) AS messages`, [connectionId]);
    expect(await rows(id)).toEqual([{ states: 1, messages: 2 }]);
    // A revoked connection is not reused: connecting again makes a new one, whose first sync finds the mail already ingested.
    const again = await connect("OPERATOR", BOX, ["gmail.readonly"]);
    expect(again).not.toBe(id);
    expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId: again })).toMatchObject({ mode: "FULL", imported: 0, duplicates: 2 });
    expect(await inboundCount(t, tenant.tenantId, BOX)).toBe(2);
    expect(await rows(id)).toEqual([{ states: 1, messages: 2 }]);
  });

  it("the record of a Gmail copy references its inbound message: a deleted message clears the pointer, keeps the record, and a resync does not bring it back", async () => {
    const BOX = "fk-box@seller.example";
    const id = await connect("OPERATOR", BOX, ["gmail.readonly"]);
    const msgid = `<fk-${randomUUID()}@customer.example>`;
    google.gmail.deliver(BOX, { raw: gmailRaw({ from: "gone@customer.example", to: BOX, subject: "Please forget me", messageId: msgid }) });
    expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId: id })).toMatchObject({ mode: "FULL", imported: 1 });
    const [copy] = await sql<{ id: string; inboundMessageId: string }>(t.db, `SELECT "id", "inboundMessageId" FROM "GmailMessage" WHERE "connectionId" = $1 AND "rfcMessageId" = $2`, [id, msgid]);
    expect(copy!.inboundMessageId).not.toBeNull();
    // A pointer at an inbound message that does not exist (or is another tenant's) is refused by the foreign key.
    const [foreign] = await sql<{ id: string }>(t.db, `INSERT INTO "InboundMessage" ("id", "tenantId", "messageId", "fromEmail", "subject", "text") VALUES (gen_random_uuid(), $1, $2, 'x@other.example', 'Other tenant', 'Theirs') RETURNING "id"`, [other.tenantId, `<${randomUUID()}@other.example>`]);
    for (const target of [randomUUID(), foreign!.id]) {
      await expect(sql(t.db, `UPDATE "GmailMessage" SET "inboundMessageId" = $1 WHERE "id" = $2`, [target, copy!.id])).rejects.toMatchObject({ code: "23503" });
    }
    // Deleting the inbound message (erasure does, after marking the copy SKIPPED) nulls the pointer only: the record stays in its tenant.
    await sql(t.db, `DELETE FROM "InboundMessage" WHERE "id" = $1`, [copy!.inboundMessageId]);
    expect(await sql(t.db, `SELECT "tenantId", "inboundMessageId", "kind"::text AS kind FROM "GmailMessage" WHERE "id" = $1`, [copy!.id])).toEqual([{ tenantId: tenant.tenantId, inboundMessageId: null, kind: "INBOUND" }]);
    google.gmail.deliver(BOX, { raw: gmailRaw({ from: "stays@customer.example", to: BOX, subject: "Still here" }) });
    google.gmail.expireHistory(BOX);
    expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId: id })).toMatchObject({ mode: "RESYNC", imported: 1, duplicates: 1 });
    expect(await sql(t.db, `SELECT "subject" FROM "InboundMessage" WHERE "tenantId" = $1 AND "mailbox" = $2`, [tenant.tenantId, BOX])).toEqual([{ subject: "Still here" }]);
  });
});
