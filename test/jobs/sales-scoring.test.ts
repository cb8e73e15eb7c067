// Scoring and training in the background: the fallback to rules with too
// little history, a trained and activated model from the tenant's own
// outcomes, the scoring job, the nightly schedule, and the suppression and AI
// hooks (with in-memory implementations, passed to the use cases directly).
import { decodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLeadScoringJob, runTrainingJob, scheduleTrainingForAllTenants } from "../../src/jobs/lead-scoring.js";
import { agentPrincipal } from "../../src/domain/access/principal.js";
import { qualifyLead } from "../../src/orchestration/lead/lead.js";
import type { LeadAssessor, SuppressionCheck } from "../../src/orchestration/pipeline/sales-hooks.js";
import type { Services } from "../../src/orchestration/services.js";
import { graphql } from "../generated/gql/index.js";
import { asOwner } from "../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { executeOk } from "../helpers/graphql.js";
import { waitFor as waitForCondition } from "../helpers/wait.js";

const Import = graphql(`
  mutation SalesJobImport($input: LeadImportInput!) {
    leadImport(input: $input) { created rejected rows { leadId } userErrors { code } }
  }
`);

const Train = graphql(`
  mutation SalesJobTrain {
    scoringModelTrain { queued jobId userErrors { code } }
  }
`);

const Models = graphql(`
  query SalesJobModels {
    scoringModels(first: 10) { edges { node { version status active auc reason labelledLeads trainCount testCount metrics } } }
    activeScoringModel { version }
  }
`);

const Ingest = graphql(`
  mutation SalesJobIngest($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id } userErrors { code } }
  }
`);

const Qualify = graphql(`
  mutation SalesJobQualify($input: LeadQualifyInput!) {
    leadQualify(input: $input) {
      scoreSnapshot { score version fallbackReason confidence factors { feature contribution source reason } }
      userErrors { code }
    }
  }
`);

const Lead = graphql(`
  query SalesJobLead($id: ID!) {
    node(id: $id) { ... on Lead { status score grade latestScore { score disqualified details } scoreHistory(first: 10) { edges { node { id } } } } }
  }
`);

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const uuid = (globalId: string) => decodeGlobalID(globalId).id;

/** A small deterministic PRNG (mulberry32), so the synthetic history is the same on every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Leads with outcomes: software companies and senior buyers convert far more often. */
function history(count: number, seed = 7) {
  const random = prng(seed);
  const industries = ["Software", "Retail", "Finance", "Education"];
  const titles = ["CEO", "VP Sales", "Engineer", "Intern"];
  return Array.from({ length: count }, (_, i) => {
    const industry = industries[Math.floor(random() * 4)]!;
    const title = titles[Math.floor(random() * 4)]!;
    const logit = -2 + (industry === "Software" ? 3 : 0) + (title === "CEO" || title === "VP Sales" ? 2 : 0) - (industry === "Education" ? 1.5 : 0);
    const converted = random() < 1 / (1 + Math.exp(-logit));
    return { email: `h${i}@hist${i}.com`, title, industry, companyName: `Hist ${i}`, outcome: converted ? "converted" : "not_converted" };
  });
}

async function waitFor<T>(probe: () => Promise<T | null | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Waits until a pg-boss job of `queue` whose data names `leadId` has completed, however long a loaded
 * machine takes (bounded generously); throws at once, with the job's output, when it fails for good.
 */
async function waitForJob(queue: string, leadId: string, timeoutMs = 120_000): Promise<void> {
  await waitForCondition(
    async () => {
      const jobs = await asOwner(t.db, async (c) =>
        (await c.query<{ state: string; output: unknown }>(`SELECT state::text AS state, output FROM pgboss.job WHERE name = $1 AND data->'leadIds' ? $2`, [queue, leadId])).rows,
      );
      const failed = jobs.find((j) => j.state === "failed" || j.state === "cancelled");
      if (failed) throw new Error(`the ${queue} job for lead ${leadId} ended ${failed.state}: ${JSON.stringify(failed.output)}`);
      return jobs.some((j) => j.state === "completed");
    },
    { timeout: timeoutMs, interval: 250, message: `the ${queue} job for lead ${leadId} to complete` },
  );
}

describe("training", () => {
  it("falls back to the rules with too little history, keeps the run, and says so on the score", async () => {
    const tenant = await createTenant(t, "few");
    await executeOk(t.graphqlUrl, Import, { input: { rows: history(12) } }, { token: tenant.members.OPERATOR.token });
    const outcome = await runTrainingJob(t.app.services, { tenantId: tenant.tenantId, trigger: "test" });
    expect(outcome).toMatchObject({ ok: true, value: { version: 1, status: "INSUFFICIENT_DATA", active: false } });
    const models = await executeOk(t.graphqlUrl, Models, {}, { token: tenant.members.ANALYST.token });
    expect(models.activeScoringModel).toBeNull();
    expect(models.scoringModels.edges[0]!.node).toMatchObject({ version: 1, status: "INSUFFICIENT_DATA", active: false, labelledLeads: 12 });
    expect(models.scoringModels.edges[0]!.node.reason).toMatch(/12 leads have a known outcome; training needs at least 50/);

    const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "new@fresh-co.com", title: "CEO" } }, { token: tenant.members.OPERATOR.token });
    const scored = await executeOk(t.graphqlUrl, Qualify, { input: { leadId: lead.leadIngest.lead!.id } }, { token: tenant.members.OPERATOR.token });
    expect(scored.leadQualify.scoreSnapshot!.version).toMatch(/^rules:/);
    expect(scored.leadQualify.scoreSnapshot!.fallbackReason).toMatch(/training run 1 said "12 leads have a known outcome/);
  });

  it("trains on demand from the tenant's outcomes, activates a model that ranks well, and scores new leads with model factors", async () => {
    const tenant = await createTenant(t, "many");
    const imported = await executeOk(t.graphqlUrl, Import, { input: { rows: history(400) } }, { token: tenant.members.OPERATOR.token });
    expect(imported.leadImport).toMatchObject({ created: 400, rejected: 0 });
    const requested = await executeOk(t.graphqlUrl, Train, {}, { token: tenant.members.MANAGER.token });
    expect(requested.scoringModelTrain).toMatchObject({ queued: true, userErrors: [] });

    const model = await waitFor(async () => {
      const data = await executeOk(t.graphqlUrl, Models, {}, { token: tenant.members.ANALYST.token });
      return data.scoringModels.edges.find((e) => e.node.status === "TRAINED")?.node;
    });
    expect(model).toMatchObject({ version: 1, active: true, labelledLeads: 400 });
    expect(model.trainCount + model.testCount).toBe(400);
    expect(model.auc).toBeGreaterThan(0.75);
    expect((model.metrics as { calibration: unknown[] }).calibration.length).toBeGreaterThan(0);
    const events = await asOwner(t.db, async (c) => (await c.query(`SELECT payload FROM "OutboxEvent" WHERE "tenantId" = $1 AND type = 'sales.scoring_model.trained'`, [tenant.tenantId])).rows);
    expect(events).toHaveLength(1);

    const strong = await executeOk(t.graphqlUrl, Ingest, { input: { email: "ceo@strong-co.com", title: "CEO", industry: "Software", companyName: "Strong" } }, { token: tenant.members.OPERATOR.token });
    const weak = await executeOk(t.graphqlUrl, Ingest, { input: { email: "intern@weak-co.com", title: "Intern", industry: "Education", companyName: "Weak" } }, { token: tenant.members.OPERATOR.token });
    const s = (await executeOk(t.graphqlUrl, Qualify, { input: { leadId: strong.leadIngest.lead!.id } }, { token: tenant.members.OPERATOR.token })).leadQualify.scoreSnapshot!;
    const w = (await executeOk(t.graphqlUrl, Qualify, { input: { leadId: weak.leadIngest.lead!.id } }, { token: tenant.members.OPERATOR.token })).leadQualify.scoreSnapshot!;
    expect(s.version).toMatch(/^model:1\+rules:/);
    expect(s.fallbackReason).toBeNull();
    expect(s.score).toBeGreaterThan(w.score + 30);
    expect(s.factors.find((f) => f.source === "MODEL" && f.reason === "industry = software")?.contribution).toBeGreaterThan(0);
    expect(w.factors.some((f) => f.source === "MODEL" && f.contribution < 0)).toBe(true);
  });
});

describe("the scoring job and the nightly schedule", () => {
  it("scores a new lead in the background, and writes history only when the inputs change", async () => {
    const tenant = await createTenant(t, "bg");
    const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "vp@background-co.com", title: "VP Marketing", employeeCount: 120 } }, { token: tenant.members.OPERATOR.token });
    const id = lead.leadIngest.lead!.id;
    // Wait on the job itself: the lead-scoring job for this lead completes (failing fast, with its output, if it fails).
    await waitForJob("lead-scoring", uuid(id));
    const data = await executeOk(t.graphqlUrl, Lead, { id }, { token: tenant.members.ANALYST.token });
    const scored = data.node as { score?: number | null; scoreHistory: { edges: unknown[] } };
    expect(scored.score).toBe(18 + 15 + 5);
    const again = await runLeadScoringJob(t.app.services, { tenantId: tenant.tenantId, leadIds: [uuid(id)] });
    expect(again).toBe(0);
    const after = await executeOk(t.graphqlUrl, Lead, { id }, { token: tenant.members.ANALYST.token });
    expect((after.node as { scoreHistory: { edges: unknown[] } }).scoreHistory.edges).toHaveLength(1);
  }, 180_000);

  it("queues nightly training only for tenants whose outcomes changed since their last run", async () => {
    const changed = await createTenant(t, "night");
    const quiet = await createTenant(t, "quiet");
    await executeOk(t.graphqlUrl, Import, { input: { rows: history(5, 3) } }, { token: changed.members.OPERATOR.token });
    const queued = await scheduleTrainingForAllTenants(t.app.services);
    expect(queued).toContain(changed.tenantId);
    expect(queued).not.toContain(quiet.tenantId);
    await runTrainingJob(t.app.services, { tenantId: changed.tenantId, trigger: "schedule" });
    expect(await scheduleTrainingForAllTenants(t.app.services)).not.toContain(changed.tenantId);
  });
});

describe("hooks: suppression and AI assessment", () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await createTenant(t, "hooks");
  });

  const actor = () => ({ principal: agentPrincipal(tenant.tenantId, "test"), meta: { requestId: "test", traceId: null } });
  const withHooks = (hooks: Services["salesHooks"]): Services => ({ ...t.app.services, salesHooks: hooks });

  it("disqualifies a suppressed address or domain through the suppression check", async () => {
    const suppressedDomains = new Set(["blocked.com"]);
    const suppression: SuppressionCheck = { isSuppressed: async (_tx, q) => !!q.domain && suppressedDomains.has(q.domain) };
    const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "someone@blocked.com" } }, { token: tenant.members.OPERATOR.token });
    const outcome = await qualifyLead(withHooks({ suppression }), actor(), { leadId: uuid(lead.leadIngest.lead!.id), decision: "AUTO" });
    expect(outcome).toMatchObject({ ok: true, value: { status: "DISQUALIFIED" } });
    const data = await executeOk(t.graphqlUrl, Lead, { id: lead.leadIngest.lead!.id }, { token: tenant.members.ANALYST.token });
    const node = data.node as { latestScore: { disqualified: boolean; details: { disqualifications: { rule: string }[] } } };
    expect(node.latestScore.details.disqualifications.map((d) => d.rule)).toEqual(["SUPPRESSED"]);
  });

  it("applies an AI adjustment within the tenant's bound with its reason, never to a disqualified lead, and scores without a failing AI", async () => {
    const asked: string[] = [];
    const assessor: LeadAssessor = {
      assess: async ({ leadId }) => {
        asked.push(leadId);
        return { adjustment: 50, reason: "Asked for a demo in the last e-mail.", source: "test-model" };
      },
    };
    const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "buyer@ai-co.com", title: "Director of Ops" } }, { token: tenant.members.OPERATOR.token });
    const leadId = uuid(lead.leadIngest.lead!.id);
    // The ingest's background scoring (no assessor) first, or on a loaded machine it can land after ours and be the latest.
    await waitForJob("lead-scoring", leadId);
    const outcome = await qualifyLead(withHooks({ assessor }), actor(), { leadId, decision: "AUTO" });
    expect(outcome.ok).toBe(true);
    const snapshot = await asOwner(t.db, async (c) => (await c.query(`SELECT s.score, s.factors, s.details FROM "ScoreSnapshot" s JOIN "Lead" l ON l."latestScoreId" = s.id WHERE l.id = $1`, [leadId])).rows[0]);
    // Director 14 + company address 5, then the AI's +50 clamped to the default bound of 10.
    expect(snapshot.score).toBe(29);
    expect(snapshot.details.ai).toMatchObject({ adjustment: 10, requested: 50, reason: "Asked for a demo in the last e-mail.", source: "test-model" });
    expect(snapshot.factors).toContainEqual(expect.objectContaining({ feature: "ai.assessment", contribution: 10, source: "AI" }));

    const dnc = await executeOk(t.graphqlUrl, Ingest, { input: { email: "dnc@ai-co.com", doNotContact: true } }, { token: tenant.members.OPERATOR.token });
    asked.length = 0;
    await qualifyLead(withHooks({ assessor }), actor(), { leadId: uuid(dnc.leadIngest.lead!.id), decision: "AUTO" });
    expect(asked).toEqual([]);

    const broken: LeadAssessor = { assess: async () => { throw new Error("provider down"); } };
    const other = await executeOk(t.graphqlUrl, Ingest, { input: { email: "calm@ai-co.com", title: "Director of Ops" } }, { token: tenant.members.OPERATOR.token });
    const result = await qualifyLead(withHooks({ assessor: broken }), actor(), { leadId: uuid(other.leadIngest.lead!.id), decision: "AUTO" });
    expect(result.ok).toBe(true);
    const plain = await asOwner(t.db, async (c) => (await c.query(`SELECT score FROM "Lead" WHERE id = $1`, [uuid(other.leadIngest.lead!.id)])).rows[0].score);
    expect(plain).toBe(19);
  });
});
