// Hand-written cue patterns per intent (the first local classifier), kept as
// evidence: each cue family that matches becomes a feature of the trained
// intent model (src/ai/local/intent-model.ts), which learns how far to trust
// it, and its match is quoted in the reasons.
import type { InboundIntent } from "../prompts/inbound-analysis.js";

interface Cue {
  pattern: RegExp;
  weight: number;
  label: string;
}

const cues = (weight: number, label: string, ...patterns: RegExp[]): Cue[] => patterns.map((pattern) => ({ pattern, weight, label }));

export const CUES: Record<Exclude<InboundIntent, "OTHER" | "UNSUBSCRIBE">, Cue[]> = {
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

export interface CueMatch {
  intent: InboundIntent;
  label: string;
  /** The words that matched, as written. */
  text: string;
}

/** Every cue family that matches the text, once each, with its first match. */
export function cueMatches(text: string): CueMatch[] {
  const matches: CueMatch[] = [];
  for (const [intent, list] of Object.entries(CUES) as Array<[InboundIntent, Cue[]]>) {
    const seen = new Set<string>();
    for (const cue of list) {
      if (seen.has(cue.label)) continue;
      const m = cue.pattern.exec(text);
      if (!m) continue;
      seen.add(cue.label);
      matches.push({ intent, label: cue.label, text: m[0].trim() });
    }
  }
  return matches;
}
