// The pipeline summary: the SQL aggregates, shaped with the tenant's stages
// (every stage listed, in order, even with no deals), rates computed from counts.
import { queryPipelineSummary } from "../../data/pipeline-summary.js";
import { withTenant } from "../../data/database.js";
import { orderedStages, type StageKind } from "../../domain/pipeline/pipeline.js";
import type { Principal } from "../../domain/access/principal.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import type { Services } from "../services.js";

export interface PipelineSummaryFilter {
  ownerId?: string | null;
  stage?: string | null;
  from?: Date | null;
  to?: Date | null;
  /** Amounts of different currencies are never added up: the summary covers one (default: the tenant's). */
  currency?: string | null;
}

const money = (n: number) => Math.round(n * 100) / 100;

export interface PipelineSummary {
  currency: string;
  from: Date | null;
  to: Date | null;
  stages: { key: string; name: string; kind: StageKind; order: number; probability: number; count: number; amount: number; weightedAmount: number }[];
  openCount: number;
  openAmount: number;
  /** Σ amount × probability of the open deals expected to close in the period. */
  weightedPipeline: number;
  wonCount: number;
  wonAmount: number;
  lostCount: number;
  /** Won amount in the period plus the weighted pipeline. */
  forecast: number;
  /** Won ÷ (won + lost) among deals closed in the period; null when none closed. */
  winRate: number | null;
  averageCycleDays: number | null;
  conversions: { stage: string; name: string; entered: number; advanced: number; rate: number | null }[];
}

export async function pipelineSummary(services: Pick<Services, "db">, principal: Principal, filter: PipelineSummaryFilter): Promise<PipelineSummary> {
  return withTenant(services.db.prisma, { tenantId: principal.tenantId, userId: principal.userId }, async (tx) => {
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: principal.tenantId }, select: { settings: true } });
    const settings = readTenantSettings(tenant.settings);
    const stages = orderedStages(settings.pipeline);
    const currency = filter.currency ?? settings.general.currency;
    const rows = await queryPipelineSummary(tx, {
      tenantId: principal.tenantId,
      currency,
      ownerId: filter.ownerId ?? null,
      stage: filter.stage ?? null,
      from: filter.from ?? null,
      to: filter.to ?? null,
      stages: stages.map((s) => ({ key: s.key, order: s.order, kind: s.kind })),
    });
    const byStage = new Map(rows.stages.map((r) => [r.stage, r]));
    const listed = stages.filter((s) => !filter.stage || s.key === filter.stage);
    // Deals in stages since removed from the settings still count, listed after the configured ones.
    const unknown = rows.stages.filter((r) => !stages.some((s) => s.key === r.stage));
    const closed = rows.totals.wonCount + rows.totals.lostCount;
    return {
      currency,
      from: filter.from ?? null,
      to: filter.to ?? null,
      stages: [
        ...listed.map((s) => {
          const r = byStage.get(s.key);
          return { key: s.key, name: s.name, kind: s.kind, order: s.order, probability: s.probability, count: r?.count ?? 0, amount: money(r?.amount ?? 0), weightedAmount: money(r?.weightedAmount ?? 0) };
        }),
        ...unknown.map((r) => ({ key: r.stage, name: `${r.stage} (removed)`, kind: "OPEN" as const, order: 9999, probability: 0, count: r.count, amount: money(r.amount), weightedAmount: money(r.weightedAmount) })),
      ],
      openCount: rows.totals.openCount,
      openAmount: money(rows.totals.openAmount),
      weightedPipeline: money(rows.totals.weightedPipeline),
      wonCount: rows.totals.wonCount,
      wonAmount: money(rows.totals.wonAmount),
      lostCount: rows.totals.lostCount,
      forecast: money(rows.totals.wonAmount + rows.totals.weightedPipeline),
      winRate: closed ? Math.round((rows.totals.wonCount / closed) * 10_000) / 10_000 : null,
      averageCycleDays: rows.totals.averageCycleDays === null ? null : Math.round(rows.totals.averageCycleDays * 100) / 100,
      conversions: stages
        .filter((s) => s.kind === "OPEN" && (!filter.stage || s.key === filter.stage))
        .map((s) => {
          const c = rows.conversions.find((r) => r.stage === s.key);
          const entered = c?.entered ?? 0;
          const advanced = c?.advanced ?? 0;
          return { stage: s.key, name: s.name, entered, advanced, rate: entered ? Math.round((advanced / entered) * 10_000) / 10_000 : null };
        }),
    };
  });
}
