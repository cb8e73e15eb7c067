// Long memory, the pure part: what an item's excerpt is, the sign sketches
// the fallback prefilters with, and the one score that ranks results.
//
// score = 0.60 · similarity + 0.25 · textRank + 0.15 · recency
//   similarity: cosine of query and item embeddings, clipped to [0, 1]
//               (vectors are L2-normalised, so it is their dot product);
//   textRank:   PostgreSQL ts_rank_cd of the query's words in the excerpt
//               ('english' configuration: stop words dropped, stems matched), squashed
//               to [0, 1) by r / (1 + r);
//   recency:    0.5 ^ (age in days / 90): a 90-day half-life.
// Similarity carries most of the weight; full text lifts an item that names
// exactly what was asked (a person, a company, a product) even when the
// embedding is not sure; recency breaks near-ties towards what is current.

export const MEMORY_WEIGHTS = { similarity: 0.6, textRank: 0.25, recency: 0.15 } as const;
export const RECENCY_HALF_LIFE_DAYS = 90;
/** Longest excerpt embedded and stored per item. */
export const MEMORY_EXCERPT_CHARS = 4_000;
/** A component counts in a sketch when its magnitude is above this share of a uniform unit vector's (1/√dim). */
export const SKETCH_THRESHOLD_FACTOR = 0.5;

export interface ScoreParts {
  similarity: number;
  textRank: number;
  recency: number;
}

export function recencyOf(occurredAt: Date, now: Date): number {
  const days = Math.max(0, (now.getTime() - occurredAt.getTime()) / 86_400_000);
  return Math.pow(0.5, days / RECENCY_HALF_LIFE_DAYS);
}

export function squashRank(rank: number): number {
  return rank > 0 ? rank / (1 + rank) : 0;
}

export function combinedScore(parts: ScoreParts): number {
  return (
    MEMORY_WEIGHTS.similarity * Math.min(1, Math.max(0, parts.similarity)) +
    MEMORY_WEIGHTS.textRank * parts.textRank +
    MEMORY_WEIGHTS.recency * parts.recency
  );
}

export function normalise(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
  return norm > 0 ? vector.map((v) => v / norm) : vector.map(() => 0);
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Ternary sign sketch of a normalised vector as two bit strings (PostgreSQL
 * bit varying literals): positive and negative components above the threshold.
 * popcount(p&p') + popcount(n&n') − popcount(p&n') − popcount(n&p') then
 * approximates the dot product; it works for sparse (hashed) and dense
 * (model) embeddings alike, and PostgreSQL computes it in C (bit_count).
 */
export function sketchOf(vector: readonly number[]): { pos: string; neg: string } {
  const t = SKETCH_THRESHOLD_FACTOR / Math.sqrt(Math.max(1, vector.length));
  let pos = "";
  let neg = "";
  for (const v of vector) {
    pos += v > t ? "1" : "0";
    neg += v < -t ? "1" : "0";
  }
  return { pos, neg };
}

/** The excerpt stored and embedded: whitespace collapsed, quoted replies and signatures already stripped by the caller. */
export function excerptOf(title: string, text: string): string {
  const body = text.replace(/\s+/g, " ").trim();
  const head = title.replace(/\s+/g, " ").trim();
  return (head && !body.startsWith(head) ? `${head}. ${body}` : body).slice(0, MEMORY_EXCERPT_CHARS);
}

/** Text of a thread summary from the thread reader's facts (summary, asks, objections, commitments, next step). */
export function threadFactsText(facts: unknown): string {
  if (!facts || typeof facts !== "object") return "";
  const f = facts as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof f.summary === "string" && f.summary) parts.push(f.summary);
  for (const key of ["asks", "objections", "commitments", "dates"]) {
    const list = f[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const text = entry && typeof entry === "object" ? (entry as { text?: unknown }).text : entry;
      if (typeof text === "string" && text) parts.push(text);
    }
  }
  if (typeof f.nextStep === "string" && f.nextStep) parts.push(`Next step: ${f.nextStep}`);
  return parts.join(". ");
}

export const MEMORY_SOURCE_TYPES = ["INBOUND_MESSAGE", "ACTIVITY", "SENT_DRAFT", "THREAD_SUMMARY"] as const;
export type MemorySourceType = (typeof MEMORY_SOURCE_TYPES)[number];

/** Search methods: exact cosine over every candidate; the sign-sketch prefilter + exact rerank; pgvector HNSW + exact rerank. */
export type MemorySearchMethod = "EXACT" | "SKETCH" | "PGVECTOR";
