// Where lead ingest writes new companies, domains, contacts, leads and
// external ids. One ingest writes straight away; an import collects a chunk's
// new rows (ids made here, time-ordered like the database's own) and writes
// them with one multi-row insert per table, in foreign-key order. A change to
// a row that is still waiting is folded into it.
import { v7 as uuidv7 } from "uuid";
import { insertRows, type BulkColumn } from "../../data/bulk-insert.js";
import { Prisma, type Tx } from "../../data/database.js";
import type { Company, Contact, Lead } from "../../generated/prisma/client.js";

type CompanyData = Omit<Prisma.CompanyUncheckedCreateInput, "id">;
type ContactData = Omit<Prisma.ContactUncheckedCreateInput, "id">;
type LeadData = Omit<Prisma.LeadUncheckedCreateInput, "id">;
type Changes<T> = Partial<T>;

export interface IngestWriter {
  createCompany(data: CompanyData): Promise<Company>;
  updateCompany(company: Company, data: Changes<Company>): Promise<Company>;
  /** Registers a domain with a company; false when another company has it already. */
  addDomain(tenantId: string, companyId: string, domain: string): Promise<boolean>;
  createContact(data: ContactData): Promise<Contact>;
  updateContact(contact: Contact, data: Changes<Contact>): Promise<Contact>;
  createLead(data: LeadData): Promise<Lead>;
  updateLead(lead: Lead, data: Changes<Lead>): Promise<Lead>;
  createRef(data: { tenantId: string; system: string; entityType: string; entityId: string; externalId: string }): Promise<void>;
  /** Writes whatever is waiting (before anything that references it by foreign key). */
  flush(): Promise<void>;
}

export function directWriter(tx: Tx): IngestWriter {
  return {
    createCompany: (data) => tx.company.create({ data }),
    updateCompany: (company, data) => tx.company.update({ where: { id: company.id }, data: data as Prisma.CompanyUncheckedUpdateInput }),
    async addDomain(tenantId, companyId, domain) {
      const added = await tx.companyDomain.createMany({ data: [{ tenantId, companyId, domain }], skipDuplicates: true });
      return added.count > 0;
    },
    createContact: (data) => tx.contact.create({ data }),
    updateContact: (contact, data) => tx.contact.update({ where: { id: contact.id }, data: data as Prisma.ContactUncheckedUpdateInput }),
    createLead: (data) => tx.lead.create({ data }),
    updateLead: (lead, data) => tx.lead.update({ where: { id: lead.id }, data: data as Prisma.LeadUncheckedUpdateInput }),
    async createRef(data) {
      await tx.externalRef.create({ data });
    },
    async flush() {},
  };
}

/**
 * The batching writer. The rows it hands back carry the same defaults as the
 * schema (status NEW, seniority UNKNOWN, …) so later rows of the batch merge
 * into them exactly as into stored rows.
 */
export function batchWriter(tx: Tx): IngestWriter {
  const companies = new Map<string, Company>();
  const domains: { id: string; tenantId: string; companyId: string; domain: string }[] = [];
  const contacts = new Map<string, Contact>();
  const leads = new Map<string, Lead>();
  const refs: { id: string; tenantId: string; system: string; entityType: string; entityId: string; externalId: string }[] = [];
  const now = () => new Date();
  const json = (v: unknown) => (v ?? {}) as Prisma.JsonValue;
  /** A change to a row still waiting to be inserted is folded into it; a stored row is updated. */
  const foldOrUpdate = async <T extends { id: string; updatedAt: Date }>(waiting: Map<string, T>, row: T, data: Partial<T>, update: () => Promise<T>) => {
    const pending = waiting.get(row.id);
    return pending ? Object.assign(pending, data, { updatedAt: now() }) : update();
  };

  return {
    async createCompany(data) {
      const at = now();
      const company: Company = {
        id: uuidv7(),
        tenantId: data.tenantId,
        name: data.name,
        industry: data.industry ?? null,
        employeeCount: data.employeeCount ?? null,
        country: data.country ?? null,
        lifecycle: data.lifecycle ?? "PROSPECT",
        ownerId: data.ownerId ?? null,
        attributes: json(data.attributes),
        createdAt: at,
        updatedAt: at,
      };
      companies.set(company.id, company);
      return company;
    },
    updateCompany: (company, data) => foldOrUpdate(companies, company, data, () => tx.company.update({ where: { id: company.id }, data: data as Prisma.CompanyUncheckedUpdateInput })),
    async addDomain(tenantId, companyId, domain) {
      domains.push({ id: uuidv7(), tenantId, companyId, domain });
      return true;
    },
    async createContact(data) {
      const at = now();
      const contact: Contact = {
        id: uuidv7(),
        tenantId: data.tenantId,
        companyId: data.companyId ?? null,
        ownerId: data.ownerId ?? null,
        firstName: data.firstName ?? null,
        lastName: data.lastName ?? null,
        email: data.email ?? null,
        emailOriginal: data.emailOriginal ?? null,
        title: data.title ?? null,
        seniority: data.seniority ?? "UNKNOWN",
        phone: data.phone ?? null,
        timeZone: data.timeZone ?? null,
        doNotContact: data.doNotContact ?? false,
        attributes: json(data.attributes),
        createdAt: at,
        updatedAt: at,
      };
      contacts.set(contact.id, contact);
      return contact;
    },
    updateContact: (contact, data) => foldOrUpdate(contacts, contact, data, () => tx.contact.update({ where: { id: contact.id }, data: data as Prisma.ContactUncheckedUpdateInput })),
    async createLead(data) {
      const at = now();
      const lead: Lead = {
        id: uuidv7(),
        tenantId: data.tenantId,
        contactId: data.contactId ?? null,
        companyId: data.companyId ?? null,
        ownerId: data.ownerId ?? null,
        source: data.source,
        status: data.status ?? "NEW",
        outcome: data.outcome ?? null,
        disqualifiedReason: data.disqualifiedReason ?? null,
        attributes: json(data.attributes),
        score: null,
        grade: null,
        scoredAt: null,
        latestScoreId: null,
        convertedAt: (data.convertedAt as Date | null | undefined) ?? null,
        createdAt: at,
        updatedAt: at,
      };
      leads.set(lead.id, lead);
      return lead;
    },
    updateLead: (lead, data) => foldOrUpdate(leads, lead, data, () => tx.lead.update({ where: { id: lead.id }, data: data as Prisma.LeadUncheckedUpdateInput })),
    async createRef(data) {
      refs.push({ id: uuidv7(), ...data });
    },
    async flush() {
      const rows = <T extends object>(m: Iterable<T>) => [...m] as unknown as Record<string, unknown>[];
      await insertRows(tx, "Company", COMPANY_COLUMNS, rows(companies.values()));
      await insertRows(tx, "CompanyDomain", DOMAIN_COLUMNS, rows(domains));
      await insertRows(tx, "Contact", CONTACT_COLUMNS, rows(contacts.values()));
      await insertRows(tx, "Lead", LEAD_COLUMNS, rows(leads.values()));
      await insertRows(tx, "ExternalRef", REF_COLUMNS, rows(refs));
      companies.clear();
      domains.length = 0;
      contacts.clear();
      leads.clear();
      refs.length = 0;
    },
  };
}

const COMPANY_COLUMNS: BulkColumn[] = [
  ["id", "uuid"], ["tenantId", "uuid"], ["name", "text"], ["industry", "text"], ["employeeCount", "int4"], ["country", "text"],
  ["lifecycle", "CompanyLifecycle"], ["ownerId", "uuid"], ["attributes", "jsonb"], ["createdAt", "timestamptz"], ["updatedAt", "timestamptz"],
];
const DOMAIN_COLUMNS: BulkColumn[] = [["id", "uuid"], ["tenantId", "uuid"], ["companyId", "uuid"], ["domain", "text"]];
const CONTACT_COLUMNS: BulkColumn[] = [
  ["id", "uuid"], ["tenantId", "uuid"], ["companyId", "uuid"], ["ownerId", "uuid"], ["firstName", "text"], ["lastName", "text"],
  ["email", "text"], ["emailOriginal", "text"], ["title", "text"], ["seniority", "Seniority"], ["phone", "text"], ["timeZone", "text"],
  ["doNotContact", "bool"], ["attributes", "jsonb"], ["createdAt", "timestamptz"], ["updatedAt", "timestamptz"],
];
const LEAD_COLUMNS: BulkColumn[] = [
  ["id", "uuid"], ["tenantId", "uuid"], ["contactId", "uuid"], ["companyId", "uuid"], ["ownerId", "uuid"], ["source", "text"],
  ["status", "LeadStatus"], ["outcome", "LeadOutcome"], ["disqualifiedReason", "text"], ["attributes", "jsonb"],
  ["convertedAt", "timestamptz"], ["createdAt", "timestamptz"], ["updatedAt", "timestamptz"],
];
const REF_COLUMNS: BulkColumn[] = [["id", "uuid"], ["tenantId", "uuid"], ["system", "text"], ["entityType", "text"], ["entityId", "uuid"], ["externalId", "text"]];
