// The outcome report's pure rules: which periods can be answered, the funnel's
// conversion math and the reason key.
import { describe, expect, it } from "vitest";
import { checkReportPeriod, FUNNEL_STEPS, funnelRows, rate, reasonKey } from "../../../src/domain/report/outcome-report.js";

const d = (s: string) => new Date(s);

describe("checkReportPeriod", () => {
  it("accepts a period in a real zone", () => {
    expect(checkReportPeriod({ from: d("2026-03-01T00:00:00Z"), to: d("2026-04-01T00:00:00Z"), groupBy: "DAY", timeZone: "Europe/Berlin" })).toBeNull();
  });
  it("refuses an empty or reversed period", () => {
    expect(checkReportPeriod({ from: d("2026-03-01T00:00:00Z"), to: d("2026-03-01T00:00:00Z"), groupBy: "DAY", timeZone: "UTC" })?.field).toBe("to");
    expect(checkReportPeriod({ from: d("2026-03-02T00:00:00Z"), to: d("2026-03-01T00:00:00Z"), groupBy: "DAY", timeZone: "UTC" })?.field).toBe("to");
  });
  it("refuses an unknown zone", () => {
    expect(checkReportPeriod({ from: d("2026-03-01T00:00:00Z"), to: d("2026-03-02T00:00:00Z"), groupBy: "DAY", timeZone: "Mars/Olympus" })?.field).toBe("timeZone");
  });
  it("caps the number of buckets: 365 days by DAY, 156 weeks by WEEK", () => {
    const from = d("2025-01-01T00:00:00Z");
    const days = (n: number) => new Date(from.getTime() + n * 86_400_000);
    expect(checkReportPeriod({ from, to: days(365), groupBy: "DAY", timeZone: "UTC" })).toBeNull();
    expect(checkReportPeriod({ from, to: days(366), groupBy: "DAY", timeZone: "UTC" })?.field).toBe("to");
    expect(checkReportPeriod({ from, to: days(156 * 7), groupBy: "WEEK", timeZone: "UTC" })).toBeNull();
    expect(checkReportPeriod({ from, to: days(156 * 7 + 1), groupBy: "WEEK", timeZone: "UTC" })?.field).toBe("to");
  });
  it("refuses invalid dates", () => {
    expect(checkReportPeriod({ from: d("nope"), to: d("2026-03-02T00:00:00Z"), groupBy: "DAY", timeZone: "UTC" })).not.toBeNull();
  });
});

describe("funnelRows", () => {
  it("lists every step in order, with conversion from the previous step and from drafted", () => {
    const rows = funnelRows([
      { step: "DRAFTED", count: 8, medianSecondsFromPrevious: 123 },
      { step: "APPROVED", count: 3, medianSecondsFromPrevious: 7200 },
      { step: "SENT", count: 3, medianSecondsFromPrevious: 5400 },
      { step: "DELIVERED", count: 2, medianSecondsFromPrevious: 0 },
    ]);
    expect(rows.map((r) => r.step)).toEqual([...FUNNEL_STEPS]);
    expect(rows[0]).toEqual({ step: "DRAFTED", count: 8, conversion: null, ofDrafted: 1, medianSecondsFromPrevious: null, medianHoursFromPrevious: null });
    expect(rows[1]).toMatchObject({ count: 3, conversion: 0.375, ofDrafted: 0.375, medianHoursFromPrevious: 2 });
    expect(rows[2]).toMatchObject({ conversion: 1, medianHoursFromPrevious: 1.5 });
    expect(rows[3]).toMatchObject({ conversion: 0.6667, ofDrafted: 0.25, medianHoursFromPrevious: 0 });
    // Steps nobody reached: 0, and no conversion once the previous step is 0.
    expect(rows[4]).toMatchObject({ count: 0, conversion: 0, medianHoursFromPrevious: null });
    expect(rows[5]).toMatchObject({ count: 0, conversion: null });
  });
  it("has no rates when nothing was drafted", () => {
    expect(funnelRows([]).every((r) => r.count === 0 && r.conversion === null && r.ofDrafted === null)).toBe(true);
  });
});

describe("rate and reasonKey", () => {
  it("rounds to 4 decimals and is null over 0", () => {
    expect(rate(1, 3)).toBe(0.3333);
    expect(rate(2, 3)).toBe(0.6667);
    expect(rate(0, 0)).toBeNull();
  });
  it("groups reasons case- and space-insensitively", () => {
    expect(reasonKey("  Too   PUSHY ")).toBe("too pushy");
    expect(reasonKey("")).toBe("(no reason given)");
    expect(reasonKey(null)).toBe("(no reason given)");
  });
});
