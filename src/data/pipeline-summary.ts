// The pipeline summary, aggregated in PostgreSQL (two queries, whatever
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
  // Room to aggregate ~100k deals in memory rather than spill to disk; this transaction only.
  await tx.$executeRaw`SET LOCAL work_mem = '32MB'`;
  // One pass over the tenant's deals, grouped by stage. Per stage: the deals in it (open deals that
  // existed in the period, closed deals closed in it); the open deals expected to close in the period
  // (the forecast); won/lost counts and the won deals' cycle time for deals closed in the period.
  const rows = await tx.$queryRaw<
    {
      stage: string;
      count: number;
      amount: string;
      weighted: string;
      open_count: number;
      open_amount: string;
      open_weighted: string;
      won_count: number;
      won_amount: string;
      lost_count: number;
      cycle_seconds: string | null;
    }[]
  >`
    SELECT "stage",
      count(*) FILTER (WHERE in_stage_view)::int AS count,
      COALESCE(sum("amount") FILTER (WHERE in_stage_view), 0)::text AS amount,
      COALESCE(sum(weighted) FILTER (WHERE in_stage_view), 0)::text AS weighted,
      count(*) FILTER (WHERE open_in_period)::int AS open_count,
      COALESCE(sum("amount") FILTER (WHERE open_in_period), 0)::text AS open_amount,
      COALESCE(sum(weighted) FILTER (WHERE open_in_period), 0)::text AS open_weighted,
      count(*) FILTER (WHERE "status" = 'WON' AND closed_in_period)::int AS won_count,
      COALESCE(sum("amount") FILTER (WHERE "status" = 'WON' AND closed_in_period), 0)::text AS won_amount,
      count(*) FILTER (WHERE "status" = 'LOST' AND closed_in_period)::int AS lost_count,
      (sum(EXTRACT(EPOCH FROM ("closedAt" - "createdAt"))) FILTER (WHERE "status" = 'WON' AND closed_in_period))::text AS cycle_seconds
    FROM (
      SELECT d."stage", d."status", d."amount", d."closedAt", d."createdAt",
        d."amount" * d."probability" / 100.0 AS weighted,
        ((${p.stage}::text IS NULL OR d."stage" = ${p.stage}::text) AND (
          (d."status" = 'OPEN' AND (${p.to}::timestamptz IS NULL OR d."createdAt" < ${p.to}::timestamptz))
          OR (d."status" <> 'OPEN' AND (${p.from}::timestamptz IS NULL OR d."closedAt" >= ${p.from}::timestamptz)
                                   AND (${p.to}::timestamptz IS NULL OR d."closedAt" < ${p.to}::timestamptz)))) AS in_stage_view,
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
    ) deals
    GROUP BY "stage"`;

  // Conversion, in one pass over the stage history: per deal, the open stages it entered in the
  // period, the furthest open stage it reached and whether it was won (by the period's end); then
  // per stage, how many of the deals that entered it went further.
  const keys = p.stages.map((s) => s.key);
  const orders = p.stages.map((s) => s.order);
  const kinds = p.stages.map((s) => s.kind);
  const conversions = await tx.$queryRaw<{ stage: string; entered: number; advanced: number }[]>`
    WITH stages AS MATERIALIZED (
      SELECT s.key, s.ord, s.kind, (s.n - 1)::int AS bit
      FROM unnest(${keys}::text[], ${orders}::int[], ${kinds}::text[]) WITH ORDINALITY AS s(key, ord, kind, n)
    ),
    per_deal AS (
      SELECT c."dealId",
        -- One bit per stage (by its position): hash-aggregable, unlike array_agg(DISTINCT …).
        bit_or(CASE WHEN s.kind = 'OPEN' AND c."toStatus" = 'OPEN'
                     AND (${p.from}::timestamptz IS NULL OR c."createdAt" >= ${p.from}::timestamptz)
                    THEN 1::bigint << s.bit ELSE 0::bigint END) AS entered,
        max(s.ord) FILTER (WHERE s.kind = 'OPEN') AS max_open,
        bool_or(s.kind = 'WON') AS won
      FROM "DealStageChange" c
      JOIN stages s ON s.key = c."toStage"
      WHERE c."tenantId" = ${p.tenantId}::uuid
        AND (${p.to}::timestamptz IS NULL OR c."createdAt" < ${p.to}::timestamptz)
      GROUP BY c."dealId"
    ),
    -- Deals collapse into a few (stages entered, furthest stage, won) combinations before the per-stage count.
    combos AS MATERIALIZED (
      SELECT p.entered, p.max_open, p.won, count(*) AS n
      FROM per_deal p
      JOIN "Deal" d ON d."id" = p."dealId"
      WHERE p.entered <> 0 AND d."tenantId" = ${p.tenantId}::uuid AND d."currency" = ${p.currency}
        AND (${p.ownerId}::uuid IS NULL OR d."ownerId" = ${p.ownerId}::uuid)
      GROUP BY 1, 2, 3
    )
    SELECT s.key AS stage,
      COALESCE(sum(c.n) FILTER (WHERE c.entered & (1::bigint << s.bit) <> 0), 0)::int AS entered,
      COALESCE(sum(c.n) FILTER (WHERE c.entered & (1::bigint << s.bit) <> 0 AND (c.won OR c.max_open > s.ord)), 0)::int AS advanced
    FROM combos c CROSS JOIN stages s
    WHERE s.kind = 'OPEN' AND (${p.stage}::text IS NULL OR s.key = ${p.stage}::text)
    GROUP BY s.key`;

  const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((acc, r) => acc + pick(r), 0);
  const wonCount = sum((r) => r.won_count);
  const cycleSeconds = sum((r) => num(r.cycle_seconds));
  return {
    stages: rows.filter((r) => r.count > 0).map((r) => ({ stage: r.stage, count: r.count, amount: num(r.amount), weightedAmount: num(r.weighted) })),
    totals: {
      openCount: sum((r) => r.open_count),
      openAmount: sum((r) => num(r.open_amount)),
      weightedPipeline: sum((r) => num(r.open_weighted)),
      wonCount,
      wonAmount: sum((r) => num(r.won_amount)),
      lostCount: sum((r) => r.lost_count),
      averageCycleDays: wonCount ? cycleSeconds / wonCount / 86_400 : null,
    },
    conversions,
  };
}
