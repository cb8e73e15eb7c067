// Bounces and sequences (issue 12): a bounce that only the inbound analysis
// (the model) recognises — a relayed notice without a DSN — is counted as a
// deliverability signal against our send like a rule-detected one; a soft
// bounce does not end the cadence, but the recipient's repeated soft bounces
// (3 within 7 days by default) pause their enrolment with the reason. A
// relayed bounce suppresses the failed recipient its content names, never the relay.
import { encodeGlobalID, decodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";

const CREATE = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code field message } } }`;
const ENROLL = `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) { results { contactId refusal enrollment { id } } userErrors { code message } } }`;
const INGEST = `mutation($input: MessageIngestInput!) { messageIngest(input: $input) { inboundMessage { id ruleKind } userErrors { code message } } }`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let t: TestApp;
let a: TestTenant;
const MAILBOX = "sales@bounce-a.example";

async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as Json;
}

/** A sequence, a contact enrolled in it, and a send of ours to that contact (what a bounce is attributed to). */
async function enrolledWithSend(email: string): Promise<{ contactId: string; enrollmentId: string; messageId: string }> {
  const created = await ok(a.members.MANAGER.token, CREATE, {
    input: { name: `Bounce ${email}`, steps: [{ kind: "EMAIL", delayAmount: 10, brief: "Introduce us." }], skipWeekends: false },
  });
  const contactId = await insertContact(t.db, a.tenantId, { email, firstName: email.split("@")[0] });
  const enrolled = await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId: created.sequenceCreate.sequence.id, contactIds: [encodeGlobalID("Contact", contactId)] } });
  const enrollmentId = decodeGlobalID(enrolled.sequenceEnroll.results[0].enrollment.id).id;
  const [draft] = await sql<{ id: string }>(
    t.db,
    `INSERT INTO "Draft" (id, "tenantId", "contactId", mailbox, "recipientEmail", origin, "authorType", "authorId", "authorLabel", status, subject, "bodyText", "qualityReport", "sentAt", "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, $4, 'AGENT', 'AGENT', 'draft-writer', 'draft-writer', 'SENT', 'Onboarding', 'Hello', '{}', now(), now()) RETURNING id`,
    [a.tenantId, contactId, MAILBOX, email],
  );
  const messageId = `<draft-${draft!.id}@bounce-a.example>`;
  await sql(
    t.db,
    `INSERT INTO "EmailSend" (id, "tenantId", "draftId", mailbox, "recipientEmail", "recipientDomain", state, transport, "messageId", "reservedAt", "sentAt")
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, 'SENT', 'outbox', $6, now() - interval '1 hour', now() - interval '1 hour')`,
    [a.tenantId, draft!.id, MAILBOX, email, email.split("@")[1], messageId],
  );
  return { contactId, enrollmentId, messageId };
}

let n = 0;
/** A delivery failure relayed by the recipient's IT desk as plain text: no DSN, no bounce headers — only its wording says bounce. */
function relayedBounce(to: string, ourMessageId: string, status: string, diagnostic: string): string {
  const domain = to.split("@")[1];
  return [
    `From: IT Helpdesk <helpdesk@${domain}>`,
    `To: ${MAILBOX}`,
    `Subject: Fwd: your message to ${to}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <relay-${Date.now()}-${++n}@${domain}>`,
    "",
    `Your message to ${to} couldn't be delivered. The server said: ${status} ${diagnostic}`,
    "",
    `Original Message-ID: ${ourMessageId}`,
    "",
  ].join("\r\n");
}

/** A hard bounce another server relayed: its own From is the relay, the failed recipient is only in the pasted DSN or the quoted original. */
function relayedDsn(relay: string, failed: { finalRecipient?: string; quotedTo?: string }): string {
  return [
    `From: Mail Relay <${relay}>`,
    `To: ${MAILBOX}`,
    `Reply-To: ${relay}`,
    `Subject: Fwd: message not delivered`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <relayed-${Date.now()}-${++n}@${relay.split("@")[1]}>`,
    "",
    `Hello, our gateway ${relay} passed this on: a message of yours couldn't be delivered.`,
    "",
    ...(failed.finalRecipient ? ["Reporting-MTA: dns; mx.far.example", `Final-Recipient: rfc822; ${failed.finalRecipient}`, "Action: failed", "Status: 5.1.1", "Diagnostic-Code: smtp; 550 5.1.1 User unknown", ""] : []),
    ...(failed.quotedTo ? ["----- Original message -----", `From: ${MAILBOX}`, `To: ${failed.quotedTo}`, "Subject: Onboarding", ""] : []),
  ].join("\r\n");
}

async function suppressedValues(): Promise<string[]> {
  return (await sql<{ value: string }>(t.db, `SELECT "value" FROM "Suppression" WHERE "tenantId" = $1 AND "kind" = 'EMAIL' ORDER BY "value"`, [a.tenantId])).map((r) => r.value);
}

async function enrolment(id: string) {
  const [e] = await sql<{ status: string; pauseReason: string | null; pausedUntil: Date | null; exitReason: string | null }>(
    t.db,
    `SELECT "status"::text, "pauseReason", "pausedUntil", "exitReason"::text FROM "SequenceEnrollment" WHERE "id" = $1`,
    [id],
  );
  return e!;
}

async function ingestAndAnalyse(raw: string): Promise<string> {
  const r = await ok(a.members.OPERATOR.token, INGEST, { input: { raw } });
  expect(r.messageIngest.userErrors).toEqual([]);
  // The rules did not take it for a bounce: only the analysis (the model) does.
  expect(r.messageIngest.inboundMessage.ruleKind).not.toBe("BOUNCE");
  const id = decodeGlobalID(r.messageIngest.inboundMessage.id).id;
  await waitFor(async () => {
    const [m] = await sql<{ status: string; intent: string | null }>(t.db, `SELECT "status"::text, "intent" FROM "InboundMessage" WHERE "id" = $1`, [id]);
    return m!.status === "ANALYSED" ? m : null;
  }, 90_000, `analysis of ${id}`);
  return id;
}

beforeAll(async () => {
  t = await startOperatorApp({ workers: 0, env: { AGENT_POLL_SECONDS: "0.5" } });
  a = await createTenant(t, "bounce-a");
  await patchSettings(t.db, a.tenantId, { general: { timeZone: "Europe/Berlin" }, sending: { mailboxes: [MAILBOX] }, agents: { draftReplies: false } });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("bounces the model recognised, and repeated soft bounces", () => {
  it("counts a model-recognised soft bounce as a signal; the cadence goes on until the third, which pauses the enrolment with the reason", async () => {
    const kim = await enrolledWithSend("kim@softco.example");
    const signals = async () =>
      sql<{ kind: string; recipientEmail: string; emailSendId: string | null }>(t.db, `SELECT "kind"::text, "recipientEmail", "emailSendId" FROM "DeliverabilitySignal" WHERE "tenantId" = $1 AND "recipientEmail" = $2`, [
        a.tenantId,
        "kim@softco.example",
      ]);
    for (let i = 1; i <= 3; i++) {
      const id = await ingestAndAnalyse(relayedBounce("kim@softco.example", kim.messageId, "452 4.2.2", "Mailbox full, try again later"));
      const [m] = await sql<{ intent: string }>(t.db, `SELECT "intent" FROM "InboundMessage" WHERE "id" = $1`, [id]);
      expect(m!.intent).toBe("BOUNCE");
      const counted = await signals();
      expect(counted).toHaveLength(i);
      expect(counted.every((s) => s.kind === "SOFT_BOUNCE" && s.emailSendId !== null)).toBe(true);
      const e = await enrolment(kim.enrollmentId);
      if (i < 3) expect(e.status).toBe("ACTIVE");
      else {
        expect(e.status).toBe("PAUSED");
        expect(e.pauseReason).toBe("3 soft bounces to this address in the last 7 days (the tenant pauses at 3): paused for 7 days.");
        expect(e.pausedUntil!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
      }
    }
    const [event] = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "type" = 'sales.sequence.enrollment_paused' AND payload->>'enrollmentId' = $1`, [kim.enrollmentId]);
    expect(event!.payload.reason).toMatch(/soft bounces/);
  }, 240_000);

  it("a model-recognised hard bounce is counted as HARD_BOUNCE and ends the enrolment (BOUNCED)", async () => {
    const lee = await enrolledWithSend("lee@hardco.example");
    await ingestAndAnalyse(relayedBounce("lee@hardco.example", lee.messageId, "550 5.1.1", "User unknown"));
    const [signal] = await sql<{ kind: string }>(t.db, `SELECT "kind"::text FROM "DeliverabilitySignal" WHERE "tenantId" = $1 AND "recipientEmail" = $2`, [a.tenantId, "lee@hardco.example"]);
    expect(signal?.kind).toBe("HARD_BOUNCE");
    expect(await enrolment(lee.enrollmentId)).toMatchObject({ status: "EXITED", exitReason: "BOUNCED" });
  }, 120_000);

  it("a relayed bounce suppresses the failed recipient from its content (DSN or quoted To), never the relay, and never an address we did not send to", async () => {
    await enrolledWithSend("max@gone.example");
    await enrolledWithSend("ria@gone.example");
    // The relays themselves were mailed once (so "we sent to them" alone would not protect them): only the content decides.
    await enrolledWithSend("gateway@relay-one.example");
    await ingestAndAnalyse(relayedDsn("gateway@relay-one.example", { finalRecipient: "max@gone.example" }));
    await ingestAndAnalyse(relayedDsn("postbox@relay-two.example", { quotedTo: "ria@gone.example" }));
    // Names a failed address we never sent to: nothing is suppressed.
    await ingestAndAnalyse(relayedDsn("postbox@relay-two.example", { finalRecipient: "stranger@elsewhere.example" }));
    const values = await suppressedValues();
    expect(values).toContain("max@gone.example");
    expect(values).toContain("ria@gone.example");
    expect(values).not.toContain("gateway@relay-one.example");
    expect(values).not.toContain("postbox@relay-two.example");
    expect(values).not.toContain("stranger@elsewhere.example");
    // The signal is counted against the failed recipient, not the relay.
    const signals = await sql<{ recipientEmail: string }>(t.db, `SELECT "recipientEmail" FROM "DeliverabilitySignal" WHERE "tenantId" = $1 AND "recipientEmail" LIKE '%gone.example' ORDER BY 1`, [a.tenantId]);
    expect(signals.map((r) => r.recipientEmail)).toEqual(["max@gone.example", "ria@gone.example"]);
  }, 240_000);
});
