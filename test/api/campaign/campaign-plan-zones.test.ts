// The campaign send plan against what the sender will allow (issue 12): each
// recipient's planned send is 08:00 on the day in the recipient's own zone
// (the contact's, else inferred from the company's country, else the
// tenant's), and a new mailbox's warm-up cap spreads the plan over days as
// the send path would hold it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { warmupCap, warmupDay } from "../../../src/domain/sending/deliverability.js";
import type { TestApp, TestTenant } from "../../helpers/app.js";
import { mondayAhead, startCampaignPlanApp, type CampaignPlanApp, type Json } from "../../helpers/campaign.js";
import { insertContact, patchSettings, sql } from "../../helpers/operator.js";

const PREVIEW = `query($input: CampaignPreviewInput!) { campaignPreview(input: $input, first: 50) {
  preview { plannedCount days { day count } ranked { email plannedDay plannedAt planNote timeZone timeZoneSource } }
  userErrors { code field message } } }`;

let t: TestApp;
let a: TestTenant;
let ok: CampaignPlanApp["ok"];

/** "YYYY-MM-DD HH:MM" of an instant in a zone. */
function local(iso: string, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

async function person(email: string, extra: { timeZone?: string; country?: string } = {}): Promise<void> {
  const id = await insertContact(t.db, a.tenantId, { email, firstName: email.split("@")[0], title: "Head of zones", timeZone: extra.timeZone });
  if (extra.country) {
    const [co] = await sql<{ id: string }>(t.db, `INSERT INTO "Company" ("id", "tenantId", "name", "country", "updatedAt") VALUES (gen_random_uuid(), $1, $2, $3, now()) RETURNING "id"`, [
      a.tenantId,
      `${email} Inc`,
      extra.country,
    ]);
    await sql(t.db, `UPDATE "Contact" SET "companyId" = $2 WHERE "id" = $1`, [id, co!.id]);
  }
}

beforeAll(async () => {
  ({ t, a, ok } = await startCampaignPlanApp("zones-a"));
  await person("ny@zone1.example", { timeZone: "America/New_York" });
  await person("tokyo@zone2.example", { country: "JP" });
  await person("berlin@zone3.example");
  await person("la@zone4.example", { timeZone: "America/Los_Angeles", country: "JP" });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("campaign send plan in each recipient's zone", () => {
  it("plans 08:00 of the day in the recipient's zone: the contact's, else the company country's, else the tenant's", async () => {
    const startDate = mondayAhead(2);
    const preview = (await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief: "Zones.", segment: { titleKeywords: ["zones"] }, startDate } })).campaignPreview;
    expect(preview.userErrors).toEqual([]);
    const byEmail = Object.fromEntries(preview.preview.ranked.map((r: Json) => [r.email, r]));
    expect(byEmail["ny@zone1.example"]).toMatchObject({ timeZone: "America/New_York", timeZoneSource: "CONTACT", plannedDay: startDate });
    expect(byEmail["tokyo@zone2.example"]).toMatchObject({ timeZone: "Asia/Tokyo", timeZoneSource: "INFERRED" });
    expect(byEmail["berlin@zone3.example"]).toMatchObject({ timeZone: "Europe/Berlin", timeZoneSource: "TENANT" });
    expect(byEmail["la@zone4.example"]).toMatchObject({ timeZone: "America/Los_Angeles", timeZoneSource: "CONTACT" });
    for (const r of preview.preview.ranked) expect(local(r.plannedAt, r.timeZone)).toBe(`${r.plannedDay} 08:00`);
    // Not the tenant's 08:00: New York's morning is Berlin's afternoon.
    expect(local(byEmail["ny@zone1.example"].plannedAt, "Europe/Berlin")).not.toBe(`${startDate} 08:00`);
  }, 60_000);

  it("a new mailbox's warm-up cap (1, 2, 4 a day from the first send) spreads the plan below the daily cap, and says why", async () => {
    await patchSettings(t.db, a.tenantId, { deliverability: { warmup: { enabled: true, startPerDay: 1, dailyGrowthPercent: 100 } } });
    const preview = (await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief: "Zones.", segment: { titleKeywords: ["zones"] }, startDate: mondayAhead(2) } })).campaignPreview;
    expect(preview.preview.plannedCount).toBe(4);
    const days = preview.preview.days.map((d: Json) => d.count);
    expect(days[0]).toBe(1);
    expect(days.length).toBeGreaterThan(1);
    // What the send path will allow (warmupFor + evaluateQuota): at each send, the sends of the last 24 h (itself
    // included) within the cap of the ramp's day, counted in 24 h blocks from the mailbox's first send.
    const times = preview.preview.ranked.map((r: Json) => Date.parse(r.plannedAt)).sort((x: number, y: number) => x - y);
    const settings = { enabled: true, startPerDay: 1, dailyGrowthPercent: 100 };
    for (const at of times) {
      const cap = warmupCap(settings, 20, warmupDay(new Date(times[0]!), new Date(at))) ?? Infinity;
      expect(times.filter((u: number) => u > at - 86_400_000 && u <= at).length).toBeLessThanOrEqual(cap);
    }
    expect(preview.preview.ranked.filter((r: Json) => /warm-up cap/.test(r.planNote ?? "")).length).toBeGreaterThan(0);
    await patchSettings(t.db, a.tenantId, { deliverability: { warmup: { enabled: false } } });
  }, 60_000);
});
