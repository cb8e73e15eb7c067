// The AI policy rules the runtime applies around a model call, tested alone:
// which proposed actions survive (tool policy, expiry, stage moves), when a
// budget is worth reading, embeddings under redaction, and the lead
// assessment's adjustment.
import { describe, expect, it } from "vitest";
import {
  allowedRecommendationTools,
  budgetApplies,
  chooseProvider,
  filterRecommendations,
  leadAssessmentAdjustment,
  recommendationRejection,
  type ProposedAction,
  type RecommendationCheck,
} from "../../../src/domain/tenant/ai-policy.js";
import { aiSettingsSchema } from "../../../src/domain/tenant/tenant.js";

const settings = (patch: Record<string, unknown> = {}) => aiSettingsSchema.parse(patch);
const NOW = "2026-03-04T10:00:00.000Z";
const LATER = "2026-03-05T10:00:00.000Z";

const action = (patch: Partial<ProposedAction> = {}): ProposedAction => ({ tool: "logSalesActivity", title: "Log it", expiresAt: LATER, arguments: {}, ...patch });
const deal = { stage: "qualified", stages: ["lead", "qualified", "proposal"] };
const check = (patch: Partial<RecommendationCheck> = {}): RecommendationCheck => ({
  policy: allowedRecommendationTools({ role: "OWNER", settings: settings(), deal: { status: "OPEN" } }),
  now: NOW,
  deal,
  ...patch,
});

describe("recommendationRejection", () => {
  it("keeps an allowed, unexpired action", () => {
    expect(recommendationRejection(action(), check())).toBeNull();
    expect(recommendationRejection(action({ tool: "updateDealStage", arguments: { toStage: "proposal" } }), check())).toBeNull();
  });

  it("a tool the policy excluded is refused with the policy's reason", () => {
    const operator = check({ policy: allowedRecommendationTools({ role: "OPERATOR", settings: settings(), deal: { status: "OPEN" } }) });
    expect(recommendationRejection(action({ tool: "updateDealStage", arguments: { toStage: "proposal" } }), operator)).toBe("role OPERATOR lacks deal:write");
  });

  it("a tool the policy does not mention at all is 'not allowed'", () => {
    expect(recommendationRejection(action(), check({ policy: { allowed: [], excluded: [] } }))).toBe("tool not allowed");
  });

  it.each([
    ["at the facts' now", NOW],
    ["before it", "2026-03-01T00:00:00.000Z"],
    ["unreadable", "next week"],
  ])("an expiry %s is 'already expired'", (_name, expiresAt) => {
    expect(recommendationRejection(action({ expiresAt }), check())).toBe("already expired");
  });

  it("the policy is checked before the expiry", () => {
    expect(recommendationRejection(action({ expiresAt: "never" }), check({ policy: { allowed: [], excluded: [] } }))).toBe("tool not allowed");
  });

  it.each([
    ["the current stage", { toStage: "qualified" }, deal],
    ["a stage not in the pipeline", { toStage: "closed-won" }, deal],
    ["no target", {}, deal],
    ["no deal", { toStage: "proposal" }, null],
  ])("a stage move to %s is refused", (_name, args, d) => {
    expect(recommendationRejection(action({ tool: "updateDealStage", arguments: args }), check({ deal: d }))).toBe("target stage is not a later stage of this pipeline");
  });

  it("stage targets matter only for updateDealStage", () => {
    expect(recommendationRejection(action({ arguments: { toStage: "nowhere" } }), check({ deal: null }))).toBeNull();
  });
});

describe("filterRecommendations", () => {
  it("keeps the order of what passes, cuts to maxActions after filtering, and lists every refusal", () => {
    const actions = [
      action({ title: "a" }),
      action({ title: "old", expiresAt: NOW }),
      action({ title: "b", tool: "scheduleFollowUp" }),
      action({ title: "c", tool: "sendOutreachEmail" }),
      action({ title: "same stage", tool: "updateDealStage", arguments: { toStage: "qualified" } }),
    ];
    const result = filterRecommendations(actions, { ...check(), maxActions: 2 });
    expect(result.actions.map((a) => a.title)).toEqual(["a", "b"]);
    expect(result.rejected).toEqual([
      { tool: "logSalesActivity", title: "old", reason: "already expired" },
      { tool: "updateDealStage", title: "same stage", reason: "target stage is not a later stage of this pipeline" },
    ]);
  });

  it("returns the caller's own objects (extra fields kept)", () => {
    const rich = { ...action(), rationale: "why", confidence: 0.5 };
    expect(filterRecommendations([rich], { ...check(), maxActions: 3 }).actions[0]).toBe(rich);
  });
});

describe("budgetApplies", () => {
  it.each([
    [{}, false],
    [{ monthlyTokenBudget: 1000 }, true],
    [{ monthlyCostBudgetUsd: 5 }, true],
    [{ monthlyTokenBudget: 0 }, true],
    [{ provider: "local", monthlyTokenBudget: 1000 }, false],
    [{ provider: "openai", monthlyCostBudgetUsd: 1 }, true],
  ])("%j → %s", (patch, expected) => {
    expect(budgetApplies(settings(patch))).toBe(expected);
  });
});

describe("chooseProvider for calls that cannot be redacted", () => {
  const none = { tokens: 0, costUsd: 0 };
  const small = { tokens: 1000, costUsd: 0.01 };
  it("stay local where compliance requires redaction", () => {
    for (const patch of [{ externalProviders: "redacted" }, { complianceMode: "hipaa" }]) {
      expect(chooseProvider({ settings: settings(patch), externalConfigured: true, usage: none, estimate: small, redactable: false })).toEqual({
        provider: "local",
        redact: false,
        fallbackReason: "COMPLIANCE_FORBIDS_EXTERNAL",
      });
    }
  });
  it("go out when nothing needs redacting", () => {
    expect(chooseProvider({ settings: settings(), externalConfigured: true, usage: none, estimate: small, redactable: false })).toEqual({ provider: "external", redact: false, fallbackReason: null });
  });
  it("a crossed budget is the reason even under redaction", () => {
    expect(
      chooseProvider({ settings: settings({ externalProviders: "redacted", monthlyTokenBudget: 500 }), externalConfigured: true, usage: none, estimate: small, redactable: false }).fallbackReason,
    ).toBe("TOKEN_BUDGET_EXCEEDED");
  });
});

describe("leadAssessmentAdjustment", () => {
  it("bounds the model's adjustment and keeps its reason", () => {
    expect(leadAssessmentAdjustment({ adjustment: 9, reason: "strong fit" }, { settings: settings({ maxScoreAdjustment: 5 }) })).toEqual({ adjustment: 5, reason: "strong fit" });
    expect(leadAssessmentAdjustment({ adjustment: -3, reason: "weak" }, { disqualified: false, settings: settings() })).toEqual({ adjustment: -3, reason: "weak" });
  });
  it("disqualification wins over any adjustment, and says so", () => {
    expect(leadAssessmentAdjustment({ adjustment: 7, reason: "strong fit" }, { disqualified: true, settings: settings() })).toEqual({
      adjustment: 0,
      reason: "Lead is disqualified by rule; the AI adjustment (7) is not applied.",
    });
  });
});
