// meetingSlots over real HTTP: the user's Google connection (real OAuth flow
// against the fake), the real @googleapis/calendar SDK against the fake's
// freeBusy, slots in the contact's time zone never overlapping busy time, an
// explicit FULLY_BUSY, a 429 with Retry-After absorbed by the resilience
// policy, a grant revoked at Google → CONNECTION_NOT_ACTIVE and
// NEEDS_REAUTH; roles (ANALYST may not) and tenants (another tenant's
// contact is not found).
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { insertContact, sql } from "../../helpers/operator.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";
import { connectGoogle, fakeGoogleEnv } from "../../helpers/google.js";

const Slots = graphql(`
  query MeetingSlots($contactId: ID!, $durationMinutes: Int!) {
    meetingSlots(contactId: $contactId, durationMinutes: $durationMinutes) {
      timeZone
      slots { start end timeZone localStart localEnd label }
      noSlotReason
      noSlotMessage
      userErrors { code field message }
    }
  }
`);

let t: TestApp;
let google: FakeGoogle;
let tenant: TestTenant;
let other: TestTenant;
let contactNy: string;
let contactNoZone: string;

const connect = (tn: TestTenant, role: "OPERATOR" | "MANAGER", email: string) =>
  connectGoogle(t, google, { tenant: tn, role }, email, { scopes: ["calendar.freebusy", "calendar.events"] });

beforeAll(async () => {
  google = await startFakeGoogle();
  t = await startTestApp({
    env: {
      ...fakeGoogleEnv(google),
      CONNECTOR_RETRY_BASE_MS: "10",
    },
  });
  tenant = await createTenant(t, "slots");
  other = await createTenant(t, "slots-other");
  contactNy = await insertContact(t.db, tenant.tenantId, { email: "vp@prospect.example" });
  contactNoZone = await insertContact(t.db, tenant.tenantId, { email: "cto@prospect.example" });
  await sql(t.db, `UPDATE "Contact" SET "timeZone" = 'America/New_York' WHERE "id" = $1`, [contactNy]);
  await sql(t.db, `UPDATE "Tenant" SET "settings" = jsonb_set("settings", '{general}', coalesce("settings"->'general', '{}'::jsonb) || '{"timeZone":"Europe/Berlin"}'::jsonb) WHERE "id" = $1`, [tenant.tenantId]);
  await connect(tenant, "OPERATOR", "oscar@slots.example");
  await connect(tenant, "MANAGER", "mia@slots.example");
  // Oscar: busy every day 08:00–10:00 and 13:00–14:00 UTC for a month (Berlin 9–17 overlaps New York's day 13:00–16:00 UTC in winter). Mia: busy all month.
  google.calendar.seedBusyCalendar("oscar@slots.example", { from: new Date(Date.now() - 86_400_000), days: 33, busyRanges: [{ startHourUtc: 8, endHourUtc: 10 }, { startHourUtc: 13, endHourUtc: 14 }] });
  google.calendar.addBusy("mia@slots.example", new Date(Date.now() - 86_400_000), new Date(Date.now() + 40 * 86_400_000));
});

afterAll(async () => {
  await t?.close();
  await google?.close();
});

const gid = (id: string) => encodeGlobalID("Contact", id);

describe("meetingSlots", () => {
  it("offers free times from the user's calendar in the contact's time zone, never in busy time", async () => {
    const r = await executeOk(t.graphqlUrl, Slots, { contactId: gid(contactNy), durationMinutes: 30 }, { token: tenant.members.OPERATOR.token });
    const p = r.meetingSlots;
    expect(p.userErrors).toEqual([]);
    expect(p.timeZone).toBe("America/New_York");
    expect(p.noSlotReason).toBeNull();
    expect(p.slots.length).toBeGreaterThanOrEqual(2);
    expect(new Set(p.slots.map((s) => s.localStart.slice(0, 10))).size).toBe(p.slots.length); // different days
    for (const s of p.slots) {
      expect(s.timeZone).toBe("America/New_York");
      const start = new Date(s.start);
      const end = new Date(s.end);
      expect(end.getTime() - start.getTime()).toBe(30 * 60_000);
      // Outside Oscar's busy 08:00–10:00 and 13:00–14:00 UTC.
      const dayStart = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
      for (const [from, to] of [[8, 10], [13, 14]] as const) {
        expect(start.getTime() >= dayStart + to * 3_600_000 || end.getTime() <= dayStart + from * 3_600_000).toBe(true);
      }
      // The label and local time are New York's wall clock.
      const ny = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(start).replace(", ", "T");
      expect(s.localStart).toBe(ny);
      expect(s.label).toContain("(America/New_York)");
    }
    expect(google.calendar.queries.at(-1)!.items).toEqual(["primary"]);
  });

  it("uses the tenant's time zone when the contact has none", async () => {
    const r = await executeOk(t.graphqlUrl, Slots, { contactId: gid(contactNoZone), durationMinutes: 45 }, { token: tenant.members.OPERATOR.token });
    expect(r.meetingSlots.timeZone).toBe("Europe/Berlin");
    expect(r.meetingSlots.slots.every((s) => s.timeZone === "Europe/Berlin")).toBe(true);
  });

  it("a fully booked calendar is an empty list with the reason", async () => {
    const r = await executeOk(t.graphqlUrl, Slots, { contactId: gid(contactNy), durationMinutes: 30 }, { token: tenant.members.MANAGER.token });
    expect(r.meetingSlots).toMatchObject({ slots: [], noSlotReason: "FULLY_BUSY", userErrors: [] });
  });

  it("a 429 with Retry-After from Google is retried by the policy", async () => {
    google.failNext({ status: 429, retryAfter: 1, path: /freeBusy$/ });
    const before = google.requests["POST /calendar/v3/freeBusy"] ?? 0;
    const r = await executeOk(t.graphqlUrl, Slots, { contactId: gid(contactNy), durationMinutes: 30 }, { token: tenant.members.OPERATOR.token });
    expect(r.meetingSlots.slots.length).toBeGreaterThan(0);
    expect(google.requests["POST /calendar/v3/freeBusy"]! - before).toBe(2);
  });

  it("input errors and a user without a Google connection are userErrors", async () => {
    const admin = await executeOk(t.graphqlUrl, Slots, { contactId: gid(contactNy), durationMinutes: 30 }, { token: tenant.members.ADMIN.token });
    expect(admin.meetingSlots.userErrors[0]).toMatchObject({ code: "CONNECTION_NOT_ACTIVE" });
    const long = await executeOk(t.graphqlUrl, Slots, { contactId: gid(contactNy), durationMinutes: 600 }, { token: tenant.members.OPERATOR.token });
    expect(long.meetingSlots.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["durationMinutes"] });
  });

  it("roles: ANALYST may not ask (it would reveal a calendar); OWNER/ADMIN/MANAGER/OPERATOR may", async () => {
    const analyst = await execute(t.graphqlUrl, Slots, { contactId: gid(contactNy), durationMinutes: 30 }, { token: tenant.members.ANALYST.token });
    expect(analyst.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    for (const role of ["OWNER", "ADMIN", "MANAGER", "OPERATOR"] as const) {
      const r = await execute(t.graphqlUrl, Slots, { contactId: gid(contactNy), durationMinutes: 30 }, { token: tenant.members[role].token });
      expect(r.errors, role).toBeUndefined();
    }
  });

  it("tenants: another tenant's contact is not found, and that tenant's user never reaches this tenant's connections", async () => {
    await connect(other, "OPERATOR", "olga@other.example");
    google.calendar.ensure("olga@other.example");
    const r = await executeOk(t.graphqlUrl, Slots, { contactId: gid(contactNy), durationMinutes: 30 }, { token: other.members.OPERATOR.token });
    expect(r.meetingSlots).toMatchObject({ slots: [], userErrors: [{ code: "NOT_FOUND" }] });
  });

  it("a grant revoked at Google: CONNECTION_NOT_ACTIVE and the connection turns NEEDS_REAUTH", async () => {
    google.oauth.revokeUser("oscar@slots.example");
    google.oauth.expireAccessTokens();
    const r = await executeOk(t.graphqlUrl, Slots, { contactId: gid(contactNy), durationMinutes: 30 }, { token: tenant.members.OPERATOR.token });
    expect(r.meetingSlots.userErrors[0]).toMatchObject({ code: "CONNECTION_NOT_ACTIVE" });
    const rows = await sql<{ status: string }>(t.db, `SELECT "status" FROM "Connection" WHERE "accountEmail" = 'oscar@slots.example'`);
    expect(rows.map((x) => x.status)).toEqual(["NEEDS_REAUTH"]);
  });
});
