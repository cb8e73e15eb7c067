// The pure webhook rules: the subscription's type filter reused, URL and
// event-type validation, the retry schedule with its jitter bounds, and which
// secrets sign during a rotation's grace period.
import { describe, expect, it } from "vitest";
import { eventTypeMatches } from "../../../src/domain/event.js";
import {
  endpointWantsEvent,
  eventTypePatternProblem,
  maxAttempts,
  retryDelayMs,
  rotatedSecrets,
  signingSecrets,
  webhookBody,
  webhookUrlProblem,
} from "../../../src/domain/connection/webhook.js";

const DEFAULT_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

describe("webhook rules", () => {
  it("filters event types exactly like events(types:)", () => {
    const cases: [string[], string][] = [
      [["sales.draft.*"], "sales.draft.sent"],
      [["sales.draft.*"], "sales.lead.created"],
      [["sales.draft.sent"], "sales.draft.sent"],
      [["sales.draft.sent"], "sales.draft.sent_later"],
      [[], "sales.deal.won"],
      [["sales.*"], "sales.deal.won"],
    ];
    for (const [patterns, type] of cases) {
      expect(endpointWantsEvent({ enabled: true, status: "ACTIVE", eventTypes: patterns }, type), `${patterns} ${type}`).toBe(eventTypeMatches(patterns, type));
    }
    expect(endpointWantsEvent({ enabled: false, status: "ACTIVE", eventTypes: [] }, "sales.draft.sent")).toBe(false);
    expect(endpointWantsEvent({ enabled: true, status: "DISABLED", eventTypes: [] }, "sales.draft.sent")).toBe(false);
    expect(endpointWantsEvent({ enabled: true, status: "FAILING", eventTypes: [] }, "sales.draft.sent")).toBe(true);
  });

  it("accepts http(s) URLs only, without credentials", () => {
    expect(webhookUrlProblem("https://hooks.example.com/in?x=1")).toBeNull();
    expect(webhookUrlProblem("http://hooks.example.com:8080/")).toBeNull();
    for (const bad of ["ftp://x.example/", "file:///etc/passwd", "javascript:alert(1)", "//x.example", "https://user:pw@x.example/", "https://x.example/#frag", `https://x.example/${"a".repeat(2100)}`]) {
      expect(webhookUrlProblem(bad), bad).not.toBeNull();
    }
  });

  it("accepts event names and prefixes only", () => {
    for (const ok of ["sales.draft.sent", "sales.draft.*", "sales.*", "sales.webhook.endpoint_failing"]) expect(eventTypePatternProblem(ok), ok).toBeNull();
    for (const bad of ["draft.sent", "sales.draft", "*", "sales.dr*", "sales.draft.sent.*", "SALES.draft.sent"]) expect(eventTypePatternProblem(bad), bad).not.toBeNull();
  });

  it("backs off along the schedule (≈ 27 h over 8 attempts), jittered ±10%, and stops after the last", () => {
    expect(maxAttempts(DEFAULT_SCHEDULE)).toBe(8);
    expect(retryDelayMs(DEFAULT_SCHEDULE, 1, 0)).toBe(4_500);
    expect(retryDelayMs(DEFAULT_SCHEDULE, 1, 0.999_999)).toBeCloseTo(5_500, -1);
    expect(retryDelayMs(DEFAULT_SCHEDULE, 2, 0.5)).toBe(300_000);
    expect(retryDelayMs(DEFAULT_SCHEDULE, 7, 0.5)).toBe(36_000_000);
    expect(retryDelayMs(DEFAULT_SCHEDULE, 8, 0.5)).toBeNull();
    const total = DEFAULT_SCHEDULE.reduce((a, b) => a + b, 0) / 3600;
    expect(total).toBeGreaterThan(24);
    expect(total).toBeLessThan(30);
  });

  it("signs with the previous secret only during the grace period", () => {
    const now = new Date("2026-12-06T12:00:00Z");
    const next = rotatedSecrets({ current: "whsec_old" }, "whsec_new", now, 3600);
    expect(signingSecrets(next, now)).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(next, new Date(now.getTime() + 3_599_000))).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(next, new Date(now.getTime() + 3_600_000))).toEqual(["whsec_new"]);
    expect(signingSecrets(rotatedSecrets({ current: "a" }, "b", now, 0), now)).toEqual(["b"]);
  });

  it("builds the Standard Webhooks body", () => {
    expect(JSON.parse(webhookBody({ type: "sales.draft.sent", occurredAt: "2026-12-06T12:00:00.000Z", payload: { draftId: "d" } }))).toEqual({
      type: "sales.draft.sent",
      timestamp: "2026-12-06T12:00:00.000Z",
      data: { draftId: "d" },
    });
  });
});
