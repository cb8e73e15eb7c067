// Local next-best-action: explicit sales rules over the lead/deal facts, each
// producing a candidate with its rationale, the facts it used and a
// confidence; candidates are filtered to the allowed tools and ranked.
import type { RecommendationTool } from "../../domain/ai-policy.js";
import type { NextBestActionOutput, RecommendedAction, SalesFacts } from "../prompts/next-best-action.js";

const DAY = 86_400_000;

function days(from: string | null | undefined, now: Date): number | null {
  if (!from) return null;
  const t = new Date(from).getTime();
  return Number.isNaN(t) ? null : Math.floor((now.getTime() - t) / DAY);
}

function addDays(now: Date, n: number): string {
  return new Date(now.getTime() + n * DAY).toISOString();
}

/** The next business day at 09:00 UTC on or after `date` (+ offset days). */
function businessDay(date: Date, offsetDays = 0): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + offsetDays, 9));
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

type Candidate = RecommendedAction & { score: number };

export function recommendLocally(input: { facts: SalesFacts; allowedTools: RecommendationTool[]; maxActions: number }): NextBestActionOutput {
  const { facts, allowedTools, maxActions } = input;
  const now = new Date(facts.now);
  const lead = facts.lead;
  const deal = facts.deal;
  const inbound = facts.lastInbound;
  const candidates: Candidate[] = [];
  const add = (c: Omit<Candidate, "expiresAt"> & { expiresInDays: number }) => {
    const { expiresInDays, ...rest } = c;
    candidates.push({ ...rest, expiresAt: addDays(now, expiresInDays) });
  };
  const blocked = !!lead && (lead.doNotContact || lead.suppressed);
  const stopped = inbound?.intent === "UNSUBSCRIBE" || inbound?.intent === "BOUNCE";
  const name = lead?.contactName ?? lead?.companyName ?? deal?.name ?? "the contact";
  const sinceInbound = days(inbound?.at, now);
  const sinceOutbound = days(facts.lastOutboundAt, now);
  const sinceActivity = days(facts.lastActivityAt, now);

  const replyWorthy: Record<string, [string, number]> = {
    MEETING_REQUEST: ["asked to meet", 0.92],
    QUESTION: ["asked a question", 0.88],
    INTERESTED: ["replied with interest", 0.85],
    OBJECTION: ["raised a concern", 0.75],
    REFERRAL: ["pointed us to someone else", 0.7],
  };
  const recentReply = !!inbound && !blocked && !stopped && sinceInbound !== null && sinceInbound <= 14;
  const unanswered = !!inbound && (!facts.lastOutboundAt || new Date(facts.lastOutboundAt) < new Date(inbound.at));
  if (recentReply && facts.pendingDraftCount > 0 && replyWorthy[inbound!.intent] && unanswered) {
    // The reply is drafted and waits for review: what is left is making sure the conversation does not stall.
    add({
      tool: "scheduleFollowUp",
      title: `Make sure ${name} gets an answer`,
      rationale: `${name} ${replyWorthy[inbound!.intent]![0]} and a reply is drafted, waiting for review; check in three business days that it went out and was answered.`,
      confidence: 0.55,
      factsUsed: ["lastInbound.intent", "pendingDraftCount", ...(facts.threadNextStep ? ["threadNextStep"] : [])],
      arguments: { dueAt: businessDay(now, 3), reason: "reply pending" },
      score: 50,
      expiresInDays: 5,
    });
  }
  if (recentReply && inbound!.intent === "MEETING_REQUEST") {
    add({
      tool: "logSalesActivity",
      title: "Log the meeting request",
      rationale: `${name} asked for a meeting; record it so the pipeline reflects the engagement.`,
      confidence: 0.6,
      factsUsed: ["lastInbound.intent"],
      arguments: { type: "NOTE", summary: "Prospect asked for a meeting" },
      score: 40,
      expiresInDays: 7,
    });
  }

  // A draft waiting for review answers the sender; the person a referral names still needs writing to.
  if (recentReply && (facts.pendingDraftCount === 0 || inbound!.intent === "REFERRAL")) {
    const why = replyWorthy[inbound!.intent];
    if (why && inbound && unanswered) {
      add({
        tool: "sendOutreachEmail",
        title: inbound.intent === "REFERRAL" ? "Write to the person they referred you to" : `Reply to ${name}`,
        rationale: `${name} ${why[0]} ${sinceInbound === 0 ? "today" : `${sinceInbound} day${sinceInbound === 1 ? "" : "s"} ago`} and has no answer yet${facts.threadNextStep ? `; open item: ${facts.threadNextStep}` : ""}.`,
        confidence: why[1],
        factsUsed: ["lastInbound.intent", "lastInbound.at", "lastOutboundAt", "pendingDraftCount", ...(facts.threadNextStep ? ["threadNextStep"] : [])],
        arguments: { kind: "REPLY", intent: inbound.intent },
        score: 100 * why[1],
        expiresInDays: 3,
      });
    }
  }

  if (inbound?.intent === "OUT_OF_OFFICE" && !stopped) {
    const back = inbound.returnDate ? new Date(`${inbound.returnDate}T00:00:00Z`) : new Date(now.getTime() + 7 * DAY);
    add({
      tool: "scheduleFollowUp",
      title: `Follow up after ${name} is back`,
      rationale: inbound.returnDate
        ? `Auto-reply says they are away until ${inbound.returnDate}; a message waiting for them on return gets lost in the backlog, so follow up two business days later.`
        : "Auto-reply without a return date; try again in a week.",
      confidence: inbound.returnDate ? 0.85 : 0.6,
      factsUsed: ["lastInbound.intent", ...(inbound.returnDate ? ["lastInbound.returnDate"] : [])],
      arguments: { dueAt: businessDay(back, inbound.returnDate ? 2 : 0), reason: "out of office" },
      score: 80,
      expiresInDays: Math.max(3, Math.ceil((back.getTime() - now.getTime()) / DAY) + 3),
    });
  }

  if (inbound?.intent === "OBJECTION" && facts.openObjections.length) {
    add({
      tool: "logSalesActivity",
      title: "Record the objection",
      rationale: `Objection raised: "${facts.openObjections[0]!.slice(0, 120)}". Logging it keeps the deal history honest and helps the team answer it.`,
      confidence: 0.55,
      factsUsed: ["openObjections"],
      arguments: { type: "NOTE", summary: `Objection: ${facts.openObjections[0]!.slice(0, 200)}` },
      score: 35,
      expiresInDays: 7,
    });
  }

  // Silence after our last message: nudge, more firmly the hotter the lead.
  if (!blocked && !stopped && inbound?.intent !== "NOT_INTERESTED" && sinceOutbound !== null && (!inbound || new Date(inbound.at) < new Date(facts.lastOutboundAt!))) {
    if (sinceOutbound >= 3 && facts.openTaskCount === 0) {
      const hot = (lead?.score ?? 0) >= 70;
      add({
        tool: "scheduleFollowUp",
        title: `Follow up with ${name}`,
        rationale: `No reply ${sinceOutbound} days after our last e-mail${hot ? `, and the lead scores ${lead!.score}` : ""}; a polite follow-up usually recovers a share of silent threads.`,
        confidence: hot ? 0.75 : 0.6,
        factsUsed: ["lastOutboundAt", "openTaskCount", ...(hot ? ["lead.score"] : [])],
        arguments: { dueAt: businessDay(now, 1), reason: "no reply" },
        score: hot ? 70 : 55,
        expiresInDays: 5,
      });
    }
  }

  // New, never contacted lead: first outreach, ranked by score.
  if (lead && !blocked && !stopped && lead.status === "NEW" && !facts.lastOutboundAt && !inbound && facts.pendingDraftCount === 0) {
    const score = lead.score ?? 50;
    add({
      tool: "sendOutreachEmail",
      title: `Write a first e-mail to ${name}`,
      rationale: `New lead${lead.source ? ` from ${lead.source}` : ""} with no contact yet${lead.score !== null ? `, scoring ${lead.score}${lead.grade ? ` (${lead.grade})` : ""}` : ""}; first contact within days of arrival converts best.`,
      confidence: Math.min(0.9, 0.45 + score / 200),
      factsUsed: ["lead.status", "lastOutboundAt", ...(lead.score !== null ? ["lead.score"] : []), ...(lead.source ? ["lead.source"] : [])],
      arguments: { kind: "OUTREACH" },
      score: 50 + score / 2,
      expiresInDays: 7,
    });
  }

  if (deal && deal.status === "OPEN") {
    const inStage = days(deal.stageChangedAt, now) ?? 0;
    const index = deal.stages.indexOf(deal.stage);
    const next = index >= 0 ? deal.stages[index + 1] : undefined;
    if (next && inbound && (inbound.intent === "MEETING_REQUEST" || inbound.intent === "INTERESTED") && sinceInbound !== null && sinceInbound <= 14) {
      add({
        tool: "updateDealStage",
        title: `Move "${deal.name}" to ${next}`,
        rationale: `The prospect ${inbound.intent === "MEETING_REQUEST" ? "asked to meet" : "confirmed interest"}, which is the usual entry signal for ${next}; the deal has been in ${deal.stage} for ${inStage} days.`,
        confidence: 0.65,
        factsUsed: ["deal.stage", "deal.stages", "lastInbound.intent", "deal.stageChangedAt"],
        arguments: { toStage: next },
        score: 60,
        expiresInDays: 7,
      });
    }
    if (inStage >= 30 && (sinceActivity === null || sinceActivity >= 14)) {
      add({
        tool: "scheduleFollowUp",
        title: `Revive the stalled deal "${deal.name}"`,
        rationale: `In ${deal.stage} for ${inStage} days with ${sinceActivity === null ? "no recorded activity" : `no activity for ${sinceActivity} days`}; stalled deals close far less often, so check in or qualify it out.`,
        confidence: 0.7,
        factsUsed: ["deal.stageChangedAt", "lastActivityAt", "deal.stage"],
        arguments: { dueAt: businessDay(now, 1), reason: "stalled deal" },
        score: 65,
        expiresInDays: 7,
      });
    }
    if (deal.expectedCloseDate && new Date(deal.expectedCloseDate) < now) {
      add({
        tool: "logSalesActivity",
        title: "Update the close date after a check-in",
        rationale: `The expected close date ${deal.expectedCloseDate.slice(0, 10)} has passed while the deal is still open.`,
        confidence: 0.6,
        factsUsed: ["deal.expectedCloseDate", "deal.status"],
        arguments: { type: "NOTE", summary: "Close date passed; confirm timeline with the buyer" },
        score: 45,
        expiresInDays: 5,
      });
    }
  }

  if (!candidates.length && (sinceActivity === null || sinceActivity > 0) && lead?.status !== "DISQUALIFIED") {
    add({
      tool: "logSalesActivity",
      title: "Log the latest interaction",
      rationale: "Nothing urgent is open; keeping the activity log complete keeps the recommendations accurate.",
      confidence: 0.3,
      factsUsed: ["lastActivityAt"],
      arguments: { type: "NOTE", summary: "Status check" },
      score: 10,
      expiresInDays: 7,
    });
  }

  const allowed = new Set(allowedTools);
  const seen = new Set<string>();
  const actions = candidates
    .filter((c) => allowed.has(c.tool))
    .sort((a, b) => b.score - a.score || a.tool.localeCompare(b.tool) || a.title.localeCompare(b.title))
    .filter((c) => {
      const key = `${c.tool}|${JSON.stringify(c.arguments)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, maxActions)
    .map(({ score: _score, ...action }) => ({ ...action, confidence: Math.round(action.confidence * 100) / 100 }));
  return { actions };
}
