// The outcome report's pure parts: the period rules, the funnel's steps and
// the conversion math. Counting happens in PostgreSQL (src/data/outcome-report.ts);
// this file only checks the question and shapes the answer.
import { z } from "zod";

export const REPORT_GROUP_BY = ["DAY", "WEEK"] as const;
export type ReportGroupBy = (typeof REPORT_GROUP_BY)[number];

/**
 * The engagement funnel, in order. Each step counts the drafts (created in the
 * period) that reached it AND every step before it, so a step never exceeds
 * the one before and conversion is at most 1.
 */
export const FUNNEL_STEPS = ["DRAFTED", "APPROVED", "SENT", "DELIVERED", "REPLIED", "POSITIVE_REPLY", "MEETING", "DEAL_CREATED", "WON"] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/** Intents that count as a positive reply. */
export const POSITIVE_INTENTS = ["INTERESTED", "MEETING_REQUEST"] as const;

/** Longest period one report covers, per bucket size (keeps the bucket list and the scan bounded). */
export const MAX_BUCKETS: Record<ReportGroupBy, number> = { DAY: 366, WEEK: 157 };
const DAY_MS = 86_400_000;

export interface ReportPeriodInput {
  from: Date;
  to: Date;
  groupBy: ReportGroupBy;
  timeZone: string;
}

export type PeriodProblem = { field: string; message: string } | null;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Why a report period cannot be answered, or null when it can. */
export function checkReportPeriod(p: ReportPeriodInput): PeriodProblem {
  if (Number.isNaN(p.from.getTime()) || Number.isNaN(p.to.getTime())) return { field: "from", message: "from and to must be valid date-times." };
  if (p.to.getTime() <= p.from.getTime()) return { field: "to", message: "to must be after from." };
  if (!isTimeZone(p.timeZone)) return { field: "timeZone", message: "timeZone is not an IANA time zone." };
  const bucketDays = p.groupBy === "DAY" ? 1 : 7;
  // +1 bucket of slack: the first and last buckets may be partial.
  if ((p.to.getTime() - p.from.getTime()) / DAY_MS > (MAX_BUCKETS[p.groupBy] - 1) * bucketDays) {
    return { field: "to", message: `A report grouped by ${p.groupBy} covers at most ${MAX_BUCKETS[p.groupBy] - 1} ${p.groupBy === "DAY" ? "days" : "weeks"}.` };
  }
  return null;
}

/** A ratio rounded to 4 decimals; null when there is nothing to divide by. */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

export const round = (n: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export interface FunnelCount {
  step: FunnelStep;
  count: number;
  /** Median seconds from the previous step to this one, over drafts that reached both. */
  medianSecondsFromPrevious: number | null;
}

export interface FunnelRow extends FunnelCount {
  /** count ÷ the previous step's count (null for the first step, or when the previous is 0). */
  conversion: number | null;
  /** count ÷ drafted. */
  ofDrafted: number | null;
  medianHoursFromPrevious: number | null;
}

/** Adds the conversion from the previous step and from the top, in funnel order. */
export function funnelRows(counts: readonly FunnelCount[]): FunnelRow[] {
  const by = new Map(counts.map((c) => [c.step, c]));
  const drafted = by.get("DRAFTED")?.count ?? 0;
  let previous: number | null = null;
  return FUNNEL_STEPS.map((step) => {
    const c = by.get(step) ?? { step, count: 0, medianSecondsFromPrevious: null };
    const row: FunnelRow = {
      step,
      count: c.count,
      medianSecondsFromPrevious: previous === null ? null : c.medianSecondsFromPrevious,
      medianHoursFromPrevious: previous === null || c.medianSecondsFromPrevious === null ? null : round(c.medianSecondsFromPrevious / 3600, 2),
      conversion: previous === null ? null : rate(c.count, previous),
      ofDrafted: rate(c.count, drafted),
    };
    previous = c.count;
    return row;
  });
}

/** Reasons as people typed them, grouped case- and space-insensitively (the SQL groups by this key). */
export function reasonKey(reason: string | null | undefined): string {
  const key = (reason ?? "").trim().replace(/\s+/g, " ").toLowerCase();
  return key || "(no reason given)";
}

export const outcomeFilterSchema = z
  .object({
    ownerId: z.string().uuid().nullish(),
    mailbox: z.string().min(3).max(320).nullish(),
    agent: z.string().min(1).max(100).nullish(),
  })
  .strict();
