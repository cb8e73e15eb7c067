// A/B variants of a sequence e-mail step, the pure part: which variant an
// enrolment gets (deterministic: a hash of the enrolment and the step, mapped
// onto the weights, so a retried job or a re-read gives the same answer and
// the split is even in expectation), and when one variant is declared the
// winner.
//
// The winner rule (stated, so nobody reads noise as a result): compare the
// POSITIVE-reply rates (positive replies / sends) of the two variants with a
// two-sided two-proportion z-test (pooled) at 95% (|z| ≥ 1.96). No winner
// while either variant has fewer than AB_MIN_SENDS sends, nor when the test
// is not significant. Reply rates are reported beside it but do not decide.
import { createHash } from "node:crypto";
import { z } from "zod";

export const VARIANT_KEYS = ["A", "B"] as const;
export type VariantKey = (typeof VARIANT_KEYS)[number];

/** Sends each variant needs before a winner may be declared. */
export const AB_MIN_SENDS = 100;
/** Two-sided 95%. */
export const AB_Z_CRITICAL = 1.96;
/** Intents that count as a positive reply. */
export const POSITIVE_INTENTS = ["INTERESTED", "MEETING_REQUEST", "QUESTION", "REFERRAL"] as const;

export const stepVariantSchema = z.object({
  brief: z.string().trim().min(1, "must not be empty").max(4000),
  subject: z.string().trim().max(300).nullish(),
  /** Relative share of enrolments (default 1: an even split). */
  weight: z.number().int().min(1).max(100).default(1),
});
export type StepVariantInput = z.infer<typeof stepVariantSchema>;

export interface StepVariant {
  key: VariantKey;
  brief: string;
  subject: string | null;
  weight: number;
}

/** A uniform number in [0, 1) from the enrolment and the step position. */
export function variantDraw(enrollmentId: string, position: number): number {
  const digest = createHash("sha256").update(`${enrollmentId}|${position}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** The variant this enrolment gets at this step (by weight). */
export function assignVariant<V extends { weight: number }>(variants: readonly V[], enrollmentId: string, position: number): V {
  if (variants.length === 0) throw new Error("no variants");
  const total = variants.reduce((s, v) => s + Math.max(0, v.weight), 0);
  let at = variantDraw(enrollmentId, position) * total;
  for (const v of variants) {
    at -= Math.max(0, v.weight);
    if (at < 0) return v;
  }
  return variants[variants.length - 1]!;
}

export interface VariantStats {
  key: string;
  sent: number;
  replied: number;
  positive: number;
}

export interface VariantVerdict {
  winner: string | null;
  /** The z statistic of A against B (positive: A ahead), null when it cannot be computed. */
  z: number | null;
  reason: string;
}

function rate(x: number, n: number): number {
  return n > 0 ? x / n : 0;
}

/** The winner by the stated rule, or null with why not. */
export function abWinner(stats: readonly VariantStats[], minSends: number = AB_MIN_SENDS): VariantVerdict {
  if (stats.length !== 2) return { winner: null, z: null, reason: "A winner is declared between exactly two variants." };
  const [a, b] = stats as [VariantStats, VariantStats];
  const short = stats.filter((s) => s.sent < minSends);
  if (short.length) {
    return { winner: null, z: null, reason: `Too few sends: each variant needs ${minSends} (${stats.map((s) => `${s.key} ${s.sent}`).join(", ")}).` };
  }
  const pooled = (a.positive + b.positive) / (a.sent + b.sent);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.sent + 1 / b.sent));
  if (se === 0) return { winner: null, z: null, reason: "No difference: both variants have the same positive-reply rate (all or none)." };
  const zValue = (rate(a.positive, a.sent) - rate(b.positive, b.sent)) / se;
  const rounded = Math.round(zValue * 100) / 100;
  if (Math.abs(zValue) < AB_Z_CRITICAL) {
    return { winner: null, z: rounded, reason: `Not significant at 95% (|z| = ${Math.abs(rounded)} < ${AB_Z_CRITICAL}).` };
  }
  const winner = zValue > 0 ? a.key : b.key;
  return { winner, z: rounded, reason: `${winner} has the higher positive-reply rate, significant at 95% (|z| = ${Math.abs(rounded)}).` };
}
