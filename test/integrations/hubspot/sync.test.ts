// The inbound sync and the IdentityResolver against the wire-level HubSpot
// fake with the real SDK: first run (full), incremental runs by
// last-modified (a second run imports nothing), the full reconcile,
// associations, the conflict rule, the stage mapping, a 429 with Retry-After
// waited out, a revoked grant → NEEDS_REAUTH, audit with source "hubspot".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveHubspotIdentity, updateHubspotStageMapping } from "../../../src/orchestration/connection/hubspot.js";
import { runHubspotSync, withHubspot } from "../../../src/orchestration/connection/hubspot-sync.js";
import { accountDay } from "../../../src/integrations/hubspot/rate-budget.js";
import type { TestApp } from "../../helpers/app.js";
import { startHubspotTestApp, type HubspotTestApp, type HubspotTestTenant } from "../../helpers/hubspot.js";
import { sql, userActor } from "../../helpers/operator.js";
import { waitFor } from "../../helpers/wait.js";
import type { FakeHubspot } from "../../fakes/hubspot/server.js";

let h: HubspotTestApp;
let t: TestApp;
let hs: FakeHubspot;
let tenant: HubspotTestTenant;
let connectionId: string;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
/** Statements Prisma sent while `counting`. */
const statements: string[] = [];
let counting = false;

const services = () => h.services();
const sync = (mode: "INCREMENTAL" | "FULL" = "INCREMENTAL") => runHubspotSync(services(), { tenantId: tenant.tenantId, connectionId, mode });

beforeAll(async () => {
  h = await startHubspotTestApp({ prefixes: ["hss", "hss-other"], env: { CONNECTOR_MAX_RETRIES: "3", HUBSPOT_SYNC_PAGE_SIZE: "20" }, onQuery: (q) => void (counting && statements.push(q)) });
  ({ t, hs, tenant } = h);
  connectionId = tenant.connectionId;
  hs.addOwner({ id: "41", email: tenant.members.OPERATOR.email, firstName: "Op", lastName: "Erator" });
  hs.addOwner({ id: "42", email: "stranger@elsewhere.example" });
  for (let i = 1; i <= 45; i++) {
    hs.upsert("companies", String(100 + i), { name: `Company ${i}`, domain: `company${i}.example`, industry: "SOFTWARE" }, { updatedAt: minutesAgo(600 - i) });
    hs.upsert("contacts", String(200 + i), { email: `person${i}@company${i}.example`, firstname: `First${i}`, lastname: `Last${i}`, hubspot_owner_id: i % 2 ? "41" : "42" }, { updatedAt: minutesAgo(500 - i) });
    hs.associate("contacts", String(200 + i), "companies", String(100 + i));
  }
  for (let i = 1; i <= 12; i++) {
    hs.upsert("deals", String(300 + i), { dealname: `Deal ${i}`, amount: String(i * 1000), dealstage: i === 12 ? "closedwon" : "appointmentscheduled", pipeline: "default" }, { updatedAt: minutesAgo(400 - i) });
    hs.associate("deals", String(300 + i), "companies", String(100 + i));
    hs.associate("deals", String(300 + i), "contacts", String(200 + i));
  }
}, 60_000);
afterAll(() => h?.close());

async function count(table: string): Promise<number> {
  const rows = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "${table}" WHERE "tenantId" = $1`, [tenant.tenantId]);
  return rows[0]!.n;
}

describe("HubSpot inbound sync", () => {
  it("the first run imports everything (list API, paged), with associations and owners matched to members by e-mail", async () => {
    hs.resetCounts();
    const result = await sync();
    expect(result.objects.companies.created).toBe(45);
    expect(result.objects.contacts.created).toBe(45);
    expect(result.objects.deals.created).toBe(12);
    expect(result.objects.owners.created).toBe(2);
    expect(await count("Company")).toBe(45);
    expect(await count("Contact")).toBe(45);
    expect(await count("Deal")).toBe(12);
    // 45 records at 20 a page: 3 list pages per type.
    expect(hs.requests["GET /crm/v3/objects/contacts"]).toBe(3);
    const c7 = await sql<{ email: string; companyId: string; ownerId: string | null }>(t.db, `SELECT c."email", c."companyId", c."ownerId" FROM "Contact" c WHERE c."tenantId" = $1 AND c."email" = 'person7@company7.example'`, [tenant.tenantId]);
    const co7 = await sql<{ companyId: string }>(t.db, `SELECT "companyId" FROM "CompanyDomain" WHERE "tenantId" = $1 AND "domain" = 'company7.example'`, [tenant.tenantId]);
    expect(c7[0]).toEqual({ email: "person7@company7.example", companyId: co7[0]!.companyId, ownerId: tenant.members.OPERATOR.userId });
    const c8 = await sql<{ ownerId: string | null }>(t.db, `SELECT "ownerId" FROM "Contact" WHERE "tenantId" = $1 AND "email" = 'person8@company8.example'`, [tenant.tenantId]);
    expect(c8[0]!.ownerId).toBeNull(); // owner 42 is nobody in this tenant
    const deal12 = await sql<{ stage: string; status: string; companyId: string; contacts: number }>(
      t.db,
      `SELECT d."stage", d."status", d."companyId", (SELECT count(*)::int FROM "DealContact" dc WHERE dc."dealId" = d."id") AS contacts FROM "Deal" d WHERE d."tenantId" = $1 AND d."name" = 'Deal 12'`,
      [tenant.tenantId],
    );
    expect(deal12[0]).toMatchObject({ stage: "closed_won", status: "WON", contacts: 1 });
    const audits = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" IN ('contact.created','company.created','deal.created') AND "summary"->>'source' = 'hubspot'`, [tenant.tenantId]);
    expect(audits[0]!.n).toBe(45 + 45 + 12);
    const conn = await sql<{ lastSyncAt: Date | null }>(t.db, `SELECT "lastSyncAt" FROM "Connection" WHERE "id" = $1`, [connectionId]);
    expect(conn[0]!.lastSyncAt).not.toBeNull();
  });

  it("the first run asks for the same planner-statistics refresh as a lead import, a job counting what it wrote", async () => {
    const jobs = await sql<{ state: string; rowsWritten: number }>(t.db, `SELECT state::text AS state, (data->>'rowsWritten')::int AS "rowsWritten" FROM pgboss.job WHERE name = 'sales-statistics'`);
    expect(jobs).toEqual([{ state: expect.any(String), rowsWritten: 45 + 45 + 12 + 2 }]);
    await waitFor(async () => (await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'sales-statistics' AND state = 'completed'`))[0]!.n === 1, { message: "the refresh job to run" });
  });

  it("a second run imports nothing new and uses the search API from the cursor", async () => {
    hs.resetCounts();
    const result = await sync();
    for (const type of ["companies", "contacts", "deals"] as const) expect(result.objects[type], type).toEqual({ created: 0, updated: 0, unchanged: 0, keptLocal: 0 });
    expect(hs.requests["GET /crm/v3/objects/contacts"]).toBeUndefined();
    expect(hs.requests["POST /crm/v3/objects/contacts/search"]).toBe(1);
    expect(await count("Contact")).toBe(45);
  });

  it("incremental: only what changed since the cursor comes in; a new contact with an existing e-mail (other case, +tag on Gmail) is linked, not duplicated", async () => {
    hs.update("contacts", "203", { jobtitle: "Head of Ops" });
    await sql(t.db, `INSERT INTO "Contact" ("id", "tenantId", "email", "emailOriginal", "firstName", "updatedAt") VALUES (gen_random_uuid(), $1, 'janedoe@gmail.com', 'jane.doe@gmail.com', 'Jane', now())`, [tenant.tenantId]);
    hs.upsert("contacts", "290", { email: "Jane.Doe+news@GMAIL.com", firstname: "Jane", lastname: "Doe" });
    hs.resetCounts();
    const result = await sync();
    expect(result.objects.contacts).toMatchObject({ created: 0, updated: 2 });
    expect(await count("Contact")).toBe(46);
    const jane = await sql<{ lastName: string; n: number }>(t.db, `SELECT "lastName", (SELECT count(*)::int FROM "ExternalRef" r WHERE r."entityId" = c."id" AND r."system" = 'hubspot') AS n FROM "Contact" c WHERE c."tenantId" = $1 AND c."firstName" = 'Jane'`, [tenant.tenantId]);
    expect(jane).toHaveLength(1);
    expect(jane[0]).toEqual({ lastName: "Doe", n: 1 });
    const title = await sql<{ title: string }>(t.db, `SELECT "title" FROM "Contact" WHERE "tenantId" = $1 AND "email" = 'person3@company3.example'`, [tenant.tenantId]);
    expect(title[0]!.title).toBe("Head of Ops");
  });

  it("conflict rule: a shared field edited here later than HubSpot's change keeps ours; HubSpot-owned fields and older local edits take HubSpot's", async () => {
    // HubSpot changes, then ours changes later: ours kept for shared fields, HubSpot-owned phone applied.
    hs.update("contacts", "205", { firstname: "Remote", phone: "+49 30 1234" });
    await new Promise((r) => setTimeout(r, 20));
    await sql(t.db, `UPDATE "Contact" SET "firstName" = 'Local', "updatedAt" = now() WHERE "tenantId" = $1 AND "email" = 'person5@company5.example'`, [tenant.tenantId]);
    // Another contact: ours changed long ago (before HubSpot's newer change): HubSpot wins.
    await sql(t.db, `UPDATE "Contact" SET "firstName" = 'OldLocal', "updatedAt" = now() - interval '10 minutes' WHERE "tenantId" = $1 AND "email" = 'person6@company6.example'`, [tenant.tenantId]);
    hs.update("contacts", "206", { firstname: "NewRemote" });
    const result = await sync();
    expect(result.objects.contacts.keptLocal).toBe(1);
    const rows = await sql<{ email: string; firstName: string; phone: string | null }>(t.db, `SELECT "email", "firstName", "phone" FROM "Contact" WHERE "tenantId" = $1 AND "email" IN ('person5@company5.example', 'person6@company6.example') ORDER BY "email"`, [tenant.tenantId]);
    expect(rows).toEqual([
      { email: "person5@company5.example", firstName: "Local", phone: "+49 30 1234" },
      { email: "person6@company6.example", firstName: "NewRemote", phone: null },
    ]);
    const audit = await sql<{ summary: { source: string; keptLocal: string[]; fields: string[] } }>(
      t.db,
      `SELECT a."summary" FROM "AuditEntry" a JOIN "Contact" c ON c."id"::text = a."targetId" WHERE a."tenantId" = $1 AND c."email" = 'person5@company5.example' AND a."action" = 'contact.updated' ORDER BY a."createdAt" DESC LIMIT 1`,
      [tenant.tenantId],
    );
    expect(audit[0]!.summary).toMatchObject({ source: "hubspot", keptLocal: ["firstName"], fields: ["phone"] });
  });

  it("stage mapping: a mapped HubSpot stage moves the deal to our stage (with a stage change record); unmapped ones leave it", async () => {
    const mapped = await updateHubspotStageMapping(t.app.services, userActor(tenant, "ADMIN"), { mappings: [{ pipelineId: "default", stageId: "contractsent", stage: "negotiation" }] });
    expect(mapped.ok).toBe(true);
    hs.update("deals", "301", { dealstage: "contractsent" });
    hs.update("deals", "302", { dealstage: "qualifiedtobuy", amount: "999" });
    const result = await sync();
    expect(result.objects.deals.updated).toBe(2);
    const deals = await sql<{ name: string; stage: string; amount: string; changes: number }>(
      t.db,
      `SELECT d."name", d."stage", d."amount"::text, (SELECT count(*)::int FROM "DealStageChange" s WHERE s."dealId" = d."id") AS changes FROM "Deal" d WHERE d."tenantId" = $1 AND d."name" IN ('Deal 1', 'Deal 2') ORDER BY d."name"`,
      [tenant.tenantId],
    );
    expect(deals).toEqual([
      { name: "Deal 1", stage: "negotiation", amount: "1000.00", changes: 2 },
      { name: "Deal 2", stage: "qualification", amount: "999.00", changes: 1 },
    ]);
    const refused = await updateHubspotStageMapping(t.app.services, userActor(tenant, "ADMIN"), { mappings: [{ pipelineId: "default", stageId: "x", stage: "nope" }] });
    expect(refused.ok).toBe(false);
  });

  it("the full reconcile re-reads everything and changes only what differs", async () => {
    hs.update("companies", "110", { industry: "LOGISTICS" });
    hs.resetCounts();
    const result = await sync("FULL");
    expect(result.objects.companies).toMatchObject({ created: 0, updated: 1 });
    expect(result.objects.contacts).toMatchObject({ created: 0, updated: 0 });
    expect(hs.requests["GET /crm/v3/objects/companies"]).toBe(3);
    const state = await sql<{ objectType: string; lastFullAt: Date | null }>(t.db, `SELECT "objectType", "lastFullAt" FROM "HubspotSyncState" WHERE "tenantId" = $1 ORDER BY "objectType"`, [tenant.tenantId]);
    expect(state.map((s) => s.objectType)).toEqual(["companies", "contacts", "deals", "owners"]);
    expect(state.every((s) => s.lastFullAt)).toBe(true);
  });

  it("a 429 with Retry-After is waited out and the sync completes", async () => {
    hs.update("contacts", "210", { lastname: "After429" });
    hs.failNext({ status: 429, retryAfter: 1, path: /contacts\/search/ });
    hs.resetCounts();
    const started = Date.now();
    const result = await sync();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.objects.contacts.updated).toBe(1);
    expect(hs.requests["POST /crm/v3/objects/contacts/search"]).toBe(2);
  });

  it("IdentityResolver: an e-mail resolves to the HubSpot contact, its company and open deals, linked to ours without duplicates", async () => {
    hs.upsert("companies", "180", { name: "Newco", domain: "newco.example" });
    hs.upsert("contacts", "280", { email: "Ceo@Newco.example", firstname: "Cee", lastname: "Eo" });
    hs.associate("contacts", "280", "companies", "180");
    hs.upsert("deals", "380", { dealname: "Newco open", dealstage: "appointmentscheduled", pipeline: "default", amount: "5000" });
    hs.upsert("deals", "381", { dealname: "Newco lost", dealstage: "closedlost", pipeline: "default", hs_is_closed: "true" });
    hs.associate("deals", "380", "contacts", "280");
    hs.associate("deals", "381", "companies", "180");
    const first = await resolveHubspotIdentity(services(), tenant.tenantId, { email: "ceo@newco.example" });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.value.contact?.hubspotId).toBe("280");
    expect(first.value.company?.hubspotId).toBe("180");
    expect(first.value.openDeals.map((d) => d.hubspotId)).toEqual(["380"]);
    const again = await resolveHubspotIdentity(services(), tenant.tenantId, { email: "CEO@newco.example" });
    expect(again.ok && again.value.contact?.contactId).toBe(first.value.contact!.contactId);
    const contacts = await sql(t.db, `SELECT 1 FROM "Contact" WHERE "tenantId" = $1 AND "email" = 'ceo@newco.example'`, [tenant.tenantId]);
    expect(contacts).toHaveLength(1);
    const byDomain = await resolveHubspotIdentity(services(), tenant.tenantId, { domain: "https://www.newco.example/about" });
    expect(byDomain.ok && byDomain.value.company?.companyId).toBe(first.value.company!.companyId);
    const unknown = await resolveHubspotIdentity(services(), tenant.tenantId, { email: "nobody@nowhere.example" });
    expect(unknown.ok && unknown.value).toEqual({ contact: null, company: null, openDeals: [] });
  });

  it("the account's time zone is kept on the connection: each call counts the daily budget in the account's day, with no extra read for it", async () => {
    // A zone whose date is not UTC's right now, so the day's key shows which one counted.
    const utcDay = accountDay(new Date(), null);
    const zone = ["Pacific/Kiritimati", "Pacific/Pago_Pago"].find((z) => accountDay(new Date(), z) !== utcDay)!;
    hs.timeZone = zone;
    await sync();
    const [row] = await sql<{ accountTimeZone: string | null }>(t.db, `SELECT "accountTimeZone" FROM "Connection" WHERE "id" = $1`, [connectionId]);
    expect(row!.accountTimeZone).toBe(zone);
    // The daily budget's buckets (rate-limiter-flexible's PostgreSQL store, as no REDIS_URL is set here).
    const spent = async (day: string) =>
      (await sql<{ points: number }>(t.db, `SELECT "points" FROM "connector"."rate_limit" WHERE "key" = $1`, [`hubspot_daily:${tenant.tenantId}:${day}`]))[0]?.points ?? 0;
    const accountBefore = await spent(accountDay(new Date(), zone));
    const utcBefore = await spent(utcDay);
    statements.length = 0;
    counting = true;
    await withHubspot(services(), { id: connectionId, tenantId: tenant.tenantId }, (api) => api.ownersPage({ after: null, limit: 1 }));
    counting = false;
    expect(await spent(accountDay(new Date(), zone))).toBe(accountBefore + 1);
    expect(await spent(utcDay)).toBe(utcBefore);
    // The zone came with the connection row the call loads for its token: nothing else was read for it.
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((q) => q.includes("HubspotSettings"))).toEqual([]);
  });

  it("a revoked token turns the connection to NEEDS_REAUTH (audited, evented) and the sync stops", async () => {
    hs.revokeAll();
    const error = await sync().catch((e: unknown) => e);
    expect((error as Error).name).toBe("ConnectionUnavailableError");
    const conn = await sql<{ status: string }>(t.db, `SELECT "status" FROM "Connection" WHERE "id" = $1`, [connectionId]);
    expect(conn[0]!.status).toBe("NEEDS_REAUTH");
    const events = await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.connection.needs_reauth'`, [tenant.tenantId]);
    expect(events).toHaveLength(1);
    const audit = await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'connection.needs_reauth'`, [tenant.tenantId]);
    expect(audit).toHaveLength(1);
  });
});
