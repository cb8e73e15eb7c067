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

// English first; replies in other languages ("jusqu'au 2 avril", "hasta el 10 de abril") fall back to
// chrono's parser for that language.
const PARSERS = [chrono.casual, chrono.de.casual, chrono.fr.casual, chrono.es.casual, chrono.it.casual, chrono.nl.casual, chrono.pt.casual];

/** Dates (not bare times of day) mentioned in the text; a range gives its start, `end` its end. */
export function mentionedDates(text: string, reference: Date): Array<MentionedDate & { end: string | null }> {
  // The parser that reads the most (full dates count double) wins; English on ties.
  let best: { score: number; dates: Array<MentionedDate & { end: string | null }> } = { score: 0, dates: [] };
  for (const parser of PARSERS) {
    const results = parser
      .parse(text, { instant: reference, timezone: 0 }, { forwardDate: true })
      .filter((r) => r.start.isCertain("day") || r.start.isCertain("weekday") || r.start.isCertain("month"));
    const score = results.reduce((sum, r) => sum + (r.start.isCertain("day") ? 2 : 1), 0);
    if (score > best.score) {
      best = { score, dates: results.map((r) => ({ text: r.text, date: isoDay(r.start.date()), end: r.end ? isoDay(r.end.date()) : null, index: r.index })) };
    }
  }
  return best.dates;
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

const FEW: Record<string, number> = { a: 1, one: 1, "a couple of": 2, two: 2, "a few": 3, few: 3, three: 3, four: 4, several: 4, five: 5, six: 6, twelve: 12 };
const SEASON_MONTH: Record<string, number> = { spring: 2, summer: 5, autumn: 8, fall: 8, winter: 11 };

function addMonths(d: Date, months: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
}

/**
 * When someone who said "not now" asked to be contacted again: "in Q3", "next
 * quarter", "after the summer", "in six months", "next year", "in January".
 * Resolved against the message's own date; null when no time is given.
 */
export function followUpDate(text: string, reference: Date): { date: string; text: string } | null {
  const year = reference.getUTCFullYear();
  const quarter = /\bQ([1-4])(?:\s*(?:\/\s*)?('?\d{2,4}))?\b/i.exec(text);
  if (quarter) {
    const q = Number(quarter[1]);
    let start = new Date(Date.UTC(quarter[2] ? 2000 + (Number(quarter[2].replace("'", "")) % 100) : year, (q - 1) * 3, 1));
    if (!quarter[2] && start <= reference) start = new Date(Date.UTC(year + 1, (q - 1) * 3, 1));
    return { date: isoDay(start), text: quarter[0] };
  }
  const nextQuarter = /\bnext quarter\b|\bnächste[sn]? quartal\b|\bprochain trimestre\b|\bpróximo trimestre\b/i.exec(text);
  if (nextQuarter) return { date: isoDay(new Date(Date.UTC(year, Math.floor(reference.getUTCMonth() / 3) * 3 + 3, 1))), text: nextQuarter[0] };
  const season = /\b(?:after|over|in|during|this|next|until)\s+(?:the\s+)?(spring|summer|autumn|fall|winter)(?:\s+(?:holidays|break))?\b/i.exec(text);
  if (season) {
    const after = /^(?:after|over|until)/i.test(season[0]);
    const month = SEASON_MONTH[season[1]!.toLowerCase()]! + (after ? 3 : 0);
    let start = new Date(Date.UTC(year, month, 1));
    if (start <= reference) start = new Date(Date.UTC(year + 1, month, 1));
    return { date: isoDay(start), text: season[0] };
  }
  const span = /\bin\s+(a|one|a couple of|two|a few|few|three|four|several|five|six|twelve|\d{1,2})\s+(weeks?|months?)\b/i.exec(text);
  if (span) {
    const n = FEW[span[1]!.toLowerCase()] ?? Number(span[1]);
    const date = /^week/i.test(span[2]!) ? new Date(reference.getTime() + n * 7 * 86_400_000) : addMonths(reference, n);
    return { date: isoDay(date), text: span[0] };
  }
  const newYear = /\b(?:next year|(?:in |after )?the new year|nächstes jahr|l'année prochaine|el (?:próximo )?año (?:que viene|próximo))\b/i.exec(text);
  if (newYear) return { date: isoDay(new Date(Date.UTC(year + 1, 0, 1))), text: newYear[0] };
  const dates = mentionedDates(text, reference).filter((d) => d.date > isoDay(reference));
  return dates.length ? { date: dates[0]!.date, text: dates[0]!.text } : null;
}
