// Request detection: does a sentence ask something of the reader? A logistic
// regression over word n-grams and a few structural cues (question mark,
// sentence-initial verb, "can you", "please"), trained on the Parakweet Email
// Intent training set by scripts/train-request-detector.ts. The weights are
// committed (models/request-detector.json); the script reproduces them
// exactly, and a test checks that it does.
import { readFileSync } from "node:fs";
import { analyse, splitSentences, type Sentence } from "./nlp.js";
import { projectPath } from "../config/project-path.js";

export interface RequestDetectorModel {
  version: number;
  trainedOn: string;
  threshold: number;
  bias: number;
  weights: Record<string, number>;
}

const MODAL_QUESTION = /^(can|could|would|will|should|shall|do|did|does|is|are|was|were|have|has|may|might|what|when|where|who|whom|which|why|how)$/;

/** The features of one sentence. Shared by training and inference, so both see the same thing. */
export function requestFeatures(sentence: Sentence | string): string[] {
  const s = typeof sentence === "string" ? (analyse(sentence).sentences[0] ?? { text: sentence, tokens: [], sentiment: 0 }) : sentence;
  const words = s.tokens
    .filter((t) => t.pos !== "PUNCT" && t.pos !== "SYM" && t.pos !== "SPACE")
    .map((t) => (/^\d+([.:,]\d+)*$/.test(t.lower) ? "<num>" : t.lower.includes("$link") || /^https?:/.test(t.lower) ? "<link>" : t.lemma));
  const features = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    features.add(`w:${words[i]}`);
    if (i + 1 < words.length) features.add(`b:${words[i]}_${words[i + 1]}`);
  }
  const content = s.tokens.filter((t) => t.pos !== "PUNCT" && t.pos !== "SYM" && t.pos !== "INTJ" && !/^(hi|hello|hey|dear|thanks|ok|so|also|and|fyi)$/.test(t.lower));
  const first = content[0];
  if (first) {
    features.add(`first:${first.lemma}`);
    features.add(`firstpos:${first.pos}`);
    if (content[1]) features.add(`first2:${first.lemma}_${content[1].lemma}`);
    if ((first.pos === "VERB" || first.pos === "AUX") && first.lower === first.lemma && !MODAL_QUESTION.test(first.lower)) features.add("imperative");
    if (MODAL_QUESTION.test(first.lower)) features.add("starts_question_word");
  }
  const text = s.text.trim();
  if (/\?\s*["')\]]*$/.test(text)) features.add("ends_question");
  else if (text.includes("?")) features.add("has_question");
  if (/!\s*$/.test(text)) features.add("ends_exclamation");
  if (/\bplease\b|\bpls\b|\bkindly\b/i.test(text)) features.add("please");
  if (/\b(can|could|would|will) you\b/i.test(text)) features.add("modal_you");
  if (/\b(let me know|get back to me|give me a call|call me|send me|email me|advise)\b/i.test(text)) features.add("ask_phrase");
  if (/\$link|https?:\/\/|\$\d/i.test(text)) features.add("link_or_money");
  const n = words.length;
  features.add(n <= 4 ? "len:short" : n <= 12 ? "len:medium" : n <= 25 ? "len:long" : "len:verylong");
  return [...features].sort();
}

let loaded: RequestDetectorModel | null = null;

export function requestDetectorModel(): RequestDetectorModel {
  loaded ??= JSON.parse(
    readFileSync(projectPath("src", "ai", "models", "request-detector.json"), "utf8"),
  ) as RequestDetectorModel;
  return loaded;
}

export function score(model: RequestDetectorModel, features: string[]): number {
  let z = model.bias;
  for (const f of features) z += model.weights[f] ?? 0;
  return 1 / (1 + Math.exp(-z));
}

/** Probability (0–1) that one sentence carries a request. */
export function requestProbability(sentence: Sentence | string, model = requestDetectorModel()): number {
  return score(model, requestFeatures(sentence));
}

export interface DetectedRequests {
  isRequest: boolean;
  confidence: number;
  requests: string[];
}

/** Requests in a text of any length: each sentence is scored, the text is a request when any sentence is. */
export function detectRequests(text: string, model = requestDetectorModel()): DetectedRequests {
  const sentences = splitSentences(text);
  let best = 0;
  const requests: string[] = [];
  for (const sentence of sentences) {
    const p = requestProbability(sentence, model);
    best = Math.max(best, p);
    if (p >= model.threshold) requests.push(sentence.text);
  }
  const isRequest = requests.length > 0;
  return { isRequest, confidence: Math.round((isRequest ? best : 1 - best) * 1000) / 1000, requests: requests.slice(0, 20) };
}
