// What the agents know about a lead or deal, read from the database in one
// tenant transaction: the sales facts the recommender reasons over, the
// contact's status the tool policy checks, and the member an agent writes
// for (their name and learned voice).
import type { SalesFacts } from "../../ai/prompts/next-best-action.js";
import type { ThreadFacts } from "../../ai/prompts/thread-reader.js";
import type { Tx } from "../../data/database.js";
import type { ToolContext } from "../../domain/tenant/ai-policy.js";
import type { Role } from "../../domain/access/permission.js";
import { orderedStages } from "../../domain/pipeline/pipeline.js";
import { readTenantSettings, type TenantSettings } from "../../domain/tenant/tenant.js";
import { voiceProfileSchema, type VoiceProfile } from "../../domain/draft/voice.js";
import { suppressionCheck } from "../sending/suppression.js";

export interface SalesContext {
  leadId: string | null;
  dealId: string | null;
  contactId: string | null;
  /** The lead's owner, else the deal's, else the contact's. */
  ownerId: string | null;
  facts: SalesFacts;
  tool: Pick<ToolContext, "contact" | "deal">;
  /** The latest thread with the contact that has facts. */
  thread: { id: string; facts: ThreadFacts } | null;
  /** The person the latest reply referred us to, when it did and named an address. */
  referral: { name: string | null; email: string } | null;
  settings: TenantSettings;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Reads the facts about a lead and/or deal (a deal's lead, or a lead's latest open deal, are included). */
export async function loadSalesContext(tx: Tx, tenantId: string, target: { leadId?: string | null; dealId?: string | null }, now = new Date()): Promise<SalesContext | null> {
  const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
  const settings = readTenantSettings(tenant.settings);
  let deal = target.dealId ? await tx.deal.findUnique({ where: { id: target.dealId } }) : null;
  if (target.dealId && !deal) return null;
  const leadId = target.leadId ?? deal?.leadId ?? null;
  const lead = leadId ? await tx.lead.findUnique({ where: { id: leadId }, include: { contact: true, company: true } }) : null;
  if (target.leadId && !lead) return null;
  if (!deal && lead) {
    deal = await tx.deal.findFirst({ where: { leadId: lead.id }, orderBy: [{ status: "asc" }, { updatedAt: "desc" }] });
  }
  let contact = lead?.contact ?? null;
  if (!contact && deal) {
    const link = await tx.dealContact.findFirst({ where: { dealId: deal.id }, orderBy: { createdAt: "asc" }, include: { contact: true } });
    contact = link?.contact ?? null;
  }
  const company = lead?.company ?? (deal?.companyId ? await tx.company.findUnique({ where: { id: deal.companyId } }) : null);
  const people = [
    ...(lead ? [{ leadId: lead.id }] : []),
    ...(contact ? [{ contactId: contact.id }] : []),
    ...(deal ? [{ dealId: deal.id }] : []),
  ];
  const suppressed = contact?.email
    ? await suppressionCheck.isSuppressed(tx, { tenantId, email: contact.email, domain: contact.email.split("@")[1] ?? null })
    : false;
  const lastInbound = await tx.inboundMessage.findFirst({
    where: { intent: { not: null }, OR: people.filter((p) => !("dealId" in p)) },
    orderBy: { receivedAt: "desc" },
    select: { intent: true, sentAt: true, receivedAt: true, analysis: true },
  });
  const [lastSent, lastActivity, openTaskCount, pendingDraftCount, thread] = await Promise.all([
    people.length ? tx.activity.findFirst({ where: { type: "EMAIL_SENT", OR: people }, orderBy: { occurredAt: "desc" }, select: { occurredAt: true } }) : null,
    people.length ? tx.activity.findFirst({ where: { OR: people }, orderBy: { occurredAt: "desc" }, select: { occurredAt: true } }) : null,
    people.length ? tx.task.count({ where: { status: "OPEN", OR: people } }) : 0,
    contact ? tx.draft.count({ where: { contactId: contact.id, status: { in: ["PENDING_REVIEW", "APPROVED", "QUEUED", "SENDING", "BLOCKED"] } } }) : 0,
    contact
      ? tx.emailThread.findFirst({ where: { contactId: contact.id, factsUpdatedAt: { not: null } }, orderBy: { lastMessageAt: "desc" }, select: { id: true, facts: true } })
      : null,
  ]);
  const threadFacts = (thread?.facts ?? null) as ThreadFacts | null;
  const contactName = contact ? [contact.firstName, contact.lastName].filter(Boolean).join(" ") || contact.email : null;
  const facts: SalesFacts = {
    now: now.toISOString(),
    lead: lead
      ? {
          status: lead.status,
          score: lead.score,
          grade: lead.grade,
          source: lead.source || null,
          createdAt: lead.createdAt.toISOString(),
          contactName,
          companyName: company?.name ?? null,
          doNotContact: contact?.doNotContact ?? false,
          suppressed,
          consentToEmail: consentOf(contact?.attributes),
        }
      : null,
    deal: deal
      ? {
          name: deal.name,
          stage: deal.stage,
          stages: orderedStages(settings.pipeline).filter((s) => s.kind === "OPEN").map((s) => s.key),
          status: deal.status,
          amount: Number(deal.amount),
          currency: deal.currency,
          stageChangedAt: deal.stageChangedAt.toISOString(),
          expectedCloseDate: deal.expectedCloseDate ? deal.expectedCloseDate.toISOString().slice(0, 10) : null,
        }
      : null,
    lastInbound: lastInbound?.intent
      ? {
          intent: lastInbound.intent,
          at: (lastInbound.sentAt ?? lastInbound.receivedAt).toISOString(),
          returnDate: ((lastInbound.analysis ?? {}) as { returnDate?: string | null }).returnDate ?? null,
        }
      : null,
    lastOutboundAt: iso(lastSent?.occurredAt),
    lastActivityAt: iso(lastActivity?.occurredAt),
    openTaskCount,
    pendingDraftCount,
    threadNextStep: threadFacts?.nextStep ?? null,
    openObjections: (threadFacts?.objections ?? []).map((o) => o.text).slice(0, 5),
  };
  return {
    leadId: lead?.id ?? null,
    dealId: deal?.id ?? null,
    contactId: contact?.id ?? null,
    ownerId: lead?.ownerId ?? deal?.ownerId ?? contact?.ownerId ?? null,
    facts,
    tool: {
      contact: contact
        ? { doNotContact: contact.doNotContact, suppressed, unsubscribed: lastInbound?.intent === "UNSUBSCRIBE", consentToEmail: consentOf(contact.attributes) }
        : null,
      deal: deal ? { status: deal.status } : null,
    },
    thread: thread && threadFacts ? { id: thread.id, facts: threadFacts } : null,
    referral: referralOf(lastInbound),
    settings,
  };
}

function referralOf(inbound: { intent: string | null; analysis: unknown } | null): SalesContext["referral"] {
  if (inbound?.intent !== "REFERRAL") return null;
  const referral = (inbound.analysis as { referral?: { name?: string | null; email?: string | null } | null } | null)?.referral;
  return referral?.email ? { name: referral.name ?? null, email: referral.email } : null;
}

/** A contact attribute "consentToEmail"/"emailConsent" (true/false), when the CRM or form sent one. */
function consentOf(attributes: unknown): boolean | null {
  const a = (attributes ?? {}) as Record<string, unknown>;
  const value = a.consentToEmail ?? a.emailConsent ?? a.email_consent ?? a.consent;
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|yes|1)$/i.test(value)) return true;
  if (typeof value === "string" && /^(false|no|0)$/i.test(value)) return false;
  return null;
}

/** The role of a member, for the tool policy; null when they are not a member. */
export async function memberRole(tx: Tx, userId: string | null): Promise<Role | null> {
  if (!userId) return null;
  const membership = await tx.membership.findFirst({ where: { userId }, select: { role: true } });
  return membership?.role ?? null;
}

export interface Author {
  userId: string;
  name: string;
  email: string;
  voice: VoiceProfile | null;
}

/**
 * The member an agent writes for: the first of the candidates who is a member
 * (the lead's owner…), else the tenant's default author (settings
 * agents.defaultAuthorEmail), else the member whose address the message
 * arrived at, else the longest-standing OWNER.
 */
export async function resolveAuthor(tx: Tx, settings: TenantSettings, candidates: Array<string | null | undefined>, mailbox?: string | null): Promise<Author | null> {
  const ids = candidates.filter((c): c is string => !!c);
  const members = ids.length ? await tx.membership.findMany({ where: { userId: { in: ids } }, select: { userId: true } }) : [];
  let userId = ids.find((id) => members.some((m) => m.userId === id)) ?? null;
  for (const address of [settings.agents.defaultAuthorEmail, mailbox?.toLowerCase() ?? null]) {
    if (userId || !address) continue;
    userId = (await tx.membership.findFirst({ where: { user: { email: address } }, select: { userId: true } }))?.userId ?? null;
  }
  userId ??= (await tx.membership.findFirst({ where: { role: "OWNER" }, orderBy: { createdAt: "asc" }, select: { userId: true } }))?.userId ?? null;
  if (!userId) return null;
  // The name this tenant knows the author by (Membership.displayName, as the API shows it), never
  // the one the person uses elsewhere; row-level security confines the membership to this tenant.
  const member = await tx.membership.findFirst({ where: { userId }, select: { displayName: true, user: { select: { id: true, name: true, email: true } } } });
  if (!member) return null;
  const { user } = member;
  return { userId: user.id, name: member.displayName ?? user.name, email: user.email, voice: await loadVoice(tx, user.id) };
}

export async function loadVoice(tx: Tx, userId: string): Promise<VoiceProfile | null> {
  // Row-level security confines this to the current tenant's profile of the member.
  const row = await tx.voiceProfile.findFirst({ where: { userId }, select: { profile: true } });
  if (!row) return null;
  const parsed = voiceProfileSchema.safeParse(row.profile);
  return parsed.success ? parsed.data : null;
}
