// Fixed inputs whose local outputs are committed in
// bench/snapshots/local-regressions.json; `npm run eval` reports any drift
// (run `npm run eval -- --update-snapshots` after an intended change, and
// review the diff).
import type { QualificationAssistInput } from "../../src/ai/prompts/qualification-assist.js";
import type { RecommendationInput } from "../../src/ai/runtime.js";
import type { Role } from "../../src/domain/access/permission.js";

const NOW = "2025-03-10T12:00:00.000Z";
const STAGES = ["new", "qualified", "proposal", "negotiation"];

export const RECOMMENDATION_CASES: Array<{ name: string; input: RecommendationInput & { role: Role } }> = [
  {
    name: "fresh meeting request on an open deal (manager)",
    input: {
      role: "MANAGER",
      deal: { status: "OPEN" },
      facts: {
        now: NOW,
        lead: { status: "WORKING", score: 72, grade: "B", createdAt: "2025-02-01T00:00:00Z", contactName: "Maria Keller", companyName: "Lumatech" },
        deal: { name: "Lumatech pilot", stage: "qualified", stages: STAGES, status: "OPEN", stageChangedAt: "2025-03-01T00:00:00Z", amount: 24000, currency: "EUR" },
        lastInbound: { intent: "MEETING_REQUEST", at: "2025-03-09T10:00:00Z" },
        lastOutboundAt: "2025-03-05T10:00:00Z",
        lastActivityAt: "2025-03-09T10:00:00Z",
      },
    },
  },
  {
    name: "same facts for an operator (no deal stage changes)",
    input: {
      role: "OPERATOR",
      deal: { status: "OPEN" },
      facts: {
        now: NOW,
        lead: { status: "WORKING", score: 72, createdAt: "2025-02-01T00:00:00Z", contactName: "Maria Keller" },
        deal: { name: "Lumatech pilot", stage: "qualified", stages: STAGES, status: "OPEN", stageChangedAt: "2025-03-01T00:00:00Z" },
        lastInbound: { intent: "MEETING_REQUEST", at: "2025-03-09T10:00:00Z" },
        lastOutboundAt: "2025-03-05T10:00:00Z",
      },
    },
  },
  {
    name: "new lead, never contacted, high score",
    input: { role: "OPERATOR", facts: { now: NOW, lead: { status: "NEW", score: 88, grade: "A", source: "web_form", createdAt: "2025-03-09T08:00:00Z", contactName: "James Osei" } } },
  },
  {
    name: "out of office with a return date",
    input: { role: "OPERATOR", facts: { now: NOW, lead: { status: "WORKING", createdAt: "2025-02-01T00:00:00Z", contactName: "Helga Wagner" }, lastInbound: { intent: "OUT_OF_OFFICE", at: "2025-03-08T10:00:00Z", returnDate: "2025-03-21" }, lastOutboundAt: "2025-03-07T10:00:00Z" } },
  },
  {
    name: "silence after our e-mail, hot lead",
    input: { role: "OPERATOR", facts: { now: NOW, lead: { status: "WORKING", score: 81, createdAt: "2025-02-01T00:00:00Z", contactName: "Paul Wright" }, lastOutboundAt: "2025-03-04T10:00:00Z" } },
  },
  {
    name: "stalled deal past its close date",
    input: {
      role: "ADMIN",
      deal: { status: "OPEN" },
      facts: { now: NOW, deal: { name: "Northgate fleet", stage: "proposal", stages: STAGES, status: "OPEN", stageChangedAt: "2025-01-02T00:00:00Z", expectedCloseDate: "2025-02-28" }, lastActivityAt: "2025-01-20T00:00:00Z" },
    },
  },
  {
    name: "unsubscribed contact: no e-mail is ever suggested",
    input: { role: "OWNER", contact: { unsubscribed: true }, facts: { now: NOW, lead: { status: "WORKING", createdAt: "2025-02-01T00:00:00Z", suppressed: true }, lastInbound: { intent: "UNSUBSCRIBE", at: "2025-03-09T10:00:00Z" } } },
  },
  {
    name: "HIPAA tenant without consent (settings in the case)",
    input: { role: "OWNER", contact: { consentToEmail: null }, facts: { now: NOW, lead: { status: "NEW", score: 70, createdAt: "2025-03-09T08:00:00Z" } } },
  },
];

export const QUALIFICATION_CASES: Array<{ name: string; input: QualificationAssistInput & { disqualified?: boolean } }> = [
  {
    name: "VP with urgent buying signals in the ICP",
    input: {
      contact: { title: "VP Operations", seniority: "VP" },
      company: { industry: "logistics", employeeCount: 400 },
      replyIntents: ["INTERESTED", "MEETING_REQUEST"],
      notes: ["We need something live this quarter; budget is approved. Can you send a proposal?"],
      idealCustomer: { industries: ["logistics"], minEmployees: 100, maxEmployees: 5000 },
    },
  },
  { name: "polite refusal", input: { contact: {}, company: {}, replyIntents: ["NOT_INTERESTED"], notes: ["Thanks but no thanks."] } },
  { name: "disqualified by rule (AI adjustment ignored)", input: { contact: { seniority: "C_LEVEL" }, company: {}, replyIntents: ["MEETING_REQUEST"], disqualified: true } },
  { name: "no signal", input: { contact: {}, company: {} } },
];
