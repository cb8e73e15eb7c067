// The draft lifecycle. Every status change in the service goes through
// `transition()`, so an illegal move is refused with a userError instead of
// happening silently.
//
//   PENDING_REVIEW ──approve──▶ APPROVED ──queue──▶ QUEUED ──claim──▶ SENDING ──sent──▶ SENT
//        │  ▲                     │  │                │  ▲               │ │
//        │  └──────edit───────────┘  │                │  └──retry────────┘ └──fail──▶ FAILED
//        ├──reject──▶ REJECTED ◀─────┘                ├──cancel / kill switch──▶ CANCELLED
//        ├──block (quality gate) ──▶ BLOCKED ──edit──▶ PENDING_REVIEW
//        └──cancel──▶ CANCELLED
//
// Editing makes a new revision and always returns to PENDING_REVIEW (or
// BLOCKED when the new text fails the gate): approval never carries over to
// changed text.
import { userError, type UserError } from "../user-error.js";

export const DRAFT_STATUSES = [
  "PENDING_REVIEW",
  "APPROVED",
  "QUEUED",
  "SENDING",
  "SENT",
  "REJECTED",
  "BLOCKED",
  "FAILED",
  "CANCELLED",
] as const;
export type DraftStatus = (typeof DRAFT_STATUSES)[number];

export const DRAFT_ACTIONS = [
  /** A new revision of the text (by a person or an agent). */
  "edit",
  /** The last approval the policy asks for. */
  "approve",
  "reject",
  /** The quality gate refused the text (at creation, on a revision or right before sending). */
  "block",
  /** draftSend or auto-send: a send job is enqueued. */
  "queue",
  /** A worker takes the send lease. */
  "claim",
  /** The transport accepted the message. */
  "sent",
  /** A transient error (or a lease recovered with nothing sent): back in the queue. */
  "retry",
  /** A permanent error. */
  "fail",
  /** By a person, or by the kill switch / DRAFT_ONLY mode / suppression at send time. */
  "cancel",
] as const;
export type DraftAction = (typeof DRAFT_ACTIONS)[number];

/** The whole machine: from status, by action, to status. Anything missing is illegal. */
export const DRAFT_TRANSITIONS: Readonly<Record<DraftStatus, Partial<Record<DraftAction, DraftStatus>>>> = {
  PENDING_REVIEW: { edit: "PENDING_REVIEW", approve: "APPROVED", reject: "REJECTED", block: "BLOCKED", cancel: "CANCELLED" },
  APPROVED: { edit: "PENDING_REVIEW", reject: "REJECTED", block: "BLOCKED", queue: "QUEUED", cancel: "CANCELLED" },
  BLOCKED: { edit: "PENDING_REVIEW", block: "BLOCKED", cancel: "CANCELLED" },
  QUEUED: { claim: "SENDING", block: "BLOCKED", cancel: "CANCELLED", fail: "FAILED" },
  SENDING: { sent: "SENT", retry: "QUEUED", fail: "FAILED" },
  SENT: {},
  REJECTED: {},
  FAILED: {},
  CANCELLED: {},
};

export const TERMINAL_STATUSES: readonly DraftStatus[] = DRAFT_STATUSES.filter((s) => Object.keys(DRAFT_TRANSITIONS[s]).length === 0);

/** Statuses whose text may still change. */
export const EDITABLE_STATUSES: readonly DraftStatus[] = DRAFT_STATUSES.filter((s) => DRAFT_TRANSITIONS[s].edit !== undefined);

const VERB: Record<DraftAction, string> = {
  edit: "edit",
  approve: "approve",
  reject: "reject",
  block: "block",
  queue: "send",
  claim: "claim",
  sent: "mark as sent",
  retry: "retry",
  fail: "fail",
  cancel: "cancel",
};

export function nextStatus(from: DraftStatus, action: DraftAction): DraftStatus | null {
  return DRAFT_TRANSITIONS[from][action] ?? null;
}

/** The status after `action`, or the userError that explains why the draft cannot do it now. */
export function transition(
  from: DraftStatus,
  action: DraftAction,
  field: string[] = ["input", "draftId"],
): { ok: true; status: DraftStatus } | { ok: false; error: UserError } {
  const to = nextStatus(from, action);
  if (to) return { ok: true, status: to };
  if (action === "approve" && from === "APPROVED") {
    return { ok: false, error: userError("ALREADY_APPROVED", "This draft is already approved.", field) };
  }
  if (action === "approve" && from === "BLOCKED") {
    return {
      ok: false,
      error: userError("QUALITY_GATE_BLOCKED", "The quality gate blocks this draft. Edit it to fix the findings, then approve the new revision.", field),
    };
  }
  if (action === "queue" && from === "PENDING_REVIEW") {
    return { ok: false, error: userError("DRAFT_NOT_APPROVED", "This draft must be approved before it can be sent.", field) };
  }
  return {
    ok: false,
    error: userError("INVALID_DRAFT_STATUS", `Cannot ${VERB[action]} a draft that is ${from}.`, field),
  };
}

export const DRAFT_ORIGINS = ["OPERATOR", "AGENT", "SEQUENCE", "CAMPAIGN"] as const;
export type DraftOrigin = (typeof DRAFT_ORIGINS)[number];

export const MAIL_CATEGORIES = ["ONE_TO_ONE", "MARKETING"] as const;
export type MailCategory = (typeof MAIL_CATEGORIES)[number];

/** Event type for a status change: `sales.draft.<verb>`. */
export function draftEventFor(to: DraftStatus, action: DraftAction): string {
  if (action === "edit") return "sales.draft.revised";
  const byStatus: Record<DraftStatus, string> = {
    PENDING_REVIEW: "sales.draft.revised",
    APPROVED: "sales.draft.approved",
    QUEUED: action === "retry" ? "sales.draft.requeued" : "sales.draft.queued",
    SENDING: "sales.draft.sending",
    SENT: "sales.draft.sent",
    REJECTED: "sales.draft.rejected",
    BLOCKED: "sales.draft.blocked",
    FAILED: "sales.draft.failed",
    CANCELLED: "sales.draft.cancelled",
  };
  return byStatus[to];
}
