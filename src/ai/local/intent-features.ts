// Features of a reply for the local intent model. Shared by training
// (scripts/train-intent-model.ts) and inference, so both see the same thing.
// Every feature is a string (present or not):
//   w:<lemma>       words (wink-nlp lemmas; numbers, e-mails, links, emoji as classes)
//   n:<lemma>       a word inside a negation's scope ("not interested" → n:interested)
//   b:<a>_<b>       consecutive lemmas, <s> marking the start of a sentence
//   c:<xxxx>        character 4-grams of longer words (typos, inflections, other languages)
//   cue:<INTENT>:<family>  a hand-written cue family matched (src/ai/local/intent-cues.ts)
//   ent:/when:/sig:/lex:/lang:/len:/subj:  structural signals (dates and times from
//   wink and chrono-node, request detector, question marks, names, roles, phone
//   numbers, calendar links, multilingual word lists, sentiment, length)
// `evidence` keeps, per feature, the words that produced it, for the reasons.
import { chronoFor } from "../chrono.js";
import { analyse, type AnalysedText } from "../nlp.js";
import { requestDetectorModel, requestProbability } from "../request-detector.js";
import { cueMatches } from "./intent-cues.js";
import { replyText } from "./reply-text.js";

export interface IntentFeatureOptions {
  charNgrams: boolean;
  /** Include the hand-written cue families (on by default; off only to measure what they add). */
  cues?: boolean;
  /** Include the guessed language as a feature. */
  language?: boolean;
}

export interface IntentFeatures {
  features: string[];
  evidence: Record<string, string>;
  /** The reply's own words (no quotes, greeting or signature). */
  body: string;
}

type Language = "de" | "fr" | "es" | "it" | "nl";

const STOPWORDS: Record<Language, Set<string>> = {
  de: new Set("und ich nicht wir sie ist der die das mit für bitte ihre keine bin ihnen uns auf dem den zu vielen dank sehr wieder".split(" ")),
  fr: new Set("je nous vous est pas les des pour merci suis avec une mon votre ne au aux du le la bonjour cordialement".split(" ")),
  es: new Set("que por para los las estoy gracias una con del hasta el mi su usted nos muy favor".split(" ")),
  it: new Set("che non per sono con della grazie il gli una mio suo siamo fino".split(" ")),
  nl: new Set("ik het een niet wij zijn met voor dank bedankt graag tot van".split(" ")),
};


// Multilingual word lists (general vocabulary, not phrases from any test message).
const LEXICONS: Array<[string, string, RegExp]> = [
  ["lex:away", "says the person is away",
    /\b(?:out of (?:the )?office|away|vacation|holidays?|annual leave|(?:parental|maternity|paternity|sick|medical|compassionate) leave|on leave|sabbatical|travell?ing|business trip|trade (?:show|fair)|conference|offsite|off sick|time off|limited (?:e-?mail )?access|no (?:e-?mail )?access|urlaub|abwesen\w*|nicht im büro|außer haus|dienstreise|geschäftsreise|elternzeit|mutterschutz|krank\w*|vacances|congés?|absente?|absence|hors du bureau|en déplacement|vacaciones|fuera de la oficina|ausente|de viaje|de baja (?:médica|por)|ferie|fuori (?:ufficio|sede)|assente|vakantie|afwezig|verlof)\b/i],
  ["lex:return", "says when they are back",
    /\b(?:back (?:on|in|at|from|by|next|tomorrow|monday|tuesday|wednesday|thursday|friday)|be back|i'?m back|return(?:ing)?|upon my return|on my return|reachable|de retour|à mon retour|retour le|zurück|wieder (?:im büro|erreichbar|da|verfügbar)|erreichbar|regres\w*|a mi regreso|volver\w*|rientr\w*|terug)\b/i],
  ["lex:meeting", "talks about meeting",
    /\b(?:call|calls|meeting|meet|demo|zoom|teams|google meet|webex|video ?call|phone|ring me|chat|coffee|lunch|slot|slots|calendar|diary|invite|invitation|schedule|walk ?through|screen ?share|presentation|in person|termin|treffen|anruf|telefonat|gespräch|rendez-vous|réunion|appel|llamada|reunión|videollamada|riunione|chiamata|afspraak)\b/i],
  ["lex:price", "talks about money",
    /\b(?:price|prices|pricing|cost|costs|expensive|cheap|budget|fees?|licen[cs]es?|per seat|per user|discount|quote|quoted|roi|preis\w*|kosten|teuer|prix|cher|coût|precio|caro|coste|prezzo|prijs|duur)\b|[€$£]\s?\d/i],
  ["lex:decline", "declines",
    /\b(?:no thanks|no,? thank you|not interested|no interest|not for us|we'?ll pass|pass on|decline|not (?:be )?(?:moving|going) (?:forward|ahead)|not proceed|kein (?:interesse|bedarf)|nicht interessiert|pas intéressés?|ne nous intéresse pas|pas de suite|no (?:nos|me) interesa|no estamos interesados|no es para nosotros|non (?:siamo|sono) interessat[io]|geen interesse)\b/i],
  ["lex:interest", "sounds keen",
    /\b(?:interested|interesting|keen|curious|intrigued|excited|relevant|useful|promising|helpful|valuable|great|love|like (?:it|this|the)|good fit|count (?:me|us) in|sign (?:me|us) up|on board|open to|worth (?:a look|exploring)|yes|sure|absolutely|definitely|interessant|intéress\w*|interesa\w*|interessa\w*)\b/i],
  ["lex:material", "asks for material",
    /\b(?:deck|brochure|overview|info|information|details|case stud(?:y|ies)|whitepaper|white paper|proposal|offer|documentation|docs|presentation|one-pager|datasheet|data sheet|product sheet|price list|recording|video|trial|pilot|sandbox|beta|early access|unterlagen|informationen|angebot|documentation|plaquette|información|propuesta|materiale)\b/i],
  ["lex:constraint", "states a requirement or constraint",
    /\b(?:need(?:s|ed)? (?:to|an?|it|the)|requires?|required|requirement|must|mandatory|have to|has to|only (?:allow|accept|use|work)|policy|approv(?:e|al)|sign[- ]off|compliance|legal|security|works council|data residency|on-?prem\w*|contract|locked in|tied (?:in|into)|minimum|verpflichtend|obligatoire|obligatorio)\b/i],
  ["lex:concern", "voices a concern",
    /\b(?:concern(?:s|ed)?|worr(?:y|ied|ies)|sceptic(?:al)?|skeptic(?:al)?|doubt(?:ful)?|hesitant|wary|risk(?:y)?|afraid|burn(?:ed|t)|bad experience|disaster|didn'?t (?:work|stick)|never stuck|not convinced|hard to justify|can'?t justify|too (?:expensive|complex|complicated|big|small|much|early|late)|overkill|no budget|budget (?:is|was) (?:frozen|allocated|spent|cut)|frozen|freeze|no (?:capacity|bandwidth|time|resources|people)|stretched|busy|bedenken|zu teuer|trop cher|demasiado caro|preocupa\w*)\b/i],
  ["lex:admin", "is about paperwork",
    /\b(?:invoice|invoices|payment|paid|receipt|receipts|attached|attachment|signed (?:contract|nda|copy)|bank details|billing address|postal address|parcel|delivery|delivered|po number|purchase order|vat|w-9|password|log ?in|rechnung|zahlung|facture|paiement|factura|pago)\b/i],
  ["lex:stop_mail", "wants no more mail",
    /\b(?:stop|no more|don'?t|do not|never|quit|cease|enough|leave me|no further|keine|plus|más|più)\b[^.!?\n]{0,30}\b(?:e-?mails?|mails?|messages?|contact(?:ing)?|follow[- ]?ups?|writ(?:e|ing)|send(?:ing)?|list|newsletters?|spam|alone|nachrichten|e-?mails|correos?|courriels?|messaggi)\b/i],
  ["lex:role", "names a role",
    /\b(?:ceo|cfo|coo|cto|cio|ciso|cmo|cro|vp|head of|director|manager|lead|owner|boss|colleague|department|procurement|purchasing|successor|replacement|took over|in charge|responsible|handles|decision|kollegin|kollege|zuständig|leiter\w*|abteilung|einkauf|collègue|responsable|directeur|directrice|achats|compañer[oa]|encargad[oa]|director[a]?|compras|collega|responsabile)\b/i],
];

/** "Not now", "try me again in Q3", "check back after the summer": a decline that leaves the door open for later. */
export const LATER_CONTACT =
  /\b(?:not (?:right )?now|not (?:yet|this (?:year|quarter|month))|too early|maybe later|(?:try|reach out|check (?:back|in)|circle back|follow up|get back in touch|ping|contact|e-?mail|write|drop me a line|reconnect|revisit|ask)\b[^.!?\n]{0,30}\b(?:again|later|then|in (?:a (?:few|couple of)|\d+|two|three|four|six|several) (?:weeks|months)|next (?:year|quarter|month|spring|summer|autumn|fall|winter|budget)|in (?:q[1-4]|january|february|march|april|may|june|july|august|september|october|november|december|the new year|spring|summer|autumn|the fall)|after (?:the |our )?\w+))|\b(?:melden sie sich[^.!?\n]{0,20}(?:wieder|im|in|nach)|recontacte[rz]-(?:moi|nous)|vuelva(?:n)? a (?:escribir|contactar)\w*)\b/i;

/**
 * Words that refuse, stop or remove, in our senders' languages. A reply that only the model (not the
 * unsubscribe rule) reads as an unsubscribe must contain one: "It's a hard pass from me" or "contact
 * me in September" is not a request to stop mail.
 */
export const STOPPING_WORDS =
  /\b(?:stop\w*|no more|no further|enough (?:with|of|now|already)|that'?s enough|don'?t|do not|never|quit|cease|remove|removal|delete|erase|unsubscribe|opt(?:[- ]?out|ed)?|spam\w*|leave (?:me|us) alone|gdpr|dsgvo|rgpd|keine|nicht mehr|aufhören|hören sie|abmelden|austragen|löschen|entfernen|streichen|widerspr\w*|ne\b[^.!?\n]{0,30}\bplus|arrêtez|désabonn\w*|désinscri\w*|supprim\w*|retir\w*|no\b[^.!?\n]{0,30}\bmás|dejen?|dar(?:me|nos|se)? de baja|elimin\w*|borr\w*|non\b[^.!?\n]{0,30}\bpiù|cancella\w*|uitschrijven|afmelden)\b/i;

export const INTENT_LEXICON_DESCRIPTIONS: Record<string, string> = Object.fromEntries(LEXICONS.map(([feature, description]) => [feature, description]));

const CALENDAR_LINK = /\b(?:calendly\.com|cal\.com|meetings\.hubspot\.com|doodle\.com|youcanbook\.me|savvycal\.com|zcal\.co|outlook\.office365\.com\/owa\/calendar|calendar\.app\.google|\/book(?:ing)?s?\/)/i;
const PHONE = /(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,5}\)?[\s.-]?){2,4}\d{2,4}\b/;
const PERSON_TITLE = /\b(?:Mr|Mrs|Ms|Dr|Herr|Frau|Monsieur|Madame|Mme|Señor|Señora|Sr|Sra)\.?\s+[A-ZÀ-Þ][\p{L}'-]+/u;
const CAPITALISED = /^[A-ZÀ-Þ][\p{L}'-]+$/u;
const NOT_A_NAME = /^(?:I|I'm|I've|I'll|Hi|Hello|Dear|Hey|Thanks|Thank|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December|Mon|Tue|Wed|Thu|Fri|The|We|Our|Please|Best|Regards|Kind|Re|CC|OK|Ok)$/;
const WHEN_UNTIL = /\b(?:until|till|til|through|thru|back|return(?:ing)?|from|between|jusqu'(?:au|à)|bis|ab|hasta|desde|fino al|tot)\s*(?:on|the|le|el|dem|zum|am)?\s*$/i;

function languageOf(words: string[]): Language | null {
  let best: Language | null = null;
  let bestHits = 1;
  for (const [language, stop] of Object.entries(STOPWORDS) as Array<[Language, Set<string>]>) {
    const hits = new Set(words.filter((w) => stop.has(w))).size;
    if (hits > bestHits) {
      best = language;
      bestHits = hits;
    }
  }
  return best;
}

function normalisedToken(t: AnalysedText["sentences"][number]["tokens"][number]): string | null {
  if (t.pos === "PUNCT" || t.type === "punctuation" || t.pos === "SPACE") return null;
  if (t.type === "email") return "<email>";
  if (t.type === "url" || /^https?:|^www\./i.test(t.lower)) return "<url>";
  if (t.type === "emoji" || t.type === "emoticon") return "<emoji>";
  if (t.type === "time") return "<time>";
  if (t.type === "number" || /^\d+([.:,/-]\d+)*\.?$/.test(t.lower)) return "<num>";
  if (t.type === "currency") return "<currency>";
  return t.lemma;
}

/** The feature strings of one reply. */
export function intentFeatures(subject: string, text: string, options: IntentFeatureOptions): IntentFeatures {
  const { body } = replyText(text);
  const features = new Set<string>();
  const evidence: Record<string, string> = {};
  const add = (feature: string, said?: string) => {
    features.add(feature);
    if (said && !(feature in evidence)) evidence[feature] = said.trim().slice(0, 120);
  };

  const analysed = analyse(body);
  const allWords: string[] = [];
  for (const sentence of analysed.sentences) {
    let previous = "<s>";
    for (const token of sentence.tokens) {
      const norm = normalisedToken(token);
      if (!norm) continue;
      allWords.push(token.lower);
      add(`w:${norm}`, token.value);
      if (token.negated && token.pos !== "PART") add(`n:${norm}`, `not … ${token.value}`);
      add(`b:${previous}_${norm}`, previous === "<s>" ? token.value : undefined);
      previous = norm;
      if (options.charNgrams && norm.length >= 5 && !norm.startsWith("<")) {
        const padded = `^${norm}$`;
        for (let i = 0; i + 4 <= padded.length; i++) add(`c:${padded.slice(i, i + 4)}`);
      }
    }
  }
  // Bigram evidence: the two words as written.
  for (const sentence of analysed.sentences) {
    const tokens = sentence.tokens.filter((t) => normalisedToken(t));
    for (let i = 1; i < tokens.length; i++) {
      const key = `b:${normalisedToken(tokens[i - 1]!)}_${normalisedToken(tokens[i]!)}`;
      if (!(key in evidence)) evidence[key] = /^['’]|^n't$/i.test(tokens[i]!.value) ? `${tokens[i - 1]!.value}${tokens[i]!.value}` : `${tokens[i - 1]!.value} ${tokens[i]!.value}`;
    }
  }

  const words = allWords.length;
  add(words <= 3 ? "len:1-3" : words <= 8 ? "len:4-8" : words <= 20 ? "len:9-20" : words <= 50 ? "len:21-50" : "len:51+");
  const language = languageOf(allWords);
  if (language && options.language !== false) add(`lang:${language}`);

  // Questions and requests.
  const questionMarks = (body.match(/[?¿]/g) ?? []).length;
  if (questionMarks) add("sig:question", body.split(/\n|(?<=[.!?])\s+/).find((s) => s.includes("?")));
  if (questionMarks >= 2) add("sig:questions_2+");
  if (/\?\s*$/.test(body)) add("sig:ends_question");
  const model = requestDetectorModel();
  let bestRequest = { p: 0, text: "" };
  for (const sentence of analysed.sentences) {
    const p = requestProbability(sentence, model);
    if (p > bestRequest.p) bestRequest = { p, text: sentence.text };
  }
  if (bestRequest.p >= model.threshold) add("sig:request", bestRequest.text);
  if (bestRequest.p >= 0.8) add("sig:request_strong", bestRequest.text);

  // Entities from wink: dates, times, durations, addresses, links, money.
  for (const entity of analysed.entities) {
    const kind = entity.type.toLowerCase();
    if (["date", "time", "duration", "email", "url", "money", "emoji"].includes(kind)) add(`ent:${kind}`, entity.value);
  }
  // Dates and times with chrono-node (English, and the message's language when it is another).
  const reference = new Date(Date.UTC(2026, 0, 5, 9));
  const parsers = language && language in STOPWORDS ? [chronoFor("en"), chronoFor(language)] : [chronoFor("en")];
  for (const parser of parsers) {
    for (const r of parser.parse(body, { instant: reference, timezone: 0 }, { forwardDate: true })) {
      if (r.start.isCertain("hour")) add("when:clock", r.text);
      if (r.start.isCertain("weekday") || r.start.isCertain("day") || /\b(?:today|tomorrow|tonight|next week)\b/i.test(r.text)) add("when:day", r.text);
      if (WHEN_UNTIL.test(body.slice(Math.max(0, r.index - 25), r.index))) add("when:until", body.slice(Math.max(0, r.index - 12), r.index + r.text.length).trim());
    }
  }
  const deferral = LATER_CONTACT.exec(body);
  if (deferral) add("sig:deferral", deferral[0]);

  // People: names, titles, roles, addresses, phone numbers, calendar links.
  if (PERSON_TITLE.test(body)) add("sig:person", PERSON_TITLE.exec(body)![0]);
  for (const sentence of analysed.sentences) {
    const t = sentence.tokens;
    for (let i = 1; i < t.length; i++) {
      const a = t[i - 1]!;
      const b = t[i]!;
      if (CAPITALISED.test(a.value) && CAPITALISED.test(b.value) && (a.pos === "PROPN" || b.pos === "PROPN") && !NOT_A_NAME.test(a.value) && !NOT_A_NAME.test(b.value)) {
        add("sig:person", `${a.value} ${b.value}`);
      }
    }
  }
  if (/@[A-Z][a-z]+/.test(body)) add("sig:mention", /@[A-Z][a-z]+(?: [A-Z][a-z]+)?/.exec(body)![0]);
  if (/\bcc\b|\bcc['’]?(?:d|ed|ing)\b|\bcopied\b|\bcopying\b|\blooping\b|\blooped\b|\bforward(?:ed|ing)?\b|\bpass(?:ed|ing)? (?:this|it|your)/i.test(body)) add("sig:handover", /\bcc\b|\bcc['’]?(?:d|ed|ing)\b|\bcopied\b|\bcopying\b|\blooping\b|\blooped\b|\bforward(?:ed|ing)?\b|\bpass(?:ed|ing)? (?:this|it|your)/i.exec(body)![0]);
  const phone = PHONE.exec(body);
  if (phone && phone[0].replace(/\D/g, "").length >= 7) add("sig:phone", phone[0]);
  const calendar = CALENDAR_LINK.exec(body);
  if (calendar) add("sig:calendar_link", calendar[0]);
  for (const [feature, , pattern] of LEXICONS) {
    const m = pattern.exec(body);
    if (m) add(feature, m[0]);
  }

  const contrast = /\b(?:but|however|although|though|unfortunately|sadly|aber|leider|mais|malheureusement|pero|lamentablemente|però|purtroppo)\b/i.exec(body);
  if (contrast) add("sig:contrast", contrast[0]);

  // Tone: sentiment (negation-aware, from wink) and negation.
  if (analysed.sentiment >= 0.25) add("sent:positive");
  if (analysed.sentiment <= -0.2) add("sent:negative");
  const negated = analysed.sentences.flatMap((s) => s.tokens).find((t) => t.negated);
  if (negated) add("sig:negation", negated.value);

  // The first classifier's cue families, as evidence the model weighs.
  if (options.cues !== false) for (const cue of cueMatches(body)) add(`cue:${cue.intent}:${cue.label}`, cue.text);

  // Away-message subjects ("Out of office", "Abwesend: …", "Absence du bureau").
  const away = /\b(?:out of (?:the )?office|ooo|auto(?:matic)?[- ]?(?:reply|response)|abwesen\w*|absence|absent|ausente|fuera de la oficina|vacation|holiday|urlaub|vacances|congé)\b/i.exec(subject);
  if (away) add("subj:away", away[0]);

  return { features: [...features].sort(), evidence, body };
}
