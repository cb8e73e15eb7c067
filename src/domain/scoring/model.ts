// The predictive part of lead scoring: learns from the tenant's own leads
// with a known outcome. Features are the lead's facts (source, industry,
// country, seniority, lifecycle, e-mail kind, size, recent activity) and its
// custom attributes; categoricals are one-hot encoded (rare values pooled),
// numerics are scaled (log for wide ranges) with a missing-value indicator.
// An L2-regularised logistic regression is fitted on a deterministic 80 %
// split and measured (AUC) on the other 20 %. Every prediction is explained:
// each feature's contribution relative to the average training lead.
import { fitLogistic, rocAuc, sigmoid, type SparseRow } from "./logistic.js";
import type { LeadFacts } from "./facts.js";
import { isMissingValue, MISSING_LABEL } from "./missing-values.js";
import type { ScoringSettings } from "./settings.js";

export const MODEL_ALGORITHM = "logistic-regression-l2";

const MISSING = MISSING_LABEL;
const LEGACY_MISSING = "(missing)";
const OTHER = "(other)";
const MIN_LEVEL_COUNT = 5;
const MAX_LEVELS = 25;
const MAX_ATTRIBUTE_KEYS = 40;
const Z_CLIP = 5;

type RawValue = string | number | null;

interface CategoricalSpec {
  kind: "categorical";
  name: string;
  levels: string[];
}
interface NumericSpec {
  kind: "numeric";
  name: string;
  log: boolean;
  mean: number;
  std: number;
  /** Whether a missing-value indicator column follows the value column. */
  missingColumn: boolean;
}
type FeatureSpec = CategoricalSpec | NumericSpec;

export interface ModelParameters {
  algorithm: typeof MODEL_ALGORITHM;
  features: FeatureSpec[];
  /** Per column: the feature it belongs to and its label. */
  columns: { feature: string; label: string }[];
  weights: number[];
  intercept: number;
  /** Mean of each column over the training rows: contributions are measured from here. */
  columnMeans: number[];
  /** Log-odds of the average training lead. */
  baselineLogit: number;
}

export interface CalibrationBand {
  band: string;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface TrainingMetrics {
  labelled: number;
  positives: number;
  negatives: number;
  trainCount: number;
  testCount: number;
  testPositives: number;
  /** ROC AUC on the held-out split; null when it lacks one of the classes. */
  auc: number | null;
  trainAuc: number | null;
  testLogLoss: number | null;
  baseRate: number;
  featureCount: number;
  columnCount: number;
  iterations: number;
  converged: boolean;
  l2: number;
  calibration: CalibrationBand[];
}

export interface TrainingSample {
  /** Stable id (lead id, CSV row number): decides the held-out split. */
  key: string;
  facts: LeadFacts;
  label: 0 | 1;
}

export type TrainingResult =
  | { status: "TRAINED"; parameters: ModelParameters; metrics: TrainingMetrics; usable: boolean; reason: string | null; heldOut: TrainingSample[] }
  | { status: "INSUFFICIENT_DATA"; reason: string; metrics: Pick<TrainingMetrics, "labelled" | "positives" | "negatives"> };

/** FNV-1a of the key: 1 in 5 samples is held out, the same ones on every run. */
export function isHeldOut(key: string): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 5 === 0;
}

/** The facts as named raw features. */
export function rawFeatures(facts: LeadFacts, lookbackDays = 90): Record<string, RawValue> {
  // Blanks and form placeholders ("Select", "N/A", "-", "unknown") are missing values, not categories.
  const lower = (v: string | null | undefined) => (v && !isMissingValue(v) ? v.trim().toLowerCase() : null);
  const out: Record<string, RawValue> = {
    source: lower(facts.source),
    industry: lower(facts.company?.industry),
    country: lower(facts.company?.country)?.toUpperCase() ?? null,
    seniority: facts.seniority === "UNKNOWN" ? null : facts.seniority,
    lifecycle: facts.company?.lifecycle ?? null,
    company_stage: lower(facts.company?.stage),
    email_kind: facts.email?.kind ?? null,
    employees: facts.company?.employeeCount ?? null,
  };
  const counts: Record<string, number> = {};
  for (const a of facts.activities) if (a.ageDays <= lookbackDays) counts[a.type] = (counts[a.type] ?? 0) + 1;
  for (const [type, count] of Object.entries(counts)) out[`activity.${type.toLowerCase()}`] = count;
  for (const [key, value] of Object.entries(facts.attributes)) {
    if (isMissingValue(value)) out[`attr.${key}`] = null;
    else if (typeof value === "boolean") out[`attr.${key}`] = String(value);
    else out[`attr.${key}`] = typeof value === "string" ? value.trim() : value;
  }
  return out;
}

function asNumber(v: RawValue): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return null;
}

const transform = (x: number, log: boolean) => (log ? Math.sign(x) * Math.log1p(Math.abs(x)) : x);

/** Decides each feature's encoding from the training rows only. */
function learnSpecs(rows: Record<string, RawValue>[]): FeatureSpec[] {
  const names = new Map<string, number>();
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (v !== null) names.set(k, (names.get(k) ?? 0) + 1);
  const attributeKeys = [...names.entries()]
    .filter(([k]) => k.startsWith("attr."))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_ATTRIBUTE_KEYS)
    .map(([k]) => k);
  const candidates = [...[...names.keys()].filter((k) => !k.startsWith("attr.")).sort(), ...attributeKeys.sort()];
  const specs: FeatureSpec[] = [];
  for (const name of candidates) {
    const values = rows.map((r) => r[name] ?? null);
    const present = values.filter((v): v is string | number => v !== null);
    const numeric = present.map(asNumber);
    const numericShare = numeric.filter((n) => n !== null).length / Math.max(1, present.length);
    const distinct = new Set(present.map(String)).size;
    if (distinct < 2 && present.length === values.length) continue; // constant: carries nothing
    if (numericShare >= 0.95 && distinct > 2) {
      const xs = numeric.filter((n): n is number => n !== null);
      const log = xs.some((x) => Math.abs(x) >= 1000);
      const t = xs.map((x) => transform(x, log));
      const mean = t.reduce((s, x) => s + x, 0) / t.length;
      const std = Math.sqrt(t.reduce((s, x) => s + (x - mean) ** 2, 0) / t.length);
      if (std === 0) continue;
      specs.push({ kind: "numeric", name, log, mean, std, missingColumn: present.length < values.length });
    } else {
      const counts = new Map<string, number>();
      for (const v of values) {
        const level = v === null ? MISSING : String(v).toLowerCase();
        counts.set(level, (counts.get(level) ?? 0) + 1);
      }
      const frequent = [...counts.entries()]
        .filter(([, c]) => c >= MIN_LEVEL_COUNT)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, MAX_LEVELS)
        .map(([l]) => l);
      const levels = frequent.length < counts.size ? [...frequent, OTHER] : frequent;
      if (levels.length < 2) continue;
      specs.push({ kind: "categorical", name, levels });
    }
  }
  return specs;
}

function columnsOf(specs: FeatureSpec[]): { feature: string; label: string }[] {
  const columns: { feature: string; label: string }[] = [];
  for (const spec of specs) {
    if (spec.kind === "categorical") for (const level of spec.levels) columns.push({ feature: spec.name, label: `${displayName(spec.name)} = ${level}` });
    else {
      columns.push({ feature: spec.name, label: displayName(spec.name) });
      if (spec.missingColumn) columns.push({ feature: spec.name, label: `${displayName(spec.name)} ${MISSING_LABEL}` });
    }
  }
  return columns;
}

function displayName(feature: string): string {
  return feature.replace(/^attr\./, "").replace(/^activity\./, "activities: ").replace(/_/g, " ");
}

/** One sparse row; also the raw value of each feature, for explanations. */
function encode(specs: FeatureSpec[], raw: Record<string, RawValue>): { row: SparseRow; shown: Map<string, string> } {
  const idx: number[] = [];
  const val: number[] = [];
  const shown = new Map<string, string>();
  let offset = 0;
  for (const spec of specs) {
    const v = raw[spec.name] ?? null;
    if (spec.kind === "categorical") {
      // Models trained before missing values were named "missing" call the level "(missing)".
      const level = v === null ? (spec.levels.includes(LEGACY_MISSING) ? LEGACY_MISSING : MISSING) : String(v).toLowerCase();
      let at = spec.levels.indexOf(level);
      if (at === -1) at = spec.levels.indexOf(OTHER);
      if (at !== -1) {
        idx.push(offset + at);
        val.push(1);
      }
      shown.set(spec.name, v === null ? MISSING_LABEL : String(v));
      offset += spec.levels.length;
    } else {
      const x = asNumber(v);
      if (x === null) {
        if (spec.missingColumn) {
          idx.push(offset + 1);
          val.push(1);
        }
        shown.set(spec.name, MISSING_LABEL);
      } else {
        const z = Math.max(-Z_CLIP, Math.min(Z_CLIP, (transform(x, spec.log) - spec.mean) / spec.std));
        if (z !== 0) {
          idx.push(offset);
          val.push(z);
        }
        shown.set(spec.name, String(x));
      }
      offset += spec.missingColumn ? 2 : 1;
    }
  }
  return { row: { idx, val }, shown };
}

export interface Prediction {
  probability: number;
  baselineProbability: number;
  /** Per feature: its log-odds contribution relative to the average training lead, and what the lead has. */
  contributions: { feature: string; label: string; logit: number }[];
}

export function predict(parameters: ModelParameters, facts: LeadFacts): Prediction {
  const { row, shown } = encode(parameters.features, rawFeatures(facts));
  const active = new Map<number, number>();
  row.idx.forEach((j, k) => active.set(j, row.val[k]!));
  const byFeature = new Map<string, number>();
  let logit = parameters.intercept;
  parameters.columns.forEach((column, j) => {
    const x = active.get(j) ?? 0;
    logit += parameters.weights[j]! * x;
    const c = parameters.weights[j]! * (x - parameters.columnMeans[j]!);
    byFeature.set(column.feature, (byFeature.get(column.feature) ?? 0) + c);
  });
  const contributions = [...byFeature.entries()].map(([feature, c]) => ({
    feature,
    label: `${displayName(feature)} = ${shown.get(feature) ?? MISSING_LABEL}`,
    logit: c,
  }));
  return { probability: sigmoid(logit), baselineProbability: sigmoid(parameters.baselineLogit), contributions };
}

export function calibrationBands(probabilities: number[], labels: number[], bands = 10): CalibrationBand[] {
  const out: CalibrationBand[] = [];
  for (let b = 0; b < bands; b++) {
    const lo = b / bands;
    const hi = (b + 1) / bands;
    const members = probabilities.map((p, i) => i).filter((i) => probabilities[i]! >= lo && (probabilities[i]! < hi || (b === bands - 1 && probabilities[i]! <= hi)));
    if (members.length === 0) continue;
    out.push({
      band: `${Math.round(lo * 100)}–${Math.round(hi * 100)}`,
      count: members.length,
      meanPredicted: round4(members.reduce((s, i) => s + probabilities[i]!, 0) / members.length),
      observedRate: round4(members.reduce((s, i) => s + labels[i]!, 0) / members.length),
    });
  }
  return out;
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

export function trainModel(samples: TrainingSample[], settings: ScoringSettings["model"]): TrainingResult {
  const positives = samples.filter((s) => s.label === 1).length;
  const negatives = samples.length - positives;
  const counts = { labelled: samples.length, positives, negatives };
  if (samples.length < settings.minLabelledLeads) {
    return { status: "INSUFFICIENT_DATA", reason: `${samples.length} leads have a known outcome; training needs at least ${settings.minLabelledLeads}.`, metrics: counts };
  }
  if (Math.min(positives, negatives) < settings.minPerClass) {
    return {
      status: "INSUFFICIENT_DATA",
      reason: `${positives} converted and ${negatives} not converted; training needs at least ${settings.minPerClass} of each.`,
      metrics: counts,
    };
  }
  const ordered = [...samples].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const train = ordered.filter((s) => !isHeldOut(s.key));
  const test = ordered.filter((s) => isHeldOut(s.key));
  const trainRaw = train.map((s) => rawFeatures(s.facts));
  const features = learnSpecs(trainRaw);
  const columns = columnsOf(features);
  const rows = trainRaw.map((r) => encode(features, r).row);
  const y = train.map((s) => s.label);
  const fit = fitLogistic(rows, y, columns.length, { l2: settings.l2 });
  const columnMeans = columns.map(() => 0);
  for (const row of rows) row.idx.forEach((j, k) => (columnMeans[j] = columnMeans[j]! + row.val[k]! / rows.length));
  const baselineLogit = fit.intercept + fit.weights.reduce((s, w, j) => s + w * columnMeans[j]!, 0);
  const parameters: ModelParameters = { algorithm: MODEL_ALGORITHM, features, columns, weights: fit.weights, intercept: fit.intercept, columnMeans, baselineLogit };

  const trainProbabilities = train.map((s) => predict(parameters, s.facts).probability);
  const testProbabilities = test.map((s) => predict(parameters, s.facts).probability);
  const testLabels = test.map((s) => s.label);
  const auc = rocAuc(testProbabilities, testLabels);
  const testLogLoss = test.length
    ? testProbabilities.reduce((s, p, i) => s - (testLabels[i] ? Math.log(Math.max(p, 1e-15)) : Math.log(Math.max(1 - p, 1e-15))), 0) / test.length
    : null;
  const metrics: TrainingMetrics = {
    ...counts,
    trainCount: train.length,
    testCount: test.length,
    testPositives: testLabels.filter((l) => l === 1).length,
    auc: auc === null ? null : round4(auc),
    trainAuc: roundOrNull(rocAuc(trainProbabilities, y)),
    testLogLoss: testLogLoss === null ? null : round4(testLogLoss),
    baseRate: round4(positives / samples.length),
    featureCount: features.length,
    columnCount: columns.length,
    iterations: fit.iterations,
    converged: fit.converged,
    l2: settings.l2,
    calibration: calibrationBands(testProbabilities, testLabels),
  };
  let reason: string | null = null;
  if (auc === null) reason = "The held-out split lacks converted or not-converted leads, so the model cannot be measured.";
  else if (auc < settings.minAuc) reason = `Held-out AUC ${auc.toFixed(3)} is below the minimum ${settings.minAuc}; scores keep using the rules.`;
  return { status: "TRAINED", parameters, metrics, usable: reason === null, reason, heldOut: test };
}

function roundOrNull(n: number | null): number | null {
  return n === null ? null : round4(n);
}
