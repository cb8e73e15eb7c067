// Outbound HubSpot sync and the CRMHygieneAgent against the wire-level fake
// with the real SDK: lead status → lifecycle stage, deal stage through the
// reversed stage mapping, the conflict rule both ways, no echo back through
// the inbound sync, engagements exactly once (also after a failure that came
// after HubSpot created it), a 429 with Retry-After waited out, archived
// HubSpot records unlinking ours, and another tenant never touched.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import { updateHubspotStageMapping } from "../../../src/orchestration/connection/hubspot.js";
import { enqueueHubspotWork, listHubspotItems, MARKER_PROPERTY, runHubspotItem } from "../../../src/orchestration/connection/hubspot-push.js";
import { runHubspotSync } from "../../../src/orchestration/connection/hubspot-sync.js";
import type { TestApp, TestTenant } from "../../helpers/app.js";
import { startHubspotTestApp, noJobs, type HubspotTestApp } from "../../helpers/hubspot.js";
import { sql, userActor, waitFor } from "../../helpers/operator.js";
import { logActivity } from "../../../src/orchestration/pipeline/activity.js";
import type { FakeHubspot } from "../../fakes/hubspot/server.js";

let h: HubspotTestApp;
let t: TestApp;
let hs: FakeHubspot;
let tenant: TestTenant;
let other: TestTenant;
let connectionId: string;
let otherConnectionId: string;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

const services = () => h.services();
const sync = (mode: "INCREMENTAL" | "FULL" = "INCREMENTAL") => runHubspotSync(services(), { tenantId: tenant.tenantId, connectionId, mode });

async function enqueue(forTenant: TestTenant, type: string, payload: Record<string, unknown>): Promise<string[]> {
  return withTenant(t.app.services.db.prisma, { tenantId: forTenant.tenantId }, async (tx) => {
    await enqueueHubspotWork(noJobs, tx, forTenant.tenantId, [{ type, payload }], 0);
    const items = await tx.hubspotSyncItem.findMany({ where: { sourceId: Object.values(payload).find((v): v is string => typeof v === "string" && /^[0-9a-f-]{36}$/.test(v)) }, orderBy: { createdAt: "asc" } });
    return items.map((i) => i.id);
  });
}
const run = (itemId: string, forTenant = tenant) => runHubspotItem(services(), { tenantId: forTenant.tenantId, itemId });
const item = (itemId: string) => withTenant(t.app.services.db.prisma, { tenantId: tenant.tenantId }, (tx) => tx.hubspotSyncItem.findUniqueOrThrow({ where: { id: itemId } }));

async function ourId(table: "Contact" | "Deal" | "Company", hubspotId: string): Promise<string> {
  const rows = await sql<{ entityId: string }>(t.db, `SELECT "entityId" FROM "ExternalRef" WHERE "tenantId" = $1 AND "system" = 'hubspot' AND "entityType" = $2 AND "externalId" = $3`, [tenant.tenantId, table, hubspotId]);
  return rows[0]!.entityId;
}

beforeAll(async () => {
  // Pushes queued by the outbox wait an hour: the tests run items themselves.
  h = await startHubspotTestApp({ prefixes: ["hsp", "hsq"], env: { HUBSPOT_PUSH_DEBOUNCE_SECONDS: "3600" } });
  ({ t, hs, tenant, other } = h);
  connectionId = h.tenant.connectionId;
  otherConnectionId = h.other.connectionId;
  hs.addOwner({ id: "51", email: tenant.members.OPERATOR.email });
  hs.addOwner({ id: "52", email: tenant.members.MANAGER.email });
  hs.upsert("companies", "101", { name: "Acme", domain: "acme.example" }, { updatedAt: minutesAgo(60) });
  hs.upsert("contacts", "201", { email: "ada@acme.example", firstname: "Ada", lifecyclestage: "subscriber", hubspot_owner_id: "51" }, { updatedAt: minutesAgo(60) });
  hs.upsert("contacts", "202", { email: "bob@acme.example", firstname: "Bob" }, { updatedAt: minutesAgo(60) });
  hs.associate("contacts", "201", "companies", "101");
  hs.upsert("deals", "301", { dealname: "Acme rollout", amount: "5000", dealstage: "appointmentscheduled", pipeline: "default", hubspot_owner_id: "51" }, { updatedAt: minutesAgo(60) });
  hs.associate("deals", "301", "companies", "101");
  hs.associate("deals", "301", "contacts", "201");
  const mapped = await updateHubspotStageMapping(t.app.services, userActor(tenant, "ADMIN"), {
    mappings: [
      { pipelineId: "default", stageId: "appointmentscheduled", stage: "qualification" },
      { pipelineId: "default", stageId: "contractsent", stage: "negotiation" },
    ],
  });
  if (!mapped.ok) throw new Error(JSON.stringify(mapped.errors));
  await sync();
}, 90_000);
afterAll(() => h?.close());

describe("outbound: our changes → HubSpot", () => {
  let leadId: string;

  it("a lead's status goes out as the contact's lifecycle stage and lead status (owned by us), audited with source and destination", async () => {
    const contactId = await ourId("Contact", "201");
    leadId = randomUUID();
    await sql(t.db, `INSERT INTO "Lead" ("id", "tenantId", "contactId", "source", "status", "updatedAt") VALUES ($1, $2, $3, 'web_form', 'QUALIFIED', now())`, [leadId, tenant.tenantId, contactId]);
    const [itemId] = await enqueue(tenant, "sales.lead.qualified", { leadId, status: "QUALIFIED" });
    hs.resetCounts();
    const outcome = await run(itemId!);
    expect(outcome).toMatchObject({ status: "DONE", hubspotId: "201", result: { fields: ["lifecyclestage", "hs_lead_status"] } });
    expect(hs.get("contacts", "201")!.properties).toMatchObject({ lifecyclestage: "salesqualifiedlead", hs_lead_status: "CONNECTED" });
    expect(hs.requests["PATCH /crm/v3/objects/contacts/:id"]).toBe(1);
    const audit = await sql<{ summary: Record<string, unknown> }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'hubspot.item_done' AND "targetId" = $2`, [tenant.tenantId, leadId]);
    expect(audit[0]!.summary).toMatchObject({ source: "sales-agent", destination: "hubspot", hubspotId: "201", fields: ["lifecyclestage", "hs_lead_status"] });
    // Disqualified: lead status goes out, the lifecycle stage never moves backwards.
    await sql(t.db, `UPDATE "Lead" SET "status" = 'DISQUALIFIED', "updatedAt" = now() WHERE "id" = $1`, [leadId]);
    const [again] = await enqueue(tenant, "sales.lead.disqualified", { leadId });
    expect(again).toBe(itemId); // one item per record, opened again
    await run(again!);
    expect(hs.get("contacts", "201")!.properties).toMatchObject({ lifecyclestage: "salesqualifiedlead", hs_lead_status: "UNQUALIFIED" });
  });

  it("no echo: the inbound sync does not read our own write back; a second push of an unchanged record writes nothing", async () => {
    const result = await sync();
    expect(result.objects.contacts).toMatchObject({ created: 0, updated: 0 });
    const [itemId] = await enqueue(tenant, "sales.lead.updated", { leadId });
    hs.resetCounts();
    const outcome = await run(itemId!);
    expect(outcome).toMatchObject({ status: "DONE", result: { fields: [] } });
    expect(hs.requests["PATCH /crm/v3/objects/contacts/:id"]).toBeUndefined();
  });

  it("a deal's stage goes out through the stage mapping reversed; the inbound sync then sees nothing new, and a push of an unchanged deal makes no call", async () => {
    const dealId = await ourId("Deal", "301");
    await sql(t.db, `UPDATE "Deal" SET "stage" = 'negotiation', "updatedAt" = now() WHERE "id" = $1`, [dealId]);
    const [itemId] = await enqueue(tenant, "sales.deal.updated", { dealId, fromStage: "qualification", toStage: "negotiation" });
    const outcome = await run(itemId!);
    expect(outcome).toMatchObject({ status: "DONE", hubspotId: "301", result: { fields: ["dealstage", "pipeline"] } });
    expect(hs.get("deals", "301")!.properties).toMatchObject({ dealstage: "contractsent", pipeline: "default", amount: "5000" });
    const result = await sync();
    expect(result.objects.deals).toMatchObject({ created: 0, updated: 0 });
    // The same job again (a duplicate): no change waits, nothing runs.
    hs.resetCounts();
    expect(await run(itemId!)).toBeNull();
    // Another event for the deal with nothing changed: pushed, but nothing differs, so no HubSpot call.
    expect(await enqueue(tenant, "sales.deal.updated", { dealId })).toEqual([itemId]);
    expect(await run(itemId!)).toMatchObject({ status: "DONE", result: { fields: [], reason: "unchanged since the last sync" } });
    expect(hs.totalRequests()).toBe(0);
  });

  it("a stage with no HubSpot stage is not written (noted on the item); HubSpot-owned fields are never pushed", async () => {
    const dealId = await ourId("Deal", "301");
    await sql(t.db, `UPDATE "Deal" SET "stage" = 'proposal', "amount" = 1, "updatedAt" = now() WHERE "id" = $1`, [dealId]);
    const [itemId] = await enqueue(tenant, "sales.deal.updated", { dealId });
    const outcome = await run(itemId!);
    expect(outcome!.result.notes).toEqual([expect.stringContaining('"proposal" has no HubSpot stage')]);
    expect(hs.get("deals", "301")!.properties).toMatchObject({ dealstage: "contractsent", amount: "5000" });
  });

  it("conflict rule, outbound: HubSpot's later change of a shared field is kept (not overwritten), and the inbound sync then brings it here", async () => {
    const dealId = await ourId("Deal", "301");
    await sql(t.db, `UPDATE "Deal" SET "name" = 'Ours (older)', "updatedAt" = now() WHERE "id" = $1`, [dealId]);
    await new Promise((r) => setTimeout(r, 50));
    hs.update("deals", "301", { dealname: "Theirs (newer)" });
    const [itemId] = await enqueue(tenant, "sales.deal.updated", { dealId });
    const outcome = await run(itemId!);
    expect(outcome!.result).toMatchObject({ keptRemote: ["name"], rule: "last writer by modification time" });
    expect(hs.get("deals", "301")!.properties.dealname).toBe("Theirs (newer)");
    await sync();
    const rows = await sql<{ name: string }>(t.db, `SELECT "name" FROM "Deal" WHERE "id" = $1`, [dealId]);
    expect(rows[0]!.name).toBe("Theirs (newer)");
  });

  it("conflict rule, outbound: our later change of a shared field (name, owner) wins over HubSpot's older one", async () => {
    const dealId = await ourId("Deal", "301");
    hs.update("deals", "301", { dealname: "Theirs (older)" }, minutesAgo(1));
    await sql(t.db, `UPDATE "Deal" SET "name" = 'Ours (newer)', "ownerId" = $2, "updatedAt" = now() WHERE "id" = $1`, [dealId, tenant.members.MANAGER.userId]);
    const [itemId] = await enqueue(tenant, "sales.deal.updated", { dealId });
    const outcome = await run(itemId!);
    expect(outcome!.result).toMatchObject({ fields: expect.arrayContaining(["dealname", "hubspot_owner_id"]) });
    expect(hs.get("deals", "301")!.properties).toMatchObject({ dealname: "Ours (newer)", hubspot_owner_id: "52" });
  });
});

describe("CRMHygieneAgent: engagements on HubSpot timelines", () => {
  it("a logged note becomes one HubSpot note on the contact, company and deal timelines, exactly once", async () => {
    const contactId = await ourId("Contact", "201");
    const dealId = await ourId("Deal", "301");
    const activityId = randomUUID();
    await sql(t.db, `INSERT INTO "Activity" ("id", "tenantId", "type", "direction", "occurredAt", "subject", "body", "contactId", "dealId", "actorUserId") VALUES ($1, $2, 'NOTE', 'INTERNAL', now(), 'Call notes', 'Budget approved in Q3', $3, $4, $5)`, [activityId, tenant.tenantId, contactId, dealId, tenant.members.OPERATOR.userId]);
    const [itemId] = await enqueue(tenant, "sales.activity.logged", { activityId, type: "NOTE", contactId, dealId });
    const outcome = await run(itemId!);
    expect(outcome).toMatchObject({ status: "DONE", result: { type: "notes", associations: { contactIds: ["201"], companyIds: ["101"], dealIds: ["301"] } } });
    const notes = hs.all("notes").filter((n) => n.properties[MARKER_PROPERTY] === itemId);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.properties).toMatchObject({ hs_note_body: "Call notes\n\nBudget approved in Q3", hubspot_owner_id: "51" });
    // The same event again (at-least-once outbox) and the same job again: nothing new.
    expect(await enqueue(tenant, "sales.activity.logged", { activityId, type: "NOTE" })).toEqual([itemId]);
    expect(await run(itemId!)).toBeNull();
    expect(hs.all("notes").filter((n) => n.properties[MARKER_PROPERTY] === itemId)).toHaveLength(1);
    expect((await item(itemId!)).status).toBe("DONE");
  });

  it("end to end: a note logged through the use case reaches HubSpot through the outbox, the job and its worker, once", async () => {
    const contactId = await ourId("Contact", "201");
    const logged = await logActivity(t.app.services, userActor(tenant, "OPERATOR"), { type: "NOTE", direction: "INTERNAL", occurredAt: new Date(), subject: "Worker path", body: "Logged by a person", contactId });
    if (!logged.ok) throw new Error(JSON.stringify(logged.errors));
    await t.app.outbox.flush();
    const done = await waitFor(
      () => sql<{ id: string; hubspotId: string }>(t.db, `SELECT "id", "hubspotId" FROM "HubspotSyncItem" WHERE "tenantId" = $1 AND "sourceId" = $2 AND "status" = 'DONE'`, [tenant.tenantId, logged.value.activityId]).then((r) => r[0]),
      60_000,
      "the engagement item done by the worker",
    );
    const notes = hs.all("notes").filter((n) => n.properties[MARKER_PROPERTY] === done.id);
    expect(notes.map((n) => n.id)).toEqual([done.hubspotId]);
    expect(notes[0]!.properties.hs_note_body).toBe("Worker path\n\nLogged by a person");
  }, 90_000);

  it("crash after HubSpot created it: the retry finds the engagement by our id instead of creating a second", async () => {
    const contactId = await ourId("Contact", "202");
    const activityId = randomUUID();
    await sql(t.db, `INSERT INTO "Activity" ("id", "tenantId", "type", "direction", "occurredAt", "subject", "body", "contactId") VALUES ($1, $2, 'CALL', 'OUTBOUND', now(), 'Intro call', 'Left a voicemail', $3)`, [activityId, tenant.tenantId, contactId]);
    const [itemId] = await enqueue(tenant, "sales.activity.logged", { activityId, type: "CALL", contactId });
    // HubSpot creates the note but the answer is lost, and the in-process retry fails too: the job attempt fails.
    hs.failNext({ status: 502, afterApply: true, times: 2, path: /\/crm\/v3\/objects\/notes/ });
    await expect(run(itemId!)).rejects.toThrow();
    expect(hs.all("notes").filter((n) => n.properties[MARKER_PROPERTY] === itemId)).toHaveLength(1);
    const pending = await item(itemId!);
    expect(pending).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(pending.lastError).toContain("502");
    // The job's retry (as after a crash between HubSpot's create and our commit).
    hs.resetCounts();
    const outcome = await run(itemId!);
    expect(outcome).toMatchObject({ status: "DONE", result: { recovered: true } });
    expect(hs.requests["POST /crm/v3/objects/notes"]).toBeUndefined();
    const notes = hs.all("notes").filter((n) => n.properties[MARKER_PROPERTY] === itemId);
    expect(notes).toHaveLength(1);
    expect((await item(itemId!)).hubspotId).toBe(notes[0]!.id);
  });

  it("nothing linked to HubSpot: SKIPPED with the reason; a refused request: FAILED; both listed per status", async () => {
    const contact = randomUUID();
    await sql(t.db, `INSERT INTO "Contact" ("id", "tenantId", "email", "updatedAt") VALUES ($1, $2, $3, now())`, [contact, tenant.tenantId, `solo-${contact.slice(0, 8)}@nowhere.example`]);
    const activityId = randomUUID();
    await sql(t.db, `INSERT INTO "Activity" ("id", "tenantId", "type", "direction", "occurredAt", "subject", "contactId") VALUES ($1, $2, 'NOTE', 'INTERNAL', now(), 'x', $3)`, [activityId, tenant.tenantId, contact]);
    const [skipped] = await enqueue(tenant, "sales.activity.logged", { activityId, type: "NOTE" });
    expect(await run(skipped!)).toMatchObject({ status: "SKIPPED", result: { reason: expect.stringContaining("linked") } });

    const contactId = await ourId("Contact", "201");
    const failingId = randomUUID();
    await sql(t.db, `INSERT INTO "Activity" ("id", "tenantId", "type", "direction", "occurredAt", "subject", "contactId") VALUES ($1, $2, 'NOTE', 'INTERNAL', now(), 'y', $3)`, [failingId, tenant.tenantId, contactId]);
    const [failed] = await enqueue(tenant, "sales.activity.logged", { activityId: failingId, type: "NOTE" });
    hs.failNext({ status: 400, path: /\/crm\/v3\/objects\/notes$/, message: "Property values were not valid" });
    expect(await run(failed!)).toBeNull();
    expect(await item(failed!)).toMatchObject({ status: "FAILED", lastError: expect.stringContaining("400") });
    const listed = await withTenant(t.app.services.db.prisma, { tenantId: tenant.tenantId }, async (tx) => ({
      failed: (await listHubspotItems(tx, { status: "FAILED", take: 10 })).map((i) => i.id),
      skipped: (await listHubspotItems(tx, { status: "SKIPPED", take: 10 })).map((i) => i.id),
    }));
    expect(listed).toEqual({ failed: [failed], skipped: [skipped] });
  });

  it("a 429 with Retry-After is waited out (the told time), then the push completes", async () => {
    const leadRow = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Lead" WHERE "tenantId" = $1 LIMIT 1`, [tenant.tenantId]);
    await sql(t.db, `UPDATE "Lead" SET "status" = 'CONVERTED', "updatedAt" = now() WHERE "id" = $1`, [leadRow[0]!.id]);
    const [itemId] = await enqueue(tenant, "sales.lead.converted", { leadId: leadRow[0]!.id });
    hs.failNext({ status: 429, retryAfter: 1, path: /\/crm\/v3\/objects\/contacts\/\d+$/ });
    const started = Date.now();
    expect(await run(itemId!)).toMatchObject({ status: "DONE" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(hs.get("contacts", "201")!.properties).toMatchObject({ lifecyclestage: "opportunity", hs_lead_status: "OPEN_DEAL" });
  });
});

describe("archived HubSpot records and tenants", () => {
  it("a contact archived in HubSpot: ours is kept, unlinked, marked and audited (full reconcile)", async () => {
    const contactId = await ourId("Contact", "202");
    hs.archive("contacts", "202");
    const result = await sync("FULL");
    expect(result.objects.contacts.unlinked).toBe(1);
    const rows = await sql<{ attributes: { hubspotArchived?: { hubspotId: string } }; refs: number }>(
      t.db,
      `SELECT c."attributes", (SELECT count(*)::int FROM "ExternalRef" r WHERE r."entityId" = c."id") AS refs FROM "Contact" c WHERE c."id" = $1`,
      [contactId],
    );
    expect(rows[0]).toMatchObject({ attributes: { hubspotArchived: { hubspotId: "202" } }, refs: 0 });
    const audit = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'contact.hubspot_unlinked' AND "targetId" = $2 AND "summary"->>'source' = 'hubspot'`, [tenant.tenantId, contactId]);
    expect(audit[0]!.n).toBe(1);
    // A second reconcile finds nothing more to unlink.
    expect((await sync("FULL")).objects.contacts.unlinked).toBeUndefined();
  });

  it("another tenant's connection never receives this tenant's changes, and neither sees the other's items", async () => {
    const dealId = await ourId("Deal", "301");
    // Even an event naming this tenant's deal, delivered in the other tenant's scope, goes to the other
    // tenant's own connection only, and finds nothing there to push (row-level security).
    const ids = await enqueue(other, "sales.deal.updated", { dealId });
    hs.resetCounts();
    for (const id of ids) expect(await run(id, other)).toMatchObject({ status: "SKIPPED", result: { reason: "the deal is gone" } });
    expect(hs.requests["PATCH /crm/v3/objects/deals/:id"]).toBeUndefined();
    const theirs = await sql<{ connectionId: string }>(t.db, `SELECT DISTINCT "connectionId" FROM "HubspotSyncItem" WHERE "tenantId" = $1`, [other.tenantId]);
    expect(theirs).toEqual([{ connectionId: otherConnectionId }]);
    const mine = await sql<{ connectionId: string }>(t.db, `SELECT DISTINCT "connectionId" FROM "HubspotSyncItem" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(mine).toEqual([{ connectionId }]);
    const mineSeenByOther = await withTenant(t.app.services.db.prisma, { tenantId: other.tenantId }, (tx) => tx.hubspotSyncItem.count({ where: { connectionId } }));
    expect(mineSeenByOther).toBe(0);
  });
});
