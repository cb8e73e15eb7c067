// The pure meeting-slot computation: concrete slots in the recipient's zone,
// spread over days and times of day, never overlapping busy time (buffers
// included), honouring notice, holidays, horizon, DST days in Europe/Berlin
// and America/New_York, all-day events, working hours that fall outside the
// recipient's day, and explicit reasons when nothing is free.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_WORKING_HOURS, proposeMeetingSlots, zonedInstant, type MeetingSlotInput, type WorkingHours } from "../../../src/domain/draft/meeting-slot.js";

const BERLIN = "Europe/Berlin";
const NY = "America/New_York";
const t = (iso: string) => new Date(iso);

function input(overrides: Partial<MeetingSlotInput> = {}): MeetingSlotInput {
  return {
    now: t("2026-03-09T07:00:00Z"), // Monday 08:00 in Berlin
    busy: [],
    hostTimeZone: BERLIN,
    workingHours: DEFAULT_WORKING_HOURS,
    durationMinutes: 30,
    earliestNoticeMinutes: 120,
    ...overrides,
  };
}

function slotsOf(result: ReturnType<typeof proposeMeetingSlots>) {
  if (!result.ok) throw new Error(`no slots: ${result.reason}`);
  return result.slots;
}

describe("zonedInstant", () => {
  it("maps wall-clock times to instants across DST changes", () => {
    const at = (y: number, m: number, d: number, hhmm: string, tz: string) => {
      const [h, mi] = hhmm.split(":").map(Number) as [number, number];
      const ms = zonedInstant(y, m, d, h * 60 + mi, tz);
      return ms === null ? null : new Date(ms).toISOString();
    };
    expect(at(2026, 3, 28, "09:00", BERLIN)).toBe("2026-03-28T08:00:00.000Z"); // CET
    expect(at(2026, 3, 29, "09:00", BERLIN)).toBe("2026-03-29T07:00:00.000Z"); // CEST
    expect(at(2026, 3, 29, "02:30", BERLIN)).toBeNull(); // skipped hour
    expect(at(2026, 10, 25, "02:30", BERLIN)).toBe("2026-10-25T00:30:00.000Z"); // ambiguous: the first (CEST)
    expect(at(2026, 3, 8, "02:30", NY)).toBeNull();
    expect(at(2026, 3, 8, "09:00", NY)).toBe("2026-03-08T13:00:00.000Z"); // EDT
    expect(at(2026, 3, 7, "09:00", NY)).toBe("2026-03-07T14:00:00.000Z"); // EST
    expect(at(2026, 11, 1, "01:30", NY)).toBe("2026-11-01T05:30:00.000Z"); // ambiguous: EDT first
    expect(at(2026, 11, 1, "02:00", NY)).toBe("2026-11-01T07:00:00.000Z"); // EST
    expect(at(2026, 6, 1, "24:00", "UTC")).toBe("2026-06-02T00:00:00.000Z");
  });
});

describe("proposeMeetingSlots", () => {
  it("gives three slots on three days, alternating morning and afternoon, in the host zone when the recipient's is unknown", () => {
    const result = proposeMeetingSlots(input());
    expect(result.ok).toBe(true);
    expect(result.timeZone).toBe(BERLIN);
    expect(slotsOf(result).map((s) => [s.localStart, s.localEnd])).toEqual([
      ["2026-03-09T10:00", "2026-03-09T10:30"], // Monday, first after 2 h notice
      ["2026-03-10T12:00", "2026-03-10T12:30"], // Tuesday afternoon
      ["2026-03-11T09:00", "2026-03-11T09:30"], // Wednesday morning
    ]);
    expect(slotsOf(result)[0]).toMatchObject({ start: t("2026-03-09T09:00:00Z"), end: t("2026-03-09T09:30:00Z"), label: "Mon 9 Mar, 10:00–10:30 (Europe/Berlin)" });
  });

  it("presents the slots in the recipient's zone", () => {
    const slots = slotsOf(proposeMeetingSlots(input({ recipientTimeZone: "Asia/Kolkata" })));
    expect(slots[0]).toMatchObject({ timeZone: "Asia/Kolkata", localStart: "2026-03-09T14:30", label: "Mon 9 Mar, 14:30–15:00 (Asia/Kolkata)" });
    expect(slots.every((s) => s.timeZone === "Asia/Kolkata")).toBe(true);
  });

  it("never overlaps busy time, buffers included", () => {
    const result = proposeMeetingSlots(
      input({
        now: t("2026-03-09T06:00:00Z"),
        busy: [{ start: t("2026-03-09T09:00:00Z"), end: t("2026-03-09T10:00:00Z") }], // 10:00–11:00 Berlin
        bufferBeforeMinutes: 15,
        bufferAfterMinutes: 15,
        horizonDays: 1,
        workingHours: { mon: [{ start: "09:00", end: "12:00" }] },
        count: 5,
      }),
    );
    // 09:00 ok (ends 09:30 + 15 before 10:00); 09:30 ends 10:00 +15 → clash; 11:00 starts with 15 min buffer into 11:00 → clash; 11:30 ok.
    expect(slotsOf(result).map((s) => s.localStart)).toEqual(["2026-03-09T09:00", "2026-03-09T11:30"]);
  });

  it("honours the earliest-notice rule", () => {
    const slots = slotsOf(proposeMeetingSlots(input({ now: t("2026-03-09T08:10:00Z"), earliestNoticeMinutes: 120 }))); // 09:10 Berlin
    expect(slots[0]!.localStart).toBe("2026-03-09T11:30");
  });

  it("skips holidays and days fully taken by an all-day event", () => {
    const allDayTuesday = { start: t("2026-03-09T23:00:00Z"), end: t("2026-03-10T23:00:00Z") }; // Tue 10 Mar, midnight to midnight Berlin
    const slots = slotsOf(proposeMeetingSlots(input({ holidays: ["2026-03-09"], busy: [allDayTuesday] })));
    expect(slots.map((s) => s.localStart.slice(0, 10))).toEqual(["2026-03-11", "2026-03-12", "2026-03-13"]);
  });

  it("a Berlin DST day: 09:00 local is 07:00Z after the change, 08:00Z before; the skipped hour is never offered", () => {
    const weekend: WorkingHours = { sat: [{ start: "09:00", end: "09:30" }], sun: [{ start: "09:00", end: "09:30" }] };
    const slots = slotsOf(proposeMeetingSlots(input({ now: t("2026-03-27T12:00:00Z"), workingHours: weekend, horizonDays: 3, recipientHours: { start: "00:00", end: "24:00", days: ["sat", "sun"] } })));
    expect(slots.map((s) => [s.start.toISOString(), s.localStart])).toEqual([
      ["2026-03-28T08:00:00.000Z", "2026-03-28T09:00"],
      ["2026-03-29T07:00:00.000Z", "2026-03-29T09:00"],
    ]);
    const night = slotsOf(
      proposeMeetingSlots(input({ now: t("2026-03-28T12:00:00Z"), workingHours: { sun: [{ start: "02:00", end: "04:00" }] }, horizonDays: 2, count: 5, recipientHours: { start: "00:00", end: "24:00", days: ["sun"] } })),
    );
    // 02:00 and 02:30 do not exist that night; 03:00 CEST is 01:00Z.
    expect(night.map((s) => [s.start.toISOString(), s.localStart])).toEqual([
      ["2026-03-29T01:00:00.000Z", "2026-03-29T03:00"],
      ["2026-03-29T01:30:00.000Z", "2026-03-29T03:30"],
    ]);
  });

  it("a New York DST change shifts the recipient's local time of the same Berlin slot by an hour", () => {
    const hours: WorkingHours = { fri: [{ start: "15:00", end: "15:30" }], mon: [{ start: "15:00", end: "15:30" }] };
    const slots = slotsOf(proposeMeetingSlots(input({ now: t("2026-03-05T12:00:00Z"), workingHours: hours, horizonDays: 5, recipientTimeZone: NY })));
    // Fri 6 Mar: Berlin CET (+1), New York EST (−5): 09:00. Mon 9 Mar: New York is on EDT (−4), Berlin not yet: 10:00.
    expect(slots.map((s) => s.localStart)).toEqual(["2026-03-06T09:00", "2026-03-09T10:00"]);
    expect(slots.map((s) => s.start.toISOString())).toEqual(["2026-03-06T14:00:00.000Z", "2026-03-09T14:00:00.000Z"]);
  });

  it("a New York fall-back day (25 hours) keeps working hours on the wall clock", () => {
    const sunday: WorkingHours = { sun: [{ start: "09:00", end: "09:30" }], sat: [{ start: "09:00", end: "09:30" }] };
    const slots = slotsOf(proposeMeetingSlots(input({ now: t("2026-10-30T12:00:00Z"), hostTimeZone: NY, workingHours: sunday, horizonDays: 3, recipientHours: { start: "08:00", end: "19:00", days: ["sat", "sun"] } })));
    expect(slots.map((s) => [s.start.toISOString(), s.localStart])).toEqual([
      ["2026-10-31T13:00:00.000Z", "2026-10-31T09:00"], // EDT
      ["2026-11-01T14:00:00.000Z", "2026-11-01T09:00"], // EST
    ]);
  });

  it("only offers the part of the working day that falls within the recipient's day", () => {
    const slots = slotsOf(proposeMeetingSlots(input({ workingHours: { ...DEFAULT_WORKING_HOURS, mon: [{ start: "09:00", end: "18:00" }] }, horizonDays: 1, recipientTimeZone: "America/Los_Angeles", count: 3 })));
    // 16:00 Berlin = 08:00 in Los Angeles (PDT since 8 Mar, Berlin still CET: 8 hours): 16:00–18:00 Berlin is 08:00–10:00 there.
    expect(slots.map((s) => s.localStart)).toEqual(["2026-03-09T08:00", "2026-03-09T08:30", "2026-03-09T09:30"]);
    expect(slots.map((s) => s.start.toISOString())).toEqual(["2026-03-09T15:00:00.000Z", "2026-03-09T15:30:00.000Z", "2026-03-09T16:30:00.000Z"]);
    const none = proposeMeetingSlots(input({ workingHours: { mon: [{ start: "09:00", end: "12:00" }] }, recipientTimeZone: "America/Los_Angeles" }));
    expect(none).toMatchObject({ ok: false, reason: "OUTSIDE_RECIPIENT_HOURS", slots: [], timeZone: "America/Los_Angeles" });
  });

  it("does not offer a slot on the recipient's weekend (Friday afternoon in Berlin is Saturday in Sydney)", () => {
    const hours: WorkingHours = { fri: [{ start: "09:00", end: "10:00" }] };
    expect(proposeMeetingSlots(input({ now: t("2026-03-12T12:00:00Z"), workingHours: hours, horizonDays: 3, recipientTimeZone: "Australia/Sydney" }))).toMatchObject({
      ok: false,
      reason: "OUTSIDE_RECIPIENT_HOURS",
    });
    // 09:00 Berlin Friday = 19:00 Friday in Sydney (AEDT, +11 vs +1: 10 h) — outside 08:00–19:00 too; with the recipient's day until 20:00 it fits.
    const late = proposeMeetingSlots(input({ now: t("2026-03-12T12:00:00Z"), workingHours: hours, horizonDays: 3, recipientTimeZone: "Australia/Sydney", recipientHours: { start: "08:00", end: "20:00" } }));
    expect(slotsOf(late).map((s) => s.localStart)).toEqual(["2026-03-13T19:00", "2026-03-13T19:30"]);
  });

  it("a fully busy calendar is an explicit empty result", () => {
    const result = proposeMeetingSlots(input({ busy: [{ start: t("2026-03-01T00:00:00Z"), end: t("2026-04-30T00:00:00Z") }] }));
    expect(result).toEqual({ ok: false, timeZone: BERLIN, slots: [], reason: "FULLY_BUSY", message: "The calendar is fully booked for the next 14 days." });
  });

  it("no working hours (or all holidays) within the horizon is NO_WORKING_HOURS", () => {
    expect(proposeMeetingSlots(input({ workingHours: {} }))).toMatchObject({ ok: false, reason: "NO_WORKING_HOURS" });
    expect(proposeMeetingSlots(input({ horizonDays: 1, holidays: ["2026-03-09", "2026-03-10"] }))).toMatchObject({ ok: false, reason: "NO_WORKING_HOURS" });
    // A meeting longer than the working range never fits.
    expect(proposeMeetingSlots(input({ workingHours: { mon: [{ start: "09:00", end: "09:30" }] }, durationMinutes: 60 }))).toMatchObject({ ok: false, reason: "NO_WORKING_HOURS" });
  });

  it("refuses invalid input with INVALID_INPUT", () => {
    expect(proposeMeetingSlots(input({ hostTimeZone: "Mars/Olympus" }))).toMatchObject({ ok: false, reason: "INVALID_INPUT" });
    expect(proposeMeetingSlots(input({ recipientTimeZone: "Nope/Nope" }))).toMatchObject({ ok: false, reason: "INVALID_INPUT" });
    expect(proposeMeetingSlots(input({ durationMinutes: 0 }))).toMatchObject({ ok: false, reason: "INVALID_INPUT" });
    expect(proposeMeetingSlots(input({ durationMinutes: 30.5 }))).toMatchObject({ ok: false, reason: "INVALID_INPUT" });
    expect(proposeMeetingSlots(input({ workingHours: { mon: [{ start: "17:00", end: "09:00" }] } }))).toMatchObject({ ok: false, reason: "INVALID_INPUT" });
    expect(proposeMeetingSlots(input({ workingHours: { mon: [{ start: "9am", end: "5pm" }] } }))).toMatchObject({ ok: false, reason: "INVALID_INPUT" });
    expect(proposeMeetingSlots(input({ horizonDays: 0 }))).toMatchObject({ ok: false, reason: "INVALID_INPUT" });
    expect(proposeMeetingSlots(input({ count: 9 }))).toMatchObject({ ok: false, reason: "INVALID_INPUT" });
  });

  it("with fewer free days than slots, picks more on the same day two hours apart", () => {
    const slots = slotsOf(proposeMeetingSlots(input({ now: t("2026-03-13T06:00:00Z"), horizonDays: 1 }))); // Friday; Saturday not worked
    expect(slots.map((s) => s.localStart)).toEqual(["2026-03-13T09:00", "2026-03-13T11:30", "2026-03-13T14:00"]);
  });

  it("property: every slot is inside working hours, after the notice, free with buffers, distinct and at most `count`", () => {
    const zones = [BERLIN, NY, "Asia/Kolkata", "Australia/Sydney", "UTC"];
    fc.assert(
      fc.property(
        fc.record({
          nowOffsetMin: fc.integer({ min: 0, max: 60 * 24 * 60 }),
          busy: fc.array(fc.record({ startMin: fc.integer({ min: 0, max: 20 * 24 * 60 }), lenMin: fc.integer({ min: 5, max: 24 * 60 }) }), { maxLength: 40 }),
          host: fc.constantFrom(...zones),
          recipient: fc.constantFrom(...zones),
          duration: fc.constantFrom(15, 30, 45, 60, 90),
          before: fc.integer({ min: 0, max: 30 }),
          after: fc.integer({ min: 0, max: 30 }),
          notice: fc.integer({ min: 0, max: 48 * 60 }),
          count: fc.integer({ min: 1, max: 5 }),
        }),
        (p) => {
          const now = Date.UTC(2026, 0, 1) + p.nowOffsetMin * 60_000;
          const busy = p.busy.map((b) => ({ start: new Date(now + b.startMin * 60_000), end: new Date(now + (b.startMin + b.lenMin) * 60_000) }));
          const result = proposeMeetingSlots({
            now: new Date(now),
            busy,
            hostTimeZone: p.host,
            workingHours: DEFAULT_WORKING_HOURS,
            durationMinutes: p.duration,
            bufferBeforeMinutes: p.before,
            bufferAfterMinutes: p.after,
            earliestNoticeMinutes: p.notice,
            recipientTimeZone: p.recipient,
            recipientHours: { start: "00:00", end: "24:00", days: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
            count: p.count,
          });
          if (!result.ok) return ["FULLY_BUSY", "NO_WORKING_HOURS"].includes(result.reason);
          expect(result.slots.length).toBeGreaterThan(0);
          expect(result.slots.length).toBeLessThanOrEqual(p.count);
          for (const [i, s] of result.slots.entries()) {
            expect(s.end.getTime() - s.start.getTime()).toBe(p.duration * 60_000);
            expect(s.start.getTime()).toBeGreaterThanOrEqual(now + p.notice * 60_000);
            const from = s.start.getTime() - p.before * 60_000;
            const to = s.end.getTime() + p.after * 60_000;
            for (const b of busy) expect(b.start.getTime() < to && b.end.getTime() > from).toBe(false);
            const local = new Intl.DateTimeFormat("en-GB", { timeZone: p.host, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(s.start);
            const hour = Number(local.find((x) => x.type === "hour")!.value);
            const weekday = local.find((x) => x.type === "weekday")!.value;
            expect(["Mon", "Tue", "Wed", "Thu", "Fri"]).toContain(weekday);
            expect(hour).toBeGreaterThanOrEqual(9);
            expect(hour * 60 + Number(local.find((x) => x.type === "minute")!.value) + p.duration).toBeLessThanOrEqual(17 * 60);
            if (i > 0) expect(s.start.getTime()).toBeGreaterThanOrEqual(result.slots[i - 1]!.end.getTime());
          }
          return true;
        },
      ),
      { numRuns: 80 },
    );
  });
});
