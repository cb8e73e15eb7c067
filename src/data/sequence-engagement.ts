// Engagement of one sequence, in three grouped queries: per step position
// (over all versions) what its runs produced — drafts written, approved,
// rejected, sent, tasks, skipped, pushed to a later window — and replies
// (enrolments that ended with a reply while at that step); enrolments by
// status; exits by reason. Runs in a tenant transaction (row-level security) and names the tenant as well.
import { abWinner, POSITIVE_INTENTS, type VariantVerdict } from "../domain/sequence/sequence-variant.js";
import type { PrismaClient, Tx } from "./database.js";

/** Exits that mean a person answered (whatever the intent). */
export const REPLY_EXITS = ["REPLIED", "NOT_INTERESTED", "MEETING_REQUESTED", "OBJECTION"] as const;

export interface VariantEngagement {
  position: number;
  variant: string;
  sent: number;
  replied: number;
  positive: number;
  replyRate: number;
  positiveReplyRate: number;
}

export interface SequenceEngagement {
  active: number;
  paused: number;
  completed: number;
  exited: number;
  steps: Array<{
    position: number;
    scheduled: number;
    drafted: number;
    approved: number;
    rejected: number;
    sent: number;
    tasks: number;
    skipped: number;
    pushed: number;
    replied: number;
    /** A/B steps: per variant, sends and the replies to them (a reply counts for the last e-mail sent before it). */
    variants: VariantEngagement[];
    /** The verdict of the stated rule (src/domain/sequence/sequence-variant.ts), null for a step without variants. */
    abTest: VariantVerdict | null;
  }>;
  exitsByReason: Array<{ reason: string; count: number }>;
}

type Db = Pick<PrismaClient | Tx, "$queryRaw">;

export async function sequenceEngagement(db: Db, tenantId: string, sequenceId: string): Promise<SequenceEngagement> {
  const steps = await db.$queryRaw<Array<Omit<SequenceEngagement["steps"][number], "replied">>>`
    SELECT r."position",
      count(*) FILTER (WHERE r."outcome" = 'SCHEDULED')::int AS scheduled,
      count(r."draftId")::int AS drafted,
      count(*) FILTER (WHERE d."approvedAt" IS NOT NULL)::int AS approved,
      count(*) FILTER (WHERE d."status" = 'REJECTED')::int AS rejected,
      count(*) FILTER (WHERE r."outcome" = 'SENT' OR d."status" = 'SENT')::int AS sent,
      count(*) FILTER (WHERE r."outcome" = 'TASK_CREATED')::int AS tasks,
      count(*) FILTER (WHERE r."outcome" = 'SKIPPED')::int AS skipped,
      count(*) FILTER (WHERE r."pushedCount" > 0)::int AS pushed
    FROM "SequenceStepRun" r
    JOIN "SequenceEnrollment" e ON e."id" = r."enrollmentId"
    LEFT JOIN "Draft" d ON d."id" = r."draftId"
    WHERE e."tenantId" = ${tenantId}::uuid AND e."sequenceId" = ${sequenceId}::uuid
    GROUP BY r."position" ORDER BY r."position"`;
  const enrollments = await db.$queryRaw<Array<{ status: string; exitReason: string | null; currentStep: number; count: number }>>`
    SELECT "status"::text AS status, "exitReason", "currentStep", count(*)::int AS count
    FROM "SequenceEnrollment" WHERE "tenantId" = ${tenantId}::uuid AND "sequenceId" = ${sequenceId}::uuid
    GROUP BY 1, 2, 3`;
  // Per A/B variant: its sends, and the replies whose last e-mail sent before them was this one.
  const positive = [...POSITIVE_INTENTS];
  const replyExits = [...REPLY_EXITS];
  const variantRows = await db.$queryRaw<Array<{ position: number; variant: string; sent: number; replied: number; positive: number }>>`
    WITH sent AS (
      SELECT r."enrollmentId", r."position", r."variant"
      FROM "SequenceStepRun" r
      JOIN "SequenceEnrollment" e ON e."id" = r."enrollmentId"
      LEFT JOIN "Draft" d ON d."id" = r."draftId"
      WHERE e."tenantId" = ${tenantId}::uuid AND e."sequenceId" = ${sequenceId}::uuid AND r."kind" = 'EMAIL' AND (r."outcome" = 'SENT' OR d."status" = 'SENT')
    ), last_sent AS (
      SELECT DISTINCT ON ("enrollmentId") "enrollmentId", "position" FROM sent ORDER BY "enrollmentId", "position" DESC
    )
    SELECT s."position", s."variant",
      count(*)::int AS sent,
      count(*) FILTER (WHERE l."enrollmentId" IS NOT NULL AND e."exitReason" = ANY(${replyExits}))::int AS replied,
      count(*) FILTER (WHERE l."enrollmentId" IS NOT NULL AND e."exitReason" = ANY(${replyExits}) AND e."exitIntent" = ANY(${positive}))::int AS positive
    FROM sent s
    JOIN "SequenceEnrollment" e ON e."id" = s."enrollmentId"
    LEFT JOIN last_sent l ON l."enrollmentId" = s."enrollmentId" AND l."position" = s."position"
    WHERE s."variant" IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2`;
  const rate = (x: number, n: number) => (n > 0 ? Math.round((x / n) * 10_000) / 10_000 : 0);
  const variantsAt = (position: number): VariantEngagement[] => {
    const rows = variantRows.filter((v) => v.position === position);
    if (!rows.length) return [];
    // A variant nothing was sent for yet still shows (with zeros): the verdict needs both.
    const all = ["A", "B"].map((key) => rows.find((v) => v.variant === key) ?? { position, variant: key, sent: 0, replied: 0, positive: 0 });
    return all.map((v) => ({ ...v, replyRate: rate(v.replied, v.sent), positiveReplyRate: rate(v.positive, v.sent) }));
  };
  const sum = (f: (r: (typeof enrollments)[number]) => boolean) => enrollments.filter(f).reduce((n, r) => n + r.count, 0);
  const exits = new Map<string, number>();
  for (const r of enrollments) if (r.status === "EXITED" && r.exitReason) exits.set(r.exitReason, (exits.get(r.exitReason) ?? 0) + r.count);
  return {
    active: sum((r) => r.status === "ACTIVE"),
    paused: sum((r) => r.status === "PAUSED"),
    completed: sum((r) => r.status === "COMPLETED"),
    exited: sum((r) => r.status === "EXITED"),
    steps: steps.map((s) => {
      const variants = variantsAt(s.position);
      return {
        ...s,
        replied: sum((r) => (REPLY_EXITS as readonly string[]).includes(r.exitReason ?? "") && r.currentStep === s.position),
        variants,
        abTest: variants.length ? abWinner(variants.map((v) => ({ key: v.variant, sent: v.sent, replied: v.replied, positive: v.positive }))) : null,
      };
    }),
    exitsByReason: [...exits].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
