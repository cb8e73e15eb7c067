// Quota math: what remains, which limit binds and when it frees up.
import { describe, expect, it } from "vitest";
import { DEFAULT_QUOTA_SETTINGS, describeBinding, evaluateQuota, quotaRules, quotaSettingsSchema } from "../../../src/domain/sending/quota.js";

const now = new Date("2026-03-10T12:00:00.000Z");
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const rules = quotaRules(DEFAULT_QUOTA_SETTINGS, { mailbox: "Sales@Acme.example", recipient: "Ana@Client.example" });

describe("quota rules", () => {
  it("defaults: 20 per mailbox per 24 h, 2 per contact per 7 days, 10 per recipient domain per 24 h", () => {
    expect(rules.map((r) => [r.kind, r.key, r.limit, r.windowMs / 3_600_000])).toEqual([
      ["MAILBOX", "sales@acme.example", 20, 24],
      ["CONTACT", "ana@client.example", 2, 168],
      ["DOMAIN", "client.example", 10, 24],
    ]);
  });

  it("are tenant-configurable", () => {
    const custom = quotaSettingsSchema.parse({ mailbox: { limit: 50 }, contact: { limit: 1, windowHours: 72 } });
    expect(custom).toEqual({ mailbox: { limit: 50, windowHours: 24 }, contact: { limit: 1, windowHours: 72 }, domain: { limit: 10, windowHours: 24 } });
  });
});

describe("evaluateQuota", () => {
  it("allows with nothing sent and reports every remaining count", () => {
    const status = evaluateQuota(rules, { MAILBOX: [], CONTACT: [], DOMAIN: [] }, now);
    expect(status.allowed).toBe(true);
    expect(status.binding).toBeNull();
    expect(status.availableAt).toEqual(now);
    expect(status.limits.map((l) => l.remaining)).toEqual([20, 2, 10]);
  });

  it("ignores sends older than each window", () => {
    const status = evaluateQuota(rules, { MAILBOX: [hoursAgo(25), hoursAgo(1)], CONTACT: [hoursAgo(169)], DOMAIN: [hoursAgo(24.01)] }, now);
    expect(status.limits.map((l) => l.used)).toEqual([1, 0, 0]);
  });

  it("binds on the contact limit and frees up when the oldest counted send leaves the 7-day window", () => {
    const status = evaluateQuota(rules, { MAILBOX: [hoursAgo(2), hoursAgo(30)], CONTACT: [hoursAgo(2), hoursAgo(30)], DOMAIN: [hoursAgo(2)] }, now);
    expect(status.allowed).toBe(false);
    expect(status.binding?.kind).toBe("CONTACT");
    expect(status.availableAt).toEqual(new Date(hoursAgo(30).getTime() + 168 * 3_600_000));
    expect(describeBinding(status.binding!)).toMatch(/recipient limit for ana@client\.example \(2 per 7 days\) is reached; it frees up at 2026-03-16T06:00:00\.000Z/);
  });

  it("with several limits exhausted, the one that frees up last binds", () => {
    const mailbox = Array.from({ length: 20 }, (_, i) => hoursAgo(23 - i * 0.5)); // oldest 23 h ago → frees in 1 h
    const status = evaluateQuota(rules, { MAILBOX: mailbox, CONTACT: [hoursAgo(1), hoursAgo(2)], DOMAIN: [] }, now);
    expect(status.limits.filter((l) => l.remaining === 0).map((l) => l.kind)).toEqual(["MAILBOX", "CONTACT"]);
    expect(status.binding?.kind).toBe("CONTACT");
    expect(status.limits[0]!.freesAt).toEqual(new Date(hoursAgo(23).getTime() + 24 * 3_600_000));
  });

  it("over the limit (e.g. after it was lowered): frees up only when enough old sends expire", () => {
    const lowered = quotaRules(quotaSettingsSchema.parse({ mailbox: { limit: 2 } }), { mailbox: "m@a.example", recipient: "r@b.example" });
    const times = [hoursAgo(20), hoursAgo(10), hoursAgo(5), hoursAgo(1)];
    const status = evaluateQuota(lowered, { MAILBOX: times, CONTACT: [], DOMAIN: [] }, now);
    // 4 in the window, room for 2: a slot opens when the 3rd oldest (5 h ago) expires.
    expect(status.limits[0]!.freesAt).toEqual(new Date(hoursAgo(5).getTime() + 24 * 3_600_000));
  });

  it("a limit of 0 binds for good", () => {
    const zero = quotaRules(quotaSettingsSchema.parse({ domain: { limit: 0 } }), { mailbox: "m@a.example", recipient: "r@b.example" });
    const status = evaluateQuota(zero, { MAILBOX: [], CONTACT: [], DOMAIN: [] }, now);
    expect(status.allowed).toBe(false);
    expect(status.binding?.kind).toBe("DOMAIN");
    expect(status.binding?.freesAt).toBeNull();
    expect(describeBinding(status.binding!)).toMatch(/set to 0/);
  });
});
