// The local recommender when a reply is already drafted (the agents' flow:
// the writer's draft waits for review before recommendations are made): no
// second "reply" suggestion, a follow-up so the conversation does not stall,
// and a meeting request is logged either way.
import { describe, expect, it } from "vitest";
import { recommendLocally } from "../../src/ai/local/recommend.js";
import { salesFacts } from "../../src/ai/prompts/next-best-action.js";
import { RECOMMENDATION_TOOLS } from "../../src/domain/tenant/ai-policy.js";

const now = "2026-03-04T10:00:00.000Z"; // a Wednesday
const facts = (pendingDraftCount: number, intent = "MEETING_REQUEST") =>
  salesFacts.parse({
    now,
    lead: { status: "NEW", createdAt: "2026-03-01T00:00:00.000Z", contactName: "Ana Ruiz" },
    lastInbound: { intent, at: "2026-03-04T09:00:00.000Z" },
    lastActivityAt: "2026-03-04T09:00:00.000Z",
    pendingDraftCount,
  });

describe("recommendations around a drafted reply", () => {
  it("with the reply drafted: follow up in three business days, log the meeting request, never a second reply", () => {
    const { actions } = recommendLocally({ facts: facts(1), allowedTools: [...RECOMMENDATION_TOOLS], maxActions: 3 });
    expect(actions.map((a) => [a.tool, a.title])).toEqual([
      ["scheduleFollowUp", "Make sure Ana Ruiz gets an answer"],
      ["logSalesActivity", "Log the meeting request"],
    ]);
    expect(actions[0]!.arguments).toEqual({ dueAt: "2026-03-09T09:00:00.000Z", reason: "reply pending" });
    expect(actions[0]!.factsUsed).toEqual(["lastInbound.intent", "pendingDraftCount"]);
  });

  it("without a draft: the reply comes first, the meeting request is still logged", () => {
    const { actions } = recommendLocally({ facts: facts(0), allowedTools: [...RECOMMENDATION_TOOLS], maxActions: 3 });
    expect(actions.map((a) => a.tool)).toEqual(["sendOutreachEmail", "logSalesActivity"]);
  });

  it("nothing to chase for an intent that needs no answer", () => {
    const { actions } = recommendLocally({ facts: facts(1, "NOT_INTERESTED"), allowedTools: [...RECOMMENDATION_TOOLS], maxActions: 3 });
    expect(actions.map((a) => a.tool)).not.toContain("scheduleFollowUp");
  });
});

describe("a referral", () => {
  it("still suggests writing to the person named, even with the reply to the referrer drafted", () => {
    const { actions } = recommendLocally({ facts: facts(1, "REFERRAL"), allowedTools: [...RECOMMENDATION_TOOLS], maxActions: 3 });
    expect(actions.find((a) => a.tool === "sendOutreachEmail")).toMatchObject({ title: "Write to the person they referred you to", arguments: { kind: "REPLY", intent: "REFERRAL" } });
  });
});
