// HubSpot: `connectionCreateHubspotPrivateApp` (the OAuth alternative; OAuth is
// connectionStart with provider HUBSPOT), `hubspotStageMappingUpdate`,
// `hubspotStageMappings` and `hubspotSyncNow`. OWNER/ADMIN only
// (connection:manage): HubSpot is the tenant's shared account. The token is
// never part of the schema.
import { z } from "zod";
import type { HubspotCreateSettings, StageMapping } from "../../../domain/connection/hubspot.js";
import { ok } from "../../../domain/user-error.js";
import { withConnectors } from "../../../orchestration/connection/connection.js";
import { connectHubspotPrivateApp, requestHubspotSync, updateHubspotStageMapping, updateHubspotSyncSettings } from "../../../orchestration/connection/hubspot.js";
import { listHubspotItems, retryHubspotItem } from "../../../orchestration/connection/hubspot-push.js";
import { stageMappingSchema } from "../../../domain/connection/hubspot.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

const PrivateAppInput = builder.inputType("ConnectionCreateHubspotPrivateAppInput", {
  fields: (t) => ({
    token: t.string({ required: true, description: "The private app's access token (HubSpot → Settings → Integrations → Private apps). Stored encrypted; never returned." }),
  }),
});

const PrivateAppPayload = payloadType<Payload<{ connectionId: string }>>("ConnectionCreateHubspotPrivateAppPayload", (t) => ({
  connection: t.prismaField({
    type: "Connection",
    nullable: true,
    resolve: (query, p, _a, ctx) => (p.connectionId ? ctx.db.connection.findUnique({ ...query, where: { id: p.connectionId } }) : null),
  }),
}));

builder.mutationField("connectionCreateHubspotPrivateApp", (t) =>
  t.field({
    type: PrivateAppPayload,
    description: "Connects the tenant's HubSpot with a private-app token (checked with one call to HubSpot, then stored encrypted). OWNER/ADMIN.",
    authScopes: { permission: "connection:manage" },
    args: { input: t.arg({ type: PrivateAppInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(z.object({ token: z.string().trim().min(1).max(512) }), { token: input.token });
      if (!parsed.ok) return errorPayload<{ connectionId: string }>(parsed.errors);
      return toPayload(await connectHubspotPrivateApp(withConnectors(ctx.services), actorOf(ctx), parsed.data));
    },
  }),
);

const StageMappingType = builder.objectRef<StageMapping[number]>("HubspotStageMapping").implement({
  fields: (t) => ({
    pipelineId: t.exposeString("pipelineId", { description: "HubSpot pipeline id (\"default\" for the default pipeline)." }),
    stageId: t.exposeString("stageId", { description: "HubSpot deal stage id." }),
    stage: t.exposeString("stage", { description: "Our pipeline stage key." }),
  }),
});

const StageMappingInput = builder.inputType("HubspotStageMappingInput", {
  fields: (t) => ({
    pipelineId: t.string({ required: true }),
    stageId: t.string({ required: true }),
    stage: t.string({ required: true }),
  }),
});

const StageMappingUpdateInput = builder.inputType("HubspotStageMappingUpdateInput", {
  fields: (t) => ({
    mappings: t.field({ type: [StageMappingInput], required: true, description: "The whole mapping (replaces the previous one). Unmapped: closedwon/closedlost → our WON/LOST stage; others → the first open stage for a new deal, unchanged for an existing one." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const StageMappingPayload = payloadType<Payload<{ mappings: StageMapping }>>("HubspotStageMappingUpdatePayload", (t) => ({
  mappings: t.field({ type: [StageMappingType], nullable: true, resolve: (p) => p.mappings ?? null }),
}));

builder.mutationField("hubspotStageMappingUpdate", (t) =>
  t.field({
    type: StageMappingPayload,
    description: "Sets which HubSpot pipeline stage is which of our pipeline stages (validated against the tenant's pipeline). OWNER/ADMIN.",
    authScopes: { permission: "connection:manage" },
    args: { input: t.arg({ type: StageMappingUpdateInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await updateHubspotStageMapping(ctx.services, actorOf(ctx), { mappings: input.mappings, idempotencyKey: input.idempotencyKey })),
  }),
);

builder.queryField("hubspotStageMappings", (t) =>
  t.field({
    type: [StageMappingType],
    description: "The tenant's HubSpot stage mapping.",
    authScopes: { permission: "connection:manage" },
    resolve: async (_root, _args, ctx) => {
      const row = await ctx.db.hubspotSettings.findFirst();
      const parsed = stageMappingSchema.safeParse(row?.stageMappings ?? []);
      return parsed.success ? parsed.data : [];
    },
  }),
);

const SyncSettingsType = builder.objectRef<HubspotCreateSettings>("HubspotSyncSettings").implement({
  description: "What the outbound sync creates in HubSpot for records of ours with no HubSpot counterpart (HubSpot is searched by e-mail / domain first, so nothing is duplicated).",
  fields: (t) => ({
    createContacts: t.exposeBoolean("createContacts", { description: "A lead's contact is created in HubSpot (searched by its canonical e-mail first)." }),
    createCompanies: t.exposeBoolean("createCompanies", { description: "A contact's or deal's company is created in HubSpot (searched by its domain first; none without a domain)." }),
    createDeals: t.exposeBoolean("createDeals", { description: "A deal is created in HubSpot in its mapped stage, associated with its company and contacts." }),
  }),
});

const SyncSettingsInput = builder.inputType("HubspotSyncSettingsUpdateInput", {
  fields: (t) => ({
    createContacts: t.boolean({ required: true }),
    createCompanies: t.boolean({ required: true }),
    createDeals: t.boolean({ required: true, description: "Needs every open stage of ours mapped to a HubSpot stage." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const SyncSettingsPayload = payloadType<Payload<{ settings: HubspotCreateSettings }>>("HubspotSyncSettingsUpdatePayload", (t) => ({
  settings: t.field({ type: SyncSettingsType, nullable: true, resolve: (p) => p.settings ?? null }),
}));

builder.mutationField("hubspotSyncSettingsUpdate", (t) =>
  t.field({
    type: SyncSettingsPayload,
    description: "Sets which of our records with no HubSpot counterpart the outbound sync creates there (all off by default). OWNER/ADMIN.",
    authScopes: { permission: "connection:manage" },
    args: { input: t.arg({ type: SyncSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { idempotencyKey, ...settings } = input;
      const outcome = await updateHubspotSyncSettings(ctx.services, actorOf(ctx), { settings, idempotencyKey });
      return toPayload(outcome.ok ? ok({ settings: outcome.value }) : outcome);
    },
  }),
);

builder.queryField("hubspotSyncSettings", (t) =>
  t.field({
    type: SyncSettingsType,
    description: "What the outbound sync creates in HubSpot.",
    authScopes: { permission: "connection:read" },
    resolve: async (_root, _args, ctx) => {
      const row = await ctx.db.hubspotSettings.findFirst();
      return { createContacts: row?.createContacts ?? false, createCompanies: row?.createCompanies ?? false, createDeals: row?.createDeals ?? false };
    },
  }),
);

const SyncNowInput = builder.inputType("HubspotSyncNowInput", {
  fields: (t) => ({
    full: t.boolean({ required: false, description: "A full reconcile (every record) instead of the incremental sync. Default false." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const SyncNowPayload = payloadType<Payload<{ connectionId: string; jobId: string | null; queued: boolean }>>("HubspotSyncNowPayload", (t) => ({
  connection: t.prismaField({
    type: "Connection",
    nullable: true,
    resolve: (query, p, _a, ctx) => (p.connectionId ? ctx.db.connection.findUnique({ ...query, where: { id: p.connectionId } }) : null),
  }),
  queued: t.boolean({ nullable: true, description: "false: a sync of this connection is already waiting.", resolve: (p) => p.queued ?? null }),
}));

builder.mutationField("hubspotSyncNow", (t) =>
  t.field({
    type: SyncNowPayload,
    description: "Enqueues an inbound sync of the tenant's HubSpot (contacts, companies, deals with associations, owners); the connection's lastSyncAt tells when it finished. OWNER/ADMIN.",
    authScopes: { permission: "connection:manage" },
    args: { input: t.arg({ type: SyncNowInput, required: false }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await requestHubspotSync(ctx.services, actorOf(ctx), { full: input?.full ?? false, idempotencyKey: input?.idempotencyKey })),
  }),
);

// ---- outbound sync and CRM hygiene: one item per change of ours for HubSpot ----

type SyncItemRow = { id: string; kind: string; sourceType: string; sourceId: string; hubspotType: string; status: "PENDING" | "DONE" | "FAILED" | "SKIPPED"; hubspotId: string | null; attempts: number; lastError: string | null; result: unknown; doneAt: Date | null; createdAt: Date; updatedAt: Date };

const SyncItemStatus = builder.enumType("HubspotSyncItemStatus", { values: ["PENDING", "DONE", "FAILED", "SKIPPED"] as const });
const SyncItemKind = builder.enumType("HubspotSyncItemKind", {
  values: { PUSH: { description: "A record's fields pushed (lead status → lifecycle stage, deal stage, name, owner)." }, ENGAGEMENT: { description: "An email, note, task or meeting logged on HubSpot timelines (CRMHygieneAgent)." },
    GDPR_DELETE: { description: "A contactErase asking HubSpot to delete the linked contact for good (its GDPR delete)." },
  },
});

const SyncItemType = builder.objectRef<SyncItemRow>("HubspotSyncItem").implement({
  description: "One change of ours for HubSpot and whether it got there.",
  fields: (t) => ({
    id: t.exposeID("id"),
    kind: t.field({ type: SyncItemKind, resolve: (i) => i.kind as "PUSH" | "ENGAGEMENT" | "GDPR_DELETE" }),
    sourceType: t.exposeString("sourceType", { description: "Lead, Deal (pushes); Draft, Activity, Recommendation, MeetingBooking (engagements); Contact (GDPR deletes: the erased contact's id)." }),
    sourceId: t.exposeID("sourceId"),
    hubspotType: t.exposeString("hubspotType", { description: "contacts, deals, emails, notes, tasks or meetings." }),
    status: t.field({ type: SyncItemStatus, resolve: (i) => i.status }),
    hubspotId: t.exposeString("hubspotId", { nullable: true, description: "The engagement created or the record written." }),
    attempts: t.exposeInt("attempts"),
    lastError: t.exposeString("lastError", { nullable: true }),
    result: t.field({ type: "String", description: "What the last run did, as JSON (fields pushed, fields kept remote and why, why skipped).", resolve: (i) => JSON.stringify(i.result ?? {}) }),
    doneAt: t.field({ type: "DateTime", nullable: true, resolve: (i) => i.doneAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (i) => i.updatedAt }),
  }),
});

builder.queryField("hubspotSyncItems", (t) =>
  t.field({
    type: [SyncItemType],
    description: "The tenant's HubSpot items (pushes, engagements and GDPR deletes), newest first, filtered by status and kind.",
    authScopes: { permission: "connection:read" },
    args: {
      status: t.arg({ type: SyncItemStatus, required: false }),
      kind: t.arg({ type: SyncItemKind, required: false }),
      first: t.arg.int({ required: false, description: "Between 1 and 200 (clamped); default 50." }),
    },
    resolve: (_root, args, ctx) => listHubspotItems(ctx.db as never, { status: args.status ?? null, kind: args.kind ?? null, take: Math.min(Math.max(args.first ?? 50, 1), 200) }) as Promise<SyncItemRow[]>,
  }),
);

const SyncItemRetryInput = builder.inputType("HubspotSyncItemRetryInput", {
  fields: (t) => ({
    itemId: t.id({ required: true, description: "A FAILED item's id (hubspotSyncItems)." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const SyncItemRetryPayload = payloadType<Payload<{ itemId: string; queued: boolean }>>("HubspotSyncItemRetryPayload", (t) => ({
  item: t.field({
    type: SyncItemType,
    nullable: true,
    resolve: async (p, _a, ctx) => (p.itemId ? ((await ctx.db.hubspotSyncItem.findUnique({ where: { id: p.itemId } })) as SyncItemRow | null) : null),
  }),
  queued: t.boolean({ nullable: true, resolve: (p) => p.queued ?? null }),
}));

builder.mutationField("hubspotSyncItemRetry", (t) =>
  t.field({
    type: SyncItemRetryPayload,
    description: "Queues a FAILED HubSpot item (push or engagement) again; still exactly once (a HubSpot record it may have made is looked for first). MANAGER and up.",
    authScopes: { permission: "connection:retry" },
    args: { input: t.arg({ type: SyncItemRetryInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(z.object({ itemId: z.string().uuid() }), { itemId: String(input.itemId) });
      if (!parsed.ok) return errorPayload<{ itemId: string; queued: boolean }>(parsed.errors.map((e) => ({ ...e, field: ["input", "itemId"] })));
      return toPayload(await retryHubspotItem(ctx.services, actorOf(ctx), { itemId: parsed.data.itemId, idempotencyKey: input.idempotencyKey }));
    },
  }),
);
