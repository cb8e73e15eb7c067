// Gathers what scoring needs to know about leads from the database, in a
// fixed number of queries for any number of leads.
import type { Tx } from "../../data/database.js";
import { domainKind, normalizeDomain, parseEmail } from "../../domain/email.js";
import { ageInDays, flattenAttributes, type LeadFacts } from "../../domain/scoring/facts.js";
import type { ScoringSettings } from "../../domain/scoring/settings.js";
import type { SuppressionCheck } from "../pipeline/sales-hooks.js";

export interface LeadFactsOptions {
  settings: ScoringSettings;
  /** The scoring time; engagement ages are counted from it. */
  asOf: Date;
  /** Per lead, a scoring time of its own: training looks at each lead as it was when its outcome became known. */
  asOfByLead?: Map<string, Date>;
  suppression?: SuppressionCheck | undefined;
  tenantId: string;
}

export async function loadLeadFacts(tx: Tx, leadIds: string[], options: LeadFactsOptions): Promise<Map<string, LeadFacts>> {
  const out = new Map<string, LeadFacts>();
  if (leadIds.length === 0) return out;
  const leads = await tx.lead.findMany({
    where: { id: { in: leadIds } },
    include: { contact: true, company: { include: { domains: { orderBy: { createdAt: "asc" }, take: 1 } } } },
  });
  const contactIds = leads.map((l) => l.contactId).filter((id): id is string => !!id);
  const lookbackMs = options.settings.engagement.lookbackDays * 86_400_000;
  const times = [options.asOf.getTime(), ...[...(options.asOfByLead?.values() ?? [])].map((d) => d.getTime())];
  const activities = await tx.activity.findMany({
    where: {
      occurredAt: { gte: new Date(Math.min(...times) - lookbackMs), lte: new Date(Math.max(...times)) },
      OR: [{ leadId: { in: leadIds } }, ...(contactIds.length ? [{ contactId: { in: contactIds } }] : [])],
    },
    select: { id: true, type: true, occurredAt: true, leadId: true, contactId: true },
  });
  const byLead = new Map<string, typeof activities>();
  const leadOfContact = new Map(leads.filter((l) => l.contactId).map((l) => [l.contactId!, l.id]));
  for (const a of activities) {
    const leadId = a.leadId && leadIds.includes(a.leadId) ? a.leadId : a.contactId ? leadOfContact.get(a.contactId) : undefined;
    if (!leadId) continue;
    const list = byLead.get(leadId) ?? [];
    list.push(a);
    byLead.set(leadId, list);
  }
  for (const lead of leads) {
    const contact = lead.contact;
    const company = lead.company;
    const parsed = contact?.email ? parseEmail(contact.email) : null;
    const emailDomain = contact?.email ? contact.email.slice(contact.email.lastIndexOf("@") + 1) : null;
    const companyAttributes = flattenAttributes(company?.attributes);
    const companyDomain = company?.domains[0]?.domain ?? null;
    const asOf = options.asOfByLead?.get(lead.id) ?? options.asOf;
    const suppressed =
      options.suppression && contact?.email
        ? await options.suppression.isSuppressed(tx, { tenantId: options.tenantId, email: contact.email, domain: emailDomain })
        : false;
    out.set(lead.id, {
      source: lead.source || null,
      email: emailDomain ? { domain: emailDomain, kind: domainKind(emailDomain), valid: parsed?.ok ?? false } : null,
      doNotContact: contact?.doNotContact ?? false,
      suppressed,
      seniority: contact?.seniority ?? "UNKNOWN",
      title: contact?.title ?? null,
      company: company
        ? {
            domain: companyDomain ? normalizeDomain(companyDomain) : null,
            industry: company.industry,
            employeeCount: company.employeeCount,
            country: company.country,
            lifecycle: company.lifecycle,
            stage: typeof companyAttributes.stage === "string" ? companyAttributes.stage : null,
          }
        : null,
      attributes: flattenAttributes(lead.attributes),
      activities: (byLead.get(lead.id) ?? [])
        .filter((a) => a.occurredAt <= asOf && a.occurredAt.getTime() >= asOf.getTime() - lookbackMs)
        .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.id < b.id ? -1 : 1))
        .map((a) => ({ type: a.type, ageDays: ageInDays(a.occurredAt, asOf) })),
    });
  }
  return out;
}
