// The weekly digest a manager opts into: last week's figures from the outcome
// report, compared with the week before, as a short text. Weeks run Monday
// 00:00 to Monday 00:00 in the tenant's time zone; a digest is due from
// Monday 07:00 local (the morning the week is reviewed), and is written once
// per member and week. Pure: the orchestration gathers the figures.
import { localInstant } from "../sequence/sequence.js";

export const DIGEST_DUE_MINUTES = 7 * 60;
const DAY_MS = 86_400_000;

export interface DigestFigures {
  drafted: number;
  approved: number;
  sent: number;
  replied: number;
  positiveReplies: number;
  meetings: number;
  dealsCreated: number;
  won: number;
  /** AI drafts reviewed in the week: approved, rejected, and approved ÷ (approved + rejected) (null when none). */
  aiApproved: number;
  aiRejected: number;
  approvalRate: number | null;
  topRejectionReason: string | null;
  medianReviewHours: number | null;
  recommendationsAccepted: number;
  recommendationsDismissed: number;
  /** Agent runs that failed or died in the week. */
  agentFailures: number;
  /** Jobs waiting in a dead-letter queue now. */
  deadLetters: number;
}

export interface DigestPeriod {
  start: Date;
  end: Date;
}

function localDate(at: Date, timeZone: string): { year: number; month: number; day: number; weekday: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric", weekday: "short" }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday"));
  return { year: Number(get("year")), month: Number(get("month")), day: Number(get("day")), weekday };
}

function mondayOf(at: Date, timeZone: string): { year: number; month: number; day: number } {
  const d = localDate(at, timeZone);
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day) - d.weekday * DAY_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

function shiftDays(d: { year: number; month: number; day: number }, days: number) {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day) + days * DAY_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** The last full week before `now`: Monday 00:00 to Monday 00:00, local (a DST week is 167 or 169 hours). */
export function lastFullWeek(now: Date, timeZone: string): DigestPeriod {
  const thisMonday = mondayOf(now, timeZone);
  return { start: new Date(localInstant(shiftDays(thisMonday, -7), 0, timeZone)), end: new Date(localInstant(thisMonday, 0, timeZone)) };
}

/** The week before a period (for the comparison). */
export function weekBefore(period: DigestPeriod, timeZone: string): DigestPeriod {
  return lastFullWeek(new Date(period.start.getTime() + 60_000), timeZone);
}

/** Whether last week's digest may be written now: from Monday 07:00 local on. */
export function digestDue(now: Date, timeZone: string): boolean {
  return now.getTime() >= localInstant(mondayOf(now, timeZone), DIGEST_DUE_MINUTES, timeZone);
}

function change(now: number, before: number): string {
  if (now === before) return "same as the week before";
  const diff = now - before;
  return `${diff > 0 ? "+" : "−"}${Math.abs(diff)} on the week before`;
}

const pct = (v: number | null) => (v === null ? "—" : `${Math.round(v * 100)} %`);

function dayLabel(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, day: "numeric", month: "short" }).format(at);
}

/** The digest's subject and text: what happened, how it compares, and what needs attention. */
export function composeDigest(input: {
  tenantName: string;
  recipientName: string;
  period: DigestPeriod;
  timeZone: string;
  figures: DigestFigures;
  previous: DigestFigures;
}): { subject: string; bodyText: string } {
  const { figures: f, previous: p, period, timeZone } = input;
  const lastDay = new Date(period.end.getTime() - 1);
  const range = `${dayLabel(period.start, timeZone)} – ${dayLabel(lastDay, timeZone)}`;
  const lines = [
    `Hello ${input.recipientName},`,
    "",
    `Here is ${input.tenantName}'s week, ${range}.`,
    "",
    "Outreach",
    `- Drafts written: ${f.drafted} (${change(f.drafted, p.drafted)})`,
    `- Approved: ${f.approved}`,
    `- AI drafts reviewed: ${f.aiApproved} approved, ${f.aiRejected} rejected (approval rate ${pct(f.approvalRate)})`,
    `- Sent: ${f.sent} (${change(f.sent, p.sent)})`,
    `- Replies: ${f.replied}, of which positive: ${f.positiveReplies} (${change(f.positiveReplies, p.positiveReplies)})`,
    `- Meetings: ${f.meetings}; deals created: ${f.dealsCreated}; won: ${f.won}`,
    "",
    "Review",
    `- Median time to review a draft: ${f.medianReviewHours === null ? "—" : `${f.medianReviewHours.toFixed(1)} h`}`,
    f.topRejectionReason ? `- Most common rejection reason: "${f.topRejectionReason}"` : "- No drafts were rejected with a reason.",
    `- Recommendations accepted: ${f.recommendationsAccepted}, dismissed: ${f.recommendationsDismissed}`,
  ];
  const attention: string[] = [];
  if (f.agentFailures > 0) attention.push(`- ${f.agentFailures} agent run(s) failed; see the report's agent performance.`);
  if (f.deadLetters > 0) attention.push(`- ${f.deadLetters} job(s) wait in a dead-letter queue.`);
  if (f.sent === 0 && f.approved > 0) attention.push("- Drafts were approved but nothing was sent: check the sending mode and the kill switch.");
  lines.push("", "Needs attention", ...(attention.length ? attention : ["- Nothing."]));
  lines.push("", "The full report, with charts, is in the console under Reports.");
  return { subject: `${input.tenantName}: your week in sales, ${range}`, bodyText: lines.join("\n") };
}
