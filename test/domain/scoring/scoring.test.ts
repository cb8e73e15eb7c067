// Rules, hard disqualification, the combiner (determinism, AI bound,
// disqualification wins), and the model: fitting, AUC, the fallback.
import { describe, expect, it } from "vitest";
import { disqualifications } from "../../../src/domain/scoring/disqualification.js";
import type { LeadFacts } from "../../../src/domain/scoring/facts.js";
import { fitLogistic, rocAuc, sigmoid } from "../../../src/domain/scoring/logistic.js";
import { isHeldOut, predict, trainModel, type TrainingSample } from "../../../src/domain/scoring/model.js";
import { applyRules, engagementPoints } from "../../../src/domain/scoring/rules.js";
import { gradeFor, scoreLead, topFactors } from "../../../src/domain/scoring/score.js";
import { DEFAULT_SCORING_SETTINGS, rulesVersion, scoringSettingsSchema } from "../../../src/domain/scoring/settings.js";

const base: LeadFacts = {
  source: "web_form",
  email: { domain: "acme.com", kind: "COMPANY", valid: true },
  doNotContact: false,
  suppressed: false,
  seniority: "DIRECTOR",
  title: "Director of IT",
  company: { domain: "acme.com", industry: "Software", employeeCount: 300, country: "DE", lifecycle: "PROSPECT", stage: null },
  attributes: {},
  activities: [],
};
const facts = (patch: Partial<LeadFacts> = {}, company: Partial<NonNullable<LeadFacts["company"]>> = {}): LeadFacts => ({
  ...base,
  ...patch,
  company: patch.company === null ? null : { ...base.company!, ...company },
});

describe("rules", () => {
  const settings = scoringSettingsSchema.parse({ icp: { industries: [{ value: "software", points: 10 }], countries: [{ value: "DE", points: 5 }] } });
  it.each([
    ["director at a 300-person software company in DE from a web form", facts(), 14 + 20 + 10 + 10 + 5 + 5],
    ["the same with a free-mail address", facts({ email: { domain: "gmail.com", kind: "FREE", valid: true } }), 14 + 20 + 10 + 10 + 5 - 5],
    ["no company, unknown seniority, unknown source", facts({ company: null, seniority: "UNKNOWN", source: "other" }), 5],
    ["a tiny company", facts({}, { employeeCount: 4 }), 14 + 2 + 10 + 10 + 5 + 5],
  ])("%s → %i", (_name, f, expected) => {
    expect(applyRules(f, settings).score).toBe(expected);
  });

  it("gives every fired rule a reason", () => {
    const { factors } = applyRules(facts(), settings);
    expect(factors.map((f) => f.reason)).toEqual(
      expect.arrayContaining(["Industry is software", "300 employees (201–1000)", "Based in DE", "Seniority director (Director of IT)", "Came from web_form", "Company e-mail address (acme.com)"]),
    );
  });

  it("decays engagement by half-life and caps it", () => {
    const one = (ageDays: number) => engagementPoints(facts({ activities: [{ type: "MEETING", ageDays }] }), DEFAULT_SCORING_SETTINGS)[0]!.points;
    expect(one(0)).toBeCloseTo(12);
    expect(one(14)).toBeCloseTo(6);
    expect(one(28)).toBeCloseTo(3);
    expect(engagementPoints(facts({ activities: [{ type: "MEETING", ageDays: 200 }] }), DEFAULT_SCORING_SETTINGS)).toEqual([]);
    const many = engagementPoints(facts({ activities: Array.from({ length: 10 }, () => ({ type: "MEETING" as const, ageDays: 0 })) }), DEFAULT_SCORING_SETTINGS);
    expect(many[0]!.points).toBeCloseTo(40);
    expect(many[0]!.reason).toBe("10 meetings, latest today");
  });

  it("keeps the score within 0–100", () => {
    const generous = scoringSettingsSchema.parse({ icp: { industries: [{ value: "software", points: 100 }] } });
    expect(applyRules(facts(), generous).score).toBe(100);
    const harsh = scoringSettingsSchema.parse({ icp: { industries: [{ value: "software", points: -100 }] } });
    expect(applyRules(facts(), harsh).score).toBe(0);
  });
});

describe("hard disqualification", () => {
  const settings = scoringSettingsSchema.parse({
    disqualification: {
      competitorDomains: ["https://www.Rival.com"],
      excludedIndustries: ["Gambling"],
      allowedCountries: ["DE", "AT"],
      employeeRange: { min: 10, max: 5000 },
      excludedLifecycles: ["CUSTOMER", "COMPETITOR"],
      excludedCompanyStages: ["pre_seed"],
    },
  });
  it.each([
    ["nothing", facts(), []],
    ["do-not-contact", facts({ doNotContact: true }), ["DO_NOT_CONTACT"]],
    ["suppressed", facts({ suppressed: true }), ["SUPPRESSED"]],
    ["invalid e-mail", facts({ email: { domain: "x", kind: "COMPANY", valid: false } }), ["INVALID_EMAIL"]],
    ["disposable e-mail", facts({ email: { domain: "mailinator.com", kind: "DISPOSABLE", valid: true } }), ["DISPOSABLE_EMAIL"]],
    ["a competitor's subdomain", facts({ email: { domain: "eu.rival.com", kind: "COMPANY", valid: true } }), ["COMPETITOR"]],
    ["an excluded industry", facts({}, { industry: "gambling" }), ["EXCLUDED_INDUSTRY"]],
    ["a country outside the list", facts({}, { country: "FR" }), ["OUTSIDE_COUNTRIES"]],
    ["too small", facts({}, { employeeCount: 3 }), ["OUTSIDE_EMPLOYEE_RANGE"]],
    ["too large", facts({}, { employeeCount: 9000 }), ["OUTSIDE_EMPLOYEE_RANGE"]],
    ["a customer", facts({}, { lifecycle: "CUSTOMER" }), ["EXCLUDED_LIFECYCLE"]],
    ["an excluded company stage", facts({}, { stage: "Pre_Seed" }), ["EXCLUDED_COMPANY_STAGE"]],
  ])("%s → %j", (_name, f, rules) => {
    expect(disqualifications(f, settings).map((d) => d.rule)).toEqual(rules);
  });

  it("does not flag unknown company data", () => {
    expect(disqualifications(facts({}, { country: null, employeeCount: null, industry: null }), settings)).toEqual([]);
  });
});

describe("scoreLead", () => {
  it("is deterministic: the same facts and settings give the same result and input hash", () => {
    const a = scoreLead({ facts: facts(), settings: DEFAULT_SCORING_SETTINGS, model: null });
    const b = scoreLead({ facts: structuredClone(facts()), settings: scoringSettingsSchema.parse({}), model: null });
    expect(b).toEqual(a);
    const c = scoreLead({ facts: facts({ title: "Director of Ops" }), settings: DEFAULT_SCORING_SETTINGS, model: null });
    expect(c.inputHash).not.toBe(a.inputHash);
  });

  it("versions by the settings", () => {
    const other = scoringSettingsSchema.parse({ qualifyThreshold: 70 });
    expect(rulesVersion(other)).not.toBe(rulesVersion(DEFAULT_SCORING_SETTINGS));
    expect(rulesVersion(scoringSettingsSchema.parse({}))).toBe(rulesVersion(DEFAULT_SCORING_SETTINGS));
  });

  it.each([
    [100, "A"],
    [75, "A"],
    [74, "B"],
    [50, "B"],
    [49, "C"],
    [25, "C"],
    [24, "D"],
    [0, "D"],
  ])("grade of %i is %s", (score, grade) => expect(gradeFor(score, DEFAULT_SCORING_SETTINGS)).toBe(grade));

  it.each([
    [25, 10],
    [-40, -10],
    [3.6, 4],
  ])("bounds the AI adjustment %d to %d and records its reason", (requested, applied) => {
    const plain = scoreLead({ facts: facts(), settings: DEFAULT_SCORING_SETTINGS, model: null });
    const r = scoreLead({ facts: facts(), settings: DEFAULT_SCORING_SETTINGS, model: null, assessment: { adjustment: requested, reason: "why" } });
    expect(r.score).toBe(Math.max(0, Math.min(100, plain.score + applied)));
    expect(r.details.ai).toMatchObject({ adjustment: applied, requested, reason: "why" });
  });

  it("ignores an AI assessment without a reason, and never applies one to a disqualified lead", () => {
    const noReason = scoreLead({ facts: facts(), settings: DEFAULT_SCORING_SETTINGS, model: null, assessment: { adjustment: 10, reason: " " } });
    expect(noReason.details.ai).toBeNull();
    expect(noReason.details.aiIgnored).toMatch(/no reason/);
    const dq = scoreLead({ facts: facts({ doNotContact: true }), settings: DEFAULT_SCORING_SETTINGS, model: null, assessment: { adjustment: 30, reason: "great fit" } });
    expect(dq).toMatchObject({ score: 0, grade: "D", disqualified: true, confidence: 1 });
    expect(dq.details.ai).toBeNull();
    expect(dq.details.aiIgnored).toMatch(/cannot be overridden/);
    expect(dq.factors[0]).toMatchObject({ source: "DISQUALIFICATION", reason: "The contact is marked do-not-contact." });
  });

  it("keeps up to five positive and five negative factors, largest first", () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ feature: `f${i}`, contribution: i % 2 ? i : -i, reason: "", source: "RULES" as const }));
    expect(topFactors(many).map((f) => f.contribution)).toEqual([7, 5, 3, 1, -6, -4, -2]);
  });

  it("says why it used the rules alone", () => {
    expect(scoreLead({ facts: facts(), settings: DEFAULT_SCORING_SETTINGS, model: null, noModelReason: "too little history" }).details.fallback).toBe("too little history");
    const off = scoringSettingsSchema.parse({ model: { enabled: false } });
    expect(scoreLead({ facts: facts(), settings: off, model: null }).details.fallback).toMatch(/turned off/);
  });
});

/** Synthetic history: leads in "software" with a "demo" attribute convert most. */
function samples(n: number): TrainingSample[] {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  return Array.from({ length: n }, (_, i) => {
    const software = random() < 0.5;
    const demo = random() < 0.4;
    const visits = Math.floor(random() * 10);
    const p = sigmoid(-2.5 + (software ? 2 : 0) + (demo ? 1.5 : 0) + visits * 0.15);
    return {
      key: `lead-${i}`,
      label: random() < p ? 1 : 0,
      facts: facts({ attributes: { demo: demo ? "yes" : "no", visits, noise: `n${i}` } }, { industry: software ? "Software" : "Retail" }),
    } as TrainingSample;
  });
}

describe("model", () => {
  it("fits a logistic regression that recovers the signs of the true effects", () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ idx: [0, 1], val: [(i % 7) - 3, i % 2] }));
    const y = rows.map((r) => (sigmoid(0.8 * r.val[0]! - 1.2 * r.val[1]! + 0.3) > 0.5 ? 1 : 0));
    const fit = fitLogistic(rows, y, 2, { l2: 1 });
    expect(fit.converged).toBe(true);
    expect(fit.weights[0]).toBeGreaterThan(0);
    expect(fit.weights[1]).toBeLessThan(0);
  });

  it.each([
    [[0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75],
    [[1, 2, 3, 4], [0, 0, 1, 1], 1],
    [[4, 3, 2, 1], [0, 0, 1, 1], 0],
    [[0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5],
  ])("rocAuc(%j, %j) = %d", (scores, labels, auc) => expect(rocAuc(scores, labels)).toBeCloseTo(auc));

  it("returns null AUC without both classes", () => expect(rocAuc([1, 2], [1, 1])).toBeNull());

  it("holds out about a fifth, the same rows every time", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    const held = keys.filter(isHeldOut);
    expect(held.length / keys.length).toBeGreaterThan(0.17);
    expect(held.length / keys.length).toBeLessThan(0.23);
    expect(keys.filter(isHeldOut)).toEqual(held);
  });

  it("trains, measures AUC on the held-out split, and explains predictions feature by feature", () => {
    const result = trainModel(samples(1500), DEFAULT_SCORING_SETTINGS.model);
    expect(result.status).toBe("TRAINED");
    if (result.status !== "TRAINED") return;
    expect(result.usable).toBe(true);
    expect(result.metrics.auc).toBeGreaterThan(0.7);
    expect(result.metrics.trainCount + result.metrics.testCount).toBe(1500);
    // A unique-per-row attribute carries nothing: rare values pool into one level, which is then constant.
    expect(result.parameters.features.map((f) => f.name)).not.toContain("attr.noise");
    const good = predict(result.parameters, facts({ attributes: { demo: "yes", visits: 8 } }, { industry: "Software" }));
    const poor = predict(result.parameters, facts({ attributes: { demo: "no", visits: 0 } }, { industry: "Retail" }));
    expect(good.probability).toBeGreaterThan(poor.probability);
    const industry = good.contributions.find((c) => c.feature === "industry")!;
    expect(industry.label).toBe("industry = software");
    expect(industry.logit).toBeGreaterThan(0);
    // Deterministic: training twice gives the same weights.
    const again = trainModel(samples(1500), DEFAULT_SCORING_SETTINGS.model);
    expect(again.status === "TRAINED" && again.parameters.weights).toEqual(result.parameters.weights);
  });

  it("blends the model with the rules and explains with both", () => {
    const result = trainModel(samples(1500), DEFAULT_SCORING_SETTINGS.model);
    if (result.status !== "TRAINED") throw new Error("not trained");
    const model = { version: 3, parameters: result.parameters, auc: result.metrics.auc!, trainCount: result.metrics.trainCount };
    const r = scoreLead({ facts: facts({ attributes: { demo: "yes", visits: 9 } }), settings: DEFAULT_SCORING_SETTINGS, model });
    expect(r.version).toBe(`model:3+${rulesVersion(DEFAULT_SCORING_SETTINGS)}`);
    expect(r.details.modelProbability).toBeGreaterThan(0);
    const expected = Math.round(0.6 * 100 * r.details.modelProbability! + 0.4 * r.details.rulesScore);
    expect(Math.abs(r.score - expected)).toBeLessThanOrEqual(1);
    expect(new Set(r.factors.map((f) => f.source))).toEqual(new Set(["RULES", "MODEL"]));
    expect(r.confidence).toBeGreaterThan(scoreLead({ facts: facts(), settings: DEFAULT_SCORING_SETTINGS, model: null }).confidence);
  });

  it.each([
    [samples(30), /30 leads have a known outcome; training needs at least 50/],
    [samples(200).map((s) => ({ ...s, label: 0 as const })), /0 converted and 200 not converted/],
  ])("falls back with too little history (%#)", (data, reason) => {
    const result = trainModel(data, DEFAULT_SCORING_SETTINGS.model);
    expect(result.status).toBe("INSUFFICIENT_DATA");
    expect(result.status === "INSUFFICIENT_DATA" && result.reason).toMatch(reason);
  });

  it("keeps a model that does not beat chance from being used", () => {
    const noise = samples(600).map((s, i) => ({ ...s, label: (i % 3 === 0 ? 1 : 0) as 0 | 1, facts: facts({ attributes: { junk: String(i % 2) } }) }));
    const result = trainModel(noise, scoringSettingsSchema.parse({ model: { minAuc: 0.6 } }).model);
    expect(result.status).toBe("TRAINED");
    expect(result.status === "TRAINED" && result.usable).toBe(false);
    expect(result.status === "TRAINED" && result.reason).toMatch(/below the minimum 0.6/);
  });
});
