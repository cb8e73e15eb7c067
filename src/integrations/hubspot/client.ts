// HubSpot through @hubspot/api-client (13.x, the last line for Node 20) — never
// hand-written HTTP. One small interface (HubspotApi) over the SDK for what the
// service needs: CRM objects (list, search, batch read), associations v4,
// owners, deal pipelines and creating engagements. The SDK's own retries and
// limiter are off: every call runs under our resilience policy
// (callWithConnection → src/integrations/resilience.ts), which honours
// Retry-After, shares the rate limit across instances and opens the circuit.
// SDK errors (ApiException: code, body, headers) are rethrown in the
// `{ response: { status, headers, data } }` shape the policy and
// classifyProviderError read, so a 429 waits the told time and a 401 or
// invalid_grant turns the connection to NEEDS_REAUTH.
import type { Client } from "@hubspot/api-client";
import { lazyRequire } from "../../config/lazy-require.js";

const hubspotSdk = lazyRequire<typeof import("@hubspot/api-client")>("@hubspot/api-client");

export const HUBSPOT_API_BASE = "https://api.hubapi.com";
export const HUBSPOT_APP_BASE = "https://app.hubspot.com";

export type HubspotObjectType = "contacts" | "companies" | "deals";

export interface HubspotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date;
  updatedAt: Date;
}

export interface HubspotPage<T> {
  results: T[];
  /** The next page's cursor; null on the last page. */
  after: string | null;
  total?: number;
}

export interface HubspotOwner {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  updatedAt: Date;
}

export interface HubspotPipeline {
  id: string;
  label: string;
  stages: { id: string; label: string }[];
}

export type SearchFilter = { propertyName: string; operator: "EQ" | "NEQ" | "GT" | "GTE" | "LT" | "LTE" | "IN" | "HAS_PROPERTY" | "CONTAINS_TOKEN"; value?: string; values?: string[] };

export type EngagementType = "emails" | "notes" | "tasks" | "meetings";

export interface EngagementInput {
  type: EngagementType;
  /** HubSpot properties of the engagement (hs_timestamp, hs_email_subject, hs_note_body, …). */
  properties: Record<string, string>;
  /** Records whose timelines show it. */
  associations: { contactIds?: string[]; companyIds?: string[]; dealIds?: string[] };
}

/** HubSpot-defined association type ids from each engagement type to contacts, companies and deals. */
const ENGAGEMENT_ASSOCIATION: Record<EngagementType, { contacts: number; companies: number; deals: number }> = {
  emails: { contacts: 198, companies: 186, deals: 210 },
  meetings: { contacts: 200, companies: 188, deals: 212 },
  notes: { contacts: 202, companies: 190, deals: 214 },
  tasks: { contacts: 204, companies: 192, deals: 216 },
};

/** HubSpot-defined association type ids between CRM objects (from:to). */
const OBJECT_ASSOCIATION: Record<string, number> = {
  "contacts:companies": 279,
  "companies:contacts": 280,
  "deals:contacts": 3,
  "contacts:deals": 4,
  "deals:companies": 341,
  "companies:deals": 342,
};

export interface HubspotApi {
  /** One page of every record (the list API: no 10,000-result cap), ordered by id. */
  listPage(type: HubspotObjectType, input: { after: string | null; limit: number; properties: string[] }): Promise<HubspotPage<HubspotObject>>;
  /** The search API (filters AND-ed in one group), at most 200 a page and 10,000 in all. */
  search(type: HubspotObjectType, input: { filters: SearchFilter[]; properties: string[]; after?: string | null; limit: number; sortBy?: string; descending?: boolean }): Promise<HubspotPage<HubspotObject>>;
  batchRead(type: HubspotObjectType, ids: string[], properties: string[]): Promise<HubspotObject[]>;
  /** For each given record, the ids of its associated records of `to` (≤ 1,000 ids a call). */
  associations(from: HubspotObjectType, to: HubspotObjectType, ids: string[]): Promise<Map<string, string[]>>;
  ownersPage(input: { after: string | null; limit: number }): Promise<HubspotPage<HubspotOwner>>;
  dealPipelines(): Promise<HubspotPipeline[]>;
  /** Creates an engagement (email, note, task, meeting) on the given timelines; returns its HubSpot id. Not for blind retries. */
  createEngagement(input: EngagementInput): Promise<{ id: string }>;
  /** One record by id with the given properties; null when HubSpot has none (or it is archived). */
  getObject(type: HubspotObjectType, id: string, properties: string[]): Promise<HubspotObject | null>;
  /** Writes properties of one record; returns it as HubSpot now has it (its new modification time). */
  updateObject(type: HubspotObjectType, id: string, properties: Record<string, string>): Promise<HubspotObject>;
  /** One page of archived records (HubSpot keeps them 90 days), ordered by id. */
  archivedPage(type: HubspotObjectType, input: { after: string | null; limit: number }): Promise<HubspotPage<HubspotObject & { archivedAt: Date | null }>>;
  /** Engagements of one type whose property equals a value (the search API; HubSpot indexes new records within seconds). */
  findEngagements(type: EngagementType, propertyName: string, value: string): Promise<string[]>;
  /** Creates a contact, company or deal with its associations to existing records; returns it. Not for blind retries. */
  createObject(type: HubspotObjectType, properties: Record<string, string>, associateWith?: { type: HubspotObjectType; id: string }[]): Promise<HubspotObject>;
  /** Associates two existing records with HubSpot's default association (idempotent at HubSpot). */
  associate(from: HubspotObjectType, fromId: string, to: HubspotObjectType, toId: string): Promise<void>;
  /** The account's IANA time zone (account-info API); null when HubSpot does not say. */
  accountTimeZone(): Promise<string | null>;
  /** Makes sure a custom text property exists on an object type (created when missing). */
  ensureProperty(objectType: EngagementType | HubspotObjectType, input: { name: string; label: string; description: string }): Promise<void>;
  /**
   * HubSpot's GDPR delete of a contact by id: the record, its associations and its content go for good (not
   * archived). False when HubSpot has no such contact (deleted already): nothing is left to delete.
   */
  gdprDeleteContact(id: string): Promise<boolean>;
}

export interface HubspotApiOptions {
  accessToken: string;
  basePath?: string;
  /** Runs before every HTTP request (the shared rate budget waits or refuses here); search requests say so (their own limit). */
  beforeRequest?: (request: { search: boolean }) => Promise<void>;
}

/** An SDK error in the shape our resilience policy and error classification read. */
export class HubspotApiError extends Error {
  readonly response: { status: number; headers: Record<string, string>; data: unknown };
  constructor(status: number, headers: Record<string, string>, data: unknown) {
    const category = (data as { category?: unknown } | null)?.category;
    super(`HubSpot answered HTTP ${status}${typeof category === "string" && /^[A-Z_]{1,40}$/.test(category) ? ` (${category})` : ""}`);
    this.name = "HubspotApiError";
    this.response = { status, headers, data };
  }
}

/** Rethrows the SDK's ApiException (code, body, headers) as a HubspotApiError; other errors unchanged. */
export function normalizeHubspotError(error: unknown): unknown {
  const e = error as { code?: unknown; body?: unknown; headers?: unknown } | null;
  if (e && typeof e.code === "number" && e.code >= 100 && e.code < 600) {
    let data = e.body;
    if (typeof data === "string") {
      try {
        data = JSON.parse(data);
      } catch {
        data = null;
      }
    }
    // HubSpot names a refused grant by status (BAD_REFRESH_TOKEN, BAD_AUTH_CODE); give it the OAuth code too.
    const hsStatus = (data as { status?: unknown; error?: unknown } | null)?.status;
    if (data && typeof data === "object" && !(data as { error?: unknown }).error && (hsStatus === "BAD_REFRESH_TOKEN" || hsStatus === "BAD_AUTH_CODE")) {
      data = { ...(data as object), error: "invalid_grant" };
    }
    const headers: Record<string, string> = {};
    if (e.headers && typeof e.headers === "object") for (const [k, v] of Object.entries(e.headers as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
    return new HubspotApiError(e.code, headers, data);
  }
  return error;
}

async function callWith<T>(before: ((request: { search: boolean }) => Promise<void>) | undefined, fn: () => Promise<T>, search = false): Promise<T> {
  if (before) await before({ search });
  try {
    return await fn();
  } catch (error) {
    throw normalizeHubspotError(error);
  }
}

/** The SDK client for one access token (an OAuth access token or a private-app token). */
export function sdkClient(accessToken: string, basePath?: string): Client {
  return new (hubspotSdk().Client)({ accessToken, basePath: (basePath ?? HUBSPOT_API_BASE).replace(/\/+$/, ""), numberOfApiCallRetries: 0 });
}

function toObject(o: { id: string; properties: Record<string, string | null>; createdAt: Date; updatedAt: Date }): HubspotObject {
  return { id: String(o.id), properties: o.properties ?? {}, createdAt: new Date(o.createdAt), updatedAt: new Date(o.updatedAt) };
}

function api(client: Client, type: HubspotObjectType) {
  return type === "contacts" ? client.crm.contacts : type === "companies" ? client.crm.companies : client.crm.deals;
}

export function createHubspotApi(input: HubspotApiOptions): HubspotApi {
  const client = sdkClient(input.accessToken, input.basePath);
  // Every HTTP request of this client passes the budget hook first.
  const call = <T>(fn: () => Promise<T>) => callWith(input.beforeRequest, fn);
  const searchCall = <T>(fn: () => Promise<T>) => callWith(input.beforeRequest, fn, true);
  const status = (error: unknown) => (error as HubspotApiError | null)?.response?.status;
  return {
    async listPage(type, { after, limit, properties }) {
      const page = await call(() => api(client, type).basicApi.getPage(limit, after ?? undefined, properties, undefined, undefined, false));
      return { results: page.results.map(toObject), after: page.paging?.next?.after ?? null };
    },
    async search(type, { filters, properties, after, limit, sortBy, descending }) {
      const page = await searchCall(() =>
        api(client, type).searchApi.doSearch({
          filterGroups: filters.length ? [{ filters: filters as never }] : [],
          properties,
          limit,
          after: after ?? undefined,
          // The SDK types sorts as strings; HubSpot takes { propertyName, direction } objects, which the serializer passes through.
          sorts: sortBy ? [{ propertyName: sortBy, direction: descending ? "DESCENDING" : "ASCENDING" } as never] : [],
        } as never),
      );
      return { results: page.results.map(toObject), after: page.paging?.next?.after ?? null, total: page.total };
    },
    async batchRead(type, ids, properties) {
      if (!ids.length) return [];
      const out: HubspotObject[] = [];
      for (let i = 0; i < ids.length; i += 100) {
        const batch = await call(() => api(client, type).batchApi.read({ inputs: ids.slice(i, i + 100).map((id) => ({ id })), properties, propertiesWithHistory: [] }, false));
        out.push(...batch.results.map(toObject));
      }
      return out;
    },
    async associations(from, to, ids) {
      const map = new Map<string, string[]>();
      for (let i = 0; i < ids.length; i += 1000) {
        const batch = await call(() => client.crm.associations.v4.batchApi.getPage(from, to, { inputs: ids.slice(i, i + 1000).map((id) => ({ id })) }));
        for (const r of batch.results) map.set(String(r._from.id), r.to.map((t) => String(t.toObjectId)));
      }
      return map;
    },
    async ownersPage({ after, limit }) {
      const page = await call(() => client.crm.owners.ownersApi.getPage(undefined, after ?? undefined, limit, false));
      return {
        results: page.results.map((o) => ({ id: String(o.id), email: o.email ?? null, firstName: o.firstName ?? null, lastName: o.lastName ?? null, updatedAt: new Date(o.updatedAt) })),
        after: page.paging?.next?.after ?? null,
      };
    },
    async dealPipelines() {
      const all = await call(() => client.crm.pipelines.pipelinesApi.getAll("deals"));
      return all.results.map((p) => ({ id: p.id, label: p.label, stages: p.stages.map((s) => ({ id: s.id, label: s.label })) }));
    },
    async createEngagement({ type, properties, associations }) {
      const ids = ENGAGEMENT_ASSOCIATION[type];
      const to = (list: string[] | undefined, typeId: number) =>
        (list ?? []).map((id) => ({ to: { id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: typeId }] }));
      const created = await call(() =>
        client.crm.objects.basicApi.create(type, {
          properties,
          associations: [...to(associations.contactIds, ids.contacts), ...to(associations.companyIds, ids.companies), ...to(associations.dealIds, ids.deals)],
        } as never),
      );
      return { id: String(created.id) };
    },
    async getObject(type, id, properties) {
      try {
        return toObject(await call(() => api(client, type).basicApi.getById(id, properties, undefined, undefined, false)));
      } catch (error) {
        if (status(error) === 404) return null;
        throw error;
      }
    },
    async updateObject(type, id, properties) {
      return toObject(await call(() => api(client, type).basicApi.update(id, { properties })));
    },
    async archivedPage(type, { after, limit }) {
      const page = await call(() => api(client, type).basicApi.getPage(limit, after ?? undefined, [], undefined, undefined, true));
      return {
        results: page.results.map((o) => ({ ...toObject(o), archivedAt: o.archivedAt ? new Date(o.archivedAt) : null })),
        after: page.paging?.next?.after ?? null,
      };
    },
    async findEngagements(type, propertyName, value) {
      const page = await searchCall(() =>
        client.crm.objects.searchApi.doSearch(type, { filterGroups: [{ filters: [{ propertyName, operator: "EQ", value }] }], properties: [propertyName], limit: 10, after: undefined, sorts: [] } as never),
      );
      return page.results.map((r) => String(r.id));
    },
    async createObject(type, properties, associateWith = []) {
      const associations = associateWith.map((a) => ({ to: { id: a.id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: OBJECT_ASSOCIATION[`${type}:${a.type}`] }] }));
      return toObject(await call(() => api(client, type).basicApi.create({ properties, associations } as never)));
    },
    async associate(from, fromId, to, toId) {
      await call(() => client.crm.associations.v4.basicApi.createDefault(from, fromId, to, toId));
    },
    async accountTimeZone() {
      // No typed API for account-info in SDK 13: the SDK's generic request (same auth, base path and error shape).
      const response = await call(async () => {
        const r = await client.apiRequest({ method: "GET", path: "/account-info/v3/details" });
        if (!r.ok) throw { code: r.status, body: await r.text(), headers: Object.fromEntries(r.headers.entries()) };
        return (await r.json()) as { timeZone?: unknown };
      });
      return typeof response.timeZone === "string" && response.timeZone.length <= 64 ? response.timeZone : null;
    },
    async ensureProperty(objectType, { name, label, description }) {
      try {
        await call(() => client.crm.properties.coreApi.getByName(objectType, name));
        return;
      } catch (error) {
        if (status(error) !== 404) throw error;
      }
      try {
        await call(() =>
          client.crm.properties.coreApi.create(objectType, { name, label, description, type: "string", fieldType: "text", groupName: `${objectType.replace(/s$/, "")}information`, formField: false, hidden: false } as never),
        );
      } catch (error) {
        if (status(error) !== 409) throw error; // another worker made it first
      }
    },
    async gdprDeleteContact(id) {
      try {
        // 13.x has the GDPR delete on the contacts' basic API (POST /crm/v3/objects/contacts/gdpr-delete).
        await call(() => client.crm.contacts.basicApi.purge({ objectId: id }));
        return true;
      } catch (error) {
        if (status(error) === 404) return false;
        throw error;
      }
    },
  };
}
