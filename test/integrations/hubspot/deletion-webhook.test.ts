// HubSpot deletion subscriptions at the inbound HubSpot webhook (signed v3):
// contact/company/deal deletion unlinks ours (nothing of ours deleted);
// a privacy deletion also marks the contact do-not-contact and opens a task
// asking a person to erase it (contactErase); audited; a tampered delivery
// changes nothing; another tenant's links with the same HubSpot id stay.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";
import { waitFor } from "../../helpers/wait.js";

const CREATE = `mutation C($input: InboundWebhookEndpointCreateInput!) { inboundWebhookEndpointCreate(input: $input) { inboundWebhookEndpoint { id url } userErrors { code message } } }`;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
const SECRET_A = `cs-${randomBytes(12).toString("hex")}`;
const SECRET_B = `cs-${randomBytes(12).toString("hex")}`;
let urlA: string;
let urlB: string;
let eventId = 90_000;

async function endpoint(tenant: TestTenant, clientSecret: string): Promise<string> {
  const r = await execute<{ inboundWebhookEndpointCreate: { inboundWebhookEndpoint: { url: string } } }, Record<string, unknown>>(
    t.graphqlUrl,
    CREATE,
    { input: { kind: "HUBSPOT", name: "HubSpot app", clientSecret } },
    { token: tenant.members.ADMIN.token },
  );
  return r.data!.inboundWebhookEndpointCreate.inboundWebhookEndpoint.url;
}

/** Posts HubSpot events signed as HubSpot does (v3: base64 HMAC-SHA256 of method + URI + body + timestamp). */
async function deliver(url: string, secret: string, events: { subscriptionType: string; objectId: number }[], tamper = false): Promise<number> {
  const body = JSON.stringify(events.map((e) => ({ eventId: ++eventId, subscriptionId: 1, portalId: 62515, appId: 1, occurredAt: Date.now(), attemptNumber: 0, changeSource: "CRM", ...e })));
  const timestamp = Date.now();
  const signature = createHmac("sha256", secret).update(`POST${url}${body}${timestamp}`).digest("base64");
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) },
    body: tamper ? body.replace("deletion", "deletioN") : body,
  });
  return response.status;
}

async function processed(tenant: TestTenant, count: number): Promise<void> {
  await waitFor(async () => {
    const rows = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "InboundWebhookDelivery" WHERE "tenantId" = $1 AND "status" <> 'RECEIVED'`, [tenant.tenantId]);
    return rows[0]!.n >= count;
  }, { timeout: 20_000, message: "deliveries processed" });
}

async function linked(tenant: TestTenant, entityType: string, hubspotId: string, entityId: string): Promise<void> {
  await sql(t.db, `INSERT INTO "ExternalRef" ("id", "tenantId", "system", "entityType", "entityId", "externalId") VALUES ($1, $2, 'hubspot', $3, $4, $5)`, [randomUUID(), tenant.tenantId, entityType, entityId, hubspotId]);
}
async function contact(tenant: TestTenant, email: string, ownerId: string | null = null): Promise<string> {
  const id = randomUUID();
  await sql(t.db, `INSERT INTO "Contact" ("id", "tenantId", "email", "ownerId", "updatedAt") VALUES ($1, $2, $3, $4, now())`, [id, tenant.tenantId, email, ownerId]);
  return id;
}
const refs = (tenant: TestTenant, hubspotId: string) =>
  sql<{ entityType: string }>(t.db, `SELECT "entityType" FROM "ExternalRef" WHERE "tenantId" = $1 AND "system" = 'hubspot' AND "externalId" = $2`, [tenant.tenantId, hubspotId]);
const audits = (tenant: TestTenant, action: string, targetId: string) =>
  sql<{ summary: Record<string, unknown> }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = $2 AND "targetId" = $3 ORDER BY "createdAt", "id"`, [tenant.tenantId, action, targetId]);

beforeAll(async () => {
  t = await startTestApp({ env: { CREDENTIALS_KEYS: `k1:${randomBytes(32).toString("base64")}` } });
  a = await createTenant(t, "hsdel-a");
  b = await createTenant(t, "hsdel-b");
  urlA = await endpoint(a, SECRET_A);
  urlB = await endpoint(b, SECRET_B);
}, 60_000);
afterAll(() => t?.close());

describe("HubSpot deletion webhooks", () => {
  it("a tampered delivery is refused and unlinks nothing", async () => {
    const contactId = await contact(a, "tamper@deleted.example");
    await linked(a, "Contact", "8800", contactId);
    expect(await deliver(urlA, SECRET_A, [{ subscriptionType: "contact.deletion", objectId: 8800 }], true)).toBe(401);
    expect(await refs(a, "8800")).toHaveLength(1);
  });

  it("contact, company and deal deletions unlink ours (kept, marked, audited); another tenant's links with the same ids stay", async () => {
    const contactId = await contact(a, "gone@deleted.example");
    const companyId = randomUUID();
    await sql(t.db, `INSERT INTO "Company" ("id", "tenantId", "name", "updatedAt") VALUES ($1, $2, 'Gone Inc', now())`, [companyId, a.tenantId]);
    const dealId = randomUUID();
    await sql(t.db, `INSERT INTO "Deal" ("id", "tenantId", "name", "stage", "currency", "probability", "updatedAt") VALUES ($1, $2, 'Gone deal', 'qualification', 'USD', 10, now())`, [dealId, a.tenantId]);
    await linked(a, "Contact", "8801", contactId);
    await linked(a, "Company", "8802", companyId);
    await linked(a, "Deal", "8803", dealId);
    const otherContact = await contact(b, "gone@deleted.example");
    await linked(b, "Contact", "8801", otherContact);

    expect(await deliver(urlA, SECRET_A, [
      { subscriptionType: "contact.deletion", objectId: 8801 },
      { subscriptionType: "company.deletion", objectId: 8802 },
      { subscriptionType: "deal.deletion", objectId: 8803 },
    ])).toBe(200);
    await processed(a, 1);

    for (const id of ["8801", "8802", "8803"]) expect(await refs(a, id), id).toEqual([]);
    const [c] = await sql<{ attributes: Record<string, unknown>; doNotContact: boolean }>(t.db, `SELECT "attributes", "doNotContact" FROM "Contact" WHERE "id" = $1`, [contactId]);
    expect(c!.attributes).toMatchObject({ hubspotArchived: { hubspotId: "8801", reason: "deleted" } });
    expect(c!.doNotContact).toBe(false);
    expect(await sql(t.db, `SELECT 1 FROM "Deal" WHERE "id" = $1`, [dealId])).toHaveLength(1);
    expect((await audits(a, "contact.hubspot_unlinked", contactId))[0]!.summary).toMatchObject({ source: "hubspot", hubspotId: "8801", reason: "deleted in HubSpot (webhook)" });
    expect(await audits(a, "company.hubspot_unlinked", companyId)).toHaveLength(1);
    expect(await audits(a, "deal.hubspot_unlinked", dealId)).toHaveLength(1);
    const events = await sql<{ payload: Record<string, unknown> }>(t.db, `SELECT "payload" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.connection.crm_record_unlinked' ORDER BY "createdAt", "id"`, [a.tenantId]);
    expect(events.map((e) => e.payload.hubspotId)).toEqual(["8801", "8802", "8803"]);
    // The other tenant's contact with the same HubSpot id is its own.
    expect(await refs(b, "8801")).toHaveLength(1);
  });

  it("a privacy deletion unlinks the contact, marks it do-not-contact and asks a person to erase it (task, audit, event); nothing is erased by the webhook", async () => {
    const contactId = await contact(a, "forget.me@deleted.example", a.members.MANAGER.userId);
    const leadId = randomUUID();
    await sql(t.db, `INSERT INTO "Lead" ("id", "tenantId", "contactId", "source", "status", "updatedAt") VALUES ($1, $2, $3, 'hubspot_form', 'NEW', now())`, [leadId, a.tenantId, contactId]);
    await linked(a, "Contact", "8804", contactId);
    await linked(a, "Lead", "8804", leadId);
    expect(await deliver(urlA, SECRET_A, [{ subscriptionType: "contact.privacyDeletion", objectId: 8804 }])).toBe(200);
    await processed(a, 2);

    expect(await refs(a, "8804")).toEqual([]);
    const [c] = await sql<{ email: string; doNotContact: boolean; attributes: Record<string, unknown> }>(t.db, `SELECT "email", "doNotContact", "attributes" FROM "Contact" WHERE "id" = $1`, [contactId]);
    expect(c).toMatchObject({ email: "forget.me@deleted.example", doNotContact: true, attributes: { hubspotPrivacyDeletion: { hubspotId: "8804" } } });
    const tasks = await sql<{ id: string; title: string; assigneeId: string | null }>(t.db, `SELECT "id", "title", "assigneeId" FROM "Task" WHERE "tenantId" = $1 AND "contactId" = $2`, [a.tenantId, contactId]);
    expect(tasks).toEqual([{ id: expect.any(String), title: expect.stringContaining("Erase this contact?"), assigneeId: a.members.MANAGER.userId }]);
    expect((await audits(a, "contact.erasure_requested", contactId))[0]!.summary).toMatchObject({ source: "hubspot", hubspotId: "8804", taskId: tasks[0]!.id, doNotContact: true });
    const events = await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.connection.crm_erasure_requested'`, [a.tenantId]);
    expect(events).toHaveLength(1);
    // Tenant B's endpoint takes B's deliveries only: the same event there touches nothing of A's.
    const before = await refs(a, "8800");
    expect(await deliver(urlB, SECRET_B, [{ subscriptionType: "contact.deletion", objectId: 8800 }])).toBe(200);
    await processed(b, 1);
    expect(await refs(a, "8800")).toEqual(before);
  });
});
