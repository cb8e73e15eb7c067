// Threats and intimidation aimed at the recipient of a draft: regret and
// consequences, ultimatums, "we know where you live", physical harm, and legal
// or reputational threats made by the sender against the reader. Each rule
// reads the text as a reader would (lower case, compatibility-normalised,
// curly apostrophes straightened, white space folded) and must find the
// threat pointed at "you"/"your": a product that protects against legal
// action, "you won't regret it", or "or else" joining two plain facts are not
// threats. English only; other languages go through review as before.

export interface ThreatRule {
  id: string;
  /** What kind of threat, in the reviewer's words. */
  description: string;
  pattern: RegExp;
}

const WE = String.raw`(?:i|we)`;
/** "'ll", " will", " are going to", " gonna", … and nothing (a bare "we sue"). */
const WILL = String.raw`(?:'ll|'m|'re| will| shall| would|'d| am| are)?(?: going to| gonna)?`;
const YOU_WILL = String.raw`you(?:'ll| will| shall|'re going to| are going to| gonna)`;
const FEW_WORDS = String.raw`(?:[\w']+ ){0,3}?`;

export const THREAT_RULES: readonly ThreatRule[] = [
  {
    id: "regret",
    description: "tells the reader they will regret it",
    pattern: new RegExp(String.raw`\b${YOU_WILL} (?!never\b|not\b)(?:(?:really|truly|deeply|so|surely|definitely|certainly|live to|very much) )?(?:regret(?! not\b| missing\b| passing\b)|be (?:(?:very|really|so|truly) )?sorry|pay for (?:this|that|it)|wish you (?:had|hadn't|never|did))\b`),
  },
  {
    id: "consequences",
    description: "promises consequences",
    pattern: /\b(?:there(?:'ll| will| is going to) be (?:serious |severe |real )?consequences|(?:will|'ll) have (?:serious |severe )?consequences for you\b|face (?:the )?(?:full )?consequences)/,
  },
  {
    id: "warning-consequences",
    description: "a last warning with consequences",
    pattern: /\b(?:last|final) warning\b[\s\S]{0,200}?\b(?:consequences|regret|or else|lawyers?|attorneys?|court|sue)\b|\b(?:consequences|regret|lawyers?|attorneys?|court|sue)\b[\s\S]{0,200}?\b(?:last|final) warning\b/,
  },
  {
    id: "ultimatum",
    description: 'an ultimatum ("or else")',
    pattern: /\bor else\s*(?:[.!?…)\]]|$|,? (?:you'll see|understand|we'll see))/,
  },
  {
    id: "see-what-happens",
    description: "dares the reader to find out what happens",
    pattern: new RegExp(String.raw`\b(?:ignor\w*|cross\w*|test\w*|refus\w*|(?:don't|do not|fail to) (?:pay|reply|respond|sign|answer))\b ${FEW_WORDS}(?:and|then) (?:you'll )?(?:see|find out) what happens\b`),
  },
  {
    id: "knows-where",
    description: "says the sender knows where the reader or their family is",
    pattern: new RegExp(
      String.raw`\b${WE} know (?:where (?:you (?:live|work|sleep|stay|park|are staying|hang out)|your (?:kids|children|family|wife|husband|son|daughter|home|house|partner)s?)|your (?:home |private |personal )?address|your (?:family|kids|children|wife|husband|partner)\b)|\b${WE} (?:have|found|got) your (?:home|private|personal) address|\bwatch your back\b|\b(?:we're|we are|i'm|i am) watching you\b|\blook(?:ing)? over your shoulder\b`,
    ),
  },
  {
    id: "harm",
    description: "threatens physical harm",
    pattern: new RegExp(
      String.raw`\b${WE}${WILL} (?:personally )?(?:hunt you down|come after you|come for you|hurt you|kill you|find you(?= *(?:[.!?]|$| and| if| wherever))|break your (?:legs?|arms?|neck|face|bones|knees?)|beat you up|end you|deal with you(?= *(?:[.!?]|$| personally)))\b|\b(?:you|people|those|anyone|whoever)\b[^.!?]{0,40}\b(?:get|gets|getting) hurt\b|\b(?:shame|pity) if (?:something|anything) (?:bad |unfortunate |terrible )?(?:were to |should |would |was to )?happen(?:ed|s)? to\b|\bsomething (?:bad|terrible|unfortunate|nasty|awful) (?:might|could|will|may|would|is going to) happen to (?:you\b|your (?:family|kids|children|wife|husband|partner|loved ones|home|house)\b)|\byou (?:won't|will not|wouldn't) be safe\b`,
    ),
  },
  {
    id: "legal",
    description: "threatens the reader with legal action",
    pattern: new RegExp(
      String.raw`\b${WE}${WILL} (?:sue|prosecute) you\b|\b${WE}${WILL} report you(?= to\b| *(?:[.!?]|$))|\b${WE}${WILL} (?:take|drag|see) you (?:to|into|in) court\b|\b(?:take|bring|pursue|start|initiate|file|launch) (?:legal action|legal proceedings|proceedings|a lawsuit|a claim|charges|action) against you\b|\bsee you in court\b|\bdrag you (?:through|to|into) (?:the )?(?:courts?|mud)\b|\b(?:our|my) (?:lawyers?|attorneys?|solicitors?|legal team)\b[^.!?]{0,30}\b(?:after you|on you)\b|\b(?:hear from|a letter from|a call from|a visit from) (?:our|my) (?:lawyers?|attorneys?|solicitors?|legal team)\b`,
    ),
  },
  {
    id: "ruin",
    description: "threatens the reader's reputation, career or life",
    pattern: new RegExp(
      String.raw`\b${WE}${WILL} (?:personally )?(?:make sure|ensure|see to it(?: that)?) (?:that )?(?:everyone|everybody|the whole (?:industry|market|world)|all your|your (?:boss|customers|clients|colleagues|investors|board|employer))\b|\b${WE}${WILL} ${FEW_WORDS}(?:ruin|destroy|wreck|trash) (?:you\b|your (?:reputation|career|business|company|life|name))|\b${WE}${WILL} ${FEW_WORDS}make your life (?:a (?:living )?hell|hell|miserable|difficult|very difficult|unbearable)\b`,
    ),
  },
  {
    id: "exposure",
    description: "threatens to expose the reader",
    pattern: /\b(?:i|we)(?:'d| would) hate for (?:you|your (?:boss|customers|clients|colleagues|investors|board|employer|wife|husband|family|team))(?: \w+)? to (?:find out|learn|hear|see|know)\b|\bwe have (?:ways|means) of making you\b/,
  },
  {
    id: "warned",
    description: "intimidation",
    pattern: /\byou(?:'ve| have) been warned\b|\bdon't say (?:i|we) didn't warn you\b|\bdon't (?:make me|test me|push me)\b/,
  },
];

export function normaliseForThreats(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, " ");
}

export interface ThreatHit {
  rule: ThreatRule;
  /** The words that matched, trimmed to a readable length. */
  said: string;
}

/** The threats in a text, one per rule, in rule order. */
export function findThreats(text: string): ThreatHit[] {
  const haystack = normaliseForThreats(text);
  const hits: ThreatHit[] = [];
  for (const rule of THREAT_RULES) {
    const m = rule.pattern.exec(haystack);
    if (m) hits.push({ rule, said: m[0].trim().slice(0, 80) });
  }
  return hits;
}
