// Form placeholders are missing values to learned scoring: the model never
// learns "Select" or "N/A" as a category, and explanations and bias segments
// say "missing", not the placeholder the form happened to send.
import { describe, expect, it } from "vitest";
import type { LeadFacts } from "../../../src/domain/scoring/facts.js";
import { isMissingValue, segmentLabel } from "../../../src/domain/scoring/missing-values.js";
import { predict, trainModel, type TrainingSample } from "../../../src/domain/scoring/model.js";
import { scoreLead } from "../../../src/domain/scoring/score.js";
import { DEFAULT_SCORING_SETTINGS } from "../../../src/domain/scoring/settings.js";

describe("isMissingValue", () => {
  it.each([
    "Select", "SELECT", "select one", "-- Please select --", "Please Select", "N/A", "n/a", " N/A ", "n.a.", "-", "--", "—", "unknown",
    "Unknown", "UNKNOWN", "  unknown  ", "none", "None", "(none)", "[N/A]", "", " ", "\t\n", "?", "null", "TBD",
  ])("%j is missing", (value) => expect(isMissingValue(value)).toBe(true));

  it.each(["Software", "Retail", "None of the above", "NA", "0", "Other", "Selected accounts", "unknown-soldier.com", "N/A Corp", "-5"])(
    "%j is a value",
    (value) => expect(isMissingValue(value)).toBe(false),
  );

  it("null and undefined are missing; numbers and booleans are values", () => {
    expect(isMissingValue(null)).toBe(true);
    expect(isMissingValue(undefined)).toBe(true);
    expect(isMissingValue(0)).toBe(false);
    expect(isMissingValue(false)).toBe(false);
  });

  it("names bias segments 'missing', not the placeholder", () => {
    expect(segmentLabel("N/A")).toBe("missing");
    expect(segmentLabel(" Select ")).toBe("missing");
    expect(segmentLabel(undefined)).toBe("missing");
    expect(segmentLabel("Retail")).toBe("Retail");
  });
});

const base: LeadFacts = {
  source: "web_form",
  email: { domain: "acme.com", kind: "COMPANY", valid: true },
  doNotContact: false,
  suppressed: false,
  seniority: "DIRECTOR",
  title: null,
  company: { domain: "acme.com", industry: "Software", employeeCount: 300, country: "DE", lifecycle: "PROSPECT", stage: null },
  attributes: {},
  activities: [],
};

// Every spelling a form or spreadsheet uses for "not answered", each often enough to become a level of its own.
const PLACEHOLDERS = ["Select", "N/A", "-", "unknown", "UNKNOWN", "none", "", "   ", "-- Please select --"];
const BUDGETS = ["under 10k", "10k-50k", "over 50k"];

/** A web form's "budget" drop-down and industry; converting depends on the budget, and unanswered forms convert least. */
function samples(n: number): TrainingSample[] {
  return Array.from({ length: n }, (_, i) => {
    const unanswered = i % 3 === 0;
    const budget = unanswered ? PLACEHOLDERS[Math.floor(i / 3) % PLACEHOLDERS.length]! : BUDGETS[i % BUDGETS.length]!;
    const industry = i % 4 === 0 ? PLACEHOLDERS[i % PLACEHOLDERS.length]! : i % 4 === 1 ? "Retail" : "Software";
    const label = (unanswered ? i % 7 === 0 : budget === "over 50k" ? i % 5 !== 0 : budget === "10k-50k" ? i % 2 === 0 : i % 4 === 0) ? 1 : 0;
    return { key: `lead-${i}`, label, facts: { ...base, company: { ...base.company!, industry }, attributes: { budget, visits: i % 11 } } };
  });
}

describe("learned scoring with form placeholders", () => {
  const result = trainModel(samples(1200), DEFAULT_SCORING_SETTINGS.model);
  if (result.status !== "TRAINED") throw new Error("the model did not train");
  const parameters = result.parameters;

  it("learns no placeholder as a category: they are one 'missing' level", () => {
    for (const name of ["attr.budget", "industry"]) {
      const spec = parameters.features.find((f) => f.name === name);
      expect(spec?.kind).toBe("categorical");
      const levels = spec!.kind === "categorical" ? spec!.levels : [];
      expect(levels).toContain("missing");
      for (const placeholder of PLACEHOLDERS) expect(levels).not.toContain(placeholder.trim().toLowerCase());
      expect(levels).not.toContain("(missing)");
    }
    expect(parameters.columns.map((c) => c.label).filter((l) => /select|n\/a|unknown|= -|= none|= $/i.test(l))).toEqual([]);
  });

  it.each(PLACEHOLDERS)("explains a lead whose form said %j as 'missing'", (placeholder) => {
    const facts: LeadFacts = { ...base, company: { ...base.company!, industry: placeholder }, attributes: { budget: placeholder, visits: 3 } };
    const prediction = predict(parameters, facts);
    const budget = prediction.contributions.find((c) => c.feature === "attr.budget")!;
    const industry = prediction.contributions.find((c) => c.feature === "industry")!;
    expect(budget.label).toBe("budget = missing");
    expect(industry.label).toBe("industry = missing");
    // The same prediction whichever placeholder the form used.
    expect(prediction.probability).toBeCloseTo(predict(parameters, { ...facts, company: { ...facts.company!, industry: null }, attributes: { budget: null, visits: 3 } }).probability, 12);
  });

  it("positive and negative factors of the score name 'missing', never the placeholder", () => {
    const model = { version: 1, parameters, auc: result.metrics.auc ?? 0.8, trainCount: result.metrics.trainCount };
    const score = scoreLead({ facts: { ...base, company: { ...base.company!, industry: "N/A" }, attributes: { budget: "Select", visits: 0 } }, settings: DEFAULT_SCORING_SETTINGS, model });
    // score.factors are the top positive and negative factors the snapshot shows.
    const reasons = score.factors.map((f) => f.reason);
    expect(score.factors.find((f) => f.feature === "model.attr.budget")?.reason).toBe("budget = missing");
    expect(reasons.filter((r) => /select|n\/a/i.test(r))).toEqual([]);
  });

  it("a numeric field with 'N/A' or blanks is missing, not a category", () => {
    const data = samples(1200).map((s, i) => ({ ...s, facts: { ...s.facts, attributes: { ...s.facts.attributes, employees_form: i % 10 === 0 ? (i % 20 === 0 ? "N/A" : " ") : String(10 + (i % 90)) } } }));
    const trained = trainModel(data, DEFAULT_SCORING_SETTINGS.model);
    if (trained.status !== "TRAINED") throw new Error("not trained");
    const spec = trained.parameters.features.find((f) => f.name === "attr.employees_form");
    expect(spec?.kind).toBe("numeric");
    const prediction = predict(trained.parameters, { ...base, attributes: { budget: "over 50k", employees_form: "n/a" } });
    expect(prediction.contributions.find((c) => c.feature === "attr.employees_form")!.label).toBe("employees form = missing");
  });
});

describe("the scoring evaluation's bias segments", () => {
  it("groups placeholders of the segment column as 'missing'", async () => {
    const { execFile } = await import("node:child_process");
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "eval-scoring-"));
    const csv = join(dir, "leads.csv");
    const lines = ["budget,region,converted"];
    samples(400).forEach((s, i) => lines.push(`"${s.facts.attributes.budget}",${["EMEA", "N/A", "Select", "AMER", " - "][i % 5]},${s.label ? "yes" : "no"}`));
    writeFileSync(csv, lines.join("\n"));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", "scripts/eval-scoring.ts", "--csv", csv, "--label", "converted", "--segment", "region"], { timeout: 60_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      ),
    );
    const segments = stdout.split("\n").filter((l) => /^\| (?!segment|---)/.test(l) && stdout.indexOf(l) > stdout.indexOf("By segment")).map((l) => l.split("|")[1]!.trim());
    expect(segments.sort()).toEqual(["AMER", "EMEA", "missing"]);
    expect(stdout).not.toMatch(/= (?:select|n\/a|-)\b/i);
  }, 90_000);
});
