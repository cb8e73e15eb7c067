// Sending controls over the API: the kill switch (MANAGER+, audited, stops a
// queued send), the suppression list (removal MANAGER+, audited), the sending
// status, and live subscriptions: a draft going QUEUED → SENT through the real
// worker, and the review queue, each only for its own tenant.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, redisForTests, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk, subscribe, wsClient } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";

const KillSwitch = graphql(`
  mutation SendingTestKillSwitch($input: SendingKillSwitchSetInput!) {
    sendingKillSwitchSet(input: $input) {
      sendingStatus { mode canSend tenantKillSwitch globalKillSwitch killSwitchReason killSwitchChangedBy }
      cancelledDrafts { id status cancelReason }
      userErrors { field code }
    }
  }
`);

const Status = graphql(`
  query SendingTestStatus {
    sendingStatus { mode canSend tenantKillSwitch globalKillSwitch transport }
  }
`);

const AddSuppression = graphql(`
  mutation SendingTestAddSuppression($input: SuppressionAddInput!) {
    suppressionAdd(input: $input) { suppression { id kind value reason createdBy } userErrors { field code message } }
  }
`);

const RemoveSuppression = graphql(`
  mutation SendingTestRemoveSuppression($input: SuppressionRemoveInput!) {
    suppressionRemove(input: $input) { removedSuppressionId userErrors { field code } }
  }
`);

const Suppressions = graphql(`
  query SendingTestSuppressions($search: String) {
    suppressions(first: 50, search: $search) { edges { node { id kind value reason } } }
  }
`);

const CreateDraft = graphql(`
  mutation SendingTestCreate($input: DraftCreateInput!) {
    draftCreate(input: $input) { draft { id status } userErrors { code message } }
  }
`);

const ApproveDraft = graphql(`
  mutation SendingTestApprove($input: DraftApproveInput!) {
    draftApprove(input: $input) { draft { id status } userErrors { code } }
  }
`);

const SendDraft = graphql(`
  mutation SendingTestSend($input: DraftSendInput!) {
    draftSend(input: $input) { draft { id status } userErrors { code message } }
  }
`);

const StatusChanged = graphql(`
  subscription SendingTestStatusChanged($draftId: ID) {
    draftStatusChanged(draftId: $draftId) { type status previousStatus draftId actor draft { id status } }
  }
`);

const PendingChanged = graphql(`
  subscription SendingTestPendingChanged {
    pendingDraftsChanged { change status draftId pendingCount }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;

/** A draft in the other tenant (approved too, when asked), to give that tenant's subscribers an event of their own. */
async function draftOfOtherTenant(approve: boolean): Promise<string> {
  const contactId = await insertContact(t.db, other.tenantId, { email: `other-${Date.now()}@elsewhere.example` });
  const created = await executeOk(
    t.graphqlUrl,
    CreateDraft,
    { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: "Their own draft", bodyText: BODY } },
    { token: other.members.OPERATOR.token },
  );
  const id = created.draftCreate.draft!.id;
  if (approve) expect((await executeOk(t.graphqlUrl, ApproveDraft, { input: { draftId: id } }, { token: other.members.MANAGER.token })).draftApprove.userErrors).toEqual([]);
  return id;
}
const MAILBOX = "sales@acme.example";
const BODY = "Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";

beforeAll(async () => {
  const redis = redisForTests();
  // The real worker sends (one of it), and events travel over Redis when there is one.
  t = await startOperatorApp({ workers: 1, redisUrl: redis.url });
  tenant = await createTenant(t, "sending");
  other = await createTenant(t, "sending-other");
  for (const x of [tenant, other]) await patchSettings(t.db, x.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] } });
});
afterAll(() => t?.close());

let n = 0;
async function approvedDraft(target = tenant): Promise<string> {
  const contactId = await insertContact(t.db, target.tenantId, { email: `buyer${++n}@firm${n}.example` });
  const created = await executeOk(
    t.graphqlUrl,
    CreateDraft,
    { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: "Follow-up on the pilot", bodyText: BODY } },
    { token: target.members.OPERATOR.token },
  );
  const id = created.draftCreate.draft!.id;
  await executeOk(t.graphqlUrl, ApproveDraft, { input: { draftId: id } }, { token: target.members.OPERATOR.token });
  return id;
}

describe("kill switch", () => {
  it("OPERATOR and ANALYST may not flip it; MANAGER may, it is audited and shows in sendingStatus", async () => {
    for (const role of ["OPERATOR", "ANALYST"] as const) {
      const r = await execute(t.graphqlUrl, KillSwitch, { input: { engaged: true } }, { token: tenant.members[role].token });
      expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    const on = await executeOk(t.graphqlUrl, KillSwitch, { input: { engaged: true, reason: "checking a complaint" } }, { token: tenant.members.MANAGER.token });
    expect(on.sendingKillSwitchSet.sendingStatus).toMatchObject({ canSend: false, tenantKillSwitch: true, globalKillSwitch: false, killSwitchReason: "checking a complaint" });
    const status = await executeOk(t.graphqlUrl, Status, {}, { token: tenant.members.ANALYST.token });
    expect(status.sendingStatus).toEqual({ mode: "SEND_ALLOWED", canSend: false, tenantKillSwitch: true, globalKillSwitch: false, transport: "local" });
    // Only this tenant is stopped.
    expect((await executeOk(t.graphqlUrl, Status, {}, { token: other.members.ANALYST.token })).sendingStatus.canSend).toBe(true);
    const off = await executeOk(t.graphqlUrl, KillSwitch, { input: { engaged: false } }, { token: tenant.members.MANAGER.token });
    expect(off.sendingKillSwitchSet.sendingStatus?.canSend).toBe(true);
    const audit = await sql(t.db, `SELECT "action", "actorId" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" LIKE 'sending.%' ORDER BY "createdAt", "id"`, [tenant.tenantId]);
    expect(audit).toEqual([
      { action: "sending.kill_switch_engaged", actorId: tenant.members.MANAGER.userId },
      { action: "sending.kill_switch_released", actorId: tenant.members.MANAGER.userId },
    ]);
  });

  it("stops a queued send: the draft ends CANCELLED, never SENT, and the subscription shows it", async () => {
    // Hold the send with a quota so it is still queued when the switch is flipped.
    await patchSettings(t.db, tenant.tenantId, { quotas: { domain: { limit: 0 } } });
    const id = await approvedDraft();
    await sql(t.db, `UPDATE "Draft" SET "status" = 'QUEUED', "queuedAt" = now() WHERE "id" = $1`, [Buffer.from(id, "base64").toString().split(":")[1]]);
    const sub = await subscribe(t.wsUrl, StatusChanged, { draftId: id }, { Authorization: `Bearer ${tenant.members.ANALYST.token}` });
    try {
      const r = await executeOk(t.graphqlUrl, KillSwitch, { input: { engaged: true, reason: "stop everything" } }, { token: tenant.members.OWNER.token });
      expect(r.sendingKillSwitchSet.cancelledDrafts).toEqual([{ id, status: "CANCELLED", cancelReason: "Stopped by the kill switch: stop everything." }]);
      const event = await sub.next();
      expect(event.draftStatusChanged).toMatchObject({ type: "sales.draft.cancelled", status: "CANCELLED", previousStatus: "QUEUED", draftId: id });
    } finally {
      await sub.close();
      await executeOk(t.graphqlUrl, KillSwitch, { input: { engaged: false } }, { token: tenant.members.OWNER.token });
      await patchSettings(t.db, tenant.tenantId, { quotas: null });
    }
  });
});

describe("suppression list", () => {
  it("OPERATOR adds (address or domain), duplicates are refused, ANALYST may only read", async () => {
    const added = await executeOk(t.graphqlUrl, AddSuppression, { input: { email: "Bounced@Client.example", reason: "BOUNCED" } }, { token: tenant.members.OPERATOR.token });
    expect(added.suppressionAdd.suppression).toMatchObject({ kind: "EMAIL", value: "bounced@client.example", reason: "BOUNCED" });
    const domain = await executeOk(t.graphqlUrl, AddSuppression, { input: { domain: "@Competitor.example" } }, { token: tenant.members.OPERATOR.token });
    expect(domain.suppressionAdd.suppression).toMatchObject({ kind: "DOMAIN", value: "competitor.example", reason: "MANUAL" });
    const twice = await executeOk(t.graphqlUrl, AddSuppression, { input: { email: "bounced@client.example" } }, { token: tenant.members.OPERATOR.token });
    expect(twice.suppressionAdd.userErrors[0]?.code).toBe("ALREADY_SUPPRESSED");
    const both = await executeOk(t.graphqlUrl, AddSuppression, { input: { email: "a@b.example", domain: "b.example" } }, { token: tenant.members.OPERATOR.token });
    expect(both.suppressionAdd.userErrors[0]?.code).toBe("VALIDATION_FAILED");
    const analyst = await execute(t.graphqlUrl, AddSuppression, { input: { email: "x@y.example" } }, { token: tenant.members.ANALYST.token });
    expect(analyst.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const list = await executeOk(t.graphqlUrl, Suppressions, { search: "client" }, { token: tenant.members.ANALYST.token });
    expect(list.suppressions.edges.map((e) => e.node.value)).toEqual(["bounced@client.example"]);
    expect((await executeOk(t.graphqlUrl, Suppressions, {}, { token: other.members.ANALYST.token })).suppressions.edges).toEqual([]);
  });

  it("removal needs MANAGER or above, is audited, and another tenant's entry is not found", async () => {
    const added = await executeOk(t.graphqlUrl, AddSuppression, { input: { email: "remove-me@client.example" } }, { token: tenant.members.OPERATOR.token });
    const id = added.suppressionAdd.suppression!.id;
    const byOperator = await execute(t.graphqlUrl, RemoveSuppression, { input: { suppressionId: id } }, { token: tenant.members.OPERATOR.token });
    expect(byOperator.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const byOtherTenant = await executeOk(t.graphqlUrl, RemoveSuppression, { input: { suppressionId: id } }, { token: other.members.OWNER.token });
    expect(byOtherTenant.suppressionRemove.userErrors[0]?.code).toBe("NOT_FOUND");
    const removed = await executeOk(t.graphqlUrl, RemoveSuppression, { input: { suppressionId: id, reason: "asked to hear from us again" } }, { token: tenant.members.MANAGER.token });
    expect(removed.suppressionRemove).toEqual({ removedSuppressionId: id, userErrors: [] });
    const audit = await sql<{ actorId: string; summary: { why: string } }>(t.db, `SELECT "actorId", "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'suppression.removed'`, [tenant.tenantId]);
    expect(audit).toEqual([{ actorId: tenant.members.MANAGER.userId, summary: expect.objectContaining({ why: "asked to hear from us again" }) }]);
  });

  it("a suppressed recipient cannot be sent to: RECIPIENT_SUPPRESSED at draftSend", async () => {
    const id = await approvedDraft();
    const email = (await sql<{ recipientEmail: string }>(t.db, `SELECT "recipientEmail" FROM "Draft" WHERE "id" = $1`, [Buffer.from(id, "base64").toString().split(":")[1]]))[0]!.recipientEmail;
    await executeOk(t.graphqlUrl, AddSuppression, { input: { email, reason: "COMPLAINED" } }, { token: tenant.members.OPERATOR.token });
    const r = await executeOk(t.graphqlUrl, SendDraft, { input: { draftId: id } }, { token: tenant.members.OPERATOR.token });
    expect(r.draftSend.userErrors[0]?.code).toBe("RECIPIENT_SUPPRESSED");
    expect(r.draftSend.draft).toBeNull();
  });
});

describe("live subscriptions", () => {
  it("draftStatusChanged follows one draft QUEUED → SENDING → SENT through the real worker; other tenants see nothing", async () => {
    const id = await approvedDraft();
    const mine = await subscribe(t.wsUrl, StatusChanged, { draftId: id }, { Authorization: `Bearer ${tenant.members.ANALYST.token}` });
    const all = await subscribe(t.wsUrl, StatusChanged, {}, { Authorization: `Bearer ${tenant.members.OPERATOR.token}` });
    const theirs = await subscribe(t.wsUrl, StatusChanged, {}, { Authorization: `Bearer ${other.members.OWNER.token}` });
    try {
      const sent = await executeOk(t.graphqlUrl, SendDraft, { input: { draftId: id } }, { token: tenant.members.OPERATOR.token });
      expect(sent.draftSend.userErrors).toEqual([]);
      const seen = [await mine.next(10_000), await mine.next(10_000), await mine.next(10_000)].map((e) => e.draftStatusChanged);
      expect(seen.map((e) => [e.type, e.status, e.previousStatus])).toEqual([
        ["sales.draft.queued", "QUEUED", "APPROVED"],
        ["sales.draft.sending", "SENDING", "QUEUED"],
        ["sales.draft.sent", "SENT", "SENDING"],
      ]);
      expect(seen[2]!.actor).toBe("agent:draft-sender");
      expect(seen[2]!.draft).toEqual({ id, status: "SENT" });
      await waitFor(async () => all.received.length >= 3, 5_000, "the unfiltered subscription");
      expect(all.received.every((e) => e.draftStatusChanged.draftId === id)).toBe(true);
      // The other tenant's subscriber: once an event of its own (published after ours) is in, ours would be too.
      const theirId = await draftOfOtherTenant(true);
      await waitFor(async () => theirs.received.some((e) => e.draftStatusChanged.draftId === theirId), 10_000, "the other tenant's own event");
      expect(theirs.received.filter((e) => e.draftStatusChanged.draftId !== theirId)).toEqual([]);
    } finally {
      await Promise.all([mine.close(), all.close(), theirs.close()]);
    }
  });

  it("pendingDraftsChanged reports drafts entering and leaving the review queue", async () => {
    const sub = await subscribe(t.wsUrl, PendingChanged, {}, { Authorization: `Bearer ${tenant.members.OPERATOR.token}` });
    const theirs = await subscribe(t.wsUrl, PendingChanged, {}, { Authorization: `Bearer ${other.members.OPERATOR.token}` });
    try {
      const contactId = await insertContact(t.db, tenant.tenantId, { email: "queue-watch@firm.example" });
      const created = await executeOk(
        t.graphqlUrl,
        CreateDraft,
        { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: "Follow-up on the pilot", bodyText: BODY } },
        { token: tenant.members.OPERATOR.token },
      );
      const id = created.draftCreate.draft!.id;
      const added = (await sub.next()).pendingDraftsChanged;
      expect(added).toMatchObject({ change: "ADDED", status: "PENDING_REVIEW", draftId: id });
      expect(added.pendingCount).toBeGreaterThanOrEqual(1);
      await executeOk(t.graphqlUrl, ApproveDraft, { input: { draftId: id } }, { token: tenant.members.MANAGER.token });
      const removed = (await sub.next()).pendingDraftsChanged;
      expect(removed).toMatchObject({ change: "REMOVED", status: "APPROVED", draftId: id, pendingCount: added.pendingCount - 1 });
      // The other tenant's subscriber: once an event of its own (published after ours) is in, ours would be too.
      const theirId = await draftOfOtherTenant(false);
      await waitFor(async () => theirs.received.some((e) => e.pendingDraftsChanged.draftId === theirId), 10_000, "the other tenant's own event");
      expect(theirs.received.filter((e) => e.pendingDraftsChanged.draftId !== theirId)).toEqual([]);
    } finally {
      await Promise.all([sub.close(), theirs.close()]);
    }
  });

  it("an ANALYST may watch; a connection without a token may not subscribe", async () => {
    const sub = await subscribe(t.wsUrl, PendingChanged, {}, { Authorization: `Bearer ${tenant.members.ANALYST.token}` });
    expect(sub.errors).toEqual([]);
    await sub.close();
    const { client, closed } = wsClient(t.wsUrl, {});
    client.subscribe({ query: PendingChanged.toString() }, { next: () => {}, error: () => {}, complete: () => {} });
    expect((await closed).code).toBe(4403);
    await client.dispose();
  });
});
