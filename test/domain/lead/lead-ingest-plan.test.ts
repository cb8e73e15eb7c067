// planIngest alone: for one incoming row and what exists, what is created,
// merged or refused, and why; then how the applied plan's changes and ids come
// together for the audit entry.
import { describe, expect, it } from "vitest";
import { leadInputSchema } from "../../../src/domain/lead/lead.js";
import {
  appliedChanges,
  changesWithIds,
  companyDomainOf,
  NEW_COMPANY,
  NEW_CONTACT,
  planIngest,
  withIds,
  type ExistingCompany,
  type ExistingContact,
  type ExistingLead,
  type IngestExisting,
  type IngestPlan,
} from "../../../src/domain/lead/lead-ingest.js";
import { pipelineSettingsSchema } from "../../../src/domain/pipeline/pipeline.js";

const NOW = new Date("2026-03-04T10:00:00.000Z");
const defaults = { pipeline: pipelineSettingsSchema.parse({}), defaultCurrency: "EUR", defaultSource: "api", defaultSystem: "import" };
const row = (raw: Record<string, unknown>) => leadInputSchema.parse(raw);
const nothing: IngestExisting = {
  owner: undefined,
  refLeadId: null,
  leadByRef: null,
  contactByEmail: null,
  leadByEmail: null,
  contact: null,
  company: null,
  domainRegistered: false,
  existingDealId: null,
};
const lead = (patch: Partial<ExistingLead> = {}): ExistingLead => ({ id: "lead-1", contactId: "contact-1", companyId: "company-1", ownerId: null, outcome: null, attributes: {}, ...patch });
const contact = (patch: Partial<ExistingContact> = {}): ExistingContact => ({
  id: "contact-1",
  companyId: "company-1",
  firstName: "Maria",
  lastName: "Keller",
  seniority: "UNKNOWN",
  email: "maria@lumatech.io",
  title: null,
  phone: null,
  timeZone: null,
  ownerId: null,
  doNotContact: false,
  ...patch,
});
const company = (patch: Partial<ExistingCompany> = {}): ExistingCompany => ({ id: "company-1", name: "Lumatech", attributes: {}, industry: null, employeeCount: null, country: null, lifecycle: "PROSPECT", ...patch });
/** An existing lead found by its e-mail, with its contact and company. */
const known = (patch: Partial<IngestExisting> = {}): IngestExisting => ({
  ...nothing,
  contactByEmail: contact(),
  leadByEmail: lead(),
  contact: contact(),
  company: company(),
  domainRegistered: true,
  ...patch,
});

const plan = (raw: Record<string, unknown>, existing: IngestExisting = nothing): IngestPlan => {
  const result = planIngest(row(raw), existing, defaults, ["input"], NOW);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.errors)}`);
  return result.value;
};
const refusal = (raw: Record<string, unknown>, existing: IngestExisting = nothing) => {
  const result = planIngest(row(raw), existing, defaults, ["input"], NOW);
  if (result.ok) throw new Error("planned, expected a refusal");
  return result.errors.map((e) => ({ code: e.code, field: e.field, message: e.message }));
};

describe("refusals, before anything is written", () => {
  it("an owner id that is no member", () => {
    expect(refusal({ email: "a@lumatech.io", ownerId: "8f0e0c4e-2a4b-4f55-9d55-0c7c0b8e6f11" }, { ...nothing, owner: null })).toEqual([
      { code: "NOT_FOUND", field: ["input", "ownerId"], message: "The owner is not a member of this tenant." },
    ]);
  });

  it("an owner e-mail no member has", () => {
    expect(refusal({ email: "a@lumatech.io", ownerEmail: "nobody@acme.com" }, { ...nothing, owner: null })).toEqual([
      { code: "NOT_FOUND", field: ["input", "ownerEmail"], message: "No member of this tenant has that e-mail address." },
    ]);
  });

  it("a deal in an unknown or closed stage, or in a currency that is not one", () => {
    expect(refusal({ email: "a@lumatech.io", deal: { stage: "nowhere" } }).map((e) => e.field)).toEqual([["input", "deal", "stage"]]);
    expect(refusal({ email: "a@lumatech.io", deal: { stage: "closed_won" } })[0]).toMatchObject({ code: "INVALID_TRANSITION", field: ["input", "deal", "stage"] });
    expect(refusal({ email: "a@lumatech.io", deal: { currency: "XYZ1" } })[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "deal", "currency"] });
  });

  it("an external id of one lead with the e-mail of another", () => {
    expect(refusal({ email: "maria@lumatech.io", externalId: "42" }, known({ refLeadId: "lead-2", leadByRef: lead({ id: "lead-2", contactId: "contact-2" }) }))).toEqual([
      { code: "CONFLICT", field: ["input", "externalId"], message: "External id 42 belongs to a different lead than this e-mail address." },
    ]);
  });

  it("an e-mail address that belongs to another contact than the matched lead's", () => {
    const other = contact({ id: "contact-9" });
    expect(refusal({ email: "maria@lumatech.io", externalId: "42" }, { ...nothing, refLeadId: "lead-1", leadByRef: lead(), contact: contact(), contactByEmail: other })).toEqual([
      { code: "CONFLICT", field: ["input", "email"], message: "This e-mail address belongs to another contact." },
    ]);
  });

  it("merged lead attributes beyond the limits", () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`old${i}`, i]));
    const more = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`new${i}`, i]));
    expect(refusal({ email: "maria@lumatech.io", attributes: more }, known({ leadByEmail: lead({ attributes: many }) }))[0]).toMatchObject({
      code: "VALIDATION_FAILED",
      field: ["input", "attributes"],
      message: expect.stringMatching(/^merged attributes /),
    });
  });

  it("merged company attributes beyond the limits say so", () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`old${i}`, i]));
    const more = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`new${i}`, i]));
    expect(refusal({ email: "maria@lumatech.io", companyAttributes: more }, known({ company: company({ attributes: many }) }))[0]).toMatchObject({
      code: "VALIDATION_FAILED",
      field: ["input", "companyAttributes"],
      message: expect.stringMatching(/^merged company attributes /),
    });
  });

  it("checks in order: the owner before the deal before identity", () => {
    const conflicting = known({ owner: null, refLeadId: "lead-2", leadByRef: lead({ id: "lead-2" }) });
    expect(refusal({ email: "maria@lumatech.io", externalId: "42", ownerEmail: "x@acme.com", deal: { stage: "nowhere" } }, conflicting)[0]!.field).toEqual(["input", "ownerEmail"]);
    expect(refusal({ email: "maria@lumatech.io", externalId: "42", deal: { stage: "nowhere" } }, { ...conflicting, owner: undefined })[0]!.field).toEqual(["input", "deal", "stage"]);
  });
});

describe("a new lead", () => {
  it("with a company e-mail: company from the domain (registered), contact, lead", () => {
    const p = plan({ email: "Maria.Keller@Lumatech-Labs.io", firstName: "Maria", title: "VP Sales", industry: "Software" });
    expect(p.matchedBy).toBeNull();
    expect(p.company).toEqual({ action: "create", data: { name: "Lumatech Labs", industry: "Software", employeeCount: undefined, country: undefined, lifecycle: undefined, attributes: {} } });
    expect(p.registerDomain).toBe("lumatech-labs.io");
    expect(p.contact).toEqual({
      action: "create",
      data: {
        firstName: "Maria",
        lastName: undefined,
        title: "VP Sales",
        phone: undefined,
        timeZone: undefined,
        companyId: NEW_COMPANY,
        ownerId: undefined,
        email: "maria.keller@lumatech-labs.io",
        emailOriginal: "Maria.Keller@Lumatech-Labs.io",
        seniority: "VP",
        doNotContact: false,
      },
    });
    expect(p.lead).toEqual({
      action: "create",
      data: { source: "api", contactId: NEW_CONTACT, companyId: NEW_COMPANY, ownerId: null, outcome: null, attributes: {} },
    });
    expect(p.ref).toBeNull();
    expect(p.deal).toEqual({ action: "none" });
    expect(p.changes).toEqual([]);
    expect(p.notes).toEqual([]);
  });

  it("with a free-mail address: no company, unless named", () => {
    expect(plan({ email: "maria@gmail.com" }).company).toEqual({ action: "none" });
    expect(plan({ email: "maria@gmail.com" }).registerDomain).toBeNull();
    const named = plan({ email: "maria@gmail.com", companyName: "Lumatech" });
    expect(named.company).toMatchObject({ action: "create", data: { name: "Lumatech" } });
    expect(named.registerDomain).toBeNull();
  });

  it("an explicit company domain wins over the e-mail's", () => {
    expect(companyDomainOf(row({ email: "maria@lumatech.io", companyDomain: "lumatech.com" }))).toBe("lumatech.com");
    expect(companyDomainOf(row({ email: "maria@lumatech.io" }))).toBe("lumatech.io");
    expect(companyDomainOf(row({ email: "maria@gmail.com" }))).toBeUndefined();
    expect(plan({ email: "maria@gmail.com", companyDomain: "lumatech.com" }).registerDomain).toBe("lumatech.com");
  });

  it("joins a company that exists (by domain or name) without changing it when nothing is new", () => {
    const p = plan({ email: "new@lumatech.io" }, { ...nothing, company: company(), domainRegistered: true });
    expect(p.company).toEqual({ action: "merge", update: null });
    expect(p.registerDomain).toBeNull();
    expect(p.contact).toMatchObject({ action: "create", data: { companyId: "company-1" } });
    expect(p.lead).toMatchObject({ action: "create", data: { companyId: "company-1", contactId: NEW_CONTACT } });
  });

  it("registers the e-mail's domain with a company found by name", () => {
    const p = plan({ email: "new@lumatech.io", companyName: "Lumatech" }, { ...nothing, company: company() });
    expect(p.registerDomain).toBe("lumatech.io");
    expect(p.changes).toEqual([{ section: "company", changes: { domain: { from: null, to: "lumatech.io" } }, ifDomainAdded: true }]);
  });

  it("by external id only: no contact, the id registered under the row's system or the default", () => {
    const p = plan({ externalId: "hs-1", externalSystem: "hubspot", source: "hubspot" });
    expect(p.contact).toEqual({ action: "none" });
    expect(p.company).toEqual({ action: "none" });
    expect(p.lead).toMatchObject({ action: "create", data: { source: "hubspot", contactId: null, companyId: null } });
    expect(p.ref).toEqual({ system: "hubspot", externalId: "hs-1" });
    expect(p.changes).toEqual([]); // a new lead has nothing to report as changed
    expect(plan({ externalId: "7" }).ref).toEqual({ system: "import", externalId: "7" });
    expect(plan({ externalId: "7" }).system).toBe("import");
  });

  it("a contact without an e-mail when a name is given", () => {
    expect(plan({ externalId: "7", lastName: "Keller" }).contact).toMatchObject({ action: "create", data: { lastName: "Keller", email: null, emailOriginal: null, seniority: "UNKNOWN" } });
  });

  it("arriving with its outcome: converted at now, or disqualified with the reason", () => {
    expect(plan({ email: "a@gmail.com", outcome: "CONVERTED" }).lead).toMatchObject({ data: { outcome: "CONVERTED", status: "CONVERTED", convertedAt: NOW } });
    expect(plan({ email: "a@gmail.com", outcome: "no" }).lead).toMatchObject({
      data: { outcome: "NOT_CONVERTED", status: "DISQUALIFIED", disqualifiedReason: "Arrived with the outcome: not converted." },
    });
    expect(plan({ email: "a@gmail.com" }).lead.action === "create" && "status" in (plan({ email: "a@gmail.com" }).lead as { data: object }).data).toBe(false);
  });

  it("the resolved owner goes on the contact and the lead; do-not-contact is kept", () => {
    const p = plan({ email: "a@lumatech.io", ownerEmail: "owner@acme.com", doNotContact: "yes" }, { ...nothing, owner: "user-7" });
    expect(p.ownerId).toBe("user-7");
    expect(p.contact).toMatchObject({ data: { ownerId: "user-7", doNotContact: true } });
    expect(p.lead).toMatchObject({ data: { ownerId: "user-7" } });
  });

  it("with a deal: first open stage, stage probability, default currency, named after the company", () => {
    expect(plan({ email: "a@lumatech.io", deal: { amount: 1200 } }).deal).toEqual({
      action: "create",
      data: { name: "Lumatech deal", stage: "qualification", amount: 1200, currency: "EUR", expectedCloseDate: null, probability: 10, ownerId: null },
    });
    expect(plan({ email: "a@lumatech.io", deal: { name: "Big one", stage: "proposal", currency: "usd", probability: 60, expectedCloseDate: "2026-06-30" } }).deal).toEqual({
      action: "create",
      data: { name: "Big one", stage: "proposal", amount: 0, currency: "USD", expectedCloseDate: new Date("2026-06-30"), probability: 60, ownerId: null },
    });
  });

  it("a deal without a company is named after the person, else 'New deal'", () => {
    expect(plan({ email: "a@gmail.com", firstName: "Ana", lastName: "Ruiz", deal: {} }).deal).toMatchObject({ data: { name: "Ana Ruiz deal" } });
    expect(plan({ email: "a@gmail.com", deal: {} }).deal).toMatchObject({ data: { name: "New deal" } });
  });
});

describe("a repeat merges into what exists", () => {
  it("found by e-mail, nothing new: no writes, no changes", () => {
    const p = plan({ email: "maria@lumatech.io", firstName: "", lastName: "Keller" }, known());
    expect(p.matchedBy).toBe("EMAIL");
    expect(p.company).toEqual({ action: "merge", update: null });
    expect(p.contact).toEqual({ action: "merge", update: null });
    expect(p.lead).toEqual({ action: "merge", update: null });
    expect(p.registerDomain).toBeNull();
    expect(p.changes).toEqual([]);
  });

  it("found by external id", () => {
    const p = plan({ externalId: "42" }, { ...nothing, refLeadId: "lead-1", leadByRef: lead(), contact: contact(), company: company() });
    expect(p.matchedBy).toBe("EXTERNAL_ID");
    expect(p.ref).toBeNull();
    expect(p.changes).toEqual([]);
  });

  it("changed values replace and every change is listed, section by section in order", () => {
    const p = plan(
      {
        email: "maria@lumatech.io",
        firstName: "Mария",
        title: "Head of Ops",
        industry: "Robotics",
        companyAttributes: { stage: "series_b" },
        attributes: { budget: "50k" },
        outcome: "CONVERTED",
        externalId: "hs-9",
        externalSystem: "hubspot",
      },
      known({ company: company({ attributes: { stage: "seed" } }), leadByEmail: lead({ attributes: { budget: "10k", keep: true } }) }),
    );
    expect(p.company).toEqual({ action: "merge", update: { industry: "Robotics", attributes: { stage: "series_b" } } });
    expect(p.contact).toEqual({ action: "merge", update: { firstName: "Mария", title: "Head of Ops", seniority: "DIRECTOR" } });
    expect(p.lead).toEqual({ action: "merge", update: { outcome: "CONVERTED", attributes: { budget: "50k", keep: true } } });
    expect(p.ref).toEqual({ system: "hubspot", externalId: "hs-9" });
    expect(p.changes).toEqual([
      { section: "company", changes: { industry: { from: null, to: "Robotics" } } },
      { section: "companyAttributes", changes: { stage: { from: "seed", to: "series_b" } } },
      { section: "contact", changes: { firstName: { from: "Maria", to: "Mария" }, title: { from: null, to: "Head of Ops" }, seniority: { from: "UNKNOWN", to: "DIRECTOR" } } },
      { section: "lead", changes: { outcome: { from: null, to: "CONVERTED" } } },
      { section: "attributes", changes: { budget: { from: "10k", to: "50k" } } },
      { section: "lead", changes: { externalId: { from: null, to: "hubspot:hs-9" } } },
    ]);
  });

  it("seniority: an explicit one replaces, one from the title only fills a blank", () => {
    expect(plan({ email: "maria@lumatech.io", title: "CEO" }, known({ contact: contact({ seniority: "VP" }) })).contact).toEqual({ action: "merge", update: { title: "CEO" } });
    expect(plan({ email: "maria@lumatech.io", seniority: "ENTRY" }, known({ contact: contact({ seniority: "VP" }) })).contact).toEqual({ action: "merge", update: { seniority: "ENTRY" } });
  });

  it("do-not-contact can be set, never cleared", () => {
    expect(plan({ email: "maria@lumatech.io", doNotContact: true }, known()).contact).toEqual({ action: "merge", update: { doNotContact: true } });
    expect(plan({ email: "maria@lumatech.io", doNotContact: false }, known({ contact: contact({ doNotContact: true }) })).contact).toEqual({ action: "merge", update: null });
  });

  it("a changed e-mail keeps its original spelling", () => {
    // The contact of the lead found by external id has no e-mail yet.
    const noEmail = contact({ email: null });
    const p = plan({ email: "Maria@Lumatech.io", externalId: "42" }, { ...nothing, refLeadId: "lead-1", leadByRef: lead(), contact: noEmail, company: company(), domainRegistered: true });
    expect(p.contact).toEqual({ action: "merge", update: { email: "maria@lumatech.io", emailOriginal: "Maria@Lumatech.io" } });
  });

  it("a lead without a contact gets a new one, a contact without a company the new company", () => {
    const p = plan({ email: "maria@newco.io", externalId: "42" }, { ...nothing, refLeadId: "lead-1", leadByRef: lead({ contactId: null, companyId: null }) });
    expect(p.company).toMatchObject({ action: "create", data: { name: "Newco" } });
    expect(p.contact).toMatchObject({ action: "create", data: { companyId: NEW_COMPANY } });
    expect(p.lead).toEqual({ action: "merge", update: { contactId: NEW_CONTACT, companyId: NEW_COMPANY } });
    expect(p.changes).toEqual([{ section: "lead", changes: { contactId: { from: null, to: NEW_CONTACT }, companyId: { from: null, to: NEW_COMPANY } } }]);
  });

  it("a new owner moves contact and lead", () => {
    const p = plan({ email: "maria@lumatech.io", ownerId: "8f0e0c4e-2a4b-4f55-9d55-0c7c0b8e6f11" }, known({ owner: "user-2" }));
    expect(p.contact).toEqual({ action: "merge", update: { ownerId: "user-2" } });
    expect(p.lead).toEqual({ action: "merge", update: { ownerId: "user-2" } });
  });

  it("the lead's deal is kept: a note instead of a second deal", () => {
    const p = plan({ email: "maria@lumatech.io", deal: { amount: 5 } }, known({ existingDealId: "deal-1" }));
    expect(p.deal).toEqual({ action: "existing", dealId: "deal-1" });
    expect(p.notes).toEqual(["The lead already has a deal; its deal fields were not applied (move deals with dealProgress)."]);
  });

  it("a lead without a deal gets one, owned by the lead's owner, named after the merged contact when there is no company", () => {
    const p = plan({ email: "maria@gmail.com", lastName: "Weber", deal: {} }, known({ company: null, contact: contact({ companyId: null }), contactByEmail: contact({ companyId: null }), leadByEmail: lead({ ownerId: "user-3", companyId: null }) }));
    expect(p.deal).toMatchObject({ action: "create", data: { name: "Maria Weber deal", ownerId: "user-3" } });
  });
});

describe("applying: changes and ids", () => {
  it("the domain change counts only when the domain was registered; sections fold in order", () => {
    const planned: IngestPlan["changes"] = [
      { section: "company", changes: { industry: { from: null, to: "x" } } },
      { section: "companyAttributes", changes: { a: { from: 1, to: 2 } } },
      { section: "company", changes: { domain: { from: null, to: "d.io" } }, ifDomainAdded: true },
      { section: "lead", changes: { outcome: { from: null, to: "CONVERTED" } } },
    ];
    expect(appliedChanges(planned, true)).toEqual({
      company: { industry: { from: null, to: "x" }, domain: { from: null, to: "d.io" } },
      companyAttributes: { a: { from: 1, to: 2 } },
      lead: { outcome: { from: null, to: "CONVERTED" } },
    });
    expect(Object.keys(appliedChanges(planned, true))).toEqual(["company", "companyAttributes", "lead"]);
    expect(appliedChanges(planned, false).company).toEqual({ industry: { from: null, to: "x" } });
    expect(Object.keys(appliedChanges([planned[2]!], true))).toEqual(["company"]);
    expect(appliedChanges([planned[2]!], false)).toEqual({});
  });

  it("new records get their ids; lookalike user values are left alone", () => {
    const ids = { company: "c-9", contact: "p-9" };
    expect(withIds({ companyId: NEW_COMPANY, contactId: NEW_CONTACT, source: "api", attributes: { newRecord: "company" } }, ids)).toEqual({
      companyId: "c-9",
      contactId: "p-9",
      source: "api",
      attributes: { newRecord: "company" },
    });
    expect(changesWithIds({ companyId: { from: "c-1", to: NEW_COMPANY }, x: { from: null, to: { newRecord: "contact" } } }, ids)).toEqual({
      companyId: { from: "c-1", to: "c-9" },
      x: { from: null, to: { newRecord: "contact" } },
    });
  });
});
