// Dates in free text, resolved against the message's own send date with
// chrono-node (so "next Tuesday" in a 2019 e-mail means a 2019 Tuesday).
import * as chrono from "chrono-node";
import type { InboundEmail } from "../domain/inbound-email.js";

export interface MentionedDate {
  text: string;
  /** YYYY-MM-DD */
  date: string;
  index: number;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Dates (not bare times of day) mentioned in the text; a range gives its start, `end` its end. */
export function mentionedDates(text: string, reference: Date): Array<MentionedDate & { end: string | null }> {
  return chrono
    .parse(text, { instant: reference, timezone: 0 }, { forwardDate: true })
    .filter((r) => r.start.isCertain("day") || r.start.isCertain("weekday") || r.start.isCertain("month"))
    .map((r) => ({ text: r.text, date: isoDay(r.start.date()), end: r.end ? isoDay(r.end.date()) : null, index: r.index }));
}

const RETURN_CUE = /(?:until|till|through|thru|back|return(?:ing)?|resume|reachable|in the office|jusqu'au|bis (?:zum|einschließlich)?|hasta|fino al)/i;

/**
 * When someone away will be back: Apple's X-Apple-Criteria endDate, or the
 * first date after a return cue ("back on", "until", "returning"). For
 * "until X" the person is back the day after… but many write "until 5 May"
 * meaning back on the 5th, so X itself is used: a follow-up on the return
 * day is never early by more than a day.
 */
export function returnDate(email: Pick<InboundEmail, "headers" | "date" | "subject">, text: string): string | null {
  const criteria = email.headers["x-apple-criteria"]?.[0];
  const end = criteria ? /endDate=(\d{4}-\d{2}-\d{2})/.exec(criteria)?.[1] : undefined;
  if (end) return end;
  const reference = email.date ? new Date(email.date) : new Date(0);
  const source = `${email.subject}\n${text}`;
  const dates = mentionedDates(source, reference);
  if (!dates.length) return null;
  const cued = dates.find((d) => RETURN_CUE.test(source.slice(Math.max(0, d.index - 40), d.index)));
  // "away from 10 to 24 July": the last date of a range is the return.
  const chosen = cued ?? dates[dates.length - 1]!;
  return chosen.end ?? chosen.date;
}
