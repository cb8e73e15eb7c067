// Inbound HubSpot sync: owners, companies, contacts and deals (with their
// associations) into our Company/Contact/Deal, incrementally by HubSpot's
// last-modified time (a cursor per connection and object type), or as a full
// reconcile (the list API, every record, no 10,000-result cap). Every HubSpot
// call goes through callWithConnection (resilience policy: Retry-After,
// shared rate limit, circuit breaker; a refused grant → NEEDS_REAUTH). Each
// page is applied in one transaction with its audit entries (source
// "hubspot") and the cursor, so a crash resumes after the last applied page.
// Records are linked through ExternalRef (system "hubspot"); contacts match
// by the canonical e-mail of lead ingest, companies by domain, so nothing is
// duplicated. The conflict rule is in src/domain/hubspot.ts.
import { randomUUID } from "node:crypto";
import type { Prisma, Tx } from "../data/database.js";
import {
  COMPANY_PROPERTIES,
  CONTACT_PROPERTIES,
  DEAL_PROPERTIES,
  HUBSPOT_SYSTEM,
  companyFields,
  contactFields,
  dealFields,
  mapStage,
  modifiedProperty,
  resolveConflict,
  stageMappingSchema,
  type HubspotSyncObject,
  type StageMapping,
} from "../domain/hubspot.js";
import { firstOpenStage, type Stage } from "../domain/pipeline.js";
import { agentPrincipal } from "../domain/principal.js";
import { readTenantSettings } from "../domain/tenant.js";
import { ok } from "../domain/user-error.js";
import type { Connection } from "../generated/prisma/client.js";
import { createHubspotApi, type HubspotApi, type HubspotObject, type HubspotObjectType } from "../integrations/hubspot/client.js";
import { withTenant } from "../data/database.js";
import { callWithConnection, type ConnectionServices } from "./connection.js";
import { bufferedUnitOfWork, runUnitOfWork, type Actor, type BufferedUnitOfWork } from "./unit-of-work.js";

export type SyncMode = "INCREMENTAL" | "FULL";

export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
  keptLocal: number;
}

export interface SyncResult {
  connectionId: string;
  mode: SyncMode;
  objects: Record<HubspotSyncObject, SyncCounts>;
}

const ENTITY: Record<HubspotObjectType, "Contact" | "Company" | "Deal"> = { contacts: "Contact", companies: "Company", deals: "Deal" };

export function syncActor(tenantId: string): Actor {
  return { principal: agentPrincipal(tenantId, "hubspot-sync"), meta: { requestId: randomUUID(), traceId: null } };
}

/** The tenant's HubSpot connection: its newest ACTIVE shared one (or, with `anyStatus`, the newest not revoked). */
export async function hubspotConnectionOf(services: Pick<ConnectionServices, "db">, tenantId: string, anyStatus = false): Promise<Connection | null> {
  return withTenant(services.db.prisma, { tenantId }, (tx) =>
    tx.connection.findFirst({
      where: { provider: "HUBSPOT", userId: null, status: anyStatus ? { not: "REVOKED" } : "ACTIVE" },
      orderBy: { updatedAt: "desc" },
    }),
  );
}

/** Runs `fn` with a HubSpot API client for the connection, under the resilience policy. */
export function withHubspot<T>(services: ConnectionServices, connection: Pick<Connection, "id" | "tenantId">, fn: (api: HubspotApi) => Promise<T>, options: { idempotent?: boolean } = {}): Promise<T> {
  return callWithConnection(
    services,
    { id: connection.id, tenantId: connection.tenantId, provider: "HUBSPOT" },
    ({ accessToken }) => fn(createHubspotApi({ accessToken, basePath: services.config.HUBSPOT_API_BASE_URL })),
    options,
  );
}

interface Context {
  services: ConnectionServices;
  connection: Connection;
  tenantId: string;
  stages: Stage[];
  currency: string;
  mappings: StageMapping;
}

async function loadContext(services: ConnectionServices, connection: Connection): Promise<Context> {
  const tenantId = connection.tenantId;
  return withTenant(services.db.prisma, { tenantId }, async (tx) => {
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    const settings = readTenantSettings(tenant.settings);
    const hs = await tx.hubspotSettings.findUnique({ where: { tenantId } });
    const mappings = stageMappingSchema.safeParse(hs?.stageMappings ?? []);
    return {
      services,
      connection,
      tenantId,
      stages: settings.pipeline.stages,
      currency: settings.pipeline.currencies[0] ?? "USD",
      mappings: mappings.success ? mappings.data : [],
    };
  });
}

function zero(): SyncCounts {
  return { created: 0, updated: 0, unchanged: 0, keptLocal: 0 };
}

/** A full or incremental sync of every object type, in dependency order (owners, companies, contacts, deals). */
export async function runHubspotSync(services: ConnectionServices, input: { tenantId: string; connectionId: string; mode: SyncMode }): Promise<SyncResult> {
  const connection = await withTenant(services.db.prisma, { tenantId: input.tenantId }, (tx) => tx.connection.findUnique({ where: { id: input.connectionId } }));
  if (!connection || connection.provider !== "HUBSPOT") throw new Error("no such HubSpot connection");
  const ctx = await loadContext(services, connection);
  const result: SyncResult = { connectionId: connection.id, mode: input.mode, objects: { owners: zero(), companies: zero(), contacts: zero(), deals: zero() } };
  result.objects.owners = await syncOwners(ctx);
  for (const type of ["companies", "contacts", "deals"] as const) result.objects[type] = await syncObjects(ctx, type, input.mode);
  await runUnitOfWork(services, syncActor(ctx.tenantId), async (uow) => {
    await uow.tx.connection.update({ where: { id: connection.id }, data: { lastSyncAt: new Date() } });
    await uow.audit({ action: "connection.synced", targetType: "Connection", targetId: connection.id, summary: { source: HUBSPOT_SYSTEM, mode: input.mode, objects: result.objects } });
    await uow.emit("sales.connection.synced", { connectionId: connection.id, provider: "HUBSPOT", mode: input.mode, objects: result.objects });
    return ok(null);
  });
  return result;
}

async function syncOwners(ctx: Context): Promise<SyncCounts> {
  const counts = zero();
  const owners: { id: string; email: string | null; firstName: string | null; lastName: string | null }[] = [];
  let after: string | null = null;
  do {
    const page = await withHubspot(ctx.services, ctx.connection, (api) => api.ownersPage({ after, limit: 100 }));
    owners.push(...page.results);
    after = page.after;
  } while (after);
  await runUnitOfWork(ctx.services, syncActor(ctx.tenantId), async (uow) => {
    const members = await uow.tx.membership.findMany({ include: { user: { select: { email: true } } } });
    const byEmail = new Map(members.map((m) => [m.user.email.toLowerCase(), m.userId]));
    const existing = new Map((await uow.tx.hubspotOwner.findMany()).map((o) => [o.hubspotOwnerId, o]));
    for (const o of owners) {
      const userId = (o.email && byEmail.get(o.email.toLowerCase())) ?? null;
      const before = existing.get(o.id);
      const data = { email: o.email, firstName: o.firstName, lastName: o.lastName, userId };
      if (before && before.email === data.email && before.firstName === data.firstName && before.lastName === data.lastName && before.userId === userId) {
        counts.unchanged++;
        continue;
      }
      await uow.tx.hubspotOwner.upsert({ where: { tenantId_hubspotOwnerId: { tenantId: ctx.tenantId, hubspotOwnerId: o.id } }, create: { tenantId: ctx.tenantId, hubspotOwnerId: o.id, ...data }, update: data });
      if (before) counts.updated++;
      else counts.created++;
    }
    await uow.tx.hubspotSyncState.upsert({
      where: { tenantId_connectionId_objectType: { tenantId: ctx.tenantId, connectionId: ctx.connection.id, objectType: "owners" } },
      create: { tenantId: ctx.tenantId, connectionId: ctx.connection.id, objectType: "owners", lastRunAt: new Date(), lastFullAt: new Date(), lastCreated: counts.created, lastUpdated: counts.updated },
      update: { lastRunAt: new Date(), lastFullAt: new Date(), lastCreated: counts.created, lastUpdated: counts.updated },
    });
    return ok(null);
  });
  return counts;
}

const PROPERTIES: Record<HubspotObjectType, string[]> = { contacts: CONTACT_PROPERTIES, companies: COMPANY_PROPERTIES, deals: DEAL_PROPERTIES };
/** The search API answers at most this many results per query; past it the query restarts from the cursor. */
const SEARCH_WINDOW = 10_000;

async function syncObjects(ctx: Context, type: HubspotObjectType, requested: SyncMode): Promise<SyncCounts> {
  const counts = zero();
  const key = { tenantId: ctx.tenantId, connectionId: ctx.connection.id, objectType: type };
  const state = await withTenant(ctx.services.db.prisma, { tenantId: ctx.tenantId }, (tx) =>
    tx.hubspotSyncState.findUnique({ where: { tenantId_connectionId_objectType: key } }),
  );
  // The first sync of a type is a full one.
  const mode: SyncMode = requested === "FULL" || !state?.cursor ? "FULL" : "INCREMENTAL";
  let cursor = state?.cursor ?? null;
  const pageSize = ctx.services.config.HUBSPOT_SYNC_PAGE_SIZE;
  const properties = PROPERTIES[type];
  const saveState = async (tx: Tx, final: boolean) => {
    const data = {
      cursor,
      lastRunAt: new Date(),
      ...(final && mode === "FULL" ? { lastFullAt: new Date() } : {}),
      ...(final ? { lastCreated: counts.created, lastUpdated: counts.updated } : {}),
    };
    await tx.hubspotSyncState.upsert({ where: { tenantId_connectionId_objectType: key }, create: { ...key, ...data }, update: data });
  };
  const applyPage = async (records: HubspotObject[]) => {
    const associations = await pageAssociations(ctx, type, records.map((r) => r.id));
    await runUnitOfWork(ctx.services, syncActor(ctx.tenantId), async (inner) => {
      const uow = bufferedUnitOfWork(inner);
      const pageCounts = await applyRecords(ctx, uow, type, records, associations);
      for (const k of Object.keys(counts) as (keyof SyncCounts)[]) counts[k] += pageCounts[k];
      for (const r of records) if (!cursor || r.updatedAt > cursor) cursor = r.updatedAt;
      await saveState(uow.tx, false);
      await uow.flush();
      return ok(null);
    }, { timeout: 120_000 });
  };

  if (mode === "FULL") {
    let after: string | null = null;
    do {
      const page = await withHubspot(ctx.services, ctx.connection, (api) => api.listPage(type, { after, limit: Math.min(pageSize, 100), properties }));
      if (page.results.length) await applyPage(page.results);
      after = page.after;
    } while (after);
  } else {
    let since = cursor!;
    let operator: "GT" | "GTE" = "GT";
    for (;;) {
      let after: string | null = null;
      let seen = 0;
      let lastPage = false;
      do {
        const page = await withHubspot(ctx.services, ctx.connection, (api) =>
          api.search(type, {
            filters: [{ propertyName: modifiedProperty(type), operator, value: String(since.getTime()) }],
            properties,
            after,
            limit: pageSize,
            sortBy: modifiedProperty(type),
          }),
        );
        if (page.results.length) await applyPage(page.results);
        seen += page.results.length;
        after = page.after;
        lastPage = !after;
      } while (after && seen < SEARCH_WINDOW);
      if (lastPage && seen < SEARCH_WINDOW) break;
      // Past the search window: start again from the newest applied time (ties re-read, unchanged records skipped).
      if (!cursor || cursor.getTime() === since.getTime()) break;
      since = cursor;
      operator = "GTE";
    }
  }
  await withTenant(ctx.services.db.prisma, { tenantId: ctx.tenantId }, (tx) => saveState(tx, true));
  return counts;
}

type Associations = { companies: Map<string, string[]>; contacts: Map<string, string[]> };

async function pageAssociations(ctx: Context, type: HubspotObjectType, ids: string[]): Promise<Associations> {
  const empty: Associations = { companies: new Map(), contacts: new Map() };
  if (type === "companies" || !ids.length) return empty;
  const companies = await withHubspot(ctx.services, ctx.connection, (api) => api.associations(type, "companies", ids));
  const contacts = type === "deals" ? await withHubspot(ctx.services, ctx.connection, (api) => api.associations("deals", "contacts", ids)) : new Map<string, string[]>();
  return { companies, contacts };
}

/** Our ids for HubSpot ids of one entity type, through ExternalRef. */
async function refsOf(tx: Tx, entityType: string, hubspotIds: string[]): Promise<Map<string, string>> {
  if (!hubspotIds.length) return new Map();
  const rows = await tx.externalRef.findMany({ where: { system: HUBSPOT_SYSTEM, entityType, externalId: { in: hubspotIds } }, select: { externalId: true, entityId: true } });
  return new Map(rows.map((r) => [r.externalId, r.entityId]));
}

async function ownersOf(tx: Tx, hubspotOwnerIds: (string | null)[]): Promise<Map<string, string | null>> {
  const ids = [...new Set(hubspotOwnerIds.filter((i): i is string => !!i))];
  if (!ids.length) return new Map();
  const rows = await tx.hubspotOwner.findMany({ where: { hubspotOwnerId: { in: ids } }, select: { hubspotOwnerId: true, userId: true } });
  return new Map(rows.map((r) => [r.hubspotOwnerId, r.userId]));
}

/** Applies one page of HubSpot records (create, link, update under the conflict rule), auditing each change. */
export async function applyRecords(ctx: Context, uow: BufferedUnitOfWork, type: HubspotObjectType, records: HubspotObject[], associations: Associations): Promise<SyncCounts> {
  const tx = uow.tx;
  const entityType = ENTITY[type];
  const counts = zero();
  const ids = records.map((r) => r.id);
  const refs = await refsOf(tx, entityType, ids);
  const marks = new Map((await tx.hubspotRecordSync.findMany({ where: { entityType, hubspotId: { in: ids } } })).map((m) => [m.hubspotId, m]));
  const owners = await ownersOf(tx, records.map((r) => r.properties.hubspot_owner_id ?? null));
  const companyRefs = await refsOf(tx, "Company", [...new Set([...associations.companies.values()].flat())]);
  const contactRefs = await refsOf(tx, "Contact", [...new Set([...associations.contacts.values()].flat())]);

  const markSynced = async (hubspotId: string, entityId: string, hubspotModifiedAt: Date, localUpdatedAt: Date) => {
    await tx.hubspotRecordSync.upsert({
      where: { tenantId_entityType_hubspotId: { tenantId: ctx.tenantId, entityType, hubspotId } },
      create: { tenantId: ctx.tenantId, entityType, entityId, hubspotId, hubspotModifiedAt, localUpdatedAt },
      update: { entityId, hubspotModifiedAt, localUpdatedAt, syncedAt: new Date() },
    });
  };
  const link = async (hubspotId: string, entityId: string) => {
    await tx.externalRef.createMany({ data: [{ tenantId: ctx.tenantId, system: HUBSPOT_SYSTEM, entityType, entityId, externalId: hubspotId }], skipDuplicates: true });
  };
  const audit = async (entityId: string, hubspotId: string, created: boolean, fields: string[], keptLocal: string[]) => {
    await uow.audit({
      action: `${entityType.toLowerCase()}.${created ? "created" : "updated"}`,
      targetType: entityType,
      targetId: entityId,
      summary: { source: HUBSPOT_SYSTEM, hubspotId, fields, ...(keptLocal.length ? { keptLocal, rule: "last writer by modification time" } : {}) },
    });
  };

  // Natural keys for records not linked yet: the canonical e-mail (contacts), the domain (companies).
  const unlinked = records.filter((r) => !refs.has(r.id));
  const byEmail = new Map<string, string>();
  const byDomain = new Map<string, string>();
  if (type === "contacts" && unlinked.length) {
    const emails = unlinked.map((r) => contactFields(r.properties).email?.normalized).filter((e): e is string => !!e);
    if (emails.length) for (const c of await tx.contact.findMany({ where: { email: { in: emails } }, select: { id: true, email: true } })) byEmail.set(c.email!, c.id);
  }
  if (type === "companies" && unlinked.length) {
    const domains = unlinked.map((r) => companyFields(r.properties, r.id).domain).filter((d): d is string => !!d);
    if (domains.length) for (const d of await tx.companyDomain.findMany({ where: { domain: { in: domains } }, select: { domain: true, companyId: true } })) byDomain.set(d.domain, d.companyId);
  }

  for (const record of records) {
    const mark = marks.get(record.id);
    if (mark && mark.hubspotModifiedAt.getTime() >= record.updatedAt.getTime() && refs.has(record.id)) {
      counts.unchanged++;
      continue;
    }
    const ownerOf = (id: string | null) => (id ? (owners.get(id) ?? null) : null);
    const firstRef = (map: Map<string, string>, list: string[] | undefined) => (list ?? []).map((id) => map.get(id)).find((id): id is string => !!id) ?? null;

    if (type === "companies") {
      const f = companyFields(record.properties, record.id);
      const candidate = { name: f.name, industry: f.industry, employeeCount: f.employeeCount, country: f.country, ownerId: ownerOf(f.hubspotOwnerId) };
      const existingId = refs.get(record.id) ?? (f.domain ? byDomain.get(f.domain) : undefined);
      const existing = existingId ? await tx.company.findUnique({ where: { id: existingId } }) : null;
      if (!existing) {
        const created = await tx.company.create({ data: { tenantId: ctx.tenantId, ...candidate, attributes: { hubspotId: record.id } } });
        if (f.domain) await tx.companyDomain.createMany({ data: [{ tenantId: ctx.tenantId, companyId: created.id, domain: f.domain }], skipDuplicates: true });
        await link(record.id, created.id);
        await markSynced(record.id, created.id, record.updatedAt, created.updatedAt);
        await audit(created.id, record.id, true, Object.keys(candidate), []);
        counts.created++;
        continue;
      }
      const { apply, keptLocal } = resolveConflict("Company", candidate, existing, { hubspotModifiedAt: record.updatedAt, localUpdatedAt: existing.updatedAt, mark: mark ?? null });
      const after = Object.keys(apply).length ? await tx.company.update({ where: { id: existing.id }, data: apply }) : existing;
      await link(record.id, existing.id);
      await markSynced(record.id, existing.id, record.updatedAt, after.updatedAt);
      if (Object.keys(apply).length || keptLocal.length) await audit(existing.id, record.id, false, Object.keys(apply), keptLocal);
      if (Object.keys(apply).length) counts.updated++;
      else counts.unchanged++;
      counts.keptLocal += keptLocal.length ? 1 : 0;
      continue;
    }

    if (type === "contacts") {
      const f = contactFields(record.properties);
      const companyId = firstRef(companyRefs, associations.companies.get(record.id));
      const candidate = { firstName: f.firstName, lastName: f.lastName, title: f.title, phone: f.phone, ownerId: ownerOf(f.hubspotOwnerId), ...(companyId ? { companyId } : {}) };
      const existingId = refs.get(record.id) ?? (f.email ? byEmail.get(f.email.normalized) : undefined);
      const existing = existingId ? await tx.contact.findUnique({ where: { id: existingId } }) : null;
      if (!existing) {
        const created = await tx.contact.create({
          data: { tenantId: ctx.tenantId, ...candidate, email: f.email?.normalized ?? null, emailOriginal: f.email?.original ?? null, attributes: { hubspotId: record.id } },
        });
        if (f.email) byEmail.set(f.email.normalized, created.id);
        await link(record.id, created.id);
        await markSynced(record.id, created.id, record.updatedAt, created.updatedAt);
        await audit(created.id, record.id, true, Object.keys(candidate).concat(f.email ? ["email"] : []), []);
        counts.created++;
        continue;
      }
      const { apply, keptLocal } = resolveConflict("Contact", candidate, existing, { hubspotModifiedAt: record.updatedAt, localUpdatedAt: existing.updatedAt, mark: mark ?? null });
      const data: Prisma.ContactUncheckedUpdateInput = { ...apply };
      // The identity key is only filled in, never replaced.
      if (!existing.email && f.email && !(await tx.contact.findFirst({ where: { email: f.email.normalized }, select: { id: true } }))) {
        data.email = f.email.normalized;
        data.emailOriginal = f.email.original;
      }
      const changed = Object.keys(data);
      const after = changed.length ? await tx.contact.update({ where: { id: existing.id }, data }) : existing;
      await link(record.id, existing.id);
      await markSynced(record.id, existing.id, record.updatedAt, after.updatedAt);
      if (changed.length || keptLocal.length) await audit(existing.id, record.id, false, changed, keptLocal);
      if (changed.length) counts.updated++;
      else counts.unchanged++;
      counts.keptLocal += keptLocal.length ? 1 : 0;
      continue;
    }

    // deals
    const f = dealFields(record.properties, record.id);
    const mapped = mapStage(ctx.mappings, ctx.stages, f.pipelineId, f.stageId);
    const companyId = firstRef(companyRefs, associations.companies.get(record.id));
    const contactIds = [...new Set((associations.contacts.get(record.id) ?? []).map((id) => contactRefs.get(id)).filter((id): id is string => !!id))];
    const existingId = refs.get(record.id);
    const existing = existingId ? await tx.deal.findUnique({ where: { id: existingId } }) : null;
    const base = { name: f.name, amount: f.amount, expectedCloseDate: f.expectedCloseDate, ownerId: ownerOf(f.hubspotOwnerId), ...(companyId ? { companyId } : {}) };
    if (!existing) {
      const stage = mapped ?? firstOpenStage({ stages: ctx.stages } as never);
      const now = new Date();
      const created = await tx.deal.create({
        data: {
          tenantId: ctx.tenantId,
          ...base,
          stage: stage.key,
          status: stage.kind,
          probability: stage.probability,
          currency: f.currency ?? ctx.currency,
          closedAt: stage.kind === "OPEN" ? null : now,
        },
      });
      await tx.dealStageChange.create({ data: { tenantId: ctx.tenantId, dealId: created.id, fromStage: null, toStage: stage.key, toStatus: stage.kind, actorType: "AGENT", actorId: "hubspot-sync", reason: `hubspot ${f.pipelineId ?? "?"}/${f.stageId ?? "?"}` } });
      if (contactIds.length) await tx.dealContact.createMany({ data: contactIds.map((contactId) => ({ tenantId: ctx.tenantId, dealId: created.id, contactId })), skipDuplicates: true });
      await link(record.id, created.id);
      await markSynced(record.id, created.id, record.updatedAt, created.updatedAt);
      await audit(created.id, record.id, true, [...Object.keys(base), "stage"], []);
      counts.created++;
      continue;
    }
    const candidate: Record<string, unknown> = { ...base, ...(mapped ? { stage: mapped.key } : {}) };
    const current = { ...existing, amount: existing.amount.toFixed(2) };
    const { apply, keptLocal } = resolveConflict("Deal", candidate, current, { hubspotModifiedAt: record.updatedAt, localUpdatedAt: existing.updatedAt, mark: mark ?? null });
    const data: Prisma.DealUncheckedUpdateInput = { ...(apply as Prisma.DealUncheckedUpdateInput) };
    if (mapped && apply.stage) {
      data.status = mapped.kind;
      data.probability = mapped.probability;
      data.stageChangedAt = new Date();
      data.closedAt = mapped.kind === "OPEN" ? null : new Date();
      await tx.dealStageChange.create({
        data: { tenantId: ctx.tenantId, dealId: existing.id, fromStage: existing.stage, toStage: mapped.key, fromStatus: existing.status, toStatus: mapped.kind, actorType: "AGENT", actorId: "hubspot-sync", reason: `hubspot ${f.pipelineId ?? "?"}/${f.stageId ?? "?"}` },
      });
    }
    const changed = Object.keys(apply);
    const after = changed.length ? await tx.deal.update({ where: { id: existing.id }, data }) : existing;
    if (contactIds.length) await tx.dealContact.createMany({ data: contactIds.map((contactId) => ({ tenantId: ctx.tenantId, dealId: existing.id, contactId })), skipDuplicates: true });
    await markSynced(record.id, existing.id, record.updatedAt, after.updatedAt);
    if (changed.length || keptLocal.length) await audit(existing.id, record.id, false, changed, keptLocal);
    if (changed.length) counts.updated++;
    else counts.unchanged++;
    counts.keptLocal += keptLocal.length ? 1 : 0;
  }
  return counts;
}

export type { Context as SyncContext };
export { loadContext as loadSyncContext };
