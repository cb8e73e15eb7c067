// Sending a queued draft (src/orchestration/draft/draft-delivery.ts, and the
// batch of src/orchestration/draft/draft-send-batch.ts): what the claim
// decides from the facts each path loads its own way, and the activity a sent
// draft records. Both paths decide through sendRefusal then quotaRefusal, so a
// check cannot differ between them.
import type { QualityReport } from "./quality-gate.js";
import type { MailRefusalCode, MailRoute } from "../sending/mail-route.js";
import { describeBinding, type QuotaStatus } from "../sending/quota.js";
import { sendingStop, type SendingState, type SendStop } from "../sending/sending.js";
import { dmarcRefusal, type SendingDomainReport } from "../sending/sending-domain.js";

/** What the claim knows about one queued draft, loaded before it decides. */
export interface SendFacts {
  /** The tenant is suspended by the platform. */
  suspended: boolean;
  sending: SendingState;
  /** Why the recipient must not be mailed (recipientSuppressionReason), or null. */
  suppression: string | null;
  /** The quality gate's report on the draft as it is now. */
  quality: QualityReport;
  /** The hold reason of the sender mailbox's pause (pausedHoldReason), or null when it is not paused. */
  mailboxPause: string | null;
  /** How the mailbox leaves (chooseMailRoute). */
  route: MailRoute;
  /** The name of the transport the route resolves to on this instance; null when none (refused, or Gmail without Google connectors). */
  transport: string | null;
  /** The sending domain's current check when DMARC is enforced for the route's transport; null when it is not. */
  domainCheck: SendingDomainReport | null;
  /** A sequence step or campaign draft that must wait (its window, its planned day, its paused campaign), or null. */
  windowHold: { until: Date; reason: string } | null;
}

/**
 * Why a queued draft may not be claimed, with what the single path does about
 * it: hold it queued (until a time, or until a person acts when null), cancel
 * it, block it, or fail it.
 */
export type SendRefusal =
  | { check: "TENANT_SUSPENDED" }
  | { check: "STOPPED"; stop: SendStop; reason: string }
  | { check: "SUPPRESSED"; reason: string }
  | { check: "QUALITY_BLOCKED"; report: QualityReport; reason: string }
  | { check: "MAILBOX_PAUSED"; reason: string }
  | { check: "ROUTE_REFUSED"; code: MailRefusalCode; reason: string }
  | { check: "DMARC_NOT_ALIGNED"; reason: string }
  | { check: "WINDOW_HOLD"; until: Date; reason: string }
  | { check: "QUOTA"; until: Date; reason: string };

/**
 * The first check the draft fails, in the order the claim makes them, or null
 * when it may be claimed as far as these facts go (the quota comes last, under
 * its locks: quotaRefusal).
 */
export function sendRefusal(facts: SendFacts): SendRefusal | null {
  if (facts.suspended) return { check: "TENANT_SUSPENDED" };
  const stop = sendingStop(facts.sending);
  if (stop) {
    const reason = stop === "KILL_SWITCH" ? "Stopped by the kill switch before sending." : "The tenant switched to DRAFT_ONLY before the send went out.";
    return { check: "STOPPED", stop, reason };
  }
  if (facts.suppression) return { check: "SUPPRESSED", reason: facts.suppression };
  if (facts.quality.verdict === "BLOCK") {
    const reason = facts.quality.findings.filter((f) => f.severity === "BLOCK").map((f) => f.message).join(" ");
    return { check: "QUALITY_BLOCKED", report: facts.quality, reason };
  }
  if (facts.mailboxPause) return { check: "MAILBOX_PAUSED", reason: facts.mailboxPause };
  if (facts.route.kind === "refused") return { check: "ROUTE_REFUSED", code: facts.route.code, reason: `Not sent: ${facts.route.reason}` };
  if (!facts.transport) {
    return { check: "ROUTE_REFUSED", code: "GMAIL_UNAVAILABLE", reason: "Not sent: the mailbox sends through Gmail, but this instance has no Google connectors configured." };
  }
  // Only an answered lookup that fails refuses; a check DNS did not answer never blocks.
  if (facts.domainCheck?.alignment === "FAIL") return { check: "DMARC_NOT_ALIGNED", reason: dmarcRefusal(facts.domainCheck) };
  if (facts.windowHold) return { check: "WINDOW_HOLD", ...facts.windowHold };
  return null;
}

/** The last check, made under the quota locks once sendRefusal found nothing: the limit that binds, held until it frees up. */
export function quotaRefusal(quota: QuotaStatus): Extract<SendRefusal, { check: "QUOTA" }> | null {
  if (quota.allowed || !quota.binding) return null;
  return { check: "QUOTA", until: quota.availableAt, reason: describeBinding(quota.binding) };
}

/** The draft columns its sent e-mail's activity is made of. */
export interface SentDraft {
  id: string;
  tenantId: string;
  subject: string;
  bodyText: string;
  contactId: string | null;
  leadId: string | null;
  dealId: string | null;
  authorUserId: string | null;
  messageId: string | null;
  mailbox: string;
}

/** The EMAIL_SENT activity of a sent draft, as either path stores it (approvals: those of the sent revision, oldest first). */
export function sentEmailActivity(
  draft: SentDraft,
  sent: { providerMessageId: string; at: Date; approvals: readonly { approverId: string; approverUserId: string | null }[] },
) {
  return {
    tenantId: draft.tenantId,
    type: "EMAIL_SENT" as const,
    direction: "OUTBOUND" as const,
    occurredAt: sent.at,
    subject: draft.subject,
    body: draft.bodyText,
    contactId: draft.contactId,
    leadId: draft.leadId,
    dealId: draft.dealId,
    actorUserId: draft.authorUserId,
    metadata: {
      draftId: draft.id,
      messageId: draft.messageId,
      providerMessageId: sent.providerMessageId,
      mailbox: draft.mailbox,
      // Ids survive the redaction of e-mail addresses in labels.
      approvedBy: sent.approvals.map((a) => a.approverUserId ?? a.approverId),
    },
  };
}
