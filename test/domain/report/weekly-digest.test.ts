import { describe, expect, it } from "vitest";
import { composeDigest, digestDue, lastFullWeek, weekBefore, type DigestFigures } from "../../../src/domain/report/weekly-digest.js";

const zero: DigestFigures = {
  drafted: 0, approved: 0, sent: 0, replied: 0, positiveReplies: 0, meetings: 0, dealsCreated: 0, won: 0,
  aiApproved: 0, aiRejected: 0, approvalRate: null, topRejectionReason: null, medianReviewHours: null,
  recommendationsAccepted: 0, recommendationsDismissed: 0, agentFailures: 0, deadLetters: 0,
};

describe("the digest's week", () => {
  it("is the last full Monday-to-Monday week in the tenant's zone", () => {
    // Wednesday 9 December 2026, 15:00 UTC.
    const week = lastFullWeek(new Date("2026-12-09T15:00:00Z"), "UTC");
    expect(week.start.toISOString()).toBe("2026-11-30T00:00:00.000Z");
    expect(week.end.toISOString()).toBe("2026-12-07T00:00:00.000Z");
    // In Tokyo (UTC+9) the local Monday starts at 15:00 UTC on Sunday.
    const tokyo = lastFullWeek(new Date("2026-12-09T15:00:00Z"), "Asia/Tokyo");
    expect(tokyo.start.toISOString()).toBe("2026-11-29T15:00:00.000Z");
    expect(tokyo.end.toISOString()).toBe("2026-12-06T15:00:00.000Z");
  });

  it("on a Monday, is the week that just ended (local Monday, not UTC Monday)", () => {
    // Monday 7 December 2026 02:00 UTC is still Sunday evening in New York.
    const ny = lastFullWeek(new Date("2026-12-07T02:00:00Z"), "America/New_York");
    expect(ny.end.toISOString()).toBe("2026-11-30T05:00:00.000Z");
    const utc = lastFullWeek(new Date("2026-12-07T02:00:00Z"), "UTC");
    expect(utc.end.toISOString()).toBe("2026-12-07T00:00:00.000Z");
  });

  it("has 167 or 169 hours across a DST change", () => {
    // Europe/Berlin springs forward on Sunday 29 March 2026 and falls back on Sunday 25 October 2026.
    const spring = lastFullWeek(new Date("2026-04-01T12:00:00Z"), "Europe/Berlin");
    expect((spring.end.getTime() - spring.start.getTime()) / 3_600_000).toBe(167);
    const autumn = lastFullWeek(new Date("2026-10-28T12:00:00Z"), "Europe/Berlin");
    expect((autumn.end.getTime() - autumn.start.getTime()) / 3_600_000).toBe(169);
    expect(weekBefore(autumn, "Europe/Berlin").end.toISOString()).toBe(autumn.start.toISOString());
  });

  it("is due from Monday 07:00 local", () => {
    expect(digestDue(new Date("2026-12-07T06:59:00Z"), "UTC")).toBe(false);
    expect(digestDue(new Date("2026-12-07T07:00:00Z"), "UTC")).toBe(true);
    expect(digestDue(new Date("2026-12-09T01:00:00Z"), "UTC")).toBe(true);
    // 07:00 in Tokyo is Sunday 22:00 UTC.
    expect(digestDue(new Date("2026-12-06T21:59:00Z"), "Asia/Tokyo")).toBe(false);
    expect(digestDue(new Date("2026-12-06T22:00:00Z"), "Asia/Tokyo")).toBe(true);
  });
});

describe("the digest's text", () => {
  const period = lastFullWeek(new Date("2026-12-09T12:00:00Z"), "UTC");
  it("gives the figures with the change on the week before, and what needs attention", () => {
    const text = composeDigest({
      tenantName: "Acme Sales",
      recipientName: "Maya",
      period,
      timeZone: "UTC",
      figures: { ...zero, drafted: 12, approved: 9, sent: 8, replied: 3, positiveReplies: 2, aiApproved: 7, aiRejected: 1, approvalRate: 0.875, topRejectionReason: "too pushy", agentFailures: 2 },
      previous: { ...zero, drafted: 10, sent: 8, positiveReplies: 3 },
    });
    expect(text.subject).toBe("Acme Sales: your week in sales, 30 Nov – 6 Dec");
    expect(text.bodyText).toContain("Hello Maya,");
    expect(text.bodyText).toContain("- Drafts written: 12 (+2 on the week before)");
    expect(text.bodyText).toContain("- Sent: 8 (same as the week before)");
    expect(text.bodyText).toContain("of which positive: 2 (−1 on the week before)");
    expect(text.bodyText).toContain("7 approved, 1 rejected (approval rate 88 %)");
    expect(text.bodyText).toContain('Most common rejection reason: "too pushy"');
    expect(text.bodyText).toContain("2 agent run(s) failed");
    expect(text.bodyText).not.toContain("- Nothing.");
  });

  it("says so when nothing needs attention", () => {
    const text = composeDigest({ tenantName: "Acme", recipientName: "Maya", period, timeZone: "UTC", figures: zero, previous: zero });
    expect(text.bodyText).toContain("Needs attention\n- Nothing.");
    expect(text.bodyText).toContain("approval rate —");
  });
});
