// Evaluates lead scoring on a labelled CSV through the same code path the
// service uses: trainModel (the deterministic 80/20 split, feature encoding,
// L2 logistic regression) and scoreLead (the combiner that turns the model's
// probability into the 0–100 score). Every CSV column except the label and the
// excluded ones becomes a custom attribute of the lead.
//
//   npm run eval:scoring -- --csv FILE --label COLUMN [--positive yes] [--exclude a,b] [--segment COLUMN] [--l2 1]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { rocAuc } from "../src/domain/scoring/logistic.js";
import { trainModel, type TrainingSample } from "../src/domain/scoring/model.js";
import type { LeadFacts } from "../src/domain/scoring/facts.js";
import { segmentLabel } from "../src/domain/scoring/missing-values.js";
import { scoreLead } from "../src/domain/scoring/score.js";
import { scoringSettingsSchema } from "../src/domain/scoring/settings.js";

const { values } = parseArgs({
  options: {
    csv: { type: "string" },
    label: { type: "string" },
    positive: { type: "string" },
    exclude: { type: "string", default: "" },
    segment: { type: "string" },
    l2: { type: "string", default: "1" },
  },
});
if (!values.csv || !values.label) {
  process.stderr.write("usage: npm run eval:scoring -- --csv FILE --label COLUMN [--positive VALUE] [--exclude a,b] [--segment COLUMN] [--l2 N]\n");
  process.exit(2);
}

const POSITIVE = new Set(values.positive ? [values.positive.toLowerCase()] : ["yes", "y", "1", "true", "converted", "won"]);
const excluded = new Set(values.exclude!.split(",").map((s) => s.trim()).filter(Boolean));
const rows = parse(readFileSync(values.csv), { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
if (rows.length === 0 || !(values.label in rows[0]!)) {
  process.stderr.write(`No rows, or no column "${values.label}".\n`);
  process.exit(2);
}

// The model learns from custom attributes; the built-in lead fields stay empty for a CSV.
function factsOf(row: Record<string, string>): LeadFacts {
  const attributes: LeadFacts["attributes"] = {};
  for (const [k, v] of Object.entries(row)) if (k !== values.label && !excluded.has(k)) attributes[k] = v;
  return { source: null, email: null, doNotContact: false, suppressed: false, seniority: "UNKNOWN", title: null, company: null, attributes, activities: [] };
}

const samples: TrainingSample[] = rows.map((row, i) => ({ key: `row-${i}`, facts: factsOf(row), label: POSITIVE.has(String(row[values.label!]).toLowerCase()) ? 1 : 0 }));
// The score is the model alone here (weight 1): a CSV has none of the fields the ICP rules read.
const settings = scoringSettingsSchema.parse({ model: { weight: 1, l2: Number(values.l2), minLabelledLeads: 20, minPerClass: 5 } });

const started = performance.now();
const result = trainModel(samples, settings.model);
const trainMs = performance.now() - started;
if (result.status !== "TRAINED") {
  process.stdout.write(`Not trained: ${result.reason}\n`);
  process.exit(1);
}
const { metrics, parameters } = result;
const model = { version: 1, parameters, auc: metrics.auc ?? 0.5, trainCount: metrics.trainCount };

const scoredStarted = performance.now();
const test = result.heldOut.map((s) => ({ sample: s, score: scoreLead({ facts: s.facts, settings, model }) }));
const scoreMs = performance.now() - scoredStarted;
const labels = test.map((t) => t.sample.label);
const scores = test.map((t) => t.score.score);
const probabilities = test.map((t) => t.score.details.modelProbability ?? 0);

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
const f3 = (n: number | null) => (n === null ? "n/a" : n.toFixed(3));
const out: string[] = [];
out.push(`data: ${values.csv}`);
out.push(`rows: ${rows.length} (positives ${metrics.positives}, ${pct(metrics.baseRate)}); label "${values.label}"; excluded: ${[...excluded].join(", ") || "none"}`);
out.push(`split: train ${metrics.trainCount}, held out ${metrics.testCount} (${metrics.testPositives} positive), deterministic by row key`);
out.push(`features: ${metrics.featureCount} (${metrics.columnCount} encoded columns); Newton iterations ${metrics.iterations}, converged ${metrics.converged}; L2 ${metrics.l2}`);
out.push(`training time: ${trainMs.toFixed(0)} ms; scoring ${test.length} held-out rows: ${scoreMs.toFixed(0)} ms`);
out.push(`AUC held-out (probability): ${f3(metrics.auc)}   AUC held-out (0–100 score): ${f3(rocAuc(scores, labels))}   AUC train: ${f3(metrics.trainAuc)}   log loss held-out: ${f3(metrics.testLogLoss)}`);
out.push("");
out.push("Calibration by score band (held-out):");
out.push("| score band | rows | mean predicted | observed rate |");
out.push("| --- | ---: | ---: | ---: |");
for (let lo = 0; lo < 100; lo += 10) {
  const idx = scores.map((s, i) => i).filter((i) => scores[i]! >= lo && (scores[i]! < lo + 10 || (lo === 90 && scores[i]! <= 100)));
  if (!idx.length) continue;
  const mean = idx.reduce((s, i) => s + probabilities[i]!, 0) / idx.length;
  const rate = idx.reduce((s, i) => s + labels[i]!, 0) / idx.length;
  out.push(`| ${lo}–${lo === 90 ? 100 : lo + 9} | ${idx.length} | ${pct(mean)} | ${pct(rate)} |`);
}
const grades = ["A", "B", "C", "D"] as const;
out.push("");
out.push("By grade (held-out):");
out.push("| grade | rows | observed rate |");
out.push("| --- | ---: | ---: |");
for (const g of grades) {
  const idx = test.map((t, i) => i).filter((i) => test[i]!.score.grade === g);
  if (idx.length) out.push(`| ${g} | ${idx.length} | ${pct(idx.reduce((s, i) => s + labels[i]!, 0) / idx.length)} |`);
}

if (values.segment) {
  out.push("");
  out.push(`By segment "${values.segment}" (held-out; a bias check: does the score rank as well, and convert as expected, in every group?):`);
  out.push("| segment | rows | actual conversion | mean predicted | mean score | AUC |");
  out.push("| --- | ---: | ---: | ---: | ---: | ---: |");
  const groups = new Map<string, number[]>();
  test.forEach((t, i) => {
    const v = segmentLabel(rows[Number(t.sample.key.slice(4))]![values.segment!]);
    groups.set(v, [...(groups.get(v) ?? []), i]);
  });
  for (const [segment, idx] of [...groups.entries()].sort((a, b) => b[1].length - a[1].length)) {
    const rate = idx.reduce((s, i) => s + labels[i]!, 0) / idx.length;
    const predicted = idx.reduce((s, i) => s + probabilities[i]!, 0) / idx.length;
    const meanScore = idx.reduce((s, i) => s + scores[i]!, 0) / idx.length;
    const auc = rocAuc(idx.map((i) => probabilities[i]!), idx.map((i) => labels[i]!));
    out.push(`| ${segment} | ${idx.length} | ${pct(rate)} | ${pct(predicted)} | ${meanScore.toFixed(1)} | ${f3(auc)} |`);
  }
}

out.push("");
out.push("Largest weights (log-odds per unit of the encoded column):");
const weights = parameters.columns.map((c, j) => ({ label: c.label, w: parameters.weights[j]! })).sort((a, b) => Math.abs(b.w) - Math.abs(a.w));
for (const w of weights.slice(0, 10)) out.push(`  ${w.w >= 0 ? "+" : ""}${w.w.toFixed(3)}  ${w.label}`);
const example = test.find((t) => t.score.grade === "A") ?? test[0]!;
out.push("");
out.push(`Example explanation (held-out row ${example.sample.key}, score ${example.score.score}, grade ${example.score.grade}, label ${example.sample.label}):`);
for (const f of example.score.factors) out.push(`  ${f.contribution >= 0 ? "+" : ""}${f.contribution}  ${f.reason}`);
process.stdout.write(out.join("\n") + "\n");
