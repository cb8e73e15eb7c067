// Running enrolments: what a sequence-step job does, the pause/resume/exit
// mechanics shared by people and inbound mail, the inbound hook, and the send
// path's window check.
//
// A step's life: RUN at its time (an e-mail step `draftLeadHours` before the
// recipient's window opens) → an e-mail step's draft is written by the draft
// writer as the tenant's agent (origin SEQUENCE, originRef = the step run)
// and waits in the review queue like any draft; a task step makes a task; a
// wait step only waits. CHECK at the window's end: sent → the next step is
// placed from the send time; rejected/cancelled/failed → skipped, the next
// step is placed from now; still waiting for approval (or queued) → the step
// moves to the next window, and the send path holds an approved draft until
// then. Every job carries the enrolment's schedule token: pausing, resuming
// or ending an enrolment bumps it, so older jobs do nothing.
import { randomUUID } from "node:crypto";
import type { Prisma, Tx } from "../../data/database.js";
import { QUEUES } from "../../data/job-queue.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import {
  inboundEffect,
  nextWindow,
  placeStep,
  prepareAt,
  sequenceHold,
  type ExitReason,
  type SendWindow,
  type SequenceBranch,
} from "../../domain/sequence/sequence.js";
import { normaliseEmail } from "../../domain/sending/suppression.js";
import { recipientSoftBouncePause } from "../../domain/sending/deliverability.js";
import { assignVariant, type StepVariant } from "../../domain/sequence/sequence-variant.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { ok, type Outcome } from "../../domain/user-error.js";
import type { SequenceEnrollment, SequenceStep, SequenceVersion } from "../../generated/prisma/client.js";
import { createDraftInUnitOfWork } from "../draft/draft.js";
import { changeStatus, lockDraft, recipientSuppression, type Draft } from "../draft/draft-state.js";
import { composeDraft } from "../draft/draft-writer.js";
import type { Services } from "../services.js";
import { createTaskInUnitOfWork } from "../pipeline/task.js";
import { quotaPlanner } from "./sequence-quota.js";
import { runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";

export const SEQUENCE_AGENT = "sequence";
/** A CHECK runs this long after the window's end, so a send started in the last minutes has finished. */
export const CHECK_GRACE_MS = 5 * 60_000;

export type StepAction = "RUN" | "CHECK" | "RESUME";

export interface SequenceStepJob {
  tenantId: string;
  enrollmentId: string;
  stepRunId: string;
  /** The enrolment's scheduleToken when the job was made. */
  token: number;
  action: StepAction;
}

export type StepJobResult = { outcome: string; detail?: string };

export function sequenceActor(tenantId: string): Actor {
  return { principal: agentPrincipal(tenantId, SEQUENCE_AGENT), meta: { requestId: randomUUID(), traceId: null } };
}

/** The send window of a step for one recipient. */
export function stepWindow(step: Pick<SequenceStep, "windowStart" | "windowEnd">, version: Pick<SequenceVersion, "skipWeekends" | "skipHolidays">, timeZone: string, holidays: readonly string[]): SendWindow {
  return { timeZone, start: step.windowStart, end: step.windowEnd, skipWeekends: version.skipWeekends, holidays: version.skipHolidays ? [...holidays] : [] };
}

/** Enqueues a step's job in the caller's transaction: RUN of an e-mail step goes `leadHours` ahead of its time. */
export async function scheduleStepJob(services: Pick<Services, "jobs">, tx: Tx, job: SequenceStepJob, kind: string, at: Date, leadHours: number, now: Date): Promise<void> {
  const startAfter = job.action === "RUN" && kind === "EMAIL" ? prepareAt(at, leadHours, now) : at;
  await services.jobs.send(QUEUES.sequenceStep.name, job, { startAfter }, tx);
}

async function lockEnrollment(tx: Tx, enrollmentId: string): Promise<SequenceEnrollment | null> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "SequenceEnrollment" WHERE "id" = ${enrollmentId}::uuid FOR UPDATE`;
  return rows.length ? tx.sequenceEnrollment.findUnique({ where: { id: enrollmentId } }) : null;
}

async function settingsOf(tx: Tx, tenantId: string) {
  return readTenantSettings((await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } })).settings);
}

function windowOf(run: { sendWindow: unknown }): SendWindow {
  return run.sendWindow as SendWindow;
}

async function emitStep(uow: UnitOfWork, type: string, enrollment: SequenceEnrollment, run: { id: string; position: number; kind: string }, extra: Record<string, unknown> = {}) {
  await uow.emit(type, { enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId, contactId: enrollment.contactId, stepRunId: run.id, position: run.position, kind: run.kind, ...extra });
}

/**
 * Moves to the step after the current one, placed from `base`; or completes
 * the enrolment after the last. In the caller's transaction, enrolment locked.
 */
async function advance(services: Services, uow: UnitOfWork, enrollment: SequenceEnrollment, base: Date, now: Date): Promise<void> {
  const next = enrollment.currentStep + 1;
  const version = await uow.tx.sequenceVersion.findUniqueOrThrow({ where: { id: enrollment.versionId }, include: { steps: { where: { position: next } } } });
  const step = version.steps[0];
  if (!step) {
    await uow.tx.sequenceEnrollment.update({ where: { id: enrollment.id }, data: { status: "COMPLETED", live: null, completedAt: now } });
    await uow.audit({ action: "sequence.enrollment_completed", targetType: "SequenceEnrollment", targetId: enrollment.id, summary: { steps: next } });
    await uow.emit("sales.sequence.enrollment_completed", { enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId, contactId: enrollment.contactId });
    return;
  }
  const settings = await settingsOf(uow.tx, enrollment.tenantId);
  const window = stepWindow(step, version, enrollment.timeZone, settings.sequences.holidays);
  const placement = placeStep(new Date(Math.max(base.getTime(), 0)), { amount: step.delayAmount, unit: step.delayUnit }, window);
  const candidate = placement.at.getTime() < now.getTime() ? nextWindow(now, window) : placement;
  // Quotas are planned: an e-mail step that would break the mailbox or recipient limit moves to a later window, and says so.
  const contact = step.kind === "EMAIL" ? await uow.tx.contact.findUnique({ where: { id: enrollment.contactId }, select: { id: true, email: true } }) : null;
  const planned = contact ? await quotaPlanner(uow.tx, settings, now).place(contact, candidate, window) : { placement: candidate, pushes: 0, pushReason: null };
  const at = planned.placement;
  const run = await uow.tx.sequenceStepRun.create({
    data: {
      tenantId: enrollment.tenantId,
      enrollmentId: enrollment.id,
      stepId: step.id,
      position: next,
      kind: step.kind,
      scheduledFor: at.at,
      windowEnd: at.windowEnd,
      sendWindow: window as unknown as Prisma.InputJsonValue,
      pushedCount: planned.pushes,
      pushReason: planned.pushReason,
    },
  });
  await uow.tx.sequenceEnrollment.update({ where: { id: enrollment.id }, data: { currentStep: next } });
  await scheduleStepJob(
    services,
    uow.tx,
    { tenantId: enrollment.tenantId, enrollmentId: enrollment.id, stepRunId: run.id, token: enrollment.scheduleToken, action: "RUN" },
    step.kind,
    at.at,
    settings.sequences.draftLeadHours,
    now,
  );
  await emitStep(uow, "sales.sequence.step_scheduled", enrollment, run, { scheduledFor: at.at.toISOString(), pushReason: planned.pushReason });
}

const OPEN_DRAFT = new Set(["PENDING_REVIEW", "APPROVED", "BLOCKED", "QUEUED"]);

/** Ends an enrolment: the step in progress is cancelled, and its draft too when it has not gone out. */
export async function exitEnrollment(
  _services: unknown,
  uow: UnitOfWork,
  enrollment: SequenceEnrollment,
  reason: ExitReason,
  detail: string,
  extra: { branch?: SequenceBranch; intent?: string | null } = {},
): Promise<{ cancelledDraftIds: string[] }> {
  const now = new Date();
  await uow.tx.sequenceEnrollment.update({
    where: { id: enrollment.id },
    data: {
      status: "EXITED",
      live: null,
      exitReason: reason,
      exitDetail: detail.slice(0, 500),
      exitIntent: extra.intent ?? null,
      exitedAt: now,
      pausedUntil: null,
      scheduleToken: { increment: 1 },
    },
  });
  const cancelledDraftIds: string[] = [];
  const open = await uow.tx.sequenceStepRun.findMany({ where: { enrollmentId: enrollment.id, outcome: { in: ["SCHEDULED", "DRAFTED"] } } });
  for (const run of open) {
    if (run.draftId) {
      const draft = await lockDraft(uow.tx, run.draftId);
      if (draft && OPEN_DRAFT.has(draft.status)) {
        const why = `The sequence enrolment ended (${reason}): ${detail}`.slice(0, 500);
        const cancelled = await changeStatus(uow, draft, { action: "cancel", data: { cancelReason: why, holdReason: null, holdUntil: null }, summary: { reason: why, sequenceEnrollmentId: enrollment.id } });
        if (cancelled.ok) cancelledDraftIds.push(draft.id);
      }
    }
    await uow.tx.sequenceStepRun.update({ where: { id: run.id }, data: { outcome: "CANCELLED", outcomeReason: `Enrolment ended: ${reason}`, completedAt: now } });
  }
  const branch = extra.branch ?? null;
  await uow.audit({ action: "sequence.enrollment_exited", targetType: "SequenceEnrollment", targetId: enrollment.id, summary: { reason, detail, cancelledDraftIds, branch } });
  await uow.emit("sales.sequence.enrollment_exited", { enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId, contactId: enrollment.contactId, reason, cancelledDraftIds, branch });
  return { cancelledDraftIds };
}

/**
 * Pauses an enrolment (until a time, or indefinitely): the step in progress
 * is moved to the first window after the pause, so a draft already approved
 * is held by the send path until then; a RESUME job is due at `until`.
 */
export async function pauseEnrollment(services: Services, uow: UnitOfWork, enrollment: SequenceEnrollment, until: Date | null, reason: string, now: Date): Promise<void> {
  const updated = await uow.tx.sequenceEnrollment.update({
    where: { id: enrollment.id },
    data: { status: "PAUSED", pausedUntil: until, pauseReason: reason.slice(0, 500), scheduleToken: { increment: 1 } },
  });
  const run = await uow.tx.sequenceStepRun.findFirst({ where: { enrollmentId: enrollment.id, outcome: { in: ["SCHEDULED", "DRAFTED"] } } });
  if (run) {
    const from = new Date(Math.max(run.scheduledFor.getTime(), (until ?? now).getTime()));
    const moved = nextWindow(from, windowOf(run));
    await uow.tx.sequenceStepRun.update({ where: { id: run.id }, data: { scheduledFor: moved.at, windowEnd: moved.windowEnd, pushReason: `Paused: ${reason}`.slice(0, 500) } });
  }
  if (until) {
    await scheduleStepJob(services, uow.tx, { tenantId: enrollment.tenantId, enrollmentId: enrollment.id, stepRunId: run?.id ?? "", token: updated.scheduleToken, action: "RESUME" }, "", until, 0, now);
  }
  await uow.audit({ action: "sequence.enrollment_paused", targetType: "SequenceEnrollment", targetId: enrollment.id, summary: { until: until?.toISOString() ?? null, reason } });
  await uow.emit("sales.sequence.enrollment_paused", { enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId, contactId: enrollment.contactId, until: until?.toISOString() ?? null, reason });
}

/** Resumes a paused enrolment: the step in progress gets its next window and its job again. */
export async function resumeEnrollment(services: Services, uow: UnitOfWork, enrollment: SequenceEnrollment, now: Date, by: "manual" | "return date"): Promise<void> {
  const updated = await uow.tx.sequenceEnrollment.update({
    where: { id: enrollment.id },
    data: { status: "ACTIVE", pausedUntil: null, pauseReason: null, scheduleToken: { increment: 1 } },
  });
  const run = await uow.tx.sequenceStepRun.findFirst({ where: { enrollmentId: enrollment.id, outcome: { in: ["SCHEDULED", "DRAFTED"] } } });
  if (run) {
    const moved = nextWindow(new Date(Math.max(run.scheduledFor.getTime(), now.getTime())), windowOf(run));
    await uow.tx.sequenceStepRun.update({ where: { id: run.id }, data: { scheduledFor: moved.at, windowEnd: moved.windowEnd } });
    const settings = await settingsOf(uow.tx, enrollment.tenantId);
    const job = { tenantId: enrollment.tenantId, enrollmentId: enrollment.id, stepRunId: run.id, token: updated.scheduleToken };
    if (run.outcome === "DRAFTED") await scheduleStepJob(services, uow.tx, { ...job, action: "CHECK" }, run.kind, new Date(moved.windowEnd.getTime() + CHECK_GRACE_MS), 0, now);
    else await scheduleStepJob(services, uow.tx, { ...job, action: "RUN" }, run.kind, moved.at, settings.sequences.draftLeadHours, now);
  }
  await uow.audit({ action: "sequence.enrollment_resumed", targetType: "SequenceEnrollment", targetId: enrollment.id, summary: { by } });
  await uow.emit("sales.sequence.enrollment_resumed", { enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId, contactId: enrollment.contactId, by });
}

// ---- the job ------------------------------------------------------------------------------

type Phase1 =
  | { kind: "done"; result: StepJobResult }
  | { kind: "compose"; contactId: string; brief: string; subject: string | null; variant: string | null; authorCandidates: string[] };

/** Handles one sequence-step job. Safe to run twice: the token and the step's outcome decide. */
export async function runSequenceStep(services: Services, job: SequenceStepJob, now: Date = new Date()): Promise<StepJobResult> {
  const actor = sequenceActor(job.tenantId);
  const first = await runUnitOfWork(services, actor, async (uow): Promise<Outcome<Phase1>> => {
    const done = (outcome: string, detail?: string) => ok<Phase1>({ kind: "done", result: { outcome, detail } });
    const enrollment = await lockEnrollment(uow.tx, job.enrollmentId);
    if (!enrollment) return done("skipped", "no such enrolment");
    if (enrollment.scheduleToken !== job.token) return done("skipped", "the schedule changed since");
    if (job.action === "RESUME") {
      if (enrollment.status !== "PAUSED") return done("skipped", `enrolment is ${enrollment.status}`);
      await resumeEnrollment(services, uow, enrollment, now, "return date");
      return done("resumed");
    }
    if (enrollment.status !== "ACTIVE") return done("skipped", `enrolment is ${enrollment.status}`);
    const run = await uow.tx.sequenceStepRun.findUnique({ where: { id: job.stepRunId }, include: { step: true } });
    if (!run || run.enrollmentId !== enrollment.id) return done("skipped", "no such step run");

    if (job.action === "CHECK") return ok<Phase1>({ kind: "done", result: await check(services, uow, enrollment, run, now) });
    if (run.outcome !== "SCHEDULED") return done("skipped", `step is ${run.outcome}`);

    if (run.kind === "WAIT") {
      await uow.tx.sequenceStepRun.update({ where: { id: run.id }, data: { outcome: "WAITED", completedAt: now } });
      await emitStep(uow, "sales.sequence.step_completed", enrollment, run, { outcome: "WAITED" });
      await advance(services, uow, enrollment, now, now);
      return done("waited");
    }
    const contact = await uow.tx.contact.findUnique({ where: { id: enrollment.contactId }, select: { id: true, email: true, ownerId: true, doNotContact: true } });
    if (run.kind === "TASK") {
      const task = await createTaskInUnitOfWork(uow, {
        title: run.step.taskTitle ?? "Sequence task",
        description: `Step ${run.position + 1} of a sequence.`,
        dueAt: run.scheduledFor,
        assigneeId: contact?.ownerId ?? undefined,
        contactId: contact?.id,
      });
      const taskId = task.ok ? task.value.taskId : null;
      await uow.tx.sequenceStepRun.update({
        where: { id: run.id },
        data: { outcome: task.ok ? "TASK_CREATED" : "SKIPPED", taskId, outcomeReason: task.ok ? null : task.errors.map((e) => e.message).join(" ").slice(0, 500), completedAt: now },
      });
      await emitStep(uow, "sales.sequence.step_completed", enrollment, run, { outcome: task.ok ? "TASK_CREATED" : "SKIPPED", taskId });
      await advance(services, uow, enrollment, new Date(Math.max(now.getTime(), run.scheduledFor.getTime())), now);
      return done(task.ok ? "task" : "skipped");
    }
    // EMAIL: may this person still be mailed?
    if (!contact || !contact.email) {
      await exitEnrollment(services, uow, enrollment, "SUPPRESSED", "The contact no longer exists or has no e-mail address.");
      return done("exited", "no address");
    }
    const suppressed = await recipientSuppression(uow.tx, contact.email, contact.id);
    if (suppressed) {
      await exitEnrollment(services, uow, enrollment, contact.doNotContact ? "DO_NOT_CONTACT" : "SUPPRESSED", suppressed);
      return done("exited", suppressed);
    }
    const authors = [enrollment.enrolledById].filter((id): id is string => !!id && /^[0-9a-f-]{36}$/i.test(id));
    // An A/B step: the variant is drawn from the enrolment and the position, so a retried job writes the same one.
    const variants = run.step.variants as StepVariant[] | null;
    const variant = variants?.length ? assignVariant(variants, enrollment.id, run.position) : null;
    return ok<Phase1>({
      kind: "compose",
      contactId: contact.id,
      brief: variant?.brief ?? run.step.brief ?? "",
      subject: variant ? variant.subject : run.step.subject,
      variant: variant?.key ?? null,
      authorCandidates: authors,
    });
  });
  if (!first.ok) throw new Error(first.errors.map((e) => e.message).join(" "));
  if (first.value.kind === "done") return first.value.result;

  // The draft writer (one AI call), outside any transaction.
  const plan = first.value;
  const composed = await composeDraft(services, { tenantId: job.tenantId, agent: SEQUENCE_AGENT }, {
    kind: "OUTREACH",
    contactId: plan.contactId,
    recommendation: { title: plan.subject ?? "Sequence e-mail", rationale: plan.brief },
    authorCandidates: plan.authorCandidates,
  });

  const second = await runUnitOfWork(services, actor, async (uow): Promise<Outcome<StepJobResult>> => {
    const enrollment = await lockEnrollment(uow.tx, job.enrollmentId);
    if (!enrollment || enrollment.scheduleToken !== job.token || enrollment.status !== "ACTIVE") return ok({ outcome: "skipped", detail: "the enrolment changed while the draft was written" });
    const run = await uow.tx.sequenceStepRun.findUniqueOrThrow({ where: { id: job.stepRunId } });
    if (run.outcome !== "SCHEDULED") return ok({ outcome: "skipped", detail: `step is ${run.outcome}` });
    const skip = async (reason: string) => {
      await uow.tx.sequenceStepRun.update({ where: { id: run.id }, data: { outcome: "SKIPPED", outcomeReason: reason.slice(0, 500), completedAt: now } });
      await emitStep(uow, "sales.sequence.step_completed", enrollment, run, { outcome: "SKIPPED", reason });
      await advance(services, uow, enrollment, now, now);
      return ok<StepJobResult>({ outcome: "skipped", detail: reason });
    };
    if (!composed) return skip("The contact no longer exists.");
    const created = await createDraftInUnitOfWork(services, uow, {
      recipient: { contactId: plan.contactId },
      subject: plan.subject?.trim() || composed.subject,
      bodyText: composed.bodyText,
      leadId: composed.leadId,
      category: "ONE_TO_ONE",
      origin: "SEQUENCE",
      originRef: run.id,
      threadId: composed.threadId,
      onBehalfOfUserId: composed.author?.userId ?? null,
    }, { memoriesUsed: composed.memoriesUsed }); // long memory the writer was given: Draft.memoriesUsed for the reviewer
    if (!created.ok) return skip(`The draft could not be created: ${created.errors.map((e) => `${e.code}: ${e.message}`).join(" ")}`);
    await uow.tx.sequenceStepRun.update({ where: { id: run.id }, data: { outcome: "DRAFTED", draftId: created.value.draftId, variant: plan.variant } });
    await scheduleStepJob(services, uow.tx, { ...job, action: "CHECK" }, run.kind, new Date(run.windowEnd.getTime() + CHECK_GRACE_MS), 0, now);
    await emitStep(uow, "sales.sequence.step_drafted", enrollment, run, { draftId: created.value.draftId, scheduledFor: run.scheduledFor.toISOString(), variant: plan.variant });
    return ok({ outcome: "drafted", detail: created.value.draftId });
  });
  if (!second.ok) throw new Error(second.errors.map((e) => e.message).join(" "));
  return second.value;
}

/** At the window's end: did the step's e-mail go out? */
async function check(
  services: Services,
  uow: UnitOfWork,
  enrollment: SequenceEnrollment,
  run: Prisma.SequenceStepRunGetPayload<{ include: { step: true } }>,
  now: Date,
): Promise<StepJobResult> {
  if (run.outcome !== "DRAFTED" || !run.draftId) return { outcome: "skipped", detail: `step is ${run.outcome}` };
  const draft = await uow.tx.draft.findUnique({ where: { id: run.draftId }, select: { status: true, sentAt: true, rejectionReason: true, cancelReason: true, failureReason: true } });
  if (!draft) return { outcome: "skipped", detail: "the draft is gone" };
  if (draft.status === "SENT") {
    const sentAt = draft.sentAt ?? now;
    await uow.tx.sequenceStepRun.update({ where: { id: run.id }, data: { outcome: "SENT", completedAt: sentAt } });
    await emitStep(uow, "sales.sequence.step_completed", enrollment, run, { outcome: "SENT", draftId: run.draftId });
    await advance(services, uow, enrollment, sentAt, now);
    return { outcome: "sent" };
  }
  if (draft.status === "REJECTED" || draft.status === "CANCELLED" || draft.status === "FAILED") {
    const reason = `The draft was ${draft.status.toLowerCase()}${draft.rejectionReason || draft.cancelReason || draft.failureReason ? `: ${draft.rejectionReason ?? draft.cancelReason ?? draft.failureReason}` : ""}.`;
    await uow.tx.sequenceStepRun.update({ where: { id: run.id }, data: { outcome: "SKIPPED", outcomeReason: reason.slice(0, 500), completedAt: now } });
    await emitStep(uow, "sales.sequence.step_completed", enrollment, run, { outcome: "SKIPPED", draftId: run.draftId, reason });
    await advance(services, uow, enrollment, now, now);
    return { outcome: "skipped", detail: reason };
  }
  // Not out yet: the step waits for the recipient's next window (the send path holds it until then).
  const reason =
    draft.status === "PENDING_REVIEW" || draft.status === "BLOCKED"
      ? `Not approved by the end of the window (draft ${draft.status}): waits for the next window.`
      : `Approved but not sent by the end of the window (draft ${draft.status}): waits for the next window.`;
  const moved = nextWindow(new Date(Math.max(now.getTime(), run.windowEnd.getTime())), windowOf(run));
  await uow.tx.sequenceStepRun.update({ where: { id: run.id }, data: { scheduledFor: moved.at, windowEnd: moved.windowEnd, pushedCount: { increment: 1 }, pushReason: reason } });
  await scheduleStepJob(
    services,
    uow.tx,
    { tenantId: enrollment.tenantId, enrollmentId: enrollment.id, stepRunId: run.id, token: enrollment.scheduleToken, action: "CHECK" },
    run.kind,
    new Date(moved.windowEnd.getTime() + CHECK_GRACE_MS),
    0,
    now,
  );
  await uow.audit({ action: "sequence.step_pushed", targetType: "SequenceStepRun", targetId: run.id, summary: { reason, to: moved.at.toISOString(), draftId: run.draftId } });
  await emitStep(uow, "sales.sequence.step_pushed", enrollment, run, { draftId: run.draftId, reason, scheduledFor: moved.at.toISOString() });
  return { outcome: "pushed", detail: reason };
}

// ---- inbound mail -------------------------------------------------------------------------

export interface InboundForSequences {
  inboundMessageId: string;
  contactId: string | null;
  intent: string | null;
  automated: boolean;
  ruleKind: string | null;
  returnDate: string | null;
  /** A bounce's kind (the deliverability signal's, else the analysis'); null when not a bounce or unknown. */
  bounce?: "HARD" | "SOFT" | null;
  /** The address a bounce is about, when the message is linked to no contact (a bounce only the model recognised). */
  bouncedAddress?: string | null;
}

/**
 * What an analysed inbound message does to the sender's live enrolments (in
 * the analysis's own transaction): exit, with the step's draft cancelled; or
 * pause until the return date. A meeting request or an objection also names
 * a branch: the caller has the reply draft written (the inbound analysis).
 * Returns what it did.
 */
export async function applyInboundToSequences(services: Services, uow: UnitOfWork, message: InboundForSequences, now: Date = new Date()) {
  const exited: string[] = [];
  const paused: string[] = [];
  const cancelledDraftIds: string[] = [];
  const branches: Array<{ enrollmentId: string; sequenceId: string; branch: SequenceBranch }> = [];
  // A bounce is about the address that bounced, not whoever sent (or relayed) the notice.
  const contactId =
    (message.bounce && message.bouncedAddress
      ? ((await uow.tx.contact.findFirst({ where: { email: normaliseEmail(message.bouncedAddress) }, select: { id: true } }))?.id ?? null)
      : null) ?? message.contactId;
  if (!contactId) return { exited, paused, cancelledDraftIds, branches };
  const softBouncePause = message.bounce === "SOFT" ? await softBouncePauseFor(uow, contactId, message.inboundMessageId, now) : null;
  const live = await uow.tx.sequenceEnrollment.findMany({ where: { contactId, live: true }, select: { id: true } });
  for (const { id } of live) {
    const enrollment = await lockEnrollment(uow.tx, id);
    if (!enrollment || (enrollment.status !== "ACTIVE" && enrollment.status !== "PAUSED")) continue;
    // An enrolment already paused longer than a soft-bounce pause keeps its own (an out-of-office's return date).
    if (softBouncePause && enrollment.status === "PAUSED" && enrollment.pausedUntil && enrollment.pausedUntil >= softBouncePause.until) continue;
    const effect = inboundEffect({ ...message, softBouncePause }, enrollment.timeZone, now);
    if (!effect) continue;
    if (effect.kind === "EXIT") {
      const r = await exitEnrollment(services, uow, enrollment, effect.reason, `${effect.detail} (message ${message.inboundMessageId})`, { branch: effect.branch, intent: message.intent });
      exited.push(enrollment.id);
      cancelledDraftIds.push(...r.cancelledDraftIds);
      if (effect.branch) branches.push({ enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId, branch: effect.branch });
    } else {
      await pauseEnrollment(services, uow, enrollment, effect.until, effect.detail, now);
      paused.push(enrollment.id);
    }
  }
  return { exited, paused, cancelledDraftIds, branches };
}

/**
 * The recipient's soft bounces within the tenant's window (this message's
 * included, recorded as a deliverability signal or not), and the pause they
 * call for; null below the tenant's count.
 */
async function softBouncePauseFor(uow: UnitOfWork, contactId: string, inboundMessageId: string, now: Date): Promise<{ until: Date; detail: string } | null> {
  const contact = await uow.tx.contact.findUnique({ where: { id: contactId }, select: { email: true } });
  if (!contact?.email) return null;
  const settings = readTenantSettings((await uow.tx.tenant.findUniqueOrThrow({ where: { id: uow.actor.principal.tenantId }, select: { settings: true } })).settings).deliverability;
  const since = new Date(now.getTime() - settings.softBounce.recipientWindowHours * 3_600_000);
  const recorded = await uow.tx.deliverabilitySignal.findMany({
    where: { kind: "SOFT_BOUNCE", recipientEmail: normaliseEmail(contact.email), occurredAt: { gt: since } },
    select: { inboundMessageId: true },
  });
  const count = recorded.length + (recorded.some((r) => r.inboundMessageId === inboundMessageId) ? 0 : 1);
  return recipientSoftBouncePause(settings, count, now);
}

/**
 * Something outside the mail ended the cadence for these contacts (a meeting
 * was booked, a deal they are on moved): their live enrolments exit with the
 * reason, pending step drafts cancelled. In the caller's transaction.
 */
export async function exitSequencesForContacts(uow: UnitOfWork, contactIds: readonly string[], reason: ExitReason, detail: string): Promise<string[]> {
  if (!contactIds.length) return [];
  const exited: string[] = [];
  const live = await uow.tx.sequenceEnrollment.findMany({ where: { contactId: { in: [...new Set(contactIds)] }, live: true }, select: { id: true }, orderBy: { id: "asc" } });
  for (const { id } of live) {
    const enrollment = await lockEnrollment(uow.tx, id);
    if (!enrollment || (enrollment.status !== "ACTIVE" && enrollment.status !== "PAUSED")) continue;
    await exitEnrollment(null, uow, enrollment, reason, detail);
    exited.push(id);
  }
  return exited;
}

// ---- the send path ------------------------------------------------------------------------

/**
 * For the send path: when a sequence draft may not go out now (its step's
 * time has not come, or the recipient's window is closed), the time to try
 * again and why; null for any other draft, or when it may go.
 */
export async function sequenceSendHold(tx: Tx, draft: Pick<Draft, "origin" | "originRef">, now: Date): Promise<{ until: Date; reason: string } | null> {
  if (draft.origin !== "SEQUENCE" || !draft.originRef || !/^[0-9a-f-]{36}$/i.test(draft.originRef)) return null;
  const run = await tx.sequenceStepRun.findUnique({ where: { id: draft.originRef }, select: { scheduledFor: true, sendWindow: true } });
  if (!run) return null;
  return sequenceHold(now, run.scheduledFor, windowOf(run));
}

/**
 * An address was unsubscribed (the unsubscribe link): the live enrolments of
 * its contact end at once (UNSUBSCRIBED), their step drafts cancelled.
 */
export async function exitSequencesForAddress(services: Services, uow: UnitOfWork, email: string, reason: ExitReason, detail: string): Promise<string[]> {
  const contact = await uow.tx.contact.findFirst({ where: { email: normaliseEmail(email) }, select: { id: true } });
  if (!contact) return [];
  const exited: string[] = [];
  const live = await uow.tx.sequenceEnrollment.findMany({ where: { contactId: contact.id, live: true }, select: { id: true } });
  for (const { id } of live) {
    const enrollment = await lockEnrollment(uow.tx, id);
    if (!enrollment || (enrollment.status !== "ACTIVE" && enrollment.status !== "PAUSED")) continue;
    await exitEnrollment(services, uow, enrollment, reason, detail);
    exited.push(id);
  }
  return exited;
}
