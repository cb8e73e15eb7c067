// Activities: e-mails, meetings, calls, notes, form submissions and web
// visits, with time and direction. activityLog records one (and rescores the lead).
import { z } from "zod";
import type { Prisma } from "../../../data/database.js";
import { ACTIVITY_TYPES } from "../../../domain/scoring/settings.js";
import type { UserError } from "../../../domain/user-error.js";
import { logActivity } from "../../../orchestration/pipeline/activity.js";
import { attributesSchema } from "../../../domain/lead/lead.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { filterId, optionalIds, userGlobalId } from "./sales-common.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

const ActivityTypeEnum = builder.enumType("ActivityType", { values: ACTIVITY_TYPES });
const ActivityDirectionEnum = builder.enumType("ActivityDirection", { values: ["INBOUND", "OUTBOUND", "INTERNAL"] as const });

builder.prismaNode("Activity", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  fields: (t) => ({
    type: t.expose("type", { type: ActivityTypeEnum }),
    direction: t.expose("direction", { type: ActivityDirectionEnum }),
    occurredAt: t.expose("occurredAt", { type: "DateTime" }),
    subject: t.exposeString("subject", { nullable: true }),
    body: t.exposeString("body", { nullable: true }),
    metadata: t.expose("metadata", { type: "JSON" }),
    actorUserId: t.field({ type: "ID", nullable: true, resolve: (a) => userGlobalId(a.actorUserId) }),
    contact: t.relation("contact", { nullable: true }),
    lead: t.relation("lead", { nullable: true }),
    deal: t.relation("deal", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const ActivityFilter = builder.inputType("ActivityFilter", {
  fields: (t) => ({
    leadId: t.id({ required: false }),
    contactId: t.id({ required: false }),
    dealId: t.id({ required: false }),
    type: t.field({ type: [ActivityTypeEnum], required: false }),
  }),
});

builder.queryField("activities", (t) =>
  t.prismaConnection(
    {
      type: "Activity",
      cursor: "id",
      description: "Activities, most recent first.",
      authScopes: { permission: "lead:read" },
      args: { filter: t.arg({ type: ActivityFilter, required: false }) },
      resolve: (query, _root, { filter }, ctx) => {
        const where: Prisma.ActivityWhereInput = {};
        if (filter?.leadId) where.leadId = filterId(String(filter.leadId), "Lead");
        if (filter?.contactId) where.contactId = filterId(String(filter.contactId), "Contact");
        if (filter?.dealId) where.dealId = filterId(String(filter.dealId), "Deal");
        if (filter?.type?.length) where.type = { in: filter.type };
        return ctx.db.activity.findMany({ ...query, where, orderBy: [{ occurredAt: "desc" }, { id: "desc" }] });
      },
    },
    { name: "ActivityConnection" },
    { name: "ActivityEdge" },
  ),
);

const activitySchema = z.object({
  subject: z.string().max(500).optional(),
  body: z.string().max(100_000).optional(),
  metadata: attributesSchema.optional(),
});

const ActivityLogInput = builder.inputType("ActivityLogInput", {
  fields: (t) => ({
    type: t.field({ type: ActivityTypeEnum, required: true }),
    direction: t.field({ type: ActivityDirectionEnum, required: true }),
    occurredAt: t.field({ type: "DateTime", required: false, description: "Default: now." }),
    subject: t.string({ required: false }),
    body: t.string({ required: false }),
    leadId: t.id({ required: false }),
    contactId: t.id({ required: false }),
    dealId: t.id({ required: false }),
    metadata: t.field({ type: "JSON", required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const ActivityPayload = payloadType<Payload<{ activityId: string }>>("ActivityLogPayload", (t) => ({
  activity: t.prismaField({
    type: "Activity",
    nullable: true,
    resolve: (q, p, _a, ctx) => (p.activityId ? ctx.db.activity.findUnique({ ...q, where: { id: p.activityId } }) : null),
  }),
}));

builder.mutationField("activityLog", (t) =>
  t.field({
    type: ActivityPayload,
    description: "Records an activity on a lead, contact or deal; the lead's engagement score is refreshed.",
    authScopes: { permission: "lead:write" },
    args: { input: t.arg({ type: ActivityLogInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const ids = optionalIds(errors, {
        leadId: { value: input.leadId == null ? null : String(input.leadId), type: "Lead" },
        contactId: { value: input.contactId == null ? null : String(input.contactId), type: "Contact" },
        dealId: { value: input.dealId == null ? null : String(input.dealId), type: "Deal" },
      });
      const parsed = parseInput(activitySchema, { subject: input.subject ?? undefined, body: input.body ?? undefined, metadata: input.metadata ?? undefined });
      if (!parsed.ok) errors.push(...parsed.errors);
      if (errors.length || !parsed.ok) return errorPayload<{ activityId: string }>(errors);
      return toPayload(
        await logActivity(
          ctx.services,
          actorOf(ctx),
          { type: input.type, direction: input.direction, occurredAt: input.occurredAt ?? new Date(), ...parsed.data, ...ids },
          input.idempotencyKey ?? ctx.idempotencyKey,
        ),
      );
    },
  }),
);
