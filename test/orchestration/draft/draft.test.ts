// Drafts written by agents: the agent principal (role SERVICE) may write them
// with its job id as origin, never approve or send them; a person approves an
// agent's draft even when self-approval is off. And the Gmail transport seam.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentPrincipal } from "../../../src/domain/access/principal.js";
import { createGmailTransport, type GmailApi } from "../../../src/integrations/email/gmail.js";
import { approveDraft, createDraft, sendDraft, updateDraft } from "../../../src/orchestration/draft/draft.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { insertContact, patchSettings, sql, startOperatorApp, userActor } from "../../helpers/operator.js";

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await startOperatorApp();
  tenant = await createTenant(t, "agents");
  await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: ["sdr@acme.example"] }, approval: { allowSelfApproval: false } });
});
afterAll(() => t?.close());

const agent = () => ({ principal: agentPrincipal(tenant.tenantId, "outreach-writer"), meta: { requestId: "job-77", traceId: null } });

describe("agent-written drafts", () => {
  it("an agent writes a draft with its job as origin, from the tenant's mailbox; it cannot approve or send it; a person can", async () => {
    const contactId = await insertContact(t.db, tenant.tenantId, { email: "cto@prospect.example" });
    const created = await createDraft(t.app.services, agent(), {
      recipient: { contactId },
      subject: "Routing leads in under an hour",
      bodyText: "Hi,\n\nI saw your team doubled this year. Would a short call on how Northwind routes leads in under an hour be useful?\n\nBest,\nthe Acme team",
      category: "ONE_TO_ONE",
      originRef: "job-77",
    });
    expect(created.ok).toBe(true);
    const draftId = created.ok ? created.value.draftId : "";
    const [row] = await sql(t.db, `SELECT "origin"::text AS origin, "originRef", "authorType"::text AS "authorType", "authorLabel", "mailbox", "status"::text AS status FROM "Draft" WHERE "id" = $1`, [draftId]);
    expect(row).toEqual({ origin: "AGENT", originRef: "job-77", authorType: "AGENT", authorLabel: "agent:outreach-writer", mailbox: "sdr@acme.example", status: "PENDING_REVIEW" });

    const selfApprove = await approveDraft(t.app.services, agent(), { draftId });
    expect(!selfApprove.ok && selfApprove.errors[0]!.code).toBe("ROLE_NOT_ALLOWED_BY_POLICY");
    const selfSend = await sendDraft(t.app.services, agent(), { draftId });
    expect(!selfSend.ok && selfSend.errors[0]!.code).toBe("ROLE_NOT_ALLOWED_BY_POLICY");

    const person = userActor(tenant);
    expect((await approveDraft(t.app.services, person, { draftId })).ok).toBe(true);
    // The agent revises it: the approval does not carry over; the operator approves the new revision.
    const revised = await updateDraft(t.app.services, agent(), { draftId, subject: "Routing leads in under an hour (revised)" });
    expect(revised.ok).toBe(true);
    const [after] = await sql(t.db, `SELECT "status"::text AS status, "revision" FROM "Draft" WHERE "id" = $1`, [draftId]);
    expect(after).toEqual({ status: "PENDING_REVIEW", revision: 2 });
    expect((await approveDraft(t.app.services, person, { draftId })).ok).toBe(true);

    // Self-approval is off: an operator who edits the text is an author of that revision and cannot approve it.
    const edited = await updateDraft(t.app.services, person, { draftId, subject: "Routing leads in under an hour — edited" });
    expect(edited.ok).toBe(true);
    const own = await approveDraft(t.app.services, person, { draftId });
    expect(!own.ok && own.errors[0]!.code).toBe("SELF_APPROVAL_FORBIDDEN");
  });

  it("a person may not claim an agent origin; an agent with no mailbox configured gets MAILBOX_NOT_ALLOWED", async () => {
    const contactId = await insertContact(t.db, tenant.tenantId, { email: "vp@prospect.example" });
    const person = userActor(tenant);
    const claimed = await createDraft(t.app.services, person, { recipient: { contactId }, subject: "Hello there", bodyText: "Hi, a short note about the pilot for your team this quarter.", category: "ONE_TO_ONE", origin: "AGENT" });
    expect(!claimed.ok && claimed.errors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "origin"] });
    await patchSettings(t.db, tenant.tenantId, { sending: { mailboxes: null } });
    try {
      const noMailbox = await createDraft(t.app.services, agent(), { recipient: { contactId }, subject: "Hello there", bodyText: "Hi, a short note about the pilot for your team this quarter.", category: "ONE_TO_ONE" });
      expect(!noMailbox.ok && noMailbox.errors[0]!.code).toBe("MAILBOX_NOT_ALLOWED");
    } finally {
      await patchSettings(t.db, tenant.tenantId, { sending: { mailboxes: ["sdr@acme.example"] } });
    }
  });
});

describe("Gmail transport seam", () => {
  it("sends the raw message base64url-encoded and finds it again by Message-ID", async () => {
    const sent: string[] = [];
    const api: GmailApi = {
      async sendRaw(raw) {
        sent.push(raw);
        return { id: "18c0ffee" };
      },
      async findByMessageId(messageId) {
        return messageId === "draft-1@acme.example" ? "18c0ffee" : null;
      },
    };
    const transport = createGmailTransport(async (_tenant, mailbox) => (mailbox === "sdr@acme.example" ? api : null));
    const raw = "From: sdr@acme.example\r\nTo: a@b.example\r\nSubject: Hi\r\nMessage-ID: <draft-1@acme.example>\r\n\r\nHello\r\n";
    const receipt = await transport.send({ tenantId: "t", draftId: "d", messageId: "<draft-1@acme.example>", envelope: { from: "sdr@acme.example", to: ["a@b.example"] }, subject: "Hi", raw });
    expect(receipt.providerMessageId).toBe("gmail:18c0ffee");
    expect(Buffer.from(sent[0]!, "base64url").toString("utf8")).toBe(raw);
    expect(await transport.lookup({ tenantId: "t", mailbox: "sdr@acme.example", messageId: "<draft-1@acme.example>" })).toEqual({ status: "found", providerMessageId: "gmail:18c0ffee" });
    expect(await transport.lookup({ tenantId: "t", mailbox: "sdr@acme.example", messageId: "<draft-2@acme.example>" })).toEqual({ status: "not_found" });
    expect(await transport.lookup({ tenantId: "t", mailbox: "other@acme.example", messageId: "<draft-1@acme.example>" })).toEqual({ status: "unknown" });
    await expect(transport.send({ tenantId: "t", draftId: "d", messageId: "<x@y>", envelope: { from: "other@acme.example", to: ["a@b.example"] }, subject: "Hi", raw })).rejects.toMatchObject({ kind: "permanent" });
  });
});
