// Profanity in drafts: the word lists are the LDNOOBW "List of Dirty, Naughty,
// Obscene and Otherwise Bad Words" (the `naughty-words` package, one list per
// language); this file only decides how to match them:
// - whole words only (letters and digits on either side stop a match), so
//   "Scunthorpe", "assessment", "class" and "cocktail" never match; scripts
//   written without spaces (Chinese, Japanese, Thai) match anywhere;
// - only the languages the tenant writes in (settings.quality.languages);
// - a few listed entries are ordinary business phrasing ("tied up", "how to
//   kill", "escort") or a common word in another language (French "bitte" is
//   German "please"): those are left out, and a tenant can allow more words
//   it needs (settings.quality.profanityExceptions);
// - common English inflections of the core swear words ("fucked",
//   "assholes") are matched too; the lists spell most other forms out.
import { createRequire } from "node:module";

const LISTS = createRequire(import.meta.url)("naughty-words") as Record<string, string[]>;

/** Language codes the lists cover (ISO 639), e.g. en, de, fr, es. */
export const PROFANITY_LANGUAGES: readonly string[] = Object.keys(LISTS)
  .filter((code) => /^[a-z]{2,3}$/.test(code))
  .sort();

/**
 * Entries of the lists that are ordinary words in sales mail, or ordinary in
 * another language the tenant may write in. Matched case-insensitively.
 */
export const PROFANITY_LIST_EXCLUSIONS: Readonly<Record<string, readonly string[]>> = {
  en: [
    "tied up", "how to kill", "how to murder", "girl on", "big black", "hot chick", "taste my", "tongue in a", "tight white", "domination",
    "escort", "sexual", "sexually", "sexuality", "intercourse", "playboy", "swinger", "nude", "nudity", "voyeur", "butt", "suck", "sucks",
    "genitals", "rectum", "vagina", "vulva", "penis", "clitoris", "eunuch", "ejaculation", "erotic", "homoerotic", "lovemaking", "panties",
    "panty", "grope", "humping", "semen", "nipples", "sadism", "fecal", "hardcore", "hard core", "santorum", "tainted love",
    "pleasure chest", "scat", "bareback", "busty", "undressing", "topless", "jelly donut", "dirty pillows", "snatch", "twinkie",
  ],
  de: ["bonze", "mufti", "popel", "fratze", "kimme", "rosette", "nackt", "penis", "orgasmus", "pinkeln", "lümmel", "reudig", "nippel"],
  fr: ["bitte", "bite", "con", "conne", "folle", "gueule", "bordel", "gerbe", "bander", "baiser", "jouir", "clitoris", "tanche", "péter", "pipi", "ramoner", "meuf"],
  es: ["asesinato", "asno", "drogas", "heroína", "infierno", "martillo", "nazi", "orina", "pis", "racista", "semen", "sexo", "trio", "pezón", "concha", "esperma", "vulva", "sádico"],
  it: [
    "regina", "pesce", "tirare", "battere", "montare", "monta", "pippa", "vacca", "porco", "porca", "cadavere", "bagnarsi", "biga", "brinca",
    "cozza", "fava", "mona", "quaglia", "topa", "vangare", "sbattere", "spagnola", "patacca", "balle", "palle", "pompa", "femminuccia",
    "mannaggia", "porca miseria", "nave scuola", "anale", "casci", "pincare", "picio", "lofare",
  ],
  nl: [
    "gat", "pot", "paal", "palen", "hol", "beurt", "schatje", "asbak", "bekken", "poot", "anita", "johny", "knor", "matje", "muts", "nicht",
    "standje", "zuigen", "spuiten", "balen", "remsporen", "reutelen", "boemelen", "buffelen", "del", "griet", "kanen", "slempen", "toeter",
    "vergallen", "watje", "opzouten", "raaskallen", "gras maaien", "de hond uitlaten", "de koffer induiken", "driehoog achter wonen",
    "gedoogzone", "huisdealer", "publiciteitsgeil", "welzijnsmafia", "brugpieper", "kwakkie", "aardappels afgieten", "naakt", "stootje",
    "sufferd", "dombo", "engerd", "poep",
  ],
  pt: [
    "aborto", "amador", "aranha", "ariano", "bissexual", "burro", "camisinha", "cerveja", "clitoris", "cocaína", "coito", "comer", "consolo",
    "fecal", "frango assado", "gozar", "heroína", "heterosexual", "homem gay", "homoerótico", "homosexual", "inferno", "lésbica", "mama",
    "pinto", "saco", "torneira", "transar", "vibrador", "bumbum", "pênis", "passar um cheque", "dum raio", "grelho",
  ],
};

/**
 * Listed words that are ordinary in another language: dropped from every list
 * when the tenant also writes that language ("negro" is Spanish and
 * Portuguese for black, "con" Spanish and Italian for with, "bite" English).
 */
export const ORDINARY_IN_LANGUAGE: Readonly<Record<string, readonly string[]>> = {
  en: ["bite", "con", "pot", "regina", "anita", "mama"],
  de: ["bitte", "del", "pot"],
  es: ["negro", "con", "mama", "del", "burro"],
  it: ["con", "negro", "mama", "del"],
  pt: ["negro", "mama", "del", "con"],
  fr: ["con", "mama"],
  nl: ["pot", "del"],
};

/**
 * Entries that are also first names ("Dick from finance"): matched only when
 * written in lower case or all capitals, never as a capitalised name.
 */
const NAME_LIKE = new Set(["dick"]);

/** English inflections of the core swear words that the list spells only in its base form. */
const ENGLISH_INFLECTED = /^(?:fuck|shit|bitch|asshole|arsehole|bastard|cunt|twat|wank|whore|slut|motherfucker|bullshit|faggot|dick)$/;
const INFLECTIONS = "(?:s|es|ed|ing|er|ers|y|ty|head|heads|face)?";
/** Scripts written without spaces between words: a term in them matches anywhere. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function normaliseForProfanity(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/\s+/g, " ");
}

interface Matcher {
  term: string;
  pattern: RegExp;
  /** Matched against the text as written (case kept): terms that are also names. */
  caseSensitive?: RegExp;
}

const matcherCache = new Map<string, Matcher[]>();

function matchersFor(language: string): Matcher[] {
  let matchers = matcherCache.get(language);
  if (matchers) return matchers;
  const excluded = new Set((PROFANITY_LIST_EXCLUSIONS[language] ?? []).map(normaliseForProfanity));
  matchers = [];
  for (const raw of LISTS[language] ?? []) {
    const term = normaliseForProfanity(raw).trim();
    // Two-letter entries ("xx", "cu") collide with abbreviations; the emoji entry is no word.
    if (!term || excluded.has(term) || [...term].length < 3 && !UNSPACED.test(term)) continue;
    const body = escapeRegExp(term).replace(/ /g, "[\\s-]+");
    const suffix = language === "en" && ENGLISH_INFLECTED.test(term) ? INFLECTIONS : "";
    const pattern = UNSPACED.test(term) ? new RegExp(body, "u") : new RegExp(`(?<![\\p{L}\\p{N}])${body}${suffix}(?![\\p{L}\\p{N}])`, "u");
    const caseSensitive = NAME_LIKE.has(term)
      ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${body}|${escapeRegExp(term.toUpperCase()).replace(/ /g, "[\\s-]+")})${suffix}(?![\\p{L}\\p{N}])`, "u")
      : undefined;
    matchers.push({ term, pattern, caseSensitive });
  }
  matcherCache.set(language, matchers);
  return matchers;
}

export interface ProfanityHit {
  language: string;
  term: string;
}

/** Listed words in `text` for the given languages, minus the tenant's exceptions; each term once. */
export function findProfanity(text: string, languages: readonly string[], exceptions: readonly string[] = []): ProfanityHit[] {
  const haystack = normaliseForProfanity(text);
  const asWritten = text.normalize("NFKC").replace(/\s+/g, " ");
  const allowed = new Set(
    [...exceptions, ...languages.flatMap((l) => ORDINARY_IN_LANGUAGE[l] ?? [])].map((e) => normaliseForProfanity(e).trim()),
  );
  const hits: ProfanityHit[] = [];
  for (const language of new Set(languages)) {
    for (const { term, pattern, caseSensitive } of matchersFor(language)) {
      if (allowed.has(term) || hits.some((h) => h.term === term)) continue;
      if (caseSensitive ? caseSensitive.test(asWritten) : pattern.test(haystack)) hits.push({ language, term });
    }
  }
  return hits;
}

/** "b******t": enough for a reviewer to find it, without repeating it. */
export function maskTerm(term: string): string {
  const chars = [...term];
  if (chars.length <= 2) return "*".repeat(chars.length);
  return chars.map((c, i) => (i === 0 || i === chars.length - 1 || c === " " ? c : "*")).join("");
}
