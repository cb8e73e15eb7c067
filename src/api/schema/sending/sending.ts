// Sending controls and visibility: the sending status (mode, kill switches),
// the tenant kill switch mutation (sending:control, audited), the sendQuota
// query, and the local outbox's messages.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { QUOTA_KINDS, type QuotaLimitStatus, type QuotaStatus } from "../../../domain/sending/quota.js";
import { SENDING_MODES } from "../../../domain/sending/sending.js";
import { readTenantSettings } from "../../../domain/tenant/tenant.js";
import { userError } from "../../../domain/user-error.js";
import { readSendQuota } from "../../../orchestration/sending/send-quota.js";
import { setKillSwitch } from "../../../orchestration/sending/sending-control.js";
import { actorOf, type GraphQLContext } from "../../context.js";
import { builder } from "../../builder.js";
import { errorPayload, payloadType, toPayload, type Payload } from "../user-error.js";

const SendingModeEnum = builder.enumType("SendingMode", {
  description: "DRAFT_ONLY (default): drafts can be approved but nothing is sent. SEND_ALLOWED: approved drafts can be sent.",
  values: SENDING_MODES,
});

interface SendingStatusShape {
  mode: (typeof SENDING_MODES)[number];
  tenantKillSwitch: boolean;
  globalKillSwitch: boolean;
  reason: string | null;
  changedAt: string | null;
  changedBy: string | null;
  transport: string;
}

function sendingStatusOf(ctx: GraphQLContext, stored: unknown): SendingStatusShape {
  const { sending } = readTenantSettings(stored);
  return {
    mode: sending.mode,
    tenantKillSwitch: sending.killSwitch.engaged,
    globalKillSwitch: ctx.services.config.SENDING_KILL_SWITCH,
    reason: sending.killSwitch.reason,
    changedAt: sending.killSwitch.changedAt,
    changedBy: sending.killSwitch.changedBy,
    transport: ctx.services.mail.transport.name,
  };
}

export const SendingStatusType = builder.objectRef<SendingStatusShape>("SendingStatus").implement({
  fields: (t) => ({
    mode: t.field({ type: SendingModeEnum, resolve: (s) => s.mode }),
    canSend: t.boolean({ description: "True when approved drafts can be sent right now.", resolve: (s) => s.mode === "SEND_ALLOWED" && !s.tenantKillSwitch && !s.globalKillSwitch }),
    tenantKillSwitch: t.exposeBoolean("tenantKillSwitch"),
    globalKillSwitch: t.exposeBoolean("globalKillSwitch", { description: "Set by the operators of the service (SENDING_KILL_SWITCH)." }),
    killSwitchReason: t.exposeString("reason", { nullable: true }),
    killSwitchChangedAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => (s.changedAt ? new Date(s.changedAt) : null) }),
    killSwitchChangedBy: t.exposeString("changedBy", { nullable: true }),
    transport: t.exposeString("transport", { description: "local (the outbox), smtp or gmail." }),
  }),
});

builder.queryField("sendingStatus", (t) =>
  t.field({
    type: SendingStatusType,
    authScopes: { permission: "draft:read" },
    resolve: async (_root, _args, ctx) => {
      const tenant = await ctx.db.tenant.findUniqueOrThrow({ where: { id: ctx.principal!.tenantId }, select: { settings: true } });
      return sendingStatusOf(ctx, tenant.settings);
    },
  }),
);

const SendingKillSwitchSetInput = builder.inputType("SendingKillSwitchSetInput", {
  fields: (t) => ({
    engaged: t.boolean({ required: true, description: "true stops all sending at once (queued drafts end CANCELLED); false allows it again." }),
    reason: t.string({ required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const SendingKillSwitchSetPayload = payloadType<Payload<{ tenantId: string; cancelledDraftIds: string[] }>>("SendingKillSwitchSetPayload", (t) => ({
  sendingStatus: t.field({
    type: SendingStatusType,
    nullable: true,
    resolve: async (p, _a, ctx) => {
      if (!p.tenantId) return null;
      const tenant = await ctx.db.tenant.findUniqueOrThrow({ where: { id: p.tenantId }, select: { settings: true } });
      return sendingStatusOf(ctx, tenant.settings);
    },
  }),
  cancelledDrafts: t.prismaField({
    type: ["Draft"],
    description: "Queued drafts the switch cancelled.",
    resolve: (query, p, _a, ctx) => (p.cancelledDraftIds?.length ? ctx.db.draft.findMany({ ...query, where: { id: { in: p.cancelledDraftIds } } }) : []),
  }),
}));

builder.mutationField("sendingKillSwitchSet", (t) =>
  t.field({
    type: SendingKillSwitchSetPayload,
    description: "Engages or releases the tenant's kill switch. Audited.",
    authScopes: { permission: "sending:control" },
    args: { input: t.arg({ type: SendingKillSwitchSetInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const reason = input.reason?.trim() ?? null;
      if (reason && reason.length > 500) {
        return errorPayload<{ tenantId: string; cancelledDraftIds: string[] }>([userError("VALIDATION_FAILED", "reason must be at most 500 characters", ["input", "reason"])]);
      }
      return toPayload(await setKillSwitch(ctx.services, actorOf(ctx), { engaged: input.engaged, reason }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const QuotaKindEnum = builder.enumType("QuotaKind", {
  description: "MAILBOX: sends from one sender mailbox; CONTACT: sends to one recipient; DOMAIN: sends to one recipient domain.",
  values: QUOTA_KINDS,
});

const QuotaLimitType = builder.objectRef<QuotaLimitStatus>("QuotaLimit").implement({
  fields: (t) => ({
    kind: t.field({ type: QuotaKindEnum, resolve: (l) => l.kind }),
    key: t.exposeString("key", { description: "The mailbox, recipient address or recipient domain counted." }),
    limit: t.exposeInt("limit"),
    windowHours: t.float({ resolve: (l) => l.windowMs / 3_600_000 }),
    used: t.exposeInt("used"),
    remaining: t.exposeInt("remaining"),
    freesAt: t.expose("freesAt", { type: "DateTime", nullable: true, description: "When the next slot opens, if none is open now." }),
  }),
});

const SendQuotaType = builder.objectRef<QuotaStatus>("SendQuota").implement({
  fields: (t) => ({
    allowed: t.exposeBoolean("allowed", { description: "True when one more message may go now." }),
    limits: t.field({ type: [QuotaLimitType], resolve: (q) => q.limits }),
    binding: t.field({ type: QuotaLimitType, nullable: true, description: "The limit holding sends back (the one that frees up last).", resolve: (q) => q.binding }),
    availableAt: t.field({ type: "DateTime", nullable: true, description: "When sending becomes possible (now when allowed; null for a limit of 0).", resolve: (q) => (q.availableAt.getTime() >= 8.64e15 ? null : q.availableAt) }),
  }),
});

builder.queryField("sendQuota", (t) =>
  t.field({
    type: SendQuotaType,
    description: "What remains on each sending limit for this recipient and sender mailbox, which limit binds and when it frees up.",
    authScopes: { permission: "draft:read" },
    args: { contactEmail: t.arg.string({ required: true }), mailbox: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => readSendQuota(ctx.services, actorOf(ctx), { contactEmail: args.contactEmail, mailbox: args.mailbox }),
  }),
);

builder.prismaNode("OutboxMessage", {
  id: { field: "id" },
  description: "A message the local outbox transport delivered: the full RFC 5322 text, as it would have gone out.",
  fields: (t) => ({
    messageId: t.exposeString("messageId"),
    draftId: t.id({ nullable: true, resolve: (m) => (m.draftId ? encodeGlobalID("Draft", m.draftId) : null) }),
    from: t.exposeString("mailFrom"),
    to: t.exposeStringList("rcptTo"),
    subject: t.exposeString("subject"),
    raw: t.exposeString("raw", { description: "The complete message: headers and body, CRLF line endings." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryField("outboxMessages", (t) =>
  t.prismaConnection(
    {
      type: "OutboxMessage",
      cursor: "id",
      description: "Messages in the local outbox (the default transport), newest first.",
      authScopes: { permission: "draft:read" },
      args: { to: t.arg.string({ required: false, description: "Only messages to this address." }) },
      resolve: (query, _root, args, ctx) =>
        ctx.db.outboxMessage.findMany({ ...query, where: args.to ? { rcptTo: { has: args.to.trim().toLowerCase() } } : {}, orderBy: { id: "desc" } }),
    },
    { name: "OutboxMessageConnection" },
    { name: "OutboxMessageEdge" },
  ),
);
