// Draft use cases: create, revise, approve, reject, send, cancel, and approve
// in bulk. Each runs in one tenant transaction with its audit entry and event;
// a refused request changes nothing. Who may approve or send is the approval
// policy's answer (src/domain/tenant/approval-policy.ts), never a role test here.
import { recordDraftMemories } from "../memory/memory.js";
import { z } from "zod";
import type { Prisma } from "../../data/database.js";
import { QUEUES } from "../../data/job-queue.js";
import { isFullyApproved, mayApprove, maySend, type ApprovalPolicy } from "../../domain/tenant/approval-policy.js";
import { DRAFT_ORIGINS, MAIL_CATEGORIES, transition, type DraftOrigin, type DraftStatus } from "../../domain/draft/draft.js";
import { activeClaim, CLAIM_CLEARED, claimRefusal } from "../../domain/draft/draft-claim.js";
import type { Principal } from "../../domain/access/principal.js";
import { describeBinding } from "../../domain/sending/quota.js";
import { sendingStop, sendingStopError } from "../../domain/sending/sending.js";
import { normaliseMailbox } from "../../domain/sending/sending.js";
import type { TenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { messageIdFor } from "../../integrations/email/compose.js";
import { resolveRecipient, type RecipientInput } from "./draft-recipient.js";
import { connectedMailboxAllowed } from "./reply-mailbox.js";
import {
  changeStatus,
  currentApprovals,
  draftNotFound,
  emitDraftEvent,
  gateFor,
  lockDraft,
  recipientSuppression,
  suppressedError,
  tenantSettings,
  type Draft,
} from "./draft-state.js";
import { quotaStatus } from "../sending/send-quota.js";
import type { Services } from "../services.js";
import { runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";

const ACTOR_TYPE = { USER: "USER", API_KEY: "API_KEY", AGENT: "AGENT" } as const;

/** Hard ceilings; the tenant's quality settings set the real (lower) limits. */
const SUBJECT_CEILING = 998;
const BODY_CEILING = 1_000_000;

export const draftContentSchema = z.object({
  subject: z.string().trim().min(1, "must not be empty").max(SUBJECT_CEILING * 4),
  bodyText: z.string().refine((s) => s.trim().length > 0, "must not be empty").pipe(z.string().max(BODY_CEILING * 2)),
  bodyHtml: z.string().max(BODY_CEILING * 2).nullish(),
});

export const draftCreateSchema = draftContentSchema.extend({
  recipient: z.union([
    z.object({ contactId: z.string().uuid() }),
    z.object({
      email: z.string().trim().email("must be an e-mail address").max(254),
      firstName: z.string().trim().max(100).nullish(),
      lastName: z.string().trim().max(100).nullish(),
    }),
  ]),
  leadId: z.string().uuid().nullish(),
  dealId: z.string().uuid().nullish(),
  mailbox: z.string().trim().toLowerCase().email("must be an e-mail address").max(254).nullish(),
  category: z.enum(MAIL_CATEGORIES).default("ONE_TO_ONE"),
  origin: z.enum(DRAFT_ORIGINS).nullish(),
  /** The agent job id or sequence step id behind the draft. */
  originRef: z.string().trim().min(1).max(200).nullish(),
  /** The conversation and the inbound message this draft answers (agents' replies). */
  threadId: z.string().uuid().nullish(),
  inboundMessageId: z.string().uuid().nullish(),
  /**
   * Agents only: the member the draft is written for. Their own address may
   * then be the sender mailbox, as it may for a draft they write themselves.
   */
  onBehalfOfUserId: z.string().uuid().nullish(),
});
export type DraftCreateInput = z.infer<typeof draftCreateSchema>;

export const draftUpdateSchema = z.object({
  draftId: z.string().uuid(),
  subject: z.string().trim().min(1, "must not be empty").max(SUBJECT_CEILING * 4).nullish(),
  bodyText: z.string().refine((s) => s.trim().length > 0, "must not be empty").pipe(z.string().max(BODY_CEILING * 2)).nullish(),
  /** null clears the HTML part; absent leaves it. */
  bodyHtml: z.string().max(BODY_CEILING * 2).nullish(),
  category: z.enum(MAIL_CATEGORIES).nullish(),
  /** Refuse the edit when someone else revised the draft meanwhile. */
  expectedRevision: z.number().int().min(1).nullish(),
});
export type DraftUpdateInput = z.infer<typeof draftUpdateSchema> & { clearHtml?: boolean };

type DraftResult = Outcome<{ draftId: string }>;

function authorOf(p: Principal) {
  return { authorType: ACTOR_TYPE[p.kind], authorId: p.id, authorUserId: p.userId, authorLabel: p.label };
}

/** Who an origin may be claimed by: people write as OPERATOR; agents and API clients may say AGENT or SEQUENCE. */
function originFor(principal: Principal, requested: DraftOrigin | null | undefined): { ok: true; origin: DraftOrigin } | { ok: false; error: UserError } {
  const fallback: DraftOrigin = principal.kind === "AGENT" ? "AGENT" : "OPERATOR";
  const origin = requested ?? fallback;
  if (principal.kind === "USER" && origin !== "OPERATOR") {
    return { ok: false, error: userError("VALIDATION_FAILED", "A person's draft has origin OPERATOR.", ["input", "origin"]) };
  }
  return { ok: true, origin };
}

async function resolveMailbox(
  uow: UnitOfWork,
  settings: TenantSettings,
  requested: string | null | undefined,
  onBehalfOfUserId?: string | null,
  /** The mailbox the answered message arrived at (a reply may leave from the tenant's shared Google mailbox it came to). */
  replyToMailbox: string | null = null,
): Promise<{ ok: true; mailbox: string } | { ok: false; error: UserError }> {
  const { principal } = uow.actor;
  // An agent writing for a member may use that member's address (a member of this tenant: RLS hides others).
  const ownerId = principal.userId ?? (principal.kind === "AGENT" ? (onBehalfOfUserId ?? null) : null);
  const own = ownerId ? (await uow.tx.user.findUnique({ where: { id: ownerId }, select: { email: true } }))?.email?.toLowerCase() ?? null : null;
  const allowed = settings.sending.mailboxes;
  if (requested) {
    const mailbox = normaliseMailbox(requested);
    if (allowed.includes(mailbox) || mailbox === own) return { ok: true, mailbox };
    // A connected Google mailbox: the sender's own, or the shared one the answered message arrived at.
    if (await connectedMailboxAllowed(uow.tx, mailbox, ownerId, replyToMailbox)) return { ok: true, mailbox };
    return {
      ok: false,
      error: userError(
        "MAILBOX_NOT_ALLOWED",
        `Drafts can be sent from the tenant's mailboxes (${allowed.join(", ") || "none configured"}), your own address or your connected Google mailbox.`,
        ["input", "mailbox"],
      ),
    };
  }
  const mailbox = allowed[0] ?? own;
  if (!mailbox) {
    return { ok: false, error: userError("MAILBOX_NOT_ALLOWED", "Name a sender mailbox: the tenant has none configured (sending.mailboxes).", ["input", "mailbox"]) };
  }
  return { ok: true, mailbox };
}

function lengthErrors(settings: TenantSettings, content: { subject?: string | null; bodyText?: string | null }): UserError[] {
  const errors: UserError[] = [];
  const { subjectMaxLength, bodyMaxLength } = settings.quality;
  if (content.subject && content.subject.length > subjectMaxLength) {
    errors.push(userError("SUBJECT_TOO_LONG", `The subject is ${content.subject.length} characters; the limit is ${subjectMaxLength}.`, ["input", "subject"]));
  }
  if (content.bodyText && content.bodyText.trim().length > bodyMaxLength) {
    errors.push(userError("BODY_TOO_LONG", `The body is ${content.bodyText.trim().length} characters; the limit is ${bodyMaxLength}.`, ["input", "bodyText"]));
  }
  return errors;
}

export async function createDraft(services: Services, actor: Actor, input: DraftCreateInput, idempotencyKey?: string | null): Promise<DraftResult> {
  return runMutation(services, actor, { operation: "draftCreate", input, idempotencyKey }, (uow) => createDraftInUnitOfWork(services, uow, input));
}

/** Creates a draft inside the caller's unit of work (recommendationAccept creates one together with its own change). */
/** What the draft writer adds to a draft it creates: the meeting slots it offered and the Drive assets it cited (their links pass the gate). */
export interface DraftWriterExtras {
  offeredSlots?: Prisma.InputJsonValue | null;
  citedAssets?: { fileId: string; name: string; url: string }[] | null;
  /** Long-memory items the writer was given (DraftMemory rows; Draft.memoriesUsed). */
  memoriesUsed?: { id: string; score: number }[] | null;
}

export async function createDraftInUnitOfWork(services: Pick<Services, "mail">, uow: UnitOfWork, input: DraftCreateInput, extras: DraftWriterExtras = {}): Promise<DraftResult> {
  const { principal } = uow.actor;
  const settings = await tenantSettings(uow.tx, principal.tenantId);
  const origin = originFor(principal, input.origin);
  if (!origin.ok) return fail(origin.error);
  const tooLong = lengthErrors(settings, input);
  if (tooLong.length) return fail(...tooLong);
  const recipient = await resolveRecipient(uow.tx, principal.tenantId, input.recipient as RecipientInput);
  if (!recipient.ok) return fail(recipient.error);
  const inboundMessage = input.inboundMessageId
    ? await uow.tx.inboundMessage.findUnique({ where: { id: input.inboundMessageId }, select: { id: true, messageId: true, threadId: true, mailbox: true } })
    : null;
  if (input.inboundMessageId && !inboundMessage) return fail(userError("NOT_FOUND", "No InboundMessage with this id.", ["input", "inboundMessageId"]));
  const mailbox = await resolveMailbox(uow, settings, input.mailbox, input.onBehalfOfUserId, inboundMessage?.mailbox ?? null);
  if (!mailbox.ok) return fail(mailbox.error);
  if (input.leadId && !(await uow.tx.lead.findUnique({ where: { id: input.leadId }, select: { id: true } }))) {
    return fail(userError("NOT_FOUND", "No Lead with this id.", ["input", "leadId"]));
  }
  if (input.dealId && !(await uow.tx.deal.findUnique({ where: { id: input.dealId }, select: { id: true } }))) {
    return fail(userError("NOT_FOUND", "No Deal with this id.", ["input", "dealId"]));
  }
  const threadId = input.threadId ?? inboundMessage?.threadId ?? null;
  if (input.threadId && !(await uow.tx.emailThread.findUnique({ where: { id: input.threadId }, select: { id: true } }))) {
    return fail(userError("NOT_FOUND", "No EmailThread with this id.", ["input", "threadId"]));
  }
  const content = { subject: input.subject, bodyText: input.bodyText, bodyHtml: input.bodyHtml ?? null, category: input.category, mailbox: mailbox.mailbox };
  const report = gateFor(settings, services.mail, { ...content, citedAssets: extras.citedAssets });
  const status: DraftStatus = report.verdict === "BLOCK" ? "BLOCKED" : "PENDING_REVIEW";
  const author = authorOf(principal);
  const draft = await uow.tx.draft.create({
    data: {
      tenantId: principal.tenantId,
      contactId: recipient.recipient.contactId,
      leadId: input.leadId ?? null,
      dealId: input.dealId ?? null,
      recipientEmail: recipient.recipient.email,
      origin: origin.origin,
      originRef: input.originRef ?? null,
      threadId,
      inboundMessageId: inboundMessage?.id ?? null,
      inReplyTo: inboundMessage?.messageId ?? null,
      ...author,
      ...content,
      status,
      revision: 1,
      qualityReport: report as unknown as Prisma.InputJsonValue,
      ...(extras.offeredSlots != null ? { offeredSlots: extras.offeredSlots } : {}),
      ...(extras.citedAssets?.length ? { citedAssets: extras.citedAssets as unknown as Prisma.InputJsonValue } : {}),
    },
  });
  if (extras.memoriesUsed?.length) await recordDraftMemories(uow.tx, principal.tenantId, draft.id, extras.memoriesUsed);
  await uow.tx.draftRevision.create({
    data: { tenantId: principal.tenantId, draftId: draft.id, number: 1, ...pick(content), qualityReport: report as unknown as Prisma.InputJsonValue, ...author },
  });
  await uow.audit({
    action: "draft.created",
    targetType: "Draft",
    targetId: draft.id,
    summary: {
      status,
      origin: origin.origin,
      originRef: input.originRef ?? null,
      contactId: draft.contactId,
      contactCreated: recipient.created,
      mailbox: draft.mailbox,
      category: draft.category,
      verdict: report.verdict,
      findings: report.findings.map((f) => f.check),
    },
  });
  await emitDraftEvent(uow, "sales.draft.created", draft, null, { verdict: report.verdict });
  if (status === "BLOCKED") await emitDraftEvent(uow, "sales.draft.blocked", draft, null, { verdict: report.verdict });
  return ok({ draftId: draft.id });
}

function pick(c: { subject: string; bodyText: string; bodyHtml: string | null }) {
  return { subject: c.subject, bodyText: c.bodyText, bodyHtml: c.bodyHtml };
}

export async function updateDraft(services: Services, actor: Actor, input: DraftUpdateInput, idempotencyKey?: string | null): Promise<DraftResult> {
  return runMutation(services, actor, { operation: "draftUpdate", input, idempotencyKey }, async (uow) => {
    const draft = await lockDraft(uow.tx, input.draftId);
    if (!draft) return fail(draftNotFound());
    if (input.expectedRevision && input.expectedRevision !== draft.revision) {
      return fail(
        userError("STALE_REVISION", `The draft is at revision ${draft.revision}, not ${input.expectedRevision}: reload it and edit again.`, ["input", "expectedRevision"]),
      );
    }
    const step = transition(draft.status as DraftStatus, "edit");
    if (!step.ok) return fail(step.error);
    const claimed = claimRefusal(draft, actor.principal, new Date());
    if (claimed) return fail(claimed);
    const settings = await tenantSettings(uow.tx, actor.principal.tenantId);
    const tooLong = lengthErrors(settings, input);
    if (tooLong.length) return fail(...tooLong);
    const next = {
      subject: input.subject ?? draft.subject,
      bodyText: input.bodyText ?? draft.bodyText,
      bodyHtml: input.clearHtml ? null : input.bodyHtml ?? draft.bodyHtml,
      category: input.category ?? draft.category,
      mailbox: draft.mailbox,
    };
    const unchanged =
      next.subject === draft.subject && next.bodyText === draft.bodyText && next.bodyHtml === draft.bodyHtml && next.category === draft.category;
    if (unchanged) return ok({ draftId: draft.id });
    const report = gateFor(settings, services.mail, { ...next, citedAssets: draft.citedAssets });
    const revision = draft.revision + 1;
    const author = authorOf(actor.principal);
    await uow.tx.draftRevision.create({
      data: { tenantId: draft.tenantId, draftId: draft.id, number: revision, ...pick(next), qualityReport: report as unknown as Prisma.InputJsonValue, ...author },
    });
    const data: Prisma.DraftUpdateInput = {
      ...pick(next),
      category: next.category,
      revision,
      qualityReport: report as unknown as Prisma.InputJsonValue,
      approvedAt: null,
      // The text changed: whoever asked for a send asked for the old text.
      sendRequestedBy: null,
    };
    const changed = await changeStatus(uow, draft, {
      action: "edit",
      data,
      auditAction: "draft.revised",
      summary: { verdict: report.verdict, findings: report.findings.map((f) => f.check), approvalsDropped: draft.status === "APPROVED" },
      event: { verdict: report.verdict },
    });
    if (!changed.ok) return fail(changed.error);
    if (report.verdict === "BLOCK") {
      const blocked = await changeStatus(uow, changed.draft, { action: "block", summary: { findings: report.findings.map((f) => f.check) } });
      if (!blocked.ok) return fail(blocked.error);
    }
    return ok({ draftId: draft.id });
  });
}

/** The checks every approval makes; returns the errors, or null when this principal may approve this draft now. */
async function approvalRefusal(uow: UnitOfWork, services: Services, draft: Draft, policy: ApprovalPolicy, settings: TenantSettings): Promise<UserError | null> {
  const { principal } = uow.actor;
  const step = transition(draft.status as DraftStatus, "approve");
  if (!step.ok) return step.error;
  const claimed = claimRefusal(draft, principal, new Date());
  if (claimed) return claimed;
  const revisionAuthor = await uow.tx.draftRevision.findUnique({
    where: { draftId_number: { draftId: draft.id, number: draft.revision } },
    select: { authorId: true, authorUserId: true },
  });
  const refusal = mayApprove(policy, principal, [draft, ...(revisionAuthor ? [revisionAuthor] : [])]);
  if (refusal) return refusal;
  const approvals = await currentApprovals(uow.tx, draft);
  if (approvals.some((a) => a.approverId === principal.id || (principal.userId && a.approverUserId === principal.userId))) {
    return userError("ALREADY_APPROVED", "You have already approved this revision; it needs another approver.", ["input", "draftId"]);
  }
  // The gate again, with today's settings: a term the tenant banned since creation still stops it.
  if (gateFor(settings, services.mail, draft).verdict === "BLOCK") {
    return userError("QUALITY_GATE_BLOCKED", "The quality gate blocks this draft under the current settings. Edit it first.", ["input", "draftId"]);
  }
  const suppressed = await recipientSuppression(uow.tx, draft.recipientEmail, draft.contactId);
  if (suppressed) return suppressedError(suppressed);
  return null;
}

async function approveLocked(uow: UnitOfWork, services: Services, draftId: string, field: string[]): Promise<DraftResult> {
  const { principal } = uow.actor;
  const draft = await lockDraft(uow.tx, draftId);
  if (!draft) return fail(draftNotFound(field));
  const settings = await tenantSettings(uow.tx, principal.tenantId);
  const policy = settings.approval;
  const refusal = await approvalRefusal(uow, services, draft, policy, settings);
  if (refusal) return fail({ ...refusal, field });
  await uow.tx.draftApproval.create({
    data: {
      tenantId: draft.tenantId,
      draftId: draft.id,
      revision: draft.revision,
      approverType: ACTOR_TYPE[principal.kind],
      approverId: principal.id,
      approverUserId: principal.userId,
      approverLabel: principal.label,
      approverRole: principal.role,
    },
  });
  const count = (await currentApprovals(uow.tx, draft)).length;
  if (!isFullyApproved(policy, count)) {
    // The reviewer has decided: their claim ends, so the next approver can take the draft.
    if (activeClaim(draft, new Date())) await uow.tx.draft.update({ where: { id: draft.id }, data: CLAIM_CLEARED });
    await uow.audit({
      action: "draft.approval_added",
      targetType: "Draft",
      targetId: draft.id,
      summary: { revision: draft.revision, approvals: count, required: policy.requiredApprovals },
    });
    await emitDraftEvent(uow, "sales.draft.approval_added", draft, draft.status as DraftStatus, { approvals: count, required: policy.requiredApprovals });
    return ok({ draftId: draft.id });
  }
  const approved = await changeStatus(
    uow,
    draft,
    { action: "approve", data: { approvedAt: new Date() }, summary: { approvals: count, required: policy.requiredApprovals } },
    field,
  );
  if (!approved.ok) return fail(approved.error);
  if (policy.autoSendAfterApproval) {
    // Auto-send only when sending could happen now; otherwise the draft simply stays APPROVED.
    const canSend =
      !maySend(policy, principal) &&
      !sendingStop({ mode: settings.sending.mode, tenantKillSwitch: settings.sending.killSwitch.engaged, globalKillSwitch: services.config.SENDING_KILL_SWITCH });
    if (canSend) {
      const queued = await queueLocked(uow, services, approved.draft, settings, field);
      if (!queued.ok && queued.errors[0]?.code !== "QUOTA_EXCEEDED") return queued;
    }
  }
  return ok({ draftId: draft.id });
}

export async function approveDraft(services: Services, actor: Actor, input: { draftId: string }, idempotencyKey?: string | null): Promise<DraftResult> {
  return runMutation(services, actor, { operation: "draftApprove", input, idempotencyKey }, (uow) => approveLocked(uow, services, input.draftId, ["input", "draftId"]));
}

export interface BulkApprovalResult {
  draftId: string;
  outcome: DraftResult;
}

/** Approves each draft in its own transaction: one refusal does not undo the others. */
export async function approveDrafts(
  services: Services,
  actor: Actor,
  input: { draftIds: string[] },
  idempotencyKey?: string | null,
): Promise<BulkApprovalResult[]> {
  const results: BulkApprovalResult[] = [];
  for (const [index, draftId] of input.draftIds.entries()) {
    const key = idempotencyKey ? `${idempotencyKey}:${index}` : null;
    const field = ["input", "draftIds", String(index)];
    const outcome = await runMutation(services, actor, { operation: "draftsApprove", input: { draftId }, idempotencyKey: key }, (uow) =>
      approveLocked(uow, services, draftId, field),
    );
    results.push({ draftId, outcome });
  }
  return results;
}

export const draftRejectSchema = z.object({
  draftId: z.string().uuid(),
  reason: z.string().trim().min(3, "must say why (at least 3 characters)").max(2000),
});

export async function rejectDraft(services: Services, actor: Actor, input: z.infer<typeof draftRejectSchema>, idempotencyKey?: string | null): Promise<DraftResult> {
  return runMutation(services, actor, { operation: "draftReject", input, idempotencyKey }, async (uow) => {
    const draft = await lockDraft(uow.tx, input.draftId);
    if (!draft) return fail(draftNotFound());
    const settings = await tenantSettings(uow.tx, actor.principal.tenantId);
    // Rejecting is a review decision: the approver roles decide it (the author may withdraw with draftCancel).
    const refusal = mayApprove({ ...settings.approval, allowSelfApproval: true }, actor.principal, draft) ?? claimRefusal(draft, actor.principal, new Date());
    if (refusal) return fail(refusal);
    const changed = await changeStatus(uow, draft, { action: "reject", data: { rejectionReason: input.reason }, summary: { reason: input.reason } });
    return changed.ok ? ok({ draftId: draft.id }) : fail(changed.error);
  });
}

export async function cancelDraft(
  services: Services,
  actor: Actor,
  input: { draftId: string; reason?: string | null },
  idempotencyKey?: string | null,
): Promise<DraftResult> {
  return runMutation(services, actor, { operation: "draftCancel", input, idempotencyKey }, async (uow) => {
    const draft = await lockDraft(uow.tx, input.draftId);
    if (!draft) return fail(draftNotFound());
    const reason = input.reason?.trim() || `Cancelled by ${actor.principal.label}.`;
    const changed = await changeStatus(uow, draft, { action: "cancel", data: { cancelReason: reason, holdReason: null, holdUntil: null }, summary: { reason } });
    return changed.ok ? ok({ draftId: draft.id }) : fail(changed.error);
  });
}

/**
 * Queues an approved, locked draft: every check that can be made before the
 * worker's (mode, kill switch, suppression, gate, quota as of now), then the
 * status change and the job, in the same transaction.
 */
async function queueLocked(uow: UnitOfWork, services: Services, draft: Draft, settings: TenantSettings, field: string[]): Promise<DraftResult> {
  const step = transition(draft.status as DraftStatus, "queue", field);
  if (!step.ok) return fail(step.error);
  const state = { mode: settings.sending.mode, tenantKillSwitch: settings.sending.killSwitch.engaged, globalKillSwitch: services.config.SENDING_KILL_SWITCH };
  const stop = sendingStop(state);
  if (stop) return fail(sendingStopError(stop, state, field));
  const approvals = await currentApprovals(uow.tx, draft);
  if (!isFullyApproved(settings.approval, approvals.length)) {
    return fail(userError("DRAFT_NOT_APPROVED", "The current revision does not have the approvals the policy requires.", field));
  }
  const suppressed = await recipientSuppression(uow.tx, draft.recipientEmail, draft.contactId);
  if (suppressed) return fail(suppressedError(suppressed, field));
  const report = gateFor(settings, services.mail, draft);
  if (report.verdict === "BLOCK") {
    return fail(userError("QUALITY_GATE_BLOCKED", "The quality gate blocks this draft under the current settings. Edit it first.", field));
  }
  const quota = await quotaStatus(
    uow.tx,
    settings,
    { tenantId: draft.tenantId, mailbox: draft.mailbox, recipient: draft.recipientEmail },
    new Date(),
    { lock: false, excludeDraftId: draft.id },
  );
  if (!quota.allowed && quota.binding) return fail(userError("QUOTA_EXCEEDED", describeBinding(quota.binding), field));
  const changed = await changeStatus(
    uow,
    draft,
    {
      action: "queue",
      data: {
        queuedAt: new Date(),
        sendRequestedBy: uow.actor.principal.label,
        messageId: draft.messageId ?? messageIdFor(draft.id, draft.mailbox),
        holdReason: null,
        holdUntil: null,
        lastError: null,
      },
      summary: { requestedBy: uow.actor.principal.id, approvers: approvals.map((a) => ({ type: a.approverType, id: a.approverUserId ?? a.approverId, role: a.approverRole })) },
    },
    field,
  );
  if (!changed.ok) return fail(changed.error);
  await enqueueSend(services, uow, draft.tenantId, draft.id);
  return ok({ draftId: draft.id });
}

/** The send job for a draft, in the caller's transaction (keyed by the draft: a duplicate is dropped). */
export async function enqueueSend(services: Services, uow: UnitOfWork | null, tenantId: string, draftId: string, startAfter?: Date): Promise<void> {
  await services.jobs.send(
    QUEUES.draftSend.name,
    { tenantId, draftId },
    {
      singletonKey: draftId,
      retryLimit: Math.max(services.config.SEND_MAX_ATTEMPTS, 1),
      retryDelay: services.config.SEND_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      ...(startAfter ? { startAfter } : {}),
    },
    uow?.tx,
  );
}

export async function sendDraft(services: Services, actor: Actor, input: { draftId: string }, idempotencyKey?: string | null): Promise<DraftResult> {
  return runMutation(services, actor, { operation: "draftSend", input, idempotencyKey }, async (uow) => {
    const draft = await lockDraft(uow.tx, input.draftId);
    if (!draft) return fail(draftNotFound());
    const settings = await tenantSettings(uow.tx, actor.principal.tenantId);
    const refusal = maySend(settings.approval, actor.principal);
    if (refusal) return fail(refusal);
    return queueLocked(uow, services, draft, settings, ["input", "draftId"]);
  });
}
