// Sending a queued draft, exactly once.
//
// 1. Claim (one transaction, draft row locked): re-check the kill switches,
//    the mode, suppression, the quality gate; lock the quota keys and count
//    (the decision is sendRefusal then quotaRefusal, domain/draft/draft-delivery.ts,
//    which the batch of draft-send-batch.ts decides by too);
//    then reserve the send record (unique per draft, counted by quotas) and
//    move the draft to SENDING with a lease (token + expiry).
//    The transport is chosen here, per sender mailbox (mail-route.ts): Gmail
//    for a mailbox bound to its Google connection, else the global one; a
//    mailbox bound to Gmail whose connection is not ACTIVE ends FAILED with
//    the reason (never another transport). The choice goes on the send record.
// 2. Hand the message to the transport, outside any transaction. Its
//    Message-ID is fixed per draft, so a transport that can (the local outbox,
//    Gmail) recognises a repeat. Gmail asks before every send whether that
//    Message-ID already went out (rfc822msgid:), so its "uncertain" failures
//    (5xx, lost answer) are retried — the retry asks first — and the send
//    record stays counted (uncertainAt) until Gmail says it does not have it.
// 3. Complete (one transaction): SENT with the provider's id, the Activity,
//    audit and event. A transient error puts the draft back in the queue and
//    the job retries with backoff; a permanent one ends it FAILED.
//
// A worker that dies between 1 and 3 leaves the draft SENDING with a lease
// that lapses. The sweeper (recoverLapsedSend) then asks the transport
// whether it has the message: found → SENT; surely not → back to the queue;
// cannot tell (SMTP) → FAILED with the reason, never a blind second send.
import { randomUUID } from "node:crypto";
import type { Prisma } from "../../data/database.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { messageIdList } from "../../domain/inbound/inbound-message.js";
import { quotaRefusal, sendRefusal, sentEmailActivity, type SendRefusal } from "../../domain/draft/draft-delivery.js";
import { recipientDomain } from "../../domain/sending/quota.js";
import { normaliseEmail } from "../../domain/sending/suppression.js";
import { sendingDomainOf } from "../../domain/sending/deliverability.js";
import { signUnsubscribeToken } from "../../domain/sending/unsubscribe-token.js";
import { ok, type Outcome } from "../../domain/user-error.js";
import { composeMessage, messageIdFor } from "../../integrations/email/compose.js";
import { unsubscribeUrl } from "../../integrations/email/mail.js";
import { asTransportError, type EmailTransport, type TransportError } from "../../integrations/email/transport.js";
import { changeStatus, currentApprovals, gateFor, lockDraft, recipientSuppression, tenantSettings, type Draft } from "./draft-state.js";
import { enqueueSend } from "./draft.js";
import { gmailTransport, mailRouteFor, transportNamed } from "../sending/mail-route.js";
import { quotaStatus } from "../sending/send-quota.js";
import { mailboxPause } from "../sending/deliverability.js";
import { currentDomainCheck, dmarcEnforced } from "../sending/sending-domain.js";
import { sequenceSendHold } from "../sequence/sequence-runner.js";
import { campaignSendHold } from "../campaign/campaign.js";
import type { Services } from "../services.js";
import { runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";
import { SUSPENDED_HOLD_REASON } from "../tenant/tenant-lifecycle.js";
import { SUSPENDED_SEND_HOLD_SECONDS, tenantSuspension } from "../tenant/tenant-suspension.js";

export type DeliveryResult =
  | { outcome: "sent"; providerMessageId: string }
  | { outcome: "held"; until: Date; reason: string }
  | { outcome: "cancelled" | "blocked" | "failed" | "skipped"; reason: string }
  /** `at`: the next attempt is already scheduled then (the provider's Retry-After); otherwise the job is retried with backoff. */
  | { outcome: "retry"; reason: string; at?: Date };

export interface SendJob {
  tenantId: string;
  draftId: string;
}

export function senderActor(tenantId: string, agent = "draft-sender"): Actor {
  return { principal: agentPrincipal(tenantId, agent), meta: { requestId: randomUUID(), traceId: null } };
}

/** A draft this worker holds the SENDING lease of, with what its message needs. */
export interface ClaimedSend {
  kind: "claimed";
  draft: Draft;
  leaseToken: string;
  transport: EmailTransport;
  marketing: { postalAddress: string } | null;
  senderName: string | null;
  /** A reply's References: the parent's references, then the parent (RFC 5322 §3.6.4). */
  references: string[];
}

type Claim = ClaimedSend | { kind: "done"; result: DeliveryResult };

async function claim(services: Services, job: SendJob): Promise<Claim> {
  const outcome = await runUnitOfWork(services, senderActor(job.tenantId), async (uow): Promise<Outcome<Claim>> => {
    const done = (result: DeliveryResult) => ok<Claim>({ kind: "done", result });
    const draft = await lockDraft(uow.tx, job.draftId);
    if (!draft) return done({ outcome: "skipped", reason: "no such draft" });
    if (draft.status !== "QUEUED") return done({ outcome: "skipped", reason: `draft is ${draft.status}` });
    const settings = await tenantSettings(uow.tx, job.tenantId);

    // The facts of this one draft, read here; the decision is the batch's too (domain/draft/draft-delivery.ts).
    // Which transport this mailbox leaves through (mail-route.ts): Gmail, the global one, or none (refused).
    const route = await mailRouteFor(uow.tx, job.tenantId, draft.mailbox, settings.sending);
    const transport = route.kind === "gmail" ? gmailTransport(services) : route.kind === "default" ? services.mail.transport : null;
    const now = new Date();
    const refusal =
      sendRefusal({
        suspended: (await tenantSuspension(uow.tx, job.tenantId)) !== null,
        sending: { mode: settings.sending.mode, tenantKillSwitch: settings.sending.killSwitch.engaged, globalKillSwitch: services.config.SENDING_KILL_SWITCH },
        suppression: await recipientSuppression(uow.tx, draft.recipientEmail, draft.contactId),
        quality: gateFor(settings, services.mail, draft),
        mailboxPause: (await mailboxPause(uow.tx, job.tenantId, draft.mailbox))?.holdReason ?? null,
        route,
        transport: transport?.name ?? null,
        // DMARC: the cached check or the newer scheduled re-check (sending-domain.ts), only where enforced for this transport.
        domainCheck:
          transport && dmarcEnforced(settings.deliverability, transport.name)
            ? await currentDomainCheck(services, uow.tx, sendingDomainOf(draft.mailbox), settings.deliverability)
            : null,
        // A sequence's draft goes out only inside the recipient's send window, never before its step's time (sequence-runner.ts);
        // a campaign's, never before its planned send day nor while the campaign is paused (campaign.ts).
        windowHold: (await sequenceSendHold(uow.tx, draft, now)) ?? (await campaignSendHold(uow.tx, draft, now)),
      }) ??
      quotaRefusal(await quotaStatus(uow.tx, settings, { tenantId: job.tenantId, mailbox: draft.mailbox, recipient: draft.recipientEmail }, now, { lock: true, excludeDraftId: draft.id }));
    if (refusal) return done(await settleRefused(services, uow, draft, refusal));
    if (!transport || route.kind === "refused") throw new Error("a draft without a transport must have been refused");

    const messageId = draft.messageId ?? messageIdFor(draft.id, draft.mailbox);
    const sendRecord = {
      mailbox: draft.mailbox,
      // Counted by the canonical address, like the quota keys and the suppression list.
      recipientEmail: normaliseEmail(draft.recipientEmail),
      recipientDomain: recipientDomain(normaliseEmail(draft.recipientEmail)),
      state: "RESERVED" as const,
      transport: transport.name,
      messageId,
      reservedAt: now,
    };
    await uow.tx.emailSend.upsert({
      where: { tenantId_draftId: { tenantId: job.tenantId, draftId: draft.id } },
      create: { tenantId: job.tenantId, draftId: draft.id, ...sendRecord },
      update: sendRecord,
    });
    const leaseToken = randomUUID();
    const claimed = await changeStatus(uow, draft, {
      action: "claim",
      data: {
        leaseToken,
        leaseExpiresAt: new Date(now.getTime() + services.config.SEND_LEASE_SECONDS * 1000),
        sendAttempts: { increment: 1 },
        messageId,
        holdReason: null,
        holdUntil: null,
      },
      auditAction: "draft.sending",
      summary: { attempt: draft.sendAttempts + 1, transport: transport.name, transportRule: route.why },
    });
    if (!claimed.ok) return done({ outcome: "skipped", reason: claimed.error.message });
    const marketing = draft.category === "MARKETING" && settings.sending.postalAddress ? { postalAddress: settings.sending.postalAddress } : null;
    const parent = draft.inReplyTo && draft.inboundMessageId
      ? await uow.tx.inboundMessage.findUnique({ where: { id: draft.inboundMessageId }, select: { references: true } })
      : null;
    const references = draft.inReplyTo ? [...messageIdList(parent?.references ?? []).filter((id) => id !== draft.inReplyTo).slice(-20), draft.inReplyTo] : [];
    return ok<Claim>({ kind: "claimed", draft: claimed.draft, leaseToken, transport, marketing, senderName: settings.sending.senderName, references });
  });
  if (!outcome.ok) return { kind: "done", result: { outcome: "skipped", reason: outcome.errors.map((e) => e.message).join(" ") } };
  return outcome.value;
}

/** What the claim does with a draft it may not send (sendRefusal, quotaRefusal). */
async function settleRefused(services: Services, uow: UnitOfWork, draft: Draft, refusal: SendRefusal): Promise<DeliveryResult> {
  switch (refusal.check) {
    case "TENANT_SUSPENDED": {
      // Nothing is sent: the draft stays queued, held until the tenant is resumed (which re-queues it), or looked at again after the hold.
      const until = new Date(Date.now() + SUSPENDED_SEND_HOLD_SECONDS * 1000);
      await holdDraft(uow, draft, SUSPENDED_HOLD_REASON, until);
      return { outcome: "held", until, reason: SUSPENDED_HOLD_REASON };
    }
    case "STOPPED":
    case "SUPPRESSED": {
      const { reason } = refusal;
      await changeStatus(uow, draft, {
        action: "cancel",
        data: { cancelReason: reason, holdReason: null, holdUntil: null },
        summary: { reason },
        event: { reason: refusal.check === "STOPPED" ? refusal.stop : "SUPPRESSED" },
      });
      return { outcome: "cancelled", reason };
    }
    case "QUALITY_BLOCKED":
      await changeStatus(uow, draft, {
        action: "block",
        data: { qualityReport: refusal.report as unknown as Prisma.InputJsonValue, holdReason: null, holdUntil: null },
        summary: { findings: refusal.report.findings.map((f) => f.check), at: "send" },
      });
      return { outcome: "blocked", reason: refusal.reason };
    case "MAILBOX_PAUSED":
      // No time of its own: the draft waits for a person (mailboxResume requeues it), not for a clock.
      await holdDraft(uow, draft, refusal.reason, null);
      return { outcome: "held", until: new Date(8.64e15), reason: refusal.reason };
    case "ROUTE_REFUSED":
    case "DMARC_NOT_ALIGNED": {
      const code = refusal.check === "ROUTE_REFUSED" ? refusal.code : refusal.check;
      await changeStatus(uow, draft, {
        action: "fail",
        data: { failureReason: refusal.reason, lastError: code, holdReason: null, holdUntil: null },
        summary: { reason: refusal.reason, code },
        event: { reason: code },
      });
      return { outcome: "failed", reason: refusal.reason };
    }
    case "WINDOW_HOLD":
    case "QUOTA":
      await holdDraft(uow, draft, refusal.reason, refusal.until);
      // Tried again when the window opens or the binding limit frees up (the current job completes; this one waits).
      await enqueueSend(services, uow, draft.tenantId, draft.id, refusal.until);
      return { outcome: "held", until: refusal.until, reason: refusal.reason };
  }
}

/** Keeps a queued draft queued with why and until when (null: until a person acts); audited and evented when the reason is new. */
async function holdDraft(uow: UnitOfWork, draft: Draft, reason: string, until: Date | null): Promise<void> {
  await uow.tx.draft.update({ where: { id: draft.id }, data: { holdReason: reason, holdUntil: until } });
  if (draft.holdReason === reason) return;
  const at = until?.toISOString() ?? null;
  await uow.audit({ action: "draft.held", targetType: "Draft", targetId: draft.id, summary: { reason, until: at } });
  await uow.emit("sales.draft.held", { draftId: draft.id, status: draft.status, previousStatus: draft.status, revision: draft.revision, reason, until: at });
}

export async function buildMessage(services: Services, draft: Draft, claimInfo: ClaimedSend) {
  let marketing: { unsubscribeUrl: string; postalAddress: string } | null = null;
  if (claimInfo.marketing) {
    const token = signUnsubscribeToken(services.mail.unsubscribeSecret, { tenantId: draft.tenantId, email: draft.recipientEmail });
    const url = unsubscribeUrl(services.mail, token);
    if (url) marketing = { unsubscribeUrl: url, postalAddress: claimInfo.marketing.postalAddress };
  }
  const raw = await composeMessage({
    messageId: draft.messageId!,
    from: { address: draft.mailbox, name: claimInfo.senderName },
    to: draft.recipientEmail,
    subject: draft.subject,
    text: draft.bodyText,
    html: draft.bodyHtml,
    date: new Date(),
    marketing,
    // A reply names the message it answers, so it joins the recipient's thread (RFC 5322 §3.6.4).
    headers: { "X-Sales-Agent-Draft": draft.id, ...(draft.inReplyTo ? { "In-Reply-To": draft.inReplyTo, References: claimInfo.references.join(" ") } : {}) },
  });
  return {
    tenantId: draft.tenantId,
    draftId: draft.id,
    messageId: draft.messageId!,
    envelope: { from: draft.mailbox, to: [draft.recipientEmail] },
    subject: draft.subject,
    raw,
  };
}

/** Marks the draft SENT. The provider accepted the message, so this is the truth whatever the lease says. */
async function markSent(uow: UnitOfWork, draftId: string, providerMessageId: string, how: string, providerResponse?: string): Promise<DeliveryResult> {
  const draft = await lockDraft(uow.tx, draftId);
  if (!draft) return { outcome: "skipped", reason: "no such draft" };
  if (draft.status === "SENT") return { outcome: "sent", providerMessageId: draft.providerMessageId ?? providerMessageId };
  const now = new Date();
  const approvals = await currentApprovals(uow.tx, draft);
  let from = draft;
  if (from.status !== "SENDING") {
    // A lapsed lease was settled meanwhile, and the late worker's message went out all the same.
    // The machine decides what can be recorded: a draft back in the queue is claimed again and
    // marked SENT (both steps audited); one the machine has closed (FAILED as uncertain, or
    // CANCELLED since) keeps its status, and the delivery goes on its send record (so quotas count
    // it) and into the audit log, for a person to see.
    const reclaimed = await changeStatus(uow, from, {
      action: "claim",
      data: { leaseToken: null, leaseExpiresAt: null, holdReason: null, holdUntil: null },
      auditAction: "draft.sending",
      summary: { reason: "The transport accepted the message after the sending worker's lease had lapsed.", recordedBy: how },
    });
    if (!reclaimed.ok) {
      await uow.tx.emailSend.updateMany({ where: { tenantId: draft.tenantId, draftId: draft.id }, data: { state: "SENT", sentAt: now, providerMessageId } });
      await uow.audit({
        action: "draft.delivered_after_settlement",
        targetType: "Draft",
        targetId: draft.id,
        summary: { status: draft.status, messageId: draft.messageId, providerMessageId, recordedBy: how },
      });
      return { outcome: "skipped", reason: `The message was delivered after the draft was settled as ${draft.status}; recorded on its send record.` };
    }
    from = reclaimed.draft;
  }
  const changed = await changeStatus(uow, from, {
    action: "sent",
    data: { sentAt: now, providerMessageId, leaseToken: null, leaseExpiresAt: null, lastError: null, failureReason: null, cancelReason: null },
    summary: {
      requestedBy: draft.sendRequestedBy,
      // Ids survive the audit's redaction of e-mail addresses in labels.
      approvers: approvals.map((a) => ({ type: a.approverType, id: a.approverUserId ?? a.approverId, role: a.approverRole, label: a.approverLabel })),
      messageId: draft.messageId,
      providerMessageId,
      providerResponse: providerResponse?.slice(0, 500) ?? null,
      recordedBy: how,
    },
    event: { providerMessageId },
  });
  if (!changed.ok) return { outcome: "skipped", reason: changed.error.message };
  await uow.tx.emailSend.update({
    where: { tenantId_draftId: { tenantId: draft.tenantId, draftId: draft.id } },
    data: { state: "SENT", sentAt: now, providerMessageId },
  });
  await uow.tx.activity.create({ data: sentEmailActivity(draft, { providerMessageId, at: now, approvals }) });
  return { outcome: "sent", providerMessageId };
}

/** The longest Retry-After we wait for before the next attempt (a longer one is capped, not ignored). */
const MAX_RETRY_AFTER_MS = 6 * 3600_000;

async function markUnsent(
  services: Services,
  uow: UnitOfWork,
  draft: Draft,
  transport: EmailTransport,
  error: TransportError,
  finalAttempt: boolean,
): Promise<DeliveryResult> {
  const reason = `${transport.name}: ${error.message}`.slice(0, 1000);
  const where = { tenantId_draftId: { tenantId: draft.tenantId, draftId: draft.id } };
  const record = await uow.tx.emailSend.findUnique({ where, select: { uncertainAt: true } });
  // An earlier attempt that may have gone out keeps the record counted until the provider says it does not have it.
  const mayHaveGoneOut = record?.uncertainAt != null;
  const release = () => (mayHaveGoneOut ? Promise.resolve() : uow.tx.emailSend.update({ where, data: { state: "RELEASED" } }));
  const fail = async (why: string) => {
    await changeStatus(uow, draft, {
      action: "fail",
      data: { failureReason: why, leaseToken: null, leaseExpiresAt: null, lastError: reason },
      summary: { reason: why, code: error.code ?? null },
      // Why, as a code a subscriber can act on (e.g. GMAIL_NEEDS_REAUTH: reconnect the mailbox).
      event: { reason: error.code ?? (error.kind === "uncertain" ? "DELIVERY_UNCERTAIN" : error.kind === "permanent" ? "REFUSED" : "GAVE_UP") },
    });
    return { outcome: "failed", reason: why } as const;
  };
  const requeue = async (why: string): Promise<DeliveryResult> => {
    const at = error.retryAfterMs && error.retryAfterMs > 0 ? new Date(Date.now() + Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS)) : null;
    await changeStatus(uow, draft, {
      action: "retry",
      data: { leaseToken: null, leaseExpiresAt: null, lastError: reason },
      summary: { reason: why, attempt: draft.sendAttempts, code: error.code ?? null, ...(at ? { retryAt: at.toISOString() } : {}) },
    });
    if (!at) return { outcome: "retry", reason: why };
    // The provider said when: the next attempt is scheduled then (this job ends; see handleSendJobs).
    await enqueueSend(services, uow, draft.tenantId, draft.id, at);
    return { outcome: "retry", reason: why, at };
  };
  if (error.kind === "uncertain") {
    await uow.tx.emailSend.update({ where, data: { uncertainAt: new Date() } });
    if (transport.verifiesBeforeSend && !finalAttempt) {
      // It may have gone out: kept counted; the next attempt asks the provider (by Message-ID) before it sends.
      return requeue(`${reason} The next attempt asks ${transport.name} whether the message went out before it sends again.`);
    }
    // It may have gone out: keep it counted, never retry, tell a person.
    return fail(`Delivery uncertain: ${reason}. Not retried, to avoid sending twice; check the mailbox's sent folder.`);
  }
  if (error.kind === "permanent" || finalAttempt) {
    let why = error.kind === "permanent" ? `Refused: ${reason}` : `Gave up after ${draft.sendAttempts} attempts: ${reason}`;
    if (mayHaveGoneOut) why += " An earlier attempt may have been accepted (its answer was lost); check the mailbox's sent folder.";
    await release();
    return fail(why);
  }
  await release();
  return requeue(reason);
}

/** One send job. Resolves with what happened; a "retry" result means the job should be retried later. */
export async function deliverDraft(services: Services, job: SendJob): Promise<DeliveryResult> {
  const claimed = await claim(services, job);
  if (claimed.kind === "done") return claimed.result;
  let receipt;
  try {
    const message = await buildMessage(services, claimed.draft, claimed);
    receipt = await claimed.transport.send(message);
  } catch (thrown) {
    return recordUnsent(services, claimed, thrown);
  }
  return recordSent(services, claimed.draft, receipt);
}

/** The transport did not take the message: retry, requeue or fail it (markUnsent), unless the lease was lost meanwhile. */
export async function recordUnsent(services: Services, claimed: ClaimedSend, thrown: unknown): Promise<DeliveryResult> {
  const { draft, leaseToken, transport } = claimed;
  const error = asTransportError(thrown);
  const outcome = await runUnitOfWork(services, senderActor(draft.tenantId), async (uow) => {
    const current = await lockDraft(uow.tx, draft.id);
    // Someone else (the sweeper) has taken over this send: leave it to them.
    if (!current || current.status !== "SENDING" || current.leaseToken !== leaseToken) return ok<DeliveryResult>({ outcome: "skipped", reason: "lease lost" });
    return ok(await markUnsent(services, uow, current, transport, error, current.sendAttempts >= services.config.SEND_MAX_ATTEMPTS));
  });
  return outcome.ok ? outcome.value : { outcome: "skipped", reason: "could not record the failure" };
}

/** The transport took the message: SENT, in a transaction of its own (markSent). */
export async function recordSent(services: Services, draft: Pick<Draft, "id" | "tenantId">, receipt: { providerMessageId: string; response?: string }): Promise<DeliveryResult> {
  const outcome = await runUnitOfWork(services, senderActor(draft.tenantId), async (uow) =>
    ok(await markSent(uow, draft.id, receipt.providerMessageId, "worker", receipt.response)),
  );
  return outcome.ok ? outcome.value : { outcome: "skipped", reason: "could not record the send" };
}

/**
 * Recovers a draft whose SENDING lease lapsed (its worker died or hung):
 * asks the transport whether the message exists and settles the draft
 * accordingly. Safe to run from several instances at once.
 */
export async function recoverLapsedSend(services: Services, job: SendJob): Promise<DeliveryResult> {
  const actor = senderActor(job.tenantId, "send-sweeper");
  const seen = await runUnitOfWork(services, actor, async (uow) => ok(await uow.tx.draft.findUnique({ where: { id: job.draftId } })));
  const draft = seen.ok ? seen.value : null;
  if (!draft || draft.status !== "SENDING" || !draft.leaseExpiresAt || draft.leaseExpiresAt > new Date()) {
    return { outcome: "skipped", reason: "no lapsed lease" };
  }
  // Ask the transport the send went to (its send record says which), never another one.
  const record = await runUnitOfWork(services, actor, async (uow) =>
    ok(await uow.tx.emailSend.findUnique({ where: { tenantId_draftId: { tenantId: draft.tenantId, draftId: draft.id } }, select: { transport: true } })),
  );
  const transport = transportNamed(services, record.ok ? record.value?.transport : null);
  const lookup = await transport.lookup({ tenantId: draft.tenantId, messageId: draft.messageId!, mailbox: draft.mailbox });
  const outcome = await runUnitOfWork(services, actor, async (uow) => {
    const current = await lockDraft(uow.tx, draft.id);
    // Only the lease we inspected: a worker that finished or re-claimed meanwhile wins.
    if (!current || current.status !== "SENDING" || current.leaseToken !== draft.leaseToken) {
      return ok<DeliveryResult>({ outcome: "skipped", reason: "settled meanwhile" });
    }
    if (lookup.status === "found") return ok(await markSent(uow, current.id, lookup.providerMessageId, "sweeper"));
    if (lookup.status === "not_found") {
      // The provider says it does not have it: no longer counted (an earlier uncertain attempt included).
      await uow.tx.emailSend.update({ where: { tenantId_draftId: { tenantId: current.tenantId, draftId: current.id } }, data: { state: "RELEASED", uncertainAt: null } });
      const reason = "The sending worker stopped before the transport had the message; queued again.";
      await changeStatus(uow, current, { action: "retry", data: { leaseToken: null, leaseExpiresAt: null, lastError: reason }, auditAction: "draft.send_recovered", summary: { reason } });
      await enqueueSend(services, uow, current.tenantId, current.id);
      return ok<DeliveryResult>({ outcome: "retry", reason });
    }
    const why = `Delivery uncertain: the sending worker stopped while handing the message to ${transport.name}, which cannot say whether it arrived${transport.name === "gmail" ? " (the mailbox's Google connection is not ACTIVE, so Gmail cannot be asked)" : ""}. Not re-sent, to avoid sending twice; check the mailbox's sent folder.`;
    await changeStatus(uow, current, {
      action: "fail",
      data: { failureReason: why, leaseToken: null, leaseExpiresAt: null },
      auditAction: "draft.send_recovered",
      summary: { reason: why },
    });
    return ok<DeliveryResult>({ outcome: "failed", reason: why });
  });
  return outcome.ok ? outcome.value : { outcome: "skipped", reason: "could not recover" };
}
