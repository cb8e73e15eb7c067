// Voice learning: a member imports mail they sent (an ADMIN may import for
// another member); the samples are kept (the same mail twice is one sample)
// and the voice learner agent turns all of a member's samples into their
// voice profile — greeting and sign-off habits, length, sentence length,
// formality, common phrases — which the draft writer follows.
import { createHash } from "node:crypto";
import { z } from "zod";
import { withTenant, type Prisma } from "../../data/database.js";
import { can } from "../../domain/access/principal.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { AgentSkip, enqueueAgent, type AgentRunContext } from "../agent/agent-run.js";
import type { Services } from "../services.js";
import { runMutation, runUnitOfWork, type Actor } from "../unit-of-work.js";

/** The newest samples a profile is learned from. */
const PROFILE_SAMPLES = 500;

export const voiceSamplesImportSchema = z.object({
  userId: z.string().uuid().nullish(),
  emails: z
    .array(
      z.object({
        subject: z.string().max(998).default(""),
        body: z.string().refine((s) => s.trim().length > 0, "must not be empty").pipe(z.string().max(50_000)),
        sentAt: z.string().datetime({ offset: true, message: "must be an ISO 8601 date-time" }).nullish(),
        to: z.string().trim().max(254).nullish(),
      }),
    )
    .min(1, "must contain at least one e-mail")
    .max(200, "must contain at most 200 e-mails per import"),
});
export type VoiceSamplesImportInput = z.infer<typeof voiceSamplesImportSchema>;

export interface VoiceImportValue {
  userId: string;
  imported: number;
  duplicates: number;
  sampleCount: number;
  agentRunId: string;
}

function contentHash(subject: string, body: string): string {
  return createHash("sha256").update(subject.trim()).update("\u0000").update(body.trim()).digest("hex");
}

export async function importVoiceSamples(services: Services, actor: Actor, input: VoiceSamplesImportInput, idempotencyKey?: string | null): Promise<Outcome<VoiceImportValue>> {
  return runMutation(services, actor, { operation: "voiceSamplesImport", input, idempotencyKey }, async (uow) => {
    const { principal } = actor;
    const userId = input.userId ?? principal.userId;
    if (!userId) return fail(userError("VALIDATION_FAILED", "Name the member whose sent mail this is (userId).", ["input", "userId"]));
    if (userId !== principal.userId && !can(principal, "member:manage")) {
      return fail(userError("FORBIDDEN", "You may import only your own sent mail; an admin may import for another member.", ["input", "userId"]));
    }
    if (!(await uow.tx.membership.findFirst({ where: { userId }, select: { id: true } }))) {
      return fail(userError("NOT_FOUND", "No member of this tenant with this id.", ["input", "userId"]));
    }
    const rows = input.emails.map((e) => ({
      tenantId: principal.tenantId,
      userId,
      subject: e.subject,
      body: e.body,
      sentAt: e.sentAt ? new Date(e.sentAt) : null,
      to: e.to ?? null,
      contentHash: contentHash(e.subject, e.body),
      importedBy: principal.label,
    }));
    const { count: imported } = await uow.tx.voiceSample.createMany({ data: rows, skipDuplicates: true });
    const sampleCount = await uow.tx.voiceSample.count({ where: { userId } });
    const run = await enqueueAgent(services, uow, { agent: "voice-learner", input: { userId } });
    await uow.audit({ action: "voice.samples_imported", targetType: "User", targetId: userId, summary: { imported, duplicates: rows.length - imported, sampleCount } });
    return ok({ userId, imported, duplicates: rows.length - imported, sampleCount, agentRunId: run.runId });
  });
}

/** The voice learner agent: the member's profile from their newest samples. */
export async function runVoiceLearner(services: Services, run: AgentRunContext): Promise<Record<string, unknown>> {
  const { userId } = run.input as { userId: string };
  const samples = await withTenant(services.db.prisma, { tenantId: run.tenantId }, (tx) =>
    tx.voiceSample.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: PROFILE_SAMPLES, select: { subject: true, body: true } }),
  );
  if (!samples.length) throw new AgentSkip("the member has no imported samples");
  const profile = run.use(await services.ai.learnVoice(run.ai, { emails: samples.map((s) => ({ subject: s.subject, text: s.body })) }));
  const outcome = await runUnitOfWork(services, run.actor, async (uow) => {
    if (!(await uow.tx.membership.findFirst({ where: { userId }, select: { id: true } }))) return ok(null);
    const data = { profile: profile as unknown as Prisma.InputJsonValue, sampleCount: samples.length, agentRunId: run.runId };
    const saved = await uow.tx.voiceProfile.upsert({
      where: { tenantId_userId: { tenantId: run.tenantId, userId } },
      create: { tenantId: run.tenantId, userId, ...data },
      update: data,
      select: { id: true },
    });
    await uow.audit({ action: "voice_profile.updated", targetType: "VoiceProfile", targetId: saved.id, summary: { userId, sampleCount: samples.length } });
    await uow.emit("sales.voice_profile.updated", { voiceProfileId: saved.id, userId, sampleCount: samples.length });
    return ok(saved.id);
  });
  if (!outcome.ok || !outcome.value) throw new AgentSkip("the member left the tenant");
  return {
    userId,
    voiceProfileId: outcome.value,
    sampleCount: samples.length,
    greeting: profile.greeting?.text ?? null,
    signOff: profile.signOff?.text ?? null,
    formality: profile.formalityLabel,
  };
}
