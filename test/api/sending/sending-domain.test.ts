// SPF, DKIM and DMARC of sending domains through Node's resolver pointed at a
// local DNS server (dns2 on 127.0.0.1, DNS_SERVERS): each record case is
// reported with what to fix, answers are cached, and a send from a domain
// that fails DMARC is refused with the reason — while a domain whose DNS does
// not answer is never blocked, and AUTO (the default) leaves the local outbox alone.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";
import { startFakeDns, type FakeDns } from "../../fakes/dns/server.js";
import { QUEUES } from "../../../src/data/job-queue.js";
import { withTenant } from "../../../src/data/database.js";
import { currentDomainCheck, recheckSendingDomains } from "../../../src/orchestration/sending/sending-domain.js";

const Check = graphql(`
  query SendingDomainTestCheck($domain: String!, $fresh: Boolean) {
    sendingDomainCheck(domain: $domain, fresh: $fresh) {
      domain alignment spfAligned dkimAligned fixes cached
      spf { status record all missingIncludes }
      dkim { selector status }
      dmarc { status policy aspf adkim pct }
    }
  }
`);
const CheckInherited = graphql(`
  query SendingDomainTestCheckInherited($domain: String!) {
    sendingDomainCheck(domain: $domain) {
      domain alignment dkimAligned fixes
      dkim { selector domain source status aligned }
      dmarc { status policy adkim organizationalDomain foundAt inherited }
    }
  }
`);
const DomainsFailing = graphql(`
  query SendingDomainTestDomainsFailing {
    sendingDomains { domain alignment failingSince }
  }
`);
const Domains = graphql(`
  query SendingDomainTestDomains {
    sendingDomains { domain alignment }
  }
`);
const CreateDraft = graphql(`
  mutation SendingDomainTestCreate($input: DraftCreateInput!) {
    draftCreate(input: $input) { draft { id } userErrors { code message } }
  }
`);
const ApproveDraft = graphql(`
  mutation SendingDomainTestApprove($input: DraftApproveInput!) {
    draftApprove(input: $input) { draft { id } userErrors { code } }
  }
`);
const SendDraft = graphql(`
  mutation SendingDomainTestSend($input: DraftSendInput!) {
    draftSend(input: $input) { draft { id status } userErrors { code message } }
  }
`);

const KEY = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAq1";
const BODY = "Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";

// Real sends through the worker on a loaded machine: generous time per test.
vi.setConfig({ testTimeout: 120_000 });

let dns: FakeDns;
let t: TestApp;
let strict: TestTenant;
let auto: TestTenant;
let recheck: TestTenant;
let n = 0;

beforeAll(async () => {
  dns = await startFakeDns({
    records: {
      "good.example": ["google-site-verification=x", "v=spf1 include:_spf.google.com ~all"],
      "_dmarc.good.example": [["v=DMARC1; p=reject; ", "adkim=s; aspf=r; pct=100"]],
      "google._domainkey.good.example": [KEY],
      // SPF and DKIM fine, no DMARC record (NXDOMAIN for _dmarc).
      "nodmarc.example": ["v=spf1 include:_spf.google.com -all"],
      "google._domainkey.nodmarc.example": [KEY],
      // DMARC present; SPF ends in ?all and lacks the include, no DKIM key: nothing aligns.
      "unaligned.example": ["v=spf1 ip4:192.0.2.1 ?all"],
      "_dmarc.unaligned.example": ["v=DMARC1; p=quarantine"],
      // A subdomain without a DMARC record of its own: the organizational domain's applies, with its sp=.
      "news.parent.co.uk": ["v=spf1 include:_spf.google.com ~all"],
      "_dmarc.parent.co.uk": ["v=DMARC1; p=reject; sp=quarantine"],
      // Keys only under the organizational domain (a common selector): aligned when relaxed, not when strict.
      "mail.relaxedorg.example": ["v=spf1 ?all"],
      "_dmarc.relaxedorg.example": ["v=DMARC1; p=reject"],
      "selector1._domainkey.relaxedorg.example": [KEY],
      "mail.strictorg.example": ["v=spf1 ?all"],
      "_dmarc.strictorg.example": ["v=DMARC1; p=reject; adkim=s"],
      "selector1._domainkey.strictorg.example": [KEY],
      // A key under a common selector the tenant did not configure.
      "common.example": ["v=spf1 ?all"],
      "_dmarc.common.example": ["v=DMARC1; p=reject"],
      "s1._domainkey.common.example": [KEY],
      // The re-check's domain: passes until its DMARC record goes, and again when it is back.
      "flip.example": ["v=spf1 include:_spf.google.com -all"],
      "_dmarc.flip.example": ["v=DMARC1; p=reject"],
      "google._domainkey.flip.example": [KEY],
    },
  });
  for (const name of ["broken.example", "_dmarc.broken.example", "google._domainkey.broken.example"]) dns.servfail.add(name);
  t = await startOperatorApp({ workers: 1, env: { DNS_SERVERS: dns.server, DNS_TIMEOUT_MS: "1000", DNS_CHECK_CACHE_SECONDS: "600" } });
  strict = await createTenant(t, "dns-strict");
  auto = await createTenant(t, "dns-auto");
  const mailboxes = ["sam@good.example", "sam@nodmarc.example", "sam@unaligned.example", "sam@broken.example"];
  await patchSettings(t.db, strict.tenantId, {
    sending: { mode: "SEND_ALLOWED", mailboxes },
    deliverability: { enforceDmarc: "ALWAYS", spfIncludes: ["_spf.google.com"] },
  });
  await patchSettings(t.db, auto.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes } });
  recheck = await createTenant(t, "dns-recheck");
  await patchSettings(t.db, recheck.tenantId, {
    sending: { mode: "SEND_ALLOWED", mailboxes: ["sam@flip.example"] },
    deliverability: { enforceDmarc: "ALWAYS", spfIncludes: ["_spf.google.com"], dnsRecheckHours: 24 },
  });
});
afterAll(async () => {
  await t?.close();
  await dns?.close();
});

async function sendFrom(tenant: TestTenant, mailbox: string): Promise<string> {
  const contactId = await insertContact(t.db, tenant.tenantId, { email: `buyer${++n}@firm${n}.example` });
  const created = await executeOk(
    t.graphqlUrl,
    CreateDraft,
    { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: "Follow-up on the pilot", bodyText: BODY, mailbox } },
    { token: tenant.members.OPERATOR.token },
  );
  expect(created.draftCreate.userErrors).toEqual([]);
  const id = created.draftCreate.draft!.id;
  await executeOk(t.graphqlUrl, ApproveDraft, { input: { draftId: id } }, { token: tenant.members.OPERATOR.token });
  const sent = await executeOk(t.graphqlUrl, SendDraft, { input: { draftId: id } }, { token: tenant.members.OPERATOR.token });
  expect(sent.draftSend.userErrors).toEqual([]);
  return Buffer.from(id, "base64").toString().split(":")[1]!;
}

const finished = (draftId: string) =>
  waitFor(async () => {
    const [row] = await sql<{ status: string; failureReason: string | null; lastError: string | null }>(t.db, `SELECT "status", "failureReason", "lastError" FROM "Draft" WHERE "id" = $1`, [draftId]);
    return row && (row.status === "SENT" || row.status === "FAILED") ? row : null;
  }, 30_000, `draft ${draftId} sent or failed`);

describe("sendingDomainCheck", () => {
  it("passes a domain with SPF, DKIM and DMARC, and reports the policy and alignment modes", async () => {
    const r = await executeOk(t.graphqlUrl, Check, { domain: "Good.Example." }, { token: strict.members.ANALYST.token });
    expect(r.sendingDomainCheck).toEqual({
      domain: "good.example",
      alignment: "PASS",
      spfAligned: true,
      dkimAligned: true,
      fixes: [],
      cached: false,
      spf: { status: "PASS", record: "v=spf1 include:_spf.google.com ~all", all: "~all", missingIncludes: [] },
      dkim: [{ selector: "google", status: "PASS" }],
      dmarc: { status: "PASS", policy: "reject", aspf: "r", adkim: "s", pct: 100 },
    });
  });

  it("fails a domain without DMARC, and one where neither SPF nor DKIM passes, saying what to fix", async () => {
    const none = (await executeOk(t.graphqlUrl, Check, { domain: "nodmarc.example" }, { token: strict.members.ANALYST.token })).sendingDomainCheck;
    expect(none).toMatchObject({ alignment: "FAIL", spfAligned: true, dkimAligned: true, dmarc: { status: "FAIL", policy: null } });
    expect(none.fixes).toEqual(['Publish a DMARC record: TXT _dmarc.nodmarc.example "v=DMARC1; p=quarantine; adkim=r; aspf=r".']);

    const un = (await executeOk(t.graphqlUrl, Check, { domain: "unaligned.example" }, { token: strict.members.ANALYST.token })).sendingDomainCheck;
    expect(un).toMatchObject({
      alignment: "FAIL",
      spfAligned: false,
      dkimAligned: false,
      spf: { status: "FAIL", all: "?all", missingIncludes: ["_spf.google.com"] },
      dkim: [{ selector: "google", status: "FAIL" }],
      dmarc: { status: "PASS", policy: "quarantine" },
    });
    expect(un.fixes).toEqual([
      "Add include:_spf.google.com to the SPF record of unaligned.example, so the sending service may send for it.",
      "End the SPF record of unaligned.example with ~all or -all (it ends with ?all).",
      "No DKIM key at google._domainkey.unaligned.example: turn on DKIM signing for unaligned.example at the mail provider and publish its TXT record (or set deliverability.dkimSelectors to the selector in use).",
      "Neither SPF nor DKIM passes for unaligned.example, so DMARC fails and receivers apply p=quarantine.",
    ]);
  });

  it("reports UNKNOWN when the DNS server fails, and a domain that does not exist as missing records", async () => {
    const broken = (await executeOk(t.graphqlUrl, Check, { domain: "broken.example" }, { token: strict.members.ANALYST.token })).sendingDomainCheck;
    expect(broken).toMatchObject({ alignment: "UNKNOWN", spf: { status: "UNKNOWN" }, dmarc: { status: "UNKNOWN" }, dkim: [{ status: "UNKNOWN" }] });
    expect(broken.fixes[0]).toBe("DNS did not answer for broken.example; the check is incomplete and will be repeated.");
    const nowhere = (await executeOk(t.graphqlUrl, Check, { domain: "nowhere.example" }, { token: strict.members.ANALYST.token })).sendingDomainCheck;
    expect(nowhere).toMatchObject({ alignment: "FAIL", spf: { status: "FAIL", record: null }, dmarc: { status: "FAIL" } });
  });

  it("caches answers per domain; fresh asks DNS again", async () => {
    const before = dns.queries.get("_dmarc.good.example") ?? 0;
    const again = await executeOk(t.graphqlUrl, Check, { domain: "good.example" }, { token: strict.members.ANALYST.token });
    expect(again.sendingDomainCheck.cached).toBe(true);
    expect(dns.queries.get("_dmarc.good.example") ?? 0).toBe(before);
    dns.setTxt("_dmarc.good.example", ["v=DMARC1; p=none"]);
    const fresh = await executeOk(t.graphqlUrl, Check, { domain: "good.example", fresh: true }, { token: strict.members.ANALYST.token });
    expect(fresh.sendingDomainCheck).toMatchObject({ cached: false, alignment: "PASS", dmarc: { policy: "none" } });
    expect(fresh.sendingDomainCheck.fixes).toEqual(["The DMARC policy of good.example is p=none (monitoring only); move to p=quarantine or p=reject once reports are clean."]);
    expect(dns.queries.get("_dmarc.good.example")).toBe(before + 1);
    dns.setTxt("_dmarc.good.example", [["v=DMARC1; p=reject; ", "adkim=s; aspf=r; pct=100"]]);
    await executeOk(t.graphqlUrl, Check, { domain: "good.example", fresh: true }, { token: strict.members.ANALYST.token });
  });

  it("falls back to the organizational domain's DMARC record (Public Suffix List) when a subdomain has none, with its sp= policy", async () => {
    const r = (await executeOk(t.graphqlUrl, CheckInherited, { domain: "news.parent.co.uk" }, { token: strict.members.ANALYST.token })).sendingDomainCheck;
    expect(r).toMatchObject({
      alignment: "PASS",
      dmarc: { status: "PASS", policy: "quarantine", organizationalDomain: "parent.co.uk", foundAt: "_dmarc.parent.co.uk", inherited: true },
    });
    // It asked the subdomain first, then the organizational domain.
    expect(dns.queries.get("_dmarc.news.parent.co.uk")).toBe(1);
    expect(dns.queries.get("_dmarc.parent.co.uk")).toBe(1);
  });

  it("judges a key of the organizational domain by adkim: aligned when relaxed, not when strict (and says so)", async () => {
    const relaxed = (await executeOk(t.graphqlUrl, CheckInherited, { domain: "mail.relaxedorg.example" }, { token: strict.members.ANALYST.token })).sendingDomainCheck;
    expect(relaxed).toMatchObject({ alignment: "PASS", dkimAligned: true, dmarc: { inherited: true, adkim: "r" } });
    expect(relaxed.dkim).toEqual([
      { selector: "google", domain: "mail.relaxedorg.example", source: "CONFIGURED", status: "FAIL", aligned: false },
      { selector: "selector1", domain: "relaxedorg.example", source: "COMMON", status: "PASS", aligned: true },
    ]);
    const strictly = (await executeOk(t.graphqlUrl, CheckInherited, { domain: "mail.strictorg.example" }, { token: strict.members.ANALYST.token })).sendingDomainCheck;
    expect(strictly).toMatchObject({ alignment: "FAIL", dkimAligned: false, dmarc: { inherited: true, adkim: "s" } });
    expect(strictly.dkim).toContainEqual({ selector: "selector1", domain: "strictorg.example", source: "COMMON", status: "PASS", aligned: false });
    expect(strictly.fixes).toContain(
      "The DKIM key at selector1._domainkey.strictorg.example is for strictorg.example, but the DMARC record of mail.strictorg.example asks for strict DKIM alignment (adkim=s): sign with d=mail.strictorg.example, or use adkim=r.",
    );
  });

  it("probes the common DKIM selectors besides the tenant's and reports the ones found", async () => {
    const r = (await executeOk(t.graphqlUrl, CheckInherited, { domain: "common.example" }, { token: strict.members.ANALYST.token })).sendingDomainCheck;
    expect(r).toMatchObject({ alignment: "PASS", dkimAligned: true, dmarc: { inherited: false, foundAt: "_dmarc.common.example" } });
    expect(r.dkim).toEqual([
      { selector: "google", domain: "common.example", source: "CONFIGURED", status: "FAIL", aligned: false },
      { selector: "s1", domain: "common.example", source: "COMMON", status: "PASS", aligned: true },
    ]);
    for (const selector of ["selector1", "selector2", "k1", "default", "mail", "dkim"]) expect(dns.queries.get(`${selector}._domainkey.common.example`), selector).toBe(1);
  });

  it("refuses what is not a domain name", async () => {
    for (const domain of ["not a domain", "", "a..b", "x".repeat(300) + ".example", "localhost"]) {
      const r = await execute(t.graphqlUrl, Check, { domain }, { token: strict.members.ANALYST.token });
      expect(r.errors?.[0]?.extensions?.code, domain).toBe("BAD_USER_INPUT");
    }
  });

  it("sendingDomains lists every domain the tenant sends from", async () => {
    const r = await executeOk(t.graphqlUrl, Domains, {}, { token: strict.members.OPERATOR.token });
    expect(r.sendingDomains).toEqual([
      { domain: "broken.example", alignment: "UNKNOWN" },
      { domain: "good.example", alignment: "PASS" },
      { domain: "nodmarc.example", alignment: "FAIL" },
      { domain: "unaligned.example", alignment: "FAIL" },
    ]);
  });
});

describe("DMARC at send time", () => {
  it("ALWAYS: refuses a failing domain with the reason, sends from a passing one, never blocks on no answer", async () => {
    const good = await sendFrom(strict, "sam@good.example");
    const nodmarc = await sendFrom(strict, "sam@nodmarc.example");
    const unaligned = await sendFrom(strict, "sam@unaligned.example");
    const broken = await sendFrom(strict, "sam@broken.example");
    expect(await finished(good)).toMatchObject({ status: "SENT" });
    expect(await finished(broken)).toMatchObject({ status: "SENT" });
    const refused = await finished(nodmarc);
    expect(refused).toMatchObject({ status: "FAILED", lastError: "DMARC_NOT_ALIGNED" });
    expect(refused.failureReason).toBe(
      'Not sent: the sending domain nodmarc.example fails DMARC (it has no valid DMARC record). Publish a DMARC record: TXT _dmarc.nodmarc.example "v=DMARC1; p=quarantine; adkim=r; aspf=r".',
    );
    const refused2 = await finished(unaligned);
    expect(refused2).toMatchObject({ status: "FAILED", lastError: "DMARC_NOT_ALIGNED" });
    expect(refused2.failureReason).toMatch(/^Not sent: the sending domain unaligned\.example fails DMARC \(neither SPF nor DKIM passes for it, so DMARC alignment fails\)\. Add include:_spf\.google\.com/);
    // Nothing of the refused ones reached the outbox.
    const out = await sql<{ draftId: string }>(t.db, `SELECT "draftId" FROM "OutboxMessage" WHERE "tenantId" = $1`, [strict.tenantId]);
    expect(out.map((o) => o.draftId).sort()).toEqual([good, broken].sort());
  });

  it("AUTO (the default) does not hold the local outbox to DMARC: nothing leaves it", async () => {
    const d = await sendFrom(auto, "sam@nodmarc.example");
    expect(await finished(d)).toMatchObject({ status: "SENT" });
  });
});

describe("scheduled DNS re-check of sending domains", () => {
  const stored = async () =>
    (await sql<{ alignment: string; checkedAt: Date; failingSince: Date | null; report: Record<string, unknown> }>(t.db, `SELECT "alignment", "checkedAt", "failingSince", "report" FROM "SendingDomainCheck" WHERE "tenantId" = $1 AND "domain" = 'flip.example'`, [
      recheck.tenantId,
    ]))[0] ?? null;
  const events = async (type: string) => sql<{ payload: Record<string, unknown> }>(t.db, `SELECT "payload" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = $2`, [recheck.tenantId, type]);
  const audits = async (action: string) => sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = $2 AND "targetId" = 'flip.example'`, [recheck.tenantId, action]);
  /** Runs the tenant's re-check job through its queue (the worker behind workTenantQueue) and waits for a newer stored check. */
  async function recheckThroughQueue(force: boolean): Promise<NonNullable<Awaited<ReturnType<typeof stored>>>> {
    const before = (await stored())?.checkedAt.getTime() ?? 0;
    await t.app.services.jobs.send(QUEUES.sendingDomainRecheck.name, { tenantId: recheck.tenantId, force });
    return waitFor(async () => {
      const row = await stored();
      return row && row.checkedAt.getTime() > before ? row : null;
    }, 30_000, "a newer stored check of flip.example");
  }

  it("stores each domain's check with checkedAt; a domain that newly fails DMARC is refused from then on, with an audit entry and an event, and sends again when it recovers", async () => {
    const first = await recheckThroughQueue(false);
    expect(first).toMatchObject({ alignment: "PASS", failingSince: null, report: { domain: "flip.example", alignment: "PASS" } });
    expect(await finished(await sendFrom(recheck, "sam@flip.example"))).toMatchObject({ status: "SENT" });

    // Not due yet (checked within deliverability.dnsRecheckHours): a scheduled run leaves it alone.
    expect(await recheckSendingDomains(t.app.services, { tenantId: recheck.tenantId })).toEqual({ checked: [], failed: [], recovered: [] });

    // The DMARC record goes; the next re-check finds it and the refusal takes effect.
    dns.setTxt("_dmarc.flip.example", null);
    const failing = await recheckThroughQueue(true);
    expect(failing.alignment).toBe("FAIL");
    expect(failing.failingSince?.getTime()).toBe(failing.checkedAt.getTime());
    const [failed] = await events("sales.sending.domain_dmarc_failed");
    expect(failed!.payload).toMatchObject({ domain: "flip.example", enforceDmarc: "ALWAYS" });
    expect(failed!.payload.reason).toMatch(/^Not sent: the sending domain flip\.example fails DMARC \(it has no valid DMARC record\)/);
    expect(await audits("sending.domain_dmarc_failed")).toHaveLength(1);
    const refused = await finished(await sendFrom(recheck, "sam@flip.example"));
    expect(refused).toMatchObject({ status: "FAILED", lastError: "DMARC_NOT_ALIGNED" });
    // sendingDomains shows it as the send path sees it, with since when it fails.
    const listed = (await executeOk(t.graphqlUrl, DomainsFailing, {}, { token: recheck.members.ANALYST.token })).sendingDomains;
    expect(listed).toEqual([{ domain: "flip.example", alignment: "FAIL", failingSince: failing.failingSince!.toISOString() }]);

    // Still failing at the next re-check: no second event.
    const again = await recheckThroughQueue(true);
    expect(again.failingSince?.getTime()).toBe(failing.failingSince!.getTime());
    expect(await events("sales.sending.domain_dmarc_failed")).toHaveLength(1);

    // Back: the re-check says it recovered, and sends go out again.
    dns.setTxt("_dmarc.flip.example", ["v=DMARC1; p=reject"]);
    const recovered = await recheckThroughQueue(true);
    expect(recovered).toMatchObject({ alignment: "PASS", failingSince: null });
    const [back] = await events("sales.sending.domain_dmarc_recovered");
    expect(back!.payload).toMatchObject({ domain: "flip.example", failingSince: failing.failingSince!.toISOString() });
    expect(await audits("sending.domain_dmarc_recovered")).toHaveLength(1);
    expect(await finished(await sendFrom(recheck, "sam@flip.example"))).toMatchObject({ status: "SENT" });
    expect((await executeOk(t.graphqlUrl, DomainsFailing, {}, { token: recheck.members.ANALYST.token })).sendingDomains).toEqual([{ domain: "flip.example", alignment: "PASS", failingSince: null }]);
  });

  it("a DNS failure changes nothing: a domain is neither failed nor recovered on no answer", async () => {
    dns.servfail.add("flip.example");
    dns.servfail.add("_dmarc.flip.example");
    try {
      const row = await recheckThroughQueue(true);
      expect(row).toMatchObject({ alignment: "UNKNOWN", failingSince: null });
      expect(await events("sales.sending.domain_dmarc_failed")).toHaveLength(1);
    } finally {
      dns.servfail.delete("flip.example");
      dns.servfail.delete("_dmarc.flip.example");
    }
  });

  it("the send path goes by a stored check newer than this instance's cache (another instance's re-check)", async () => {
    const settings = { dkimSelectors: ["google"], spfIncludes: ["_spf.google.com"] };
    const current = () => withTenant(t.app.services.db.prisma, { tenantId: recheck.tenantId }, (tx) => currentDomainCheck(t.app.services, tx, "flip.example", settings));
    expect(await recheckThroughQueue(true)).toMatchObject({ alignment: "PASS" });
    expect(await current()).toMatchObject({ alignment: "PASS" });
    const row = (await stored())!;
    await sql(t.db, `UPDATE "SendingDomainCheck" SET "alignment" = 'FAIL', "report" = jsonb_set("report", '{alignment}', '"FAIL"'), "checkedAt" = now() + interval '1 minute' WHERE "tenantId" = $1 AND "domain" = 'flip.example'`, [
      recheck.tenantId,
    ]);
    expect(await current()).toMatchObject({ alignment: "FAIL", domain: "flip.example" });
    await sql(t.db, `UPDATE "SendingDomainCheck" SET "alignment" = $2, "report" = $3::jsonb, "checkedAt" = $4 WHERE "tenantId" = $1 AND "domain" = 'flip.example'`, [
      recheck.tenantId,
      row.alignment,
      JSON.stringify(row.report),
      row.checkedAt,
    ]);
  });

  it("each tenant sees only its own stored checks, and a re-check touches only its tenant's", async () => {
    const rows = (tenantId: string) => withTenant(t.app.services.db.prisma, { tenantId }, (tx) => tx.sendingDomainCheck.findMany({ select: { tenantId: true, domain: true } }));
    expect((await rows(recheck.tenantId)).map((r) => r.domain)).toEqual(["flip.example"]);
    expect(await rows(strict.tenantId)).toEqual([]);
    await recheckSendingDomains(t.app.services, { tenantId: strict.tenantId, force: true });
    const strictRows = await rows(strict.tenantId);
    expect(strictRows.map((r) => r.domain).sort()).toEqual(["broken.example", "good.example", "nodmarc.example", "unaligned.example"]);
    expect(strictRows.every((r) => r.tenantId === strict.tenantId)).toBe(true);
    expect((await rows(recheck.tenantId)).map((r) => r.domain)).toEqual(["flip.example"]);
  });
});
