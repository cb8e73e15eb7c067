// AI policy, pure: which provider may run a call (tenant preference, budget,
// compliance mode), which tools an agent may propose (role, tenant
// configuration, compliance, the lead's contact status), which proposed
// actions survive those rules and the facts, and the bound on a score
// adjustment. The runtime asks these before calling a model and checks the
// model's output against them afterwards: AI output is a proposal.
import type { Permission, Role } from "../access/permission.js";
import { ROLE_PERMISSIONS } from "../access/permission.js";
import type { AiSettings } from "./tenant.js";

export const RECOMMENDATION_TOOLS = ["sendOutreachEmail", "scheduleFollowUp", "updateDealStage", "logSalesActivity"] as const;
export type RecommendationTool = (typeof RECOMMENDATION_TOOLS)[number];

/** The permission the accepting user needs to carry out each tool (the normal mutation checks it again). */
export const TOOL_PERMISSION: Readonly<Record<RecommendationTool, Permission>> = {
  sendOutreachEmail: "draft:write",
  scheduleFollowUp: "task:write",
  updateDealStage: "deal:write",
  logSalesActivity: "lead:write",
};

export type ExternalProviderPolicy = "allowed" | "redacted" | "forbidden";

/** HIPAA mode never sends personal data out unredacted, whatever the tenant set. */
export function externalProviderPolicy(settings: AiSettings): ExternalProviderPolicy {
  if (settings.complianceMode === "hipaa" && settings.externalProviders === "allowed") return "redacted";
  return settings.externalProviders;
}

export const FALLBACK_REASONS = [
  "NOT_CONFIGURED",
  "COMPLIANCE_FORBIDS_EXTERNAL",
  "TOKEN_BUDGET_EXCEEDED",
  "COST_BUDGET_EXCEEDED",
  "PROVIDER_ERROR",
  "INVALID_OUTPUT",
] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

export interface ProviderDecision {
  provider: "local" | "external";
  /** Redact personal data before the call (only meaningful for external). */
  redact: boolean;
  /** Why an external provider the tenant would otherwise use was not used. */
  fallbackReason: FallbackReason | null;
}

/** The budget period: the calendar month (UTC) that contains `now`. */
export function budgetPeriodStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export interface MonthlyUsage {
  tokens: number;
  costUsd: number;
}

/** Whether this month's external use can refuse a call: only then is it worth reading. */
export function budgetApplies(settings: AiSettings): boolean {
  return settings.provider !== "local" && (settings.monthlyTokenBudget !== null || settings.monthlyCostBudgetUsd !== null);
}

/**
 * Decides the provider for one call. `estimate` is the expected size of this
 * call: a call that would cross the budget is refused before it is made.
 * `redactable: false` (embeddings: redacted text no longer means the same)
 * keeps a call local where compliance would require redaction.
 */
export function chooseProvider(input: {
  settings: AiSettings;
  externalConfigured: boolean;
  usage: MonthlyUsage;
  estimate: MonthlyUsage;
  redactable?: boolean;
}): ProviderDecision {
  const { settings, externalConfigured, usage, estimate, redactable = true } = input;
  if (settings.provider === "local") return { provider: "local", redact: false, fallbackReason: null };
  if (!externalConfigured)
    return { provider: "local", redact: false, fallbackReason: settings.provider === "openai" ? "NOT_CONFIGURED" : null };
  const policy = externalProviderPolicy(settings);
  if (policy === "forbidden") return { provider: "local", redact: false, fallbackReason: "COMPLIANCE_FORBIDS_EXTERNAL" };
  if (settings.monthlyTokenBudget !== null && usage.tokens + estimate.tokens > settings.monthlyTokenBudget)
    return { provider: "local", redact: false, fallbackReason: "TOKEN_BUDGET_EXCEEDED" };
  if (settings.monthlyCostBudgetUsd !== null && usage.costUsd + estimate.costUsd > settings.monthlyCostBudgetUsd)
    return { provider: "local", redact: false, fallbackReason: "COST_BUDGET_EXCEEDED" };
  if (policy === "redacted" && !redactable) return { provider: "local", redact: false, fallbackReason: "COMPLIANCE_FORBIDS_EXTERNAL" };
  return { provider: "external", redact: policy === "redacted", fallbackReason: null };
}

export interface ToolContext {
  /** The role of the person the recommendations are for (they accept them with their own rights). */
  role: Role;
  settings: AiSettings;
  contact?: { doNotContact?: boolean; suppressed?: boolean; unsubscribed?: boolean; consentToEmail?: boolean | null } | null;
  deal?: { status: "OPEN" | "WON" | "LOST" } | null;
}

export interface ToolPolicy {
  allowed: RecommendationTool[];
  excluded: Array<{ tool: RecommendationTool; reason: string }>;
}

/** Which tools may be proposed, and why the others may not. */
export function allowedRecommendationTools(ctx: ToolContext): ToolPolicy {
  const allowed: RecommendationTool[] = [];
  const excluded: ToolPolicy["excluded"] = [];
  for (const tool of RECOMMENDATION_TOOLS) {
    const reason = toolExclusion(tool, ctx);
    if (reason) excluded.push({ tool, reason });
    else allowed.push(tool);
  }
  return { allowed, excluded };
}

function toolExclusion(tool: RecommendationTool, ctx: ToolContext): string | null {
  if (ctx.settings.disabledTools.includes(tool)) return "disabled in the tenant's AI settings";
  if (!ROLE_PERMISSIONS[ctx.role].has(TOOL_PERMISSION[tool])) return `role ${ctx.role} lacks ${TOOL_PERMISSION[tool]}`;
  const contact = ctx.contact ?? null;
  if (tool === "sendOutreachEmail") {
    if (contact?.doNotContact) return "the contact is marked do-not-contact";
    if (contact?.suppressed || contact?.unsubscribed) return "the address is suppressed";
    if (ctx.settings.complianceMode === "hipaa" && contact?.consentToEmail !== true)
      return "HIPAA mode: e-mail only contacts who consented";
  }
  if (tool === "updateDealStage") {
    if (!ctx.deal) return "there is no deal";
    if (ctx.deal.status !== "OPEN") return "the deal is closed";
  }
  if (tool === "scheduleFollowUp" && ctx.deal && ctx.deal.status !== "OPEN") return "the deal is closed";
  return null;
}

/** An action a model proposed, as far as the rules below look at it. */
export interface ProposedAction {
  tool: RecommendationTool;
  title: string;
  /** ISO 8601. */
  expiresAt: string;
  arguments: Record<string, unknown>;
}

export interface RecommendationCheck {
  policy: ToolPolicy;
  /** The facts' "now" (ISO 8601): an action must not have expired by then. */
  now: string;
  /** The deal the actions are about: its stage and the pipeline's open stages in order. */
  deal: { stage: string; stages: string[] } | null;
}

/** Why a proposed action is refused (a tool the policy excludes, already expired, an impossible stage move), or null. */
export function recommendationRejection(action: ProposedAction, check: RecommendationCheck): string | null {
  const { policy, deal } = check;
  if (!policy.allowed.includes(action.tool)) return policy.excluded.find((e) => e.tool === action.tool)?.reason ?? "tool not allowed";
  const expires = Date.parse(action.expiresAt);
  if (Number.isNaN(expires) || expires <= new Date(check.now).getTime()) return "already expired";
  if (action.tool === "updateDealStage" && (!deal || !deal.stages.includes(String(action.arguments.toStage)) || action.arguments.toStage === deal.stage))
    return "target stage is not a later stage of this pipeline";
  return null;
}

/** The proposed actions that pass the rules (in order, at most `maxActions`), and the refused ones with why. */
export function filterRecommendations<A extends ProposedAction>(
  actions: A[],
  check: RecommendationCheck & { maxActions: number },
): { actions: A[]; rejected: Array<{ tool: string; title: string; reason: string }> } {
  const rejected: Array<{ tool: string; title: string; reason: string }> = [];
  const kept = actions.filter((a) => {
    const reason = recommendationRejection(a, check);
    if (reason) rejected.push({ tool: a.tool, title: a.title, reason });
    return !reason;
  });
  return { actions: kept.slice(0, check.maxActions), rejected };
}

/** Clamps a proposed score adjustment to the tenant's bound (never more than ±10). */
export function boundScoreAdjustment(adjustment: number, settings: AiSettings): number {
  const bound = Math.min(10, Math.max(0, settings.maxScoreAdjustment));
  if (!Number.isFinite(adjustment)) return 0;
  const bounded = Math.max(-bound, Math.min(bound, Math.round(adjustment)));
  return bounded === 0 ? 0 : bounded; // no -0 in stored JSON
}

/** The adjustment a lead assessment may apply, and why: disqualification rules win over any adjustment. */
export function leadAssessmentAdjustment(
  proposal: { adjustment: number; reason: string },
  input: { disqualified?: boolean; settings: AiSettings },
): { adjustment: number; reason: string } {
  if (input.disqualified) return { adjustment: 0, reason: `Lead is disqualified by rule; the AI adjustment (${proposal.adjustment}) is not applied.` };
  return { adjustment: boundScoreAdjustment(proposal.adjustment, input.settings), reason: proposal.reason };
}
