// outcomeReport: the engagement funnel, agent performance and system health,
// aggregated in the database (src/data/outcome-report.ts). A period that
// cannot be answered (to before from, too long, unknown time zone) is a
// userError on the payload; an owner id that names no User is BAD_USER_INPUT,
// as in pipelineSummary.
import { GraphQLError } from "graphql";
import { FUNNEL_STEPS, REPORT_GROUP_BY } from "../../../domain/report/outcome-report.js";
import { outcomeReport, type OutcomeReport, type Reason } from "../../../orchestration/report/outcome-report.js";
import { builder } from "../../builder.js";
import { decodeId } from "../global-id.js";
import { payloadType, toPayload, type Payload } from "../user-error.js";

const GroupByEnum = builder.enumType("OutcomeReportGroupBy", { values: REPORT_GROUP_BY });
const FunnelStepEnum = builder.enumType("FunnelStep", {
  description:
    "drafted → approved → sent → delivered (no bounce) → replied (a person answered) → positive reply (INTERESTED or MEETING_REQUEST) → meeting (a MEETING_REQUEST reply or a MEETING activity) → deal created (a deal with the contact, after the send) → won.",
  values: FUNNEL_STEPS,
});

type R = OutcomeReport;

const ReasonType = builder.objectRef<Reason>("ReportReason").implement({
  fields: (t) => ({
    reason: t.exposeString("reason", { description: "Lower case, spaces collapsed; '(no reason given)' when empty." }),
    count: t.exposeInt("count"),
  }),
});

const FunnelRowType = builder.objectRef<R["funnel"][number]>("FunnelRow").implement({
  fields: (t) => ({
    step: t.field({ type: FunnelStepEnum, resolve: (r) => r.step }),
    count: t.exposeInt("count", { description: "Drafts created in the period that reached this step and every step before it." }),
    conversion: t.exposeFloat("conversion", { nullable: true, description: "count ÷ the previous step's count." }),
    ofDrafted: t.exposeFloat("ofDrafted", { nullable: true, description: "count ÷ drafted." }),
    medianHoursFromPrevious: t.exposeFloat("medianHoursFromPrevious", { nullable: true, description: "Median time from the previous step, over drafts that reached this one." }),
  }),
});

const PeriodType = builder.objectRef<R["periods"][number]>("OutcomeReportPeriod").implement({
  fields: (t) => ({
    start: t.expose("start", { type: "DateTime", description: "Local midnight (DAY) or Monday (WEEK) in the report's time zone." }),
    label: t.exposeString("label", { description: "The bucket's local start date, YYYY-MM-DD." }),
    drafted: t.exposeInt("drafted"),
    sent: t.exposeInt("sent", { description: "Drafts of the report sent in this bucket." }),
    replied: t.exposeInt("replied", { description: "Drafts of the report first replied to in this bucket." }),
  }),
});

const AgentType = builder.objectRef<R["agents"][number]>("AgentPerformance").implement({
  fields: (t) => ({
    agent: t.exposeString("agent"),
    runs: t.exposeInt("runs", { description: "Runs queued in the period." }),
    succeeded: t.exposeInt("succeeded"),
    failed: t.exposeInt("failed"),
    dead: t.exposeInt("dead"),
    latencyP50Ms: t.exposeInt("latencyP50Ms", { nullable: true, description: "Run time, started to finished." }),
    latencyP95Ms: t.exposeInt("latencyP95Ms", { nullable: true }),
    invocations: t.exposeInt("invocations", { description: "AI calls the agent made in the period." }),
    costUsd: t.exposeFloat("costUsd"),
  }),
});

const AiDraftsType = builder.objectRef<R["aiDrafts"]>("AiDraftOutcome").implement({
  fields: (t) => ({
    total: t.exposeInt("total"),
    approved: t.exposeInt("approved"),
    rejected: t.exposeInt("rejected"),
    sent: t.exposeInt("sent"),
    approvalRate: t.exposeFloat("approvalRate", { nullable: true, description: "approved ÷ (approved + rejected)." }),
    rejectionRate: t.exposeFloat("rejectionRate", { nullable: true, description: "rejected ÷ (approved + rejected)." }),
    topRejectionReasons: t.field({ type: [ReasonType], resolve: (r) => r.topRejectionReasons }),
    meanEditDistance: t.exposeFloat("meanEditDistance", {
      nullable: true,
      description: "Mean over sent AI drafts of the word-level distance between the AI's text and what was sent: 0 = unchanged, 1 = nothing kept.",
    }),
    medianReviewHours: t.exposeFloat("medianReviewHours", { nullable: true, description: "Creation to approval or rejection." }),
  }),
});

const RecommendationsType = builder.objectRef<R["recommendations"]>("RecommendationOutcome").implement({
  fields: (t) => ({
    total: t.exposeInt("total"),
    accepted: t.exposeInt("accepted"),
    dismissed: t.exposeInt("dismissed"),
    expired: t.exposeInt("expired"),
    open: t.exposeInt("open"),
    acceptanceRate: t.exposeFloat("acceptanceRate", { nullable: true, description: "accepted ÷ (accepted + dismissed)." }),
    dismissalRate: t.exposeFloat("dismissalRate", { nullable: true }),
    topDismissalReasons: t.field({ type: [ReasonType], resolve: (r) => r.topDismissalReasons }),
  }),
});

const IntentType = builder.objectRef<R["intents"][number]>("IntentShare").implement({
  fields: (t) => ({
    intent: t.exposeString("intent"),
    count: t.exposeInt("count"),
    share: t.exposeFloat("share", { nullable: true }),
  }),
});

type Health = R["health"];
const QueueType = builder.objectRef<Health["queues"][number]>("QueueHealth").implement({
  fields: (t) => ({
    queue: t.exposeString("queue"),
    waiting: t.exposeInt("waiting"),
    active: t.exposeInt("active"),
    failed: t.exposeInt("failed"),
    oldestWaitingAt: t.expose("oldestWaitingAt", { type: "DateTime", nullable: true }),
    oldestWaitingSeconds: t.exposeInt("oldestWaitingSeconds", { nullable: true }),
  }),
});
const MailboxType = builder.objectRef<Health["mailboxes"][number]>("MailboxQuotaUsage").implement({
  fields: (t) => ({
    mailbox: t.exposeString("mailbox"),
    used: t.exposeInt("used"),
    limit: t.exposeInt("limit"),
    remaining: t.exposeInt("remaining"),
    windowHours: t.exposeInt("windowHours"),
    freesAt: t.expose("freesAt", { type: "DateTime", nullable: true }),
  }),
});
const AiBudgetType = builder.objectRef<Health["ai"]>("AiBudgetUse").implement({
  fields: (t) => ({
    periodStart: t.expose("periodStart", { type: "DateTime" }),
    externalTokens: t.exposeInt("externalTokens"),
    externalCostUsd: t.exposeFloat("externalCostUsd"),
    monthlyTokenBudget: t.exposeInt("monthlyTokenBudget", { nullable: true }),
    monthlyCostBudgetUsd: t.exposeFloat("monthlyCostBudgetUsd", { nullable: true }),
    tokenBudgetUsed: t.exposeFloat("tokenBudgetUsed", { nullable: true, description: "Share of the token budget used (0–1+)." }),
    costBudgetUsed: t.exposeFloat("costBudgetUsed", { nullable: true }),
  }),
});
const HealthType = builder.objectRef<Health>("SystemHealth").implement({
  description: "The system now (not the report's period), for this tenant only.",
  fields: (t) => ({
    at: t.expose("at", { type: "DateTime" }),
    queues: t.field({ type: [QueueType], resolve: (h) => h.queues, description: "This tenant's unfinished jobs per queue." }),
    deadLetters: t.exposeInt("deadLetters", { description: "Jobs in a dead-letter queue plus failed jobs." }),
    outboxPending: t.exposeInt("outboxPending"),
    outboxOldestAt: t.expose("outboxOldestAt", { type: "DateTime", nullable: true }),
    outboxLagSeconds: t.exposeInt("outboxLagSeconds", { nullable: true, description: "Age of the oldest undelivered event." }),
    mailboxes: t.field({ type: [MailboxType], resolve: (h) => h.mailboxes }),
    ai: t.field({ type: AiBudgetType, resolve: (h) => h.ai }),
  }),
});

const ReportType = builder.objectRef<R>("OutcomeReport").implement({
  fields: (t) => ({
    from: t.expose("from", { type: "DateTime" }),
    to: t.expose("to", { type: "DateTime" }),
    groupBy: t.field({ type: GroupByEnum, resolve: (r) => r.groupBy }),
    timeZone: t.exposeString("timeZone"),
    funnel: t.field({ type: [FunnelRowType], resolve: (r) => r.funnel }),
    periods: t.field({ type: [PeriodType], resolve: (r) => r.periods }),
    agents: t.field({ type: [AgentType], resolve: (r) => r.agents }),
    aiDrafts: t.field({ type: AiDraftsType, resolve: (r) => r.aiDrafts }),
    recommendations: t.field({ type: RecommendationsType, resolve: (r) => r.recommendations }),
    intents: t.field({ type: [IntentType], resolve: (r) => r.intents, description: "Analysed inbound messages received in the period, by intent." }),
    health: t.field({ type: HealthType, resolve: (r) => r.health }),
  }),
});

const Filter = builder.inputType("OutcomeReportFilter", {
  description: "Sequence and campaign filters come with those features.",
  fields: (t) => ({
    ownerId: t.id({ required: false, description: "The owner of the draft's lead (or deal)." }),
    mailbox: t.string({ required: false, description: "Sender mailbox (from address)." }),
    agent: t.string({ required: false, description: "inbound-analysis, thread-reader, draft-writer, recommender, voice-learner." }),
  }),
});

const Input = builder.inputType("OutcomeReportInput", {
  fields: (t) => ({
    from: t.field({ type: "DateTime", required: true, description: "Start (inclusive)." }),
    to: t.field({ type: "DateTime", required: true, description: "End (exclusive)." }),
    groupBy: t.field({ type: GroupByEnum, required: false, defaultValue: "DAY" }),
    timeZone: t.string({ required: false, description: "IANA zone of the buckets; default the tenant's." }),
    filter: t.field({ type: Filter, required: false }),
  }),
});

const Payload = payloadType<Payload<{ report: R }>>("OutcomeReportPayload", (t) => ({
  report: t.field({ type: ReportType, nullable: true, resolve: (p) => p.report ?? null }),
}));

builder.queryField("outcomeReport", (t) =>
  t.field({
    type: Payload,
    description: "Engagement funnel, agent performance and system health, aggregated in the database.",
    authScopes: { permission: "report:read" },
    args: { input: t.arg({ type: Input, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      let ownerId: string | null = null;
      if (input.filter?.ownerId) {
        ownerId = decodeId(input.filter.ownerId, "User");
        if (ownerId === null)
          throw new GraphQLError("filter.ownerId is not the id of a User.", { extensions: { code: "BAD_USER_INPUT", argumentPath: ["input", "filter", "ownerId"] } });
      }
      const outcome = await outcomeReport(ctx.services, ctx.principal!, {
        from: input.from,
        to: input.to,
        groupBy: input.groupBy ?? "DAY",
        timeZone: input.timeZone ?? null,
        filter: { ownerId, mailbox: input.filter?.mailbox ?? null, agent: input.filter?.agent ?? null },
      });
      return toPayload(outcome.ok ? { ok: true as const, value: { report: outcome.value } } : outcome);
    },
  }),
);
