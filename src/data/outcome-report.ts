// The outcome report, aggregated in PostgreSQL: a fixed number of queries
// whatever the number of drafts, runs or messages. Runs in the caller's
// tenant-scoped transaction, so row-level security applies; every query also
// names the tenant so the planner can use the (tenantId, …) indexes.
//
// Definitions (also in the README):
// - The funnel's cohort is the drafts CREATED in [from, to) that match the
//   filter. Each step counts drafts that reached it and every step before it.
// - approved: approvedAt set (a sent draft counts as approved even if it was
//   sent under a policy that needed no approval); sent: sentAt set;
//   delivered: sent, and no bounce (inbound message with intent or rule BOUNCE
//   about the same contact: ingest links a bounce to the bounced address's
//   contact) after the send; replied: a human (not automated) inbound message
//   in the draft's thread after the send (ingest puts a reply that names our
//   Message-ID into the draft's thread); positive: such a reply with
//   intent INTERESTED or MEETING_REQUEST; meeting: a MEETING_REQUEST reply or a
//   MEETING activity with the contact after the send; deal created: a deal
//   with the draft's contact among its contacts, created after the send; won:
//   such a deal WON.
// - Edit distance: token-level, order-insensitive: 1 − 2·|A∩B| / (|A|+|B|) over
//   the multisets of lower-case words of subject + body (the AI's revision 1
//   versus the text that was sent). 0 = sent as written, 1 = nothing kept.
//   Drafts sent at revision 1 are 0 without tokenising, so only edited drafts
//   cost anything, and of those at most EDIT_SAMPLE are measured (a fixed
//   sample by id hash beyond that; their mean stands for all edited drafts).
import type { Tx } from "./database.js";

export interface OutcomeParams {
  tenantId: string;
  from: Date;
  to: Date;
  /** date_trunc unit. */
  unit: "day" | "week";
  timeZone: string;
  ownerId: string | null;
  mailbox: string | null;
  agent: string | null;
}

export interface FunnelSqlRow {
  drafted: number;
  approved: number;
  sent: number;
  delivered: number;
  replied: number;
  positive: number;
  meeting: number;
  deal: number;
  won: number;
  s_approved: number | null;
  s_sent: number | null;
  s_delivered: number | null;
  s_replied: number | null;
  s_positive: number | null;
  s_meeting: number | null;
  s_deal: number | null;
  s_won: number | null;
  ai_total: number;
  ai_approved: number;
  ai_rejected: number;
  ai_sent: number;
  ai_review_s: number | null;
  ai_edit_mean: number | null;
}

export interface BucketRow {
  start: Date;
  label: string;
  drafted: number;
  sent: number;
  replied: number;
}

export interface AgentRow {
  agent: string;
  runs: number;
  succeeded: number;
  failed: number;
  dead: number;
  p50_ms: number | null;
  p95_ms: number | null;
  invocations: number;
  cost_usd: number;
}

export interface ReasonRow {
  reason: string;
  count: number;
}

export interface RecommendationRow {
  total: number;
  accepted: number;
  dismissed: number;
  expired: number;
  open: number;
}

export interface QueueRow {
  queue: string;
  waiting: number;
  active: number;
  failed: number;
  oldest_waiting: Date | null;
}

export interface OutcomeRows {
  funnel: FunnelSqlRow;
  buckets: BucketRow[];
  agents: AgentRow[];
  rejectionReasons: ReasonRow[];
  recommendations: RecommendationRow;
  dismissalReasons: ReasonRow[];
  intents: { intent: string; count: number }[];
}

/** Edited drafts whose distance is measured per report (a deterministic sample beyond this). */
export const EDIT_SAMPLE = 1000;

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function queryOutcomeReport(tx: Tx, p: OutcomeParams): Promise<OutcomeRows> {
  await tx.$executeRaw`SET LOCAL work_mem = '32MB'`;
  const interval = p.unit === "day" ? "1 day" : "1 week";
  // Per draft of the cohort, the time it reached each step (nested: null once a step is missed), then one
  // aggregate over them. Each sent draft carries its bounce, first reply, first positive reply, meeting and
  // deal times (kept by triggers as those rows land: migration 20261209030000_draft_funnel_timestamps), so
  // this is one pass over the period's drafts, no look-ups in messages, activities or deals.
  const [funnelRaw] = await tx.$queryRaw<Record<string, unknown>[]>`
    WITH cohort AS (
      SELECT d."id", d."createdAt", d."approvedAt", d."sentAt", d."status", d."origin", d."revision", d."updatedAt",
        d."bouncedAt", d."repliedAt", d."positiveReplyAt", d."meetingAt", d."dealCreatedAt", d."dealWonAt"
      FROM "Draft" d
      LEFT JOIN "Lead" l ON l."tenantId" = d."tenantId" AND l."id" = d."leadId"
      LEFT JOIN "Deal" dl ON dl."tenantId" = d."tenantId" AND dl."id" = d."dealId"
      WHERE d."tenantId" = ${p.tenantId}::uuid
        AND d."createdAt" >= ${p.from}::timestamptz AND d."createdAt" < ${p.to}::timestamptz
        AND (${p.mailbox}::text IS NULL OR d."mailbox" = ${p.mailbox}::text)
        AND (${p.ownerId}::uuid IS NULL OR COALESCE(l."ownerId", dl."ownerId") = ${p.ownerId}::uuid)
        AND (${p.agent}::text IS NULL OR (d."origin" = 'AGENT' AND EXISTS (
              SELECT 1 FROM "AgentRun" r WHERE r."tenantId" = d."tenantId" AND r."jobId"::text = d."originRef" AND r."agent" = ${p.agent}::text)))
    ),
    raw AS (
      SELECT c.*,
        CASE WHEN c."approvedAt" IS NOT NULL THEN c."approvedAt" WHEN c."sentAt" IS NOT NULL THEN c."sentAt" END AS t_approved,
        (c."bouncedAt" IS NOT NULL) AS bounced, c."repliedAt" AS t_reply, c."positiveReplyAt" AS t_positive,
        c."meetingAt" AS t_meeting_any, c."dealCreatedAt" AS t_deal, c."dealWonAt" AS t_won
      FROM cohort c
    ),
    s1 AS (
      SELECT raw.*, CASE WHEN t_approved IS NOT NULL THEN "sentAt" END AS t_sent FROM raw
    ),
    s2 AS (
      SELECT s1.*, CASE WHEN t_sent IS NOT NULL AND NOT bounced THEN t_sent END AS t_delivered FROM s1
    ),
    s3 AS (
      SELECT s2.*, CASE WHEN t_delivered IS NOT NULL THEN t_reply END AS t_replied FROM s2
    ),
    s4 AS (
      SELECT s3.*, CASE WHEN t_replied IS NOT NULL THEN t_positive END AS t_pos FROM s3
    ),
    s5 AS (
      -- greatest skips nulls: no meeting at all must stay null, not become the positive reply's time.
      SELECT s4.*, CASE WHEN t_pos IS NOT NULL AND t_meeting_any IS NOT NULL THEN greatest(t_pos, t_meeting_any) END AS t_meeting
      FROM s4
    ),
    s6 AS (
      SELECT s5.*, CASE WHEN t_meeting IS NOT NULL THEN t_deal END AS t_dealc FROM s5
    ),
    f AS (
      SELECT s6.*, CASE WHEN t_dealc IS NOT NULL THEN t_won END AS t_wonc FROM s6
    ),
    -- AI drafts sent after an edit; the distance is measured on at most EDIT_SAMPLE of them (a fixed
    -- pseudo-random sample by id hash beyond that, so the cost is bounded whatever the volume).
    edited_ids AS (
      SELECT f."id" FROM f WHERE f."origin" = 'AGENT' AND f.t_sent IS NOT NULL AND f."revision" > 1
    ),
    edited AS (
      SELECT e."id", r1."subject" || ' ' || r1."bodyText" AS a, d."subject" || ' ' || d."bodyText" AS b
      FROM (SELECT "id" FROM edited_ids ORDER BY hashtext("id"::text), "id" LIMIT ${EDIT_SAMPLE}) e
      JOIN "Draft" d ON d."tenantId" = ${p.tenantId}::uuid AND d."id" = e."id"
      JOIN "DraftRevision" r1 ON r1."tenantId" = ${p.tenantId}::uuid AND r1."draftId" = e."id" AND r1."number" = 1
    ),
    -- Per edited draft: its two word lists and the size of their multiset intersection (INTERSECT ALL over
    -- two small lists), so no grouping of every word of every draft.
    words AS MATERIALIZED (
      SELECT e."id", array_remove(regexp_split_to_array(lower(e.a), '[^[:alnum:]]+'), '') AS wa,
        array_remove(regexp_split_to_array(lower(e.b), '[^[:alnum:]]+'), '') AS wb
      FROM edited e
    ),
    -- cardinality() instead of counting subqueries, and the counts computed once per draft (MATERIALIZED:
    -- the CASE below would otherwise repeat the inlined subqueries): same figures, about half the CPU.
    counted AS MATERIALIZED (
      SELECT cardinality(w.wa) AS na, cardinality(w.wb) AS nb,
        (SELECT count(*) FROM (SELECT unnest(w.wa) INTERSECT ALL SELECT unnest(w.wb)) i) AS common
      FROM words w
    ),
    distance AS (
      SELECT CASE WHEN na + nb = 0 THEN 0 ELSE 1 - 2.0 * common / (na + nb) END AS dist FROM counted
    )
    ,
    -- Buckets in the report's zone: local midnights (or ISO-week Mondays) stepped in local time, then turned
    -- back into instants, so a bucket across a DST change is 23 or 25 hours long and still starts at 00:00.
    -- Per bucket: the cohort's drafts created, sent and first replied to in it (computed from f, no second pass).
    bucket AS (
      SELECT g AS local_start
      FROM generate_series(
        date_trunc(${p.unit}::text, ${p.from}::timestamptz AT TIME ZONE ${p.timeZone}::text),
        (${p.to}::timestamptz AT TIME ZONE ${p.timeZone}::text) - interval '1 millisecond',
        ${interval}::interval) g
    ),
    bucket_events AS (
      SELECT date_trunc(${p.unit}::text, f."createdAt" AT TIME ZONE ${p.timeZone}::text) AS local_start, 1 AS dr, 0 AS se, 0 AS re FROM f
      UNION ALL
      SELECT date_trunc(${p.unit}::text, f."sentAt" AT TIME ZONE ${p.timeZone}::text), 0, 1, 0 FROM f
      WHERE f."sentAt" >= ${p.from}::timestamptz AND f."sentAt" < ${p.to}::timestamptz
      UNION ALL
      SELECT date_trunc(${p.unit}::text, f.t_reply AT TIME ZONE ${p.timeZone}::text), 0, 0, 1 FROM f
      WHERE f.t_reply >= ${p.from}::timestamptz AND f.t_reply < ${p.to}::timestamptz
    ),
    bucket_counts AS (
      SELECT local_start, sum(dr) AS drafted, sum(se) AS sent, sum(re) AS replied FROM bucket_events GROUP BY local_start
    )
    -- greatest() skips nulls, so each median is filtered to the drafts that reached its step.
    SELECT
      count(*)::int AS drafted,
      count(t_approved)::int AS approved,
      count(t_sent)::int AS sent,
      count(t_delivered)::int AS delivered,
      count(t_replied)::int AS replied,
      count(t_pos)::int AS positive,
      count(t_meeting)::int AS meeting,
      count(t_dealc)::int AS deal,
      count(t_wonc)::int AS won,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, EXTRACT(EPOCH FROM t_approved - "createdAt"))) FILTER (WHERE t_approved IS NOT NULL) AS s_approved,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, EXTRACT(EPOCH FROM t_sent - t_approved))) FILTER (WHERE t_sent IS NOT NULL) AS s_sent,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, EXTRACT(EPOCH FROM t_delivered - t_sent))) FILTER (WHERE t_delivered IS NOT NULL) AS s_delivered,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, EXTRACT(EPOCH FROM t_replied - t_delivered))) FILTER (WHERE t_replied IS NOT NULL) AS s_replied,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, EXTRACT(EPOCH FROM t_pos - t_replied))) FILTER (WHERE t_pos IS NOT NULL) AS s_positive,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, EXTRACT(EPOCH FROM t_meeting - t_pos))) FILTER (WHERE t_meeting IS NOT NULL) AS s_meeting,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, EXTRACT(EPOCH FROM t_dealc - t_meeting))) FILTER (WHERE t_dealc IS NOT NULL) AS s_deal,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, EXTRACT(EPOCH FROM t_wonc - t_dealc))) FILTER (WHERE t_wonc IS NOT NULL) AS s_won,
      count(*) FILTER (WHERE "origin" = 'AGENT')::int AS ai_total,
      count(t_approved) FILTER (WHERE "origin" = 'AGENT')::int AS ai_approved,
      count(*) FILTER (WHERE "origin" = 'AGENT' AND "status" = 'REJECTED')::int AS ai_rejected,
      count(t_sent) FILTER (WHERE "origin" = 'AGENT')::int AS ai_sent,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM
        COALESCE(t_approved, CASE WHEN "status" = 'REJECTED' THEN "updatedAt" END) - "createdAt"))
        FILTER (WHERE "origin" = 'AGENT') AS ai_review_s,
      -- Unedited sent drafts are 0; the edited ones count with the (sampled) mean distance.
      COALESCE((SELECT avg(dist) FROM distance), 0) * (SELECT count(*) FROM edited_ids)
        / NULLIF(count(t_sent) FILTER (WHERE "origin" = 'AGENT'), 0) AS ai_edit_mean,
      (SELECT json_agg(json_build_object(
                'start', b.local_start AT TIME ZONE ${p.timeZone}::text, 'label', to_char(b.local_start, 'YYYY-MM-DD'),
                'drafted', COALESCE(bc.drafted, 0), 'sent', COALESCE(bc.sent, 0), 'replied', COALESCE(bc.replied, 0))
              ORDER BY b.local_start)
         FROM bucket b LEFT JOIN bucket_counts bc ON bc.local_start = b.local_start) AS buckets
    FROM f`;

  const funnel: FunnelSqlRow = {
    drafted: n(funnelRaw?.drafted),
    approved: n(funnelRaw?.approved),
    sent: n(funnelRaw?.sent),
    delivered: n(funnelRaw?.delivered),
    replied: n(funnelRaw?.replied),
    positive: n(funnelRaw?.positive),
    meeting: n(funnelRaw?.meeting),
    deal: n(funnelRaw?.deal),
    won: n(funnelRaw?.won),
    s_approved: nn(funnelRaw?.s_approved),
    s_sent: nn(funnelRaw?.s_sent),
    s_delivered: nn(funnelRaw?.s_delivered),
    s_replied: nn(funnelRaw?.s_replied),
    s_positive: nn(funnelRaw?.s_positive),
    s_meeting: nn(funnelRaw?.s_meeting),
    s_deal: nn(funnelRaw?.s_deal),
    s_won: nn(funnelRaw?.s_won),
    ai_total: n(funnelRaw?.ai_total),
    ai_approved: n(funnelRaw?.ai_approved),
    ai_rejected: n(funnelRaw?.ai_rejected),
    ai_sent: n(funnelRaw?.ai_sent),
    ai_review_s: nn(funnelRaw?.ai_review_s),
    ai_edit_mean: nn(funnelRaw?.ai_edit_mean),
  };

  const agents = await tx.$queryRaw<AgentRow[]>`
    WITH runs AS (
      SELECT r."agent",
        count(*)::int AS runs,
        count(*) FILTER (WHERE r."status" = 'SUCCEEDED')::int AS succeeded,
        count(*) FILTER (WHERE r."status" = 'FAILED')::int AS failed,
        count(*) FILTER (WHERE r."status" = 'DEAD')::int AS dead,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM r."finishedAt" - r."startedAt") * 1000) AS p50_ms,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM r."finishedAt" - r."startedAt") * 1000) AS p95_ms
      FROM "AgentRun" r
      WHERE r."tenantId" = ${p.tenantId}::uuid AND r."queuedAt" >= ${p.from}::timestamptz AND r."queuedAt" < ${p.to}::timestamptz
        AND (${p.agent}::text IS NULL OR r."agent" = ${p.agent}::text)
      GROUP BY r."agent"
    ),
    cost AS (
      SELECT i."agent", count(*)::int AS invocations, sum(i."costUsd") AS cost_usd
      FROM "AiInvocation" i
      WHERE i."tenantId" = ${p.tenantId}::uuid AND i."createdAt" >= ${p.from}::timestamptz AND i."createdAt" < ${p.to}::timestamptz
        AND (${p.agent}::text IS NULL OR i."agent" = ${p.agent}::text)
      GROUP BY i."agent"
    )
    SELECT COALESCE(runs."agent", cost."agent") AS agent,
      COALESCE(runs.runs, 0) AS runs, COALESCE(runs.succeeded, 0) AS succeeded, COALESCE(runs.failed, 0) AS failed,
      COALESCE(runs.dead, 0) AS dead, runs.p50_ms, runs.p95_ms,
      COALESCE(cost.invocations, 0) AS invocations, COALESCE(cost.cost_usd, 0)::float8 AS cost_usd
    FROM runs FULL OUTER JOIN cost ON cost."agent" = runs."agent"
    ORDER BY 1`;

  const rejectionReasons = await tx.$queryRaw<ReasonRow[]>`
    SELECT COALESCE(NULLIF(lower(regexp_replace(btrim(COALESCE(d."rejectionReason", '')), '\\s+', ' ', 'g')), ''), '(no reason given)') AS reason,
      count(*)::int AS count
    FROM "Draft" d
    LEFT JOIN "Lead" l ON l."tenantId" = d."tenantId" AND l."id" = d."leadId"
    LEFT JOIN "Deal" dl ON dl."tenantId" = d."tenantId" AND dl."id" = d."dealId"
    WHERE d."tenantId" = ${p.tenantId}::uuid AND d."status" = 'REJECTED' AND d."origin" = 'AGENT'
      AND d."createdAt" >= ${p.from}::timestamptz AND d."createdAt" < ${p.to}::timestamptz
      AND (${p.mailbox}::text IS NULL OR d."mailbox" = ${p.mailbox}::text)
      AND (${p.ownerId}::uuid IS NULL OR COALESCE(l."ownerId", dl."ownerId") = ${p.ownerId}::uuid)
      AND (${p.agent}::text IS NULL OR EXISTS (
            SELECT 1 FROM "AgentRun" r WHERE r."tenantId" = d."tenantId" AND r."jobId"::text = d."originRef" AND r."agent" = ${p.agent}::text))
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`;

  // Recommendations made in the period (the recommender's; the owner filter is the lead's or deal's owner).
  const [rec] = await tx.$queryRaw<RecommendationRow[]>`
    SELECT count(*)::int AS total,
      count(*) FILTER (WHERE r."status" = 'ACCEPTED')::int AS accepted,
      count(*) FILTER (WHERE r."status" = 'DISMISSED')::int AS dismissed,
      count(*) FILTER (WHERE r."status" = 'EXPIRED')::int AS expired,
      count(*) FILTER (WHERE r."status" = 'OPEN')::int AS open
    FROM "Recommendation" r
    LEFT JOIN "Lead" l ON l."tenantId" = r."tenantId" AND l."id" = r."leadId"
    LEFT JOIN "Deal" dl ON dl."tenantId" = r."tenantId" AND dl."id" = r."dealId"
    WHERE r."tenantId" = ${p.tenantId}::uuid AND r."createdAt" >= ${p.from}::timestamptz AND r."createdAt" < ${p.to}::timestamptz
      AND (${p.ownerId}::uuid IS NULL OR COALESCE(l."ownerId", dl."ownerId") = ${p.ownerId}::uuid)
      AND (${p.agent}::text IS NULL OR ${p.agent}::text = 'recommender')`;

  const dismissalReasons = await tx.$queryRaw<ReasonRow[]>`
    SELECT COALESCE(NULLIF(lower(regexp_replace(btrim(COALESCE(r."feedback", '')), '\\s+', ' ', 'g')), ''), '(no reason given)') AS reason,
      count(*)::int AS count
    FROM "Recommendation" r
    LEFT JOIN "Lead" l ON l."tenantId" = r."tenantId" AND l."id" = r."leadId"
    LEFT JOIN "Deal" dl ON dl."tenantId" = r."tenantId" AND dl."id" = r."dealId"
    WHERE r."tenantId" = ${p.tenantId}::uuid AND r."status" = 'DISMISSED'
      AND r."createdAt" >= ${p.from}::timestamptz AND r."createdAt" < ${p.to}::timestamptz
      AND (${p.ownerId}::uuid IS NULL OR COALESCE(l."ownerId", dl."ownerId") = ${p.ownerId}::uuid)
      AND (${p.agent}::text IS NULL OR ${p.agent}::text = 'recommender')
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`;

  const intents = await tx.$queryRaw<{ intent: string; count: number }[]>`
    SELECT im."intent"::text AS intent, count(*)::int AS count
    FROM "InboundMessage" im
    LEFT JOIN "Lead" l ON l."tenantId" = im."tenantId" AND l."id" = im."leadId"
    WHERE im."tenantId" = ${p.tenantId}::uuid AND im."intent" IS NOT NULL
      AND im."receivedAt" >= ${p.from}::timestamptz AND im."receivedAt" < ${p.to}::timestamptz
      AND (${p.mailbox}::text IS NULL OR im."mailbox" = ${p.mailbox}::text)
      AND (${p.ownerId}::uuid IS NULL OR l."ownerId" = ${p.ownerId}::uuid)
      AND (${p.agent}::text IS NULL OR ${p.agent}::text = 'inbound-analysis')
    GROUP BY 1 ORDER BY 2 DESC, 1`;

  return {
    funnel,
    buckets: ((funnelRaw?.buckets ?? []) as { start: string; label: string; drafted: number; sent: number; replied: number }[]).map((b) => ({
      start: new Date(b.start),
      label: b.label,
      drafted: Number(b.drafted),
      sent: Number(b.sent),
      replied: Number(b.replied),
    })),
    agents: agents.map((a) => ({ ...a, p50_ms: nn(a.p50_ms), p95_ms: nn(a.p95_ms), cost_usd: n(a.cost_usd) })),
    rejectionReasons,
    recommendations: rec ?? { total: 0, accepted: 0, dismissed: 0, expired: 0, open: 0 },
    dismissalReasons,
    intents,
  };
}

/**
 * This tenant's pg-boss jobs per queue. pgboss.job is not tenant-scoped (the
 * service role reads it, as /metrics does); only jobs whose data names this
 * tenant are counted. Finished jobs are left out by the state filter.
 */
export async function queryQueueHealth(tx: Tx, tenantId: string): Promise<QueueRow[]> {
  return tx.$queryRaw<QueueRow[]>`
    SELECT j.name AS queue,
      count(*) FILTER (WHERE j.state IN ('created', 'retry'))::int AS waiting,
      count(*) FILTER (WHERE j.state = 'active')::int AS active,
      count(*) FILTER (WHERE j.state = 'failed')::int AS failed,
      min(j.created_on) FILTER (WHERE j.state IN ('created', 'retry')) AS oldest_waiting
    FROM pgboss.job j
    WHERE j.data->>'tenantId' = ${tenantId}::text AND j.state IN ('created', 'retry', 'active', 'failed')
    GROUP BY j.name ORDER BY j.name`;
}

export async function queryOutboxLag(tx: Tx, tenantId: string): Promise<{ pending: number; oldest: Date | null }> {
  const [row] = await tx.$queryRaw<{ pending: number; oldest: Date | null }[]>`
    SELECT count(*)::int AS pending, min(o."createdAt") AS oldest
    FROM "OutboxEvent" o WHERE o."tenantId" = ${tenantId}::uuid AND o."deliveredAt" IS NULL`;
  return row ?? { pending: 0, oldest: null };
}

/** Mailboxes with sends in the window (besides the configured ones). */
export async function queryRecentMailboxes(tx: Tx, tenantId: string, since: Date): Promise<string[]> {
  const rows = await tx.$queryRaw<{ mailbox: string }[]>`
    SELECT DISTINCT s."mailbox" FROM "EmailSend" s
    WHERE s."tenantId" = ${tenantId}::uuid AND s."reservedAt" > ${since}::timestamptz AND s."state" IN ('RESERVED', 'SENT')`;
  return rows.map((r) => r.mailbox);
}
