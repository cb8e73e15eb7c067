// The quality gate: pure checks on a draft's text, run at creation, on every
// revision and again right before sending. Each finding has a severity —
// BLOCK (the draft cannot be approved or sent) or WARN (the reviewer sees it)
// — and a reason. Findings never quote personal data or secrets back: they
// say what was found and where, masked.
import { z } from "zod";
import type { MailCategory } from "./draft.js";
import { findProfanity, maskTerm, PROFANITY_LANGUAGES } from "./profanity.js";
import { findThreats } from "./threatening-language.js";

export const QUALITY_CHECKS = [
  "PROHIBITED_TERM",
  "SPAM_PHRASE",
  "SHOUTING",
  "AGGRESSIVE_TONE",
  "THREAT",
  "PROFANITY",
  "UNRESOLVED_PLACEHOLDER",
  "SUBJECT_LENGTH",
  "BODY_LENGTH",
  "PII_CARD_NUMBER",
  "PII_NATIONAL_ID",
  "PII_IBAN",
  "SECRET",
  "LINK_NOT_ALLOWED",
  "UNSUBSCRIBE_MISSING",
  "POSTAL_ADDRESS_MISSING",
] as const;
export type QualityCheck = (typeof QUALITY_CHECKS)[number];
export type Severity = "BLOCK" | "WARN";
export type Verdict = "PASS" | "WARN" | "BLOCK";

export interface QualityFinding {
  check: QualityCheck;
  severity: Severity;
  message: string;
  /** Where: "subject", "body" or "html". */
  location: "subject" | "body" | "html";
}

export interface QualityReport {
  verdict: Verdict;
  findings: QualityFinding[];
  version: 1;
}

/** Terms no draft may contain, whatever the tenant: claims that are misleading or unlawful in sales mail. */
export const DEFAULT_PROHIBITED_TERMS = [
  "guaranteed results",
  "guaranteed returns",
  "risk-free investment",
  "get rich quick",
  "miracle cure",
  "this is not spam",
  "this isn't spam",
  "we are not spammers",
  "wire the money",
  "send your password",
  "verify your password",
  "confirm your bank details",
] as const;

/** Phrasing that spam filters and readers associate with bulk junk. */
export const SPAM_PHRASES = [
  "act now",
  "100% free",
  "risk free",
  "risk-free",
  "click here",
  "buy now",
  "order now",
  "limited time offer",
  "limited time only",
  "once in a lifetime",
  "you have been selected",
  "you are a winner",
  "congratulations you",
  "cash bonus",
  "double your",
  "earn extra cash",
  "no credit check",
  "no strings attached",
  "special promotion",
  "what are you waiting for",
  "while supplies last",
  "dear friend",
  "apply now",
  "free gift",
  "free money",
  "best price",
  "$$$",
] as const;

/** Pushy or hostile phrasing that hurts replies and reputation. */
export const AGGRESSIVE_PHRASES = [
  "you must reply",
  "you must respond",
  "reply immediately",
  "respond immediately",
  "final warning",
  "last warning",
  "last chance",
  "stop ignoring",
  "why haven't you",
  "why have you not",
  "i demand",
  "or else",
  "you will regret",
  "don't waste my time",
  "do not waste my time",
] as const;

export const qualitySettingsSchema = z
  .object({
    /** Added to the default prohibited terms (case-insensitive, whole words). */
    prohibitedTerms: z.array(z.string().trim().min(2).max(100)).max(500).default([]),
    /** Link domains allowed in drafts (subdomains included), besides the sender mailbox's own domain. */
    allowedLinkDomains: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a domain such as example.com"),
      )
      .max(200)
      .default([]),
    /**
     * Languages the tenant writes in (ISO 639 codes the profanity lists cover, e.g. en, de, fr):
     * drafts are checked for profanity in each of them.
     */
    languages: z
      .array(z.string().trim().toLowerCase().refine((code) => PROFANITY_LANGUAGES.includes(code), { message: `must be one of ${PROFANITY_LANGUAGES.join(", ")}` }))
      .min(1, "name at least one language")
      .max(20)
      .default(["en"]),
    /** Words of the profanity lists the tenant needs in ordinary mail (a clinic's "nipple"), never flagged. */
    profanityExceptions: z.array(z.string().trim().min(2).max(100)).max(200).default([]),
    subjectMinLength: z.number().int().min(0).max(200).default(3),
    subjectMaxLength: z.number().int().min(10).max(998).default(150),
    bodyMinLength: z.number().int().min(0).max(10_000).default(20),
    bodyMaxLength: z.number().int().min(100).max(100_000).default(10_000),
  })
  .strict();
export type QualitySettings = z.infer<typeof qualitySettingsSchema>;
export const DEFAULT_QUALITY_SETTINGS: QualitySettings = qualitySettingsSchema.parse({});

export interface DraftContent {
  subject: string;
  bodyText: string;
  bodyHtml?: string | null;
  category: MailCategory;
  /** The sender mailbox; its domain is always an allowed link domain. */
  mailbox: string;
}

export interface GateContext {
  settings: QualitySettings;
  /** The sender's postal address from the tenant's settings (CAN-SPAM); appended to marketing mail. */
  postalAddress: string | null;
  /** Host of the signed unsubscribe links the service appends to marketing mail, when it can. */
  unsubscribeHost: string | null;
  /**
   * Exact links allowed whatever their domain: the Drive files the draft
   * writer cited (Draft.citedAssets). Only these files' URLs pass (same host
   * and path; the query may differ) — any other link on that domain is still refused.
   */
  allowedLinks?: readonly string[];
}

export function runQualityGate(draft: DraftContent, context: GateContext): QualityReport {
  const findings: QualityFinding[] = [];
  const htmlText = draft.bodyHtml ? htmlToText(draft.bodyHtml) : null;
  const parts: { location: QualityFinding["location"]; text: string }[] = [
    { location: "subject", text: draft.subject },
    { location: "body", text: draft.bodyText },
    ...(htmlText !== null ? [{ location: "html" as const, text: htmlText }] : []),
  ];
  const add = (check: QualityCheck, severity: Severity, location: QualityFinding["location"], message: string) => {
    if (!findings.some((f) => f.check === check && f.location === location && f.message === message)) {
      findings.push({ check, severity, location, message });
    }
  };

  const prohibited = [...DEFAULT_PROHIBITED_TERMS, ...context.settings.prohibitedTerms];
  for (const { location, text } of parts) {
    for (const term of findPhrases(text, prohibited)) add("PROHIBITED_TERM", "BLOCK", location, `Contains the prohibited term "${term}".`);
    const spam = findPhrases(text, SPAM_PHRASES);
    for (const phrase of spam) add("SPAM_PHRASE", spam.length >= 3 ? "BLOCK" : "WARN", location, `Spam-trigger phrasing: "${phrase}".`);
    for (const phrase of findPhrases(text, AGGRESSIVE_PHRASES)) add("AGGRESSIVE_TONE", "WARN", location, `Aggressive tone: "${phrase}".`);
    const threat = findThreats(text)[0];
    if (threat) add("THREAT", "BLOCK", location, `Threatening or intimidating language aimed at the recipient (${threat.rule.description}): "${threat.said}".`);
    const profanity = findProfanity(text, context.settings.languages, context.settings.profanityExceptions);
    if (profanity.length) {
      const words = profanity.slice(0, 3).map((h) => `"${maskTerm(h.term)}" (${h.language})`).join(", ");
      add("PROFANITY", "BLOCK", location, `Profanity or offensive language: ${words}${profanity.length > 3 ? ` and ${profanity.length - 3} more` : ""}.`);
    }
    for (const placeholder of findPlaceholders(text)) {
      add("UNRESOLVED_PLACEHOLDER", "BLOCK", location, `Unresolved placeholder ${placeholder}: fill it in before sending.`);
    }
    checkShouting(text, location, add);
    checkPii(text, location, add);
  }
  checkLengths(draft, context.settings, add);
  checkLinks(draft, context, add);
  if (draft.category === "MARKETING") {
    if (!context.unsubscribeHost) {
      add("UNSUBSCRIBE_MISSING", "BLOCK", "body", "Marketing mail needs a working unsubscribe link, and none can be added (no public URL is configured).");
    }
    if (!context.postalAddress?.trim()) {
      add("POSTAL_ADDRESS_MISSING", "BLOCK", "body", "Marketing mail must carry the sender's postal address: set sending.postalAddress in the tenant settings.");
    }
  }
  const verdict: Verdict = findings.some((f) => f.severity === "BLOCK") ? "BLOCK" : findings.length ? "WARN" : "PASS";
  return { verdict, findings, version: 1 };
}

// ---------------------------------------------------------------------------

type Add = (check: QualityCheck, severity: Severity, location: QualityFinding["location"], message: string) => void;

/** Lower case, compatibility-normalised, with runs of white space folded: "F R E E" tricks aside, what a reader sees. */
export function normaliseText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/\s+/g, " ");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Compiled phrase patterns; phrases repeat across drafts (defaults, each tenant's list), so each is compiled once. */
const phrasePatterns = new Map<string, RegExp | null>();
const MAX_CACHED_PATTERNS = 10_000;

function phrasePattern(phrase: string): RegExp | null {
  let pattern = phrasePatterns.get(phrase);
  if (pattern !== undefined) return pattern;
  const needle = normaliseText(phrase).trim();
  const startsWord = /^\w/.test(needle);
  const endsWord = /\w$/.test(needle);
  pattern = needle
    ? new RegExp(`${startsWord ? "(?<![\\w])" : ""}${escapeRegExp(needle).replace(/ /g, "\\s+")}${endsWord ? "(?![\\w])" : ""}`, "u")
    : null;
  if (phrasePatterns.size >= MAX_CACHED_PATTERNS) phrasePatterns.clear();
  phrasePatterns.set(phrase, pattern);
  return pattern;
}

/** Phrases that occur in `text` as whole words (case-insensitive). */
export function findPhrases(text: string, phrases: readonly string[]): string[] {
  const haystack = normaliseText(text);
  const found: string[] = [];
  for (const phrase of phrases) {
    const pattern = phrasePattern(phrase);
    if (pattern?.test(haystack) && !found.includes(phrase)) found.push(phrase);
  }
  return found;
}

const PLACEHOLDER_WORDS = new Set([
  "name", "first", "last", "full", "firstname", "lastname", "company", "organisation", "organization", "org", "title", "role",
  "city", "country", "industry", "product", "date", "time", "your", "their", "recipient", "contact", "sender", "signature",
  "email", "phone", "link", "url", "insert", "placeholder", "account", "team", "position", "job", "website", "prospect",
  "client", "customer", "surname", "salutation", "here",
]);

const PLACEHOLDER_PATTERNS: RegExp[] = [
  /\{\{\s*[^{}]{1,60}?\s*\}\}/g, // {{first_name}}, {{ company }}
  /\{%[^%]{1,60}%\}/g, // {% if … %}
  /(?<![\w{])\{\s*[A-Za-z_][\w.]{0,40}\s*\}(?!\})/g, // {first_name}
  /<<\s*[A-Za-z_][\w .]{0,40}\s*>>/g, // <<Company>>
  /%%?[A-Z][A-Z0-9_]{1,40}%%?/g, // %FIRST_NAME%
  /\*\|[A-Z0-9_:]+\|\*/g, // *|FNAME|* (Mailchimp merge tags)
  /\b(?:INSERT\s+[A-Z ]{2,30}\s+HERE|TODO|FIXME|XXX+)\b/g,
];

/** Template markers left in the text: {{first_name}}, [Company], <<Name>>, %NAME%, TODO… */
export function findPlaceholders(text: string): string[] {
  const found = new Set<string>();
  for (const pattern of PLACEHOLDER_PATTERNS) for (const m of text.matchAll(pattern)) found.add(m[0]);
  // [Company], [First Name], [first_name] — but not Markdown links "[text](url)", footnotes "[1]" or "[Update]".
  for (const m of text.matchAll(/\[([A-Za-z][A-Za-z_ '-]{0,40})\](?!\()/g)) {
    const inner = m[1]!;
    const words = inner.toLowerCase().split(/[\s_'-]+/).filter(Boolean);
    if (inner.includes("_") || words.some((w) => PLACEHOLDER_WORDS.has(w)) || (/^[A-Z][A-Z ]+$/.test(inner) && inner.length > 3)) found.add(m[0]);
  }
  return [...found];
}

function checkShouting(text: string, location: QualityFinding["location"], add: Add): void {
  const letters = text.match(/\p{L}/gu) ?? [];
  const upper = text.match(/\p{Lu}/gu) ?? [];
  const ratio = letters.length ? upper.length / letters.length : 0;
  if (location === "subject") {
    if (letters.length >= 8 && ratio > 0.7) add("SHOUTING", "WARN", location, "The subject is written in capitals.");
  } else if (letters.length >= 40 && ratio > 0.5) {
    add("SHOUTING", "BLOCK", location, `Most of the text is in capitals (${Math.round(ratio * 100)}%).`);
  } else {
    // Whole words in capitals, several in a row: "PLEASE READ THIS NOW".
    const runs = text.match(/\b(?:[A-Z]{3,}\b[\s,.!?]+){3,}[A-Z]{3,}\b/g);
    if (runs) add("SHOUTING", "WARN", location, "Several words in a row are in capitals.");
  }
  if (/[!?]{3,}|!{2,}/.test(text)) add("SHOUTING", "WARN", location, "Repeated exclamation marks.");
}

/** Luhn checksum over the digits of a candidate card number. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** ISO 13616 IBAN check: length per country is not checked, the mod-97 checksum is. */
export function isValidIban(candidate: string): boolean {
  const iban = candidate.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= "A" && ch <= "Z" ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

const CARD_CANDIDATE = /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])/g;
const US_SSN = /(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)/g;
const UK_NINO = /\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
const IBAN_CANDIDATE = /\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b/g;
const SECRET_PATTERNS: { name: string; pattern: RegExp }[] = [
  { name: "a private key", pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/ },
  { name: "an AWS access key", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "a GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b/ },
  { name: "a Slack token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/ },
  { name: "a Stripe secret key", pattern: /\b[rs]k_live_[A-Za-z0-9]{16,}\b/ },
  { name: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: "an OpenAI API key", pattern: /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b/ },
  { name: "a Sales Agent API key", pattern: /\bsk_[a-z0-9]{10}_[A-Za-z0-9_-]{43}\b/ },
  { name: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  {
    name: "a password or key assignment",
    pattern: /\b(?:password|passwd|api[_-]?key|secret[_-]?key|access[_-]?token|client[_-]?secret)\s*[:=]\s*["']?[^\s"']{8,}/i,
  },
];

function checkPii(text: string, location: QualityFinding["location"], add: Add): void {
  for (const m of text.matchAll(CARD_CANDIDATE)) {
    const digits = m[0].replace(/\D/g, "");
    if (digits.length >= 13 && digits.length <= 19 && passesLuhn(digits) && !/^(\d)\1+$/.test(digits)) {
      add("PII_CARD_NUMBER", "BLOCK", location, `Contains a payment card number (ending ${digits.slice(-4)}).`);
    }
  }
  if (US_SSN.test(text)) add("PII_NATIONAL_ID", "BLOCK", location, "Contains a US social security number.");
  US_SSN.lastIndex = 0;
  if (UK_NINO.test(text)) add("PII_NATIONAL_ID", "BLOCK", location, "Contains a UK national insurance number.");
  UK_NINO.lastIndex = 0;
  for (const m of text.matchAll(IBAN_CANDIDATE)) {
    // A grouped IBAN may have picked up a following word: drop trailing groups until the checksum holds.
    const groups = m[0].split(" ");
    for (let n = groups.length; n >= 1; n--) {
      const candidate = groups.slice(0, n).join("");
      if (isValidIban(candidate)) {
        add("PII_IBAN", "BLOCK", location, `Contains a bank account number (IBAN ${candidate.slice(0, 2)}…${candidate.slice(-4)}).`);
        break;
      }
    }
  }
  for (const { name, pattern } of SECRET_PATTERNS) {
    if (pattern.test(text)) add("SECRET", "BLOCK", location, `Contains ${name}: secrets must never be e-mailed.`);
  }
}

function checkLengths(draft: DraftContent, s: QualitySettings, add: Add): void {
  const subject = draft.subject.trim();
  if (subject.length > s.subjectMaxLength) {
    add("SUBJECT_LENGTH", "BLOCK", "subject", `The subject is ${subject.length} characters; the limit is ${s.subjectMaxLength}.`);
  } else if (subject.length < s.subjectMinLength) {
    add("SUBJECT_LENGTH", "WARN", "subject", `The subject is only ${subject.length} characters.`);
  }
  const body = draft.bodyText.trim();
  if (body.length > s.bodyMaxLength) {
    add("BODY_LENGTH", "BLOCK", "body", `The body is ${body.length} characters; the limit is ${s.bodyMaxLength}.`);
  } else if (body.length < s.bodyMinLength) {
    add("BODY_LENGTH", "WARN", "body", `The body is only ${body.length} characters.`);
  }
}

const URL_IN_TEXT = /\b(?:https?:\/\/|www\.)[^\s<>"')\]]+/gi;
const HREF = /\bhref\s*=\s*["']([^"']+)["']/gi;

/** Host names linked from the text (and from href attributes of the HTML). */
export function linkedHosts(text: string, html?: string | null): string[] {
  const hosts = new Set<string>();
  const urls = [...text.matchAll(URL_IN_TEXT)].map((m) => m[0]);
  if (html) urls.push(...[...html.matchAll(HREF)].map((m) => m[1]!), ...[...htmlToText(html).matchAll(URL_IN_TEXT)].map((m) => m[0]));
  for (const raw of urls) {
    if (/^(mailto|tel):/i.test(raw) || raw.startsWith("#")) continue;
    try {
      const url = new URL(/^https?:\/\//i.test(raw) ? raw : `http://${raw}`);
      if (url.hostname) hosts.add(url.hostname.toLowerCase().replace(/\.$/, ""));
    } catch {
      hosts.add(raw.toLowerCase());
    }
  }
  return [...hosts];
}

export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((d) => host === d || host.endsWith(`.${d}`));
}

/** A link as "host/path" (lower-case host, no query or fragment), to compare a link with an allowed one. */
function linkKey(raw: string): string | null {
  try {
    const url = new URL(/^https?:\/\//i.test(raw) ? raw : `http://${raw}`);
    return `${url.hostname.toLowerCase().replace(/\.$/, "")}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return null;
  }
}

function checkLinks(draft: DraftContent, context: GateContext, add: Add): void {
  const mailboxDomain = draft.mailbox.split("@")[1]?.toLowerCase();
  const allowed = [...context.settings.allowedLinkDomains, ...(mailboxDomain ? [mailboxDomain] : []), ...(context.unsubscribeHost ? [context.unsubscribeHost] : [])];
  const exact = new Set((context.allowedLinks ?? []).map(linkKey).filter((k): k is string => k !== null));
  const text = `${draft.subject}\n${draft.bodyText}`;
  const urls = [...text.matchAll(URL_IN_TEXT)].map((m) => m[0]);
  if (draft.bodyHtml) urls.push(...[...draft.bodyHtml.matchAll(HREF)].map((m) => m[1]!), ...[...htmlToText(draft.bodyHtml).matchAll(URL_IN_TEXT)].map((m) => m[0]));
  // A host is refused when one of its links is neither on an allowed domain nor an allowed exact link.
  const hosts = new Set<string>();
  for (const raw of urls) {
    if (/^(mailto|tel):/i.test(raw) || raw.startsWith("#")) continue;
    const key = linkKey(raw);
    if (key !== null && exact.has(key)) continue;
    const [host] = linkedHosts(raw);
    if (host) hosts.add(host);
  }
  for (const host of hosts) {
    if (!hostAllowed(host, allowed)) {
      add("LINK_NOT_ALLOWED", "BLOCK", "body", `Links to ${host}, which is not an allowed link domain (allowed: ${allowed.join(", ") || "none"}).`);
    }
  }
}

/** Visible text of an HTML body (tags dropped, common entities decoded); enough for the checks. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ")
    .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/li>/gi, "\n")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}
