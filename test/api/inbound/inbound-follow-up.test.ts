// Dates of inbound analysis through the real path (messageIngest over HTTP,
// the analysis agent on pg-boss, tasks read back through the API): a message
// without a Date header or without sentAt is read against the time it was
// received (not 1970); a reply that names when to come back gets its
// follow-up then, not in a fixed week; a decline that asks nothing gets none.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { agentsSettled, rawEmail } from "../../helpers/agents.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk } from "../../helpers/graphql.js";

const Ingest = graphql(`
  mutation FollowUpIngest($input: MessageIngestInput!) {
    messageIngest(input: $input) {
      inboundMessage { id lead { id } }
      userErrors { code message field }
    }
  }
`);

const Message = graphql(`
  query FollowUpMessage($id: ID!) {
    node(id: $id) { ... on InboundMessage { id intent action analysis { returnDate reasons } } }
  }
`);

const LeadIngest = graphql(`
  mutation FollowUpLead($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id } userErrors { code } }
  }
`);

const Tasks = graphql(`
  query FollowUpTasks($filter: TaskFilter) {
    tasks(first: 20, filter: $filter) { edges { node { id title dueAt status } } }
  }
`);

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await startTestApp({ env: { AGENT_POLL_SECONDS: "0.5" } });
  tenant = await createTenant(t, "follow-up-dates");
});
afterAll(() => t?.close());

const DAY = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** A lead for `email`, then the message ingested; waits for the agents; returns the analysis and the lead's open tasks. */
async function ingest(email: string, input: Record<string, unknown>) {
  const op = tenant.members.OPERATOR;
  const lead = await executeOk(t.graphqlUrl, LeadIngest, { input: { email, firstName: "Pat" } }, { token: op.token });
  const leadId = lead.leadIngest.lead!.id;
  const before = Date.now();
  const r = await executeOk(t.graphqlUrl, Ingest, { input } as never, { token: op.token });
  expect(r.messageIngest.userErrors).toEqual([]);
  expect(r.messageIngest.inboundMessage?.lead?.id).toBe(leadId);
  await agentsSettled(t, tenant.tenantId);
  const node = await executeOk(t.graphqlUrl, Message, { id: r.messageIngest.inboundMessage!.id }, { token: op.token });
  const message = node.node && "intent" in node.node ? node.node : null;
  const tasks = await executeOk(t.graphqlUrl, Tasks, { filter: { leadId } }, { token: op.token });
  return { message, tasks: tasks.tasks.edges.map((e) => e.node).filter((n) => n.status === "OPEN"), receivedAround: new Date(before) };
}

function expectWithinDaysOf(day: string, from: Date, maxDays: number) {
  const offset = (Date.parse(`${day}T00:00:00Z`) - Date.parse(`${isoDay(from)}T00:00:00Z`)) / DAY;
  expect(offset).toBeGreaterThanOrEqual(0);
  expect(offset).toBeLessThanOrEqual(maxDays);
}

describe("messages without a send date are read against their receipt", () => {
  it("a raw auto-reply without a Date header: the return date and the follow-up are this week, not 1970", async () => {
    const raw = rawEmail(
      { From: "Pat Rowe <pat.rowe@undated-raw.example>", To: tenant.members.OPERATOR.email, Subject: "Automatic reply: our proposal", "Message-ID": "<ooo-undated-1@undated-raw.example>", "Auto-Submitted": "auto-replied" },
      ["Thank you for your message. I am out of the office until Monday with limited access to e-mail.", "", "Pat"],
    );
    const { message, tasks, receivedAround } = await ingest("pat.rowe@undated-raw.example", { raw });
    expect(message).toMatchObject({ intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP" });
    const back = message!.analysis!.returnDate!;
    expect(new Date(`${back}T00:00:00Z`).getUTCDay()).toBe(1);
    expectWithinDaysOf(back, receivedAround, 7);
    // No open follow-up existed: one is created for the first business day after the return.
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.dueAt).toBe(new Date(Date.parse(`${back}T09:00:00Z`) + DAY).toISOString());
  });

  it("an auto-reply ingested as fields without sentAt: the same", async () => {
    const { message, tasks, receivedAround } = await ingest("pat.rowe@undated-fields.example", {
      message: {
        from: "pat.rowe@undated-fields.example",
        subject: "Automatic reply: our proposal",
        text: "Thank you for your message. I am out of the office until Thursday with limited access to e-mail.",
        headers: [{ name: "Auto-Submitted", value: "auto-replied" }],
      },
    });
    expect(message).toMatchObject({ intent: "OUT_OF_OFFICE" });
    const back = message!.analysis!.returnDate!;
    expect(new Date(`${back}T00:00:00Z`).getUTCDay()).toBe(4);
    expectWithinDaysOf(back, receivedAround, 7);
    expect(tasks).toHaveLength(1);
    expect(Date.parse(tasks[0]!.dueAt!)).toBeGreaterThan(Date.parse(`${back}T00:00:00Z`));
  });

  it("a decline without sentAt that says 'reach out in March' is due next March 1st from its receipt", async () => {
    const { message, tasks, receivedAround } = await ingest("pat.rowe@undated-decline.example", {
      message: { from: "pat.rowe@undated-decline.example", subject: "Re: quick question", text: "Thanks, but not right now. Please reach out in March." },
    });
    expect(message).toMatchObject({ intent: "NOT_INTERESTED", action: "SCHEDULE_FOLLOW_UP" });
    const year = receivedAround.getUTCMonth() >= 2 ? receivedAround.getUTCFullYear() + 1 : receivedAround.getUTCFullYear();
    const march = new Date(Date.UTC(year, 2, 1, 9));
    while (march.getUTCDay() === 0 || march.getUTCDay() === 6) march.setUTCDate(march.getUTCDate() + 1);
    expect(tasks.map((x) => x.dueAt)).toEqual([march.toISOString()]);
  });
});

describe("a reply that names when to come back", () => {
  const sentAt = "2026-12-02T10:00:00Z"; // a Wednesday
  it.each([
    ["reach out in March", "Thanks for the note, but not right now. Please reach out in March.", "2027-03-01T09:00:00.000Z"],
    ["after the 15th", "Not a priority for us at the moment. Get back to me after the 15th.", "2026-12-16T09:00:00.000Z"],
    ["next quarter", "We're not interested this quarter. Try us again next quarter.", "2027-01-01T09:00:00.000Z"],
  ])("%s: the follow-up is due then", async (name, text, due) => {
    const email = `pat.${name.replace(/\W+/g, "-")}@named-time.example`;
    const { message, tasks } = await ingest(email, { message: { from: email, subject: "Re: quick question", text, sentAt } });
    expect(message).toMatchObject({ intent: "NOT_INTERESTED", action: "SCHEDULE_FOLLOW_UP" });
    expect(tasks.map((x) => x.dueAt)).toEqual([due]);
  });

  it("a decline that names a time but asks nothing gets no follow-up task", async () => {
    const email = "pat.rowe@plain-decline.example";
    const { message, tasks } = await ingest(email, { message: { from: email, subject: "Re: quick question", text: "No thanks, we signed a three-year contract with Acme in January.", sentAt } });
    expect(message).toMatchObject({ intent: "NOT_INTERESTED", action: "ARCHIVE" });
    expect(tasks).toEqual([]);
  });
});
