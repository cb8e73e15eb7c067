// When the follow-up of an analysed reply is due: then, when the reply named a
// time; a decline gets one only when it asked to be contacted later.
import { describe, expect, it } from "vitest";
import { planForAnalysis, type AnalysisVerdict } from "../../../src/domain/inbound/inbound-message.js";

const now = new Date("2026-12-02T10:00:00Z"); // a Wednesday
const decline: AnalysisVerdict = {
  intent: "NOT_INTERESTED",
  action: "SCHEDULE_FOLLOW_UP",
  reasons: ["declines"],
  returnDate: null,
  neverReply: false,
  automation: { automated: false },
  bounce: null,
  subject: "Re: Quick question",
};

describe("follow-up due dates", () => {
  it.each([
    ["in March (a Monday)", { said: "reach out in March", date: "2027-03-01", after: false }, "2027-03-01T09:00:00.000Z"],
    ["after the 15th: the business day after", { said: "after the 15th", date: "2026-12-15", after: true }, "2026-12-16T09:00:00.000Z"],
    ["next quarter (a Friday)", { said: "next quarter", date: "2027-01-01", after: false }, "2027-01-01T09:00:00.000Z"],
    ["a Saturday moves to Monday", { said: "on the 5th", date: "2026-12-05", after: false }, "2026-12-07T09:00:00.000Z"],
    ["after a Friday is the Monday", { said: "after the 11th", date: "2026-12-11", after: true }, "2026-12-14T09:00:00.000Z"],
  ])("%s", (_name, later, due) => {
    expect(planForAnalysis(decline, now, later).followUp?.dueAt.toISOString()).toBe(due);
  });

  it("a decline that asks to be contacted later without a time: in 90 days, not 7", () => {
    expect(planForAnalysis(decline, now, { said: "check back later", date: null, after: false }).followUp?.dueAt.toISOString()).toBe("2027-03-02T10:00:00.000Z");
  });

  it("a decline that asks nothing gets no follow-up, whatever the action says", () => {
    expect(planForAnalysis(decline, now, null).followUp).toBeNull();
    expect(planForAnalysis({ ...decline, action: "ARCHIVE" }, now, null).followUp).toBeNull();
  });

  it("another follow-up without a named time keeps the default week", () => {
    expect(planForAnalysis({ ...decline, intent: "INTERESTED" }, now, null).followUp?.dueAt.toISOString()).toBe("2026-12-09T10:00:00.000Z");
    expect(planForAnalysis({ ...decline, intent: "INTERESTED" }, now, { said: "in March", date: "2027-03-01", after: false }).followUp?.dueAt.toISOString()).toBe("2027-03-01T09:00:00.000Z");
  });
});
