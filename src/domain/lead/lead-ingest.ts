// Lead ingest, planned: given one incoming row and what already exists (the
// lead found by external id or e-mail, its contact, the company found by
// domain or name, the owner), what to create, what to merge and why — or why
// the row is refused. Pure: the orchestration (orchestration/lead-ingest.ts)
// loads what exists, plans, and applies the plan.
//
// Merging never erases: empty values are ignored, changed values replace and
// every change (old and new) is kept for the audit entry. Records the plan
// creates have no id yet: the plan refers to them as NEW_COMPANY / NEW_CONTACT
// and the apply step puts in the real ids (withIds).
import { checkDealAgainstPipeline } from "../pipeline/deal.js";
import type { NormalizedEmail } from "../email.js";
import { attributesWithinLimits, companyNameFromDomain, mergeAttributes, mergeFields, seniorityFromTitle, type FieldChange, type LeadInput } from "./lead.js";
import { findStage, firstOpenStage, type PipelineSettings } from "../pipeline/pipeline.js";
import { fail, ok, userError, type Outcome } from "../user-error.js";

/** A record this plan creates, before it has an id. */
export interface NewRecord {
  readonly newRecord: "company" | "contact";
}
export const NEW_COMPANY: NewRecord = Object.freeze({ newRecord: "company" });
export const NEW_CONTACT: NewRecord = Object.freeze({ newRecord: "contact" });
export type RecordId = string | NewRecord;

/** The id a value stands for: the real id of NEW_COMPANY / NEW_CONTACT, anything else as it is. */
function resolveId(value: unknown, ids: { company?: string | null; contact?: string | null }): unknown {
  if (value === NEW_COMPANY) return ids.company ?? null;
  if (value === NEW_CONTACT) return ids.contact ?? null;
  return value;
}

/** Puts the ids the new records got in place of NEW_COMPANY / NEW_CONTACT among the values. */
export function withIds<T extends Record<string, unknown>>(values: T, ids: { company?: string | null; contact?: string | null }): T {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, resolveId(value, ids)])) as T;
}

/** The same for the new values of a set of changes. */
export function changesWithIds(changes: Record<string, FieldChange>, ids: { company?: string | null; contact?: string | null }): Record<string, FieldChange> {
  return Object.fromEntries(Object.entries(changes).map(([key, change]) => [key, { from: change.from, to: resolveId(change.to, ids) }]));
}

/** What an existing lead, contact and company contribute to a plan (the stored rows have more). */
export interface ExistingLead {
  id: string;
  contactId: string | null;
  companyId: string | null;
  ownerId: string | null;
  outcome: string | null;
  attributes: unknown;
}
export interface ExistingContact {
  id: string;
  companyId: string | null;
  firstName: string | null;
  lastName: string | null;
  seniority: string;
  email?: string | null;
  title?: string | null;
  phone?: string | null;
  timeZone?: string | null;
  ownerId?: string | null;
  doNotContact?: boolean;
}
export interface ExistingCompany {
  id: string;
  name: string;
  attributes: unknown;
  industry?: string | null;
  employeeCount?: number | null;
  country?: string | null;
  lifecycle?: string | null;
}

/** What the look-ups found for one row. */
export interface IngestExisting {
  /** The owner the row names: undefined when it names none, null when no member matches. */
  owner: string | null | undefined;
  /** The lead the row's external id is registered to (its id, and the lead). */
  refLeadId: string | null;
  leadByRef: ExistingLead | null;
  /** The contact with the row's e-mail address, and that contact's lead. */
  contactByEmail: ExistingContact | null;
  leadByEmail: ExistingLead | null;
  /** The contact of the matched lead, else the one with the e-mail address. */
  contact: ExistingContact | null;
  /** The company found by domain, else the contact's, else by exact name. */
  company: ExistingCompany | null;
  /** The row's company domain is registered to a company already. */
  domainRegistered: boolean;
  /** The matched lead's deal, looked up when the row brings a deal. */
  existingDealId: string | null;
}

export interface IngestDefaults {
  pipeline: PipelineSettings;
  defaultCurrency: string;
  defaultSource: string;
  defaultSystem: string;
}

/** The domain that identifies the row's company: the one given, else the e-mail's when it is a company domain. */
export function companyDomainOf(input: Pick<LeadInput, "companyDomain"> & { email?: NormalizedEmail | undefined }): string | undefined {
  return input.companyDomain ?? (input.email?.domainKind === "COMPANY" ? input.email.domain : undefined);
}

/** The lead the row matches: by external id first, then by e-mail. */
export function matchedLead<L extends ExistingLead>(existing: { leadByRef: L | null; leadByEmail: L | null }): L | null {
  return existing.leadByRef ?? existing.leadByEmail;
}

/** A section of the audit entry's changes; `ifDomainAdded` only counts when the domain registration went through. */
export interface PlannedChange {
  section: "company" | "companyAttributes" | "contact" | "lead" | "attributes";
  changes: Record<string, FieldChange>;
  ifDomainAdded?: true;
}

export type CompanyStep =
  | { action: "none" }
  | { action: "create"; data: { name: string; industry?: string; employeeCount?: number; country?: string; lifecycle?: string; attributes: Record<string, unknown> } }
  /** update null: the company stays as it is. */
  | { action: "merge"; update: Record<string, unknown> | null };

export type ContactStep =
  | { action: "none" }
  | { action: "create"; data: Record<string, unknown> & { companyId: RecordId | undefined; seniority: string; doNotContact: boolean; email: string | null; emailOriginal: string | null } }
  | { action: "merge"; update: Record<string, unknown> | null };

export type LeadStep =
  | { action: "create"; data: Record<string, unknown> & { source: string; contactId: RecordId | null; companyId: RecordId | null; ownerId: string | null; attributes: Record<string, unknown> } }
  | { action: "merge"; update: Record<string, unknown> | null };

export type DealStep =
  | { action: "none" }
  | { action: "existing"; dealId: string }
  | {
      action: "create";
      data: { name: string; stage: string; amount: number; currency: string; expectedCloseDate: Date | null; probability: number; ownerId: string | null };
    };

export interface IngestPlan {
  matchedBy: "EXTERNAL_ID" | "EMAIL" | null;
  /** The system the external id belongs to. */
  system: string;
  ownerId: string | undefined;
  company: CompanyStep;
  /** Register this domain with the company (unless another company has it by then). */
  registerDomain: string | null;
  contact: ContactStep;
  lead: LeadStep;
  /** Register the external id with the lead. */
  ref: { system: string; externalId: string } | null;
  deal: DealStep;
  /** The changes to an existing lead's records, in the order the audit entry lists them. */
  changes: PlannedChange[];
  /** Something worth telling the caller that did not stop the row. */
  notes: string[];
}

type Merge = { merged: Record<string, unknown>; changes: Record<string, FieldChange> };
type Note = (section: PlannedChange["section"], changes: Record<string, FieldChange>, ifDomainAdded?: boolean) => void;

function ownerRefusal(input: LeadInput, existing: IngestExisting, path: string[]) {
  if (existing.owner !== null) return null;
  if (input.ownerId) return userError("NOT_FOUND", "The owner is not a member of this tenant.", [...path, "ownerId"]);
  if (input.ownerEmail) return userError("NOT_FOUND", "No member of this tenant has that e-mail address.", [...path, "ownerEmail"]);
  return null;
}

/**
 * Every check that can refuse the row, in order: the owner, the deal, identity
 * conflicts, the size of the merged attributes. Passes on the merged attributes.
 */
function checkRow(input: LeadInput, existing: IngestExisting, defaults: IngestDefaults, path: string[]): Outcome<{ attributes: Merge; companyAttributes: Merge }> {
  const ownerError = ownerRefusal(input, existing, path);
  if (ownerError) return fail(ownerError);
  const dealErrors = input.deal
    ? checkDealAgainstPipeline(defaults.pipeline, { stage: input.deal.stage, currency: input.deal.currency ?? defaults.defaultCurrency }, [...path, "deal"])
    : [];
  if (dealErrors.length) return fail(...dealErrors);
  // Identity: external id first, then the normalised e-mail.
  const { leadByRef, leadByEmail, contactByEmail, contact } = existing;
  if (leadByRef && leadByEmail && leadByRef.id !== leadByEmail.id) {
    return fail(userError("CONFLICT", `External id ${input.externalId} belongs to a different lead than this e-mail address.`, [...path, "externalId"]));
  }
  if (contact && contactByEmail && contact.id !== contactByEmail.id) {
    return fail(userError("CONFLICT", "This e-mail address belongs to another contact.", [...path, "email"]));
  }
  const lead = matchedLead(existing);
  const attributes = lead ? mergeAttributes((lead.attributes ?? {}) as Record<string, unknown>, input.attributes) : { merged: input.attributes ?? {}, changes: {} };
  const sizeError = attributesWithinLimits(attributes.merged);
  if (sizeError) return fail(userError("VALIDATION_FAILED", sizeError, [...path, "attributes"]));
  const companyAttributes = mergeAttributes((existing.company?.attributes ?? {}) as Record<string, unknown>, input.companyAttributes);
  const companySizeError = attributesWithinLimits(companyAttributes.merged);
  if (companySizeError) {
    return fail(userError("VALIDATION_FAILED", companySizeError.replace("merged attributes", "merged company attributes"), [...path, "companyAttributes"]));
  }
  return ok({ attributes, companyAttributes });
}

/** The company: the one found (merged), else one created from the domain or name; and the domain to register with it. */
function planCompany(input: LeadInput, existing: IngestExisting, companyAttributes: Merge, note: Note): { step: CompanyStep; id: RecordId | undefined; name: string | undefined; registerDomain: string | null } {
  const company = existing.company;
  const domain = companyDomainOf(input);
  const fields = { industry: input.industry, employeeCount: input.employeeCount, country: input.country, lifecycle: input.companyLifecycle };
  let planned: { step: CompanyStep; id: RecordId | undefined; name: string | undefined } = { step: { action: "none" }, id: undefined, name: undefined };
  if (!company && (domain || input.companyName)) {
    const name = input.companyName ?? companyNameFromDomain(domain!);
    planned = { step: { action: "create", data: { name, ...fields, attributes: companyAttributes.merged } }, id: NEW_COMPANY, name };
  } else if (company) {
    const merged = mergeFields(company, fields);
    const attributesChanged = Object.keys(companyAttributes.changes).length > 0;
    const update = { ...merged.update, ...(attributesChanged ? { attributes: companyAttributes.merged } : {}) };
    planned = { step: { action: "merge", update: Object.keys(merged.update).length || attributesChanged ? update : null }, id: company.id, name: company.name };
    note("company", merged.changes);
    note("companyAttributes", companyAttributes.changes);
  }
  const registerDomain = planned.id && domain && !existing.domainRegistered ? domain : null;
  if (registerDomain && planned.step.action !== "create") note("company", { domain: { from: null, to: registerDomain } }, true);
  return { ...planned, registerDomain };
}

/** The contact: the one found (merged; seniority and do-not-contact by their own rules), else a new one when there is an e-mail or a name. */
function planContact(
  input: LeadInput,
  existing: IngestExisting,
  links: { companyId: RecordId | undefined; ownerId: string | undefined },
  note: Note,
): { step: ContactStep; id: RecordId | undefined; name: { firstName: string | null | undefined; lastName: string | null | undefined } | undefined } {
  const contact = existing.contact;
  const email = input.email;
  const seniority = input.seniority ?? (input.title ? seniorityFromTitle(input.title) : undefined);
  const fields = { firstName: input.firstName, lastName: input.lastName, title: input.title, phone: input.phone, timeZone: input.timeZone, ...links };
  if (!contact && (email || input.firstName || input.lastName)) {
    const data = { ...fields, email: email?.normalized ?? null, emailOriginal: email?.original ?? null, seniority: seniority ?? "UNKNOWN", doNotContact: input.doNotContact ?? false };
    return { step: { action: "create", data }, id: NEW_CONTACT, name: { firstName: input.firstName, lastName: input.lastName } };
  }
  if (!contact) return { step: { action: "none" }, id: undefined, name: undefined };
  const merged = mergeFields(contact, {
    ...fields,
    email: email?.normalized,
    // An explicit seniority replaces; one derived from the title only fills a blank.
    seniority: input.seniority ?? (contact.seniority === "UNKNOWN" ? seniority : undefined),
    // Do-not-contact is sticky: an import can set it, never clear it.
    doNotContact: input.doNotContact === true ? true : undefined,
  });
  const emailOriginal = email && merged.update.email ? { emailOriginal: email.original } : {};
  note("contact", merged.changes);
  return {
    step: { action: "merge", update: Object.keys(merged.update).length ? { ...merged.update, ...emailOriginal } : null },
    id: contact.id,
    name: { firstName: merged.update.firstName ?? contact.firstName, lastName: merged.update.lastName ?? contact.lastName },
  };
}

/** The lead: the one matched (merged; its first source kept), else a new one; and the external id to register. */
function planLead(
  input: LeadInput,
  existing: IngestExisting,
  links: { contactId: RecordId | undefined; companyId: RecordId | undefined; ownerId: string | undefined; attributes: Merge },
  defaults: IngestDefaults,
  now: Date,
  note: Note,
): { step: LeadStep; ref: IngestPlan["ref"]; system: string } {
  const lead = matchedLead(existing);
  const { contactId, companyId, ownerId, attributes } = links;
  let step: LeadStep;
  if (!lead) {
    step = {
      action: "create",
      data: {
        source: input.source ?? defaults.defaultSource,
        contactId: contactId ?? null,
        companyId: companyId ?? null,
        ownerId: ownerId ?? null,
        outcome: input.outcome ?? null,
        attributes: attributes.merged,
        // A lead that arrives with its outcome is history (e.g. a CRM export to learn from), not open work.
        ...(input.outcome === "CONVERTED" ? { status: "CONVERTED" as const, convertedAt: now } : {}),
        ...(input.outcome === "NOT_CONVERTED" ? { status: "DISQUALIFIED" as const, disqualifiedReason: "Arrived with the outcome: not converted." } : {}),
      },
    };
  } else {
    const merged = mergeFields(lead, { contactId, companyId, ownerId, outcome: input.outcome });
    note("lead", merged.changes);
    note("attributes", attributes.changes);
    const attributesChanged = Object.keys(attributes.changes).length > 0;
    step = { action: "merge", update: Object.keys(merged.update).length || attributesChanged ? { ...merged.update, ...(attributesChanged ? { attributes: attributes.merged } : {}) } : null };
  }
  const system = input.externalSystem ?? defaults.defaultSystem;
  const ref = input.externalId && !existing.refLeadId ? { system, externalId: input.externalId } : null;
  if (ref && lead) note("lead", { externalId: { from: null, to: `${system}:${input.externalId}` } });
  return { step, ref, system };
}

/** The deal that came with the row: none, the matched lead's own (kept, with a note), or a new one in the given or first open stage. */
function planDeal(
  input: LeadInput,
  existing: IngestExisting,
  names: { company: string | undefined; contact: { firstName: string | null | undefined; lastName: string | null | undefined } | undefined; ownerId: string | undefined },
  defaults: IngestDefaults,
): { step: DealStep; notes: string[] } {
  if (!input.deal) return { step: { action: "none" }, notes: [] };
  const lead = matchedLead(existing);
  const existingDealId = lead ? existing.existingDealId : null;
  if (existingDealId) {
    return { step: { action: "existing", dealId: existingDealId }, notes: ["The lead already has a deal; its deal fields were not applied (move deals with dealProgress)."] };
  }
  const stage = input.deal.stage ? findStage(defaults.pipeline, input.deal.stage)! : firstOpenStage(defaults.pipeline);
  const person = [names.contact?.firstName, names.contact?.lastName].filter(Boolean).join(" ");
  const data = {
    name: input.deal.name ?? `${names.company ?? (person || "New")} deal`,
    stage: stage.key,
    amount: input.deal.amount ?? 0,
    currency: input.deal.currency ?? defaults.defaultCurrency,
    expectedCloseDate: input.deal.expectedCloseDate ?? null,
    probability: input.deal.probability ?? stage.probability,
    ownerId: names.ownerId ?? lead?.ownerId ?? null,
  };
  return { step: { action: "create", data }, notes: [] };
}

/**
 * Plans one row. Every check that can refuse the row comes first, so a refused
 * row writes nothing; then company, contact, lead and deal, each linked to the
 * ones before. `now` stamps a lead that arrives already converted.
 */
export function planIngest(input: LeadInput, existing: IngestExisting, defaults: IngestDefaults, path: string[], now: Date): Outcome<IngestPlan> {
  const checked = checkRow(input, existing, defaults, path);
  if (!checked.ok) return checked;
  const { attributes, companyAttributes } = checked.value;
  const changes: PlannedChange[] = [];
  const note: Note = (section, c, ifDomainAdded = false) => {
    if (Object.keys(c).length) changes.push({ section, changes: c, ...(ifDomainAdded ? { ifDomainAdded: true as const } : {}) });
  };
  const ownerId = existing.owner ?? undefined;
  const company = planCompany(input, existing, companyAttributes, note);
  const contact = planContact(input, existing, { companyId: company.id, ownerId }, note);
  const lead = planLead(input, existing, { contactId: contact.id, companyId: company.id, ownerId, attributes }, defaults, now, note);
  const deal = planDeal(input, existing, { company: company.name, contact: contact.name, ownerId }, defaults);
  const { leadByRef, leadByEmail } = existing;
  return ok({
    matchedBy: leadByRef ? "EXTERNAL_ID" : leadByEmail ? "EMAIL" : null,
    system: lead.system,
    ownerId,
    company: company.step,
    registerDomain: company.registerDomain,
    contact: contact.step,
    lead: lead.step,
    ref: lead.ref,
    deal: deal.step,
    changes,
    notes: deal.notes,
  });
}

/** The audit entry's changes once the plan is applied: sections merged in order, the domain only if it was registered. */
export function appliedChanges(planned: PlannedChange[], domainAdded: boolean): Record<string, Record<string, FieldChange>> {
  const changes: Record<string, Record<string, FieldChange>> = {};
  for (const p of planned) {
    if (p.ifDomainAdded && !domainAdded) continue;
    changes[p.section] = { ...(changes[p.section] ?? {}), ...p.changes };
  }
  return changes;
}
