// Redaction for anything that leaves the hot path for long-term storage or
// logs: audit summaries, log lines. Secrets disappear, e-mail addresses are
// masked so a log reader can still tell two addresses apart.

const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key|cookie|hash|credential|private[-_]?key|service[-_]?account[-_]?key|verifier/i;
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const API_KEY = /\bsk_[A-Za-z0-9_]{8,}\b/g;
/** Google OAuth access (ya29.…) and refresh (1//…) tokens, wherever they appear in text. */
const OAUTH_TOKEN = /\b(?:ya29\.[A-Za-z0-9._~-]{8,}|1\/\/[A-Za-z0-9._~-]{8,})/g;
/** PEM private keys (a service-account key file's private_key), also JSON-escaped (\n) or cut short. */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;

export const REDACTED = "[REDACTED]";

/** Masks e-mail addresses, bearer tokens and API keys inside free text. */
export function redactText(text: string): string {
  return text
    .replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(API_KEY, REDACTED)
    .replace(OAUTH_TOKEN, REDACTED)
    .replace(PEM_PRIVATE_KEY, REDACTED);
}

/** Masks e-mail addresses only (`a***@example.com`), as audit summaries show them. */
export function maskEmails(text: string): string {
  return text.replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`);
}

/** Deep copy of `value` with every e-mail address inside its strings masked; keys and other values untouched. */
export function maskEmailsDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return maskEmails(value);
  if (depth > 12) return value;
  if (Array.isArray(value)) return value.map((v) => maskEmailsDeep(v, depth + 1));
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEmailsDeep(v, depth + 1)]));
  }
  return value;
}

/** Deep copy of `value` with secret-named keys removed and free text masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 12) return REDACTED;
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  // Errors keep their identity so log serialisers can format them (and redact their text).
  if (value instanceof Error) return value;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}
