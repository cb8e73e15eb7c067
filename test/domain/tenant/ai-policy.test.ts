import { describe, expect, it } from "vitest";
import {
  allowedRecommendationTools,
  boundScoreAdjustment,
  budgetPeriodStart,
  chooseProvider,
  externalProviderPolicy,
  RECOMMENDATION_TOOLS,
} from "../../../src/domain/tenant/ai-policy.js";
import { HUMAN_ROLES } from "../../../src/domain/access/permission.js";
import { aiSettingsSchema, readTenantSettings, tenantSettingsSchema } from "../../../src/domain/tenant/tenant.js";

const settings = (patch: Record<string, unknown> = {}) => aiSettingsSchema.parse(patch);
const none = { tokens: 0, costUsd: 0 };
const small = { tokens: 1000, costUsd: 0.01 };

describe("tenant ai settings", () => {
  it("defaults: auto provider, no budget, standard compliance, all tools, ±10", () => {
    expect(readTenantSettings({}).ai).toEqual({
      provider: "auto",
      monthlyTokenBudget: null,
      monthlyCostBudgetUsd: null,
      complianceMode: "standard",
      externalProviders: "allowed",
      disabledTools: [],
      maxScoreAdjustment: 10,
    });
  });

  it.each([
    [{ provider: "gpt" }],
    [{ monthlyTokenBudget: -1 }],
    [{ complianceMode: "HIPAA" }],
    [{ disabledTools: ["sendEmailNow"] }],
    [{ maxScoreAdjustment: 25 }],
    [{ unknownKey: true }],
  ])("refuses %j", (ai) => {
    expect(tenantSettingsSchema.safeParse({ ai }).success).toBe(false);
  });
});

describe("chooseProvider", () => {
  it.each([
    ["local preference", { provider: "local" }, true, none, "local", false, null],
    ["no external configured (auto)", {}, false, none, "local", false, null],
    ["openai asked but not configured", { provider: "openai" }, false, none, "local", false, "NOT_CONFIGURED"],
    ["external allowed", {}, true, none, "external", false, null],
    ["redacted", { externalProviders: "redacted" }, true, none, "external", true, null],
    ["HIPAA forces redaction", { complianceMode: "hipaa" }, true, none, "external", true, null],
    ["forbidden", { externalProviders: "forbidden" }, true, none, "local", false, "COMPLIANCE_FORBIDS_EXTERNAL"],
    ["HIPAA + forbidden", { complianceMode: "hipaa", externalProviders: "forbidden" }, true, none, "local", false, "COMPLIANCE_FORBIDS_EXTERNAL"],
    ["under token budget", { monthlyTokenBudget: 5000 }, true, { tokens: 3000, costUsd: 0 }, "external", false, null],
    ["call would cross token budget", { monthlyTokenBudget: 5000 }, true, { tokens: 4500, costUsd: 0 }, "local", false, "TOKEN_BUDGET_EXCEEDED"],
    ["token budget zero", { monthlyTokenBudget: 0 }, true, none, "local", false, "TOKEN_BUDGET_EXCEEDED"],
    ["cost budget crossed", { monthlyCostBudgetUsd: 1 }, true, { tokens: 0, costUsd: 0.995 }, "local", false, "COST_BUDGET_EXCEEDED"],
    ["cost budget fine", { monthlyCostBudgetUsd: 1 }, true, { tokens: 0, costUsd: 0.5 }, "external", false, null],
  ] as const)("%s", (_name, patch, configured, usage, provider, redact, reason) => {
    expect(chooseProvider({ settings: settings(patch), externalConfigured: configured, usage, estimate: small })).toEqual({ provider, redact, fallbackReason: reason });
  });

  it("external policy: HIPAA never sends unredacted", () => {
    expect(externalProviderPolicy(settings({ complianceMode: "hipaa", externalProviders: "allowed" }))).toBe("redacted");
    expect(externalProviderPolicy(settings({ complianceMode: "standard", externalProviders: "allowed" }))).toBe("allowed");
  });
});

describe("allowedRecommendationTools", () => {
  const open = { status: "OPEN" as const };
  it.each([
    ["OWNER", [...RECOMMENDATION_TOOLS]],
    ["ADMIN", [...RECOMMENDATION_TOOLS]],
    ["MANAGER", [...RECOMMENDATION_TOOLS]],
    ["OPERATOR", ["sendOutreachEmail", "scheduleFollowUp", "logSalesActivity"]],
    ["ANALYST", []],
  ] as const)("role %s may be offered %j", (role, tools) => {
    expect(allowedRecommendationTools({ role, settings: settings(), deal: open }).allowed).toEqual(tools);
  });

  it("the SERVICE role gets nothing it could not do itself", () => {
    const policy = allowedRecommendationTools({ role: "SERVICE", settings: settings(), deal: open });
    expect(policy.allowed).not.toContain("updateDealStage");
    expect(policy.excluded.find((e) => e.tool === "updateDealStage")!.reason).toMatch(/deal:write/);
  });

  it.each([
    ["do-not-contact", { doNotContact: true }, /do-not-contact/],
    ["suppressed", { suppressed: true }, /suppressed/],
    ["unsubscribed", { unsubscribed: true }, /suppressed/],
  ])("never proposes e-mail to a %s contact", (_n, contact, reason) => {
    const policy = allowedRecommendationTools({ role: "OWNER", settings: settings(), contact, deal: open });
    expect(policy.allowed).not.toContain("sendOutreachEmail");
    expect(policy.excluded.find((e) => e.tool === "sendOutreachEmail")!.reason).toMatch(reason);
  });

  it("HIPAA mode e-mails only contacts who consented", () => {
    const hipaa = settings({ complianceMode: "hipaa" });
    expect(allowedRecommendationTools({ role: "OWNER", settings: hipaa, contact: { consentToEmail: null } }).allowed).not.toContain("sendOutreachEmail");
    expect(allowedRecommendationTools({ role: "OWNER", settings: hipaa, contact: { consentToEmail: true } }).allowed).toContain("sendOutreachEmail");
  });

  it("tenant configuration can disable a tool; deals must exist and be open to move", () => {
    expect(allowedRecommendationTools({ role: "OWNER", settings: settings({ disabledTools: ["logSalesActivity"] }), deal: open }).allowed).not.toContain("logSalesActivity");
    expect(allowedRecommendationTools({ role: "OWNER", settings: settings(), deal: null }).allowed).not.toContain("updateDealStage");
    const closed = allowedRecommendationTools({ role: "OWNER", settings: settings(), deal: { status: "WON" } }).allowed;
    expect(closed).toEqual(["sendOutreachEmail", "logSalesActivity"]);
  });

  it("every human role is covered", () => {
    for (const role of HUMAN_ROLES) expect(allowedRecommendationTools({ role, settings: settings() }).allowed.length + allowedRecommendationTools({ role, settings: settings() }).excluded.length).toBe(4);
  });
});

describe("boundScoreAdjustment and the budget period", () => {
  it.each([
    [25, 10, 10],
    [-25, 10, -10],
    [4.6, 10, 5],
    [8, 5, 5],
    [-8, 0, 0],
    [Number.NaN, 10, 0],
  ])("%s with bound %s → %s", (value, bound, expected) => {
    expect(boundScoreAdjustment(value, settings({ maxScoreAdjustment: bound }))).toBe(expected);
  });

  it("the period is the UTC calendar month", () => {
    expect(budgetPeriodStart(new Date("2026-03-31T23:59:59Z")).toISOString()).toBe("2026-03-01T00:00:00.000Z");
  });
});
