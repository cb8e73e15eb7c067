// The guardrails' rules: rates, the thresholds (strictly above, with the
// minimum of sends), complaint bursts, the warm-up ramp and the settings'
// validation.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_DELIVERABILITY_SETTINGS as D,
  deliverabilitySettingsSchema,
  deliverabilitySignalKind,
  pauseVerdict,
  recipientSoftBouncePause,
  ratesOf,
  sendingDomainOf,
  warmupCap,
  warmupDay,
  warmupDays,
  type WindowCounts,
} from "../../../src/domain/sending/deliverability.js";
import { tenantSettingsSchema } from "../../../src/domain/tenant/tenant.js";

const w = (sends: number, hardBounces: number, complaints = 0, windowHours = 24): WindowCounts => ({ windowHours, sends, hardBounces, softBounces: 0, complaints });

describe("defaults", () => {
  it("are in the range peers use and part of the tenant settings", () => {
    expect(D).toMatchObject({
      autoPause: true,
      windowsHours: [24, 168],
      hardBounce: { maxRatePercent: 3, minSends: 20 },
      complaint: { maxRatePercent: 0.1, minSends: 100, burstCount: 2, burstWindowHours: 24 },
      warmup: { enabled: false, startPerDay: 20, dailyGrowthPercent: 20 },
      enforceDmarc: "AUTO",
      dkimSelectors: ["google"],
      spfIncludes: [],
    });
    expect(tenantSettingsSchema.parse({}).deliverability).toEqual(D);
    // A partial section keeps the other defaults.
    expect(tenantSettingsSchema.parse({ deliverability: { hardBounce: { minSends: 5 } } }).deliverability.hardBounce).toEqual({ maxRatePercent: 3, minSends: 5 });
  });

  it("refuses bad values with the field named", () => {
    for (const bad of [
      { hardBounce: { maxRatePercent: 101 } },
      { hardBounce: { minSends: 0 } },
      { complaint: { burstCount: 0 } },
      { windowsHours: [] },
      { windowsHours: [0] },
      { warmup: { startPerDay: 0 } },
      { enforceDmarc: "SOMETIMES" },
      { dkimSelectors: ["bad selector"] },
      { spfIncludes: ["not a host!"] },
      { unknownKey: true },
    ]) {
      const r = deliverabilitySettingsSchema.safeParse(bad);
      expect(r.success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("rates and thresholds", () => {
  it("computes percent of sends, null without sends", () => {
    expect(ratesOf(w(200, 6, 1))).toMatchObject({ hardBounceRatePercent: 3, complaintRatePercent: 0.5 });
    expect(ratesOf(w(0, 2))).toMatchObject({ hardBounceRatePercent: null, complaintRatePercent: null });
  });

  it("hard bounces trip strictly above 3% and only with at least minSends", () => {
    // 3 of 100 = 3%: not above.
    expect(pauseVerdict(D, [w(100, 3)], 0, "m")).toBeNull();
    // 4 of 100 = 4%.
    const v = pauseVerdict(D, [w(100, 4)], 0, "the mailbox a@x.example");
    expect(v).toMatchObject({ code: "HARD_BOUNCE_RATE", windowHours: 24 });
    expect(v!.reason).toBe("Hard bounce rate 4.0% (4 of 100 sends) from the mailbox a@x.example in the last 24 h is above the tenant's 3% threshold.");
    // 5 of 19: a high rate but below the minimum of sends.
    expect(pauseVerdict(D, [w(19, 5)], 0, "m")).toBeNull();
    // The boundary: exactly minSends counts.
    expect(pauseVerdict(D, [w(20, 1)], 0, "m")?.code).toBe("HARD_BOUNCE_RATE");
  });

  it("a longer window can trip when the short one has too few sends", () => {
    const v = pauseVerdict(D, [w(5, 1, 0, 24), w(60, 3, 0, 168)], 0, "m");
    expect(v).toMatchObject({ code: "HARD_BOUNCE_RATE", windowHours: 168 });
    expect(v!.reason).toContain("in the last 7 days");
  });

  it("complaints: a burst trips at the count whatever the volume; the rate needs minSends", () => {
    expect(pauseVerdict(D, [w(3, 0, 1)], 1, "m")).toBeNull();
    const burst = pauseVerdict(D, [w(3, 0, 2)], 2, "m");
    expect(burst).toMatchObject({ code: "COMPLAINT_BURST", windowHours: 24 });
    expect(burst!.reason).toContain("2 spam complaints");
    // 1 of 1000 = 0.1%: not above; 2 of 1000 would be a burst, so use a burst count of 5 to see the rate rule.
    const s = { ...D, complaint: { ...D.complaint, burstCount: 5 } };
    expect(pauseVerdict(s, [w(1000, 0, 1)], 1, "m")).toBeNull();
    expect(pauseVerdict(s, [w(1000, 0, 2)], 2, "m")?.code).toBe("COMPLAINT_RATE");
    expect(pauseVerdict(s, [w(99, 0, 2)], 2, "m")).toBeNull();
  });

  it("complaints are judged before bounces", () => {
    expect(pauseVerdict(D, [w(100, 10, 2)], 2, "m")?.code).toBe("COMPLAINT_BURST");
  });

  it("the tenant's own thresholds apply", () => {
    const strict = deliverabilitySettingsSchema.parse({ hardBounce: { maxRatePercent: 1, minSends: 10 } });
    expect(pauseVerdict(strict, [w(100, 1)], 0, "m")).toBeNull();
    expect(pauseVerdict(strict, [w(100, 2)], 0, "m")?.reason).toContain("above the tenant's 1% threshold");
  });
});

describe("signals from inbound analysis", () => {
  it("maps the certain rules to signal kinds", () => {
    expect(deliverabilitySignalKind({ ruleKind: "BOUNCE", intent: "BOUNCE", feedbackType: null, bounce: { hard: true } })).toBe("HARD_BOUNCE");
    expect(deliverabilitySignalKind({ ruleKind: "BOUNCE", intent: "BOUNCE", feedbackType: null, bounce: { hard: false } })).toBe("SOFT_BOUNCE");
    expect(deliverabilitySignalKind({ ruleKind: "COMPLAINT", intent: "OTHER", feedbackType: "abuse", bounce: null })).toBe("COMPLAINT");
    expect(deliverabilitySignalKind({ ruleKind: "COMPLAINT", intent: "OTHER", feedbackType: null, bounce: null })).toBe("COMPLAINT");
    expect(deliverabilitySignalKind({ ruleKind: "COMPLAINT", intent: "OTHER", feedbackType: "not-spam", bounce: null })).toBeNull();
    expect(deliverabilitySignalKind({ ruleKind: "COMPLAINT", intent: "OTHER", feedbackType: "auth-failure", bounce: null })).toBeNull();
    expect(deliverabilitySignalKind({ ruleKind: "UNSUBSCRIBE", intent: "UNSUBSCRIBE", feedbackType: null, bounce: null })).toBeNull();
    expect(sendingDomainOf(" Sales@Acme.Example ")).toBe("acme.example");
  });
});

describe("warm-up ramp", () => {
  const on = { enabled: true, startPerDay: 20, dailyGrowthPercent: 20 };
  it("grows 20% a day from 20, compounded and rounded, up to the normal quota", () => {
    const caps = Array.from({ length: 14 }, (_, day) => warmupCap(on, 200, day));
    expect(caps).toEqual([20, 24, 29, 35, 41, 50, 60, 72, 86, 103, 124, 149, 178, null]);
    expect(warmupDays(on, 200)).toBe(13);
    // Off, or a normal quota at or below the start: no ramp.
    expect(warmupCap({ ...on, enabled: false }, 200, 0)).toBeNull();
    expect(warmupCap(on, 20, 0)).toBeNull();
  });
  it("counts days from the first send", () => {
    const first = new Date("2026-12-01T10:00:00Z");
    expect(warmupDay(null, new Date())).toBe(0);
    expect(warmupDay(first, new Date("2026-12-02T09:59:59Z"))).toBe(0);
    expect(warmupDay(first, new Date("2026-12-02T10:00:00Z"))).toBe(1);
    expect(warmupDay(first, new Date("2026-12-08T10:00:00Z"))).toBe(7);
  });
});

describe("soft bounces (issue 12)", () => {
  const soft = (sends: number, softBounces: number) => ({ windowHours: 24, sends, hardBounces: 0, softBounces, complaints: 0 });
  it("pause a mailbox strictly above the soft-bounce rate (10%) with at least minSends", () => {
    expect(pauseVerdict(D, [soft(100, 10)], 0, "m")).toBeNull();
    const v = pauseVerdict(D, [soft(100, 11)], 0, "the mailbox a@x.example");
    expect(v).toMatchObject({ code: "SOFT_BOUNCE_RATE", windowHours: 24 });
    expect(v!.reason).toBe("Soft bounce rate 11.0% (11 of 100 sends) from the mailbox a@x.example in the last 24 h is above the tenant's 10% threshold.");
    expect(pauseVerdict(D, [soft(19, 10)], 0, "m")).toBeNull();
  });
  it("a recipient's repeated soft bounces pause at the tenant's count", () => {
    const now = new Date("2026-03-02T12:00:00Z");
    expect(recipientSoftBouncePause(D, 2, now)).toBeNull();
    expect(recipientSoftBouncePause(D, 3, now)).toEqual({
      until: new Date("2026-03-09T12:00:00Z"),
      detail: "3 soft bounces to this address in the last 7 days (the tenant pauses at 3): paused for 7 days.",
    });
  });
});
