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

const ContactErasePayload = payloadType<Payload<ErasureValue>>("ContactErasePayload", (t) => ({
  erasedContactId: t.id({ nullable: true, resolve: (p) => (p.contactId ? encodeGlobalID("Contact", p.contactId) : null) }),
  alreadyErased: t.boolean({ nullable: true, description: "True when the contact had been erased before: nothing was removed this time.", resolve: (p) => p.alreadyErased ?? null }),
  report: t.field({ type: ErasureReportType, nullable: true, resolve: (p) => p.report ?? null }),
}));

const reasonSchema = z.object({ reason: z.string().trim().min(1, "must say why").max(1000) });

builder.mutationField("contactErase", (t) =>
  t.field({
    type: ContactErasePayload,
    description:
      "Erases a contact's personal data everywhere it is held (contact, lead, messages, threads, drafts, activities, tasks, recommendations, enrolments, bookings, refs, voice samples, webhook bodies, and any text that names them). Their address stays on the suppression list as a salted hash only. Idempotent.",
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
