// Deliverability guardrails end to end, with the real send worker: drafts go
// out through the local outbox, a DSN bounce and ARF complaints come back
// through messageIngest, the mailbox is paused in the ingest's transaction
// (audited, evented, in sendingStatus), the next send is held with the
// reason, an OPERATOR may not resume, another tenant cannot see or touch it,
// and a MANAGER's mailboxResume lets the held draft go. Also the warm-up cap
// through the quota path, day by day.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";

const CreateDraft = graphql(`
  mutation DeliverabilityTestCreate($input: DraftCreateInput!) {
    draftCreate(input: $input) { draft { id status } userErrors { code message } }
  }
`);
const ApproveDraft = graphql(`
  mutation DeliverabilityTestApprove($input: DraftApproveInput!) {
    draftApprove(input: $input) { draft { id status } userErrors { code } }
  }
`);
const SendDraft = graphql(`
  mutation DeliverabilityTestSend($input: DraftSendInput!) {
    draftSend(input: $input) { draft { id status } userErrors { code message } }
  }
`);
const Ingest = graphql(`
  mutation DeliverabilityTestIngest($input: MessageIngestInput!) {
    messageIngest(input: $input) { inboundMessage { id ruleKind } suppressed userErrors { code message } }
  }
`);
const Status = graphql(`
  query DeliverabilityTestStatus {
    sendingStatus {
      canSend
      mailboxes {
        mailbox sendingDomain status pauseCode pauseReason pausedAt resumedBy
        windows { windowHours sends hardBounces softBounces complaints hardBounceRatePercent complaintRatePercent }
        warmup { day rampDays capPerDay sentLast24h remainingToday }
      }
      domainRates { domain windows { windowHours sends hardBounces complaints } }
    }
  }
`);
const Resume = graphql(`
  mutation DeliverabilityTestResume($input: MailboxResumeInput!) {
    mailboxResume(input: $input) { mailbox sendsRequeued userErrors { code field message } }
  }
`);
const Quota = graphql(`
  query DeliverabilityTestQuota($contactEmail: String!, $mailbox: String!) {
    sendQuota(contactEmail: $contactEmail, mailbox: $mailbox) { allowed limits { kind key limit windowHours used remaining } binding { limit windowHours } }
  }
`);

const BODY = "Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";
const MAILBOX = "sales@acme.example";
const SECOND = "team@acme.example";

// Real sends through the worker on a loaded machine: generous time per test.
vi.setConfig({ testTimeout: 120_000 });

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;
let n = 0;

beforeAll(async () => {
  t = await startOperatorApp({ workers: 1 });
  tenant = await createTenant(t, "deliver");
  other = await createTenant(t, "deliver-other");
  for (const x of [tenant, other]) {
    await patchSettings(t.db, x.tenantId, {
      sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX, SECOND] },
      quotas: { mailbox: { limit: 100, windowHours: 24 }, domain: { limit: 100, windowHours: 24 } },
      deliverability: { hardBounce: { minSends: 5 } },
    });
  }
});
afterAll(() => t?.close());

const rawId = (id: string) => Buffer.from(id, "base64").toString().split(":")[1]!;

/** A draft created, approved and sent (draftSend) from `mailbox`; resolves with its global id and recipient. */
async function send(mailbox: string, target = tenant): Promise<{ id: string; to: string }> {
  const to = `buyer${++n}@firm${n}.example`;
  const contactId = await insertContact(t.db, target.tenantId, { email: to });
  const created = await executeOk(
    t.graphqlUrl,
    CreateDraft,
    { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: "Follow-up on the pilot", bodyText: BODY, mailbox } },
    { token: target.members.OPERATOR.token },
  );
  expect(created.draftCreate.userErrors).toEqual([]);
  const id = created.draftCreate.draft!.id;
  await executeOk(t.graphqlUrl, ApproveDraft, { input: { draftId: id } }, { token: target.members.OPERATOR.token });
  const sent = await executeOk(t.graphqlUrl, SendDraft, { input: { draftId: id } }, { token: target.members.OPERATOR.token });
  expect(sent.draftSend.userErrors).toEqual([]);
  return { id, to };
}

async function draftRow(id: string) {
  const [row] = await sql<{ status: string; holdReason: string | null; messageId: string | null }>(t.db, `SELECT "status", "holdReason", "messageId" FROM "Draft" WHERE "id" = $1`, [rawId(id)]);
  return row!;
}

const settled = (id: string) => waitFor(async () => ((await draftRow(id)).status === "SENT" ? true : null), 30_000, `draft ${id} SENT`);
const held = (id: string) => waitFor(async () => { const r = await draftRow(id); return r.status === "QUEUED" && r.holdReason ? r : null; }, 30_000, `draft ${id} held`);

/** A DSN (RFC 3464) saying the mail to `to` failed permanently, quoting our Message-ID in the returned headers. */
function hardBounce(to: string, from: string, ourMessageId: string): string {
  const domain = from.split("@")[1];
  return [
    "Return-Path: <>",
    `Date: ${new Date().toUTCString()}`,
    `From: Mail Delivery System <MAILER-DAEMON@mx1.${domain}>`,
    `To: ${from}`,
    "Subject: Undelivered Mail Returned to Sender",
    `Message-ID: <dsn-${Date.now()}-${++n}@mx1.${domain}>`,
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "Your message could not be delivered to one or more recipients.",
    "",
    `<${to}>: 550 5.1.1 Recipient address rejected: User unknown`,
    "",
    "--b1",
    "Content-Type: message/delivery-status",
    "",
    `Reporting-MTA: dns; mx1.${domain}`,
    "",
    `Final-Recipient: rfc822; ${to}`,
    "Action: failed",
    "Status: 5.1.1",
    "Diagnostic-Code: smtp; 550 5.1.1 User unknown",
    "",
    "--b1",
    "Content-Type: text/rfc822-headers",
    "",
    `From: Sam <${from}>`,
    `To: ${to}`,
    "Subject: Follow-up on the pilot",
    `Message-ID: ${ourMessageId}`,
    "",
    "--b1--",
    "",
  ].join("\r\n");
}

/** An ARF abuse report (RFC 5965) about mail from `from` to `to`. */
function complaint(to: string, from: string): string {
  return [
    "Return-Path: <fbl@isp.example>",
    `Date: ${new Date().toUTCString()}`,
    "From: Feedback Loop <fbl@isp.example>",
    `To: ${from}`,
    "Subject: FW: Follow-up on the pilot",
    `Message-ID: <arf-${Date.now()}-${++n}@isp.example>`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=feedback-report; boundary="a1"',
    "",
    "--a1",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "This is an email abuse report.",
    "",
    "--a1",
    "Content-Type: message/feedback-report",
    "",
    "Feedback-Type: abuse",
    "Version: 1",
    `Original-Mail-From: <${from}>`,
    `Original-Rcpt-To: <${to}>`,
    "",
    "--a1",
    "Content-Type: message/rfc822",
    "",
    `From: Sam <${from}>`,
    `To: ${to}`,
    "Subject: Follow-up on the pilot",
    "",
    "Hi, would faster onboarding matter?",
    "",
    "--a1--",
    "",
  ].join("\r\n");
}

async function mailboxStatus(target: TestTenant, mailbox: string) {
  const s = await executeOk(t.graphqlUrl, Status, {}, { token: target.members.ANALYST.token });
  return s.sendingStatus.mailboxes.find((m) => m.mailbox === mailbox) ?? null;
}

describe("auto-pause on bounces, resume by a manager", () => {
  it("pauses at the threshold in the ingest's transaction, holds the next send, and resumes only for a MANAGER of the tenant", async () => {
    // Five sends: the minimum the tenant set for the hard-bounce rule.
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await send(MAILBOX));
    for (const s of sent) await settled(s.id);
    const before = await mailboxStatus(tenant, MAILBOX);
    expect(before).toMatchObject({ status: "ACTIVE", pauseReason: null });
    expect(before!.windows[0]).toMatchObject({ windowHours: 24, sends: 5, hardBounces: 0, hardBounceRatePercent: 0 });

    // A bounce of the first: 1 of 5 = 20% > 3%.
    const first = await draftRow(sent[0]!.id);
    const ingested = await executeOk(t.graphqlUrl, Ingest, { input: { raw: hardBounce(sent[0]!.to, MAILBOX, first.messageId!) } }, { token: tenant.members.OPERATOR.token });
    expect(ingested.messageIngest.userErrors).toEqual([]);
    expect(ingested.messageIngest.suppressed).toEqual([sent[0]!.to]);
    const inboundId = rawId(ingested.messageIngest.inboundMessage!.id);

    // Paused already (no worker in between): the same transaction as the message.
    const paused = await mailboxStatus(tenant, MAILBOX);
    expect(paused).toMatchObject({ status: "PAUSED", pauseCode: "HARD_BOUNCE_RATE" });
    expect(paused!.pauseReason).toBe(`Hard bounce rate 20.0% (1 of 5 sends) from the mailbox ${MAILBOX} in the last 24 h is above the tenant's 3% threshold.`);
    expect(paused!.windows[0]).toMatchObject({ sends: 5, hardBounces: 1, hardBounceRatePercent: 20 });
    const [signal] = await sql<{ kind: string; mailbox: string; recipientEmail: string; emailSendId: string | null }>(
      t.db,
      `SELECT "kind", "mailbox", "recipientEmail", "emailSendId" FROM "DeliverabilitySignal" WHERE "tenantId" = $1 AND "inboundMessageId" = $2`,
      [tenant.tenantId, inboundId],
    );
    expect(signal).toMatchObject({ kind: "HARD_BOUNCE", mailbox: MAILBOX, recipientEmail: sent[0]!.to });
    // Attributed to the exact send by the Message-ID quoted in the bounce.
    const [sendRow] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "EmailSend" WHERE "draftId" = $1`, [rawId(sent[0]!.id)]);
    expect(signal!.emailSendId).toBe(sendRow!.id);
    // Audit and event written with the message's own audit entry (one transaction, one request id).
    const audit = await sql<{ action: string; requestId: string }>(
      t.db,
      `SELECT "action", "requestId" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" IN ('message.received', 'sending.mailbox_paused', 'sending.deliverability_signal') ORDER BY "createdAt", "action"`,
      [tenant.tenantId],
    );
    expect(audit.map((a) => a.action).sort()).toEqual(["message.received", "sending.deliverability_signal", "sending.mailbox_paused"]);
    expect(new Set(audit.map((a) => a.requestId)).size).toBe(1);
    const events = await sql<{ type: string; payload: { mailbox: string; code: string; scope: string } }>(
      t.db,
      `SELECT "type", "payload" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" LIKE 'sales.sending.%' ORDER BY "createdAt", "id"`,
      [tenant.tenantId],
    );
    expect(events.map((e) => e.type)).toEqual(["sales.sending.signal_recorded", "sales.sending.mailbox_paused"]);
    expect(events[1]!.payload).toMatchObject({ mailbox: MAILBOX, code: "HARD_BOUNCE_RATE", scope: "MAILBOX" });

    // The next send from the paused mailbox is held with the reason; the other mailbox still sends.
    const next = await send(MAILBOX);
    const h = await held(next.id);
    expect(h.holdReason).toBe(`The sender mailbox ${MAILBOX} is paused: ${paused!.pauseReason} A manager must resume it (mailboxResume) before it sends again.`);
    const unaffected = await send(SECOND);
    await settled(unaffected.id);
    expect((await draftRow(next.id)).status).toBe("QUEUED");

    // The other tenant sees nothing of it, and cannot resume it.
    expect((await mailboxStatus(other, MAILBOX))).toMatchObject({ status: "ACTIVE", windows: [{ sends: 0, hardBounces: 0 }, { sends: 0 }] });
    const foreign = await executeOk(t.graphqlUrl, Resume, { input: { mailbox: MAILBOX } }, { token: other.members.MANAGER.token });
    expect(foreign.mailboxResume.userErrors).toEqual([{ code: "NOT_FOUND", field: ["input", "mailbox"], message: `The mailbox ${MAILBOX} has never been paused.` }]);
    expect((await mailboxStatus(tenant, MAILBOX))!.status).toBe("PAUSED");

    // OPERATOR and ANALYST may not resume.
    for (const role of ["OPERATOR", "ANALYST"] as const) {
      const r = await execute(t.graphqlUrl, Resume, { input: { mailbox: MAILBOX } }, { token: tenant.members[role].token });
      expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    const badInput = await executeOk(t.graphqlUrl, Resume, { input: { mailbox: "not-an-address" } }, { token: tenant.members.MANAGER.token });
    expect(badInput.mailboxResume.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "mailbox"] });
    const longNote = await executeOk(t.graphqlUrl, Resume, { input: { mailbox: MAILBOX, note: "x".repeat(501) } }, { token: tenant.members.MANAGER.token });
    expect(longNote.mailboxResume.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "note"] });

    // A MANAGER resumes: audited, evented, the held draft goes out.
    const resumed = await executeOk(t.graphqlUrl, Resume, { input: { mailbox: MAILBOX.toUpperCase(), note: "list cleaned" } }, { token: tenant.members.MANAGER.token });
    expect(resumed.mailboxResume).toEqual({ mailbox: MAILBOX, sendsRequeued: 1, userErrors: [] });
    await settled(next.id);
    expect(await mailboxStatus(tenant, MAILBOX)).toMatchObject({ status: "ACTIVE", pauseReason: null, resumedBy: `user:${tenant.members.MANAGER.email}` });
    const [resumeAudit] = await sql<{ actorId: string; summary: { note: string; sendsRequeued: number } }>(
      t.db,
      `SELECT "actorId", "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'sending.mailbox_resumed'`,
      [tenant.tenantId],
    );
    expect(resumeAudit).toMatchObject({ actorId: tenant.members.MANAGER.userId, summary: { note: "list cleaned", sendsRequeued: 1 } });
    const again = await executeOk(t.graphqlUrl, Resume, { input: { mailbox: MAILBOX } }, { token: tenant.members.MANAGER.token });
    expect(again.mailboxResume.userErrors[0]).toMatchObject({ code: "CONFLICT" });

    // Sends flow again; the old bounce is forgiven by the resume (rates count from it).
    const after = await send(MAILBOX);
    await settled(after.id);
    expect((await mailboxStatus(tenant, MAILBOX))!.status).toBe("ACTIVE");
  });

  it("a complaint burst (2 in 24 h) pauses the mailbox whatever the volume", async () => {
    const a = await send(SECOND, other);
    const b = await send(SECOND, other);
    await settled(a.id);
    await settled(b.id);
    await executeOk(t.graphqlUrl, Ingest, { input: { raw: complaint(a.to, SECOND) } }, { token: other.members.OPERATOR.token });
    expect((await mailboxStatus(other, SECOND))!.status).toBe("ACTIVE");
    // The second complaint within 24 h is the burst.
    await executeOk(t.graphqlUrl, Ingest, { input: { raw: complaint(b.to, SECOND) } }, { token: other.members.OPERATOR.token });
    const s = await mailboxStatus(other, SECOND);
    expect(s).toMatchObject({ status: "PAUSED", pauseCode: "COMPLAINT_BURST" });
    expect(s!.pauseReason).toBe(`2 spam complaints about mail from the mailbox ${SECOND} in the last 24 h (the tenant pauses at 2).`);
    expect(s!.windows[0]).toMatchObject({ sends: 2, complaints: 2, complaintRatePercent: 100 });
    // Only that tenant's mailbox: the first tenant's same address is not paused.
    expect((await mailboxStatus(tenant, SECOND))!.status).toBe("ACTIVE");
    // The domain's rates add up its mailboxes.
    const status = await executeOk(t.graphqlUrl, Status, {}, { token: other.members.ANALYST.token });
    expect(status.sendingStatus.domainRates).toEqual([{ domain: "acme.example", windows: [{ windowHours: 24, sends: 2, hardBounces: 0, complaints: 2 }, { windowHours: 168, sends: 2, hardBounces: 0, complaints: 2 }] }]);
  });
});

describe("domain rates", () => {
  it("pause every mailbox of the domain that sent, when only the domain's volume reaches the minimum; a bounce about mail we never sent counts for nothing", async () => {
    const dom = await createTenant(t, "deliver-domain");
    const [a, b] = ["a@shared.example", "b@shared.example"];
    await patchSettings(t.db, dom.tenantId, {
      sending: { mode: "SEND_ALLOWED", mailboxes: [a, b] },
      quotas: { mailbox: { limit: 100, windowHours: 24 }, domain: { limit: 100, windowHours: 24 } },
      deliverability: { hardBounce: { minSends: 6 } },
    });
    const sent = [];
    for (const box of [a, a, a, b, b, b]) sent.push(await send(box, dom));
    for (const s of sent) await settled(s.id);

    // Not ours: no send to this address, no Message-ID of ours.
    await executeOk(t.graphqlUrl, Ingest, { input: { raw: hardBounce("stranger@nowhere.example", a, "<unrelated@elsewhere.example>") } }, { token: dom.members.OPERATOR.token });
    expect(await sql(t.db, `SELECT 1 FROM "DeliverabilitySignal" WHERE "tenantId" = $1`, [dom.tenantId])).toEqual([]);

    // One bounce of a's mail: a alone has 3 sends (under the minimum of 6); the domain has 6, 1 bounce = 16.7%.
    const first = await draftRow(sent[0]!.id);
    await executeOk(t.graphqlUrl, Ingest, { input: { raw: hardBounce(sent[0]!.to, a, first.messageId!) } }, { token: dom.members.OPERATOR.token });
    const status = await executeOk(t.graphqlUrl, Status, {}, { token: dom.members.ANALYST.token });
    const boxes = status.sendingStatus.mailboxes.map((m) => ({ mailbox: m.mailbox, status: m.status, pauseCode: m.pauseCode, pauseReason: m.pauseReason }));
    const reason = "Hard bounce rate 16.7% (1 of 6 sends) from the domain shared.example in the last 24 h is above the tenant's 3% threshold.";
    expect(boxes).toEqual([
      { mailbox: a, status: "PAUSED", pauseCode: "HARD_BOUNCE_RATE", pauseReason: reason },
      { mailbox: b, status: "PAUSED", pauseCode: "HARD_BOUNCE_RATE", pauseReason: reason },
    ]);
    expect(status.sendingStatus.domainRates[0]!.windows[0]).toEqual({ windowHours: 24, sends: 6, hardBounces: 1, complaints: 0 });
    const events = await sql<{ payload: { mailbox: string; scope: string } }>(t.db, `SELECT "payload" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.sending.mailbox_paused' ORDER BY "payload"->>'mailbox'`, [dom.tenantId]);
    expect(events.map((e) => [e.payload.mailbox, e.payload.scope])).toEqual([[a, "DOMAIN"], [b, "DOMAIN"]]);
  });
});

describe("warm-up ramp", () => {
  it("caps a new mailbox per day in the quota path and shows the cap in sendingStatus and sendQuota", async () => {
    const warm = await createTenant(t, "deliver-warm");
    const box = "new@warm.example";
    await patchSettings(t.db, warm.tenantId, {
      sending: { mode: "SEND_ALLOWED", mailboxes: [box] },
      quotas: { mailbox: { limit: 100, windowHours: 24 }, domain: { limit: 100, windowHours: 24 } },
      deliverability: { warmup: { enabled: true, startPerDay: 2, dailyGrowthPercent: 50 } },
    });
    // Day 1 (no send yet): 2 a day. round(2 × 1.5^d): 2, 3, 5, 7, 10, 15, 23, 34, 51, 77, (115 ≥ 100: over) → 10 days.
    let m = await mailboxStatus(warm, box);
    expect(m!.warmup).toEqual({ day: 1, rampDays: 10, capPerDay: 2, sentLast24h: 0, remainingToday: 2 });
    const q = await executeOk(t.graphqlUrl, Quota, { contactEmail: "x@y.example", mailbox: box }, { token: warm.members.OPERATOR.token });
    expect(q.sendQuota.limits.filter((l) => l.kind === "MAILBOX")).toEqual([
      { kind: "MAILBOX", key: box, limit: 2, windowHours: 24, used: 0, remaining: 2 },
      { kind: "MAILBOX", key: box, limit: 100, windowHours: 24, used: 0, remaining: 100 },
    ]);

    const one = await send(box, warm);
    const two = await send(box, warm);
    await settled(one.id);
    await settled(two.id);
    // The third today is refused by draftSend with the warm-up limit named.
    const contactId = await insertContact(t.db, warm.tenantId, { email: "third@firm.example" });
    const created = await executeOk(t.graphqlUrl, CreateDraft, { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: "Follow-up on the pilot", bodyText: BODY, mailbox: box } }, { token: warm.members.OPERATOR.token });
    const third = created.draftCreate.draft!.id;
    await executeOk(t.graphqlUrl, ApproveDraft, { input: { draftId: third } }, { token: warm.members.OPERATOR.token });
    const refused = await executeOk(t.graphqlUrl, SendDraft, { input: { draftId: third } }, { token: warm.members.OPERATOR.token });
    expect(refused.draftSend.userErrors).toHaveLength(1);
    expect(refused.draftSend.userErrors[0]!.code).toBe("QUOTA_EXCEEDED");
    expect(refused.draftSend.userErrors[0]!.message).toMatch(new RegExp(`^The sender mailbox limit for new@warm\\.example \\(2 per 24 h, warm-up day 1 of 10\\) is reached; it frees up at `));
    m = await mailboxStatus(warm, box);
    expect(m!.warmup).toMatchObject({ day: 1, capPerDay: 2, sentLast24h: 2, remainingToday: 0 });

    // Three days later (the history moved back): day 4, cap 7, and the earlier sends are out of the 24 h window.
    await sql(t.db, `UPDATE "EmailSend" SET "reservedAt" = "reservedAt" - interval '3 days', "sentAt" = "sentAt" - interval '3 days' WHERE "tenantId" = $1`, [warm.tenantId]);
    m = await mailboxStatus(warm, box);
    expect(m!.warmup).toEqual({ day: 4, rampDays: 10, capPerDay: 7, sentLast24h: 0, remainingToday: 7 });
    const q4 = await executeOk(t.graphqlUrl, Quota, { contactEmail: "x@y.example", mailbox: box }, { token: warm.members.OPERATOR.token });
    expect(q4.sendQuota.limits.find((l) => l.kind === "MAILBOX")).toMatchObject({ limit: 7, used: 0 });
    // The refused draft goes now, and counts against day 4's cap.
    const now4 = await executeOk(t.graphqlUrl, SendDraft, { input: { draftId: third } }, { token: warm.members.OPERATOR.token });
    expect(now4.draftSend.userErrors).toEqual([]);
    await settled(third);
    expect((await mailboxStatus(warm, box))!.warmup).toMatchObject({ day: 4, capPerDay: 7, sentLast24h: 1, remainingToday: 6 });

    // Past the ramp the cap is gone.
    await sql(t.db, `UPDATE "EmailSend" SET "reservedAt" = "reservedAt" - interval '20 days', "sentAt" = "sentAt" - interval '20 days' WHERE "tenantId" = $1`, [warm.tenantId]);
    expect((await mailboxStatus(warm, box))!.warmup).toBeNull();
  });
});
