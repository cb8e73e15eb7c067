// HubSpot use cases: connecting with a private-app token (the OAuth flow is
// connectionStart with provider HUBSPOT), the stage mapping, "sync now", and
// the IdentityResolver (e-mail or domain → HubSpot contact / company / open
// deals, linked to ours). The tenant's HubSpot is its shared account: only
// OWNER/ADMIN (connection:manage) connect it, map stages or start a sync.
import { QUEUES } from "../../data/job-queue.js";
import type { Prisma } from "../../data/database.js";
import { mayConnect } from "../../domain/connection/connection.js";
import {
  COMPANY_PROPERTIES,
  CONTACT_PROPERTIES,
  createSettingsErrors,
  DEAL_PROPERTIES,
  HUBSPOT_SYSTEM,
  hubspotCreateSettingsSchema,
  stageMappingErrors,
  stageMappingSchema,
  type HubspotCreateSettings,
  type StageMapping,
} from "../../domain/connection/hubspot.js";
import { normalizeDomain, parseEmail } from "../../domain/email.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { createHubspotApi, type HubspotObject } from "../../integrations/hubspot/client.js";
import { hubspotOAuth } from "../../integrations/hubspot/oauth.js";
import { ConnectorUnavailableError } from "../../integrations/resilience.js";
import { classifyProviderError } from "../../domain/connection/connection.js";
import { ConnectionUnavailableError, type ConnectionServices } from "./connection.js";
import { applyRecords, hubspotConnectionOf, loadSyncContext, syncActor, withHubspot } from "./hubspot-sync.js";
import type { Services } from "../services.js";
import { bufferedUnitOfWork, runMutation, runUnitOfWork, type Actor } from "../unit-of-work.js";

export type HubspotServices = ConnectionServices & Pick<Services, "jobs">;

const TOKEN = /^[A-Za-z0-9._~+/=-]{10,512}$/;

/**
 * Connects the tenant's HubSpot with a private-app access token: checked with
 * one authenticated call, stored sealed in the vault (never returned), audited
 * and evented like an OAuth connection. A second call replaces the token.
 */
export async function connectHubspotPrivateApp(services: HubspotServices, actor: Actor, input: { token: string }): Promise<Outcome<{ connectionId: string }>> {
  const { principal } = actor;
  if (!mayConnect(principal, true) || !principal.userId) {
    return fail(userError("FORBIDDEN", "Only an OWNER or ADMIN can connect the tenant's HubSpot.", ["input", "token"]));
  }
  const token = input.token.trim();
  if (!TOKEN.test(token)) return fail(userError("VALIDATION_FAILED", "This is not a HubSpot private-app access token.", ["input", "token"]));
  const provider = hubspotOAuth(services.config);
  try {
    // A token HubSpot refuses is not stored.
    await services.connectors.resilience.execute(principal.tenantId, "HUBSPOT", async () => {
      if (token.startsWith("pat-")) await provider.accountInfo(token);
      else await createHubspotApi({ accessToken: token, basePath: services.config.HUBSPOT_API_BASE_URL }).ownersPage({ after: null, limit: 1 });
    });
  } catch (error) {
    const failure = error instanceof ConnectorUnavailableError ? { kind: "TRANSIENT", message: error.message } : classifyProviderError(error);
    return fail(
      failure.kind === "TRANSIENT"
        ? userError("PROVIDER_UNAVAILABLE", "HubSpot could not be reached; try again.", ["input", "token"])
        : userError("VALIDATION_FAILED", "HubSpot refused this token (check the private app's scopes and that the token is current).", ["input", "token"]),
    );
  }
  const userId = principal.userId;
  return runUnitOfWork(services, actor, async (uow) => {
    const existing = await uow.tx.connection.findFirst({
      where: { provider: "HUBSPOT", userId: null, accountEmail: "private-app", status: { not: "REVOKED" } },
      orderBy: { createdAt: "desc" },
    });
    const now = new Date();
    const connection = existing
      ? await uow.tx.connection.update({ where: { id: existing.id }, data: { status: "ACTIVE", connectedById: userId, lastError: null, lastErrorAt: null, lastSuccessAt: now } })
      : await uow.tx.connection.create({ data: { tenantId: principal.tenantId, provider: "HUBSPOT", userId: null, connectedById: userId, accountEmail: "private-app", authMethod: "PRIVATE_APP", scopes: [], lastSuccessAt: now } });
    await services.connectors.vault.store(uow.tx, principal.tenantId, connection.id, { accessToken: token, refreshToken: null, expiresAt: null, tokenType: "Bearer" });
    await uow.audit({
      action: existing ? "connection.reconnected" : "connection.connected",
      targetType: "Connection",
      targetId: connection.id,
      summary: { provider: "HUBSPOT", method: "private_app", shared: true, previousStatus: existing?.status ?? null },
    });
    await uow.emit("sales.connection.connected", { connectionId: connection.id, provider: "HUBSPOT", shared: true, userId: null });
    return ok({ connectionId: connection.id });
  });
}

/** Replaces the tenant's HubSpot stage mapping (validated against its pipeline). */
export async function updateHubspotStageMapping(
  services: Pick<Services, "db" | "config">,
  actor: Actor,
  input: { mappings: unknown; idempotencyKey?: string | null },
): Promise<Outcome<{ mappings: StageMapping }>> {
  if (!actor.principal.permissions.has("connection:manage")) {
    return fail(userError("FORBIDDEN", "Only an OWNER or ADMIN can configure the HubSpot sync.", ["input", "mappings"]));
  }
  const parsed = stageMappingSchema.safeParse(input.mappings);
  if (!parsed.success) {
    return fail(...parsed.error.issues.map((i) => userError("VALIDATION_FAILED", `${i.path.join(".") || "mappings"}: ${i.message}`, ["input", "mappings", ...i.path.map(String)])));
  }
  return runMutation(services, actor, { operation: "hubspotStageMappingUpdate", input: parsed.data, idempotencyKey: input.idempotencyKey }, async (uow) => {
    const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: actor.principal.tenantId } });
    const errors = stageMappingErrors(parsed.data, readTenantSettings(tenant.settings).pipeline);
    if (errors.length) return fail(...errors.map((e) => userError("VALIDATION_FAILED", e.message, ["input", "mappings", String(e.index), e.field])));
    const json = parsed.data as unknown as Prisma.InputJsonValue;
    await uow.tx.hubspotSettings.upsert({ where: { tenantId: tenant.id }, create: { tenantId: tenant.id, stageMappings: json }, update: { stageMappings: json } });
    await uow.audit({ action: "hubspot.stage_mapping_updated", targetType: "Tenant", targetId: tenant.id, summary: { mappings: parsed.data } });
    await uow.emit("sales.tenant.updated", { tenantId: tenant.id, section: "hubspot" });
    return ok({ mappings: parsed.data });
  });
}

/** Sets which records of ours with no HubSpot counterpart are created there (validated: deals need every open stage mapped). */
export async function updateHubspotSyncSettings(
  services: Pick<Services, "db" | "config">,
  actor: Actor,
  input: { settings: unknown; idempotencyKey?: string | null },
): Promise<Outcome<HubspotCreateSettings>> {
  if (!actor.principal.permissions.has("connection:manage")) {
    return fail(userError("FORBIDDEN", "Only an OWNER or ADMIN can configure the HubSpot sync.", ["input"]));
  }
  const parsed = hubspotCreateSettingsSchema.safeParse(input.settings);
  if (!parsed.success) return fail(...parsed.error.issues.map((i) => userError("VALIDATION_FAILED", `${i.path.join(".") || "input"}: ${i.message}`, ["input", ...i.path.map(String)])));
  return runMutation(services, actor, { operation: "hubspotSyncSettingsUpdate", input: parsed.data, idempotencyKey: input.idempotencyKey }, async (uow) => {
    const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: actor.principal.tenantId } });
    const current = await uow.tx.hubspotSettings.findUnique({ where: { tenantId: tenant.id } });
    const mappings = stageMappingSchema.safeParse(current?.stageMappings ?? []);
    const errors = createSettingsErrors(parsed.data, mappings.success ? mappings.data : [], readTenantSettings(tenant.settings).pipeline.stages);
    if (errors.length) return fail(...errors.map((e) => userError("VALIDATION_FAILED", e.message, ["input", e.field])));
    await uow.tx.hubspotSettings.upsert({ where: { tenantId: tenant.id }, create: { tenantId: tenant.id, ...parsed.data }, update: parsed.data });
    const before = { createContacts: current?.createContacts ?? false, createCompanies: current?.createCompanies ?? false, createDeals: current?.createDeals ?? false };
    await uow.audit({ action: "hubspot.sync_settings_updated", targetType: "Tenant", targetId: tenant.id, summary: { before, after: parsed.data } });
    await uow.emit("sales.tenant.updated", { tenantId: tenant.id, section: "hubspot" });
    return ok(parsed.data);
  });
}

/** Enqueues an incremental (or full) sync of the tenant's HubSpot connection. */
export async function requestHubspotSync(
  services: Pick<Services, "db" | "config" | "jobs">,
  actor: Actor,
  input: { full: boolean; idempotencyKey?: string | null },
): Promise<Outcome<{ connectionId: string; jobId: string | null; queued: boolean }>> {
  if (!actor.principal.permissions.has("connection:manage")) {
    return fail(userError("FORBIDDEN", "Only an OWNER or ADMIN can start a HubSpot sync.", ["input"]));
  }
  return runMutation(services, actor, { operation: "hubspotSyncNow", input: { full: input.full }, idempotencyKey: input.idempotencyKey }, async (uow) => {
    const connection = await uow.tx.connection.findFirst({ where: { provider: "HUBSPOT", userId: null, status: "ACTIVE" }, orderBy: { updatedAt: "desc" } });
    if (!connection) return fail(userError("CONNECTION_NOT_ACTIVE", "HubSpot is not connected (or needs to be connected again).", ["input"]));
    const queue = input.full ? QUEUES.hubspotReconcile.name : QUEUES.hubspotSync.name;
    const jobId = await services.jobs.send(queue, { tenantId: connection.tenantId, connectionId: connection.id }, { singletonKey: connection.id }, uow.tx);
    await uow.audit({ action: "connection.sync_requested", targetType: "Connection", targetId: connection.id, summary: { provider: "HUBSPOT", full: input.full, jobId, queued: jobId !== null } });
    await uow.emit("sales.connection.sync_requested", { connectionId: connection.id, provider: "HUBSPOT", full: input.full, queued: jobId !== null });
    return ok({ connectionId: connection.id, jobId, queued: jobId !== null });
  });
}

// ---- IdentityResolver --------------------------------------------------------

export interface ResolvedIdentity {
  contact: { hubspotId: string; contactId: string } | null;
  company: { hubspotId: string; companyId: string } | null;
  openDeals: { hubspotId: string; dealId: string }[];
}

function isOpenDeal(d: HubspotObject): boolean {
  return d.properties.hs_is_closed !== "true" && d.properties.dealstage !== "closedwon" && d.properties.dealstage !== "closedlost";
}

/**
 * An e-mail address or a domain → the HubSpot contact, company and open deals
 * (search API), applied to ours with the sync's rules (ExternalRef links; the
 * canonical e-mail and domain of lead ingest, so an existing contact or
 * company is linked, never duplicated). Runs as the sync agent for the tenant.
 */
export async function resolveHubspotIdentity(services: ConnectionServices, tenantId: string, input: { email?: string | null; domain?: string | null }): Promise<Outcome<ResolvedIdentity>> {
  const parsed = input.email ? parseEmail(input.email) : null;
  if (input.email && !parsed?.ok) return fail(userError("VALIDATION_FAILED", "Not a valid e-mail address.", ["input", "email"]));
  const email = parsed?.ok ? parsed.email : null;
  const domain = input.domain ? normalizeDomain(input.domain) : email?.domainKind === "COMPANY" ? email.domain : null;
  if (input.domain && !domain) return fail(userError("VALIDATION_FAILED", "Not a valid domain.", ["input", "domain"]));
  if (!email && !domain) return fail(userError("VALIDATION_FAILED", "Give an e-mail address or a domain.", ["input"]));
  const connection = await hubspotConnectionOf(services, tenantId);
  if (!connection) return fail(userError("CONNECTION_NOT_ACTIVE", "HubSpot is not connected.", ["input"]));
  try {
    const found = await withHubspot(services, connection, async (api) => {
      // The address as given and in canonical form: HubSpot compares case-insensitively but keeps dots and tags.
      const values = email ? [...new Set([email.original.toLowerCase(), email.normalized])] : [];
      const contacts = values.length ? (await api.search("contacts", { filters: [{ propertyName: "email", operator: "IN", values }], properties: CONTACT_PROPERTIES, limit: 10 })).results : [];
      const contact = contacts[0] ?? null;
      let companies = domain ? (await api.search("companies", { filters: [{ propertyName: "domain", operator: "EQ", value: domain }], properties: COMPANY_PROPERTIES, limit: 10 })).results : [];
      if (!companies.length && contact) {
        const ids = (await api.associations("contacts", "companies", [contact.id])).get(contact.id) ?? [];
        companies = ids.length ? await api.batchRead("companies", ids.slice(0, 1), COMPANY_PROPERTIES) : [];
      }
      const company = companies[0] ?? null;
      const dealIds = new Set<string>();
      if (contact) for (const id of (await api.associations("contacts", "deals", [contact.id])).get(contact.id) ?? []) dealIds.add(id);
      if (company) for (const id of (await api.associations("companies", "deals", [company.id])).get(company.id) ?? []) dealIds.add(id);
      const deals = (await api.batchRead("deals", [...dealIds].slice(0, 100), DEAL_PROPERTIES)).filter(isOpenDeal);
      const dealCompanies = deals.length ? await api.associations("deals", "companies", deals.map((d) => d.id)) : new Map<string, string[]>();
      const dealContacts = deals.length ? await api.associations("deals", "contacts", deals.map((d) => d.id)) : new Map<string, string[]>();
      return { contact, company, deals, dealCompanies, dealContacts };
    }, { priority: "interactive" });
    const ctx = await loadSyncContext(services, connection);
    const outcome = await runUnitOfWork(services, syncActor(tenantId), async (inner) => {
      const uow = bufferedUnitOfWork(inner);
      const none = { companies: new Map<string, string[]>(), contacts: new Map<string, string[]>() };
      if (found.company) await applyRecords(ctx, uow, "companies", [found.company], none);
      if (found.contact) {
        await applyRecords(ctx, uow, "contacts", [found.contact], { companies: new Map(found.company ? [[found.contact.id, [found.company.id]]] : []), contacts: new Map() });
      }
      if (found.deals.length) await applyRecords(ctx, uow, "deals", found.deals, { companies: found.dealCompanies, contacts: found.dealContacts });
      await uow.flush();
      const refs = await uow.tx.externalRef.findMany({
        where: { system: HUBSPOT_SYSTEM, externalId: { in: [found.contact?.id, found.company?.id, ...found.deals.map((d) => d.id)].filter((i): i is string => !!i) } },
      });
      const ref = (type: string, id: string | undefined) => refs.find((r) => r.entityType === type && r.externalId === id)?.entityId ?? null;
      const contactId = ref("Contact", found.contact?.id);
      const companyId = ref("Company", found.company?.id);
      return ok<ResolvedIdentity>({
        contact: found.contact && contactId ? { hubspotId: found.contact.id, contactId } : null,
        company: found.company && companyId ? { hubspotId: found.company.id, companyId } : null,
        openDeals: found.deals.map((d) => ({ hubspotId: d.id, dealId: ref("Deal", d.id) })).filter((d): d is { hubspotId: string; dealId: string } => !!d.dealId),
      });
    });
    return outcome;
  } catch (error) {
    if (error instanceof ConnectionUnavailableError) return fail(userError("CONNECTION_NOT_ACTIVE", error.message, ["input"]));
    throw error;
  }
}
