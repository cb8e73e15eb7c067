// Engagement of one sequence, in three grouped queries: per step position
// (over all versions) what its runs produced — drafts written, approved,
// rejected, sent, tasks, skipped, pushed to a later window — and replies
// (enrolments that ended with a reply while at that step); enrolments by
// status; exits by reason. Runs in a tenant transaction (row-level security) and names the tenant as well.
import type { PrismaClient, Tx } from "./database.js";

export interface SequenceEngagement {
  active: number;
  paused: number;
  completed: number;
  exited: number;
  steps: Array<{ position: number; scheduled: number; drafted: number; approved: number; rejected: number; sent: number; tasks: number; skipped: number; pushed: number; replied: number }>;
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
  const sum = (f: (r: (typeof enrollments)[number]) => boolean) => enrollments.filter(f).reduce((n, r) => n + r.count, 0);
  const exits = new Map<string, number>();
  for (const r of enrollments) if (r.status === "EXITED" && r.exitReason) exits.set(r.exitReason, (exits.get(r.exitReason) ?? 0) + r.count);
  return {
    active: sum((r) => r.status === "ACTIVE"),
    paused: sum((r) => r.status === "PAUSED"),
    completed: sum((r) => r.status === "COMPLETED"),
    exited: sum((r) => r.status === "EXITED"),
    steps: steps.map((s) => ({ ...s, replied: sum((r) => r.exitReason === "REPLIED" && r.currentStep === s.position) })),
    exitsByReason: [...exits].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
