import { writeDraftLocally } from "./src/ai/local/draft.js";
import { draftWriterInput } from "./src/ai/prompts/draft-writer.js";
import { readThreadLocally } from "./src/ai/local/thread.js";
import { learnVoiceProfile } from "./src/domain/voice.js";
const voice = learnVoiceProfile([
  { text: "Hi Anna,\n\nThanks for the call today. I'll send the proposal by Friday. Let me know if you have any questions.\n\nCheers,\nTom" },
  { text: "Hi Ben,\n\nQuick note: the contract is attached. Let me know if you have any questions!\n\nCheers,\nTom" },
  { text: "Hi team,\n\nWe're moving the review to Monday. Let me know if you have any concerns.\n\nCheers,\nTom" },
]);
console.log(JSON.stringify(voice));
const thread = readThreadLocally({ messages: [
  { from: "tom@acme.io", direction: "OUTBOUND", sentAt: "2025-03-03T09:00:00Z", subject: "Onboarding", text: "Hi Maria, would faster onboarding matter for Lumatech this quarter? I'll send our case study tomorrow." },
  { from: "maria@lumatech.io", direction: "INBOUND", sentAt: "2025-03-04T10:00:00Z", subject: "Re: Onboarding", text: "Hi Tom,\n\nWhat does pricing look like for 40 seats? Honestly our budget is tight this year. Could we talk on Thursday at 3pm?\n\nMaria" },
]});
console.log(JSON.stringify(thread, null, 1));
for (const intent of ["QUESTION", "MEETING_REQUEST", "OBJECTION", null] as const) {
const d = writeDraftLocally(draftWriterInput.parse({ kind: intent ? "REPLY" : "OUTREACH", sender: { name: "Tom Becker", company: "Acme" }, contact: { firstName: "Maria", title: "Head of Support" }, company: { name: "Lumatech", industry: "software" }, product: { name: "Acme Onboard", valueProposition: "Cuts new-hire onboarding time in half with guided workflows." }, inbound: intent ? { subject: "Re: Onboarding", text: "What does pricing look like for 40 seats? Honestly our budget is tight this year. Could we talk on Thursday at 3pm?", intent } : null, thread: intent ? thread : null, voice }));
console.log("-----", intent, "\n" + d.subject + "\n" + d.body, d.factsUsed);
}
