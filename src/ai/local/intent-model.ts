// The local intent model: multinomial logistic regression over the features
// of src/ai/local/intent-features.ts, trained by scripts/train-intent-model.ts
// on a hand-written corpus (scripts/data/inbound-intent-training.ts) and the
// earlier labelled reply sets. Weights are committed
// (models/inbound-intent.json) and reproduced byte for byte by the script.
// Inference is a dot product and a softmax: deterministic, offline.
import { readFileSync } from "node:fs";
import type { InboundIntent } from "../prompts/inbound-analysis.js";
import { intentFeatures, type IntentFeatureOptions, type IntentFeatures } from "./intent-features.js";
import { projectPath } from "../../config/project-path.js";

export interface IntentModel {
  version: number;
  trainedOn: string;
  classes: InboundIntent[];
  options: IntentFeatureOptions;
  bias: number[];
  /** feature → one weight per class, in the order of `classes`. */
  weights: Record<string, number[]>;
}

let loaded: IntentModel | null = null;

export function intentModel(): IntentModel {
  loaded ??= JSON.parse(readFileSync(projectPath("src", "ai", "models", "inbound-intent.json"), "utf8")) as IntentModel;
  return loaded;
}

/** Class probabilities for a set of features (softmax of the linear scores). */
export function intentProbabilities(model: IntentModel, features: string[]): number[] {
  const z = [...model.bias];
  for (const f of features) {
    const w = model.weights[f];
    if (!w) continue;
    for (let k = 0; k < z.length; k++) z[k]! += w[k]!;
  }
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}

export interface IntentPrediction {
  intent: InboundIntent;
  probability: number;
  /** Every class with its probability, most likely first. */
  ranked: Array<{ intent: InboundIntent; probability: number }>;
  features: IntentFeatures;
}

export function predictIntent(subject: string, text: string, model = intentModel()): IntentPrediction {
  const features = intentFeatures(subject, text, model.options);
  const p = intentProbabilities(model, features.features);
  const ranked = model.classes.map((intent, k) => ({ intent, probability: p[k]! })).sort((a, b) => b.probability - a.probability);
  return { intent: ranked[0]!.intent, probability: ranked[0]!.probability, ranked, features };
}

export interface Contribution {
  feature: string;
  /** How much the feature pushes towards the class against the average of the others. */
  weight: number;
  said: string | null;
}

/** The features that pushed hardest towards `intent`, strongest first. */
export function strongestEvidence(model: IntentModel, prediction: IntentPrediction, intent: InboundIntent, limit = 4): Contribution[] {
  const k = model.classes.indexOf(intent);
  const out: Contribution[] = [];
  for (const f of prediction.features.features) {
    const w = model.weights[f];
    if (!w) continue;
    const others = (w.reduce((s, v) => s + v, 0) - w[k]!) / (w.length - 1);
    const weight = w[k]! - others;
    if (weight > 0) out.push({ feature: f, weight, said: prediction.features.evidence[f] ?? null });
  }
  return out.sort((a, b) => b.weight - a.weight || a.feature.localeCompare(b.feature)).slice(0, limit);
}
