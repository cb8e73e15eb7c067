// Local draft writer: composes a reply or outreach e-mail from the facts,
// following the sender's voice profile (greeting, sign-off, contractions,
// length, exclamation habit). Phrasing variants are picked by a hash of the
// facts, so the same facts always give the same draft and different facts
// read differently. Only facts present in the input are used; a missing fact
// is written around, never left as a placeholder.
import { createHash } from "node:crypto";
import { defaultVoiceProfile, type VoiceProfile } from "../../domain/draft/voice.js";
import type { DraftWriterFacts, DraftWriterOutput } from "../prompts/draft-writer.js";
import { detectRequests } from "../request-detector.js";
import { classifyReply } from "./inbound.js";
import { capitalise } from "./names.js";

type Category = "PRICE" | "TIMING" | "AUTHORITY" | "COMPETITOR" | "NEED" | "TRUST" | "TECHNICAL" | "OTHER";

function pick<T>(options: readonly T[], seed: string, slot: string): T {
  const h = createHash("sha256").update(`${seed}|${slot}`).digest();
  return options[h.readUInt32BE(0) % options.length]!;
}

const EXPANSIONS: Array<[RegExp, string]> = [
  [/\bI'll\b/g, "I will"],
  [/\bwe'll\b/gi, "we will"],
  [/\bI'm\b/g, "I am"],
  [/\bwe're\b/gi, "we are"],
  [/\bit's\b/gi, "it is"],
  [/\bthat's\b/gi, "that is"],
  [/\bdon't\b/gi, "do not"],
  [/\bcan't\b/gi, "cannot"],
  [/\bwon't\b/gi, "will not"],
  [/\blet's\b/gi, "let us"],
  [/\byou're\b/gi, "you are"],
  [/\bI'd\b/g, "I would"],
  [/\bisn't\b/gi, "is not"],
];

function applyFormality(text: string, voice: VoiceProfile): string {
  if (voice.sampleSize > 0 && voice.contractionRate >= 0.01) return text;
  let out = text;
  for (const [pattern, full] of EXPANSIONS) out = out.replace(pattern, (m) => (m[0] === m[0]!.toUpperCase() ? capitalise(full) : full));
  return out.replace(/\bLet us\b/g, "Let us");
}

function greetingLine(voice: VoiceProfile, firstName: string | null): string {
  const g = voice.greeting ?? defaultVoiceProfile().greeting!;
  const punctuation = g.punctuation || ",";
  if (!g.text) return firstName ? `${firstName}${punctuation}` : `Hello${punctuation}`;
  if (g.withName) return firstName ? `${g.text} ${firstName}${punctuation}` : `${g.text === "Dear" ? "Hello" : g.text}${punctuation}`;
  return `${g.text}${punctuation}`;
}

function signOffLines(voice: VoiceProfile, senderName: string): string[] {
  const s = voice.signOff ?? defaultVoiceProfile().signOff!;
  const name = voice.signatureName ?? senderName.split(/\s+/)[0]!;
  return [`${s.text}${s.punctuation}`, name];
}

function sentenceCase(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function quote(text: string, max = 140): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`;
}

function objectionCategory(facts: DraftWriterFacts): Category | null {
  const fromThread = facts.thread?.objections.at(-1)?.category;
  if (fromThread) return fromThread;
  const text = facts.inbound?.text ?? "";
  if (/budget|expensive|price|cost|afford|spending/i.test(text)) return "PRICE";
  if (/already|signed with|locked|contract|in-?house/i.test(text)) return "COMPETITOR";
  if (/timing|bandwidth|not the right time|until q|middle of/i.test(text)) return "TIMING";
  if (/decision|procurement|approve/i.test(text)) return "AUTHORITY";
  if (/support|on-?prem|hosting|residency|mandatory|requirement|integrat/i.test(text)) return "TECHNICAL";
  if (/sceptical|skeptical|tried|adoption|doubt/i.test(text)) return "TRUST";
  if (/fit|too small|too big|need/i.test(text)) return "NEED";
  return text ? "OTHER" : null;
}

const OBJECTION_LINES: Record<Category, string[]> = {
  PRICE: [
    "I understand that budget is the deciding factor right now.",
    "Fair point on cost; it has to pay for itself.",
    "Thanks for being direct about the budget.",
  ],
  TIMING: [
    "Understood that the timing is difficult with everything else going on.",
    "That makes sense; a new project now would compete with what is already on your plate.",
    "Thanks for the context on timing.",
  ],
  AUTHORITY: ["Thanks for explaining how decisions are made on your side.", "That is helpful to know about the approval process."],
  COMPETITOR: [
    "It makes sense to stay with what you have while it works.",
    "Thanks for letting me know what you use today.",
    "Good to know you already have something in place.",
  ],
  NEED: ["Thanks for being honest about the fit.", "I appreciate you telling me it may not be the right size for you."],
  TRUST: ["After a rollout that did not stick, some scepticism is only fair.", "I understand the hesitation after your earlier experience."],
  TECHNICAL: ["Thanks for spelling out the requirement.", "That requirement is important, and I want to give you a straight answer on it."],
  OTHER: ["Thanks for sharing your concern.", "I appreciate the candid reply."],
};

const OBJECTION_FOLLOW: Record<Category, string[]> = {
  PRICE: [
    "If it helps, I can put together a short cost comparison against what you spend today, so you can judge it on numbers.",
    "Would it be useful to look at a smaller starting scope that fits this year's budget?",
  ],
  TIMING: ["Would it make sense for me to check back closer to when the current project wraps up?", "I'm happy to pick this up again when things calm down; just tell me when suits you."],
  AUTHORITY: ["Would it help if I prepared a one-page summary you could share internally?", "Who else should be part of the conversation, so I can tailor the material?"],
  COMPETITOR: [
    "If there are gaps in your current setup, I'd be glad to show how we handle those specifically.",
    "Should anything change before your renewal, I'd be glad to show where we differ.",
  ],
  NEED: ["If your needs change, I'd be glad to pick this up again.", "I'll leave it there for now, and you know where to find me."],
  TRUST: ["I'd be glad to connect you with a customer who went through the same switch, so you can hear it first-hand.", "A small pilot with clear success criteria might be a low-risk way to test it."],
  TECHNICAL: ["I'll confirm the details with our product team and come back to you with a clear answer.", "Let me check exactly what we support today and get back to you in writing."],
  OTHER: ["Would a short call help to talk it through?", "Let me know what would make this easier to evaluate."],
};

/** Times to offer: the calendar's free slots (in the recipient's zone) when it was consulted, else the given offers. */
function timesToOffer(facts: DraftWriterFacts): { times: string[]; noneFree: boolean; path: "meetingSlots" | "offers" } {
  if (facts.meetingSlots) return { times: facts.meetingSlots.labels, noneFree: facts.meetingSlots.labels.length === 0, path: "meetingSlots" };
  return { times: facts.offers, noneFree: false, path: "offers" };
}

const NO_FREE_TIME = "My calendar has no free time in the coming days, so rather than guess: could you tell me two or three times that suit you? I'll make one of them work.";

export function writeDraftLocally(facts: DraftWriterFacts): DraftWriterOutput {
  const voice = facts.voice ?? defaultVoiceProfile();
  const offer = timesToOffer(facts);
  const seed = JSON.stringify([facts.kind, facts.contact, facts.company.name, facts.inbound?.text ?? "", facts.product.name]);
  const factsUsed = new Set<string>(["sender.name"]);
  const firstName = facts.contact.firstName?.trim() || null;
  if (firstName) factsUsed.add("contact.firstName");
  const company = facts.company.name?.trim() || null;
  const product = facts.product.name;
  factsUsed.add("product.name");
  const exclaim = voice.exclamationRate >= 0.15;
  const paragraphs: string[] = [];
  let subject: string;

  if (facts.kind === "REPLY" && facts.inbound) {
    factsUsed.add("inbound.text");
    const intent = facts.inbound.intent ?? classifyReply(facts.inbound.subject, facts.inbound.text).intent;
    subject = /^re:/i.test(facts.inbound.subject.trim()) ? facts.inbound.subject.trim() : `Re: ${facts.inbound.subject.trim() || product}`;
    const questions = facts.inbound.text
      .split(/(?<=[.?!])\s+|\n+/)
      .map((s) => s.trim())
      .filter((s) => /\?$/.test(s) && s.length > 8);
    const theirAsks = [...new Set([...(facts.thread?.asks.filter((a) => a.by === "THEM").map((a) => a.text) ?? detectRequests(facts.inbound.text).requests), ...questions])];
    if (facts.thread) factsUsed.add("thread");
    const when = facts.thread?.dates.filter((d) => facts.inbound!.text.includes(d.text)).at(-1) ?? null;
    switch (intent) {
      case "MEETING_REQUEST": {
        paragraphs.push(pick([`Thanks for making time for this${exclaim ? "!" : "."}`, `Great, I'd be glad to talk${exclaim ? "!" : "."}`, "Thank you, that works well for me."], seed, "mtg-open"));
        // A period rather than a time ("next week") with free slots from the calendar: offer those slots (the calendar's
        // soonest free times, which need not fall in the period, so the text does not claim they do).
        const period = !!when && /\b(?:week|month)\b/i.test(when.text) && offer.path === "meetingSlots" && offer.times.length > 0;
        if (period) {
          factsUsed.add("thread.dates");
          factsUsed.add(offer.path);
          paragraphs.push(`These times are free in my calendar — would one of them suit you?\n${offer.times.map((t) => `- ${t}`).join("\n")}\nI'll send an invitation as soon as you confirm.`);
        } else if (when) {
          factsUsed.add("thread.dates");
          paragraphs.push(`${sentenceCase(when.text.replace(/^(?:on|at|in)\s+/i, ""))} works for me. I'll send a calendar invitation shortly${company ? ` to you and anyone else from ${company} who should join` : ""}.`);
        } else if (offer.times.length) {
          factsUsed.add(offer.path);
          paragraphs.push(`Would one of these times suit you?\n${offer.times.map((t) => `- ${t}`).join("\n")}\nI'll send an invitation as soon as you confirm.`);
        } else if (offer.noneFree) {
          factsUsed.add("meetingSlots");
          paragraphs.push(NO_FREE_TIME);
        } else paragraphs.push("Could you tell me two or three times that suit you? I'll send an invitation as soon as you confirm.");
        // A meeting request often carries a question too ("What does pricing look like? Could we talk Thursday?").
        const otherQuestions = questions.filter((q) => !/\b(?:call|talk|meet|meeting|chat|demo|zoom|teams|time|slot|available|free)\b/i.test(q) && !(when && q.includes(when.text)));
        if (otherQuestions.length) paragraphs.push(`You also asked "${quote(otherQuestions[0]!)}" — I'll bring a clear answer to the call, or send it beforehand if you prefer.`);
        paragraphs.push(
          pick(
            [
              `I'll keep it focused: a short look at how ${product} would work for ${company ?? "your team"}, and your questions.`,
              `To make the most of the time, I'll tailor the walkthrough of ${product} to ${company ? `${company}'s` : "your"} setup.`,
            ],
            seed,
            "mtg-agenda",
          ),
        );
        break;
      }
      case "QUESTION": {
        paragraphs.push(pick(["Thanks for the questions.", "Good questions, thank you.", "Thanks for getting back to me with this."], seed, "q-open"));
        if (theirAsks.length) {
          const list = theirAsks.slice(0, 3).map((q) => `"${quote(q)}"`);
          paragraphs.push(
            `You asked ${list.length === 1 ? list[0] : `${list.slice(0, -1).join(", ")} and ${list.at(-1)}`}. I want to give you an exact answer rather than a general one, so I'll confirm the details and come back to you in writing.`,
          );
        } else paragraphs.push("I'll confirm the details and come back to you in writing.");
        paragraphs.push(pick(["If it's quicker, I'm also happy to walk you through it on a short call.", "Would a 20-minute call help to go through it together?"], seed, "q-close"));
        break;
      }
      case "OBJECTION": {
        const category = objectionCategory(facts) ?? "OTHER";
        paragraphs.push(pick(OBJECTION_LINES[category], seed, "obj-open"));
        paragraphs.push(pick(OBJECTION_FOLLOW[category], seed, "obj-follow"));
        break;
      }
      case "REFERRAL": {
        const named = /\b([A-Z][a-z'-]+ [A-Z][a-z'-]+)\b/.exec(facts.inbound.text.replace(/^(?:hi|hello|dear|thanks?)[^\n]*\n/i, ""))?.[1] ?? null;
        paragraphs.push(named ? `Thank you for pointing me to ${named}.` : "Thank you for pointing me in the right direction.");
        paragraphs.push(named ? `I'll reach out to ${named.split(" ")[0]} directly and mention that you suggested it.` : "I'll reach out to them directly and mention that you suggested it.");
        break;
      }
      case "NOT_INTERESTED":
        paragraphs.push(pick(["Thanks for letting me know, I appreciate the clear answer.", "Understood, and thanks for taking the time to reply."], seed, "ni-open"));
        paragraphs.push("I won't follow up on this. If things change, you know where to find me.");
        break;
      case "INTERESTED":
      default: {
        paragraphs.push(
          pick(
            [`Great to hear this is relevant${company ? ` for ${company}` : ""}${exclaim ? "!" : "."}`, `Thanks for the quick reply${exclaim ? "!" : "."}`, "Glad this caught your interest."],
            seed,
            "int-open",
          ),
        );
        if (facts.product.valueProposition) {
          factsUsed.add("product.valueProposition");
          paragraphs.push(`In short, ${product} ${lowerFirst(facts.product.valueProposition)}`);
        }
        paragraphs.push(
          offer.times.length
            ? `Would one of these times work for a short call?\n${offer.times.map((t) => `- ${t}`).join("\n")}`
            : offer.noneFree
              ? NO_FREE_TIME
              : pick(["Would a 20-minute call next week be a good next step?", "Shall I send over a few times for a short call?"], seed, "int-close"),
        );
        if (offer.times.length || offer.noneFree) factsUsed.add(offer.path);
      }
    }
  } else {
    // Outreach: lead with them, then the value, then one clear ask.
    subject = pick(company ? [`${product} for ${company}`, `Idea for ${company}`, `${company} and ${product}`] : [`${product}`, `A quick idea`], seed, "subject");
    const role = facts.contact.title ? ` as ${withArticle(facts.contact.title)}` : "";
    if (facts.contact.title) factsUsed.add("contact.title");
    if (company) factsUsed.add("company.name");
    if (facts.company.industry) factsUsed.add("company.industry");
    paragraphs.push(
      pick(
        [
          `I'm ${facts.sender.name.split(" ")[0]} from ${facts.sender.company}. I'm reaching out because ${company ? `teams like ${company}` : "teams like yours"}${facts.company.industry ? ` in ${facts.company.industry}` : ""} often tell us the same thing${role ? `, and I thought it might matter to you${role}` : ""}.`,
          `I work with ${facts.company.industry ? `${facts.company.industry} companies` : "companies"} ${company ? `similar to ${company}` : "like yours"} at ${facts.sender.company}${role ? `, and thought of you${role}` : ""}.`,
        ],
        seed,
        "out-open",
      ),
    );
    if (facts.product.valueProposition) {
      factsUsed.add("product.valueProposition");
      paragraphs.push(`${product} ${lowerFirst(facts.product.valueProposition)}`);
    } else paragraphs.push(`${product} is what we built for exactly that.`);
    if (facts.recommendation) factsUsed.add("recommendation");
    paragraphs.push(
      offer.times.length
        ? `Would you be open to a short call? For example:\n${offer.times.map((t) => `- ${t}`).join("\n")}`
        : offer.noneFree
          ? `Would you be open to a short call? ${NO_FREE_TIME}`
          : pick(["Would you be open to a short call to see if it's a fit?", "Is this worth a 20-minute conversation?", "Would it be worth a quick call to compare notes?"], seed, "out-ask"),
    );
    if (offer.times.length || offer.noneFree) factsUsed.add(offer.path);
  }

  // At most two approved files, each link on its own line (never inside a sentence, so its punctuation stays out of the URL).
  if (facts.assets.length && !(facts.kind === "REPLY" && facts.inbound?.intent === "NOT_INTERESTED")) {
    factsUsed.add("assets");
    const list = facts.assets.slice(0, 2).map((a) => `${a.title}:\n${a.url}`);
    paragraphs.push(`${facts.assets.length === 1 ? "This may be useful" : "These may be useful"} before we talk:\n${list.join("\n")}`);
  }

  // Longer writers get one more (true) sentence; short writers get the essentials only.
  if (voice.sampleSize > 0 && voice.length.medianWords >= 90 && facts.kind === "REPLY") {
    paragraphs.push(pick(["Happy to answer anything else in the meantime.", "If anything else comes up in the meantime, just reply here."], seed, "extra"));
  }
  const closing = closingPhrase(voice);
  if (closing) paragraphs.push(closing);
  const body = applyFormality([greetingLine(voice, firstName), "", paragraphs.join(voice.length.medianWords > 0 && voice.length.medianWords < 40 ? " " : "\n\n"), "", ...signOffLines(voice, facts.sender.name)].join("\n"), voice);
  return { subject: applyFormality(subject, voice), body, factsUsed: [...factsUsed] };
}

/** A signature phrase of the writer, when one is a complete closing sentence on its own. */
function closingPhrase(voice: VoiceProfile): string | null {
  const phrase = voice.commonPhrases.find((p) => /^(let me know (?:if|what|how)|looking forward to|happy to help|speak soon|talk soon)/.test(p));
  if (!phrase) return null;
  if (/^let me know if/.test(phrase)) return "Let me know if you have any questions.";
  if (/^let me know what/.test(phrase)) return "Let me know what you think.";
  if (/^let me know how/.test(phrase)) return "Let me know how you'd like to proceed.";
  if (/^looking forward to/.test(phrase)) return "Looking forward to hearing from you.";
  return null;
}

function lowerFirst(s: string): string {
  const t = s.trim().replace(/\.?$/, ".");
  return /^[A-Z][a-z]/.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t;
}

/** "as Head of Operations", "as CTO": titles read naturally without an article. */
function withArticle(title: string): string {
  return title.trim();
}
