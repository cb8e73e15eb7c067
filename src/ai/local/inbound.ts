// Local inbound analysis for human replies: weighted cue patterns per intent
// over the reply's own text (quoted history removed), combined with the
// request detector, sentence sentiment and negation from wink-nlp. The
// deterministic header rules have already run (src/domain/inbound-email.ts);
// an explicit unsubscribe is checked here again because recall must be total.
import { unsubscribeRequest } from "../../domain/inbound-email.js";
import { returnDate } from "../dates.js";
import { analyse, splitSentences } from "../nlp.js";
import type { InboundAction, InboundAnalysisInput, InboundAnalysisOutput, InboundIntent } from "../prompts/inbound-analysis.js";
import { detectRequests } from "../request-detector.js";
import { firstNameOf } from "./names.js";

interface Cue {
  pattern: RegExp;
  weight: number;
  label: string;
}

const cues = (weight: number, label: string, ...patterns: RegExp[]): Cue[] => patterns.map((pattern) => ({ pattern, weight, label }));

const CUES: Record<Exclude<InboundIntent, "OTHER" | "UNSUBSCRIBE">, Cue[]> = {
  OUT_OF_OFFICE: [
    ...cues(4, "away message", /\bout of (?:the )?office\b/i, /\bon (?:annual |parental |maternity |paternity |sick |medical |vacation |holiday )?leave\b/i, /\b(?:on|from) (?:vacation|holiday)\b/i, /\babwesend\b|\babsente?\b|\bafwezig\b/i),
    ...cues(3, "away until", /\baway (?:until|till|from|on|for)\b/i, /\b(?:be |am |'m )?(?:back|returning)(?: in the office)? (?:on|next|in|after|from)\b/i, /\bwill (?:be )?return(?:ing)? (?:on|to the office)\b/i, /\bwhen I return\b|\bafter my return\b/i),
    ...cues(2, "limited access", /\blimited (?:access to )?(?:e-?mail|email|internet)\b/i, /\bno reliable (?:internet|connection)\b/i, /\b(?:at a conference|travell?ing this week|travell?ing until)\b/i, /\bchecking (?:e-?mail|email) (?:only )?occasionally\b/i),
  ],
  BOUNCE: [
    ...cues(4, "delivery failure", /\b(?:couldn'?t|could not|cannot|can'?t) be delivered\b/i, /\bundeliverable\b/i, /\bdelivery (?:to the following recipients? )?(?:has )?failed\b/i, /\bfailed permanently\b/i, /\b5\.\d\.\d{1,2}\b/),
    ...cues(3, "dead mailbox", /\bmailbox (?:does not exist|unavailable|not found)\b/i, /\buser unknown\b/i, /\baccount has been disabled\b/i, /\baddress (?:is )?no longer (?:valid|in use|active)\b/i),
  ],
  REFERRAL: [
    ...cues(4, "not the right person", /\bnot the right (?:person|contact)\b/i, /\bwrong person\b/i, /\bthe right (?:person|contact) (?:for|would be|is)\b/i, /\bnot my (?:area|department|call)\b/i),
    ...cues(3, "points elsewhere", /\b(?:reach out to|talk to|speak (?:to|with)|contact|get in touch with)\b(?:[^.?!\n]|\.(?=\S)){0,60}\b(?:instead|directly|who|he|she|our|my colleague)\b/i, /\b(?:best|better) to (?:contact|reach|talk to|speak to)\b/i, /\bplease (?:reach out to|contact)\s+(?:our|my)\b/i),
    ...cues(3, "looped someone in", /\bI(?:'ve| have)? (?:copied|cc'?d|cc-?ed|looped in|forwarded (?:your|this) (?:message|e-?mail|note))\b/i, /\b(?:cc'?ing|cc-ing|looping)\s+(?:in\s+)?(?:him|her|them|my|our|[A-Z])/i, /\b(?:handles?|owns?|leads?|is responsible for|is in charge of|goes? through)\b[^.?!\n]{0,40}\b(?:this|these|vendor|evaluations?|purchasing|decisions?|topic|e-?commerce)\b/i),
    ...cues(3, "names who owns it", /\bthe (?:one|person|people) to (?:talk|speak) to\b/i, /\b(?:runs|manages|owns|heads|leads) our\b/i, /\bsits with\b|\bnot (?:with )?me\b[^.?!\n]{0,20}\btry\b|^\s*try [A-Z][a-z]+/im, /\bpassing (?:this|it|your (?:note|message|e-?mail)) (?:on )?to\b/i),
    ...cues(2, "left the role", /\b(?:I )?(?:left|no longer (?:work|am) (?:in|at|with)) (?:the|this|that|my)(?: [a-z-]+)? (?:role|company|position|team|job)\b/i),
  ],
  MEETING_REQUEST: [
    ...cues(4, "asks to meet", /\b(?:set up|schedule|book|arrange|organi[sz]e|hop on|jump on|have|do) (?:a |an |some )?(?:quick |short |brief )?(?:call|meeting|demo|chat|zoom|teams call|video call|session|time)\b/i, /\blet'?s (?:talk|chat|meet|connect|book|set up|schedule|speak)\b/i, /\bcalendar invite\b|\bbooking link\b|\bgrab (?:any|a) slot\b|\bsend (?:me |us )?(?:an? )?invite\b/i, /\b(?:can|could|shall) we (?:meet|talk|speak|schedule|do a|set up|book|find)\b/i, /\bmeet (?:in person|at your|you at)\b/i),
    ...cues(3, "offers a time", /\b(?:would|does|will) [^.?!\n]{0,40}\bwork (?:for you|on your side)\b/i, /\b(?:I am|I'm|I'll be) (?:available|free)\b/i, /\b(?:available|free) (?:for|on|at|after|between)\b/i, /\bpropose (?:two|three|a few|some)? ?times\b/i, /\bwhat does your (?:availability|calendar)\b/i, /\bplease call me\b|\bcall me (?:on|at|tomorrow)\b/i, /\bhappy to (?:chat|talk|meet|hop on)\b|\b(?:glad|happy) to (?:hop|jump) on a call\b/i),
    ...cues(4, "time slot", /\b(?:do you have|got|spare|find) (?:\d+|a few|twenty|thirty|fifteen) (?:minutes|mins)\b/i, /\b(?:my|your) (?:diary|calendar|agenda)\b/i, /\bdemo\b[^.?!\n]{0,80}[.?!]?\s*(?:when|what time)\b|\bwhen could (?:you|we) (?:do|show|run|set)\b/i),
    ...cues(1, "time mentioned", /\b(?:monday|tuesday|wednesday|thursday|friday|tomorrow|next week)\b/i, /\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\b\d{1,2}:\d{2}\b/i),
  ],
  OBJECTION: [
    ...cues(3, "budget", /\b(?:no|don'?t have|without|not in the|out of) budget\b|\bbudget (?:is|for)\b/i, /\btoo (?:expensive|pricey|costly)\b/i, /\b(?:price|cost|quote) (?:is|you mentioned|seems)\b[^.?!\n]{0,40}\b(?:high|twice|double|more than|too)\b/i, /\bfroze?n? (?:all )?(?:new )?(?:it )?spending\b|\bspending freeze\b/i, /\bcan'?t afford\b/i, /\bdealbreaker\b/i),
    ...cues(3, "already has a solution", /\b(?:already|currently) (?:use|using|have|work with|working with|signed with|on)\b/i, /\bjust signed (?:with|a)\b/i, /\blocked in(?:to)?\b|\bcontract (?:until|runs until|ends)\b/i, /\bbuilt (?:something|our own|it) in-?house\b|\bin-?house (?:tool|solution|system)\b/i),
    ...cues(3, "timing", /\b(?:timing|time) (?:isn'?t|is not) right\b|\bnot the right time\b|\bnot a good time\b/i, /\bno (?:bandwidth|capacity|resources)\b|\bnobody has (?:the )?bandwidth\b/i, /\buntil (?:q[1-4]|next (?:year|quarter|fiscal year))\b/i, /\bin the middle of (?:a|an|our)\b/i),
    ...cues(3, "fit or capability", /\bnot (?:sure (?:this|it) is|sure it'?s|really|quite)? ?a (?:good )?fit\b/i, /\b(?:doesn'?t|does not|don'?t|do not) support\b/i, /\bmandatory for us\b|\ba requirement for us\b/i, /\bbuilt for (?:much )?(?:larger|bigger|smaller)\b|\btoo (?:small|big|large) for\b/i, /\bonly (?:host|hosted|available) in\b/i),
    ...cues(3, "blocked", /\b(?:never|won'?t|will not|would not|wouldn'?t) approve\b/i, /\b(?:switching|changing|moving) (?:isn'?t|is not|wouldn'?t be) an option\b/i, /\b(?:above|over|beyond|more than) (?:what we|our) budget(?:ed)?\b|\bover budget\b/i, /\bwe(?:'re| are) an? [A-Z][\w.-]* (?:shop|house|customer)\b/),
    ...cues(2, "doubt or authority", /\b(?:sceptical|skeptical|doubt|concern(?:ed)?|worried|hesitant)\b/i, /\bnot the decision[- ]maker\b|\bprocurement (?:would|won'?t)\b/i, /\bsecurity review\b/i, /\btried (?:a )?similar\b|\badoption was\b/i, /\bhard to justify\b|\bdon'?t see how\b/i, /\bunless\b/i),
  ],
  NOT_INTERESTED: [
    ...cues(5, "declines", /\bnot interested\b|\bno interest\b|\bpas int[ée]ress[ée]s?\b|\bkein interesse\b|\bno (?:estamos|estoy) interesad[oa]s?\b/i, /\bno,? thank(?:s| you)\b/i, /\bdecided (?:not to|against)\b/i, /\bnot for us\b|\bnot something we need\b|\bno need for\b|\bhave no need\b/i, /\b(?:we'?re|we are) (?:going to )?pass(?:ing)?\b|^\s*pass\b/im),
    ...cues(5, "plain no", /^\s*(?:no|nope|no thanks|nah)\s*[.!]?\s*$/im, /\b(?:we'?ll|we will|I'?ll|I will) pass\b/i, /\b(?:isn'?t|is not|not) relevant (?:to|for) (?:us|what we do|our business)\b/i),
    ...cues(3, "closed door", /\bnot (?:looking|in the market) for\b/i, /\bhappy with (?:our|the) (?:current|existing)\b/i, /\bnot a priority\b/i, /\bnot a fit for (?:our|us)\b|\bdecided it'?s not\b/i, /\bgood luck\b|\ball the best\b|\bwish you (?:success|luck)\b/i),
  ],
  QUESTION: [
    ...cues(2, "asks about the product", /\b(?:pric(?:e|es|ing)|cost|plans?|licen[cs]e|per[- ](?:seat|user|device)|minimum contract|contract length|discount)\b/i, /\b(?:integrat(?:e|es|ion)|api|sso|soc ?2|iso ?27001|gdpr|hipaa|gxp|hosted|hosting|data residency|on-?prem(?:ise)?|offline|languages?|configurable|implementation|onboarding|support(?:ed|s)?)\b/i, /\b(?:customers?|references?|case stud(?:y|ies))\b[^.?!\n]{0,40}\?/i, /\bdifference between\b/i),
    ...cues(2, "direct question", /\b(?:what|how|which|who|where|when|why|is|are|does|do|can|could|will)\b[^.!\n]{0,120}\?/i, /\bcould you (?:clarify|explain|send|share|tell)\b|\bcan you (?:send|share|tell|explain)\b/i, /\bquick question\b/i),
  ],
  INTERESTED: [
    ...cues(4, "shows interest", /\b(?:(?:very|definitely|genuinely|really) )?interested\b/i, /\bsounds? (?:great|good|very relevant|relevant|interesting|promising)\b/i, /\bcount me in\b|\byes,? please\b|\bkeen\b|\bwe(?:'re| are) (?:definitely )?open to\b/i, /\bcaught my attention\b|\bon our radar\b|\blooks promising\b/i),
    ...cues(3, "wants more", /\b(?:learn|hear|know|see) more\b/i, /\bsend (?:over|me)?\s?(?:more )?(?:info|information|details|material|whatever|the (?:product )?brochure)\b/i, /\bkeep me posted\b|\blet'?s keep talking\b|\bcontinue the conversation\b|\blooking forward to hearing\b/i, /\b(?:would|'d) (?:love|like) to (?:see|receive|learn|try)\b/i, /\bforwarded (?:your|this) (?:e-?mail|message) internally\b/i),
    ...cues(3, "moving forward", /\bwhat(?:'s| is| are) (?:the )?next steps?\b/i, /\bhappy to (?:continue|proceed|move forward)\b/i, /\bI (?:really )?like (?:it|this|what I see)\b/i, /\b(?:on (?:the|our) )?shortlist(?:ed)?\b|\bexploring options\b/i, /\bcould save (?:us|my team|our team)\b/i),
    ...cues(1, "positive", /\b(?:timing is (?:actually )?good|good timing|exactly where we struggle|been looking for)\b/i),
  ],
};

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

// When two intents tie, the one whose consequence matters more wins.
const PRIORITY: InboundIntent[] = ["BOUNCE", "OUT_OF_OFFICE", "REFERRAL", "MEETING_REQUEST", "NOT_INTERESTED", "OBJECTION", "QUESTION", "INTERESTED", "OTHER"];

const ESCALATE = /\b(?:lawyer|legal action|attorney|sue|lawsuit|report you|harass(?:ment|ing)?|complain(?:t)? to|data protection authority|regulator|scam|fraud)\b/i;

export interface IntentScores {
  scores: Record<string, number>;
  evidence: Record<string, string[]>;
}

export function scoreIntents(text: string): IntentScores {
  const scores: Record<string, number> = {};
  const evidence: Record<string, string[]> = {};
  for (const [intent, list] of Object.entries(CUES)) {
    let total = 0;
    const seen = new Set<string>();
    for (const cue of list) {
      const m = cue.pattern.exec(text);
      if (!m) continue;
      // Each cue family counts once; repeats add little.
      total += seen.has(cue.label) ? cue.weight * 0.25 : cue.weight;
      if (!seen.has(cue.label)) (evidence[intent] ??= []).push(`${cue.label}: "${m[0].trim()}"`);
      seen.add(cue.label);
    }
    scores[intent] = total;
  }
  return { scores, evidence };
}

const ASKS_US = /\b(?:send|share|tell|explain|clarify|let me know|confirm|show)\b/i;
const COURTESY =
  /\b(?:many |thanks?|thank you|thx|cheers|please|kindly|feel free|ha(?:ha)*|much appreciated|appreciated?|received|got (?:it|them)|great to (?:see|meet) you[^.!?\n]*|good to (?:see|meet) you[^.!?\n]*|say hi[^.!?\n]*|have a (?:good|great|nice) [a-z]+|fun)\b[!.,]*/gi;
const MEETING_WORDS = /\b(?:call|chat|meet(?:ing)?|demo|zoom|teams|slot|diary|calendar|minutes|catch up|walk ?through)\b/i;
const PERSON_NAME = /\b[A-Z][a-z'-]+ [A-Z][a-z'-]+\b/;
const RESPONSIBILITY = /\b(?:runs|manages|owns|handles|looks after|is responsible|in charge|decides|leads|heads)\b/i;

/** General signals for replies none of the cue phrases matched. */
function fallbackIntent(text: string, analysed: ReturnType<typeof analyse>, isRequest: boolean): { intent: InboundIntent; reason: string } | null {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  if ((isRequest || /\?/.test(text)) && MEETING_WORDS.test(text)) return { intent: "MEETING_REQUEST", reason: "asks for time together (request with meeting words)" };
  const body = text.replace(/^(?:hi|hello|dear|hey)[^\n]*\n/i, "");
  if (PERSON_NAME.test(body) && RESPONSIBILITY.test(body)) return { intent: "REFERRAL", reason: "names a person responsible for the topic" };
  if (/\?\s*$/m.test(text) || (isRequest && ASKS_US.test(text))) return { intent: "QUESTION", reason: "asks something of us" };
  const negated = analysed.sentences.some((s) => s.tokens.some((t) => t.negated));
  // Courtesy ("thanks", "great to see you") is positive but says nothing about buying.
  const substance = analyse(text.replace(COURTESY, " ")).sentiment;
  if (substance >= 0.15 && !negated) return { intent: "INTERESTED", reason: `positive reply (sentiment ${substance.toFixed(2)})` };
  if (analysed.sentiment <= -0.15 || (negated && words <= 12)) return { intent: "NOT_INTERESTED", reason: `short negative reply (sentiment ${analysed.sentiment.toFixed(2)})` };
  return null;
}

export function classifyReply(subject: string, text: string): { intent: InboundIntent; confidence: number; reasons: string[] } {
  const unsubscribe = unsubscribeRequest(subject, text);
  if (unsubscribe) return { intent: "UNSUBSCRIBE", confidence: 1, reasons: [`asks to stop mail: "${unsubscribe}"`] };
  const combined = `${subject.replace(/^\s*(?:re|aw|fw|fwd|sv|vs)\s*:\s*/gi, "")}\n${text}`;
  const { scores, evidence } = scoreIntents(text);
  // Subjects of away messages ("Out of office", "Abwesend: …") carry the intent on their own.
  const subjectScores = scoreIntents(subject).scores;
  scores.OUT_OF_OFFICE = (scores.OUT_OF_OFFICE ?? 0) + (subjectScores.OUT_OF_OFFICE ?? 0);
  scores.BOUNCE = (scores.BOUNCE ?? 0) + (subjectScores.BOUNCE ?? 0);

  const requests = detectRequests(text);
  const analysed = analyse(text);
  const reasons: string[] = [];
  if (requests.isRequest) {
    scores.QUESTION = (scores.QUESTION ?? 0) + 1.5;
    reasons.push(`asks something of us: "${requests.requests[0]!.slice(0, 120)}"`);
  }
  // A plain "interested" that is negated is a refusal, not interest.
  const negatedInterest = analysed.sentences.some((s) => s.tokens.some((t) => t.lemma === "interested" && t.negated));
  if (negatedInterest) scores.INTERESTED = Math.max(0, (scores.INTERESTED ?? 0) - 4);
  // A specific question outranks general interest: answering it is the next step.
  // (Only a question about the product: "what's the next step?" is interest, not a question to answer.)
  const productQuestion = (evidence.QUESTION ?? []).some((e) => e.startsWith("asks about the product"));
  if (productQuestion && (scores.QUESTION ?? 0) >= 3.5 && (scores.INTERESTED ?? 0) > 0) scores.INTERESTED = (scores.INTERESTED ?? 0) - 2;
  // Objections are often phrased as questions about capabilities; a "we can't" beats a "?".
  if ((scores.OBJECTION ?? 0) >= 3 && (scores.NOT_INTERESTED ?? 0) >= 5) scores.OBJECTION = (scores.OBJECTION ?? 0) - 2;
  if (analysed.sentiment > 0.2) scores.INTERESTED = (scores.INTERESTED ?? 0) + 0.5;

  let best: InboundIntent = "OTHER";
  let bestScore = 0;
  for (const intent of PRIORITY) {
    const s = scores[intent] ?? 0;
    if (s > bestScore) {
      best = intent;
      bestScore = s;
    }
  }
  if (bestScore < 2) {
    // No cue phrase: fall back on general signals rather than giving up.
    const fallback = fallbackIntent(text, analysed, requests.isRequest);
    best = fallback?.intent ?? "OTHER";
    bestScore = fallback ? 2 : bestScore;
    if (fallback) reasons.push(fallback.reason);
  }
  const sorted = Object.values(scores).sort((a, b) => b - a);
  const margin = (sorted[0] ?? 0) - (sorted[1] ?? 0);
  const confidence = best === "OTHER" ? 0.5 : Math.min(0.97, 0.55 + bestScore * 0.04 + margin * 0.05);
  reasons.unshift(...(evidence[best] ?? []).slice(0, 3));
  if (best === "OTHER") reasons.push(combined.trim().length < 40 ? "short message with no request, interest or refusal" : "no sales intent recognised");
  return { intent: best, confidence: Math.round(confidence * 100) / 100, reasons: reasons.slice(0, 6) };
}

/** The local provider's answer to the inbound-analysis prompt. */
export function analyseInboundLocally(input: InboundAnalysisInput): InboundAnalysisOutput {
  const { intent, confidence, reasons } = classifyReply(input.subject, input.text);
  let action = ACTION[intent];
  const escalation = ESCALATE.exec(input.text);
  if (escalation && intent !== "UNSUBSCRIBE") {
    action = "ESCALATE";
    reasons.push(`needs a person: "${escalation[0]}"`);
  }
  const sentiment = analyse(input.text).sentiment;
  const relevance = Math.max(0, Math.min(1, RELEVANCE[intent] + (intent === "OBJECTION" || intent === "QUESTION" ? sentiment * 0.1 : 0)));
  const back =
    intent === "OUT_OF_OFFICE" ? returnDate({ headers: {}, date: input.sentAt, subject: input.subject }, input.text) : null;
  const referral = intent === "REFERRAL" ? referredPerson(input.text, input.from) : null;
  return {
    intent,
    relevance: Math.round(relevance * 100) / 100,
    confidence,
    action,
    reasons: reasons.length ? reasons : ["no clear signal"],
    suggestedReply: action === "DRAFT_REPLY" ? suggestedReply(intent, input, referral) : null,
    returnDate: back,
    referral,
  };
}

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;

/** The person a referral points to: an address in the text, and the capitalised name near it. */
export function referredPerson(text: string, from: string): { name: string | null; email: string | null } | null {
  const emails = (text.match(new RegExp(EMAIL.source, "g")) ?? []).filter((e) => e.toLowerCase() !== from.toLowerCase());
  const email = emails[0]?.toLowerCase() ?? null;
  let name: string | null = null;
  for (const sentence of splitSentences(text)) {
    const tokens = sentence.tokens;
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i]!.pos !== "PROPN" || /^(hi|hello|dear|tom|thanks|ms|mr|mrs|dr)$/i.test(tokens[i]!.value)) continue;
      const parts = [tokens[i]!.value];
      while (tokens[i + parts.length]?.pos === "PROPN" && parts.length < 3) parts.push(tokens[i + parts.length]!.value);
      if (parts.length >= 2 && parts.every((p) => /^[A-Z][a-z'-]+$/.test(p))) {
        name = parts.join(" ");
        break;
      }
    }
    if (name) break;
  }
  if (!name && email) {
    const local = email.split("@")[0]!.split(/[._-]/).filter((p) => p.length > 1);
    if (local.length >= 2) name = local.map((p) => p[0]!.toUpperCase() + p.slice(1)).join(" ");
  }
  return name || email ? { name, email } : null;
}

function suggestedReply(intent: InboundIntent, input: InboundAnalysisInput, referral: { name: string | null; email: string | null } | null): string {
  const first = firstNameOf(input.senderName, input.from);
  const greeting = first ? `Hi ${first},` : "Hello,";
  const asks = detectRequests(input.text).requests;
  const body: string[] = [];
  switch (intent) {
    case "MEETING_REQUEST":
      body.push("Thanks for making time for this.", "The time you suggested works for me; I will send a calendar invitation shortly. If anyone else should join, let me know and I will add them.");
      break;
    case "QUESTION":
      body.push(
        asks.length ? `Thanks for your question${asks.length > 1 ? "s" : ""}. You asked: "${asks[0]!.slice(0, 160)}"` : "Thanks for getting back to me.",
        "I will come back to you with a precise answer and the relevant documents. Would a short call help to go through the details?",
      );
      break;
    case "OBJECTION":
      body.push("Thanks for being open about this; it helps a lot.", "I understand the concern. If it is useful, I can share how similar teams handled it, with no commitment on your side. Would that help?");
      break;
    case "INTERESTED":
      body.push("Great to hear this is relevant for you.", "I will send over a short overview. Would a 20-minute call next week be a good next step?");
      break;
    case "REFERRAL":
      body.push(
        referral?.name ? `Thank you for pointing me to ${referral.name}.` : "Thank you for pointing me in the right direction.",
        referral?.name ? `I will reach out to ${referral.name.split(" ")[0]} directly and mention that you suggested it.` : "I will reach out to them directly and mention that you suggested it.",
      );
      break;
    default:
      body.push("Thank you for your reply.");
  }
  return [greeting, "", body.join(" "), "", "Best regards"].join("\n");
}
