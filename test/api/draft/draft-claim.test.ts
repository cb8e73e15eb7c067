// Review claims over real HTTP: a reviewer claims a pending draft, a colleague
// sees who holds it and cannot approve, reject, edit, claim or release it
// (DRAFT_CLAIMED, nothing changes); renewal, release, lapse, a decision ending
// the claim, the role check, another tenant's id, the audit trail, and the
// live update on pendingDraftsChanged. A MANAGER takes over a colleague's
// claim early (draftClaimBreak); an OPERATOR is refused in userErrors.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, redisForTests, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk, subscribe } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp } from "../../helpers/operator.js";

const Create = graphql(`
  mutation ClaimTestCreate($input: DraftCreateInput!) {
    draftCreate(input: $input) { draft { id status } userErrors { field message code } }
  }
`);

const Claim = graphql(`
  mutation ClaimTestClaim($input: DraftClaimInput!) {
    draftClaim(input: $input) { draft { id status claim { holder expiresAt mine } } userErrors { field message code } }
  }
`);

const Release = graphql(`
  mutation ClaimTestRelease($input: DraftReleaseInput!) {
    draftRelease(input: $input) { draft { id claim { holder } } userErrors { field message code } }
  }
`);

const Break = graphql(`
  mutation ClaimTestBreak($input: DraftClaimBreakInput!) {
    draftClaimBreak(input: $input) { draft { id status claim { holder expiresAt mine } } userErrors { field message code } }
  }
`);

const Approve = graphql(`
  mutation ClaimTestApprove($input: DraftApproveInput!) {
    draftApprove(input: $input) { draft { id status claim { holder } } userErrors { field message code } }
  }
`);

const BulkApprove = graphql(`
  mutation ClaimTestBulkApprove($input: DraftsApproveInput!) {
    draftsApprove(input: $input) { approvedCount results { userErrors { field code } } }
  }
`);

const Reject = graphql(`
  mutation ClaimTestReject($input: DraftRejectInput!) {
    draftReject(input: $input) { draft { id status } userErrors { field message code } }
  }
`);

const Update = graphql(`
  mutation ClaimTestUpdate($input: DraftUpdateInput!) {
    draftUpdate(input: $input) { draft { id revision } userErrors { field message code } }
  }
`);

const Get = graphql(`
  query ClaimTestGet($id: ID!) {
    draft(id: $id) { id status revision claim { holder expiresAt mine } }
  }
`);

const PendingChanged = graphql(`
  subscription ClaimTestPendingChanged {
    pendingDraftsChanged { change draftId draft { id claim { holder mine } } }
  }
`);

const MAILBOX = "sales@acme.example";
const BODY = "Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await startOperatorApp({ redisUrl: redisForTests().url });
  tenant = await createTenant(t, "claims");
  other = await createTenant(t, "claims-other");
  for (const x of [tenant, other]) await patchSettings(t.db, x.tenantId, { sending: { mailboxes: [MAILBOX] } });
});
afterAll(() => t?.close());

let n = 0;
async function pendingDraft(target = tenant): Promise<{ gid: string; id: string }> {
  const contactId = await insertContact(t.db, target.tenantId, { email: `reviewee${++n}@firm${n}.example` });
  const created = await executeOk(
    t.graphqlUrl,
    Create,
    { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: "Follow-up on the pilot", bodyText: BODY } },
    { token: target.members.ADMIN.token },
  );
  const gid = created.draftCreate.draft!.id;
  return { gid, id: Buffer.from(gid, "base64").toString("utf8").split(":")[1]! };
}

const operator = () => tenant.members.OPERATOR.token;
const manager = () => tenant.members.MANAGER.token;
const admin = () => tenant.members.ADMIN.token;

async function audit(draftId: string) {
  return (await sql<{ action: string; actorId: string }>(t.db, `SELECT "action", "actorId" FROM "AuditEntry" WHERE "targetId" = $1 ORDER BY "createdAt", "id"`, [draftId])).filter(
    (a) => a.action.startsWith("draft.claim"),
  );
}

describe("claiming a draft for review", () => {
  it("the holder sees their claim; a colleague sees who holds it and is refused every decision, changing nothing", async () => {
    const draft = await pendingDraft();
    const before = Date.now();
    const claimed = await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: operator() });
    expect(claimed.draftClaim.userErrors).toEqual([]);
    const claim = claimed.draftClaim.draft!.claim!;
    expect(claim).toMatchObject({ holder: `user:${tenant.members.OPERATOR.email}`, mine: true });
    // A few minutes (five), not forever.
    const seconds = (new Date(claim.expiresAt as string).getTime() - before) / 1000;
    expect(seconds).toBeGreaterThan(290);
    expect(seconds).toBeLessThan(310);

    const seen = await executeOk(t.graphqlUrl, Get, { id: draft.gid }, { token: manager() });
    expect(seen.draft!.claim).toMatchObject({ holder: `user:${tenant.members.OPERATOR.email}`, mine: false });

    const refusals = [
      (await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: manager() })).draftApprove.userErrors,
      (await executeOk(t.graphqlUrl, Reject, { input: { draftId: draft.gid, reason: "Too pushy" } }, { token: manager() })).draftReject.userErrors,
      (await executeOk(t.graphqlUrl, Update, { input: { draftId: draft.gid, subject: "Changed by someone else" } }, { token: manager() })).draftUpdate.userErrors,
      (await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: manager() })).draftClaim.userErrors,
      (await executeOk(t.graphqlUrl, Release, { input: { draftId: draft.gid } }, { token: manager() })).draftRelease.userErrors,
      (await executeOk(t.graphqlUrl, BulkApprove, { input: { draftIds: [draft.gid] } }, { token: manager() })).draftsApprove.results[0]!.userErrors,
    ];
    for (const errors of refusals) expect(errors[0]).toMatchObject({ code: "DRAFT_CLAIMED" });
    const approveRefusal = (await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: manager() })).draftApprove.userErrors[0]!;
    expect(approveRefusal.message).toContain(`Being reviewed by user:${tenant.members.OPERATOR.email}`);
    expect(approveRefusal.field).toEqual(["input", "draftId"]);

    const after = await executeOk(t.graphqlUrl, Get, { id: draft.gid }, { token: manager() });
    expect(after.draft).toMatchObject({ status: "PENDING_REVIEW", revision: 1 });
    expect(await audit(draft.id)).toEqual([{ action: "draft.claimed", actorId: tenant.members.OPERATOR.userId }]);
    const events = await sql(t.db, `SELECT "type", "payload"->>'claimedBy' AS "by" FROM "OutboxEvent" WHERE "payload"->>'draftId' = $1 AND "type" LIKE 'sales.draft.claim%'`, [draft.id]);
    expect(events).toEqual([{ type: "sales.draft.claimed", by: `user:${tenant.members.OPERATOR.email}` }]);
  });

  it("the holder renews, edits and decides; deciding ends the claim", async () => {
    const draft = await pendingDraft();
    const first = await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: operator() });
    await new Promise((r) => setTimeout(r, 20));
    const renewed = await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: operator() });
    expect(new Date(renewed.draftClaim.draft!.claim!.expiresAt as string).getTime()).toBeGreaterThan(new Date(first.draftClaim.draft!.claim!.expiresAt as string).getTime());
    const edited = await executeOk(t.graphqlUrl, Update, { input: { draftId: draft.gid, subject: "Follow-up on the pilot, with dates" } }, { token: operator() });
    expect(edited.draftUpdate).toMatchObject({ userErrors: [], draft: { revision: 2 } });
    const approved = await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: manager() });
    expect(approved.draftApprove.userErrors[0]?.code).toBe("DRAFT_CLAIMED");
    const rejected = await executeOk(t.graphqlUrl, Reject, { input: { draftId: draft.gid, reason: "Not now, wrong quarter" } }, { token: operator() });
    expect(rejected.draftReject.userErrors).toEqual([]);
    const row = await sql(t.db, `SELECT "status", "claimHolderId" FROM "Draft" WHERE "id" = $1`, [draft.id]);
    expect(row).toEqual([{ status: "REJECTED", claimHolderId: null }]);
    expect((await audit(draft.id)).map((a) => a.action)).toEqual(["draft.claimed", "draft.claim_renewed"]);
    // A decided draft cannot be claimed.
    const late = await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: manager() });
    expect(late.draftClaim.userErrors[0]).toMatchObject({ code: "INVALID_DRAFT_STATUS", field: ["input", "draftId"] });
  });

  it("an approval by the holder that still needs a second approver frees the draft for the next one", async () => {
    await patchSettings(t.db, other.tenantId, { approval: { requiredApprovals: 2 } });
    try {
      const draft = await pendingDraft(other);
      await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: other.members.OPERATOR.token });
      const first = await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: other.members.OPERATOR.token });
      expect(first.draftApprove).toMatchObject({ userErrors: [], draft: { status: "PENDING_REVIEW", claim: null } });
      const second = await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: other.members.MANAGER.token });
      expect(second.draftApprove).toMatchObject({ userErrors: [], draft: { status: "APPROVED" } });
    } finally {
      await patchSettings(t.db, other.tenantId, { approval: { requiredApprovals: 1 } });
    }
  });

  it("the holder releases it, and a colleague can then claim and approve", async () => {
    const draft = await pendingDraft();
    await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: operator() });
    const released = await executeOk(t.graphqlUrl, Release, { input: { draftId: draft.gid } }, { token: operator() });
    expect(released.draftRelease).toEqual({ userErrors: [], draft: { id: draft.gid, claim: null } });
    // Releasing again is a no-op (no second audit entry).
    expect((await executeOk(t.graphqlUrl, Release, { input: { draftId: draft.gid } }, { token: operator() })).draftRelease.userErrors).toEqual([]);
    expect((await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: manager() })).draftClaim.userErrors).toEqual([]);
    expect((await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: manager() })).draftApprove.draft!.status).toBe("APPROVED");
    expect((await audit(draft.id)).map((a) => a.action)).toEqual(["draft.claimed", "draft.claim_released", "draft.claimed"]);
  });

  it("a lapsed claim holds nothing: it reads as null and a colleague approves", async () => {
    const draft = await pendingDraft();
    await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: operator() });
    await sql(t.db, `UPDATE "Draft" SET "claimExpiresAt" = now() - interval '1 second' WHERE "id" = $1`, [draft.id]);
    expect((await executeOk(t.graphqlUrl, Get, { id: draft.gid }, { token: manager() })).draft!.claim).toBeNull();
    const approved = await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: manager() });
    expect(approved.draftApprove).toMatchObject({ userErrors: [], draft: { status: "APPROVED" } });
  });

  it("an ANALYST may not claim (FORBIDDEN), and another tenant's draft is NOT_FOUND and stays unclaimed", async () => {
    const draft = await pendingDraft();
    const analyst = await execute(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: tenant.members.ANALYST.token });
    expect(analyst.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const foreign = await pendingDraft(other);
    const claimed = await executeOk(t.graphqlUrl, Claim, { input: { draftId: foreign.gid } }, { token: operator() });
    expect(claimed.draftClaim).toMatchObject({ draft: null, userErrors: [{ code: "NOT_FOUND", field: ["input", "draftId"] }] });
    const released = await executeOk(t.graphqlUrl, Release, { input: { draftId: foreign.gid } }, { token: operator() });
    expect(released.draftRelease.userErrors[0]?.code).toBe("NOT_FOUND");
    expect(await sql(t.db, `SELECT "claimHolderId" FROM "Draft" WHERE "id" = ANY($1::uuid[])`, [[draft.id, foreign.id]])).toEqual([{ claimHolderId: null }, { claimHolderId: null }]);
  });

  it("claims and releases reach open review queues at once (UPDATED), and only the tenant's own", async () => {
    const mine = await subscribe(t.wsUrl, PendingChanged, {}, { Authorization: `Bearer ${manager()}` });
    const theirs = await subscribe(t.wsUrl, PendingChanged, {}, { Authorization: `Bearer ${other.members.MANAGER.token}` });
    try {
      const draft = await pendingDraft();
      expect((await mine.next()).pendingDraftsChanged.change).toBe("ADDED");
      await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: operator() });
      expect((await mine.next()).pendingDraftsChanged).toEqual({
        change: "UPDATED",
        draftId: draft.gid,
        draft: { id: draft.gid, claim: { holder: `user:${tenant.members.OPERATOR.email}`, mine: false } },
      });
      await executeOk(t.graphqlUrl, Release, { input: { draftId: draft.gid } }, { token: operator() });
      expect((await mine.next()).pendingDraftsChanged).toMatchObject({ change: "UPDATED", draft: { claim: null } });
      expect(theirs.received).toEqual([]);
    } finally {
      await Promise.all([mine.close(), theirs.close()]);
    }
  });

  it("a MANAGER takes over a colleague's claim (draftClaimBreak): audited with the previous holder, live as UPDATED; an OPERATOR is refused in userErrors", async () => {
    const queue = await subscribe(t.wsUrl, PendingChanged, {}, { Authorization: `Bearer ${tenant.members.ANALYST.token}` });
    try {
      const draft = await pendingDraft();
      expect((await queue.next()).pendingDraftsChanged.change).toBe("ADDED");
      await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: admin() });
      expect((await queue.next()).pendingDraftsChanged.draft!.claim).toMatchObject({ holder: `user:${tenant.members.ADMIN.email}` });

      // A colleague without draft:claim_break: FORBIDDEN as data, the claim untouched, nothing audited.
      const byPeer = await executeOk(t.graphqlUrl, Break, { input: { draftId: draft.gid } }, { token: operator() });
      expect(byPeer.draftClaimBreak).toMatchObject({ draft: null, userErrors: [{ code: "FORBIDDEN", field: ["input", "draftId"] }] });
      expect(byPeer.draftClaimBreak.userErrors[0]!.message).toContain("draft:claim_break");
      // An ANALYST cannot review at all: refused by the schema, like draftClaim.
      expect((await execute(t.graphqlUrl, Break, { input: { draftId: draft.gid } }, { token: tenant.members.ANALYST.token })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await executeOk(t.graphqlUrl, Get, { id: draft.gid }, { token: manager() })).draft!.claim).toMatchObject({ holder: `user:${tenant.members.ADMIN.email}` });

      const taken = await executeOk(t.graphqlUrl, Break, { input: { draftId: draft.gid, reason: "Customer called, I will answer it" } }, { token: manager() });
      expect(taken.draftClaimBreak.userErrors).toEqual([]);
      expect(taken.draftClaimBreak.draft!.claim).toMatchObject({ holder: `user:${tenant.members.MANAGER.email}`, mine: true });
      expect((await queue.next()).pendingDraftsChanged).toMatchObject({ change: "UPDATED", draftId: draft.gid, draft: { claim: { holder: `user:${tenant.members.MANAGER.email}`, mine: false } } });

      // The previous holder is now the colleague: renewing, approving and releasing are refused.
      expect((await executeOk(t.graphqlUrl, Claim, { input: { draftId: draft.gid } }, { token: admin() })).draftClaim.userErrors[0]?.code).toBe("DRAFT_CLAIMED");
      expect((await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: admin() })).draftApprove.userErrors[0]?.code).toBe("DRAFT_CLAIMED");
      expect((await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: manager() })).draftApprove.draft!.status).toBe("APPROVED");

      const trail = await sql<{ action: string; actorId: string; summary: Record<string, unknown> }>(
        t.db,
        `SELECT "action", "actorId", "summary" FROM "AuditEntry" WHERE "targetId" = $1 AND "action" LIKE 'draft.claim%' ORDER BY "createdAt", "id"`,
        [draft.id],
      );
      expect(trail.map((a) => [a.action, a.actorId])).toEqual([
        ["draft.claimed", tenant.members.ADMIN.userId],
        ["draft.claim_broken", tenant.members.MANAGER.userId],
      ]);
      expect(trail[1]!.summary).toMatchObject({ previousHolderId: tenant.members.ADMIN.userId, reason: "Customer called, I will answer it" });
      const events = await sql(t.db, `SELECT "type", "payload"->>'claimedBy' AS "by" FROM "OutboxEvent" WHERE "payload"->>'draftId' = $1 AND "type" = 'sales.draft.claim_broken'`, [draft.id]);
      expect(events).toEqual([{ type: "sales.draft.claim_broken", by: `user:${tenant.members.MANAGER.email}` }]);
    } finally {
      await queue.close();
    }
  });

  it("draftClaimBreak on a draft nobody holds is a plain claim; a decided draft, another tenant's draft and a long reason are refused", async () => {
    const draft = await pendingDraft();
    const plain = await executeOk(t.graphqlUrl, Break, { input: { draftId: draft.gid } }, { token: manager() });
    expect(plain.draftClaimBreak).toMatchObject({ userErrors: [], draft: { claim: { mine: true } } });
    expect((await audit(draft.id)).map((a) => a.action)).toEqual(["draft.claimed"]);
    const long = await executeOk(t.graphqlUrl, Break, { input: { draftId: draft.gid, reason: "x".repeat(501) } }, { token: manager() });
    expect(long.draftClaimBreak.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "reason"] });
    await executeOk(t.graphqlUrl, Approve, { input: { draftId: draft.gid } }, { token: manager() });
    expect((await executeOk(t.graphqlUrl, Break, { input: { draftId: draft.gid } }, { token: manager() })).draftClaimBreak.userErrors[0]?.code).toBe("INVALID_DRAFT_STATUS");

    const foreign = await pendingDraft(other);
    await executeOk(t.graphqlUrl, Claim, { input: { draftId: foreign.gid } }, { token: other.members.OPERATOR.token });
    const crossed = await executeOk(t.graphqlUrl, Break, { input: { draftId: foreign.gid } }, { token: manager() });
    expect(crossed.draftClaimBreak).toMatchObject({ draft: null, userErrors: [{ code: "NOT_FOUND" }] });
    expect(await sql(t.db, `SELECT "claimHolderId" FROM "Draft" WHERE "id" = $1`, [foreign.id])).toEqual([{ claimHolderId: other.members.OPERATOR.userId }]);
  });
});
