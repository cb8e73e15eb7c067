// SPF, DKIM and DMARC judged from TXT answers: each record case, alignment,
// and the fixes offered. (The DNS lookups themselves are tested against a
// local DNS server in test/orchestration/sending/sending-domain.test.ts.)
import { describe, expect, it } from "vitest";
import {
  checkDkim,
  checkDmarc,
  checkSpf,
  COMMON_DKIM_SELECTORS,
  dkimProbes,
  dmarcRefusal,
  judgeSendingDomain,
  organizationalDomain,
  type TxtLookup,
} from "../../../src/domain/sending/sending-domain.js";

const found = (...records: string[]): TxtLookup => ({ status: "FOUND", records });
const none: TxtLookup = { status: "NONE" };
const down: TxtLookup = { status: "UNREACHABLE", error: "ETIMEOUT" };
const KEY = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA";

describe("SPF", () => {
  it("passes with ~all or -all and the required includes", () => {
    expect(checkSpf(found("google-site-verification=abc", "v=spf1 include:_spf.google.com ~all"), ["_spf.google.com"])).toEqual({
      status: "PASS",
      record: "v=spf1 include:_spf.google.com ~all",
      all: "~all",
      missingIncludes: [],
    });
    expect(checkSpf(found("v=spf1 ip4:192.0.2.0/24 -all"), []).status).toBe("PASS");
    expect(checkSpf(found("v=spf1 redirect=_spf.example.net"), []).status).toBe("PASS");
  });
  it("fails on ?all, +all, no all, a missing include, several records, none", () => {
    expect(checkSpf(found("v=spf1 include:_spf.google.com ?all"), [])).toMatchObject({ status: "FAIL", all: "?all" });
    expect(checkSpf(found("v=spf1 include:_spf.google.com all"), [])).toMatchObject({ status: "FAIL", all: "+all" });
    expect(checkSpf(found("v=spf1 include:_spf.google.com"), [])).toMatchObject({ status: "FAIL", all: null });
    expect(checkSpf(found("v=spf1 include:mailgun.org -all"), ["_spf.google.com"])).toMatchObject({ status: "FAIL", missingIncludes: ["_spf.google.com"] });
    expect(checkSpf(found("v=spf1 -all", "v=spf1 ~all"), []).status).toBe("FAIL");
    expect(checkSpf(none, ["_spf.google.com"])).toMatchObject({ status: "FAIL", record: null });
    expect(checkSpf(found("v=spf10 -all"), []).status).toBe("FAIL");
  });
  it("is UNKNOWN without an answer", () => {
    expect(checkSpf(down, []).status).toBe("UNKNOWN");
  });
});

describe("DKIM", () => {
  it("passes with a key, fails on none or a revoked (empty) key", () => {
    expect(checkDkim("google", found(KEY))).toMatchObject({ selector: "google", status: "PASS" });
    expect(checkDkim("google", found("v=DKIM1; k=rsa; p="))).toMatchObject({ status: "FAIL" });
    expect(checkDkim("google", none)).toMatchObject({ status: "FAIL", record: null });
    expect(checkDkim("google", found("some unrelated text"))).toMatchObject({ status: "FAIL" });
    expect(checkDkim("google", down).status).toBe("UNKNOWN");
  });
});

describe("DMARC", () => {
  it("reads the policy and alignment modes (relaxed by default)", () => {
    expect(checkDmarc(found("v=DMARC1; p=reject; aspf=s; adkim=r; pct=50; sp=quarantine"), { domain: "example.com" })).toEqual({
      status: "PASS",
      record: "v=DMARC1; p=reject; aspf=s; adkim=r; pct=50; sp=quarantine",
      organizationalDomain: "example.com",
      foundAt: "_dmarc.example.com",
      inherited: false,
      policy: "reject",
      subdomainPolicy: "quarantine",
      aspf: "s",
      adkim: "r",
      pct: 50,
    });
    expect(checkDmarc(found("v=DMARC1; p=none"))).toMatchObject({ status: "PASS", policy: "none", aspf: "r", adkim: "r", pct: 100 });
  });
  it("fails without a record, with two, or without a valid p=", () => {
    expect(checkDmarc(none).status).toBe("FAIL");
    expect(checkDmarc(found("v=DMARC1; p=reject", "v=DMARC1; p=none")).status).toBe("FAIL");
    expect(checkDmarc(found("v=DMARC1; rua=mailto:d@example.com"))).toMatchObject({ status: "FAIL", policy: null });
    expect(checkDmarc(down).status).toBe("UNKNOWN");
  });
});

describe("the organizational domain (Public Suffix List) and its DMARC record", () => {
  it("is the registrable domain under the list, multi-label suffixes and private ones included", () => {
    expect(organizationalDomain("news.example.co.uk")).toBe("example.co.uk");
    expect(organizationalDomain("a.b.example.com")).toBe("example.com");
    expect(organizationalDomain("example.com")).toBe("example.com");
    expect(organizationalDomain("mail.shop.example.com.au")).toBe("example.com.au");
    // A private suffix (github.io) makes each user's site its own organization.
    expect(organizationalDomain("www.alice.github.io")).toBe("alice.github.io");
  });
  it("falls back from _dmarc.<sub> to _dmarc.<organizational domain> only when the subdomain has no DMARC record, with sp= as its policy", () => {
    const inherited = checkDmarc(none, { domain: "news.example.co.uk", orgLookup: found("v=DMARC1; p=reject; sp=quarantine; adkim=s") });
    expect(inherited).toMatchObject({ status: "PASS", inherited: true, foundAt: "_dmarc.example.co.uk", organizationalDomain: "example.co.uk", policy: "quarantine", adkim: "s" });
    // Without sp=, p= applies to subdomains too.
    expect(checkDmarc(found("unrelated"), { domain: "news.example.co.uk", orgLookup: found("v=DMARC1; p=reject") })).toMatchObject({ inherited: true, policy: "reject" });
    // A record of its own wins, even a weaker one.
    expect(checkDmarc(found("v=DMARC1; p=none"), { domain: "news.example.co.uk", orgLookup: found("v=DMARC1; p=reject") })).toMatchObject({ inherited: false, foundAt: "_dmarc.news.example.co.uk", policy: "none" });
    // Neither has one; the organizational domain did not answer.
    expect(checkDmarc(none, { domain: "news.example.co.uk", orgLookup: none })).toMatchObject({ status: "FAIL", foundAt: null });
    expect(checkDmarc(none, { domain: "news.example.co.uk", orgLookup: down }).status).toBe("UNKNOWN");
  });
  it("judges DKIM alignment by adkim: a key only under the organizational domain aligns when relaxed, not when strict", () => {
    const spf = found("v=spf1 ?all");
    const orgKey = [
      { selector: "google", domain: "news.example.co.uk", source: "CONFIGURED" as const, lookup: none },
      { selector: "selector1", domain: "example.co.uk", source: "COMMON" as const, lookup: found(KEY) },
    ];
    const relaxed = judgeSendingDomain("news.example.co.uk", { spf, dmarc: none, orgDmarc: found("v=DMARC1; p=reject"), dkim: orgKey }, { spfIncludes: [] });
    expect(relaxed).toMatchObject({ alignment: "PASS", dkimAligned: true, dmarc: { inherited: true } });
    expect(relaxed.dkim.map((d) => [d.selector, d.domain, d.source, d.status, d.aligned])).toEqual([
      ["google", "news.example.co.uk", "CONFIGURED", "FAIL", false],
      ["selector1", "example.co.uk", "COMMON", "PASS", true],
    ]);
    const strict = judgeSendingDomain("news.example.co.uk", { spf, dmarc: none, orgDmarc: found("v=DMARC1; p=reject; adkim=s"), dkim: orgKey }, { spfIncludes: [] });
    expect(strict).toMatchObject({ alignment: "FAIL", dkimAligned: false });
    expect(strict.fixes).toContain(
      "The DKIM key at selector1._domainkey.example.co.uk is for example.co.uk, but the DMARC record of news.example.co.uk asks for strict DKIM alignment (adkim=s): sign with d=news.example.co.uk, or use adkim=r.",
    );
    expect(dmarcRefusal(strict)).toContain("neither SPF nor DKIM passes aligned with it");
  });
  it("probes the tenant's selectors and the common ones, under the domain and its organizational domain, and reports the common ones only when found", () => {
    const probes = dkimProbes("news.example.co.uk", ["custom"]);
    expect(probes.filter((p) => p.domain === "news.example.co.uk").map((p) => p.selector)).toEqual(["custom", ...COMMON_DKIM_SELECTORS]);
    expect(probes.filter((p) => p.domain === "example.co.uk")).toHaveLength(1 + COMMON_DKIM_SELECTORS.length);
    expect(dkimProbes("example.com", ["google"]).map((p) => p.selector)).toEqual([...COMMON_DKIM_SELECTORS]);
    const r = judgeSendingDomain(
      "example.com",
      { spf: found("v=spf1 -all"), dmarc: found("v=DMARC1; p=reject"), dkim: dkimProbes("example.com", ["custom"]).map((p) => ({ ...p, lookup: p.selector === "s1" ? found(KEY) : none })) },
      { spfIncludes: [] },
    );
    expect(r.dkim.map((d) => [d.selector, d.source, d.status])).toEqual([
      ["custom", "CONFIGURED", "FAIL"],
      ["s1", "COMMON", "PASS"],
    ]);
    expect(r.dkimAligned).toBe(true);
  });
});

describe("the whole domain", () => {
  const dkim = (lookup: TxtLookup) => [{ selector: "google", lookup }];
  it("aligned when DMARC exists and SPF or DKIM passes", () => {
    const good = judgeSendingDomain("good.example", { spf: found("v=spf1 include:_spf.google.com -all"), dmarc: found("v=DMARC1; p=quarantine"), dkim: dkim(found(KEY)) }, { spfIncludes: ["_spf.google.com"] });
    expect(good).toMatchObject({ alignment: "PASS", spfAligned: true, dkimAligned: true, fixes: [] });
    const dkimOnly = judgeSendingDomain("d.example", { spf: none, dmarc: found("v=DMARC1; p=reject"), dkim: dkim(found(KEY)) }, { spfIncludes: [] });
    expect(dkimOnly).toMatchObject({ alignment: "PASS", spfAligned: false, dkimAligned: true });
    expect(dkimOnly.fixes.join(" ")).toContain('Publish an SPF record: TXT d.example "v=spf1 ~all"');
  });
  it("fails without DMARC, or when neither SPF nor DKIM passes, saying what to fix", () => {
    const noDmarc = judgeSendingDomain("n.example", { spf: found("v=spf1 -all"), dmarc: none, dkim: dkim(found(KEY)) }, { spfIncludes: [] });
    expect(noDmarc.alignment).toBe("FAIL");
    expect(noDmarc.fixes).toEqual(['Publish a DMARC record: TXT _dmarc.n.example "v=DMARC1; p=quarantine; adkim=r; aspf=r".']);
    expect(dmarcRefusal(noDmarc)).toMatch(/^Not sent: the sending domain n\.example fails DMARC \(it has no valid DMARC record\)\. Publish a DMARC record/);
    const unaligned = judgeSendingDomain("u.example", { spf: found("v=spf1 ?all"), dmarc: found("v=DMARC1; p=reject"), dkim: dkim(none) }, { spfIncludes: [] });
    expect(unaligned.alignment).toBe("FAIL");
    expect(unaligned.fixes).toEqual([
      "End the SPF record of u.example with ~all or -all (it ends with ?all).",
      "No DKIM key at google._domainkey.u.example: turn on DKIM signing for u.example at the mail provider and publish its TXT record (or set deliverability.dkimSelectors to the selector in use).",
      "Neither SPF nor DKIM passes for u.example, so DMARC fails and receivers apply p=reject.",
    ]);
    expect(dmarcRefusal(unaligned)).toContain("neither SPF nor DKIM passes for it");
  });
  it("is UNKNOWN (never a refusal) when DNS does not answer", () => {
    expect(judgeSendingDomain("x.example", { spf: down, dmarc: down, dkim: dkim(down) }, { spfIncludes: [] }).alignment).toBe("UNKNOWN");
    // DMARC answered, but SPF/DKIM did not: cannot say it fails.
    expect(judgeSendingDomain("x.example", { spf: down, dmarc: found("v=DMARC1; p=reject"), dkim: dkim(none) }, { spfIncludes: [] }).alignment).toBe("UNKNOWN");
    // No DMARC record is a failure even when SPF did not answer.
    expect(judgeSendingDomain("x.example", { spf: down, dmarc: none, dkim: dkim(down) }, { spfIncludes: [] }).alignment).toBe("FAIL");
  });
  it("p=none passes but is reported", () => {
    const r = judgeSendingDomain("m.example", { spf: found("v=spf1 -all"), dmarc: found("v=DMARC1; p=none"), dkim: dkim(found(KEY)) }, { spfIncludes: [] });
    expect(r.alignment).toBe("PASS");
    expect(r.fixes).toEqual(["The DMARC policy of m.example is p=none (monitoring only); move to p=quarantine or p=reject once reports are clean."]);
  });
});
