// Dates in inbound mail: the reference a message's relative dates are read
// against (never 1970), when a reply asks us to come back, and which declines
// ask for a later contact at all.
import { describe, expect, it } from "vitest";
import { followUpDate, laterContactRequest, referenceDate, returnDate } from "../../src/ai/dates.js";
import { analyseInboundLocally } from "../../src/ai/local/inbound.js";

const SENT = new Date("2026-12-02T10:00:00Z"); // a Wednesday

describe("referenceDate", () => {
  it("is the send date, else the receipt, else now — never the epoch", () => {
    expect(referenceDate("2026-03-02T08:00:00Z", new Date("2026-03-05T00:00:00Z")).toISOString()).toBe("2026-03-02T08:00:00.000Z");
    expect(referenceDate(null, new Date("2026-03-05T00:00:00Z")).toISOString()).toBe("2026-03-05T00:00:00.000Z");
    expect(referenceDate("not a date", "2026-03-05T00:00:00Z").toISOString()).toBe("2026-03-05T00:00:00.000Z");
    const before = Date.now();
    const now = referenceDate(undefined, null).getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe("returnDate without a Date header", () => {
  const email = { headers: {}, date: null, subject: "Automatic reply: Proposal" };

  it("reads 'back on Monday' against the time the message was received", () => {
    expect(returnDate(email, "I am out of the office and back on Monday.", new Date("2026-12-02T10:00:00Z"))).toBe("2026-12-07");
  });

  it("without a receipt time either, reads it against now, not 1970", () => {
    const back = returnDate(email, "I am out of the office and back on Monday.");
    expect(back! > "2000-01-01").toBe(true);
    const days = (Date.parse(back!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(-1);
    expect(days).toBeLessThanOrEqual(8);
  });
});

describe("followUpDate", () => {
  it.each([
    ["Please reach out in March.", "2027-03-01", false],
    ["Get back to me after the 15th.", "2026-12-15", true],
    ["After the 1st works better.", "2027-01-01", true],
    ["We can revisit this next quarter.", "2027-01-01", false],
    ["Try me again in Q2.", "2027-04-01", false],
    ["Ping me in two weeks.", "2026-12-16", false],
    ["Let's talk after 10 January.", "2027-01-10", true],
  ])("%j → %s (after: %s)", (text, date, after) => {
    expect(followUpDate(text, SENT)).toMatchObject({ date, after });
  });
});

describe("laterContactRequest", () => {
  it.each([
    "Thanks, but not right now. Please reach out in March.",
    "Not a priority at the moment. Get back to me after the 15th.",
    "We're not interested this quarter. Try us again next quarter.",
    "Not for us right now, but feel free to check back later.",
    "Budget is frozen until Q2, let's talk then.",
  ])("a decline that asks to be contacted later: %j", (text) => {
    expect(laterContactRequest(text, SENT)).not.toBeNull();
  });

  it.each([
    "No thanks, we are not interested.",
    "No thanks, we signed a three-year contract with Acme in January.",
    "Not interested. We renewed with our current vendor on the 3rd of November.",
    "Please stop. We chose another supplier in March.",
  ])("a decline that names a time but asks nothing: %j", (text) => {
    expect(laterContactRequest(text, SENT)).toBeNull();
  });
});

describe("the local provider without a send date", () => {
  it("resolves a later contact against now, not 1970", () => {
    const out = analyseInboundLocally({ from: "ana@example.com", senderName: "Ana", subject: "Re: hello", sentAt: null, text: "Thanks, but not right now. Please reach out in March." });
    expect(out.action).toBe("SCHEDULE_FOLLOW_UP");
    const said = out.reasons.find((r) => r.startsWith("asks to be contacted again later"))!;
    const year = Number(/around (\d{4})/.exec(said)![1]);
    expect(year).toBeGreaterThanOrEqual(new Date().getUTCFullYear());
  });

  it("archives a decline that only mentions when it bought elsewhere", () => {
    const out = analyseInboundLocally({ from: "ana@example.com", senderName: "Ana", subject: "Re: hello", sentAt: SENT.toISOString(), text: "No thanks, we signed a three-year contract with Acme in January." });
    expect(out.intent).toBe("NOT_INTERESTED");
    expect(out.action).toBe("ARCHIVE");
  });
});
