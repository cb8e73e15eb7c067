// What the local provider proposes to write back, per intent: confirm the
// time they offered or propose two; answer what they asked; acknowledge the
// specific concern; write to the person a referral points to; close politely
// after a no (and say when we will check back, if they asked). Drafts are
// proposals for a person to review; nothing here promises prices, discounts
// or facts the message does not contain.
import { chronoFor } from "../chrono.js";
import { mentionedDates } from "../dates.js";
import { splitSentences } from "../nlp.js";
import type { InboundAnalysisInput, InboundIntent } from "../prompts/inbound-analysis.js";
import { detectRequests } from "../request-detector.js";
import { capitalise, firstNameOf } from "./names.js";
import { replyText } from "./reply-text.js";

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const NAME_PART = /^\p{Lu}[\p{Ll}'-]+$/u;
const NOT_A_NAME = /^(?:Hi|Hello|Dear|Hey|Thanks|Thank|Please|Best|Regards|Our|The|We|I|You|Head|Director|Manager|Team|Department|Office|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December|Customer|Success|Operations|Procurement|Finance|Sales|Marketing|Group|Mr|Mrs|Ms|Dr|Herr|Frau)$/;
const TITLED = /\b(Mr|Mrs|Ms|Dr|Herr|Frau|Monsieur|Madame|Mme)\.?\s+(\p{Lu}[\p{Ll}'-]+)(?:\s+(\p{Lu}[\p{Ll}'-]+))?/u;
const GENERIC_MAILBOX = /^(?:info|sales|contact|hello|admin|support|office|team|noreply|no-reply|mail|enquiries|hr|billing|accounts|purchasing|procurement|einkauf|digital|it)$/i;

export interface ReferredPerson {
  name: string | null;
  email: string | null;
}

/** The person a referral points to: an address in the reply (not the sender's), and the name given for them. */
export function referredPerson(text: string, from: string, senderName: string | null = null): ReferredPerson | null {
  const body = replyText(text).body;
  const email = (body.match(EMAIL) ?? []).map((e) => e.toLowerCase()).find((e) => e !== from.toLowerCase()) ?? null;
  const own = new Set((senderName ?? "").split(/\s+/).filter(Boolean));
  let name: string | null = null;
  for (const sentence of splitSentences(body)) {
    const tokens = sentence.tokens;
    for (let i = 0; i < tokens.length && !name; i++) {
      const parts: string[] = [];
      while (parts.length < 3 && tokens[i + parts.length] && NAME_PART.test(tokens[i + parts.length]!.value) && !NOT_A_NAME.test(tokens[i + parts.length]!.value)) parts.push(tokens[i + parts.length]!.value);
      const isProper = parts.some((_, k) => tokens[i + k]!.pos === "PROPN");
      if (parts.length >= 2 && isProper && !parts.every((p) => own.has(p))) name = parts.join(" ");
    }
    if (name) break;
  }
  const titled = name ? null : TITLED.exec(body);
  if (titled) name = titled[3] ? `${titled[2]} ${titled[3]}` : `${titled[1]}. ${titled[2]}`.replace("..", ".");
  if (!name && email) {
    const local = email.split("@")[0]!.split(/[._-]/).filter((p) => p.length > 1 && /^[a-z]+$/.test(p));
    if (local.length >= 2) name = local.slice(0, 2).map(capitalise).join(" ");
    else if (local.length === 1 && local[0]!.length >= 3 && !GENERIC_MAILBOX.test(local[0]!)) name = capitalise(local[0]!);
  }
  return name || email ? { name, email } : null;
}

function longDay(iso: string): string {
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
}

/** Two working days, starting the second day after the message, for proposing times when the sender asked us to. */
function nextWorkingDays(sentAt: string | null): [string, string] | null {
  if (!sentAt || Number.isNaN(Date.parse(sentAt))) return null;
  const days: string[] = [];
  const d = new Date(Date.parse(sentAt));
  d.setUTCDate(d.getUTCDate() + 1);
  while (days.length < 2) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) days.push(d.toISOString().slice(0, 10));
  }
  return [days[0]!, days[1]!];
}

function meetingBody(input: InboundAnalysisInput): string[] {
  const body = replyText(input.text).body;
  const reference = input.sentAt && !Number.isNaN(Date.parse(input.sentAt)) ? new Date(input.sentAt) : null;
  const offered = chronoFor("en").parse(body, reference ? { instant: reference, timezone: 0 } : undefined, { forwardDate: true }).filter((r) => r.start.isCertain("hour") || r.start.isCertain("weekday") || r.start.isCertain("day"));
  if (/\b(?:calendly\.com|cal\.com|meetings\.hubspot\.com|youcanbook\.me|booking link|scheduling link)\b/i.test(body)) {
    return ["Thanks for sending your booking link.", "I will pick a slot there and add a short agenda to the invitation."];
  }
  if (offered.length && !/\b(?:when (?:are|would) you|what (?:time|day)s? (?:suit|work)|your availability|send (?:me )?(?:a few |some |two |three )?(?:slots|times|options|dates)|propose (?:some |two |three )?(?:times|dates|slots))\b/i.test(body)) {
    const first = offered[0]!;
    const day = reference && (first.start.isCertain("weekday") || first.start.isCertain("day")) ? mentionedDates(first.text, reference)[0]?.date : undefined;
    const said = first.text.replace(/^(?:on|at|in)\s+/i, "");
    const named = /\b(?:mon|tue|wed|thu|fri|sat|sun)/i.test(said);
    const resolved = day ? (named ? longDay(day).split(" ").slice(1).join(" ") : longDay(day)) : null;
    const when = `${said.charAt(0).toUpperCase()}${said.slice(1)}${resolved && !said.includes(resolved) ? ` (${resolved})` : ""}`;
    return [offered.length > 1 ? `Thanks for the options. ${when} works for me.` : `Thanks, ${when} works for me.`, "I will send a calendar invitation shortly. If anyone else should join, let me know and I will add them."];
  }
  const days = nextWorkingDays(input.sentAt);
  return [
    "Thanks, happy to find a time.",
    days
      ? `Would ${longDay(days[0])} at 10:00 or ${longDay(days[1])} at 15:00 (your time) work for you? If neither suits, send me a time that does and I will make it work.`
      : "Would early next week work — Tuesday at 10:00 or Wednesday at 15:00 your time? If neither suits, send me a time that does and I will make it work.",
  ];
}

const OBJECTION_ANSWERS: Array<[RegExp, string]> = [
  [/\b(?:price|pricing|cost|expensive|budget|afford|justify|per seat|per user|fee|quote|cheaper|half)\b|[€$£]\s?\d/i,
    "I understand the cost question. There may be a way to start smaller, with one team or a shorter term, so the investment matches the value you see first. Would it help if I showed how a company of a similar size phased it?"],
  [/\b(?:already (?:use|have|pay)|current (?:provider|vendor|tool|system)|contract|renewed|signed with|locked|tied|in-?house|built our own|competitor)\b/i,
    "That makes sense: nobody wants to switch in the middle of a contract. Many teams run a short comparison before their renewal so the decision is easy when the time comes. Would it be useful if I checked back ahead of your renewal, or sent a short comparison now?"],
  [/\b(?:security|legal|procurement|compliance|dpo|gdpr|works council|approv\w*|sign[- ]off|hosted|hosting|cloud|azure|data residency|on-?prem\w*)\b/i,
    "That is a fair point. I can put together the documents your security, legal or procurement colleagues usually ask for, so that a review takes less of your time. Would that help?"],
  [/\b(?:timing|time|bandwidth|capacity|stretched|busy|reorg\w*|migration|rollout|restructur\w*|until|on hold|settle)\b/i,
    "Understood, timing matters. If it helps, I can outline what an introduction would need from your team, so you can judge when it fits without any commitment now."],
];

function objectionBody(text: string): string[] {
  const answer = OBJECTION_ANSWERS.find(([pattern]) => pattern.test(text))?.[1];
  return ["Thanks for being open about this; it helps a lot.", answer ?? "I would rather understand the concern properly than push. Could you tell me a little more about it? I can then share how similar teams handled it, with no commitment on your side."];
}

const MATERIAL = /\b(deck|brochure|overview|case stud(?:y|ies)|whitepaper|presentation|one-pager|proposal|offer|documentation|trial|pilot|beta|information|info|details)\b/i;

export function suggestedReply(intent: InboundIntent, input: InboundAnalysisInput, context: { referral: ReferredPerson | null; followUp: string | null }): string {
  const first = firstNameOf(input.senderName, input.from);
  let greeting = first ? `Hi ${first},` : "Hello,";
  const body: string[] = [];
  switch (intent) {
    case "MEETING_REQUEST":
      body.push(...meetingBody(input));
      break;
    case "QUESTION": {
      const asks = detectRequests(replyText(input.text).body).requests.slice(0, 2);
      body.push(
        asks.length ? `Thanks for your question${asks.length > 1 ? "s" : ""}. You asked: ${asks.map((a) => `"${a.slice(0, 160)}"`).join(" and ")}` : "Thanks for getting back to me.",
        "I will come back to you with a precise answer and the relevant documents. Would a short call help to go through the details?",
      );
      break;
    }
    case "OBJECTION":
      body.push(...objectionBody(replyText(input.text).body));
      break;
    case "INTERESTED": {
      const wanted = MATERIAL.exec(replyText(input.text).body)?.[1]?.toLowerCase();
      body.push("Great to hear this is relevant for you.", wanted ? `I will send the ${wanted === "info" ? "information" : wanted} shortly. Would a 20-minute call next week be a good next step after you have had a look?` : "I will send over a short overview. Would a 20-minute call next week be a good next step?");
      break;
    }
    case "REFERRAL": {
      // Written to the person the reply points to, mentioning who suggested it.
      const referred = context.referral?.name ? firstNameOf(context.referral.name) ?? context.referral.name : null;
      const referrer = input.senderName?.trim() || first || "your colleague";
      const topic = input.subject.replace(/^\s*(?:(?:re|aw|fw|fwd|sv|vs|wg)\s*:\s*)+/i, "").trim();
      greeting = referred ? `Hi ${referred},` : "Hello,";
      body.push(
        `${referrer} suggested I get in touch with you${topic ? ` about ${topic.toLowerCase()}` : ""}, as this falls in your area.`,
        "In short: we help teams like yours with exactly this, and I would value twenty minutes to hear how you handle it today and whether it is worth a closer look. Would you be open to a short call?",
      );
      break;
    }
    case "NOT_INTERESTED":
      body.push(
        "Thanks for letting me know, I appreciate the clear answer.",
        context.followUp
          ? `As you suggested, I will get back in touch around ${new Date(`${context.followUp}T12:00:00Z`).toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" })} and not before.`
          : "I will not follow up on this. If anything changes on your side, you know where to find me.",
      );
      break;
    default:
      body.push("Thank you for your reply.");
  }
  return [greeting, "", body.join(" "), "", "Best regards"].join("\n");
}
