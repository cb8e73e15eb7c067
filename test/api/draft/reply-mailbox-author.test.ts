// Who answers mail synced from a connected Google mailbox (domain/draft/reply-author.ts),
// end to end: the message is delivered into the fake Gmail, synced through the
// real sync, analysed and answered by the agents on pg-boss; the reply's
// meeting slots come from the fake Calendar's freeBusy of the right account.
// - A member's own mailbox: the reply is theirs — their calendar, sent from that
//   mailbox (through Gmail, into the prospect's thread) — even when the contact
//   belongs to another member with a calendar.
// - The tenant's shared mailbox: the contact's owner when they have a connected
//   calendar; else the member who connected the mailbox. Sent from the shared mailbox.
// Every Google address differs from the member's sign-in address, as in the
// walkthrough (that is what made the author fall back to the OWNER before).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncMailbox } from "../../../src/orchestration/connection/gmail-sync.js";
import { approveDraft, createDraft, sendDraft } from "../../../src/orchestration/draft/draft.js";
import { agentsSettled, rawEmail } from "../../helpers/agents.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { insertContact, patchSettings, sql, startOperatorApp, userActor, waitFor } from "../../helpers/operator.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";
import { connectGoogle, fakeGoogleEnv } from "../../helpers/google.js";

const OSCAR_MAILBOX = "oscar.inbox@mail-seller.example"; // the OPERATOR's own Gmail (mail and calendar)
const SHARED_MAILBOX = "sales@mail-seller.example"; // the tenant's shared Gmail, connected by the ADMIN (mail only)
const MARA_CALENDAR = "mara.cal@mail-seller.example"; // the MANAGER's calendar
const ADELE_CALENDAR = "adele.cal@mail-seller.example"; // the ADMIN's own calendar

/** The one free UTC hour of each calendar (busy the rest of every day). */
const FREE_HOUR: Record<string, number> = { [OSCAR_MAILBOX]: 14, [MARA_CALENDAR]: 10, [ADELE_CALENDAR]: 16 };

let t: TestApp;
let google: FakeGoogle;
let tenant: TestTenant;
const connections: Record<string, string> = {};

beforeAll(async () => {
  google = await startFakeGoogle();
  t = await startOperatorApp({ workers: 1, env: { AGENT_POLL_SECONDS: "0.5", ...fakeGoogleEnv(google), CONNECTOR_RETRY_BASE_MS: "10" } });
  tenant = await createTenant(t, "reply-author");
  await patchSettings(t.db, tenant.tenantId, { general: { timeZone: "UTC" }, sending: { mode: "SEND_ALLOWED", mailboxes: [] } });
  connections[OSCAR_MAILBOX] = await connectGoogle(t, google, { tenant, role: "OPERATOR" }, OSCAR_MAILBOX, { scopes: ["gmail.readonly", "gmail.send", "calendar.freebusy"] });
  connections[SHARED_MAILBOX] = await connectGoogle(t, google, { tenant, role: "ADMIN" }, SHARED_MAILBOX, { scopes: ["gmail.readonly", "gmail.send"], shared: true });
  await connectGoogle(t, google, { tenant, role: "MANAGER" }, MARA_CALENDAR, { scopes: ["calendar.freebusy"] });
  await connectGoogle(t, google, { tenant, role: "ADMIN" }, ADELE_CALENDAR, { scopes: ["calendar.freebusy"] });
  for (const [calendar, hour] of Object.entries(FREE_HOUR)) {
    google.calendar.seedBusyCalendar(calendar, { from: new Date(Date.now() - 86_400_000), days: 20, busyRanges: [{ startHourUtc: 0, endHourUtc: hour }, { startHourUtc: hour + 1, endHourUtc: 24 }] });
  }
  // Both mailboxes' first sync (empty): from now on every sync is incremental.
  for (const mailbox of [OSCAR_MAILBOX, SHARED_MAILBOX]) {
    expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId: connections[mailbox]! })).toMatchObject({ mode: "FULL", imported: 0 });
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
  await google?.close();
});

/** A contact owned by `owner`; a meeting request from them delivered into `mailbox`, synced, analysed and answered. */
async function meetingRequestThrough(mailbox: string, contactEmail: string, owner: "OWNER" | "MANAGER") {
  const contactId = await insertContact(t.db, tenant.tenantId, { email: contactEmail, firstName: "Dana" });
  await sql(t.db, `UPDATE "Contact" SET "ownerId" = $1 WHERE "id" = $2`, [tenant.members[owner].userId, contactId]);
  const runsBefore = (await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "AgentRun" WHERE "tenantId" = $1`, [tenant.tenantId]))[0]!.n;
  const queriesBefore = google.calendar.queries.length;
  const delivered = google.gmail.deliver(mailbox, {
    raw: rawEmail(
      { From: `Dana Kerr <${contactEmail}>`, To: mailbox, Subject: "Re: Pilot for the clinics", "Message-ID": `<${randomUUID()}@buyer.example>`, Date: new Date().toUTCString() },
      ["Hi,", "", "Could we set up a call next week to go through the pricing?", "", "Best,", "Dana"],
    ),
  });
  expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId: connections[mailbox]! })).toMatchObject({ mode: "INCREMENTAL", imported: 1 });
  await agentsSettled(t, tenant.tenantId, { atLeast: runsBefore + 3, timeoutMs: 60_000 });
  const [draft] = await sql<{ id: string; mailbox: string; offeredSlots: { slots: { start: string; end: string; label: string }[]; noSlotReason: string | null } | null; bodyText: string; inReplyTo: string | null }>(
    t.db,
    `SELECT d."id", d."mailbox", d."offeredSlots", d."bodyText", d."inReplyTo" FROM "Draft" d JOIN "Contact" c ON c."id" = d."contactId" WHERE d."tenantId" = $1 AND c."email" = $2`,
    [tenant.tenantId, contactEmail],
  );
  expect(draft, "a reply draft was written").toBeDefined();
  const [run] = await sql<{ author: string | null }>(t.db, `SELECT "output"->>'authorUserId' AS author FROM "AgentRun" WHERE "tenantId" = $1 AND "agent" = 'draft-writer' AND "output"->>'draftId' = $2`, [tenant.tenantId, draft!.id]);
  return { draft: draft!, author: run?.author ?? null, delivered, freeBusyAccounts: google.calendar.queries.slice(queriesBefore).map((q) => q.account) };
}

/** Every offered slot lies in the calendar's one free UTC hour, and the text offers it as labelled. */
function expectSlotsFrom(calendar: string, draft: { offeredSlots: { slots: { start: string; end: string; label: string }[]; noSlotReason: string | null } | null; bodyText: string }) {
  expect(draft.offeredSlots?.noSlotReason ?? null).toBeNull();
  const slots = draft.offeredSlots?.slots ?? [];
  expect(slots.length).toBeGreaterThanOrEqual(2);
  for (const s of slots) {
    const start = new Date(s.start);
    const end = new Date(s.end);
    expect(start.getUTCHours(), s.label).toBe(FREE_HOUR[calendar]);
    expect(end.getTime() <= Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate(), FREE_HOUR[calendar]! + 1), s.label).toBe(true);
    expect(draft.bodyText).toContain(s.label);
  }
}

describe("replies to mail of a connected mailbox", () => {
  it("a member's own mailbox: written as its owner, slots from their calendar, sent from that mailbox into the thread", async () => {
    const { draft, author, delivered, freeBusyAccounts } = await meetingRequestThrough(OSCAR_MAILBOX, "dana@clinic-one.example", "MANAGER");
    // The contact's owner (MANAGER) has a calendar too: the mailbox's owner still answers.
    expect(author).toBe(tenant.members.OPERATOR.userId);
    expect(draft.mailbox).toBe(OSCAR_MAILBOX);
    expect(freeBusyAccounts).toEqual([OSCAR_MAILBOX]);
    expectSlotsFrom(OSCAR_MAILBOX, draft);

    // Approved and sent: through Gmail as that mailbox, in the prospect's thread.
    const manager = userActor(tenant, "MANAGER");
    const approved = await approveDraft(t.app.services, manager, { draftId: draft.id });
    expect(approved.ok, JSON.stringify(!approved.ok && approved.errors)).toBe(true);
    const sent = await sendDraft(t.app.services, manager, { draftId: draft.id });
    expect(sent.ok, JSON.stringify(!sent.ok && sent.errors)).toBe(true);
    await waitFor(async () => (await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "Draft" WHERE "id" = $1`, [draft.id]))[0]?.status === "SENT", 30_000, "the reply to be sent");
    const out = google.gmail.sent.filter((s) => s.mailbox === OSCAR_MAILBOX);
    expect(out).toHaveLength(1);
    expect(out[0]!.threadId).toBe(delivered.threadId);
  }, 120_000);

  it("the shared mailbox: the contact's owner when they have a calendar, sent from the shared mailbox", async () => {
    const { draft, author, freeBusyAccounts } = await meetingRequestThrough(SHARED_MAILBOX, "dana@clinic-two.example", "MANAGER");
    expect(author).toBe(tenant.members.MANAGER.userId);
    expect(draft.mailbox).toBe(SHARED_MAILBOX);
    expect(freeBusyAccounts).toEqual([MARA_CALENDAR]);
    expectSlotsFrom(MARA_CALENDAR, draft);
  }, 120_000);

  it("the shared mailbox, the contact's owner without a calendar: the member who connected the mailbox", async () => {
    const { draft, author, freeBusyAccounts } = await meetingRequestThrough(SHARED_MAILBOX, "dana@clinic-three.example", "OWNER");
    expect(author).toBe(tenant.members.ADMIN.userId);
    expect(draft.mailbox).toBe(SHARED_MAILBOX);
    expect(freeBusyAccounts).toEqual([ADELE_CALENDAR]);
    expectSlotsFrom(ADELE_CALENDAR, draft);
  }, 120_000);

  it("nobody else may send from a member's connected mailbox, from the shared one outside a reply to it, or from another tenant's", async () => {
    const contactId = await insertContact(t.db, tenant.tenantId, { email: "someone@clinic-four.example" });
    const base = { recipient: { contactId }, subject: "Hello", bodyText: "Hello there", category: "ONE_TO_ONE" as const };
    const theirs = await createDraft(t.app.services, userActor(tenant, "MANAGER"), { ...base, mailbox: OSCAR_MAILBOX });
    expect(!theirs.ok && theirs.errors[0]!.code).toBe("MAILBOX_NOT_ALLOWED");
    const shared = await createDraft(t.app.services, userActor(tenant, "MANAGER"), { ...base, mailbox: SHARED_MAILBOX });
    expect(!shared.ok && shared.errors[0]!.code).toBe("MAILBOX_NOT_ALLOWED");
    const own = await createDraft(t.app.services, userActor(tenant, "OPERATOR"), { ...base, mailbox: OSCAR_MAILBOX });
    expect(own.ok, JSON.stringify(!own.ok && own.errors)).toBe(true);
    // Another tenant's member, even one whose own Google account has that address elsewhere, sees no such connection.
    const other = await createTenant(t, "reply-author-other");
    const otherContact = await insertContact(t.db, other.tenantId, { email: "someone@clinic-four.example" });
    const cross = await createDraft(t.app.services, userActor(other, "OPERATOR"), { ...base, recipient: { contactId: otherContact }, mailbox: OSCAR_MAILBOX });
    expect(!cross.ok && cross.errors[0]!.code).toBe("MAILBOX_NOT_ALLOWED");
  });
});
