// The Calendar adapter with the real @googleapis/calendar SDK against the
// wire-level fake: free/busy (clipped, merged, all-day events, unknown
// calendars reported as errors, not as free), event insert with the contact
// invited, and typed errors.
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCalendarClient, type CalendarClient } from "../../../src/integrations/google/calendar.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";

const REP = "rep@seller.example";
let google: FakeGoogle;
let client: CalendarClient;

beforeAll(async () => {
  google = await startFakeGoogle();
  google.addToken("tok-rep", REP);
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: "tok-rep", expiry_date: Date.now() + 3_600_000 });
  client = createCalendarClient({ auth, rootUrl: google.rootUrl });
});

afterAll(async () => {
  await google.close();
});

describe("freeBusy", () => {
  it("returns busy intervals clipped to the window and merged; primary is the account's calendar", async () => {
    google.calendar.addBusy(REP, "2026-03-10T08:00:00Z", "2026-03-10T09:30:00Z");
    google.calendar.addBusy(REP, "2026-03-10T09:00:00Z", "2026-03-10T10:00:00Z"); // overlaps: merged
    google.calendar.addBusy(REP, "2026-03-10T13:00:00Z", "2026-03-10T14:00:00Z");
    google.calendar.addBusy(REP, "2026-03-12T13:00:00Z", "2026-03-12T14:00:00Z"); // outside the window
    const result = await client.freeBusy({ calendarIds: ["primary", REP], timeMin: new Date("2026-03-10T08:30:00Z"), timeMax: new Date("2026-03-11T00:00:00Z") });
    const expected = [
      { start: new Date("2026-03-10T08:30:00Z"), end: new Date("2026-03-10T10:00:00Z") },
      { start: new Date("2026-03-10T13:00:00Z"), end: new Date("2026-03-10T14:00:00Z") },
    ];
    expect(result.primary).toEqual({ busy: expected, error: null });
    expect(result[REP]).toEqual({ busy: expected, error: null });
    expect(google.calendar.queries.at(-1)).toMatchObject({ items: ["primary", REP] });
  });

  it("an all-day event is busy from midnight to midnight in the calendar's zone, DST day included", async () => {
    google.calendar.addAllDay("allday@seller.example", "2026-03-29", "Europe/Berlin"); // Berlin springs forward that night
    const result = await client.freeBusy({ calendarIds: ["allday@seller.example"], timeMin: new Date("2026-03-28T00:00:00Z"), timeMax: new Date("2026-03-31T00:00:00Z") });
    // 00:00 CET = 23:00Z the day before; the next midnight is CEST (22:00Z): a 23-hour day.
    expect(result["allday@seller.example"]!.busy).toEqual([{ start: new Date("2026-03-28T23:00:00Z"), end: new Date("2026-03-29T22:00:00Z") }]);
  });

  it("an unknown calendar is an error, never an empty (free) calendar; an empty range is refused", async () => {
    google.calendar.ensure("free@seller.example");
    const result = await client.freeBusy({ calendarIds: ["ghost@nowhere.example", "free@seller.example"], timeMin: new Date("2026-03-10T00:00:00Z"), timeMax: new Date("2026-03-11T00:00:00Z") });
    expect(result["ghost@nowhere.example"]).toEqual({ busy: [], error: "notFound" });
    expect(result["free@seller.example"]).toEqual({ busy: [], error: null });
    await expect(client.freeBusy({ calendarIds: ["primary"], timeMin: new Date("2026-03-11T00:00:00Z"), timeMax: new Date("2026-03-10T00:00:00Z") })).rejects.toThrow(RangeError);
  });

  it("429 with Retry-After is typed with the delay", async () => {
    google.failNext({ status: 429, retryAfter: 7, path: /freeBusy/ });
    await expect(client.freeBusy({ calendarIds: ["primary"], timeMin: new Date("2026-03-10T00:00:00Z"), timeMax: new Date("2026-03-11T00:00:00Z") })).rejects.toMatchObject({
      status: 429,
      kind: "RATE_LIMITED",
      retryAfterMs: 7000,
    });
  });
});

describe("insertEvent", () => {
  it("creates the event with the contact invited and makes the time busy", async () => {
    const event = await client.insertEvent({
      summary: "Intro call",
      start: new Date("2026-03-20T15:00:00Z"),
      end: new Date("2026-03-20T15:30:00Z"),
      timeZone: "America/New_York",
      attendees: ["buyer@customer.example"],
    });
    expect(event.id).toBeTruthy();
    expect(event.status).toBe("confirmed");
    const stored = google.calendar.events.find((e) => e.id === event.id)!;
    expect(stored).toMatchObject({ calendarId: REP, summary: "Intro call", sendUpdates: "all", attendees: [{ email: "buyer@customer.example", responseStatus: "needsAction" }] });
    expect(stored.start).toEqual({ dateTime: "2026-03-20T15:00:00.000Z", timeZone: "America/New_York" });
    const fb = await client.freeBusy({ calendarIds: ["primary"], timeMin: new Date("2026-03-20T00:00:00Z"), timeMax: new Date("2026-03-21T00:00:00Z") });
    expect(fb.primary!.busy).toContainEqual({ start: new Date("2026-03-20T15:00:00Z"), end: new Date("2026-03-20T15:30:00Z") });
  });

  it("someone else's calendar is Google's 403, typed FORBIDDEN", async () => {
    await expect(
      client.insertEvent({ calendarId: "boss@seller.example", summary: "x", start: new Date("2026-03-20T15:00:00Z"), end: new Date("2026-03-20T15:30:00Z"), timeZone: "UTC", attendees: [] }),
    ).rejects.toMatchObject({ status: 403, kind: "FORBIDDEN" });
  });
});
