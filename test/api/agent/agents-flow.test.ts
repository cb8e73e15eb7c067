// The issue's "done when", end to end over real HTTP and graphql-ws: a user
// imports sent mail, ingests an inbound e-mail and watches, on subscriptions,
// the analysis arrive, a reply draft in their voice enter the review queue
// and recommendations appear for the lead — with the API instance and the
// worker instance apart, joined by Redis pub/sub. Then the same flow with an
// OpenAI-compatible endpoint (the wire-format fake server): every call goes
// there and is recorded with tokens, cost and latency against its run; over
// budget, the agents fall back to the local provider and the run says so.
import { decodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { agentsSettled, OSCAR_SENT_MAIL, rawEmail } from "../../helpers/agents.js";
import { createTenant, redisForTests, startTestApp, type TestApp } from "../../helpers/app.js";
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from "../../helpers/fake-openai.js";
import { execute, executeOk, subscribe } from "../../helpers/graphql.js";
import { patchSettings, sql, waitFor } from "../../helpers/operator.js";

const Voice = graphql(`
  mutation FlowVoiceImport($input: VoiceSamplesImportInput!) {
    voiceSamplesImport(input: $input) { imported duplicates sampleCount agentRun { id agent } userErrors { code message } }
  }
`);
const Profile = graphql(`
  query FlowVoiceProfile {
    voiceProfile { sampleCount greeting { text withName punctuation } signOff { text } signatureName formalityLabel }
  }
`);
const Ingest = graphql(`
  mutation FlowIngest($input: MessageIngestInput!) {
    messageIngest(input: $input) { inboundMessage { id lead { id } } suppressed agentRun { id } userErrors { code message } }
  }
`);
const Analysed = graphql(`
  subscription FlowAnalysed($leadId: ID) {
    inboundMessageAnalysed(leadId: $leadId) { inboundMessageId intent action message { id status analysis { source reasons } lead { id } } }
  }
`);
const Pending = graphql(`
  subscription FlowPendingDrafts {
    pendingDraftsChanged { change status draft { id origin originRef subject bodyText leadId author { type label } inboundMessage { id } thread { id facts { nextStep } } } }
  }
`);
const Generated = graphql(`
  subscription FlowRecommendations($leadId: ID) {
    recommendationGenerated(leadId: $leadId) { leadId recommendations { id tool title rationale confidence factsUsed expiresAt rank status provider params } }
  }
`);
const Runs = graphql(`
  query FlowRuns($filter: AgentRunFilter) {
    agentRuns(first: 20, filter: $filter) {
      edges { node { agent status attempts fallbackReason invocations { provider model external promptId inputTokens outputTokens totalTokens costUsd latencyMs outcome fallbackReason } } }
    }
  }
`);
const Usage = graphql(`
  query FlowUsage { aiUsage { externalTokens externalCostUsd invocations fallbacks } }
`);

const redis = redisForTests();

function anaWrites(to: string, id: string, text: string[]): string {
  return rawEmail(
    { From: "Ana Ruiz <ana.ruiz@acme-logistics.example>", To: to, Subject: "Re: Pilot for Acme", "Message-ID": `<${id}@acme-logistics.example>`, Date: new Date().toUTCString() },
    ["Hi Oscar,", "", ...text, "", "Best,", "Ana"],
  );
}

describe.skipIf(!redis.url)(`done when: the flow on subscriptions, API and workers in two instances${redis.url ? "" : ` (skipped: ${redis.reason})`}`, () => {
  let api: TestApp;
  let workers: TestApp;

  beforeAll(async () => {
    api = await startTestApp({ redisUrl: redis.url, env: { AGENT_WORKERS: "0" } });
    workers = await startTestApp({ redisUrl: redis.url, db: api.db, env: { AGENT_POLL_SECONDS: "0.5" } });
  });
  afterAll(async () => {
    await workers?.close();
    await api?.close();
  });

  it("analysis, a reply draft in the learned voice, and recommendations arrive; an unsubscribe suppresses at once", async () => {
    const tenant = await createTenant(api, "flow");
    const op = tenant.members.OPERATOR;
    const imported = await executeOk(api.graphqlUrl, Voice, { input: { emails: OSCAR_SENT_MAIL } }, { token: op.token });
    expect(imported.voiceSamplesImport).toMatchObject({ imported: 4, duplicates: 0, sampleCount: 4, agentRun: { agent: "voice-learner" }, userErrors: [] });
    const profile = await waitFor(async () => (await executeOk(api.graphqlUrl, Profile, {}, { token: op.token })).voiceProfile, 15_000, "the voice profile");
    expect(profile).toMatchObject({ sampleCount: 4, greeting: { text: "Hey", withName: true, punctuation: "!" }, signOff: { text: "Cheers" }, signatureName: "Oscar", formalityLabel: "casual" });

    const params = { Authorization: `Bearer ${op.token}` };
    const analysed = await subscribe(api.wsUrl, Analysed, {}, params);
    const pending = await subscribe(api.wsUrl, Pending, {}, params);
    const generated = await subscribe(api.wsUrl, Generated, {}, params);
    try {
      const raw = anaWrites(op.email, "flow-1", ["Thanks for the overview. We would like to see a demo: could we have a call on Thursday to go through pricing for 50 seats?"]);
      const ingested = await executeOk(api.graphqlUrl, Ingest, { input: { raw } }, { token: op.token });
      const leadId = ingested.messageIngest.inboundMessage!.lead!.id;

      const a = (await analysed.next(20_000)).inboundMessageAnalysed;
      expect(a).toMatchObject({ inboundMessageId: ingested.messageIngest.inboundMessage!.id, action: "DRAFT_REPLY", message: { status: "ANALYSED", analysis: { source: "model" }, lead: { id: leadId } } });
      expect(["MEETING_REQUEST", "QUESTION", "INTERESTED"]).toContain(a.intent);

      const d = (await pending.next(20_000)).pendingDraftsChanged;
      expect(d).toMatchObject({ change: "ADDED", status: "PENDING_REVIEW", draft: { origin: "AGENT", leadId, author: { type: "AGENT", label: "agent:draft-writer" }, inboundMessage: { id: a.inboundMessageId } } });
      expect(d.draft!.subject).toBe("Re: Pilot for Acme");
      // Oscar's voice: his greeting with the contact's first name, his sign-off and signature.
      expect(d.draft!.bodyText).toMatch(/^Hey Ana!/);
      expect(d.draft!.bodyText).toMatch(/Cheers,\nOscar$/);
      expect(d.draft!.thread!.facts!.nextStep).toBeTruthy();
      const writer = await sql<{ jobId: string }>(api.db, `SELECT "jobId" FROM "AgentRun" WHERE "tenantId" = $1 AND agent = 'draft-writer'`, [tenant.tenantId]);
      expect(d.draft!.originRef).toBe(writer[0]!.jobId);

      const g = (await generated.next(20_000)).recommendationGenerated;
      expect(g.leadId).toBe(leadId);
      expect(g.recommendations.length).toBeGreaterThan(0);
      for (const [i, r] of g.recommendations.entries()) {
        expect(r).toMatchObject({ rank: i + 1, status: "OPEN", provider: "local" });
        expect(r.rationale.length).toBeGreaterThan(10);
        expect(r.factsUsed.length).toBeGreaterThan(0);
        expect(new Date(r.expiresAt).getTime()).toBeGreaterThan(Date.now());
      }
      // The writer's draft already exists: no recommendation proposes writing the same reply again.
      expect(g.recommendations.filter((r) => r.tool === "sendOutreachEmail")).toEqual([]);

      // An unsubscribe reply: suppressed in the mutation's own transaction.
      const stop = anaWrites(op.email, "flow-2", ["Please take me off your list, I don't want to receive more emails."]);
      const unsub = await executeOk(api.graphqlUrl, Ingest, { input: { raw: stop } }, { token: op.token });
      expect(unsub.messageIngest.suppressed).toEqual(["ana.ruiz@acme-logistics.example"]);
      const second = (await analysed.next(20_000)).inboundMessageAnalysed;
      expect(second).toMatchObject({ intent: "UNSUBSCRIBE", action: "SUPPRESS" });
      const runs = await agentsSettled(api, tenant.tenantId, { atLeast: 6 });
      expect(runs.filter((r) => r.status !== "SUCCEEDED")).toEqual([]);
      // No second draft: nobody writes to an address that asked to stop.
      expect(await sql(api.db, `SELECT id FROM "Draft" WHERE "tenantId" = $1`, [tenant.tenantId])).toHaveLength(1);
      // The filtered subscription of another lead saw nothing.
    } finally {
      await Promise.all([analysed.close(), pending.close(), generated.close()]);
    }
  }, 90_000);

  it("subscriptions are tenant-scoped and filterable by lead", async () => {
    const mine = await createTenant(api, "flow-mine");
    const theirs = await createTenant(api, "flow-theirs");
    const otherLead = await sql<{ id: string }>(api.db, `INSERT INTO "Lead" (id, "tenantId", source, "updatedAt") VALUES (gen_random_uuid(), $1, 'x', now()) RETURNING id`, [mine.tenantId]);
    const params = { Authorization: `Bearer ${mine.members.ANALYST.token}` };
    const all = await subscribe(api.wsUrl, Analysed, {}, params);
    const filtered = await subscribe(api.wsUrl, Analysed, { leadId: Buffer.from(`Lead:${otherLead[0]!.id}`).toString("base64") }, params);
    try {
      await executeOk(api.graphqlUrl, Ingest, { input: { raw: anaWrites(theirs.members.OPERATOR.email, "theirs-1", ["Can we talk tomorrow?"]) } }, { token: theirs.members.OPERATOR.token });
      await executeOk(api.graphqlUrl, Ingest, { input: { raw: anaWrites(mine.members.OPERATOR.email, "mine-1", ["Can we talk tomorrow?"]) } }, { token: mine.members.OPERATOR.token });
      const event = (await all.next(20_000)).inboundMessageAnalysed;
      const own = await sql<{ tenantId: string }>(api.db, `SELECT "tenantId" FROM "InboundMessage" WHERE id = $1`, [decodeGlobalID(event.inboundMessageId).id]);
      expect(own[0]!.tenantId).toBe(mine.tenantId);
      await agentsSettled(api, mine.tenantId);
      await agentsSettled(api, theirs.tenantId);
      // Instead of waiting a while for a leak that might come: a second message of our own, analysed after
      // theirs was published. Once its event is in, theirs would be too, had it leaked.
      await waitFor(async () => (await sql<{ n: number }>(api.db, `SELECT count(*)::int AS n FROM "OutboxEvent" WHERE "deliveredAt" IS NULL`))[0]!.n === 0, 20_000, "the outbox to publish every event so far");
      await executeOk(api.graphqlUrl, Ingest, { input: { raw: anaWrites(mine.members.OPERATOR.email, "mine-2", ["Could you send the pricing?"]) } }, { token: mine.members.OPERATOR.token });
      const second = (await all.next(20_000)).inboundMessageAnalysed;
      const secondTenant = await sql<{ tenantId: string }>(api.db, `SELECT "tenantId" FROM "InboundMessage" WHERE id = $1`, [decodeGlobalID(second.inboundMessageId).id]);
      expect(secondTenant[0]!.tenantId).toBe(mine.tenantId);
      expect(all.received).toHaveLength(2);
      expect(filtered.received).toHaveLength(0);
    } finally {
      await Promise.all([all.close(), filtered.close()]);
    }
  }, 60_000);
});

/** Valid answers in the wire format, per prompt (the json_schema name is the prompt id). */
function answer(request: RecordedRequest): string {
  const format = request.body.response_format as { json_schema?: { name?: string } } | undefined;
  const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
  switch (format?.json_schema?.name) {
    case "inbound-analysis":
      return JSON.stringify({ intent: "MEETING_REQUEST", relevance: 0.9, confidence: 0.92, action: "DRAFT_REPLY", reasons: ["asks for a call on Thursday"], suggestedReply: "Thursday works for us.", returnDate: null, referral: null });
    case "thread-reader":
      return JSON.stringify({ summary: "The prospect wants a call about pricing.", asks: [{ text: "a call on Thursday", by: "THEM" }], dates: [], objections: [], commitments: [], nextStep: "Confirm Thursday", sentiment: 0.6 });
    case "draft-writer":
      return JSON.stringify({ subject: "Re: Pilot for Acme", body: "Hey Ana!\n\nThursday at 10:00 works well. I'll bring the pricing for 50 seats.\n\nCheers,\nOscar", factsUsed: ["thread.asks[0]"] });
    case "next-best-action":
      return JSON.stringify({ actions: [{ tool: "scheduleFollowUp", title: "Prepare the Thursday call", rationale: "They asked for a call on Thursday about pricing.", confidence: 0.8, factsUsed: ["lastInbound.intent"], expiresAt: soon, arguments: { dueAt: soon } }] });
    case "qualification-assist":
      return JSON.stringify({ adjustment: 6, reason: "Asked for a call about pricing for 50 seats.", signals: ["meeting request"] });
    default:
      return "{}";
  }
}

describe("with an OpenAI-compatible endpoint", () => {
  let fake: FakeOpenAi;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    fake.respondWith((request) => ({ kind: "content", content: answer(request), promptTokens: 420, completionTokens: 80 }));
    t = await startTestApp({ env: { AGENT_POLL_SECONDS: "0.5", OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "gpt-4o-mini", OPENAI_MAX_RETRIES: "0" } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it("the same flow uses it, and every call is recorded with tokens, cost and latency against its run", async () => {
    const tenant = await createTenant(t, "flow-openai");
    const op = tenant.members.OPERATOR;
    const before = fake.requests.length;
    await executeOk(t.graphqlUrl, Ingest, { input: { raw: anaWrites(op.email, "openai-1", ["Could we have a call on Thursday about pricing for 50 seats?"]) } }, { token: op.token });
    const runs = await agentsSettled(t, tenant.tenantId, { atLeast: 4 });
    expect(runs.map((r) => [r.agent, r.status, r.fallbackReason])).toEqual([
      ["inbound-analysis", "SUCCEEDED", null],
      ["thread-reader", "SUCCEEDED", null],
      ["draft-writer", "SUCCEEDED", null],
      ["recommender", "SUCCEEDED", null],
    ]);
    const prompts = fake.requests.slice(before).map((r) => (r.body.response_format as { json_schema: { name: string } }).json_schema.name);
    expect(prompts).toEqual(expect.arrayContaining(["inbound-analysis", "thread-reader", "draft-writer", "next-best-action"]));

    const listed = await executeOk(t.graphqlUrl, Runs, {}, { token: tenant.members.ADMIN.token });
    for (const { node } of listed.agentRuns.edges) {
      expect(node.invocations, node.agent).toEqual([
        expect.objectContaining({ provider: "openai", model: "gpt-4o-mini", external: true, inputTokens: 420, outputTokens: 80, totalTokens: 500, outcome: "SUCCESS", fallbackReason: null }),
      ]);
      // gpt-4o-mini list price: $0.15 / $0.60 per million tokens.
      expect(node.invocations[0]!.costUsd).toBeCloseTo((420 * 0.15 + 80 * 0.6) / 1e6, 10);
      expect(node.invocations[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    }
    const draft = await sql<{ bodyText: string; status: string }>(t.db, `SELECT "bodyText", status::text FROM "Draft" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(draft).toEqual([{ bodyText: "Hey Ana!\n\nThursday at 10:00 works well. I'll bring the pricing for 50 seats.\n\nCheers,\nOscar", status: "PENDING_REVIEW" }]);
    const recs = await sql<{ tool: string; provider: string }>(t.db, `SELECT tool::text, provider FROM "Recommendation" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(recs).toEqual([{ tool: "scheduleFollowUp", provider: "openai" }]);
    // Qualification assist went there too, outside any run.
    const assist = await waitFor(async () => (await sql<{ provider: string; agentRunId: string | null }>(t.db, `SELECT provider, "agentRunId" FROM "AiInvocation" WHERE "tenantId" = $1 AND agent = 'qualification-assist'`, [tenant.tenantId]))[0], 15_000, "an assessment");
    expect(assist).toEqual({ provider: "openai", agentRunId: null });
    const usage = await executeOk(t.graphqlUrl, Usage, {}, { token: tenant.members.ADMIN.token });
    expect(usage.aiUsage.externalTokens).toBeGreaterThanOrEqual(2_000);
    expect(usage.aiUsage.externalCostUsd).toBeGreaterThan(0);
  }, 60_000);

  it("over the monthly budget the agents fall back to the local provider, and the run says so", async () => {
    const tenant = await createTenant(t, "flow-budget");
    await patchSettings(t.db, tenant.tenantId, { ai: { monthlyTokenBudget: 100 } });
    const op = tenant.members.OPERATOR;
    const before = fake.requests.length;
    await executeOk(t.graphqlUrl, Ingest, { input: { raw: anaWrites(op.email, "budget-1", ["Could we have a call on Thursday about pricing?"]) } }, { token: op.token });
    const runs = await agentsSettled(t, tenant.tenantId, { atLeast: 4 });
    expect(runs.every((r) => r.status === "SUCCEEDED" && r.fallbackReason === "TOKEN_BUDGET_EXCEEDED")).toBe(true);
    const invocations = await sql<{ provider: string; fallbackReason: string }>(t.db, `SELECT provider, "fallbackReason" FROM "AiInvocation" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(invocations.length).toBeGreaterThan(0);
    expect(invocations.every((i) => i.provider === "local" && i.fallbackReason === "TOKEN_BUDGET_EXCEEDED")).toBe(true);
    // Nothing of this tenant's left the service.
    const theirs = fake.requests.slice(before).filter((r) => JSON.stringify(r.body).includes("budget-1") || JSON.stringify(r.body).includes("Thursday about pricing?"));
    expect(theirs).toEqual([]);
    const draft = await sql(t.db, `SELECT id FROM "Draft" WHERE "tenantId" = $1 AND status = 'PENDING_REVIEW'`, [tenant.tenantId]);
    expect(draft).toHaveLength(1);
  }, 60_000);

  it("only people with ai:read see the runs", async () => {
    const tenant = await createTenant(t, "flow-read");
    const key = await execute(t.graphqlUrl, Runs, {}, {});
    expect(key.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    for (const role of ["OWNER", "ADMIN", "MANAGER", "OPERATOR", "ANALYST"] as const) {
      const r = await execute(t.graphqlUrl, Runs, {}, { token: tenant.members[role].token });
      expect(r.errors, role).toBeUndefined();
    }
  });
});
