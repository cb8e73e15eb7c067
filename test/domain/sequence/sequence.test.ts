// Sequence timing and rules: send windows in the recipient's zone, business
// days over weekends and holidays, DST changes (spring forward and fall back,
// on both sides of the Atlantic), zones with odd offsets and across the date
// line, the send path's hold, enrolment refusals and inbound effects.
import { describe, expect, it } from "vitest";
import {
  afterDelay,
  enrollmentRefusal,
  inboundEffect,
  insideWindow,
  localInstant,
  nextWindow,
  parseClock,
  formatClock,
  placeStep,
  prepareAt,
  recipientTimeZone,
  sendHold,
  sequenceHold,
  stepProblems,
  type EnrollmentCandidate,
  type SendWindow,
} from "../../../src/domain/sequence/sequence.js";

const z = (iso: string) => new Date(iso);
const win = (timeZone: string, extra: Partial<SendWindow> = {}): SendWindow => ({ timeZone, start: 8 * 60, end: 11 * 60, skipWeekends: true, holidays: [], ...extra });

describe("nextWindow: the first moment in the recipient's window", () => {
  const berlin = win("Europe/Berlin");

  it("before the window opens: its start (Berlin winter, UTC+1)", () => {
    // Mon 2 Mar 2026 06:00 UTC = 07:00 local
    const p = nextWindow(z("2026-03-02T06:00:00Z"), berlin);
    expect(p.at.toISOString()).toBe("2026-03-02T07:00:00.000Z");
    expect(p.windowEnd.toISOString()).toBe("2026-03-02T10:00:00.000Z");
  });

  it("inside the window: the moment itself", () => {
    const p = nextWindow(z("2026-03-02T08:17:00Z"), berlin);
    expect(p.at.toISOString()).toBe("2026-03-02T08:17:00.000Z");
    expect(insideWindow(z("2026-03-02T08:17:00Z"), berlin)).toBe(true);
  });

  it("at the window's end (exclusive) or later: the next day's start", () => {
    expect(nextWindow(z("2026-03-02T10:00:00Z"), berlin).at.toISOString()).toBe("2026-03-03T07:00:00.000Z");
    expect(insideWindow(z("2026-03-02T10:00:00Z"), berlin)).toBe(false);
    expect(nextWindow(z("2026-03-02T22:30:00Z"), berlin).at.toISOString()).toBe("2026-03-03T07:00:00.000Z");
  });

  it("late on Friday: Monday's window when weekends are skipped, Saturday's when not", () => {
    // Fri 6 Mar 2026 15:00 local
    expect(nextWindow(z("2026-03-06T14:00:00Z"), berlin).at.toISOString()).toBe("2026-03-09T07:00:00.000Z");
    expect(nextWindow(z("2026-03-06T14:00:00Z"), { ...berlin, skipWeekends: false }).at.toISOString()).toBe("2026-03-07T07:00:00.000Z");
  });

  it("skips the tenant's holidays (local dates)", () => {
    const p = nextWindow(z("2026-12-24T12:00:00Z"), { ...berlin, holidays: ["2026-12-25", "2026-12-28"] });
    // Thu 24 Dec after the window; Fri 25 holiday; weekend; Mon 28 holiday → Tue 29 Dec 08:00 CET
    expect(p.at.toISOString()).toBe("2026-12-29T07:00:00.000Z");
  });

  it("the recipient's date, not UTC's: Tokyo's Monday morning is Sunday night in UTC", () => {
    // Sun 8 Mar 2026 22:00 UTC = Mon 9 Mar 07:00 JST → 08:00 JST = 23:00 UTC Sunday
    const p = nextWindow(z("2026-03-08T22:00:00Z"), win("Asia/Tokyo"));
    expect(p.at.toISOString()).toBe("2026-03-08T23:00:00.000Z");
  });

  it("half-hour offsets (Kolkata, UTC+5:30)", () => {
    const p = nextWindow(z("2026-03-02T00:00:00Z"), win("Asia/Kolkata"));
    expect(p.at.toISOString()).toBe("2026-03-02T02:30:00.000Z");
  });

  it("across the date line (Auckland in summer, UTC+13)", () => {
    // Mon 5 Jan 2026 18:00 UTC = Tue 6 Jan 07:00 NZDT
    const p = nextWindow(z("2026-01-05T18:00:00Z"), win("Pacific/Auckland"));
    expect(p.at.toISOString()).toBe("2026-01-05T19:00:00.000Z");
  });

  it("one moment, two recipients: each gets their own morning", () => {
    const from = z("2026-06-01T12:00:00Z"); // Mon
    expect(nextWindow(from, win("America/Los_Angeles")).at.toISOString()).toBe("2026-06-01T15:00:00.000Z");
    expect(nextWindow(from, win("Europe/London")).at.toISOString()).toBe("2026-06-02T07:00:00.000Z");
  });

  it("throws when no day within a year may be used", () => {
    const holidays: string[] = [];
    for (let i = 0; i < 420; i++) holidays.push(new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
    expect(() => nextWindow(z("2026-01-01T00:00:00Z"), { ...berlin, holidays })).toThrow(/no send window/);
  });
});

describe("DST", () => {
  it("New York spring forward (8 Mar 2026): the window stays 08:00 local, UTC moves an hour", () => {
    const ny = win("America/New_York");
    expect(nextWindow(z("2026-03-06T05:00:00Z"), ny).at.toISOString()).toBe("2026-03-06T13:00:00.000Z"); // Fri, EST
    expect(nextWindow(z("2026-03-06T17:00:00Z"), ny).at.toISOString()).toBe("2026-03-09T12:00:00.000Z"); // Mon, EDT
  });

  it("a business day keeps the local time of day across the change", () => {
    const ny = win("America/New_York");
    // Fri 6 Mar 09:30 EST + 1 business day = Mon 9 Mar 09:30 EDT
    expect(afterDelay(z("2026-03-06T14:30:00Z"), { amount: 1, unit: "BUSINESS_DAYS" }, ny).toISOString()).toBe("2026-03-09T13:30:00.000Z");
    const p = placeStep(z("2026-03-06T14:30:00Z"), { amount: 1, unit: "BUSINESS_DAYS" }, ny);
    expect(p.at.toISOString()).toBe("2026-03-09T13:30:00.000Z");
    expect(p.windowEnd.toISOString()).toBe("2026-03-09T15:00:00.000Z");
  });

  it("Berlin fall back (25 Oct 2026): Friday 09:00 CEST + 1 business day = Monday 09:00 CET", () => {
    const berlin = win("Europe/Berlin");
    expect(afterDelay(z("2026-10-23T07:00:00Z"), { amount: 1, unit: "BUSINESS_DAYS" }, berlin).toISOString()).toBe("2026-10-26T08:00:00.000Z");
  });

  it("hours are elapsed hours: 24 h across the spring forward is 21:00 local, so the next window", () => {
    const ny = win("America/New_York");
    // Sat 7 Mar 20:00 EST = 8 Mar 01:00Z; +24h = 9 Mar 01:00Z = Sun 8 Mar 21:00 EDT → Mon 9 Mar 08:00 EDT
    expect(afterDelay(z("2026-03-08T01:00:00Z"), { amount: 24, unit: "HOURS" }, ny).toISOString()).toBe("2026-03-09T01:00:00.000Z");
    expect(placeStep(z("2026-03-08T01:00:00Z"), { amount: 24, unit: "HOURS" }, ny).at.toISOString()).toBe("2026-03-09T12:00:00.000Z");
  });

  it("a window that opens inside the skipped hour opens when the clock lands (02:30 → 03:00 EDT)", () => {
    const w = win("America/New_York", { start: 2 * 60 + 30, end: 4 * 60, skipWeekends: false });
    const p = nextWindow(z("2026-03-08T05:00:00Z"), w); // 00:00 EST
    expect(p.at.toISOString()).toBe("2026-03-08T07:00:00.000Z"); // 03:00 EDT
    expect(p.windowEnd.toISOString()).toBe("2026-03-08T08:00:00.000Z"); // 04:00 EDT
    expect(localInstant({ year: 2026, month: 3, day: 8 }, 150, "America/New_York")).toBe(Date.parse("2026-03-08T07:00:00Z"));
  });

  it("an ambiguous time (fall back) is its first occurrence", () => {
    // 1 Nov 2026, 01:30 happens twice in New York: first at EDT (05:30Z)
    expect(localInstant({ year: 2026, month: 11, day: 1 }, 90, "America/New_York")).toBe(Date.parse("2026-11-01T05:30:00Z"));
  });

  it("Sydney (southern hemisphere) leaves DST on 5 Apr 2026: the window follows", () => {
    const syd = win("Australia/Sydney");
    // Fri 3 Apr 08:00 AEDT = 2 Apr 21:00Z; Mon 6 Apr 08:00 AEST = 5 Apr 22:00Z
    expect(nextWindow(z("2026-04-02T20:00:00Z"), syd).at.toISOString()).toBe("2026-04-02T21:00:00.000Z");
    expect(afterDelay(z("2026-04-02T21:00:00Z"), { amount: 1, unit: "BUSINESS_DAYS" }, syd).toISOString()).toBe("2026-04-05T22:00:00.000Z");
  });
});

describe("business days", () => {
  const berlin = win("Europe/Berlin");
  it("skip weekends and holidays; zero is the base itself", () => {
    const wed = z("2026-12-23T08:00:00Z"); // Wed 23 Dec 09:00 CET
    expect(afterDelay(wed, { amount: 0, unit: "BUSINESS_DAYS" }, berlin)).toEqual(wed);
    expect(afterDelay(wed, { amount: 2, unit: "BUSINESS_DAYS" }, { ...berlin, holidays: ["2026-12-24", "2026-12-25"] }).toISOString()).toBe("2026-12-29T08:00:00.000Z");
    expect(afterDelay(wed, { amount: 3, unit: "BUSINESS_DAYS" }, { ...berlin, skipWeekends: false }).toISOString()).toBe("2026-12-26T08:00:00.000Z");
  });

  it("a three-step cadence from a Thursday afternoon enrolment", () => {
    const enrolled = z("2026-03-05T15:00:00Z"); // Thu 16:00 CET
    const one = placeStep(enrolled, { amount: 0, unit: "BUSINESS_DAYS" }, berlin);
    expect(one.at.toISOString()).toBe("2026-03-06T07:00:00.000Z"); // Fri 08:00
    const two = placeStep(one.at, { amount: 2, unit: "BUSINESS_DAYS" }, berlin);
    expect(two.at.toISOString()).toBe("2026-03-10T07:00:00.000Z"); // Tue 08:00
    const three = placeStep(two.at, { amount: 3, unit: "HOURS" }, berlin);
    expect(three.at.toISOString()).toBe("2026-03-11T07:00:00.000Z"); // 11:00 is the end: next morning
  });
});

describe("preparing and holding", () => {
  const berlin = win("Europe/Berlin");
  it("prepares lead hours ahead, never in the past", () => {
    expect(prepareAt(z("2026-03-06T07:00:00Z"), 12, z("2026-03-05T10:00:00Z")).toISOString()).toBe("2026-03-05T19:00:00.000Z");
    expect(prepareAt(z("2026-03-06T07:00:00Z"), 12, z("2026-03-05T22:00:00Z")).toISOString()).toBe("2026-03-05T22:00:00.000Z");
  });

  it("the send path holds an approved draft until its step's window, then lets it go", () => {
    const notBefore = z("2026-03-06T07:00:00Z");
    expect(sendHold(z("2026-03-05T16:00:00Z"), notBefore, berlin)?.toISOString()).toBe("2026-03-06T07:00:00.000Z");
    expect(sendHold(z("2026-03-06T08:00:00Z"), notBefore, berlin)).toBeNull();
    // approved after the window closed: the next window (Monday), never the same evening
    expect(sendHold(z("2026-03-06T18:00:00Z"), notBefore, berlin)?.toISOString()).toBe("2026-03-09T07:00:00.000Z");
  });

  it("the hold says why, with the recipient's zone (sequenceHold)", () => {
    const notBefore = z("2026-03-06T07:00:00Z");
    expect(sequenceHold(z("2026-03-05T16:00:00Z"), notBefore, berlin)).toEqual({ until: z("2026-03-06T07:00:00Z"), reason: "Waiting for the recipient's send window (Europe/Berlin)." });
    expect(sequenceHold(z("2026-03-06T08:00:00Z"), notBefore, berlin)).toBeNull();
  });
});

describe("time zone of the recipient", () => {
  it("contact's own, else the company's country, else the tenant's", () => {
    expect(recipientTimeZone({ contactTimeZone: "Asia/Tokyo", country: "DE", tenantTimeZone: "UTC" })).toEqual({ timeZone: "Asia/Tokyo", source: "CONTACT" });
    expect(recipientTimeZone({ contactTimeZone: "Not/AZone", country: "de", tenantTimeZone: "UTC" })).toEqual({ timeZone: "Europe/Berlin", source: "INFERRED" });
    expect(recipientTimeZone({ contactTimeZone: null, country: "US", tenantTimeZone: "America/Chicago" })).toEqual({ timeZone: "America/Chicago", source: "TENANT" });
    expect(recipientTimeZone({ tenantTimeZone: "bogus" })).toEqual({ timeZone: "UTC", source: "TENANT" });
  });
});

describe("enrolment refusals", () => {
  const fine: EnrollmentCandidate = { exists: true, email: "a@x.example", doNotContact: false, suppressed: false, alreadyEnrolled: false, disqualified: false };
  it("each reason, and the first that applies", () => {
    expect(enrollmentRefusal(fine)).toBeNull();
    expect(enrollmentRefusal({ ...fine, exists: false })).toBe("NOT_FOUND");
    expect(enrollmentRefusal({ ...fine, email: null })).toBe("NO_EMAIL");
    expect(enrollmentRefusal({ ...fine, doNotContact: true })).toBe("DO_NOT_CONTACT");
    expect(enrollmentRefusal({ ...fine, suppressed: true })).toBe("SUPPRESSED");
    expect(enrollmentRefusal({ ...fine, alreadyEnrolled: true })).toBe("ALREADY_ENROLLED");
    expect(enrollmentRefusal({ ...fine, disqualified: true })).toBe("DISQUALIFIED");
    expect(enrollmentRefusal({ ...fine, doNotContact: true, suppressed: true, disqualified: true })).toBe("DO_NOT_CONTACT");
  });
});

describe("inbound effects", () => {
  const now = z("2026-03-02T12:00:00Z");
  const human = { intent: "QUESTION", automated: false, ruleKind: null, returnDate: null };
  it("a soft bounce leaves the cadence alone until repeated soft bounces call for a pause (issue 12)", () => {
    expect(inboundEffect({ ...human, automated: true, ruleKind: "BOUNCE", intent: "BOUNCE", bounce: "SOFT" }, "UTC", now)).toBeNull();
    const pause = { until: z("2026-03-09T12:00:00Z"), detail: "3 soft bounces" };
    expect(inboundEffect({ ...human, automated: true, intent: "BOUNCE", bounce: "SOFT", softBouncePause: pause }, "UTC", now)).toEqual({ kind: "PAUSE", ...pause });
    expect(inboundEffect({ ...human, automated: true, intent: "BOUNCE", bounce: "HARD" }, "UTC", now)).toMatchObject({ kind: "EXIT", reason: "BOUNCED" });
  });
  it("complaint, bounce, unsubscribe and not-interested exit at once", () => {
    expect(inboundEffect({ ...human, automated: true, ruleKind: "COMPLAINT", intent: null }, "UTC", now)).toMatchObject({ kind: "EXIT", reason: "COMPLAINED" });
    expect(inboundEffect({ ...human, automated: true, intent: "BOUNCE" }, "UTC", now)).toMatchObject({ kind: "EXIT", reason: "BOUNCED" });
    expect(inboundEffect({ ...human, ruleKind: "UNSUBSCRIBE" }, "UTC", now)).toMatchObject({ kind: "EXIT", reason: "UNSUBSCRIBED" });
    expect(inboundEffect({ ...human, intent: "NOT_INTERESTED" }, "UTC", now)).toMatchObject({ kind: "EXIT", reason: "NOT_INTERESTED" });
  });

  it("a human reply of any other intent exits; other automated mail changes nothing", () => {
    for (const intent of ["INTERESTED", "QUESTION", "REFERRAL", "OTHER"]) {
      const e = inboundEffect({ ...human, intent }, "UTC", now);
      expect(e).toMatchObject({ kind: "EXIT", reason: "REPLIED" });
      expect(e).not.toHaveProperty("branch");
    }
    expect(inboundEffect({ ...human, intent: "OTHER", automated: true }, "UTC", now)).toBeNull();
  });

  it("a meeting request and an objection exit with a branch: the reply draft to write instead of the next step", () => {
    expect(inboundEffect({ ...human, intent: "MEETING_REQUEST" }, "UTC", now)).toMatchObject({ kind: "EXIT", reason: "MEETING_REQUESTED", branch: "MEETING_SLOT_REPLY" });
    expect(inboundEffect({ ...human, intent: "OBJECTION" }, "UTC", now)).toMatchObject({ kind: "EXIT", reason: "OBJECTION", branch: "OBJECTION_REPLY" });
    // Not interested: no branch, no more mail.
    expect(inboundEffect({ ...human, intent: "NOT_INTERESTED" }, "UTC", now)).not.toHaveProperty("branch");
    // A machine's "meeting request" (an automated message) branches nothing.
    expect(inboundEffect({ ...human, intent: "MEETING_REQUEST", automated: true }, "UTC", now)).toBeNull();
  });

  it("out of office pauses until the start of the return date in the recipient's zone", () => {
    const e = inboundEffect({ ...human, intent: "OUT_OF_OFFICE", automated: true, ruleKind: "AUTO_REPLY", returnDate: "2026-03-16" }, "America/New_York", now);
    expect(e).toEqual({ kind: "PAUSE", until: z("2026-03-16T04:00:00Z"), detail: "Out of office until 2026-03-16." });
    const none = inboundEffect({ ...human, intent: "OUT_OF_OFFICE", returnDate: null }, "UTC", now);
    expect(none).toMatchObject({ kind: "PAUSE", until: z("2026-03-09T12:00:00Z") });
    expect(inboundEffect({ ...human, intent: "OUT_OF_OFFICE", returnDate: "2026-03-01" }, "UTC", now)).toBeNull();
  });
});

describe("step definitions", () => {
  const email = { kind: "EMAIL" as const, delay: { amount: 0, unit: "BUSINESS_DAYS" as const }, windowStart: 480, windowEnd: 660, brief: "Introduce us" };
  it("accepts a sound cadence and names each problem", () => {
    expect(stepProblems([email, { ...email, kind: "WAIT", brief: null }, { ...email, kind: "TASK", taskTitle: "Call" }])).toEqual([]);
    expect(stepProblems([]).map((p) => p[1])).toContain("must have at least one step");
    expect(stepProblems([{ ...email, brief: " " }])).toEqual([[["0", "brief"], "an e-mail step needs a brief for the draft writer"]]);
    expect(stepProblems([{ ...email, kind: "TASK", taskTitle: null }])[0]![0]).toEqual(["0", "taskTitle"]);
    expect(stepProblems([{ ...email, windowStart: 660, windowEnd: 480 }])[0]![0]).toEqual(["0", "windowStart"]);
    expect(stepProblems([{ ...email, delay: { amount: -1, unit: "HOURS" } }])[0]![0]).toEqual(["0", "delay"]);
    expect(stepProblems([{ ...email, delay: { amount: 121, unit: "BUSINESS_DAYS" } }])[0]![0]).toEqual(["0", "delay"]);
    expect(stepProblems([{ ...email, kind: "WAIT" }]).map((p) => p[1])).toContain("must have at least one e-mail or task step");
    expect(stepProblems(Array.from({ length: 21 }, () => email)).map((p) => p[1])).toContain("must have at most 20 steps");
  });

  it("clock strings", () => {
    expect(parseClock("08:00")).toBe(480);
    expect(parseClock("24:00")).toBe(1440);
    expect(parseClock("8:00")).toBeNull();
    expect(parseClock("25:00")).toBeNull();
    expect(formatClock(660)).toBe("11:00");
  });
});
