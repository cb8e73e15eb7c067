// The sequence scheduler counts what campaigns have planned (issue 12): a
// campaign send planned on the sender mailbox, to the recipient or to the
// recipient's domain, and not yet made, holds its place against the limits, so
// a sequence step is moved to a later window rather than planned on top of it.
// A cancelled campaign's plan holds nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import type { SendWindow } from "../../../src/domain/sequence/sequence.js";
import { readTenantSettings } from "../../../src/domain/tenant/tenant.js";
import { quotaPlanner } from "../../../src/orchestration/sequence/sequence-quota.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { insertContact, patchSettings, sql, startOperatorApp } from "../../helpers/operator.js";

let t: TestApp;
let a: TestTenant;
const MAILBOX = "sales@seqcamp-a.example";
const HOUR = 3_600_000;
// Whole days (UTC), so every send window is open all day and only the limits move a step.
const window: SendWindow = { timeZone: "UTC", start: 0, end: 24 * 60, skipWeekends: false, holidays: [] };
// A candidate time two days ahead at noon UTC; windows are whole days, so a push lands on the next day.
const at = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 2 * 86_400_000 + 12 * HOUR);

async function campaignWith(status: "ACTIVE" | "CANCELLED", contactIds: string[], plannedAt: Date): Promise<string> {
  const [c] = await sql<{ id: string }>(
    t.db,
    `INSERT INTO "Campaign" ("id", "tenantId", "name", "brief", "mailbox", "dailyCap", "cadenceDays", "startDate", "input", "fingerprint", "status", "recipientCount", "updatedAt")
     VALUES (gen_random_uuid(), $1, 'Pitch', 'Pitch.', $2, 20, 14, $3, '{}', 'f', $4, $5, now()) RETURNING "id"`,
    [a.tenantId, MAILBOX, plannedAt.toISOString().slice(0, 10), status, contactIds.length],
  );
  let rank = 0;
  for (const contactId of contactIds) {
    await sql(
      t.db,
      `INSERT INTO "CampaignRecipient" ("id", "tenantId", "campaignId", "contactId", "rank", "rankReason", "plannedDay", "plannedAt", "status", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, $3, $4, 'fit', $5, $6, 'PLANNED', now())`,
      [a.tenantId, c!.id, contactId, ++rank, plannedAt.toISOString().slice(0, 10), plannedAt],
    );
  }
  return c!.id;
}

async function place(contact: { id: string; email: string }) {
  const [tenant] = await sql<{ settings: unknown }>(t.db, `SELECT "settings" FROM "Tenant" WHERE "id" = $1`, [a.tenantId]);
  const settings = readTenantSettings(tenant!.settings);
  return withTenant(t.app.services.db.prisma, { tenantId: a.tenantId }, (tx) =>
    quotaPlanner(tx, settings, new Date()).place(contact, { at, windowEnd: new Date(at.getTime() + HOUR) }, window),
  );
}

beforeAll(async () => {
  t = await startOperatorApp({ workers: 0 });
  a = await createTenant(t, "seqcamp-a");
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("sequence steps and campaign-planned sends", () => {
  it("a mailbox whose limit campaign sends fill that day moves the step to a later window; a cancelled campaign holds nothing", async () => {
    await patchSettings(t.db, a.tenantId, { sending: { mailboxes: [MAILBOX] }, quotas: { mailbox: { limit: 2, windowHours: 24 } } });
    const pitched = [await insertContact(t.db, a.tenantId, { email: "p1@pitch1.example" }), await insertContact(t.db, a.tenantId, { email: "p2@pitch2.example" })];
    const step = { id: await insertContact(t.db, a.tenantId, { email: "s1@nurture1.example" }), email: "s1@nurture1.example" };

    const cancelled = await campaignWith("CANCELLED", pitched, new Date(at.getTime() - HOUR));
    expect((await place(step)).placement.at).toEqual(at);

    await campaignWith("ACTIVE", pitched, new Date(at.getTime() - HOUR));
    const planned = await place(step);
    expect(planned.placement.at.getTime()).toBeGreaterThan(at.getTime());
    expect(planned.pushReason).toMatch(/sender mailbox sales@seqcamp-a.example limit \(2 per 24 h\)/);
    await sql(t.db, `DELETE FROM "Campaign" WHERE "id" = $1`, [cancelled]);
  });

  it("a recipient and a recipient domain a campaign will write to that day count against their limits", async () => {
    await sql(t.db, `DELETE FROM "Campaign" WHERE "tenantId" = $1`, [a.tenantId]);
    await patchSettings(t.db, a.tenantId, { quotas: { mailbox: { limit: 100, windowHours: 24 }, contact: { limit: 1, windowHours: 24 }, domain: { limit: 1, windowHours: 24 } } });
    const person = { id: await insertContact(t.db, a.tenantId, { email: "ada@acme-seq.example" }), email: "ada@acme-seq.example" };
    const colleague = { id: await insertContact(t.db, a.tenantId, { email: "bob@acme-seq.example" }), email: "bob@acme-seq.example" };
    const elsewhere = { id: await insertContact(t.db, a.tenantId, { email: "cy@other-seq.example" }), email: "cy@other-seq.example" };

    await campaignWith("ACTIVE", [person.id], new Date(at.getTime() - HOUR));
    const same = await place(person);
    expect(same.placement.at.getTime()).toBeGreaterThan(at.getTime());
    const sameDomain = await place(colleague);
    expect(sameDomain.placement.at.getTime()).toBeGreaterThan(at.getTime());
    expect(sameDomain.pushReason).toMatch(/domain/);
    // Neither the person nor the domain: nothing moves it.
    expect((await place(elsewhere)).placement.at).toEqual(at);
  });
});
