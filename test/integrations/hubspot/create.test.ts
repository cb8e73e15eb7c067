// Creating our records in HubSpot (the outbound sync's create half) against
// the wire-level fake with the real SDK: off by default; validated settings;
// a lead's contact and its company created and associated, or an existing
// HubSpot contact found by canonical e-mail and linked instead; a deal created
// in its mapped stage with its associations; exactly once when HubSpot acted
// but the answer was lost; audited; another tenant untouched, with its own
// creation setting off and on.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import { updateHubspotStageMapping, updateHubspotSyncSettings } from "../../../src/orchestration/connection/hubspot.js";
import { RECORD_MARKER_PROPERTY } from "../../../src/orchestration/connection/hubspot-create.js";
import { enqueueHubspotWork, runHubspotItem } from "../../../src/orchestration/connection/hubspot-push.js";
import type { TestApp } from "../../helpers/app.js";
import { startHubspotTestApp, noJobs, type HubspotTestApp, type HubspotTestTenant } from "../../helpers/hubspot.js";
import { sql, userActor } from "../../helpers/operator.js";
import type { FakeHubspot } from "../../fakes/hubspot/server.js";

type TestTenant = HubspotTestTenant;
let h: HubspotTestApp;
let t: TestApp;
let hs: FakeHubspot;
let tenant: TestTenant;
let other: TestTenant;
const services = () => h.services();

async function itemFor(forTenant: TestTenant, type: string, payload: Record<string, string>): Promise<string> {
  return withTenant(t.app.services.db.prisma, { tenantId: forTenant.tenantId }, async (tx) => {
    await enqueueHubspotWork(noJobs, tx, forTenant.tenantId, [{ type, payload }], 0);
    const sourceId = payload.leadId ?? payload.dealId;
    return (await tx.hubspotSyncItem.findFirstOrThrow({ where: { sourceId } })).id;
  });
}
async function associatedIds(from: string, id: string, to: string): Promise<string[]> {
  const body = (await (await fetch(`${hs.url}/crm/v4/objects/${from}/${id}/associations/${to}`, { headers: { authorization: `Bearer ${tenant.token}` } })).json()) as { results: { toObjectId: number }[] };
  return body.results.map((r) => String(r.toObjectId));
}
const run = (itemId: string, forTenant = tenant) => runHubspotItem(services(), { tenantId: forTenant.tenantId, itemId });

async function company(forTenant: TestTenant, name: string, domain: string | null): Promise<string> {
  const id = randomUUID();
  await sql(t.db, `INSERT INTO "Company" ("id", "tenantId", "name", "updatedAt") VALUES ($1, $2, $3, now())`, [id, forTenant.tenantId, name]);
  if (domain) await sql(t.db, `INSERT INTO "CompanyDomain" ("id", "tenantId", "companyId", "domain") VALUES ($1, $2, $3, $4)`, [randomUUID(), forTenant.tenantId, id, domain]);
  return id;
}
async function lead(forTenant: TestTenant, email: string, companyId: string | null, extra: { firstName?: string } = {}): Promise<{ leadId: string; contactId: string }> {
  const contactId = randomUUID();
  const leadId = randomUUID();
  await sql(t.db, `INSERT INTO "Contact" ("id", "tenantId", "companyId", "email", "emailOriginal", "firstName", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, now())`, [
    contactId,
    forTenant.tenantId,
    companyId,
    email.toLowerCase(),
    email,
    extra.firstName ?? null,
  ]);
  await sql(t.db, `INSERT INTO "Lead" ("id", "tenantId", "contactId", "companyId", "source", "status", "updatedAt") VALUES ($1, $2, $3, $4, 'web_form', 'QUALIFIED', now())`, [leadId, forTenant.tenantId, contactId, companyId]);
  return { leadId, contactId };
}
async function refOf(entityType: string, entityId: string, forTenant = tenant): Promise<string | null> {
  const rows = await sql<{ externalId: string }>(t.db, `SELECT "externalId" FROM "ExternalRef" WHERE "tenantId" = $1 AND "system" = 'hubspot' AND "entityType" = $2 AND "entityId" = $3`, [forTenant.tenantId, entityType, entityId]);
  return rows[0]?.externalId ?? null;
}
const audits = (action: string, targetId: string) =>
  sql<{ summary: Record<string, unknown> }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = $2 AND "targetId" = $3 ORDER BY "createdAt", "id"`, [tenant.tenantId, action, targetId]);

beforeAll(async () => {
  h = await startHubspotTestApp({ prefixes: ["hsc", "hsd"], env: { HUBSPOT_PUSH_DEBOUNCE_SECONDS: "3600" } });
  ({ t, hs, tenant, other } = h);
}, 90_000);
afterAll(() => h?.close());

describe("creating our records in HubSpot", () => {
  it("is off by default: an unlinked lead's contact is not created (SKIPPED, with the reason), no HubSpot write", async () => {
    const { leadId } = await lead(tenant, "Off.Person@offco.example", null);
    hs.resetCounts();
    const outcome = await run(await itemFor(tenant, "sales.lead.qualified", { leadId }));
    expect(outcome).toMatchObject({ status: "SKIPPED", result: { reason: expect.stringContaining("creating contacts there is off") } });
    expect(hs.totalRequests()).toBe(0);
  });

  it("the settings are OWNER/ADMIN only and validated: deals need every open stage mapped", async () => {
    const settings = { createContacts: true, createCompanies: true, createDeals: true };
    const manager = await updateHubspotSyncSettings(t.app.services, userActor(tenant, "MANAGER"), { settings });
    expect(manager).toMatchObject({ ok: false, errors: [{ code: "FORBIDDEN" }] });
    const unmapped = await updateHubspotSyncSettings(t.app.services, userActor(tenant, "ADMIN"), { settings });
    expect(unmapped).toMatchObject({ ok: false, errors: [{ code: "VALIDATION_FAILED", field: ["input", "createDeals"], message: expect.stringContaining("qualification, discovery, proposal, negotiation") }] });
    const bad = await updateHubspotSyncSettings(t.app.services, userActor(tenant, "ADMIN"), { settings: { createContacts: "yes" } });
    expect(bad.ok).toBe(false);
    const on = await updateHubspotSyncSettings(t.app.services, userActor(tenant, "ADMIN"), { settings: { createContacts: true, createCompanies: true, createDeals: false } });
    expect(on).toMatchObject({ ok: true, value: { createContacts: true, createCompanies: true, createDeals: false } });
    const audit = await audits("hubspot.sync_settings_updated", tenant.tenantId);
    expect(audit.at(-1)!.summary).toMatchObject({ before: { createContacts: false }, after: { createContacts: true } });
  });

  it("a lead's contact and its company are created (company first, by domain), associated, linked, audited; then the lead status goes out; a second run creates nothing", async () => {
    const companyId = await company(tenant, "Newco", "newco.example");
    const { leadId, contactId } = await lead(tenant, "Carol.New@Newco.example", companyId, { firstName: "Carol" });
    const itemId = await itemFor(tenant, "sales.lead.qualified", { leadId });
    hs.resetCounts();
    const outcome = await run(itemId);
    expect(outcome).toMatchObject({ status: "DONE", result: { hubspotRecord: "created" } });
    const companyHubspotId = (await refOf("Company", companyId))!;
    const contactHubspotId = (await refOf("Contact", contactId))!;
    expect(outcome!.hubspotId).toBe(contactHubspotId);
    expect(hs.get("companies", companyHubspotId)!.properties).toMatchObject({ name: "Newco", domain: "newco.example" });
    // The address as the person gave it; our canonical form is what we search by.
    expect(hs.get("contacts", contactHubspotId)!.properties).toMatchObject({ email: "Carol.New@Newco.example", firstname: "Carol", lifecyclestage: "salesqualifiedlead" });
    expect(await associatedIds("contacts", contactHubspotId, "companies")).toEqual([companyHubspotId]);
    expect(hs.requests["POST /crm/v3/objects/contacts"]).toBe(1);
    expect(hs.requests["POST /crm/v3/objects/companies"]).toBe(1);
    expect((await audits("contact.hubspot_created", contactId))[0]!.summary).toMatchObject({ source: "sales-agent", destination: "hubspot", hubspotId: contactHubspotId, itemId });
    expect((await audits("company.hubspot_created", companyId))[0]!.summary).toMatchObject({ hubspotId: companyHubspotId, fields: ["name", "domain"] });
    hs.resetCounts();
    expect(await itemFor(tenant, "sales.lead.updated", { leadId })).toBe(itemId);
    expect(await run(itemId)).toMatchObject({ status: "DONE", hubspotId: contactHubspotId });
    expect(hs.requests["POST /crm/v3/objects/contacts"]).toBeUndefined();
  });

  it("identity resolution: a HubSpot contact with the same canonical e-mail is linked, not duplicated, and its company found by domain", async () => {
    hs.upsert("companies", "7101", { name: "Acme HubSpot", domain: "acme-found.example" });
    hs.upsert("contacts", "7201", { email: "dave@acme-found.example", firstname: "Dave", phone: "+1 555 0100" });
    const companyId = await company(tenant, "Acme", "acme-found.example");
    const { leadId, contactId } = await lead(tenant, "Dave@ACME-found.example", companyId);
    hs.resetCounts();
    const outcome = await run(await itemFor(tenant, "sales.lead.qualified", { leadId }));
    expect(outcome).toMatchObject({ status: "DONE", hubspotId: "7201", result: { hubspotRecord: "found" } });
    expect(await refOf("Company", companyId)).toBe("7101");
    expect(hs.requests["POST /crm/v3/objects/contacts"]).toBeUndefined();
    expect(hs.requests["POST /crm/v3/objects/companies"]).toBeUndefined();
    expect(hs.all("contacts").filter((c) => c.properties.email?.toLowerCase() === "dave@acme-found.example")).toHaveLength(1);
    // Applied with the inbound sync's rules: HubSpot's phone (a field HubSpot owns) came here.
    const [row] = await sql<{ phone: string | null }>(t.db, `SELECT "phone" FROM "Contact" WHERE "id" = $1`, [contactId]);
    expect(row!.phone).toBe("+1 555 0100");
    expect((await audits("contact.hubspot_linked", contactId))[0]!.summary).toMatchObject({ matchedBy: "e-mail", hubspotId: "7201" });
    expect(hs.requests["PUT /crm/v4/objects/contacts/:id/associations/default/companies/:id"]).toBe(1);
  });

  it("exactly once: HubSpot created the contact but the answer was lost → the retry finds it by e-mail, no second contact", async () => {
    const { leadId, contactId } = await lead(tenant, "erin@lostanswer.example", null);
    hs.failNext({ status: 502, afterApply: true, path: /^\/crm\/v3\/objects\/contacts$/ });
    const outcome = await run(await itemFor(tenant, "sales.lead.qualified", { leadId }));
    expect(outcome).toMatchObject({ status: "DONE" });
    expect(hs.all("contacts").filter((c) => c.properties.email === "erin@lostanswer.example")).toHaveLength(1);
    expect(await refOf("Contact", contactId)).toBe(hs.all("contacts").find((c) => c.properties.email === "erin@lostanswer.example")!.id);
  });

  it("a deal is created in its mapped stage with its company and contacts, exactly once when HubSpot's answer was lost", async () => {
    const mapped = await updateHubspotStageMapping(t.app.services, userActor(tenant, "ADMIN"), {
      mappings: [
        { pipelineId: "default", stageId: "appointmentscheduled", stage: "qualification" },
        { pipelineId: "default", stageId: "qualifiedtobuy", stage: "discovery" },
        { pipelineId: "default", stageId: "presentationscheduled", stage: "proposal" },
        { pipelineId: "default", stageId: "contractsent", stage: "negotiation" },
      ],
    });
    expect(mapped.ok).toBe(true);
    const on = await updateHubspotSyncSettings(t.app.services, userActor(tenant, "ADMIN"), { settings: { createContacts: true, createCompanies: true, createDeals: true } });
    expect(on.ok).toBe(true);
    const companyId = await company(tenant, "Dealco", "dealco.example");
    const { contactId } = await lead(tenant, "frank@dealco.example", companyId);
    const dealId = randomUUID();
    await sql(t.db, `INSERT INTO "Deal" ("id", "tenantId", "name", "companyId", "stage", "amount", "currency", "probability", "updatedAt") VALUES ($1, $2, 'Dealco pilot', $3, 'proposal', 1200, 'EUR', 50, now())`, [dealId, tenant.tenantId, companyId]);
    await sql(t.db, `INSERT INTO "DealContact" ("id", "tenantId", "dealId", "contactId") VALUES ($1, $2, $3, $4)`, [randomUUID(), tenant.tenantId, dealId, contactId]);
    hs.failNext({ status: 504, afterApply: true, path: /^\/crm\/v3\/objects\/deals$/ });
    const outcome = await run(await itemFor(tenant, "sales.deal.created", { dealId }));
    expect(outcome).toMatchObject({ status: "DONE", result: { hubspotRecord: "found" } });
    const deals = hs.all("deals").filter((d) => d.properties[RECORD_MARKER_PROPERTY] === dealId);
    expect(deals).toHaveLength(1);
    expect(deals[0]!.properties).toMatchObject({ dealname: "Dealco pilot", dealstage: "presentationscheduled", pipeline: "default", amount: "1200.00", deal_currency_code: "EUR" });
    expect(await refOf("Deal", dealId)).toBe(deals[0]!.id);
    expect(await associatedIds("deals", deals[0]!.id, "contacts")).toEqual([await refOf("Contact", contactId)]);
    expect(await associatedIds("deals", deals[0]!.id, "companies")).toEqual([await refOf("Company", companyId)]);
  });

  it("another tenant's settings are its own: its unlinked lead is not created in HubSpot", async () => {
    const { leadId, contactId } = await lead(other, "gina@otherco.example", null);
    const outcome = await run(await itemFor(other, "sales.lead.qualified", { leadId }), other);
    expect(outcome).toMatchObject({ status: "SKIPPED" });
    expect(await refOf("Contact", contactId, other)).toBeNull();
    expect(hs.all("contacts").some((c) => c.properties.email === "gina@otherco.example")).toBe(false);
  });
  it("both tenants create in HubSpot: each one's records go out through its own connection only, and are linked only to its own rows", async () => {
    // Both connections are on the fake's one portal, so each HubSpot account is told apart by the token each
    // write came with (hs.writes): tenant's token is tenant's account, other's token is other's.
    const on = { createContacts: true, createCompanies: true, createDeals: false };
    for (const who of [tenant, other]) expect((await updateHubspotSyncSettings(t.app.services, userActor(who, "ADMIN"), { settings: on })).ok).toBe(true);
    const writesBefore = hs.writes.length;
    const mineCompany = await company(tenant, "Mine Both", "mine-both.example");
    const theirsCompany = await company(other, "Theirs Both", "theirs-both.example");
    const mine = await lead(tenant, "hana@mine-both.example", mineCompany);
    const theirs = await lead(other, "ivan@theirs-both.example", theirsCompany);
    expect(await run(await itemFor(tenant, "sales.lead.qualified", { leadId: mine.leadId }))).toMatchObject({ status: "DONE", result: { hubspotRecord: "created" } });
    expect(await run(await itemFor(other, "sales.lead.qualified", { leadId: theirs.leadId }), other)).toMatchObject({ status: "DONE", result: { hubspotRecord: "created" } });

    const writes = hs.writes.slice(writesBefore);
    const createdWith = (token: string) => writes.filter((w) => w.token === token && w.created).map((w) => `${w.created!.type}:${w.created!.id}`).sort();
    const refsOf = async (who: TestTenant, contactId: string, companyId: string) =>
      [`contacts:${await refOf("Contact", contactId, who)}`, `companies:${await refOf("Company", companyId, who)}`].sort();
    // Each tenant's contact and company were created with its own token, and its own rows link exactly those.
    const mineCreated = createdWith(tenant.token);
    const theirsCreated = createdWith(other.token);
    expect(mineCreated).toHaveLength(2);
    expect(theirsCreated).toHaveLength(2);
    expect(await refsOf(tenant, mine.contactId, mineCompany)).toEqual(mineCreated);
    expect(await refsOf(other, theirs.contactId, theirsCompany)).toEqual(theirsCreated);
    expect(hs.get("contacts", mineCreated.find((r) => r.startsWith("contacts:"))!.split(":")[1]!)!.properties.email).toBe("hana@mine-both.example");
    expect(hs.get("contacts", theirsCreated.find((r) => r.startsWith("contacts:"))!.split(":")[1]!)!.properties.email).toBe("ivan@theirs-both.example");
    // No write with one tenant's token names a record the other's created (creates, updates, associations).
    const idsIn = (path: string) => path.match(/\d+/g) ?? [];
    const idsOf = (refs: string[]) => refs.map((r) => r.split(":")[1]!);
    for (const w of writes.filter((x) => x.token === tenant.token)) for (const id of idsOf(theirsCreated)) expect(idsIn(w.path), w.path).not.toContain(id);
    for (const w of writes.filter((x) => x.token === other.token)) for (const id of idsOf(mineCreated)) expect(idsIn(w.path), w.path).not.toContain(id);
    expect(writes.every((w) => w.token === tenant.token || w.token === other.token)).toBe(true);
    // Neither tenant's rows link the other's HubSpot records, and neither sees the other's links or items.
    const crossRefs = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "ExternalRef" WHERE ("tenantId" = $1 AND "externalId" = ANY($2)) OR ("tenantId" = $3 AND "externalId" = ANY($4))`, [
      tenant.tenantId,
      idsOf(theirsCreated),
      other.tenantId,
      idsOf(mineCreated),
    ]);
    expect(crossRefs[0]!.n).toBe(0);
    const seenByOther = await withTenant(t.app.services.db.prisma, { tenantId: other.tenantId }, async (tx) => ({
      refs: await tx.externalRef.count({ where: { entityId: mine.contactId } }),
      items: await tx.hubspotSyncItem.count({ where: { sourceId: mine.leadId } }),
      contact: await tx.contact.count({ where: { id: mine.contactId } }),
    }));
    expect(seenByOther).toEqual({ refs: 0, items: 0, contact: 0 });
    const seenByTenant = await withTenant(t.app.services.db.prisma, { tenantId: tenant.tenantId }, async (tx) => ({
      refs: await tx.externalRef.count({ where: { entityId: theirs.contactId } }),
      items: await tx.hubspotSyncItem.count({ where: { sourceId: theirs.leadId } }),
    }));
    expect(seenByTenant).toEqual({ refs: 0, items: 0 });
  });
});
