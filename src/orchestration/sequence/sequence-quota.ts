// Quota planning for sequence steps (issue 12): before a step is placed, the
// sends already made (EmailSend) and the e-mail steps already planned
// (SequenceStepRun SCHEDULED/DRAFTED) are counted against every limit the
// send path applies (src/orchestration/sending/send-quota.ts): the tenant's
// per-mailbox, per-recipient and per-recipient-domain limits
// (settings.quotas) and the mailbox's warm-up cap (deliverability.warmup),
// and a step that would break one moves to the next send window with the
// reason. Campaign sends planned and not yet made (CampaignRecipient PLANNED or
// DRAFTED of an active or paused campaign) count too, as the campaign planner
// counts planned steps (src/data/campaign-preview.ts planUsage): neither plan
// takes a window the other already holds. The send path still enforces every
// quota at send time; planning makes that hold rare, and a step no window can
// take is refused (QUOTA_IMPOSSIBLE) on the same limits the send path would hold it on.
//
// Assumption, stated: every sequence e-mail counts against the tenant's
// default sender mailbox (settings.sending.mailboxes[0]) — the one a draft
// without a chosen mailbox gets. A tenant without a configured mailbox is
// planned by the recipient limit only.
import { Prisma, type Tx } from "../../data/database.js";
import { placeWithinQuota, TimeSet, warmupLimitAt, type PlanLimit, type PlannedPlacement } from "../../domain/sequence/sequence-quota.js";
import { warmupCap } from "../../domain/sending/deliverability.js";
import { recipientDomain } from "../../domain/sending/quota.js";
import type { Placement, SendWindow } from "../../domain/sequence/sequence.js";
import { normaliseEmail } from "../../domain/sending/suppression.js";
import type { TenantSettings } from "../../domain/tenant/tenant.js";

export interface QuotaPlanner {
  /** Reads the recipients' sends and planned steps in two queries (a batch enrolment), instead of two per recipient. */
  preload(contacts: ReadonlyArray<{ id: string; email: string | null }>): Promise<void>;
  /** Places an e-mail step for this recipient and counts it as planned. */
  place(contact: { id: string; email: string | null }, candidate: Placement, window: SendWindow): Promise<PlannedPlacement>;
}

/** A planner for one transaction (the caller holds the sequence or enrolment lock). */
export function quotaPlanner(tx: Tx, settings: TenantSettings, now: Date): QuotaPlanner {
  const mailbox = settings.sending.mailboxes[0]?.toLowerCase() ?? null;
  const mailboxRule = { limit: settings.quotas.mailbox.limit, windowMs: settings.quotas.mailbox.windowHours * 3_600_000 };
  const contactRule = { limit: settings.quotas.contact.limit, windowMs: settings.quotas.contact.windowHours * 3_600_000 };
  const domainRule = { limit: settings.quotas.domain.limit, windowMs: settings.quotas.domain.windowHours * 3_600_000 };
  const warmup = settings.deliverability.warmup;
  const DAY_MS = 24 * 3_600_000;
  let mailboxTimes: TimeSet | null = null;
  /** The warm-up limit (null: warm-up off, or this mailbox's ramp is over for good). */
  let warmupLimit: PlanLimit | null | undefined;
  const contactTimes = new Map<string, TimeSet>();
  const domainTimes = new Map<string, TimeSet>();

  /** Campaign sends planned and not yet made, after `since`, narrowed by `where` (over cr = CampaignRecipient, ca = Campaign, c = Contact). */
  function campaignPlanned(since: Date, where: Prisma.Sql) {
    return tx.$queryRaw<Array<{ contactId: string; domain: string | null; at: Date }>>`
      SELECT cr."contactId", lower(split_part(c."email", '@', 2)) AS domain, cr."plannedAt" AS at
      FROM "CampaignRecipient" cr
      JOIN "Campaign" ca ON ca."tenantId" = cr."tenantId" AND ca."id" = cr."campaignId"
      JOIN "Contact" c ON c."tenantId" = cr."tenantId" AND c."id" = cr."contactId"
      WHERE ca."status" IN ('ACTIVE', 'PAUSED') AND cr."status" IN ('PLANNED', 'DRAFTED') AND cr."plannedAt" > ${since}
        AND NOT EXISTS (SELECT 1 FROM "EmailSend" es WHERE es."tenantId" = cr."tenantId" AND es."draftId" = cr."draftId")
        AND ${where}`;
  }

  async function loadMailbox(): Promise<TimeSet> {
    if (mailboxTimes) return mailboxTimes;
    // The warm-up cap counts a 24 h window: read at least that far back.
    const since = new Date(now.getTime() - Math.max(mailboxRule.windowMs, warmup.enabled ? DAY_MS : 0));
    const sent = mailbox
      ? await tx.emailSend.findMany({ where: { mailbox, state: { in: ["RESERVED", "SENT"] }, reservedAt: { gt: since } }, select: { reservedAt: true } })
      : [];
    const planned = await tx.sequenceStepRun.findMany({ where: { kind: "EMAIL", outcome: { in: ["SCHEDULED", "DRAFTED"] }, scheduledFor: { gt: since } }, select: { scheduledFor: true } });
    const campaigns = mailbox ? await campaignPlanned(since, Prisma.sql`lower(ca."mailbox") = ${mailbox}`) : [];
    mailboxTimes = TimeSet.of([...sent.map((s) => s.reservedAt), ...planned.map((p) => p.scheduledFor), ...campaigns.map((c) => new Date(c.at))]);
    return mailboxTimes;
  }

  /** The mailbox's warm-up cap as the send path will apply it at each instant (warmupFor, send-quota.ts). */
  async function loadWarmup(times: TimeSet): Promise<PlanLimit | null> {
    if (warmupLimit !== undefined) return warmupLimit;
    if (!mailbox || !warmup.enabled || warmupCap(warmup, settings.quotas.mailbox.limit, 0) === null) return (warmupLimit = null);
    const first = await tx.emailSend.findFirst({ where: { mailbox, state: { in: ["RESERVED", "SENT"] } }, orderBy: { reservedAt: "asc" }, select: { reservedAt: true } });
    const firstAt = first?.reservedAt.getTime() ?? null;
    // A ramp already over stays over: no limit to plan against.
    if (firstAt !== null && warmupCap(warmup, settings.quotas.mailbox.limit, Math.floor((now.getTime() - firstAt) / DAY_MS)) === null) return (warmupLimit = null);
    const limitAt = warmupLimitAt(firstAt, () => times.first(), (day) => warmupCap(warmup, settings.quotas.mailbox.limit, day));
    warmupLimit = { kind: "WARMUP", key: mailbox, limit: warmup.startPerDay, windowMs: DAY_MS, times, limitAt };
    return warmupLimit;
  }

  /** Sends to a recipient domain and e-mail steps planned for its contacts, in the domain window (one query each for many domains). */
  async function loadDomains(domains: readonly string[]): Promise<void> {
    const fresh = [...new Set(domains)].filter((d) => d && !domainTimes.has(d));
    if (!fresh.length) return;
    const since = new Date(now.getTime() - domainRule.windowMs);
    const sent = await tx.emailSend.findMany({
      where: { recipientDomain: { in: fresh }, state: { in: ["RESERVED", "SENT"] }, reservedAt: { gt: since } },
      select: { recipientDomain: true, reservedAt: true },
    });
    const planned = await tx.$queryRaw<Array<{ domain: string; at: Date }>>`
      SELECT lower(split_part(c."email", '@', 2)) AS domain, r."scheduledFor" AS at
      FROM "SequenceStepRun" r
      JOIN "SequenceEnrollment" e ON e."id" = r."enrollmentId"
      JOIN "Contact" c ON c."id" = e."contactId"
      WHERE r."kind" = 'EMAIL' AND r."outcome" IN ('SCHEDULED', 'DRAFTED') AND r."scheduledFor" > ${since}
        AND lower(split_part(c."email", '@', 2)) IN (${Prisma.join(fresh)})`;
    const campaigns = await campaignPlanned(since, Prisma.sql`lower(split_part(c."email", '@', 2)) IN (${Prisma.join(fresh)})`);
    for (const d of fresh) {
      domainTimes.set(
        d,
        TimeSet.of([
          ...sent.filter((s) => s.recipientDomain === d).map((s) => s.reservedAt),
          ...[...planned, ...campaigns].filter((p) => p.domain === d).map((p) => new Date(p.at)),
        ]),
      );
    }
  }

  async function loadContact(contactId: string, email: string): Promise<TimeSet> {
    const known = contactTimes.get(contactId);
    if (known) return known;
    const since = new Date(now.getTime() - contactRule.windowMs);
    const sent = await tx.emailSend.findMany({ where: { recipientEmail: email, state: { in: ["RESERVED", "SENT"] }, reservedAt: { gt: since } }, select: { reservedAt: true } });
    const planned = await tx.sequenceStepRun.findMany({
      where: { kind: "EMAIL", outcome: { in: ["SCHEDULED", "DRAFTED"] }, scheduledFor: { gt: since }, enrollment: { contactId } },
      select: { scheduledFor: true },
    });
    const campaigns = await campaignPlanned(since, Prisma.sql`cr."contactId" = ${contactId}::uuid`);
    const set = TimeSet.of([...sent.map((s) => s.reservedAt), ...planned.map((p) => p.scheduledFor), ...campaigns.map((c) => new Date(c.at))]);
    contactTimes.set(contactId, set);
    return set;
  }

  return {
    async preload(contacts) {
      await loadDomains(contacts.flatMap((c) => (c.email ? [recipientDomain(normaliseEmail(c.email))] : [])));
      const fresh = contacts.filter((c) => c.email && !contactTimes.has(c.id));
      if (!fresh.length) return;
      const since = new Date(now.getTime() - contactRule.windowMs);
      const emailOf = new Map(fresh.map((c) => [c.id, normaliseEmail(c.email!)]));
      const sent = await tx.emailSend.findMany({
        where: { recipientEmail: { in: [...new Set(emailOf.values())] }, state: { in: ["RESERVED", "SENT"] }, reservedAt: { gt: since } },
        select: { recipientEmail: true, reservedAt: true },
      });
      const planned = await tx.sequenceStepRun.findMany({
        where: { kind: "EMAIL", outcome: { in: ["SCHEDULED", "DRAFTED"] }, scheduledFor: { gt: since }, enrollment: { contactId: { in: [...emailOf.keys()] } } },
        select: { scheduledFor: true, enrollment: { select: { contactId: true } } },
      });
      const campaigns = await campaignPlanned(since, Prisma.sql`cr."contactId" = ANY(${[...emailOf.keys()]}::uuid[])`);
      for (const [id, email] of emailOf) {
        contactTimes.set(
          id,
          TimeSet.of([
            ...sent.filter((s) => s.recipientEmail === email).map((s) => s.reservedAt),
            ...planned.filter((p) => p.enrollment.contactId === id).map((p) => p.scheduledFor),
            ...campaigns.filter((c) => c.contactId === id).map((c) => new Date(c.at)),
          ]),
        );
      }
    },
    async place(contact, candidate, window) {
      const limits: PlanLimit[] = [];
      const mailboxSet = mailbox ? await loadMailbox() : null;
      if (mailbox && mailboxSet) {
        limits.push({ kind: "MAILBOX", key: mailbox, ...mailboxRule, times: mailboxSet });
        const warm = await loadWarmup(mailboxSet);
        if (warm) limits.push(warm);
      }
      const email = contact.email ? normaliseEmail(contact.email) : null;
      const contactSet = email ? await loadContact(contact.id, email) : null;
      if (email && contactSet) limits.push({ kind: "CONTACT", key: email, ...contactRule, times: contactSet });
      const domain = email ? recipientDomain(email) : null;
      if (domain) await loadDomains([domain]);
      const domainSet = domain ? domainTimes.get(domain)! : null;
      if (domain && domainSet) limits.push({ kind: "DOMAIN", key: domain, ...domainRule, times: domainSet });
      const planned = placeWithinQuota(candidate, window, limits);
      // A refused step is not planned: it must not take room from the next recipient.
      if (!planned.impossible) {
        mailboxSet?.add(planned.placement.at);
        contactSet?.add(planned.placement.at);
        domainSet?.add(planned.placement.at);
      }
      return planned;
    },
  };
}
