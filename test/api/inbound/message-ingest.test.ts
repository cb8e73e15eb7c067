// messageIngest over real HTTP against the real inbound-email files and
// realistic human replies: the certain rules suppress the right address at
// once (bounces, ARF complaints, unsubscribe notices, unsubscribe replies),
// automated mail is never answered, an out-of-office moves follow-ups, a
// human reply joins the contact, the lead and the thread (also a reply to a
// draft we sent), duplicates and retries change nothing, and only roles with
// lead:write may ingest, within their own tenant.
import { decodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INBOUND_EMAIL_LABELS } from "../../../bench/data/inbound-email-labels.js";
import { graphql } from "../../generated/gql/index.js";
import { agentsSettled, fixtureEmail, inboundEmail, rawEmail, startAgentTestApp } from "../../helpers/agents.js";
import { sharedData, withSharedData } from "../../helpers/shared-data.js";
import { ALL_ROLES, createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { approveDraft, createDraft, sendApprovedDraft } from "../../helpers/draft.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { patchSettings, sql, waitFor } from "../../helpers/operator.js";

const Ingest = graphql(`
  mutation IngestMessage($input: MessageIngestInput!) {
    messageIngest(input: $input) {
      inboundMessage { id messageId from automated ruleKind suppressed status contact { id email } lead { id source ownerId } thread { id } }
      duplicate
      suppressed
      agentRun { id agent status }
      userErrors { code message field }
    }
  }
`);

const Message = graphql(`
  query IngestMessageNode($id: ID!) {
    node(id: $id) {
      ... on InboundMessage {
        id status intent action relevance automated suppressed
        analysis { source ruleKind intent action reasons neverReply returnDate automationSignals bounce { category hard recipients } feedbackType }
        drafts { id }
        thread { id messageCount messages { id } drafts { id status } facts { summary nextStep asks { text by } } }
      }
    }
  }
`);

const LeadIngest = graphql(`
  mutation IngestLeadForMessages($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id contact { id } } userErrors { code } }
  }
`);

const TaskCreate = graphql(`
  mutation IngestTaskCreate($input: TaskCreateInput!) {
    taskCreate(input: $input) { task { id dueAt } userErrors { code } }
  }
`);

const Tasks = graphql(`
  query IngestTasks($filter: TaskFilter) {
    tasks(first: 20, filter: $filter) { edges { node { id title dueAt status assigneeId } } }
  }
`);

const AnyNode = graphql(`
  query IngestAnyNode($id: ID!) {
    node(id: $id) { id }
  }
`);
const Messages = graphql(`
  query IngestMessagesList {
    inboundMessages(first: 100) { edges { node { id } } }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await startAgentTestApp();
  tenant = await createTenant(t, "ingest");
  other = await createTenant(t, "ingest-other");
});
afterAll(() => t?.close());

const uuid = (id: string) => decodeGlobalID(id).id;

describe.skipIf(!sharedData.dir)(withSharedData("the shared raw messages (bounces, complaints, auto-replies)"), () => {
  const expectedReason = (file: string) => (file === "arf-26.eml" ? "UNSUBSCRIBED" : file.startsWith("arf-") ? "COMPLAINED" : "BOUNCED");

  it("suppress exactly the labelled addresses at ingest, link bounces to the contact we mailed, and are never answered", async () => {
    const t1 = await createTenant(t, "ingest-files");
    const op = t1.members.OPERATOR;
    // We mailed this person; the Gmail bounce is about them, not about mailer-daemon.
    const mailed = await executeOk(t.graphqlUrl, LeadIngest, { input: { email: "userunknown@example.jp", firstName: "Unknown" } }, { token: op.token });
    const mailedLeadId = mailed.leadIngest.lead!.id;

    for (const label of INBOUND_EMAIL_LABELS) {
      const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw: await inboundEmail(label.file) } }, { token: op.token });
      const m = r.messageIngest;
      expect(m.userErrors, label.file).toEqual([]);
      expect(m.duplicate, label.file).toBe(false);
      expect(m.inboundMessage!.automated, label.file).toBe(true);
      expect([...m.inboundMessage!.suppressed].sort(), label.file).toEqual([...label.suppress].sort());
      // The suppression exists the moment the mutation returns: nothing waits for an agent.
      for (const address of label.suppress) {
        const rows = await sql<{ reason: string }>(t.db, `SELECT reason::text FROM "Suppression" WHERE "tenantId" = $1 AND kind = 'EMAIL' AND value = $2`, [t1.tenantId, address]);
        expect(rows.map((x) => x.reason), `${label.file} ${address}`).toEqual([expectedReason(INBOUND_EMAIL_LABELS.find((l) => l.suppress.includes(address))!.file)]);
      }
      if (label.file === "lhost-gmail-01.eml") {
        expect(m.inboundMessage!.lead?.id).toBe(mailedLeadId);
        expect(m.inboundMessage!.thread).toBeNull();
      }
      // Automated senders never become contacts.
      expect(String(m.inboundMessage!.contact?.email ?? "")).not.toMatch(/mailer-daemon|postmaster|feedback@|complaints@|staff@hotmail/);
    }
    const suppressed = await sql<{ value: string }>(t.db, `SELECT value FROM "Suppression" WHERE "tenantId" = $1 ORDER BY value`, [t1.tenantId]);
    expect(suppressed.map((s) => s.value)).toEqual([...new Set(INBOUND_EMAIL_LABELS.flatMap((l) => l.suppress))].sort());

    const runs = await agentsSettled(t, t1.tenantId, { atLeast: INBOUND_EMAIL_LABELS.length });
    expect(runs.filter((r) => r.status !== "SUCCEEDED")).toEqual([]);
    // Never answered: no draft, no draft writer, no thread reader.
    expect(runs.filter((r) => r.agent === "draft-writer" || r.agent === "thread-reader")).toEqual([]);
    expect(await sql(t.db, `SELECT id FROM "Draft" WHERE "tenantId" = $1`, [t1.tenantId])).toEqual([]);
    const analysed = await sql<{ subject: string; intent: string; action: string; status: string }>(
      t.db,
      `SELECT subject, intent::text, action::text, status::text FROM "InboundMessage" WHERE "tenantId" = $1`,
      [t1.tenantId],
    );
    expect(analysed.every((a) => a.status === "ANALYSED")).toBe(true);
    expect(analysed.map((a) => a.intent).sort()).toEqual(INBOUND_EMAIL_LABELS.map((l) => l.intent).sort());
    expect(analysed.map((a) => a.action).sort()).toEqual(INBOUND_EMAIL_LABELS.map((l) => l.action).sort());

    // The lead whose address bounced is disqualified by the scoring rules once rescored.
    await waitFor(async () => (await sql<{ status: string }>(t.db, `SELECT status::text FROM "Lead" WHERE id = $1`, [uuid(mailedLeadId)]))[0]!.status === "DISQUALIFIED", 20_000, "lead disqualified");
    // Bounces that need a person (our sending setup) became tasks only where a lead or contact is linked: none here but the mailed one.
    const audit = await sql<{ action: string; n: number }>(t.db, `SELECT action, count(*)::int AS n FROM "AuditEntry" WHERE "tenantId" = $1 AND action LIKE 'message.%' GROUP BY 1 ORDER BY 1`, [t1.tenantId]);
    expect(audit).toEqual([
      { action: "message.analysed", n: INBOUND_EMAIL_LABELS.length },
      { action: "message.received", n: INBOUND_EMAIL_LABELS.length },
    ]);
  });

});

describe("the project's own raw messages (every clone)", () => {
  const FIXTURES = [
    { file: "dsn-hard-recipient-unknown.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: { "no.such.person@fixture-buyer.example": "BOUNCED" } },
    { file: "dsn-delayed-mailbox-full.eml", intent: "BOUNCE", action: "SCHEDULE_FOLLOW_UP", suppress: {} },
    { file: "arf-abuse.eml", intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: { "annoyed.reader@fixture-mailbox.example": "COMPLAINED" } },
    { file: "arf-opt-out.eml", intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: { "quiet.reader@fixture-mailbox.example": "COMPLAINED" } },
    { file: "auto-reply-out-of-office.eml", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", suppress: {} },
    { file: "auto-reply-mailbox-gone.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: { "olaf.berg@fixture-buyer.example": "BOUNCED" } },
    { file: "auto-reply-ticket.eml", intent: "OTHER", action: "ARCHIVE", suppress: {} },
  ] as const;

  it("bounces, complaints and auto-replies suppress exactly the right addresses at ingest and are never answered", async () => {
    const t1 = await createTenant(t, "ingest-fixtures");
    for (const f of FIXTURES) {
      const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw: await fixtureEmail(f.file) } }, { token: t1.members.OPERATOR.token });
      const m = r.messageIngest;
      expect(m.userErrors, f.file).toEqual([]);
      expect(m.inboundMessage!.automated, f.file).toBe(true);
      expect([...m.inboundMessage!.suppressed].sort(), f.file).toEqual(Object.keys(f.suppress).sort());
    }
    const suppressed = await sql<{ value: string; reason: string }>(t.db, `SELECT value, reason::text FROM "Suppression" WHERE "tenantId" = $1 ORDER BY value`, [t1.tenantId]);
    expect(Object.fromEntries(suppressed.map((s) => [s.value, s.reason]))).toEqual(Object.assign({}, ...FIXTURES.map((f) => f.suppress)));
    const runs = await agentsSettled(t, t1.tenantId, { atLeast: FIXTURES.length });
    expect(runs.filter((r) => r.status !== "SUCCEEDED")).toEqual([]);
    expect(runs.filter((r) => r.agent === "draft-writer" || r.agent === "thread-reader")).toEqual([]);
    expect(await sql(t.db, `SELECT id FROM "Draft" WHERE "tenantId" = $1`, [t1.tenantId])).toEqual([]);
    const analysed = await sql<{ subject: string; intent: string; action: string; status: string }>(
      t.db,
      `SELECT subject, intent::text, action::text, status::text FROM "InboundMessage" WHERE "tenantId" = $1`,
      [t1.tenantId],
    );
    expect(analysed.map((a) => `${a.status} ${a.intent} ${a.action}`).sort()).toEqual(FIXTURES.map((f) => `ANALYSED ${f.intent} ${f.action}`).sort());
  });

  it("reads an ARF complaint's analysis back through the API", async () => {
    const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw: await fixtureEmail("arf-abuse.eml") } }, { token: tenant.members.MANAGER.token });
    const id = r.messageIngest.inboundMessage!.id;
    await agentsSettled(t, tenant.tenantId);
    const node = await executeOk(t.graphqlUrl, Message, { id }, { token: tenant.members.ANALYST.token });
    expect(node.node).toMatchObject({
      status: "ANALYSED",
      intent: "UNSUBSCRIBE",
      action: "SUPPRESS",
      automated: true,
      suppressed: ["annoyed.reader@fixture-mailbox.example"],
      analysis: { source: "rules", ruleKind: "COMPLAINT", feedbackType: "abuse", neverReply: true },
      drafts: [],
    });
  });
});

describe("human mail", () => {
  it("an unsubscribe reply suppresses the sender in the mutation itself, and no reply is drafted", async () => {
    const raw = rawEmail(
      { From: "Jo Park <jo.park@brightwave.io>", To: tenant.members.OPERATOR.email, Subject: "Re: Quick question", "Message-ID": "<unsub-1@brightwave.io>", Date: "Mon, 02 Mar 2026 10:00:00 +0000" },
      ["Please remove me from your mailing list. I do not want to receive any more emails.", "", "Jo"],
    );
    const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw } }, { token: tenant.members.OPERATOR.token });
    expect(r.messageIngest.suppressed).toEqual(["jo.park@brightwave.io"]);
    const rows = await sql<{ reason: string; createdByLabel: string }>(t.db, `SELECT reason::text, "createdByLabel" FROM "Suppression" WHERE "tenantId" = $1 AND value = 'jo.park@brightwave.io'`, [tenant.tenantId]);
    expect(rows).toEqual([{ reason: "UNSUBSCRIBED", createdByLabel: `user:${tenant.members.OPERATOR.email}` }]);
    await agentsSettled(t, tenant.tenantId);
    const node = await executeOk(t.graphqlUrl, Message, { id: r.messageIngest.inboundMessage!.id }, { token: tenant.members.OPERATOR.token });
    expect(node.node).toMatchObject({ intent: "UNSUBSCRIBE", action: "SUPPRESS", drafts: [] });
    const events = await sql<{ type: string }>(t.db, `SELECT type FROM "OutboxEvent" WHERE "tenantId" = $1 AND payload->>'suppressionId' IS NOT NULL`, [tenant.tenantId]);
    expect(events.map((e) => e.type)).toContain("sales.suppression.added");
  });

  it("an out-of-office moves the contact's open follow-ups to the first business day after the return date, and is not answered", async () => {
    const op = tenant.members.OPERATOR;
    const lead = await executeOk(t.graphqlUrl, LeadIngest, { input: { email: "lena@northwind.example", firstName: "Lena" } }, { token: op.token });
    const leadId = lead.leadIngest.lead!.id;
    const early = await executeOk(t.graphqlUrl, TaskCreate, { input: { title: "Call Lena", leadId, dueAt: "2026-03-05T09:00:00Z" } }, { token: op.token });
    const late = await executeOk(t.graphqlUrl, TaskCreate, { input: { title: "Send contract", leadId, dueAt: "2026-04-01T09:00:00Z" } }, { token: op.token });
    const r = await executeOk(
      t.graphqlUrl,
      Ingest,
      {
        input: {
          message: {
            from: "lena@northwind.example",
            subject: "Automatic reply: Proposal",
            text: "Thank you for your message. I am out of the office until Friday, 13 March 2026, with limited access to e-mail. For urgent matters, contact our office.",
            sentAt: "2026-03-02T08:00:00Z",
            headers: [{ name: "Auto-Submitted", value: "auto-replied" }],
          },
        },
      },
      { token: op.token },
    );
    expect(r.messageIngest.inboundMessage).toMatchObject({ automated: true, ruleKind: "AUTO_REPLY", lead: { id: leadId } });
    await agentsSettled(t, tenant.tenantId);
    const node = await executeOk(t.graphqlUrl, Message, { id: r.messageIngest.inboundMessage!.id }, { token: op.token });
    expect(node.node).toMatchObject({ intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", analysis: { returnDate: "2026-03-13", neverReply: true }, drafts: [] });
    const tasks = await executeOk(t.graphqlUrl, Tasks, { filter: { leadId } }, { token: op.token });
    const due = Object.fromEntries(tasks.tasks.edges.map((e) => [e.node.id, e.node.dueAt]));
    expect(due[early.taskCreate.task!.id]).toBe("2026-03-16T09:00:00.000Z");
    expect(due[late.taskCreate.task!.id]).toBe("2026-04-01T09:00:00.000Z");
    const rescheduled = await sql(t.db, `SELECT id FROM "AuditEntry" WHERE "tenantId" = $1 AND action = 'task.rescheduled' AND "targetId" = $2 AND "actorLabel" = 'agent:inbound-analysis'`, [tenant.tenantId, uuid(early.taskCreate.task!.id)]);
    expect(rescheduled).toHaveLength(1);
  });

  it("a first message from a new person creates their contact and lead (owned by the member it was sent to) and a thread; a reply joins the thread", async () => {
    const op = tenant.members.OPERATOR;
    const first = rawEmail(
      { From: '"Keller, Maria" <Maria.Keller+sales@Gmail.com>', To: op.email, Subject: "Pricing for 40 seats", "Message-ID": "<maria-1@mail.gmail.com>", Date: "Tue, 03 Mar 2026 09:00:00 +0000" },
      ["Hi,", "", "Could you send me pricing for 40 seats? We are comparing three vendors this month.", "", "Thanks,", "Maria"],
    );
    const r1 = await executeOk(t.graphqlUrl, Ingest, { input: { raw: first } }, { token: tenant.members.MANAGER.token });
    const m1 = r1.messageIngest.inboundMessage!;
    // Canonical address (Gmail: dots and +tags do not matter), owner = the member whose mailbox it arrived at.
    expect(m1.contact?.email).toBe("mariakeller@gmail.com");
    expect(m1.lead).toMatchObject({ source: "inbound_email", ownerId: expect.any(String) });
    expect(uuid(m1.lead!.ownerId!)).toBe(op.userId);
    const second = rawEmail(
      {
        From: "Maria Keller <mariakeller@gmail.com>",
        To: op.email,
        Subject: "Re: Pricing for 40 seats",
        "Message-ID": "<maria-2@mail.gmail.com>",
        "In-Reply-To": "<maria-1@mail.gmail.com>",
        Date: "Tue, 03 Mar 2026 11:00:00 +0000",
      },
      ["One more thing: do you support SSO with Okta?", "", "Maria"],
    );
    const r2 = await executeOk(t.graphqlUrl, Ingest, { input: { raw: second } }, { token: op.token });
    expect(r2.messageIngest.inboundMessage).toMatchObject({ contact: { id: m1.contact!.id }, lead: { id: m1.lead!.id }, thread: { id: m1.thread!.id } });
    const activities = await sql(t.db, `SELECT id FROM "Activity" WHERE "tenantId" = $1 AND "leadId" = $2 AND type = 'EMAIL_RECEIVED'`, [tenant.tenantId, uuid(m1.lead!.id)]);
    expect(activities).toHaveLength(2);
    await agentsSettled(t, tenant.tenantId);
    const node = await executeOk(t.graphqlUrl, Message, { id: r2.messageIngest.inboundMessage!.id }, { token: op.token });
    const thread = node.node && "thread" in node.node ? node.node.thread : null;
    expect(thread?.messageCount).toBe(2);
    expect(thread?.facts?.asks.map((a) => a.text).join(" ")).toMatch(/SSO/);
  });

  it("a reply to a draft we sent joins that draft's thread, and the thread reader sees our message too", async () => {
    const t2 = await createTenant(t, "ingest-sent");
    const op = t2.members.OPERATOR;
    await patchSettings(t.db, t2.tenantId, { sending: { mode: "SEND_ALLOWED" } });
    const draftId = await createDraft(t, t2, {
      recipient: { email: "dev@quanta.example", firstName: "Dev" },
      subject: "Pilot for Quanta",
      bodyText: "Hi Dev,\n\nWould a two-week pilot starting on 16 March work for your team?\n\nBest,\nOscar",
    });
    await approveDraft(t, t2, draftId);
    const sent = await sendApprovedDraft(t, t2, draftId);
    const reply = rawEmail(
      { From: "Dev Rao <dev@quanta.example>", To: op.email, Subject: "Re: Pilot for Quanta", "Message-ID": "<dev-1@quanta.example>", "In-Reply-To": sent.messageId, References: sent.messageId, Date: new Date().toUTCString() },
      ["Hi Oscar,", "", "Sounds good. Can you send the pilot agreement by Friday?", "", "Dev"],
    );
    const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw: reply } }, { token: op.token });
    await agentsSettled(t, t2.tenantId);
    const node = await executeOk(t.graphqlUrl, Message, { id: r.messageIngest.inboundMessage!.id }, { token: op.token });
    const thread = node.node && "thread" in node.node ? node.node.thread : null;
    expect(thread?.drafts.map((d) => d.id)).toContain(draftId);
    // The reader saw our outbound message: it knows who asked what.
    expect(thread?.facts?.asks.some((a) => a.by === "THEM" && /agreement/.test(a.text))).toBe(true);
    // The agent's reply threads for the recipient: In-Reply-To is the message it answers.
    const agentDraft = await sql<{ inReplyTo: string; threadId: string }>(t.db, `SELECT "inReplyTo", "threadId" FROM "Draft" WHERE "tenantId" = $1 AND origin = 'AGENT'`, [t2.tenantId]);
    expect(agentDraft).toEqual([{ inReplyTo: "<dev-1@quanta.example>", threadId: uuid(thread!.id) }]);
  });
});

describe("identity, retries and access", () => {
  const message = (id: string) => ({ from: "sam@helio.example", subject: "Question", text: "Do you integrate with Salesforce?", messageId: id });

  it("the same Message-ID twice is one message: the second reports a duplicate and changes nothing", async () => {
    const op = tenant.members.OPERATOR;
    const a = await executeOk(t.graphqlUrl, Ingest, { input: { message: message("<dup-1@helio.example>") } }, { token: op.token });
    const b = await executeOk(t.graphqlUrl, Ingest, { input: { message: message("dup-1@helio.example") } }, { token: op.token });
    expect(b.messageIngest).toMatchObject({ duplicate: true, inboundMessage: { id: a.messageIngest.inboundMessage!.id }, agentRun: null, userErrors: [] });
    const count = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "InboundMessage" WHERE "tenantId" = $1 AND "messageId" = '<dup-1@helio.example>'`, [tenant.tenantId]);
    expect(count[0]!.n).toBe(1);
    // The same message in another tenant is that tenant's own.
    const c = await executeOk(t.graphqlUrl, Ingest, { input: { message: message("<dup-1@helio.example>") } }, { token: other.members.OPERATOR.token });
    expect(c.messageIngest.duplicate).toBe(false);
  });

  it("replays a retry with the same idempotency key and refuses the key for another message", async () => {
    const op = tenant.members.OPERATOR;
    const input = { message: message("<idem-1@helio.example>"), idempotencyKey: "ingest-idem-1" };
    const a = await executeOk(t.graphqlUrl, Ingest, { input }, { token: op.token });
    const b = await executeOk(t.graphqlUrl, Ingest, { input }, { token: op.token });
    expect(b.messageIngest).toMatchObject({ duplicate: false, inboundMessage: { id: a.messageIngest.inboundMessage!.id }, agentRun: { id: a.messageIngest.agentRun!.id } });
    const runs = await sql(t.db, `SELECT id FROM "AgentRun" WHERE "tenantId" = $1 AND input->>'inboundMessageId' = $2`, [tenant.tenantId, uuid(a.messageIngest.inboundMessage!.id)]);
    expect(runs).toHaveLength(1);
    const c = await executeOk(t.graphqlUrl, Ingest, { input: { ...input, message: message("<idem-2@helio.example>") } }, { token: op.token });
    expect(c.messageIngest.userErrors.map((e) => e.code)).toEqual(["IDEMPOTENCY_KEY_REUSED"]);
  });

  it.each([
    [{ raw: "From: a@b.io\r\n\r\nhi", message: { from: "a@b.io", text: "hi" } }, ["input", "raw"]],
    [{}, ["input", "raw"]],
    [{ message: { from: "not an address", text: "hi" } }, ["input", "message", "from"]],
    [{ message: { from: "a@b.io", text: "   " } }, ["input", "message", "text"]],
    [{ message: { from: "a@b.io", text: "hi", sentAt: "yesterday" } }, ["input", "message", "sentAt"]],
  ])("refuses %j with VALIDATION_FAILED at %j", async (input, field) => {
    const r = await executeOk(t.graphqlUrl, Ingest, { input }, { token: tenant.members.OPERATOR.token });
    expect(r.messageIngest.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field });
    expect(r.messageIngest.inboundMessage).toBeNull();
  });

  it.each(ALL_ROLES)("role %s: messageIngest allowed only with lead:write", async (role) => {
    const r = await execute(t.graphqlUrl, Ingest, { input: { message: message(`<role-${role}@helio.example>`) } }, { token: tenant.members[role].token });
    if (role === "ANALYST") {
      expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const rows = await sql(t.db, `SELECT id FROM "InboundMessage" WHERE "messageId" = $1`, [`<role-${role}@helio.example>`]);
      expect(rows).toEqual([]);
    } else {
      expect(r.data?.messageIngest.userErrors).toEqual([]);
    }
  });

  it("another tenant's message, thread and analysis run read as not found", async () => {
    const r = await executeOk(t.graphqlUrl, Ingest, { input: { message: message("<private-1@helio.example>") } }, { token: other.members.OPERATOR.token });
    const m = r.messageIngest.inboundMessage!;
    expect(m.thread).not.toBeNull();
    for (const id of [m.id, m.thread!.id, r.messageIngest.agentRun!.id, m.lead!.id]) {
      const seen = await executeOk(t.graphqlUrl, AnyNode, { id }, { token: tenant.members.OWNER.token });
      expect(seen.node, id).toBeNull();
      const own = await executeOk(t.graphqlUrl, AnyNode, { id }, { token: other.members.OWNER.token });
      expect(own.node?.id, id).toBe(id);
    }
    const list = await executeOk(t.graphqlUrl, Messages, {}, { token: tenant.members.OWNER.token });
    expect(list.inboundMessages.edges.map((e) => e.node.id)).not.toContain(m.id);
  });
});
