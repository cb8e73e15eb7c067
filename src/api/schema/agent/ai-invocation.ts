import { externalAiUsageSince } from "../../../data/ai-usage.js";
import type { Prisma } from "../../../data/database.js";
import { budgetPeriodStart } from "../../../domain/tenant/ai-policy.js";
import { readTenantSettings } from "../../../domain/tenant/tenant.js";
import { builder } from "../../builder.js";

const AiInvocationOutcomeEnum = builder.enumType("AiInvocationOutcome", { values: ["SUCCESS", "INVALID_OUTPUT", "ERROR"] as const });

builder.prismaNode("AiInvocation", {
  id: { field: "id" },
  // A foreign or unknown id reads as null (not found), not as an internal error.
  nullable: true,
  description: "One call to an AI provider. The input itself is never stored, only its hash.",
  fields: (t) => ({
    agent: t.exposeString("agent", { description: "Who asked: an agent name or a user label." }),
    operation: t.exposeString("operation", { description: "generate or embed." }),
    provider: t.exposeString("provider", { description: "local or openai." }),
    model: t.exposeString("model"),
    external: t.exposeBoolean("external", { description: "The call left the service (paid, counted against the budget)." }),
    promptId: t.exposeString("promptId", { nullable: true }),
    promptVersion: t.exposeInt("promptVersion", { nullable: true }),
    inputHash: t.exposeString("inputHash"),
    inputTokens: t.exposeInt("inputTokens"),
    outputTokens: t.exposeInt("outputTokens"),
    totalTokens: t.exposeInt("totalTokens"),
    costUsd: t.float({ description: "Estimated from list prices, in USD.", resolve: (row) => Number(row.costUsd) }),
    latencyMs: t.exposeInt("latencyMs"),
    attempts: t.exposeInt("attempts"),
    outcome: t.expose("outcome", { type: AiInvocationOutcomeEnum }),
    errorKind: t.exposeString("errorKind", { nullable: true }),
    errorMessage: t.exposeString("errorMessage", { nullable: true }),
    fallbackReason: t.exposeString("fallbackReason", {
      nullable: true,
      description: "Why the local provider answered instead of the external one (budget, compliance, failure).",
    }),
    redacted: t.exposeBoolean("redacted", { description: "Personal data was redacted before the call." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const AiInvocationFilter = builder.inputType("AiInvocationFilter", {
  fields: (t) => ({
    agent: t.string({ required: false }),
    provider: t.string({ required: false }),
    promptId: t.string({ required: false }),
    outcome: t.field({ type: AiInvocationOutcomeEnum, required: false }),
    external: t.boolean({ required: false }),
    fellBack: t.boolean({ required: false, description: "Only calls that did (true) or did not (false) fall back to the local provider." }),
    from: t.field({ type: "DateTime", required: false }),
    to: t.field({ type: "DateTime", required: false }),
  }),
});

builder.queryField("aiInvocations", (t) =>
  t.prismaConnection(
    {
      type: "AiInvocation",
      cursor: "id",
      description: "The tenant's AI calls, newest first.",
      authScopes: { permission: "ai:read" },
      args: { filter: t.arg({ type: AiInvocationFilter, required: false }) },
      resolve: (query, _root, { filter }, ctx) => {
        const where: Prisma.AiInvocationWhereInput = {};
        if (filter?.agent) where.agent = filter.agent;
        if (filter?.provider) where.provider = filter.provider;
        if (filter?.promptId) where.promptId = filter.promptId;
        if (filter?.outcome) where.outcome = filter.outcome;
        if (typeof filter?.external === "boolean") where.external = filter.external;
        if (typeof filter?.fellBack === "boolean") where.fallbackReason = filter.fellBack ? { not: null } : null;
        if (filter?.from || filter?.to)
          where.createdAt = { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) };
        return ctx.db.aiInvocation.findMany({ ...query, where, orderBy: { id: "desc" } });
      },
    },
    { name: "AiInvocationConnection" },
    { name: "AiInvocationEdge" },
  ),
);

interface AiUsageShape {
  periodStart: Date;
  externalTokens: number;
  externalCostUsd: number;
  invocations: number;
  fallbacks: number;
  monthlyTokenBudget: number | null;
  monthlyCostBudgetUsd: number | null;
}

const AiUsage = builder.objectRef<AiUsageShape>("AiUsage").implement({
  description: "This calendar month's (UTC) AI use against the tenant's budget; the budget counts external calls only.",
  fields: (t) => ({
    periodStart: t.expose("periodStart", { type: "DateTime" }),
    externalTokens: t.exposeInt("externalTokens"),
    externalCostUsd: t.exposeFloat("externalCostUsd"),
    invocations: t.exposeInt("invocations"),
    fallbacks: t.exposeInt("fallbacks", { description: "Calls answered locally instead of externally (budget, compliance, failure)." }),
    monthlyTokenBudget: t.exposeInt("monthlyTokenBudget", { nullable: true }),
    monthlyCostBudgetUsd: t.exposeFloat("monthlyCostBudgetUsd", { nullable: true }),
  }),
});

builder.queryField("aiUsage", (t) =>
  t.field({
    type: AiUsage,
    authScopes: { permission: "ai:read" },
    resolve: async (_root, _args, ctx) => {
      const tenantId = ctx.principal!.tenantId;
      const periodStart = budgetPeriodStart(new Date());
      const [external, all, fallbacks, tenant] = await Promise.all([
        externalAiUsageSince(ctx.db, tenantId, periodStart),
        ctx.db.aiInvocation.count({ where: { createdAt: { gte: periodStart } } }),
        ctx.db.aiInvocation.count({ where: { createdAt: { gte: periodStart }, fallbackReason: { not: null } } }),
        ctx.db.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } }),
      ]);
      const settings = readTenantSettings(tenant?.settings).ai;
      return {
        periodStart,
        externalTokens: external.tokens,
        externalCostUsd: external.costUsd,
        invocations: all,
        fallbacks,
        monthlyTokenBudget: settings.monthlyTokenBudget,
        monthlyCostBudgetUsd: settings.monthlyCostBudgetUsd,
      };
    },
  }),
);
