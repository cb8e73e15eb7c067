// contactErase → HubSpot: an erased contact linked to the tenant's HubSpot
// connection gets a GDPR delete there (POST /crm/v3/objects/contacts/gdpr-delete
// through the real SDK against the wire-level fake), as a HubspotSyncItem
// worked by the hubspot-push job: DONE once HubSpot deleted it, retried on a
// transient failure (PENDING with the error), DONE with deleted:false when
// HubSpot had no such contact, nothing for an unlinked contact, and another
// tenant (connected to HubSpot too) asks nothing for its unlinked contact.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import type { JobQueue } from "../../../src/data/job-queue.js";
import { runHubspotItem } from "../../../src/orchestration/connection/hubspot-push.js";
import { runHubspotSync } from "../../../src/orchestration/connection/hubspot-sync.js";
import { eraseContact } from "../../../src/orchestration/governance/erasure.js";
import type { TestApp } from "../../helpers/app.js";
import { startHubspotTestApp, noJobs, type HubspotTestApp, type HubspotTestTenant } from "../../helpers/hubspot.js";
import { insertContact, sql, userActor, waitFor } from "../../helpers/operator.js";
import type { FakeHubspot } from "../../fakes/hubspot/server.js";

type TestTenant = HubspotTestTenant;
let h: HubspotTestApp;
let t: TestApp;
let hs: FakeHubspot;
let tenant: TestTenant;
let other: TestTenant;
let TOKEN: string;

const services = () => h.services();
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
  // The other tenant has its own connection (another token) on the same fake portal.
  h = await startHubspotTestApp({ prefixes: ["gdpr", "gdprx"] });
  ({ t, hs, tenant, other } = h);
  TOKEN = tenant.token;
  hs.upsert("contacts", "701", { email: "mira.holt@gdpr.example", firstname: "Mira", lastname: "Holt" });
  hs.upsert("contacts", "702", { email: "jon.berg@gdpr.example", firstname: "Jon", lastname: "Berg" });
  hs.upsert("contacts", "703", { email: "ida.lund@gdpr.example", firstname: "Ida", lastname: "Lund" });
  hs.upsert("companies", "801", { name: "Holt AB", domain: "gdpr.example" });
  hs.associate("contacts", "701", "companies", "801");
  await runHubspotSync(services(), { tenantId: tenant.tenantId, connectionId: tenant.connectionId, mode: "FULL" });
}, 90_000);

afterAll(() => h?.close());

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
    // The other tenant is connected to HubSpot too, but its contact of the same address is not linked there.
    const deletesBefore = hs.requests["POST /crm/v3/objects/contacts/gdpr-delete"] ?? 0;
    const otherContact = await insertContact(t.db, other.tenantId, { email: "jon.berg@gdpr.example" });
    expect((await erase(other, otherContact)).report?.crmDeletionRequests).toBe(0);
    expect(await gdprItems(other)).toEqual([]);
    expect(hs.requests["POST /crm/v3/objects/contacts/gdpr-delete"] ?? 0).toBe(deletesBefore);
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
