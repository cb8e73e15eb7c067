// Enrolment by rule: a sequence's saved segment (Sequence.segment, the same
// criteria as a campaign's segment) whose matches the `sequence-segment` job
// enrols — periodically (the sweep) and on demand (sequenceSegmentRun, and
// right after the rule is set). The job enrols through enrollInUnitOfWork, so
// a contact gets exactly sequenceEnroll's refusals; it holds the sequence row
// lock from the candidate query to the enrolment, so two workers running the
// same rule enrol each contact once. A contact once enrolled in the sequence
// (in any status) is never enrolled again by the rule; a refused one is tried
// again on the next run (a suppression may have been lifted), but its refusal
// is audited once per (sequence, contact, reason) — again only when the
// reason changes, the contact was enrolled in between, or the rule changed
// (SequenceSegmentRefusal).
import { Prisma, withTenant, type Tx } from "../../data/database.js";
import { segmentEnrollmentCandidates } from "../../data/campaign-preview.js";
import { QUEUES } from "../../data/job-queue.js";
import { campaignSegmentSchema, type CampaignSegment } from "../../domain/campaign/campaign.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import { runMutation, runUnitOfWork, type Actor } from "../unit-of-work.js";
import { enrollInUnitOfWork, MAX_ENROLL_BATCH, type EnrollResult } from "./sequence.js";
import { sequenceActor } from "./sequence-runner.js";

/** How often the sweep enqueues every rule (minute 23 of every hour). */
export const SEQUENCE_SEGMENT_SWEEP_CRON = "23 * * * *";

export interface SequenceSegmentJob {
  tenantId: string;
  sequenceId: string;
  /** Continuation of a run that had more candidates than one batch: the last contact id done. */
  after?: string | null;
}

export type SegmentRunResult =
  | { skipped: "NO_SEQUENCE" | "ARCHIVED" | "NO_RULE" | "INVALID_RULE" }
  | { skipped?: undefined; candidates: number; enrolled: number; refused: Record<string, number>; more: boolean };

/** A rule that names no criterion would enrol every contact of the tenant: refused. */
export function segmentHasCriteria(s: CampaignSegment): boolean {
  return Object.values(s).some((v) => (Array.isArray(v) ? v.length > 0 : v != null));
}

function notFound() {
  return userError("NOT_FOUND", "No Sequence with this id.", ["input", "sequenceId"]);
}

async function enqueueRun(services: Pick<Services, "jobs">, job: SequenceSegmentJob, tx?: Tx): Promise<void> {
  // Policy "short" with the sequence as key: one waiting run per rule absorbs further requests. A
  // continuation has its own key, so a waiting run (which would start from the first contact again) cannot swallow it.
  const singletonKey = job.after ? `${job.sequenceId}:${job.after}` : job.sequenceId;
  await services.jobs.send(QUEUES.sequenceSegment.name, job, { singletonKey }, tx);
}

/** Sets (or, with null, removes) a sequence's enrolment rule; a new rule is run at once. */
export async function setSequenceSegment(
  services: Services,
  actor: Actor,
  input: { sequenceId: string; segment: CampaignSegment | null },
  idempotencyKey?: string | null,
): Promise<Outcome<{ sequenceId: string }>> {
  if (input.segment && !segmentHasCriteria(input.segment)) {
    return fail(userError("VALIDATION_FAILED", "segment must name at least one criterion (an empty rule would enrol every contact).", ["input", "segment"]));
  }
  return runMutation(services, actor, { operation: "sequenceSetSegment", input, idempotencyKey }, async (uow) => {
    const locked = await uow.tx.$queryRaw<{ id: string; status: string }[]>`SELECT "id", "status"::text FROM "Sequence" WHERE "id" = ${input.sequenceId}::uuid FOR UPDATE`;
    if (!locked.length) return fail(notFound());
    if (input.segment && locked[0]!.status !== "ACTIVE") return fail(userError("CONFLICT", "The sequence is archived: no new enrolments.", ["input", "sequenceId"]));
    await uow.tx.sequence.update({
      where: { id: input.sequenceId },
      data: { segment: input.segment ? (input.segment as unknown as Prisma.InputJsonValue) : Prisma.DbNull },
    });
    // A new rule is a new question: its refusals are audited afresh.
    await uow.tx.sequenceSegmentRefusal.deleteMany({ where: { sequenceId: input.sequenceId } });
    const tenantId = actor.principal.tenantId;
    if (input.segment) await enqueueRun(services, { tenantId, sequenceId: input.sequenceId }, uow.tx);
    await uow.audit({ action: "sequence.segment_set", targetType: "Sequence", targetId: input.sequenceId, summary: { segment: input.segment } });
    await uow.emit("sales.sequence.segment_set", { sequenceId: input.sequenceId, segment: input.segment });
    return ok({ sequenceId: input.sequenceId });
  });
}

/** Runs a sequence's rule now (as a job): its new matches are enrolled within seconds. */
export async function requestSegmentRun(services: Services, actor: Actor, input: { sequenceId: string }, idempotencyKey?: string | null): Promise<Outcome<{ sequenceId: string }>> {
  return runMutation(services, actor, { operation: "sequenceSegmentRun", input, idempotencyKey }, async (uow) => {
    const sequence = await uow.tx.sequence.findUnique({ where: { id: input.sequenceId }, select: { id: true, status: true, segment: true } });
    if (!sequence) return fail(notFound());
    if (sequence.status !== "ACTIVE") return fail(userError("CONFLICT", "The sequence is archived: no new enrolments.", ["input", "sequenceId"]));
    if (sequence.segment === null) return fail(userError("CONFLICT", "The sequence has no enrolment rule (set one with sequenceSetSegment).", ["input", "sequenceId"]));
    await enqueueRun(services, { tenantId: actor.principal.tenantId, sequenceId: sequence.id }, uow.tx);
    await uow.audit({ action: "sequence.segment_run_requested", targetType: "Sequence", targetId: sequence.id, summary: {} });
    return ok({ sequenceId: sequence.id });
  });
}

/**
 * One run of a rule (the job): up to MAX_ENROLL_BATCH new matches enrolled
 * (or refused with reasons) in one transaction as the sequence agent; more
 * continue in a follow-up job.
 */
export async function runSequenceSegment(services: Services, job: SequenceSegmentJob, now: Date = new Date()): Promise<SegmentRunResult> {
  const outcome = await runUnitOfWork<SegmentRunResult>(
    services,
    sequenceActor(job.tenantId),
    async (uow) => {
      // The lock is held from the candidate query to the enrolment: a second worker waits, then sees these enrolments.
      const locked = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Sequence" WHERE "id" = ${job.sequenceId}::uuid FOR UPDATE`;
      if (!locked.length) return ok({ skipped: "NO_SEQUENCE" as const });
      const sequence = await uow.tx.sequence.findUniqueOrThrow({ where: { id: job.sequenceId }, select: { status: true, segment: true } });
      if (sequence.status !== "ACTIVE") return ok({ skipped: "ARCHIVED" as const });
      if (sequence.segment === null) return ok({ skipped: "NO_RULE" as const });
      const parsed = campaignSegmentSchema.safeParse(sequence.segment);
      if (!parsed.success || !segmentHasCriteria(parsed.data)) return ok({ skipped: "INVALID_RULE" as const });
      const candidates = await segmentEnrollmentCandidates(uow.tx, {
        tenantId: job.tenantId,
        sequenceId: job.sequenceId,
        segment: parsed.data,
        after: job.after ?? null,
        limit: MAX_ENROLL_BATCH,
      });
      await uow.tx.sequence.update({ where: { id: job.sequenceId }, data: { segmentRunAt: now } });
      const more = candidates.length === MAX_ENROLL_BATCH;
      if (!candidates.length) return ok({ candidates: 0, enrolled: 0, refused: {}, more });
      const enrolment = await enrollInUnitOfWork(services, uow, { sequenceId: job.sequenceId, contactIds: candidates }, now, {
        refusalsToAudit: (refused) => newRefusals(uow.tx, job, refused, now),
      });
      if (!enrolment.ok) return enrolment;
      // Enrolled now: a refusal recorded for an earlier run is over.
      const enrolledIds = enrolment.value.results.filter((r) => r.enrollmentId).map((r) => r.contactId);
      if (enrolledIds.length) await uow.tx.sequenceSegmentRefusal.deleteMany({ where: { sequenceId: job.sequenceId, contactId: { in: enrolledIds } } });
      const refused: Record<string, number> = {};
      for (const r of enrolment.value.results) if (r.refusal) refused[r.refusal] = (refused[r.refusal] ?? 0) + 1;
      const enrolled = enrolment.value.results.filter((r) => r.enrollmentId).length;
      const summary = { candidates: candidates.length, enrolled, refused, more };
      await uow.audit({ action: "sequence.segment_run", targetType: "Sequence", targetId: job.sequenceId, summary });
      await uow.emit("sales.sequence.segment_run", { sequenceId: job.sequenceId, ...summary });
      if (more) await enqueueRun(services, { ...job, after: candidates[candidates.length - 1]! }, uow.tx);
      return ok(summary);
    },
    { timeout: 120_000 },
  );
  if (!outcome.ok) throw new Error(`sequence segment run failed: ${outcome.errors.map((e) => e.code).join(",")}`);
  return outcome.value;
}

/**
 * The refusals of this run that are new for the rule — first seen, or with a
 * reason other than last time — are audited; the rest were audited before
 * and are only touched (lastRefusedAt). Each refusal is recorded against the
 * (sequence, contact) with its reason; enrolment or a changed rule clears it.
 */
async function newRefusals(tx: Tx, job: SequenceSegmentJob, refused: EnrollResult[], now: Date): Promise<EnrollResult[]> {
  if (!refused.length) return [];
  const known = new Map(
    (
      await tx.sequenceSegmentRefusal.findMany({
        where: { sequenceId: job.sequenceId, contactId: { in: refused.map((r) => r.contactId) } },
        select: { contactId: true, reason: true },
      })
    ).map((r) => [r.contactId, r.reason]),
  );
  const fresh = refused.filter((r) => known.get(r.contactId) !== r.refusal);
  const seen = refused.filter((r) => known.get(r.contactId) === r.refusal).map((r) => r.contactId);
  if (seen.length) await tx.sequenceSegmentRefusal.updateMany({ where: { sequenceId: job.sequenceId, contactId: { in: seen } }, data: { lastRefusedAt: now } });
  // Changed reasons: the old record goes, the new one is written below.
  const changed = fresh.filter((r) => known.has(r.contactId)).map((r) => r.contactId);
  if (changed.length) await tx.sequenceSegmentRefusal.deleteMany({ where: { sequenceId: job.sequenceId, contactId: { in: changed } } });
  // NOT_FOUND cannot happen for a candidate the query just found (RLS keeps it in the tenant); it is not recorded.
  const rows = fresh.filter((r) => r.refusal !== "NOT_FOUND");
  if (rows.length) {
    await tx.sequenceSegmentRefusal.createMany({
      data: rows.map((r) => ({ tenantId: job.tenantId, sequenceId: job.sequenceId, contactId: r.contactId, reason: r.refusal!, firstRefusedAt: now, lastRefusedAt: now })),
      skipDuplicates: true,
    });
  }
  return fresh;
}

/** The sweep: one run per active rule of every tenant. */
export async function enqueueSegmentRunsForAllTenants(services: Services): Promise<number> {
  const tenants = await services.db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  let queued = 0;
  for (const { id: tenantId } of tenants) {
    const sequences = await withTenant(services.db.prisma, { tenantId }, (tx) =>
      tx.sequence.findMany({ where: { status: "ACTIVE", segment: { not: Prisma.DbNull } }, select: { id: true } }),
    );
    for (const s of sequences) await enqueueRun(services, { tenantId, sequenceId: s.id });
    queued += sequences.length;
  }
  return queued;
}
