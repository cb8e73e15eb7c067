// Story-pitch campaigns: `campaignPreview` (a dry run: the segment ranked with
// reasons, every exclusion explained, the send plan by day; campaign:preview,
// OPERATOR and up), `campaignLaunch/Pause/Resume/Cancel` (campaign:manage,
// MANAGER and up), and `campaigns`, `campaign` with results and recipients
// (campaign:read, every human role).
import { encodeGlobalID } from "@pothos/plugin-relay";
import { withTenant } from "../../../data/database.js";
import { campaignResults, type CampaignResults } from "../../../data/campaign-results.js";
import { CAMPAIGN_RECIPIENT_STATUSES, CAMPAIGN_STATUSES, campaignInputSchema, EXCLUSION_REASONS, type ExclusionReason } from "../../../domain/campaign/campaign.js";
import type { UserError } from "../../../domain/user-error.js";
import {
  cancelCampaign,
  launchCampaign,
  MAX_PAGE,
  pauseCampaign,
  previewCampaign,
  resumeCampaign,
  type CampaignPreview,
  type RankedContact,
} from "../../../orchestration/campaign/campaign.js";
import type { ExcludedRow } from "../../../data/campaign-preview.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { decodeId, idOf } from "../global-id.js";
import { CompanyLifecycleEnum } from "../lead/company.js";
import { SeniorityEnum } from "../lead/contact.js";
import { LeadStatusEnum } from "../lead/lead.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";
import { z } from "zod";

const READ = { permission: "campaign:read" } as const;
const MANAGE = { permission: "campaign:manage" } as const;

export const CampaignStatusEnum = builder.enumType("CampaignStatus", { values: CAMPAIGN_STATUSES });
export const CampaignRecipientStatusEnum = builder.enumType("CampaignRecipientStatus", { values: CAMPAIGN_RECIPIENT_STATUSES });
export const CampaignExclusionReasonEnum = builder.enumType("CampaignExclusionReason", {
  values: EXCLUSION_REASONS,
  description: "Why a contact matching the segment is left out (the first that applies, in this order).",
});

// ---- input --------------------------------------------------------------------------------

const CampaignAttributeInput = builder.inputType("CampaignAttributeInput", {
  fields: (t) => ({ key: t.string({ required: true }), value: t.string({ required: true }) }),
});

export const CampaignSegmentInput = builder.inputType("CampaignSegmentInput", {
  description: "Who the campaign is for. Every given criterion must hold; an empty list or absent bound means any.",
  fields: (t) => ({
    titleKeywords: t.stringList({ required: false, description: "Persona: any of these in the contact's title (case-insensitive)." }),
    seniorities: t.field({ type: [SeniorityEnum], required: false }),
    industries: t.stringList({ required: false, description: "The company's industry, any of these (case-insensitive)." }),
    employeesMin: t.int({ required: false }),
    employeesMax: t.int({ required: false }),
    lifecycles: t.field({ type: [CompanyLifecycleEnum], required: false, description: "The company's lifecycle." }),
    leadStatuses: t.field({ type: [LeadStatusEnum], required: false }),
    grades: t.stringList({ required: false }),
    scoreMin: t.int({ required: false }),
    scoreMax: t.int({ required: false }),
    attributes: t.field({ type: [CampaignAttributeInput], required: false, description: "Custom attributes: each equal (as text) on the contact, its lead or its company." }),
    lists: t.idList({ required: false, description: "Contact lists (global ids of ContactList): the contact is on any of them." }),
  }),
});

const campaignFields = (t: PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<object>, "InputObject">) => ({
  segment: t.field({ type: CampaignSegmentInput, required: false }),
  brief: t.string({ required: true, description: "The story to pitch: what the writer personalises for each contact and company." }),
  subject: t.string({ required: false, description: "A fixed subject; default: the writer's." }),
  mailbox: t.string({ required: false, description: "Sender: one of the tenant's mailboxes or your own address; default the tenant's first mailbox." }),
  dailyCap: t.int({ required: false, description: "Drafts sent per business day at most (default 20)." }),
  cadenceDays: t.int({ required: false, description: "At most one campaign e-mail per contact in this many days (default 14): anyone e-mailed within it is left out." }),
  startDate: t.string({ required: false, description: "First send day, YYYY-MM-DD in the tenant's zone (default today)." }),
  size: t.int({ required: false, description: "How many of the top-ranked contacts the campaign takes (default 100, at most 2000)." }),
});

const CampaignPreviewInput = builder.inputType("CampaignPreviewInput", { fields: (t) => campaignFields(t as never) });
const CampaignLaunchInput = builder.inputType("CampaignLaunchInput", {
  fields: (t) => ({
    ...campaignFields(t as never),
    name: t.string({ required: true }),
    expectedFingerprint: t.string({ required: false, description: "The preview's fingerprint: the launch is refused (CONFLICT) when the recipients or their days would differ from that preview." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

type Args = {
  segment?: Record<string, unknown> | null;
  brief: string;
  subject?: string | null;
  mailbox?: string | null;
  dailyCap?: number | null;
  cadenceDays?: number | null;
  startDate?: string | null;
  size?: number | null;
};
const undef = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
/** The segment input without its absent fields (GraphQL's nulls), for the zod schema's defaults. */
export function segmentOf(s: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const present = Object.fromEntries(Object.entries(s ?? {}).filter(([, v]) => v !== null && v !== undefined));
  // Lists by global id; one that names no ContactList stays as given, and the schema refuses it ("must name a contact list").
  if (Array.isArray(present.lists)) present.lists = present.lists.map((id) => decodeId(String(id), "ContactList") ?? String(id));
  return present;
}
function rawInput(a: Args) {
  return {
    segment: segmentOf(a.segment),
    brief: a.brief,
    subject: a.subject ?? null,
    mailbox: a.mailbox ?? null,
    dailyCap: undef(a.dailyCap),
    cadenceDays: undef(a.cadenceDays),
    startDate: a.startDate ?? null,
    size: undef(a.size),
  };
}

// ---- preview ------------------------------------------------------------------------------

const ResolvedInputType = builder.objectRef<CampaignPreview["input"]>("CampaignResolvedInput").implement({
  description: "The input as the preview used it (defaults filled in): launch this to get the same set.",
  fields: (t) => ({
    brief: t.exposeString("brief"),
    subject: t.string({ nullable: true, resolve: (i) => i.subject ?? null }),
    mailbox: t.exposeString("mailbox"),
    dailyCap: t.exposeInt("dailyCap"),
    cadenceDays: t.exposeInt("cadenceDays"),
    startDate: t.exposeString("startDate"),
    size: t.exposeInt("size"),
    segment: t.field({ type: "JSON", resolve: (i) => i.segment }),
  }),
});

const RankedType = builder.objectRef<RankedContact>("CampaignRankedContact").implement({
  fields: (t) => ({
    rank: t.exposeInt("rank"),
    contactId: t.id({ resolve: (r) => encodeGlobalID("Contact", r.contactId) }),
    contact: t.prismaField({ type: "Contact", nullable: true, resolve: (query, r, _a, ctx) => ctx.db.contact.findUnique({ ...query, where: { id: r.contactId } }) }),
    email: t.exposeString("email"),
    name: t.string({ nullable: true, resolve: (r) => [r.firstName, r.lastName].filter(Boolean).join(" ") || null }),
    title: t.string({ nullable: true, resolve: (r) => r.title }),
    companyName: t.string({ nullable: true, resolve: (r) => r.companyName }),
    score: t.int({ nullable: true, resolve: (r) => r.score }),
    grade: t.string({ nullable: true, resolve: (r) => r.grade }),
    replies: t.exposeInt("replies", { description: "Human replies before the start date." }),
    lastEngagedAt: t.field({ type: "DateTime", nullable: true, resolve: (r) => r.lastEngagedAt }),
    points: t.exposeInt("points", { description: "The rank points (see rankingRule)." }),
    reason: t.exposeString("reason", { description: "Why this rank." }),
    plannedDay: t.string({ nullable: true, description: "The business day (the recipient's local date) the draft would go out; null: no day within the horizon (see planNote).", resolve: (r) => r.plannedDay }),
    plannedAt: t.field({ type: "DateTime", nullable: true, description: "08:00 of plannedDay in the recipient's zone (timeZone).", resolve: (r) => r.plannedAt }),
    timeZone: t.string({ description: "The recipient's zone the send time is in: the contact's, else inferred from the company's country, else the tenant's.", resolve: (r) => r.timeZone }),
    timeZoneSource: t.string({ description: "CONTACT, INFERRED (the company's country) or TENANT.", resolve: (r) => r.timeZoneSource }),
    planNote: t.string({ nullable: true, description: "Why the day is later than the cap alone would put it (which quota), or why there is none.", resolve: (r) => r.planNote }),
  }),
});

const ExcludedType = builder.objectRef<ExcludedRow & { message: string }>("CampaignExcludedContact").implement({
  fields: (t) => ({
    contactId: t.id({ resolve: (r) => encodeGlobalID("Contact", r.contactId) }),
    contact: t.prismaField({ type: "Contact", nullable: true, resolve: (query, r, _a, ctx) => ctx.db.contact.findUnique({ ...query, where: { id: r.contactId } }) }),
    email: t.string({ nullable: true, resolve: (r) => r.email }),
    reason: t.field({ type: CampaignExclusionReasonEnum, resolve: (r) => r.reason }),
    message: t.exposeString("message"),
  }),
});

const CountType = builder.objectRef<{ reason: ExclusionReason; count: number }>("CampaignExclusionCount").implement({
  fields: (t) => ({ reason: t.field({ type: CampaignExclusionReasonEnum, resolve: (r) => r.reason }), count: t.exposeInt("count") }),
});
const DayType = builder.objectRef<{ day: string; count: number }>("CampaignPlanDay").implement({
  fields: (t) => ({ day: t.exposeString("day"), count: t.exposeInt("count") }),
});

const MailboxHoldType = builder.objectRef<NonNullable<CampaignPreview["mailboxHold"]>>("CampaignMailboxHold").implement({
  description: "The sender mailbox is paused by the deliverability guardrails: every planned draft would be held until a MANAGER resumes it (mailboxResume).",
  fields: (t) => ({
    mailbox: t.exposeString("mailbox"),
    reason: t.exposeString("reason", { description: "Why it was paused (the rate and threshold)." }),
    message: t.exposeString("message", { description: "What the send path says about a held draft." }),
  }),
});

const PreviewType = builder.objectRef<CampaignPreview>("CampaignPreview").implement({
  fields: (t) => ({
    input: t.field({ type: ResolvedInputType, resolve: (p) => p.input }),
    timeZone: t.exposeString("timeZone", { description: "The tenant's zone: the days are its business days." }),
    rankingRule: t.exposeString("rankingRule", { description: "How the rank is computed and the tie-breaks." }),
    matched: t.exposeInt("matched", { description: "Contacts matching the segment." }),
    eligible: t.exposeInt("eligible"),
    excludedCount: t.exposeInt("excludedCount"),
    exclusionCounts: t.field({ type: [CountType], resolve: (p) => p.exclusionCounts }),
    plannedCount: t.exposeInt("plannedCount", { description: "Of the campaign's contacts (the top `size` eligible), placed on a day." }),
    unplannedCount: t.exposeInt("unplannedCount"),
    beyondSize: t.exposeInt("beyondSize", { description: "Eligible contacts ranked below the campaign's size (not in it)." }),
    days: t.field({ type: [DayType], description: "The send plan: drafts per business day.", resolve: (p) => p.days }),
    ranked: t.field({ type: [RankedType], description: "A page of the campaign's contacts in rank order (first/offset).", resolve: (p) => p.ranked }),
    excluded: t.field({ type: [ExcludedType], description: "A page of the excluded contacts, by reason (excludedFirst/excludedOffset).", resolve: (p) => p.excluded }),
    fingerprint: t.exposeString("fingerprint", { description: "Identifies the planned recipients and days; give it to campaignLaunch as expectedFingerprint." }),
    mailboxHold: t.field({
      type: MailboxHoldType,
      nullable: true,
      description: "Set when the sender mailbox is paused (deliverability): the plan holds until it is resumed; each planned contact's planNote says so.",
      resolve: (p) => p.mailboxHold,
    }),
  }),
});

const PreviewPayload = payloadType<Payload<{ preview: CampaignPreview }>>("CampaignPreviewPayload", (t) => ({
  preview: t.field({ type: PreviewType, nullable: true, resolve: (p) => p.preview ?? null }),
}));

const pageArg = z.number().int().min(0).max(MAX_PAGE);

builder.queryField("campaignPreview", (t) =>
  t.field({
    type: PreviewPayload,
    description: "A dry run: ranks the segment, explains every exclusion and plans the send days. Writes nothing.",
    authScopes: { permission: "campaign:preview" },
    args: {
      input: t.arg({ type: CampaignPreviewInput, required: true }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
      offset: t.arg.int({ required: false, defaultValue: 0 }),
      excludedFirst: t.arg.int({ required: false, defaultValue: 50 }),
      excludedOffset: t.arg.int({ required: false, defaultValue: 0 }),
    },
    resolve: async (_root, args, ctx) => {
      const page = parseInput(z.object({ first: pageArg, offset: z.number().int().min(0), excludedFirst: pageArg, excludedOffset: z.number().int().min(0) }), {
        first: args.first ?? 50,
        offset: args.offset ?? 0,
        excludedFirst: args.excludedFirst ?? 50,
        excludedOffset: args.excludedOffset ?? 0,
      }, []);
      if (!page.ok) return errorPayload<{ preview: CampaignPreview }>(page.errors);
      const parsed = parseInput(campaignInputSchema, rawInput(args.input as Args));
      if (!parsed.ok) return errorPayload<{ preview: CampaignPreview }>(parsed.errors);
      const outcome = await previewCampaign(ctx.services, actorOf(ctx), parsed.data, page.data);
      return outcome.ok ? { preview: outcome.value, userErrors: [] as UserError[] } : errorPayload<{ preview: CampaignPreview }>(outcome.errors);
    },
  }),
);

// ---- campaigns ----------------------------------------------------------------------------

const ResultsType = builder.objectRef<CampaignResults>("CampaignResults").implement({
  description: "What the campaign produced so far (replies: a human message from the recipient after the send; positive: INTERESTED or MEETING_REQUEST).",
  fields: (t) => ({
    recipients: t.exposeInt("recipients"),
    planned: t.exposeInt("planned", { description: "Waiting for their day's draft." }),
    drafted: t.exposeInt("drafted"),
    skipped: t.exposeInt("skipped"),
    cancelled: t.exposeInt("cancelled"),
    approved: t.exposeInt("approved"),
    rejected: t.exposeInt("rejected"),
    sent: t.exposeInt("sent"),
    replied: t.exposeInt("replied"),
    positiveReplies: t.exposeInt("positiveReplies"),
  }),
});

builder.prismaObject("CampaignRecipient", {
  authScopes: READ,
  fields: (t) => ({
    rank: t.exposeInt("rank"),
    rankReason: t.exposeString("rankReason"),
    plannedDay: t.exposeString("plannedDay"),
    plannedAt: t.expose("plannedAt", { type: "DateTime", description: "The send path holds the approved draft until then." }),
    status: t.expose("status", { type: CampaignRecipientStatusEnum }),
    skipReason: t.exposeString("skipReason", { nullable: true }),
    contact: t.prismaField({ type: "Contact", nullable: true, resolve: (query, r, _a, ctx) => ctx.db.contact.findUnique({ ...query, where: { id: r.contactId } }) }),
    draft: t.prismaField({ type: "Draft", nullable: true, resolve: (query, r, _a, ctx) => (r.draftId ? ctx.db.draft.findUnique({ ...query, where: { id: r.draftId } }) : null) }),
  }),
});

export const CampaignType = builder.prismaNode("Campaign", {
  id: { field: "id" },
  authScopes: READ,
  fields: (t) => ({
    name: t.exposeString("name"),
    brief: t.exposeString("brief"),
    subject: t.exposeString("subject", { nullable: true }),
    mailbox: t.exposeString("mailbox"),
    dailyCap: t.exposeInt("dailyCap"),
    cadenceDays: t.exposeInt("cadenceDays"),
    startDate: t.exposeString("startDate"),
    status: t.expose("status", { type: CampaignStatusEnum }),
    recipientCount: t.exposeInt("recipientCount"),
    fingerprint: t.exposeString("fingerprint"),
    segment: t.field({ type: "JSON", description: "The frozen input it was launched with.", resolve: (c) => c.input }),
    createdBy: t.exposeString("createdByLabel", { nullable: true }),
    results: t.field({
      type: ResultsType,
      resolve: (c, _a, ctx) => {
        const { tenantId, userId } = actorOf(ctx).principal;
        return withTenant(ctx.services.db.prisma, { tenantId, userId }, (tx) => campaignResults(tx, tenantId, c.id));
      },
    }),
    recipients: t.relation("recipients", {
      args: { first: t.arg.int({ required: false, defaultValue: 50 }), offset: t.arg.int({ required: false, defaultValue: 0 }), status: t.arg({ type: CampaignRecipientStatusEnum, required: false }) },
      query: (args) => ({
        where: args.status ? { status: args.status } : {},
        orderBy: { rank: "asc" as const },
        take: Math.min(Math.max(args.first ?? 50, 0), MAX_PAGE),
        skip: Math.max(args.offset ?? 0, 0),
      }),
    }),
    pausedAt: t.expose("pausedAt", { type: "DateTime", nullable: true }),
    cancelledAt: t.expose("cancelledAt", { type: "DateTime", nullable: true }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryField("campaigns", (t) =>
  t.prismaConnection(
    {
      type: "Campaign",
      cursor: "id",
      authScopes: READ,
      args: { status: t.arg({ type: CampaignStatusEnum, required: false }) },
      resolve: (query, _root, args, ctx) => ctx.db.campaign.findMany({ ...query, where: args.status ? { status: args.status } : {}, orderBy: { id: "desc" } }),
    },
    { name: "CampaignConnection" },
    { name: "CampaignEdge" },
  ),
);

builder.queryField("campaign", (t) =>
  t.prismaField({
    type: "Campaign",
    nullable: true,
    authScopes: READ,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => {
      const uuid = decodeId(id, "Campaign");
      return uuid ? ctx.db.campaign.findUnique({ ...query, where: { id: uuid } }) : null;
    },
  }),
);

// ---- mutations ----------------------------------------------------------------------------

type CampaignShape = { campaignId: string; fingerprint?: string; cancelledDraftIds?: string[] };
const CampaignPayload = (name: string) =>
  payloadType<Payload<CampaignShape>>(name, (t) => ({
    campaign: t.prismaField({
      type: "Campaign",
      nullable: true,
      resolve: (query, p, _a, ctx) => (p.campaignId ? ctx.db.campaign.findUnique({ ...query, where: { id: p.campaignId } }) : null),
    }),
    cancelledDraftIds: t.idList({ nullable: true, description: "campaignCancel: the drafts it cancelled.", resolve: (p) => p.cancelledDraftIds?.map((id) => encodeGlobalID("Draft", id)) ?? null }),
  }));

const launchSchema = campaignInputSchema.extend({ name: z.string().trim().min(1, "must not be empty").max(200), expectedFingerprint: z.string().trim().max(100).nullish() });

builder.mutationField("campaignLaunch", (t) =>
  t.field({
    type: CampaignPayload("CampaignLaunchPayload"),
    description: "Creates the campaign from the same computation as the preview and schedules its drafts by day (each reviewed and approved as always).",
    authScopes: MANAGE,
    args: { input: t.arg({ type: CampaignLaunchInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(launchSchema, { ...rawInput(input as Args), name: input.name, expectedFingerprint: input.expectedFingerprint ?? null });
      if (!parsed.ok) return errorPayload<CampaignShape>(parsed.errors);
      return toPayload(await launchCampaign(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const CampaignIdInput = (name: string, withReason: boolean) =>
  builder.inputType(name, {
    fields: (t) => ({
      campaignId: t.id({ required: true }),
      ...(withReason ? { reason: t.string({ required: false }) } : {}),
      idempotencyKey: t.string({ required: false }),
    }),
  });

const stateMutation = (name: "campaignPause" | "campaignResume" | "campaignCancel", description: string, withReason: boolean) =>
  builder.mutationField(name, (t) =>
    t.field({
      type: CampaignPayload(`${name[0]!.toUpperCase()}${name.slice(1)}Payload`),
      description,
      authScopes: MANAGE,
      args: { input: t.arg({ type: CampaignIdInput(`${name[0]!.toUpperCase()}${name.slice(1)}Input`, withReason), required: true }) },
      resolve: async (_root, { input }, ctx) => {
        const id = idOf(String(input.campaignId), "Campaign", ["input", "campaignId"]);
        if (!id.ok) return errorPayload<CampaignShape>(id.errors);
        const reason = (input as { reason?: string | null }).reason ?? null;
        const key = input.idempotencyKey ?? ctx.idempotencyKey;
        const actor = actorOf(ctx);
        if (name === "campaignPause") return toPayload(await pauseCampaign(ctx.services, actor, { campaignId: id.id, reason }, key));
        if (name === "campaignResume") return toPayload(await resumeCampaign(ctx.services, actor, { campaignId: id.id }, key));
        return toPayload(await cancelCampaign(ctx.services, actor, { campaignId: id.id, reason }, key));
      },
    }),
  );

stateMutation("campaignPause", "No drafts are written and none of the campaign's drafts is sent until it is resumed.", true);
stateMutation("campaignResume", "Resumes; recipients whose day passed while paused are re-planned from today under the same caps.", false);
stateMutation("campaignCancel", "Ends the campaign: nothing more is drafted, and every draft of it not yet sent is cancelled.", true);
