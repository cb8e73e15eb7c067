// Tenant settings: merge-patch, validate the whole document, audit what changed.
import { withTenant, type Database, type Prisma } from "../../data/database.js";
import type { ApiRateLimitSettings } from "../../domain/governance/policy.js";
import { applyMergePatch, readTenantSettings, tenantNameSchema, tenantSettingsSchema } from "../../domain/tenant/tenant.js";
import { afterSettingsChange, settingsChangeErrors } from "./settings-change.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { runMutation, type Actor } from "../unit-of-work.js";
import type { Services } from "../services.js";

export interface UpdateTenantSettingsInput {
  name?: string | null;
  /** JSON merge patch (RFC 7386) applied to the current settings. */
  settings?: unknown;
}

export async function updateTenantSettings(
  services: Services,
  actor: Actor,
  input: UpdateTenantSettingsInput,
  idempotencyKey?: string | null,
): Promise<Outcome<{ tenantId: string }>> {
  return runMutation(services, actor, { operation: "tenantUpdateSettings", input, idempotencyKey }, async (uow) => {
    const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: actor.principal.tenantId } });
    const errors: UserError[] = [];
    let name = tenant.name;
    if (input.name !== undefined && input.name !== null) {
      const parsed = tenantNameSchema.safeParse(input.name);
      if (parsed.success) name = parsed.data;
      else errors.push(userError("VALIDATION_FAILED", `Name ${parsed.error.issues[0]!.message}.`, ["input", "name"]));
    }
    let settings: unknown = tenant.settings;
    if (input.settings !== undefined && input.settings !== null) {
      if (typeof input.settings !== "object" || Array.isArray(input.settings)) {
        errors.push(userError("VALIDATION_FAILED", "Settings must be a JSON object (a merge patch).", ["input", "settings"]));
      } else {
        const parsed = tenantSettingsSchema.safeParse(applyMergePatch(tenant.settings, input.settings));
        if (parsed.success) settings = parsed.data;
        else
          for (const issue of parsed.error.issues) {
            const path = issue.path.map(String);
            errors.push(
              userError("VALIDATION_FAILED", `settings.${path.join(".") || "(root)"}: ${issue.message}`, ["input", "settings", ...path]),
            );
          }
      }
    }
    if (errors.length) return fail(...errors);
    const before = readTenantSettings(tenant.settings);
    const after = readTenantSettings(settings);
    const refused = await settingsChangeErrors(uow, before, after, ["input", "settings"], services.config);
    if (refused.length) return fail(...refused);
    await uow.tx.tenant.update({
      where: { id: tenant.id },
      data: { name, settings: settings as Prisma.InputJsonValue },
    });
    const changes = { name: name !== tenant.name ? { from: tenant.name, to: name } : undefined, settingsPatch: input.settings };
    await uow.audit({ action: "tenant.settings_updated", targetType: "Tenant", targetId: tenant.id, summary: changes });
    await uow.emit("sales.tenant.updated", { tenantId: tenant.id });
    await afterSettingsChange(services, uow, before, after);
    return ok({ tenantId: tenant.id });
  });
}

/** The tenant's own API request budgets (settings governance.apiRateLimit); the rate limiter caps them at the platform's. */
export async function tenantApiRateLimit(db: Database, tenantId: string): Promise<ApiRateLimitSettings | null> {
  const tenant = await withTenant(db.prisma, { tenantId }, (tx) => tx.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } }));
  return tenant ? readTenantSettings(tenant.settings).governance.apiRateLimit : null;
}
