// Quota planning for sequence steps (issue 12): before a step is placed, the
// sends already made (EmailSend) and the e-mail steps already planned
// (SequenceStepRun SCHEDULED/DRAFTED) are counted against the tenant's
// per-mailbox and per-recipient limits (settings.quotas), and a step that
// would break one moves to the next send window with the reason. The send
// path still enforces every quota (and the domain limit and warm-up cap) at
// send time; planning makes that hold rare.
//
// Assumption, stated: every sequence e-mail counts against the tenant's
// default sender mailbox (settings.sending.mailboxes[0]) — the one a draft
// without a chosen mailbox gets. A tenant without a configured mailbox is
// planned by the recipient limit only.
import type { Tx } from "../../data/database.js";
import { placeWithinQuota, TimeSet, type PlanLimit, type PlannedPlacement } from "../../domain/sequence/sequence-quota.js";
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
  let mailboxTimes: TimeSet | null = null;
  const contactTimes = new Map<string, TimeSet>();

  async function loadMailbox(): Promise<TimeSet> {
    if (mailboxTimes) return mailboxTimes;
    const since = new Date(now.getTime() - mailboxRule.windowMs);
    const sent = mailbox
      ? await tx.emailSend.findMany({ where: { mailbox, state: { in: ["RESERVED", "SENT"] }, reservedAt: { gt: since } }, select: { reservedAt: true } })
      : [];
    const planned = await tx.sequenceStepRun.findMany({ where: { kind: "EMAIL", outcome: { in: ["SCHEDULED", "DRAFTED"] }, scheduledFor: { gt: since } }, select: { scheduledFor: true } });
    mailboxTimes = TimeSet.of([...sent.map((s) => s.reservedAt), ...planned.map((p) => p.scheduledFor)]);
    return mailboxTimes;
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
    const set = TimeSet.of([...sent.map((s) => s.reservedAt), ...planned.map((p) => p.scheduledFor)]);
    contactTimes.set(contactId, set);
    return set;
  }

  return {
    async preload(contacts) {
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
      for (const [id, email] of emailOf) {
        contactTimes.set(
          id,
          TimeSet.of([...sent.filter((s) => s.recipientEmail === email).map((s) => s.reservedAt), ...planned.filter((p) => p.enrollment.contactId === id).map((p) => p.scheduledFor)]),
        );
      }
    },
    async place(contact, candidate, window) {
      const limits: PlanLimit[] = [];
      const mailboxSet = mailbox ? await loadMailbox() : null;
      if (mailbox && mailboxSet) limits.push({ kind: "MAILBOX", key: mailbox, ...mailboxRule, times: mailboxSet });
      const email = contact.email ? normaliseEmail(contact.email) : null;
      const contactSet = email ? await loadContact(contact.id, email) : null;
      if (email && contactSet) limits.push({ kind: "CONTACT", key: email, ...contactRule, times: contactSet });
      const planned = placeWithinQuota(candidate, window, limits);
      mailboxSet?.add(planned.placement.at);
      contactSet?.add(planned.placement.at);
      return planned;
    },
  };
}
