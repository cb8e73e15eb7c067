// SPF, DKIM and DMARC of the tenant's sending domains, looked up through DNS
// (DNS_SERVERS) and cached per domain and check settings (DNS is public, so
// the cache is shared by tenants; an unanswered check is kept a minute at
// most). At send time a domain whose DMARC check FAILs — the resolver
// answered and there is no DMARC record, or neither SPF nor DKIM passes — is
// refused when enforcement applies; a check that got no answer never blocks.
import { withTenant } from "../../data/database.js";
import { sendingDomainOf, type DeliverabilitySettings } from "../../domain/sending/deliverability.js";
import { dkimProbes, judgeSendingDomain, noDmarcRecord, organizationalDomain, type SendingDomainReport } from "../../domain/sending/sending-domain.js";
import { normaliseMailbox } from "../../domain/sending/sending.js";
import { txtResolver, type TxtResolver } from "../../integrations/dns/txt-resolver.js";
import type { Config } from "../../config/index.js";
import { tenantSettings } from "../draft/draft-state.js";
import type { Services } from "../services.js";
import type { Actor } from "../unit-of-work.js";

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

/** The sendingDomains query: every domain the tenant sends from (configured mailboxes and recent sends). */
export async function readSendingDomains(services: Services, actor: Actor): Promise<CheckedDomain[]> {
  const { tenantId, userId } = actor.principal;
  const { settings, domains } = await withTenant(services.db.prisma, { tenantId, userId }, async (tx) => {
    const settings = await tenantSettings(tx, tenantId);
    const recent = await tx.emailSend.findMany({ where: { reservedAt: { gt: new Date(Date.now() - 30 * 86_400_000) } }, distinct: ["mailbox"], select: { mailbox: true }, take: 200 });
    const domains = [...new Set([...settings.sending.mailboxes, ...recent.map((r) => r.mailbox)].map((m) => sendingDomainOf(normaliseMailbox(m))))].filter((d) => DOMAIN_NAME.test(d)).sort().slice(0, 50);
    return { settings, domains };
  });
  return Promise.all(domains.map((d) => checkSendingDomain(services, d, settings.deliverability)));
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
