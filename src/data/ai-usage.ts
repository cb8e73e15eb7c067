// The tenant's external AI use since a moment: what the monthly budget counts.
// One query for the budget check before a paid call, the aiUsage query and the
// outcome report, so the three can never disagree on what "used" means.
import type { Tx } from "./database.js";

export interface ExternalAiUsage {
  tokens: number;
  costUsd: number;
}

/**
 * Tokens and cost of the tenant's external (paid) invocations since `since`, read through the caller's
 * tenant transaction or request client (row-level security applies; the tenant is named as well).
 */
export async function externalAiUsageSince(db: Pick<Tx, "aiInvocation">, tenantId: string, since: Date): Promise<ExternalAiUsage> {
  const sum = await db.aiInvocation.aggregate({ where: { tenantId, external: true, createdAt: { gte: since } }, _sum: { totalTokens: true, costUsd: true } });
  return { tokens: sum._sum.totalTokens ?? 0, costUsd: Number(sum._sum.costUsd ?? 0) };
}
