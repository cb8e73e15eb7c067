// Lead ingest and identity resolution, shared by leadIngest (one lead) and
// leadImport (a batch). A lead is found by its external id, else by its
// contact's normalised e-mail; the company by a company (not free-mail or
// disposable) domain, else by exact name. A repeat merges into what exists:
// empty values never erase, changed values replace and the audit entry
// records old and new.
import type { Tx } from "../data/database.js";
import { Prisma } from "../data/database.js";
import { checkDealAgainstPipeline } from "../domain/deal.js";
import { attributesWithinLimits, companyNameFromDomain, mergeAttributes, mergeFields, seniorityFromTitle, type FieldChange, type LeadInput } from "../domain/lead.js";
import { findStage, firstOpenStage, type PipelineSettings } from "../domain/pipeline.js";
import { fail, ok, userError, type Outcome } from "../domain/user-error.js";
import type { IngestLookups } from "./lead-lookups.js";
import type { IngestWriter } from "./lead-writer.js";
import type { UnitOfWork } from "./unit-of-work.js";

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

async function resolveOwner(tx: Tx, ctx: IngestContext, input: LeadInput, path: string[]): Promise<Outcome<string | undefined>> {
  if (input.ownerId) {
    const key = `id:${input.ownerId}`;
    if (!ctx.owners.has(key)) {
      const member = await tx.membership.findFirst({ where: { userId: input.ownerId }, select: { userId: true } });
      ctx.owners.set(key, member?.userId ?? null);
    }
    const owner = ctx.owners.get(key);
    return owner ? ok(owner) : fail(userError("NOT_FOUND", "The owner is not a member of this tenant.", [...path, "ownerId"]));
  }
  if (input.ownerEmail) {
    const key = `email:${input.ownerEmail.toLowerCase()}`;
    if (!ctx.owners.has(key)) {
      const user = await tx.user.findFirst({ where: { email: input.ownerEmail.toLowerCase(), memberships: { some: {} } }, select: { id: true } });
      ctx.owners.set(key, user?.id ?? null);
    }
    const owner = ctx.owners.get(key);
    return owner ? ok(owner) : fail(userError("NOT_FOUND", "No member of this tenant has that e-mail address.", [...path, "ownerEmail"]));
  }
  return ok(undefined);
}

/**
 * Creates or merges one lead (with its contact, company and optional deal)
 * inside the caller's unit of work. Every check that can refuse the row runs
 * before the first write, so a refused row writes nothing.
 */
export async function ingestLead(uow: UnitOfWork, ctx: IngestContext, input: LeadInput, path: string[]): Promise<Outcome<IngestedLead>> {
  const { tx } = uow;
  const { lookups, writer } = ctx;
  const tenantId = uow.actor.principal.tenantId;
  const owner = await resolveOwner(tx, ctx, input, path);
  if (!owner.ok) return owner;
  const ownerId = owner.value;
  const dealErrors = input.deal
    ? checkDealAgainstPipeline(ctx.pipeline, { stage: input.deal.stage, currency: input.deal.currency ?? ctx.defaultCurrency }, [...path, "deal"])
    : [];
  if (dealErrors.length) return fail(...dealErrors);

  // --- Identity: external id first, then the normalised e-mail. ---
  const system = input.externalSystem ?? ctx.defaultSystem;
  const refLeadId = input.externalId ? await lookups.leadIdByRef(system, input.externalId) : null;
  const email = input.email;
  const contactByEmail = email ? await lookups.contactByEmail(email.normalized) : null;
  const leadByEmail = contactByEmail ? await lookups.leadByContact(contactByEmail.id) : null;
  const leadByRef = refLeadId ? await lookups.leadById(refLeadId) : null;
  if (leadByRef && leadByEmail && leadByRef.id !== leadByEmail.id) {
    return fail(userError("CONFLICT", `External id ${input.externalId} belongs to a different lead than this e-mail address.`, [...path, "externalId"]));
  }
  const existingLead = leadByRef ?? leadByEmail;
  const matchedBy = leadByRef ? "EXTERNAL_ID" : leadByEmail ? "EMAIL" : null;
  let contact = existingLead?.contactId ? await lookups.contactById(existingLead.contactId) : contactByEmail;
  if (contact && contactByEmail && contact.id !== contactByEmail.id) {
    return fail(userError("CONFLICT", "This e-mail address belongs to another contact.", [...path, "email"]));
  }
  const attributes = existingLead
    ? mergeAttributes((existingLead.attributes ?? {}) as Record<string, unknown>, input.attributes)
    : { merged: input.attributes ?? {}, changes: {} };
  const sizeError = attributesWithinLimits(attributes.merged);
  if (sizeError) return fail(userError("VALIDATION_FAILED", sizeError, [...path, "attributes"]));

  // --- Company: by company domain, else the contact's, else exact name. ---
  const domain = input.companyDomain ?? (email?.domainKind === "COMPANY" ? email.domain : undefined);
  let company = domain ? await lookups.companyByDomain(domain) : null;
  if (!company && contact?.companyId) company = await lookups.companyById(contact.companyId);
  if (!company && input.companyName) company = await lookups.companyByName(input.companyName);
  const companyAttributes = mergeAttributes((company?.attributes ?? {}) as Record<string, unknown>, input.companyAttributes);
  const companySizeError = attributesWithinLimits(companyAttributes.merged);
  if (companySizeError) return fail(userError("VALIDATION_FAILED", companySizeError.replace("merged attributes", "merged company attributes"), [...path, "companyAttributes"]));

  // Nothing below refuses the row: from here on, it is written.
  const changes: Record<string, Record<string, FieldChange>> = {};
  const note = (section: string, c: Record<string, FieldChange>) => {
    if (Object.keys(c).length) changes[section] = { ...(changes[section] ?? {}), ...c };
  };
  const companyFields = { industry: input.industry, employeeCount: input.employeeCount, country: input.country, lifecycle: input.companyLifecycle };
  let companyCreated = false;
  if (!company && (domain || input.companyName)) {
    company = await writer.createCompany({
      tenantId,
      name: input.companyName ?? companyNameFromDomain(domain!),
      ...companyFields,
      attributes: companyAttributes.merged as Prisma.InputJsonValue,
    });
    companyCreated = true;
    lookups.rememberCompany(company);
  } else if (company) {
    const merged = mergeFields(company, companyFields);
    const attributesChanged = Object.keys(companyAttributes.changes).length > 0;
    if (Object.keys(merged.update).length || attributesChanged) {
      company = await writer.updateCompany(company, { ...merged.update, ...(attributesChanged ? { attributes: companyAttributes.merged as Prisma.JsonValue } : {}) });
      lookups.rememberCompany(company);
    }
    note("company", merged.changes);
    note("companyAttributes", companyAttributes.changes);
  }
  if (company && domain && !lookups.domainRegistered(domain)) {
    // Registers the domain with the company unless another company already has it.
    if (await writer.addDomain(tenantId, company.id, domain)) {
      lookups.rememberDomain(domain, company);
      if (!companyCreated) note("company", { domain: { from: null, to: domain } });
    }
  }

  // --- Contact ---
  const seniority = input.seniority ?? (input.title ? seniorityFromTitle(input.title) : undefined);
  const contactFields = {
    firstName: input.firstName,
    lastName: input.lastName,
    title: input.title,
    phone: input.phone,
    timeZone: input.timeZone,
    companyId: company?.id,
    ownerId,
  };
  let contactCreated = false;
  if (!contact && (email || input.firstName || input.lastName)) {
    contact = await writer.createContact({
      tenantId,
      ...contactFields,
      email: email?.normalized ?? null,
      emailOriginal: email?.original ?? null,
      seniority: seniority ?? "UNKNOWN",
      doNotContact: input.doNotContact ?? false,
    });
    contactCreated = true;
    lookups.rememberContact(contact);
  } else if (contact) {
    const merged = mergeFields(contact, {
      ...contactFields,
      email: email?.normalized,
      // An explicit seniority replaces; one derived from the title only fills a blank.
      seniority: input.seniority ?? (contact.seniority === "UNKNOWN" ? seniority : undefined),
      // Do-not-contact is sticky: an import can set it, never clear it.
      doNotContact: input.doNotContact === true ? true : undefined,
    });
    const emailOriginal = email && merged.update.email ? { emailOriginal: email.original } : {};
    if (Object.keys(merged.update).length) {
      contact = await writer.updateContact(contact, { ...merged.update, ...emailOriginal });
      lookups.rememberContact(contact);
    }
    note("contact", merged.changes);
  }

  // --- Lead ---
  let lead = existingLead;
  let created = false;
  if (!lead) {
    lead = await writer.createLead({
      tenantId,
      source: input.source ?? ctx.defaultSource,
      contactId: contact?.id ?? null,
      companyId: company?.id ?? null,
      ownerId: ownerId ?? null,
      outcome: input.outcome ?? null,
      attributes: attributes.merged as Prisma.InputJsonValue,
      // A lead that arrives with its outcome is history (e.g. a CRM export to learn from), not open work.
      ...(input.outcome === "CONVERTED" ? { status: "CONVERTED" as const, convertedAt: new Date() } : {}),
      ...(input.outcome === "NOT_CONVERTED" ? { status: "DISQUALIFIED" as const, disqualifiedReason: "Arrived with the outcome: not converted." } : {}),
    });
    created = true;
  } else {
    // The first source is kept (first-touch attribution).
    const merged = mergeFields(lead, { contactId: contact?.id, companyId: company?.id, ownerId, outcome: input.outcome });
    note("lead", merged.changes);
    note("attributes", attributes.changes);
    if (Object.keys(merged.update).length || Object.keys(attributes.changes).length) {
      lead = await writer.updateLead(lead, { ...merged.update, ...(Object.keys(attributes.changes).length ? { attributes: attributes.merged as Prisma.JsonValue } : {}) });
    }
  }
  lookups.rememberLead(lead);
  if (input.externalId && !refLeadId) {
    await writer.createRef({ tenantId, system, entityType: "Lead", entityId: lead.id, externalId: input.externalId });
    lookups.rememberRef(system, input.externalId, lead.id);
    if (!created) note("lead", { externalId: { from: null, to: `${system}:${input.externalId}` } });
  }

  // --- Optional deal that came with the lead ---
  const notes: string[] = [];
  let dealId: string | null = null;
  if (input.deal) {
    const existingDeal = created ? null : await tx.deal.findFirst({ where: { leadId: lead.id }, select: { id: true } });
    if (existingDeal) {
      dealId = existingDeal.id;
      notes.push("The lead already has a deal; its deal fields were not applied (move deals with dealProgress).");
    } else {
      // The deal references the lead, company and contact: they must be written first.
      await writer.flush();
      const stage = input.deal.stage ? findStage(ctx.pipeline, input.deal.stage)! : firstOpenStage(ctx.pipeline);
      const deal = await tx.deal.create({
        data: {
          tenantId,
          name: input.deal.name ?? `${company?.name ?? ([contact?.firstName, contact?.lastName].filter(Boolean).join(" ") || "New")} deal`,
          companyId: company?.id ?? null,
          leadId: lead.id,
          ownerId: ownerId ?? lead.ownerId,
          stage: stage.key,
          amount: new Prisma.Decimal(input.deal.amount ?? 0),
          currency: input.deal.currency ?? ctx.defaultCurrency,
          expectedCloseDate: input.deal.expectedCloseDate ?? null,
          probability: input.deal.probability ?? stage.probability,
        },
      });
      await tx.dealStageChange.create({
        data: { tenantId, dealId: deal.id, toStage: stage.key, toStatus: "OPEN", actorType: uow.actor.principal.kind, actorId: uow.actor.principal.id, reason: "created with the lead" },
      });
      if (contact) await tx.dealContact.create({ data: { tenantId, dealId: deal.id, contactId: contact.id, role: "primary" } });
      await uow.audit({ action: "deal.created", targetType: "Deal", targetId: deal.id, summary: { leadId: lead.id, stage: stage.key, amount: deal.amount.toString(), currency: deal.currency } });
      await uow.emit("sales.deal.created", { dealId: deal.id, leadId: lead.id, stage: stage.key });
      dealId = deal.id;
    }
  }

  if (created) {
    await uow.audit({
      action: "lead.created",
      targetType: "Lead",
      targetId: lead.id,
      summary: {
        source: lead.source,
        externalId: input.externalId ? `${system}:${input.externalId}` : null,
        contactId: contact?.id ?? null,
        contactCreated,
        companyId: company?.id ?? null,
        companyCreated,
        emailDomainKind: email?.domainKind ?? null,
      },
    });
    await uow.emit("sales.lead.created", { leadId: lead.id, source: lead.source, status: lead.status, companyId: company?.id ?? null });
    return ok({ leadId: lead.id, result: "CREATED", matchedBy: null, dealId, notes });
  }
  if (Object.keys(changes).length === 0) return ok({ leadId: lead.id, result: "UNCHANGED", matchedBy, dealId, notes });
  await uow.audit({ action: "lead.merged", targetType: "Lead", targetId: lead.id, summary: { matchedBy, changes } });
  await uow.emit("sales.lead.updated", { leadId: lead.id, changed: Object.keys(changes) });
  return ok({ leadId: lead.id, result: "MERGED", matchedBy, dealId, notes });
}

