// contactErase (contact:erase — MANAGER and up): removes a person's data
// everywhere, keeps them suppressed by a salted hash, and reports what went.
import { z } from "zod";
import { ERASURE_KINDS, totalRemoved, type ErasureReport } from "../../../domain/governance/erasure.js";
import { eraseContact, type ErasureValue } from "../../../orchestration/governance/erasure.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";
import type { ErasureRequest } from "../../../generated/prisma/client.js";
import { erasureRequestStatus } from "../../../domain/governance/policy.js";
import { approveErasureRequest, rejectErasureRequest, type ErasureDecisionValue } from "../../../orchestration/governance/erasure-request.js";

const ErasureCount = builder.objectRef<{ kind: string; count: number }>("ErasureCount").implement({
  description: "How many records of one kind an erasure removed or cleaned.",
  fields: (t) => ({
    kind: t.exposeString("kind", { description: `One of: ${ERASURE_KINDS.join(", ")}.` }),
    count: t.exposeInt("count"),
  }),
});

const ErasureReportType = builder.objectRef<ErasureReport>("ErasureReport").implement({
  fields: (t) => ({
    total: t.int({ resolve: (r) => totalRemoved(r) }),
    counts: t.field({ type: [ErasureCount], description: "Every kind, in a fixed order (zero included).", resolve: (r) => ERASURE_KINDS.map((kind) => ({ kind, count: r[kind] ?? 0 })) }),
  }),
});

const ContactEraseInput = builder.inputType("ContactEraseInput", {
  fields: (t) => ({
    contactId: t.id({ required: true }),
    reason: t.string({ required: true, description: "Why (e.g. the request's reference); the person's name, address and phone are removed from it before it is stored." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const ErasureRequestStatusEnum = builder.enumType("ErasureRequestStatus", { values: ["PENDING", "APPROVED", "REJECTED", "EXPIRED"] as const });

const ErasureRequestType = builder.objectRef<ErasureRequest>("ErasureRequest").implement({
  description: "A contactErase waiting for a second OWNER or ADMIN (the tenant's four-eyes policy, settings governance.erasureFourEyes).",
  fields: (t) => ({
    id: t.id({ resolve: (r) => encodeGlobalID("ErasureRequest", r.id) }),
    contactId: t.id({ description: "The contact to erase (gone once approved).", resolve: (r) => encodeGlobalID("Contact", r.contactId) }),
    status: t.field({ type: ErasureRequestStatusEnum, description: "A PENDING request past expiresAt reads EXPIRED.", resolve: (r) => erasureRequestStatus(r) }),
    reason: t.exposeString("reason", { description: "Why, as given; the person's name, address and phone are removed from it when the erasure runs." }),
    requestedBy: t.exposeString("requestedByLabel"),
    decidedBy: t.exposeString("decidedByLabel", { nullable: true }),
    decisionReason: t.exposeString("decisionReason", { nullable: true, description: "Why it was rejected." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    decidedAt: t.expose("decidedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const ContactErasePayload = payloadType<Payload<ErasureValue>>("ContactErasePayload", (t) => ({
  erasedContactId: t.id({ nullable: true, resolve: (p) => (p.contactId ? encodeGlobalID("Contact", p.contactId) : null) }),
  alreadyErased: t.boolean({ nullable: true, description: "True when the contact had been erased before: nothing was removed this time.", resolve: (p) => p.alreadyErased ?? null }),
  report: t.field({ type: ErasureReportType, nullable: true, description: "Null when the four-eyes policy filed a request instead (erasureRequest).", resolve: (p) => p.report ?? null }),
  erasureRequest: t.field({
    type: ErasureRequestType,
    nullable: true,
    description: "With the four-eyes policy on: the request filed (or the one already pending for this contact); nothing was removed yet.",
    resolve: (p, _a, ctx) => (p.erasureRequest ? ctx.db.erasureRequest.findUnique({ where: { id: p.erasureRequest.erasureRequestId } }) : null),
  }),
}));

const reasonSchema = z.object({ reason: z.string().trim().min(1, "must say why").max(1000) });

builder.mutationField("contactErase", (t) =>
  t.field({
    type: ContactErasePayload,
    description:
      "Erases a contact's personal data everywhere it is held (with the tenant's four-eyes policy on, files an erasure request instead, which another OWNER or ADMIN approves) (contact, lead, messages, threads, drafts, activities, tasks, recommendations, enrolments, bookings, refs, voice samples, webhook bodies, and any text that names them). Their address stays on the suppression list as a salted hash only. Idempotent.",
    authScopes: { permission: "contact:erase" },
    args: { input: t.arg({ type: ContactEraseInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.contactId), "Contact", ["input", "contactId"]);
      if (!id.ok) return errorPayload<ErasureValue>(id.errors);
      const parsed = parseInput(reasonSchema, { reason: input.reason });
      if (!parsed.ok) return errorPayload<ErasureValue>(parsed.errors);
      return toPayload(await eraseContact(ctx.services, actorOf(ctx), { contactId: id.id, reason: parsed.data.reason }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

builder.queryField("erasureRequests", (t) =>
  t.field({
    type: [ErasureRequestType],
    description: "The tenant's erasure requests (four-eyes policy), newest first (at most 100); PENDING ones only when status is PENDING.",
    authScopes: { permission: "contact:erase" },
    args: { status: t.arg({ type: ErasureRequestStatusEnum, required: false }), first: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (_root, args, ctx) => {
      const now = new Date();
      // EXPIRED includes PENDING rows past their expiry that maintenance has not marked yet (and PENDING excludes them).
      const where =
        args.status === "PENDING"
          ? { status: "PENDING" as const, expiresAt: { gt: now } }
          : args.status === "EXPIRED"
            ? { OR: [{ status: "EXPIRED" as const }, { status: "PENDING" as const, expiresAt: { lte: now } }] }
            : args.status
              ? { status: args.status }
              : {};
      return ctx.db.erasureRequest.findMany({ where, orderBy: { id: "desc" }, take: Math.min(Math.max(args.first ?? 20, 1), 100) });
    },
  }),
);

const ErasureDecisionPayload = payloadType<Payload<ErasureDecisionValue>>("ErasureDecisionPayload", (t) => ({
  erasureRequest: t.field({
    type: ErasureRequestType,
    nullable: true,
    resolve: (p, _a, ctx) => (p.erasureRequestId ? ctx.db.erasureRequest.findUnique({ where: { id: p.erasureRequestId } }) : null),
  }),
  report: t.field({ type: ErasureReportType, nullable: true, description: "What the approved erasure removed.", resolve: (p) => p.erasure?.report ?? null }),
}));

const ErasureRequestApproveInput = builder.inputType("ErasureRequestApproveInput", {
  fields: (t) => ({ erasureRequestId: t.id({ required: true }), idempotencyKey: t.string({ required: false }) }),
});

const ErasureRequestRejectInput = builder.inputType("ErasureRequestRejectInput", {
  fields: (t) => ({ erasureRequestId: t.id({ required: true }), reason: t.string({ required: true }), idempotencyKey: t.string({ required: false }) }),
});

builder.mutationField("erasureRequestApprove", (t) =>
  t.field({
    type: ErasureDecisionPayload,
    description: "Approves a pending erasure request (OWNER or ADMIN, not the requester): the erasure runs now, as contactErase would.",
    authScopes: { permission: "erasure:approve" },
    args: { input: t.arg({ type: ErasureRequestApproveInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.erasureRequestId), "ErasureRequest", ["input", "erasureRequestId"]);
      if (!id.ok) return errorPayload<ErasureDecisionValue>(id.errors);
      return toPayload(await approveErasureRequest(ctx.services, actorOf(ctx), { erasureRequestId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

builder.mutationField("erasureRequestReject", (t) =>
  t.field({
    type: ErasureDecisionPayload,
    description: "Rejects a pending erasure request with a reason (OWNER or ADMIN; the requester may withdraw their own). Nothing is removed.",
    authScopes: { permission: "contact:erase" },
    args: { input: t.arg({ type: ErasureRequestRejectInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.erasureRequestId), "ErasureRequest", ["input", "erasureRequestId"]);
      if (!id.ok) return errorPayload<ErasureDecisionValue>(id.errors);
      const parsed = parseInput(reasonSchema, { reason: input.reason });
      if (!parsed.ok) return errorPayload<ErasureDecisionValue>(parsed.errors);
      return toPayload(await rejectErasureRequest(ctx.services, actorOf(ctx), { erasureRequestId: id.id, reason: parsed.data.reason }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);
