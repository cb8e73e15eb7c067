// Agents as jobs against real PostgreSQL and pg-boss: every run is an
// AgentRun; a provider that keeps failing transiently is retried with backoff
// and dead-lettered (DEAD, with the error, the event and the audit entry); a
// permanent failure ends FAILED at once; one tenant's backlog does not starve
// another's single job; no agent path can approve or send; qualification
// assist adjusts a score within its bound and never beats disqualification.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { decodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AiError, type AiProvider, type CompletionRequest } from "../../src/ai/provider.js";
import { createAiRuntime } from "../../src/ai/runtime.js";
import { handleAgentJob } from "../../src/jobs/agents.js";
import { AGENT_QUEUES, agentActor, type AgentJobData } from "../../src/orchestration/agent/agent-run.js";
import { approveDraft, approveDrafts, createDraft, sendDraft } from "../../src/orchestration/draft/draft.js";
import { aiLeadAssessor } from "../../src/orchestration/lead/qualification-assist.js";
import { graphql } from "../generated/gql/index.js";
import { agentRuns, agentsSettled, fixtureEmail, OSCAR_SENT_MAIL, rawEmail } from "../helpers/agents.js";
import { createTenant, startTestApp, type TestApp } from "../helpers/app.js";
import { executeOk } from "../helpers/graphql.js";
import { patchSettings, sql, waitFor } from "../helpers/operator.js";

const Ingest = graphql(`
  mutation AgentRunsIngest($input: MessageIngestInput!) {
    messageIngest(input: $input) { inboundMessage { id lead { id } } agentRun { id status priority } userErrors { code message } }
  }
`);

const Runs = graphql(`
  query AgentRunsList($filter: AgentRunFilter) {
    agentRuns(first: 50, filter: $filter) {
      edges { node { id agent status attempts maxAttempts error fallbackReason triggeredBy lead { id } invocations { id provider outcome errorKind } } }
    }
  }
`);

const Voice = graphql(`
  mutation AgentRunsVoice($input: VoiceSamplesImportInput!) {
    voiceSamplesImport(input: $input) { agentRun { id } userErrors { code } }
  }
`);

const humanMessage = (id: string, text = "Could you send me your pricing for 30 seats?") => ({
  message: { from: `buyer-${id}@orbit.example`, fromName: "Robin Vale", subject: "Pricing", text, messageId: `<${id}@orbit.example>` },
});

/** A provider that always fails: transiently, or permanently when the text says so. */
function failingProvider(calls: { n: number }): AiProvider {
  return {
    name: "local",
    external: false,
    model: "failing-model",
    embeddingModel: "failing-embed",
    async complete(request: CompletionRequest) {
      calls.n++;
      const text = JSON.stringify(request.input);
      if (text.includes("PERMANENT")) throw new AiError("PERMANENT", "the model refused the request");
      throw new AiError("TRANSIENT", "upstream overloaded (503)");
    },
    async embed() {
      throw new AiError("TRANSIENT", "upstream overloaded (503)");
    },
  };
}

describe("retries and dead letters", () => {
  let t: TestApp;
  const calls = { n: 0 };

  beforeAll(async () => {
    t = await startTestApp({
      env: { AGENT_POLL_SECONDS: "0.5", AGENT_MAX_ATTEMPTS: "3", AGENT_RETRY_DELAY_SECONDS: "1" },
      ai: (deps) => createAiRuntime(deps, { providers: { local: failingProvider(calls), external: null, price: () => ({ input: 0, output: 0 }) } }),
    });
  });
  afterAll(() => t?.close());

  it("a provider that keeps failing: the run is retried with backoff, then dead-lettered and marked DEAD", async () => {
    const tenant = await createTenant(t, "dlq");
    const r = await executeOk(t.graphqlUrl, Ingest, { input: humanMessage("dlq-1") }, { token: tenant.members.OPERATOR.token });
    const runId = decodeGlobalID(r.messageIngest.agentRun!.id).id;
    const dead = await waitFor(async () => {
      const rows = await agentRuns(t, tenant.tenantId);
      return rows.find((x) => x.id === runId && x.status === "DEAD") ?? null;
    }, 40_000, "the run to be dead-lettered");
    expect(dead).toMatchObject({ agent: "inbound-analysis", attempts: 3, error: expect.stringContaining("upstream overloaded") });
    // Each attempt's provider call is recorded against the run.
    const invocations = await sql<{ outcome: string; errorKind: string }>(t.db, `SELECT outcome::text, "errorKind" FROM "AiInvocation" WHERE "agentRunId" = $1`, [runId]);
    expect(invocations).toEqual([
      { outcome: "ERROR", errorKind: "TRANSIENT" },
      { outcome: "ERROR", errorKind: "TRANSIENT" },
      { outcome: "ERROR", errorKind: "TRANSIENT" },
    ]);
    const events = await sql<{ type: string }>(t.db, `SELECT type FROM "OutboxEvent" WHERE payload->>'agentRunId' = $1 ORDER BY "createdAt", "id"`, [runId]);
    expect(events.map((e) => e.type)).toEqual(["sales.agent_run.failed", "sales.agent_run.dead"]);
    const audit = await sql<{ actorLabel: string }>(t.db, `SELECT "actorLabel" FROM "AuditEntry" WHERE action = 'agent_run.dead' AND "targetId" = $1`, [runId]);
    expect(audit).toEqual([{ actorLabel: "agent:dead-letter" }]);
    // Visible through the API, with the calls it made.
    const listed = await executeOk(t.graphqlUrl, Runs, { filter: { status: ["DEAD"] } }, { token: tenant.members.ANALYST.token });
    expect(listed.agentRuns.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ id: r.messageIngest.agentRun!.id, agent: "inbound-analysis", attempts: 3, maxAttempts: 3, triggeredBy: `user:${tenant.members.OPERATOR.email}`, lead: { id: r.messageIngest.inboundMessage!.lead!.id } }),
    ]);
    expect(listed.agentRuns.edges[0]!.node.invocations.map((i) => i.outcome)).toEqual(["ERROR", "ERROR", "ERROR"]);
    // And in /metrics: two attempts back in the queue, the last one failed, then dead.
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/agent_runs_total\{agent="inbound-analysis",status="QUEUED"\} 2\b/);
    expect(metrics).toMatch(/agent_runs_total\{agent="inbound-analysis",status="FAILED"\} 1\b/);
    expect(metrics).toMatch(/agent_runs_total\{agent="inbound-analysis",status="DEAD"\} 1\b/);
  });

  it("a permanent failure ends FAILED after one attempt and is not dead-lettered", async () => {
    const tenant = await createTenant(t, "permanent");
    const r = await executeOk(t.graphqlUrl, Ingest, { input: humanMessage("perm-1", "PERMANENT please") }, { token: tenant.members.OPERATOR.token });
    const runId = decodeGlobalID(r.messageIngest.agentRun!.id).id;
    const runs = await agentsSettled(t, tenant.tenantId);
    expect(runs.find((x) => x.id === runId)).toMatchObject({ status: "FAILED", attempts: 1, error: expect.stringContaining("refused") });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await agentRuns(t, tenant.tenantId)).find((x) => x.id === runId)?.status).toBe("FAILED");
  });

  it("mail the certain rules decide needs no provider: it is analysed while the provider is down", async () => {
    const tenant = await createTenant(t, "rules-only");
    const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw: await fixtureEmail("dsn-hard-recipient-unknown.eml") } }, { token: tenant.members.OPERATOR.token });
    const runs = await agentsSettled(t, tenant.tenantId);
    expect(runs).toEqual([expect.objectContaining({ id: decodeGlobalID(r.messageIngest.agentRun!.id).id, status: "SUCCEEDED", attempts: 1 })]);
  });
});

describe("fairness and the agents' limits", () => {
  let t: TestApp;

  beforeAll(async () => {
    // No workers of its own: the test starts exactly one to observe the order.
    t = await startTestApp({ env: { AGENT_WORKERS: "0", AGENT_POLL_SECONDS: "0.5" } });
  });
  afterAll(() => t?.close());

  it("tenant A's 20 queued analyses do not starve tenant B's single one", async () => {
    const a = await createTenant(t, "fair-a");
    const b = await createTenant(t, "fair-b");
    for (let i = 0; i < 20; i++) {
      await executeOk(t.graphqlUrl, Ingest, { input: humanMessage(`fair-a-${i}`) }, { token: a.members.OPERATOR.token });
    }
    const late = await executeOk(t.graphqlUrl, Ingest, { input: humanMessage("fair-b-0") }, { token: b.members.OPERATOR.token });
    const bRun = decodeGlobalID(late.messageIngest.agentRun!.id).id;
    // Priorities at enqueue: A's k-th pending job got −k; B's first got 0.
    const aRuns = await agentRuns(t, a.tenantId);
    expect(aRuns.map((r) => r.priority)).toEqual(Array.from({ length: 20 }, (_, i) => (i === 0 ? 0 : -i)));
    expect((await agentRuns(t, b.tenantId)).map((r) => r.priority)).toEqual([0]);

    const services = t.app.services;
    const queue = AGENT_QUEUES["inbound-analysis"];
    await services.jobs.boss.work<AgentJobData>(queue, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
      if (job) await handleAgentJob(services, "inbound-analysis", job.data);
    });
    try {
      const started = await waitFor(async () => {
        const rows = await sql<{ id: string; tenantId: string; startedAt: Date | null; queuedAt: Date }>(
          t.db,
          `SELECT id, "tenantId", "startedAt", "queuedAt" FROM "AgentRun" WHERE agent = 'inbound-analysis' AND "tenantId" = ANY($1::uuid[])`,
          [[a.tenantId, b.tenantId]],
        );
        return rows.every((r) => r.startedAt) ? rows : null;
      }, 60_000, "all 21 analyses to start");
      const order = [...started].sort((x, y) => x.startedAt!.getTime() - y.startedAt!.getTime() || (x.id < y.id ? -1 : 1));
      // B's job was queued after all of A's, yet it ran second at the latest (first or right after A's first).
      expect(started.find((r) => r.id === bRun)!.queuedAt.getTime()).toBeGreaterThanOrEqual(Math.max(...started.filter((r) => r.tenantId === a.tenantId).map((r) => r.queuedAt.getTime())));
      expect(order.findIndex((r) => r.id === bRun)).toBeLessThanOrEqual(1);
    } finally {
      await services.jobs.boss.offWork(queue);
    }
  }, 90_000);

  it("an agent can never approve or send, whatever the approval policy", async () => {
    const tenant = await createTenant(t, "no-send");
    await patchSettings(t.db, tenant.tenantId, {
      sending: { mode: "SEND_ALLOWED", mailboxes: ["sales@no-send.example"] },
      approval: { approverRoles: ["OWNER", "ADMIN", "MANAGER", "OPERATOR"], senderRoles: ["OWNER", "ADMIN", "MANAGER", "OPERATOR"], autoSendAfterApproval: true, requiredApprovals: 1 },
    });
    const contact = await sql<{ id: string }>(
      t.db,
      `INSERT INTO "Contact" (id, "tenantId", email, "emailOriginal", "firstName", "updatedAt") VALUES (gen_random_uuid(), $1, 'kai@delta.example', 'kai@delta.example', 'Kai', now()) RETURNING id`,
      [tenant.tenantId],
    );
    const services = t.app.services;
    for (const agent of ["inbound-analysis", "thread-reader", "draft-writer", "recommender", "voice-learner"]) {
      const actor = agentActor(tenant.tenantId, agent, "job-1");
      const created = await createDraft(services, actor, { recipient: { contactId: contact[0]!.id }, subject: "Hello", bodyText: "Hi Kai,\n\nA short note.\n\nBest", category: "ONE_TO_ONE", origin: "AGENT", originRef: "job-1" });
      expect(created.ok, agent).toBe(true);
      const draftId = created.ok ? created.value.draftId : "";
      const approved = await approveDraft(services, actor, { draftId });
      const bulk = await approveDrafts(services, actor, { draftIds: [draftId] });
      const sent = await sendDraft(services, actor, { draftId });
      expect(approved.ok ? null : approved.errors[0]!.code, agent).toBe("ROLE_NOT_ALLOWED_BY_POLICY");
      expect(bulk[0]!.outcome.ok ? null : bulk[0]!.outcome.errors[0]!.code, agent).toBe("ROLE_NOT_ALLOWED_BY_POLICY");
      expect(sent.ok ? null : sent.errors[0]!.code, agent).toBe("ROLE_NOT_ALLOWED_BY_POLICY");
    }
    const rows = await sql<{ status: string; n: number }>(t.db, `SELECT status::text, count(*)::int AS n FROM "Draft" WHERE "tenantId" = $1 GROUP BY 1`, [tenant.tenantId]);
    expect(rows).toEqual([{ status: "PENDING_REVIEW", n: 5 }]);
    expect(await sql(t.db, `SELECT id FROM "DraftApproval" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([]);
    expect(await sql(t.db, `SELECT id FROM "EmailSend" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([]);
  });

  it("no agent module reaches for approving or sending", async () => {
    const files = [
      ...["agent/agent-run", "agent/agent-facts", "inbound/inbound-message", "inbound/inbound-analysis", "inbound/email-thread", "draft/draft-writer", "pipeline/recommendation", "draft/voice", "lead/qualification-assist", "inbound/inbound-webhook"].map(
        (f) => `src/orchestration/${f}.ts`,
      ),
      "src/jobs/agents.ts",
      // Not an agent, but it works on agent runs (erasure blanks their output): held to the same rule.
      "src/orchestration/governance/erasure.ts",
    ];
    for (const file of files) {
      const source = await readFile(path.resolve(import.meta.dirname, "../..", file), "utf8");
      expect(source, file).not.toMatch(/\b(approveDraft|approveDrafts|sendDraft|enqueueSend|deliverDraft|queueLocked|draft-delivery)\b/);
    }
    // And every agent module is in that list: any orchestration or job module that works with agent runs
    // (a new agent added without being listed here would escape the check above).
    const agentModules: string[] = [];
    for (const dir of ["src/orchestration", "src/jobs"]) {
      // Concept subfolders included (src/orchestration/draft/…).
      for (const name of await readdir(path.resolve(import.meta.dirname, "../..", dir), { recursive: true })) {
        if (!name.endsWith(".ts")) continue;
        const source = await readFile(path.resolve(import.meta.dirname, "../..", dir, name), "utf8");
        if (/agent-run\.js|\bagentRun\b|AgentRun/.test(source)) agentModules.push(`${dir}/${name}`);
      }
    }
    expect(agentModules.length, "agent modules found").toBeGreaterThanOrEqual(5);
    expect(agentModules.filter((f) => !files.includes(f))).toEqual([]);
  });
});

describe("the whole pipeline with an auto-sending tenant", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { AGENT_POLL_SECONDS: "0.5", SEND_POLL_SECONDS: "0.5" } });
  });
  afterAll(() => t?.close());

  it("agents write drafts that wait for a person even when approval would send at once", async () => {
    const tenant = await createTenant(t, "auto-send");
    await patchSettings(t.db, tenant.tenantId, { sending: { mode: "SEND_ALLOWED" }, approval: { autoSendAfterApproval: true } });
    const op = tenant.members.OPERATOR;
    await executeOk(t.graphqlUrl, Voice, { input: { emails: OSCAR_SENT_MAIL } }, { token: op.token });
    const raw = rawEmail(
      { From: "Ana Ruiz <ana@acme-logistics.example>", To: op.email, Subject: "Pilot", "Message-ID": "<auto-send-1@acme-logistics.example>", Date: new Date().toUTCString() },
      ["Hi,", "", "We are interested in a pilot. Could we have a call on Thursday to discuss pricing?", "", "Ana"],
    );
    await executeOk(t.graphqlUrl, Ingest, { input: { raw } }, { token: op.token });
    const runs = await agentsSettled(t, tenant.tenantId, { atLeast: 5 });
    expect(runs.map((r) => r.agent).sort()).toEqual(["draft-writer", "inbound-analysis", "recommender", "thread-reader", "voice-learner"]);
    expect(runs.every((r) => r.status === "SUCCEEDED")).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const drafts = await sql<{ status: string; origin: string; authorLabel: string }>(t.db, `SELECT status::text, origin::text, "authorLabel" FROM "Draft" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(drafts).toEqual([{ status: "PENDING_REVIEW", origin: "AGENT", authorLabel: "agent:draft-writer" }]);
    expect(await sql(t.db, `SELECT id FROM "DraftApproval" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([]);
    expect(await sql(t.db, `SELECT id FROM "EmailSend" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([]);
    expect(await sql(t.db, `SELECT id FROM "OutboxMessage" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([]);
    // Every change an agent made is audited under its own SERVICE principal.
    const actors = await sql<{ actorType: string; actorLabel: string }>(
      t.db,
      `SELECT DISTINCT "actorType"::text, "actorLabel" FROM "AuditEntry" WHERE "tenantId" = $1 AND "actorType" = 'AGENT' ORDER BY 2`,
      [tenant.tenantId],
    );
    expect(actors.map((a) => a.actorLabel)).toEqual(expect.arrayContaining(["agent:draft-writer", "agent:inbound-analysis", "agent:recommender", "agent:voice-learner"]));
  });
});

describe("qualification assist", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { AGENT_POLL_SECONDS: "0.5" } });
  });
  afterAll(() => t?.close());

  const latestSnapshot = (leadId: string) =>
    sql<{ score: number; disqualified: boolean; details: { ai: { adjustment: number; requested: number; reason: string; source: string } | null; rulesScore: number } }>(
      t.db,
      `SELECT s.score, s.disqualified, s.details FROM "Lead" l JOIN "ScoreSnapshot" s ON s.id = l."latestScoreId" WHERE l.id = $1`,
      [leadId],
    ).then((rows) => rows[0] ?? null);

  it("a reply's intent and words give a bounded adjustment with its reason in the score snapshot; disqualification still wins", async () => {
    const tenant = await createTenant(t, "assist");
    const op = tenant.members.OPERATOR;
    const raw = rawEmail(
      { From: "Ana Ruiz <ana@acme-freight.example>", To: op.email, Subject: "Demo", "Message-ID": "<assist-1@acme-freight.example>", Date: new Date().toUTCString() },
      ["Hi,", "", "We are very interested and have budget approved for this quarter. Could we book a demo next week?", "", "Ana"],
    );
    const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw } }, { token: op.token });
    const leadId = decodeGlobalID(r.messageIngest.inboundMessage!.lead!.id).id;
    await agentsSettled(t, tenant.tenantId, { atLeast: 4 });
    const snapshot = await waitFor(async () => {
      const s = await latestSnapshot(leadId);
      return s?.details.ai ? s : null;
    }, 20_000, "an assessed score");
    expect(snapshot.disqualified).toBe(false);
    expect(Math.abs(snapshot.details.ai!.adjustment)).toBeLessThanOrEqual(10);
    expect(snapshot.details.ai!.adjustment).toBeGreaterThan(0);
    expect(snapshot.details.ai!.reason.length).toBeGreaterThan(10);
    expect(snapshot.details.ai!.source).toMatch(/^local:/);
    expect(snapshot.score).toBe(Math.max(0, Math.min(100, snapshot.details.rulesScore + snapshot.details.ai!.adjustment)));
    const calls = await sql(t.db, `SELECT id FROM "AiInvocation" WHERE "tenantId" = $1 AND agent = 'qualification-assist'`, [tenant.tenantId]);
    expect(calls.length).toBeGreaterThan(0);

    // Now they unsubscribe: suppressed, the lead is disqualified by rule, the AI is not asked and not applied.
    const before = (await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "AiInvocation" WHERE "tenantId" = $1 AND agent = 'qualification-assist'`, [tenant.tenantId]))[0]!.n;
    const stop = rawEmail(
      { From: "Ana Ruiz <ana@acme-freight.example>", To: op.email, Subject: "Re: Demo", "Message-ID": "<assist-2@acme-freight.example>", Date: new Date().toUTCString() },
      ["Actually, please unsubscribe me and stop emailing me.", "", "Ana"],
    );
    await executeOk(t.graphqlUrl, Ingest, { input: { raw: stop } }, { token: op.token });
    const disqualified = await waitFor(async () => {
      const s = await latestSnapshot(leadId);
      return s?.disqualified ? s : null;
    }, 20_000, "the lead to be disqualified");
    expect(disqualified).toMatchObject({ score: 0, details: { ai: null } });
    await agentsSettled(t, tenant.tenantId);
    const after = (await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "AiInvocation" WHERE "tenantId" = $1 AND agent = 'qualification-assist'`, [tenant.tenantId]))[0]!.n;
    expect(after).toBe(before);
  });

  it("a lead with nothing the rules cannot read costs no AI call", async () => {
    const tenant = await createTenant(t, "assist-quiet");
    const lead = await sql<{ id: string }>(t.db, `INSERT INTO "Lead" (id, "tenantId", source, "updatedAt") VALUES (gen_random_uuid(), $1, 'import', now()) RETURNING id`, [tenant.tenantId]);
    const assessor = aiLeadAssessor(t.app.services);
    const facts = { source: "import", email: null, doNotContact: false, suppressed: false, seniority: "UNKNOWN" as const, title: null, company: null, attributes: {}, activities: [] };
    expect(await assessor.assess({ tenantId: tenant.tenantId, leadId: lead[0]!.id, facts })).toBeNull();
    expect(await sql(t.db, `SELECT id FROM "AiInvocation" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual([]);
  });
});
