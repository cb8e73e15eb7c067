// The funnel timestamps each sent draft carries for the outcome report
// (bouncedAt, repliedAt, positiveReplyAt, meetingAt, dealCreatedAt, dealWonAt;
// kept by the triggers of migration 20261209030000_draft_funnel_timestamps)
// are set by every real transition path, through the public API: approve and
// send (the send worker), a reply ingested into the draft's thread and its
// analysis, a bounce ingested about the recipient, a meeting logged, a deal
// created with the contact and closed won. Each is compared with the row the
// event wrote (the message's receivedAt, the activity's occurredAt, the deal's
// createdAt and closedAt), and undoing an event (a meeting deleted) clears it.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { agentsSettled, fixtureEmail, rawEmail, startAgentTestApp } from "../../helpers/agents.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { approveDraft, createDraft, DraftCreate, sendApprovedDraft } from "../../helpers/draft.js";
import { executeOk } from "../../helpers/graphql.js";
import { patchSettings, sql } from "../../helpers/operator.js";

const Ingest = graphql(`
  mutation FunnelIngest($input: MessageIngestInput!) {
    messageIngest(input: $input) { inboundMessage { id } userErrors { code message } }
  }
`);
const ActivityLog = graphql(`
  mutation FunnelActivityLog($input: ActivityLogInput!) {
    activityLog(input: $input) { activity { id } userErrors { code message } }
  }
`);
const DealCreate = graphql(`
  mutation FunnelDealCreate($input: DealCreateInput!) {
    dealCreate(input: $input) { deal { id } userErrors { code message } }
  }
`);
const DealClose = graphql(`
  mutation FunnelDealClose($input: DealCloseInput!) {
    dealClose(input: $input) { deal { id status } userErrors { code message } }
  }
`);

interface FunnelRow {
  id: string;
  contactId: string;
  approvedAt: Date | null;
  sentAt: Date | null;
  bouncedAt: Date | null;
  repliedAt: Date | null;
  positiveReplyAt: Date | null;
  meetingAt: Date | null;
  dealCreatedAt: Date | null;
  dealWonAt: Date | null;
}

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await startAgentTestApp();
  tenant = await createTenant(t, "funnel-ts");
  await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED" } });
});
afterAll(() => t?.close());

const funnelOf = async (draftId: string): Promise<FunnelRow> =>
  (
    await sql<FunnelRow>(
      t.db,
      `SELECT "id", "contactId", "approvedAt", "sentAt", "bouncedAt", "repliedAt", "positiveReplyAt", "meetingAt", "dealCreatedAt", "dealWonAt"
       FROM "Draft" WHERE "tenantId" = $1 AND "id" = $2`,
      [tenant.tenantId, draftId],
    )
  )[0]!;
const uuidOf = (globalId: string) => decodeGlobalID(globalId).id;

/** Creates, approves and sends a draft through the API; waits for the send worker. */
async function sendDraft(recipient: string, subject: string): Promise<{ id: string; messageId: string }> {
  const draftId = await createDraft(t, tenant, { recipient: { email: recipient }, subject, bodyText: "Hi,\n\nWould a short pilot help your team?\n\nBest,\nOscar" });
  const beforeApprove = await funnelOf(uuidOf(draftId));
  expect(beforeApprove.approvedAt).toBeNull();
  await approveDraft(t, tenant, draftId);
  expect((await funnelOf(uuidOf(draftId))).approvedAt).toBeInstanceOf(Date);
  const sent = await sendApprovedDraft(t, tenant, draftId);
  return { id: uuidOf(draftId), messageId: sent.messageId };
}

describe("draft funnel timestamps", () => {
  it("are set by approve, send, reply, meeting, deal and won, and cleared when the meeting is removed", async () => {
    const op = tenant.members.OPERATOR;
    const draft = await sendDraft("dev@quanta.example", "Pilot for Quanta");
    const sent = await funnelOf(draft.id);
    expect(sent.sentAt).toBeInstanceOf(Date);
    expect(sent.approvedAt!.getTime()).toBeLessThanOrEqual(sent.sentAt!.getTime());
    // Sent, nothing else yet.
    expect([sent.bouncedAt, sent.repliedAt, sent.positiveReplyAt, sent.meetingAt, sent.dealCreatedAt, sent.dealWonAt]).toEqual([null, null, null, null, null, null]);

    // A reply in the draft's thread; its analysis decides whether it is positive.
    const reply = rawEmail(
      { From: "Dev Rao <dev@quanta.example>", To: op.email, Subject: "Re: Pilot for Quanta", "Message-ID": "<funnel-reply-1@quanta.example>", "In-Reply-To": draft.messageId, References: draft.messageId, Date: new Date().toUTCString() },
      ["Hi Oscar,", "", "Sounds great, we are very interested and would love to learn more.", "", "Dev"],
    );
    const ingested = await executeOk(t.graphqlUrl, Ingest, { input: { raw: reply } }, { token: op.token });
    expect(ingested.messageIngest.userErrors).toEqual([]);
    await agentsSettled(t, tenant.tenantId);
    const [message] = await sql<{ receivedAt: Date; intent: string }>(
      t.db,
      `SELECT "receivedAt", "intent"::text AS intent FROM "InboundMessage" WHERE "tenantId" = $1 AND "messageId" = '<funnel-reply-1@quanta.example>'`,
      [tenant.tenantId],
    );
    expect(message!.intent).toBe("INTERESTED");
    const replied = await funnelOf(draft.id);
    expect(replied.repliedAt).toEqual(message!.receivedAt);
    expect(replied.positiveReplyAt).toEqual(message!.receivedAt);
    expect(replied.meetingAt).toBeNull();

    // A meeting logged with the contact.
    const meetingAt = new Date(Date.now() + 60_000);
    const logged = await executeOk(
      t.graphqlUrl,
      ActivityLog,
      { input: { type: "MEETING", direction: "OUTBOUND", contactId: encodeGlobalID("Contact", sent.contactId), subject: "Pilot call", occurredAt: meetingAt.toISOString() } },
      { token: op.token },
    );
    expect(logged.activityLog.userErrors).toEqual([]);
    expect((await funnelOf(draft.id)).meetingAt).toEqual(meetingAt);

    // A deal with the contact, then won.
    const deal = await executeOk(t.graphqlUrl, DealCreate, { input: { name: "Quanta pilot", contactIds: [encodeGlobalID("Contact", sent.contactId)] } }, { token: tenant.members.MANAGER.token });
    expect(deal.dealCreate.userErrors).toEqual([]);
    const dealId = uuidOf(deal.dealCreate.deal!.id);
    const [dealRow] = await sql<{ createdAt: Date }>(t.db, `SELECT "createdAt" FROM "Deal" WHERE "id" = $1`, [dealId]);
    const withDeal = await funnelOf(draft.id);
    expect(withDeal.dealCreatedAt).toEqual(dealRow!.createdAt);
    expect(withDeal.dealWonAt).toBeNull();
    const won = await executeOk(t.graphqlUrl, DealClose, { input: { dealId: deal.dealCreate.deal!.id, outcome: "WON" } }, { token: tenant.members.MANAGER.token });
    expect(won.dealClose.userErrors).toEqual([]);
    const [closed] = await sql<{ closedAt: Date }>(t.db, `SELECT "closedAt" FROM "Deal" WHERE "id" = $1`, [dealId]);
    expect(closed!.closedAt).toBeInstanceOf(Date);
    const wonRow = await funnelOf(draft.id);
    expect(wonRow.dealWonAt).toEqual(closed!.closedAt);
    expect(wonRow.bouncedAt).toBeNull();

    // Undoing an event recomputes: the meeting removed, no meeting any more.
    await sql(t.db, `DELETE FROM "Activity" WHERE "tenantId" = $1 AND "id" = $2`, [tenant.tenantId, uuidOf(logged.activityLog.activity!.id)]);
    expect((await funnelOf(draft.id)).meetingAt).toBeNull();
  });

  it("are set by a bounce about the recipient, and stay unset on drafts not sent", async () => {
    const op = tenant.members.OPERATOR;
    // The fixture DSN reports no.such.person@fixture-buyer.example as unknown.
    const draft = await sendDraft("no.such.person@fixture-buyer.example", "Onboarding in half the time");
    const pending = await executeOk(t.graphqlUrl, DraftCreate, { input: { recipient: { email: "no.such.person@fixture-buyer.example" }, subject: "Second note", bodyText: "Hi again" } }, { token: op.token });
    const ingested = await executeOk(t.graphqlUrl, Ingest, { input: { raw: await fixtureEmail("dsn-hard-recipient-unknown.eml") } }, { token: op.token });
    expect(ingested.messageIngest.userErrors).toEqual([]);
    const [bounce] = await sql<{ receivedAt: Date }>(
      t.db,
      `SELECT "receivedAt" FROM "InboundMessage" WHERE "tenantId" = $1 AND "id" = $2`,
      [tenant.tenantId, uuidOf(ingested.messageIngest.inboundMessage!.id)],
    );
    const bounced = await funnelOf(draft.id);
    expect(bounced.bouncedAt).toEqual(bounce!.receivedAt);
    expect(bounced.repliedAt).toBeNull();
    const unsent = await funnelOf(uuidOf(pending.draftCreate.draft!.id));
    expect(unsent.sentAt).toBeNull();
    expect(unsent.bouncedAt).toBeNull();
  });
});
