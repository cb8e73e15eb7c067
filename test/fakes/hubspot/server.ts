// A wire-level fake of the HubSpot APIs the service uses, for the real
// @hubspot/api-client pointed at it (`basePath: fake.url`,
// HUBSPOT_API_BASE_URL / HUBSPOT_OAUTH_BASE_URL):
//   GET  /oauth/authorize                       consent: redirects back with ?code= (or ?error=access_denied)
//   POST /oauth/v1/token                        authorization_code and refresh_token grants (form body);
//                                               a revoked/unknown refresh token → 400 invalid_grant (BAD_REFRESH_TOKEN)
//   GET  /oauth/v1/access-tokens/:token         token info (user, hub_id, hub_domain, scopes)
//   DELETE /oauth/v1/refresh-tokens/:token      revokes the grant
//   GET  /crm/v3/objects/:type                  list, paging by `after`, `properties`, `associations`
//   POST /crm/v3/objects/:type/search           filterGroups (EQ, NEQ, GT, GTE, LT, LTE, IN, CONTAINS_TOKEN, HAS_PROPERTY),
//                                               sorts, `after`, limit ≤ 200, and the 10,000-result cap of the real API
//   POST /crm/v3/objects/:type/batch/read       ≤ 100 ids
//   POST /crm/v3/objects/:type                  create (engagements: emails, notes, tasks, meetings; contacts, companies,
//                                               deals) with `associations` (HubSpot-defined type ids); a property HubSpot
//                                               does not define (names outside hs_*, hubspot_owner_id and the standard
//                                               CRM properties) must be created first → else 400 PROPERTY_DOESNT_EXIST;
//                                               a contact whose e-mail another contact has → 409 CONFLICT
//                                               "Contact already exists. Existing ID: <id>" (HubSpot's unique e-mail)
//   GET  /crm/v3/objects/:type/:id              read one (404 when archived, unless ?archived=true)
//   PATCH /crm/v3/objects/:type/:id             update properties (bumps the modification time)
//   DELETE /crm/v3/objects/:type/:id            archive (HubSpot's "delete": kept 90 days, listed with ?archived=true)
//   POST /crm/v3/objects/contacts/gdpr-delete   GDPR delete: { objectId } (or { objectId: address, idProperty: "email" });
//                                               the contact and its associations go for good (not archived), 204 with no
//                                               body; an unknown id → 404 OBJECT_NOT_FOUND; an unknown address is
//                                               blocklisted (204), as HubSpot does; contacts only
//   GET  /crm/v3/objects/:type?archived=true    the archived records only, with archivedAt
//   GET/POST /crm/v3/properties/:type[/:name]   custom property definitions (409 when the name exists)
//   GET  /crm/v4/objects/:from/:id/associations/:to   and   POST /crm/v4/associations/:from/:to/batch/read
//   PUT  /crm/v4/objects/:from/:id/associations/default/:to/:toId   the default association (both directions)
//   GET  /account-info/v3/details               portalId, timeZone (`timeZone`, settable), currency
//   GET  /crm/v3/owners                         owners, paging by `after`
//   GET  /crm/v3/pipelines/deals                the portal's deal pipelines and stages
// - Bearer tokens: those the OAuth endpoints issued, private-app tokens
//   registered with `addPrivateAppToken(token)`, or any token when
//   `acceptAnyToken`. Anything else: HubSpot's 401 INVALID_AUTHENTICATION.
// - Fault injection: `failNext({ status, retryAfter, times, path })` answers
//   the next matching API requests with HubSpot's error shape (429 with
//   Retry-After and category RATE_LIMITS, 5xx…) before any route runs.
//   `failNext({ afterApply: true, … })` lets the route run (e.g. the engagement is created) and
//   answers the error instead of its result: a crash or timeout after HubSpot acted.
// - Rate limits like HubSpot's (off unless set): `limits.burst` requests per `limits.burstWindowMs`
//   per token (429, policyName TEN_SECONDLY_ROLLING, Retry-After: the seconds until a slot frees) and
//   `limits.daily` per token per UTC day (429, policyName DAILY); X-HubSpot-RateLimit-* headers.
// - `requests` counts requests per "METHOD /path-pattern" (ids replaced by :id; archived listings as
//   "GET /crm/v3/objects/:type?archived").
// - `writes` logs every authenticated request that is not a GET (method, path, the bearer token it
//   came with, and for a create the new record's type and id): two connections on this one portal
//   are told apart by their tokens.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ObjectType = "contacts" | "companies" | "deals" | (string & {});

export interface FakeObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface FakeOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface InjectedFailure {
  status: number;
  retryAfter?: string | number;
  times?: number;
  path?: RegExp;
  message?: string;
  /** Run the route first (its effect happens), then answer the error. */
  afterApply?: boolean;
}

interface Grant {
  refreshToken: string;
  scopes: string[];
  revoked: boolean;
  user: string;
}

export interface FakeHubspot {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly hubId: number;
  readonly hubDomain: string;
  /** The HubSpot user that "consents" on the next authorize request. */
  user: string;
  denyNext: boolean;
  accessTokenTtlSeconds: number;
  lastAuthorize: URLSearchParams | null;
  readonly requests: Record<string, number>;
  /** Every authenticated request other than a GET, in order, with the token it came with (`created`: the record a create made). */
  readonly writes: FakeWrite[];
  /** Every token string ever issued (tests grep the database for them). */
  readonly issuedTokens: string[];
  totalRequests(): number;
  resetCounts(): void;
  addPrivateAppToken(token: string): void;
  /** Revokes every grant (the portal removed the app). */
  revokeAll(): void;
  expireAccessTokens(): void;
  failNext(failure: InjectedFailure): void;
  /** Adds or replaces an object; `updatedAt` (default now) is also its hs_lastmodifieddate / lastmodifieddate. */
  upsert(type: ObjectType, id: string, properties: Record<string, string | null>, options?: { updatedAt?: Date; createdAt?: Date }): FakeObject;
  /** Changes properties and bumps the modification time (default now). */
  update(type: ObjectType, id: string, properties: Record<string, string | null>, at?: Date): FakeObject;
  get(type: ObjectType, id: string): FakeObject | undefined;
  all(type: ObjectType): FakeObject[];
  associate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void;
  addOwner(owner: { id: string; email: string; firstName?: string; lastName?: string }): FakeOwner;
  setPipelines(pipelines: { id: string; label: string; stages: { id: string; label: string }[] }[]): void;
  /** Archives a record (as DELETE does): gone from lists and search, listed with archived=true. */
  archive(type: ObjectType, id: string, at?: Date): void;
  /** Custom property definitions per object type (created through the properties API). */
  readonly customProperties: Map<string, Set<string>>;
  /** Contact ids removed by GDPR deletes, in order. */
  readonly gdprDeleted: string[];
  /** Addresses a GDPR delete by e-mail blocklisted (no contact had them). */
  readonly gdprBlocklist: Set<string>;
  /** The account's time zone (account-info API). */
  timeZone: string;
  /** HubSpot-like rate limits per token; unset fields are not limited. */
  limits: { burst?: number; burstWindowMs?: number; daily?: number };
  close(): Promise<void>;
}

export interface FakeWrite {
  token: string;
  method: string;
  path: string;
  created?: { type: string; id: string };
}

export interface FakeHubspotOptions {
  port?: number;
  host?: string;
  acceptAnyToken?: boolean;
  clientId?: string;
  clientSecret?: string;
  user?: string;
}

const ASSOCIATION_TYPE_IDS: Record<string, number> = {
  "contacts:companies": 279,
  "companies:contacts": 280,
  "deals:contacts": 3,
  "contacts:deals": 4,
  "deals:companies": 341,
  "companies:deals": 342,
};

/** HubSpot-defined association type ids to their target: from an engagement (email, meeting, note, task), and between CRM objects. */
const ASSOCIATION_TARGET: Record<number, string> = {
  279: "companies", 280: "contacts", 3: "contacts", 4: "deals", 341: "companies", 342: "deals",
  198: "contacts", 200: "contacts", 202: "contacts", 204: "contacts",
  186: "companies", 188: "companies", 190: "companies", 192: "companies",
  210: "deals", 212: "deals", 214: "deals", 216: "deals",
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  if (status === 204) {
    res.writeHead(204, headers);
    res.end();
    return true;
  }
  res.writeHead(status, { "content-type": "application/json;charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
  return true;
}

function hubspotError(res: ServerResponse, status: number, message: string, category: string, headers: Record<string, string> = {}): true {
  return send(res, status, { status: "error", message, correlationId: randomBytes(8).toString("hex"), category }, headers);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const CATEGORY: Record<number, string> = { 400: "VALIDATION_ERROR", 401: "INVALID_AUTHENTICATION", 403: "MISSING_SCOPES", 404: "OBJECT_NOT_FOUND", 429: "RATE_LIMITS" };

/** HubSpot's lastmodified property name per object type. */
function modifiedProperty(type: string): string {
  return type === "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate";
}

function compare(a: string | null | undefined, b: string): number {
  if (a === null || a === undefined) return Number.NaN;
  const na = Number(a);
  const nb = Number(b);
  if (a !== "" && b !== "" && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  const da = Date.parse(a);
  const db = Date.parse(b);
  if (!Number.isNaN(da) && !Number.isNaN(db) && /\d{4}-\d{2}-\d{2}/.test(a)) return da - db;
  if (!Number.isNaN(da) && /\d{4}-\d{2}-\d{2}/.test(a) && Number.isFinite(nb)) return da - nb;
  return a.localeCompare(b);
}

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
}

function matches(object: FakeObject, filter: Filter): boolean {
  const raw = filter.propertyName === "hs_object_id" ? object.id : object.properties[filter.propertyName];
  const value = filter.value ?? "";
  switch (filter.operator) {
    case "EQ":
      return raw !== null && raw !== undefined && raw.toLowerCase() === value.toLowerCase();
    case "NEQ":
      return raw === null || raw === undefined || raw.toLowerCase() !== value.toLowerCase();
    case "GT":
      return compare(raw, value) > 0;
    case "GTE":
      return compare(raw, value) >= 0;
    case "LT":
      return compare(raw, value) < 0;
    case "LTE":
      return compare(raw, value) <= 0;
    case "IN":
      return raw !== null && raw !== undefined && (filter.values ?? []).map((v) => v.toLowerCase()).includes(raw.toLowerCase());
    case "HAS_PROPERTY":
      return raw !== null && raw !== undefined && raw !== "";
    case "NOT_HAS_PROPERTY":
      return raw === null || raw === undefined || raw === "";
    case "CONTAINS_TOKEN":
      return raw !== null && raw !== undefined && raw.toLowerCase().includes(value.replace(/\*/g, "").toLowerCase());
    default:
      throw Object.assign(new Error(`Unsupported operator ${filter.operator}`), { status: 400 });
  }
}

export async function startFakeHubspot(options: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  const objects = new Map<string, Map<string, FakeObject>>();
  const associations = new Map<string, Set<string>>(); // "from:fromId:to" → to ids
  const owners = new Map<string, FakeOwner>();
  let pipelines = [
    {
      id: "default",
      label: "Sales Pipeline",
      stages: [
        { id: "appointmentscheduled", label: "Appointment Scheduled" },
        { id: "qualifiedtobuy", label: "Qualified To Buy" },
        { id: "presentationscheduled", label: "Presentation Scheduled" },
        { id: "decisionmakerboughtin", label: "Decision Maker Bought-In" },
        { id: "contractsent", label: "Contract Sent" },
        { id: "closedwon", label: "Closed Won" },
        { id: "closedlost", label: "Closed Lost" },
      ],
    },
  ];
  const grants = new Map<string, Grant>();
  const codes = new Map<string, { scopes: string[]; redirectUri: string; user: string }>();
  const accessTokens = new Map<string, { grant: Grant; expiresAt: number }>();
  const privateTokens = new Set<string>();
  const failures: (InjectedFailure & { left: number })[] = [];
  const requests: Record<string, number> = {};
  const writes: FakeWrite[] = [];
  const writeOf = new WeakMap<IncomingMessage, FakeWrite>();
  const issuedTokens: string[] = [];
  let nextId = 1000;
  const customProperties = new Map<string, Set<string>>();
  const usage = new Map<string, { window: number[]; day: string; daily: number }>();
  const ENGAGEMENTS = new Set(["emails", "notes", "tasks", "meetings", "calls"]);

  /** Standard properties of CRM objects (those the service writes); others must be created first. */
  const STANDARD: Record<string, Set<string>> = {
    contacts: new Set(["email", "firstname", "lastname", "jobtitle", "phone", "company", "website", "lifecyclestage"]),
    companies: new Set(["name", "domain", "industry", "numberofemployees", "country", "website", "lifecyclestage"]),
    deals: new Set(["dealname", "amount", "deal_currency_code", "dealstage", "pipeline", "closedate"]),
  };

  /** Properties outside HubSpot's own (hs_*, hubspot_owner_id, the standard ones) must have been created: HubSpot's PROPERTY_DOESNT_EXIST. */
  function undefinedProperties(type: string, properties: Record<string, unknown>): ((res: ServerResponse) => true) | null {
    if (!ENGAGEMENTS.has(type) && !STANDARD[type]) return null;
    const missing = Object.keys(properties).filter((n) => !n.startsWith("hs_") && n !== "hubspot_owner_id" && !STANDARD[type]?.has(n) && !customProperties.get(type)?.has(n));
    if (!missing.length) return null;
    const errors = missing.map((name) => ({ isValid: false, message: `Property "${name}" does not exist`, error: "PROPERTY_DOESNT_EXIST", name }));
    return (res) => hubspotError(res, 400, `Property values were not valid: ${JSON.stringify(errors)}`, "VALIDATION_ERROR");
  }

  /** HubSpot's per-token burst and daily limits: true when it answered 429. */
  function overLimit(token: string, res: ServerResponse): boolean {
    const { burst, burstWindowMs = 10_000, daily } = fake.limits;
    if (!burst && !daily) return false;
    const now = Date.now();
    const day = new Date(now).toISOString().slice(0, 10);
    let u = usage.get(token);
    if (!u || u.day !== day) usage.set(token, (u = { window: u?.window ?? [], day, daily: 0 }));
    u.window = u.window.filter((t) => t > now - burstWindowMs);
    const headers: Record<string, string> = {};
    if (burst) Object.assign(headers, { "x-hubspot-ratelimit-max": String(burst), "x-hubspot-ratelimit-interval-milliseconds": String(burstWindowMs) });
    if (daily) headers["x-hubspot-ratelimit-daily"] = String(daily);
    if (daily && u.daily >= daily) {
      const midnight = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
      send(res, 429, { status: "error", message: "You have reached your daily limit.", errorType: "RATE_LIMIT", policyName: "DAILY", correlationId: randomBytes(8).toString("hex"), category: "RATE_LIMITS" }, { ...headers, "x-hubspot-ratelimit-daily-remaining": "0", "retry-after": String(Math.ceil((midnight - now) / 1000)) });
      return true;
    }
    if (burst && u.window.length >= burst) {
      const wait = Math.max(1, Math.ceil((u.window[0]! + burstWindowMs - now) / 1000));
      send(res, 429, { status: "error", message: "You have reached your ten_secondly_rolling limit.", errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING", correlationId: randomBytes(8).toString("hex"), category: "RATE_LIMITS" }, { ...headers, "x-hubspot-ratelimit-remaining": "0", "retry-after": String(wait) });
      return true;
    }
    u.window.push(now);
    u.daily++;
    if (burst) headers["x-hubspot-ratelimit-remaining"] = String(burst - u.window.length);
    if (daily) headers["x-hubspot-ratelimit-daily-remaining"] = String(daily - u.daily);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    return false;
  }

  const table = (type: string) => {
    let t = objects.get(type);
    if (!t) objects.set(type, (t = new Map()));
    return t;
  };

  function issue(grant: Grant) {
    const accessToken = `hsat-${randomBytes(16).toString("hex")}`;
    issuedTokens.push(accessToken);
    accessTokens.set(accessToken, { grant, expiresAt: Date.now() + fake.accessTokenTtlSeconds * 1000 });
    return { token_type: "bearer", access_token: accessToken, refresh_token: grant.refreshToken, expires_in: fake.accessTokenTtlSeconds };
  }

  function authenticated(req: IncomingMessage): boolean {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!token) return false;
    if (privateTokens.has(token)) return true;
    const entry = accessTokens.get(token);
    if (entry) return !entry.grant.revoked && entry.expiresAt > Date.now();
    return !!options.acceptAnyToken;
  }

  function withAssociations(type: string, object: FakeObject, toTypes: string[]) {
    if (!toTypes.length) return object;
    const out: Record<string, { results: { id: string; type: string }[] }> = {};
    for (const to of toTypes) {
      const ids = [...(associations.get(`${type}:${object.id}:${to}`) ?? [])];
      if (ids.length) out[to] = { results: ids.map((id) => ({ id, type: `${type.replace(/s$/, "")}_to_${to.replace(/ies$/, "y").replace(/s$/, "")}` })) };
    }
    return { ...object, associations: out };
  }

  function project(type: string, object: FakeObject, properties: string[] | null) {
    const props: Record<string, string | null> = {
      hs_object_id: object.id,
      createdate: object.properties.createdate ?? object.createdAt,
      [modifiedProperty(type)]: object.updatedAt,
    };
    for (const name of properties ?? Object.keys(object.properties)) if (name in object.properties) props[name] = object.properties[name] ?? null;
    for (const name of properties ?? []) if (!(name in props)) props[name] = null;
    return { id: object.id, properties: props, createdAt: object.createdAt, updatedAt: object.updatedAt, archived: object.archived, ...(object.archivedAt ? { archivedAt: object.archivedAt } : {}) };
  }

  function page<T>(items: T[], after: string | null, limit: number, link: string) {
    const start = after ? Number(after) : 0;
    const slice = items.slice(start, start + limit);
    const next = start + limit < items.length ? String(start + limit) : null;
    return { results: slice, ...(next ? { paging: { next: { after: next, link: `${link}?after=${next}` } } } : {}) };
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method = req.method ?? "GET";
    const parts = url.pathname.split("/").filter(Boolean);
    // /crm/v3/objects/:type ...
    if (parts[0] === "crm" && parts[1] === "v3" && parts[2] === "objects" && parts[3]) {
      const type = parts[3];
      const items = table(type);
      const propsParam = url.searchParams.getAll("properties").flatMap((p) => p.split(",")).filter(Boolean);
      const assocParam = url.searchParams.getAll("associations").flatMap((p) => p.split(",")).filter(Boolean);
      if (method === "GET" && parts.length === 4) {
        const limit = Math.min(Number(url.searchParams.get("limit") ?? 10) || 10, 100);
        const archived = url.searchParams.get("archived") === "true";
        const list = [...items.values()].filter((o) => o.archived === archived).sort((a, b) => Number(a.id) - Number(b.id));
        const p = page(list, url.searchParams.get("after"), limit, url.pathname);
        return send(res, 200, { ...p, results: p.results.map((o) => withAssociations(type, { ...o, ...project(type, o, propsParam.length ? propsParam : null) }, assocParam)) });
      }
      if (method === "GET" && parts.length === 5) {
        const o = items.get(parts[4]!);
        if (!o || o.archived !== (url.searchParams.get("archived") === "true")) return hubspotError(res, 404, "Object not found", "OBJECT_NOT_FOUND");
        return send(res, 200, withAssociations(type, { ...o, ...project(type, o, propsParam.length ? propsParam : null) }, assocParam));
      }
      if (method === "POST" && parts[4] === "gdpr-delete" && parts.length === 5) {
        if (type !== "contacts") return hubspotError(res, 404, `No route for ${method} ${url.pathname}`, "OBJECT_NOT_FOUND");
        const body = JSON.parse((await readBody(req)) || "{}") as { objectId?: unknown; idProperty?: unknown };
        if (typeof body.objectId !== "string" || !body.objectId) return hubspotError(res, 400, "objectId is required", "VALIDATION_ERROR");
        const byEmail = body.idProperty === "email";
        if (body.idProperty !== undefined && body.idProperty !== null && !byEmail) return hubspotError(res, 400, `Unsupported idProperty ${String(body.idProperty)}`, "VALIDATION_ERROR");
        const address = (body.objectId as string).toLowerCase();
        const o = byEmail ? [...items.values()].find((c) => c.properties.email?.toLowerCase() === address) : items.get(body.objectId);
        if (!o) {
          if (!byEmail) return hubspotError(res, 404, "Object not found", "OBJECT_NOT_FOUND");
          fake.gdprBlocklist.add(address);
          return send(res, 204, null);
        }
        // For good: not archived, and gone from every association in both directions.
        items.delete(o.id);
        for (const [key, ids] of associations) {
          if (key.startsWith(`contacts:${o.id}:`)) associations.delete(key);
          else if (key.endsWith(":contacts")) ids.delete(o.id);
        }
        fake.gdprDeleted.push(o.id);
        return send(res, 204, null);
      }
      if (method === "POST" && parts[4] === "search") {
        const body = JSON.parse((await readBody(req)) || "{}") as {
          filterGroups?: { filters?: Filter[] }[];
          sorts?: (string | { propertyName: string; direction?: string })[];
          properties?: string[];
          limit?: number;
          after?: string | number;
          query?: string;
        };
        const limit = Math.min(body.limit ?? 10, 200);
        const after = body.after !== undefined && body.after !== null && body.after !== "" ? Number(body.after) : 0;
        if (after + limit > 10_000 && after >= 10_000) return hubspotError(res, 400, "The search API cannot page past 10,000 results", "VALIDATION_ERROR");
        const groups = body.filterGroups ?? [];
        let list = [...items.values()].filter((o) => !o.archived);
        if (groups.length) list = list.filter((o) => groups.some((g) => (g.filters ?? []).every((f) => matches({ ...o, properties: { ...o.properties, [modifiedProperty(type)]: o.updatedAt, lastmodifieddate: o.updatedAt, hs_lastmodifieddate: o.updatedAt } }, f))));
        const sort = body.sorts?.[0];
        const sortProp = typeof sort === "string" ? sort : sort?.propertyName;
        const desc = typeof sort === "object" && sort?.direction === "DESCENDING";
        if (sortProp) {
          const value = (o: FakeObject) => (sortProp === modifiedProperty(type) || sortProp === "lastmodifieddate" || sortProp === "hs_lastmodifieddate" ? o.updatedAt : sortProp === "hs_object_id" ? o.id : (o.properties[sortProp] ?? ""));
          list.sort((a, b) => {
            const c = compare(value(a), value(b)) || Number(a.id) - Number(b.id);
            return desc ? -c : c;
          });
        } else list.sort((a, b) => Number(a.id) - Number(b.id));
        const slice = list.slice(after, after + limit);
        const next = after + limit < list.length && after + limit < 10_000 ? String(after + limit) : null;
        return send(res, 200, {
          total: list.length,
          results: slice.map((o) => project(type, o, body.properties?.length ? body.properties : null)),
          ...(next ? { paging: { next: { after: next } } } : {}),
        });
      }
      if (method === "POST" && parts[4] === "batch" && parts[5] === "read") {
        const body = JSON.parse((await readBody(req)) || "{}") as { inputs?: { id: string }[]; properties?: string[] };
        const inputs = body.inputs ?? [];
        if (inputs.length > 100) return hubspotError(res, 400, "Batch read is limited to 100 inputs", "VALIDATION_ERROR");
        const now = new Date().toISOString();
        const found = inputs.map((i) => items.get(String(i.id))).filter((o): o is FakeObject => !!o);
        return send(res, 200, { status: "COMPLETE", results: found.map((o) => project(type, o, body.properties?.length ? body.properties : null)), startedAt: now, completedAt: now });
      }
      if (method === "PATCH" && parts.length === 5) {
        const o = items.get(parts[4]!);
        const body = JSON.parse((await readBody(req)) || "{}") as { properties?: Record<string, string | null> };
        if (!o || o.archived) return hubspotError(res, 404, "Object not found", "OBJECT_NOT_FOUND");
        const unknown = undefinedProperties(type, body.properties ?? {});
        if (unknown) return unknown(res);
        const updated = fake.update(type, o.id, body.properties ?? {}, new Date(Math.max(Date.now(), Date.parse(o.updatedAt) + 1)));
        return send(res, 200, project(type, updated, null));
      }
      if (method === "DELETE" && parts.length === 5) {
        const o = items.get(parts[4]!);
        for await (const _ of req);
        if (!o || o.archived) return hubspotError(res, 404, "Object not found", "OBJECT_NOT_FOUND");
        fake.archive(type, o.id);
        return send(res, 204, null);
      }
      if (method === "POST" && parts.length === 4) {
        const body = JSON.parse((await readBody(req)) || "{}") as {
          properties?: Record<string, string>;
          associations?: { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[];
        };
        const unknown = undefinedProperties(type, body.properties ?? {});
        if (unknown) return unknown(res);
        const email = type === "contacts" ? body.properties?.email?.toLowerCase() : undefined;
        const taken = email ? [...items.values()].find((o) => !o.archived && o.properties.email?.toLowerCase() === email) : undefined;
        if (taken) return hubspotError(res, 409, `Contact already exists. Existing ID: ${taken.id}`, "CONFLICT");
        const id = String(nextId++);
        const created = fake.upsert(type, id, body.properties ?? {});
        const write = writeOf.get(req);
        if (write) write.created = { type, id };
        for (const a of body.associations ?? []) {
          fake.associate(type, id, ASSOCIATION_TARGET[a.types?.[0]?.associationTypeId ?? 0] ?? "unknown", String(a.to.id));
        }
        return send(res, 201, project(type, created, null));
      }
      return false;
    }
    // associations v4
    if (parts[0] === "crm" && parts[1] === "v4" && parts[2] === "objects" && parts[5] === "associations" && parts[6] && method === "GET") {
      const [, , , from, id, , to] = parts as [string, string, string, string, string, string, string];
      const ids = [...(associations.get(`${from}:${id}:${to}`) ?? [])];
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 500) || 500, 500);
      const p = page(ids, url.searchParams.get("after"), limit, url.pathname);
      return send(res, 200, {
        ...p,
        results: p.results.map((toId) => ({ toObjectId: Number(toId), associationTypes: [{ category: "HUBSPOT_DEFINED", typeId: ASSOCIATION_TYPE_IDS[`${from}:${to}`] ?? 1, label: null }] })),
      });
    }
    if (parts[0] === "crm" && parts[1] === "v4" && parts[2] === "objects" && parts[5] === "associations" && parts[6] === "default" && parts[8] && method === "PUT") {
      const [, , , from, fromId, , , to, toId] = parts as [string, string, string, string, string, string, string, string, string];
      for await (const _ of req);
      if (!table(from).get(fromId) || !table(to).get(toId)) return hubspotError(res, 404, "Object not found", "OBJECT_NOT_FOUND");
      fake.associate(from, fromId, to, toId);
      const type = (f: string, t: string) => ({ category: "HUBSPOT_DEFINED", typeId: ASSOCIATION_TYPE_IDS[`${f}:${t}`] ?? 1, label: null });
      const now = new Date().toISOString();
      return send(res, 200, {
        status: "COMPLETE",
        results: [
          { from: { id: fromId }, to: { id: toId }, associationSpec: type(from, to) },
          { from: { id: toId }, to: { id: fromId }, associationSpec: type(to, from) },
        ],
        startedAt: now,
        completedAt: now,
      });
    }
    if (parts[0] === "account-info" && parts[1] === "v3" && parts[2] === "details" && method === "GET") {
      return send(res, 200, { portalId: fake.hubId, accountType: "STANDARD", timeZone: fake.timeZone, companyCurrency: "USD", additionalCurrencies: [], uiDomain: "app.hubspot.com", dataHostingLocation: "na1" });
    }
    if (parts[0] === "crm" && parts[1] === "v4" && parts[2] === "associations" && parts[5] === "batch" && parts[6] === "read" && method === "POST") {
      const [, , , from, to] = parts as [string, string, string, string, string];
      const body = JSON.parse((await readBody(req)) || "{}") as { inputs?: { id: string }[] };
      if ((body.inputs ?? []).length > 1000) return hubspotError(res, 400, "Batch read is limited to 1000 inputs", "VALIDATION_ERROR");
      const now = new Date().toISOString();
      const results = (body.inputs ?? [])
        .map((i) => ({ id: String(i.id), to: [...(associations.get(`${from}:${i.id}:${to}`) ?? [])] }))
        .filter((r) => r.to.length)
        .map((r) => ({
          from: { id: r.id },
          to: r.to.map((toId) => ({ toObjectId: Number(toId), associationTypes: [{ category: "HUBSPOT_DEFINED", typeId: ASSOCIATION_TYPE_IDS[`${from}:${to}`] ?? 1, label: null }] })),
        }));
      return send(res, 200, { status: "COMPLETE", results, startedAt: now, completedAt: now });
    }
    // custom property definitions
    if (parts[0] === "crm" && parts[1] === "v3" && parts[2] === "properties" && parts[3]) {
      const type = parts[3];
      const defined = customProperties.get(type) ?? new Set<string>();
      const definition = (name: string, label = name) => {
        const now = new Date().toISOString();
        return { name, label, type: "string", fieldType: "text", groupName: `${type}information`, hidden: false, hasUniqueValue: false, formField: false, createdAt: now, updatedAt: now, modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false } };
      };
      if (method === "GET" && parts[4]) {
        return defined.has(parts[4]) ? send(res, 200, definition(parts[4])) : hubspotError(res, 404, `Unable to find property ${parts[4]}`, "OBJECT_NOT_FOUND");
      }
      if (method === "POST" && !parts[4]) {
        const body = JSON.parse((await readBody(req)) || "{}") as { name?: string; label?: string; type?: string; fieldType?: string; groupName?: string };
        if (!body.name || !body.label || !body.type || !body.fieldType || !body.groupName) return hubspotError(res, 400, "name, label, type, fieldType and groupName are required", "VALIDATION_ERROR");
        if (defined.has(body.name)) return hubspotError(res, 409, `A property named '${body.name}' already exists.`, "OBJECT_ALREADY_EXISTS");
        defined.add(body.name);
        customProperties.set(type, defined);
        return send(res, 201, definition(body.name, body.label));
      }
      return false;
    }
    if (parts[0] === "crm" && parts[1] === "v3" && parts[2] === "owners" && method === "GET") {
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 100) || 100, 500);
      const list = [...owners.values()].filter((o) => !o.archived);
      return send(res, 200, page(list, url.searchParams.get("after"), limit, url.pathname));
    }
    if (parts[0] === "crm" && parts[1] === "v3" && parts[2] === "pipelines" && parts[3] === "deals" && method === "GET") {
      const now = new Date().toISOString();
      return send(res, 200, {
        results: pipelines.map((p, i) => ({
          id: p.id,
          label: p.label,
          displayOrder: i,
          archived: false,
          createdAt: now,
          updatedAt: now,
          stages: p.stages.map((s, j) => ({ id: s.id, label: s.label, displayOrder: j, archived: false, metadata: {}, createdAt: now, updatedAt: now, writePermissions: "CRM_PERMISSIONS_ENFORCEMENT" })),
        })),
      });
    }
    return false;
  }

  async function oauthRoutes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method = req.method ?? "GET";
    if (url.pathname === "/oauth/authorize" && method === "GET") {
      fake.lastAuthorize = url.searchParams;
      const redirect = url.searchParams.get("redirect_uri");
      const state = url.searchParams.get("state") ?? "";
      if (!redirect || url.searchParams.get("client_id") !== fake.clientId) return hubspotError(res, 400, "Invalid client_id or redirect_uri", "VALIDATION_ERROR");
      const back = new URL(redirect);
      if (fake.denyNext) {
        fake.denyNext = false;
        back.searchParams.set("error", "access_denied");
      } else {
        const code = `code-${randomBytes(12).toString("hex")}`;
        codes.set(code, { scopes: (url.searchParams.get("scope") ?? "").split(/[ +]/).filter(Boolean), redirectUri: redirect, user: fake.user });
        back.searchParams.set("code", code);
      }
      back.searchParams.set("state", state);
      res.writeHead(302, { location: back.toString() });
      res.end();
      return true;
    }
    if (url.pathname === "/oauth/v1/token" && method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const bad = (status: string, message: string) => send(res, 400, { status, message, error: "invalid_grant", error_description: message, correlationId: randomBytes(8).toString("hex") });
      if (form.get("client_id") !== fake.clientId || form.get("client_secret") !== fake.clientSecret) {
        return send(res, 400, { status: "BAD_CLIENT_ID", message: "missing or invalid client_id", error: "invalid_client" });
      }
      if (form.get("grant_type") === "authorization_code") {
        const code = codes.get(form.get("code") ?? "");
        if (!code) return bad("BAD_AUTH_CODE", "missing or unknown auth code");
        codes.delete(form.get("code") ?? "");
        if (code.redirectUri !== form.get("redirect_uri")) return bad("BAD_REDIRECT_URI", "redirect_uri does not match");
        const grant: Grant = { refreshToken: `hsrt-${randomBytes(16).toString("hex")}`, scopes: code.scopes, revoked: false, user: code.user };
        issuedTokens.push(grant.refreshToken);
        grants.set(grant.refreshToken, grant);
        return send(res, 200, issue(grant));
      }
      if (form.get("grant_type") === "refresh_token") {
        const grant = grants.get(form.get("refresh_token") ?? "");
        if (!grant || grant.revoked) return bad("BAD_REFRESH_TOKEN", "missing or unknown refresh token");
        return send(res, 200, issue(grant));
      }
      return send(res, 400, { status: "BAD_GRANT_TYPE", message: "unsupported grant_type", error: "unsupported_grant_type" });
    }
    const info = /^\/oauth\/v1\/access-tokens\/(.+)$/.exec(url.pathname);
    if (info && method === "GET") {
      const token = decodeURIComponent(info[1]!);
      const entry = accessTokens.get(token);
      if (!entry || entry.grant.revoked || entry.expiresAt <= Date.now()) return hubspotError(res, 401, "The OAuth token used to make this call expired", "EXPIRED_AUTHENTICATION");
      return send(res, 200, {
        token,
        user: entry.grant.user,
        hub_domain: fake.hubDomain,
        scopes: entry.grant.scopes,
        hub_id: fake.hubId,
        app_id: 424242,
        expires_in: Math.max(0, Math.round((entry.expiresAt - Date.now()) / 1000)),
        user_id: 5150,
        token_type: "access",
      });
    }
    const revoke = /^\/oauth\/v1\/refresh-tokens\/(.+)$/.exec(url.pathname);
    if (revoke && method === "DELETE") {
      const grant = grants.get(decodeURIComponent(revoke[1]!));
      if (!grant) return hubspotError(res, 404, "refresh token not found", "OBJECT_NOT_FOUND");
      grant.revoked = true;
      return send(res, 204, null);
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const key = `${req.method} ${url.pathname.replace(/\/+$/, "").replace(/\/\d+(?=\/|$)/g, "/:id").replace(/(access-tokens|refresh-tokens)\/[^/]+/, "$1/:token")}${url.searchParams.get("archived") === "true" ? "?archived" : ""}`;
    requests[key] = (requests[key] ?? 0) + 1;
    if (await oauthRoutes(req, res, url)) return;
    if (req.method !== "GET" && authenticated(req)) {
      const write: FakeWrite = { token: /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "", method: req.method ?? "", path: url.pathname };
      writes.push(write);
      writeOf.set(req, write);
    }
    const failure = failures.find((f) => f.left > 0 && (!f.path || f.path.test(url.pathname)));
    if (failure) {
      failure.left -= 1;
      if (failure.left === 0) failures.splice(failures.indexOf(failure), 1);
      if (failure.afterApply && authenticated(req)) {
        // The route runs (its effect stays); its answer is thrown away.
        const sink = { writeHead() {}, setHeader() {}, end() {}, headersSent: false } as unknown as ServerResponse;
        await api(req, sink, url);
      } else for await (const _ of req); // drain the body
      hubspotError(
        res,
        failure.status,
        failure.message ?? (failure.status === 429 ? "You have reached your secondly limit." : "Internal error"),
        CATEGORY[failure.status] ?? "INTERNAL_ERROR",
        failure.retryAfter !== undefined ? { "retry-after": String(failure.retryAfter) } : {},
      );
      return;
    }
    if (!authenticated(req)) {
      hubspotError(res, 401, "Authentication credentials not found. This API supports OAuth 2.0 authentication.", "INVALID_AUTHENTICATION");
      return;
    }
    if (overLimit(/^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "", res)) {
      for await (const _ of req);
      return;
    }
    if (await api(req, res, url)) return;
    hubspotError(res, 404, `No route for ${req.method} ${url.pathname}`, "OBJECT_NOT_FOUND");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = (error as { status?: number }).status ?? (error instanceof SyntaxError ? 400 : 500);
      if (!res.headersSent) hubspotError(res, status, status === 400 ? "Invalid input JSON" : "Internal error", status === 400 ? "VALIDATION_ERROR" : "INTERNAL_ERROR");
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeHubspot = {
    url: `http://127.0.0.1:${port}`,
    clientId: options.clientId ?? "fake-hubspot-client-id",
    clientSecret: options.clientSecret ?? "fake-hubspot-client-secret",
    hubId: 62515,
    hubDomain: "demo-portal.hubspot.example",
    user: options.user ?? "admin@portal.example",
    denyNext: false,
    accessTokenTtlSeconds: 1800,
    lastAuthorize: null,
    requests,
    writes,
    issuedTokens,
    totalRequests: () => Object.values(requests).reduce((a, b) => a + b, 0),
    resetCounts() {
      for (const k of Object.keys(requests)) delete requests[k];
    },
    addPrivateAppToken: (token) => void privateTokens.add(token),
    revokeAll() {
      for (const g of grants.values()) g.revoked = true;
      privateTokens.clear();
    },
    expireAccessTokens() {
      for (const t of accessTokens.values()) t.expiresAt = 0;
    },
    failNext: (failure) => void failures.push({ ...failure, left: failure.times ?? 1 }),
    upsert(type, id, properties, opts = {}) {
      const updatedAt = (opts.updatedAt ?? new Date()).toISOString();
      const existing = table(type).get(id);
      const createdAt = existing?.createdAt ?? (opts.createdAt ?? opts.updatedAt ?? new Date()).toISOString();
      const object: FakeObject = { id, properties: { ...properties }, createdAt, updatedAt, archived: false };
      table(type).set(id, object);
      if (Number(id) >= nextId) nextId = Number(id) + 1;
      return object;
    },
    update(type, id, properties, at = new Date()) {
      const object = table(type).get(id);
      if (!object) throw new Error(`no ${type} ${id}`);
      Object.assign(object.properties, properties);
      object.updatedAt = at.toISOString();
      return object;
    },
    get: (type, id) => table(type).get(id),
    all: (type) => [...table(type).values()],
    associate(fromType, fromId, toType, toId) {
      const add = (k: string, v: string) => {
        let s = associations.get(k);
        if (!s) associations.set(k, (s = new Set()));
        s.add(v);
      };
      add(`${fromType}:${fromId}:${toType}`, toId);
      add(`${toType}:${toId}:${fromType}`, fromId);
    },
    addOwner(owner) {
      const now = new Date().toISOString();
      const row: FakeOwner = { id: owner.id, email: owner.email, firstName: owner.firstName ?? "", lastName: owner.lastName ?? "", userId: Number(owner.id) + 1, createdAt: now, updatedAt: now, archived: false };
      owners.set(owner.id, row);
      return row;
    },
    setPipelines(next) {
      pipelines = next;
    },
    archive(type, id, at = new Date()) {
      const object = table(type).get(id);
      if (!object) throw new Error(`no ${type} ${id}`);
      object.archived = true;
      object.archivedAt = at.toISOString();
      object.updatedAt = at.toISOString();
    },
    customProperties,
    timeZone: "US/Eastern",
    limits: {},
    gdprDeleted: [],
    gdprBlocklist: new Set(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
