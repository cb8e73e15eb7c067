// Training for the local intent model: multinomial logistic regression by
// stochastic gradient descent with a seeded shuffle, L2 regularisation and
// class weights (rare classes count as much as common ones). Kept beside the
// model so the training script, cross-validation and the reproducibility test
// share it.
import type { InboundIntent } from "../prompts/inbound-analysis.js";
import { mulberry32, shuffleInPlace } from "../seeded-random.js";
import type { IntentFeatureOptions } from "./intent-features.js";
import { intentProbabilities, type IntentModel } from "./intent-model.js";

export interface IntentExample {
  intent: InboundIntent;
  features: string[];
  /** Examples derived from the same written reply share a group (kept in one fold). */
  group: number;
}

export interface IntentTrainingOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  minCount: number;
  seed: number;
}

// Chosen with `scripts/train-intent-model.ts --dev` (5-fold cross-validation on the corpus; the held-out set is never used).
export const DEFAULT_INTENT_TRAINING: IntentTrainingOptions = { epochs: 25, learningRate: 0.05, l2: 0.01, minCount: 2, seed: 20260305 };

export function trainIntentModel(
  examples: IntentExample[],
  classes: InboundIntent[],
  featureOptions: IntentFeatureOptions,
  trainedOn: string,
  options: IntentTrainingOptions = DEFAULT_INTENT_TRAINING,
): IntentModel {
  const K = classes.length;
  const counts = new Map<string, number>();
  for (const e of examples) for (const f of e.features) counts.set(f, (counts.get(f) ?? 0) + 1);
  const vocabulary = [...counts.entries()].filter(([, n]) => n >= options.minCount).map(([f]) => f).sort();
  const index = new Map(vocabulary.map((f, i) => [f, i]));
  const rows = examples.map((e) => ({ y: classes.indexOf(e.intent), x: e.features.map((f) => index.get(f)).filter((i): i is number => i !== undefined) }));
  if (rows.some((r) => r.y < 0)) throw new Error("an example has a class the model does not know");
  // Balanced class weights: n / (K · n_class).
  const perClass = classes.map((_, k) => rows.filter((r) => r.y === k).length);
  const classWeight = perClass.map((n) => (n ? rows.length / (K * n) : 0));

  const w = new Float64Array(vocabulary.length * K);
  const bias = new Float64Array(K);
  const random = mulberry32(options.seed);
  const order = rows.map((_, i) => i);
  const z = new Float64Array(K);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    const rate = options.learningRate / (1 + epoch * 0.1);
    for (const r of order) {
      const row = rows[r]!;
      for (let k = 0; k < K; k++) z[k] = bias[k]!;
      for (const i of row.x) for (let k = 0; k < K; k++) z[k]! += w[i * K + k]!;
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, z[k]!);
      let sum = 0;
      for (let k = 0; k < K; k++) {
        z[k] = Math.exp(z[k]! - max);
        sum += z[k]!;
      }
      const cw = classWeight[row.y]!;
      for (let k = 0; k < K; k++) {
        const gradient = (z[k]! / sum - (k === row.y ? 1 : 0)) * cw;
        bias[k]! -= rate * gradient;
        for (const i of row.x) w[i * K + k] = w[i * K + k]! - rate * (gradient + options.l2 * w[i * K + k]!);
      }
    }
  }
  const round = (v: number) => Math.round(v * 1000) / 1000 || 0;
  const weights: Record<string, number[]> = {};
  vocabulary.forEach((f, i) => {
    const row = Array.from(w.subarray(i * K, i * K + K), round);
    if (row.some((v) => v !== 0)) weights[f] = row;
  });
  return { version: 1, trainedOn, classes, options: featureOptions, bias: Array.from(bias, round), weights };
}

export interface EvaluationSummary {
  accuracy: number;
  macroF1: number;
  perClass: Array<{ intent: InboundIntent; recall: number; precision: number; support: number }>;
  predictions: Array<{ expected: InboundIntent; got: InboundIntent; group: number; probabilities?: number[] }>;
}

export function evaluate(model: IntentModel, examples: IntentExample[]): EvaluationSummary {
  const predictions = examples.map((e) => {
    const p = intentProbabilities(model, e.features);
    const best = p.indexOf(Math.max(...p));
    return { expected: e.intent, got: model.classes[best]!, group: e.group, probabilities: p };
  });
  return summarise(model.classes, predictions);
}

export function summarise(classes: InboundIntent[], predictions: EvaluationSummary["predictions"]): EvaluationSummary {
  const perClass = classes.map((intent) => {
    const tp = predictions.filter((p) => p.expected === intent && p.got === intent).length;
    const support = predictions.filter((p) => p.expected === intent).length;
    const predicted = predictions.filter((p) => p.got === intent).length;
    return { intent, recall: support ? tp / support : 0, precision: predicted ? tp / predicted : 0, support };
  });
  const present = perClass.filter((c) => c.support > 0);
  const f1 = (c: { recall: number; precision: number }) => (c.recall + c.precision ? (2 * c.recall * c.precision) / (c.recall + c.precision) : 0);
  return {
    accuracy: predictions.filter((p) => p.expected === p.got).length / (predictions.length || 1),
    macroF1: present.reduce((s, c) => s + f1(c), 0) / (present.length || 1),
    perClass,
    predictions,
  };
}

/** k-fold cross-validation; every example of a group lands in the same fold. Only the unaugmented example of each group is scored. */
export function crossValidate(
  examples: IntentExample[],
  classes: InboundIntent[],
  featureOptions: IntentFeatureOptions,
  options: IntentTrainingOptions,
  folds = 5,
  isOriginal: (e: IntentExample) => boolean = () => true,
): EvaluationSummary {
  const groups = [...new Set(examples.map((e) => e.group))].sort((a, b) => a - b);
  shuffleInPlace(groups, mulberry32(options.seed + 1));
  const foldOf = new Map(groups.map((g, i) => [g, i % folds]));
  const predictions: EvaluationSummary["predictions"] = [];
  for (let fold = 0; fold < folds; fold++) {
    const train = examples.filter((e) => foldOf.get(e.group) !== fold);
    const test = examples.filter((e) => foldOf.get(e.group) === fold && isOriginal(e));
    const model = trainIntentModel(train, classes, featureOptions, "cross-validation", options);
    predictions.push(...evaluate(model, test).predictions);
  }
  return summarise(classes, predictions);
}
