// Voice learning: from the e-mails a person sent, how they write — greeting
// and sign-off habits, length, sentence length, formality, favourite
// phrases. Pure code, deterministic; the draft writer follows the profile.
import { z } from "zod";

export const sentEmailSchema = z.object({ subject: z.string().default(""), text: z.string() });
export type SentEmail = z.input<typeof sentEmailSchema>;

const habitSchema = z.object({
  /** The words, e.g. "Hi" or "Best regards". */
  text: z.string(),
  /** Whether a name follows (greeting) or the sender's name follows on the next line (sign-off). */
  withName: z.boolean(),
  /** Punctuation after it: "," "!" "" … */
  punctuation: z.string(),
  /** Share of e-mails that use it, 0–1. */
  share: z.number(),
});
export type VoiceHabit = z.infer<typeof habitSchema>;

export const voiceProfileSchema = z.object({
  sampleSize: z.number().int().min(0),
  greeting: habitSchema.nullable(),
  greetingVariants: z.array(habitSchema),
  signOff: habitSchema.nullable(),
  signOffVariants: z.array(habitSchema),
  /** The name the person signs with, when they do. */
  signatureName: z.string().nullable(),
  length: z.object({ medianWords: z.number(), p25Words: z.number(), p75Words: z.number() }),
  sentenceLength: z.object({ meanWords: z.number(), medianWords: z.number() }),
  /** 0 = very casual, 1 = very formal. */
  formality: z.number().min(0).max(1),
  formalityLabel: z.enum(["casual", "neutral", "formal"]),
  contractionRate: z.number(),
  exclamationRate: z.number(),
  questionRate: z.number(),
  commonPhrases: z.array(z.string()),
});
export type VoiceProfile = z.infer<typeof voiceProfileSchema>;

const GREETING = /^(hi|hello|hey|hiya|dear|good (?:morning|afternoon|evening)|morning|greetings|hallo|hej|bonjour|hola|ciao|yo)\b(.*)$/i;
const SIGN_OFF =
  /^(best(?: regards| wishes)?|kind(?:est)? regards|warm(?:est)? regards|regards|many thanks|thanks(?: again| so much)?|thank you|cheers|all the best|talk soon|speak soon|sincerely|yours sincerely|yours truly|yours|best,? ?wishes|take care|br|thx|with thanks|have a (?:great|good|nice) (?:day|week|weekend))\s*([,.!]*)$/i;
const CONTRACTION = /\b\w+'(?:s|re|ve|ll|d|m|t)\b|\b(?:can't|won't|don't|isn't|aren't|didn't|doesn't|i'm|let's)\b/gi;
const INFORMAL_WORDS = /\b(?:hey|gonna|wanna|btw|lol|cool|awesome|yeah|yep|nope|asap|fyi|thx|super|totally|stuff|guys)\b/gi;
const FORMAL_WORDS = /\b(?:dear|sincerely|regards|kindly|furthermore|therefore|however|please find|i would like|we would|do not hesitate|at your earliest convenience|accordingly|pursuant)\b/gi;
const STOP = new Set(
  "a an the and or but if of to in on at for with from by as is are was were be been it this that these those i you we they he she me us them my your our their its so do did does have has had not no yes will would can could should just also than then there here what which who when where how all any some".split(
    " ",
  ),
);

// "On … wrote:" in the languages our senders use (Gmail, Apple Mail, Outlook), on one line or two.
const QUOTE_INTRO_START = /^\s*(?:On|Am|Le|El|Il|Op)\s.{4,200}$/i;
const QUOTE_VERB = "(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef)(?:\\s.{0,120})?\\s?:\\s*$";
const QUOTE_INTRO_END = new RegExp(QUOTE_VERB, "i");
const QUOTE_INTRO = new RegExp(`^\\s*(?:On|Am|Le|El|Il|Op)\\s.{4,200}${QUOTE_VERB}`, "i");

/** The new text of an e-mail: quoted history and forwarded parts removed. */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*>/.test(line)) continue;
    if (QUOTE_INTRO.test(line) || (QUOTE_INTRO_START.test(line) && QUOTE_INTRO_END.test(lines[i + 1] ?? ""))) break;
    if (/^\s*-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht|Weitergeleitete Nachricht|Message d'origine|Message transféré|Mensaje original|Mensaje reenviado|Messaggio originale)\s*-{2,}/i.test(line)) break;
    if (/^\s*(From|Von|De|Da)\s?:\s.+/.test(line) && /^\s*(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Inviato)\s?:\s/.test(lines[i + 1] ?? "")) break;
    if (/^\s*_{10,}\s*$/.test(line)) break;
    out.push(line);
  }
  return out.join("\n").trim();
}

export interface EmailParts {
  greeting: { text: string; withName: boolean; punctuation: string } | null;
  signOff: { text: string; withName: boolean; punctuation: string } | null;
  signatureName: string | null;
  /** The body between greeting and sign-off. */
  body: string;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

/** Splits an e-mail into greeting, body, sign-off and signature name. */
export function splitEmail(text: string): EmailParts {
  const lines = stripQuoted(text)
    .split("\n")
    .map((l) => l.trim());
  while (lines.length && !lines[0]) lines.shift();
  while (lines.length && !lines[lines.length - 1]) lines.pop();
  let greeting: EmailParts["greeting"] = null;
  let start = 0;
  const first = lines[0] ?? "";
  const g = GREETING.exec(first);
  if (g && first.split(/\s+/).length <= 6) {
    const rest = g[2]!.trim();
    const punctuation = /[,!.:—-]+$/.exec(rest)?.[0] ?? "";
    const name = rest.slice(0, rest.length - punctuation.length).trim();
    greeting = { text: normaliseOpener(g[1]!), withName: /^[A-Z\p{Lu}]/u.test(name) || /^(all|team|everyone|both)$/i.test(name), punctuation };
    start = 1;
  } else {
    // "Maria," alone on the first line is a greeting too (name only).
    const nameOnly = /^([A-Z\p{Lu}][\p{L}'-]+)([,!])$/u.exec(first);
    if (nameOnly) {
      greeting = { text: "", withName: true, punctuation: nameOnly[2]! };
      start = 1;
    }
  }
  let signOff: EmailParts["signOff"] = null;
  let signatureName: string | null = null;
  let end = lines.length;
  for (let i = lines.length - 1; i >= Math.max(start, lines.length - 5); i--) {
    const s = SIGN_OFF.exec(lines[i]!);
    if (s) {
      const after = lines.slice(i + 1).filter(Boolean);
      const nameLine = after[0] ?? null;
      const looksLikeName = nameLine !== null && /^[\p{L}][\p{L}.'\- ]{0,40}$/u.test(nameLine) && nameLine.split(/\s+/).length <= 4;
      signOff = { text: normaliseSignOff(s[1]!), withName: looksLikeName, punctuation: s[2] ?? "" };
      signatureName = looksLikeName ? nameLine : null;
      end = i;
      break;
    }
  }
  if (!signOff) {
    // A lone name (or "— Name") on the last line is a signature without a closing phrase.
    const last = lines[lines.length - 1] ?? "";
    const m = /^(?:[-—–]+\s*)?([A-Z\p{Lu}][\p{L}'-]+(?: [A-Z\p{Lu}][\p{L}'-]+)?)$/u.exec(last);
    if (m && lines.length > start + 1) {
      signatureName = m[1]!;
      end = lines.length - 1;
    }
  }
  return { greeting, signOff, signatureName, body: lines.slice(start, end).join("\n").trim() };
}

function normaliseOpener(word: string): string {
  return word
    .split(/\s+/)
    .map((w, i) => (i === 0 ? capitalise(w) : w.toLowerCase()))
    .join(" ");
}

function normaliseSignOff(phrase: string): string {
  const p = phrase.replace(/\s+/g, " ").trim();
  return p.length <= 3 && p.toUpperCase() === p ? p : capitalise(p);
}

export function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
}

export function sentences(text: string): string[] {
  return text
    .replace(/\s+/g, " ")
    .split(/(?<=[.!?])\s+(?=[A-Z\p{Lu}0-9"“(])/u)
    .map((s) => s.trim())
    .filter((s) => words(s).length > 0);
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return Math.round((sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)) * 10) / 10;
}

function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function habits(items: Array<{ text: string; withName: boolean; punctuation: string } | null>, total: number): VoiceHabit[] {
  const counts = new Map<string, { habit: { text: string; withName: boolean; punctuation: string }; n: number }>();
  for (const item of items) {
    if (!item) continue;
    const key = `${item.text}|${item.withName}|${item.punctuation}`;
    const entry = counts.get(key) ?? { habit: item, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  return [...counts.values()]
    .sort((a, b) => b.n - a.n || a.habit.text.localeCompare(b.habit.text))
    .map(({ habit, n }) => ({ ...habit, share: round(n / Math.max(total, 1)) }));
}

/** Phrases of 3–4 words the person uses in at least two different e-mails. */
function commonPhrases(bodies: string[], names: Set<string>): string[] {
  const docFreq = new Map<string, number>();
  for (const body of bodies) {
    const seen = new Set<string>();
    for (const sentence of sentences(body)) {
      const ws = words(sentence).map((w) => w.toLowerCase().replace(/’/g, "'"));
      for (const n of [4, 3]) {
        for (let i = 0; i + n <= ws.length; i++) {
          const gram = ws.slice(i, i + n);
          if (gram.every((w) => STOP.has(w)) || gram.some((w) => names.has(w) || /^\d+$/.test(w))) continue;
          if (STOP.has(gram[0]!) && STOP.has(gram[n - 1]!) && gram.filter((w) => !STOP.has(w)).length < 2) continue;
          seen.add(gram.join(" "));
        }
      }
    }
    for (const g of seen) docFreq.set(g, (docFreq.get(g) ?? 0) + 1);
  }
  const frequent = [...docFreq.entries()].filter(([, n]) => n >= 2);
  // Keep the longest form: drop a 3-gram contained in a kept 4-gram with the same frequency.
  const kept = frequent.filter(([g, n]) => !frequent.some(([o, m]) => o !== g && o.length > g.length && o.includes(g) && m >= n));
  return kept
    .sort((a, b) => b[1] - a[1] || b[0].length - a[0].length || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([g]) => g);
}

/** Learns a voice profile from sent e-mails. Same e-mails (in any order) → same profile. */
export function learnVoiceProfile(emails: Array<SentEmail | string>): VoiceProfile {
  const parsed = emails
    .map((e) => sentEmailSchema.parse(typeof e === "string" ? { text: e } : e))
    .map((e) => splitEmail(e.text))
    .filter((p) => p.body.length > 0)
    // Order-independent: the profile must not depend on import order.
    .sort((a, b) => a.body.localeCompare(b.body));
  const n = parsed.length;
  const bodies = parsed.map((p) => p.body);
  const wordCounts = bodies.map((b) => words(b).length).sort((a, b) => a - b);
  const sentenceLengths = bodies
    .flatMap((b) => sentences(b))
    .map((s) => words(s).length)
    .sort((a, b) => a - b);
  const allText = bodies.join("\n");
  const totalWords = Math.max(words(allText).length, 1);
  const totalSentences = Math.max(sentenceLengths.length, 1);
  const contractionRate = (allText.match(CONTRACTION)?.length ?? 0) / totalWords;
  const exclamationRate = (allText.match(/!/g)?.length ?? 0) / totalSentences;
  const questionRate = (allText.match(/\?/g)?.length ?? 0) / totalSentences;
  const informal = (allText.match(INFORMAL_WORDS)?.length ?? 0) / totalWords;
  const formal = (allText.match(FORMAL_WORDS)?.length ?? 0) / totalWords;
  const greetingVariants = habits(
    parsed.map((p) => p.greeting),
    n,
  );
  const signOffVariants = habits(
    parsed.map((p) => p.signOff),
    n,
  );
  const greeting = greetingVariants[0] ?? null;
  const signOff = signOffVariants[0] ?? null;
  let formality = 0.5;
  formality -= Math.min(contractionRate * 6, 0.25);
  formality -= Math.min(exclamationRate * 0.4, 0.15);
  formality -= Math.min(informal * 15, 0.2);
  formality += Math.min(formal * 15, 0.25);
  if (greeting && /^(dear|good )/i.test(greeting.text)) formality += 0.15;
  if (greeting && /^(hey|hiya|yo)$/i.test(greeting.text)) formality -= 0.15;
  if (signOff && /regards|sincerely|yours/i.test(signOff.text)) formality += 0.1;
  if (signOff && /^(cheers|thx|talk soon)$/i.test(signOff.text)) formality -= 0.1;
  if (n === 0) formality = 0.5;
  formality = round(Math.min(1, Math.max(0, formality)), 2);
  const names = new Set(
    parsed
      .flatMap((p) => (p.signatureName ? words(p.signatureName) : []))
      .map((w) => w.toLowerCase()),
  );
  const signatureNames = habits(
    parsed.map((p) => (p.signatureName ? { text: p.signatureName, withName: true, punctuation: "" } : null)),
    n,
  );
  return {
    sampleSize: n,
    greeting,
    greetingVariants: greetingVariants.slice(0, 5),
    signOff,
    signOffVariants: signOffVariants.slice(0, 5),
    signatureName: signatureNames[0]?.text ?? null,
    length: { medianWords: quantile(wordCounts, 0.5), p25Words: quantile(wordCounts, 0.25), p75Words: quantile(wordCounts, 0.75) },
    sentenceLength: {
      meanWords: round(sentenceLengths.reduce((a, b) => a + b, 0) / totalSentences, 1),
      medianWords: quantile(sentenceLengths, 0.5),
    },
    formality,
    formalityLabel: formality >= 0.6 ? "formal" : formality <= 0.4 ? "casual" : "neutral",
    contractionRate: round(contractionRate),
    exclamationRate: round(exclamationRate),
    questionRate: round(questionRate),
    commonPhrases: commonPhrases(bodies, names),
  };
}

/** A neutral profile for someone with no sent mail yet. */
export function defaultVoiceProfile(): VoiceProfile {
  return { ...learnVoiceProfile([]), greeting: { text: "Hi", withName: true, punctuation: ",", share: 0 }, signOff: { text: "Best regards", withName: true, punctuation: ",", share: 0 } };
}
