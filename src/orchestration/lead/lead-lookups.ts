// Identity look-ups for lead ingest: external ids, contacts by e-mail, leads
// by contact, companies by domain or name. One ingest asks the database
// directly; an import first loads what a chunk of rows needs in a handful of
// queries, and every write updates the cache, so later rows of the same
// batch see earlier ones.
import type { Tx } from "../../data/database.js";
import type { Company, Contact, Lead } from "../../generated/prisma/client.js";

const refKey = (system: string, externalId: string) => `${system}\u0000${externalId}`;

export class IngestLookups {
  private readonly refs = new Map<string, string | null>();
  private readonly contactsByEmail = new Map<string, Contact | null>();
  private readonly contactsById = new Map<string, Contact | null>();
  private readonly leadsByContact = new Map<string, Lead | null>();
  private readonly leadsById = new Map<string, Lead | null>();
  private readonly companiesByDomain = new Map<string, Company | null>();
  private readonly companiesById = new Map<string, Company | null>();
  private readonly companiesByName = new Map<string, Company | null>();
  /** Domains known to belong to some company (from the cache or a write), and the reverse. */
  private readonly domainOwners = new Map<string, string>();
  private readonly domainsOfCompany = new Map<string, Set<string>>();

  constructor(
    private readonly tx: Tx,
    private readonly tenantId: string,
  ) {}

  /** Loads, in a few queries, everything the given rows will look up. */
  async prefetch(rows: { system: string; externalId?: string | undefined; email?: string | undefined; domain?: string | undefined; companyName?: string | undefined }[]): Promise<void> {
    const { tx } = this;
    const refRows = rows.filter((r) => r.externalId && !this.refs.has(refKey(r.system, r.externalId)));
    if (refRows.length) {
      const found = await tx.externalRef.findMany({
        where: { entityType: "Lead", OR: groupBySystem(refRows).map(([system, ids]) => ({ system, externalId: { in: ids } })) },
        select: { system: true, externalId: true, entityId: true },
      });
      for (const r of refRows) this.refs.set(refKey(r.system, r.externalId!), null);
      for (const f of found) this.refs.set(refKey(f.system, f.externalId), f.entityId);
    }
    const emails = unique(rows.map((r) => r.email).filter((e): e is string => !!e && !this.contactsByEmail.has(e)));
    if (emails.length) {
      const contacts = await tx.contact.findMany({ where: { email: { in: emails } } });
      for (const e of emails) this.contactsByEmail.set(e, null);
      for (const c of contacts) this.rememberContact(c);
    }
    const leadIds = unique([...this.refs.values()].filter((id): id is string => !!id && !this.leadsById.has(id)));
    const contactIds = unique([...this.contactsByEmail.values()].filter((c): c is Contact => !!c && !this.leadsByContact.has(c.id)).map((c) => c.id));
    if (leadIds.length || contactIds.length) {
      const leads = await tx.lead.findMany({ where: { OR: [{ id: { in: leadIds } }, { contactId: { in: contactIds } }] } });
      for (const id of contactIds) this.leadsByContact.set(id, null);
      for (const l of leads) this.rememberLead(l);
      const missingContacts = unique(leads.map((l) => l.contactId).filter((id): id is string => !!id && !this.contactsById.has(id)));
      if (missingContacts.length) for (const c of await tx.contact.findMany({ where: { id: { in: missingContacts } } })) this.rememberContact(c);
    }
    const domains = unique(rows.map((r) => r.domain).filter((d): d is string => !!d && !this.companiesByDomain.has(d)));
    if (domains.length) {
      const found = await tx.companyDomain.findMany({ where: { domain: { in: domains } }, include: { company: true } });
      for (const d of domains) this.companiesByDomain.set(d, null);
      for (const f of found) {
        this.rememberDomain(f.domain, f.company);
        this.rememberCompany(f.company);
      }
    }
    const names = unique(rows.map((r) => r.companyName?.toLowerCase()).filter((n): n is string => !!n && !this.companiesByName.has(n)));
    if (names.length) {
      const found = await tx.company.findMany({ where: { name: { in: names, mode: "insensitive" } }, orderBy: { createdAt: "asc" } });
      for (const n of names) this.companiesByName.set(n, null);
      for (const c of found) if (!this.companiesByName.get(c.name.toLowerCase())) this.companiesByName.set(c.name.toLowerCase(), c);
    }
    const companyIds = unique([...this.contactsById.values()].map((c) => c?.companyId).filter((id): id is string => !!id && !this.companiesById.has(id)));
    if (companyIds.length) for (const c of await tx.company.findMany({ where: { id: { in: companyIds } } })) this.rememberCompany(c);
  }

  async leadIdByRef(system: string, externalId: string): Promise<string | null> {
    const key = refKey(system, externalId);
    if (!this.refs.has(key)) {
      const ref = await this.tx.externalRef.findUnique({
        where: { tenantId_system_entityType_externalId: { tenantId: this.tenantId, system, entityType: "Lead", externalId } },
        select: { entityId: true },
      });
      this.refs.set(key, ref?.entityId ?? null);
    }
    return this.refs.get(key)!;
  }

  async contactByEmail(email: string): Promise<Contact | null> {
    if (!this.contactsByEmail.has(email)) {
      const contact = await this.tx.contact.findUnique({ where: { tenantId_email: { tenantId: this.tenantId, email } } });
      this.contactsByEmail.set(email, contact);
      if (contact) this.contactsById.set(contact.id, contact);
    }
    return this.contactsByEmail.get(email)!;
  }

  async contactById(id: string): Promise<Contact | null> {
    if (!this.contactsById.has(id)) this.contactsById.set(id, await this.tx.contact.findUnique({ where: { id } }));
    return this.contactsById.get(id)!;
  }

  async leadByContact(contactId: string): Promise<Lead | null> {
    if (!this.leadsByContact.has(contactId)) {
      const lead = await this.tx.lead.findUnique({ where: { tenantId_contactId: { tenantId: this.tenantId, contactId } } });
      this.leadsByContact.set(contactId, lead);
      if (lead) this.leadsById.set(lead.id, lead);
    }
    return this.leadsByContact.get(contactId)!;
  }

  async leadById(id: string): Promise<Lead | null> {
    if (!this.leadsById.has(id)) this.leadsById.set(id, await this.tx.lead.findUnique({ where: { id } }));
    return this.leadsById.get(id)!;
  }

  async companyByDomain(domain: string): Promise<Company | null> {
    if (!this.companiesByDomain.has(domain)) {
      const found = await this.tx.companyDomain.findUnique({ where: { tenantId_domain: { tenantId: this.tenantId, domain } }, include: { company: true } });
      this.companiesByDomain.set(domain, found?.company ?? null);
      if (found) this.rememberDomain(domain, found.company);
    }
    return this.companiesByDomain.get(domain)!;
  }

  async companyById(id: string): Promise<Company | null> {
    if (!this.companiesById.has(id)) this.companiesById.set(id, await this.tx.company.findUnique({ where: { id } }));
    return this.companiesById.get(id)!;
  }

  async companyByName(name: string): Promise<Company | null> {
    const key = name.toLowerCase();
    if (!this.companiesByName.has(key)) {
      this.companiesByName.set(key, await this.tx.company.findFirst({ where: { name: { equals: name, mode: "insensitive" } }, orderBy: { createdAt: "asc" } }));
    }
    return this.companiesByName.get(key)!;
  }

  /** Whether the domain is already registered to a company (so it need not be inserted). */
  domainRegistered(domain: string): boolean {
    return this.domainOwners.has(domain);
  }

  rememberDomain(domain: string, company: Company): void {
    this.domainOwners.set(domain, company.id);
    this.companiesByDomain.set(domain, company);
    const domains = this.domainsOfCompany.get(company.id) ?? new Set<string>();
    domains.add(domain);
    this.domainsOfCompany.set(company.id, domains);
  }

  rememberRef(system: string, externalId: string, leadId: string): void {
    this.refs.set(refKey(system, externalId), leadId);
  }

  rememberContact(contact: Contact): void {
    this.contactsById.set(contact.id, contact);
    if (contact.email) this.contactsByEmail.set(contact.email, contact);
  }

  rememberLead(lead: Lead): void {
    this.leadsById.set(lead.id, lead);
    if (lead.contactId) this.leadsByContact.set(lead.contactId, lead);
  }

  rememberCompany(company: Company): void {
    this.companiesById.set(company.id, company);
    const key = company.name.toLowerCase();
    if (!this.companiesByName.get(key)) this.companiesByName.set(key, company);
    for (const domain of this.domainsOfCompany.get(company.id) ?? []) this.companiesByDomain.set(domain, company);
  }

  /** Forgets everything: after a row's savepoint is rolled back, the cache may hold rows that no longer exist. */
  clear(): void {
    for (const map of [this.refs, this.contactsByEmail, this.contactsById, this.leadsByContact, this.leadsById, this.companiesByDomain, this.companiesById, this.companiesByName, this.domainOwners, this.domainsOfCompany]) {
      (map as Map<string, unknown>).clear();
    }
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function groupBySystem(rows: { system: string; externalId?: string | undefined }[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const r of rows) groups.set(r.system, [...(groups.get(r.system) ?? []), r.externalId!]);
  return [...groups.entries()];
}
