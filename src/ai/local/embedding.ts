// Local embeddings: feature hashing of lemmas and lemma bigrams (wink-nlp)
// into a fixed number of dimensions, L2-normalised. Deterministic, offline,
// and good enough for "which of these texts is closest" (same words, same
// lemmas → high cosine), though not semantic in the way a trained model is.
import { createHash } from "node:crypto";
import { analyse } from "../nlp.js";

export const LOCAL_EMBEDDING_DIMENSIONS = 256;

function bucket(feature: string): { index: number; sign: number } {
  const h = createHash("md5").update(feature).digest();
  return { index: h.readUInt32BE(0) % LOCAL_EMBEDDING_DIMENSIONS, sign: h[4]! & 1 ? 1 : -1 };
}

export function localEmbedding(text: string): number[] {
  const vector = new Array<number>(LOCAL_EMBEDDING_DIMENSIONS).fill(0);
  for (const sentence of analyse(text).sentences) {
    const lemmas = sentence.tokens.filter((t) => t.pos !== "PUNCT" && t.pos !== "SYM" && t.pos !== "SPACE").map((t) => t.lemma);
    lemmas.forEach((lemma, i) => {
      const u = bucket(`u:${lemma}`);
      vector[u.index]! += u.sign;
      if (i + 1 < lemmas.length) {
        const b = bucket(`b:${lemma}_${lemmas[i + 1]}`);
        vector[b.index]! += 0.5 * b.sign;
      }
    });
  }
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0)) || 1;
  return vector.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}
