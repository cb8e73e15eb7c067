// Batched sends (deliverDrafts, and the send workers that take batches):
// quotas exact under 100-way concurrency with batches and single sends
// mixed, per-recipient and per-domain limits inside one batch, every send
// recorded once (SENT, outbox message, activity, send record, audit entries
// and events), the cases a batch leaves to the single path settled as a
// single send settles them (an erased person's hashed address included), transport errors and a lease lost mid-batch,
// another tenant's draft untouched, and the workers draining a queue.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import { erasureHashKey } from "../../../src/data/tenant-secret.js";
import { suppressionKeys } from "../../../src/domain/sending/suppression.js";
import { createLocalOutboxTransport } from "../../../src/integrations/email/local-outbox.js";
import { TransportError, type EmailTransport } from "../../../src/integrations/email/transport.js";
import { deliverDraft, type DeliveryResult } from "../../../src/orchestration/draft/draft-delivery.js";
import { deliverDrafts } from "../../../src/orchestration/draft/draft-send-batch.js";
import { approveDraft, createDraft, enqueueSend, sendDraft } from "../../../src/orchestration/draft/draft.js";
import type { Services } from "../../../src/orchestration/services.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { insertContact, patchSettings, sql, startOperatorApp, userActor, waitFor } from "../../helpers/operator.js";

const MAILBOX = "sales@acme.example";
const BODY = "Hi there,\n\nThanks for your time last week. Would Thursday at 10:00 suit you for a short follow-up?\n\nBest,\nSam";
const HIGH = { mailbox: { limit: 100_000 }, contact: { limit: 100_000 }, domain: { limit: 100_000 } };

let counter = 0;

/** One draft through the real use cases (create → approve → send), QUEUED. */
async function queuedDraft(t: TestApp, tenant: TestTenant, options: { email?: string; body?: string; doNotContact?: boolean } = {}): Promise<string> {
  const actor = userActor(tenant, "OWNER");
  const email = options.email ?? `person${++counter}@company${counter}.example`;
  const contactId = await insertContact(t.db, tenant.tenantId, { email });
  const created = await createDraft(t.app.services, actor, { recipient: { contactId }, subject: "Following up on our call", bodyText: options.body ?? BODY, category: "ONE_TO_ONE", mailbox: MAILBOX });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  const draftId = created.value.draftId;
  const approved = await approveDraft(t.app.services, actor, { draftId });
  const sent = await sendDraft(t.app.services, actor, { draftId });
  if (!approved.ok || !sent.ok) throw new Error(JSON.stringify([approved, sent]));
  if (options.doNotContact) await sql(t.db, `UPDATE "Contact" SET "doNotContact" = true WHERE "id" = $1`, [contactId]);
  return draftId;
}

/** Copies of a queued draft (new id and recipient), as rows: many queued drafts without three transactions each. */
async function copies(t: TestApp, templateId: string, recipients: string[]): Promise<string[]> {
  const columns = (await sql<{ column_name: string }>(t.db, `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'Draft'`))
    .map((r) => r.column_name)
    .filter((c) => !["id", "recipientEmail", "messageId", "createdAt", "updatedAt"].includes(c));
  const list = columns.map((c) => `"${c}"`).join(", ");
  const rows = await sql<{ id: string }>(
    t.db,
    `INSERT INTO "Draft" ("id", "recipientEmail", "createdAt", "updatedAt", ${list})
     SELECT gen_random_uuid(), r.email, now(), now(), ${columns.map((c) => `d."${c}"`).join(", ")}
       FROM "Draft" d, unnest($2::text[]) WITH ORDINALITY AS r(email, n) WHERE d."id" = $1 ORDER BY r.n RETURNING "id"`,
    [templateId, recipients],
  );
  return rows.map((r) => r.id);
}

async function counts(t: TestApp, id: string) {
  const [row] = await sql<Record<string, unknown>>(
    t.db,
    `SELECT (SELECT "status"::text FROM "Draft" WHERE "id" = $1) AS status,
            (SELECT count(*)::int FROM "OutboxMessage" WHERE "draftId" = $1) AS outbox,
            (SELECT count(*)::int FROM "Activity" WHERE "metadata"->>'draftId' = $1::text AND "type" = 'EMAIL_SENT') AS activities,
            (SELECT "state"::text FROM "EmailSend" WHERE "draftId" = $1) AS record,
            (SELECT count(*)::int FROM "OutboxEvent" WHERE "type" = 'sales.draft.sending' AND "payload"->>'draftId' = $1::text) AS "sendingEvents",
            (SELECT count(*)::int FROM "OutboxEvent" WHERE "type" = 'sales.draft.sent' AND "payload"->>'draftId' = $1::text) AS "sentEvents",
            (SELECT count(*)::int FROM "AuditEntry" WHERE "action" = 'draft.sending' AND "targetId" = $1::text) AS "sendingAudits",
            (SELECT count(*)::int FROM "AuditEntry" WHERE "action" = 'draft.sent' AND "targetId" = $1::text) AS "sentAudits"`,
    [id],
  );
  return row!;
}

const SENT_ONCE = { status: "SENT", outbox: 1, activities: 1, record: "SENT", sendingEvents: 1, sentEvents: 1, sendingAudits: 1, sentAudits: 1 };

const tally = (results: DeliveryResult[]) => results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }), {});

/** The local outbox, with a hook that may replace any answer of a batch (or act before the batch returns). */
function hookedOutbox(services: () => Services) {
  let hook: ((draftIds: string[], answers: Awaited<ReturnType<NonNullable<EmailTransport["sendMany"]>>>) => Promise<void>) | null = null;
  const local = () => createLocalOutboxTransport(services().db);
  const transport: EmailTransport = {
    name: "local",
    send: (m) => local().send(m),
    async sendMany(messages) {
      const answers = await local().sendMany!(messages);
      if (hook) await hook(messages.map((m) => m.draftId), answers);
      return answers;
    },
    lookup: (r) => local().lookup(r),
  };
  return {
    transport,
    set(next: typeof hook) {
      hook = next;
    },
  };
}

describe("batched sends", () => {
  let t: TestApp;
  let services: Services | null = null;
  const outbox = hookedOutbox(() => services!);
  beforeAll(async () => {
    // 100 claims serialised on one mailbox's quota lock hold connections while they wait: on a loaded
    // runner the last ones can wait longer than the default budgets (10 s for a connection or a
    // statement), and a claim refused for its budget is left to the job queue's retry, which these
    // calls do not have. The budgets are not what this file tests; exactness is.
    t = await startOperatorApp({
      mailTransport: outbox.transport,
      env: { DATABASE_POOL_MAX: "30", DATABASE_ACQUIRE_TIMEOUT_MS: "60000", DATABASE_STATEMENT_TIMEOUT_MS: "60000" },
    });
    services = t.app.services;
  });
  afterAll(() => t?.close());

  it("100-way concurrency on one mailbox, batches and single sends mixed, against a limit of 20: exactly 20 sent, the rest held with the reason and the time", async () => {
    const tenant = await createTenant(t, "batch-quota");
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] }, quotas: { ...HIGH, mailbox: { limit: 20 } } });
    const template = await queuedDraft(t, tenant);
    const ids = [template, ...(await copies(t, template, Array.from({ length: 149 }, (_, i) => `reader${i}@domain${i}.example`)))];
    // 50 batches of two and 50 single sends, all at once: 100 concurrent claims on one mailbox.
    const calls: Promise<DeliveryResult[]>[] = [];
    for (let i = 0; i < 50; i++) calls.push(deliverDrafts(t.app.services, ids.slice(2 * i, 2 * i + 2).map((draftId) => ({ tenantId: tenant.tenantId, draftId }))));
    for (const draftId of ids.slice(100)) calls.push(deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId }).then((r) => [r]));
    expect(tally((await Promise.all(calls)).flat())).toEqual({ sent: 20, held: 130 });
    const [row] = await sql(
      t.db,
      `SELECT (SELECT count(*)::int FROM "Draft" WHERE "tenantId" = $1 AND "status" = 'SENT') AS sent,
              (SELECT count(*)::int FROM "OutboxMessage" WHERE "tenantId" = $1) AS outbox,
              (SELECT count(*)::int FROM "EmailSend" WHERE "tenantId" = $1 AND "state" IN ('RESERVED', 'SENT')) AS counted,
              (SELECT count(*)::int FROM "Draft" WHERE "tenantId" = $1 AND "status" = 'QUEUED' AND "holdReason" LIKE '%sender mailbox limit%' AND "holdUntil" > now() + interval '23 hours') AS held`,
      [tenant.tenantId],
    );
    expect(row).toEqual({ sent: 20, outbox: 20, counted: 20, held: 130 });
    // Each held draft has its job waiting for when the limit frees up.
    const waiting = await sql<{ n: number }>(
      t.db,
      `SELECT count(DISTINCT j.singleton_key)::int AS n FROM pgboss.job j JOIN "Draft" d ON d."id"::text = j.singleton_key
        WHERE j.name = 'draft-send' AND j.state = 'created' AND d."status" = 'QUEUED' AND d."tenantId" = $1 AND j.start_after > now() + interval '23 hours'`,
      [tenant.tenantId],
    );
    expect(waiting[0]!.n).toBe(130);
  }, 120_000);

  it("inside one batch, the recipient and recipient-domain limits count the drafts admitted before", async () => {
    const tenant = await createTenant(t, "batch-keys");
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] }, quotas: { ...HIGH, contact: { limit: 2 }, domain: { limit: 3 } } });
    const template = await queuedDraft(t, tenant, { email: "first@elsewhere.example" });
    const ids = await copies(t, template, ["a@shared.example", "a@shared.example", "a@shared.example", "a@shared.example", "b@shared.example", "b@shared.example"]);
    const results = await deliverDrafts(t.app.services, ids.map((draftId) => ({ tenantId: tenant.tenantId, draftId })));
    expect(tally(results)).toEqual({ sent: 3, held: 3 });
    const sent = await sql<{ recipient: string; n: number }>(
      t.db,
      `SELECT "recipientEmail" AS recipient, count(*)::int AS n FROM "EmailSend" WHERE "tenantId" = $1 AND "recipientDomain" = 'shared.example' AND "state" = 'SENT' GROUP BY 1 ORDER BY 1`,
      [tenant.tenantId],
    );
    expect(sent.reduce((n, r) => n + r.n, 0)).toBe(3);
    for (const r of sent) expect(r.n).toBeLessThanOrEqual(2);
    const reasons = await sql<{ reason: string }>(t.db, `SELECT "holdReason" AS reason FROM "Draft" WHERE "id" = ANY($1::uuid[]) AND "status" = 'QUEUED'`, [ids]);
    expect(reasons).toHaveLength(3);
    for (const r of reasons) expect(r.reason).toMatch(/The (recipient|recipient domain) limit for (a@shared\.example|shared\.example)/);
  }, 60_000);

  it("every draft of a batch is recorded once: SENT, outbox message, activity, send record, audit entries and events", async () => {
    const tenant = await createTenant(t, "batch-record");
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] }, quotas: HIGH });
    const template = await queuedDraft(t, tenant);
    const ids = [template, ...(await copies(t, template, ["one@r1.example", "two@r2.example", "three@r3.example", "four@r4.example"]))];
    const results = await deliverDrafts(t.app.services, ids.map((draftId) => ({ tenantId: tenant.tenantId, draftId })));
    expect(results.map((r) => r.outcome)).toEqual(["sent", "sent", "sent", "sent", "sent"]);
    for (const id of ids) expect(await counts(t, id)).toEqual(SENT_ONCE);
    // The audit entry names the approvers of the current revision, as a single send records them (the copies have none).
    const [audit] = await sql<{ summary: { requestedBy: string; approvers: unknown[]; providerMessageId: string } }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "action" = 'draft.sent' AND "targetId" = $1`, [template]);
    expect(audit!.summary.approvers).toHaveLength(1);
    expect(audit!.summary.providerMessageId).toMatch(/^local:/);
    const [message] = await sql<{ mailFrom: string; rcptTo: string[]; raw: string }>(t.db, `SELECT "mailFrom", "rcptTo", "raw" FROM "OutboxMessage" WHERE "draftId" = $1`, [ids[2]]);
    expect(message).toMatchObject({ mailFrom: MAILBOX, rcptTo: ["two@r2.example"] });
    expect(message!.raw).toMatch(/^To: two@r2\.example$/m);
    // Named again (a duplicate job): nothing more happens.
    expect((await deliverDrafts(t.app.services, [{ tenantId: tenant.tenantId, draftId: ids[0]! }, { tenantId: tenant.tenantId, draftId: ids[0]! }])).map((r) => r.outcome)).toEqual(["skipped", "skipped"]);
    expect(await counts(t, ids[0]!)).toEqual(SENT_ONCE);
  }, 60_000);

  it("what is not a plain send is settled as a single send settles it: suppressed, do-not-contact, gate block, not queued, unknown", async () => {
    const tenant = await createTenant(t, "batch-mixed");
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] }, quotas: HIGH });
    const plain = await queuedDraft(t, tenant);
    const suppressedEmail = `gone-${randomUUID()}@client.example`;
    const suppressed = await queuedDraft(t, tenant, { email: suppressedEmail });
    await sql(t.db, `INSERT INTO "Suppression" ("id","tenantId","kind","value","reason","createdByType","createdById","createdByLabel") VALUES (gen_random_uuid(), $1, 'EMAIL', $2, 'UNSUBSCRIBED', 'AGENT', 'unsubscribe', 'agent:unsubscribe')`, [tenant.tenantId, suppressedEmail]);
    const dnc = await queuedDraft(t, tenant, { doNotContact: true });
    const banned = await queuedDraft(t, tenant, { body: BODY.replace("Thursday", "Zanzibar Thursday") });
    await patchSettings(t.db, tenant.tenantId, { quality: { prohibitedTerms: ["Zanzibar"] } });
    const sentAlready = await queuedDraft(t, tenant);
    await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: sentAlready });
    const unknown = randomUUID();
    const order = [plain, suppressed, dnc, banned, sentAlready, unknown];
    const results = await deliverDrafts(t.app.services, order.map((draftId) => ({ tenantId: tenant.tenantId, draftId })));
    expect(results.map((r) => r.outcome)).toEqual(["sent", "cancelled", "cancelled", "blocked", "skipped", "skipped"]);
    expect(await counts(t, plain)).toEqual(SENT_ONCE);
    const rows = await sql<{ id: string; status: string; cancelReason: string | null; record: string | null; outbox: number }>(
      t.db,
      `SELECT d."id", d."status"::text AS status, d."cancelReason", (SELECT "state"::text FROM "EmailSend" e WHERE e."draftId" = d."id") AS record,
              (SELECT count(*)::int FROM "OutboxMessage" o WHERE o."draftId" = d."id") AS outbox
         FROM "Draft" d WHERE d."id" = ANY($1::uuid[])`,
      [[suppressed, dnc, banned]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(suppressed)).toMatchObject({ status: "CANCELLED", cancelReason: expect.stringMatching(/suppression list/), record: null, outbox: 0 });
    expect(byId.get(dnc)).toMatchObject({ status: "CANCELLED", cancelReason: "The contact is marked do-not-contact.", record: null, outbox: 0 });
    expect(byId.get(banned)).toMatchObject({ status: "BLOCKED", record: null, outbox: 0 });
    expect(await counts(t, sentAlready)).toEqual(SENT_ONCE);
  }, 60_000);

  it("an erased person (suppressed by the hash of their address) is cancelled by a batch as by a single send, never sent", async () => {
    const tenant = await createTenant(t, "batch-erased");
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] }, quotas: HIGH });
    const email = `erased-${randomUUID()}@client.example`;
    const draftId = await queuedDraft(t, tenant, { email });
    const key = await withTenant(t.app.services.db.prisma, { tenantId: tenant.tenantId }, (tx) => erasureHashKey(tx, tenant.tenantId));
    // The key is sealed at rest: the batch must open it as Prisma reads do, or it hashes with the wrong key.
    expect(await sql(t.db, `SELECT "secret" LIKE 'enc1%' AS sealed FROM "TenantSecret" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([{ sealed: true }]);
    const hashes = suppressionKeys(email, key).filter((k) => k.kind === "EMAIL_HASH");
    expect(hashes.length).toBeGreaterThan(0);
    await sql(t.db, `INSERT INTO "Suppression" ("id","tenantId","kind","value","reason","createdByType","createdById","createdByLabel") VALUES (gen_random_uuid(), $1, 'EMAIL_HASH', $2, 'ERASED', 'AGENT', 'erasure', 'agent:erasure')`, [tenant.tenantId, hashes[0]!.value]);
    const results = await deliverDrafts(t.app.services, [{ tenantId: tenant.tenantId, draftId }]);
    expect(results).toEqual([{ outcome: "cancelled", reason: "The recipient is on the suppression list (ERASED)." }]);
    expect(await sql(t.db, `SELECT 1 FROM "OutboxMessage" WHERE "draftId" = $1`, [draftId])).toEqual([]);
    expect(await sql(t.db, `SELECT 1 FROM "EmailSend" WHERE "draftId" = $1`, [draftId])).toEqual([]);
  }, 60_000);

  it("the kill switch, DRAFT_ONLY and a suspended tenant stop a whole batch before anything is reserved", async () => {
    const tenant = await createTenant(t, "batch-stop");
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] }, quotas: HIGH });
    const template = await queuedDraft(t, tenant);
    const [a, b, c, d] = await copies(t, template, ["a@k.example", "b@k.example", "c@k.example", "d@k.example"]);
    const jobs = (ids: string[]) => ids.map((draftId) => ({ tenantId: tenant.tenantId, draftId }));

    await patchSettings(t.db, tenant.tenantId, { sending: { killSwitch: { engaged: true } } });
    expect((await deliverDrafts(t.app.services, jobs([a!, b!]))).map((r) => r.outcome)).toEqual(["cancelled", "cancelled"]);
    await patchSettings(t.db, tenant.tenantId, { sending: { killSwitch: null, mode: "DRAFT_ONLY" } });
    expect((await deliverDrafts(t.app.services, jobs([c!]))).map((r) => r.outcome)).toEqual(["cancelled"]);
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED" } });

    await sql(t.db, `INSERT INTO "TenantSuspension" ("tenantId", "reason", "suspendedBy") VALUES ($1, 'test', 'platform:test')`, [tenant.tenantId]);
    try {
      const [held] = await deliverDrafts(t.app.services, jobs([d!, template]));
      expect(held).toMatchObject({ outcome: "held" });
      expect(await sql(t.db, `SELECT "status"::text AS status FROM "Draft" WHERE "id" = ANY($1::uuid[]) AND "holdReason" IS NOT NULL`, [[d, template]])).toEqual([{ status: "QUEUED" }, { status: "QUEUED" }]);
    } finally {
      await sql(t.db, `DELETE FROM "TenantSuspension" WHERE "tenantId" = $1`, [tenant.tenantId]);
    }
    expect(await sql(t.db, `SELECT 1 FROM "EmailSend" WHERE "tenantId" = $1 AND "draftId" <> $2`, [tenant.tenantId, template])).toEqual([]);
    expect(await sql(t.db, `SELECT 1 FROM "OutboxMessage" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([]);
  }, 60_000);

  it("a transport error settles only its draft; a lease taken over before the record is recorded through the single path, once", async () => {
    const tenant = await createTenant(t, "batch-errors");
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] }, quotas: HIGH });
    const template = await queuedDraft(t, tenant);
    const [failing, refused, takenOver] = await copies(t, template, ["x@e1.example", "y@e2.example", "z@e3.example"]);
    const replacement = randomUUID();
    outbox.set(async (draftIds, answers) => {
      answers[draftIds.indexOf(failing!)] = new TransportError("421 try again later", "transient");
      answers[draftIds.indexOf(refused!)] = new TransportError("550 no such user", "permanent");
      // The sweeper took this one over meanwhile (a new lease): the late worker's record must not be lost or doubled.
      await sql(t.db, `UPDATE "Draft" SET "leaseToken" = $2 WHERE "id" = $1`, [takenOver, replacement]);
    });
    try {
      const results = await deliverDrafts(t.app.services, [template, failing!, refused!, takenOver!].map((draftId) => ({ tenantId: tenant.tenantId, draftId })));
      expect(results.map((r) => r.outcome)).toEqual(["sent", "retry", "failed", "sent"]);
    } finally {
      outbox.set(null);
    }
    expect(await counts(t, template)).toEqual(SENT_ONCE);
    expect(await counts(t, takenOver!)).toEqual(SENT_ONCE);
    expect(await sql(t.db, `SELECT "status"::text AS status, "lastError" FROM "Draft" WHERE "id" = $1`, [failing])).toEqual([{ status: "QUEUED", lastError: "local: 421 try again later" }]);
    expect(await sql(t.db, `SELECT "state"::text AS state FROM "EmailSend" WHERE "draftId" = ANY($1::uuid[]) ORDER BY "state"`, [[failing, refused]])).toEqual([{ state: "RELEASED" }, { state: "RELEASED" }]);
    expect(await sql(t.db, `SELECT "status"::text AS status FROM "Draft" WHERE "id" = $1`, [refused])).toEqual([{ status: "FAILED" }]);
  }, 60_000);

  it("another tenant's draft named in a batch is neither seen nor touched", async () => {
    const a = await createTenant(t, "batch-a");
    const b = await createTenant(t, "batch-b");
    for (const tenant of [a, b]) await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] }, quotas: HIGH });
    const mine = await queuedDraft(t, b);
    const theirs = await queuedDraft(t, a);
    const results = await deliverDrafts(t.app.services, [{ tenantId: b.tenantId, draftId: mine }, { tenantId: b.tenantId, draftId: theirs }]);
    expect(results).toEqual([expect.objectContaining({ outcome: "sent" }), { outcome: "skipped", reason: "no such draft" }]);
    expect(await sql(t.db, `SELECT "status"::text AS status, "leaseToken" FROM "Draft" WHERE "id" = $1`, [theirs])).toEqual([{ status: "QUEUED", leaseToken: null }]);
    expect(await sql(t.db, `SELECT 1 FROM "EmailSend" WHERE "draftId" = $1`, [theirs])).toEqual([]);
    expect(await sql(t.db, `SELECT 1 FROM "OutboxMessage" WHERE "tenantId" = $1`, [a.tenantId])).toEqual([]);
  }, 60_000);
});

describe("send workers take batches", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startOperatorApp({ workers: 2, env: { SEND_BATCH_SIZE: "10" } });
  });
  afterAll(() => t?.close());

  it("30 queued drafts of two mailboxes are each sent once by two workers taking ten jobs at a time", async () => {
    const tenant = await createTenant(t, "batch-workers");
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX, "other@acme.example"] }, quotas: HIGH });
    const template = await queuedDraft(t, tenant);
    const ids = await copies(t, template, Array.from({ length: 29 }, (_, i) => `w${i}@workers${i % 5}.example`));
    await sql(t.db, `UPDATE "Draft" SET "mailbox" = 'other@acme.example' WHERE "id" = ANY($1::uuid[])`, [ids.filter((_, i) => i % 2 === 0)]);
    for (const id of ids) await enqueueSend(t.app.services, null, tenant.tenantId, id);
    const all = [template, ...ids];
    await waitFor(
      async () => (await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "Draft" WHERE "id" = ANY($1::uuid[]) AND "status" = 'SENT'`, [all]))[0]!.n === 30,
      60_000,
      "all 30 drafts to be sent",
    );
    for (const id of all) expect(await counts(t, id)).toEqual(SENT_ONCE);
  }, 120_000);
});
