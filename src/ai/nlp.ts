// Local text processing on wink-nlp and its bundled English model (installed
// from npm, nothing downloaded at run time): sentence boundaries, tokens,
// lemmas, parts of speech, negation scope and sentence sentiment. Loaded once,
// lazily (≈100 ms); every function here is deterministic.
import type { ItemSentence, WinkMethods } from "wink-nlp";
import { lazyRequire } from "../config/lazy-require.js";

const wink = lazyRequire<typeof import("wink-nlp").default>("wink-nlp");
const winkModel = lazyRequire<typeof import("wink-eng-lite-web-model").default>("wink-eng-lite-web-model");

let instance: WinkMethods | null = null;

function nlp(): WinkMethods {
  instance ??= wink()(winkModel());
  return instance;
}

export interface Token {
  value: string;
  lower: string;
  lemma: string;
  pos: string;
  negated: boolean;
  /** wink's token type: word, number, email, url, emoji, time, currency, punctuation, … */
  type: string;
}

export interface Sentence {
  text: string;
  tokens: Token[];
  /** −1 (negative) to 1 (positive), from the model's sentiment lexicon with negation handled. */
  sentiment: number;
}

export interface Entity {
  value: string;
  /** DATE, TIME, DURATION, EMAIL, URL, MONEY, CARDINAL, EMOJI, … (wink's entity recogniser) */
  type: string;
}

export interface AnalysedText {
  sentences: Sentence[];
  sentiment: number;
  entities: Entity[];
}

const cache = new Map<string, AnalysedText>();
const CACHE_LIMIT = 2000;

/** Sentences with tokens, lemmas, POS and sentiment. */
export function analyse(text: string): AnalysedText {
  const cached = cache.get(text);
  if (cached) return cached;
  const engine = nlp();
  const its = engine.its;
  const doc = engine.readDoc(text);
  const sentences: Sentence[] = [];
  doc.sentences().each((s: ItemSentence) => {
    const values = s.tokens().out() as string[];
    const lemmas = s.tokens().out(its.lemma as never) as string[];
    const pos = s.tokens().out(its.pos) as string[];
    const negations = s.tokens().out(its.negationFlag) as unknown as boolean[];
    const types = s.tokens().out(its.type) as string[];
    const tokens: Token[] = [];
    for (let i = 0; i < values.length; i++) {
      if (types[i] === "tabCRLF") continue;
      tokens.push({ value: values[i]!, lower: values[i]!.toLowerCase(), lemma: (lemmas[i] ?? values[i]!).toLowerCase(), pos: pos[i] ?? "X", negated: !!negations[i], type: types[i] ?? "word" });
    }
    sentences.push({ text: (s.out() as string).trim(), tokens, sentiment: Number(s.out(its.sentiment)) || 0 });
  });
  const entities = (doc.entities().out(its.detail) as unknown as Entity[]).map((e) => ({ value: e.value, type: e.type }));
  const result = { sentences: sentences.filter((s) => s.tokens.length > 0), sentiment: Number(doc.out(its.sentiment)) || 0, entities };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, result);
  return result;
}

/** Splits text into sentences, also at line breaks (e-mails often have no final punctuation). */
export function splitSentences(text: string): Sentence[] {
  return text
    .split(/\n\s*\n|\n(?=\s*[-*•]\s)|\n/)
    .map((block) => block.trim())
    .filter(Boolean)
    .flatMap((block) => analyse(block).sentences);
}
