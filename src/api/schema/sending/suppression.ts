// The suppression list: list, add (suppression:write), remove
// (suppression:remove — MANAGER and up; audited).
import { encodeGlobalID } from "@pothos/plugin-relay";
import type { Prisma } from "../../../data/database.js";
import { SUPPRESSION_KINDS, SUPPRESSION_REASONS, suppressionEntrySchema } from "../../../domain/sending/suppression.js";
import { addSuppression, removeSuppression } from "../../../orchestration/sending/suppression.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

const SuppressionKindEnum = builder.enumType("SuppressionKind", { values: SUPPRESSION_KINDS });
const SuppressionReasonEnum = builder.enumType("SuppressionReason", { values: SUPPRESSION_REASONS });

builder.prismaNode("Suppression", {
  id: { field: "id" },
  description: "An address (or a whole domain) that is never mailed.",
  fields: (t) => ({
    kind: t.field({ type: SuppressionKindEnum, resolve: (s) => s.kind }),
    value: t.exposeString("value", { description: "The address or domain, lower case." }),
    reason: t.field({ type: SuppressionReasonEnum, resolve: (s) => s.reason }),
    note: t.exposeString("note", { nullable: true }),
    createdBy: t.exposeString("createdByLabel"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryField("suppressions", (t) =>
  t.prismaConnection(
    {
      type: "Suppression",
      cursor: "id",
      description: "The tenant's suppression list, newest first.",
      authScopes: { permission: "suppression:read" },
      args: {
        search: t.arg.string({ required: false, description: "Part of an address or domain." }),
        reason: t.arg({ type: SuppressionReasonEnum, required: false }),
      },
      resolve: (query, _root, args, ctx) => {
        const where: Prisma.SuppressionWhereInput = {};
        if (args.search) where.value = { contains: args.search.trim().toLowerCase() };
        if (args.reason) where.reason = args.reason;
        return ctx.db.suppression.findMany({ ...query, where, orderBy: { id: "desc" } });
      },
    },
    { name: "SuppressionConnection" },
    { name: "SuppressionEdge" },
  ),
);

const SuppressionAddInput = builder.inputType("SuppressionAddInput", {
  fields: (t) => ({
    email: t.string({ required: false }),
    domain: t.string({ required: false, description: "Suppress a whole domain, e.g. example.com." }),
    reason: t.field({ type: SuppressionReasonEnum, required: false, defaultValue: "MANUAL" }),
    note: t.string({ required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const SuppressionAddPayload = payloadType<Payload<{ suppressionId: string }>>("SuppressionAddPayload", (t) => ({
  suppression: t.prismaField({
    type: "Suppression",
    nullable: true,
    resolve: (query, p, _a, ctx) => (p.suppressionId ? ctx.db.suppression.findUnique({ ...query, where: { id: p.suppressionId } }) : null),
  }),
}));

builder.mutationField("suppressionAdd", (t) =>
  t.field({
    type: SuppressionAddPayload,
    authScopes: { permission: "suppression:write" },
    args: { input: t.arg({ type: SuppressionAddInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(suppressionEntrySchema, {
        email: input.email ?? undefined,
        domain: input.domain ?? undefined,
        reason: input.reason ?? "MANUAL",
        note: input.note ?? undefined,
      });
      if (!parsed.ok) return errorPayload<{ suppressionId: string }>(parsed.errors);
      return toPayload(await addSuppression(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const SuppressionRemoveInput = builder.inputType("SuppressionRemoveInput", {
  fields: (t) => ({
    suppressionId: t.id({ required: true }),
    reason: t.string({ required: false, description: "Why it may be mailed again; kept in the audit trail." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const SuppressionRemovePayload = payloadType<Payload<{ suppressionId: string }>>("SuppressionRemovePayload", (t) => ({
  removedSuppressionId: t.id({ nullable: true, resolve: (p) => (p.suppressionId ? encodeGlobalID("Suppression", p.suppressionId) : null) }),
}));

builder.mutationField("suppressionRemove", (t) =>
  t.field({
    type: SuppressionRemovePayload,
    authScopes: { permission: "suppression:remove" },
    args: { input: t.arg({ type: SuppressionRemoveInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.suppressionId), "Suppression", ["input", "suppressionId"]);
      if (!id.ok) return errorPayload<{ suppressionId: string }>(id.errors);
      const reason = input.reason?.trim().slice(0, 1000) ?? null;
      return toPayload(await removeSuppression(ctx.services, actorOf(ctx), { suppressionId: id.id, reason }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);
