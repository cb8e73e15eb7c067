// Drafts: the Draft node with its revisions, approvals and quality report;
// the draft / drafts / pendingDrafts queries; and the live subscriptions
// draftStatusChanged and pendingDraftsChanged (tenant-scoped, built on the
// domain events).
import { encodeGlobalID } from "@pothos/plugin-relay";
import { Prisma as PrismaSql, type Prisma } from "../../../data/database.js";
import { idCondition, listPage, reads } from "../list-page.js";
import { DRAFT_ORIGINS, DRAFT_STATUSES, MAIL_CATEGORIES, type DraftStatus } from "../../../domain/draft/draft.js";
import type { DomainEvent } from "../../../domain/event.js";
import { activeClaim, type DraftClaim } from "../../../domain/draft/draft-claim.js";
import { QUALITY_CHECKS, type QualityFinding, type QualityReport } from "../../../domain/draft/quality-gate.js";
import { readTenantSettings, type TenantSettings } from "../../../domain/tenant/tenant.js";
import { builder } from "../../builder.js";
import type { GraphQLContext } from "../../context.js";
import { closingWith, filterIterator } from "../event.js";
import { decodeId, whereId } from "../global-id.js";

export const DraftStatusEnum = builder.enumType("DraftStatus", { values: DRAFT_STATUSES });
export const DraftOriginEnum = builder.enumType("DraftOrigin", {
  description: "Who wrote the draft: a person (OPERATOR), an agent (AGENT, with its job id), a sequence step (SEQUENCE) or a story-pitch campaign (CAMPAIGN, with its recipient id).",
  values: DRAFT_ORIGINS,
});
export const MailCategoryEnum = builder.enumType("MailCategory", {
  description: "ONE_TO_ONE: a personal sales e-mail. MARKETING: gets the unsubscribe link, List-Unsubscribe headers and the postal address (CAN-SPAM).",
  values: MAIL_CATEGORIES,
});
const QualityVerdictEnum = builder.enumType("QualityVerdict", { values: ["PASS", "WARN", "BLOCK"] as const });
const QualitySeverityEnum = builder.enumType("QualitySeverity", { values: ["BLOCK", "WARN"] as const });
const QualityCheckEnum = builder.enumType("QualityCheck", { values: QUALITY_CHECKS });
const ActorTypeRef = builder.enumType("DraftActorType", { values: ["USER", "API_KEY", "AGENT"] as const });

const QualityFindingType = builder.objectRef<QualityFinding>("QualityFinding").implement({
  fields: (t) => ({
    check: t.field({ type: QualityCheckEnum, resolve: (f) => f.check }),
    severity: t.field({ type: QualitySeverityEnum, resolve: (f) => f.severity }),
    message: t.exposeString("message"),
    location: t.exposeString("location", { description: "subject, body or html." }),
  }),
});

export const QualityReportType = builder.objectRef<QualityReport>("QualityReport").implement({
  description: "The quality gate's verdict on one revision: BLOCK findings stop approval and sending, WARN findings are for the reviewer.",
  fields: (t) => ({
    verdict: t.field({ type: QualityVerdictEnum, resolve: (r) => r.verdict }),
    findings: t.field({ type: [QualityFindingType], resolve: (r) => r.findings }),
  }),
});

interface ActorShape {
  type: "USER" | "API_KEY" | "AGENT";
  id: string;
  label: string;
}

const DraftActorType = builder.objectRef<ActorShape>("DraftActor").implement({
  fields: (t) => ({
    type: t.field({ type: ActorTypeRef, resolve: (a) => a.type }),
    id: t.exposeString("id"),
    label: t.exposeString("label"),
  }),
});

const DraftHoldType = builder.objectRef<{ reason: string; until: Date | null }>("DraftHold").implement({
  description: "Why a queued send waits (a quota limit) and when it will be tried again.",
  fields: (t) => ({
    reason: t.exposeString("reason"),
    until: t.expose("until", { type: "DateTime", nullable: true }),
  }),
});

builder.prismaObject("DraftRevision", {
  fields: (t) => ({
    number: t.exposeInt("number"),
    subject: t.exposeString("subject"),
    bodyText: t.exposeString("bodyText"),
    bodyHtml: t.exposeString("bodyHtml", { nullable: true }),
    qualityReport: t.field({ type: QualityReportType, resolve: (r) => r.qualityReport as unknown as QualityReport }),
    author: t.field({ type: DraftActorType, resolve: (r) => ({ type: r.authorType, id: r.authorId, label: r.authorLabel }) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.prismaObject("DraftApproval", {
  fields: (t) => ({
    revision: t.exposeInt("revision"),
    approver: t.field({ type: DraftActorType, resolve: (a) => ({ type: a.approverType, id: a.approverId, label: a.approverLabel }) }),
    approverRole: t.exposeString("approverRole"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

/** The tenant's settings, read once per request however many drafts ask (no N+1). */
const settingsPerRequest = new WeakMap<GraphQLContext, Promise<TenantSettings>>();
function requestSettings(ctx: GraphQLContext): Promise<TenantSettings> {
  let settings = settingsPerRequest.get(ctx);
  if (!settings) {
    settings = ctx.db.tenant
      .findUniqueOrThrow({ where: { id: ctx.principal!.tenantId }, select: { settings: true } })
      .then((tenant) => readTenantSettings(tenant.settings));
    settingsPerRequest.set(ctx, settings);
    // A failed read is not kept: the next field tries again.
    settings.catch(() => settingsPerRequest.delete(ctx));
  }
  return settings;
}

const DraftClaimType = builder.objectRef<DraftClaim>("DraftClaim").implement({
  description: "A reviewer working on the draft (draftClaim): until expiresAt only they can approve, reject or edit it.",
  fields: (t) => ({
    holder: t.exposeString("holderLabel", { description: "Who holds it (their label, e.g. user:ana@example.com)." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", description: "When the claim lapses unless renewed." }),
    mine: t.boolean({ description: "Whether you hold it.", resolve: (c, _a, ctx) => c.holderId === ctx.principal?.id }),
  }),
});

export const DraftType = builder.prismaNode("Draft", {
  id: { field: "id" },
  description: "An e-mail to a contact that a person must approve before it can be sent.",
  fields: (t) => ({
    status: t.field({ type: DraftStatusEnum, extensions: reads("status"), resolve: (d) => d.status }),
    origin: t.field({ type: DraftOriginEnum, extensions: reads("origin"), resolve: (d) => d.origin }),
    originRef: t.exposeString("originRef", { nullable: true, description: "The agent job id or sequence step behind the draft." }),
    category: t.field({ type: MailCategoryEnum, extensions: reads("category"), resolve: (d) => d.category }),
    mailbox: t.exposeString("mailbox", { description: "The sender mailbox." }),
    recipientEmail: t.exposeString("recipientEmail"),
    contactId: t.id({ extensions: reads("contactId"), resolve: (d) => encodeGlobalID("Contact", d.contactId) }),
    leadId: t.id({ nullable: true, extensions: reads("leadId"), resolve: (d) => (d.leadId ? encodeGlobalID("Lead", d.leadId) : null) }),
    dealId: t.id({ nullable: true, extensions: reads("dealId"), resolve: (d) => (d.dealId ? encodeGlobalID("Deal", d.dealId) : null) }),
    subject: t.exposeString("subject"),
    bodyText: t.exposeString("bodyText"),
    bodyHtml: t.exposeString("bodyHtml", { nullable: true }),
    revision: t.exposeInt("revision", { description: "Number of the current revision (1 = as created)." }),
    qualityReport: t.field({ type: QualityReportType, extensions: reads("qualityReport"), resolve: (d) => d.qualityReport as unknown as QualityReport }),
    author: t.field({ type: DraftActorType, extensions: reads("authorType", "authorId", "authorLabel"), resolve: (d) => ({ type: d.authorType, id: d.authorId, label: d.authorLabel }) }),
    revisions: t.relation("revisions", { query: { orderBy: { number: "desc" } }, description: "Every revision, newest first." }),
    approvals: t.prismaField({
      type: ["DraftApproval"],
      description: "Approvals of the current revision (earlier revisions' approvals no longer count).",
      extensions: reads("revision"),
      args: { allRevisions: t.arg.boolean({ required: false, description: "Include approvals of earlier revisions." }) },
      resolve: (query, draft, args, ctx) =>
        ctx.db.draftApproval.findMany({
          ...query,
          where: { draftId: draft.id, ...(args.allRevisions ? {} : { revision: draft.revision }) },
          orderBy: { createdAt: "asc" },
        }),
    }),
    approvalsRequired: t.int({
      description: "Distinct approvals the tenant's policy requires on the current revision.",
      extensions: reads(),
      resolve: async (_d, _a, ctx) => (await requestSettings(ctx)).approval.requiredApprovals,
    }),
    claim: t.field({
      type: DraftClaimType,
      nullable: true,
      description: "Who is reviewing it now (draftClaim); null when nobody holds it or the claim lapsed.",
      extensions: reads("claimHolderId", "claimHolderLabel", "claimExpiresAt"),
      resolve: (d) => activeClaim(d, new Date()),
    }),
    rejectionReason: t.exposeString("rejectionReason", { nullable: true }),
    failureReason: t.exposeString("failureReason", { nullable: true }),
    cancelReason: t.exposeString("cancelReason", { nullable: true }),
    hold: t.field({ type: DraftHoldType, nullable: true, extensions: reads("holdReason", "holdUntil"), resolve: (d) => (d.holdReason ? { reason: d.holdReason, until: d.holdUntil } : null) }),
    lastError: t.exposeString("lastError", { nullable: true }),
    sendRequestedBy: t.exposeString("sendRequestedBy", { nullable: true }),
    sendAttempts: t.exposeInt("sendAttempts"),
    messageId: t.exposeString("messageId", { nullable: true, description: "The RFC 5322 Message-ID, fixed per draft." }),
    providerMessageId: t.exposeString("providerMessageId", { nullable: true }),
    approvedAt: t.expose("approvedAt", { type: "DateTime", nullable: true }),
    queuedAt: t.expose("queuedAt", { type: "DateTime", nullable: true }),
    sentAt: t.expose("sentAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const DraftFilter = builder.inputType("DraftFilter", {
  fields: (t) => ({
    status: t.field({ type: [DraftStatusEnum], required: false }),
    origin: t.field({ type: [DraftOriginEnum], required: false }),
    contactId: t.id({ required: false, description: "The recipient contact." }),
    recipientEmail: t.string({ required: false }),
    mailbox: t.string({ required: false, description: "The sender mailbox." }),
  }),
});

builder.queryField("draft", (t) =>
  t.prismaField({
    type: "Draft",
    nullable: true,
    authScopes: { permission: "draft:read" },
    args: { id: t.arg.id({ required: true }) },
    // An id that names no draft (or one of another tenant) reads as null; a database failure stays an error.
    resolve: (query, _root, { id }, ctx) => {
      const uuid = decodeId(id, "Draft");
      return uuid ? ctx.db.draft.findUnique({ ...query, where: { id: uuid } }) : null;
    },
  }),
);

builder.queryField("drafts", (t) =>
  t.prismaConnection(
    {
      type: "Draft",
      cursor: "id",
      description: "The tenant's drafts, newest first.",
      authScopes: { permission: "draft:read" },
      args: { filter: t.arg({ type: DraftFilter, required: false }) },
      resolve: (query, _root, { filter }, ctx, info) => {
        const where: Prisma.DraftWhereInput = {};
        if (filter?.status?.length) where.status = { in: filter.status };
        if (filter?.origin?.length) where.origin = { in: filter.origin };
        if (filter?.contactId) where.contactId = whereId(filter.contactId, "Contact");
        if (filter?.recipientEmail) where.recipientEmail = filter.recipientEmail.trim().toLowerCase();
        if (filter?.mailbox) where.mailbox = filter.mailbox.trim().toLowerCase();
        // One statement (see list-page.ts).
        const sql: PrismaSql.Sql[] = [];
        if (filter?.status?.length) sql.push(PrismaSql.sql`t.status = ANY(CAST(${[...filter.status]} AS "DraftStatus"[]))`);
        if (filter?.origin?.length) sql.push(PrismaSql.sql`t.origin = ANY(CAST(${[...filter.origin]} AS "DraftOrigin"[]))`);
        if (filter?.contactId) sql.push(idCondition("contactId", whereId(filter.contactId, "Contact")));
        if (filter?.recipientEmail) sql.push(PrismaSql.sql`t."recipientEmail" = ${filter.recipientEmail.trim().toLowerCase()}`);
        if (filter?.mailbox) sql.push(PrismaSql.sql`t.mailbox = ${filter.mailbox.trim().toLowerCase()}`);
        return listPage(ctx, info, "Draft", query, [{ field: "id", dir: "desc" }], sql, () => ctx.db.draft.findMany({ ...query, where, orderBy: { id: "desc" } }));
      },
    },
    { name: "DraftConnection" },
    { name: "DraftEdge" },
  ),
);

builder.queryField("pendingDrafts", (t) =>
  t.prismaConnection(
    {
      type: "Draft",
      cursor: "id",
      description: "The review queue: drafts waiting for approval, oldest first (first in, first reviewed).",
      authScopes: { permission: "draft:read" },
      args: { origin: t.arg({ type: [DraftOriginEnum], required: false }), mailbox: t.arg.string({ required: false }) },
      resolve: (query, _root, args, ctx) =>
        ctx.db.draft.findMany({
          ...query,
          where: {
            status: "PENDING_REVIEW",
            ...(args.origin?.length ? { origin: { in: args.origin } } : {}),
            ...(args.mailbox ? { mailbox: args.mailbox.trim().toLowerCase() } : {}),
          },
          // uuid v7 ids grow with creation time: id order is creation order, and a stable cursor.
          orderBy: { id: "asc" },
        }),
    },
    { name: "PendingDraftConnection" },
    { name: "PendingDraftEdge" },
  ),
);

// ---------------------------------------------------------------------------
// Subscriptions

interface DraftEventView {
  event: DomainEvent;
  draftId: string;
  status: DraftStatus;
  previousStatus: DraftStatus | null;
}

function draftEventView(event: DomainEvent): DraftEventView | null {
  if (!event.type.startsWith("sales.draft.")) return null;
  const { draftId, status, previousStatus } = event.payload as { draftId?: unknown; status?: unknown; previousStatus?: unknown };
  if (typeof draftId !== "string" || typeof status !== "string") return null;
  return { event, draftId, status: status as DraftStatus, previousStatus: (previousStatus as DraftStatus | null) ?? null };
}

function draftEvents(source: AsyncIterableIterator<DomainEvent>, keep: (v: DraftEventView) => boolean): AsyncGenerator<DraftEventView> {
  const drafts = filterIterator(source, (e) => e.type.startsWith("sales.draft."));
  return closingWith(
    drafts,
    (async function* () {
      for await (const event of drafts) {
        const view = draftEventView(event);
        if (view && keep(view)) yield view;
      }
    })(),
  );
}

const DraftStatusChangeType = builder.objectRef<DraftEventView>("DraftStatusChange").implement({
  description: "One change to a draft, as it happened (`status` is the status the event announced; `draft` is its state now).",
  fields: (t) => ({
    eventId: t.id({ resolve: (v) => v.event.id }),
    type: t.string({ resolve: (v) => v.event.type, description: "sales.draft.created|revised|approval_added|approved|rejected|queued|held|sending|sent|failed|blocked|cancelled|requeued|claimed|claim_released|claim_broken" }),
    draftId: t.id({ resolve: (v) => encodeGlobalID("Draft", v.draftId) }),
    status: t.field({ type: DraftStatusEnum, resolve: (v) => v.status }),
    previousStatus: t.field({ type: DraftStatusEnum, nullable: true, resolve: (v) => v.previousStatus }),
    actor: t.string({ resolve: (v) => v.event.actor }),
    occurredAt: t.field({ type: "DateTime", resolve: (v) => new Date(v.event.occurredAt) }),
    draft: t.prismaField({ type: "Draft", nullable: true, resolve: (query, v, _a, ctx) => ctx.db.draft.findUnique({ ...query, where: { id: v.draftId } }) }),
  }),
});

builder.subscriptionField("draftStatusChanged", (t) =>
  t.field({
    type: DraftStatusChangeType,
    description: "Status changes of one draft (draftId) or of all the tenant's drafts.",
    authScopes: { $all: { permission: "event:subscribe", $any: { permission: "draft:read" } } },
    args: { draftId: t.arg.id({ required: false }) },
    subscribe: (_root, { draftId }, ctx) => {
      // undefined: every draft; null: an id that names no draft, which matches no event.
      const only = draftId ? decodeId(draftId, "Draft") : undefined;
      return draftEvents(ctx.services.bus.subscribe(ctx.principal!.tenantId), (v) => only === undefined || (only !== null && v.draftId === only));
    },
    resolve: (v) => v,
  }),
);

const PendingChangeEnum = builder.enumType("PendingDraftChange", {
  description: "ADDED: a draft entered the review queue; REMOVED: it left (approved, rejected, blocked, cancelled); UPDATED: it changed while waiting (revised, an approval added, claimed, released or taken over by a reviewer).",
  values: ["ADDED", "REMOVED", "UPDATED"] as const,
});

const PendingDraftsChangeType = builder.objectRef<DraftEventView>("PendingDraftsChange").implement({
  fields: (t) => ({
    eventId: t.id({ resolve: (v) => v.event.id }),
    change: t.field({
      type: PendingChangeEnum,
      resolve: (v) =>
        v.status === "PENDING_REVIEW" ? (v.previousStatus === "PENDING_REVIEW" ? "UPDATED" : "ADDED") : "REMOVED",
    }),
    draftId: t.id({ resolve: (v) => encodeGlobalID("Draft", v.draftId) }),
    status: t.field({ type: DraftStatusEnum, resolve: (v) => v.status }),
    occurredAt: t.field({ type: "DateTime", resolve: (v) => new Date(v.event.occurredAt) }),
    pendingCount: t.int({ description: "Drafts waiting for review now.", resolve: (_v, _a, ctx) => ctx.db.draft.count({ where: { status: "PENDING_REVIEW" } }) }),
    draft: t.prismaField({ type: "Draft", nullable: true, resolve: (query, v, _a, ctx) => ctx.db.draft.findUnique({ ...query, where: { id: v.draftId } }) }),
  }),
});

builder.subscriptionField("pendingDraftsChanged", (t) =>
  t.field({
    type: PendingDraftsChangeType,
    description: "The review queue as it changes: drafts entering, leaving or changing while PENDING_REVIEW.",
    authScopes: { $all: { permission: "event:subscribe", $any: { permission: "draft:read" } } },
    subscribe: (_root, _args, ctx) =>
      draftEvents(ctx.services.bus.subscribe(ctx.principal!.tenantId), (v) => v.status === "PENDING_REVIEW" || v.previousStatus === "PENDING_REVIEW"),
    resolve: (v) => v,
  }),
);
