// The weekly digest (issue 13): opt-in per person, written once per member and
// week from Monday 07:00 in the tenant's zone, with figures of a seeded week
// (computed by hand below), a draft to oneself only when asked for (pending
// review, never sent), nothing for people who did not opt in or lost
// report:read, and nothing of another tenant.
import { encodeGlobalID } from "@pothos/plugin-relay";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastFullWeek } from "../../../src/domain/report/weekly-digest.js";
import { writeDueWeeklyDigests, writeWeeklyDigest } from "../../../src/orchestration/report/weekly-digest.js";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk } from "../../helpers/graphql.js";
import { insertContact } from "../../helpers/operator.js";

const Subscribe = graphql(`
  mutation DigestSubscribe($input: WeeklyDigestSubscribeInput!) {
    weeklyDigestSubscribe(input: $input) { settings { subscribed asDraft } userErrors { code message } }
  }
`);
const Settings = graphql(`
  query DigestSettings { weeklyDigestSettings { subscribed asDraft } }
`);
const Digests = graphql(`
  query DigestList { weeklyDigests(first: 10) { edges { node { id subject bodyText periodStart periodEnd figures draftId } } } }
`);
const WriteNow = graphql(`
  mutation DigestWriteNow { weeklyDigestWriteNow { digest { id bodyText figures } userErrors { code message } } }
`);
const CreateDraft = graphql(`
  mutation DigestCreateDraft($input: DraftCreateInput!) { draftCreate(input: $input) { draft { id } userErrors { code } } }
`);
const Approve = graphql(`
  mutation DigestApprove($input: DraftApproveInput!) { draftApprove(input: $input) { draft { status } userErrors { code } } }
`);
const Reject = graphql(`
  mutation DigestReject($input: DraftRejectInput!) { draftReject(input: $input) { draft { status } userErrors { code } } }
`);
const RemoveMember = graphql(`
  mutation DigestRemoveMember($input: MembershipRemoveInput!) { membershipRemove(input: $input) { userErrors { code } } }
`);

describe("weekly digest", () => {
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  let owner: pg.Client;
  /** A Monday 08:00 after the week holding everything seeded now. */
  let monday: Date;

  beforeAll(async () => {
    t = await startTestApp();
    a = await createTenant(t, "digest-a");
    b = await createTenant(t, "digest-b");
    owner = new pg.Client({ connectionString: t.db.ownerUrl });
    await owner.connect();
    // The tenants' zone is UTC (the default): this week runs Monday 00:00 to Monday 00:00 UTC.
    const week = lastFullWeek(new Date(Date.now() + 7 * 86_400_000), "UTC");
    monday = new Date(week.end.getTime() + 8 * 3_600_000);

    // Tenant A's week, by hand: 3 drafts written, 2 approved, 1 rejected ("Too pushy"), nothing sent.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const contactId = await insertContact(t.db, a.tenantId, { email: `buyer${i}@digest-prospect${i}.example`, firstName: "Bo" });
      const created = await executeOk(
        t.graphqlUrl,
        CreateDraft,
        { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: `Pilot ${i}`, bodyText: "Hello Bo,\n\nCould we talk about the pilot on Thursday?\n\nSam" } },
        { token: a.members.MANAGER.token },
      );
      expect(created.draftCreate.userErrors).toEqual([]);
      ids.push(created.draftCreate.draft!.id);
    }
    for (const id of ids.slice(0, 2)) {
      expect((await executeOk(t.graphqlUrl, Approve, { input: { draftId: id } }, { token: a.members.OPERATOR.token })).draftApprove.userErrors).toEqual([]);
    }
    expect((await executeOk(t.graphqlUrl, Reject, { input: { draftId: ids[2]!, reason: "Too pushy" } }, { token: a.members.OPERATOR.token })).draftReject.userErrors).toEqual([]);
  });

  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  const rows = async (sql: string, params: unknown[]) => (await owner.query(sql, params)).rows;

  it("is opt-in per person, with the draft copy as an option", async () => {
    expect((await executeOk(t.graphqlUrl, Settings, {}, { token: a.members.MANAGER.token })).weeklyDigestSettings).toEqual({ subscribed: false, asDraft: false });
    const on = await executeOk(t.graphqlUrl, Subscribe, { input: { subscribed: true, asDraft: true } }, { token: a.members.MANAGER.token });
    expect(on.weeklyDigestSubscribe).toEqual({ settings: { subscribed: true, asDraft: true }, userErrors: [] });
    const analyst = await executeOk(t.graphqlUrl, Subscribe, { input: { subscribed: true } }, { token: a.members.ANALYST.token });
    expect(analyst.weeklyDigestSubscribe.settings).toEqual({ subscribed: true, asDraft: false });
    // Others are untouched by someone else's choice.
    expect((await executeOk(t.graphqlUrl, Settings, {}, { token: a.members.OPERATOR.token })).weeklyDigestSettings.subscribed).toBe(false);
    expect(await rows(`SELECT action FROM "AuditEntry" WHERE "tenantId" = $1 AND action = 'weekly_digest.subscribed'`, [a.tenantId])).toHaveLength(2);
  });

  it("is not written before Monday 07:00 in the tenant's zone, then once per member and week", async () => {
    const target = { tenantId: a.tenantId, userId: a.members.MANAGER.userId };
    const early = await writeWeeklyDigest(t.app.services, target, new Date(monday.getTime() - 2 * 3_600_000));
    expect(early.status).toBe("NOT_DUE");

    const result = await writeDueWeeklyDigests(t.app.services, monday);
    // The MANAGER and the ANALYST of tenant A opted in; nobody of tenant B did.
    expect(result.written).toBe(2);
    const again = await writeDueWeeklyDigests(t.app.services, new Date(monday.getTime() + 3_600_000));
    expect(again.written).toBe(0);
    const stored = await rows(`SELECT "userId", "draftId" FROM "WeeklyDigest" WHERE "tenantId" = $1 ORDER BY "userId"`, [a.tenantId]);
    expect(stored.map((r) => r.userId).sort()).toEqual([a.members.MANAGER.userId, a.members.ANALYST.userId].sort());
    expect(await rows(`SELECT 1 FROM "WeeklyDigest" WHERE "tenantId" = $1`, [b.tenantId])).toHaveLength(0);
  });

  it("reports the seeded week's figures, and the draft copy waits for review", async () => {
    const list = await executeOk(t.graphqlUrl, Digests, {}, { token: a.members.MANAGER.token });
    expect(list.weeklyDigests.edges).toHaveLength(1);
    const digest = list.weeklyDigests.edges[0]!.node;
    const week = (digest.figures as { week: Record<string, unknown> }).week;
    expect(week).toMatchObject({ drafted: 3, approved: 2, sent: 0, replied: 0, won: 0, aiApproved: 0, aiRejected: 0 });
    expect(digest.bodyText).toContain("Drafts written: 3");
    expect(digest.bodyText).toContain("Approved: 2");
    expect(digest.bodyText).toContain("Sent: 0");
    expect(digest.bodyText).toContain("Drafts were approved but nothing was sent");
    expect(digest.bodyText).toContain(`Hello ${"MANAGER of " + a.slug}`);
    expect(digest.subject).toContain(`Tenant ${a.slug}: your week in sales`);
    expect(new Date(digest.periodEnd).getTime() - new Date(digest.periodStart).getTime()).toBe(7 * 86_400_000);

    // The copy the MANAGER asked for: a draft to their own address, pending review — nothing is sent.
    expect(digest.draftId).toBeTruthy();
    const [draft] = await rows(`SELECT status, "recipientEmail", subject FROM "Draft" WHERE "tenantId" = $1 AND subject = $2`, [a.tenantId, digest.subject]);
    expect(draft).toMatchObject({ status: "PENDING_REVIEW", recipientEmail: a.members.MANAGER.email });
    // The ANALYST asked for no copy.
    const [analystDigest] = await rows(`SELECT "draftId" FROM "WeeklyDigest" WHERE "tenantId" = $1 AND "userId" = $2`, [a.tenantId, a.members.ANALYST.userId]);
    expect(analystDigest.draftId).toBeNull();
    // Evented for report readers.
    expect(await rows(`SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND type = 'sales.report.digest_written'`, [a.tenantId])).toHaveLength(2);
  });

  it("shows each person only their own digests, and another tenant none of them", async () => {
    expect((await executeOk(t.graphqlUrl, Digests, {}, { token: a.members.OPERATOR.token })).weeklyDigests.edges).toEqual([]);
    expect((await executeOk(t.graphqlUrl, Digests, {}, { token: b.members.MANAGER.token })).weeklyDigests.edges).toEqual([]);
    // Tenant B's own digest, written now, counts only B's week (nothing).
    const written = await executeOk(t.graphqlUrl, WriteNow, {}, { token: b.members.MANAGER.token });
    expect(written.weeklyDigestWriteNow.userErrors).toEqual([]);
    const figures = written.weeklyDigestWriteNow.digest!.figures as { week: { drafted: number } };
    expect(figures.week.drafted).toBe(0);
    const mine = await executeOk(t.graphqlUrl, Digests, {}, { token: b.members.MANAGER.token });
    expect(mine.weeklyDigests.edges.map((e) => e.node.id)).toEqual([written.weeklyDigestWriteNow.digest!.id]);
  });

  it("stops for someone who can no longer read reports, and for those who opt out", async () => {
    // Every human role has report:read, so access ends when the membership does.
    const off = await executeOk(t.graphqlUrl, Subscribe, { input: { subscribed: false } }, { token: a.members.ANALYST.token });
    expect(off.weeklyDigestSubscribe.settings).toEqual({ subscribed: false, asDraft: false });
    const nextMonday = new Date(monday.getTime() + 7 * 86_400_000);
    const result = await writeDueWeeklyDigests(t.app.services, nextMonday);
    expect(result.written).toBe(1); // the MANAGER only
    // A member who has left gets none.
    const removed = await executeOk(t.graphqlUrl, RemoveMember, { input: { membershipId: encodeGlobalID("Membership", a.members.MANAGER.membershipId) } }, { token: a.members.OWNER.token });
    expect(removed.membershipRemove.userErrors).toEqual([]);
    const gone = await writeWeeklyDigest(t.app.services, { tenantId: a.tenantId, userId: a.members.MANAGER.userId }, new Date(nextMonday.getTime() + 7 * 86_400_000));
    expect(gone.status).toBe("NO_ACCESS");
    expect((await writeDueWeeklyDigests(t.app.services, new Date(nextMonday.getTime() + 7 * 86_400_000))).written).toBe(0);
  });
});
