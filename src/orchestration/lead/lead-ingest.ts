// Lead ingest and identity resolution, shared by leadIngest (one lead) and
// leadImport (a batch). A lead is found by its external id, else by its
// contact's normalised e-mail; the company by a company (not free-mail or
// disposable) domain, else by exact name. A repeat merges into what exists:
// empty values never erase, changed values replace and the audit entry
// records old and new. What to do is decided by planIngest
// (domain/lead-ingest.ts); this loads what exists, plans, and applies.
import type { Tx } from "../../data/database.js";
import { Prisma } from "../../data/database.js";
import type { LeadInput } from "../../domain/lead/lead.js";
import {
  appliedChanges,
  changesWithIds,
  companyDomainOf,
  matchedLead,
  planIngest,
  withIds,
  type IngestExisting,
  type IngestPlan,
} from "../../domain/lead/lead-ingest.js";
import type { PipelineSettings } from "../../domain/pipeline/pipeline.js";
import { isErasedAddress } from "../sending/suppression.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import type { Company, Contact, Lead } from "../../generated/prisma/client.js";
import type { IngestLookups } from "./lead-lookups.js";
import type { IngestWriter } from "./lead-writer.js";
import type { UnitOfWork } from "../unit-of-work.js";

export type IngestResult = "CREATED" | "MERGED" | "UNCHANGED";

export interface IngestedLead {
  leadId: string;
  result: IngestResult;
  /** How the existing lead was found, when it was. */
  matchedBy: "EXTERNAL_ID" | "EMAIL" | null;
  dealId: string | null;
  /** Something worth telling the caller that did not stop the row (e.g. a deal that already existed). */
  notes: string[];
}

export interface IngestContext {
  pipeline: PipelineSettings;
  defaultCurrency: string;
  defaultSource: string;
  defaultSystem: string;
  /** Owner look-ups, cached across the rows of one import. */
  owners: Map<string, string | null>;
  lookups: IngestLookups;
  writer: IngestWriter;
}

/** The member the row names as owner: undefined when it names none, null when no member matches. */
async function loadOwner(tx: Tx, ctx: IngestContext, input: LeadInput): Promise<string | null | undefined> {
  if (input.ownerId) {
    const key = `id:${input.ownerId}`;
    if (!ctx.owners.has(key)) {
      const member = await tx.membership.findFirst({ where: { userId: input.ownerId }, select: { userId: true } });
      ctx.owners.set(key, member?.userId ?? null);
    }
    return ctx.owners.get(key) ?? null;
  }
  if (input.ownerEmail) {
    const key = `email:${input.ownerEmail.toLowerCase()}`;
    if (!ctx.owners.has(key)) {
      const user = await tx.user.findFirst({ where: { email: input.ownerEmail.toLowerCase(), memberships: { some: {} } }, select: { id: true } });
      ctx.owners.set(key, user?.id ?? null);
    }
    return ctx.owners.get(key) ?? null;
  }
  return undefined;
}

/** Everything the plan needs to know about what exists, looked up in identity order. */
async function loadExisting(tx: Tx, ctx: IngestContext, input: LeadInput): Promise<IngestExisting & { leadByRef: Lead | null; leadByEmail: Lead | null; contact: Contact | null; company: Company | null }> {
  const { lookups } = ctx;
  const owner = await loadOwner(tx, ctx, input);
  const system = input.externalSystem ?? ctx.defaultSystem;
  const refLeadId = input.externalId ? await lookups.leadIdByRef(system, input.externalId) : null;
  const email = input.email;
  const contactByEmail = email ? await lookups.contactByEmail(email.normalized) : null;
  const leadByEmail = contactByEmail ? await lookups.leadByContact(contactByEmail.id) : null;
  const leadByRef = refLeadId ? await lookups.leadById(refLeadId) : null;
  const lead = matchedLead({ leadByRef, leadByEmail });
  const contact = lead?.contactId ? await lookups.contactById(lead.contactId) : contactByEmail;
  const domain = companyDomainOf(input);
  let company = domain ? await lookups.companyByDomain(domain) : null;
  if (!company && contact?.companyId) company = await lookups.companyById(contact.companyId);
  if (!company && input.companyName) company = await lookups.companyByName(input.companyName);
  const existingDeal = input.deal && lead ? await tx.deal.findFirst({ where: { leadId: lead.id }, select: { id: true } }) : null;
  return {
    owner,
    refLeadId,
    leadByRef,
    contactByEmail,
    leadByEmail,
    contact,
    company,
    domainRegistered: domain ? lookups.domainRegistered(domain) : false,
    existingDealId: existingDeal?.id ?? null,
  };
}

/**
 * Creates or merges one lead (with its contact, company and optional deal)
 * inside the caller's unit of work. Every check that can refuse the row runs
 * before the first write, so a refused row writes nothing.
 */
export async function ingestLead(uow: UnitOfWork, ctx: IngestContext, input: LeadInput, path: string[]): Promise<Outcome<IngestedLead>> {
  // A person whose data was erased is not stored again (the erasure left only this hash to recognise them by).
  if (input.email && (await isErasedAddress(uow.tx, input.email.normalized))) {
    return fail(userError("CONTACT_ERASED", "This person's data was erased at their request; they cannot be added again.", [...path, "email"]));
  }
  const existing = await loadExisting(uow.tx, ctx, input);
  const plan = planIngest(input, existing, ctx, path, new Date());
  if (!plan.ok) return plan;
  return ok(await applyIngest(uow, ctx, input, plan.value, existing));
}

/** Writes what the plan says, then its audit entries and events. */
async function applyIngest(
  uow: UnitOfWork,
  ctx: IngestContext,
  input: LeadInput,
  plan: IngestPlan,
  existing: { leadByRef: Lead | null; leadByEmail: Lead | null; contact: Contact | null; company: Company | null },
): Promise<IngestedLead> {
  const { tx } = uow;
  const { lookups, writer } = ctx;
  const tenantId = uow.actor.principal.tenantId;

  let company = existing.company;
  if (plan.company.action === "create") {
    const { attributes, ...fields } = plan.company.data;
    company = await writer.createCompany({ tenantId, ...fields, attributes: attributes as Prisma.InputJsonValue } as Parameters<IngestWriter["createCompany"]>[0]);
    lookups.rememberCompany(company);
  } else if (plan.company.action === "merge" && plan.company.update) {
    company = await writer.updateCompany(company!, plan.company.update as Partial<Company>);
    lookups.rememberCompany(company);
  }
  let domainAdded = false;
  if (company && plan.registerDomain && (await writer.addDomain(tenantId, company.id, plan.registerDomain))) {
    // Registered unless another company already has it.
    domainAdded = true;
    lookups.rememberDomain(plan.registerDomain, company);
  }

  const ids = () => ({ company: company?.id ?? null, contact: contact?.id ?? null });
  let contact = existing.contact;
  if (plan.contact.action === "create") {
    contact = await writer.createContact({ tenantId, ...withIds(plan.contact.data, ids()) } as Parameters<IngestWriter["createContact"]>[0]);
    lookups.rememberContact(contact);
  } else if (plan.contact.action === "merge" && plan.contact.update) {
    contact = await writer.updateContact(contact!, withIds(plan.contact.update, ids()) as Partial<Contact>);
    lookups.rememberContact(contact);
  }

  let lead = matchedLead(existing)!;
  if (plan.lead.action === "create") {
    lead = await writer.createLead({ tenantId, ...withIds(plan.lead.data, ids()) } as Parameters<IngestWriter["createLead"]>[0]);
  } else if (plan.lead.update) {
    lead = await writer.updateLead(lead, withIds(plan.lead.update, ids()) as Partial<Lead>);
  }
  lookups.rememberLead(lead);
  if (plan.ref) {
    await writer.createRef({ tenantId, system: plan.ref.system, entityType: "Lead", entityId: lead.id, externalId: plan.ref.externalId });
    lookups.rememberRef(plan.ref.system, plan.ref.externalId, lead.id);
  }

  let dealId: string | null = null;
  if (plan.deal.action === "existing") dealId = plan.deal.dealId;
  else if (plan.deal.action === "create") {
    // The deal references the lead, company and contact: they must be written first.
    await writer.flush();
    const { amount, ...data } = plan.deal.data;
    const deal = await tx.deal.create({ data: { tenantId, ...data, companyId: company?.id ?? null, leadId: lead.id, amount: new Prisma.Decimal(amount) } });
    await tx.dealStageChange.create({
      data: { tenantId, dealId: deal.id, toStage: deal.stage, toStatus: "OPEN", actorType: uow.actor.principal.kind, actorId: uow.actor.principal.id, reason: "created with the lead" },
    });
    if (contact) await tx.dealContact.create({ data: { tenantId, dealId: deal.id, contactId: contact.id, role: "primary" } });
    await uow.audit({ action: "deal.created", targetType: "Deal", targetId: deal.id, summary: { leadId: lead.id, stage: deal.stage, amount: deal.amount.toString(), currency: deal.currency } });
    await uow.emit("sales.deal.created", { dealId: deal.id, leadId: lead.id, stage: deal.stage });
    dealId = deal.id;
  }

  const { notes, matchedBy } = plan;
  if (plan.lead.action === "create") {
    await uow.audit({
      action: "lead.created",
      targetType: "Lead",
      targetId: lead.id,
      summary: {
        source: lead.source,
        externalId: input.externalId ? `${plan.system}:${input.externalId}` : null,
        contactId: contact?.id ?? null,
        contactCreated: plan.contact.action === "create",
        companyId: company?.id ?? null,
        companyCreated: plan.company.action === "create",
        emailDomainKind: input.email?.domainKind ?? null,
      },
    });
    await uow.emit("sales.lead.created", { leadId: lead.id, source: lead.source, status: lead.status, companyId: company?.id ?? null });
    return { leadId: lead.id, result: "CREATED", matchedBy: null, dealId, notes };
  }
  const changes = Object.fromEntries(Object.entries(appliedChanges(plan.changes, domainAdded)).map(([section, c]) => [section, changesWithIds(c, ids())]));
  if (Object.keys(changes).length === 0) return { leadId: lead.id, result: "UNCHANGED", matchedBy, dealId, notes };
  await uow.audit({ action: "lead.merged", targetType: "Lead", targetId: lead.id, summary: { matchedBy, changes } });
  await uow.emit("sales.lead.updated", { leadId: lead.id, changed: Object.keys(changes) });
  return { leadId: lead.id, result: "MERGED", matchedBy, dealId, notes };
}
