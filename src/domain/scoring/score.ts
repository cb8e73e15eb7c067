// The score combiner: hard disqualification first (it always wins), then the
// rules, blended with the tenant's model when one is active, then the
// bounded AI adjustment. Produces the score (0–100), grade (A–D), confidence,
// the version of what produced it, and the top positive and negative factors.
// Pure: the same facts, settings, model and assessment give the same result.
import { hashOf } from "../canonical-json.js";
import { disqualifications, type Disqualification } from "./disqualification.js";
import type { LeadFacts } from "./facts.js";
import { predict, type ModelParameters } from "./model.js";
import { applyRules, type Factor } from "./rules.js";
import { rulesVersion, type ScoringSettings } from "./settings.js";

export const GRADES = ["A", "B", "C", "D"] as const;
export type Grade = (typeof GRADES)[number];

/** What an AI assessment said about a lead: a bounded nudge and why. */
export interface AiAssessment {
  adjustment: number;
  reason: string;
  /** Which model/provider said it, for the record. */
  source?: string;
}

export interface ActiveModel {
  version: number;
  parameters: ModelParameters;
  /** Held-out AUC and training size, for the confidence. */
  auc: number;
  trainCount: number;
}

export interface ScoreResult {
  score: number;
  grade: Grade;
  confidence: number;
  version: string;
  disqualified: boolean;
  /** Up to five factors that raised the score and five that lowered it, largest first. */
  factors: Factor[];
  details: {
    disqualifications: Disqualification[];
    rulesScore: number;
    modelProbability: number | null;
    modelWeight: number;
    /** Why the model was not used, when it was not. */
    fallback: string | null;
    ai: { adjustment: number; requested: number; reason: string; source: string | null } | null;
    aiIgnored: string | null;
  };
  /** Hash of everything that went in; equal inputs and version give an equal hash. */
  inputHash: string;
}

const TOP = 5;

export function gradeFor(score: number, settings: ScoringSettings): Grade {
  const g = settings.grades;
  return score >= g.A ? "A" : score >= g.B ? "B" : score >= g.C ? "C" : "D";
}

/** How much of what the rules look at is known about the lead (0–1). */
export function completeness(facts: LeadFacts): number {
  const known = [
    facts.email !== null,
    facts.source !== null,
    facts.seniority !== "UNKNOWN",
    !!facts.company?.industry,
    facts.company?.employeeCount !== null && facts.company?.employeeCount !== undefined,
    !!facts.company?.country,
  ];
  return known.filter(Boolean).length / known.length;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round1 = (n: number) => Math.round(n * 10) / 10;

export function scoreLead(input: {
  facts: LeadFacts;
  settings: ScoringSettings;
  model: ActiveModel | null;
  /** Why there is no model (no history, too little, model disabled…), shown with the score. */
  noModelReason?: string | null;
  assessment?: AiAssessment | null;
}): ScoreResult {
  const { facts, settings } = input;
  const model = settings.model.enabled ? input.model : null;
  const version = model ? `model:${model.version}+${rulesVersion(settings)}` : rulesVersion(settings);
  const rules = applyRules(facts, settings);
  const dq = disqualifications(facts, settings);
  const inputHash = hashOf({ facts, version, assessment: input.assessment ?? null });
  const fallback = model
    ? null
    : !settings.model.enabled
      ? "The predictive model is turned off in the scoring settings; the score comes from the rules alone."
      : (input.noModelReason ?? "No trained model is active yet; the score comes from the rules alone.");

  if (dq.length > 0) {
    return {
      score: 0,
      grade: "D",
      confidence: 1,
      version,
      disqualified: true,
      factors: dq.map((d) => ({ feature: `disqualified.${d.rule.toLowerCase()}`, contribution: -100, reason: d.reason, source: "DISQUALIFICATION" as const })),
      details: {
        disqualifications: dq,
        rulesScore: rules.score,
        modelProbability: null,
        modelWeight: model ? settings.model.weight : 0,
        fallback,
        ai: null,
        aiIgnored: input.assessment ? "Disqualification rules cannot be overridden; the AI assessment was not applied." : null,
      },
      inputHash,
    };
  }

  let score = rules.score;
  let factors = [...rules.factors];
  let probability: number | null = null;
  const weight = model ? settings.model.weight : 0;
  if (model) {
    const prediction = predict(model.parameters, facts);
    probability = prediction.probability;
    const base = prediction.baselineProbability;
    const baseLogit = Math.log(base / (1 - base));
    score = weight * 100 * probability + (1 - weight) * rules.score;
    factors = rules.factors.map((f) => ({ ...f, contribution: round1(f.contribution * (1 - weight)) }));
    for (const c of prediction.contributions) {
      // Points this feature alone moves an average lead, at the model's weight.
      const points = weight * 100 * (1 / (1 + Math.exp(-(baseLogit + c.logit))) - base);
      if (Math.abs(points) >= 0.05) factors.push({ feature: `model.${c.feature}`, contribution: round1(points), reason: c.label, source: "MODEL" });
    }
  }

  let ai: ScoreResult["details"]["ai"] = null;
  let aiIgnored: string | null = null;
  if (input.assessment) {
    const { adjustment, reason } = input.assessment;
    const bound = settings.ai.maxAdjustment;
    if (!reason?.trim()) aiIgnored = "The AI assessment gave no reason, so it was not applied.";
    else if (!Number.isFinite(adjustment)) aiIgnored = "The AI assessment's adjustment was not a number.";
    else {
      const applied = Math.max(-bound, Math.min(bound, Math.round(adjustment)));
      score += applied;
      ai = { adjustment: applied, requested: adjustment, reason: reason.trim().slice(0, 500), source: input.assessment.source ?? null };
      if (applied !== 0) factors.push({ feature: "ai.assessment", contribution: applied, reason: ai.reason, source: "AI" });
    }
  }

  const final = Math.max(0, Math.min(100, Math.round(score)));
  const done = completeness(facts);
  const quality = model ? Math.max(0, Math.min(1, (model.auc - 0.5) / 0.4)) * Math.min(1, model.trainCount / 500) : 0;
  const confidence = model ? round2(0.2 + 0.8 * (0.5 * done + 0.5 * quality)) : round2(0.2 + 0.5 * done);

  return {
    score: final,
    grade: gradeFor(final, settings),
    confidence,
    version,
    disqualified: false,
    factors: topFactors(factors),
    details: { disqualifications: [], rulesScore: rules.score, modelProbability: probability === null ? null : Math.round(probability * 10_000) / 10_000, modelWeight: weight, fallback, ai, aiIgnored },
    inputHash,
  };
}

/** The largest positive and the largest negative contributions; ties broken by name, so the order is stable. */
export function topFactors(factors: Factor[], n = TOP): Factor[] {
  const byMagnitude = (a: Factor, b: Factor) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1);
  const positive = factors.filter((f) => f.contribution > 0).sort(byMagnitude).slice(0, n);
  const negative = factors.filter((f) => f.contribution < 0).sort(byMagnitude).slice(0, n);
  return [...positive, ...negative];
}
