// Inbound webhooks: `inboundWebhookEndpoints`, `inboundWebhookDeliveries`,
// and `inboundWebhookEndpointCreate/RotateSecret/Delete` (ADMIN and up:
// webhook:read / webhook:manage, like outbound webhooks). A GENERIC
// endpoint's secret is in the payload of create and rotate only; a HUBSPOT
// endpoint's client secret is given by the admin and never shown again.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { INBOUND_DELIVERY_STATUSES, INBOUND_WEBHOOK_KINDS, type InboundWebhookKind } from "../../../domain/inbound/inbound-webhook.js";
import type { Prisma } from "../../../generated/prisma/client.js";
import {
  createInboundWebhookEndpoint,
  deleteInboundWebhookEndpoint,
  inboundWebhookEndpointCreateSchema,
  inboundWebhookEndpointRotateSchema,
  inboundWebhookUrl,
  rotateInboundWebhookSecret,
} from "../../../orchestration/inbound/inbound-webhook.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

export const InboundWebhookKindEnum = builder.enumType("InboundWebhookKind", {
  description: "HUBSPOT: HubSpot webhooks, signature v3 with the app's client secret; GENERIC: any tool, HMAC-SHA256 with the endpoint's own secret.",
  values: INBOUND_WEBHOOK_KINDS,
});
export const InboundWebhookDeliveryStatusEnum = builder.enumType("InboundWebhookDeliveryStatus", {
  description: "RECEIVED: verified, stored, acknowledged, not yet processed; PROCESSED; IGNORED: nothing to act on; FAILED: see error.",
  values: INBOUND_DELIVERY_STATUSES,
});

export const InboundWebhookEndpointType = builder.prismaNode("InboundWebhookEndpoint", {
  id: { field: "id" },
  authScopes: { permission: "webhook:read" },
  fields: (t) => ({
    kind: t.expose("kind", { type: InboundWebhookKindEnum }),
    name: t.exposeString("name"),
    url: t.string({
      description: "Where the tool posts (PUBLIC_URL + /hooks/hubspot/<id> or /hooks/in/<id>). The id is unguessable; treat the URL as confidential.",
      resolve: (e, _args, ctx) => inboundWebhookUrl(ctx.services, e.kind as InboundWebhookKind, e.publicId),
    }),
    previousSecretValidUntil: t.expose("previousSecretValidUntil", {
      type: "DateTime",
      nullable: true,
      description: "After a rotation: until then the previous secret is accepted too.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

export const InboundWebhookDeliveryType = builder.prismaNode("InboundWebhookDelivery", {
  id: { field: "id" },
  authScopes: { permission: "webhook:read" },
  description: "One verified delivery to an inbound endpoint (refused requests are never stored, only counted).",
  fields: (t) => ({
    endpoint: t.relation("endpoint"),
    deliveryId: t.exposeString("deliveryId", { description: "The sender's delivery id (X-Webhook-Id; for HubSpot derived from its event ids)." }),
    status: t.expose("status", { type: InboundWebhookDeliveryStatusEnum }),
    eventTypes: t.exposeStringList("eventTypes", { description: "What it held, once processed (form.submission, contact.propertyChange…)." }),
    body: t.exposeString("body", { description: "The raw body as received." }),
    result: t.expose("result", { type: "JSON", description: "What it led to: per item, the lead, the follow-up draft's agent run, the activity…" }),
    error: t.exposeString("error", { nullable: true }),
    receivedAt: t.expose("receivedAt", { type: "DateTime" }),
    processedAt: t.expose("processedAt", { type: "DateTime", nullable: true }),
  }),
});

builder.queryField("inboundWebhookEndpoints", (t) =>
  t.prismaConnection(
    {
      type: "InboundWebhookEndpoint",
      cursor: "id",
      authScopes: { permission: "webhook:read" },
      resolve: (query, _root, _args, ctx) => ctx.db.inboundWebhookEndpoint.findMany({ ...query, orderBy: { id: "desc" } }),
    },
    { name: "InboundWebhookEndpointConnection" },
    { name: "InboundWebhookEndpointEdge" },
  ),
);

builder.queryField("inboundWebhookDeliveries", (t) =>
  t.prismaConnection(
    {
      type: "InboundWebhookDelivery",
      cursor: "id",
      description: "The deliveries an inbound endpoint received, newest first.",
      authScopes: { permission: "webhook:read" },
      args: {
        endpointId: t.arg.id({ required: true }),
        status: t.arg({ type: InboundWebhookDeliveryStatusEnum, required: false }),
      },
      resolve: (query, _root, { endpointId, status }, ctx) => {
        const id = idOf(String(endpointId), "InboundWebhookEndpoint", ["endpointId"]);
        if (!id.ok) return [];
        const where: Prisma.InboundWebhookDeliveryWhereInput = { endpointId: id.id, ...(status ? { status } : {}) };
        return ctx.db.inboundWebhookDelivery.findMany({ ...query, where, orderBy: { id: "desc" } });
      },
    },
    { name: "InboundWebhookDeliveryConnection" },
    { name: "InboundWebhookDeliveryEdge" },
  ),
);

const InboundWebhookEndpointCreateInput = builder.inputType("InboundWebhookEndpointCreateInput", {
  fields: (t) => ({
    kind: t.field({ type: InboundWebhookKindEnum, required: true }),
    name: t.string({ required: true, description: "What posts to it, e.g. \"Website contact form\"." }),
    clientSecret: t.string({ required: false, description: "HUBSPOT only (required): the HubSpot app's client secret, which signs its webhooks." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

type SecretShape = { endpointId: string; secret: string | null };
const InboundWebhookEndpointCreatePayload = payloadType<Payload<SecretShape>>("InboundWebhookEndpointCreatePayload", (t) => ({
  inboundWebhookEndpoint: t.prismaField({
    type: "InboundWebhookEndpoint",
    nullable: true,
    resolve: (query, p, _args, ctx) => (p.endpointId ? ctx.db.inboundWebhookEndpoint.findUnique({ ...query, where: { id: p.endpointId } }) : null),
  }),
  secret: t.string({
    nullable: true,
    description: "GENERIC: the signing secret (`whin_…`), shown only in this response. HUBSPOT: null (the client secret you gave).",
    resolve: (p) => p.secret ?? null,
  }),
}));

builder.mutationField("inboundWebhookEndpointCreate", (t) =>
  t.field({
    type: InboundWebhookEndpointCreatePayload,
    authScopes: { permission: "webhook:manage" },
    args: { input: t.arg({ type: InboundWebhookEndpointCreateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(inboundWebhookEndpointCreateSchema, { kind: input.kind, name: input.name, clientSecret: input.clientSecret ?? undefined });
      if (!parsed.ok) return errorPayload<SecretShape>(parsed.errors);
      return toPayload(await createInboundWebhookEndpoint(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const InboundWebhookEndpointRotateSecretInput = builder.inputType("InboundWebhookEndpointRotateSecretInput", {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    clientSecret: t.string({ required: false, description: "HUBSPOT only (required): the app's new client secret." }),
    previousSecretValidSeconds: t.int({
      required: false,
      description: "How long the previous secret stays valid (0: refused at once; at most 7 days). Default: INBOUND_WEBHOOK_SECRET_GRACE_SECONDS (24 h).",
    }),
    idempotencyKey: t.string({ required: false }),
  }),
});

type RotateShape = SecretShape & { previousValidUntil: Date | null };
const InboundWebhookEndpointRotateSecretPayload = payloadType<Payload<RotateShape>>("InboundWebhookEndpointRotateSecretPayload", (t) => ({
  inboundWebhookEndpoint: t.prismaField({
    type: "InboundWebhookEndpoint",
    nullable: true,
    resolve: (query, p, _args, ctx) => (p.endpointId ? ctx.db.inboundWebhookEndpoint.findUnique({ ...query, where: { id: p.endpointId } }) : null),
  }),
  secret: t.string({ nullable: true, description: "GENERIC: the new signing secret, shown only in this response.", resolve: (p) => p.secret ?? null }),
  previousSecretValidUntil: t.field({
    type: "DateTime",
    nullable: true,
    description: "Until then deliveries signed with the previous secret are accepted too, so the sender can switch without losing any.",
    resolve: (p) => p.previousValidUntil ?? null,
  }),
}));

builder.mutationField("inboundWebhookEndpointRotateSecret", (t) =>
  t.field({
    type: InboundWebhookEndpointRotateSecretPayload,
    authScopes: { permission: "webhook:manage" },
    args: { input: t.arg({ type: InboundWebhookEndpointRotateSecretInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.endpointId), "InboundWebhookEndpoint", ["input", "endpointId"]);
      if (!id.ok) return errorPayload<RotateShape>(id.errors);
      const parsed = parseInput(inboundWebhookEndpointRotateSchema, {
        endpointId: id.id,
        clientSecret: input.clientSecret ?? undefined,
        previousSecretValidSeconds: input.previousSecretValidSeconds ?? undefined,
      });
      if (!parsed.ok) return errorPayload<RotateShape>(parsed.errors);
      return toPayload(await rotateInboundWebhookSecret(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const InboundWebhookEndpointDeleteInput = builder.inputType("InboundWebhookEndpointDeleteInput", {
  fields: (t) => ({
    endpointId: t.id({ required: true }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const InboundWebhookEndpointDeletePayload = payloadType<Payload<{ endpointId: string }>>("InboundWebhookEndpointDeletePayload", (t) => ({
  deletedEndpointId: t.id({ nullable: true, resolve: (p) => (p.endpointId ? encodeGlobalID("InboundWebhookEndpoint", p.endpointId) : null) }),
}));

builder.mutationField("inboundWebhookEndpointDelete", (t) =>
  t.field({
    type: InboundWebhookEndpointDeletePayload,
    description: "Deletes the endpoint and its deliveries; its URL answers 404 from then on.",
    authScopes: { permission: "webhook:manage" },
    args: { input: t.arg({ type: InboundWebhookEndpointDeleteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.endpointId), "InboundWebhookEndpoint", ["input", "endpointId"]);
      if (!id.ok) return errorPayload<{ endpointId: string }>(id.errors);
      return toPayload(await deleteInboundWebhookEndpoint(ctx.services, actorOf(ctx), { endpointId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);
