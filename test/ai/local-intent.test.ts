// The local intent model and what the local provider does with it: the reply's
// own words, features, the trained model (reproducible from the committed
// script), the unsubscribe backstop, actions, reasons and suggested replies.
// Messages here are written for these tests (none comes from a held-out set).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { trainFinalModel } from "../../scripts/train-intent-model.js";
import { followUpDate, mentionedDates } from "../../src/ai/dates.js";
import { analyseInboundLocally, classifyReply } from "../../src/ai/local/inbound.js";
import { referredPerson } from "../../src/ai/local/inbound-reply.js";
import { intentFeatures } from "../../src/ai/local/intent-features.js";
import { intentModel, intentProbabilities } from "../../src/ai/local/intent-model.js";
import { replyText } from "../../src/ai/local/reply-text.js";

const at = "2026-03-03T09:00:00Z"; // a Tuesday
const input = (text: string, extra: Partial<Parameters<typeof analyseInboundLocally>[0]> = {}) => ({ from: "sam.ortiz@harbourfreight.example", senderName: "Sam Ortiz", subject: "Re: Yard planning", sentAt: at, text, ...extra });
const RAW_FEATURE = /\b(?:w|b|n|c|cue|sig|ent|when|lex|lang|len|subj|sent):\S/;

describe("the reply's own words", () => {
  it("drops the greeting line, sign-off, signature, phone footer and disclaimer", () => {
    const text = "Hi Tom,\n\nWe would like a trial for the Leeds team.\n\nKind regards\nGreta Holm\nHead of Operations | +44 20 7946 0011\n\nThis message is confidential and intended only for the addressee; if you are not the intended recipient, delete it.";
    expect(replyText(text)).toEqual({ body: "We would like a trial for the Leeds team.", signature: expect.stringContaining("Greta Holm") });
    expect(replyText("Sounds good, send it over.\n\nSent from my iPhone").body).toBe("Sounds good, send it over.");
    expect(replyText("Hi Tom, good timing, we are looking at this right now.").body).toBe("good timing, we are looking at this right now.");
  });

  it("keeps a one-line reply that only looks like a sign-off", () => {
    expect(replyText("Thanks!").body).toBe("Thanks!");
    expect(replyText("Thanks, but no.\nAnna").body).toBe("Thanks, but no.\nAnna");
  });

  it("removes quoted history in English, German, French and Spanish mail clients' formats", () => {
    const quoted = [
      "Yes please.\n\nOn Tue, 3 Mar 2026 at 10:14, Tom Becker <tom@acme.example> wrote:\n> Would a call make sense?",
      "Yes please.\n\nAm 03.03.2026 um 10:14 schrieb Tom Becker <tom@acme.example>:\n> Would a call make sense?",
      "Yes please.\n\nLe mar. 3 mars 2026 à 10:14, Tom Becker <tom@acme.example> a écrit :\n> Would a call make sense?",
      "Yes please.\n\nEl mar, 3 mar 2026 a las 10:14, Tom Becker (<tom@acme.example>) escribió:\n> Would a call make sense?",
      "Yes please.\n\n-----Ursprüngliche Nachricht-----\nVon: Tom\nGesendet: Dienstag\nWould a call make sense?",
      "Yes please.\n\nDe : Tom Becker\nEnvoyé : mardi 3 mars 2026\nWould a call make sense?",
    ];
    for (const text of quoted) expect(replyText(text).body).toBe("Yes please.");
  });
});

describe("features", () => {
  it("finds times, names, addresses, negation, later contact and the old cue patterns", () => {
    const { features, evidence } = intentFeatures("Re: x", "Not now. Try me again in Q3, or talk to Priya Shah (priya.shah@tv.example) who runs procurement.", { charNgrams: false });
    expect(features).toEqual(expect.arrayContaining(["sig:deferral", "sig:person", "ent:email", "lex:role", "sig:negation", "w:procurement"]));
    expect(evidence["sig:person"]).toBe("Priya Shah");
    expect(intentFeatures("Re: x", "Could we talk on Thursday at 11?", { charNgrams: false }).features).toEqual(expect.arrayContaining(["when:clock", "when:day", "sig:question", "sig:request", "cue:MEETING_REQUEST:asks to meet"]));
    expect(intentFeatures("Out of office: Re: x", "Ich bin im Urlaub und ab dem 7. April wieder erreichbar.", { charNgrams: false }).features).toEqual(expect.arrayContaining(["lex:away", "lex:return", "lang:de", "subj:away"]));
  });

  it("are the same every time (sorted, no duplicates)", () => {
    const a = intentFeatures("Re: x", "Happy to talk, how is Monday 10am?", { charNgrams: true }).features;
    expect(intentFeatures("Re: x", "Happy to talk, how is Monday 10am?", { charNgrams: true }).features).toEqual(a);
    expect([...a].sort()).toEqual(a);
    expect(new Set(a).size).toBe(a.length);
  });
});

describe("intent model", () => {
  it("is reproduced exactly by the committed training script", () => {
    expect(trainFinalModel()).toBe(readFileSync("src/ai/models/inbound-intent.json", "utf8"));
  }, 120_000);

  it("gives a probability per class that sums to 1", () => {
    const model = intentModel();
    const p = intentProbabilities(model, intentFeatures("Re: x", "Send me the deck please.", model.options).features);
    expect(p).toHaveLength(model.classes.length);
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
  });

  it.each([
    ["We're keen — please send the pilot terms and a short overview for my team.", "INTERESTED"],
    ["Could you walk our finance lead through it next Wednesday afternoon?", "MEETING_REQUEST"],
    ["Do you support SAML single sign-on with Azure AD?", "QUESTION"],
    ["We signed a two-year contract with another vendor last month, so switching is unrealistic.", "OBJECTION"],
    ["Thanks, but we won't be going ahead with this.", "NOT_INTERESTED"],
    ["I'm on annual leave until 14 April with no access to email.", "OUT_OF_OFFICE"],
    ["I'm not the right contact. Please speak with our COO, Daniel Weiss (d.weiss@vossgroup.example).", "REFERRAL"],
    ["Invoice 2231 has been paid, thanks.", "OTHER"],
  ])("%j → %s", (text, intent) => {
    expect(classifyReply("Re: Our conversation", text).intent).toBe(intent);
  });
});

describe("unsubscribe", () => {
  it("is certain when the rule finds it, before the model is asked", () => {
    const out = classifyReply("Re: x", "Please take me off your list.");
    expect(out).toMatchObject({ intent: "UNSUBSCRIBE", confidence: 1, prediction: null });
  });

  it("is also taken from the model when the rule misses it, but only with a word that refuses or removes", () => {
    const missedByRule = classifyReply("Re: x", "You keep emailing me. Stop it.");
    expect(missedByRule.intent).toBe("UNSUBSCRIBE");
    expect(missedByRule.prediction).not.toBeNull();
    expect(classifyReply("Re: x", "It's a hard pass from me.").intent).not.toBe("UNSUBSCRIBE");
    expect(analyseInboundLocally(input("You keep emailing me. Stop it."))).toMatchObject({ action: "SUPPRESS", suggestedReply: null });
  });
});

describe("actions, reasons and replies", () => {
  it("schedules a follow-up when a no asks for a later contact, with the date, and closes politely", () => {
    const out = analyseInboundLocally(input("Not this quarter. Try me again in Q3."));
    expect(out).toMatchObject({ intent: "NOT_INTERESTED", action: "SCHEDULE_FOLLOW_UP" });
    expect(out.reasons.join(" ")).toContain("2026-07-01");
    expect(out.suggestedReply).toMatch(/^Hi Sam,\n/);
    expect(out.suggestedReply).toContain("around July 2026");
  });

  it("archives a plain no with a polite close a person may send", () => {
    const out = analyseInboundLocally(input("Thanks, but we won't be going ahead with this."));
    expect(out).toMatchObject({ intent: "NOT_INTERESTED", action: "ARCHIVE" });
    expect(out.suggestedReply).toContain("I will not follow up");
  });

  it("drafts a reply to an objection that addresses its kind", () => {
    const out = analyseInboundLocally(input("Honestly the licence fee is more than our whole tools budget."));
    expect(out).toMatchObject({ intent: "OBJECTION", action: "DRAFT_REPLY" });
    expect(out.suggestedReply).toMatch(/cost/);
  });

  it("writes a referral's draft to the referred person, naming who suggested it", () => {
    const out = analyseInboundLocally(input("I'm not the right contact. Please speak with our COO, Daniel Weiss (d.weiss@vossgroup.example)."));
    expect(out).toMatchObject({ intent: "REFERRAL", action: "DRAFT_REPLY", referral: { name: "Daniel Weiss", email: "d.weiss@vossgroup.example" } });
    expect(out.suggestedReply).toMatch(/^Hi Daniel,\n\nSam Ortiz suggested I get in touch with you about yard planning/);
  });

  it("confirms the time a meeting request proposes, or proposes two when asked", () => {
    const confirmed = analyseInboundLocally(input("Could you walk our finance lead through it on Thursday at 2pm?"));
    expect(confirmed).toMatchObject({ intent: "MEETING_REQUEST", action: "DRAFT_REPLY" });
    expect(confirmed.suggestedReply).toContain("Thursday at 2pm (5 March) works for me");
    const asked = analyseInboundLocally(input("Happy to meet — send me a few options for next week."));
    expect(asked.intent).toBe("MEETING_REQUEST");
    expect(asked.suggestedReply).toContain("Thursday 5 March at 10:00 or Friday 6 March at 15:00");
  });

  it("explains the decision in words, with the model's certainty, never raw feature names", () => {
    for (const text of ["Could you walk our finance lead through it next Wednesday afternoon?", "We signed a two-year contract with another vendor last month.", "Invoice 2231 has been paid, thanks."]) {
      const out = analyseInboundLocally(input(text));
      expect(out.reasons[0]).toMatch(/\(local model, \d+% sure\)$/);
      expect(out.reasons.length).toBeGreaterThan(1);
      for (const reason of out.reasons) expect(reason).not.toMatch(RAW_FEATURE);
    }
  });

  it("is deterministic", () => {
    const text = "Interesting, but the price is high. Could we talk Friday?";
    expect(analyseInboundLocally(input(text))).toEqual(analyseInboundLocally(input(text)));
  });
});

describe("people and dates", () => {
  it("finds the referred person from an address, a title or a single first name", () => {
    expect(referredPerson("Please write to Mr. Kowalski in IT.", "a@b.example")).toEqual({ name: "Mr. Kowalski", email: null });
    expect(referredPerson("Try ben@crafthops.example, he decides.", "kate@crafthops.example")).toEqual({ name: "Ben", email: "ben@crafthops.example" });
    expect(referredPerson("Talk to Jana Vogel.\n\nBest,\nSven Olafsson", "s@x.example", "Sven Olafsson")).toEqual({ name: "Jana Vogel", email: null });
  });

  it.each([
    ["Try me again in Q3.", "2026-07-01"],
    ["Reach out again after the summer.", "2026-09-01"],
    ["Circle back in six months.", "2026-09-01"],
    ["Next quarter, please.", "2026-04-01"],
    ["Maybe next year.", "2027-01-01"],
    ["Check back in January.", "2027-01-01"],
    ["No.", null],
  ])("follow-up date of %j is %s", (text, date) => {
    expect(followUpDate(text, new Date(at))?.date ?? null).toBe(date);
  });

  it("reads dates in German, French and Spanish", () => {
    const reference = new Date(at);
    expect(mentionedDates("ab dem 7. April wieder erreichbar", reference)[0]?.date).toBe("2026-04-07");
    expect(mentionedDates("absente jusqu'au 2 avril inclus", reference)[0]?.date).toBe("2026-04-02");
    expect(mentionedDates("fuera de la oficina hasta el 10 de abril", reference)[0]?.date).toBe("2026-04-10");
  });
});
