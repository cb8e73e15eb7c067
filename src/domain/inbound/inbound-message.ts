// Inbound messages, pure: their identity (Message-ID, or a stable hash when
// there is none), how they join a thread (In-Reply-To / References, else the
// subject without its Re:/Fwd: prefixes), which suppression reason a certain
// rule implies, and what the analysis agent does with a verdict.
import { createHash } from "node:crypto";
import type { SuppressionReason } from "../sending/suppression.js";

/** "<abc@host>" for "abc@host", " <abc@host> " or "<abc@host>"; null for nothing usable. */
export function normaliseMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = /<([^<>\s]+)>/.exec(value);
  const bare = (match ? match[1]! : value.trim()).replace(/^<|>$/g, "");
  if (!bare || /\s/.test(bare) || bare.length > 900) return null;
  return `<${bare}>`;
}

/** Every Message-ID in a References / In-Reply-To header, in order, without repeats. */
export function messageIdList(...headers: Array<string | null | undefined | string[]>): string[] {
  const out: string[] = [];
  for (const header of headers.flat()) {
    if (!header) continue;
    const ids = [...header.matchAll(/<[^<>\s]+>/g)].map((m) => m[0]);
    const list = ids.length ? ids : header.split(/\s+/).filter(Boolean);
    for (const raw of list) {
      const id = normaliseMessageId(raw);
      if (id && !out.includes(id)) out.push(id);
    }
  }
  return out;
}

/**
 * An id for a message that came without a Message-ID: a hash of what makes it
 * this message, so posting the same message twice still finds the first.
 */
export function syntheticMessageId(parts: { from: string | null; sentAt: string | null; subject: string; text: string }): string {
  const hash = createHash("sha256")
    .update([parts.from ?? "", parts.sentAt ?? "", parts.subject, parts.text].join("\u0000"))
    .digest("hex")
    .slice(0, 40);
  return `<${hash}@inbound.sales-agent.invalid>`;
}

const REPLY_PREFIX = /^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|tr|rv|ref|rif|odp|vb)\s*(?:\[\d+\])?\s*:\s*)+/i;

/** The subject that identifies a conversation: reply/forward prefixes (several languages) removed, spaces collapsed, lower case. */
export function subjectKey(subject: string): string {
  return subject.replace(REPLY_PREFIX, "").replace(/\s+/g, " ").trim().toLowerCase();
}

/** "Re: <subject>" unless it already is a reply. */
export function replySubject(subject: string): string {
  const clean = subject.trim() || "(no subject)";
  return /^\s*re\s*:/i.test(clean) ? clean : `Re: ${clean}`;
}

/** The suppression reason a certain rule implies: a complaint report, a bounce, or an unsubscribe. */
export function suppressionReasonFor(analysis: { ruleKind: string | null; intent: string; feedbackType: string | null }): SuppressionReason {
  if (analysis.ruleKind === "COMPLAINT" || analysis.feedbackType) return "COMPLAINED";
  if (analysis.intent === "BOUNCE") return "BOUNCED";
  return "UNSUBSCRIBED";
}

const DAY_MS = 86_400_000;

/** 09:00 UTC on the first weekday strictly after the given date (YYYY-MM-DD or a Date); `extraDays` -1: on or after it. */
export function businessDayAfter(date: string | Date, extraDays = 0): Date {
  const base = typeof date === "string" ? new Date(`${date.slice(0, 10)}T00:00:00Z`) : date;
  const d = new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate() + 1 + extraDays, 9));
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

export interface AnalysisVerdict {
  intent: string;
  action: string;
  reasons: string[];
  returnDate: string | null;
  neverReply: boolean;
  automation: { automated: boolean };
  bounce: { hard: boolean } | null;
  subject: string;
}

export interface InboundPlan {
  /** Write a reply draft (never for automated mail). */
  reply: boolean;
  /**
   * A follow-up: open follow-up tasks due before `dueAt` move to it
   * (`reschedule`: an out-of-office with a return date); otherwise a task is
   * created when none is open.
   */
  followUp: { dueAt: Date; title: string; reschedule: boolean } | null;
  /** A task for the owner to look at it now. */
  escalate: { title: string; description: string } | null;
}

/** A reply's request to be contacted later: when (YYYY-MM-DD, or null when no time was named) and whether "after" that day. */
export interface LaterContact {
  said: string;
  date: string | null;
  after: boolean;
}

/** A decline that asks to be contacted "later" without naming when: come back in a quarter, not in a week. */
export const DECLINE_LATER_DAYS = 90;
/** Any other follow-up without a named time. */
export const DEFAULT_FOLLOW_UP_DAYS = 7;

/**
 * What the analysis agent does with a verdict. Automated mail is never
 * answered. A follow-up is due when the reply said to come back ("reach out
 * in March", "after the 15th", "next quarter"), else after a default; a
 * decline (NOT_INTERESTED) gets a follow-up only when it asks to be contacted
 * later, whatever the action says.
 */
export function planForAnalysis(analysis: AnalysisVerdict, now: Date, later: LaterContact | null = null): InboundPlan {
  const automated = analysis.neverReply || analysis.automation.automated;
  const reply = analysis.action === "DRAFT_REPLY" && !automated;
  let followUp: InboundPlan["followUp"] = null;
  if (analysis.intent === "OUT_OF_OFFICE") {
    followUp = analysis.returnDate
      ? { dueAt: businessDayAfter(analysis.returnDate), title: `Follow up: back on ${analysis.returnDate}`, reschedule: true }
      : { dueAt: new Date(now.getTime() + 7 * DAY_MS), title: "Follow up: was out of office (no return date)", reschedule: false };
  } else if (analysis.action === "SCHEDULE_FOLLOW_UP") {
    const title = `Follow up: ${analysis.subject || "their reply"}`.slice(0, 300);
    if (analysis.intent === "BOUNCE" && analysis.bounce && !analysis.bounce.hard) {
      followUp = { dueAt: businessDayAfter(now), title: "Retry: delivery failed temporarily", reschedule: false };
    } else if (later?.date) {
      // "after the 15th" is the first business day after it; "in March", "next quarter" the first business day from then.
      followUp = { dueAt: later.after ? businessDayAfter(later.date) : businessDayAfter(later.date, -1), title, reschedule: false };
    } else if (analysis.intent === "NOT_INTERESTED") {
      followUp = later ? { dueAt: new Date(now.getTime() + DECLINE_LATER_DAYS * DAY_MS), title, reschedule: false } : null;
    } else {
      followUp = { dueAt: new Date(now.getTime() + DEFAULT_FOLLOW_UP_DAYS * DAY_MS), title, reschedule: false };
    }
  }
  const escalate =
    analysis.action === "ESCALATE"
      ? {
          title: `Review inbound e-mail: ${analysis.subject || "(no subject)"}`.slice(0, 300),
          description: analysis.reasons.join("\n").slice(0, 5_000) || "The analysis asks a person to look at this message.",
        }
      : null;
  return { reply, followUp, escalate };
}

/** "Maria Keller", "Keller, Maria", "Dr. Maria Keller (Acme)" → Maria / Keller; an address or nothing → nulls. */
export function nameFromDisplay(display: string | null | undefined): { firstName: string | null; lastName: string | null } {
  const clean = display
    ?.replace(/["']/g, "")
    .replace(/\([^)]*\)|\[[^\]]*\]/g, " ")
    .replace(/^\s*(mr|mrs|ms|dr|prof)\.?\s+/i, "")
    .replace(/\s+/g, " ")
    .trim();
  if (!clean || clean.includes("@")) return { firstName: null, lastName: null };
  const ordered = clean.includes(",") ? clean.split(",").map((p) => p.trim()).filter(Boolean).reverse().join(" ") : clean;
  const words = ordered.split(" ").filter((w) => /^[\p{L}][\p{L}'.-]*$/u.test(w));
  if (!words.length) return { firstName: null, lastName: null };
  return { firstName: words[0]!.slice(0, 100), lastName: words.slice(1).join(" ").slice(0, 100) || null };
}
