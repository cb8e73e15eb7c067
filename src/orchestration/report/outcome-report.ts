// The outcome report: the SQL aggregates (src/data/outcome-report.ts) shaped
// with the funnel's conversion math, plus the system's health now. Reads only,
// in one tenant-scoped transaction.
import { budgetPeriodStart } from "../../domain/tenant/ai-policy.js";
import {
  checkReportPeriod,
  funnelRows,
  rate,
  round,
  type FunnelRow,
  type ReportGroupBy,
} from "../../domain/report/outcome-report.js";
import type { Principal } from "../../domain/access/principal.js";
import { evaluateQuota, quotaRules, type QuotaLimitStatus } from "../../domain/sending/quota.js";
import { normaliseMailbox } from "../../domain/sending/sending.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { externalAiUsageSince } from "../../data/ai-usage.js";
import { withTenant } from "../../data/database.js";
import { queryOutboxLag, queryOutcomeReport, queryQueueHealth, queryRecentMailboxes } from "../../data/outcome-report.js";
import { quotaUsage } from "../sending/send-quota.js";
import type { Services } from "../services.js";

export interface OutcomeReportInput {
  from: Date;
  to: Date;
  groupBy: ReportGroupBy;
  /** Default: the tenant's time zone. */
  timeZone?: string | null;
  filter?: { ownerId?: string | null; mailbox?: string | null; agent?: string | null };
}

export interface Reason {
  reason: string;
  count: number;
}

export interface OutcomeReport {
  from: Date;
  to: Date;
  groupBy: ReportGroupBy;
  timeZone: string;
  funnel: FunnelRow[];
  periods: { start: Date; label: string; drafted: number; sent: number; replied: number }[];
  agents: {
    agent: string;
    runs: number;
    succeeded: number;
    failed: number;
    dead: number;
    latencyP50Ms: number | null;
    latencyP95Ms: number | null;
    invocations: number;
    costUsd: number;
  }[];
  aiDrafts: {
    total: number;
    approved: number;
    rejected: number;
    sent: number;
    approvalRate: number | null;
    rejectionRate: number | null;
    topRejectionReasons: Reason[];
    meanEditDistance: number | null;
    medianReviewHours: number | null;
  };
  recommendations: {
    total: number;
    accepted: number;
    dismissed: number;
    expired: number;
    open: number;
    acceptanceRate: number | null;
    dismissalRate: number | null;
    topDismissalReasons: Reason[];
  };
  intents: { intent: string; count: number; share: number | null }[];
  health: SystemHealth;
}

export interface SystemHealth {
  at: Date;
  queues: { queue: string; waiting: number; active: number; failed: number; oldestWaitingAt: Date | null; oldestWaitingSeconds: number | null }[];
  /** This tenant's jobs waiting in a dead-letter queue, plus failed jobs in any queue. */
  deadLetters: number;
  outboxPending: number;
  outboxOldestAt: Date | null;
  outboxLagSeconds: number | null;
  mailboxes: { mailbox: string; used: number; limit: number; remaining: number; windowHours: number; freesAt: Date | null }[];
  ai: { periodStart: Date; externalTokens: number; externalCostUsd: number; monthlyTokenBudget: number | null; monthlyCostBudgetUsd: number | null; tokenBudgetUsed: number | null; costBudgetUsed: number | null };
}

const seconds = (from: Date | null, now: Date) => (from ? Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000)) : null);

export async function outcomeReport(services: Pick<Services, "db">, principal: Principal, input: OutcomeReportInput): Promise<Outcome<OutcomeReport>> {
  return withTenant(services.db.prisma, { tenantId: principal.tenantId, userId: principal.userId }, async (tx) => {
    const tenantId = principal.tenantId;
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
    const settings = readTenantSettings(tenant.settings);
    const timeZone = input.timeZone ?? settings.general.timeZone;
    const problem = checkReportPeriod({ from: input.from, to: input.to, groupBy: input.groupBy, timeZone });
    if (problem) return fail(userError("VALIDATION_FAILED", problem.message, ["input", problem.field]));
    const mailbox = input.filter?.mailbox ? normaliseMailbox(input.filter.mailbox) : null;

    const rows = await queryOutcomeReport(tx, {
      tenantId,
      from: input.from,
      to: input.to,
      unit: input.groupBy === "DAY" ? "day" : "week",
      timeZone,
      ownerId: input.filter?.ownerId ?? null,
      mailbox,
      agent: input.filter?.agent ?? null,
    });
    const f = rows.funnel;
    const funnel = funnelRows([
      { step: "DRAFTED", count: f.drafted, medianSecondsFromPrevious: null },
      { step: "APPROVED", count: f.approved, medianSecondsFromPrevious: f.s_approved },
      { step: "SENT", count: f.sent, medianSecondsFromPrevious: f.s_sent },
      { step: "DELIVERED", count: f.delivered, medianSecondsFromPrevious: f.s_delivered },
      { step: "REPLIED", count: f.replied, medianSecondsFromPrevious: f.s_replied },
      { step: "POSITIVE_REPLY", count: f.positive, medianSecondsFromPrevious: f.s_positive },
      { step: "MEETING", count: f.meeting, medianSecondsFromPrevious: f.s_meeting },
      { step: "DEAL_CREATED", count: f.deal, medianSecondsFromPrevious: f.s_deal },
      { step: "WON", count: f.won, medianSecondsFromPrevious: f.s_won },
    ]);
    const reviewed = f.ai_approved + f.ai_rejected;
    const rec = rows.recommendations;
    const decided = rec.accepted + rec.dismissed;
    const intentTotal = rows.intents.reduce((s, i) => s + i.count, 0);

    // --- health, now ---
    const now = new Date();
    const [queues, outbox] = await Promise.all([queryQueueHealth(tx, tenantId), queryOutboxLag(tx, tenantId)]);
    const mailboxWindowMs = settings.quotas.mailbox.windowHours * 3_600_000;
    const recent = await queryRecentMailboxes(tx, tenantId, new Date(now.getTime() - mailboxWindowMs));
    const mailboxes = [...new Set([...settings.sending.mailboxes.map(normaliseMailbox), ...recent])].sort();
    const mailboxRows: SystemHealth["mailboxes"] = [];
    for (const m of mailboxes) {
      // The sendQuota logic for the mailbox rule alone (the recipient rules do not apply to a mailbox).
      const rules = quotaRules(settings.quotas, { mailbox: m, recipient: "report@invalid" }).filter((r) => r.kind === "MAILBOX");
      const status = evaluateQuota(rules, await quotaUsage(tx, rules, now), now);
      const limit = status.limits.find((l) => l.kind === "MAILBOX") as QuotaLimitStatus;
      mailboxRows.push({ mailbox: m, used: limit.used, limit: limit.limit, remaining: limit.remaining, windowHours: settings.quotas.mailbox.windowHours, freesAt: limit.freesAt });
    }
    // The aiUsage figures: this calendar month's (UTC) external tokens and cost against the budget.
    const periodStart = budgetPeriodStart(now);
    const { tokens: externalTokens, costUsd: externalCostUsd } = await externalAiUsageSince(tx, tenantId, periodStart);
    const ai = settings.ai;

    return ok({
      from: input.from,
      to: input.to,
      groupBy: input.groupBy,
      timeZone,
      funnel,
      periods: rows.buckets.map((b) => ({ start: b.start, label: b.label, drafted: b.drafted, sent: b.sent, replied: b.replied })),
      agents: rows.agents.map((a) => ({
        agent: a.agent,
        runs: a.runs,
        succeeded: a.succeeded,
        failed: a.failed,
        dead: a.dead,
        latencyP50Ms: a.p50_ms === null ? null : Math.round(a.p50_ms),
        latencyP95Ms: a.p95_ms === null ? null : Math.round(a.p95_ms),
        invocations: a.invocations,
        costUsd: round(a.cost_usd, 6),
      })),
      aiDrafts: {
        total: f.ai_total,
        approved: f.ai_approved,
        rejected: f.ai_rejected,
        sent: f.ai_sent,
        approvalRate: rate(f.ai_approved, reviewed),
        rejectionRate: rate(f.ai_rejected, reviewed),
        topRejectionReasons: rows.rejectionReasons,
        meanEditDistance: f.ai_edit_mean === null ? null : round(f.ai_edit_mean, 4),
        medianReviewHours: f.ai_review_s === null ? null : round(f.ai_review_s / 3600, 2),
      },
      recommendations: {
        ...rec,
        acceptanceRate: rate(rec.accepted, decided),
        dismissalRate: rate(rec.dismissed, decided),
        topDismissalReasons: rows.dismissalReasons,
      },
      intents: rows.intents.map((i) => ({ ...i, share: rate(i.count, intentTotal) })),
      health: {
        at: now,
        queues: queues.map((q) => ({ ...q, oldestWaitingAt: q.oldest_waiting, oldestWaitingSeconds: seconds(q.oldest_waiting, now) })),
        deadLetters: queues.reduce((s, q) => s + (/dead-letter/.test(q.queue) ? q.waiting + q.active : 0) + q.failed, 0),
        outboxPending: outbox.pending,
        outboxOldestAt: outbox.oldest,
        outboxLagSeconds: seconds(outbox.oldest, now),
        mailboxes: mailboxRows,
        ai: {
          periodStart,
          externalTokens,
          externalCostUsd: round(externalCostUsd, 6),
          monthlyTokenBudget: ai.monthlyTokenBudget,
          monthlyCostBudgetUsd: ai.monthlyCostBudgetUsd,
          tokenBudgetUsed: ai.monthlyTokenBudget ? rate(externalTokens, ai.monthlyTokenBudget) : null,
          costBudgetUsed: ai.monthlyCostBudgetUsd ? rate(externalCostUsd, ai.monthlyCostBudgetUsd) : null,
        },
      },
    });
  });
}
