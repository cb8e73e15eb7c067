// Each local recommendation rule alone (when it applies, when it does not, and
// what it proposes), then the ranker that runs them. Dates are fixed: "now" is
// Wednesday 2026-03-04 10:00 UTC.
import { describe, expect, it } from "vitest";
import { rankCandidates, recommendationCandidates, recommendLocally } from "../../src/ai/local/recommend.js";
import {
  advanceDealStage,
  businessDay,
  checkPassedCloseDate,
  days,
  firstOutreach,
  followUpAfterAbsence,
  followUpDraftedReply,
  logLatestInteraction,
  logMeetingRequest,
  logObjection,
  nudgeAfterSilence,
  RECOMMENDATION_RULES,
  replyToInbound,
  reviveStalledDeal,
  ruleFacts,
  type Candidate,
  type RecommendationRule,
} from "../../src/ai/local/recommend-rules.js";
import { salesFacts } from "../../src/ai/prompts/next-best-action.js";
import { RECOMMENDATION_TOOLS } from "../../src/domain/tenant/ai-policy.js";

const NOW = "2026-03-04T10:00:00.000Z";
const ago = (d: number, h = 0) => new Date(Date.parse(NOW) - d * 86_400_000 - h * 3_600_000).toISOString();
const inDays = (d: number) => new Date(Date.parse(NOW) + d * 86_400_000).toISOString();

const lead = (patch: Record<string, unknown> = {}) => ({ status: "WORKING", createdAt: ago(20), contactName: "Ana Ruiz", ...patch });
const deal = (patch: Record<string, unknown> = {}) => ({
  name: "Lumatech rollout",
  stage: "qualified",
  stages: ["lead", "qualified", "proposal"],
  status: "OPEN",
  stageChangedAt: ago(5),
  ...patch,
});
const inbound = (intent: string, at = ago(1), returnDate: string | null = null) => ({ intent, at, returnDate });

/** Runs one rule on facts given as a patch of the raw facts. */
const apply = (rule: RecommendationRule, raw: Record<string, unknown>) => rule(ruleFacts(salesFacts.parse({ now: NOW, ...raw })));

describe("helpers", () => {
  it("days counts whole days back and ignores missing or invalid dates", () => {
    expect(days(ago(3, 2), new Date(NOW))).toBe(3);
    expect(days(ago(0, 23), new Date(NOW))).toBe(0);
    expect(days(null, new Date(NOW))).toBeNull();
    expect(days("not a date", new Date(NOW))).toBeNull();
  });

  it("businessDay is 09:00 UTC and skips the weekend", () => {
    expect(businessDay(new Date(NOW))).toBe("2026-03-04T09:00:00.000Z");
    expect(businessDay(new Date(NOW), 3)).toBe("2026-03-09T09:00:00.000Z"); // Saturday → Monday
    expect(businessDay(new Date("2026-03-08T20:00:00Z"))).toBe("2026-03-09T09:00:00.000Z"); // Sunday → Monday
  });

  it("ruleFacts derives who is blocked, stopped, named, and whether a reply is recent and unanswered", () => {
    const f = ruleFacts(salesFacts.parse({ now: NOW, lead: lead({ suppressed: true }), lastInbound: inbound("QUESTION"), lastOutboundAt: ago(3) }));
    expect(f).toMatchObject({ blocked: true, stopped: false, name: "Ana Ruiz", sinceInbound: 1, sinceOutbound: 3, sinceActivity: null, recentReply: false, unanswered: true });
    const g = ruleFacts(salesFacts.parse({ now: NOW, deal: deal(), lastInbound: inbound("BOUNCE"), lastOutboundAt: ago(0) }));
    expect(g).toMatchObject({ blocked: false, stopped: true, name: "Lumatech rollout", recentReply: false, unanswered: false });
    expect(ruleFacts(salesFacts.parse({ now: NOW })).name).toBe("the contact");
    expect(ruleFacts(salesFacts.parse({ now: NOW, lead: lead({ contactName: null, companyName: "Lumatech" }) })).name).toBe("Lumatech");
  });
});

describe("followUpDraftedReply", () => {
  const base = { lead: lead(), lastInbound: inbound("QUESTION"), pendingDraftCount: 1 };
  it("a drafted answer to a recent question: check in three business days later", () => {
    expect(apply(followUpDraftedReply, base)).toEqual({
      tool: "scheduleFollowUp",
      title: "Make sure Ana Ruiz gets an answer",
      rationale: "Ana Ruiz asked a question and a reply is drafted, waiting for review; check in three business days that it went out and was answered.",
      confidence: 0.55,
      factsUsed: ["lastInbound.intent", "pendingDraftCount"],
      arguments: { dueAt: "2026-03-09T09:00:00.000Z", reason: "reply pending" },
      score: 50,
      expiresAt: inDays(5),
    });
    expect(apply(followUpDraftedReply, { ...base, threadNextStep: "send pricing" })!.factsUsed).toContain("threadNextStep");
  });
  it.each([
    ["no draft", { pendingDraftCount: 0 }],
    ["an intent that needs no answer", { lastInbound: inbound("NOT_INTERESTED") }],
    ["already answered", { lastOutboundAt: ago(0) }],
    ["too old", { lastInbound: inbound("QUESTION", ago(15)) }],
    ["do-not-contact", { lead: lead({ doNotContact: true }) }],
  ])("not with %s", (_name, patch) => {
    expect(apply(followUpDraftedReply, { ...base, ...patch })).toBeNull();
  });
});

describe("logMeetingRequest", () => {
  it("a recent meeting request is logged, drafted reply or not", () => {
    for (const pendingDraftCount of [0, 1]) {
      expect(apply(logMeetingRequest, { lead: lead(), lastInbound: inbound("MEETING_REQUEST"), pendingDraftCount })).toMatchObject({
        tool: "logSalesActivity",
        title: "Log the meeting request",
        arguments: { type: "NOTE", summary: "Prospect asked for a meeting" },
        score: 40,
        expiresAt: inDays(7),
      });
    }
  });
  it("not for other intents, old requests, or suppressed contacts", () => {
    expect(apply(logMeetingRequest, { lead: lead(), lastInbound: inbound("INTERESTED") })).toBeNull();
    expect(apply(logMeetingRequest, { lead: lead(), lastInbound: inbound("MEETING_REQUEST", ago(15)) })).toBeNull();
    expect(apply(logMeetingRequest, { lead: lead({ suppressed: true }), lastInbound: inbound("MEETING_REQUEST") })).toBeNull();
  });
});

describe("replyToInbound", () => {
  it("answers a recent unanswered reply, as sure as the intent warrants", () => {
    expect(apply(replyToInbound, { lead: lead(), lastInbound: inbound("INTERESTED", ago(2)), lastOutboundAt: ago(5), threadNextStep: "send pricing" })).toEqual({
      tool: "sendOutreachEmail",
      title: "Reply to Ana Ruiz",
      rationale: "Ana Ruiz replied with interest 2 days ago and has no answer yet; open item: send pricing.",
      confidence: 0.85,
      factsUsed: ["lastInbound.intent", "lastInbound.at", "lastOutboundAt", "pendingDraftCount", "threadNextStep"],
      arguments: { kind: "REPLY", intent: "INTERESTED" },
      score: 85,
      expiresAt: inDays(3),
    });
    expect(apply(replyToInbound, { lead: lead(), lastInbound: inbound("QUESTION", ago(0, 1)) })!.rationale).toBe("Ana Ruiz asked a question today and has no answer yet.");
    expect(apply(replyToInbound, { lead: lead(), lastInbound: inbound("OBJECTION", ago(1)) })!.rationale).toContain("1 day ago");
  });
  it("a referral is written to even with a drafted reply", () => {
    expect(apply(replyToInbound, { lead: lead(), lastInbound: inbound("REFERRAL"), pendingDraftCount: 1 })).toMatchObject({
      title: "Write to the person they referred you to",
      confidence: 0.7,
      arguments: { kind: "REPLY", intent: "REFERRAL" },
    });
  });
  it.each([
    ["a drafted reply", { pendingDraftCount: 1 }],
    ["an answer already sent", { lastOutboundAt: ago(0) }],
    ["an intent that needs no answer", { lastInbound: inbound("OTHER") }],
    ["a reply older than 14 days", { lastInbound: inbound("QUESTION", ago(15)) }],
    ["an unsubscribed sender", { lastInbound: inbound("UNSUBSCRIBE") }],
    ["a suppressed contact", { lead: lead({ suppressed: true }) }],
  ])("not with %s", (_name, patch) => {
    expect(apply(replyToInbound, { lead: lead(), lastInbound: inbound("QUESTION"), ...patch })).toBeNull();
  });
});

describe("followUpAfterAbsence", () => {
  it("with a return date: two business days after it, expiring three days after the return", () => {
    expect(apply(followUpAfterAbsence, { lastInbound: inbound("OUT_OF_OFFICE", ago(1), "2026-03-12") })).toMatchObject({
      tool: "scheduleFollowUp",
      title: "Follow up after the contact is back",
      confidence: 0.85,
      factsUsed: ["lastInbound.intent", "lastInbound.returnDate"],
      arguments: { dueAt: "2026-03-16T09:00:00.000Z", reason: "out of office" }, // Thu 12th + 2 = Sat → Mon
      score: 80,
      expiresAt: inDays(11), // ceil(7.58 days) + 3
    });
  });
  it("without a return date: in a week", () => {
    expect(apply(followUpAfterAbsence, { lead: lead(), lastInbound: inbound("OUT_OF_OFFICE") })).toMatchObject({
      rationale: "Auto-reply without a return date; try again in a week.",
      confidence: 0.6,
      factsUsed: ["lastInbound.intent"],
      arguments: { dueAt: "2026-03-11T09:00:00.000Z" },
      expiresAt: inDays(10),
    });
  });
  it("a return date in the past still expires no sooner than three days", () => {
    expect(apply(followUpAfterAbsence, { lastInbound: inbound("OUT_OF_OFFICE", ago(9), "2026-02-20") })!.expiresAt).toBe(inDays(3));
  });
  it("not for other intents", () => {
    expect(apply(followUpAfterAbsence, { lastInbound: inbound("QUESTION") })).toBeNull();
    expect(apply(followUpAfterAbsence, {})).toBeNull();
  });
});

describe("logObjection", () => {
  it("records the first open objection", () => {
    const long = "x".repeat(300);
    const c = apply(logObjection, { lastInbound: inbound("OBJECTION"), openObjections: [long, "second"] })!;
    expect(c).toMatchObject({ tool: "logSalesActivity", title: "Record the objection", factsUsed: ["openObjections"], score: 35 });
    expect(c.rationale).toContain(`"${"x".repeat(120)}"`);
    expect(c.arguments.summary).toBe(`Objection: ${"x".repeat(200)}`);
  });
  it("not without an objection on record, nor for another intent", () => {
    expect(apply(logObjection, { lastInbound: inbound("OBJECTION") })).toBeNull();
    expect(apply(logObjection, { lastInbound: inbound("QUESTION"), openObjections: ["price"] })).toBeNull();
  });
});

describe("nudgeAfterSilence", () => {
  const base = { lead: lead({ score: 40 }), lastOutboundAt: ago(4) };
  it("three days of silence after our e-mail: follow up the next business day", () => {
    expect(apply(nudgeAfterSilence, base)).toEqual({
      tool: "scheduleFollowUp",
      title: "Follow up with Ana Ruiz",
      rationale: "No reply 4 days after our last e-mail; a polite follow-up usually recovers a share of silent threads.",
      confidence: 0.6,
      factsUsed: ["lastOutboundAt", "openTaskCount"],
      arguments: { dueAt: "2026-03-05T09:00:00.000Z", reason: "no reply" },
      score: 55,
      expiresAt: inDays(5),
    });
  });
  it("more firmly for a hot lead", () => {
    expect(apply(nudgeAfterSilence, { ...base, lead: lead({ score: 70 }) })).toMatchObject({ confidence: 0.75, score: 70, factsUsed: ["lastOutboundAt", "openTaskCount", "lead.score"] });
  });
  it("our e-mail after their earlier message counts as silence too", () => {
    expect(apply(nudgeAfterSilence, { ...base, lastInbound: inbound("QUESTION", ago(6)) })).not.toBeNull();
  });
  it.each([
    ["less than three days", { lastOutboundAt: ago(2) }],
    ["an open task", { openTaskCount: 1 }],
    ["never written to", { lastOutboundAt: null }],
    ["their reply came after ours", { lastInbound: inbound("QUESTION", ago(1)) }],
    ["a no", { lastInbound: inbound("NOT_INTERESTED", ago(6)) }],
    ["a bounce", { lastInbound: inbound("BOUNCE", ago(6)) }],
    ["do-not-contact", { lead: lead({ doNotContact: true }) }],
  ])("not with %s", (_name, patch) => {
    expect(apply(nudgeAfterSilence, { ...base, ...patch })).toBeNull();
  });
});

describe("firstOutreach", () => {
  it("a new, never contacted lead: ranked and trusted by its score", () => {
    expect(apply(firstOutreach, { lead: lead({ status: "NEW", score: 80, grade: "A", source: "webinar" }) })).toEqual({
      tool: "sendOutreachEmail",
      title: "Write a first e-mail to Ana Ruiz",
      rationale: "New lead from webinar with no contact yet, scoring 80 (A); first contact within days of arrival converts best.",
      confidence: expect.closeTo(0.85, 10), // rounded by the ranker
      factsUsed: ["lead.status", "lastOutboundAt", "lead.score", "lead.source"],
      arguments: { kind: "OUTREACH" },
      score: 90,
      expiresAt: inDays(7),
    });
    const unscored = apply(firstOutreach, { lead: lead({ status: "NEW" }) })!;
    expect(unscored).toMatchObject({ confidence: 0.7, score: 75, factsUsed: ["lead.status", "lastOutboundAt"] });
    expect(unscored.rationale).toBe("New lead with no contact yet; first contact within days of arrival converts best.");
    expect(apply(firstOutreach, { lead: lead({ status: "NEW", score: 100 }) })!.confidence).toBe(0.9);
  });
  it.each([
    ["no lead", { lead: null }],
    ["a lead being worked", { lead: lead({ status: "WORKING" }) }],
    ["an e-mail already sent", { lastOutboundAt: ago(1) }],
    ["a message from them", { lastInbound: inbound("QUESTION") }],
    ["a draft waiting", { pendingDraftCount: 1 }],
    ["do-not-contact", { lead: lead({ status: "NEW", doNotContact: true }) }],
  ])("not with %s", (_name, patch) => {
    expect(apply(firstOutreach, { lead: lead({ status: "NEW" }), ...patch })).toBeNull();
  });
});

describe("advanceDealStage", () => {
  it("a recent meeting request or interest moves an open deal to the next stage", () => {
    expect(apply(advanceDealStage, { deal: deal(), lastInbound: inbound("MEETING_REQUEST", ago(3)) })).toEqual({
      tool: "updateDealStage",
      title: 'Move "Lumatech rollout" to proposal',
      rationale: "The prospect asked to meet, which is the usual entry signal for proposal; the deal has been in qualified for 5 days.",
      confidence: 0.65,
      factsUsed: ["deal.stage", "deal.stages", "lastInbound.intent", "deal.stageChangedAt"],
      arguments: { toStage: "proposal" },
      score: 60,
      expiresAt: inDays(7),
    });
    expect(apply(advanceDealStage, { deal: deal(), lastInbound: inbound("INTERESTED") })!.rationale).toContain("confirmed interest");
  });
  it.each([
    ["the last stage", { deal: deal({ stage: "proposal" }) }],
    ["a stage not in the pipeline", { deal: deal({ stage: "unknown" }) }],
    ["a closed deal", { deal: deal({ status: "WON" }) }],
    ["no deal", { deal: null }],
    ["another intent", { lastInbound: inbound("QUESTION") }],
    ["an old signal", { lastInbound: inbound("INTERESTED", ago(15)) }],
  ])("not with %s", (_name, patch) => {
    expect(apply(advanceDealStage, { deal: deal(), lastInbound: inbound("INTERESTED"), ...patch })).toBeNull();
  });
});

describe("reviveStalledDeal", () => {
  it("30 days in the stage and nothing for 14: check in the next business day", () => {
    expect(apply(reviveStalledDeal, { deal: deal({ stageChangedAt: ago(30) }), lastActivityAt: ago(14) })).toEqual({
      tool: "scheduleFollowUp",
      title: 'Revive the stalled deal "Lumatech rollout"',
      rationale: "In qualified for 30 days with no activity for 14 days; stalled deals close far less often, so check in or qualify it out.",
      confidence: 0.7,
      factsUsed: ["deal.stageChangedAt", "lastActivityAt", "deal.stage"],
      arguments: { dueAt: "2026-03-05T09:00:00.000Z", reason: "stalled deal" },
      score: 65,
      expiresAt: inDays(7),
    });
    expect(apply(reviveStalledDeal, { deal: deal({ stageChangedAt: ago(40) }) })!.rationale).toContain("no recorded activity");
  });
  it("not when recent activity, a fresh stage, or a closed deal", () => {
    expect(apply(reviveStalledDeal, { deal: deal({ stageChangedAt: ago(40) }), lastActivityAt: ago(13) })).toBeNull();
    expect(apply(reviveStalledDeal, { deal: deal({ stageChangedAt: ago(29) }) })).toBeNull();
    expect(apply(reviveStalledDeal, { deal: deal({ stageChangedAt: "garbage" }) })).toBeNull();
    expect(apply(reviveStalledDeal, { deal: deal({ stageChangedAt: ago(40), status: "LOST" }) })).toBeNull();
  });
});

describe("checkPassedCloseDate", () => {
  it("an open deal past its expected close date", () => {
    expect(apply(checkPassedCloseDate, { deal: deal({ expectedCloseDate: "2026-03-01T00:00:00.000Z" }) })).toMatchObject({
      tool: "logSalesActivity",
      title: "Update the close date after a check-in",
      rationale: "The expected close date 2026-03-01 has passed while the deal is still open.",
      score: 45,
      expiresAt: inDays(5),
    });
  });
  it("not before the date, without one, or on a closed deal", () => {
    expect(apply(checkPassedCloseDate, { deal: deal({ expectedCloseDate: inDays(1) }) })).toBeNull();
    expect(apply(checkPassedCloseDate, { deal: deal() })).toBeNull();
    expect(apply(checkPassedCloseDate, { deal: deal({ expectedCloseDate: ago(1), status: "WON" }) })).toBeNull();
  });
});

describe("logLatestInteraction (the fallback)", () => {
  it("applies unless there was activity today or the lead is disqualified", () => {
    expect(apply(logLatestInteraction, {})).toMatchObject({ tool: "logSalesActivity", title: "Log the latest interaction", confidence: 0.3, score: 10 });
    expect(apply(logLatestInteraction, { lastActivityAt: ago(1) })).not.toBeNull();
    expect(apply(logLatestInteraction, { lastActivityAt: ago(0, 2) })).toBeNull();
    expect(apply(logLatestInteraction, { lead: lead({ status: "DISQUALIFIED" }) })).toBeNull();
  });
});

describe("the ranker", () => {
  const c = (tool: Candidate["tool"], title: string, score: number, args: Candidate["arguments"] = {}, confidence = 0.5): Candidate => ({
    tool,
    title,
    rationale: "r",
    confidence,
    factsUsed: ["x"],
    arguments: args,
    expiresAt: NOW,
    score,
  });

  it("runs every rule once, in order", () => {
    expect(RECOMMENDATION_RULES).toEqual([
      followUpDraftedReply,
      logMeetingRequest,
      replyToInbound,
      followUpAfterAbsence,
      logObjection,
      nudgeAfterSilence,
      firstOutreach,
      advanceDealStage,
      reviveStalledDeal,
      checkPassedCloseDate,
    ]);
  });

  it("the fallback only when no rule proposes anything, even a candidate of a tool that is not allowed", () => {
    const facts = salesFacts.parse({ now: NOW, lead: lead({ status: "NEW" }) });
    expect(recommendationCandidates(facts).map((x) => x.title)).toEqual(["Write a first e-mail to Ana Ruiz"]);
    expect(recommendLocally({ facts, allowedTools: ["logSalesActivity"], maxActions: 3 }).actions).toEqual([]);
    expect(recommendationCandidates(salesFacts.parse({ now: NOW, lead: lead() })).map((x) => x.title)).toEqual(["Log the latest interaction"]);
  });

  it("ranks by score, then tool, then title; drops repeats of tool and arguments; keeps the allowed; rounds the confidence", () => {
    const ranked = rankCandidates(
      [
        c("logSalesActivity", "b", 40),
        c("scheduleFollowUp", "a", 60, { dueAt: "d" }, 0.123),
        c("logSalesActivity", "a", 40),
        c("scheduleFollowUp", "later", 50, { dueAt: "d" }),
        c("sendOutreachEmail", "hidden", 90),
        c("logSalesActivity", "c", 40, { other: 1 }),
      ],
      ["logSalesActivity", "scheduleFollowUp"],
      10,
    );
    expect(ranked.map((a) => [a.tool, a.title])).toEqual([
      ["scheduleFollowUp", "a"],
      ["logSalesActivity", "a"],
      ["logSalesActivity", "c"],
    ]);
    expect(ranked[0]!.confidence).toBe(0.12);
    expect(ranked[0]).not.toHaveProperty("score");
    expect(rankCandidates([c("logSalesActivity", "a", 1, { n: 1 }), c("logSalesActivity", "b", 2, { n: 2 })], [...RECOMMENDATION_TOOLS], 1).map((a) => a.title)).toEqual(["b"]);
  });
});
