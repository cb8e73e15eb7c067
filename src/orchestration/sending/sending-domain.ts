// SPF, DKIM and DMARC of the tenant's sending domains, looked up through DNS
// (DNS_SERVERS) and cached per domain and check settings (DNS is public, so
// the cache is shared by tenants; an unanswered check is kept a minute at
// most). At send time a domain whose DMARC check FAILs — the resolver
// answered and there is no DMARC record, or neither SPF nor DKIM passes — is
// refused when enforcement applies; a check that got no answer never blocks.
// A scheduled re-check (recheckSendingDomains, a pg-boss job per tenant)
// stores each domain's latest check and audits/events the day it newly fails
// DMARC or recovers; the send path goes by the newer of the cache and that.
import { randomUUID } from "node:crypto";
import { withTenant, type Prisma, type Tx } from "../../data/database.js";
import { QUEUES } from "../../data/job-queue.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { sendingDomainOf, type DeliverabilitySettings } from "../../domain/sending/deliverability.js";
import { dkimProbes, dmarcRefusal, judgeSendingDomain, noDmarcRecord, organizationalDomain, type SendingDomainReport } from "../../domain/sending/sending-domain.js";
import type { TenantSettings } from "../../domain/tenant/tenant.js";
import { ok } from "../../domain/user-error.js";
import { normaliseMailbox } from "../../domain/sending/sending.js";
import { txtResolver, type TxtResolver } from "../../integrations/dns/txt-resolver.js";
import type { Config } from "../../config/index.js";
import { tenantSettings } from "../draft/draft-state.js";
import type { Services } from "../services.js";
import { runUnitOfWork, type Actor } from "../unit-of-work.js";

export interface CheckedDomain extends SendingDomainReport {
  checkedAt: Date;
  /** True when this answer came from the cache. */
  cached: boolean;
}

interface Checker {
  resolver: TxtResolver;
  cache: Map<string, { report: CheckedDomain; expiresAt: number }>;
}

const checkers = new WeakMap<Config, Checker>();
const UNANSWERED_TTL_MS = 60_000;
const CACHE_LIMIT = 5_000;

function checkerFor(config: Config): Checker {
  let c = checkers.get(config);
  if (!c) {
    c = { resolver: txtResolver({ servers: config.DNS_SERVERS, timeoutMs: config.DNS_TIMEOUT_MS }), cache: new Map() };
    checkers.set(config, c);
  }
  return c;
}

export const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/** Checks one domain (cached); `fresh` skips the cache. */
export async function checkSendingDomain(
  services: Pick<Services, "config">,
  domain: string,
  settings: Pick<DeliverabilitySettings, "dkimSelectors" | "spfIncludes">,
  options: { fresh?: boolean; now?: Date } = {},
): Promise<CheckedDomain> {
  const checker = checkerFor(services.config);
  const name = domain.trim().toLowerCase().replace(/\.$/, "");
  const key = `${name}|${settings.dkimSelectors.join(",")}|${settings.spfIncludes.join(",")}`;
  const now = options.now ?? new Date();
  const hit = checker.cache.get(key);
  if (hit && !options.fresh && hit.expiresAt > now.getTime()) return { ...hit.report, cached: true };
  const probes = dkimProbes(name, settings.dkimSelectors);
  const org = organizationalDomain(name);
  const [spf, dmarc, ...dkim] = await Promise.all([
    checker.resolver.lookup(name),
    checker.resolver.lookup(`_dmarc.${name}`),
    ...probes.map((p) => checker.resolver.lookup(`${p.selector}._domainkey.${p.domain}`)),
  ]);
  // No DMARC record of its own: the organizational domain's applies (RFC 7489 §6.6.3).
  const orgDmarc = org !== name && noDmarcRecord(dmarc!) ? await checker.resolver.lookup(`_dmarc.${org}`) : null;
  const report: CheckedDomain = {
    ...judgeSendingDomain(name, { spf: spf!, dmarc: dmarc!, orgDmarc, dkim: probes.map((p, i) => ({ ...p, lookup: dkim[i]! })) }, { spfIncludes: settings.spfIncludes }),
    checkedAt: now,
    cached: false,
  };
  const unanswered = report.spf.status === "UNKNOWN" || report.dmarc.status === "UNKNOWN" || report.dkim.some((d) => d.status === "UNKNOWN");
  const ttl = Math.min(services.config.DNS_CHECK_CACHE_SECONDS * 1000, unanswered ? UNANSWERED_TTL_MS : Infinity);
  if (ttl > 0) {
    if (checker.cache.size >= CACHE_LIMIT) checker.cache.delete(checker.cache.keys().next().value!);
    checker.cache.set(key, { report, expiresAt: now.getTime() + ttl });
  }
  return report;
}

/** The sendingDomainCheck query: one domain with the tenant's selectors and includes. */
export async function readSendingDomainCheck(services: Services, actor: Actor, domain: string, fresh: boolean): Promise<CheckedDomain> {
  const { tenantId, userId } = actor.principal;
  const settings = await withTenant(services.db.prisma, { tenantId, userId }, (tx) => tenantSettings(tx, tenantId));
  return checkSendingDomain(services, domain, settings.deliverability, { fresh });
}

/** Every domain the tenant sends from: its configured mailboxes' and those of the last 30 days' sends (at most 50). */
async function tenantSendingDomains(tx: Tx, settings: TenantSettings, now: Date): Promise<string[]> {
  const recent = await tx.emailSend.findMany({ where: { reservedAt: { gt: new Date(now.getTime() - 30 * 86_400_000) } }, distinct: ["mailbox"], select: { mailbox: true }, take: 200 });
  return [...new Set([...settings.sending.mailboxes, ...recent.map((r) => r.mailbox)].map((m) => sendingDomainOf(normaliseMailbox(m))))].filter((d) => DOMAIN_NAME.test(d)).sort().slice(0, 50);
}

/**
 * The sendingDomains query: every domain the tenant sends from (configured
 * mailboxes and recent sends), each as the send path sees it (the newer of the
 * cache and the stored re-check) with since when it fails DMARC.
 */
export async function readSendingDomains(services: Services, actor: Actor): Promise<Array<CheckedDomain & { failingSince: Date | null }>> {
  const { tenantId, userId } = actor.principal;
  const { settings, domains } = await withTenant(services.db.prisma, { tenantId, userId }, async (tx) => {
    const settings = await tenantSettings(tx, tenantId);
    return { settings, domains: await tenantSendingDomains(tx, settings, new Date()) };
  });
  const live = await Promise.all(domains.map((d) => checkSendingDomain(services, d, settings.deliverability)));
  const stored = await withTenant(services.db.prisma, { tenantId, userId }, (tx) =>
    tx.sendingDomainCheck.findMany({ where: { domain: { in: domains } }, select: { domain: true, report: true, checkedAt: true, failingSince: true } }),
  );
  const byDomain = new Map(stored.map((r) => [r.domain, r]));
  return live.map((check) => {
    const row = byDomain.get(check.domain);
    const current = row && row.checkedAt > check.checkedAt ? { ...(row.report as unknown as SendingDomainReport), checkedAt: row.checkedAt, cached: true } : check;
    return { ...current, failingSince: row?.failingSince ?? null };
  });
}

/**
 * The check a send goes by: the cached (or fresh) one, unless the scheduled
 * re-check stored a newer one — another instance may have run it — so a
 * domain that newly fails DMARC is refused from the re-check on, and one that
 * recovered sends again, on every instance.
 */
export async function currentDomainCheck(
  services: Pick<Services, "config">,
  tx: Tx,
  domain: string,
  settings: Pick<DeliverabilitySettings, "dkimSelectors" | "spfIncludes">,
): Promise<CheckedDomain> {
  const live = await checkSendingDomain(services, domain, settings);
  const stored = await tx.sendingDomainCheck.findFirst({ where: { domain: live.domain }, select: { report: true, checkedAt: true } });
  return newerDomainCheck(live, stored);
}

/** The same judgement for a transaction on the SQL lane (the batch send path), which has no Prisma delegates. */
export async function currentDomainCheckSql(
  services: Pick<Services, "config">,
  sql: <R>(text: string, values?: unknown[]) => Promise<R[]>,
  domain: string,
  settings: Pick<DeliverabilitySettings, "dkimSelectors" | "spfIncludes">,
): Promise<CheckedDomain> {
  const live = await checkSendingDomain(services, domain, settings);
  const [stored] = await sql<{ report: unknown; checkedAt: Date }>(`SELECT "report", "checkedAt" FROM "SendingDomainCheck" WHERE "domain" = $1 LIMIT 1`, [live.domain]);
  return newerDomainCheck(live, stored ?? null);
}

/** This instance's lookup, or the stored scheduled re-check when it is newer (another instance may have run it). */
function newerDomainCheck(live: CheckedDomain, stored: { report: unknown; checkedAt: Date } | null): CheckedDomain {
  if (stored && stored.checkedAt > live.checkedAt) return { ...(stored.report as unknown as SendingDomainReport), checkedAt: stored.checkedAt, cached: true };
  return live;
}

// ---- scheduled re-checks -------------------------------------------------------------------

export interface SendingDomainRecheckJob {
  tenantId: string;
  /** Re-check every domain now, whatever deliverability.dnsRecheckHours says (a manual run). */
  force?: boolean;
}

export interface SendingDomainRecheckResult {
  checked: string[];
  /** Domains that newly fail DMARC, and those that pass again. */
  failed: string[];
  recovered: string[];
}

/** A sweep every hour is as fine as the setting's hours need; DNS_RECHECK_CRON can change it. */
const DUE_SLACK_MS = 10 * 60_000;

function recheckActor(tenantId: string): Actor {
  return { principal: agentPrincipal(tenantId, "deliverability"), meta: { requestId: randomUUID(), traceId: null } };
}

/**
 * Re-checks the tenant's sending domains whose stored check is older than
 * deliverability.dnsRecheckHours (all of them with `force`), through DNS
 * afresh (which also renews this instance's cache), and stores each result
 * with checkedAt. A domain whose answered check newly fails DMARC gets
 * failingSince, an audit entry and sales.sending.domain_dmarc_failed — the
 * send path refuses it from now on (currentDomainCheck) when enforcement
 * applies; one that passes again gets sales.sending.domain_dmarc_recovered.
 * A check DNS did not answer changes neither.
 */
export async function recheckSendingDomains(services: Services, job: SendingDomainRecheckJob, now: Date = new Date()): Promise<SendingDomainRecheckResult> {
  const { tenantId } = job;
  const { settings, due } = await withTenant(services.db.prisma, { tenantId }, async (tx) => {
    const settings = await tenantSettings(tx, tenantId);
    const domains = await tenantSendingDomains(tx, settings, now);
    const stored = await tx.sendingDomainCheck.findMany({ where: { domain: { in: domains } }, select: { domain: true, checkedAt: true } });
    const last = new Map(stored.map((r) => [r.domain, r.checkedAt.getTime()]));
    const dueBefore = now.getTime() - settings.deliverability.dnsRecheckHours * 3_600_000 + DUE_SLACK_MS;
    return { settings, due: domains.filter((d) => job.force || (last.get(d) ?? 0) <= dueBefore) };
  });
  const result: SendingDomainRecheckResult = { checked: [], failed: [], recovered: [] };
  if (!due.length) return result;
  // DNS outside the transaction: lookups may take seconds.
  const reports = await Promise.all(due.map((d) => checkSendingDomain(services, d, settings.deliverability, { fresh: true, now })));
  const outcome = await runUnitOfWork(services, recheckActor(tenantId), async (uow) => {
    // Re-checks of one tenant take turns: each change is audited and evented once.
    await uow.tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`domain-recheck:${tenantId}`}, 0))`;
    for (const { cached: _cached, checkedAt, ...report } of reports) {
      const previous = await uow.tx.sendingDomainCheck.findUnique({ where: { tenantId_domain: { tenantId, domain: report.domain } } });
      if (previous && previous.checkedAt > checkedAt) continue;
      let failingSince = previous?.failingSince ?? null;
      let change: "FAILED" | "RECOVERED" | null = null;
      if (report.alignment === "FAIL" && !failingSince) [failingSince, change] = [checkedAt, "FAILED"];
      else if (report.alignment === "PASS" && failingSince) [failingSince, change] = [null, "RECOVERED"];
      const data = { alignment: report.alignment, report: report as unknown as Prisma.InputJsonValue, checkedAt, failingSince };
      await uow.tx.sendingDomainCheck.upsert({ where: { tenantId_domain: { tenantId, domain: report.domain } }, create: { tenantId, domain: report.domain, ...data }, update: data });
      result.checked.push(report.domain);
      if (change === "FAILED") {
        const reason = dmarcRefusal(report);
        const summary = { domain: report.domain, reason, fixes: report.fixes, checkedAt: checkedAt.toISOString(), enforceDmarc: settings.deliverability.enforceDmarc };
        await uow.audit({ action: "sending.domain_dmarc_failed", targetType: "SendingDomain", targetId: report.domain, summary });
        await uow.emit("sales.sending.domain_dmarc_failed", summary);
        result.failed.push(report.domain);
      } else if (change === "RECOVERED") {
        const summary = { domain: report.domain, failingSince: previous!.failingSince!.toISOString(), checkedAt: checkedAt.toISOString() };
        await uow.audit({ action: "sending.domain_dmarc_recovered", targetType: "SendingDomain", targetId: report.domain, summary });
        await uow.emit("sales.sending.domain_dmarc_recovered", summary);
        result.recovered.push(report.domain);
      }
    }
    return ok(result);
  });
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join(" "));
  return outcome.value;
}

/** The sweep (DNS_RECHECK_CRON): one re-check job per tenant; each decides which of its domains are due. */
export async function enqueueDomainRechecksForAllTenants(services: Services): Promise<number> {
  const tenants = await services.db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  for (const { id: tenantId } of tenants) await services.jobs.send(QUEUES.sendingDomainRecheck.name, { tenantId } satisfies SendingDomainRecheckJob, { singletonKey: tenantId });
  return tenants.length;
}

/**
 * Whether DMARC enforcement applies to a send through `transport`: ALWAYS,
 * NEVER, or AUTO — only when the message really leaves (not the local outbox,
 * which is the demo's and the tests' transport and reaches nobody).
 */
export function dmarcEnforced(settings: Pick<DeliverabilitySettings, "enforceDmarc">, transportName: string): boolean {
  if (settings.enforceDmarc === "NEVER") return false;
  if (settings.enforceDmarc === "ALWAYS") return true;
  return transportName !== "local";
}
