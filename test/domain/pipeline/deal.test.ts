import { describe, expect, it } from "vitest";
import { checkClose, checkDealAgainstPipeline, checkStageMove } from "../../../src/domain/pipeline/deal.js";
import { pipelineSettingsSchema } from "../../../src/domain/pipeline/pipeline.js";

const pipeline = pipelineSettingsSchema.parse({});
const strict = pipelineSettingsSchema.parse({ allowBackwardMoves: false, allowSkippingStages: false });

describe("checkStageMove", () => {
  it.each([
    // [pipeline, from stage, status, to, reopen, mayReopen, expected]
    ["default", "qualification", "OPEN", "discovery", false, false, "ok"],
    ["default", "qualification", "OPEN", "negotiation", false, false, "ok"],
    ["default", "proposal", "OPEN", "qualification", false, false, "ok"],
    ["default", "proposal", "OPEN", "proposal", false, false, "INVALID_TRANSITION"],
    ["default", "proposal", "OPEN", "closed_won", false, false, "INVALID_TRANSITION"],
    ["default", "proposal", "OPEN", "nowhere", false, false, "UNKNOWN_STAGE"],
    ["default", "proposal", "OPEN", "discovery", true, true, "INVALID_TRANSITION"],
    ["default", "closed_won", "WON", "proposal", false, true, "DEAL_CLOSED"],
    ["default", "closed_lost", "LOST", "proposal", true, false, "FORBIDDEN"],
    ["default", "closed_lost", "LOST", "proposal", true, true, "ok"],
    ["strict", "qualification", "OPEN", "discovery", false, false, "ok"],
    ["strict", "qualification", "OPEN", "proposal", false, false, "INVALID_TRANSITION"],
    ["strict", "proposal", "OPEN", "discovery", false, false, "INVALID_TRANSITION"],
    ["strict", "removed_stage", "OPEN", "proposal", false, false, "ok"],
  ] as const)("%s: %s (%s) → %s, reopen %s, may reopen %s: %s", (which, stage, status, to, reopen, mayReopen, expected) => {
    const result = checkStageMove(which === "strict" ? strict : pipeline, { stage, status }, { to, reopen, mayReopen });
    expect(result.ok ? "ok" : result.error.code).toBe(expected);
    if (result.ok) expect(result.reopened).toBe(status !== "OPEN");
  });
});

describe("checkClose", () => {
  it.each([
    ["OPEN", "WON", undefined, undefined, "closed_won"],
    ["OPEN", "LOST", "price", undefined, "closed_lost"],
    ["OPEN", "LOST", "  ", undefined, "VALIDATION_FAILED"],
    ["OPEN", "WON", undefined, "closed_lost", "INVALID_TRANSITION"],
    ["OPEN", "WON", undefined, "nope", "UNKNOWN_STAGE"],
    ["WON", "LOST", "x", undefined, "DEAL_CLOSED"],
  ] as const)("%s deal closed %s (reason %j, stage %j): %s", (status, outcome, reason, stage, expected) => {
    const result = checkClose(pipeline, { status }, { outcome, reason, stage });
    expect(result.ok ? result.stage.key : result.error.code).toBe(expected);
  });
});

describe("pipeline settings", () => {
  it("refuses duplicate keys and orders, won/lost probabilities other than 100/0, and a missing kind", () => {
    const bad = pipelineSettingsSchema.safeParse({
      stages: [
        { key: "a", name: "A", order: 1, probability: 10, kind: "OPEN" },
        { key: "a", name: "B", order: 1, probability: 90, kind: "WON" },
      ],
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => i.message);
    expect(messages).toEqual(expect.arrayContaining(['stage key "a" is used twice', "order 1 is used twice", "a won stage has probability 100", "needs at least one LOST stage"]));
  });

  it("checks a new deal's stage and currency against the pipeline", () => {
    expect(checkDealAgainstPipeline(pipeline, { stage: "proposal", currency: "EUR" }, ["input"])).toEqual([]);
    expect(checkDealAgainstPipeline(pipeline, { stage: "x", currency: "EUR" }, ["input"])[0]?.code).toBe("UNKNOWN_STAGE");
    expect(checkDealAgainstPipeline(pipeline, { stage: "closed_won" }, ["input"])[0]?.code).toBe("INVALID_TRANSITION");
    expect(checkDealAgainstPipeline(pipeline, { currency: "EURO" }, ["input"])[0]?.field).toEqual(["input", "currency"]);
    const euroOnly = pipelineSettingsSchema.parse({ currencies: ["EUR"] });
    expect(checkDealAgainstPipeline(euroOnly, { currency: "USD" }, ["input"])[0]?.message).toMatch(/one of EUR/);
  });
});
