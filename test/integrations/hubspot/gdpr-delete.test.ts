// contactErase → HubSpot: an erased contact linked to the tenant's HubSpot
// connection gets a GDPR delete there (POST /crm/v3/objects/contacts/gdpr-delete
// through the real SDK against the wire-level fake), as a HubspotSyncItem
// worked by the hubspot-push job: DONE once HubSpot deleted it, retried on a
// transient failure (PENDING with the error), DONE with deleted:false when
// HubSpot had no such contact, nothing for an unlinked contact, and another
// tenant's HubSpot never touched.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import type { JobQueue } from "../../../src/data/job-queue.js";
import { withConnectors } from "../../../src/orchestration/connection/connection.js";
import { connectHubspotPrivateApp } from "../../../src/orchestration/connection/hubspot.js";
import { runHubspotItem } from "../../../src/orchestration/connection/hubspot-push.js";
import { runHubspotSync } from "../../../src/orchestration/connection/hubspot-sync.js";
import { eraseContact } from "../../../src/orchestration/governance/erasure.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { insertContact, sql, userActor, waitFor } from "../../helpers/operator.js";
import { startFakeHubspot, type FakeHubspot } from "../../fakes/hubspot/server.js";

let t: TestApp;
let hs: FakeHubspot;
let hsOther: FakeHubspot;
let tenant: TestTenant;
let other: TestTenant;
const TOKEN = `pat-na1-${randomBytes(12).toString("hex")}`;
/** Erasures whose item the test runs itself (no job, so no race with the worker). */
const noJobs = { send: async () => null } as unknown as JobQueue;

const services = () => withConnectors(t.app.services);
const contactIdOf = async (forTenant: TestTenant, hubspotId: string) =>
  (await sql<{ entityId: string }>(t.db, `SELECT "entityId" FROM "ExternalRef" WHERE "tenantId" = $1 AND "system" = 'hubspot' AND "entityType" = 'Contact' AND "externalId" = $2`, [forTenant.tenantId, hubspotId]))[0]!
    .entityId;
const gdprItems = (forTenant: TestTenant) =>
  withTenant(t.app.services.db.prisma, { tenantId: forTenant.tenantId }, (tx) => tx.hubspotSyncItem.findMany({ where: { kind: "GDPR_DELETE" }, orderBy: { createdAt: "asc" } }));
const erase = async (forTenant: TestTenant, contactId: string, jobs?: JobQueue) => {
  const outcome = await eraseContact(jobs ? { ...t.app.services, jobs } : t.app.services, userActor(forTenant, "MANAGER"), { contactId, reason: "Art. 17" });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
};

beforeAll(async () => {
  hs = await startFakeHubspot();
  hs.addPrivateAppToken(TOKEN);
  t = await startTestApp({
    env: { HUBSPOT_API_BASE_URL: hs.url, HUBSPOT_OAUTH_BASE_URL: hs.url, CREDENTIALS_KEYS: `k1:${randomBytes(32).toString("base64")}`, CONNECTOR_RETRY_BASE_MS: "10", CONNECTOR_MAX_RETRIES: "1" },
  });
  tenant = await createTenant(t, "gdpr");
  other = await createTenant(t, "gdprx");
  const connected = await connectHubspotPrivateApp(services(), userActor(tenant, "ADMIN"), { token: TOKEN });
  if (!connected.ok) throw new Error(JSON.stringify(connected.errors));
  hs.upsert("contacts", "701", { email: "mira.holt@gdpr.example", firstname: "Mira", lastname: "Holt" });
  hs.upsert("contacts", "702", { email: "jon.berg@gdpr.example", firstname: "Jon", lastname: "Berg" });
  hs.upsert("contacts", "703", { email: "ida.lund@gdpr.example", firstname: "Ida", lastname: "Lund" });
  hs.upsert("companies", "801", { name: "Holt AB", domain: "gdpr.example" });
  hs.associate("contacts", "701", "companies", "801");
  await runHubspotSync(services(), { tenantId: tenant.tenantId, connectionId: connected.value.connectionId, mode: "FULL" });
  // The other tenant's own HubSpot portal holds the same ids: it must never be asked.
  hsOther = await startFakeHubspot();
}, 90_000);

afterAll(async () => {
  await t?.close();
  await hs?.close();
  await hsOther?.close();
});

describe("GDPR delete at HubSpot on erasure", () => {
  it("queues it with the erasure and the job deletes the contact for good (not archived)", async () => {
    const contactId = await contactIdOf(tenant, "701");
    const erased = await erase(tenant, contactId);
    expect(erased.report?.crmDeletionRequests).toBe(1);
    const done = await waitFor(async () => {
      const [item] = await gdprItems(tenant);
      return item?.status === "DONE" ? item : null;
    }, 30_000, "the GDPR delete item done");
    expect(done).toMatchObject({ sourceType: "Contact", sourceId: contactId, hubspotType: "contacts", hubspotId: "701", result: { deleted: true } });
    expect(hs.gdprDeleted).toEqual(["701"]);
    expect(hs.get("contacts", "701")).toBeUndefined();
    expect(hs.get("contacts", "702")).toBeDefined();
    // Nothing of the person is in the item; its outcome is audited.
    expect(JSON.stringify(done)).not.toMatch(/mira|holt@/i);
    expect(await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'hubspot.item_done' AND "targetType" = 'Contact' AND "targetId" = $2`, [tenant.tenantId, contactId])).toHaveLength(1);
  });

  it("is retried after a transient failure, and counts a contact HubSpot no longer has as done", async () => {
    const contactId = await contactIdOf(tenant, "702");
    await erase(tenant, contactId, noJobs);
    const [, item] = await gdprItems(tenant);
    expect(item).toMatchObject({ status: "PENDING", hubspotId: "702", attempts: 0 });
    // The call and its one in-process retry (CONNECTOR_MAX_RETRIES=1) both fail: the job is left for pg-boss to retry.
    hs.failNext({ status: 503, times: 2, path: /gdpr-delete/ });
    await expect(runHubspotItem(services(), { tenantId: tenant.tenantId, itemId: item!.id })).rejects.toThrow();
    expect((await gdprItems(tenant))[1]).toMatchObject({ status: "PENDING", attempts: 1, lastError: expect.stringContaining("503") });
    expect(hs.get("contacts", "702")).toBeDefined();
    expect(await runHubspotItem(services(), { tenantId: tenant.tenantId, itemId: item!.id })).toMatchObject({ status: "DONE", result: { deleted: true } });
    expect(hs.get("contacts", "702")).toBeUndefined();
    // Done once: running it again does nothing.
    expect(await runHubspotItem(services(), { tenantId: tenant.tenantId, itemId: item!.id })).toBeNull();

    // Deleted at HubSpot meanwhile (someone did it there): 404, done, nothing left to delete.
    const third = await contactIdOf(tenant, "703");
    await erase(tenant, third, noJobs);
    hs.archive("contacts", "703");
    const request = { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ objectId: "703" }) };
    expect((await fetch(`${hs.url}/crm/v3/objects/contacts/gdpr-delete`, request)).status).toBe(204);
    const thirdItem = (await gdprItems(tenant))[2]!;
    expect(await runHubspotItem(services(), { tenantId: tenant.tenantId, itemId: thirdItem.id })).toMatchObject({ status: "DONE", result: { deleted: false } });
  });

  it("asks nothing for a contact not linked to HubSpot, nor of another tenant", async () => {
    const local = await insertContact(t.db, tenant.tenantId, { email: "local.only@gdpr.example" });
    expect((await erase(tenant, local)).report?.crmDeletionRequests).toBe(0);
    const otherContact = await insertContact(t.db, other.tenantId, { email: "mira.holt@gdpr.example" });
    expect((await erase(other, otherContact)).report?.crmDeletionRequests).toBe(0);
    expect(await gdprItems(other)).toEqual([]);
    expect(hsOther.totalRequests()).toBe(0);
    expect(await gdprItems(tenant)).toHaveLength(3);
  });
});

describe("the fake's GDPR delete", () => {
  it("answers like HubSpot: 400 without objectId, 404 for an unknown id, blocklists an unknown address", async () => {
    const post = (body: unknown) =>
      fetch(`${hs.url}/crm/v3/objects/contacts/gdpr-delete`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await post({})).status).toBe(400);
    const missing = await post({ objectId: "999999" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: "error", category: "OBJECT_NOT_FOUND" });
    expect((await post({ objectId: "Nobody@Gdpr.example", idProperty: "email" })).status).toBe(204);
    expect(hs.gdprBlocklist.has("nobody@gdpr.example")).toBe(true);
    const unauthenticated = await fetch(`${hs.url}/crm/v3/objects/contacts/gdpr-delete`, { method: "POST", body: JSON.stringify({ objectId: "1" }) });
    expect(unauthenticated.status).toBe(401);
  });
});
