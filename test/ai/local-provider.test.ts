// The local provider: deterministic, offline, and useful — the request
// detector is reproducible from its training data, the thread reader finds
// asks/dates/objections/commitments, the voice is learned, and drafts use
// the facts and the voice without placeholders.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { writeDraftLocally } from "../../src/ai/local/draft.js";
import { localEmbedding } from "../../src/ai/local/embedding.js";
import { analyseInboundLocally, classifyReply } from "../../src/ai/local/inbound.js";
import { qualifyLocally } from "../../src/ai/local/qualify.js";
import { recommendLocally } from "../../src/ai/local/recommend.js";
import { readThreadLocally } from "../../src/ai/local/thread.js";
import { PROMPTS } from "../../src/ai/prompts/index.js";
import { draftWriterInput } from "../../src/ai/prompts/draft-writer.js";
import { nextBestActionInput } from "../../src/ai/prompts/next-best-action.js";
import type { PromptDefinition } from "../../src/ai/prompts/prompt.js";
import { qualificationAssistInput } from "../../src/ai/prompts/qualification-assist.js";
import { generateStructured } from "../../src/ai/provider.js";
import { LocalProvider } from "../../src/ai/providers/local.js";
import { detectRequests, requestDetectorModel } from "../../src/ai/request-detector.js";
import { parseLabelledSentences, trainRequestDetector } from "../../src/ai/request-detector-training.js";
import { learnVoiceProfile, splitEmail } from "../../src/domain/draft/voice.js";
import { fixturePath, sharedData, sharedDataPath, withSharedData } from "../helpers/shared-data.js";

const SENT = [
  "Hi Anna,\n\nThanks for the call today. I'll send the proposal by Friday. Let me know if you have any questions.\n\nCheers,\nTom",
  "Hi Ben,\n\nQuick note: the contract is attached. Let me know if you have any questions!\n\nCheers,\nTom",
  "Hi team,\n\nWe're moving the review to Monday, so we'll have the numbers in time. Let me know if you have any concerns.\n\nCheers,\nTom",
  "Hi Carla,\n\nGreat to meet you at the fair. I'll share the case study tomorrow.\n\nBest,\nTom",
];
const FORMAL = [
  "Dear Mr. Hansen,\n\nThank you for your enquiry. Please find attached the requested documentation. I would be pleased to arrange a meeting at your convenience.\n\nKind regards,\nDr. Eva Lindqvist",
  "Dear Ms. Ortiz,\n\nFurther to our conversation, I would like to confirm the terms discussed. Do not hesitate to contact me should you require further information.\n\nKind regards,\nDr. Eva Lindqvist",
  "Dear Mr. Park,\n\nI would like to thank you for your time yesterday. We will prepare the proposal accordingly.\n\nKind regards,\nDr. Eva Lindqvist",
];

const thread = {
  // Long memory (src/orchestration/memory): nothing recalled for this thread.
  memories: [],
  messages: [
    { from: "tom@acme.io", direction: "OUTBOUND" as const, sentAt: "2025-03-03T09:00:00Z", subject: "Onboarding", text: "Hi Maria, would faster onboarding matter for Lumatech this quarter? I'll send our case study tomorrow." },
    {
      from: "maria@lumatech.io",
      direction: "INBOUND" as const,
      sentAt: "2025-03-04T10:00:00Z",
      subject: "Re: Onboarding",
      text: "Hi Tom,\n\nWhat does pricing look like for 40 seats? Honestly our budget is tight this year. Could we talk on Thursday at 3pm?\n\nMaria\n\nOn Mon, 3 Mar 2025, Tom wrote:\n> Hi Maria, would faster onboarding matter?",
    },
  ],
};

function draftFacts(overrides: Record<string, unknown> = {}) {
  return draftWriterInput.parse({
    kind: "REPLY",
    sender: { name: "Tom Becker", company: "Acme" },
    contact: { firstName: "Maria", lastName: "Keller", title: "Head of Support" },
    company: { name: "Lumatech", industry: "software" },
    product: { name: "Acme Onboard", valueProposition: "Cuts new-hire onboarding time in half with guided workflows." },
    inbound: { subject: "Re: Onboarding", text: thread.messages[1]!.text, intent: null },
    thread: readThreadLocally(thread),
    voice: learnVoiceProfile(SENT),
    ...overrides,
  });
}

const PLACEHOLDER = /\[[A-Za-z_ ]+\]|\{\{?\s*\w+\s*\}\}?|<[A-Z_]+>|undefined|null|NaN|TODO/;

describe("request detector", () => {
  it.skipIf(!sharedData.dir)(withSharedData("is reproduced exactly from the Parakweet training file by the committed training code"), () => {
    const source = sharedDataPath("email-intent", "Ask0729-fixed.txt");
    const retrained = trainRequestDetector(readFileSync(source, "utf8"), "Ask0729-fixed.txt");
    expect(retrained).toEqual(requestDetectorModel());
  }, 60_000);

  // Sentences written for this project (test/fixtures/request-sentences.txt), present in every clone.
  const fixture = readFileSync(fixturePath("request-sentences.txt"), "utf8");
  const labelled = parseLabelledSentences(fixture);

  it("reads the fixture in the training format (comment lines ignored)", () => {
    expect(labelled).toHaveLength(40);
    expect(labelled.filter((s) => s.label)).toHaveLength(20);
    expect(labelled[0]).toEqual({ label: true, text: "Could you send me the signed order form by Thursday?" });
  });

  it("the committed model tells requests from statements on sentences it was not trained on", () => {
    const wrong = labelled.filter((s) => detectRequests(s.text).isRequest !== s.label).map((s) => `${s.label ? "Yes" : "No"}: ${s.text}`);
    // Measured: 35 of 40 right (it misses two softer asks and reads three statements as asks); a model that
    // guesses, or always answers the same, gets about 20. The bar leaves one miss for a retrained model.
    expect(wrong.length, `misread:\n${wrong.join("\n")}`).toBeLessThanOrEqual(6);
  });

  it("training is deterministic and learns the fixture's requests from its statements", () => {
    const a = trainRequestDetector(fixture, "request-sentences.txt", { minCount: 1 });
    const b = trainRequestDetector(fixture, "request-sentences.txt", { minCount: 1 });
    expect(a).toEqual(b);
    expect(a).toMatchObject({ version: 1, trainedOn: "request-sentences.txt" });
    const right = labelled.filter((s) => detectRequests(s.text, a).isRequest === s.label).length;
    expect(right / labelled.length).toBeGreaterThanOrEqual(0.9);
    // Another seed shuffles differently: the weights differ, so the seed is really used.
    expect(trainRequestDetector(fixture, "request-sentences.txt", { minCount: 1, seed: 1 }).weights).not.toEqual(a.weights);
  });

  it.each([
    ["Can you send me the contract by Friday?", true],
    ["Please review the attached draft and let me know.", true],
    ["Thanks for the update, we had a great weekend.", false],
    ["The meeting went well.", false],
  ])("%j → %s", (text, expected) => {
    expect(detectRequests(text).isRequest).toBe(expected);
  });
});

describe("inbound analysis (local)", () => {
  it("classifies replies and proposes the matching action, reasons quoting the text", () => {
    const meeting = analyseInboundLocally({ from: "k@x.cz", senderName: "Karel Novak", subject: "Re: data", sentAt: "2025-03-03T09:00:00Z", text: "Let's set up a call. Would Tuesday at 10am CET work for you?" });
    expect(meeting).toMatchObject({ intent: "MEETING_REQUEST", action: "DRAFT_REPLY" });
    expect(meeting.reasons.join(" ")).toMatch(/set up a call|Let's/i);
    expect(meeting.suggestedReply).toMatch(/^Hi Karel,/);
    expect(meeting.relevance).toBeGreaterThan(0.8);
    const ooo = analyseInboundLocally({ from: "a@b.nl", senderName: null, subject: "Out of office", sentAt: "2025-08-20T09:00:00Z", text: "I am on parental leave and will return on 1 September 2025." });
    expect(ooo).toMatchObject({ intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", returnDate: "2025-09-01", suggestedReply: null });
    const referral = analyseInboundLocally({ from: "j@tv.co.uk", senderName: "John", subject: "Re: x", sentAt: null, text: "I'm not the right person. Talk to Priya Shah instead: priya.shah@tv.co.uk" });
    expect(referral.intent).toBe("REFERRAL");
    expect(referral.referral).toEqual({ name: "Priya Shah", email: "priya.shah@tv.co.uk" });
    // A threat to report us if we write again is a demand to stop: unsubscribe recall comes first.
    expect(analyseInboundLocally({ from: "a@b.c", senderName: null, subject: "Re: x", sentAt: null, text: "Not interested, and if you email me again I will report you to the data protection authority." })).toMatchObject({ intent: "UNSUBSCRIBE", action: "SUPPRESS" });
    expect(classifyReply("Re: x", "We are not interested at all.").intent).toBe("NOT_INTERESTED");
  });

  it("escalates a legal threat that is not an unsubscribe", () => {
    const out = analyseInboundLocally({ from: "a@b.c", senderName: null, subject: "Re: x", sentAt: null, text: "This is harassment. My lawyer will be in touch about your calls." });
    expect(out.action).toBe("ESCALATE");
  });
});

describe("thread reader (local)", () => {
  it("finds asks, resolved dates, objections, commitments and the next step", () => {
    const facts = readThreadLocally(thread);
    expect(facts.asks).toEqual(
      expect.arrayContaining([
        { text: "What does pricing look like for 40 seats?", by: "THEM" },
        { text: "Could we talk on Thursday at 3pm?", by: "THEM" },
      ]),
    );
    expect(facts.dates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ text: "tomorrow", date: "2025-03-04" }),
        expect.objectContaining({ date: "2025-03-06" }),
      ]),
    );
    expect(facts.objections).toEqual([{ text: "Honestly our budget is tight this year.", category: "PRICE" }]);
    expect(facts.commitments).toEqual([{ text: "I'll send our case study tomorrow.", by: "US" }]);
    expect(facts.nextStep).toMatch(/Answer their request/);
    // Quoted history is not read twice.
    expect(facts.asks.filter((a) => /faster onboarding/.test(a.text))).toHaveLength(1);
  });
});

describe("voice learning", () => {
  it("learns greeting, sign-off, signature, length, formality and phrases", () => {
    const casual = learnVoiceProfile(SENT);
    expect(casual.greeting).toMatchObject({ text: "Hi", withName: true, punctuation: "," });
    expect(casual.signOff).toMatchObject({ text: "Cheers", punctuation: "," });
    expect(casual.signOff!.share).toBe(0.75);
    expect(casual.signatureName).toBe("Tom");
    expect(casual.commonPhrases).toContain("let me know if");
    expect(casual.formalityLabel).toBe("casual");
    expect(casual.contractionRate).toBeGreaterThan(0);
    const formal = learnVoiceProfile(FORMAL);
    expect(formal.greeting).toMatchObject({ text: "Dear", withName: true });
    expect(formal.signOff!.text).toBe("Kind regards");
    expect(formal.signatureName).toBe("Dr. Eva Lindqvist");
    expect(formal.formalityLabel).toBe("formal");
    expect(formal.formality).toBeGreaterThan(casual.formality);
    expect(formal.sentenceLength.meanWords).toBeGreaterThan(casual.sentenceLength.meanWords);
  });

  it("does not depend on the order of the e-mails", () => {
    expect(learnVoiceProfile([...SENT].reverse())).toEqual(learnVoiceProfile(SENT));
  });

  it("splits greeting, body and sign-off", () => {
    expect(splitEmail(SENT[0]!)).toMatchObject({ greeting: { text: "Hi", withName: true }, signOff: { text: "Cheers" }, signatureName: "Tom" });
  });
});

describe("draft writer (local)", () => {
  it("writes a reply in the learned voice that uses the real facts and no placeholders", () => {
    const draft = writeDraftLocally(draftFacts());
    expect(draft.subject).toBe("Re: Onboarding");
    expect(draft.body.startsWith("Hi Maria,\n")).toBe(true);
    expect(draft.body.trimEnd().endsWith("Cheers,\nTom")).toBe(true);
    expect(draft.body).toContain("What does pricing look like for 40 seats?");
    expect(draft.body).not.toMatch(PLACEHOLDER);
    expect(draft.factsUsed).toEqual(expect.arrayContaining(["contact.firstName", "inbound.text"]));
  });

  it("follows a formal voice: its greeting, sign-off and no contractions", () => {
    const draft = writeDraftLocally(draftFacts({ voice: learnVoiceProfile(FORMAL), contact: { firstName: "Maria" } }));
    expect(draft.body.startsWith("Dear Maria,")).toBe(true);
    expect(draft.body).toMatch(/Kind regards,\nDr\. Eva Lindqvist$/);
    expect(draft.body).not.toMatch(/\b(I'll|we're|don't|can't|it's|I'm)\b/);
  });

  it("writes outreach from company facts, different for different companies, and never a placeholder when facts are missing", () => {
    const a = writeDraftLocally(draftFacts({ kind: "OUTREACH", inbound: null, thread: null }));
    const b = writeDraftLocally(draftFacts({ kind: "OUTREACH", inbound: null, thread: null, company: { name: "Brightline Logistics", industry: "logistics" }, contact: { firstName: "James" } }));
    expect(a.body).toContain("Lumatech");
    expect(a.body).toContain("cuts new-hire onboarding time in half");
    expect(b.body).toContain("Brightline Logistics");
    expect(b.body).toMatch(/^Hi James,/);
    expect(a.body).not.toBe(b.body);
    const bare = writeDraftLocally(draftFacts({ kind: "OUTREACH", inbound: null, thread: null, voice: null, company: { name: null }, contact: { firstName: null }, product: { name: "Acme Onboard" } }));
    expect(bare.body).toMatch(/^Hi,|^Hello,/);
    expect(bare.body).not.toMatch(PLACEHOLDER);
    expect(bare.subject).not.toMatch(PLACEHOLDER);
  });

  it.each(["MEETING_REQUEST", "QUESTION", "OBJECTION", "INTERESTED", "REFERRAL", "NOT_INTERESTED"] as const)("a %s reply is grammatical prose without placeholders", (intent) => {
    const draft = writeDraftLocally(draftFacts({ inbound: { subject: "Re: Onboarding", text: thread.messages[1]!.text, intent } }));
    expect(draft.body).not.toMatch(PLACEHOLDER);
    const sentences = draft.body.split("\n").filter((l) => l.length > 30);
    for (const s of sentences) expect(s).toMatch(/^[A-Z"]/);
    for (const s of sentences) expect(s).toMatch(/[.?!]$/);
  });
});

describe("meeting slots in a local reply", () => {
  const ask = (text: string, labels: string[] | null) =>
    writeDraftLocally(
      draftFacts({
        inbound: { subject: "Re: Pilot", text, intent: "MEETING_REQUEST" },
        thread: { ...readThreadLocally(thread), dates: [{ text: "next week", date: "2025-03-17", context: "a call next week" }] },
        meetingSlots: labels ? { timeZone: "UTC", labels } : null,
      }),
    );
  const slots = ["Tue 8 Dec, 14:00–14:30 (UTC)", "Wed 9 Dec, 14:30–15:00 (UTC)"];

  it("a period asked for (\"next week\") with free slots: the calendar's slots are offered, not a promise to invite", () => {
    const draft = ask("Could we set up a call next week to discuss pricing?", slots);
    for (const label of slots) expect(draft.body).toContain(label);
    expect(draft.body).toMatch(/would one of them suit you\?/);
    expect(draft.body).not.toMatch(/send a calendar invitation shortly/);
    expect(draft.factsUsed).toContain("meetingSlots");
  });

  it("a period without a consulted calendar: no invented time", () => {
    const draft = ask("Could we set up a call next week to discuss pricing?", null);
    expect(draft.body).not.toMatch(/\d{2}:\d{2}/);
  });
});

describe("next-best-action (local)", () => {
  const now = "2025-03-10T12:00:00.000Z";
  it("ranks a reply to a fresh meeting request first and moves the deal", () => {
    const out = recommendLocally(
      nextBestActionInput.parse({
        facts: {
          now,
          lead: { status: "WORKING", score: 72, createdAt: "2025-02-01T00:00:00Z", contactName: "Maria Keller" },
          deal: { name: "Lumatech pilot", stage: "qualified", stages: ["new", "qualified", "proposal", "negotiation"], status: "OPEN", stageChangedAt: "2025-03-01T00:00:00Z" },
          lastInbound: { intent: "MEETING_REQUEST", at: "2025-03-09T10:00:00Z" },
          lastOutboundAt: "2025-03-05T10:00:00Z",
        },
        allowedTools: ["sendOutreachEmail", "scheduleFollowUp", "updateDealStage", "logSalesActivity"],
      }),
    );
    expect(out.actions[0]).toMatchObject({ tool: "sendOutreachEmail", arguments: { kind: "REPLY" } });
    expect(out.actions.find((a) => a.tool === "updateDealStage")!.arguments).toEqual({ toStage: "proposal" });
    for (const a of out.actions) {
      expect(a.factsUsed.length).toBeGreaterThan(0);
      expect(Date.parse(a.expiresAt)).toBeGreaterThan(Date.parse(now));
      expect(a.confidence).toBeGreaterThan(0);
    }
  });

  it("follows up after the out-of-office return date, on a business day, and never e-mails a suppressed lead", () => {
    const facts = {
      now,
      lead: { status: "WORKING", createdAt: "2025-02-01T00:00:00Z", suppressed: true },
      lastInbound: { intent: "OUT_OF_OFFICE", at: "2025-03-09T10:00:00Z", returnDate: "2025-03-20" },
    };
    const out = recommendLocally(nextBestActionInput.parse({ facts, allowedTools: ["sendOutreachEmail", "scheduleFollowUp", "logSalesActivity"] }));
    expect(out.actions[0]).toMatchObject({ tool: "scheduleFollowUp", arguments: { dueAt: "2025-03-24T09:00:00.000Z" } });
    expect(out.actions.some((a) => a.tool === "sendOutreachEmail")).toBe(false);
  });

  it("proposes only allowed tools", () => {
    const out = recommendLocally(
      nextBestActionInput.parse({ facts: { now, lead: { status: "NEW", createdAt: now, score: 80 } }, allowedTools: ["logSalesActivity"] }),
    );
    expect(out.actions.every((a) => a.tool === "logSalesActivity")).toBe(true);
  });
});

describe("qualification assist (local)", () => {
  it("raises for buying signals and ICP fit, lowers for refusals, always within ±10", () => {
    const hot = qualifyLocally(
      qualificationAssistInput.parse({
        contact: { seniority: "VP" },
        company: { industry: "software", employeeCount: 200 },
        replyIntents: ["INTERESTED", "MEETING_REQUEST"],
        notes: ["We need this live by end of quarter; budget is approved, please send a proposal."],
        idealCustomer: { industries: ["software"], minEmployees: 50, maxEmployees: 1000 },
      }),
    );
    expect(hot.adjustment).toBe(10);
    expect(hot.reason).toMatch(/^Raise by 10/);
    const cold = qualifyLocally(qualificationAssistInput.parse({ contact: {}, company: {}, replyIntents: ["NOT_INTERESTED"], notes: ["No thanks, this is useless to us."] }));
    expect(cold.adjustment).toBeLessThan(0);
    const flat = qualifyLocally(qualificationAssistInput.parse({ contact: {}, company: {} }));
    expect(flat).toEqual({ adjustment: 0, reason: "No signal beyond what the score already covers.", signals: [] });
  });
});

describe("determinism", () => {
  const inputs: Record<string, unknown> = {
    "inbound-analysis": { from: "maria@lumatech.io", senderName: "Maria Keller", subject: "Re: Onboarding", sentAt: "2025-03-04T10:00:00Z", text: thread.messages[1]!.text },
    "request-detection": { text: "Can you send me the contract?" },
    "thread-reader": thread,
    "draft-writer": draftFacts(),
    "next-best-action": { facts: { now: "2025-03-10T12:00:00Z", lead: { status: "NEW", createdAt: "2025-03-09T00:00:00Z", score: 60 } }, allowedTools: ["sendOutreachEmail", "logSalesActivity"] },
    "qualification-assist": { contact: {}, company: {}, replyIntents: ["QUESTION"], notes: ["What does it cost?"] },
  };

  it.each((PROMPTS as readonly PromptDefinition[]).map((p) => [p.id, p] as const))("%s: the same input twice gives the same output", async (id, prompt) => {
    const provider = new LocalProvider();
    const first = await generateStructured(provider, prompt, inputs[id]);
    const second = await generateStructured(new LocalProvider(), prompt, structuredClone(inputs[id]));
    expect(second.output).toEqual(first.output);
    expect(first.attempts).toBe(1);
  });

  it("local embeddings are deterministic, normalised, and closer for similar texts", async () => {
    const [a, b, c] = (await new LocalProvider().embed(["pricing for 40 seats", "price for forty seats please", "the weather in Lisbon"])).vectors;
    expect(localEmbedding("pricing for 40 seats")).toEqual(a);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!));
  });
});
