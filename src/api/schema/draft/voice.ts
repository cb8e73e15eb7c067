// Voice learning: voiceSamplesImport (your own sent mail; an admin may import
// for another member) and voiceProfile(userId), the learned profile.
import { encodeGlobalID } from "@pothos/plugin-relay";
import type { PrismaClient } from "../../../data/database.js";
import type { VoiceHabit, VoiceProfile } from "../../../domain/draft/voice.js";
import { voiceProfileSchema } from "../../../domain/draft/voice.js";
import type { UserError } from "../../../domain/user-error.js";
import { importVoiceSamples, voiceSamplesImportSchema, type VoiceImportValue } from "../../../orchestration/draft/voice.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { decodeId, idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

const VoiceHabitType = builder.objectRef<VoiceHabit>("VoiceHabit").implement({
  fields: (t) => ({
    text: t.exposeString("text", { description: 'e.g. "Hi" or "Best regards".' }),
    withName: t.exposeBoolean("withName", { description: "A greeting followed by the name; a sign-off followed by the sender's name." }),
    punctuation: t.exposeString("punctuation"),
    share: t.exposeFloat("share", { description: "Share of the samples that use it, 0–1." }),
  }),
});

interface ProfileRow {
  userId: string;
  sampleCount: number;
  updatedAt: Date;
  profile: VoiceProfile;
}

const VoiceProfileType = builder.objectRef<ProfileRow>("VoiceProfile").implement({
  description: "How a member writes, learned from their imported sent mail; the draft writer follows it.",
  fields: (t) => ({
    userId: t.id({ resolve: (r) => encodeGlobalID("User", r.userId) }),
    sampleCount: t.exposeInt("sampleCount"),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    greeting: t.field({ type: VoiceHabitType, nullable: true, resolve: (r) => r.profile.greeting }),
    greetingVariants: t.field({ type: [VoiceHabitType], resolve: (r) => r.profile.greetingVariants }),
    signOff: t.field({ type: VoiceHabitType, nullable: true, resolve: (r) => r.profile.signOff }),
    signOffVariants: t.field({ type: [VoiceHabitType], resolve: (r) => r.profile.signOffVariants }),
    signatureName: t.string({ nullable: true, resolve: (r) => r.profile.signatureName }),
    medianWords: t.float({ description: "Typical length in words (median).", resolve: (r) => r.profile.length.medianWords }),
    p25Words: t.float({ resolve: (r) => r.profile.length.p25Words }),
    p75Words: t.float({ resolve: (r) => r.profile.length.p75Words }),
    meanSentenceWords: t.float({ resolve: (r) => r.profile.sentenceLength.meanWords }),
    medianSentenceWords: t.float({ resolve: (r) => r.profile.sentenceLength.medianWords }),
    formality: t.float({ description: "0 = very casual, 1 = very formal.", resolve: (r) => r.profile.formality }),
    formalityLabel: t.string({ description: "casual, neutral or formal.", resolve: (r) => r.profile.formalityLabel }),
    contractionRate: t.float({ resolve: (r) => r.profile.contractionRate }),
    exclamationRate: t.float({ resolve: (r) => r.profile.exclamationRate }),
    questionRate: t.float({ resolve: (r) => r.profile.questionRate }),
    commonPhrases: t.stringList({ resolve: (r) => r.profile.commonPhrases }),
  }),
});

async function profileOf(ctx: { db: PrismaClient }, userId: string): Promise<ProfileRow | null> {
  const row = await ctx.db.voiceProfile.findFirst({ where: { userId } });
  if (!row) return null;
  const profile = voiceProfileSchema.safeParse(row.profile);
  return profile.success ? { userId: row.userId, sampleCount: row.sampleCount, updatedAt: row.updatedAt, profile: profile.data } : null;
}

builder.queryField("voiceProfile", (t) =>
  t.field({
    type: VoiceProfileType,
    nullable: true,
    description: "A member's learned voice (default: yours); null until samples were imported and learned.",
    authScopes: { permission: "draft:read" },
    args: { userId: t.arg.id({ required: false }) },
    resolve: async (_root, { userId }, ctx) => {
      let id = ctx.principal!.userId;
      if (userId) {
        const decoded = decodeId(userId, "User");
        if (decoded === null) return null;
        id = decoded;
      }
      return id ? profileOf(ctx, id) : null;
    },
  }),
);

const VoiceSampleInput = builder.inputType("VoiceSampleInput", {
  fields: (t) => ({
    subject: t.string({ required: false }),
    body: t.string({ required: true, description: "The text as sent (quoted history is ignored when learning)." }),
    sentAt: t.string({ required: false, description: "ISO 8601 date-time." }),
    to: t.string({ required: false }),
  }),
});

const VoiceSamplesImportInput = builder.inputType("VoiceSamplesImportInput", {
  fields: (t) => ({
    userId: t.id({ required: false, description: "Whose mail (a User global id); default: yours. Another member's needs member:manage (ADMIN)." }),
    emails: t.field({ type: [VoiceSampleInput], required: true, description: "1–200 e-mails per import." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const VoiceSamplesImportPayload = payloadType<Payload<VoiceImportValue>>("VoiceSamplesImportPayload", (t) => ({
  userId: t.id({ nullable: true, resolve: (p) => (p.userId ? encodeGlobalID("User", p.userId) : null) }),
  imported: t.int({ nullable: true, resolve: (p) => p.imported ?? null }),
  duplicates: t.int({ nullable: true, description: "E-mails already imported (same subject and body).", resolve: (p) => p.duplicates ?? null }),
  sampleCount: t.int({ nullable: true, description: "All of the member's samples now.", resolve: (p) => p.sampleCount ?? null }),
  agentRun: t.prismaField({
    type: "AgentRun",
    nullable: true,
    description: "The voice learner run; voiceProfile shows the result when it succeeds.",
    resolve: (query, p, _a, ctx) => (p.agentRunId ? ctx.db.agentRun.findUnique({ ...query, where: { id: p.agentRunId } }) : null),
  }),
}));

builder.mutationField("voiceSamplesImport", (t) =>
  t.field({
    type: VoiceSamplesImportPayload,
    description: "Imports sent e-mails and queues voice learning.",
    authScopes: { permission: "draft:write" },
    args: { input: t.arg({ type: VoiceSamplesImportInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      let userId: string | null = null;
      if (input.userId != null) {
        const decoded = idOf(String(input.userId), "User", ["input", "userId"]);
        if (decoded.ok) userId = decoded.id;
        else errors.push(...decoded.errors);
      }
      const parsed = parseInput(voiceSamplesImportSchema, {
        userId,
        emails: input.emails.map((e) => ({ subject: e.subject ?? "", body: e.body, sentAt: e.sentAt ?? null, to: e.to ?? null })),
      });
      if (!parsed.ok) errors.push(...parsed.errors);
      if (errors.length || !parsed.ok) return errorPayload<VoiceImportValue>(errors);
      return toPayload(await importVoiceSamples(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);
