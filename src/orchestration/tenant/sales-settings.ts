// The sales sections of the tenant settings, which managers change (the rest
// of the settings document is for admins): the pipeline's stages and the
// scoring rules. A patch is a JSON merge patch of the one section, validated
// with the whole document.
import { QUEUES } from "../../data/job-queue.js";
import type { Prisma } from "../../data/database.js";
import { applyMergePatch, readTenantSettings, tenantSettingsSchema } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { afterSettingsChange, settingsChangeErrors } from "./settings-change.js";
import type { Services } from "../services.js";
import { runMutation, type Actor } from "../unit-of-work.js";

export type SalesSettingsSection = "pipeline" | "scoring";

export async function updateSalesSettings(
  services: Services,
  actor: Actor,
  section: SalesSettingsSection,
  patch: unknown,
  idempotencyKey?: string | null,
): Promise<Outcome<{ tenantId: string }>> {
  const operation = section === "pipeline" ? "pipelineUpdateSettings" : "scoringUpdateSettings";
  return runMutation(services, actor, { operation, input: patch, idempotencyKey }, async (uow) => {
    if (!patch || typeof patch !== "object" || Array.isArray(patch)) {
      return fail(userError("VALIDATION_FAILED", "The patch must be a JSON object (a merge patch of the section).", ["input", "patch"]));
    }
    const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: actor.principal.tenantId } });
    const current = readTenantSettings(tenant.settings);
    const next = { ...current, [section]: applyMergePatch(current[section], patch) };
    const parsed = tenantSettingsSchema.safeParse(next);
    if (!parsed.success) {
      return fail(
        ...parsed.error.issues.map((issue) => {
          const path = issue.path.map(String).slice(1);
          return userError("VALIDATION_FAILED", `${section}.${path.join(".") || "(root)"}: ${issue.message}`, ["input", "patch", ...path]);
        }),
      );
    }
    const refused = await settingsChangeErrors(uow, current, parsed.data, ["input", "patch"], services.config);
    // Errors point into this section's patch, not the whole document.
    if (refused.length) return fail(...refused.map((e) => ({ ...e, field: e.field.filter((f, i) => !(i === 2 && f === section)) })));
    await uow.tx.tenant.update({ where: { id: tenant.id }, data: { settings: parsed.data as unknown as Prisma.InputJsonValue } });
    await uow.audit({ action: `tenant.${section}_settings_updated`, targetType: "Tenant", targetId: tenant.id, summary: { patch } });
    await uow.emit("sales.tenant.updated", { tenantId: tenant.id, section });
    await afterSettingsChange(services, uow, current, parsed.data);
    return ok({ tenantId: tenant.id });
  });
}

/** Queues a training run for the caller's tenant (one queued and one running per tenant at most). */
export async function requestModelTraining(services: Services, actor: Actor, idempotencyKey?: string | null): Promise<Outcome<{ jobId: string | null; queued: boolean }>> {
  return runMutation(services, actor, { operation: "scoringModelTrain", input: {}, idempotencyKey }, async (uow) => {
    const jobId = await services.jobs.send(
      QUEUES.scoringTraining.name,
      { tenantId: actor.principal.tenantId, trigger: `requested by ${actor.principal.label}` },
      { singletonKey: actor.principal.tenantId },
      uow.tx,
    );
    await uow.audit({ action: "scoring_model.training_requested", targetType: "Tenant", targetId: actor.principal.tenantId, summary: { jobId, queued: jobId !== null } });
    return ok({ jobId, queued: jobId !== null });
  });
}
