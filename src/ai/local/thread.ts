// Local thread reader: asks from the request detector, dates from chrono-node
// (relative to each message's send date), objections and commitments from
// cue patterns with wink-nlp sentence boundaries, sentiment of the prospect's
// latest message, and a next step derived from what is still open.
import { stripQuoted } from "../../domain/draft/voice.js";
import { mentionedDates } from "../dates.js";
import { analyse, splitSentences } from "../nlp.js";
import type { ThreadFacts, ThreadReaderInput } from "../prompts/thread-reader.js";
import { OBJECTION_CATEGORIES } from "../prompts/thread-reader.js";
import { requestDetectorModel, requestProbability } from "../request-detector.js";

type Category = (typeof OBJECTION_CATEGORIES)[number];

const OBJECTIONS: Array<[Category, RegExp]> = [
  ["PRICE", /\b(?:too (?:expensive|pricey|costly)|budget|price|pricing|cost|afford|spend(?:ing)?|discount)\b/i],
  ["TIMING", /\b(?:not the right time|timing|bandwidth|next (?:year|quarter)|until q[1-4]|later this year|busy|in the middle of)\b/i],
  ["AUTHORITY", /\b(?:decision[- ]maker|procurement|my (?:boss|manager)|sign[- ]off|approval|board)\b/i],
  ["COMPETITOR", /\b(?:already (?:use|using|have|work with)|signed with|current (?:vendor|provider|solution)|locked in|contract (?:until|ends)|in-?house)\b/i],
  ["NEED", /\b(?:don'?t (?:need|see the need)|no need|not a (?:priority|fit)|too (?:small|big|large) for)\b/i],
  ["TRUST", /\b(?:sceptical|skeptical|doubt|tried (?:a )?similar|adoption was|references?|proof)\b/i],
  ["TECHNICAL", /\b(?:doesn'?t support|does not support|on-?prem(?:ise)?|integration|integrate|security review|data residency|hosting|compliance|requirement|mandatory)\b/i],
];
const CONCERN = /\b(?:but|however|concern|worried|problem|issue|unless|not sure|can'?t|cannot|don'?t|won'?t|too|doubt|sceptical|skeptical|dealbreaker|tight|limited|expensive|difficult|hard to|no budget|frozen|froze)\b/i;
const COMMITMENT = /\b(?:I|we)(?:'ll| will| shall|'m going to| am going to| are going to)\s+(?!not\b|be (?:out|away)\b)(\w+)|\blet me (?:\w+)|\bI(?:'ll| will) get back\b|\bwill (?:send|share|forward|follow up|call|check|confirm)\b/i;

function isoOf(value: string): Date {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}

export function readThreadLocally(input: ThreadReaderInput): ThreadFacts {
  const model = requestDetectorModel();
  const messages = [...input.messages].sort((a, b) => isoOf(a.sentAt).getTime() - isoOf(b.sentAt).getTime());
  const asks: ThreadFacts["asks"] = [];
  const dates: ThreadFacts["dates"] = [];
  const objections: ThreadFacts["objections"] = [];
  const commitments: ThreadFacts["commitments"] = [];
  const answered = new Set<number>();
  messages.forEach((message, index) => {
    const by = message.direction === "OUTBOUND" ? "US" : "THEM";
    const text = stripQuoted(message.text);
    const reference = isoOf(message.sentAt);
    for (const sentence of splitSentences(text)) {
      const s = sentence.text;
      if (s.length < 4) continue;
      if (requestProbability(sentence, model) >= model.threshold || /\?\s*$/.test(s)) asks.push({ text: s, by });
      if (by === "THEM" && CONCERN.test(s)) {
        const category = OBJECTIONS.find(([, pattern]) => pattern.test(s))?.[0];
        if (category && (sentence.sentiment <= 0.1 || /\bbut\b|\bhowever\b|\bunless\b/i.test(s))) objections.push({ text: s, category });
      }
      if (COMMITMENT.test(s) && !/\?$/.test(s)) commitments.push({ text: s, by });
      for (const d of mentionedDates(s, reference)) {
        dates.push({ text: d.text, date: d.date, context: s.slice(0, 200) });
      }
    }
    // A later message from the other side answers the earlier asks.
    if (index > 0) for (let i = 0; i < asks.length; i++) if (asks[i]!.by !== by) answered.add(i);
  });
  const lastTheirs = [...messages].reverse().find((m) => m.direction === "INBOUND");
  const sentiment = lastTheirs ? Math.max(-1, Math.min(1, analyse(stripQuoted(lastTheirs.text)).sentiment)) : 0;
  const openAsks = asks.filter((a, i) => !answered.has(i) || a.by === "THEM").filter((a) => a.by === "THEM");
  const ourOpenCommitments = commitments.filter((c) => c.by === "US");
  const upcoming = dates.filter((d) => d.date >= (messages[messages.length - 1]?.sentAt.slice(0, 10) ?? ""));
  let nextStep: string | null = null;
  const last = messages[messages.length - 1]!;
  if (last.direction === "INBOUND" && openAsks.length) nextStep = `Answer their request: "${truncate(openAsks[openAsks.length - 1]!.text, 140)}"`;
  else if (ourOpenCommitments.length) nextStep = `Keep our promise: "${truncate(ourOpenCommitments[ourOpenCommitments.length - 1]!.text, 140)}"`;
  else if (objections.length && last.direction === "INBOUND") nextStep = `Address their ${objections[objections.length - 1]!.category.toLowerCase()} concern`;
  else if (upcoming.length) nextStep = `Prepare for ${upcoming[0]!.text} (${upcoming[0]!.date})`;
  else if (last.direction === "OUTBOUND") nextStep = "Wait for their reply, then follow up if there is none";
  return {
    summary: summarise(messages.length, asks, objections, commitments, dates, last.direction, sentiment),
    asks: dedupe(asks).slice(0, 20),
    dates: dedupe(dates).slice(0, 20),
    objections: dedupe(objections).slice(0, 20),
    commitments: dedupe(commitments).slice(0, 20),
    nextStep,
    sentiment: Math.round(sentiment * 100) / 100,
  };
}

function truncate(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1).trimEnd()}…`;
}

function dedupe<T extends { text: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = JSON.stringify(i);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function summarise(
  count: number,
  asks: ThreadFacts["asks"],
  objections: ThreadFacts["objections"],
  commitments: ThreadFacts["commitments"],
  dates: ThreadFacts["dates"],
  lastDirection: "INBOUND" | "OUTBOUND",
  sentiment: number,
): string {
  const parts = [`${count} message${count === 1 ? "" : "s"}; the last one is ${lastDirection === "INBOUND" ? "from the prospect" : "ours"}.`];
  const theirAsks = asks.filter((a) => a.by === "THEM").length;
  if (theirAsks) parts.push(`The prospect made ${theirAsks} request${theirAsks === 1 ? "" : "s"}.`);
  if (objections.length) parts.push(`Concerns raised: ${[...new Set(objections.map((o) => o.category.toLowerCase()))].join(", ")}.`);
  if (commitments.length) parts.push(`${commitments.length} commitment${commitments.length === 1 ? "" : "s"} made.`);
  if (dates.length) parts.push(`Dates mentioned: ${[...new Set(dates.map((d) => d.date))].slice(0, 3).join(", ")}.`);
  parts.push(`Their latest tone is ${sentiment > 0.15 ? "positive" : sentiment < -0.15 ? "negative" : "neutral"}.`);
  return parts.join(" ").slice(0, 1000);
}
