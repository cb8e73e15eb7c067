// Local next-best-action: the sales rules in recommend-rules.ts each propose at
// most one candidate with its rationale, the facts it used and a confidence;
// this ranker runs them, keeps the allowed tools, ranks and removes repeats.
import type { RecommendationTool } from "../../domain/tenant/ai-policy.js";
import type { NextBestActionOutput, SalesFacts } from "../prompts/next-best-action.js";
import { logLatestInteraction, RECOMMENDATION_RULES, ruleFacts, type Candidate, type RecommendationRule } from "./recommend-rules.js";

/** Every candidate the rules propose for these facts; the fallback rule only when no other applies. */
export function recommendationCandidates(
  facts: SalesFacts,
  rules: ReadonlyArray<RecommendationRule> = RECOMMENDATION_RULES,
  fallback: RecommendationRule = logLatestInteraction,
): Candidate[] {
  const f = ruleFacts(facts);
  const candidates = rules.map((rule) => rule(f)).filter((c): c is Candidate => c !== null);
  if (candidates.length) return candidates;
  const last = fallback(f);
  return last ? [last] : [];
}

/** The allowed candidates, highest score first, one per tool and arguments, at most `maxActions`. */
export function rankCandidates(candidates: Candidate[], allowedTools: RecommendationTool[], maxActions: number): NextBestActionOutput["actions"] {
  const allowed = new Set(allowedTools);
  const seen = new Set<string>();
  return candidates
    .filter((c) => allowed.has(c.tool))
    .sort((a, b) => b.score - a.score || a.tool.localeCompare(b.tool) || a.title.localeCompare(b.title))
    .filter((c) => {
      const key = `${c.tool}|${JSON.stringify(c.arguments)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, maxActions)
    .map(({ score: _score, ...action }) => ({ ...action, confidence: Math.round(action.confidence * 100) / 100 }));
}

export function recommendLocally(input: { facts: SalesFacts; allowedTools: RecommendationTool[]; maxActions: number }): NextBestActionOutput {
  return { actions: rankCandidates(recommendationCandidates(input.facts), input.allowedTools, input.maxActions) };
}
