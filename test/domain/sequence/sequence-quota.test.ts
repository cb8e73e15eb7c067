// Quota planning: a step that would break the per-mailbox or per-contact
// rolling limit moves to the next send window, and says which limit moved it.
import { describe, expect, it } from "vitest";
import { fitsLimit, placeWithinQuota, TimeSet, warmupLimitAt, type PlanLimit } from "../../../src/domain/sequence/sequence-quota.js";
import { nextWindow, type SendWindow } from "../../../src/domain/sequence/sequence.js";

const z = (iso: string) => new Date(iso);
const HOUR = 3_600_000;
const berlin: SendWindow = { timeZone: "Europe/Berlin", start: 8 * 60, end: 11 * 60, skipWeekends: true, holidays: [] };

describe("fitsLimit", () => {
  it("counts every rolling window that would contain the new send, earlier and later ones", () => {
    const l = { limit: 2, windowMs: 24 * HOUR };
    expect(fitsLimit(z("2026-03-03T08:00:00Z"), { ...l, times: TimeSet.of([z("2026-03-02T09:00:00Z")]) })).toBe(true);
    expect(fitsLimit(z("2026-03-03T08:00:00Z"), { ...l, times: TimeSet.of([z("2026-03-02T09:00:00Z"), z("2026-03-02T10:00:00Z")]) })).toBe(false);
    // Two planned later the same day: a third before them would break the window they share.
    expect(fitsLimit(z("2026-03-03T08:00:00Z"), { ...l, times: TimeSet.of([z("2026-03-03T12:00:00Z"), z("2026-03-03T20:00:00Z")]) })).toBe(false);
    // Exactly one window length earlier is outside the window.
    expect(fitsLimit(z("2026-03-03T08:00:00Z"), { ...l, times: TimeSet.of([z("2026-03-02T08:00:00Z"), z("2026-03-02T08:00:00Z")]) })).toBe(true);
    expect(fitsLimit(z("2026-03-03T08:00:00Z"), { ...l, limit: 0, times: new TimeSet() })).toBe(false);
  });
});

describe("placeWithinQuota", () => {
  const monday = nextWindow(z("2026-03-02T06:00:00Z"), berlin); // Mon 08:00 Berlin = 07:00Z

  it("inside the limits: the placement as it was, no reason", () => {
    const r = placeWithinQuota(monday, berlin, [{ kind: "MAILBOX", key: "sales@a.example", limit: 20, windowMs: 24 * HOUR, times: new TimeSet() }]);
    expect(r).toEqual({ placement: monday, pushes: 0, pushReason: null });
  });

  it("a full mailbox day moves the step to the next send day's window, with the reason", () => {
    const full: PlanLimit = { kind: "MAILBOX", key: "sales@a.example", limit: 20, windowMs: 24 * HOUR, times: TimeSet.of(Array.from({ length: 20 }, () => monday.at)) };
    const r = placeWithinQuota(monday, berlin, [full]);
    expect(r.pushes).toBe(1);
    expect(r.placement.at).toEqual(z("2026-03-03T07:00:00Z"));
    expect(r.pushReason).toMatch(/sender mailbox sales@a\.example limit \(20 per 24 h\) would be exceeded on 2026-03-02/);
  });

  it("100 steps with a cap of 20 a day spread over five business days (Friday to Thursday over the weekend)", () => {
    const friday = nextWindow(z("2026-03-06T06:00:00Z"), berlin);
    const times = new TimeSet();
    const planned: Date[] = [];
    for (let i = 0; i < 100; i++) {
      const r = placeWithinQuota(friday, berlin, [{ kind: "MAILBOX", key: "m", limit: 20, windowMs: 24 * HOUR, times }]);
      times.add(r.placement.at);
      planned.push(r.placement.at);
    }
    const perDay = new Map<string, number>();
    for (const at of planned) perDay.set(at.toISOString().slice(0, 10), (perDay.get(at.toISOString().slice(0, 10)) ?? 0) + 1);
    expect([...perDay.entries()]).toEqual([
      ["2026-03-06", 20],
      ["2026-03-09", 20],
      ["2026-03-10", 20],
      ["2026-03-11", 20],
      ["2026-03-12", 20],
    ]);
  });

  it("the per-contact limit (2 per 7 days) pushes a step past the week, whichever limit binds is named", () => {
    const contact: PlanLimit = { kind: "CONTACT", key: "ann@x.example", limit: 2, windowMs: 7 * 24 * HOUR, times: TimeSet.of([z("2026-02-26T07:30:00Z"), z("2026-02-27T07:30:00Z")]) };
    const r = placeWithinQuota(monday, berlin, [{ kind: "MAILBOX", key: "m", limit: 20, windowMs: 24 * HOUR, times: new TimeSet() }, contact]);
    // The first send leaves the 7-day window on Thu 5 March 07:30Z: the Thursday 08:00 Berlin window (07:00Z) is too early, Friday's fits.
    expect(r.placement.at).toEqual(z("2026-03-06T07:00:00Z"));
    expect(r.pushes).toBe(4);
    expect(r.pushReason).toMatch(/recipient ann@x\.example limit \(2 per 7 days\)/);
  });

  it("a limit of 0: placed as planned, the reason says the send path will hold it", () => {
    const r = placeWithinQuota(monday, berlin, [{ kind: "MAILBOX", key: "m", limit: 0, windowMs: 24 * HOUR, times: new TimeSet() }]);
    expect(r.placement).toEqual(monday);
    expect(r.pushReason).toMatch(/limit is 0/);
  });
});

describe("the warm-up cap and the recipient domain in planning (issue 12)", () => {
  const capOfDay = (day: number) => (day >= 3 ? null : [1, 2, 3][day]!);

  it("a cap that grows with the ramp's day: each window is held to the cap of the day it ends on", () => {
    const times = new TimeSet();
    const limitAt = warmupLimitAt(null, () => times.first(), capOfDay);
    const warm: PlanLimit = { kind: "WARMUP", key: "new@a.example", limit: 1, windowMs: 24 * HOUR, times, limitAt };
    const monday = nextWindow(z("2026-03-02T06:00:00Z"), berlin);
    const placed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = placeWithinQuota(monday, berlin, [warm]);
      times.add(r.placement.at);
      placed.push(r.placement.at.toISOString().slice(0, 10));
      if (i === 1) expect(r.pushReason).toMatch(/sender mailbox new@a\.example warm-up limit \(1 per 24 h\) would be exceeded on 2026-03-02/);
    }
    // 1 on day 0, 2 on day 1, 3 on day 2 (the ramp starts with the first planned send).
    expect(placed).toEqual(["2026-03-02", "2026-03-03", "2026-03-03", "2026-03-04", "2026-03-04", "2026-03-04"]);
    // After the ramp there is no cap: the limit function says null.
    expect(limitAt(z("2026-03-05T07:00:00Z").getTime())).toBeNull();
  });

  it("a recipient domain limit pushes the step and is named", () => {
    const monday = nextWindow(z("2026-03-02T06:00:00Z"), berlin);
    const domain: PlanLimit = { kind: "DOMAIN", key: "big.example", limit: 1, windowMs: 24 * HOUR, times: TimeSet.of([monday.at]) };
    const r = placeWithinQuota(monday, berlin, [domain]);
    expect(r.pushes).toBe(1);
    expect(r.pushReason).toMatch(/recipient domain big\.example limit \(1 per 24 h\)/);
    const zero = placeWithinQuota(monday, berlin, [{ ...domain, limit: 0, times: new TimeSet() }]);
    expect(zero.impossible).toBe(true);
  });
});
