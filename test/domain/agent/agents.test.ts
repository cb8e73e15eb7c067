// The agents' pure rules: fair-share priority and the run lifecycle, message
// identity and threading keys, what an analysis leads to, and the arguments
// of an accepted recommendation.
import { describe, expect, it } from "vitest";
import { agentSettingsSchema, canStart, errorSummary, fairPriority, statusAfterFailure } from "../../../src/domain/agent/agent.js";
import {
  businessDayAfter,
  messageIdList,
  nameFromDisplay,
  normaliseMessageId,
  planForAnalysis,
  replySubject,
  subjectKey,
  suppressionReasonFor,
  syntheticMessageId,
  type AnalysisVerdict,
} from "../../../src/domain/inbound/inbound-message.js";
import { acceptArguments, decisionRefusal, effectiveStatus } from "../../../src/domain/pipeline/recommendation.js";
import { readTenantSettings } from "../../../src/domain/tenant/tenant.js";

describe("fair-share priority", () => {
  it.each([
    [0, 0],
    [1, -1],
    [57, -57],
    [-3, 0],
    [2.7, -2],
    [5_000_000, -1_000_000],
  ])("%d pending → priority %d", (pending, priority) => {
    expect(fairPriority(pending)).toBe(priority);
  });

  it("ranks every tenant's first job above any tenant's second (round-robin by position)", () => {
    const a = Array.from({ length: 50 }, (_, i) => ({ tenant: "A", priority: fairPriority(i), created: i }));
    const b = [{ tenant: "B", priority: fairPriority(0), created: 50 }];
    // pg-boss order: priority desc, then created
    const order = [...a, ...b].sort((x, y) => y.priority - x.priority || x.created - y.created).map((j) => j.tenant);
    expect(order.indexOf("B")).toBe(1);
  });
});

describe("run lifecycle", () => {
  it.each([
    [1, 4, "QUEUED"],
    [3, 4, "QUEUED"],
    [4, 4, "FAILED"],
    [1, 1, "FAILED"],
  ] as const)("attempt %d of %d fails → %s", (attempt, max, status) => {
    expect(statusAfterFailure(attempt, max)).toBe(status);
  });

  it.each([
    ["QUEUED", true],
    ["RUNNING", true],
    ["SUCCEEDED", false],
    ["FAILED", false],
    ["DEAD", false],
  ] as const)("a %s run can start: %s", (status, expected) => {
    expect(canStart(status)).toBe(expected);
  });

  it("keeps error summaries short and without stack traces", () => {
    const summary = errorSummary(new TypeError("x".repeat(5000)));
    expect(summary.startsWith("TypeError: x")).toBe(true);
    expect(summary.length).toBe(1000);
    expect(errorSummary("plain")).toBe("plain");
  });

  it("tenant settings: agents section defaults and refusals", () => {
    expect(readTenantSettings({}).agents).toEqual({ productName: null, valueProposition: null, defaultAuthorEmail: null, draftReplies: true, recommendAfterInbound: true });
    expect(agentSettingsSchema.safeParse({ defaultAuthorEmail: "not-an-address" }).success).toBe(false);
    expect(agentSettingsSchema.safeParse({ unknown: 1 }).success).toBe(false);
  });
});

describe("message identity and threads", () => {
  it.each([
    ["<abc@host>", "<abc@host>"],
    ["  abc@host ", "<abc@host>"],
    ["Re: <abc@host> (comment)", "<abc@host>"],
    ["", null],
    [null, null],
    ["two words", null],
  ])("normaliseMessageId(%j) = %j", (input, expected) => {
    expect(normaliseMessageId(input)).toBe(expected);
  });

  it("reads every id of References and In-Reply-To once, in order", () => {
    expect(messageIdList("<a@x> <b@x>\r\n <c@x>", ["<b@x>", "d@x"], null)).toEqual(["<a@x>", "<b@x>", "<c@x>", "<d@x>"]);
  });

  it("gives a message without Message-ID a stable id from its content", () => {
    const parts = { from: "a@b.io", sentAt: "2026-03-02T09:30:00.000Z", subject: "Hi", text: "Hello" };
    expect(syntheticMessageId(parts)).toBe(syntheticMessageId({ ...parts }));
    expect(syntheticMessageId(parts)).not.toBe(syntheticMessageId({ ...parts, text: "Hello!" }));
    expect(syntheticMessageId(parts)).toMatch(/^<[0-9a-f]{40}@inbound\.sales-agent\.invalid>$/);
  });

  it.each([
    ["Re: Pilot for Acme", "pilot for acme"],
    ["RE: Fwd: AW:  Pilot   for Acme", "pilot for acme"],
    ["Re[2]: SV: pilot for acme", "pilot for acme"],
    ["Pilot for Acme", "pilot for acme"],
    ["Regarding the pilot", "regarding the pilot"],
  ])("subjectKey(%j) = %j", (subject, key) => {
    expect(subjectKey(subject)).toBe(key);
  });

  it.each([
    ["Pilot", "Re: Pilot"],
    ["RE: Pilot", "RE: Pilot"],
    ["  ", "Re: (no subject)"],
  ])("replySubject(%j) = %j", (subject, expected) => {
    expect(replySubject(subject)).toBe(expected);
  });

  it.each([
    ["Maria Keller", "Maria", "Keller"],
    ["Keller, Maria", "Maria", "Keller"],
    ['"Dr. Maria Keller (Acme)"', "Maria", "Keller"],
    ["Ana", "Ana", null],
    ["ana@acme.com", null, null],
    [null, null, null],
  ])("nameFromDisplay(%j)", (display, firstName, lastName) => {
    expect(nameFromDisplay(display)).toEqual({ firstName, lastName });
  });
});

describe("what an analysis leads to", () => {
  const now = new Date("2026-03-04T10:00:00Z"); // a Wednesday
  const base: AnalysisVerdict = {
    intent: "QUESTION",
    action: "DRAFT_REPLY",
    reasons: ["asks for pricing"],
    returnDate: null,
    neverReply: false,
    automation: { automated: false },
    bounce: null,
    subject: "Pricing",
  };

  it("a human question gets a reply draft", () => {
    expect(planForAnalysis(base, now)).toEqual({ reply: true, followUp: null, escalate: null });
  });

  it("automated mail is never answered, whatever the action says", () => {
    expect(planForAnalysis({ ...base, neverReply: true }, now).reply).toBe(false);
    expect(planForAnalysis({ ...base, automation: { automated: true } }, now).reply).toBe(false);
  });

  it("an out-of-office with a return date moves follow-ups to the first business day after it", () => {
    const plan = planForAnalysis({ ...base, intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", returnDate: "2026-03-13", neverReply: true }, now);
    expect(plan.reply).toBe(false);
    // 13 March 2026 is a Friday: the next business day is Monday the 16th.
    expect(plan.followUp).toEqual({ dueAt: new Date("2026-03-16T09:00:00Z"), title: "Follow up: back on 2026-03-13", reschedule: true });
  });

  it("an out-of-office without a date: a follow-up in a week, nothing moved", () => {
    const plan = planForAnalysis({ ...base, intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", neverReply: true }, now);
    expect(plan.followUp).toMatchObject({ dueAt: new Date("2026-03-11T10:00:00Z"), reschedule: false });
  });

  it("a soft bounce retries the next business day; a hard one plans nothing (it is suppressed)", () => {
    expect(planForAnalysis({ ...base, intent: "BOUNCE", action: "SCHEDULE_FOLLOW_UP", bounce: { hard: false }, neverReply: true }, now).followUp).toMatchObject({
      dueAt: new Date("2026-03-05T09:00:00Z"),
      title: "Retry: delivery failed temporarily",
    });
    expect(planForAnalysis({ ...base, intent: "BOUNCE", action: "SUPPRESS", bounce: { hard: true }, neverReply: true }, now)).toEqual({ reply: false, followUp: null, escalate: null });
  });

  it("an escalation becomes a task with the reasons", () => {
    const plan = planForAnalysis({ ...base, intent: "OTHER", action: "ESCALATE", reasons: ["legal threat", "angry"] }, now);
    expect(plan.escalate).toEqual({ title: "Review inbound e-mail: Pricing", description: "legal threat\nangry" });
    expect(plan.reply).toBe(false);
  });

  it.each([
    [{ ruleKind: "COMPLAINT", intent: "UNSUBSCRIBE", feedbackType: "abuse" }, "COMPLAINED"],
    [{ ruleKind: "BOUNCE", intent: "BOUNCE", feedbackType: null }, "BOUNCED"],
    [{ ruleKind: "AUTO_REPLY", intent: "BOUNCE", feedbackType: null }, "BOUNCED"],
    [{ ruleKind: "UNSUBSCRIBE", intent: "UNSUBSCRIBE", feedbackType: null }, "UNSUBSCRIBED"],
    [{ ruleKind: null, intent: "UNSUBSCRIBE", feedbackType: null }, "UNSUBSCRIBED"],
  ])("suppression reason of %j is %s", (analysis, reason) => {
    expect(suppressionReasonFor(analysis)).toBe(reason);
  });

  it("business days skip weekends", () => {
    expect(businessDayAfter("2026-03-06")).toEqual(new Date("2026-03-09T09:00:00Z")); // Friday → Monday
    expect(businessDayAfter("2026-03-04")).toEqual(new Date("2026-03-05T09:00:00Z"));
  });
});

describe("recommendations", () => {
  const now = new Date("2026-03-04T10:00:00Z");

  it("an open recommendation past its expiry is expired", () => {
    expect(effectiveStatus("OPEN", new Date("2026-03-04T09:59:59Z"), now)).toBe("EXPIRED");
    expect(effectiveStatus("OPEN", new Date("2026-03-05T00:00:00Z"), now)).toBe("OPEN");
    expect(effectiveStatus("ACCEPTED", new Date("2026-03-01T00:00:00Z"), now)).toBe("ACCEPTED");
  });

  it.each([
    ["OPEN", "2026-03-05T00:00:00Z", null],
    ["OPEN", "2026-03-01T00:00:00Z", "RECOMMENDATION_EXPIRED"],
    ["ACCEPTED", "2026-03-05T00:00:00Z", "RECOMMENDATION_NOT_OPEN"],
    ["DISMISSED", "2026-03-05T00:00:00Z", "RECOMMENDATION_NOT_OPEN"],
    ["EXPIRED", "2026-03-05T00:00:00Z", "RECOMMENDATION_EXPIRED"],
  ] as const)("%s until %s → %s", (status, expiresAt, code) => {
    expect(decisionRefusal(status, new Date(expiresAt), now, ["input", "recommendationId"])?.code ?? null).toBe(code);
  });

  it("applies the person's overrides over the model's arguments and validates them", () => {
    const follow = acceptArguments("scheduleFollowUp", { dueAt: "2026-03-10T09:00:00Z", reason: "no reply", stray: 1 }, { dueAt: "2026-03-12T09:00:00Z" });
    expect(follow).toEqual({ ok: true, value: { dueAt: new Date("2026-03-12T09:00:00Z"), reason: "no reply" } });
    const removed = acceptArguments("scheduleFollowUp", { dueAt: "2026-03-10T09:00:00Z", reason: "no reply" }, { reason: null });
    expect(removed.ok && removed.value).toEqual({ dueAt: new Date("2026-03-10T09:00:00Z") });
  });

  it.each([
    ["scheduleFollowUp", { dueAt: "tomorrow-ish" }, null, ["input", "overrides", "dueAt"]],
    ["updateDealStage", {}, null, ["input", "overrides", "toStage"]],
    ["logSalesActivity", { type: "TELEGRAM", summary: "x" }, null, ["input", "overrides", "type"]],
    ["logSalesActivity", { type: "NOTE" }, { summary: "  " }, ["input", "overrides", "summary"]],
    ["sendOutreachEmail", {}, "not an object", ["input", "overrides"]],
  ] as const)("%s with %j / %j is refused at %j", (tool, params, overrides, field) => {
    const result = acceptArguments(tool, params, overrides);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ code: "VALIDATION_FAILED", field });
  });

  it("drops a model's null and unknown arguments", () => {
    expect(acceptArguments("sendOutreachEmail", { kind: "REPLY", intent: "QUESTION", subject: null }, undefined)).toEqual({ ok: true, value: { kind: "REPLY" } });
    expect(acceptArguments("logSalesActivity", { type: "CALL", summary: "Called" }, {})).toEqual({ ok: true, value: { type: "CALL", summary: "Called" } });
  });
});
