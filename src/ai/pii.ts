// Redaction of personal data before anything leaves for an external model
// (compliance mode): e-mail addresses, phone numbers, payment card numbers
// (Luhn-checked), IBANs, US social security numbers, record/ID numbers,
// street addresses, and the names we know (contacts, senders) or can see
// (greeting and signature lines). Each value becomes a stable placeholder
// such as [EMAIL_1]; the model's answer gets the originals back locally.
import type { OutboundFilter } from "./provider.js";

interface Rule {
  kind: string;
  pattern: RegExp;
  accept?: (match: string) => boolean;
}

function luhn(digits: string): boolean {
  const d = digits.replace(/\D/g, "");
  if (d.length < 13 || d.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let n = Number(d[d.length - 1 - i]);
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}

const RULES: Rule[] = [
  { kind: "EMAIL", pattern: /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { kind: "CARD", pattern: /\b(?:\d[ -]?){12,18}\d\b/g, accept: luhn },
  { kind: "IBAN", pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g },
  { kind: "SSN", pattern: /\b\d{3}-\d{2}-\d{4}\b/g },
  {
    kind: "ID",
    pattern: /\b(?:MRN|medical record(?: number)?|patient id|member id|policy(?: number| no\.?)?|passport(?: number| no\.?)?|DOB|date of birth)[:#\s]+[A-Z0-9][A-Z0-9/.-]{3,}\b/gi,
  },
  {
    kind: "PHONE",
    pattern: /(?<![\w.])(?:\+|00)?\d[\d ().-]{6,}\d(?![\w])/g,
    // At least 7 digits, and not something that looks like a date, a time or a version.
    accept: (m) => {
      const digits = m.replace(/\D/g, "");
      return digits.length >= 7 && digits.length <= 15 && !/^\d{4}-\d{2}-\d{2}$/.test(m.trim()) && !/^\d{1,2}[./]\d{1,2}[./]\d{2,4}$/.test(m.trim());
    },
  },
  {
    kind: "ADDRESS",
    pattern:
      /\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\p{L}'-]+\s+){1,3}(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Ln\.?|Drive|Dr\.?|Court|Ct\.?|Way|Place|Pl\.?|Square|Sq\.?|Terrace|Parkway|Highway)(?![\p{L}])|\b[A-ZÄÖÜ][\p{L}-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm)\s+\d{1,4}[a-z]?\b|\b(?:rue|avenue|boulevard|calle|via|viale|piazza|plaza)\s+(?:de la |de |du |des |del |della )?[\p{L}' -]{2,40}?,?\s+\d{1,4}\b|\b\d{1,4},?\s+(?:rue|avenue|boulevard|calle|via)\s+(?:de la |de |du |des )?[\p{L}'-]+(?:\s[\p{L}'-]+){0,3}/gu,
  },
];

const GREETING_NAME = /^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|bonjour|hola)\s+((?:Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s+)?([A-Z\p{Lu}][\p{L}'-]+(?:\s+[A-Z\p{Lu}][\p{L}'-]+){0,2})\s*[,!:]/gmu;
const SIGNATURE_NAME =
  /^\s*(?:best(?: regards)?|kind regards|regards|cheers|thanks|thank you|many thanks|sincerely|all the best|warm regards)[,.!]?\s*\n\s*([A-Z\p{Lu}][\p{L}'-]+(?:\s+[A-Z\p{Lu}][\p{L}'-]+){0,2})\s*$/gimu;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface PiiRedactor extends OutboundFilter {
  /** Placeholder → original, for inspection (never logged). */
  readonly mapping: ReadonlyMap<string, string>;
  /** How many values of each kind were replaced. */
  counts(): Record<string, number>;
}

/** A redactor for one call. `knownNames` are names we hold for the people involved. */
export function createPiiRedactor(knownNames: Array<string | null | undefined> = []): PiiRedactor {
  const toPlaceholder = new Map<string, string>();
  const mapping = new Map<string, string>();
  const perKind = new Map<string, number>();

  const placeholder = (kind: string, original: string) => {
    const key = `${kind}:${original.toLowerCase()}`;
    let p = toPlaceholder.get(key);
    if (!p) {
      const n = (perKind.get(kind) ?? 0) + 1;
      perKind.set(kind, n);
      p = `[${kind}_${n}]`;
      toPlaceholder.set(key, p);
      mapping.set(p, original);
    }
    return p;
  };

  const names = new Set<string>();
  for (const name of knownNames) {
    const n = name?.trim();
    if (!n || n.length < 2) continue;
    names.add(n);
    // A known full name also appears as its parts ("Maria" in "Hi Maria").
    for (const part of n.split(/\s+/)) if (part.length >= 3 && /^[A-Z\p{Lu}]/u.test(part)) names.add(part);
  }

  function apply(text: string): string {
    let out = text;
    for (const rule of RULES) {
      out = out.replace(rule.pattern, (m) => (m.startsWith("[") || (rule.accept && !rule.accept(m)) ? m : placeholder(rule.kind, m)));
    }
    const seen = new Set(names);
    for (const m of out.matchAll(GREETING_NAME)) seen.add(m[2]!);
    for (const m of out.matchAll(SIGNATURE_NAME)) seen.add(m[1]!);
    // Longest first, so "Maria Keller" is one person rather than two.
    for (const name of [...seen].sort((a, b) => b.length - a.length)) {
      if (/^\[/.test(name)) continue;
      out = out.replace(new RegExp(`(?<![\\p{L}\\[_])${escape(name)}(?![\\p{L}\\]])`, "gu"), () => placeholder("PERSON", name));
    }
    return out;
  }

  function restoreString(s: string): string {
    return s.replace(/\[[A-Z]+_\d+\]/g, (p) => mapping.get(p) ?? p);
  }

  function restore<T>(value: T): T {
    if (typeof value === "string") return restoreString(value) as T;
    if (Array.isArray(value)) return value.map((v) => restore(v)) as T;
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restore(v)])) as T;
    }
    return value;
  }

  return {
    apply,
    restore,
    mapping,
    counts: () => Object.fromEntries(perKind),
  };
}
