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
// duplicated. The conflict rule is in src/domain/connection/hubspot.ts.
import { randomUUID } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import type { Prisma, Tx } from "../../data/database.js";
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
} from "../../domain/connection/hubspot.js";
import { firstOpenStage, type Stage } from "../../domain/pipeline/pipeline.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { ok } from "../../domain/user-error.js";
import type { Connection } from "../../generated/prisma/client.js";
import { createHubspotApi, type HubspotApi, type HubspotObject, type HubspotObjectType } from "../../integrations/hubspot/client.js";
import { withTenant } from "../../data/database.js";
import { requestSalesStatisticsRefresh } from "../../data/planner-statistics.js";
import type { HubspotPriority } from "../../integrations/hubspot/rate-budget.js";
import { callWithConnection, type ConnectionServices } from "./connection.js";
import type { Services } from "../services.js";
import { bufferedUnitOfWork, runUnitOfWork, type Actor, type BufferedUnitOfWork, type UnitOfWork } from "../unit-of-work.js";

export type SyncMode = "INCREMENTAL" | "FULL";

export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
  keptLocal: number;
  /** Records of ours unlinked because HubSpot archived theirs (full runs; absent when none). */
  unlinked?: number;
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

/**
 * Runs `fn` with a HubSpot API client for the connection, under the resilience policy. Every
 * request of the client takes its slot from HubSpot's shared burst and daily budgets first
 * (background work by default: at most its share; "interactive" for a person waiting).
 */
export function withHubspot<T>(
  services: ConnectionServices,
  connection: Pick<Connection, "id" | "tenantId">,
  fn: (api: HubspotApi) => Promise<T>,
  options: { idempotent?: boolean; priority?: HubspotPriority } = {},
): Promise<T> {
  const budget = services.connectors.hubspotBudget;
  const priority = options.priority ?? "background";
  return callWithConnection(
    services,
    { id: connection.id, tenantId: connection.tenantId, provider: "HUBSPOT" },
    async ({ accessToken, connection: row }) => {
      // The daily budget counts days of the account's time zone (stored on the connection by the sync) when known.
      const timeZone = row.accountTimeZone;
      return fn(
        createHubspotApi({
          accessToken,
          basePath: services.config.HUBSPOT_API_BASE_URL,
          ...(budget ? { beforeRequest: ({ search }) => budget.take(connection.tenantId, priority, { search, timeZone }) } : {}),
        }),
      );
    },
    { idempotent: options.idempotent },
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
export async function runHubspotSync(services: ConnectionServices & Pick<Services, "jobs">, input: { tenantId: string; connectionId: string; mode: SyncMode }): Promise<SyncResult> {
  const connection = await withTenant(services.db.prisma, { tenantId: input.tenantId }, (tx) => tx.connection.findUnique({ where: { id: input.connectionId } }));
  if (!connection || connection.provider !== "HUBSPOT") throw new Error("no such HubSpot connection");
  const ctx = await loadContext(services, connection);
  const result: SyncResult = { connectionId: connection.id, mode: input.mode, objects: { owners: zero(), companies: zero(), contacts: zero(), deals: zero() } };
  // The account's time zone (its daily API limit resets at its midnight); a failure to read it only keeps the last one.
  const timeZone = await withHubspot(services, connection, (api) => api.accountTimeZone()).catch(() => null);
  if (timeZone && timeZone !== connection.accountTimeZone) {
    await withTenant(services.db.prisma, { tenantId: ctx.tenantId }, (tx) => tx.connection.updateMany({ where: { id: connection.id }, data: { accountTimeZone: timeZone } }));
  }
  result.objects.owners = await syncOwners(ctx);
  for (const type of ["companies", "contacts", "deals"] as const) result.objects[type] = await syncObjects(ctx, type, input.mode);
  await runUnitOfWork(services, syncActor(ctx.tenantId), async (uow) => {
    await uow.tx.connection.update({ where: { id: connection.id }, data: { lastSyncAt: new Date() } });
    await uow.audit({ action: "connection.synced", targetType: "Connection", targetId: connection.id, summary: { source: HUBSPOT_SYSTEM, mode: input.mode, objects: result.objects } });
    await uow.emit("sales.connection.synced", { connectionId: connection.id, provider: "HUBSPOT", mode: input.mode, objects: result.objects });
    return ok(null);
  });
  // A first sync fills the sales tables at once: the planner learns of the rows within seconds, not at autovacuum's
  // next pass — the same refresh job as a lead import's, shared with any import or sync of the same moment (best effort).
  const written = Object.values(result.objects).reduce((n, c) => n + c.created + c.updated, 0);
  await requestSalesStatisticsRefresh(services.jobs, written, services.config.SALES_STATISTICS_DELAY_SECONDS).catch((error: unknown) =>
    services.logger.warn({ err: error instanceof Error ? error.message.slice(0, 200) : String(error) }, "requesting a planner statistics refresh after a HubSpot sync failed"),
  );
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
      for (const k of ["created", "updated", "unchanged", "keptLocal"] as const) counts[k] += pageCounts[k];
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
    const unlinked = await unlinkArchived(ctx, type);
    if (unlinked) counts.unlinked = unlinked;
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

/**
 * Records HubSpot archived (its "delete": listed with archived=true for 90 days): ours stay —
 * nothing is deleted here — but are unlinked (ExternalRef and sync mark removed, so neither
 * direction syncs them again), marked (contacts and companies: attributes.hubspotArchived),
 * audited (`<entity>.hubspot_unlinked`, source hubspot) and evented (sales.connection.crm_record_unlinked).
 * Full runs only: HubSpot's search does not return archived records.
 */
async function unlinkArchived(ctx: Context, type: HubspotObjectType): Promise<number> {
  const entityType = ENTITY[type];
  let after: string | null = null;
  let unlinked = 0;
  do {
    const page = await withHubspot(ctx.services, ctx.connection, (api) => api.archivedPage(type, { after, limit: 100 }));
    after = page.after;
    if (!page.results.length) continue;
    await runUnitOfWork(ctx.services, syncActor(ctx.tenantId), async (uow) => {
      const archivedAt = new Map(page.results.map((r) => [r.id, r.archivedAt ?? r.updatedAt]));
      const refs = await uow.tx.externalRef.findMany({ where: { system: HUBSPOT_SYSTEM, entityType, externalId: { in: [...archivedAt.keys()] } } });
      for (const ref of refs) {
        await unlinkHubspotRef(uow, ref, { reason: "archived", at: archivedAt.get(ref.externalId)! });
        unlinked++;
      }
      return ok(null);
    });
  } while (after);
  return unlinked;
}

/**
 * Unlinks one record of ours from a HubSpot record that is gone there (archived, deleted, or
 * deleted for privacy): ours stays; the ExternalRef and sync mark go, contacts and companies
 * are marked (attributes.hubspotArchived), audited (`<entity>.hubspot_unlinked`, source hubspot)
 * and evented (sales.connection.crm_record_unlinked).
 */
export async function unlinkHubspotRef(
  uow: Pick<UnitOfWork, "tx" | "audit" | "emit">,
  ref: { id: string; entityType: string; entityId: string; externalId: string },
  input: { reason: "archived" | "deleted" | "privacy_deleted"; at: Date; deliveryId?: string },
): Promise<void> {
  const { entityType } = ref;
  await uow.tx.externalRef.delete({ where: { id: ref.id } });
  await uow.tx.hubspotRecordSync.deleteMany({ where: { entityType, hubspotId: ref.externalId } });
  const mark = { hubspotArchived: { hubspotId: ref.externalId, archivedAt: input.at.toISOString(), reason: input.reason } };
  if (entityType === "Contact") {
    const row = await uow.tx.contact.findUnique({ where: { id: ref.entityId }, select: { attributes: true } });
    if (row) await uow.tx.contact.update({ where: { id: ref.entityId }, data: { attributes: { ...(row.attributes as object), ...mark } } });
  } else if (entityType === "Company") {
    const row = await uow.tx.company.findUnique({ where: { id: ref.entityId }, select: { attributes: true } });
    if (row) await uow.tx.company.update({ where: { id: ref.entityId }, data: { attributes: { ...(row.attributes as object), ...mark } } });
  }
  const why = input.reason === "archived" ? "archived in HubSpot" : input.reason === "deleted" ? "deleted in HubSpot (webhook)" : "deleted in HubSpot for privacy (webhook)";
  await uow.audit({
    action: `${entityType.toLowerCase()}.hubspot_unlinked`,
    targetType: entityType,
    targetId: ref.entityId,
    summary: { source: HUBSPOT_SYSTEM, hubspotId: ref.externalId, reason: why, archivedAt: input.at.toISOString(), ...(input.deliveryId ? { deliveryId: input.deliveryId } : {}) },
  });
  await uow.emit("sales.connection.crm_record_unlinked", { entityType, entityId: ref.entityId, hubspotId: ref.externalId, reason: input.reason });
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

/**
 * Applies one page of HubSpot records (create, link, update under the conflict
 * rule), auditing each change. Reads are one query per table for the page;
 * new rows are inserted with one multi-row statement per table; updates go
 * row by row (few once the first sync is done).
 */
export async function applyRecords(ctx: Context, uow: BufferedUnitOfWork, type: HubspotObjectType, records: HubspotObject[], associations: Associations): Promise<SyncCounts> {
  const tx = uow.tx;
  const entityType = ENTITY[type];
  const tenantId = ctx.tenantId;
  const counts = zero();
  const ids = records.map((r) => r.id);
  const refs = await refsOf(tx, entityType, ids);
  const marks = new Map((await tx.hubspotRecordSync.findMany({ where: { entityType, hubspotId: { in: ids } } })).map((m) => [m.hubspotId, m]));
  const owners = await ownersOf(tx, records.map((r) => r.properties.hubspot_owner_id ?? null));
  const companyRefs = await refsOf(tx, "Company", [...new Set([...associations.companies.values()].flat())]);
  const contactRefs = await refsOf(tx, "Contact", [...new Set([...associations.contacts.values()].flat())]);
  const ownerOf = (id: string | null) => (id ? (owners.get(id) ?? null) : null);
  const firstRef = (map: Map<string, string>, list: string[] | undefined) => (list ?? []).map((id) => map.get(id)).find((id): id is string => !!id) ?? null;

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
  const existingIds = [...new Set(records.map((r) => refs.get(r.id) ?? (type === "contacts" ? byEmail.get(contactFields(r.properties).email?.normalized ?? "") : type === "companies" ? byDomain.get(companyFields(r.properties, r.id).domain ?? "") : undefined)).filter((id): id is string => !!id))];
  const existingRows = new Map<string, Record<string, unknown> & { id: string; updatedAt: Date }>();
  if (existingIds.length) {
    const rows = type === "contacts" ? await tx.contact.findMany({ where: { id: { in: existingIds } } }) : type === "companies" ? await tx.company.findMany({ where: { id: { in: existingIds } } }) : await tx.deal.findMany({ where: { id: { in: existingIds } } });
    for (const row of rows) existingRows.set(row.id, row as never);
  }

  // What the page writes in bulk.
  const now = new Date();
  const newRows: Record<string, unknown>[] = [];
  const newDomains: { tenantId: string; companyId: string; domain: string }[] = [];
  const newRefs: { tenantId: string; system: string; entityType: string; entityId: string; externalId: string }[] = [];
  const newMarks = new Map<string, { tenantId: string; entityType: string; entityId: string; hubspotId: string; hubspotModifiedAt: Date; localUpdatedAt: Date }>();
  const stageChanges: Prisma.DealStageChangeCreateManyInput[] = [];
  const dealContacts: { tenantId: string; dealId: string; contactId: string }[] = [];
  const createdAudits: { entityId: string; hubspotId: string; fields: string[] }[] = [];
  /** New contacts of this page by canonical e-mail: a second HubSpot record with the same address links to the same contact. */
  const pendingEmail = new Map<string, string>();

  const audit = async (entityId: string, hubspotId: string, created: boolean, fields: string[], keptLocal: string[]) => {
    await uow.audit({
      action: `${entityType.toLowerCase()}.${created ? "created" : "updated"}`,
      targetType: entityType,
      targetId: entityId,
      summary: { source: HUBSPOT_SYSTEM, hubspotId, fields, ...(keptLocal.length ? { keptLocal, rule: "last writer by modification time" } : {}) },
    });
  };
  const mark = (hubspotId: string, entityId: string, hubspotModifiedAt: Date, localUpdatedAt: Date) => newMarks.set(hubspotId, { tenantId, entityType, entityId, hubspotId, hubspotModifiedAt, localUpdatedAt });
  const link = (hubspotId: string, entityId: string) => {
    if (refs.get(hubspotId) !== entityId) newRefs.push({ tenantId, system: HUBSPOT_SYSTEM, entityType, entityId, externalId: hubspotId });
  };
  const created = (hubspotId: string, row: Record<string, unknown> & { id: string }, fields: string[]) => {
    newRows.push({ ...row, tenantId, createdAt: now, updatedAt: now });
    link(hubspotId, row.id);
    mark(hubspotId, row.id, records.find((r) => r.id === hubspotId)!.updatedAt, now);
    createdAudits.push({ entityId: row.id, hubspotId, fields });
    counts.created++;
  };
  const updated = async (record: HubspotObject, existing: { id: string; updatedAt: Date }, apply: Record<string, unknown>, keptLocal: string[], write: (data: Record<string, unknown>) => Promise<{ updatedAt: Date }>) => {
    const changed = Object.keys(apply);
    const after = changed.length ? await write(apply) : existing;
    link(record.id, existing.id);
    mark(record.id, existing.id, record.updatedAt, after.updatedAt);
    if (changed.length || keptLocal.length) await audit(existing.id, record.id, false, changed, keptLocal);
    if (changed.length) counts.updated++;
    else counts.unchanged++;
    if (keptLocal.length) counts.keptLocal++;
  };

  for (const record of records) {
    const previous = marks.get(record.id);
    if (previous && previous.hubspotModifiedAt.getTime() >= record.updatedAt.getTime() && refs.has(record.id)) {
      counts.unchanged++;
      continue;
    }
    const conflict = (row: { updatedAt: Date }) => ({ hubspotModifiedAt: record.updatedAt, localUpdatedAt: row.updatedAt, mark: previous ?? null });

    if (type === "companies") {
      const f = companyFields(record.properties, record.id);
      const candidate = { name: f.name, industry: f.industry, employeeCount: f.employeeCount, country: f.country, ownerId: ownerOf(f.hubspotOwnerId) };
      const existing = existingRows.get(refs.get(record.id) ?? (f.domain ? (byDomain.get(f.domain) ?? "") : ""));
      if (!existing) {
        const id = uuidv7();
        created(record.id, { id, ...candidate, lifecycle: "PROSPECT", attributes: { hubspotId: record.id } }, Object.keys(candidate));
        if (f.domain && !byDomain.has(f.domain)) {
          newDomains.push({ tenantId, companyId: id, domain: f.domain });
          byDomain.set(f.domain, id);
        }
        continue;
      }
      const { apply, keptLocal } = resolveConflict("Company", candidate, existing as never, conflict(existing));
      await updated(record, existing, apply, keptLocal, (data) => tx.company.update({ where: { id: existing.id }, data }));
      continue;
    }

    if (type === "contacts") {
      const f = contactFields(record.properties);
      const companyId = firstRef(companyRefs, associations.companies.get(record.id));
      const candidate = { firstName: f.firstName, lastName: f.lastName, title: f.title, phone: f.phone, ownerId: ownerOf(f.hubspotOwnerId), ...(companyId ? { companyId } : {}) };
      const pending = f.email ? pendingEmail.get(f.email.normalized) : undefined;
      if (pending) {
        // Same person twice in HubSpot: one contact here, both HubSpot ids linked to it.
        link(record.id, pending);
        mark(record.id, pending, record.updatedAt, now);
        counts.unchanged++;
        continue;
      }
      const existing = existingRows.get(refs.get(record.id) ?? (f.email ? (byEmail.get(f.email.normalized) ?? "") : ""));
      if (!existing) {
        const id = uuidv7();
        created(record.id, { id, ...candidate, companyId: companyId ?? null, email: f.email?.normalized ?? null, emailOriginal: f.email?.original ?? null, seniority: "UNKNOWN", doNotContact: false, attributes: { hubspotId: record.id } }, Object.keys(candidate).concat(f.email ? ["email"] : []));
        if (f.email) pendingEmail.set(f.email.normalized, id);
        continue;
      }
      const { apply, keptLocal } = resolveConflict("Contact", candidate, existing as never, conflict(existing));
      const data: Record<string, unknown> = { ...apply };
      // The identity key is only filled in, never replaced.
      if (!existing.email && f.email && !(await tx.contact.findFirst({ where: { email: f.email.normalized }, select: { id: true } }))) {
        data.email = f.email.normalized;
        data.emailOriginal = f.email.original;
      }
      await updated(record, existing, data, keptLocal, (d) => tx.contact.update({ where: { id: existing.id }, data: d }));
      continue;
    }

    // deals
    const f = dealFields(record.properties, record.id);
    const mapped = mapStage(ctx.mappings, ctx.stages, f.pipelineId, f.stageId);
    const companyId = firstRef(companyRefs, associations.companies.get(record.id));
    const contactIds = [...new Set((associations.contacts.get(record.id) ?? []).map((id) => contactRefs.get(id)).filter((id): id is string => !!id))];
    const existing = existingRows.get(refs.get(record.id) ?? "") as (Record<string, unknown> & { id: string; updatedAt: Date; stage: string; status: "OPEN" | "WON" | "LOST"; amount: { toFixed(n: number): string } }) | undefined;
    const base = { name: f.name, amount: f.amount, expectedCloseDate: f.expectedCloseDate, ownerId: ownerOf(f.hubspotOwnerId), ...(companyId ? { companyId } : {}) };
    const reason = `hubspot ${f.pipelineId ?? "?"}/${f.stageId ?? "?"}`;
    if (!existing) {
      const stage = mapped ?? firstOpenStage({ stages: ctx.stages } as never);
      const id = uuidv7();
      created(record.id, {
        id,
        ...base,
        companyId: companyId ?? null,
        leadId: null,
        stage: stage.key,
        status: stage.kind,
        probability: stage.probability,
        currency: f.currency ?? ctx.currency,
        lostReason: null,
        closedAt: stage.kind === "OPEN" ? null : now,
        stageChangedAt: now,
      }, [...Object.keys(base), "stage"]);
      stageChanges.push({ tenantId, dealId: id, fromStage: null, toStage: stage.key, toStatus: stage.kind, actorType: "AGENT", actorId: "hubspot-sync", reason });
      for (const contactId of contactIds) dealContacts.push({ tenantId, dealId: id, contactId });
      continue;
    }
    const candidate: Record<string, unknown> = { ...base, ...(mapped ? { stage: mapped.key } : {}) };
    const { apply, keptLocal } = resolveConflict("Deal", candidate, { ...existing, amount: existing.amount.toFixed(2) }, conflict(existing));
    const data: Record<string, unknown> = { ...apply };
    if (mapped && apply.stage) {
      Object.assign(data, { status: mapped.kind, probability: mapped.probability, stageChangedAt: now, closedAt: mapped.kind === "OPEN" ? null : now });
      stageChanges.push({ tenantId, dealId: existing.id, fromStage: existing.stage, toStage: mapped.key, fromStatus: existing.status, toStatus: mapped.kind, actorType: "AGENT", actorId: "hubspot-sync", reason });
    }
    for (const contactId of contactIds) dealContacts.push({ tenantId, dealId: existing.id, contactId });
    await updated(record, existing, data, keptLocal, (d) => tx.deal.update({ where: { id: existing.id }, data: d as Prisma.DealUncheckedUpdateInput }));
  }

  // Bulk writes, in foreign-key order.
  if (newRows.length) {
    if (type === "companies") await tx.company.createMany({ data: newRows as unknown as Prisma.CompanyCreateManyInput[] });
    else if (type === "contacts") await tx.contact.createMany({ data: newRows as unknown as Prisma.ContactCreateManyInput[] });
    else await tx.deal.createMany({ data: newRows as unknown as Prisma.DealCreateManyInput[] });
  }
  if (newDomains.length) await tx.companyDomain.createMany({ data: newDomains, skipDuplicates: true });
  if (stageChanges.length) await tx.dealStageChange.createMany({ data: stageChanges });
  if (dealContacts.length) await tx.dealContact.createMany({ data: dealContacts, skipDuplicates: true });
  if (newRefs.length) await tx.externalRef.createMany({ data: newRefs, skipDuplicates: true });
  if (newMarks.size) {
    const list = [...newMarks.values()];
    const known = list.filter((m) => marks.has(m.hubspotId));
    const fresh = list.filter((m) => !marks.has(m.hubspotId));
    if (fresh.length) await tx.hubspotRecordSync.createMany({ data: fresh, skipDuplicates: true });
    for (const m of known) {
      await tx.hubspotRecordSync.update({
        where: { tenantId_entityType_hubspotId: { tenantId, entityType, hubspotId: m.hubspotId } },
        data: { entityId: m.entityId, hubspotModifiedAt: m.hubspotModifiedAt, localUpdatedAt: m.localUpdatedAt, syncedAt: now },
      });
    }
  }
  for (const a of createdAudits) await audit(a.entityId, a.hubspotId, true, a.fields, []);
  return counts;
}

export type { Context as SyncContext };
export { loadContext as loadSyncContext };
