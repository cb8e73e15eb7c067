// Conversion, stage moves (with reopen rules), closing, the pipeline summary
// against hand-computed numbers, and the events on the subscription.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { asOwner } from "../../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk, subscribe } from "../../helpers/graphql.js";

const Ingest = graphql(`
  mutation SalesDealIngest($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id contact { id } company { id } } userErrors { code field } }
  }
`);

const Convert = graphql(`
  mutation SalesDealConvert($input: LeadConvertInput!) {
    leadConvert(input: $input) {
      lead { id status outcome convertedAt company { id name } }
      deal { id name stage status amount currency probability company { id name } contacts { id email } lead { id } }
      userErrors { field message code }
    }
  }
`);

const Qualify = graphql(`
  mutation SalesDealQualify($input: LeadQualifyInput!) {
    leadQualify(input: $input) { lead { status } userErrors { code } }
  }
`);

const Create = graphql(`
  mutation SalesDealCreate($input: DealCreateInput!) {
    dealCreate(input: $input) { deal { id stage status amount probability } userErrors { field message code } }
  }
`);

const Progress = graphql(`
  mutation SalesDealProgress($input: DealProgressInput!) {
    dealProgress(input: $input) {
      deal { id stage status probability closedAt stageHistory { edges { node { fromStage toStage fromStatus toStatus actorType actorId reason } } } }
      userErrors { field message code }
    }
  }
`);

const Close = graphql(`
  mutation SalesDealClose($input: DealCloseInput!) {
    dealClose(input: $input) { deal { id stage status probability lostReason closedAt } userErrors { field message code } }
  }
`);

const Update = graphql(`
  mutation SalesDealUpdate($input: DealUpdateInput!) {
    dealUpdate(input: $input) { deal { id name amount currency probability expectedCloseDate ownerId } userErrors { field message code } }
  }
`);

const Summary = graphql(`
  query SalesDealSummary($filter: PipelineSummaryFilter) {
    pipelineSummary(filter: $filter) {
      currency
      stages { key kind count amount weightedAmount }
      openCount
      openAmount
      weightedPipeline
      wonCount
      wonAmount
      lostCount
      forecast
      winRate
      averageCycleDays
      conversions { stage entered advanced rate }
    }
  }
`);

const PipelineSettings = graphql(`
  mutation SalesDealPipelineSettings($input: PipelineUpdateSettingsInput!) {
    pipelineUpdateSettings(input: $input) { tenant { id } userErrors { field message code } }
  }
`);

const CreateKey = graphql(`
  mutation SalesDealCreateKey($input: ApiKeyCreateInput!) {
    apiKeyCreate(input: $input) { secret userErrors { code } }
  }
`);

const Events = graphql(`
  subscription SalesDealEvents($types: [String!]) {
    events(types: $types) { type payload }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let manager: string;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, "deal");
  manager = tenant.members.MANAGER.token;
});
afterAll(() => t?.close());

const uuid = (globalId: string) => decodeGlobalID(globalId).id;

async function newDeal(input: Record<string, unknown>) {
  const data = await executeOk(t.graphqlUrl, Create, { input: { currency: "USD", ...input } as never }, { token: manager });
  expect(data.dealCreate.userErrors).toEqual([]);
  return data.dealCreate.deal!.id;
}

describe("leadConvert", () => {
  it("creates the deal with company and contact linked, in one transaction, and announces it", async () => {
    const sub = await subscribe(t.wsUrl, Events, { types: ["sales.lead.converted", "sales.deal.*"] }, { Authorization: `Bearer ${manager}` });
    try {
      const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "buyer@acme-corp.com", firstName: "Bea", industry: "Retail" } }, { token: manager });
      const leadId = lead.leadIngest.lead!.id;
      const data = await executeOk(t.graphqlUrl, Convert, { input: { leadId, amount: 5000, currency: "USD" } }, { token: manager });
      const { deal, lead: converted, userErrors } = data.leadConvert;
      expect(userErrors).toEqual([]);
      expect(converted).toMatchObject({ status: "CONVERTED", outcome: "CONVERTED" });
      expect(deal).toMatchObject({ name: "Acme Corp deal", stage: "qualification", status: "OPEN", amount: 5000, probability: 10, lead: { id: leadId } });
      expect(deal!.company?.id).toBe(lead.leadIngest.lead!.company!.id);
      expect(deal!.contacts.map((c) => c.id)).toEqual([lead.leadIngest.lead!.contact!.id]);

      const dealId = deal!.id;
      await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "proposal", reason: "demo went well" } }, { token: manager });
      await executeOk(t.graphqlUrl, Close, { input: { dealId, outcome: "WON" } }, { token: manager });
      const types: string[] = [];
      for (let i = 0; i < 4; i++) types.push((await sub.next()).events.type);
      expect(types).toEqual(["sales.deal.created", "sales.lead.converted", "sales.deal.updated", "sales.deal.closed"]);
      expect(sub.received.every((e) => !e.events.type.startsWith("sales.lead.created"))).toBe(true);

      const again = await executeOk(t.graphqlUrl, Convert, { input: { leadId } }, { token: manager });
      expect(again.leadConvert.userErrors[0]).toMatchObject({ code: "INVALID_TRANSITION", field: ["input", "leadId"] });
    } finally {
      await sub.close();
    }
  });

  it("creates the company it is given when the lead has none, and refuses disqualified leads", async () => {
    const lead = await executeOk(t.graphqlUrl, Ingest, { input: { email: "solo@gmail.com" } }, { token: manager });
    const data = await executeOk(t.graphqlUrl, Convert, { input: { leadId: lead.leadIngest.lead!.id, companyName: "Solo Ventures", dealName: "Solo pilot" } }, { token: manager });
    expect(data.leadConvert.deal).toMatchObject({ name: "Solo pilot", company: { name: "Solo Ventures" } });
    expect(data.leadConvert.lead?.company?.name).toBe("Solo Ventures");

    const dq = await executeOk(t.graphqlUrl, Ingest, { input: { email: "nope@fine-co.com" } }, { token: manager });
    await executeOk(t.graphqlUrl, Qualify, { input: { leadId: dq.leadIngest.lead!.id, decision: "DISQUALIFY", reason: "student" } }, { token: manager });
    const refused = await executeOk(t.graphqlUrl, Convert, { input: { leadId: dq.leadIngest.lead!.id } }, { token: manager });
    expect(refused.leadConvert.userErrors[0]?.code).toBe("INVALID_TRANSITION");

    const badStage = await executeOk(t.graphqlUrl, Ingest, { input: { email: "stage@fine-co.com" } }, { token: manager });
    const before = await asOwner(t.db, async (c) => Number((await c.query(`SELECT count(*) AS n FROM "Deal"`)).rows[0].n));
    const wrong = await executeOk(t.graphqlUrl, Convert, { input: { leadId: badStage.leadIngest.lead!.id, stage: "closed_won" } }, { token: manager });
    expect(wrong.leadConvert.userErrors[0]).toMatchObject({ code: "INVALID_TRANSITION", field: ["input", "deal", "stage"] });
    const status = await asOwner(t.db, async (c) => (await c.query(`SELECT status FROM "Lead" WHERE id = $1`, [uuid(badStage.leadIngest.lead!.id)])).rows[0].status);
    expect(status).toBe("NEW");
    expect(await asOwner(t.db, async (c) => Number((await c.query(`SELECT count(*) AS n FROM "Deal"`)).rows[0].n))).toBe(before);
  });
});

describe("dealProgress and dealClose", () => {
  it("moves only to known open stages, records actor and reason, and closes through dealClose", async () => {
    const dealId = await newDeal({ name: "Moves", amount: 100 });
    const unknown = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "limbo" } }, { token: manager });
    expect(unknown.dealProgress.userErrors[0]).toMatchObject({ code: "UNKNOWN_STAGE", field: ["input", "stage"] });
    const toWon = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "closed_won" } }, { token: manager });
    expect(toWon.dealProgress.userErrors[0]?.code).toBe("INVALID_TRANSITION");
    const same = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "qualification" } }, { token: manager });
    expect(same.dealProgress.userErrors[0]?.code).toBe("INVALID_TRANSITION");

    const moved = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "negotiation", reason: "fast track" } }, { token: manager });
    expect(moved.dealProgress.deal).toMatchObject({ stage: "negotiation", probability: 75 });
    const history = moved.dealProgress.deal!.stageHistory.edges.map((e) => e.node);
    expect(history).toEqual([
      expect.objectContaining({ fromStage: null, toStage: "qualification", toStatus: "OPEN" }),
      expect.objectContaining({ fromStage: "qualification", toStage: "negotiation", actorType: "USER", actorId: tenant.members.MANAGER.userId, reason: "fast track" }),
    ]);

    const lostNoReason = await executeOk(t.graphqlUrl, Close, { input: { dealId, outcome: "LOST" } }, { token: manager });
    expect(lostNoReason.dealClose.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "reason"] });
    const lost = await executeOk(t.graphqlUrl, Close, { input: { dealId, outcome: "LOST", reason: "went with a rival" } }, { token: manager });
    expect(lost.dealClose.deal).toMatchObject({ stage: "closed_lost", status: "LOST", probability: 0, lostReason: "went with a rival" });
    const twice = await executeOk(t.graphqlUrl, Close, { input: { dealId, outcome: "WON" } }, { token: manager });
    expect(twice.dealClose.userErrors[0]?.code).toBe("DEAL_CLOSED");
  });

  it("keeps a closed deal closed unless reopened explicitly, with a reason, by someone who may reopen", async () => {
    const dealId = await newDeal({ name: "Reopen me", amount: 100 });
    await executeOk(t.graphqlUrl, Close, { input: { dealId, outcome: "WON" } }, { token: manager });
    const noFlag = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "proposal" } }, { token: manager });
    expect(noFlag.dealProgress.userErrors[0]).toMatchObject({ code: "DEAL_CLOSED", field: ["input", "reopen"] });

    // A key that may write deals but not reopen them.
    const key = await executeOk(t.graphqlUrl, CreateKey, { input: { name: "deal bot", role: "MANAGER", scopes: ["DEAL_READ", "DEAL_WRITE"] } }, { token: tenant.members.ADMIN.token });
    const forbidden = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "proposal", reopen: true, reason: "x" } }, { token: key.apiKeyCreate.secret! });
    expect(forbidden.dealProgress.userErrors[0]).toMatchObject({ code: "FORBIDDEN", field: ["input", "reopen"] });

    const noReason = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "proposal", reopen: true } }, { token: manager });
    expect(noReason.dealProgress.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "reason"] });
    const reopened = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "proposal", reopen: true, reason: "customer came back" } }, { token: manager });
    expect(reopened.dealProgress.deal).toMatchObject({ stage: "proposal", status: "OPEN", closedAt: null });
    const last = reopened.dealProgress.deal!.stageHistory.edges.at(-1)!.node;
    expect(last).toMatchObject({ fromStage: "closed_won", fromStatus: "WON", toStage: "proposal", toStatus: "OPEN", reason: "customer came back" });
    const audit = await asOwner(t.db, async (c) => (await c.query(`SELECT action FROM "AuditEntry" WHERE "targetId" = $1 ORDER BY "createdAt", "id"`, [uuid(dealId)])).rows.map((r) => r.action));
    expect(audit).toEqual(["deal.created", "deal.closed", "deal.reopened"]);
  });

  it("applies the tenant's pipeline rules: no backward moves or skips when configured, no removing stages that hold deals", async () => {
    const other = await createTenant(t, "pipe");
    const mgr = other.members.MANAGER.token;
    const settings = await executeOk(t.graphqlUrl, PipelineSettings, { input: { patch: { allowBackwardMoves: false, allowSkippingStages: false } } }, { token: mgr });
    expect(settings.pipelineUpdateSettings.userErrors).toEqual([]);
    const created = await executeOk(t.graphqlUrl, Create, { input: { name: "Strict", amount: 1 } }, { token: mgr });
    const dealId = created.dealCreate.deal!.id;
    const skip = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "proposal" } }, { token: mgr });
    expect(skip.dealProgress.userErrors[0]).toMatchObject({ code: "INVALID_TRANSITION" });
    expect(skip.dealProgress.userErrors[0]!.message).toMatch(/skips "Discovery"/);
    await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "discovery" } }, { token: mgr });
    const back = await executeOk(t.graphqlUrl, Progress, { input: { dealId, stage: "qualification" } }, { token: mgr });
    expect(back.dealProgress.userErrors[0]?.code).toBe("INVALID_TRANSITION");

    const stages = [
      { key: "qualification", name: "Qualification", order: 10, probability: 10, kind: "OPEN" },
      { key: "won", name: "Won", order: 90, probability: 100, kind: "WON" },
      { key: "lost", name: "Lost", order: 91, probability: 0, kind: "LOST" },
    ];
    const removing = await executeOk(t.graphqlUrl, PipelineSettings, { input: { patch: { stages } } }, { token: mgr });
    expect(removing.pipelineUpdateSettings.userErrors[0]).toMatchObject({ code: "CONFLICT" });
    expect(removing.pipelineUpdateSettings.userErrors[0]!.message).toMatch(/1 in "discovery"/);
    const invalid = await executeOk(t.graphqlUrl, PipelineSettings, { input: { patch: { stages: stages.slice(0, 2) } } }, { token: mgr });
    expect(invalid.pipelineUpdateSettings.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "patch", "stages"] });
  });
});

describe("dealUpdate", () => {
  it("changes the fields given, clears owner and close date with null, audits old and new values, and refuses bad values and closed deals", async () => {
    const owner = encodeGlobalID("User", tenant.members.OPERATOR.userId);
    const dealId = await newDeal({ name: "Update me", amount: 100 });
    const set = await executeOk(t.graphqlUrl, Update, { input: { dealId, amount: 2500.5, expectedCloseDate: "2027-03-31", ownerId: owner, probability: 40 } }, { token: manager });
    expect(set.dealUpdate.userErrors).toEqual([]);
    expect(set.dealUpdate.deal).toMatchObject({ name: "Update me", amount: 2500.5, expectedCloseDate: "2027-03-31", ownerId: owner, probability: 40 });

    const cleared = await executeOk(t.graphqlUrl, Update, { input: { dealId, ownerId: null, expectedCloseDate: null } }, { token: manager });
    expect(cleared.dealUpdate.userErrors).toEqual([]);
    expect(cleared.dealUpdate.deal).toMatchObject({ amount: 2500.5, expectedCloseDate: null, ownerId: null });
    const audit = await asOwner(t.db, async (c) => (await c.query(`SELECT summary FROM "AuditEntry" WHERE "targetId" = $1 AND action = 'deal.updated' ORDER BY "createdAt", "id"`, [uuid(dealId)])).rows);
    expect(audit[1]!.summary.changes).toEqual({ ownerId: { from: tenant.members.OPERATOR.userId, to: null }, expectedCloseDate: { from: "2027-03-31", to: null } });

    const bad = await executeOk(t.graphqlUrl, Update, { input: { dealId, amount: -1, expectedCloseDate: "31.03.2027" } }, { token: manager });
    expect(bad.dealUpdate.userErrors.map((e) => e.field.join("."))).toEqual(expect.arrayContaining(["input.amount", "input.expectedCloseDate"]));
    const currency = await executeOk(t.graphqlUrl, Update, { input: { dealId, currency: "EURO" } }, { token: manager });
    expect(currency.dealUpdate.userErrors).toMatchObject([{ code: "VALIDATION_FAILED", field: ["input", "currency"] }]);
    await executeOk(t.graphqlUrl, Close, { input: { dealId, outcome: "WON" } }, { token: manager });
    const closed = await executeOk(t.graphqlUrl, Update, { input: { dealId, amount: 1 } }, { token: manager });
    expect(closed.dealUpdate.userErrors).toMatchObject([{ code: "DEAL_CLOSED" }]);
  });
});

describe("pipelineSummary", () => {
  it("matches hand-computed counts, amounts, forecast, win rate, cycle time and conversion", async () => {
    const fresh = await createTenant(t, "sum");
    const mgr = fresh.members.MANAGER.token;
    const make = async (input: Record<string, unknown>) => {
      const data = await executeOk(t.graphqlUrl, Create, { input: { currency: "USD", ...input } as never }, { token: mgr });
      expect(data.dealCreate.userErrors).toEqual([]);
      return data.dealCreate.deal!.id;
    };
    const inFiveDays = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const d1 = await make({ name: "D1", amount: 1000, ownerId: encodeGlobalID("User", fresh.members.OPERATOR.userId) });
    await make({ name: "D2", amount: 2000, stage: "discovery" });
    await make({ name: "D3", amount: 4000, stage: "proposal", expectedCloseDate: inFiveDays });
    const d4 = await make({ name: "D4", amount: 5000 });
    const d5 = await make({ name: "D5", amount: 3000, stage: "discovery" });
    await make({ name: "D6", amount: 9999, currency: "EUR" });
    await executeOk(t.graphqlUrl, Progress, { input: { dealId: d4, stage: "proposal" } }, { token: mgr });
    await executeOk(t.graphqlUrl, Close, { input: { dealId: d4, outcome: "WON" } }, { token: mgr });
    await executeOk(t.graphqlUrl, Close, { input: { dealId: d5, outcome: "LOST", reason: "price" } }, { token: mgr });
    // D4 was created ten days before it was won.
    await asOwner(t.db, (c) => c.query(`UPDATE "Deal" SET "createdAt" = "closedAt" - interval '10 days' WHERE id = $1`, [uuid(d4)]));

    const all = (await executeOk(t.graphqlUrl, Summary, {}, { token: fresh.members.ANALYST.token })).pipelineSummary;
    expect(all.currency).toBe("USD");
    expect(all.stages).toEqual([
      { key: "qualification", kind: "OPEN", count: 1, amount: 1000, weightedAmount: 100 },
      { key: "discovery", kind: "OPEN", count: 1, amount: 2000, weightedAmount: 500 },
      { key: "proposal", kind: "OPEN", count: 1, amount: 4000, weightedAmount: 2000 },
      { key: "negotiation", kind: "OPEN", count: 0, amount: 0, weightedAmount: 0 },
      { key: "closed_won", kind: "WON", count: 1, amount: 5000, weightedAmount: 5000 },
      { key: "closed_lost", kind: "LOST", count: 1, amount: 3000, weightedAmount: 0 },
    ]);
    expect(all).toMatchObject({ openCount: 3, openAmount: 7000, weightedPipeline: 2600, wonCount: 1, wonAmount: 5000, lostCount: 1, forecast: 7600, winRate: 0.5 });
    expect(all.averageCycleDays).toBeCloseTo(10, 2);
    expect(all.conversions).toEqual([
      { stage: "qualification", entered: 2, advanced: 1, rate: 0.5 }, // D1 stayed, D4 moved on and won
      { stage: "discovery", entered: 2, advanced: 0, rate: 0 }, // D2 stayed, D5 was lost
      { stage: "proposal", entered: 2, advanced: 1, rate: 0.5 }, // D3 stayed, D4 won
      { stage: "negotiation", entered: 0, advanced: 0, rate: null },
    ]);

    const eur = (await executeOk(t.graphqlUrl, Summary, { filter: { currency: "EUR" } }, { token: mgr })).pipelineSummary;
    expect(eur).toMatchObject({ openCount: 1, openAmount: 9999 });

    const owner = (await executeOk(t.graphqlUrl, Summary, { filter: { ownerId: encodeGlobalID("User", fresh.members.OPERATOR.userId) } }, { token: mgr })).pipelineSummary;
    expect(owner).toMatchObject({ openCount: 1, openAmount: 1000, wonCount: 0, winRate: null });
    expect(d1).toBeTruthy();

    const period = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 30 * 86_400_000).toISOString() };
    const inPeriod = (await executeOk(t.graphqlUrl, Summary, { filter: period }, { token: mgr })).pipelineSummary;
    // Forecast counts open deals expected to close in the period (only D3) plus what was won in it.
    expect(inPeriod).toMatchObject({ openCount: 1, weightedPipeline: 2000, wonAmount: 5000, forecast: 7000, winRate: 0.5 });
    const later = (await executeOk(t.graphqlUrl, Summary, { filter: { from: period.to } }, { token: mgr })).pipelineSummary;
    expect(later).toMatchObject({ wonCount: 0, lostCount: 0, winRate: null, averageCycleDays: null });

    const proposal = (await executeOk(t.graphqlUrl, Summary, { filter: { stage: "proposal" } }, { token: mgr })).pipelineSummary;
    expect(proposal.stages).toEqual([{ key: "proposal", kind: "OPEN", count: 1, amount: 4000, weightedAmount: 2000 }]);
    expect(proposal.conversions).toEqual([{ stage: "proposal", entered: 2, advanced: 1, rate: 0.5 }]);
  });
});
