// Editing contacts, companies and leads: a value replaces, null clears, an
// absent field stays; every change is audited with old and new values and
// announced; bad input changes nothing; do-not-contact takes effect at once.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { asOwner } from "../../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk } from "../../helpers/graphql.js";

const Ingest = graphql(`
  mutation RecordUpdateIngest($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id status contact { id } company { id } } userErrors { code field message } }
  }
`);

const ContactUpdate = graphql(`
  mutation RecordUpdateContact($input: ContactUpdateInput!) {
    contactUpdate(input: $input) {
      contact { id email emailOriginal firstName title seniority phone timeZone doNotContact ownerId attributes company { id } leads { id status disqualifiedReason } }
      userErrors { field message code }
    }
  }
`);

const CompanyUpdate = graphql(`
  mutation RecordUpdateCompany($input: CompanyUpdateInput!) {
    companyUpdate(input: $input) {
      company { id name industry employeeCount country lifecycle domains ownerId attributes }
      userErrors { field message code }
    }
  }
`);

const LeadUpdate = graphql(`
  mutation RecordUpdateLead($input: LeadUpdateInput!) {
    leadUpdate(input: $input) {
      lead { id status source outcome ownerId disqualifiedReason attributes company { id } }
      userErrors { field message code }
    }
  }
`);

const DraftCreate = graphql(`
  mutation RecordUpdateDraft($input: DraftCreateInput!) {
    draftCreate(input: $input) { draft { id status } userErrors { code field } }
  }
`);

const DraftApprove = graphql(`
  mutation RecordUpdateApprove($input: DraftApproveInput!) {
    draftApprove(input: $input) { draft { status } userErrors { code message } }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let seq = 0;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, "edit");
});
afterAll(() => t?.close());

const owner = () => tenant.members.OWNER.token;
const userId = (role: "OPERATOR" | "MANAGER") => encodeGlobalID("User", tenant.members[role].userId);

async function newLead(extra: Record<string, unknown> = {}) {
  const n = ++seq;
  const data = await executeOk(t.graphqlUrl, Ingest, { input: { email: `person${n}@edit-co${n}.com`, firstName: "Pat", title: "Engineer", ...extra } }, { token: owner() });
  expect(data.leadIngest.userErrors).toEqual([]);
  return data.leadIngest.lead!;
}

async function auditOf(targetId: string) {
  return asOwner(t.db, async (c) => (await c.query(`SELECT action, summary FROM "AuditEntry" WHERE "targetId" = $1 ORDER BY "createdAt", "id"`, [targetId])).rows);
}

async function eventsOf(type: string, key: string, id: string) {
  return asOwner(t.db, async (c) => (await c.query(`SELECT payload FROM "OutboxEvent" WHERE type = $1 AND payload->>$2 = $3`, [type, key, id])).rows);
}

/** Everything a refused edit must leave alone. */
async function snapshot(tenantId: string) {
  return asOwner(t.db, async (c) => ({
    contacts: (await c.query(`SELECT * FROM "Contact" WHERE "tenantId" = $1 ORDER BY id`, [tenantId])).rows,
    companies: (await c.query(`SELECT c.*, array(SELECT domain FROM "CompanyDomain" d WHERE d."companyId" = c.id ORDER BY domain) AS domains FROM "Company" c WHERE "tenantId" = $1 ORDER BY id`, [tenantId])).rows,
    // Not the score columns: the background scoring job fills those in for new leads at any time.
    leads: (await c.query(`SELECT id, status, source, outcome, "ownerId", "companyId", "contactId", attributes, "disqualifiedReason" FROM "Lead" WHERE "tenantId" = $1 ORDER BY id`, [tenantId])).rows,
    audit: Number((await c.query(`SELECT count(*) AS n FROM "AuditEntry" WHERE "tenantId" = $1`, [tenantId])).rows[0].n),
  }));
}

describe("contactUpdate", () => {
  it("sets, clears and leaves fields, patches attributes key by key, and audits old and new values", async () => {
    const lead = await newLead({ phone: "+49 30 1234", attributes: undefined });
    const contactId = lead.contact!.id;
    await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId, attributes: { tier: "gold", region: "EU" } } }, { token: owner() });
    const data = await executeOk(
      t.graphqlUrl,
      ContactUpdate,
      { input: { contactId, title: "VP Engineering", seniority: "VP", phone: null, timeZone: "Europe/Berlin", ownerId: userId("OPERATOR"), attributes: { tier: "platinum", region: null } } },
      { token: tenant.members.OPERATOR.token },
    );
    expect(data.contactUpdate.userErrors).toEqual([]);
    const c = data.contactUpdate.contact!;
    expect(c).toMatchObject({ firstName: "Pat", title: "VP Engineering", seniority: "VP", phone: null, timeZone: "Europe/Berlin", ownerId: userId("OPERATOR"), attributes: { tier: "platinum" } });
    const audit = await auditOf(decodeId(c.id));
    const last = audit[audit.length - 1]!;
    expect(last.action).toBe("contact.updated");
    expect(last.summary.changes).toMatchObject({
      title: { from: "Engineer", to: "VP Engineering" },
      phone: { from: "+49 30 1234", to: null },
      "attributes.tier": { from: "gold", to: "platinum" },
      "attributes.region": { from: "EU", to: null },
    });
    expect(last.summary.changes.firstName).toBeUndefined();
    const events = await eventsOf("sales.contact.updated", "contactId", decodeId(c.id));
    expect(events.length).toBe(2);
    expect(events[1]!.payload.changed).toEqual(expect.arrayContaining(["title", "phone", "attributes.tier"]));
  });

  it("changes nothing and writes no audit entry when the values are the same", async () => {
    const lead = await newLead();
    const before = (await auditOf(decodeId(lead.contact!.id))).length;
    const data = await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId: lead.contact!.id, firstName: "Pat", title: "Engineer" } }, { token: owner() });
    expect(data.contactUpdate.userErrors).toEqual([]);
    expect((await auditOf(decodeId(lead.contact!.id))).length).toBe(before);
  });

  it("corrects the e-mail address, refuses another contact's address and an address with open drafts", async () => {
    const a = await newLead();
    const b = await newLead();
    const fixed = await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId: a.contact!.id, email: "  Pat.Fixed@Edit-Fixed.com " } }, { token: owner() });
    expect(fixed.contactUpdate.userErrors).toEqual([]);
    expect(fixed.contactUpdate.contact).toMatchObject({ email: "pat.fixed@edit-fixed.com", emailOriginal: "Pat.Fixed@Edit-Fixed.com" });

    const before = await snapshot(tenant.tenantId);
    const taken = await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId: b.contact!.id, email: "pat.fixed@edit-fixed.com" } }, { token: owner() });
    expect(taken.contactUpdate.userErrors).toMatchObject([{ code: "CONFLICT", field: ["input", "email"] }]);
    const bad = await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId: b.contact!.id, email: "not an address", timeZone: "Mars/Base", attributes: [1, 2] } }, { token: owner() });
    expect(bad.contactUpdate.userErrors.map((e) => [e.code, e.field.join(".")])).toEqual(
      expect.arrayContaining([
        ["VALIDATION_FAILED", "input.email"],
        ["VALIDATION_FAILED", "input.timeZone"],
        ["VALIDATION_FAILED", "input.attributes"],
      ]),
    );
    const nullName = await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId: b.contact!.id, doNotContact: null } }, { token: owner() });
    expect(nullName.contactUpdate.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "doNotContact"] });
    expect(await snapshot(tenant.tenantId)).toEqual(before);

    const draft = await executeOk(t.graphqlUrl, DraftCreate, { input: { recipient: { contactId: b.contact!.id }, subject: "Hello Pat", bodyText: "Hi Pat,\n\nShall we talk next week about your roadmap?\n\nBest,\nSam" } }, { token: owner() });
    expect(draft.draftCreate.userErrors).toEqual([]);
    const open = await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId: b.contact!.id, email: "pat.new@edit-new.com" } }, { token: owner() });
    expect(open.contactUpdate.userErrors).toMatchObject([{ code: "CONFLICT", field: ["input", "email"] }]);
    expect(open.contactUpdate.userErrors[0]!.message).toMatch(/open draft/);
  });

  it("do-not-contact disqualifies the open lead at once and blocks approval; only a manager clears it, and the lead stays out until someone takes it back", async () => {
    const lead = await newLead();
    const contactId = lead.contact!.id;
    const draft = await executeOk(t.graphqlUrl, DraftCreate, { input: { recipient: { contactId }, subject: "Quick question", bodyText: "Hi Pat,\n\nWould a short call next Tuesday work for you?\n\nBest,\nSam" } }, { token: owner() });
    const marked = await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId, doNotContact: true } }, { token: tenant.members.OPERATOR.token });
    expect(marked.contactUpdate.userErrors).toEqual([]);
    expect(marked.contactUpdate.contact!.doNotContact).toBe(true);
    expect(marked.contactUpdate.contact!.leads).toMatchObject([{ id: lead.id, status: "DISQUALIFIED", disqualifiedReason: expect.stringMatching(/do-not-contact/) }]);
    expect(await eventsOf("sales.lead.disqualified", "leadId", decodeId(lead.id))).toHaveLength(1);

    const approve = await executeOk(t.graphqlUrl, DraftApprove, { input: { draftId: draft.draftCreate.draft!.id } }, { token: tenant.members.MANAGER.token });
    expect(approve.draftApprove.draft).toBeNull();
    expect(approve.draftApprove.userErrors[0]!.message).toMatch(/do-not-contact/);

    const back = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, status: "WORKING" } }, { token: tenant.members.OPERATOR.token });
    expect(back.leadUpdate.userErrors).toMatchObject([{ code: "HARD_DISQUALIFIED", field: ["input", "status"] }]);

    const byOperator = await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId, doNotContact: false } }, { token: tenant.members.OPERATOR.token });
    expect(byOperator.contactUpdate.userErrors).toMatchObject([{ code: "FORBIDDEN", field: ["input", "doNotContact"] }]);
    const byManager = await executeOk(t.graphqlUrl, ContactUpdate, { input: { contactId, doNotContact: false } }, { token: tenant.members.MANAGER.token });
    expect(byManager.contactUpdate.userErrors).toEqual([]);
    expect(byManager.contactUpdate.contact!.leads[0]!.status).toBe("DISQUALIFIED");

    const worked = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, status: "WORKING" } }, { token: tenant.members.OPERATOR.token });
    expect(worked.leadUpdate.userErrors).toEqual([]);
    expect(worked.leadUpdate.lead).toMatchObject({ status: "WORKING", disqualifiedReason: null });
  });
});

describe("companyUpdate", () => {
  it("edits the company, and a domain added to it identifies it for the next lead", async () => {
    const lead = await newLead({ companyName: "Edit Works" });
    const companyId = lead.company!.id;
    const data = await executeOk(
      t.graphqlUrl,
      CompanyUpdate,
      { input: { companyId, name: "Edit Works GmbH", industry: "Software", employeeCount: 250, country: "de", lifecycle: "CUSTOMER", addDomains: ["https://www.editworks-group.de/about"], ownerId: userId("MANAGER"), attributes: { stage: "series_b" } } },
      { token: tenant.members.OPERATOR.token },
    );
    expect(data.companyUpdate.userErrors).toEqual([]);
    expect(data.companyUpdate.company).toMatchObject({ name: "Edit Works GmbH", industry: "Software", employeeCount: 250, country: "DE", lifecycle: "CUSTOMER", ownerId: userId("MANAGER"), attributes: { stage: "series_b" } });
    expect(data.companyUpdate.company!.domains).toContain("editworks-group.de");
    const audit = await auditOf(decodeId(companyId));
    expect(audit[audit.length - 1]).toMatchObject({ action: "company.updated", summary: { changes: { domains: { added: ["editworks-group.de"], removed: [] }, employeeCount: { from: null, to: 250 } } } });

    const next = await executeOk(t.graphqlUrl, Ingest, { input: { email: `someone${++seq}@editworks-group.de` } }, { token: owner() });
    expect(next.leadIngest.lead!.company!.id).toBe(companyId);

    const cleared = await executeOk(t.graphqlUrl, CompanyUpdate, { input: { companyId, industry: null, employeeCount: null, removeDomains: ["EditWorks-Group.de"] } }, { token: owner() });
    expect(cleared.companyUpdate.userErrors).toEqual([]);
    expect(cleared.companyUpdate.company).toMatchObject({ industry: null, employeeCount: null });
    expect(cleared.companyUpdate.company!.domains).not.toContain("editworks-group.de");
  });

  it("refuses free-mail domains, another company's domain, unknown removals and bad values, and changes nothing", async () => {
    const a = await newLead({ companyName: "Alpha Edit" });
    const b = await newLead({ companyName: "Beta Edit" });
    const before = await snapshot(tenant.tenantId);
    const foreignDomain = (await asOwner(t.db, async (c) => (await c.query(`SELECT domain FROM "CompanyDomain" WHERE "companyId" = $1`, [decodeId(b.company!.id)])).rows))[0]!.domain as string;
    const data = await executeOk(
      t.graphqlUrl,
      CompanyUpdate,
      { input: { companyId: a.company!.id, addDomains: ["gmail.com"], employeeCount: -5, country: "XX", name: "  " } },
      { token: owner() },
    );
    expect(data.companyUpdate.company).toBeNull();
    expect(data.companyUpdate.userErrors.map((e) => e.field.join("."))).toEqual(expect.arrayContaining(["input.addDomains.0", "input.employeeCount", "input.country", "input.name"]));
    const conflict = await executeOk(t.graphqlUrl, CompanyUpdate, { input: { companyId: a.company!.id, addDomains: [foreignDomain], removeDomains: ["not-ours.com"], industry: "Retail" } }, { token: owner() });
    expect(conflict.companyUpdate.userErrors.map((e) => [e.code, e.field.join(".")])).toEqual(
      expect.arrayContaining([
        ["CONFLICT", "input.addDomains"],
        ["NOT_FOUND", "input.removeDomains"],
      ]),
    );
    expect(await snapshot(tenant.tenantId)).toEqual(before);
  });
});

describe("leadUpdate", () => {
  it("assigns and unassigns the owner, sets the outcome and source, patches attributes, and rescoring is queued", async () => {
    const lead = await newLead();
    const set = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, ownerId: userId("OPERATOR"), source: "event", outcome: "CONVERTED", attributes: { budget: 5000 } } }, { token: tenant.members.OPERATOR.token });
    expect(set.leadUpdate.userErrors).toEqual([]);
    expect(set.leadUpdate.lead).toMatchObject({ ownerId: userId("OPERATOR"), source: "event", outcome: "CONVERTED", attributes: { budget: 5000 } });
    const unset = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, ownerId: null, outcome: null, attributes: { budget: null } } }, { token: owner() });
    expect(unset.leadUpdate.lead).toMatchObject({ ownerId: null, outcome: null, attributes: {} });
    const events = await eventsOf("sales.lead.updated", "leadId", decodeId(lead.id));
    expect(events.map((e) => e.payload.changed)).toEqual(expect.arrayContaining([expect.arrayContaining(["ownerId", "source", "outcome", "attributes.budget"])]));
    const jobs = await asOwner(t.db, async (c) => Number((await c.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'lead-scoring' AND data->'leadIds' ? $1`, [decodeId(lead.id)])).rows[0].n));
    expect(jobs).toBeGreaterThanOrEqual(2);
  });

  it("only sets WORKING; qualifying, converting and going back to NEW have their own paths", async () => {
    const lead = await newLead();
    const before = await snapshot(tenant.tenantId);
    for (const [status, message] of [["QUALIFIED", /leadQualify/], ["DISQUALIFIED", /leadQualify/], ["CONVERTED", /leadConvert/]] as const) {
      const r = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, status } }, { token: owner() });
      expect(r.leadUpdate.userErrors).toMatchObject([{ code: "INVALID_TRANSITION", field: ["input", "status"], message: expect.stringMatching(message) }]);
    }
    const unknownOwner = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, ownerId: encodeGlobalID("User", "00000000-0000-0000-0000-000000000001") } }, { token: owner() });
    expect(unknownOwner.leadUpdate.userErrors).toMatchObject([{ code: "NOT_FOUND", field: ["input", "ownerId"] }]);
    const wrongType = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, companyId: lead.id } }, { token: owner() });
    expect(wrongType.leadUpdate.userErrors).toMatchObject([{ code: "NOT_FOUND", field: ["input", "companyId"] }]);
    const huge = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, attributes: { blob: "x".repeat(20_000) } } }, { token: owner() });
    expect(huge.leadUpdate.userErrors).toMatchObject([{ code: "VALIDATION_FAILED", field: ["input", "attributes"] }]);
    expect(await snapshot(tenant.tenantId)).toEqual(before);

    const working = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, status: "WORKING" } }, { token: owner() });
    expect(working.leadUpdate.lead!.status).toBe("WORKING");
    const again = await executeOk(t.graphqlUrl, LeadUpdate, { input: { leadId: lead.id, status: "NEW" } }, { token: owner() });
    expect(again.leadUpdate.userErrors).toMatchObject([{ code: "INVALID_TRANSITION" }]);
  });
});

function decodeId(globalId: string): string {
  return decodeGlobalID(globalId).id;
}
