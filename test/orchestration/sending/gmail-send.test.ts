// Gmail sending through the whole send pipeline (claim → transport → record),
// against the wire-level fake Google with the real SDK and connections made
// through the real OAuth flow:
// - a mailbox with an ACTIVE Google connection sends through Gmail, a reply
//   into the original thread (threadId, In-Reply-To, References checked on
//   the fake's received message); other mailboxes use the global transport;
// - crashes between Gmail accepting and our record (a lost answer, a worker
//   hung past its lease, a worker process SIGKILLed) → exactly one message on
//   the fake, because every later attempt asks Gmail (rfc822msgid:) first;
// - NEEDS_REAUTH / REVOKED → not sent anywhere, the draft FAILED with the reason, evented;
// - 429 with Retry-After and 5xx on send: the next attempt is scheduled, never a blind resend;
// - quotas exact with Gmail; a tenant never sends through another tenant's connection.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepSends } from "../../../src/jobs/draft-send.js";
import { TransportError, type EmailTransport } from "../../../src/integrations/email/transport.js";
import { withConnectors, revokeConnection } from "../../../src/orchestration/connection/connection.js";
import { deliverDraft } from "../../../src/orchestration/draft/draft-delivery.js";
import { approveDraft, createDraft, sendDraft } from "../../../src/orchestration/draft/draft.js";
import { gmailMailboxResolver } from "../../../src/orchestration/connection/gmail-mailbox.js";
import { gmailTransport } from "../../../src/orchestration/sending/mail-route.js";
import type { Services } from "../../../src/orchestration/services.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { headersOf, insertContact, patchSettings, sql, startOperatorApp, userActor, waitFor } from "../../helpers/operator.js";
import { connectGoogle, fakeGoogleEnv } from "../../helpers/google.js";

const SDR = "sdr@seller.example"; // the OPERATOR's own Gmail, connected
const SHARED = "sales@seller.example"; // not connected: the global transport (local outbox)
const REAUTH = "lapsed@seller.example"; // connected, later NEEDS_REAUTH
const REVOKED = "gone@seller.example"; // connected, later revoked
const BODY = "Hi there,\n\nThanks for your time last week. Would Thursday at 10:00 suit you for a short follow-up?\n\nBest,\nSam";
const KEYS = `k1:${randomBytes(32).toString("base64")}`;

let google: FakeGoogle;
let t: TestApp;
let tenant: TestTenant;
let counter = 0;

const SEND_PATH = "POST /gmail/v1/users/me/messages/send";
const sendRequests = () => google.requests[SEND_PATH] ?? 0;

/** Connects `email` as the member's own Google account through the real OAuth flow (consent at the fake, public callback). */
const connect = (app: TestApp, tn: TestTenant, role: "OPERATOR" | "ADMIN", email: string) =>
  connectGoogle(app, google, { tenant: tn, role }, email, { scopes: ["gmail.send", "gmail.readonly"] });

/** A draft, approved and queued through the real use cases. */
async function queuedDraft(app: TestApp, tn: TestTenant, mailbox: string, options: { inboundMessageId?: string; email?: string } = {}): Promise<string> {
  const services = app.app.services;
  const actor = userActor(tn, "OWNER");
  const email = options.email ?? `person${++counter}@company${counter}.example`;
  const contactId = await insertContact(app.db, tn.tenantId, { email });
  const created = await createDraft(services, actor, {
    recipient: { contactId },
    subject: "Following up on our call",
    bodyText: BODY,
    category: "ONE_TO_ONE",
    mailbox,
    ...(options.inboundMessageId ? { inboundMessageId: options.inboundMessageId } : {}),
  });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  const draftId = created.value.draftId;
  const approved = await approveDraft(services, actor, { draftId });
  if (!approved.ok) throw new Error(JSON.stringify(approved.errors));
  const sent = await sendDraft(services, actor, { draftId });
  if (!sent.ok) throw new Error(JSON.stringify(sent.errors));
  return draftId;
}

async function draftRow(id: string) {
  return (await sql<{ status: string; failureReason: string | null; lastError: string | null; providerMessageId: string | null; messageId: string | null; sendAttempts: number }>(
    t.db,
    `SELECT "status"::text AS status, "failureReason", "lastError", "providerMessageId", "messageId", "sendAttempts" FROM "Draft" WHERE "id" = $1`,
    [id],
  ))[0]!;
}

async function sendRecord(id: string) {
  return (await sql<{ state: string; transport: string; uncertain: boolean }>(t.db, `SELECT "state"::text AS state, "transport", "uncertainAt" IS NOT NULL AS uncertain FROM "EmailSend" WHERE "draftId" = $1`, [id]))[0] ?? null;
}

async function counts(id: string) {
  const [row] = await sql<{ outbox: number; activities: number; sentEvents: number }>(
    t.db,
    `SELECT (SELECT count(*)::int FROM "OutboxMessage" WHERE "draftId" = $1) AS outbox,
            (SELECT count(*)::int FROM "Activity" WHERE "metadata"->>'draftId' = $1::text) AS activities,
            (SELECT count(*)::int FROM "OutboxEvent" WHERE "type" = 'sales.draft.sent' AND "payload"->>'draftId' = $1::text) AS "sentEvents"`,
    [id],
  );
  return row!;
}

/** How many messages with this Message-ID the fake Gmail received through users.messages.send. */
const onFake = (messageId: string | null) => google.gmail.sent.filter((s) => s.messageId === messageId).length;

/** The services with the Gmail transport wrapped (a crash or a hang at a chosen point). */
function withGmail(wrap: (inner: EmailTransport) => EmailTransport): Services {
  const services = t.app.services;
  return { ...services, mail: { ...services.mail, gmail: wrap(gmailTransport(services)!) } };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function leaseLapsed(id: string): Promise<void> {
  await waitFor(
    async () => (await sql<{ lapsed: boolean }>(t.db, `SELECT "leaseExpiresAt" < clock_timestamp() AS lapsed FROM "Draft" WHERE "id" = $1`, [id]))[0]?.lapsed === true,
    15_000,
    `the SENDING lease of draft ${id} to lapse`,
  );
}

const GOOGLE_ENV = () => ({ ...fakeGoogleEnv(google, KEYS), CONNECTOR_RETRY_BASE_MS: "10" });

beforeAll(async () => {
  google = await startFakeGoogle();
  t = await startOperatorApp({ env: { ...GOOGLE_ENV(), SEND_LEASE_SECONDS: "1", SEND_MAX_ATTEMPTS: "4" } });
  tenant = await createTenant(t, "gmailsend");
  await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [SDR, SHARED, REAUTH, REVOKED] } });
  await connect(t, tenant, "OPERATOR", SDR);
  await connect(t, tenant, "OPERATOR", REAUTH);
  await connect(t, tenant, "ADMIN", REVOKED);
}, 120_000);

afterAll(async () => {
  await t?.close();
  await google?.close();
});

describe("choosing the transport per mailbox", () => {
  it("a reply from a connected mailbox goes through Gmail into the original thread with In-Reply-To and References", async () => {
    // The prospect's message, in the rep's Gmail and ingested into the service as the thread's latest.
    const inbound = google.gmail.deliver(SDR, {
      raw: "From: buyer@customer.example\r\nTo: sdr@seller.example\r\nSubject: Re: Pilot\r\nMessage-ID: <b-1@customer.example>\r\nReferences: <first@seller.example>\r\n\r\nWhen can we talk?\r\n",
    });
    const [ingested] = await sql<{ id: string }>(
      t.db,
      `INSERT INTO "InboundMessage" ("id", "tenantId", "messageId", "mailbox", "fromEmail", "to", "subject", "text", "inReplyTo", "references", "suppressed")
       VALUES (gen_random_uuid(), $1, '<b-1@customer.example>', $2, 'buyer@customer.example', ARRAY[$2], 'Re: Pilot', 'When can we talk?',
               '<first@seller.example>', ARRAY['<first@seller.example>'], ARRAY[]::text[]) RETURNING "id"`,
      [tenant.tenantId, SDR],
    );
    const id = await queuedDraft(t, tenant, SDR, { inboundMessageId: ingested!.id, email: "buyer@customer.example" });
    const before = sendRequests();
    const result = await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id });
    expect(result.outcome).toBe("sent");
    expect(sendRequests() - before).toBe(1);
    const row = await draftRow(id);
    const received = google.gmail.sent.at(-1)!;
    expect(row).toMatchObject({ status: "SENT", providerMessageId: `gmail:${received.id}` });
    expect(received).toMatchObject({ mailbox: SDR, threadId: inbound.threadId, messageId: row.messageId });
    const headers = headersOf(received.raw);
    expect(headers["in-reply-to"]).toBe("<b-1@customer.example>");
    expect(headers.references).toBe("<first@seller.example> <b-1@customer.example>");
    expect(headers.from).toContain(SDR);
    expect(await sendRecord(id)).toEqual({ state: "SENT", transport: "gmail", uncertain: false });
    // Not also through the global transport; recorded once.
    expect(await counts(id)).toEqual({ outbox: 0, activities: 1, sentEvents: 1 });
    // The choice is visible in the audit trail of the claim.
    const [audit] = await sql<{ summary: { transport: string; transportRule: string } }>(
      t.db,
      `SELECT "summary" FROM "AuditEntry" WHERE "targetId" = $1::text AND "action" = 'draft.sending'`,
      [id],
    );
    expect(audit!.summary).toMatchObject({ transport: "gmail", transportRule: "the mailbox has a Google connection with a send scope" });
  });

  it("a mailbox without a Google connection uses the global transport; DEFAULT overrides a connected one, GMAIL without one refuses", async () => {
    const before = sendRequests();
    const local = await queuedDraft(t, tenant, SHARED);
    expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: local })).outcome).toBe("sent");
    expect(await sendRecord(local)).toMatchObject({ state: "SENT", transport: "local" });
    expect(await counts(local)).toMatchObject({ outbox: 1 });

    await patchSettings(t.db, tenant.tenantId, { sending: { mailboxTransports: { [SDR]: "DEFAULT", [SHARED]: "GMAIL" } } });
    try {
      const viaDefault = await queuedDraft(t, tenant, SDR);
      expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: viaDefault })).outcome).toBe("sent");
      expect(await sendRecord(viaDefault)).toMatchObject({ transport: "local" });
      const mustGmail = await queuedDraft(t, tenant, SHARED);
      const refused = await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: mustGmail });
      expect(refused).toMatchObject({ outcome: "failed" });
      expect(await draftRow(mustGmail)).toMatchObject({ status: "FAILED", lastError: "GMAIL_NOT_CONNECTED" });
      expect(await sendRecord(mustGmail)).toBeNull();
      expect(await counts(mustGmail)).toMatchObject({ outbox: 0 });
      expect(sendRequests()).toBe(before);
    } finally {
      await patchSettings(t.db, tenant.tenantId, { sending: { mailboxTransports: null } });
    }
  });
});

describe("exactly once when the answer or the worker is lost", () => {
  it("Gmail accepted but the answer was lost (5xx after accepting): retried, the retry asks Gmail first and records the message it finds", async () => {
    const id = await queuedDraft(t, tenant, SDR);
    google.failNext({ status: 500, path: /messages\/send$/, afterHandling: true });
    const first = await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id });
    expect(first).toMatchObject({ outcome: "retry" });
    const { messageId } = await draftRow(id);
    expect(onFake(messageId)).toBe(1); // Gmail has it …
    expect(await draftRow(id)).toMatchObject({ status: "QUEUED" }); // … we do not know yet
    // Counted against quotas while its fate is unknown.
    expect(await sendRecord(id)).toEqual({ state: "RESERVED", transport: "gmail", uncertain: true });
    const sends = sendRequests();
    const second = await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id });
    expect(second.outcome).toBe("sent");
    expect(sendRequests()).toBe(sends); // no second users.messages.send at all
    expect(onFake(messageId)).toBe(1);
    const row = await draftRow(id);
    expect(row.providerMessageId).toBe(`gmail:${google.gmail.sent.find((s) => s.messageId === messageId)!.id}`);
    expect(await counts(id)).toEqual({ outbox: 0, activities: 1, sentEvents: 1 });
  });

  it("a transport wrapper that throws after Gmail accepted: one message on the fake, however often it is retried", async () => {
    const id = await queuedDraft(t, tenant, SDR);
    const crashing = withGmail((inner) => ({
      ...inner,
      name: inner.name,
      verifiesBeforeSend: inner.verifiesBeforeSend,
      lookup: (ref) => inner.lookup(ref),
      async send(message) {
        await inner.send(message);
        throw new TransportError("the worker lost the answer", "uncertain", "LOST");
      },
    }));
    expect((await deliverDraft(crashing, { tenantId: tenant.tenantId, draftId: id })).outcome).toBe("retry");
    expect((await deliverDraft(crashing, { tenantId: tenant.tenantId, draftId: id })).outcome).toBe("retry");
    expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id })).outcome).toBe("sent");
    expect(onFake((await draftRow(id)).messageId)).toBe(1);
    expect(await draftRow(id)).toMatchObject({ status: "SENT", sendAttempts: 3 });
    expect(await sendRecord(id)).toMatchObject({ state: "SENT" });
  });

  it("worker hung after Gmail accepted: the sweeper asks Gmail, finds it, marks it SENT; the late worker changes nothing", async () => {
    const id = await queuedDraft(t, tenant, SDR);
    const accepted = deferred();
    const release = deferred();
    const hanging = withGmail((inner) => ({
      ...inner,
      name: inner.name,
      lookup: (ref) => inner.lookup(ref),
      async send(message) {
        const receipt = await inner.send(message);
        accepted.resolve();
        await release.promise;
        return receipt;
      },
    }));
    const hung = deliverDraft(hanging, { tenantId: tenant.tenantId, draftId: id });
    await accepted.promise;
    await leaseLapsed(id);
    // The sweeper runs with the instance's own services: it asks the transport the send record names (gmail).
    const lists = google.requests["GET /gmail/v1/users/me/messages"] ?? 0;
    expect(await sweepSends(t.app.services)).toEqual({ recovered: 1, requeued: 0 });
    expect((google.requests["GET /gmail/v1/users/me/messages"] ?? 0) - lists).toBeGreaterThanOrEqual(1);
    const row = await draftRow(id);
    expect(row.status).toBe("SENT");
    expect(row.providerMessageId).toMatch(/^gmail:/);
    release.resolve();
    expect((await hung).outcome).toBe("sent");
    expect(onFake(row.messageId)).toBe(1);
    expect(await counts(id)).toEqual({ outbox: 0, activities: 1, sentEvents: 1 });
  });

  it("worker hung before Gmail had it: the sweeper re-queues, a second worker sends, the first one's late send finds it and does not send again", async () => {
    const id = await queuedDraft(t, tenant, SDR);
    const entered = deferred();
    const release = deferred();
    const hanging = withGmail((inner) => ({
      ...inner,
      name: inner.name,
      lookup: (ref) => inner.lookup(ref),
      async send(message) {
        entered.resolve();
        await release.promise;
        return inner.send(message);
      },
    }));
    const hung = deliverDraft(hanging, { tenantId: tenant.tenantId, draftId: id });
    await entered.promise;
    await leaseLapsed(id);
    expect(await sweepSends(t.app.services)).toEqual({ recovered: 1, requeued: 0 });
    expect(await draftRow(id)).toMatchObject({ status: "QUEUED" });
    expect(onFake((await draftRow(id)).messageId)).toBe(0);
    expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id })).outcome).toBe("sent");
    const sends = sendRequests();
    release.resolve();
    await hung;
    expect(sendRequests()).toBe(sends);
    expect(onFake((await draftRow(id)).messageId)).toBe(1);
    expect(await counts(id)).toEqual({ outbox: 0, activities: 1, sentEvents: 1 });
  });

  it("a worker process SIGKILLed right after Gmail accepted: the sweeper finds it; one message on the fake", async () => {
    const id = await queuedDraft(t, tenant, SDR);
    const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/crashing-gmail-sender.ts"], {
      env: { ...process.env, DATABASE_APP_URL: t.db.appUrl, TENANT_ID: tenant.tenantId, DRAFT_ID: id, PUBLIC_URL: t.url, ...GOOGLE_ENV() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    expect({ ...exit, stderr: exit.signal ? "" : stderr }).toEqual({ code: null, signal: "SIGKILL", stderr: "" });
    const { messageId } = await draftRow(id);
    expect(await draftRow(id)).toMatchObject({ status: "SENDING" });
    expect(onFake(messageId)).toBe(1);
    await leaseLapsed(id);
    await sweepSends(t.app.services);
    expect(await draftRow(id)).toMatchObject({ status: "SENT" });
    // A retry of the job after the crash finds nothing to do.
    expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id })).outcome).toBe("skipped");
    expect(onFake(messageId)).toBe(1);
    expect(await counts(id)).toEqual({ outbox: 0, activities: 1, sentEvents: 1 });
  }, 60_000);
});

describe("Gmail asking to wait", () => {
  it("429 with Retry-After on send: nothing sent, the next attempt scheduled at Gmail's time, then sent once", async () => {
    const id = await queuedDraft(t, tenant, SDR);
    google.failNext({ status: 429, retryAfter: 30, path: /messages\/send$/ });
    // As a send worker would have it: its job fetched (active) while it sends.
    await sql(t.db, `UPDATE pgboss.job SET state = 'active', started_on = now() WHERE name = 'draft-send' AND singleton_key = $1 AND state = 'created'`, [id]);
    const before = Date.now();
    const result = await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id });
    expect(result.outcome).toBe("retry");
    const at = (result as { at?: Date }).at!;
    expect(at.getTime()).toBeGreaterThanOrEqual(before + 29_000);
    expect(onFake((await draftRow(id)).messageId)).toBe(0);
    expect(await draftRow(id)).toMatchObject({ status: "QUEUED" });
    expect(await sendRecord(id)).toMatchObject({ state: "RELEASED", uncertain: false });
    // The job waits for Gmail's time (pg-boss startAfter), not the backoff.
    const [job] = await sql<{ startAfter: Date }>(t.db, `SELECT start_after AS "startAfter" FROM pgboss.job WHERE name = 'draft-send' AND singleton_key = $1 AND state = 'created'`, [id]);
    expect(Math.abs(job!.startAfter.getTime() - at.getTime())).toBeLessThan(1_000);
    expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id })).outcome).toBe("sent");
    expect(onFake((await draftRow(id)).messageId)).toBe(1);
  });

  it("503 with Retry-After that Gmail did not act on: retried after the check finds nothing; one message", async () => {
    const id = await queuedDraft(t, tenant, SDR);
    google.failNext({ status: 503, retryAfter: 5, path: /messages\/send$/ });
    expect(await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id })).toMatchObject({ outcome: "retry" });
    const lists = google.requests["GET /gmail/v1/users/me/messages"] ?? 0;
    expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id })).outcome).toBe("sent");
    expect((google.requests["GET /gmail/v1/users/me/messages"] ?? 0) - lists).toBeGreaterThanOrEqual(1); // asked before sending
    expect(onFake((await draftRow(id)).messageId)).toBe(1);
  });

  it("a 5xx on the last attempt ends FAILED as uncertain, still counted against quotas", async () => {
    const id = await queuedDraft(t, tenant, SDR);
    await sql(t.db, `UPDATE "Draft" SET "sendAttempts" = 3 WHERE "id" = $1`, [id]); // SEND_MAX_ATTEMPTS = 4
    google.failNext({ status: 500, path: /messages\/send$/, afterHandling: true });
    const result = await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id });
    expect(result).toMatchObject({ outcome: "failed" });
    expect((await draftRow(id)).failureReason).toMatch(/Delivery uncertain/);
    expect(await sendRecord(id)).toEqual({ state: "RESERVED", transport: "gmail", uncertain: true });
    expect(onFake((await draftRow(id)).messageId)).toBe(1);
  });
});

describe("a mailbox whose connection is not ACTIVE", () => {
  it("NEEDS_REAUTH (the grant revoked at Google): the send fails with the reason, the next one is refused before any Gmail call, evented", async () => {
    const first = await queuedDraft(t, tenant, REAUTH);
    google.oauth.revokeUser(REAUTH);
    google.oauth.expireAccessTokens();
    const sends = sendRequests();
    const r1 = await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: first });
    expect(r1).toMatchObject({ outcome: "failed" });
    expect((await draftRow(first)).failureReason).toMatch(/connected again/);
    const failedFirst = await sql<{ reason: string }>(t.db, `SELECT "payload"->>'reason' AS reason FROM "OutboxEvent" WHERE "type" = 'sales.draft.failed' AND "payload"->>'draftId' = $1::text`, [first]);
    expect(failedFirst).toEqual([{ reason: "GMAIL_NEEDS_REAUTH" }]);
    expect((await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "Connection" WHERE "tenantId" = $1 AND "accountEmail" = $2`, [tenant.tenantId, REAUTH]))[0]!.status).toBe("NEEDS_REAUTH");

    const second = await queuedDraft(t, tenant, REAUTH);
    const requests = { ...google.requests };
    const r2 = await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: second });
    expect(r2).toMatchObject({ outcome: "failed" });
    expect(google.requests).toEqual(requests); // Google was not even asked
    const row = await draftRow(second);
    expect(row).toMatchObject({ status: "FAILED", lastError: "GMAIL_NEEDS_REAUTH" });
    expect(row.failureReason).toMatch(/needs to be connected again.*not sent through any other transport/);
    expect(sendRequests()).toBe(sends);
    expect(await counts(second)).toMatchObject({ outbox: 0, sentEvents: 0 });
    expect(await sendRecord(second)).toBeNull(); // never counted
    const events = await sql<{ reason: string }>(t.db, `SELECT "payload"->>'reason' AS reason FROM "OutboxEvent" WHERE "type" = 'sales.draft.failed' AND "payload"->>'draftId' = $1::text`, [second]);
    expect(events).toEqual([{ reason: "GMAIL_NEEDS_REAUTH" }]);
  });

  it("REVOKED: refused with the reason; an explicit DEFAULT for that mailbox sends through the global transport", async () => {
    const [conn] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Connection" WHERE "tenantId" = $1 AND "accountEmail" = $2`, [tenant.tenantId, REVOKED]);
    const revoked = await revokeConnection(withConnectors(t.app.services), userActor(tenant, "ADMIN"), { connectionId: conn!.id });
    expect(revoked.ok).toBe(true);
    const id = await queuedDraft(t, tenant, REVOKED);
    expect(await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id })).toMatchObject({ outcome: "failed" });
    expect(await draftRow(id)).toMatchObject({ status: "FAILED", lastError: "GMAIL_REVOKED" });
    expect(await counts(id)).toMatchObject({ outbox: 0 });

    await patchSettings(t.db, tenant.tenantId, { sending: { mailboxTransports: { [REVOKED]: "DEFAULT" } } });
    try {
      const again = await queuedDraft(t, tenant, REVOKED);
      expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: again })).outcome).toBe("sent");
      expect(await sendRecord(again)).toMatchObject({ transport: "local", state: "SENT" });
    } finally {
      await patchSettings(t.db, tenant.tenantId, { sending: { mailboxTransports: null } });
    }
  });
});

describe("quotas and tenants", () => {
  it("30 parallel Gmail sends against a mailbox limit of 5: exactly 5 reach Gmail, the rest wait", async () => {
    const quotaTenant = await createTenant(t, "gmailquota");
    const MAILBOX = "quota-rep@seller.example";
    await patchSettings(t.db, quotaTenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] }, quotas: { mailbox: { limit: 5 } } });
    await connect(t, quotaTenant, "OPERATOR", MAILBOX);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await queuedDraft(t, quotaTenant, MAILBOX));
    const results = await Promise.all(ids.map((draftId) => deliverDraft(t.app.services, { tenantId: quotaTenant.tenantId, draftId })));
    const byOutcome = results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }), {});
    expect(byOutcome).toEqual({ sent: 5, held: 25 });
    expect(google.gmail.sendCount(MAILBOX)).toBe(5);
    const [row] = await sql<{ counted: number }>(t.db, `SELECT count(*)::int AS counted FROM "EmailSend" WHERE "tenantId" = $1 AND "state" IN ('RESERVED', 'SENT')`, [quotaTenant.tenantId]);
    expect(row!.counted).toBe(5);
  }, 120_000);

  it("a tenant cannot send through another tenant's connection: AUTO uses its own global transport, GMAIL is refused", async () => {
    const other = await createTenant(t, "gmailother");
    await patchSettings(t.db, other.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [SDR] } });
    const sends = sendRequests();
    const id = await queuedDraft(t, other, SDR);
    expect((await deliverDraft(t.app.services, { tenantId: other.tenantId, draftId: id })).outcome).toBe("sent");
    expect(await sendRecord(id)).toMatchObject({ transport: "local" });
    await patchSettings(t.db, other.tenantId, { sending: { mailboxTransports: { [SDR]: "GMAIL" } } });
    const forced = await queuedDraft(t, other, SDR);
    expect(await deliverDraft(t.app.services, { tenantId: other.tenantId, draftId: forced })).toMatchObject({ outcome: "failed" });
    expect((await sql<{ lastError: string }>(t.db, `SELECT "lastError" FROM "Draft" WHERE "id" = $1`, [forced]))[0]!.lastError).toBe("GMAIL_NOT_CONNECTED");
    expect(sendRequests()).toBe(sends);
    // The resolver itself, asked for the other tenant, finds nothing.
    expect(await gmailMailboxResolver(withConnectors(t.app.services))(other.tenantId, SDR)).toBeNull();
    expect(await gmailMailboxResolver(withConnectors(t.app.services))(tenant.tenantId, SDR)).not.toBeNull();
  });
});
