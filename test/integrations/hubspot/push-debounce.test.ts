// The outbound push's trailing debounce, with two service instances on one
// database (both run the hubspot-push worker) against the wire-level fake:
// a burst of changes to one record is pushed once, after the record was quiet
// for the debounce window (not counted from the burst's first change), with
// its latest state; duplicate jobs on both instances push nothing more; a
// record that never stops changing is still pushed once the maximum wait from
// its burst's first change is over, and the rest after it went quiet.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import { QUEUES } from "../../../src/data/job-queue.js";
import { enqueueHubspotWork } from "../../../src/orchestration/connection/hubspot-push.js";
import { startTestApp, type TestApp } from "../../helpers/app.js";
import { startHubspotTestApp, type HubspotTestApp } from "../../helpers/hubspot.js";
import { sql, waitFor } from "../../helpers/operator.js";

const QUIET_SECONDS = 2;
const MAX_WAIT_SECONDS = 6;

let h: HubspotTestApp;
let a: TestApp;
let b: TestApp;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  h = await startHubspotTestApp({ prefixes: ["hsdb", "hsdb-o"], env: { HUBSPOT_PUSH_DEBOUNCE_SECONDS: String(QUIET_SECONDS), HUBSPOT_PUSH_MAX_WAIT_SECONDS: String(MAX_WAIT_SECONDS) } });
  a = h.t;
  // A second instance on the same database (same vault key): its worker takes hubspot-push jobs too.
  b = await startTestApp({ db: a.db, env: h.env });
}, 90_000);
afterAll(async () => {
  await b?.close();
  await h?.close();
});

/** A lead of ours whose contact is linked to HubSpot contact `hubspotId`. */
async function linkedLead(name: string, hubspotId: string): Promise<string> {
  const tenantId = h.tenant.tenantId;
  const email = `${name}@debounce.example`;
  h.hs.upsert("contacts", hubspotId, { email, firstname: name, lifecyclestage: "lead" }, { updatedAt: new Date(Date.now() - 3_600_000) });
  const contactId = randomUUID();
  const leadId = randomUUID();
  await sql(a.db, `INSERT INTO "Contact" ("id", "tenantId", "email", "updatedAt") VALUES ($1, $2, $3, now())`, [contactId, tenantId, email]);
  await sql(a.db, `INSERT INTO "ExternalRef" ("id", "tenantId", "system", "entityType", "entityId", "externalId") VALUES ($1, $2, 'hubspot', 'Contact', $3, $4)`, [randomUUID(), tenantId, contactId, hubspotId]);
  await sql(a.db, `INSERT INTO "Lead" ("id", "tenantId", "contactId", "source", "status", "updatedAt") VALUES ($1, $2, $3, 'web_form', 'NEW', now())`, [leadId, tenantId, contactId]);
  return leadId;
}

/** The lead changes on instance `on`: its row, then what the outbox dispatcher does with the event there. */
async function change(on: TestApp, leadId: string, status: string): Promise<void> {
  const tenantId = h.tenant.tenantId;
  await sql(a.db, `UPDATE "Lead" SET "status" = $2, "updatedAt" = now() WHERE "id" = $1`, [leadId, status]);
  await withTenant(on.app.services.db.prisma, { tenantId }, (tx) =>
    enqueueHubspotWork(on.app.services.jobs, tx, tenantId, [{ type: "sales.lead.updated", payload: { leadId, status } }], QUIET_SECONDS, MAX_WAIT_SECONDS),
  );
}

const itemOf = async (leadId: string) =>
  (await sql<{ id: string; changedAt: Date; burstStartedAt: Date | null; pushDueAt: Date | null }>(a.db, `SELECT "id", "changedAt", "burstStartedAt", "pushDueAt" FROM "HubspotSyncItem" WHERE "sourceId" = $1`, [leadId]))[0]!;
/** Each push of the lead (one audit entry per push done), in order. */
const pushes = (leadId: string) =>
  sql<{ createdAt: Date; summary: { values?: Record<string, string> } }>(a.db, `SELECT "createdAt", "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'hubspot.item_done' AND "targetId" = $2 ORDER BY "createdAt", "id"`, [h.tenant.tenantId, leadId]);

describe("trailing debounce of a push", () => {
  it("a burst is pushed once, after the record was quiet for the window, with its latest state; duplicate jobs on both instances add nothing", async () => {
    const leadId = await linkedLead("dora", "9101");
    await change(a, leadId, "WORKING");
    const burst = await itemOf(leadId);
    await sleep(1_200);
    await change(b, leadId, "QUALIFIED");
    await sleep(1_200);
    await change(a, leadId, "CONVERTED");
    const last = await itemOf(leadId);
    // Due a quiet window after the last change (the burst began 2.4 s before it, well within the maximum wait).
    expect(last.burstStartedAt).toEqual(burst.changedAt);
    expect(last.pushDueAt!.getTime() - last.changedAt.getTime()).toBe(QUIET_SECONDS * 1000);
    // Duplicates of the item's job (as after an expiry or a redelivery), queued on both instances for the same time.
    for (const on of [a, b]) await on.app.services.jobs.send(QUEUES.hubspotPush.name, { tenantId: h.tenant.tenantId, itemId: last.id }, { startAfter: last.pushDueAt! });
    const [first] = await waitFor(async () => ((await pushes(leadId)).length ? pushes(leadId) : null), 30_000, "the push done");
    // Nothing pushed before the record was quiet: not at the first change's window (which the old debounce used).
    expect(first!.createdAt.getTime()).toBeGreaterThanOrEqual(last.changedAt.getTime() + QUIET_SECONDS * 1000);
    expect(first!.summary.values).toEqual({ lifecyclestage: "opportunity", hs_lead_status: "OPEN_DEAL" });
    expect(h.hs.get("contacts", "9101")!.properties).toMatchObject({ lifecyclestage: "opportunity", hs_lead_status: "OPEN_DEAL" });
    // Every job of the item has run by now (they were due together, each instance polls every second): one push in all.
    await sleep(4_000);
    expect(await pushes(leadId)).toHaveLength(1);
    expect(await itemOf(leadId)).toMatchObject({ pushDueAt: null, burstStartedAt: null });
  }, 60_000);

  it("a record that keeps changing is pushed when the maximum wait from its burst's first change is over, and once more after it went quiet", async () => {
    const leadId = await linkedLead("emil", "9102");
    const statuses = ["WORKING", "QUALIFIED"];
    await change(a, leadId, statuses[0]!);
    const started = (await itemOf(leadId)).changedAt.getTime();
    // A change every second for ten seconds: never a quiet window of two.
    for (let i = 1; i <= 10; i++) {
      await sleep(1_000);
      await change(i % 2 ? b : a, leadId, statuses[i % 2]!);
    }
    const lastChange = (await itemOf(leadId)).changedAt.getTime();
    await waitFor(async () => (await pushes(leadId)).length >= 2, 30_000, "the second push");
    await sleep(QUIET_SECONDS * 1000 + 1_000);
    const done = await pushes(leadId);
    expect(done).toHaveLength(2);
    // The first while changes still came, once the maximum wait was over; the second a quiet window after the last change.
    expect(done[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(started + MAX_WAIT_SECONDS * 1000);
    expect(done[0]!.createdAt.getTime()).toBeLessThan(lastChange);
    expect(done[1]!.createdAt.getTime()).toBeGreaterThanOrEqual(lastChange + QUIET_SECONDS * 1000);
    expect(h.hs.get("contacts", "9102")!.properties.hs_lead_status).toBe("IN_PROGRESS"); // WORKING, the last state
  }, 90_000);
});
