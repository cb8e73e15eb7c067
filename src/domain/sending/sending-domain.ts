// SPF, DKIM and DMARC of a sending domain, judged from its DNS TXT records
// (the lookups are done elsewhere; this is pure). Our mail leaves with the
// mailbox as both the From and the envelope sender, and a provider that signs
// for the domain signs with d=<domain>, so the SPF and DKIM identifiers are
// the From domain itself: each aligns (strict or relaxed) exactly when it
// passes. DMARC passes when a DMARC record exists and SPF or DKIM passes.

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
  status: CheckStatus;
  record: string | null;
}

export interface DmarcCheck {
  status: CheckStatus;
  record: string | null;
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

export function checkDkim(selector: string, lookup: TxtLookup): DkimCheck {
  if (lookup.status === "UNREACHABLE") return { selector, status: "UNKNOWN", record: null };
  if (lookup.status === "NONE") return { selector, status: "FAIL", record: null };
  const record = lookup.records.map((r) => r.trim()).find((r) => /(^|;)\s*p=/i.test(r) || /^v=DKIM1/i.test(r)) ?? null;
  if (!record) return { selector, status: "FAIL", record: null };
  // An empty p= is a revoked key (RFC 6376 §3.6.1).
  const key = /(?:^|;)\s*p=([^;]*)/i.exec(record)?.[1]?.replace(/\s+/g, "") ?? "";
  return { selector, status: key.length > 0 ? "PASS" : "FAIL", record: record.slice(0, RECORD_LIMIT) };
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

export function checkDmarc(lookup: TxtLookup): DmarcCheck {
  const empty = { record: null, policy: null, subdomainPolicy: null, aspf: null, adkim: null, pct: null } as const;
  const found = only(lookup, /^v=DMARC1\s*(;|$)/i);
  if (found.status === "UNREACHABLE") return { status: "UNKNOWN", ...empty };
  if (found.status !== "ONE") return { status: "FAIL", ...empty, record: found.status === "MANY" ? found.records.join(" | ").slice(0, RECORD_LIMIT) : null };
  const tags = parseDmarcTags(found.record);
  const p = tags.p?.toLowerCase();
  const policy = p === "none" || p === "quarantine" || p === "reject" ? p : null;
  const mode = (v: string | undefined): "r" | "s" | null => (v === undefined ? "r" : v.toLowerCase() === "s" ? "s" : v.toLowerCase() === "r" ? "r" : null);
  const pct = tags.pct !== undefined && /^\d{1,3}$/.test(tags.pct) ? Math.min(100, Number(tags.pct)) : tags.pct === undefined ? 100 : null;
  return {
    // A record without a valid p= is ignored by receivers (RFC 7489 §6.6.3).
    status: policy ? "PASS" : "FAIL",
    record: found.record,
    policy,
    subdomainPolicy: tags.sp?.toLowerCase() ?? null,
    aspf: mode(tags.aspf),
    adkim: mode(tags.adkim),
    pct,
  };
}

export function judgeSendingDomain(
  domain: string,
  lookups: { spf: TxtLookup; dmarc: TxtLookup; dkim: Array<{ selector: string; lookup: TxtLookup }> },
  options: { spfIncludes: readonly string[] },
): SendingDomainReport {
  const spf = checkSpf(lookups.spf, options.spfIncludes);
  const dkim = lookups.dkim.map((d) => checkDkim(d.selector, d.lookup));
  const dmarc = checkDmarc(lookups.dmarc);
  const spfAligned = spf.status === "PASS";
  const dkimAligned = dkim.some((d) => d.status === "PASS");
  const dkimUnknown = dkim.some((d) => d.status === "UNKNOWN");
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
  if (!dkimAligned && !dkimUnknown) {
    const names = dkim.map((d) => `${d.selector}._domainkey.${domain}`).join(", ");
    fixes.push(`No DKIM key at ${names}: turn on DKIM signing for ${domain} at the mail provider and publish its TXT record (or set deliverability.dkimSelectors to the selector in use).`);
  }
  if (dmarc.status === "FAIL") {
    fixes.push(
      dmarc.record
        ? dmarc.record.includes(" | ")
          ? `_dmarc.${domain} has more than one DMARC record; keep one.`
          : `The DMARC record of ${domain} has no valid p= tag; use p=none, quarantine or reject.`
        : `Publish a DMARC record: TXT _dmarc.${domain} "v=DMARC1; p=quarantine; adkim=r; aspf=r".`,
    );
  } else if (dmarc.policy === "none") {
    fixes.push(`The DMARC policy of ${domain} is p=none (monitoring only); move to p=quarantine or p=reject once reports are clean.`);
  }
  if (dmarc.status === "PASS" && !spfAligned && !dkimAligned && alignment === "FAIL") {
    fixes.push(`Neither SPF nor DKIM passes for ${domain}, so DMARC fails and receivers apply p=${dmarc.policy}.`);
  }
  return { domain, spf, dkim, dmarc, spfAligned, dkimAligned, alignment, fixes };
}

export function dmarcRefusal(report: SendingDomainReport): string {
  const why = report.dmarc.status === "FAIL" ? "it has no valid DMARC record" : "neither SPF nor DKIM passes for it, so DMARC alignment fails";
  return `Not sent: the sending domain ${report.domain} fails DMARC (${why}). ${report.fixes.filter((f) => !f.startsWith("DNS did not")).join(" ")}`.trim().slice(0, 1000);
}
