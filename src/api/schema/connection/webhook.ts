// Outbound webhooks: `webhookEndpoints`, `webhookDeliveries`, and
// `webhookEndpointCreate/Update/Delete/RotateSecret`, `webhookDeliveryRedeliver`
// (ADMIN and up: webhook:read / webhook:manage). The signing secret is in the
// payload of create and rotate only; it is never readable afterwards.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { WEBHOOK_ENDPOINT_STATUSES } from "../../../domain/connection/webhook.js";
import type { Prisma } from "../../../generated/prisma/client.js";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  redeliverWebhook,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  webhookEndpointCreateSchema,
  webhookEndpointUpdateSchema,
} from "../../../orchestration/connection/webhook-endpoint.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

export const WebhookEndpointStatusEnum = builder.enumType("WebhookEndpointStatus", {
  description: "ACTIVE; FAILING: every attempt of a delivery failed (≈ 24 h) — deliveries go on, and the next success makes it ACTIVE; DISABLED: turned off.",
  values: WEBHOOK_ENDPOINT_STATUSES,
});
export const WebhookDeliveryStatusEnum = builder.enumType("WebhookDeliveryStatus", { values: ["SUCCEEDED", "FAILED"] as const });

export const WebhookEndpointType = builder.prismaNode("WebhookEndpoint", {
  id: { field: "id" },
  authScopes: { permission: "webhook:read" },
  fields: (t) => ({
    url: t.exposeString("url"),
    description: t.exposeString("description"),
    eventTypes: t.exposeStringList("eventTypes", { description: "Exact types or prefixes (`sales.draft.*`); empty: every `sales.*` event." }),
    enabled: t.exposeBoolean("enabled"),
    status: t.expose("status", { type: WebhookEndpointStatusEnum }),
    failingSince: t.expose("failingSince", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

export const WebhookDeliveryType = builder.prismaNode("WebhookDelivery", {
  id: { field: "id" },
  authScopes: { permission: "webhook:read" },
  description: "One delivery attempt of one event to one endpoint.",
  fields: (t) => ({
    endpoint: t.relation("endpoint"),
    eventId: t.exposeID("eventId", { description: "The event id, sent as `webhook-id` (the same on every attempt)." }),
    eventType: t.exposeString("eventType"),
    attempt: t.exposeInt("attempt"),
    manual: t.exposeBoolean("manual", { description: "A manual redelivery (outside the retry schedule)." }),
    status: t.expose("status", { type: WebhookDeliveryStatusEnum }),
    responseStatus: t.exposeInt("responseStatus", { nullable: true }),
    latencyMs: t.exposeInt("latencyMs"),
    error: t.exposeString("error", { nullable: true }),
    responseBody: t.exposeString("responseBody", { nullable: true, description: "The first 1 KB of the receiver's response." }),
    nextAttemptAt: t.expose("nextAttemptAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryField("webhookEndpoints", (t) =>
  t.prismaConnection(
    {
      type: "WebhookEndpoint",
      cursor: "id",
      authScopes: { permission: "webhook:read" },
      resolve: (query, _root, _args, ctx) => ctx.db.webhookEndpoint.findMany({ ...query, orderBy: { id: "desc" } }),
    },
    { name: "WebhookEndpointConnection" },
    { name: "WebhookEndpointEdge" },
  ),
);

const WebhookDeliveryFilter = builder.inputType("WebhookDeliveryFilter", {
  fields: (t) => ({
    status: t.field({ type: WebhookDeliveryStatusEnum, required: false }),
    eventType: t.string({ required: false, description: "Exact type." }),
    eventId: t.id({ required: false }),
  }),
});

builder.queryField("webhookDeliveries", (t) =>
  t.prismaConnection(
    {
      type: "WebhookDelivery",
      cursor: "id",
      description: "The delivery log of an endpoint, newest first.",
      authScopes: { permission: "webhook:read" },
      args: {
        endpointId: t.arg.id({ required: true }),
        filter: t.arg({ type: WebhookDeliveryFilter, required: false }),
      },
      resolve: (query, _root, { endpointId, filter }, ctx) => {
        const id = idOf(String(endpointId), "WebhookEndpoint", ["endpointId"]);
        if (!id.ok) return [];
        const where: Prisma.WebhookDeliveryWhereInput = {
          endpointId: id.id,
          ...(filter?.status ? { status: filter.status } : {}),
          ...(filter?.eventType ? { eventType: filter.eventType } : {}),
          ...(filter?.eventId && /^[0-9a-f-]{36}$/i.test(String(filter.eventId)) ? { eventId: String(filter.eventId) } : {}),
        };
        return ctx.db.webhookDelivery.findMany({ ...query, where, orderBy: { id: "desc" } });
      },
    },
    { name: "WebhookDeliveryConnection" },
    { name: "WebhookDeliveryEdge" },
  ),
);

const WebhookEndpointCreateInput = builder.inputType("WebhookEndpointCreateInput", {
  fields: (t) => ({
    url: t.string({ required: true, description: "http:// or https://; must resolve to a public address (see WEBHOOK_ALLOWED_HOSTS)." }),
    description: t.string({ required: false }),
    eventTypes: t.stringList({ required: false, description: "`sales.<entity>.<verb>` or a prefix (`sales.draft.*`); empty: every event." }),
    enabled: t.boolean({ required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

type SecretShape = { endpointId: string; secret: string | null };
const WebhookEndpointCreatePayload = payloadType<Payload<SecretShape>>("WebhookEndpointCreatePayload", (t) => ({
  webhookEndpoint: t.prismaField({
    type: "WebhookEndpoint",
    nullable: true,
    resolve: (query, p, _args, ctx) => (p.endpointId ? ctx.db.webhookEndpoint.findUnique({ ...query, where: { id: p.endpointId } }) : null),
  }),
  secret: t.string({
    nullable: true,
    description: "The signing secret (`whsec_…`, Standard Webhooks), shown only in this response.",
    resolve: (p) => p.secret ?? null,
  }),
}));

builder.mutationField("webhookEndpointCreate", (t) =>
  t.field({
    type: WebhookEndpointCreatePayload,
    authScopes: { permission: "webhook:manage" },
    args: { input: t.arg({ type: WebhookEndpointCreateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(webhookEndpointCreateSchema, {
        url: input.url,
        description: input.description ?? undefined,
        eventTypes: input.eventTypes ?? undefined,
        enabled: input.enabled ?? undefined,
      });
      if (!parsed.ok) return errorPayload<SecretShape>(parsed.errors);
      return toPayload(await createWebhookEndpoint(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const WebhookEndpointUpdateInput = builder.inputType("WebhookEndpointUpdateInput", {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    url: t.string({ required: false }),
    description: t.string({ required: false }),
    eventTypes: t.stringList({ required: false }),
    enabled: t.boolean({ required: false, description: "false: DISABLED; true on a disabled endpoint: ACTIVE again." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const WebhookEndpointPayload = payloadType<Payload<{ endpointId: string }>>("WebhookEndpointPayload", (t) => ({
  webhookEndpoint: t.prismaField({
    type: "WebhookEndpoint",
    nullable: true,
    resolve: (query, p, _args, ctx) => (p.endpointId ? ctx.db.webhookEndpoint.findUnique({ ...query, where: { id: p.endpointId } }) : null),
  }),
}));

builder.mutationField("webhookEndpointUpdate", (t) =>
  t.field({
    type: WebhookEndpointPayload,
    authScopes: { permission: "webhook:manage" },
    args: { input: t.arg({ type: WebhookEndpointUpdateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.endpointId), "WebhookEndpoint", ["input", "endpointId"]);
      if (!id.ok) return errorPayload<{ endpointId: string }>(id.errors);
      const parsed = parseInput(webhookEndpointUpdateSchema, {
        endpointId: id.id,
        url: input.url ?? undefined,
        description: input.description ?? undefined,
        eventTypes: input.eventTypes ?? undefined,
        enabled: input.enabled ?? undefined,
      });
      if (!parsed.ok) return errorPayload<{ endpointId: string }>(parsed.errors);
      return toPayload(await updateWebhookEndpoint(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const WebhookEndpointIdInput = (name: string) =>
  builder.inputType(name, {
    fields: (t) => ({
      endpointId: t.id({ required: true }),
      idempotencyKey: t.string({ required: false }),
    }),
  });

const WebhookEndpointDeletePayload = payloadType<Payload<{ endpointId: string }>>("WebhookEndpointDeletePayload", (t) => ({
  deletedEndpointId: t.id({ nullable: true, resolve: (p) => (p.endpointId ? encodeGlobalID("WebhookEndpoint", p.endpointId) : null) }),
}));

builder.mutationField("webhookEndpointDelete", (t) =>
  t.field({
    type: WebhookEndpointDeletePayload,
    description: "Deletes the endpoint and its delivery log; attempts already queued stop.",
    authScopes: { permission: "webhook:manage" },
    args: { input: t.arg({ type: WebhookEndpointIdInput("WebhookEndpointDeleteInput"), required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.endpointId), "WebhookEndpoint", ["input", "endpointId"]);
      if (!id.ok) return errorPayload<{ endpointId: string }>(id.errors);
      return toPayload(await deleteWebhookEndpoint(ctx.services, actorOf(ctx), { endpointId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

type RotateShape = SecretShape & { previousValidUntil: Date | null };
const WebhookEndpointRotateSecretPayload = payloadType<Payload<RotateShape>>("WebhookEndpointRotateSecretPayload", (t) => ({
  webhookEndpoint: t.prismaField({
    type: "WebhookEndpoint",
    nullable: true,
    resolve: (query, p, _args, ctx) => (p.endpointId ? ctx.db.webhookEndpoint.findUnique({ ...query, where: { id: p.endpointId } }) : null),
  }),
  secret: t.string({ nullable: true, description: "The new signing secret, shown only in this response.", resolve: (p) => p.secret ?? null }),
  previousSecretValidUntil: t.field({
    type: "DateTime",
    nullable: true,
    description: "Until then every delivery carries two signatures (new and previous secret), so the receiver can switch without losing any.",
    resolve: (p) => p.previousValidUntil ?? null,
  }),
}));

builder.mutationField("webhookEndpointRotateSecret", (t) =>
  t.field({
    type: WebhookEndpointRotateSecretPayload,
    authScopes: { permission: "webhook:manage" },
    args: { input: t.arg({ type: WebhookEndpointIdInput("WebhookEndpointRotateSecretInput"), required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.endpointId), "WebhookEndpoint", ["input", "endpointId"]);
      if (!id.ok) return errorPayload<RotateShape>(id.errors);
      return toPayload(await rotateWebhookSecret(ctx.services, actorOf(ctx), { endpointId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const WebhookDeliveryRedeliverInput = builder.inputType("WebhookDeliveryRedeliverInput", {
  fields: (t) => ({
    deliveryId: t.id({ required: true }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const WebhookDeliveryRedeliverPayload = payloadType<Payload<{ deliveryId: string }>>("WebhookDeliveryRedeliverPayload", (t) => ({
  queued: t.boolean({ nullable: true, description: "The event is queued to be sent again now (its attempt appears in the log).", resolve: (p) => (p.deliveryId ? true : null) }),
}));

builder.mutationField("webhookDeliveryRedeliver", (t) =>
  t.field({
    type: WebhookDeliveryRedeliverPayload,
    authScopes: { permission: "webhook:manage" },
    args: { input: t.arg({ type: WebhookDeliveryRedeliverInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.deliveryId), "WebhookDelivery", ["input", "deliveryId"]);
      if (!id.ok) return errorPayload<{ deliveryId: string }>(id.errors);
      return toPayload(await redeliverWebhook(ctx.services, actorOf(ctx), { deliveryId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);
