// The weekly digest (src/orchestration/report/weekly-digest.ts): opting in or
// out, the caller's own digests, and "write last week's now". report:read;
// each person sees only their own digests.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { setWeeklyDigest, weeklyDigestState, writeWeeklyDigest, type DigestSubscriptionState } from "../../../orchestration/report/weekly-digest.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { errorPayload, payloadType, toPayload, type Payload } from "../user-error.js";
import { userError } from "../../../domain/user-error.js";

const WeeklyDigestSettingsType = builder.objectRef<DigestSubscriptionState>("WeeklyDigestSettings").implement({
  fields: (t) => ({
    subscribed: t.exposeBoolean("subscribed"),
    asDraft: t.exposeBoolean("asDraft", { description: "Each digest is also written as a draft to your own address (reviewed and sent like any draft)." }),
  }),
});

export const WeeklyDigestType = builder.prismaNode("WeeklyDigest", {
  id: { field: "id" },
  description: "One person's digest of one week (Monday to Monday in the tenant's time zone).",
  fields: (t) => ({
    periodStart: t.expose("periodStart", { type: "DateTime" }),
    periodEnd: t.expose("periodEnd", { type: "DateTime" }),
    subject: t.exposeString("subject"),
    bodyText: t.exposeString("bodyText"),
    figures: t.expose("figures", { type: "JSON", description: "{ week, weekBefore }: the figures the text was written from." }),
    draftId: t.id({ nullable: true, description: "The draft to yourself, when you asked for one.", resolve: (d) => (d.draftId ? encodeGlobalID("Draft", d.draftId) : null) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryField("weeklyDigestSettings", (t) =>
  t.field({
    type: WeeklyDigestSettingsType,
    authScopes: { permission: "report:read" },
    resolve: (_root, _args, ctx) => weeklyDigestState(ctx.services, ctx.principal!),
  }),
);

builder.queryField("weeklyDigests", (t) =>
  t.prismaConnection({
    type: "WeeklyDigest",
    cursor: "id",
    description: "Your weekly digests, newest first.",
    authScopes: { permission: "report:read" },
    resolve: (query, _root, _args, ctx) =>
      ctx.db.weeklyDigest.findMany({ ...query, where: { userId: ctx.principal!.userId ?? "00000000-0000-0000-0000-000000000000" }, orderBy: { id: "desc" } }),
  }),
);

const WeeklyDigestSubscribeInput = builder.inputType("WeeklyDigestSubscribeInput", {
  fields: (t) => ({
    subscribed: t.boolean({ required: true }),
    asDraft: t.boolean({ required: false, description: "Also as a draft to yourself (default false)." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("weeklyDigestSubscribe", (t) =>
  t.field({
    type: payloadType<Payload<DigestSubscriptionState>>("WeeklyDigestSubscribePayload", (f) => ({
      settings: f.field({ type: WeeklyDigestSettingsType, nullable: true, resolve: (p) => (p.userErrors.length ? null : { subscribed: !!p.subscribed, asDraft: !!p.asDraft }) }),
    })),
    description: "Opts you in to (or out of) the weekly digest, written every Monday from 07:00 in the tenant's time zone.",
    authScopes: { permission: "report:read" },
    args: { input: t.arg({ type: WeeklyDigestSubscribeInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(await setWeeklyDigest(ctx.services, actorOf(ctx), { subscribed: input.subscribed, asDraft: input.asDraft ?? null })),
  }),
);

builder.mutationField("weeklyDigestWriteNow", (t) =>
  t.field({
    type: payloadType<Payload<{ digestId: string | null }>>("WeeklyDigestWriteNowPayload", (f) => ({
      digest: f.prismaField({
        type: "WeeklyDigest",
        nullable: true,
        resolve: (query, p, _args, ctx) => (p.digestId ? ctx.db.weeklyDigest.findUnique({ ...query, where: { id: p.digestId } }) : null),
      }),
    })),
    description: "Writes your digest of the last full week now (the same one the Monday job would write; an existing one is returned).",
    authScopes: { permission: "report:read" },
    resolve: async (_root, _args, ctx) => {
      const principal = ctx.principal!;
      if (principal.kind !== "USER" || !principal.userId) {
        return errorPayload<{ digestId: string | null }>([userError("FORBIDDEN", "The weekly digest is for people: sign in as yourself.", [])]);
      }
      const result = await writeWeeklyDigest(ctx.services, { tenantId: principal.tenantId, userId: principal.userId }, new Date(), { force: true, requestId: ctx.meta.requestId });
      if (result.status === "NO_ACCESS") return errorPayload<{ digestId: string | null }>([userError("FORBIDDEN", "Your role cannot read reports.", [])]);
      return toPayload({ ok: true, value: { digestId: result.digestId } });
    },
  }),
);
