// Training for the request detector: L2-regularised logistic regression by
// stochastic gradient descent with a seeded shuffle. Kept beside the detector
// so the training script and the reproducibility test share it.
import { analyse } from "./nlp.js";
import { requestFeatures, score, type RequestDetectorModel } from "./request-detector.js";
import { mulberry32, shuffleInPlace } from "./seeded-random.js";

export interface LabelledSentence {
  label: boolean;
  text: string;
}

/** Parakweet format: `Yes|No<TAB>sentence` per line. */
export function parseLabelledSentences(content: string): LabelledSentence[] {
  return content
    .split(/\r?\n/)
    .map((line) => line.split("\t"))
    .filter((parts) => parts.length >= 2 && /^(Yes|No)$/.test(parts[0]!.trim()))
    .map((parts) => ({ label: parts[0]!.trim() === "Yes", text: parts.slice(1).join("\t").trim() }));
}

/** Features of a whole labelled sentence (it may hold several grammatical sentences: use them all). */
export function sentenceFeatures(text: string): string[] {
  const parts = analyse(text).sentences;
  if (parts.length <= 1) return requestFeatures(parts[0] ?? text);
  return [...new Set(parts.flatMap((p) => requestFeatures(p)))].sort();
}

export interface TrainingOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  minCount?: number;
  seed?: number;
}

export function trainRequestDetector(content: string, trainedOn: string, options: TrainingOptions = {}): RequestDetectorModel {
  // Chosen by 5-fold cross-validation on the training file only (the test file is never used to tune).
  const { epochs = 15, learningRate = 0.1, l2 = 3e-3, minCount = 2, seed = 20140729 } = options;
  const data = parseLabelledSentences(content).map((s) => ({ y: s.label ? 1 : 0, features: sentenceFeatures(s.text) }));
  const counts = new Map<string, number>();
  for (const d of data) for (const f of d.features) counts.set(f, (counts.get(f) ?? 0) + 1);
  const vocabulary = [...counts.entries()].filter(([, n]) => n >= minCount).map(([f]) => f).sort();
  const index = new Map(vocabulary.map((f, i) => [f, i]));
  const rows = data.map((d) => ({ y: d.y, x: d.features.map((f) => index.get(f)).filter((i): i is number => i !== undefined) }));
  const w = new Float64Array(vocabulary.length);
  let bias = 0;
  const random = mulberry32(seed);
  const order = rows.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, random);
    const rate = learningRate / (1 + epoch * 0.2);
    for (const r of order) {
      const row = rows[r]!;
      let z = bias;
      for (const i of row.x) z += w[i]!;
      const gradient = 1 / (1 + Math.exp(-z)) - row.y;
      bias -= rate * gradient;
      for (const i of row.x) w[i] = w[i]! - rate * (gradient + l2 * w[i]!);
    }
  }
  const weights: Record<string, number> = {};
  vocabulary.forEach((f, i) => {
    const v = Math.round(w[i]! * 1e4) / 1e4;
    if (Math.abs(v) >= 0.01) weights[f] = v;
  });
  const model: RequestDetectorModel = { version: 1, trainedOn, threshold: 0.5, bias: Math.round(bias * 1e4) / 1e4, weights };
  model.threshold = bestThreshold(model, data);
  return model;
}

/** The threshold that maximises accuracy on the training data (ties → closest to 0.5). */
function bestThreshold(model: RequestDetectorModel, data: Array<{ y: number; features: string[] }>): number {
  const scored = data.map((d) => ({ y: d.y, p: score(model, d.features) }));
  let best = { t: 0.5, correct: -1 };
  for (let t = 0.3; t <= 0.7001; t += 0.02) {
    const tt = Math.round(t * 100) / 100;
    const correct = scored.filter((s) => (s.p >= tt ? 1 : 0) === s.y).length;
    if (correct > best.correct || (correct === best.correct && Math.abs(tt - 0.5) < Math.abs(best.t - 0.5))) best = { t: tt, correct };
  }
  return best.t;
}
