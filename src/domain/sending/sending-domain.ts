// SPF, DKIM and DMARC of a sending domain, judged from its DNS TXT records
// (the lookups are done elsewhere; this is pure). Our mail leaves with the
// mailbox as both the From and the envelope sender, so the SPF identifier is
// the From domain itself and aligns in either mode when it passes. A DKIM
// key published under the From domain (d=<domain>) aligns in either mode; a
// key found only under its organizational domain (a provider signing with
// d=example.co.uk for mail from news.example.co.uk) aligns only in relaxed
// mode (adkim=r), as RFC 7489 §3.1.1 says. The DMARC record is the From
// domain's, else — when it has none — its organizational domain's (RFC 7489
// §6.6.3), whose sp= then applies; the organizational domain comes from the
// Public Suffix List (tldts, private section included: a user's
// x.github.io is its own organization). DMARC passes when a DMARC record
// applies and SPF or DKIM passes aligned.
import { getDomain } from "tldts";

/** One TXT lookup: the strings found (each record's chunks joined), none (NXDOMAIN/NODATA), or no answer at all. */
export type TxtLookup = { status: "FOUND"; records: string[] } | { status: "NONE" } | { status: "UNREACHABLE"; error: string };

export type CheckStatus = "PASS" | "FAIL" | "UNKNOWN";

export interface SpfCheck {
  status: CheckStatus;
  record: string | null;
  /** The `all` mechanism with its qualifier ("-all", "~all", …), or null. */
  all: string | null;
  /** Required includes (tenant setting) missing from the record. */
  missingIncludes: string[];
}

export interface DkimCheck {
  selector: string;
  /** The domain the key was looked up under (<selector>._domainkey.<domain>): the sending domain or its organizational domain. */
  domain: string;
  /** CONFIGURED: a tenant selector (deliverability.dkimSelectors), always reported; COMMON: a common provider selector, reported when found. */
  source: "CONFIGURED" | "COMMON";
  status: CheckStatus;
  record: string | null;
  /** Whether a passing key here aligns with the From domain under the DMARC record's adkim mode. */
  aligned: boolean;
}

/**
 * Selectors the common mail providers publish DKIM keys under, probed besides
 * the tenant's own: Google Workspace (google), Microsoft 365 (selector1,
 * selector2), Mailchimp/Mandrill (k1, k2, k3, mandrill), SendGrid (s1, s2),
 * Amazon SES/cPanel/generic setups (default, mail, dkim, smtp), Zoho (zoho),
 * Fastmail (fm1, fm2, fm3), Proton (protonmail) and iCloud (sig1).
 */
export const COMMON_DKIM_SELECTORS = [
  "google",
  "selector1",
  "selector2",
  "k1",
  "k2",
  "k3",
  "s1",
  "s2",
  "default",
  "mail",
  "dkim",
  "smtp",
  "mandrill",
  "zoho",
  "fm1",
  "fm2",
  "fm3",
  "protonmail",
  "sig1",
] as const;

/**
 * The organizational domain of a name (RFC 7489 §3.2): its registrable domain
 * under the Public Suffix List — news.example.co.uk → example.co.uk. A name
 * that is itself a public suffix, or unknown to the list, is its own.
 */
export function organizationalDomain(domain: string): string {
  const name = domain.toLowerCase().replace(/\.$/, "");
  return getDomain(name, { allowPrivateDomains: true, validateHostname: false }) ?? name;
}

/** The DKIM names to look up for a domain: the tenant's selectors, then the common ones not among them. */
export function dkimProbes(domain: string, configured: readonly string[]): Array<{ selector: string; domain: string; source: DkimCheck["source"] }> {
  const org = organizationalDomain(domain);
  const common = COMMON_DKIM_SELECTORS.filter((s) => !configured.includes(s));
  const at = (d: string) => [
    ...configured.map((selector) => ({ selector, domain: d, source: "CONFIGURED" as const })),
    ...common.map((selector) => ({ selector, domain: d, source: "COMMON" as const })),
  ];
  return org === domain ? at(domain) : [...at(domain), ...at(org)];
}

/** Whether a DMARC lookup found no DMARC record at all (then the organizational domain's applies, RFC 7489 §6.6.3). */
export function noDmarcRecord(lookup: TxtLookup): boolean {
  return lookup.status === "NONE" || (lookup.status === "FOUND" && !lookup.records.some((r) => /^v=DMARC1\s*(;|$)/i.test(r.trim())));
}

export interface DmarcCheck {
  status: CheckStatus;
  record: string | null;
  /** The organizational domain of the sending domain (Public Suffix List). */
  organizationalDomain: string;
  /** Where the record applied was found: _dmarc.<domain>, or _dmarc.<organizational domain> when the domain has none; null: none found. */
  foundAt: string | null;
  /** True when the record is the organizational domain's (the sending domain has none of its own). */
  inherited: boolean;
  /** The policy that applies to mail from the domain: p=, or sp= (when valid) for a subdomain under an inherited record. */
  policy: "none" | "quarantine" | "reject" | null;
  subdomainPolicy: string | null;
  /** r (relaxed, the default) or s (strict). */
  aspf: "r" | "s" | null;
  adkim: "r" | "s" | null;
  pct: number | null;
}

export interface SendingDomainReport {
  domain: string;
  spf: SpfCheck;
  dkim: DkimCheck[];
  dmarc: DmarcCheck;
  spfAligned: boolean;
  dkimAligned: boolean;
  /** PASS: DMARC would pass; FAIL: the resolver answered and it would not; UNKNOWN: DNS did not answer. */
  alignment: CheckStatus;
  /** What to change, in words (empty when all is well). */
  fixes: string[];
}

const RECORD_LIMIT = 600;

function only(lookup: TxtLookup, prefix: RegExp): { status: "ONE"; record: string } | { status: "NONE" } | { status: "MANY"; records: string[] } | { status: "UNREACHABLE" } {
  if (lookup.status === "UNREACHABLE") return { status: "UNREACHABLE" };
  if (lookup.status === "NONE") return { status: "NONE" };
  const matching = lookup.records.map((r) => r.trim()).filter((r) => prefix.test(r));
  if (matching.length === 0) return { status: "NONE" };
  if (matching.length > 1) return { status: "MANY", records: matching };
  return { status: "ONE", record: matching[0]!.slice(0, RECORD_LIMIT) };
}

export function checkSpf(lookup: TxtLookup, requiredIncludes: readonly string[]): SpfCheck {
  const found = only(lookup, /^v=spf1(\s|$)/i);
  if (found.status === "UNREACHABLE") return { status: "UNKNOWN", record: null, all: null, missingIncludes: [] };
  if (found.status === "NONE") return { status: "FAIL", record: null, all: null, missingIncludes: [...requiredIncludes] };
  if (found.status === "MANY") return { status: "FAIL", record: found.records.join(" | ").slice(0, RECORD_LIMIT), all: null, missingIncludes: [] };
  const terms = found.record.split(/\s+/).slice(1).map((t) => t.toLowerCase());
  const allTerm = terms.find((t) => /^[-~?+]?all$/.test(t)) ?? null;
  const all = allTerm ? (/^[-~?+]/.test(allTerm) ? allTerm : `+${allTerm}`) : null;
  const targets = new Set(terms.filter((t) => /^\+?include:|^redirect=/.test(t)).map((t) => t.replace(/^\+?include:|^redirect=/, "")));
  const missingIncludes = requiredIncludes.filter((i) => !targets.has(i.toLowerCase()));
  const redirect = terms.some((t) => t.startsWith("redirect="));
  // -all and ~all say "nothing else sends for us"; ?all and +all say nothing; a redirect delegates the ending.
  const endsWell = all === "-all" || all === "~all" || (!all && redirect);
  return { status: endsWell && missingIncludes.length === 0 ? "PASS" : "FAIL", record: found.record, all, missingIncludes };
}

export function checkDkim(selector: string, lookup: TxtLookup, where: { domain: string; source?: DkimCheck["source"] } = { domain: "" }): DkimCheck {
  const base = { selector, domain: where.domain, source: where.source ?? "CONFIGURED", aligned: false };
  if (lookup.status === "UNREACHABLE") return { ...base, status: "UNKNOWN", record: null };
  if (lookup.status === "NONE") return { ...base, status: "FAIL", record: null };
  const record = lookup.records.map((r) => r.trim()).find((r) => /(^|;)\s*p=/i.test(r) || /^v=DKIM1/i.test(r)) ?? null;
  if (!record) return { ...base, status: "FAIL", record: null };
  // An empty p= is a revoked key (RFC 6376 §3.6.1).
  const key = /(?:^|;)\s*p=([^;]*)/i.exec(record)?.[1]?.replace(/\s+/g, "") ?? "";
  return { ...base, status: key.length > 0 ? "PASS" : "FAIL", record: record.slice(0, RECORD_LIMIT) };
}

export function parseDmarcTags(record: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of record.split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    tags[part.slice(0, i).trim().toLowerCase()] = part.slice(i + 1).trim();
  }
  return tags;
}

const POLICIES = new Set(["none", "quarantine", "reject"]);

/**
 * The DMARC record that applies to `domain`: its own (`lookup`, at
 * _dmarc.<domain>), else — when it has no DMARC record at all — its
 * organizational domain's (`orgLookup`; RFC 7489 §6.6.3), whose sp= (when
 * valid) is the policy for a subdomain.
 */
export function checkDmarc(lookup: TxtLookup, options: { domain?: string; orgLookup?: TxtLookup | null } = {}): DmarcCheck {
  const domain = options.domain ?? "";
  const org = domain ? organizationalDomain(domain) : "";
  const inherit = !!options.orgLookup && org !== domain && noDmarcRecord(lookup);
  const applied = inherit ? options.orgLookup! : lookup;
  const empty = { record: null, organizationalDomain: org, foundAt: null, inherited: false, policy: null, subdomainPolicy: null, aspf: null, adkim: null, pct: null } as const;
  const found = only(applied, /^v=DMARC1\s*(;|$)/i);
  // The organizational domain did not answer: whether a record applies is unknown.
  if (found.status === "UNREACHABLE") return { status: "UNKNOWN", ...empty };
  const foundAt = domain ? `_dmarc.${inherit ? org : domain}` : null;
  if (found.status !== "ONE") return { status: "FAIL", ...empty, ...(found.status === "MANY" ? { record: found.records.join(" | ").slice(0, RECORD_LIMIT), foundAt, inherited: inherit } : {}) };
  const tags = parseDmarcTags(found.record);
  const p = tags.p?.toLowerCase();
  const sp = tags.sp?.toLowerCase();
  const ownPolicy = p && POLICIES.has(p) ? (p as DmarcCheck["policy"]) : null;
  const policy = ownPolicy && inherit && sp && POLICIES.has(sp) ? (sp as DmarcCheck["policy"]) : ownPolicy;
  const mode = (v: string | undefined): "r" | "s" | null => (v === undefined ? "r" : v.toLowerCase() === "s" ? "s" : v.toLowerCase() === "r" ? "r" : null);
  const pct = tags.pct !== undefined && /^\d{1,3}$/.test(tags.pct) ? Math.min(100, Number(tags.pct)) : tags.pct === undefined ? 100 : null;
  return {
    // A record without a valid p= is ignored by receivers (RFC 7489 §6.6.3).
    status: ownPolicy ? "PASS" : "FAIL",
    record: found.record,
    organizationalDomain: org,
    foundAt,
    inherited: inherit,
    policy,
    subdomainPolicy: sp ?? null,
    aspf: mode(tags.aspf),
    adkim: mode(tags.adkim),
    pct,
  };
}

export function judgeSendingDomain(
  domain: string,
  lookups: {
    spf: TxtLookup;
    dmarc: TxtLookup;
    /** _dmarc.<organizational domain>, looked up when the domain has no DMARC record of its own. */
    orgDmarc?: TxtLookup | null;
    /** Each probe (dkimProbes): the tenant's selectors (source CONFIGURED, or no source) and the common ones, under the domain and its organizational domain. */
    dkim: Array<{ selector: string; lookup: TxtLookup; domain?: string; source?: DkimCheck["source"] }>;
  },
  options: { spfIncludes: readonly string[] },
): SendingDomainReport {
  const spf = checkSpf(lookups.spf, options.spfIncludes);
  const dmarc = checkDmarc(lookups.dmarc, { domain, orgLookup: lookups.orgDmarc ?? null });
  // Strict DKIM alignment needs d= to be the From domain itself; relaxed accepts the organizational domain.
  const relaxedDkim = dmarc.adkim !== "s";
  const probed = lookups.dkim.map((d) => {
    const check = checkDkim(d.selector, d.lookup, { domain: d.domain ?? domain, source: d.source ?? "CONFIGURED" });
    return { ...check, aligned: check.status === "PASS" && (check.domain === domain || relaxedDkim) };
  });
  // Reported: the tenant's selectors under the domain itself (found or not), and every key found elsewhere.
  const dkim = probed.filter((d) => (d.source === "CONFIGURED" && d.domain === domain) || d.record !== null);
  const spfAligned = spf.status === "PASS";
  const dkimAligned = probed.some((d) => d.aligned);
  const dkimUnknown = probed.some((d) => d.status === "UNKNOWN" && d.source === "CONFIGURED" && d.domain === domain);
  let alignment: CheckStatus;
  if (dmarc.status === "UNKNOWN") alignment = "UNKNOWN";
  else if (dmarc.status === "FAIL") alignment = "FAIL";
  else if (spfAligned || dkimAligned) alignment = "PASS";
  else alignment = spf.status === "UNKNOWN" || dkimUnknown ? "UNKNOWN" : "FAIL";

  const fixes: string[] = [];
  if (spf.status === "UNKNOWN" || dmarc.status === "UNKNOWN" || dkimUnknown) fixes.push(`DNS did not answer for ${domain}; the check is incomplete and will be repeated.`);
  if (spf.status === "FAIL") {
    if (!spf.record) fixes.push(`Publish an SPF record: TXT ${domain} "v=spf1 ${options.spfIncludes.map((i) => `include:${i} `).join("")}~all".`);
    else if (spf.record.includes(" | ")) fixes.push(`${domain} has more than one SPF record; merge them into one (receivers treat several as an error).`);
    else {
      if (spf.missingIncludes.length) fixes.push(`Add ${spf.missingIncludes.map((i) => `include:${i}`).join(" ")} to the SPF record of ${domain}, so the sending service may send for it.`);
      if (spf.all !== "-all" && spf.all !== "~all") fixes.push(`End the SPF record of ${domain} with ~all or -all (it ends with ${spf.all ?? "no all mechanism"}).`);
    }
  }
  const strictOnly = probed.filter((d) => d.status === "PASS" && !d.aligned);
  if (!dkimAligned && !dkimUnknown) {
    if (strictOnly.length) {
      const names = strictOnly.map((d) => `${d.selector}._domainkey.${d.domain}`).join(", ");
      fixes.push(`The DKIM key at ${names} is for ${strictOnly[0]!.domain}, but the DMARC record of ${domain} asks for strict DKIM alignment (adkim=s): sign with d=${domain}, or use adkim=r.`);
    } else {
      const names = probed.filter((d) => d.source === "CONFIGURED" && d.domain === domain).map((d) => `${d.selector}._domainkey.${domain}`).join(", ");
      fixes.push(`No DKIM key at ${names}: turn on DKIM signing for ${domain} at the mail provider and publish its TXT record (or set deliverability.dkimSelectors to the selector in use).`);
    }
  }
  const dmarcName = dmarc.foundAt ?? `_dmarc.${domain}`;
  const owner = dmarc.inherited ? `${dmarc.organizationalDomain} (which ${domain} inherits)` : domain;
  if (dmarc.status === "FAIL") {
    fixes.push(
      dmarc.record
        ? dmarc.record.includes(" | ")
          ? `${dmarcName} has more than one DMARC record; keep one.`
          : `The DMARC record of ${owner} has no valid p= tag; use p=none, quarantine or reject.`
        : dmarc.organizationalDomain !== domain
          ? `Publish a DMARC record: TXT _dmarc.${dmarc.organizationalDomain} "v=DMARC1; p=quarantine; adkim=r; aspf=r" (it covers ${domain} too), or TXT _dmarc.${domain} for ${domain} alone.`
          : `Publish a DMARC record: TXT _dmarc.${domain} "v=DMARC1; p=quarantine; adkim=r; aspf=r".`,
    );
  } else if (dmarc.policy === "none") {
    fixes.push(
      dmarc.inherited
        ? `The DMARC policy for ${domain} (sp= or p= of ${dmarc.organizationalDomain}) is none (monitoring only); move to quarantine or reject once reports are clean.`
        : `The DMARC policy of ${domain} is p=none (monitoring only); move to p=quarantine or p=reject once reports are clean.`,
    );
  }
  if (dmarc.status === "PASS" && !spfAligned && !dkimAligned && alignment === "FAIL") {
    fixes.push(
      strictOnly.length
        ? `Neither SPF nor DKIM passes aligned with ${domain}, so DMARC fails and receivers apply ${dmarc.policy}.`
        : `Neither SPF nor DKIM passes for ${domain}, so DMARC fails and receivers apply p=${dmarc.policy}.`,
    );
  }
  return { domain, spf, dkim, dmarc, spfAligned, dkimAligned, alignment, fixes };
}

export function dmarcRefusal(report: SendingDomainReport): string {
  const why =
    report.dmarc.status === "FAIL"
      ? "it has no valid DMARC record"
      : report.dkim.some((d) => d.status === "PASS")
        ? "neither SPF nor DKIM passes aligned with it, so DMARC alignment fails"
        : "neither SPF nor DKIM passes for it, so DMARC alignment fails";
  return `Not sent: the sending domain ${report.domain} fails DMARC (${why}). ${report.fixes.filter((f) => !f.startsWith("DNS did not")).join(" ")}`.trim().slice(0, 1000);
}
