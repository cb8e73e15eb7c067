// The pipeline summary, aggregated in PostgreSQL (three queries, whatever
// the number of deals): per-stage counts and amounts, the weighted
// forecast, win rate, average cycle time, and stage-to-stage conversion.
// Runs in the caller's tenant-scoped transaction; row-level security applies
// and every query also names the tenant so the planner can use its indexes.
import type { Tx } from "./database.js";

export interface SummaryStage {
  key: string;
  order: number;
  kind: "OPEN" | "WON" | "LOST";
}

export interface SummaryParams {
  tenantId: string;
  currency: string;
  ownerId: string | null;
  stage: string | null;
  /** Half-open period [from, to); null ends are open. */
  from: Date | null;
  to: Date | null;
  stages: SummaryStage[];
}

export interface StageRow {
  stage: string;
  count: number;
  amount: number;
  weightedAmount: number;
}

export interface SummaryTotals {
  openCount: number;
  openAmount: number;
  weightedPipeline: number;
  wonCount: number;
  wonAmount: number;
  lostCount: number;
  averageCycleDays: number | null;
}

export interface ConversionRow {
  stage: string;
  entered: number;
  advanced: number;
}

export interface SummaryRows {
  stages: StageRow[];
  totals: SummaryTotals;
  conversions: ConversionRow[];
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

export async function queryPipelineSummary(tx: Tx, p: SummaryParams): Promise<SummaryRows> {
  // Deals in each stage: open deals that existed in the period, closed deals closed in it.
  const stageRows = await tx.$queryRaw<{ stage: string; count: number; amount: string; weighted: string }[]>`
    SELECT d."stage", count(*)::int AS count, COALESCE(sum(d."amount"), 0)::text AS amount,
           COALESCE(sum(d."amount" * d."probability" / 100.0), 0)::text AS weighted
    FROM "Deal" d
    WHERE d."tenantId" = ${p.tenantId}::uuid AND d."currency" = ${p.currency}
      AND (${p.ownerId}::uuid IS NULL OR d."ownerId" = ${p.ownerId}::uuid)
      AND (${p.stage}::text IS NULL OR d."stage" = ${p.stage}::text)
      AND (
        (d."status" = 'OPEN' AND (${p.to}::timestamptz IS NULL OR d."createdAt" < ${p.to}::timestamptz))
        OR (d."status" <> 'OPEN' AND (${p.from}::timestamptz IS NULL OR d."closedAt" >= ${p.from}::timestamptz)
                                 AND (${p.to}::timestamptz IS NULL OR d."closedAt" < ${p.to}::timestamptz))
      )
    GROUP BY d."stage"`;

  // Forecast: open deals expected to close in the period (all open deals without a period);
  // win rate and cycle time: deals closed in the period.
  const [totals] = await tx.$queryRaw<
    { open_count: number; open_amount: string; weighted: string; won_count: number; won_amount: string; lost_count: number; cycle_days: string | null }[]
  >`
    SELECT
      count(*) FILTER (WHERE open_in_period)::int AS open_count,
      COALESCE(sum("amount") FILTER (WHERE open_in_period), 0)::text AS open_amount,
      COALESCE(sum("amount" * "probability" / 100.0) FILTER (WHERE open_in_period), 0)::text AS weighted,
      count(*) FILTER (WHERE "status" = 'WON' AND closed_in_period)::int AS won_count,
      COALESCE(sum("amount") FILTER (WHERE "status" = 'WON' AND closed_in_period), 0)::text AS won_amount,
      count(*) FILTER (WHERE "status" = 'LOST' AND closed_in_period)::int AS lost_count,
      (avg(EXTRACT(EPOCH FROM ("closedAt" - "createdAt")) / 86400.0) FILTER (WHERE "status" = 'WON' AND closed_in_period))::text AS cycle_days
    FROM (
      SELECT d."status", d."amount", d."probability", d."closedAt", d."createdAt",
        (d."status" = 'OPEN'
          AND (${p.stage}::text IS NULL OR d."stage" = ${p.stage}::text)
          AND (${p.from}::timestamptz IS NULL OR d."expectedCloseDate" >= ${p.from}::timestamptz::date)
          AND (${p.to}::timestamptz IS NULL OR d."expectedCloseDate" < ${p.to}::timestamptz::date)) AS open_in_period,
        (d."status" <> 'OPEN'
          AND (${p.from}::timestamptz IS NULL OR d."closedAt" >= ${p.from}::timestamptz)
          AND (${p.to}::timestamptz IS NULL OR d."closedAt" < ${p.to}::timestamptz)) AS closed_in_period
      FROM "Deal" d
      WHERE d."tenantId" = ${p.tenantId}::uuid AND d."currency" = ${p.currency}
        AND (${p.ownerId}::uuid IS NULL OR d."ownerId" = ${p.ownerId}::uuid)
    ) deals`;

  // Conversion: of the deals that entered an open stage in the period, how many
  // later reached a later open stage or won (by the end of the period).
  const keys = p.stages.map((s) => s.key);
  const orders = p.stages.map((s) => s.order);
  const kinds = p.stages.map((s) => s.kind);
  const conversions = await tx.$queryRaw<{ stage: string; entered: number; advanced: number }[]>`
    WITH stages AS (
      SELECT * FROM unnest(${keys}::text[], ${orders}::int[], ${kinds}::text[]) AS s(key, ord, kind)
    ),
    entered AS (
      SELECT DISTINCT c."dealId", c."toStage" AS stage
      FROM "DealStageChange" c
      JOIN "Deal" d ON d."id" = c."dealId" AND d."tenantId" = c."tenantId"
      WHERE c."tenantId" = ${p.tenantId}::uuid AND c."toStatus" = 'OPEN' AND d."currency" = ${p.currency}
        AND (${p.ownerId}::uuid IS NULL OR d."ownerId" = ${p.ownerId}::uuid)
        AND (${p.stage}::text IS NULL OR c."toStage" = ${p.stage}::text)
        AND (${p.from}::timestamptz IS NULL OR c."createdAt" >= ${p.from}::timestamptz)
        AND (${p.to}::timestamptz IS NULL OR c."createdAt" < ${p.to}::timestamptz)
    ),
    reached AS (
      SELECT c."dealId", max(s.ord) FILTER (WHERE s.kind = 'OPEN') AS max_open, bool_or(s.kind = 'WON') AS won
      FROM "DealStageChange" c JOIN stages s ON s.key = c."toStage"
      WHERE c."tenantId" = ${p.tenantId}::uuid
        AND c."dealId" IN (SELECT "dealId" FROM entered)
        AND (${p.to}::timestamptz IS NULL OR c."createdAt" < ${p.to}::timestamptz)
      GROUP BY c."dealId"
    )
    SELECT e.stage, count(*)::int AS entered,
           count(*) FILTER (WHERE COALESCE(r.won, false) OR COALESCE(r.max_open > s.ord, false))::int AS advanced
    FROM entered e
    JOIN stages s ON s.key = e.stage AND s.kind = 'OPEN'
    LEFT JOIN reached r ON r."dealId" = e."dealId"
    GROUP BY e.stage`;

  return {
    stages: stageRows.map((r) => ({ stage: r.stage, count: r.count, amount: num(r.amount), weightedAmount: num(r.weighted) })),
    totals: {
      openCount: totals?.open_count ?? 0,
      openAmount: num(totals?.open_amount),
      weightedPipeline: num(totals?.weighted),
      wonCount: totals?.won_count ?? 0,
      wonAmount: num(totals?.won_amount),
      lostCount: totals?.lost_count ?? 0,
      averageCycleDays: totals?.cycle_days === null || totals?.cycle_days === undefined ? null : Number(totals.cycle_days),
    },
    conversions,
  };
}
