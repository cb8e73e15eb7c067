// The local next-best-action rules: each is a named function from the lead/deal
// facts to one candidate (tool, arguments, rationale, the facts it used, a
// confidence and a ranking score) or null when it does not apply. The ranker in
// recommend.ts runs them in order, filters to the allowed tools and ranks.
import type { RecommendedAction, SalesFacts } from "../prompts/next-best-action.js";

const DAY = 86_400_000;

/** Whole days from `from` to `now`; null when there is no (valid) date. */
export function days(from: string | null | undefined, now: Date): number | null {
  if (!from) return null;
  const t = new Date(from).getTime();
  return Number.isNaN(t) ? null : Math.floor((now.getTime() - t) / DAY);
}

function addDays(now: Date, n: number): string {
  return new Date(now.getTime() + n * DAY).toISOString();
}

/** The next business day at 09:00 UTC on or after `date` (+ offset days). */
export function businessDay(date: Date, offsetDays = 0): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + offsetDays, 9));
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

/** A suggestion with the score it is ranked by (higher first). */
export type Candidate = RecommendedAction & { score: number };

/** The facts, with what every rule derives from them computed once. */
export interface RuleFacts {
  facts: SalesFacts;
  now: Date;
  lead: SalesFacts["lead"];
  deal: SalesFacts["deal"];
  inbound: SalesFacts["lastInbound"];
  /** The contact may not be written to (do-not-contact or suppressed). */
  blocked: boolean;
  /** The last inbound message ends the conversation (unsubscribe or bounce). */
  stopped: boolean;
  /** How the rationale names the other side. */
  name: string;
  sinceInbound: number | null;
  sinceOutbound: number | null;
  sinceActivity: number | null;
  /** A reply in the last 14 days from someone we may still write to. */
  recentReply: boolean;
  /** The last inbound message came after our last outbound one (or we never wrote). */
  unanswered: boolean;
}

export type RecommendationRule = (f: RuleFacts) => Candidate | null;

export function ruleFacts(facts: SalesFacts): RuleFacts {
  const now = new Date(facts.now);
  const lead = facts.lead;
  const deal = facts.deal;
  const inbound = facts.lastInbound;
  const blocked = !!lead && (lead.doNotContact || lead.suppressed);
  const stopped = inbound?.intent === "UNSUBSCRIBE" || inbound?.intent === "BOUNCE";
  const sinceInbound = days(inbound?.at, now);
  return {
    facts,
    now,
    lead,
    deal,
    inbound,
    blocked,
    stopped,
    name: lead?.contactName ?? lead?.companyName ?? deal?.name ?? "the contact",
    sinceInbound,
    sinceOutbound: days(facts.lastOutboundAt, now),
    sinceActivity: days(facts.lastActivityAt, now),
    recentReply: !!inbound && !blocked && !stopped && sinceInbound !== null && sinceInbound <= 14,
    unanswered: !!inbound && (!facts.lastOutboundAt || new Date(facts.lastOutboundAt) < new Date(inbound.at)),
  };
}

function candidate(f: RuleFacts, c: Omit<Candidate, "expiresAt"> & { expiresInDays: number }): Candidate {
  const { expiresInDays, ...rest } = c;
  return { ...rest, expiresAt: addDays(f.now, expiresInDays) };
}

/** Replies worth answering: what the sender did, and how sure a reply is the right move. */
const REPLY_WORTHY: Record<string, [string, number]> = {
  MEETING_REQUEST: ["asked to meet", 0.92],
  QUESTION: ["asked a question", 0.88],
  INTERESTED: ["replied with interest", 0.85],
  OBJECTION: ["raised a concern", 0.75],
  REFERRAL: ["pointed us to someone else", 0.7],
};

/** The reply is drafted and waits for review: what is left is making sure the conversation does not stall. */
export const followUpDraftedReply: RecommendationRule = (f) => {
  const { facts, inbound, name } = f;
  if (!(f.recentReply && facts.pendingDraftCount > 0 && REPLY_WORTHY[inbound!.intent] && f.unanswered)) return null;
  return candidate(f, {
    tool: "scheduleFollowUp",
    title: `Make sure ${name} gets an answer`,
    rationale: `${name} ${REPLY_WORTHY[inbound!.intent]![0]} and a reply is drafted, waiting for review; check in three business days that it went out and was answered.`,
    confidence: 0.55,
    factsUsed: ["lastInbound.intent", "pendingDraftCount", ...(facts.threadNextStep ? ["threadNextStep"] : [])],
    arguments: { dueAt: businessDay(f.now, 3), reason: "reply pending" },
    score: 50,
    expiresInDays: 5,
  });
};

/** A recent meeting request is logged, so the pipeline reflects the engagement (even when a reply is drafted). */
export const logMeetingRequest: RecommendationRule = (f) => {
  if (!(f.recentReply && f.inbound!.intent === "MEETING_REQUEST")) return null;
  return candidate(f, {
    tool: "logSalesActivity",
    title: "Log the meeting request",
    rationale: `${f.name} asked for a meeting; record it so the pipeline reflects the engagement.`,
    confidence: 0.6,
    factsUsed: ["lastInbound.intent"],
    arguments: { type: "NOTE", summary: "Prospect asked for a meeting" },
    score: 40,
    expiresInDays: 7,
  });
};

/** Answer a recent reply; a draft waiting for review answers the sender, but the person a referral names still needs writing to. */
export const replyToInbound: RecommendationRule = (f) => {
  const { facts, inbound, name, sinceInbound } = f;
  if (!(f.recentReply && (facts.pendingDraftCount === 0 || inbound!.intent === "REFERRAL"))) return null;
  const why = REPLY_WORTHY[inbound!.intent];
  if (!(why && inbound && f.unanswered)) return null;
  return candidate(f, {
    tool: "sendOutreachEmail",
    title: inbound.intent === "REFERRAL" ? "Write to the person they referred you to" : `Reply to ${name}`,
    rationale: `${name} ${why[0]} ${sinceInbound === 0 ? "today" : `${sinceInbound} day${sinceInbound === 1 ? "" : "s"} ago`} and has no answer yet${facts.threadNextStep ? `; open item: ${facts.threadNextStep}` : ""}.`,
    confidence: why[1],
    factsUsed: ["lastInbound.intent", "lastInbound.at", "lastOutboundAt", "pendingDraftCount", ...(facts.threadNextStep ? ["threadNextStep"] : [])],
    arguments: { kind: "REPLY", intent: inbound.intent },
    score: 100 * why[1],
    expiresInDays: 3,
  });
};

/** An auto-reply: follow up two business days after the return date, or in a week without one. */
export const followUpAfterAbsence: RecommendationRule = (f) => {
  const { inbound, now } = f;
  if (!(inbound?.intent === "OUT_OF_OFFICE" && !f.stopped)) return null;
  const back = inbound.returnDate ? new Date(`${inbound.returnDate}T00:00:00Z`) : new Date(now.getTime() + 7 * DAY);
  return candidate(f, {
    tool: "scheduleFollowUp",
    title: `Follow up after ${f.name} is back`,
    rationale: inbound.returnDate
      ? `Auto-reply says they are away until ${inbound.returnDate}; a message waiting for them on return gets lost in the backlog, so follow up two business days later.`
      : "Auto-reply without a return date; try again in a week.",
    confidence: inbound.returnDate ? 0.85 : 0.6,
    factsUsed: ["lastInbound.intent", ...(inbound.returnDate ? ["lastInbound.returnDate"] : [])],
    arguments: { dueAt: businessDay(back, inbound.returnDate ? 2 : 0), reason: "out of office" },
    score: 80,
    expiresInDays: Math.max(3, Math.ceil((back.getTime() - now.getTime()) / DAY) + 3),
  });
};

/** An objection is recorded on the deal history. */
export const logObjection: RecommendationRule = (f) => {
  const { facts } = f;
  if (!(f.inbound?.intent === "OBJECTION" && facts.openObjections.length)) return null;
  return candidate(f, {
    tool: "logSalesActivity",
    title: "Record the objection",
    rationale: `Objection raised: "${facts.openObjections[0]!.slice(0, 120)}". Logging it keeps the deal history honest and helps the team answer it.`,
    confidence: 0.55,
    factsUsed: ["openObjections"],
    arguments: { type: "NOTE", summary: `Objection: ${facts.openObjections[0]!.slice(0, 200)}` },
    score: 35,
    expiresInDays: 7,
  });
};

/** Silence for three days after our last message (and no task open): nudge, more firmly the hotter the lead. */
export const nudgeAfterSilence: RecommendationRule = (f) => {
  const { facts, inbound, lead, sinceOutbound } = f;
  if (f.blocked || f.stopped || inbound?.intent === "NOT_INTERESTED" || sinceOutbound === null) return null;
  if (inbound && !(new Date(inbound.at) < new Date(facts.lastOutboundAt!))) return null;
  if (!(sinceOutbound >= 3 && facts.openTaskCount === 0)) return null;
  const hot = (lead?.score ?? 0) >= 70;
  return candidate(f, {
    tool: "scheduleFollowUp",
    title: `Follow up with ${f.name}`,
    rationale: `No reply ${sinceOutbound} days after our last e-mail${hot ? `, and the lead scores ${lead!.score}` : ""}; a polite follow-up usually recovers a share of silent threads.`,
    confidence: hot ? 0.75 : 0.6,
    factsUsed: ["lastOutboundAt", "openTaskCount", ...(hot ? ["lead.score"] : [])],
    arguments: { dueAt: businessDay(f.now, 1), reason: "no reply" },
    score: hot ? 70 : 55,
    expiresInDays: 5,
  });
};

/** A new lead never contacted: first outreach, ranked by the lead's score. */
export const firstOutreach: RecommendationRule = (f) => {
  const { facts, lead } = f;
  if (!(lead && !f.blocked && !f.stopped && lead.status === "NEW" && !facts.lastOutboundAt && !f.inbound && facts.pendingDraftCount === 0)) return null;
  const score = lead.score ?? 50;
  return candidate(f, {
    tool: "sendOutreachEmail",
    title: `Write a first e-mail to ${f.name}`,
    rationale: `New lead${lead.source ? ` from ${lead.source}` : ""} with no contact yet${lead.score !== null ? `, scoring ${lead.score}${lead.grade ? ` (${lead.grade})` : ""}` : ""}; first contact within days of arrival converts best.`,
    confidence: Math.min(0.9, 0.45 + score / 200),
    factsUsed: ["lead.status", "lastOutboundAt", ...(lead.score !== null ? ["lead.score"] : []), ...(lead.source ? ["lead.source"] : [])],
    arguments: { kind: "OUTREACH" },
    score: 50 + score / 2,
    expiresInDays: 7,
  });
};

/** Days the open deal has been in its stage (0 without a valid date). */
function daysInStage(f: RuleFacts): number {
  return days(f.deal!.stageChangedAt, f.now) ?? 0;
}

/** A recent meeting request or confirmed interest moves an open deal to the pipeline's next stage. */
export const advanceDealStage: RecommendationRule = (f) => {
  const { deal, inbound, sinceInbound } = f;
  if (!(deal && deal.status === "OPEN")) return null;
  const index = deal.stages.indexOf(deal.stage);
  const next = index >= 0 ? deal.stages[index + 1] : undefined;
  if (!(next && inbound && (inbound.intent === "MEETING_REQUEST" || inbound.intent === "INTERESTED") && sinceInbound !== null && sinceInbound <= 14)) return null;
  return candidate(f, {
    tool: "updateDealStage",
    title: `Move "${deal.name}" to ${next}`,
    rationale: `The prospect ${inbound.intent === "MEETING_REQUEST" ? "asked to meet" : "confirmed interest"}, which is the usual entry signal for ${next}; the deal has been in ${deal.stage} for ${daysInStage(f)} days.`,
    confidence: 0.65,
    factsUsed: ["deal.stage", "deal.stages", "lastInbound.intent", "deal.stageChangedAt"],
    arguments: { toStage: next },
    score: 60,
    expiresInDays: 7,
  });
};

/** An open deal 30 days in its stage with no activity for 14: check in or qualify it out. */
export const reviveStalledDeal: RecommendationRule = (f) => {
  const { deal, sinceActivity } = f;
  if (!(deal && deal.status === "OPEN")) return null;
  const inStage = daysInStage(f);
  if (!(inStage >= 30 && (sinceActivity === null || sinceActivity >= 14))) return null;
  return candidate(f, {
    tool: "scheduleFollowUp",
    title: `Revive the stalled deal "${deal.name}"`,
    rationale: `In ${deal.stage} for ${inStage} days with ${sinceActivity === null ? "no recorded activity" : `no activity for ${sinceActivity} days`}; stalled deals close far less often, so check in or qualify it out.`,
    confidence: 0.7,
    factsUsed: ["deal.stageChangedAt", "lastActivityAt", "deal.stage"],
    arguments: { dueAt: businessDay(f.now, 1), reason: "stalled deal" },
    score: 65,
    expiresInDays: 7,
  });
};

/** An open deal whose expected close date has passed: confirm the timeline. */
export const checkPassedCloseDate: RecommendationRule = (f) => {
  const { deal } = f;
  if (!(deal && deal.status === "OPEN" && deal.expectedCloseDate && new Date(deal.expectedCloseDate) < f.now)) return null;
  return candidate(f, {
    tool: "logSalesActivity",
    title: "Update the close date after a check-in",
    rationale: `The expected close date ${deal.expectedCloseDate.slice(0, 10)} has passed while the deal is still open.`,
    confidence: 0.6,
    factsUsed: ["deal.expectedCloseDate", "deal.status"],
    arguments: { type: "NOTE", summary: "Close date passed; confirm timeline with the buyer" },
    score: 45,
    expiresInDays: 5,
  });
};

/** The rules, in the order their candidates are collected (ties in ranking keep this order). */
export const RECOMMENDATION_RULES: ReadonlyArray<RecommendationRule> = [
  followUpDraftedReply,
  logMeetingRequest,
  replyToInbound,
  followUpAfterAbsence,
  logObjection,
  nudgeAfterSilence,
  firstOutreach,
  advanceDealStage,
  reviveStalledDeal,
  checkPassedCloseDate,
];

/** When no rule applies: keep the activity log complete (unless there was activity today or the lead is disqualified). */
export const logLatestInteraction: RecommendationRule = (f) => {
  if (!((f.sinceActivity === null || f.sinceActivity > 0) && f.lead?.status !== "DISQUALIFIED")) return null;
  return candidate(f, {
    tool: "logSalesActivity",
    title: "Log the latest interaction",
    rationale: "Nothing urgent is open; keeping the activity log complete keeps the recommendations accurate.",
    confidence: 0.3,
    factsUsed: ["lastActivityAt"],
    arguments: { type: "NOTE", summary: "Status check" },
    score: 10,
    expiresInDays: 7,
  });
};
