// The AI runtime against real PostgreSQL and the real OpenAI SDK talking to a
// wire-format fake: every call recorded, budgets enforced before the call,
// compliance mode redacts (checked on what the server received) or forbids,
// failures fall back to the local provider and say why, deterministic rules
// run before any model, and model output is checked against domain rules.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requestDetectionPrompt } from "../../src/ai/prompts/request-detection.js";
import { estimateTokens } from "../../src/ai/providers/local.js";
import type { AiSettings } from "../../src/domain/tenant/tenant.js";
import { agentPrincipal } from "../../src/domain/access/principal.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { asOwner, asServiceRole } from "../helpers/database.js";
import { fixturePath } from "../helpers/shared-data.js";
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest, type FakeReply } from "../helpers/fake-openai.js";

let t: TestApp;
let fake: FakeOpenAi;
let tenant: TestTenant;

const CANNED: Record<string, unknown> = {
  "inbound-analysis": {
    intent: "MEETING_REQUEST",
    relevance: 0.9,
    confidence: 0.9,
    action: "DRAFT_REPLY",
    reasons: ["asks for a call"],
    suggestedReply: "Hi [PERSON_1],\n\nTuesday works. I will send an invitation.\n\nBest regards",
    returnDate: null,
    referral: null,
  },
  "request-detection": { isRequest: true, confidence: 0.8, requests: ["Can you call me?"] },
  "qualification-assist": { adjustment: 10, reason: "Strong buying signals.", signals: ["asked for pricing"] },
  "draft-writer": { subject: "Re: Onboarding", body: "Hi Maria,\n\nThanks, Thursday works.\n\nBest,\nTom", factsUsed: ["contact.firstName"] },
  "next-best-action": {
    actions: [
      { tool: "updateDealStage", title: "Move to proposal", rationale: "They asked to meet.", confidence: 0.8, factsUsed: ["lastInbound.intent"], expiresAt: "2030-01-01T00:00:00Z", arguments: { toStage: "proposal" } },
      { tool: "scheduleFollowUp", title: "Follow up", rationale: "Stale.", confidence: 0.5, factsUsed: ["lastOutboundAt"], expiresAt: "2020-01-01T00:00:00Z", arguments: { dueAt: "2030-01-01T09:00:00Z" } },
      { tool: "sendOutreachEmail", title: "Reply to Maria", rationale: "She asked to meet.", confidence: 0.9, factsUsed: ["lastInbound.intent"], expiresAt: "2030-01-01T00:00:00Z", arguments: { kind: "REPLY" } },
    ],
  },
};

function promptOf(request: RecordedRequest): string {
  return (request.body.response_format as { json_schema?: { name: string } } | undefined)?.json_schema?.name ?? "";
}

/** Answers like a model would: with the placeholder it was given for the person, when redacted, else the name. */
function canned(request: RecordedRequest): FakeReply {
  const sent = JSON.stringify(request.body.messages ?? []);
  const person = /\[PERSON_\d+\]/.exec(sent)?.[0] ?? "Maria";
  const content = JSON.stringify(CANNED[promptOf(request)] ?? {}).replaceAll("[PERSON_1]", person);
  return { kind: "content", content, promptTokens: 400, completionTokens: 100 };
}

async function setAi(settings: Partial<AiSettings>) {
  await asOwner(t.db, (c) => c.query(`UPDATE "Tenant" SET settings = jsonb_build_object('ai', $2::jsonb) WHERE id = $1`, [tenant.tenantId, JSON.stringify(settings)]));
}

async function invocations() {
  return asOwner(t.db, async (c) => (await c.query(`SELECT * FROM "AiInvocation" WHERE "tenantId" = $1 ORDER BY "createdAt", id`, [tenant.tenantId])).rows);
}

const ctx = () => ({ tenantId: tenant.tenantId, agent: "inbound" });
const humanReply = {
  from: "maria.keller@lumatech.io",
  fromName: "Maria Keller",
  subject: "Re: Onboarding",
  text: "Hi Tom,\n\nCould we talk on Tuesday? Call me on +49 30 1234 5678 or write to maria.keller@lumatech.io.\n\nMaria",
  sentAt: "2025-03-03T10:00:00Z",
};

beforeAll(async () => {
  fake = await startFakeOpenAi();
  fake.respondWith(canned);
  t = await startTestApp({ env: { OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "gpt-4o-mini", OPENAI_MAX_RETRIES: "1", OPENAI_TIMEOUT_MS: "1000" } });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(async () => {
  tenant = await createTenant(t, "ai");
  fake.requests.length = 0;
});

describe("recording", () => {
  it("records an external call with tokens, cost, latency, prompt version and input hash (never the input)", async () => {
    const result = await t.app.services.ai.analyseInbound(ctx(), humanReply);
    expect(result.proposal).toMatchObject({ source: "model", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", neverReply: false, suppress: [] });
    expect(result.fallbackReason).toBeNull();
    const [row] = await invocations();
    expect(row).toMatchObject({
      agent: "inbound",
      operation: "generate",
      provider: "openai",
      model: "gpt-4o-mini",
      external: true,
      promptId: "inbound-analysis",
      promptVersion: 2,
      inputTokens: 400,
      outputTokens: 100,
      totalTokens: 500,
      outcome: "SUCCESS",
      attempts: 1,
      fallbackReason: null,
      redacted: false,
    });
    expect(Number(row.costUsd)).toBeCloseTo((400 * 0.15 + 100 * 0.6) / 1e6, 10);
    expect(row.latencyMs).toBeGreaterThanOrEqual(0);
    expect(row.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain("maria.keller");
    expect(result.invocations[0]!.id).toBe(row.id);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/ai_invocations_total\{provider="openai",agent="inbound",prompt="inbound-analysis",outcome="SUCCESS"\} \d+/);
    expect(metrics).toMatch(/ai_tokens_total\{provider="openai",direction="input"\} \d+/);
    expect(metrics).toMatch(/ai_cost_usd_total\{provider="openai"\}/);
    expect(metrics).toMatch(/ai_invocation_duration_seconds_bucket/);
  });

  it("the same input hashes the same; invocations are append-only and tenant-confined", async () => {
    await t.app.services.ai.detectRequest(ctx(), { text: "Can you call me?" });
    await t.app.services.ai.detectRequest(ctx(), { text: "Can you call me?" });
    const rows = await invocations();
    expect(rows).toHaveLength(2);
    expect(rows[0].inputHash).toBe(rows[1].inputHash);
    await expect(
      asServiceRole(t.db, async (c) => {
        await c.query("BEGIN");
        await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant.tenantId]);
        await c.query(`UPDATE "AiInvocation" SET "totalTokens" = 0`);
      }),
    ).rejects.toThrow(/permission denied|append-only/);
    const other = await createTenant(t, "ai-other");
    const seen = await asServiceRole(t.db, async (c) => {
      await c.query("BEGIN");
      await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [other.tenantId]);
      return (await c.query(`SELECT count(*)::int AS n FROM "AiInvocation"`)).rows[0].n;
    });
    expect(seen).toBe(0);
  });
});

describe("deterministic rules come first", () => {
  it("an unsubscribe in a person's words is decided without any model call, and suppresses the sender", async () => {
    const result = await t.app.services.ai.analyseInbound(ctx(), { from: "Ken@Cascade.com", subject: "Re: hi", text: "Please take me off your list." });
    expect(result.proposal).toMatchObject({ source: "rules", intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: ["ken@cascade.com"], neverReply: true });
    expect(fake.requests).toHaveLength(0);
    expect(await invocations()).toHaveLength(0);
  });

  it("a raw bounce is parsed and decided by rules", async () => {
    const { readFileSync } = await import("node:fs");
    const raw = readFileSync(fixturePath("inbound-email", "dsn-hard-recipient-unknown.eml"));
    const result = await t.app.services.ai.analyseInbound(ctx(), { raw });
    expect(result.proposal).toMatchObject({ source: "rules", intent: "BOUNCE", action: "SUPPRESS", suppress: ["no.such.person@fixture-buyer.example"], neverReply: true });
    expect(result.proposal.bounce).toMatchObject({ status: "5.1.1", hard: true });
    expect(fake.requests).toHaveLength(0);
  });

  it("a model that calls a message UNSUBSCRIBE cannot avoid the suppression, nor draft a reply", async () => {
    fake.script({ kind: "content", content: JSON.stringify({ ...(CANNED["inbound-analysis"] as object), suggestedReply: "Hi,\n\nNoted.", intent: "UNSUBSCRIBE", action: "DRAFT_REPLY" }) });
    const result = await t.app.services.ai.analyseInbound(ctx(), { from: "a@b.io", subject: "Re: x", text: "We have decided that this is enough." });
    expect(result.proposal).toMatchObject({ intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: ["a@b.io"], suggestedReply: null });
  });
});

describe("budget", () => {
  it("refuses the external call that would cross the monthly token budget and answers locally, saying why", async () => {
    const input = { text: "Can you call me?" };
    // The runtime's estimate for this call: the prompt plus the largest answer it allows.
    const estimate = estimateTokens(requestDetectionPrompt.instructions + requestDetectionPrompt.render(input)) + 1500;
    // Each external call uses 500 tokens (the fake's usage): the first fits, the second would cross the budget.
    await setAi({ monthlyTokenBudget: 500 + estimate - 1 });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await t.app.services.ai.detectRequest(ctx(), input));
    expect(results.map((r) => r.invocations.map((i) => i.provider))).toEqual([["openai"], ["local"], ["local"]]);
    expect(results.map((r) => r.fallbackReason)).toEqual([null, "TOKEN_BUDGET_EXCEEDED", "TOKEN_BUDGET_EXCEEDED"]);
    expect(fake.requests).toHaveLength(1);
    expect(results[2]!.proposal.isRequest).toBe(true);
    expect((await t.app.services.ai.monthlyUsage(tenant.tenantId)).tokens).toBe(500);
    // Raising the budget lets the next call out again.
    await setAi({ monthlyTokenBudget: 1000 + estimate });
    expect((await t.app.services.ai.detectRequest(ctx(), input)).invocations[0]!.provider).toBe("openai");
    const rows = await invocations();
    expect(rows.filter((r) => r.provider === "local").every((r) => r.fallbackReason === "TOKEN_BUDGET_EXCEEDED")).toBe(true);
  });

  it("enforces a cost budget the same way", async () => {
    await setAi({ monthlyCostBudgetUsd: 0 });
    const result = await t.app.services.ai.detectRequest(ctx(), { text: "Can you call me?" });
    expect(result.fallbackReason).toBe("COST_BUDGET_EXCEEDED");
    expect(result.invocations).toEqual([expect.objectContaining({ provider: "local", fallbackReason: "COST_BUDGET_EXCEEDED", costUsd: 0 })]);
    expect(fake.requests).toHaveLength(0);
  });

  it("counts only this month's external calls", async () => {
    await asOwner(t.db, (c) =>
      c.query(
        `INSERT INTO "AiInvocation" (id, "tenantId", agent, operation, provider, model, external, "inputHash", "totalTokens", "latencyMs", outcome, "createdAt")
         VALUES (gen_random_uuid(), $1, 'x', 'generate', 'openai', 'm', true, 'h', 999999, 1, 'SUCCESS', now() - interval '40 days'),
                (gen_random_uuid(), $1, 'x', 'generate', 'local', 'm', false, 'h', 777, 1, 'SUCCESS', now())`,
        [tenant.tenantId],
      ),
    );
    expect((await t.app.services.ai.monthlyUsage(tenant.tenantId)).tokens).toBe(0);
  });
});

describe("compliance mode", () => {
  it("HIPAA mode redacts personal data before the call (as the server received it) and restores it in the answer", async () => {
    await setAi({ complianceMode: "hipaa" });
    const result = await t.app.services.ai.analyseInbound({ ...ctx(), knownNames: ["Maria Keller"] }, humanReply);
    expect(fake.requests).toHaveLength(1);
    const sent = JSON.stringify(fake.requests[0]!.body.messages);
    for (const secret of ["maria.keller@lumatech.io", "1234 5678", "Maria", "Keller"]) expect(sent).not.toContain(secret);
    expect(sent).toMatch(/\[EMAIL_\d+\]/);
    expect(sent).toMatch(/\[PHONE_\d+\]/);
    expect(sent).toMatch(/\[PERSON_\d+\]/);
    expect(result.proposal.suggestedReply).toMatch(/^Hi (Maria|Maria Keller),/);
    const [row] = await invocations();
    expect(row).toMatchObject({ provider: "openai", redacted: true, outcome: "SUCCESS" });
  });

  it("forbidden external providers: nothing leaves, the local provider answers and says why", async () => {
    await setAi({ complianceMode: "hipaa", externalProviders: "forbidden" });
    const result = await t.app.services.ai.analyseInbound(ctx(), humanReply);
    expect(fake.requests).toHaveLength(0);
    expect(result.fallbackReason).toBe("COMPLIANCE_FORBIDS_EXTERNAL");
    expect(result.proposal.intent).toBe("MEETING_REQUEST");
    const [row] = await invocations();
    expect(row).toMatchObject({ provider: "local", external: false, fallbackReason: "COMPLIANCE_FORBIDS_EXTERNAL" });
  });

  it("embeddings stay local in redaction mode (a redacted text is not the same text)", async () => {
    await setAi({ externalProviders: "redacted" });
    const result = await t.app.services.ai.embed(ctx(), ["Maria Keller, maria@lumatech.io"]);
    expect(fake.requests).toHaveLength(0);
    expect(result.fallbackReason).toBe("COMPLIANCE_FORBIDS_EXTERNAL");
    expect(result.proposal[0]).toHaveLength(256);
  });
});

describe("failures fall back to the local provider, recorded", () => {
  it("a provider error is recorded, then the local answer is used", async () => {
    fake.script({ kind: "status", status: 503 }, { kind: "status", status: 503 });
    const result = await t.app.services.ai.analyseInbound(ctx(), humanReply);
    expect(result.fallbackReason).toBe("PROVIDER_ERROR");
    expect(result.proposal.intent).toBe("MEETING_REQUEST");
    const rows = await invocations();
    expect(rows.map((r) => [r.provider, r.outcome, r.errorKind, r.fallbackReason])).toEqual([
      ["openai", "ERROR", "TRANSIENT", null],
      ["local", "SUCCESS", null, "PROVIDER_ERROR"],
    ]);
    expect(rows[0].errorMessage).toMatch(/503/);
  });

  it("a timeout is recorded as TIMEOUT", async () => {
    fake.script({ kind: "hang", ms: 3000 }, { kind: "hang", ms: 3000 });
    const result = await t.app.services.ai.detectRequest(ctx(), { text: "Can you call me?" });
    expect(result.fallbackReason).toBe("PROVIDER_ERROR");
    expect((await invocations())[0]).toMatchObject({ outcome: "ERROR", errorKind: "TIMEOUT" });
  });

  it("invalid output twice is a recorded INVALID_OUTPUT with the tokens it cost", async () => {
    fake.script({ kind: "content", content: "not json", promptTokens: 50, completionTokens: 5 }, { kind: "content", content: '{"isRequest": "maybe"}', promptTokens: 60, completionTokens: 6 });
    const result = await t.app.services.ai.detectRequest(ctx(), { text: "Can you call me?" });
    expect(result.fallbackReason).toBe("INVALID_OUTPUT");
    const [external, local] = await invocations();
    expect(external).toMatchObject({ outcome: "INVALID_OUTPUT", errorKind: "INVALID_OUTPUT", attempts: 2, inputTokens: 110, outputTokens: 11 });
    expect(local).toMatchObject({ provider: "local", outcome: "SUCCESS", fallbackReason: "INVALID_OUTPUT" });
  });

  it("a draft with a placeholder is refused and written locally instead", async () => {
    fake.script({ kind: "content", content: JSON.stringify({ subject: "Hello", body: "Hi [First Name], about {company}...", factsUsed: [] }) });
    const result = await t.app.services.ai.writeDraft(ctx(), {
      kind: "OUTREACH",
      sender: { name: "Tom Becker", company: "Acme" },
      contact: { firstName: "Maria" },
      company: { name: "Lumatech" },
      product: { name: "Acme Onboard" },
    });
    expect(result.fallbackReason).toBe("INVALID_OUTPUT");
    expect(result.proposal.body).toMatch(/^Hi Maria,/);
    expect(result.proposal.body).toContain("Lumatech");
    expect((await invocations())[0]).toMatchObject({ outcome: "INVALID_OUTPUT", errorMessage: expect.stringMatching(/placeholder/) });
  });
});

describe("proposals are checked against domain rules", () => {
  const facts = {
    now: "2025-03-10T12:00:00Z",
    lead: { status: "WORKING", createdAt: "2025-02-01T00:00:00Z" },
    deal: { name: "Pilot", stage: "qualified", stages: ["new", "qualified", "proposal"], status: "OPEN", stageChangedAt: "2025-03-01T00:00:00Z" },
    lastInbound: { intent: "MEETING_REQUEST", at: "2025-03-09T10:00:00Z" },
  };

  it("drops tools the role may not use and expired suggestions, and says why", async () => {
    const result = await t.app.services.ai.recommendActions(ctx(), { facts, role: "OPERATOR", deal: { status: "OPEN" } });
    expect(fake.requests[0]!.body.messages![1]!.content).not.toContain("updateDealStage");
    expect(result.proposal.actions.map((a) => a.tool)).toEqual(["sendOutreachEmail"]);
    expect(result.proposal.rejected).toEqual([
      { tool: "updateDealStage", title: "Move to proposal", reason: "role OPERATOR lacks deal:write" },
      { tool: "scheduleFollowUp", title: "Follow up", reason: "already expired" },
    ]);
    const manager = await t.app.services.ai.recommendActions(ctx(), { facts, role: "MANAGER", deal: { status: "OPEN" } });
    expect(manager.proposal.actions.map((a) => a.tool)).toEqual(["updateDealStage", "sendOutreachEmail"]);
  });

  it("an analyst gets no suggestions and no call is made", async () => {
    const result = await t.app.services.ai.recommendActions(ctx(), { facts, role: "ANALYST" });
    expect(result.proposal.actions).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it("bounds the score adjustment to the tenant's limit; disqualification wins", async () => {
    await setAi({ maxScoreAdjustment: 5 });
    const input = { contact: {}, company: {}, replyIntents: ["INTERESTED" as const] };
    const assessed = await t.app.services.ai.assessLead(ctx(), input);
    expect(assessed.proposal).toMatchObject({ adjustment: 5, proposedAdjustment: 10, reason: "Strong buying signals." });
    const disqualified = await t.app.services.ai.assessLead(ctx(), { ...input, disqualified: true });
    expect(disqualified.proposal.adjustment).toBe(0);
    expect(disqualified.proposal.reason).toMatch(/disqualified/);
  });

  it("an agent principal has no permission to approve or send", () => {
    const agent = agentPrincipal(tenant.tenantId, "inbound");
    for (const p of ["draft:approve", "draft:send", "deal:write", "sending:control"] as const) expect(agent.permissions.has(p)).toBe(false);
  });
});

describe("embeddings", () => {
  it("uses the external embeddings endpoint (base64 on the wire) and records it", async () => {
    const result = await t.app.services.ai.embed(ctx(), ["hello world", "second"]);
    expect(fake.requests[0]!.body.encoding_format).toBe("base64");
    expect(result.proposal).toHaveLength(2);
    expect((await invocations())[0]).toMatchObject({ operation: "embed", provider: "openai", model: "text-embedding-3-small", outcome: "SUCCESS" });
  });
});
