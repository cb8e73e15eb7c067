// Sequence use cases: create, update (a new version when the steps change),
// archive; enrol contacts (a result per contact, refusals with reasons); pause,
// resume and end an enrolment. Each runs in one tenant transaction with its
// audit entries and `sales.sequence.*` events; the first step of each new
// enrolment is scheduled as a pg-boss job in the same transaction.
//
// Versions: the steps of a version never change. Editing the steps makes a
// new version that only new enrolments get; enrolments in flight stay on
// theirs (sequenceUpdate says how many that are).
import { z } from "zod";
import { v7 as uuidv7 } from "uuid";
import type PgBoss from "pg-boss";
import type { Prisma, Tx } from "../../data/database.js";
import { QUEUES, transactionDb } from "../../data/job-queue.js";
import {
  enrollmentRefusal,
  parseClock,
  placeStep,
  prepareAt,
  recipientTimeZone,
  REFUSAL_MESSAGES,
  SEQUENCE_DELAY_UNITS,
  SEQUENCE_STEP_KINDS,
  stepProblems,
  type EnrollmentRefusal,
  type ExitReason,
  type StepDefinition,
} from "../../domain/sequence/sequence.js";
import { suppressionKeys } from "../../domain/sending/suppression.js";
import { findErasureHashKey } from "../../data/tenant-secret.js";
import { stepVariantSchema, VARIANT_KEYS, type StepVariant } from "../../domain/sequence/sequence-variant.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { exitEnrollment, pauseEnrollment, resumeEnrollment, stepWindow, type SequenceStepJob } from "./sequence-runner.js";
import { quotaPlanner } from "./sequence-quota.js";
import type { Services } from "../services.js";
import { bufferedUnitOfWork, runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";

/** Contacts one sequenceEnroll call may name. */
export const MAX_ENROLL_BATCH = 1000;

const clock = z.string().refine((s) => parseClock(s) !== null, "must be a time HH:MM");

export const sequenceStepSchema = z.object({
  kind: z.enum(SEQUENCE_STEP_KINDS),
  delayAmount: z.number().int().min(0),
  delayUnit: z.enum(SEQUENCE_DELAY_UNITS).default("BUSINESS_DAYS"),
  windowStart: clock.default("08:00"),
  windowEnd: clock.default("11:00"),
  brief: z.string().trim().max(4000).nullish(),
  subject: z.string().trim().max(300).nullish(),
  taskTitle: z.string().trim().max(300).nullish(),
  /** EMAIL: an A/B test, exactly two variants (A, B); the step's brief and subject are then variant A's. */
  variants: z.array(stepVariantSchema).max(2).nullish(),
});
export type SequenceStepInput = z.infer<typeof sequenceStepSchema>;

export const sequenceCreateSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(200),
  description: z.string().trim().max(2000).default(""),
  steps: z.array(sequenceStepSchema).max(50),
  skipWeekends: z.boolean().default(true),
  skipHolidays: z.boolean().default(true),
});
export type SequenceCreateInput = z.infer<typeof sequenceCreateSchema>;

export const sequenceUpdateSchema = z.object({
  sequenceId: z.string().uuid(),
  name: z.string().trim().min(1, "must not be empty").max(200).optional(),
  description: z.string().trim().max(2000).optional(),
  /** Given: a new version with these steps (and skip rules). */
  steps: z.array(sequenceStepSchema).max(50).optional(),
  skipWeekends: z.boolean().optional(),
  skipHolidays: z.boolean().optional(),
});
export type SequenceUpdateInput = z.infer<typeof sequenceUpdateSchema>;

function definitions(steps: SequenceStepInput[]): StepDefinition[] {
  return steps.map((s) => ({
    kind: s.kind,
    delay: { amount: s.delayAmount, unit: s.delayUnit },
    windowStart: parseClock(s.windowStart)!,
    windowEnd: parseClock(s.windowEnd)!,
    // With an A/B test the step's own brief and subject are variant A's.
    brief: s.variants?.length ? s.variants[0]!.brief : s.brief,
    subject: s.variants?.length ? (s.variants[0]!.subject ?? null) : s.subject,
    taskTitle: s.taskTitle,
    variants: s.variants?.length ? s.variants.map((v) => ({ brief: v.brief, subject: v.subject ?? null, weight: v.weight })) : null,
  }));
}

/** The stored variants of a step (A, B), or null without a test. */
function storedVariants(s: StepDefinition): StepVariant[] | null {
  if (s.kind !== "EMAIL" || !s.variants?.length) return null;
  return s.variants.map((v, i) => ({ key: VARIANT_KEYS[i]!, brief: v.brief, subject: v.subject?.trim() || null, weight: v.weight }));
}

function stepErrors(steps: SequenceStepInput[]): UserError[] {
  return stepProblems(definitions(steps)).map(([path, message]) =>
    userError("VALIDATION_FAILED", `steps${path.length ? `.${path.join(".")}` : ""} ${message}`, ["input", "steps", ...path]),
  );
}

async function createVersion(
  uow: UnitOfWork,
  sequenceId: string,
  version: number,
  steps: SequenceStepInput[],
  rules: { skipWeekends: boolean; skipHolidays: boolean },
): Promise<string> {
  const tenantId = uow.actor.principal.tenantId;
  const created = await uow.tx.sequenceVersion.create({
    data: { tenantId, sequenceId, version, skipWeekends: rules.skipWeekends, skipHolidays: rules.skipHolidays, createdById: uow.actor.principal.id },
  });
  await uow.tx.sequenceStep.createMany({
    data: definitions(steps).map((s, position) => ({
      tenantId,
      versionId: created.id,
      position,
      kind: s.kind,
      delayAmount: s.delay.amount,
      delayUnit: s.delay.unit,
      windowStart: s.windowStart,
      windowEnd: s.windowEnd,
      brief: s.kind === "EMAIL" ? (s.brief ?? null) : null,
      subject: s.kind === "EMAIL" ? (s.subject || null) : null,
      taskTitle: s.kind === "TASK" ? (s.taskTitle ?? null) : null,
      variants: (storedVariants(s) as unknown as Prisma.InputJsonValue | null) ?? undefined,
    })),
  });
  return created.id;
}

function notFound(field = ["input", "sequenceId"]): UserError {
  return userError("NOT_FOUND", "No Sequence with this id.", field);
}

export async function createSequence(services: Services, actor: Actor, input: SequenceCreateInput, idempotencyKey?: string | null): Promise<Outcome<{ sequenceId: string }>> {
  const errors = stepErrors(input.steps);
  if (errors.length) return fail(...errors);
  return runMutation(services, actor, { operation: "sequenceCreate", input, idempotencyKey }, async (uow) => {
    const sequence = await uow.tx.sequence.create({
      data: { tenantId: actor.principal.tenantId, name: input.name, description: input.description, createdById: actor.principal.userId },
    });
    await createVersion(uow, sequence.id, 1, input.steps, input);
    const summary = { name: input.name, version: 1, steps: input.steps.map((s) => s.kind) };
    await uow.audit({ action: "sequence.created", targetType: "Sequence", targetId: sequence.id, summary });
    await uow.emit("sales.sequence.created", { sequenceId: sequence.id, ...summary });
    return ok({ sequenceId: sequence.id });
  });
}

export async function updateSequence(
  services: Services,
  actor: Actor,
  input: SequenceUpdateInput,
  idempotencyKey?: string | null,
): Promise<Outcome<{ sequenceId: string; version: number; newVersion: boolean; enrollmentsOnEarlierVersions: number }>> {
  if (input.steps) {
    const errors = stepErrors(input.steps);
    if (errors.length) return fail(...errors);
  }
  return runMutation(services, actor, { operation: "sequenceUpdate", input, idempotencyKey }, async (uow) => {
    const rows = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Sequence" WHERE "id" = ${input.sequenceId}::uuid FOR UPDATE`;
    if (!rows.length) return fail(notFound());
    const sequence = await uow.tx.sequence.findUniqueOrThrow({ where: { id: input.sequenceId } });
    if (sequence.status === "ARCHIVED") return fail(userError("CONFLICT", "The sequence is archived; it cannot be edited.", ["input", "sequenceId"]));
    const current = await uow.tx.sequenceVersion.findUniqueOrThrow({
      where: { sequenceId_version: { sequenceId: sequence.id, version: sequence.currentVersion } },
      include: { steps: { orderBy: { position: "asc" } } },
    });
    // New steps or new skip rules: a new version. Enrolments in flight stay on theirs.
    const rulesChanged =
      (input.skipWeekends !== undefined && input.skipWeekends !== current.skipWeekends) || (input.skipHolidays !== undefined && input.skipHolidays !== current.skipHolidays);
    const newVersion = !!input.steps || rulesChanged;
    let version = sequence.currentVersion;
    if (newVersion) {
      version += 1;
      const steps: SequenceStepInput[] =
        input.steps ??
        current.steps.map((s) => ({
          kind: s.kind,
          delayAmount: s.delayAmount,
          delayUnit: s.delayUnit,
          windowStart: `${String(Math.floor(s.windowStart / 60)).padStart(2, "0")}:${String(s.windowStart % 60).padStart(2, "0")}`,
          windowEnd: s.windowEnd === 1440 ? "24:00" : `${String(Math.floor(s.windowEnd / 60)).padStart(2, "0")}:${String(s.windowEnd % 60).padStart(2, "0")}`,
          brief: s.brief,
          subject: s.subject,
          taskTitle: s.taskTitle,
          variants: (s.variants as StepVariant[] | null)?.map((v) => ({ brief: v.brief, subject: v.subject, weight: v.weight })) ?? null,
        }));
      await createVersion(uow, sequence.id, version, steps, {
        skipWeekends: input.skipWeekends ?? current.skipWeekends,
        skipHolidays: input.skipHolidays ?? current.skipHolidays,
      });
    }
    await uow.tx.sequence.update({
      where: { id: sequence.id },
      data: { name: input.name ?? sequence.name, description: input.description ?? sequence.description, currentVersion: version },
    });
    const inFlight = await uow.tx.sequenceEnrollment.count({ where: { sequenceId: sequence.id, live: true, version: { version: { lt: version } } } });
    const summary = { version, newVersion, enrollmentsOnEarlierVersions: inFlight, name: input.name ?? sequence.name };
    await uow.audit({ action: "sequence.updated", targetType: "Sequence", targetId: sequence.id, summary });
    await uow.emit("sales.sequence.updated", { sequenceId: sequence.id, ...summary });
    return ok({ sequenceId: sequence.id, version, newVersion, enrollmentsOnEarlierVersions: inFlight });
  });
}

export async function archiveSequence(services: Services, actor: Actor, input: { sequenceId: string }, idempotencyKey?: string | null): Promise<Outcome<{ sequenceId: string }>> {
  return runMutation(services, actor, { operation: "sequenceArchive", input, idempotencyKey }, async (uow) => {
    const sequence = await uow.tx.sequence.findUnique({ where: { id: input.sequenceId } });
    if (!sequence) return fail(notFound());
    if (sequence.status === "ARCHIVED") return ok({ sequenceId: sequence.id });
    await uow.tx.sequence.update({ where: { id: sequence.id }, data: { status: "ARCHIVED" } });
    const live = await uow.tx.sequenceEnrollment.count({ where: { sequenceId: sequence.id, live: true } });
    await uow.audit({ action: "sequence.archived", targetType: "Sequence", targetId: sequence.id, summary: { liveEnrollments: live } });
    await uow.emit("sales.sequence.archived", { sequenceId: sequence.id, liveEnrollments: live });
    return ok({ sequenceId: sequence.id });
  });
}

// ---- enrolment ----------------------------------------------------------------------------

export interface EnrollResult {
  contactId: string;
  enrollmentId: string | null;
  refusal: EnrollmentRefusal | null;
  message: string | null;
  /** When the first step is due (in the recipient's window). */
  firstStepAt: Date | null;
  /** Why the first step was placed later than its delay said (a quota would have broken), if it was. */
  pushReason?: string | null;
}

export const sequenceEnrollSchema = z.object({
  sequenceId: z.string().uuid(),
  contactIds: z.array(z.string()).min(1, "must name at least one contact").max(MAX_ENROLL_BATCH),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function suppressedEmails(tx: Tx, emails: string[]): Promise<Set<string>> {
  if (!emails.length) return new Set();
  const hashKey = await findErasureHashKey(tx);
  const keys = new Map(emails.map((e) => [e, suppressionKeys(e, hashKey)]));
  const values = [...new Set([...keys.values()].flat().map((k) => k.value))];
  const entries = await tx.suppression.findMany({ where: { value: { in: values } }, select: { kind: true, value: true } });
  const listed = new Set(entries.map((e) => `${e.kind}:${e.value}`));
  return new Set(emails.filter((e) => keys.get(e)!.some((k) => listed.has(`${k.kind}:${k.value}`))));
}

/**
 * Enrols contacts (ids; unknown or foreign ones are NOT_FOUND) in the
 * sequence's current version. One transaction: the sequence row is locked, so
 * two enrolments of the same contact cannot both pass the check.
 */
export async function enrollContacts(
  services: Services,
  actor: Actor,
  input: { sequenceId: string; contactIds: string[] },
  idempotencyKey?: string | null,
  now: Date = new Date(),
): Promise<Outcome<{ sequenceId: string; results: EnrollResult[] }>> {
  return runMutation(services, actor, { operation: "sequenceEnroll", input, idempotencyKey }, (plain) => enrollInUnitOfWork(services, plain, input, now), { timeout: 120_000 });
}

/**
 * The enrolment itself, in the caller's unit of work: sequenceEnroll, and the
 * triggers (a form submission, an accepted recommendation) that enrol as the
 * tenant's rule says, with the same refusals.
 */
export async function enrollInUnitOfWork(
  services: Services,
  plain: UnitOfWork,
  input: { sequenceId: string; contactIds: string[] },
  now: Date = new Date(),
  options: {
    /**
     * Which refusals to audit (default all): the segment rule audits a refusal once per (sequence, contact,
     * reason), not on every run (sequence-segment.ts). Called in the transaction, with every refusal.
     */
    refusalsToAudit?: (refused: EnrollResult[]) => Promise<EnrollResult[]>;
  } = {},
): Promise<Outcome<{ sequenceId: string; results: EnrollResult[] }>> {
  const actor = plain.actor;
  {
    {
      const uow = bufferedUnitOfWork(plain);
      const { tx } = uow;
      const tenantId = actor.principal.tenantId;
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Sequence" WHERE "id" = ${input.sequenceId}::uuid FOR UPDATE`;
      if (!locked.length) return fail(notFound());
      const sequence = await tx.sequence.findUniqueOrThrow({ where: { id: input.sequenceId } });
      if (sequence.status !== "ACTIVE") return fail(userError("CONFLICT", "The sequence is archived: no new enrolments.", ["input", "sequenceId"]));
      const version = await tx.sequenceVersion.findUniqueOrThrow({
        where: { sequenceId_version: { sequenceId: sequence.id, version: sequence.currentVersion } },
        include: { steps: { orderBy: { position: "asc" } } },
      });
      const first = version.steps[0]!;
      const settings = readTenantSettings((await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } })).settings);
      const planner = quotaPlanner(tx, settings, now);

      const ids = [...new Set(input.contactIds)];
      const valid = ids.filter((id) => UUID.test(id));
      const contacts = await tx.contact.findMany({
        where: { id: { in: valid } },
        select: { id: true, email: true, doNotContact: true, timeZone: true, company: { select: { country: true } } },
      });
      const byId = new Map(contacts.map((c) => [c.id, c]));
      const suppressed = await suppressedEmails(tx, contacts.flatMap((c) => (c.email ? [c.email] : [])));
      const enrolled = new Set(
        (await tx.sequenceEnrollment.findMany({ where: { sequenceId: sequence.id, live: true, contactId: { in: valid } }, select: { contactId: true } })).map((e) => e.contactId),
      );
      const disqualified = new Set(
        (await tx.lead.findMany({ where: { contactId: { in: valid }, status: "DISQUALIFIED" }, select: { contactId: true } })).map((l) => l.contactId),
      );

      if (first.kind === "EMAIL") await planner.preload(contacts);

      const results: EnrollResult[] = [];
      const enrollments: Prisma.SequenceEnrollmentCreateManyInput[] = [];
      const runs: Prisma.SequenceStepRunCreateManyInput[] = [];
      const jobs: Array<{ enrollmentId: string; stepRunId: string; at: Date }> = [];
      for (const contactId of ids) {
        const c = byId.get(contactId);
        const refusal = enrollmentRefusal({
          exists: !!c,
          email: c?.email ?? null,
          doNotContact: c?.doNotContact ?? false,
          suppressed: !!c?.email && suppressed.has(c.email),
          alreadyEnrolled: enrolled.has(contactId),
          disqualified: disqualified.has(contactId),
        });
        if (refusal) {
          results.push({ contactId, enrollmentId: null, refusal, message: REFUSAL_MESSAGES[refusal], firstStepAt: null });
          continue;
        }
        const zone = recipientTimeZone({ contactTimeZone: c!.timeZone, country: c!.company?.country, tenantTimeZone: settings.general.timeZone });
        const window = stepWindow(first, version, zone.timeZone, settings.sequences.holidays);
        // Quotas are planned, not only enforced: an e-mail step that would break a limit moves to a later window;
        // one that no window can take (a limit of 0, or a calendar full for months) is refused.
        const planned =
          first.kind === "EMAIL"
            ? await planner.place({ id: contactId, email: c!.email }, placeStep(now, { amount: first.delayAmount, unit: first.delayUnit }, window), window)
            : { placement: placeStep(now, { amount: first.delayAmount, unit: first.delayUnit }, window), pushes: 0, pushReason: null };
        if ("impossible" in planned && planned.impossible) {
          results.push({ contactId, enrollmentId: null, refusal: "QUOTA_IMPOSSIBLE", message: REFUSAL_MESSAGES.QUOTA_IMPOSSIBLE, firstStepAt: null });
          continue;
        }
        const enrollmentId = uuidv7();
        const stepRunId = uuidv7();
        const placement = planned.placement;
        enrollments.push({
          id: enrollmentId,
          tenantId,
          sequenceId: sequence.id,
          versionId: version.id,
          contactId,
          timeZone: zone.timeZone,
          timeZoneSource: zone.source,
          enrolledById: actor.principal.userId ?? actor.principal.id,
          enrolledByLabel: actor.principal.label,
        });
        runs.push({
          id: stepRunId,
          tenantId,
          enrollmentId,
          stepId: first.id,
          position: 0,
          kind: first.kind,
          scheduledFor: placement.at,
          windowEnd: placement.windowEnd,
          sendWindow: window as unknown as Prisma.InputJsonValue,
          pushedCount: planned.pushes,
          pushReason: planned.pushReason,
        });
        jobs.push({ enrollmentId, stepRunId, at: placement.at });
        enrolled.add(contactId);
        results.push({ contactId, enrollmentId, refusal: null, message: null, firstStepAt: placement.at, pushReason: planned.pushReason });
        await uow.audit({
          action: "sequence.enrolled",
          targetType: "SequenceEnrollment",
          targetId: enrollmentId,
          summary: {
            sequenceId: sequence.id,
            version: version.version,
            contactId,
            timeZone: zone.timeZone,
            timeZoneSource: zone.source,
            firstStepAt: placement.at.toISOString(),
            pushReason: planned.pushReason,
          },
        });
        await uow.emit("sales.sequence.enrolled", {
          enrollmentId,
          sequenceId: sequence.id,
          version: version.version,
          contactId,
          firstStepAt: placement.at.toISOString(),
          pushReason: planned.pushReason,
        });
      }
      if (enrollments.length) {
        await tx.sequenceEnrollment.createMany({ data: enrollments });
        await tx.sequenceStepRun.createMany({ data: runs });
        await scheduleStepJobs(services, tx, tenantId, first.kind, jobs, settings.sequences.draftLeadHours, now);
      }
      const allRefused = results.filter((r) => r.refusal);
      const refused = options.refusalsToAudit ? await options.refusalsToAudit(allRefused) : allRefused;
      if (refused.length) {
        await uow.audit({
          action: "sequence.enroll_refused",
          targetType: "Sequence",
          targetId: sequence.id,
          summary: { refused: refused.map((r) => ({ contactId: r.contactId, reason: r.refusal })).slice(0, 200), count: refused.length },
        });
      }
      await uow.flush();
      return ok({ sequenceId: sequence.id, results });
    }
  }
}

/**
 * A trigger's enrolment (settings.sequences): enrols the contact in the named
 * sequence inside the caller's transaction; a refusal (or a sequence that no
 * longer exists or is archived) is reported, never thrown, so the triggering
 * action still happens.
 */
export async function enrollByTrigger(
  services: Services,
  uow: UnitOfWork,
  sequenceId: string,
  contactId: string,
  trigger: "FORM_SUBMISSION" | "RECOMMENDATION_ACCEPTED",
): Promise<{ enrollmentId: string | null; refusal: string | null }> {
  const outcome = await enrollInUnitOfWork(services, uow, { sequenceId, contactIds: [contactId] });
  const result = outcome.ok ? outcome.value.results[0] : null;
  const refusal = outcome.ok ? (result?.refusal ?? null) : outcome.errors.map((e) => e.code).join(",");
  await uow.audit({ action: "sequence.triggered", targetType: "Sequence", targetId: sequenceId, summary: { trigger, contactId, enrollmentId: result?.enrollmentId ?? null, refusal } });
  await uow.emit("sales.sequence.triggered", { sequenceId, contactId, trigger, enrollmentId: result?.enrollmentId ?? null, refusal });
  return { enrollmentId: result?.enrollmentId ?? null, refusal };
}

/** The first step's jobs of many enrolments: one INSERT (pg-boss insert) in the enrolment's transaction. */
async function scheduleStepJobs(
  services: Services,
  tx: Tx,
  tenantId: string,
  kind: string,
  jobs: Array<{ enrollmentId: string; stepRunId: string; at: Date }>,
  leadHours: number,
  now: Date,
): Promise<void> {
  const rows: PgBoss.JobInsert<SequenceStepJob>[] = jobs.map((job) => ({
    name: QUEUES.sequenceStep.name,
    data: { tenantId, enrollmentId: job.enrollmentId, stepRunId: job.stepRunId, token: 0, action: "RUN" },
    startAfter: (kind === "EMAIL" ? prepareAt(job.at, leadHours, now) : job.at).toISOString(),
  }));
  for (let i = 0; i < rows.length; i += 1000) await services.jobs.boss.insert(rows.slice(i, i + 1000), { db: transactionDb(tx) });
}

// ---- pause, resume, exit ------------------------------------------------------------------

export const enrollmentPauseSchema = z.object({
  enrollmentId: z.string().uuid(),
  /** Resume by itself then; absent: until someone resumes it. */
  until: z.date().nullish(),
  reason: z.string().trim().max(500).nullish(),
});

function enrollmentNotFound(): UserError {
  return userError("NOT_FOUND", "No SequenceEnrollment with this id.", ["input", "enrollmentId"]);
}

async function lockEnrollment(tx: Tx, enrollmentId: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "SequenceEnrollment" WHERE "id" = ${enrollmentId}::uuid FOR UPDATE`;
  return rows.length ? tx.sequenceEnrollment.findUnique({ where: { id: enrollmentId } }) : null;
}

function wrongState(status: string, wanted: string): UserError {
  return userError("INVALID_TRANSITION", `The enrolment is ${status}; this needs it ${wanted}.`, ["input", "enrollmentId"]);
}

export async function pauseEnrollmentByUser(
  services: Services,
  actor: Actor,
  input: z.infer<typeof enrollmentPauseSchema>,
  idempotencyKey?: string | null,
  now: Date = new Date(),
): Promise<Outcome<{ enrollmentId: string }>> {
  if (input.until && input.until.getTime() <= now.getTime()) return fail(userError("VALIDATION_FAILED", "until must be in the future.", ["input", "until"]));
  return runMutation(services, actor, { operation: "enrollmentPause", input, idempotencyKey }, async (uow) => {
    const enrollment = await lockEnrollment(uow.tx, input.enrollmentId);
    if (!enrollment) return fail(enrollmentNotFound());
    if (enrollment.status !== "ACTIVE") return fail(wrongState(enrollment.status, "ACTIVE"));
    await pauseEnrollment(services, uow, enrollment, input.until ?? null, input.reason?.trim() || `Paused by ${actor.principal.label}.`, now);
    return ok({ enrollmentId: enrollment.id });
  });
}

export async function resumeEnrollmentByUser(services: Services, actor: Actor, input: { enrollmentId: string }, idempotencyKey?: string | null, now: Date = new Date()): Promise<Outcome<{ enrollmentId: string }>> {
  return runMutation(services, actor, { operation: "enrollmentResume", input, idempotencyKey }, async (uow) => {
    const enrollment = await lockEnrollment(uow.tx, input.enrollmentId);
    if (!enrollment) return fail(enrollmentNotFound());
    if (enrollment.status !== "PAUSED") return fail(wrongState(enrollment.status, "PAUSED"));
    await resumeEnrollment(services, uow, enrollment, now, "manual");
    return ok({ enrollmentId: enrollment.id });
  });
}

export async function exitEnrollmentByUser(
  services: Services,
  actor: Actor,
  input: { enrollmentId: string; reason?: string | null },
  idempotencyKey?: string | null,
): Promise<Outcome<{ enrollmentId: string }>> {
  return runMutation(services, actor, { operation: "enrollmentExit", input, idempotencyKey }, async (uow) => {
    const enrollment = await lockEnrollment(uow.tx, input.enrollmentId);
    if (!enrollment) return fail(enrollmentNotFound());
    if (enrollment.status !== "ACTIVE" && enrollment.status !== "PAUSED") return fail(wrongState(enrollment.status, "ACTIVE or PAUSED"));
    const reason: ExitReason = "MANUAL";
    await exitEnrollment(services, uow, enrollment, reason, input.reason?.trim() || `Ended by ${actor.principal.label}.`);
    return ok({ enrollmentId: enrollment.id });
  });
}
