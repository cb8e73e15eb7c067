// E-mail identity: one canonical form per mailbox, so the same person sent
// twice (different case, spaces, a "+tag", dots in a Gmail address) resolves
// to one contact; and the domain's kind (company, free-mail, disposable), so
// only company domains are used to find the person's company.
import { DOMAINS as FREE_MAIL_DOMAINS } from "free-email-domains-list";
import mailchecker from "mailchecker";
import { createRequire } from "node:module";
import type { IsEmailOptions } from "validator/lib/isEmail.js";

// Only the e-mail check, not validator's index of ~100 validators (issue 14, idle memory).
const isEmail = createRequire(import.meta.url)("validator/lib/isEmail") as (text: string, options?: IsEmailOptions) => boolean;

export type EmailDomainKind = "COMPANY" | "FREE" | "DISPOSABLE";

export interface NormalizedEmail {
  /** The canonical address: the identity key of a contact within a tenant. */
  normalized: string;
  /** The address as given, trimmed. */
  original: string;
  localPart: string;
  domain: string;
  domainKind: EmailDomainKind;
}

export type EmailParseResult = { ok: true; email: NormalizedEmail } | { ok: false; reason: string };

/** Providers where dots in the local part do not matter and `+tag` is ignored; their aliases map to one domain. */
const GMAIL = new Set(["gmail.com", "googlemail.com"]);

/**
 * Providers that deliver `name+tag@` to `name@` (sub-addressing) for every
 * mailbox. On other domains, notably company domains, `+` may be a real part
 * of a mailbox name, so it is kept.
 */
const PLUS_ADDRESSING = new Set([
  "outlook.com",
  "hotmail.com",
  "hotmail.co.uk",
  "hotmail.de",
  "hotmail.fr",
  "live.com",
  "msn.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "fastmail.com",
  "fastmail.fm",
  "protonmail.com",
  "protonmail.ch",
  "proton.me",
  "pm.me",
  "yandex.com",
  "yandex.ru",
  "zoho.com",
  "hey.com",
]);

const MAX_EMAIL_LENGTH = 254;

const disposableDomains: ReadonlySet<string> = mailchecker.blacklist();

/** Parses, validates and canonicalises an address; `reason` says why one is refused. */
export function parseEmail(input: string): EmailParseResult {
  const original = input.trim();
  if (original.length === 0) return { ok: false, reason: "is empty" };
  if (original.length > MAX_EMAIL_LENGTH) return { ok: false, reason: `is longer than ${MAX_EMAIL_LENGTH} characters` };
  const lower = original.toLowerCase();
  if (!isEmail(lower, { allow_display_name: false, require_tld: true, allow_ip_domain: false, allow_utf8_local_part: true })) {
    return { ok: false, reason: "is not a valid e-mail address" };
  }
  const at = lower.lastIndexOf("@");
  let localPart = lower.slice(0, at);
  let domain = lower.slice(at + 1);
  if (GMAIL.has(domain)) {
    domain = "gmail.com";
    localPart = stripTag(localPart).replace(/\./g, "");
  } else if (PLUS_ADDRESSING.has(domain)) {
    localPart = stripTag(localPart);
  }
  if (localPart.length === 0) return { ok: false, reason: "has no mailbox name before the tag" };
  return { ok: true, email: { normalized: `${localPart}@${domain}`, original, localPart, domain, domainKind: domainKind(domain) } };
}

function stripTag(localPart: string): string {
  const plus = localPart.indexOf("+");
  return plus === -1 ? localPart : localPart.slice(0, plus);
}

/** The domain and each parent domain down to two labels: "a.b.example.com" → ["a.b.example.com", "b.example.com", "example.com"]. */
function domainAndParents(domain: string): string[] {
  const labels = domain.split(".");
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join("."));
  return out;
}

export function isDisposableDomain(domain: string): boolean {
  return domainAndParents(domain.toLowerCase()).some((d) => disposableDomains.has(d));
}

export function isFreeMailDomain(domain: string): boolean {
  return domainAndParents(domain.toLowerCase()).some((d) => FREE_MAIL_DOMAINS.has(d));
}

export function domainKind(domain: string): EmailDomainKind {
  if (isDisposableDomain(domain)) return "DISPOSABLE";
  if (isFreeMailDomain(domain)) return "FREE";
  return "COMPANY";
}

const DOMAIN_NAME = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * A company's web or mail domain in canonical form ("https://www.Acme.com/about" → "acme.com"),
 * or null when it is not a domain name.
 */
export function normalizeDomain(input: string): string | null {
  let value = input.trim().toLowerCase();
  value = value.replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
  value = value.split(/[/?#]/)[0]!;
  value = value.replace(/:\d+$/, "").replace(/\.$/, "");
  if (value.includes("@")) value = value.slice(value.lastIndexOf("@") + 1);
  if (value.startsWith("www.")) value = value.slice(4);
  return DOMAIN_NAME.test(value) ? value : null;
}

/** True when `domain` is `listed` or one of its subdomains. */
export function domainMatches(domain: string, listed: string): boolean {
  const d = domain.toLowerCase();
  const l = listed.toLowerCase();
  return d === l || d.endsWith(`.${l}`);
}
