// Tasks (assign to a member, complete, cancel) and activity logging, with
// engagement feeding the lead's score.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLeadScoringJob } from "../../../src/jobs/lead-scoring.js";
import { graphql } from "../../generated/gql/index.js";
import { asOwner } from "../../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk } from "../../helpers/graphql.js";

const Ingest = graphql(`
  mutation SalesTaskIngest($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id contact { id } } userErrors { code } }
  }
`);

const CreateTask = graphql(`
  mutation SalesTaskCreate($input: TaskCreateInput!) {
    taskCreate(input: $input) { task { id title status assigneeId dueAt lead { id } } userErrors { field message code } }
  }
`);

const Complete = graphql(`
  mutation SalesTaskComplete($input: TaskCompleteInput!) {
    taskComplete(input: $input) { task { id status completedAt } userErrors { field code } }
  }
`);

const Cancel = graphql(`
  mutation SalesTaskCancel($input: TaskCancelInput!) {
    taskCancel(input: $input) { task { id status } userErrors { field code } }
  }
`);

const Tasks = graphql(`
  query SalesTaskList($filter: TaskFilter) {
    tasks(first: 10, filter: $filter) { edges { node { title status assigneeId } } }
  }
`);

const Log = graphql(`
  mutation SalesTaskLog($input: ActivityLogInput!) {
    activityLog(input: $input) { activity { id type direction occurredAt subject lead { id } contact { id } } userErrors { field message code } }
  }
`);

const LeadScore = graphql(`
  query SalesTaskLeadScore($id: ID!) {
    node(id: $id) { ... on Lead { score latestScore { factors { feature reason contribution } } activities(first: 5) { edges { node { type } } } } }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let operator: string;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, "task");
  operator = tenant.members.OPERATOR.token;
});
afterAll(() => t?.close());

describe("tasks", () => {
  it("creates a follow-up assigned to a member, completes it once, and announces both", async () => {
    const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "follow@up-co.com" } }, { token: operator });
    const assignee = encodeGlobalID("User", tenant.members.MANAGER.userId);
    const dueAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await executeOk(t.graphqlUrl, CreateTask, { input: { title: "Call back", dueAt, assigneeId: assignee, leadId: lead.leadIngest.lead!.id } }, { token: operator });
    expect(created.taskCreate.task).toMatchObject({ title: "Call back", status: "OPEN", assigneeId: assignee, dueAt, lead: { id: lead.leadIngest.lead!.id } });
    const taskId = created.taskCreate.task!.id;
    const mine = await executeOk(t.graphqlUrl, Tasks, { filter: { assigneeId: assignee, status: ["OPEN"] } }, { token: tenant.members.ANALYST.token });
    expect(mine.tasks.edges.map((e) => e.node.title)).toEqual(["Call back"]);

    const done = await executeOk(t.graphqlUrl, Complete, { input: { taskId } }, { token: operator });
    expect(done.taskComplete.task).toMatchObject({ status: "DONE" });
    expect(done.taskComplete.task!.completedAt).toBeTruthy();
    const again = await executeOk(t.graphqlUrl, Cancel, { input: { taskId } }, { token: operator });
    expect(again.taskCancel.userErrors[0]).toMatchObject({ code: "INVALID_TRANSITION", field: ["input", "taskId"] });
    const events = await asOwner(t.db, async (c) => (await c.query(`SELECT type FROM "OutboxEvent" WHERE payload->>'taskId' = $1 ORDER BY "createdAt", id`, [decodeGlobalID(taskId).id])).rows.map((r) => r.type));
    expect(events).toEqual(["sales.task.created", "sales.task.completed"]);
  });

  it("refuses an assignee who is not a member of the tenant", async () => {
    const other = await createTenant(t, "task-other");
    const r = await executeOk(t.graphqlUrl, CreateTask, { input: { title: "x", assigneeId: encodeGlobalID("User", other.members.OWNER.userId) } }, { token: operator });
    expect(r.taskCreate.userErrors[0]).toMatchObject({ code: "NOT_FOUND", field: ["input", "assigneeId"] });
    const empty = await executeOk(t.graphqlUrl, CreateTask, { input: { title: "  " } }, { token: operator });
    expect(empty.taskCreate.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "title"] });
  });
});

describe("activityLog", () => {
  it("records an activity on the contact's lead and raises its engagement score, with the reason", async () => {
    const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "engaged@meet-co.com" } }, { token: operator });
    const leadId = lead.leadIngest.lead!.id;
    await runLeadScoringJob(t.app.services, { tenantId: tenant.tenantId, leadIds: [decodeGlobalID(leadId).id] });
    const before = (await executeOk(t.graphqlUrl, LeadScore, { id: leadId }, { token: operator })).node as { score: number };

    const logged = await executeOk(
      t.graphqlUrl,
      Log,
      { input: { type: "MEETING", direction: "INBOUND", contactId: lead.leadIngest.lead!.contact!.id, subject: "Discovery call", occurredAt: new Date().toISOString() } },
      { token: operator },
    );
    expect(logged.activityLog.userErrors).toEqual([]);
    expect(logged.activityLog.activity).toMatchObject({ type: "MEETING", direction: "INBOUND", lead: { id: leadId } });
    await runLeadScoringJob(t.app.services, { tenantId: tenant.tenantId, leadIds: [decodeGlobalID(leadId).id] });
    const after = (await executeOk(t.graphqlUrl, LeadScore, { id: leadId }, { token: operator })).node as {
      score: number;
      latestScore: { factors: { feature: string; reason: string; contribution: number }[] };
    };
    expect(after.score).toBe(before.score + 12);
    expect(after.latestScore.factors).toContainEqual({ feature: "engagement.meeting", reason: "1 meeting, latest today", contribution: 12 });
  });

  it("needs a lead, contact or deal, and refuses oversized metadata", async () => {
    const none = await executeOk(t.graphqlUrl, Log, { input: { type: "NOTE", direction: "INTERNAL", subject: "orphan" } }, { token: operator });
    expect(none.activityLog.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "contactId"] });
    const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "meta@meet-co.com" } }, { token: operator });
    const big = await executeOk(t.graphqlUrl, Log, { input: { type: "NOTE", direction: "INTERNAL", leadId: lead.leadIngest.lead!.id, metadata: { blob: "x".repeat(20_000) } } }, { token: operator });
    expect(big.activityLog.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "metadata"] });
  });
});
