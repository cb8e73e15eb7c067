// The campaign send plan (pure): the daily cap spreads a campaign over
// business days, the mailbox, recipient and domain quotas push contacts and
// are never broken, weekends and holidays are skipped, the order is by rank,
// and the same input gives the same plan and fingerprint.
import { describe, expect, it } from "vitest";
import {
  campaignHold,
  campaignInputProblems,
  campaignInputSchema,
  planDays,
  planFingerprint,
  planSends,
  rankReason,
  type PlanContext,
  type PlannedSend,
} from "../../../src/domain/campaign/campaign.js";
import { DEFAULT_QUOTA_SETTINGS, type QuotaSettings } from "../../../src/domain/sending/quota.js";

const recipients = (n: number, domains = n) =>
  Array.from({ length: n }, (_, i) => ({ contactId: `c${String(i).padStart(3, "0")}`, email: `p${i}@d${i % domains}.example` }));

function ctx(over: Partial<PlanContext> = {}, quotas: Partial<QuotaSettings> = {}): PlanContext {
  return {
    startDate: "2027-03-01", // a Monday
    timeZone: "Europe/Berlin",
    skipWeekends: true,
    holidays: [],
    dailyCap: 20,
    quotas: { ...DEFAULT_QUOTA_SETTINGS, mailbox: { limit: 1000, windowHours: 24 }, ...quotas },
    mailboxUsage: [],
    domainUsage: new Map(),
    contactUsage: new Map(),
    ...over,
  };
}

/** Every rolling window over the planned instants plus earlier sends holds at most `limit`. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (const t of sorted) best = Math.max(best, sorted.filter((u) => u > t - windowMs && u <= t).length);
  return best;
}

describe("campaign send plan", () => {
  it("100 contacts at 20/day spread over exactly 5 business days, 20 each, in rank order, 08:00 Berlin", () => {
    const plan = planSends(recipients(100), ctx());
    expect(planDays(plan)).toEqual([
      { day: "2027-03-01", count: 20 },
      { day: "2027-03-02", count: 20 },
      { day: "2027-03-03", count: 20 },
      { day: "2027-03-04", count: 20 },
      { day: "2027-03-05", count: 20 },
    ]);
    // Rank order: the first 20 go on the first day, and days never go backwards down the ranking.
    expect(plan.slice(0, 20).every((p) => p.day === "2027-03-01")).toBe(true);
    for (let i = 1; i < plan.length; i++) expect(plan[i]!.day! >= plan[i - 1]!.day!).toBe(true);
    expect(plan[0]!.at!.toISOString()).toBe("2027-03-01T07:00:00.000Z");
    expect(new Set(plan.map((p) => p.contactId)).size).toBe(100);
  });

  it("skips weekends and the tenant's holidays", () => {
    const plan = planSends(recipients(60), ctx({ startDate: "2027-03-04", holidays: ["2027-03-08"] }));
    expect(planDays(plan).map((d) => d.day)).toEqual(["2027-03-04", "2027-03-05", "2027-03-09"]);
  });

  it("the mailbox quota binds below the daily cap, counting sends already made, and says so", () => {
    const start = Date.parse("2027-03-01T07:00:00Z");
    const plan = planSends(
      recipients(30),
      ctx({ mailboxUsage: [start - 3_600_000, start - 2 * 3_600_000] }, { mailbox: { limit: 10, windowHours: 24 } }),
    );
    const days = planDays(plan);
    // 8 free on day one (2 sent in the last 24 h), then 10 a day.
    expect(days).toEqual([
      { day: "2027-03-01", count: 8 },
      { day: "2027-03-02", count: 10 },
      { day: "2027-03-03", count: 10 },
      { day: "2027-03-04", count: 2 },
    ]);
    expect(plan[8]!.note).toMatch(/sender mailbox limit \(10 per 24 h\)/);
    const all = [start - 3_600_000, start - 2 * 3_600_000, ...plan.map((p) => p.at!.getTime())];
    expect(maxInWindow(all, 24 * 3_600_000)).toBeLessThanOrEqual(10);
  });

  it("counts the e-mail steps sequences planned: on the mailbox (limit − k that day) and per recipient, and says they pushed the send", () => {
    const start = Date.parse("2027-03-01T07:00:00Z");
    const rs = recipients(12);
    const busy = rs[0]!.email;
    const plan = planSends(
      rs,
      ctx(
        { sequenceUsage: { mailbox: [start - 3_600_000, start - 3_600_000, start - 3_600_000], domains: new Map(), contacts: new Map([[busy, [start - 3_600_000]]]) } },
        { mailbox: { limit: 10, windowHours: 24 }, contact: { limit: 1, windowHours: 24 * 7 } },
      ),
    );
    // 10 − 3 on day one, and the recipient with a step an hour before waits out its 7 days.
    expect(planDays(plan)[0]).toEqual({ day: "2027-03-01", count: 7 });
    const mine = plan.find((p) => p.contactId === rs[0]!.contactId)!;
    expect(mine.day).toBe("2027-03-08");
    expect(mine.note).toBe("Pushed by the recipient limit (1 per 168 h). E-mail steps sequences have planned count against it.");
    const pushed = plan.filter((p) => p.day === "2027-03-02");
    expect(pushed.length).toBeGreaterThan(0);
    for (const p of pushed) expect(p.note).toBe("Pushed by the sender mailbox limit (10 per 24 h). E-mail steps sequences have planned count against it.");
    // Sends already made push without that remark.
    const bySends = planSends(rs, ctx({ mailboxUsage: [start - 3_600_000, start - 3_600_000, start - 3_600_000] }, { mailbox: { limit: 10, windowHours: 24 } }));
    expect(bySends.find((p) => p.day === "2027-03-02")!.note).toBe("Pushed by the sender mailbox limit (10 per 24 h).");
  });

  it("never breaks a per-contact limit: a contact at its limit waits until a send leaves the window", () => {
    const start = Date.parse("2027-03-01T07:00:00Z");
    const rs = recipients(100);
    const busy = rs[3]!.email;
    const contactUsage = new Map([[busy, [start - 2 * 86_400_000]]]);
    const plan = planSends(rs, ctx({ contactUsage }, { contact: { limit: 1, windowHours: 24 * 7 } }));
    const p = plan.find((x) => x.contactId === rs[3]!.contactId)!;
    // Sent on Saturday 27 Feb 07:00: with 1 per 7 days the next may go after 6 Mar 07:00, i.e. Monday 8 Mar.
    expect(p.day).toBe("2027-03-08");
    expect(p.note).toMatch(/recipient limit \(1 per 168 h\)/);
    expect(p.at!.getTime() - start + 2 * 86_400_000).toBeGreaterThan(7 * 86_400_000);
    // The others still fill 20 a day over five business days.
    expect(planDays(plan.filter((x) => x !== p))).toEqual([
      { day: "2027-03-01", count: 20 },
      { day: "2027-03-02", count: 20 },
      { day: "2027-03-03", count: 20 },
      { day: "2027-03-04", count: 20 },
      { day: "2027-03-05", count: 19 },
    ]);
    // Each contact is planned once.
    expect(new Set(plan.map((x) => x.contactId)).size).toBe(100);
  });

  it("the recipient-domain quota spreads contacts of one company", () => {
    const plan = planSends(recipients(25, 1), ctx({}, { domain: { limit: 10, windowHours: 24 } }));
    expect(planDays(plan).map((d) => d.count)).toEqual([10, 10, 5]);
    expect(plan[10]!.note).toMatch(/recipient domain limit for d0\.example/);
  });

  it("a quota of 0 places nobody, with the reason", () => {
    const plan = planSends(recipients(2), ctx({}, { mailbox: { limit: 0, windowHours: 24 } }));
    expect(plan.every((p) => p.day === null && p.at === null)).toBe(true);
    expect(plan[0]!.note).toMatch(/sender mailbox limit/);
  });

  it("is deterministic: the same input gives the same plan and fingerprint; a different order does not", () => {
    const a = planSends(recipients(50), ctx());
    const b = planSends(recipients(50), ctx());
    expect(b).toEqual(a);
    expect(planFingerprint(b)).toBe(planFingerprint(a));
    const swapped: PlannedSend[] = planSends([...recipients(50)].reverse(), ctx());
    expect(planFingerprint(swapped)).not.toBe(planFingerprint(a));
  });
});

describe("campaign input, reasons and the send hold", () => {
  it("defaults: 20 a day, 1 per contact per 14 days, the top 100", () => {
    const input = campaignInputSchema.parse({ brief: "Our story" });
    expect(input).toMatchObject({ dailyCap: 20, cadenceDays: 14, size: 100 });
    expect(campaignInputSchema.safeParse({ brief: " " }).success).toBe(false);
    expect(campaignInputSchema.safeParse({ brief: "x", dailyCap: 0 }).success).toBe(false);
    expect(campaignInputSchema.safeParse({ brief: "x", segment: { nope: 1 } }).success).toBe(false);
  });

  it("contradictions and a start in the past are refused with the field", () => {
    const input = { ...campaignInputSchema.parse({ brief: "x", segment: { scoreMin: 80, scoreMax: 20 } }), mailbox: "a@b.example", startDate: "2027-02-30" };
    expect(campaignInputProblems(input, "2027-01-01").map(([p]) => p.join("."))).toEqual(["segment.scoreMin", "startDate"]);
    expect(campaignInputProblems({ ...input, segment: { ...input.segment, scoreMin: 1 }, startDate: "2026-12-31" }, "2027-01-01")[0]![1]).toMatch(/past/);
  });

  it("explains a rank", () => {
    const start = new Date("2027-03-01T00:00:00Z");
    expect(rankReason({ score: 82, grade: "A", replies: 2, lastEngagedAt: new Date("2027-02-19T00:00:00Z"), points: 102 }, 1, start)).toBe(
      "#1: 102 points; score 82 (grade A); 2 replies; last engaged 10 days before the start",
    );
    expect(rankReason({ score: null, grade: null, replies: 0, lastEngagedAt: null, points: 0 }, 7, start)).toBe("#7: 0 points; not scored; no engagement yet");
  });

  it("the send path holds a draft before its planned time and while paused", () => {
    const now = new Date("2027-03-01T06:00:00Z");
    expect(campaignHold(now, new Date("2027-03-01T07:00:00Z"), "ACTIVE")).toEqual({ until: new Date("2027-03-01T07:00:00Z"), reason: expect.stringMatching(/planned send day/) });
    expect(campaignHold(now, new Date("2027-03-01T05:00:00Z"), "ACTIVE")).toBeNull();
    expect(campaignHold(now, new Date("2027-03-01T05:00:00Z"), "PAUSED")?.reason).toMatch(/paused/);
    expect(campaignHold(now, new Date("2027-03-01T05:00:00Z"), "COMPLETED")).toBeNull();
  });
});

describe("campaign send plan: warm-up cap and recipients' zones (issue 12)", () => {
  const warm = { enabled: true, startPerDay: 2, dailyGrowthPercent: 50 };

  it("a new mailbox's warm-up cap (2, 3, 5, … a day from its first send) binds below the daily cap and says so", () => {
    const plan = planSends(recipients(12), ctx({ warmup: { settings: warm, firstSendAt: null } }, { mailbox: { limit: 100, windowHours: 24 } }));
    // Day 0 of the ramp is the first planned send (Mon 08:00 Berlin): caps 2, 3, round(4.5) = 5, then 7 (the rest).
    expect(planDays(plan)).toEqual([
      { day: "2027-03-01", count: 2 },
      { day: "2027-03-02", count: 3 },
      { day: "2027-03-03", count: 5 },
      { day: "2027-03-04", count: 2 },
    ]);
    expect(plan[2]!.note).toMatch(/warm-up cap \(2 per 24 h on 2027-03-01\)/);
  });

  it("the ramp counts from the mailbox's first real send, not from the plan", () => {
    // First send 10 days before the start: cap round(2 × 1.5^10) = 115 ≥ the mailbox quota of 100, so the ramp is over.
    const over = planSends(recipients(12), ctx({ warmup: { settings: warm, firstSendAt: Date.parse("2027-02-19T07:00:00Z") } }, { mailbox: { limit: 100, windowHours: 24 } }));
    expect(planDays(over)).toEqual([{ day: "2027-03-01", count: 12 }]);
    // First send 2 days before: day 2 of the ramp, cap 5 on the first plan day.
    const mid = planSends(recipients(12), ctx({ warmup: { settings: warm, firstSendAt: Date.parse("2027-02-27T06:00:00Z") } }, { mailbox: { limit: 100, windowHours: 24 } }));
    expect(planDays(mid)[0]).toEqual({ day: "2027-03-01", count: 5 });
  });

  it("each recipient's day starts at 08:00 in their own zone, across the DST change (Berlin 28 March, New York 14 March)", () => {
    const rs = [
      { contactId: "berlin", email: "a@b.example", timeZone: "Europe/Berlin" },
      { contactId: "ny", email: "a@n.example", timeZone: "America/New_York" },
      { contactId: "tokyo", email: "a@t.example", timeZone: "Asia/Tokyo" },
      { contactId: "tenant", email: "a@x.example", timeZone: null },
    ];
    const at = (start: string) => Object.fromEntries(planSends(rs, ctx({ startDate: start })).map((p) => [p.contactId, p.at!.toISOString()]));
    // Thu 11 March 2027: everyone on winter time.
    expect(at("2027-03-11")).toEqual({ berlin: "2027-03-11T07:00:00.000Z", ny: "2027-03-11T13:00:00.000Z", tokyo: "2027-03-10T23:00:00.000Z", tenant: "2027-03-11T07:00:00.000Z" });
    // Mon 22 March: New York is on summer time, Berlin not yet.
    expect(at("2027-03-22")).toMatchObject({ berlin: "2027-03-22T07:00:00.000Z", ny: "2027-03-22T12:00:00.000Z" });
    // Mon 29 March: both on summer time; Tokyo has none.
    expect(at("2027-03-29")).toEqual({ berlin: "2027-03-29T06:00:00.000Z", ny: "2027-03-29T12:00:00.000Z", tokyo: "2027-03-28T23:00:00.000Z", tenant: "2027-03-29T06:00:00.000Z" });
  });

  it("zones that put one day's sends out of order still keep every rolling window (the busiest window is checked, not only the one ending at the send)", () => {
    // Mailbox 2 per 24 h; Tokyo's 08:00 comes before Berlin's of the same date. Rank order: Berlin, Berlin, Tokyo.
    const rs = [
      { contactId: "b1", email: "1@b.example", timeZone: "Europe/Berlin" },
      { contactId: "b2", email: "2@b.example", timeZone: "Europe/Berlin" },
      { contactId: "t1", email: "1@t.example", timeZone: "Asia/Tokyo" },
    ];
    const plan = planSends(rs, ctx({}, { mailbox: { limit: 2, windowHours: 24 } }));
    const times = plan.map((p) => p.at!.getTime());
    expect(maxInWindow(times, 24 * 3_600_000)).toBeLessThanOrEqual(2);
    expect(plan[2]!.day).not.toBe("2027-03-01");
  });
});
