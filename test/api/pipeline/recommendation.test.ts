// Recommendations over real HTTP: accepting performs the action through the
// normal use case as the accepting person (a draft for review, a task, a
// stage move, an activity) and never grants a right they lack; dismissing
// keeps the reason; expired and decided ones cannot be accepted; retries
// replay; generation is shaped by the caller's role and the tenant's
// configuration; roles and tenants are kept apart.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { agentsSettled, rawEmail } from "../../helpers/agents.js";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { patchSettings, sql } from "../../helpers/operator.js";

const LeadIngest = graphql(`
  mutation RecLeadIngest($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id contact { id } deals { id stage } } userErrors { code message } }
  }
`);
const Accept = graphql(`
  mutation RecAccept($input: RecommendationAcceptInput!) {
    recommendationAccept(input: $input) {
      recommendation { id status decidedBy result }
      draft { id status origin originRef subject bodyText author { type id label } }
      task { id title dueAt assigneeId status }
      activity { id type }
      deal { id stage }
      userErrors { code message field }
    }
  }
`);
const Dismiss = graphql(`
  mutation RecDismiss($input: RecommendationDismissInput!) {
    recommendationDismiss(input: $input) { recommendation { id status feedback decidedBy } userErrors { code message field } }
  }
`);
const Generate = graphql(`
  mutation RecGenerate($input: RecommendationsGenerateInput!) {
    recommendationsGenerate(input: $input) { agentRun { id agent status input } userErrors { code message field } }
  }
`);
const List = graphql(`
  query RecList($filter: RecommendationFilter) {
    recommendations(first: 50, filter: $filter) { edges { node { id tool title status rank audienceRole feedback params lead { id } deal { id } } } }
  }
`);
const Ingest = graphql(`
  mutation RecMessageIngest($input: MessageIngestInput!) {
    messageIngest(input: $input) { inboundMessage { id } userErrors { code } }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;
let leadId: string;
let contactId: string;
let dealId: string;

beforeAll(async () => {
  t = await startTestApp({ env: { AGENT_POLL_SECONDS: "0.5" } });
  tenant = await createTenant(t, "rec");
  other = await createTenant(t, "rec-other");
  const lead = await executeOk(
    t.graphqlUrl,
    LeadIngest,
    { input: { email: "nora@vega-labs.example", firstName: "Nora", companyName: "Vega Labs", deal: { name: "Vega pilot", amount: 12000 } } },
    { token: tenant.members.MANAGER.token },
  );
  leadId = decodeGlobalID(lead.leadIngest.lead!.id).id;
  contactId = decodeGlobalID(lead.leadIngest.lead!.contact!.id).id;
  dealId = decodeGlobalID(lead.leadIngest.lead!.deals[0]!.id).id;
});
afterAll(() => t?.close());

const future = (days = 3) => new Date(Date.now() + days * 86_400_000);

/** A recommendation as the recommender stores one (a fixture: the tool is chosen by the test). */
async function insertRec(tool: string, params: Record<string, unknown>, options: { tenantId?: string; leadId?: string | null; dealId?: string | null; contactId?: string | null; expiresAt?: Date } = {}): Promise<string> {
  const rows = await sql<{ id: string }>(
    t.db,
    `INSERT INTO "Recommendation" (id, "tenantId", "leadId", "dealId", "contactId", tool, title, params, rationale, confidence, "factsUsed", rank, "expiresAt", "audienceRole", provider, "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5::"RecommendationTool", $6, $7::jsonb, 'Because the facts say so.', 0.7, ARRAY['lastInbound.intent'], 1, $8, 'MANAGER', 'local', now()) RETURNING id`,
    [options.tenantId ?? tenant.tenantId, options.leadId === undefined ? leadId : options.leadId, options.dealId === undefined ? dealId : options.dealId, options.contactId === undefined ? contactId : options.contactId, tool, `Do ${tool}`, JSON.stringify(params), options.expiresAt ?? future()],
  );
  return encodeGlobalID("Recommendation", rows[0]!.id);
}

describe("recommendationAccept performs the action as the accepting person", () => {
  it("scheduleFollowUp → a task assigned to them, due when suggested (or when they say)", async () => {
    const op = tenant.members.OPERATOR;
    const suggested = future(2).toISOString();
    const id = await insertRec("scheduleFollowUp", { dueAt: suggested, reason: "no reply" });
    const r = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token: op.token });
    expect(r.recommendationAccept.userErrors).toEqual([]);
    expect(r.recommendationAccept.task).toMatchObject({ title: "Do scheduleFollowUp", dueAt: suggested, status: "OPEN", assigneeId: encodeGlobalID("User", op.userId) });
    expect(r.recommendationAccept.recommendation).toMatchObject({ status: "ACCEPTED", decidedBy: `user:${op.email}`, result: { taskId: r.recommendationAccept.task!.id } });
    const audit = await sql<{ actorLabel: string }>(t.db, `SELECT "actorLabel" FROM "AuditEntry" WHERE action IN ('task.created', 'recommendation.accepted') AND "tenantId" = $1 ORDER BY "createdAt" DESC LIMIT 2`, [tenant.tenantId]);
    expect(audit.map((a) => a.actorLabel)).toEqual([`user:${op.email}`, `user:${op.email}`]);

    const overridden = await insertRec("scheduleFollowUp", { dueAt: suggested });
    const later = future(10).toISOString();
    const o = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: overridden, overrides: { dueAt: later, title: "Call Nora about the pilot" } } }, { token: op.token });
    expect(o.recommendationAccept.task).toMatchObject({ dueAt: later, title: "Call Nora about the pilot" });
  });

  it("updateDealStage is refused to an OPERATOR (no deal:write) and changes nothing; a MANAGER moves the deal", async () => {
    const id = await insertRec("updateDealStage", { toStage: "discovery" });
    const refused = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token: tenant.members.OPERATOR.token });
    expect(refused.recommendationAccept).toMatchObject({ recommendation: null, deal: null });
    expect(refused.recommendationAccept.userErrors[0]).toMatchObject({ code: "FORBIDDEN", field: ["input", "recommendationId"] });
    expect((await sql<{ stage: string }>(t.db, `SELECT stage FROM "Deal" WHERE id = $1`, [dealId]))[0]!.stage).toBe("qualification");
    expect((await sql<{ status: string }>(t.db, `SELECT status::text FROM "Recommendation" WHERE id = $1`, [decodeGlobalID(id).id]))[0]!.status).toBe("OPEN");

    const moved = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token: tenant.members.MANAGER.token });
    expect(moved.recommendationAccept).toMatchObject({ userErrors: [], deal: { stage: "discovery" }, recommendation: { status: "ACCEPTED" } });
    const change = await sql<{ actorId: string; reason: string }>(t.db, `SELECT "actorId", reason FROM "DealStageChange" WHERE "dealId" = $1 AND "toStage" = 'discovery'`, [dealId]);
    expect(change).toEqual([{ actorId: tenant.members.MANAGER.userId, reason: "Accepted recommendation: Do updateDealStage" }]);
  });

  it("an unknown stage is the pipeline's refusal, at the override", async () => {
    const id = await insertRec("updateDealStage", { toStage: "discovery" });
    const r = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id, overrides: { toStage: "moon" } } }, { token: tenant.members.MANAGER.token });
    expect(r.recommendationAccept.userErrors[0]?.code).toBe("UNKNOWN_STAGE");
  });

  it("logSalesActivity → an activity logged by them", async () => {
    const id = await insertRec("logSalesActivity", { type: "CALL", summary: "Discussed the pilot scope" });
    const r = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token: tenant.members.OPERATOR.token });
    expect(r.recommendationAccept.activity).toMatchObject({ type: "CALL" });
    const row = await sql<{ actorUserId: string; body: string; leadId: string }>(t.db, `SELECT "actorUserId", body, "leadId" FROM "Activity" WHERE id = $1`, [decodeGlobalID(r.recommendationAccept.activity!.id).id]);
    expect(row).toEqual([{ actorUserId: tenant.members.OPERATOR.userId, body: "Discussed the pilot scope", leadId }]);
  });

  it("sendOutreachEmail → a draft written for them, waiting for review, never sent — even when the tenant auto-sends approved mail", async () => {
    const t2 = await createTenant(t, "rec-mail");
    await patchSettings(t.db, t2.tenantId, { sending: { mode: "SEND_ALLOWED" }, approval: { autoSendAfterApproval: true } });
    const lead = await executeOk(t.graphqlUrl, LeadIngest, { input: { email: "li@orion.example", firstName: "Li", companyName: "Orion" } }, { token: t2.members.OPERATOR.token });
    const id = await insertRec("sendOutreachEmail", { kind: "OUTREACH" }, { tenantId: t2.tenantId, leadId: decodeGlobalID(lead.leadIngest.lead!.id).id, dealId: null, contactId: decodeGlobalID(lead.leadIngest.lead!.contact!.id).id });
    const op = t2.members.OPERATOR;
    const r = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token: op.token });
    expect(r.recommendationAccept.userErrors).toEqual([]);
    expect(r.recommendationAccept.draft).toMatchObject({ status: "PENDING_REVIEW", origin: "OPERATOR", originRef: `recommendation:${decodeGlobalID(id).id}`, author: { type: "USER", id: op.userId } });
    expect(r.recommendationAccept.draft!.bodyText).toMatch(/Li/);
    expect(await sql(t.db, `SELECT id FROM "EmailSend" WHERE "tenantId" = $1`, [t2.tenantId])).toEqual([]);
    // The writer was asked under the accepting person's tenant, and recorded.
    expect(await sql(t.db, `SELECT id FROM "AiInvocation" WHERE "tenantId" = $1 AND agent = 'recommendation-accept' AND "promptId" = 'draft-writer'`, [t2.tenantId])).toHaveLength(1);
  });

  it("sendOutreachEmail to a suppressed contact is refused", async () => {
    await sql(t.db, `INSERT INTO "Suppression" (id, "tenantId", kind, value, reason, "createdByType", "createdById", "createdByLabel") VALUES (gen_random_uuid(), $1, 'EMAIL', 'nora@vega-labs.example', 'UNSUBSCRIBED', 'USER', 'x', 'x')`, [tenant.tenantId]);
    try {
      const id = await insertRec("sendOutreachEmail", { kind: "OUTREACH" });
      const r = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token: tenant.members.OPERATOR.token });
      expect(r.recommendationAccept.userErrors[0]?.code).toBe("RECIPIENT_SUPPRESSED");
      expect(await sql(t.db, `SELECT id FROM "Draft" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([]);
    } finally {
      await sql(t.db, `DELETE FROM "Suppression" WHERE "tenantId" = $1`, [tenant.tenantId]);
    }
  });
});

describe("a referral", () => {
  it("the recommendation to write to the person named carries their address, and accepting writes to them, not to the referrer", async () => {
    const t5 = await createTenant(t, "rec-referral");
    const op = t5.members.OPERATOR;
    await executeOk(t.graphqlUrl, LeadIngest, { input: { email: "tom@pavo.example", firstName: "Tom", companyName: "Pavo" } }, { token: op.token });
    const raw = rawEmail(
      { From: "Tom Berg <tom@pavo.example>", To: op.email, Subject: "Re: Routing at Pavo", "Message-ID": "<ref-1@pavo.example>", Date: new Date().toUTCString() },
      ["Hi,", "", "I'm not the right person for this. Please reach out to Jane Doe (jane.doe@pavo.example), she runs our sales operations.", "", "Tom"],
    );
    await executeOk(t.graphqlUrl, Ingest, { input: { raw } }, { token: op.token });
    await agentsSettled(t, t5.tenantId, { atLeast: 4 });
    const recs = await executeOk(t.graphqlUrl, List, { filter: { status: ["OPEN"], tool: ["sendOutreachEmail"] } }, { token: op.token });
    const referral = recs.recommendations.edges.map((e) => e.node).find((r) => (r.params as { recipientEmail?: string }).recipientEmail);
    expect(referral?.params).toMatchObject({ kind: "OUTREACH", recipientEmail: "jane.doe@pavo.example", recipientName: "Jane Doe" });
    const accepted = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: referral!.id } }, { token: op.token });
    expect(accepted.recommendationAccept.userErrors).toEqual([]);
    const draft = await sql<{ recipientEmail: string; leadId: string | null; firstName: string; bodyText: string }>(
      t.db,
      `SELECT d."recipientEmail", d."leadId", c."firstName", d."bodyText" FROM "Draft" d JOIN "Contact" c ON c.id = d."contactId" WHERE d.id = $1`,
      [decodeGlobalID(accepted.recommendationAccept.draft!.id).id],
    );
    expect(draft[0]).toMatchObject({ recipientEmail: "jane.doe@pavo.example", leadId: null, firstName: "Jane" });
    expect(draft[0]!.bodyText).toMatch(/Jane/);
  }, 30_000);
});

describe("what cannot be accepted", () => {
  it("an expired recommendation reads EXPIRED and is refused", async () => {
    const id = await insertRec("logSalesActivity", { type: "NOTE", summary: "x" }, { expiresAt: new Date(Date.now() - 1_000) });
    const r = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token: tenant.members.OPERATOR.token });
    expect(r.recommendationAccept.userErrors[0]?.code).toBe("RECOMMENDATION_EXPIRED");
    const listed = await executeOk(t.graphqlUrl, List, { filter: { status: ["EXPIRED"] } }, { token: tenant.members.ANALYST.token });
    expect(listed.recommendations.edges.map((e) => e.node.id)).toContain(id);
    const open = await executeOk(t.graphqlUrl, List, { filter: { status: ["OPEN"] } }, { token: tenant.members.ANALYST.token });
    expect(open.recommendations.edges.map((e) => e.node.id)).not.toContain(id);
  });

  it("accepted once: a second accept is refused, a retry with the same key replays the first result", async () => {
    const id = await insertRec("scheduleFollowUp", { dueAt: future().toISOString() });
    const input = { recommendationId: id, idempotencyKey: "rec-accept-1" };
    const first = await executeOk(t.graphqlUrl, Accept, { input }, { token: tenant.members.OPERATOR.token });
    const replay = await executeOk(t.graphqlUrl, Accept, { input }, { token: tenant.members.OPERATOR.token });
    expect(replay.recommendationAccept).toMatchObject({ userErrors: [], task: { id: first.recommendationAccept.task!.id } });
    const again = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token: tenant.members.OPERATOR.token });
    expect(again.recommendationAccept.userErrors[0]?.code).toBe("RECOMMENDATION_NOT_OPEN");
    expect(await sql(t.db, `SELECT id FROM "Task" WHERE "tenantId" = $1 AND title = 'Do scheduleFollowUp' AND "dueAt" = $2`, [tenant.tenantId, first.recommendationAccept.task!.dueAt])).toHaveLength(1);
  });

  it("dismissed with a reason (kept as feedback), then it cannot be accepted", async () => {
    const id = await insertRec("logSalesActivity", { type: "NOTE", summary: "x" });
    const short = await executeOk(t.graphqlUrl, Dismiss, { input: { recommendationId: id, reason: "no" } }, { token: tenant.members.OPERATOR.token });
    expect(short.recommendationDismiss.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "reason"] });
    const r = await executeOk(t.graphqlUrl, Dismiss, { input: { recommendationId: id, reason: "Already called her this morning" } }, { token: tenant.members.OPERATOR.token });
    expect(r.recommendationDismiss.recommendation).toMatchObject({ status: "DISMISSED", feedback: "Already called her this morning", decidedBy: `user:${tenant.members.OPERATOR.email}` });
    const accept = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token: tenant.members.OPERATOR.token });
    expect(accept.recommendationAccept.userErrors[0]?.code).toBe("RECOMMENDATION_NOT_OPEN");
    const again = await executeOk(t.graphqlUrl, Dismiss, { input: { recommendationId: id, reason: "twice over" } }, { token: tenant.members.OPERATOR.token });
    expect(again.recommendationDismiss.userErrors[0]?.code).toBe("RECOMMENDATION_NOT_OPEN");
  });

  it("invalid overrides are refused at their field", async () => {
    const id = await insertRec("scheduleFollowUp", { dueAt: future().toISOString() });
    const r = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: id, overrides: { dueAt: "soon" } } }, { token: tenant.members.OPERATOR.token });
    expect(r.recommendationAccept.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "overrides", "dueAt"] });
  });
});

describe("generation", () => {
  it("is shaped by the caller's role: an OPERATOR's set never moves deals; a MANAGER's may, and replaces the older set", async () => {
    const t3 = await createTenant(t, "rec-gen");
    const lead = await executeOk(
      t.graphqlUrl,
      LeadIngest,
      { input: { email: "eli@lyra.example", firstName: "Eli", companyName: "Lyra", deal: { name: "Lyra deal", amount: 5000 } } },
      { token: t3.members.MANAGER.token },
    );
    const gid = lead.leadIngest.lead!.id;
    await patchSettings(t.db, t3.tenantId, { agents: { recommendAfterInbound: false, draftReplies: false } });
    const raw = rawEmail(
      { From: "Eli <eli@lyra.example>", To: t3.members.MANAGER.email, Subject: "Demo", "Message-ID": "<gen-1@lyra.example>", Date: new Date().toUTCString() },
      ["Hi,", "", "We are interested. Can we book a demo call next week?", "", "Eli"],
    );
    await executeOk(t.graphqlUrl, Ingest, { input: { raw } }, { token: t3.members.MANAGER.token });
    await agentsSettled(t, t3.tenantId);

    const asOperator = await executeOk(t.graphqlUrl, Generate, { input: { leadId: gid } }, { token: t3.members.OPERATOR.token });
    expect(asOperator.recommendationsGenerate.agentRun).toMatchObject({ agent: "recommender", input: { audienceRole: "OPERATOR" } });
    const runs = await agentsSettled(t, t3.tenantId);
    const operatorRun = runs.find((r) => r.id === decodeGlobalID(asOperator.recommendationsGenerate.agentRun!.id).id)!;
    expect(operatorRun.status).toBe("SUCCEEDED");
    expect(operatorRun.output!.excludedTools).toEqual(expect.arrayContaining([{ tool: "updateDealStage", reason: "role OPERATOR lacks deal:write" }]));
    const first = await executeOk(t.graphqlUrl, List, { filter: { leadId: gid } }, { token: t3.members.OPERATOR.token });
    expect(first.recommendations.edges.length).toBeGreaterThan(0);
    expect(first.recommendations.edges.every((e) => e.node.audienceRole === "OPERATOR" && e.node.tool !== "updateDealStage")).toBe(true);

    await executeOk(t.graphqlUrl, Generate, { input: { leadId: gid } }, { token: t3.members.MANAGER.token });
    await agentsSettled(t, t3.tenantId);
    const all = await executeOk(t.graphqlUrl, List, { filter: { leadId: gid } }, { token: t3.members.MANAGER.token });
    const open = all.recommendations.edges.filter((e) => e.node.status === "OPEN").map((e) => e.node);
    expect(open.every((r) => r.audienceRole === "MANAGER")).toBe(true);
    expect(open.map((r) => r.tool)).toContain("updateDealStage");
    expect(open.find((r) => r.tool === "updateDealStage")!.params).toEqual({ toStage: "discovery" });
    // The operator's set was replaced, with the reason.
    const old = all.recommendations.edges.filter((e) => e.node.audienceRole === "OPERATOR").map((e) => e.node);
    expect(old.every((r) => r.status === "EXPIRED" && /Superseded/.test(r.feedback!))).toBe(true);
  }, 60_000);

  it("tools the tenant disabled are never proposed", async () => {
    const t4 = await createTenant(t, "rec-disabled");
    await patchSettings(t.db, t4.tenantId, { ai: { disabledTools: ["logSalesActivity", "scheduleFollowUp"] } });
    const lead = await executeOk(t.graphqlUrl, LeadIngest, { input: { email: "mo@cetus.example", firstName: "Mo" } }, { token: t4.members.OPERATOR.token });
    await executeOk(t.graphqlUrl, Generate, { input: { leadId: lead.leadIngest.lead!.id } }, { token: t4.members.OPERATOR.token });
    const runs = await agentsSettled(t, t4.tenantId);
    const tools = await sql<{ tool: string }>(t.db, `SELECT tool::text FROM "Recommendation" WHERE "tenantId" = $1`, [t4.tenantId]);
    expect(tools.every((x) => x.tool === "sendOutreachEmail")).toBe(true);
    expect(runs[0]!.output!.excludedTools).toEqual(expect.arrayContaining([{ tool: "logSalesActivity", reason: "disabled in the tenant's AI settings" }]));
  });

  it("a retry with the same idempotency key queues one run", async () => {
    const input = { leadId: encodeGlobalID("Lead", leadId), idempotencyKey: "rec-generate-1" };
    const a = await executeOk(t.graphqlUrl, Generate, { input }, { token: tenant.members.OPERATOR.token });
    const b = await executeOk(t.graphqlUrl, Generate, { input }, { token: tenant.members.OPERATOR.token });
    expect(b.recommendationsGenerate.agentRun!.id).toBe(a.recommendationsGenerate.agentRun!.id);
  });

  it.each([
    [{}, ["input", "leadId"], "VALIDATION_FAILED"],
    [{ leadId: encodeGlobalID("Lead", "00000000-0000-4000-8000-000000000000") }, ["input", "leadId"], "NOT_FOUND"],
    [{ dealId: encodeGlobalID("Lead", "00000000-0000-4000-8000-000000000000") }, ["input", "dealId"], "NOT_FOUND"],
  ])("refuses %j", async (input, field, code) => {
    const r = await executeOk(t.graphqlUrl, Generate, { input }, { token: tenant.members.OPERATOR.token });
    expect(r.recommendationsGenerate.userErrors[0]).toMatchObject({ code, field });
  });
});

describe("roles and tenants", () => {
  let quietLead: { leadId: string; contactId: string } | null = null;

  it.each(ALL_ROLES)("role %s: accept, dismiss and generate only with recommendation:act / agent:run", async (role) => {
    // Fixtures on a lead nobody generates for, so no generation run replaces them mid-test.
    if (!quietLead) {
      const lead = await executeOk(t.graphqlUrl, LeadIngest, { input: { email: "quiet@vega-labs.example" } }, { token: tenant.members.OPERATOR.token });
      quietLead = { leadId: decodeGlobalID(lead.leadIngest.lead!.id).id, contactId: decodeGlobalID(lead.leadIngest.lead!.contact!.id).id };
    }
    const fixture = { leadId: quietLead.leadId, contactId: quietLead.contactId, dealId: null };
    const id = await insertRec("logSalesActivity", { type: "NOTE", summary: `by ${role}` }, fixture);
    const token = tenant.members[role].token;
    const accept = await execute(t.graphqlUrl, Accept, { input: { recommendationId: id } }, { token });
    const generate = await execute(t.graphqlUrl, Generate, { input: { leadId: encodeGlobalID("Lead", leadId) } }, { token });
    const dismiss = await execute(t.graphqlUrl, Dismiss, { input: { recommendationId: await insertRec("logSalesActivity", { type: "NOTE", summary: "x" }, fixture), reason: "not useful" } }, { token });
    if (role === "ANALYST") {
      for (const r of [accept, generate, dismiss]) expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await sql<{ status: string }>(t.db, `SELECT status::text FROM "Recommendation" WHERE id = $1`, [decodeGlobalID(id).id]))[0]!.status).toBe("OPEN");
    } else {
      expect(accept.data?.recommendationAccept.userErrors).toEqual([]);
      expect(generate.data?.recommendationsGenerate.userErrors).toEqual([]);
      expect(dismiss.data?.recommendationDismiss.userErrors).toEqual([]);
    }
  });

  it("another tenant's recommendation is not found and stays untouched; lists show only one's own", async () => {
    const theirLead = await executeOk(t.graphqlUrl, LeadIngest, { input: { email: "x@theirs.example" } }, { token: other.members.OPERATOR.token });
    const theirs = await insertRec("logSalesActivity", { type: "NOTE", summary: "theirs" }, { tenantId: other.tenantId, leadId: decodeGlobalID(theirLead.leadIngest.lead!.id).id, dealId: null, contactId: null });
    const accept = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: theirs } }, { token: tenant.members.OWNER.token });
    expect(accept.recommendationAccept.userErrors[0]).toMatchObject({ code: "NOT_FOUND", field: ["input", "recommendationId"] });
    const dismiss = await executeOk(t.graphqlUrl, Dismiss, { input: { recommendationId: theirs, reason: "not mine" } }, { token: tenant.members.OWNER.token });
    expect(dismiss.recommendationDismiss.userErrors[0]?.code).toBe("NOT_FOUND");
    expect((await sql<{ status: string }>(t.db, `SELECT status::text FROM "Recommendation" WHERE id = $1`, [decodeGlobalID(theirs).id]))[0]!.status).toBe("OPEN");
    const mine = await executeOk(t.graphqlUrl, List, {}, { token: tenant.members.OWNER.token });
    expect(mine.recommendations.edges.map((e) => e.node.id)).not.toContain(theirs);
    const generate = await executeOk(t.graphqlUrl, Generate, { input: { leadId: theirLead.leadIngest.lead!.id } }, { token: tenant.members.OWNER.token });
    expect(generate.recommendationsGenerate.userErrors[0]?.code).toBe("NOT_FOUND");
  });
});
