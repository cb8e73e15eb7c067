// The campaign segment, ranked and with its exclusions, in ONE query: every
// contact of the tenant matching the segment gets the first exclusion reason
// that applies (or none), the eligible ones are ranked by fit and engagement
// (src/domain/campaign/campaign.ts: RANKING_RULE), and only what the preview
// shows comes back — the top `size` eligible rows (the send plan needs them),
// a page of the excluded, and counts for everything else. Nothing is loaded
// per lead into Node. Runs in the caller's tenant transaction (row-level
// security) and names the tenant too, so the (tenantId, …) indexes are used.
import { Prisma, type Tx } from "./database.js";
import type { CampaignSegment, ExclusionReason } from "../domain/campaign/campaign.js";

export interface SegmentQuery {
  tenantId: string;
  segment: CampaignSegment;
  /** Start of the first send day: engagement counts before it; the cadence looks back from it. */
  startAt: Date;
  cadenceDays: number;
  size: number;
  excludedLimit: number;
  excludedOffset: number;
}

export interface EligibleRow {
  rank: number;
  contactId: string;
  leadId: string | null;
  email: string;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  companyName: string | null;
  /** The contact's own zone and the company's country: the recipient's zone is worked out from them (recipientTimeZone). */
  contactTimeZone: string | null;
  country: string | null;
  score: number | null;
  grade: string | null;
  replies: number;
  lastEngagedAt: Date | null;
  points: number;
}

export interface ExcludedRow {
  contactId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  reason: ExclusionReason;
}

export interface SegmentResult {
  matched: number;
  eligible: number;
  exclusionCounts: Array<{ reason: ExclusionReason; count: number }>;
  top: EligibleRow[];
  excluded: ExcludedRow[];
}

const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The segment as SQL conditions over c (Contact), l (its Lead) and co (its Company). */
function segmentWhere(s: CampaignSegment): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (s.titleKeywords.length) parts.push(Prisma.sql`c."title" ILIKE ANY(${s.titleKeywords.map(like)}::text[])`);
  if (s.seniorities.length) parts.push(Prisma.sql`c."seniority"::text = ANY(${s.seniorities}::text[])`);
  if (s.industries.length) parts.push(Prisma.sql`lower(co."industry") = ANY(${s.industries.map((i) => i.toLowerCase())}::text[])`);
  if (s.employeesMin != null) parts.push(Prisma.sql`co."employeeCount" >= ${s.employeesMin}`);
  if (s.employeesMax != null) parts.push(Prisma.sql`co."employeeCount" <= ${s.employeesMax}`);
  if (s.lifecycles.length) parts.push(Prisma.sql`co."lifecycle"::text = ANY(${s.lifecycles}::text[])`);
  if (s.leadStatuses.length) parts.push(Prisma.sql`l."status"::text = ANY(${s.leadStatuses}::text[])`);
  if (s.grades.length) parts.push(Prisma.sql`l."grade" = ANY(${s.grades}::text[])`);
  if (s.scoreMin != null) parts.push(Prisma.sql`l."score" >= ${s.scoreMin}`);
  if (s.scoreMax != null) parts.push(Prisma.sql`l."score" <= ${s.scoreMax}`);
  for (const a of s.attributes) {
    parts.push(Prisma.sql`(c."attributes"->>${a.key} = ${a.value} OR l."attributes"->>${a.key} = ${a.value} OR co."attributes"->>${a.key} = ${a.value})`);
  }
  if (s.lists.length) {
    parts.push(Prisma.sql`EXISTS (SELECT 1 FROM "ContactListMember" m WHERE m."tenantId" = c."tenantId" AND m."contactId" = c."id" AND m."listId" = ANY(${s.lists}::uuid[]))`);
  }
  return parts.length ? Prisma.sql`AND ${Prisma.join(parts, " AND ")}` : Prisma.empty;
}

/** Whether the segment filters on the company (its join is only needed then). */
function needsCompany(s: CampaignSegment): boolean {
  return s.industries.length > 0 || s.employeesMin != null || s.employeesMax != null || s.lifecycles.length > 0 || s.attributes.length > 0;
}

/** The query itself (also what the bench EXPLAINs). */
export function segmentSql(q: SegmentQuery): Prisma.Sql {
  const t = q.tenantId;
  const cadenceStart = new Date(q.startAt.getTime() - q.cadenceDays * 86_400_000);
  const cadenceEnd = new Date(q.startAt.getTime() + q.cadenceDays * 86_400_000);
  const d30 = new Date(q.startAt.getTime() - 30 * 86_400_000);
  const d90 = new Date(q.startAt.getTime() - 90 * 86_400_000);
  // Every look-up is a set computed once for the tenant and hash-joined to the contacts (no per-contact
  // probe): at 100,000 contacts correlated sub-queries and nested loops cost seconds.
  return Prisma.sql`
    WITH sup_email AS (
      SELECT "value" FROM "Suppression" WHERE "tenantId" = ${t}::uuid AND "kind" = 'EMAIL'
    ),
    sup_domain AS (
      SELECT "value" FROM "Suppression" WHERE "tenantId" = ${t}::uuid AND "kind" = 'DOMAIN'
    ),
    sent AS (
      SELECT DISTINCT "recipientEmail" AS email FROM "EmailSend"
      WHERE "tenantId" = ${t}::uuid AND "state" IN ('RESERVED', 'SENT') AND "reservedAt" > ${cadenceStart}
    ),
    touched AS (
      SELECT DISTINCT "contactId" FROM "Activity"
      WHERE "tenantId" = ${t}::uuid AND "type" = 'EMAIL_SENT' AND "occurredAt" > ${cadenceStart} AND "contactId" IS NOT NULL
    ),
    planned AS (
      SELECT DISTINCT cr."contactId" FROM "CampaignRecipient" cr JOIN "Campaign" ca ON ca."id" = cr."campaignId"
      WHERE cr."tenantId" = ${t}::uuid AND ca."status" IN ('ACTIVE', 'PAUSED') AND cr."status" IN ('PLANNED', 'DRAFTED')
        AND cr."plannedAt" > ${cadenceStart} AND cr."plannedAt" < ${cadenceEnd}
    ),
    rep AS (
      SELECT "contactId", count(*)::int AS n, max("receivedAt") AS last FROM "InboundMessage"
      WHERE "tenantId" = ${t}::uuid AND NOT "automated" AND "receivedAt" < ${q.startAt} AND "contactId" IS NOT NULL
      GROUP BY 1
    ),
    act AS (
      SELECT "contactId", max("occurredAt") AS last FROM "Activity"
      WHERE "tenantId" = ${t}::uuid AND "type" IN ('EMAIL_RECEIVED', 'MEETING', 'CALL', 'FORM_SUBMISSION') AND "occurredAt" < ${q.startAt} AND "contactId" IS NOT NULL
      GROUP BY 1
    ),
    -- Narrow rows (ids and what ranks them): names and titles are read for the returned rows only.
    cand AS MATERIALIZED (
      SELECT c."id" AS "contactId", c."createdAt", l."id" AS "leadId", l."score", l."grade",
             COALESCE(rep.n, 0) AS replies, GREATEST(rep.last, act.last) AS "lastEngagedAt",
             CASE
               WHEN c."email" IS NULL OR c."email" = '' THEN 'NO_EMAIL'
               WHEN c."doNotContact" THEN 'DO_NOT_CONTACT'
               WHEN se."value" IS NOT NULL THEN 'SUPPRESSED_ADDRESS'
               WHEN sd."value" IS NOT NULL THEN 'SUPPRESSED_DOMAIN'
               WHEN l."status" = 'DISQUALIFIED' THEN 'DISQUALIFIED'
               WHEN sent.email IS NOT NULL OR touched."contactId" IS NOT NULL THEN 'CONTACTED_RECENTLY'
               WHEN planned."contactId" IS NOT NULL THEN 'IN_OTHER_CAMPAIGN'
             END AS "exclusion"
      FROM "Contact" c
      LEFT JOIN "Lead" l ON l."tenantId" = c."tenantId" AND l."contactId" = c."id"
      ${needsCompany(q.segment) ? Prisma.sql`LEFT JOIN "Company" co ON co."tenantId" = c."tenantId" AND co."id" = COALESCE(c."companyId", l."companyId")` : Prisma.empty}
      LEFT JOIN sup_email se ON se."value" = c."email"
      LEFT JOIN sup_domain sd ON sd."value" = split_part(c."email", '@', 2)
      LEFT JOIN sent ON sent.email = c."email"
      LEFT JOIN touched ON touched."contactId" = c."id"
      LEFT JOIN planned ON planned."contactId" = c."id"
      LEFT JOIN rep ON rep."contactId" = c."id"
      LEFT JOIN act ON act."contactId" = c."id"
      WHERE c."tenantId" = ${t}::uuid ${segmentWhere(q.segment)}
    ),
    scored AS (
      SELECT cand.*,
             COALESCE("score", 0) + 5 * LEAST(replies, 3)
               + CASE WHEN "lastEngagedAt" > ${d30} THEN 10 WHEN "lastEngagedAt" > ${d90} THEN 5 ELSE 0 END AS points
      FROM cand WHERE "exclusion" IS NULL
    ),
    top AS MATERIALIZED (
      SELECT * FROM scored
      ORDER BY points DESC, "score" DESC NULLS LAST, "lastEngagedAt" DESC NULLS LAST, "createdAt" ASC, "contactId" ASC
      LIMIT ${q.size}
    ),
    top_full AS (
      SELECT top.*, c."email", c."firstName", c."lastName", c."title", co."name" AS "companyName", c."timeZone" AS "contactTimeZone", co."country"
      FROM top JOIN "Contact" c ON c."tenantId" = ${t}::uuid AND c."id" = top."contactId"
      LEFT JOIN "Lead" l ON l."tenantId" = c."tenantId" AND l."id" = top."leadId"
      LEFT JOIN "Company" co ON co."tenantId" = c."tenantId" AND co."id" = COALESCE(c."companyId", l."companyId")
    ),
    excluded_page AS (
      SELECT x.*, c."email", c."firstName", c."lastName"
      FROM (SELECT "contactId", "exclusion", row_number() OVER (ORDER BY array_position(ARRAY['NO_EMAIL', 'DO_NOT_CONTACT', 'SUPPRESSED_ADDRESS', 'SUPPRESSED_DOMAIN', 'DISQUALIFIED', 'CONTACTED_RECENTLY', 'IN_OTHER_CAMPAIGN'], "exclusion"), "contactId") AS ord
            FROM cand WHERE "exclusion" IS NOT NULL ORDER BY ord LIMIT ${q.excludedLimit} OFFSET ${q.excludedOffset}) x
      JOIN "Contact" c ON c."tenantId" = ${t}::uuid AND c."id" = x."contactId"
    )
    SELECT
      (SELECT count(*)::int FROM cand) AS matched,
      (SELECT count(*)::int FROM cand WHERE "exclusion" IS NULL) AS eligible,
      (SELECT COALESCE(json_agg(json_build_object('reason', e."exclusion", 'count', e.n) ORDER BY e."exclusion"), '[]'::json)
         FROM (SELECT "exclusion", count(*)::int AS n FROM cand WHERE "exclusion" IS NOT NULL GROUP BY 1) e) AS "exclusionCounts",
      (SELECT COALESCE(json_agg(json_build_object(
                'contactId', "contactId", 'leadId', "leadId", 'email', "email", 'firstName', "firstName", 'lastName', "lastName",
                'title', "title", 'companyName', "companyName", 'contactTimeZone', "contactTimeZone", 'country', "country", 'score', "score", 'grade', "grade", 'replies', replies,
                'lastEngagedAt', "lastEngagedAt", 'points', points)
              ORDER BY points DESC, "score" DESC NULLS LAST, "lastEngagedAt" DESC NULLS LAST, "createdAt" ASC, "contactId" ASC), '[]'::json)
         FROM top_full) AS top,
      (SELECT COALESCE(json_agg(json_build_object('contactId', "contactId", 'email', "email", 'firstName', "firstName", 'lastName', "lastName", 'reason', "exclusion")
              ORDER BY ord), '[]'::json)
         FROM excluded_page) AS excluded`;
}

type RawTop = Omit<EligibleRow, "rank" | "lastEngagedAt"> & { lastEngagedAt: string | null };

export async function querySegment(tx: Pick<Tx, "$queryRaw" | "$executeRaw">, q: SegmentQuery): Promise<SegmentResult> {
  // A selective segment makes the planner expect few contacts and pick nested loops over the per-tenant
  // aggregates (each re-run per contact: minutes at 100,000 leads). Hash joins are right at every size here.
  await tx.$executeRaw`SET LOCAL enable_nestloop = off`;
  const [row] = await tx.$queryRaw<Array<{ matched: number; eligible: number; exclusionCounts: SegmentResult["exclusionCounts"]; top: RawTop[]; excluded: ExcludedRow[] }>>(segmentSql(q));
  await tx.$executeRaw`SET LOCAL enable_nestloop = on`;
  return {
    matched: row!.matched,
    eligible: row!.eligible,
    exclusionCounts: row!.exclusionCounts,
    top: row!.top.map((r, i) => ({ ...r, rank: i + 1, lastEngagedAt: r.lastEngagedAt ? new Date(r.lastEngagedAt) : null })),
    excluded: row!.excluded,
  };
}

/** Earlier sends (reserved or sent) and other live campaigns' planned sends that count against the plan's quotas. */
export interface PlanUsage {
  mailbox: number[];
  domains: Map<string, number[]>;
  contacts: Map<string, number[]>;
}

/**
 * What already uses the quotas a campaign plan must keep: sends (reserved or
 * sent) and other campaigns' planned sends on the mailbox, sends to the
 * recipients and their domains — and, apart (so the plan can say when they
 * push a campaign send), the e-mail steps sequences have planned: scheduled
 * or drafted step runs not yet sent, on the mailbox they will go from (their
 * draft's, else the tenant's default mailbox `defaultMailbox`, as the
 * sequence scheduler places them), to the recipients and their domains.
 */
export async function planUsage(
  tx: Pick<Tx, "$queryRaw">,
  q: { tenantId: string; mailbox: string; defaultMailbox: string | null; since: Date; emails: string[]; domains: string[]; excludeCampaignId?: string | null },
): Promise<PlanUsage & { sequences: PlanUsage }> {
  const t = q.tenantId;
  // One scan of the tenant's planned e-mail steps, then hash joins to the mailbox, the addresses and the domains
  // (a 2,000-address ANY() per step row would compare every pair).
  const sequenceRows = await tx.$queryRaw<Array<{ kind: "M" | "C" | "D"; key: string | null; at: Date }>>`
    WITH planned AS MATERIALIZED (
      SELECT r."scheduledFor" AS at, lower(COALESCE(d."mailbox", ${q.defaultMailbox}::text)) AS mailbox, lower(c."email") AS email
      FROM "SequenceStepRun" r
      JOIN "SequenceEnrollment" e ON e."tenantId" = r."tenantId" AND e."id" = r."enrollmentId"
      JOIN "Contact" c ON c."tenantId" = e."tenantId" AND c."id" = e."contactId"
      LEFT JOIN "Draft" d ON d."tenantId" = r."tenantId" AND d."id" = r."draftId"
      WHERE r."tenantId" = ${t}::uuid AND r."kind" = 'EMAIL' AND r."outcome" IN ('SCHEDULED', 'DRAFTED') AND r."scheduledFor" > ${q.since}
        AND c."email" IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM "EmailSend" es WHERE es."tenantId" = ${t}::uuid AND es."draftId" = r."draftId")
    )
    SELECT 'M' AS kind, NULL AS key, p.at FROM planned p WHERE p.mailbox = ${q.mailbox}
    UNION ALL
    SELECT 'C', p.email, p.at FROM planned p JOIN unnest(${q.emails}::text[]) AS x(email) ON x.email = p.email
    UNION ALL
    SELECT 'D', x.domain, p.at FROM planned p JOIN unnest(${q.domains}::text[]) AS x(domain) ON x.domain = split_part(p.email, '@', 2)`;
  const sequences: PlanUsage = { mailbox: [], domains: new Map(), contacts: new Map() };
  for (const r of sequenceRows) {
    const at = new Date(r.at).getTime();
    if (r.kind === "M") sequences.mailbox.push(at);
    else {
      const m = r.kind === "C" ? sequences.contacts : sequences.domains;
      m.set(r.key!, [...(m.get(r.key!) ?? []), at]);
    }
  }
  const mailboxRows = await tx.$queryRaw<Array<{ at: Date }>>`
    SELECT "reservedAt" AS at FROM "EmailSend" WHERE "tenantId" = ${t}::uuid AND "mailbox" = ${q.mailbox} AND "state" IN ('RESERVED', 'SENT') AND "reservedAt" > ${q.since}
    UNION ALL
    SELECT cr."plannedAt" FROM "CampaignRecipient" cr JOIN "Campaign" ca ON ca."id" = cr."campaignId"
    WHERE cr."tenantId" = ${t}::uuid AND ca."mailbox" = ${q.mailbox} AND ca."status" IN ('ACTIVE', 'PAUSED') AND cr."status" IN ('PLANNED', 'DRAFTED')
      AND cr."plannedAt" > ${q.since} AND ca."id" IS DISTINCT FROM ${q.excludeCampaignId ?? null}::uuid
      AND NOT EXISTS (SELECT 1 FROM "EmailSend" es WHERE es."tenantId" = ${t}::uuid AND es."draftId" = cr."draftId")`;
  const domainRows = q.domains.length
    ? await tx.$queryRaw<Array<{ key: string; at: Date }>>`
        SELECT "recipientDomain" AS key, "reservedAt" AS at FROM "EmailSend"
        WHERE "tenantId" = ${t}::uuid AND "recipientDomain" = ANY(${q.domains}::text[]) AND "state" IN ('RESERVED', 'SENT') AND "reservedAt" > ${q.since}`
    : [];
  const contactRows = q.emails.length
    ? await tx.$queryRaw<Array<{ key: string; at: Date }>>`
        SELECT "recipientEmail" AS key, "reservedAt" AS at FROM "EmailSend"
        WHERE "tenantId" = ${t}::uuid AND "recipientEmail" = ANY(${q.emails}::text[]) AND "state" IN ('RESERVED', 'SENT') AND "reservedAt" > ${q.since}`
    : [];
  const group = (rows: Array<{ key: string; at: Date }>) => {
    const m = new Map<string, number[]>();
    for (const r of rows) m.set(r.key, [...(m.get(r.key) ?? []), new Date(r.at).getTime()]);
    return m;
  };
  return { mailbox: mailboxRows.map((r) => new Date(r.at).getTime()), domains: group(domainRows), contacts: group(contactRows), sequences };
}

/**
 * A sequence's enrolment rule (Sequence.segment): contacts of the tenant
 * matching the segment that were never enrolled in that sequence (in any
 * status — an ended enrolment is not restarted by the rule), in id order
 * after `after`. Refusals (suppressed, do-not-contact, …) are left to the
 * enrolment itself, which gives the reasons.
 */
export async function segmentEnrollmentCandidates(
  tx: Pick<Tx, "$queryRaw">,
  q: { tenantId: string; sequenceId: string; segment: CampaignSegment; after: string | null; limit: number },
): Promise<string[]> {
  const t = q.tenantId;
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT DISTINCT c."id" FROM "Contact" c
    LEFT JOIN "Lead" l ON l."tenantId" = c."tenantId" AND l."contactId" = c."id"
    ${needsCompany(q.segment) ? Prisma.sql`LEFT JOIN "Company" co ON co."tenantId" = c."tenantId" AND co."id" = COALESCE(c."companyId", l."companyId")` : Prisma.empty}
    WHERE c."tenantId" = ${t}::uuid ${segmentWhere(q.segment)}
      AND c."id" > ${q.after ?? "00000000-0000-0000-0000-000000000000"}::uuid
      AND NOT EXISTS (SELECT 1 FROM "SequenceEnrollment" e WHERE e."tenantId" = ${t}::uuid AND e."sequenceId" = ${q.sequenceId}::uuid AND e."contactId" = c."id")
    ORDER BY c."id" LIMIT ${q.limit}`;
  return rows.map((r) => r.id);
}
