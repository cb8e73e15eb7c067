// Dates in free text, resolved against the message's own send date with
// chrono-node (so "next Tuesday" in a 2019 e-mail means a 2019 Tuesday). A
// message without a send date (no Date header, or ingested as fields without
// sentAt) is read against the time it was received, never against 1970.
import { chronoFor, type ChronoLanguage } from "./chrono.js";
import type { InboundEmail } from "../domain/inbound/inbound-email.js";
import { LATER_CONTACT } from "./local/intent-features.js";

function validDate(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * What relative dates in a message are resolved against: when it was sent,
 * else when it was received, else now (the analysis runs as it arrives).
 */
export function referenceDate(sentAt: string | Date | null | undefined, receivedAt?: string | Date | null): Date {
  return validDate(sentAt) ?? validDate(receivedAt) ?? new Date();
}

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
const LANGUAGES: ChronoLanguage[] = ["en", "de", "fr", "es", "it", "nl", "pt"];

/** Dates (not bare times of day) mentioned in the text; a range gives its start, `end` its end. */
export function mentionedDates(text: string, reference: Date): Array<MentionedDate & { end: string | null }> {
  // The parser that reads the most (full dates count double) wins; English on ties.
  let best: { score: number; dates: Array<MentionedDate & { end: string | null }> } = { score: 0, dates: [] };
  for (const parser of LANGUAGES.map(chronoFor)) {
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
export function returnDate(email: Pick<InboundEmail, "headers" | "date" | "subject">, text: string, receivedAt?: string | Date | null): string | null {
  const criteria = email.headers["x-apple-criteria"]?.[0];
  const end = criteria ? /endDate=(\d{4}-\d{2}-\d{2})/.exec(criteria)?.[1] : undefined;
  if (end) return end;
  const reference = referenceDate(email.date, receivedAt);
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
 * quarter", "after the summer", "in six months", "next year", "in January",
 * "after the 15th". Resolved against the message's own date; null when no
 * time is given. `after`: the time was given as "after …" (come back once it
 * has passed, not on it).
 */
export function followUpDate(text: string, reference: Date): { date: string; text: string; after: boolean; index: number } | null {
  const found = followUpTime(text, reference);
  if (!found) return null;
  const index = Math.max(0, text.indexOf(found.text));
  const after = found.after ?? /\b(?:after|past|beyond|once)\s+(?:the\s+)?$/i.test(text.slice(Math.max(0, index - 12), index));
  return { date: found.date, text: found.text, after, index };
}

const ORDINAL_DAY = /\b(?:after|from|on|by|until|till|around|past|beyond)\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))/i;

function followUpTime(text: string, reference: Date): { date: string; text: string; after?: boolean } | null {
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
  // "after the 15th": the next 15th after the message (chrono reads no bare ordinal day).
  const ordinal = ORDINAL_DAY.exec(text);
  if (ordinal) {
    const day = Number(ordinal[1]);
    if (day >= 1 && day <= 31) {
      let date = new Date(Date.UTC(year, reference.getUTCMonth(), day));
      if (date.getUTCDate() !== day || isoDay(date) <= isoDay(reference)) date = new Date(Date.UTC(year, reference.getUTCMonth() + 1, day));
      if (date.getUTCDate() === day) return { date: isoDay(date), text: ordinal[0], after: /^(?:after|past|beyond)/i.test(ordinal[0]) };
    }
  }
  const dates = mentionedDates(text, reference).filter((d) => d.date > isoDay(reference));
  return dates.length ? { date: dates[0]!.date, text: dates[0]!.text } : null;
}

/** Words that ask for a later contact, or say why later is better, in the sentence around a time. */
const CONTACT_LATER =
  /\b(?:get back to (?:me|us)|come back to (?:me|us)|reach (?:out|me|us)|try (?:me|us|again)|contact (?:me|us)|ping (?:me|us)|check (?:back|in)|circle back|follow(?:ing)? up|touch base|talk|speak|chat|revisit|reconnect|reconsider|look (?:at|into) (?:it|this) again|write (?:to )?(?:me|us)|e-?mail (?:me|us)|call (?:me|us)|drop (?:me|us) a line|get in touch|be in touch|budget|timing|time is right|not (?:right )?now|not yet|until then|maybe|perhaps)\b/i;

function sentenceAround(text: string, index: number): string {
  const start = Math.max(text.lastIndexOf(".", index - 1), text.lastIndexOf("!", index - 1), text.lastIndexOf("?", index - 1), text.lastIndexOf("\n", index - 1)) + 1;
  const ends = [".", "!", "?", "\n"].map((c) => text.indexOf(c, index)).filter((i) => i !== -1);
  return text.slice(start, ends.length ? Math.min(...ends) + 1 : text.length);
}

/**
 * A reply that asks to be contacted later ("not now, try me in Q3", "reach
 * out in March", "get back to me after the 15th", "check back later"), with
 * the date when one is named and still ahead; null when it does not ask. A
 * date alone is not a request: "we renewed with Acme in January" names a
 * time but asks nothing, so it counts only in a sentence about getting back
 * in touch (or about timing and budget).
 */
export function laterContactRequest(text: string, reference: Date): { said: string; date: string | null; after: boolean } | null {
  const asked = LATER_CONTACT.exec(text);
  const when = followUpDate(text, reference);
  const whenAsks = !!when && CONTACT_LATER.test(sentenceAround(text, when.index));
  if (!asked && !whenAsks) return null;
  const ahead = when && when.date > isoDay(reference) ? when : null;
  return { said: (asked?.[0] ?? when!.text).trim(), date: ahead?.date ?? null, after: ahead?.after ?? false };
}
