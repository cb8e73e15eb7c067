// Drafts over real HTTP: lifecycle, approval policy, role matrix, every
// userError code (each changing nothing), cross-tenant ids, idempotency,
// review queue, bulk approval, and a full send to the local outbox.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { deliverDraft } from "../../../src/orchestration/draft/draft-delivery.js";
import { headersOf, insertContact, patchSettings, sql, startOperatorApp } from "../../helpers/operator.js";

const Create = graphql(`
  mutation DraftTestCreate($input: DraftCreateInput!) {
    draftCreate(input: $input) {
      draft {
        id status revision subject mailbox recipientEmail origin category contactId
        qualityReport { verdict findings { check severity message location } }
        author { type label }
      }
      userErrors { field message code }
    }
  }
`);

const Update = graphql(`
  mutation DraftTestUpdate($input: DraftUpdateInput!) {
    draftUpdate(input: $input) {
      draft { id status revision subject qualityReport { verdict } approvals { approver { label } } revisions { number subject } }
      userErrors { field message code }
    }
  }
`);

const Approve = graphql(`
  mutation DraftTestApprove($input: DraftApproveInput!) {
    draftApprove(input: $input) {
      draft { id status revision approvalsRequired approvals { approver { label } approverRole revision } }
      userErrors { field message code }
    }
  }
`);

const Reject = graphql(`
  mutation DraftTestReject($input: DraftRejectInput!) {
    draftReject(input: $input) { draft { id status rejectionReason } userErrors { field message code } }
  }
`);

const Send = graphql(`
  mutation DraftTestSend($input: DraftSendInput!) {
    draftSend(input: $input) { draft { id status messageId sendRequestedBy } userErrors { field message code } }
  }
`);

const Cancel = graphql(`
  mutation DraftTestCancel($input: DraftCancelInput!) {
    draftCancel(input: $input) { draft { id status cancelReason } userErrors { field message code } }
  }
`);

const BulkApprove = graphql(`
  mutation DraftTestBulkApprove($input: DraftsApproveInput!) {
    draftsApprove(input: $input) {
      approvedCount
      results { draftId draft { status } userErrors { field code } }
      userErrors { code }
    }
  }
`);

const GetDraft = graphql(`
  query DraftTestGet($id: ID!) {
    draft(id: $id) {
      id status revision sentAt providerMessageId messageId sendAttempts
      hold { reason until }
      qualityReport { verdict }
    }
  }
`);

const Pending = graphql(`
  query DraftTestPending {
    pendingDrafts(first: 50) { edges { node { id subject } } }
  }
`);

const Drafts = graphql(`
  query DraftTestList($filter: DraftFilter) {
    drafts(first: 100, filter: $filter) { edges { node { id status mailbox recipientEmail } } }
  }
`);

const Outbox = graphql(`
  query DraftTestOutbox($to: String) {
    outboxMessages(first: 10, to: $to) { edges { node { id messageId from to subject raw draftId } } }
  }
`);

const Quota = graphql(`
  query DraftTestQuota($contactEmail: String!, $mailbox: String!) {
    sendQuota(contactEmail: $contactEmail, mailbox: $mailbox) {
      allowed availableAt
      binding { kind key limit used remaining freesAt }
      limits { kind key limit used remaining windowHours freesAt }
    }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;
const MAILBOX = "sales@acme.example";

const CLEAN_BODY = "Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";

beforeAll(async () => {
  t = await startOperatorApp();
  tenant = await createTenant(t, "drafts");
  other = await createTenant(t, "drafts-other");
  for (const x of [tenant, other]) await patchSettings(t.db, x.tenantId, { sending: { mailboxes: [MAILBOX] } });
});
afterAll(() => t?.close());

let contactCounter = 0;
async function contact(email?: string | null, extra: { doNotContact?: boolean } = {}, target = tenant) {
  const address = email === undefined ? `ana${++contactCounter}@client${contactCounter}.example` : email;
  const id = await insertContact(t.db, target.tenantId, { email: address, doNotContact: extra.doNotContact });
  return { id, gid: encodeGlobalID("Contact", id), email: address };
}

async function create(token: string, input: Record<string, unknown> = {}) {
  const c = input.recipient ? null : await contact();
  const data = await executeOk(
    t.graphqlUrl,
    Create,
    { input: { recipient: { contactId: c?.gid }, subject: "Follow-up on the pilot", bodyText: CLEAN_BODY, ...input } as never },
    { token },
  );
  return data.draftCreate;
}

async function auditCount(tenantId: string, targetId?: string) {
  const rows = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "AuditEntry" WHERE "tenantId" = $1 AND ($2::text IS NULL OR "targetId" = $2)`, [tenantId, targetId ?? null]);
  return rows[0]!.n;
}

function rawIdOf(gid: string) {
  return Buffer.from(gid, "base64").toString("utf8").split(":")[1]!;
}

describe("creating and revising", () => {
  it("creates a PENDING_REVIEW draft with its quality report, revision 1, audit entry and event", async () => {
    const created = await create(tenant.members.OPERATOR.token);
    expect(created.userErrors).toEqual([]);
    expect(created.draft).toMatchObject({
      status: "PENDING_REVIEW",
      revision: 1,
      mailbox: MAILBOX,
      origin: "OPERATOR",
      category: "ONE_TO_ONE",
      qualityReport: { verdict: "PASS", findings: [] },
      author: { type: "USER" },
    });
    const id = rawIdOf(created.draft!.id);
    const revisions = await sql(t.db, `SELECT "number", "subject" FROM "DraftRevision" WHERE "draftId" = $1`, [id]);
    expect(revisions).toEqual([{ number: 1, subject: "Follow-up on the pilot" }]);
    const audit = await sql(t.db, `SELECT "action", "actorId" FROM "AuditEntry" WHERE "targetId" = $1`, [id]);
    expect(audit).toEqual([{ action: "draft.created", actorId: tenant.members.OPERATOR.userId }]);
    const events = await sql(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "payload"->>'draftId' = $1`, [id]);
    expect(events).toEqual([{ type: "sales.draft.created" }]);
  });

  it("creates the contact from an e-mail address when none exists (and reuses it next time)", async () => {
    const first = await create(tenant.members.OPERATOR.token, { recipient: { email: "New.Person@Prospect.example", firstName: "New" } });
    const second = await create(tenant.members.OPERATOR.token, { recipient: { email: "new.person@prospect.example" } });
    // Delivered to the address as given (domain lower-cased); the contact's identity is the canonical address.
    expect(first.draft!.recipientEmail).toBe("New.Person@prospect.example");
    expect(second.draft!.contactId).toBe(first.draft!.contactId);
  });

  it("a draft the gate blocks is BLOCKED, cannot be approved, and an edit that fixes it goes back to review", async () => {
    const created = await create(tenant.members.OPERATOR.token, { bodyText: "Hi {{first_name}}, I think [Company] would love our product. Best, Sam" });
    expect(created.draft).toMatchObject({ status: "BLOCKED", qualityReport: { verdict: "BLOCK" } });
    expect(created.draft!.qualityReport.findings.map((f) => f.check)).toContain("UNRESOLVED_PLACEHOLDER");
    const approve = await executeOk(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.MANAGER.token });
    expect(approve.draftApprove.userErrors[0]?.code).toBe("QUALITY_GATE_BLOCKED");
    const fixed = await executeOk(t.graphqlUrl, Update, { input: { draftId: created.draft!.id, bodyText: CLEAN_BODY } }, { token: tenant.members.OPERATOR.token });
    expect(fixed.draftUpdate.draft).toMatchObject({ status: "PENDING_REVIEW", revision: 2, qualityReport: { verdict: "PASS" } });
    expect(fixed.draftUpdate.draft!.revisions.map((r) => r.number)).toEqual([2, 1]);
  });

  it("editing an approved draft makes a new revision and drops the approval", async () => {
    const created = await create(tenant.members.OPERATOR.token);
    const approved = await executeOk(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.MANAGER.token });
    expect(approved.draftApprove.draft).toMatchObject({ status: "APPROVED", approvals: [{ approverRole: "MANAGER", revision: 1 }] });
    const edited = await executeOk(t.graphqlUrl, Update, { input: { draftId: created.draft!.id, subject: "Changed subject line", expectedRevision: 1 } }, { token: tenant.members.OPERATOR.token });
    expect(edited.draftUpdate.draft).toMatchObject({ status: "PENDING_REVIEW", revision: 2, approvals: [] });
    const stale = await executeOk(t.graphqlUrl, Update, { input: { draftId: created.draft!.id, subject: "Another", expectedRevision: 1 } }, { token: tenant.members.OPERATOR.token });
    expect(stale.draftUpdate.userErrors[0]).toMatchObject({ code: "STALE_REVISION", field: ["input", "expectedRevision"] });
  });
});

describe("approval policy and roles", () => {
  it("OPERATOR approves; ANALYST is refused (FORBIDDEN) and nothing changes", async () => {
    const created = await create(tenant.members.OPERATOR.token);
    const before = await auditCount(tenant.tenantId);
    const refused = await execute(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.ANALYST.token });
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(await auditCount(tenant.tenantId)).toBe(before);
    const ok = await executeOk(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.OPERATOR.token });
    expect(ok.draftApprove.draft?.status).toBe("APPROVED");
  });

  it.each([
    ["draftCreate", { OWNER: true, ADMIN: true, MANAGER: true, OPERATOR: true, ANALYST: false }],
    ["draftApprove", { OWNER: true, ADMIN: true, MANAGER: true, OPERATOR: true, ANALYST: false }],
    ["draftReject", { OWNER: true, ADMIN: true, MANAGER: true, OPERATOR: true, ANALYST: false }],
    ["draftSend", { OWNER: true, ADMIN: true, MANAGER: true, OPERATOR: true, ANALYST: false }],
    ["draftCancel", { OWNER: true, ADMIN: true, MANAGER: true, OPERATOR: true, ANALYST: false }],
    ["draftUpdate", { OWNER: true, ADMIN: true, MANAGER: true, OPERATOR: true, ANALYST: false }],
    ["draftsApprove", { OWNER: true, ADMIN: true, MANAGER: true, OPERATOR: true, ANALYST: false }],
  ] as const)("role matrix: %s", async (mutation, expected) => {
    for (const [role, allowed] of Object.entries(expected) as [keyof typeof expected, boolean][]) {
      const draft = (await create(tenant.members.OPERATOR.token)).draft!;
      const token = tenant.members[role].token;
      const result =
        mutation === "draftCreate"
          ? await execute(t.graphqlUrl, Create, { input: { recipient: { contactId: (await contact()).gid }, subject: "Hello there", bodyText: CLEAN_BODY } }, { token })
          : mutation === "draftApprove"
            ? await execute(t.graphqlUrl, Approve, { input: { draftId: draft.id } }, { token })
            : mutation === "draftReject"
              ? await execute(t.graphqlUrl, Reject, { input: { draftId: draft.id, reason: "Not the right moment" } }, { token })
              : mutation === "draftSend"
                ? await execute(t.graphqlUrl, Send, { input: { draftId: draft.id } }, { token })
                : mutation === "draftUpdate"
                  ? await execute(t.graphqlUrl, Update, { input: { draftId: draft.id, subject: `Edited by ${role}` } }, { token })
                  : mutation === "draftsApprove"
                    ? await execute(t.graphqlUrl, BulkApprove, { input: { draftIds: [draft.id] } }, { token })
                    : await execute(t.graphqlUrl, Cancel, { input: { draftId: draft.id } }, { token });
      // Allowed means answered: no top-level error of any kind (an internal error is not "allowed") and a payload
      // (business refusals such as an unapproved send come back inside it as userErrors). Refused means FORBIDDEN only.
      const codes = (result.errors ?? []).map((e) => (e.extensions as { code?: string } | undefined)?.code ?? e.message);
      const payload = (result.data as Record<string, unknown> | null | undefined)?.[mutation] ?? null;
      expect({ role, codes, answered: payload !== null }).toEqual({ role, codes: allowed ? [] : ["FORBIDDEN"], answered: allowed });
    }
  });

  it("self-approval per policy: forbidden → the author is refused, another operator approves", async () => {
    await patchSettings(t.db, tenant.tenantId, { approval: { allowSelfApproval: false } });
    try {
      const created = await create(tenant.members.OPERATOR.token);
      const self = await executeOk(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.OPERATOR.token });
      expect(self.draftApprove.userErrors[0]?.code).toBe("SELF_APPROVAL_FORBIDDEN");
      const byOther = await executeOk(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.MANAGER.token });
      expect(byOther.draftApprove.draft?.status).toBe("APPROVED");
    } finally {
      await patchSettings(t.db, tenant.tenantId, { approval: { allowSelfApproval: null } });
    }
  });

  it("two approvals required: the first keeps it pending, the same person twice is refused, a second person approves", async () => {
    await patchSettings(t.db, tenant.tenantId, { approval: { requiredApprovals: 2 } });
    try {
      const created = await create(tenant.members.OPERATOR.token);
      const first = await executeOk(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.OPERATOR.token });
      expect(first.draftApprove.draft).toMatchObject({ status: "PENDING_REVIEW", approvalsRequired: 2, approvals: [{ approverRole: "OPERATOR" }] });
      const twice = await executeOk(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.OPERATOR.token });
      expect(twice.draftApprove.userErrors[0]?.code).toBe("ALREADY_APPROVED");
      const second = await executeOk(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.ADMIN.token });
      expect(second.draftApprove.draft?.status).toBe("APPROVED");
    } finally {
      await patchSettings(t.db, tenant.tenantId, { approval: { requiredApprovals: null } });
    }
  });

  it("a policy that names only MANAGER and up refuses an OPERATOR with a userError", async () => {
    await patchSettings(t.db, tenant.tenantId, { approval: { approverRoles: ["OWNER", "ADMIN", "MANAGER"] } });
    try {
      const created = await create(tenant.members.OPERATOR.token);
      const refused = await executeOk(t.graphqlUrl, Approve, { input: { draftId: created.draft!.id } }, { token: tenant.members.OPERATOR.token });
      expect(refused.draftApprove.userErrors[0]?.code).toBe("ROLE_NOT_ALLOWED_BY_POLICY");
    } finally {
      await patchSettings(t.db, tenant.tenantId, { approval: { approverRoles: null } });
    }
  });
});

describe("bad input: a specific code, and nothing changes", () => {
  async function unchanged<T>(draftGid: string | null, run: () => Promise<T>): Promise<T> {
    const before = await auditCount(tenant.tenantId);
    const status = draftGid ? (await executeOk(t.graphqlUrl, GetDraft, { id: draftGid }, { token: tenant.members.OWNER.token })).draft : null;
    const result = await run();
    expect(await auditCount(tenant.tenantId)).toBe(before);
    if (draftGid) expect((await executeOk(t.graphqlUrl, GetDraft, { id: draftGid }, { token: tenant.members.OWNER.token })).draft).toEqual(status);
    return result;
  }

  it("RECIPIENT_HAS_NO_EMAIL", async () => {
    const c = await contact(null);
    const before = await sql(t.db, `SELECT count(*)::int AS n FROM "Draft"`);
    const r = await unchanged(null, () => create(tenant.members.OPERATOR.token, { recipient: { contactId: c.gid } }));
    expect(r.userErrors[0]).toMatchObject({ code: "RECIPIENT_HAS_NO_EMAIL", field: ["input", "contactId"] });
    expect(await sql(t.db, `SELECT count(*)::int AS n FROM "Draft"`)).toEqual(before);
  });

  it("BODY_TOO_LONG and SUBJECT_TOO_LONG", async () => {
    const body = await unchanged(null, () => create(tenant.members.OPERATOR.token, { bodyText: "word ".repeat(3_000) }));
    expect(body.userErrors[0]).toMatchObject({ code: "BODY_TOO_LONG", field: ["input", "bodyText"] });
    const subject = await unchanged(null, () => create(tenant.members.OPERATOR.token, { subject: "s".repeat(200) }));
    expect(subject.userErrors[0]).toMatchObject({ code: "SUBJECT_TOO_LONG", field: ["input", "subject"] });
  });

  it("MAILBOX_NOT_ALLOWED", async () => {
    const r = await unchanged(null, () => create(tenant.members.OPERATOR.token, { mailbox: "ceo@someone-else.example" }));
    expect(r.userErrors[0]).toMatchObject({ code: "MAILBOX_NOT_ALLOWED", field: ["input", "mailbox"] });
  });

  it("NOT_FOUND: an unknown draft id, a garbage id, another type's id", async () => {
    for (const id of [encodeGlobalID("Draft", "0190a000-0000-7000-8000-000000000000"), "garbage", encodeGlobalID("Membership", tenant.members.OWNER.membershipId)]) {
      const r = await unchanged(null, () => executeOk(t.graphqlUrl, Approve, { input: { draftId: id } }, { token: tenant.members.OWNER.token }));
      expect(r.draftApprove.userErrors[0]).toMatchObject({ code: "NOT_FOUND", field: ["input", "draftId"] });
    }
  });

  it("another tenant's draft id reads as not found for every query and mutation, and is not changed", async () => {
    const theirs = (await create(other.members.OPERATOR.token, { recipient: { contactId: (await contact(undefined, {}, other)).gid } })).draft!;
    const token = tenant.members.OWNER.token;
    expect((await executeOk(t.graphqlUrl, GetDraft, { id: theirs.id }, { token })).draft).toBeNull();
    const results = [
      (await executeOk(t.graphqlUrl, Approve, { input: { draftId: theirs.id } }, { token })).draftApprove.userErrors,
      (await executeOk(t.graphqlUrl, Reject, { input: { draftId: theirs.id, reason: "nope nope" } }, { token })).draftReject.userErrors,
      (await executeOk(t.graphqlUrl, Send, { input: { draftId: theirs.id } }, { token })).draftSend.userErrors,
      (await executeOk(t.graphqlUrl, Cancel, { input: { draftId: theirs.id } }, { token })).draftCancel.userErrors,
      (await executeOk(t.graphqlUrl, Update, { input: { draftId: theirs.id, subject: "hijacked" } }, { token })).draftUpdate.userErrors,
    ];
    for (const errors of results) expect(errors[0]?.code).toBe("NOT_FOUND");
    const still = await executeOk(t.graphqlUrl, GetDraft, { id: theirs.id }, { token: other.members.OWNER.token });
    expect(still.draft).toMatchObject({ status: "PENDING_REVIEW", revision: 1 });
    const list = await executeOk(t.graphqlUrl, Drafts, {}, { token });
    expect(list.drafts.edges.map((e) => e.node.id)).not.toContain(theirs.id);
  });

  it("ALREADY_APPROVED: approving an approved draft", async () => {
    const d = (await create(tenant.members.OPERATOR.token)).draft!;
    await executeOk(t.graphqlUrl, Approve, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token });
    const again = await unchanged(d.id, () => executeOk(t.graphqlUrl, Approve, { input: { draftId: d.id } }, { token: tenant.members.MANAGER.token }));
    expect(again.draftApprove.userErrors[0]?.code).toBe("ALREADY_APPROVED");
  });

  it("INVALID_DRAFT_STATUS: sending a rejected draft; DRAFT_NOT_APPROVED: sending a pending one", async () => {
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED" } });
    try {
      const d = (await create(tenant.members.OPERATOR.token)).draft!;
      const pending = await unchanged(d.id, () => executeOk(t.graphqlUrl, Send, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token }));
      expect(pending.draftSend.userErrors[0]?.code).toBe("DRAFT_NOT_APPROVED");
      const rejected = await executeOk(t.graphqlUrl, Reject, { input: { draftId: d.id, reason: "Wrong tone for this account" } }, { token: tenant.members.MANAGER.token });
      expect(rejected.draftReject.draft).toMatchObject({ status: "REJECTED", rejectionReason: "Wrong tone for this account" });
      const send = await unchanged(d.id, () => executeOk(t.graphqlUrl, Send, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token }));
      expect(send.draftSend.userErrors[0]).toMatchObject({ code: "INVALID_DRAFT_STATUS", field: ["input", "draftId"] });
    } finally {
      await patchSettings(t.db, tenant.tenantId, { sending: { mode: null } });
    }
  });

  it("SENDING_DISABLED in DRAFT_ONLY mode (the default): approve works, send is refused", async () => {
    const d = (await create(tenant.members.OPERATOR.token)).draft!;
    await executeOk(t.graphqlUrl, Approve, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token });
    const r = await unchanged(d.id, () => executeOk(t.graphqlUrl, Send, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token }));
    expect(r.draftSend.userErrors[0]?.code).toBe("SENDING_DISABLED");
    expect(r.draftSend.userErrors[0]?.message).toMatch(/DRAFT_ONLY/);
  });

  it("KILL_SWITCH_ENGAGED even in SEND_ALLOWED mode", async () => {
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", killSwitch: { engaged: true } } });
    try {
      const d = (await create(tenant.members.OPERATOR.token)).draft!;
      await executeOk(t.graphqlUrl, Approve, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token });
      const r = await unchanged(d.id, () => executeOk(t.graphqlUrl, Send, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token }));
      expect(r.draftSend.userErrors[0]?.code).toBe("KILL_SWITCH_ENGAGED");
    } finally {
      await patchSettings(t.db, tenant.tenantId, { sending: { mode: null, killSwitch: null } });
    }
  });

  it("RECIPIENT_SUPPRESSED at approval: suppressed address, suppressed domain, do-not-contact", async () => {
    const byAddress = await contact();
    const byDomain = await contact("someone@blocked-domain.example");
    const dnc = await contact(undefined, { doNotContact: true });
    await sql(
      t.db,
      `INSERT INTO "Suppression" ("id","tenantId","kind","value","reason","createdByType","createdById","createdByLabel")
       VALUES (gen_random_uuid(), $1, 'EMAIL', $2, 'BOUNCED', 'USER', 'x', 'test'), (gen_random_uuid(), $1, 'DOMAIN', 'blocked-domain.example', 'MANUAL', 'USER', 'x', 'test')`,
      [tenant.tenantId, byAddress.email],
    );
    for (const c of [byAddress, byDomain, dnc]) {
      const d = (await create(tenant.members.OPERATOR.token, { recipient: { contactId: c.gid } })).draft!;
      const r = await unchanged(d.id, () => executeOk(t.graphqlUrl, Approve, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token }));
      expect(r.draftApprove.userErrors[0]?.code).toBe("RECIPIENT_SUPPRESSED");
    }
  });
});

describe("review queue, lists and bulk approval", () => {
  it("pendingDrafts lists only PENDING_REVIEW drafts, oldest first", async () => {
    const a = (await create(tenant.members.OPERATOR.token, { subject: "Queue A" })).draft!;
    const b = (await create(tenant.members.OPERATOR.token, { subject: "Queue B" })).draft!;
    await executeOk(t.graphqlUrl, Cancel, { input: { draftId: a.id } }, { token: tenant.members.OPERATOR.token });
    const c = (await create(tenant.members.OPERATOR.token, { subject: "Queue C" })).draft!;
    const ids = (await executeOk(t.graphqlUrl, Pending, {}, { token: tenant.members.ANALYST.token })).pendingDrafts.edges.map((e) => e.node.id);
    expect(ids).not.toContain(a.id);
    // Both are listed (indexOf would be -1 for a missing one, which is "less than" anything), B before C.
    expect(ids).toContain(b.id);
    expect(ids).toContain(c.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(c.id));
    const all = await sql<{ status: string }>(t.db, `SELECT DISTINCT "status"::text AS status FROM "Draft" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(ids.length).toBe((await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "Draft" WHERE "tenantId" = $1 AND "status" = 'PENDING_REVIEW'`, [tenant.tenantId]))[0]!.n);
    expect(all.length).toBeGreaterThan(1);
  });

  it("drafts filters by status, recipient and mailbox", async () => {
    const c = await contact();
    const d = (await create(tenant.members.OPERATOR.token, { recipient: { contactId: c.gid } })).draft!;
    const byRecipient = await executeOk(t.graphqlUrl, Drafts, { filter: { recipientEmail: c.email!.toUpperCase() } }, { token: tenant.members.ANALYST.token });
    expect(byRecipient.drafts.edges.map((e) => e.node.id)).toEqual([d.id]);
    const byContact = await executeOk(t.graphqlUrl, Drafts, { filter: { contactId: c.gid, status: ["PENDING_REVIEW"] } }, { token: tenant.members.ANALYST.token });
    expect(byContact.drafts.edges.map((e) => e.node.id)).toEqual([d.id]);
    const none = await executeOk(t.graphqlUrl, Drafts, { filter: { contactId: c.gid, status: ["SENT"] } }, { token: tenant.members.ANALYST.token });
    expect(none.drafts.edges).toEqual([]);
    const byMailbox = await executeOk(t.graphqlUrl, Drafts, { filter: { mailbox: "nobody@acme.example" } }, { token: tenant.members.ANALYST.token });
    expect(byMailbox.drafts.edges).toEqual([]);
  });

  it("draftsApprove gives a result per draft: approved, already approved, not found", async () => {
    const a = (await create(tenant.members.OPERATOR.token)).draft!;
    const b = (await create(tenant.members.OPERATOR.token)).draft!;
    await executeOk(t.graphqlUrl, Approve, { input: { draftId: b.id } }, { token: tenant.members.OPERATOR.token });
    const theirs = (await create(other.members.OPERATOR.token, { recipient: { contactId: (await contact(undefined, {}, other)).gid } })).draft!;
    const r = await executeOk(t.graphqlUrl, BulkApprove, { input: { draftIds: [a.id, b.id, "garbage", theirs.id] } }, { token: tenant.members.MANAGER.token });
    expect(r.draftsApprove.approvedCount).toBe(1);
    expect(r.draftsApprove.results).toEqual([
      { draftId: a.id, draft: { status: "APPROVED" }, userErrors: [] },
      { draftId: b.id, draft: { status: "APPROVED" }, userErrors: [{ field: ["input", "draftIds", "1"], code: "ALREADY_APPROVED" }] },
      { draftId: "garbage", draft: null, userErrors: [{ field: ["input", "draftIds", "2"], code: "NOT_FOUND" }] },
      { draftId: theirs.id, draft: null, userErrors: [{ field: ["input", "draftIds", "3"], code: "NOT_FOUND" }] },
    ]);
  });

  it("replays draftCreate with the same idempotency key instead of creating twice", async () => {
    const c = await contact();
    const input = { recipient: { contactId: c.gid }, subject: "Idempotent hello", bodyText: CLEAN_BODY, idempotencyKey: "create-once-1" };
    const first = await executeOk(t.graphqlUrl, Create, { input }, { token: tenant.members.OPERATOR.token });
    const second = await executeOk(t.graphqlUrl, Create, { input }, { token: tenant.members.OPERATOR.token });
    expect(second.draftCreate.draft?.id).toBe(first.draftCreate.draft?.id);
    const rows = await sql(t.db, `SELECT "id" FROM "Draft" WHERE "contactId" = $1`, [c.id]);
    expect(rows).toHaveLength(1);
  });
});

describe("sending to the local outbox", () => {
  it("approve → send → QUEUED → SENT, with the full message in the outbox, an Activity and the approver in the audit", async () => {
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED" } });
    try {
      const c = await contact();
      const d = (await create(tenant.members.OPERATOR.token, { recipient: { contactId: c.gid } })).draft!;
      await executeOk(t.graphqlUrl, Approve, { input: { draftId: d.id } }, { token: tenant.members.MANAGER.token });
      const sent = await executeOk(t.graphqlUrl, Send, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token });
      expect(sent.draftSend.draft).toMatchObject({ status: "QUEUED", sendRequestedBy: `user:${tenant.members.OPERATOR.email}` });
      const id = rawIdOf(d.id);
      const jobs = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'draft-send' AND singleton_key = $1`, [id]);
      expect(jobs[0]!.n).toBe(1);

      const result = await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id });
      expect(result.outcome).toBe("sent");
      const after = await executeOk(t.graphqlUrl, GetDraft, { id: d.id }, { token: tenant.members.ANALYST.token });
      expect(after.draft).toMatchObject({ status: "SENT", sendAttempts: 1 });
      expect(after.draft!.providerMessageId).toMatch(/^local:/);

      const outbox = await executeOk(t.graphqlUrl, Outbox, { to: c.email }, { token: tenant.members.ANALYST.token });
      expect(outbox.outboxMessages.edges).toHaveLength(1);
      const message = outbox.outboxMessages.edges[0]!.node;
      expect(message).toMatchObject({ from: MAILBOX, to: [c.email], subject: "Follow-up on the pilot", draftId: d.id, messageId: after.draft!.messageId });
      const headers = headersOf(message.raw);
      expect(headers["message-id"]).toBe(after.draft!.messageId);
      expect(headers["to"]).toBe(c.email);
      expect(headers["list-unsubscribe"]).toBeUndefined(); // one-to-one mail carries no list headers
      expect(message.raw).toContain("Thursday at 10:00");

      const activity = await sql(t.db, `SELECT "type"::text AS type, "direction"::text AS direction, "contactId", "metadata"->>'draftId' AS "draftId" FROM "Activity" WHERE "contactId" = $1`, [c.id]);
      expect(activity).toEqual([{ type: "EMAIL_SENT", direction: "OUTBOUND", contactId: c.id, draftId: id }]);
      const audit = await sql<{ actorLabel: string; summary: { approvers: { id: string; role: string }[] } }>(
        t.db,
        `SELECT "actorLabel", "summary" FROM "AuditEntry" WHERE "targetId" = $1 AND "action" = 'draft.sent'`,
        [id],
      );
      expect(audit[0]!.actorLabel).toBe("agent:draft-sender");
      expect(audit[0]!.summary.approvers).toMatchObject([{ id: tenant.members.MANAGER.userId, role: "MANAGER" }]);
      const queuedAudit = await sql<{ actorId: string; summary: { requestedBy: string } }>(t.db, `SELECT "actorId", "summary" FROM "AuditEntry" WHERE "targetId" = $1 AND "action" = 'draft.queue'`, [id]);
      expect(queuedAudit[0]).toMatchObject({ actorId: tenant.members.OPERATOR.userId, summary: { requestedBy: tenant.members.OPERATOR.userId } });
      const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "payload"->>'draftId' = $1 ORDER BY "createdAt", "id"`, [id]);
      expect(events.map((e) => e.type)).toEqual(["sales.draft.created", "sales.draft.approved", "sales.draft.queued", "sales.draft.sending", "sales.draft.sent"]);

      // Running the job again (a pg-boss retry, a duplicate) changes nothing.
      expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: id })).outcome).toBe("skipped");
      expect((await executeOk(t.graphqlUrl, Outbox, { to: c.email }, { token: tenant.members.ANALYST.token })).outboxMessages.edges).toHaveLength(1);
    } finally {
      await patchSettings(t.db, tenant.tenantId, { sending: { mode: null } });
    }
  });

  it("QUOTA_EXCEEDED at draftSend names the binding limit and when it frees up; sendQuota says the same", async () => {
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED" } });
    try {
      const c = await contact();
      for (let i = 0; i < 2; i++) {
        const d = (await create(tenant.members.OPERATOR.token, { recipient: { contactId: c.gid }, subject: `Note ${i + 1} about the pilot` })).draft!;
        await executeOk(t.graphqlUrl, Approve, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token });
        await executeOk(t.graphqlUrl, Send, { input: { draftId: d.id } }, { token: tenant.members.OPERATOR.token });
        expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: rawIdOf(d.id) })).outcome).toBe("sent");
      }
      const quota = await executeOk(t.graphqlUrl, Quota, { contactEmail: c.email!, mailbox: MAILBOX }, { token: tenant.members.ANALYST.token });
      expect(quota.sendQuota.allowed).toBe(false);
      expect(quota.sendQuota.binding).toMatchObject({ kind: "CONTACT", key: c.email, limit: 2, used: 2, remaining: 0 });
      const freesAt = new Date(quota.sendQuota.binding!.freesAt!).getTime();
      expect(freesAt).toBeGreaterThan(Date.now() + 6.9 * 24 * 3_600_000);
      expect(quota.sendQuota.availableAt).toBe(quota.sendQuota.binding!.freesAt);

      const third = (await create(tenant.members.OPERATOR.token, { recipient: { contactId: c.gid }, subject: "Third note about the pilot" })).draft!;
      await executeOk(t.graphqlUrl, Approve, { input: { draftId: third.id } }, { token: tenant.members.OPERATOR.token });
      const refused = await executeOk(t.graphqlUrl, Send, { input: { draftId: third.id } }, { token: tenant.members.OPERATOR.token });
      expect(refused.draftSend.userErrors[0]?.code).toBe("QUOTA_EXCEEDED");
      expect(refused.draftSend.userErrors[0]?.message).toContain(quota.sendQuota.binding!.freesAt!);
      expect((await executeOk(t.graphqlUrl, GetDraft, { id: third.id }, { token: tenant.members.ANALYST.token })).draft?.status).toBe("APPROVED");
    } finally {
      await patchSettings(t.db, tenant.tenantId, { sending: { mode: null } });
    }
  });

  it("auto-send after approval queues the draft as the approver approves it", async () => {
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED" }, approval: { autoSendAfterApproval: true } });
    try {
      const d = (await create(tenant.members.OPERATOR.token)).draft!;
      const approved = await executeOk(t.graphqlUrl, Approve, { input: { draftId: d.id } }, { token: tenant.members.MANAGER.token });
      expect(approved.draftApprove.draft?.status).toBe("QUEUED");
      expect((await deliverDraft(t.app.services, { tenantId: tenant.tenantId, draftId: rawIdOf(d.id) })).outcome).toBe("sent");
    } finally {
      await patchSettings(t.db, tenant.tenantId, { sending: { mode: null }, approval: { autoSendAfterApproval: null } });
    }
  });
});
