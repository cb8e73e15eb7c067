// Local qualification assist: buying signals in the prospect's own words
// (sentiment, requests, urgency), reply intents, and fit with the ideal
// customer profile, summed into a bounded adjustment. Protected attributes are
// not inputs at all.
import { analyse } from "../nlp.js";
import { MAX_SCORE_ADJUSTMENT, type QualificationAssistOutput } from "../prompts/qualification-assist.js";
import type { qualificationAssistInput } from "../prompts/qualification-assist.js";
import type { z } from "zod";
import { detectRequests } from "../request-detector.js";

type Input = z.output<typeof qualificationAssistInput>;

const INTENT_POINTS: Record<string, number> = {
  MEETING_REQUEST: 4,
  INTERESTED: 3,
  QUESTION: 2,
  REFERRAL: 1,
  OBJECTION: -1,
  OUT_OF_OFFICE: 0,
  NOT_INTERESTED: -5,
  UNSUBSCRIBE: -8,
  BOUNCE: -4,
  OTHER: 0,
};

const URGENCY = /\b(?:asap|urgent(?:ly)?|this (?:week|month|quarter)|by (?:end of|the end of)|deadline|right away|immediately|go[- ]live)\b/i;
const BUYING = /\b(?:budget (?:is )?(?:approved|allocated|available)|pricing|quote|proposal|contract|pilot|trial|rollout|implementation|procurement|security review|demo)\b/i;

export function qualifyLocally(input: Input): QualificationAssistOutput {
  let points = 0;
  const signals: string[] = [];
  const recent = input.replyIntents.slice(-3);
  for (const intent of recent) {
    const p = INTENT_POINTS[intent] ?? 0;
    if (p !== 0) {
      points += p;
      signals.push(`replied ${intent.toLowerCase().replace(/_/g, " ")} (${p > 0 ? "+" : ""}${p})`);
    }
  }
  const notes = input.notes.join("\n");
  if (notes.trim()) {
    const sentiment = analyse(notes).sentiment;
    if (sentiment >= 0.25) {
      points += 2;
      signals.push("positive tone in their messages (+2)");
    } else if (sentiment <= -0.25) {
      points -= 2;
      signals.push("negative tone in their messages (-2)");
    }
    const urgency = URGENCY.exec(notes);
    if (urgency) {
      points += 2;
      signals.push(`urgency: "${urgency[0]}" (+2)`);
    }
    const buying = BUYING.exec(notes);
    if (buying) {
      points += 2;
      signals.push(`buying signal: "${buying[0]}" (+2)`);
    }
    if (detectRequests(notes).isRequest) {
      points += 1;
      signals.push("asked us for something (+1)");
    }
  }
  const icp = input.idealCustomer;
  if (icp) {
    const industry = input.company.industry?.toLowerCase();
    if (industry && icp.industries.length) {
      if (icp.industries.some((i) => i.toLowerCase() === industry)) {
        points += 2;
        signals.push(`industry ${input.company.industry} is in the ideal customer profile (+2)`);
      } else {
        points -= 1;
        signals.push(`industry ${input.company.industry} is outside the ideal customer profile (-1)`);
      }
    }
    const size = input.company.employeeCount;
    if (size !== null) {
      const tooSmall = icp.minEmployees !== null && size < icp.minEmployees;
      const tooBig = icp.maxEmployees !== null && size > icp.maxEmployees;
      if (tooSmall || tooBig) {
        points -= 2;
        signals.push(`${size} employees is outside the target size (-2)`);
      } else if (icp.minEmployees !== null || icp.maxEmployees !== null) {
        points += 1;
        signals.push(`${size} employees fits the target size (+1)`);
      }
    }
  }
  if (input.contact.seniority === "C_LEVEL" || input.contact.seniority === "VP") {
    points += 1;
    signals.push(`senior contact (${input.contact.seniority.replace("_", "-").toLowerCase()}) (+1)`);
  }
  const adjustment = Math.max(-MAX_SCORE_ADJUSTMENT, Math.min(MAX_SCORE_ADJUSTMENT, Math.round(points)));
  const reason =
    adjustment === 0
      ? signals.length
        ? `Signals balance out: ${signals.slice(0, 3).join("; ")}.`
        : "No signal beyond what the score already covers."
      : `${adjustment > 0 ? "Raise" : "Lower"} by ${Math.abs(adjustment)}: ${signals.slice(0, 4).join("; ")}.`;
  return { adjustment, reason: reason.slice(0, 500), signals: signals.slice(0, 10) };
}
