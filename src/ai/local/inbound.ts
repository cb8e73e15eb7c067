// Local inbound analysis for human replies. The deterministic header rules
// have already run (src/domain/inbound/inbound-email.ts); here:
//   1. an explicit unsubscribe in the person's words (the same rule, checked
//      again because recall must be total) and text bounces are certain;
//   2. the trained intent model (src/ai/local/intent-model.ts: logistic
//      regression over words, lemmas, negation, dates, names, request
//      detection and the old cue patterns) gives a probability per intent;
//   3. recall over precision for unsubscribes: a reply the model finds
//      plausibly asks to stop mail is treated as one even when another intent
//      scores higher;
//   4. the action follows from the intent, with "not now, try me in Q3"
//      declines scheduled for a follow-up and threats escalated.
import { unsubscribeRequest } from "../../domain/inbound/inbound-email.js";
import { laterContactRequest, referenceDate, returnDate } from "../dates.js";
import { analyse } from "../nlp.js";
import type { InboundAction, InboundAnalysisInput, InboundAnalysisOutput, InboundIntent } from "../prompts/inbound-analysis.js";
import { cueMatches } from "./intent-cues.js";
import { INTENT_LEXICON_DESCRIPTIONS, STOPPING_WORDS } from "./intent-features.js";
import { intentModel, predictIntent, strongestEvidence, type Contribution, type IntentModel, type IntentPrediction } from "./intent-model.js";
import { referredPerson, suggestedReply } from "./inbound-reply.js";

const RELEVANCE: Record<InboundIntent, number> = {
  MEETING_REQUEST: 0.95,
  INTERESTED: 0.9,
  QUESTION: 0.85,
  OBJECTION: 0.75,
  REFERRAL: 0.7,
  OUT_OF_OFFICE: 0.3,
  NOT_INTERESTED: 0.25,
  OTHER: 0.2,
  UNSUBSCRIBE: 0.05,
  BOUNCE: 0.05,
};

const ACTION: Record<InboundIntent, InboundAction> = {
  MEETING_REQUEST: "DRAFT_REPLY",
  INTERESTED: "DRAFT_REPLY",
  QUESTION: "DRAFT_REPLY",
  OBJECTION: "DRAFT_REPLY",
  REFERRAL: "DRAFT_REPLY",
  OUT_OF_OFFICE: "SCHEDULE_FOLLOW_UP",
  NOT_INTERESTED: "ARCHIVE",
  OTHER: "ARCHIVE",
  UNSUBSCRIBE: "SUPPRESS",
  BOUNCE: "SUPPRESS",
};

const MEANING: Record<InboundIntent, string> = {
  INTERESTED: "shows interest and wants more",
  MEETING_REQUEST: "proposes or asks for a time to talk",
  QUESTION: "asks a specific question about the offer",
  OBJECTION: "raises a concern a reply could address",
  NOT_INTERESTED: "declines",
  UNSUBSCRIBE: "asks to stop receiving mail",
  OUT_OF_OFFICE: "the person is away",
  REFERRAL: "points to another person",
  BOUNCE: "the address does not receive mail",
  OTHER: "no sales intent (thanks, paperwork, small talk)",
};

/**
 * A reply the model gives at least this probability of being an unsubscribe is
 * treated as one (suppressing a lead who only said "no" costs less than
 * writing again to someone who asked us to stop), provided the reply contains
 * a word that refuses or removes (STOPPING_WORDS). Chosen on cross-validated
 * predictions over the training corpus (scripts/train-intent-model.ts --dev):
 * without the rule, 57 of 69 unsubscribes caught, 0 of 582 other replies flagged.
 */
export const UNSUBSCRIBE_RECALL_THRESHOLD = 0.2;

const ESCALATE = /\b(?:lawyer|legal action|attorney|sue|lawsuit|report you|harass(?:ment|ing)?|complain(?:t)? to|data protection authority|regulator|scam|fraud)\b/i;

export interface ReplyClassification {
  intent: InboundIntent;
  confidence: number;
  reasons: string[];
  prediction: IntentPrediction | null;
}

const pct = (p: number) => `${Math.round(p * 100)}%`;

const FUNCTION_WORD =
  /^(?:the|a|an|and|or|but|to|of|in|on|at|for|with|from|by|about|we|i|you|it|he|she|they|is|are|be|was|this|that|what|my|our|your|me|us|so|as|not|no|do|does|did|have|has|had|will|would|can|could|there|here|if|then|than|just|also|all|any|some|few|'re|'s|'m|'ve|'ll|'d|n't)$/i;

/** One piece of evidence in words a salesperson understands, or null when it explains nothing. */
function describe(c: Contribution): string | null {
  const said = c.said ? `"${c.said}"` : "";
  const [kind, rest = ""] = c.feature.split(/:(.*)/s);
  switch (kind) {
    case "cue":
      return `${rest.split(":")[1]}: ${said}`;
    case "w":
      return c.said && c.said.length >= 4 && !/^<.*>$/.test(rest) && !FUNCTION_WORD.test(c.said) ? `the word ${said}` : null;
    case "b":
      return c.said && !/<(?:num|email|url|emoji|time|currency)>/.test(rest) && !rest.split("_").filter((w) => w !== "<s>").every((w) => FUNCTION_WORD.test(w)) ? `the words ${said}` : null;
    case "n":
      return null;
    case "lex":
      return `${INTENT_LEXICON_DESCRIPTIONS[c.feature] ?? "word list"}: ${said}`;
    case "when":
      return rest === "until" ? `says until when: ${said}` : `mentions a day or time: ${said}`;
    case "ent":
      return rest === "email" ? `gives an address: ${said}` : rest === "url" ? `shares a link: ${said}` : rest === "money" ? `mentions an amount: ${said}` : ["date", "time", "duration"].includes(rest) ? `mentions a day or time: ${said}` : null;
    case "sig":
      return (
        {
          question: `asks a question: ${said}`,
          "questions_2+": "asks several questions",
          request: `asks something of us: ${said}`,
          request_strong: `asks something of us: ${said}`,
          deferral: `asks to be contacted later: ${said}`,
          person: `names a person: ${said}`,
          mention: `names a person: ${said}`,
          handover: `hands the thread over: ${said}`,
          phone: "gives a phone number",
          calendar_link: `shares a booking link: ${said}`,
          contrast: `contrasts with ${said}`,
        } as Record<string, string>
      )[rest] ?? null;
    case "sent":
      return rest === "positive" ? "positive tone" : "negative tone";
    case "subj":
      return `subject: ${said}`;
    case "len":
      return rest === "1-3" ? "very short reply" : null;
    default:
      return null;
  }
}

function explain(model: IntentModel, prediction: IntentPrediction, intent: InboundIntent): string[] {
  const lines: string[] = [];
  const quoted: string[] = [];
  for (const c of strongestEvidence(model, prediction, intent, 16)) {
    const line = describe(c);
    // One reason per stretch of text: "Thursday" adds nothing after "on Thursday at 11".
    const words = c.said?.toLowerCase() ?? null;
    if (!line || (words && quoted.some((q) => q.includes(words) || words.includes(q)))) continue;
    lines.push(line.slice(0, 200));
    if (words) quoted.push(words);
    if (lines.length === 3) break;
  }
  return lines;
}

export function classifyReply(subject: string, text: string, model: IntentModel = intentModel()): ReplyClassification {
  const unsubscribe = unsubscribeRequest(subject, text);
  if (unsubscribe) return { intent: "UNSUBSCRIBE", confidence: 1, reasons: [`asks to stop mail: "${unsubscribe}"`], prediction: null };
  // Bounce notices relayed without their headers: the delivery-failure wording is unambiguous.
  const bounce = cueMatches(`${subject}\n${text}`).find((c) => c.intent === "BOUNCE");
  if (bounce) return { intent: "BOUNCE", confidence: 0.9, reasons: [`${bounce.label}: "${bounce.text}"`], prediction: null };

  const prediction = predictIntent(subject, text, model);
  const pUnsubscribe = prediction.ranked.find((r) => r.intent === "UNSUBSCRIBE")?.probability ?? 0;
  const stopWords = STOPPING_WORDS.test(`${subject}\n${prediction.features.body}`);
  const modelSaysStop = (pUnsubscribe >= UNSUBSCRIBE_RECALL_THRESHOLD || prediction.intent === "UNSUBSCRIBE") && stopWords;
  // Without a word that refuses or removes, an "unsubscribe" from the model alone falls to the next intent.
  const fallback = prediction.ranked.find((r) => r.intent !== "UNSUBSCRIBE")!;
  const intent: InboundIntent = modelSaysStop ? "UNSUBSCRIBE" : prediction.intent === "UNSUBSCRIBE" ? fallback.intent : prediction.intent;
  const probability = intent === "UNSUBSCRIBE" ? pUnsubscribe : intent === prediction.intent ? prediction.probability : fallback.probability;
  const confidence = Math.round(Math.min(0.97, Math.max(0.05, probability)) * 100) / 100;
  const reasons = [`${MEANING[intent]} (local model, ${pct(confidence)} sure)`, ...explain(model, prediction, intent)];
  if (intent === "UNSUBSCRIBE" && prediction.intent !== "UNSUBSCRIBE") reasons.push(`treated as an unsubscribe although ${prediction.intent} scored ${pct(prediction.probability)}: a request to stop mail must not be missed`);
  const runnerUp = prediction.ranked.find((r) => r.intent !== intent)!;
  if (runnerUp.probability >= 0.2) reasons.push(`could also be ${runnerUp.intent} (${pct(runnerUp.probability)})`);
  return { intent, confidence, reasons, prediction };
}

/** The local provider's answer to the inbound-analysis prompt. */
export function analyseInboundLocally(input: InboundAnalysisInput): InboundAnalysisOutput {
  const { intent, confidence, reasons } = classifyReply(input.subject, input.text);
  let action = ACTION[intent];
  // The orchestration passes the received time when the message has no send date.
  const reference = referenceDate(input.sentAt);
  // "Not now, try me in Q3": a decline that asks for a later contact is a follow-up, not an archive.
  const later = intent === "NOT_INTERESTED" ? laterContact(input.text, reference) : null;
  if (later) {
    action = "SCHEDULE_FOLLOW_UP";
    reasons.splice(0, reasons.length, ...reasons.filter((r) => !r.startsWith("asks to be contacted later")));
    reasons.push(later.date ? `asks to be contacted again later: "${later.said}" (around ${later.date})` : `asks to be contacted again later: "${later.said}"`);
  }
  const escalation = ESCALATE.exec(input.text);
  if (escalation && intent !== "UNSUBSCRIBE") {
    action = "ESCALATE";
    reasons.push(`needs a person: "${escalation[0]}"`);
  }
  const sentiment = analyse(input.text).sentiment;
  const relevance = Math.max(0, Math.min(1, RELEVANCE[intent] + (intent === "OBJECTION" || intent === "QUESTION" ? sentiment * 0.1 : 0)));
  const back = intent === "OUT_OF_OFFICE" ? returnDate({ headers: {}, date: reference.toISOString(), subject: input.subject }, input.text) : null;
  const referral = intent === "REFERRAL" ? referredPerson(input.text, input.from, input.senderName) : null;
  const reply = action === "DRAFT_REPLY" || (intent === "NOT_INTERESTED" && action !== "ESCALATE") ? suggestedReply(intent, input, { referral, followUp: later?.date ?? null }) : null;
  return {
    intent,
    relevance: Math.round(relevance * 100) / 100,
    confidence,
    action,
    reasons: reasons.slice(0, 8),
    suggestedReply: reply,
    returnDate: back,
    referral,
  };
}

/** A decline that names a later time or asks to be contacted again; the date when one can be resolved (src/ai/dates.ts). */
function laterContact(text: string, reference: Date): { said: string; date: string | null } | null {
  // "Not a priority this year" alone is a plain no; a time to come back, or "try me again", makes it a follow-up.
  return laterContactRequest(text, reference);
}
