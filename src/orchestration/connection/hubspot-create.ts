// Our records → new HubSpot records (the outbound sync's "create" half, run by
// the PUSH items of src/orchestration/connection/hubspot-push.ts). Only when
// the tenant's HubspotSettings say so (createContacts / createCompanies /
// createDeals, all off by default). For one record of ours:
// - already linked (ExternalRef): its HubSpot id, nothing else;
// - else HubSpot is searched by the identity key of lead ingest — the
//   canonical e-mail for a contact, the domain for a company — and a record
//   found there is linked and applied with the inbound sync's rules
//   (applyRecords: same matching, conflict rule and audit), never duplicated;
// - else it is created with its associations (contact → company; deal →
//   company and contacts, made first when their creation is on too), linked
//   (ExternalRef + sync mark at HubSpot's modification time, so the inbound
//   sync does not read it back) and audited (`<entity>.hubspot_created`,
//   source sales-agent, destination hubspot).
// Exactly once: a per-record advisory lock keeps two workers from creating
// the same record; a retry after a crash between HubSpot's create and our
// commit finds the contact by e-mail (HubSpot also refuses a second contact
// with an address it has: 409 "Existing ID", which we link), the company by
// domain, and the deal by our id in its custom property `sales_agent_record_id`.
import type { Tx } from "../../data/database.js";
import { withTenant } from "../../data/database.js";
import {
  COMPANY_PROPERTIES,
  CONTACT_PROPERTIES,
  HUBSPOT_SYSTEM,
  creationStage,
  existingContactIdOf,
  stageMappingSchema,
  type HubspotCreateSettings,
} from "../../domain/connection/hubspot.js";
import { parseEmail } from "../../domain/email.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { ok } from "../../domain/user-error.js";
import type { HubspotApi, HubspotObject, HubspotObjectType } from "../../integrations/hubspot/client.js";
import { bufferedUnitOfWork, runUnitOfWork, type Actor } from "../unit-of-work.js";
import type { ConnectionServices } from "./connection.js";
import { applyRecords, loadSyncContext, withHubspot } from "./hubspot-sync.js";

export const RECORD_MARKER_PROPERTY = "sales_agent_record_id";

export type CrmEntity = "Contact" | "Company" | "Deal";
const TYPE: Record<CrmEntity, HubspotObjectType> = { Contact: "contacts", Company: "companies", Deal: "deals" };

export interface EnsureContext {
  services: ConnectionServices;
  actor: Actor;
  tenantId: string;
  connectionId: string;
  itemId: string;
  settings: HubspotCreateSettings;
}

export type EnsureOutcome =
  | { hubspotId: string; how: "linked" | "found" | "created" }
  | { hubspotId: null; reason: string };

/** The tenant's create settings (all false without a settings row). */
export async function createSettingsOf(tx: Tx): Promise<HubspotCreateSettings> {
  const row = await tx.hubspotSettings.findFirst({ select: { createContacts: true, createCompanies: true, createDeals: true } });
  return { createContacts: row?.createContacts ?? false, createCompanies: row?.createCompanies ?? false, createDeals: row?.createDeals ?? false };
}

async function linkedId(services: ConnectionServices, tenantId: string, entity: CrmEntity, entityId: string): Promise<string | null> {
  const ref = await withTenant(services.db.prisma, { tenantId }, (tx) =>
    tx.externalRef.findFirst({ where: { system: HUBSPOT_SYSTEM, entityType: entity, entityId }, orderBy: { createdAt: "asc" }, select: { externalId: true } }),
  );
  return ref?.externalId ?? null;
}

/** Runs `fn` holding a session advisory lock on one record of ours (waits up to 30 s, then throws: the job retries). */
async function withRecordLock<T>(services: ConnectionServices, key: string, fn: () => Promise<T>): Promise<T> {
  const client = await services.db.pool.connect();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const got = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [key]);
      if (got.rows[0]?.ok) break;
      if (Date.now() > deadline) throw new Error("another worker is creating this record in HubSpot; retried");
      await new Promise((r) => setTimeout(r, 200));
    }
    try {
      return await fn();
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [key]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

/** The HubSpot id of one record of ours: linked, found and linked, or created and linked (see the file comment). */
export async function ensureInHubspot(ctx: EnsureContext, entity: CrmEntity, entityId: string): Promise<EnsureOutcome> {
  const linked = await linkedId(ctx.services, ctx.tenantId, entity, entityId);
  if (linked) return { hubspotId: linked, how: "linked" };
  const allowed = entity === "Contact" ? ctx.settings.createContacts : entity === "Company" ? ctx.settings.createCompanies : ctx.settings.createDeals;
  if (!allowed) return { hubspotId: null, reason: `not linked to HubSpot (creating ${TYPE[entity]} there is off: hubspotSyncSettingsUpdate)` };
  return withRecordLock(ctx.services, `hubspot-create:${ctx.tenantId}:${entity}:${entityId}`, async () => {
    // Another worker may have linked it while this one waited for the lock.
    const now = await linkedId(ctx.services, ctx.tenantId, entity, entityId);
    if (now) return { hubspotId: now, how: "linked" as const };
    return entity === "Contact" ? ensureContact(ctx, entityId) : entity === "Company" ? ensureCompany(ctx, entityId) : ensureDeal(ctx, entityId);
  });
}

/** HubSpot ids of the records to associate with (the linked or now created ones; those that cannot be made are left out). */
async function associated(ctx: EnsureContext, entity: CrmEntity, ids: (string | null | undefined)[]): Promise<{ type: HubspotObjectType; id: string }[]> {
  const out: { type: HubspotObjectType; id: string }[] = [];
  for (const id of [...new Set(ids.filter((i): i is string => !!i))]) {
    const r = await ensureInHubspot(ctx, entity, id);
    if (r.hubspotId) out.push({ type: TYPE[entity], id: r.hubspotId });
  }
  return out;
}

/** A record found at HubSpot by its identity key: applied and linked with the inbound sync's rules; returns whether it is now ours. */
async function linkFound(ctx: EnsureContext, type: "contacts" | "companies", entityId: string, found: HubspotObject, matchedBy: string): Promise<EnsureOutcome> {
  const connection = await withTenant(ctx.services.db.prisma, { tenantId: ctx.tenantId }, (tx) => tx.connection.findUniqueOrThrow({ where: { id: ctx.connectionId } }));
  const sync = await loadSyncContext(ctx.services, connection);
  const entity: CrmEntity = type === "contacts" ? "Contact" : "Company";
  const outcome = await runUnitOfWork(ctx.services, ctx.actor, async (inner) => {
    const uow = bufferedUnitOfWork(inner);
    await applyRecords(sync, uow, type, [found], { companies: new Map(), contacts: new Map() });
    await uow.flush();
    const ref = await uow.tx.externalRef.findFirst({ where: { system: HUBSPOT_SYSTEM, entityType: entity, externalId: found.id }, select: { entityId: true } });
    if (ref?.entityId !== entityId) return ok(false);
    await inner.audit({ action: `${entity.toLowerCase()}.hubspot_linked`, targetType: entity, targetId: entityId, summary: { source: "sales-agent", destination: HUBSPOT_SYSTEM, hubspotId: found.id, matchedBy, itemId: ctx.itemId } });
    return ok(true);
  });
  if (outcome.ok && outcome.value) return { hubspotId: found.id, how: "found" };
  return { hubspotId: null, reason: `HubSpot's ${type.replace(/s$/, "").replace(/ie$/, "y")} ${found.id} with this ${matchedBy} is linked to another record here` };
}

/** A record we created at HubSpot: linked, marked in step (no echo through the inbound sync), audited. */
async function linkCreated(ctx: EnsureContext, entity: CrmEntity, entityId: string, localUpdatedAt: Date, created: HubspotObject, fields: string[], how: "created" | "found"): Promise<EnsureOutcome> {
  await runUnitOfWork(ctx.services, ctx.actor, async (uow) => {
    await uow.tx.externalRef.createMany({ data: [{ tenantId: ctx.tenantId, system: HUBSPOT_SYSTEM, entityType: entity, entityId, externalId: created.id }], skipDuplicates: true });
    await uow.tx.hubspotRecordSync.upsert({
      where: { tenantId_entityType_hubspotId: { tenantId: ctx.tenantId, entityType: entity, hubspotId: created.id } },
      create: { tenantId: ctx.tenantId, entityType: entity, entityId, hubspotId: created.id, hubspotModifiedAt: created.updatedAt, localUpdatedAt },
      update: { entityId, hubspotModifiedAt: created.updatedAt, localUpdatedAt, syncedAt: new Date() },
    });
    await uow.audit({
      action: `${entity.toLowerCase()}.hubspot_${how === "created" ? "created" : "linked"}`,
      targetType: entity,
      targetId: entityId,
      summary: { source: "sales-agent", destination: HUBSPOT_SYSTEM, hubspotId: created.id, itemId: ctx.itemId, ...(how === "created" ? { fields } : { matchedBy: "our id (a retry after HubSpot created it)" }) },
    });
    return ok(null);
  });
  return { hubspotId: created.id, how };
}

const put = (props: Record<string, string>, name: string, value: string | number | null | undefined) => {
  if (value !== null && value !== undefined && String(value).trim()) props[name] = String(value);
};

async function ownerOf(tx: Tx, userId: string | null): Promise<string | null> {
  if (!userId) return null;
  return (await tx.hubspotOwner.findFirst({ where: { userId }, select: { hubspotOwnerId: true } }))?.hubspotOwnerId ?? null;
}

async function ensureContact(ctx: EnsureContext, contactId: string): Promise<EnsureOutcome> {
  const state = await withTenant(ctx.services.db.prisma, { tenantId: ctx.tenantId }, async (tx) => {
    const contact = await tx.contact.findUnique({ where: { id: contactId } });
    return contact ? { contact, owner: await ownerOf(tx, contact.ownerId) } : null;
  });
  if (!state) return { hubspotId: null, reason: "the contact is gone" };
  const { contact, owner } = state;
  const parsed = contact.email ? parseEmail(contact.emailOriginal ?? contact.email) : null;
  if (!parsed?.ok) return { hubspotId: null, reason: "the contact has no usable e-mail address (the identity key in HubSpot)" };
  const email = parsed.email;
  const company = await associated(ctx, "Company", [contact.companyId]);
  const found = await withHubspot(ctx.services, { id: ctx.connectionId, tenantId: ctx.tenantId }, async (api) => {
    // The address as given and in canonical form (HubSpot compares case-insensitively, keeps dots and tags).
    const values = [...new Set([email.original.toLowerCase(), email.normalized])];
    const hit = (await api.search("contacts", { filters: [{ propertyName: "email", operator: "IN", values }], properties: CONTACT_PROPERTIES, limit: 1 })).results[0];
    if (hit) return { hit, created: null };
    const props: Record<string, string> = { email: email.original };
    put(props, "firstname", contact.firstName);
    put(props, "lastname", contact.lastName);
    put(props, "jobtitle", contact.title);
    put(props, "phone", contact.phone);
    put(props, "hubspot_owner_id", owner);
    try {
      return { hit: null, created: { object: await api.createObject("contacts", props, company), fields: Object.keys(props) } };
    } catch (error) {
      // HubSpot's own unique e-mail: a create that reached it before (a crash, or the search index not caught up yet).
      const existing = existingContactIdOf(error);
      if (!existing) throw error;
      const object = await api.getObject("contacts", existing, CONTACT_PROPERTIES);
      if (!object) throw error;
      return { hit: object, created: null };
    }
  });
  if (found.created) return linkCreated(ctx, "Contact", contactId, contact.updatedAt, found.created.object, found.created.fields, "created");
  const linked = await linkFound(ctx, "contacts", contactId, found.hit!, "e-mail");
  if (linked.hubspotId && company[0]) await associate(ctx, "contacts", linked.hubspotId, company[0]);
  return linked;
}

async function associate(ctx: EnsureContext, from: HubspotObjectType, fromId: string, to: { type: HubspotObjectType; id: string }): Promise<void> {
  await withHubspot(ctx.services, { id: ctx.connectionId, tenantId: ctx.tenantId }, (api) => api.associate(from, fromId, to.type, to.id), { idempotent: true });
}

async function ensureCompany(ctx: EnsureContext, companyId: string): Promise<EnsureOutcome> {
  const state = await withTenant(ctx.services.db.prisma, { tenantId: ctx.tenantId }, async (tx) => {
    const company = await tx.company.findUnique({ where: { id: companyId }, include: { domains: { orderBy: { createdAt: "asc" }, take: 1 } } });
    return company ? { company, owner: await ownerOf(tx, company.ownerId) } : null;
  });
  if (!state) return { hubspotId: null, reason: "the company is gone" };
  const { company, owner } = state;
  const domain = company.domains[0]?.domain;
  // Without a domain HubSpot cannot be searched for it: creating it could duplicate one there.
  if (!domain) return { hubspotId: null, reason: "the company has no domain (the identity key in HubSpot)" };
  const found = await withHubspot(ctx.services, { id: ctx.connectionId, tenantId: ctx.tenantId }, async (api) => {
    const hit = (await api.search("companies", { filters: [{ propertyName: "domain", operator: "EQ", value: domain }], properties: COMPANY_PROPERTIES, limit: 1 })).results[0];
    if (hit) return { hit, created: null };
    const props: Record<string, string> = { name: company.name, domain };
    put(props, "industry", company.industry);
    put(props, "numberofemployees", company.employeeCount);
    put(props, "country", company.country);
    put(props, "hubspot_owner_id", owner);
    return { hit: null, created: { object: await api.createObject("companies", props), fields: Object.keys(props) } };
  });
  if (found.created) return linkCreated(ctx, "Company", companyId, company.updatedAt, found.created.object, found.created.fields, "created");
  return linkFound(ctx, "companies", companyId, found.hit!, "domain");
}

/** Per process: connections whose deals are known to have the marker property. */
const dealMarkerReady = new Set<string>();

async function ensureDeal(ctx: EnsureContext, dealId: string): Promise<EnsureOutcome> {
  const state = await withTenant(ctx.services.db.prisma, { tenantId: ctx.tenantId }, async (tx) => {
    const deal = await tx.deal.findUnique({ where: { id: dealId }, include: { contacts: { select: { contactId: true }, take: 10, orderBy: { createdAt: "asc" } } } });
    if (!deal) return null;
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: ctx.tenantId }, select: { settings: true } });
    const hs = await tx.hubspotSettings.findFirst({ select: { stageMappings: true } });
    const mappings = stageMappingSchema.safeParse(hs?.stageMappings ?? []);
    const lead = deal.leadId ? await tx.lead.findUnique({ where: { id: deal.leadId }, select: { contactId: true } }) : null;
    return {
      deal,
      owner: await ownerOf(tx, deal.ownerId),
      target: creationStage(mappings.success ? mappings.data : [], readTenantSettings(tenant.settings).pipeline.stages, deal.stage),
      contactIds: [lead?.contactId, ...deal.contacts.map((c) => c.contactId)],
    };
  });
  if (!state) return { hubspotId: null, reason: "the deal is gone" };
  const { deal, owner, target } = state;
  if (!target) return { hubspotId: null, reason: `our stage "${deal.stage}" has no HubSpot stage to create the deal in (map it with hubspotStageMappingUpdate)` };
  const associations = [...(await associated(ctx, "Company", [deal.companyId])), ...(await associated(ctx, "Contact", state.contactIds))];
  // Stamped (committed) before HubSpot is called: from now on HubSpot may hold the deal, and a retry looks for it first.
  const previous = await withTenant(ctx.services.db.prisma, { tenantId: ctx.tenantId }, async (tx) => {
    const before = await tx.hubspotSyncItem.findUniqueOrThrow({ where: { id: ctx.itemId }, select: { attemptedAt: true } });
    await tx.hubspotSyncItem.update({ where: { id: ctx.itemId }, data: { attemptedAt: new Date() } });
    return before.attemptedAt;
  });
  let mayExist = previous !== null;
  const made = await withHubspot(ctx.services, { id: ctx.connectionId, tenantId: ctx.tenantId }, async (api: HubspotApi) => {
    if (!dealMarkerReady.has(ctx.connectionId)) {
      await api.ensureProperty("deals", { name: RECORD_MARKER_PROPERTY, label: "Sales agent record id", description: "Set by the sales agent on the records it creates, so a retry never creates twice." });
      dealMarkerReady.add(ctx.connectionId);
    }
    if (mayExist) {
      const hit = (await api.search("deals", { filters: [{ propertyName: RECORD_MARKER_PROPERTY, operator: "EQ", value: deal.id }], properties: ["dealname"], limit: 1 })).results[0];
      if (hit) return { object: hit, fields: [], recovered: true };
    }
    // A retry of this function (timeout, 5xx) may follow a create that reached HubSpot: search first then.
    mayExist = true;
    const props: Record<string, string> = { dealname: deal.name, dealstage: target.stageId, pipeline: target.pipelineId, amount: deal.amount.toFixed(2), deal_currency_code: deal.currency, [RECORD_MARKER_PROPERTY]: deal.id };
    put(props, "closedate", deal.expectedCloseDate?.toISOString());
    put(props, "hubspot_owner_id", owner);
    return { object: await api.createObject("deals", props, associations), fields: Object.keys(props).filter((k) => k !== RECORD_MARKER_PROPERTY), recovered: false };
  });
  return linkCreated(ctx, "Deal", dealId, deal.updatedAt, made.object, made.fields, made.recovered ? "found" : "created");
}
