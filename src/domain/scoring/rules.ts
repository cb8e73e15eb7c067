// Deterministic, explainable scoring rules: ICP fit (industry, size, country,
// seniority, source, e-mail domain, custom attributes) and engagement
// (activities, with exponential decay by age). Every rule that fires adds
// points with a human-readable reason; the score is their sum, within 0–100.
import type { LeadFacts } from "./facts.js";
import { activityPoints, ACTIVITY_TYPES, type ScoringSettings } from "./settings.js";

export interface Factor {
  /** Stable id of what contributed, e.g. "icp.seniority" or "model:attr.job=student". */
  feature: string;
  /** Points it moved the score (negative lowers it). */
  contribution: number;
  reason: string;
  source: "RULES" | "MODEL" | "AI" | "DISQUALIFICATION";
}

export interface RulesResult {
  score: number;
  factors: Factor[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function sameText(a: string | null | undefined, b: string): boolean {
  return !!a && a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function applyRules(facts: LeadFacts, settings: ScoringSettings): RulesResult {
  const { icp } = settings;
  const factors: Factor[] = [];
  const add = (feature: string, contribution: number, reason: string) => {
    if (contribution !== 0) factors.push({ feature, contribution: round1(contribution), reason, source: "RULES" });
  };

  const industry = facts.company?.industry ?? null;
  const industryRule = icp.industries.find((r) => sameText(industry, r.value));
  if (industryRule) add("icp.industry", industryRule.points, `Industry is ${industryRule.value}`);

  const employees = facts.company?.employeeCount ?? null;
  if (employees !== null) {
    const range = icp.employeeRanges.find((r) => (r.min === undefined || employees >= r.min) && (r.max === undefined || employees <= r.max));
    if (range) add("icp.employees", range.points, `${employees} employees (${describeRange(range)})`);
  }

  const country = facts.company?.country ?? stringAttribute(facts, "country");
  const countryRule = icp.countries.find((r) => sameText(country, r.value));
  if (countryRule) add("icp.country", countryRule.points, `Based in ${countryRule.value.toUpperCase()}`);

  const seniorityRule = icp.seniorities.find((r) => r.value === facts.seniority);
  if (seniorityRule) add("icp.seniority", seniorityRule.points, `Seniority ${facts.seniority.replace("_", "-").toLowerCase()}${facts.title ? ` (${facts.title})` : ""}`);

  const sourceRule = icp.sources.find((r) => sameText(facts.source, r.value));
  if (sourceRule) add("icp.source", sourceRule.points, `Came from ${sourceRule.value}`);

  if (facts.email?.kind === "COMPANY") add("icp.email_domain", icp.emailDomain.company, `Company e-mail address (${facts.email.domain})`);
  else if (facts.email?.kind === "FREE") add("icp.email_domain", icp.emailDomain.free, `Free-mail address (${facts.email.domain})`);

  for (const rule of icp.attributes) {
    const value = facts.attributes[rule.key];
    if (value !== undefined && value !== null && sameText(String(value), rule.value)) {
      add(`icp.attribute.${rule.key}`, rule.points, `${rule.key} is ${rule.value}`);
    }
  }

  const engagement = engagementPoints(facts, settings);
  for (const e of engagement) add(`engagement.${e.type.toLowerCase()}`, e.points, e.reason);

  const total = factors.reduce((sum, f) => sum + f.contribution, 0);
  return { score: Math.max(0, Math.min(100, Math.round(total))), factors };
}

function describeRange(r: { min?: number | undefined; max?: number | undefined }): string {
  if (r.min !== undefined && r.max !== undefined) return `${r.min}–${r.max}`;
  if (r.min !== undefined) return `${r.min}+`;
  return `up to ${r.max}`;
}

function stringAttribute(facts: LeadFacts, key: string): string | null {
  const v = facts.attributes[key];
  return typeof v === "string" ? v : null;
}

/**
 * Engagement per activity type: each activity's points × 0.5^(age / half-life),
 * summed, then all types together capped at maxPoints (scaled down evenly).
 */
export function engagementPoints(facts: LeadFacts, settings: ScoringSettings): { type: string; points: number; reason: string }[] {
  const { halfLifeDays, lookbackDays, maxPoints } = settings.engagement;
  const byType = new Map<string, { points: number; count: number; newest: number }>();
  for (const activity of facts.activities) {
    if (activity.ageDays > lookbackDays) continue;
    const base = activityPoints(settings, activity.type);
    if (base === 0) continue;
    const decayed = base * Math.pow(0.5, activity.ageDays / halfLifeDays);
    const entry = byType.get(activity.type) ?? { points: 0, count: 0, newest: Infinity };
    entry.points += decayed;
    entry.count += 1;
    entry.newest = Math.min(entry.newest, activity.ageDays);
    byType.set(activity.type, entry);
  }
  const total = [...byType.values()].reduce((s, e) => s + e.points, 0);
  const scale = total > maxPoints && total > 0 ? maxPoints / total : 1;
  return ACTIVITY_TYPES.filter((t) => byType.has(t)).map((type) => {
    const e = byType.get(type)!;
    const label = type.replace("_", " ").toLowerCase();
    return {
      type,
      points: e.points * scale,
      reason: `${e.count} ${label}${e.count === 1 ? "" : "s"}, latest ${e.newest === 0 ? "today" : `${e.newest} day${e.newest === 1 ? "" : "s"} ago`}`,
    };
  });
}
