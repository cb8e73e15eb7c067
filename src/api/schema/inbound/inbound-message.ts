// Inbound e-mail: messageIngest, the InboundMessage and EmailThread nodes
// (with the analysis and the thread reader's facts), their lists, and the
// inboundMessageAnalysed subscription.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { INBOUND_ACTIONS, INBOUND_INTENTS } from "../../../ai/prompts/inbound-analysis.js";
import { OBJECTION_CATEGORIES, type ThreadFacts } from "../../../ai/prompts/thread-reader.js";
import type { InboundAnalysis } from "../../../ai/runtime.js";
import type { Prisma } from "../../../data/database.js";
import type { DomainEvent } from "../../../domain/event.js";
import { ingestMessage, messageIngestSchema, type MessageIngestValue } from "../../../orchestration/inbound/inbound-message.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { closingWith, filterIterator } from "../event.js";
import { decodeId } from "../global-id.js";
import { filterId } from "../pipeline/sales-common.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

export const InboundIntentEnum = builder.enumType("InboundIntent", { values: INBOUND_INTENTS });
export const InboundActionEnum = builder.enumType("InboundAction", { values: INBOUND_ACTIONS });
const InboundMessageStatusEnum = builder.enumType("InboundMessageStatus", {
  description: "RECEIVED: stored, certain rules applied, analysis queued. ANALYSED: the analysis is stored.",
  values: ["RECEIVED", "ANALYSED"] as const,
});

type Bounce = NonNullable<InboundAnalysis["bounce"]>;
const BounceType = builder.objectRef<Bounce>("InboundBounce").implement({
  fields: (t) => ({
    category: t.exposeString("category", { description: "RECIPIENT, MAILBOX_FULL, POLICY, TRANSIENT or PERMANENT_OTHER." }),
    hard: t.exposeBoolean("hard", { description: "The address itself is bad: it was suppressed." }),
    status: t.exposeString("status", { nullable: true }),
    action: t.exposeString("action", { nullable: true }),
    diagnostic: t.exposeString("diagnostic", { nullable: true }),
    recipients: t.exposeStringList("recipients"),
    format: t.exposeString("format"),
  }),
});

const ReferralType = builder.objectRef<{ name: string | null; email: string | null }>("InboundReferral").implement({
  fields: (t) => ({ name: t.exposeString("name", { nullable: true }), email: t.exposeString("email", { nullable: true }) }),
});

const InboundAnalysisType = builder.objectRef<InboundAnalysis>("InboundAnalysis").implement({
  description: "What the analysis found: by the certain rules (source RULES) or by the AI provider (MODEL).",
  fields: (t) => ({
    source: t.string({ description: "rules or model.", resolve: (a) => a.source }),
    ruleKind: t.string({ nullable: true, description: "COMPLAINT, BOUNCE, UNSUBSCRIBE or AUTO_REPLY when a rule decided.", resolve: (a) => a.ruleKind ?? null }),
    intent: t.field({ type: InboundIntentEnum, resolve: (a) => a.intent }),
    action: t.field({ type: InboundActionEnum, resolve: (a) => a.action }),
    relevance: t.exposeFloat("relevance"),
    confidence: t.exposeFloat("confidence"),
    reasons: t.exposeStringList("reasons"),
    suggestedReply: t.exposeString("suggestedReply", { nullable: true }),
    returnDate: t.exposeString("returnDate", { nullable: true, description: "YYYY-MM-DD, for an out-of-office that gives one." }),
    referral: t.field({ type: ReferralType, nullable: true, resolve: (a) => a.referral }),
    neverReply: t.exposeBoolean("neverReply", { description: "Automated mail: never answered." }),
    automationSignals: t.stringList({ resolve: (a) => a.automation.signals }),
    bounce: t.field({ type: BounceType, nullable: true, resolve: (a) => a.bounce }),
    feedbackType: t.exposeString("feedbackType", { nullable: true, description: "ARF Feedback-Type of a complaint report." }),
  }),
});

builder.prismaNode("InboundMessage", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  description: "An e-mail received, once per Message-ID.",
  fields: (t) => ({
    messageId: t.exposeString("messageId"),
    mailbox: t.exposeString("mailbox", { nullable: true, description: "Our address it arrived at." }),
    from: t.exposeString("fromEmail", { nullable: true }),
    fromName: t.exposeString("fromName", { nullable: true }),
    to: t.exposeStringList("to"),
    subject: t.exposeString("subject"),
    text: t.exposeString("text"),
    sentAt: t.expose("sentAt", { type: "DateTime", nullable: true }),
    receivedAt: t.expose("receivedAt", { type: "DateTime" }),
    inReplyTo: t.exposeString("inReplyTo", { nullable: true }),
    references: t.exposeStringList("references"),
    automated: t.exposeBoolean("automated", { description: "Sent by a machine (auto-reply, bounce, report, list): never answered." }),
    ruleKind: t.exposeString("ruleKind", { nullable: true }),
    suppressed: t.exposeStringList("suppressed", { description: "Addresses put on the suppression list because of this message." }),
    status: t.expose("status", { type: InboundMessageStatusEnum }),
    intent: t.expose("intent", { type: InboundIntentEnum, nullable: true }),
    action: t.expose("action", { type: InboundActionEnum, nullable: true }),
    relevance: t.exposeFloat("relevance", { nullable: true }),
    analysis: t.field({ type: InboundAnalysisType, nullable: true, resolve: (m) => (m.analysis as unknown as InboundAnalysis | null) ?? null }),
    analysedAt: t.expose("analysedAt", { type: "DateTime", nullable: true }),
    contact: t.relation("contact", { nullable: true }),
    lead: t.relation("lead", { nullable: true }),
    thread: t.relation("thread", { nullable: true }),
    drafts: t.relation("drafts", { description: "Drafts that answer it.", query: () => ({ orderBy: { id: "asc" } }) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const ThreadAskType = builder.objectRef<ThreadFacts["asks"][number]>("ThreadAsk").implement({
  fields: (t) => ({ text: t.exposeString("text"), by: t.exposeString("by", { description: "US or THEM." }) }),
});
const ThreadDateType = builder.objectRef<ThreadFacts["dates"][number]>("ThreadDate").implement({
  fields: (t) => ({ text: t.exposeString("text"), date: t.exposeString("date"), context: t.exposeString("context") }),
});
const ThreadObjectionType = builder.objectRef<ThreadFacts["objections"][number]>("ThreadObjection").implement({
  fields: (t) => ({ text: t.exposeString("text"), category: t.exposeString("category", { description: OBJECTION_CATEGORIES.join(", ") }) }),
});

const ThreadFactsType = builder.objectRef<ThreadFacts>("ThreadFacts").implement({
  description: "The thread reader's summary: asks, dates, objections, commitments, the next step.",
  fields: (t) => ({
    summary: t.exposeString("summary"),
    asks: t.field({ type: [ThreadAskType], resolve: (f) => f.asks }),
    dates: t.field({ type: [ThreadDateType], resolve: (f) => f.dates }),
    objections: t.field({ type: [ThreadObjectionType], resolve: (f) => f.objections }),
    commitments: t.field({ type: [ThreadAskType], resolve: (f) => f.commitments }),
    nextStep: t.exposeString("nextStep", { nullable: true }),
    sentiment: t.exposeFloat("sentiment", { description: "Tone of the prospect's latest message, −1 to 1." }),
  }),
});

builder.prismaNode("EmailThread", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  description: "A conversation with a contact: the messages received, our drafts, and the facts the thread reader found.",
  fields: (t) => ({
    subject: t.exposeString("subject"),
    contact: t.relation("contact", { nullable: true }),
    lead: t.relation("lead", { nullable: true }),
    messageCount: t.exposeInt("messageCount"),
    lastMessageAt: t.expose("lastMessageAt", { type: "DateTime" }),
    messages: t.relation("messages", { description: "Messages received, oldest first.", query: () => ({ orderBy: [{ receivedAt: "asc" }, { id: "asc" }] }) }),
    drafts: t.relation("drafts", { description: "Our drafts in the thread.", query: () => ({ orderBy: { id: "asc" } }) }),
    facts: t.field({ type: ThreadFactsType, nullable: true, resolve: (th) => (th.facts as unknown as ThreadFacts | null) ?? null }),
    factsUpdatedAt: t.expose("factsUpdatedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.prismaObjectFields("Draft", (t) => ({
  thread: t.relation("thread", { nullable: true, description: "The conversation the draft belongs to." }),
  inboundMessage: t.relation("inboundMessage", { nullable: true, description: "The message this draft answers." }),
}));

const InboundMessageFilter = builder.inputType("InboundMessageFilter", {
  fields: (t) => ({
    leadId: t.id({ required: false }),
    contactId: t.id({ required: false }),
    threadId: t.id({ required: false }),
    intent: t.field({ type: [InboundIntentEnum], required: false }),
    status: t.field({ type: [InboundMessageStatusEnum], required: false }),
    automated: t.boolean({ required: false }),
  }),
});

builder.queryField("inboundMessages", (t) =>
  t.prismaConnection(
    {
      type: "InboundMessage",
      cursor: "id",
      description: "Messages received, newest first.",
      authScopes: { permission: "lead:read" },
      args: { filter: t.arg({ type: InboundMessageFilter, required: false }) },
      resolve: (query, _root, { filter }, ctx) => {
        const where: Prisma.InboundMessageWhereInput = {};
        if (filter?.leadId) where.leadId = filterId(String(filter.leadId), "Lead");
        if (filter?.contactId) where.contactId = filterId(String(filter.contactId), "Contact");
        if (filter?.threadId) where.threadId = filterId(String(filter.threadId), "EmailThread");
        if (filter?.intent?.length) where.intent = { in: filter.intent };
        if (filter?.status?.length) where.status = { in: filter.status };
        if (typeof filter?.automated === "boolean") where.automated = filter.automated;
        return ctx.db.inboundMessage.findMany({ ...query, where, orderBy: { id: "desc" } });
      },
    },
    { name: "InboundMessageConnection" },
    { name: "InboundMessageEdge" },
  ),
);

const EmailThreadFilter = builder.inputType("EmailThreadFilter", {
  fields: (t) => ({ leadId: t.id({ required: false }), contactId: t.id({ required: false }) }),
});

builder.queryField("emailThreads", (t) =>
  t.prismaConnection(
    {
      type: "EmailThread",
      cursor: "id",
      description: "Conversations, most recently active first.",
      authScopes: { permission: "lead:read" },
      args: { filter: t.arg({ type: EmailThreadFilter, required: false }) },
      resolve: (query, _root, { filter }, ctx) => {
        const where: Prisma.EmailThreadWhereInput = {};
        if (filter?.leadId) where.leadId = filterId(String(filter.leadId), "Lead");
        if (filter?.contactId) where.contactId = filterId(String(filter.contactId), "Contact");
        return ctx.db.emailThread.findMany({ ...query, where, orderBy: [{ lastMessageAt: "desc" }, { id: "desc" }] });
      },
    },
    { name: "EmailThreadConnection" },
    { name: "EmailThreadEdge" },
  ),
);

// ---------------------------------------------------------------------------
// messageIngest

const HeaderInput = builder.inputType("EmailHeaderInput", {
  fields: (t) => ({ name: t.string({ required: true }), value: t.string({ required: true }) }),
});

const InboundMessageFieldsInput = builder.inputType("InboundMessageFieldsInput", {
  description: "A message as fields, when the raw source is not at hand.",
  fields: (t) => ({
    from: t.string({ required: true }),
    fromName: t.string({ required: false }),
    to: t.stringList({ required: false }),
    subject: t.string({ required: false }),
    text: t.string({ required: true }),
    sentAt: t.string({ required: false, description: "ISO 8601 date-time." }),
    messageId: t.string({ required: false }),
    inReplyTo: t.string({ required: false }),
    references: t.stringList({ required: false }),
    headers: t.field({ type: [HeaderInput], required: false, description: "E.g. Auto-Submitted, X-Autoreply, Precedence: the rules read them." }),
  }),
});

const MessageIngestInput = builder.inputType("MessageIngestInput", {
  description: "Exactly one of raw (RFC 5322 text) or message.",
  fields: (t) => ({
    raw: t.string({ required: false, description: "The whole message as received, headers and body." }),
    message: t.field({ type: InboundMessageFieldsInput, required: false }),
    mailbox: t.string({ required: false, description: "Our address it arrived at; default: the first recipient." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const MessageIngestPayload = payloadType<Payload<MessageIngestValue>>("MessageIngestPayload", (t) => ({
  inboundMessage: t.prismaField({
    type: "InboundMessage",
    nullable: true,
    resolve: (query, p, _a, ctx) => (p.inboundMessageId ? ctx.db.inboundMessage.findUnique({ ...query, where: { id: p.inboundMessageId } }) : null),
  }),
  duplicate: t.boolean({ nullable: true, description: "The same Message-ID was ingested before; nothing changed.", resolve: (p) => p.duplicate ?? null }),
  suppressed: t.stringList({ description: "Addresses the certain rules suppressed now (unsubscribe, complaint, hard bounce).", resolve: (p) => p.suppressed ?? [] }),
  agentRun: t.prismaField({
    type: "AgentRun",
    nullable: true,
    description: "The analysis run that was queued.",
    resolve: (query, p, _a, ctx) => (p.agentRunId ? ctx.db.agentRun.findUnique({ ...query, where: { id: p.agentRunId } }) : null),
  }),
}));

builder.mutationField("messageIngest", (t) =>
  t.field({
    type: MessageIngestPayload,
    description: "Stores an inbound e-mail, applies the certain rules at once (unsubscribe/complaint/hard bounce → suppression) and queues its analysis.",
    authScopes: { permission: "lead:write" },
    args: { input: t.arg({ type: MessageIngestInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(messageIngestSchema, {
        raw: input.raw ?? null,
        message: input.message
          ? {
              ...input.message,
              fromName: input.message.fromName ?? null,
              to: input.message.to ?? [],
              subject: input.message.subject ?? "",
              sentAt: input.message.sentAt ?? null,
              messageId: input.message.messageId ?? null,
              inReplyTo: input.message.inReplyTo ?? null,
              references: input.message.references ?? [],
              headers: input.message.headers ?? [],
            }
          : null,
        mailbox: input.mailbox ?? null,
      });
      if (!parsed.ok) return errorPayload<MessageIngestValue>(parsed.errors);
      return toPayload(await ingestMessage(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

// ---------------------------------------------------------------------------
// inboundMessageAnalysed

interface AnalysedView {
  event: DomainEvent;
  inboundMessageId: string;
  leadId: string | null;
  contactId: string | null;
}

function analysedView(event: DomainEvent): AnalysedView | null {
  if (event.type !== "sales.message.analysed") return null;
  const p = event.payload as { inboundMessageId?: unknown; leadId?: unknown; contactId?: unknown };
  if (typeof p.inboundMessageId !== "string") return null;
  return { event, inboundMessageId: p.inboundMessageId, leadId: typeof p.leadId === "string" ? p.leadId : null, contactId: typeof p.contactId === "string" ? p.contactId : null };
}

const InboundMessageAnalysedType = builder.objectRef<AnalysedView>("InboundMessageAnalysed").implement({
  fields: (t) => ({
    eventId: t.id({ resolve: (v) => v.event.id }),
    occurredAt: t.field({ type: "DateTime", resolve: (v) => new Date(v.event.occurredAt) }),
    inboundMessageId: t.id({ resolve: (v) => encodeGlobalID("InboundMessage", v.inboundMessageId) }),
    intent: t.field({ type: InboundIntentEnum, resolve: (v) => v.event.payload.intent as (typeof INBOUND_INTENTS)[number] }),
    action: t.field({ type: InboundActionEnum, resolve: (v) => v.event.payload.action as (typeof INBOUND_ACTIONS)[number] }),
    message: t.prismaField({ type: "InboundMessage", nullable: true, resolve: (query, v, _a, ctx) => ctx.db.inboundMessage.findUnique({ ...query, where: { id: v.inboundMessageId } }) }),
  }),
});

builder.subscriptionField("inboundMessageAnalysed", (t) =>
  t.field({
    type: InboundMessageAnalysedType,
    description: "Analyses as they are stored: all of the tenant's, or one lead's or contact's.",
    authScopes: { $all: { permission: "event:subscribe", $any: { permission: "lead:read" } } },
    args: { leadId: t.arg.id({ required: false }), contactId: t.arg.id({ required: false }) },
    subscribe: (_root, args, ctx) => {
      // undefined: no filter; null: an id that names nothing, which matches no event.
      const leadId = args.leadId ? decodeId(args.leadId, "Lead") : undefined;
      const contactId = args.contactId ? decodeId(args.contactId, "Contact") : undefined;
      const matches = (want: string | null | undefined, got: string | null) => want === undefined || (want !== null && got === want);
      return mapIterator(ctx.services.bus.subscribe(ctx.principal!.tenantId), analysedView, (v) => matches(leadId, v.leadId) && matches(contactId, v.contactId));
    },
    resolve: (v) => v,
  }),
);

/** Events turned into views (those that are not the right kind are dropped), then filtered. */
export function mapIterator<V>(source: AsyncIterableIterator<DomainEvent>, view: (e: DomainEvent) => V | null, keep: (v: V) => boolean): AsyncGenerator<V> {
  return closingWith(
    source,
    (async function* () {
      for await (const event of filterIterator(source, () => true)) {
        const v = view(event);
        if (v && keep(v)) yield v;
      }
    })(),
  );
}
