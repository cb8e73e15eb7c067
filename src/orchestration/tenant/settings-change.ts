// Rules every change of the tenant settings obeys, whichever mutation makes it
// (tenantUpdateSettings for admins, or a section's own mutation): a pipeline
// change may not strand open deals, the kill switch moves only through
// sendingKillSwitchSet (which also cancels queued sends and is audited as
// such), and new scoring rules rescore the open leads.
import type { Config } from "../../config/index.js";
import { canonicalJson } from "../../domain/canonical-json.js";
import { rateLimitSettingsErrors } from "../../domain/governance/policy.js";
import type { TenantSettings } from "../../domain/tenant/tenant.js";
import { userError, type UserError } from "../../domain/user-error.js";
import { enqueueLeadScoring } from "../lead/lead-scoring.js";
import type { Services } from "../services.js";
import type { UnitOfWork } from "../unit-of-work.js";

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** Why this change may not be made (empty: it may). `field` is where the patch sits in the input. */
export async function settingsChangeErrors(
  uow: UnitOfWork,
  before: TenantSettings,
  after: TenantSettings,
  field: string[],
  config: Pick<Config, "RATE_LIMIT_TENANT_POINTS" | "RATE_LIMIT_CALLER_POINTS">,
): Promise<UserError[]> {
  const errors: UserError[] = [];
  if (!same(before.governance, after.governance)) {
    // Four-eyes erasure and the request budget bind the admins too: only an OWNER sets them.
    if (!uow.actor.principal.permissions.has("governance:manage")) {
      errors.push(userError("FORBIDDEN", "Only an OWNER may change the governance settings.", [...field, "governance"]));
    } else {
      errors.push(...rateLimitSettingsErrors(after.governance.apiRateLimit, { tenantPoints: config.RATE_LIMIT_TENANT_POINTS, callerPoints: config.RATE_LIMIT_CALLER_POINTS }, field));
    }
  }
  if (!same(before.sending.killSwitch, after.sending.killSwitch)) {
    errors.push(
      userError(
        "VALIDATION_FAILED",
        "The kill switch is changed with sendingKillSwitchSet, which also cancels queued sends.",
        [...field, "sending", "killSwitch"],
      ),
    );
  }
  if (!same(before.pipeline, after.pipeline)) {
    const open = new Set(after.pipeline.stages.filter((s) => s.kind === "OPEN").map((s) => s.key));
    const stranded = await uow.tx.deal.groupBy({ by: ["stage"], where: { status: "OPEN", stage: { notIn: [...open] } }, _count: { _all: true } });
    if (stranded.length) {
      const list = stranded.map((s) => `${s._count._all} in "${s.stage}"`).join(", ");
      errors.push(userError("CONFLICT", `Open deals are in stages this change removes or closes (${list}); move them first.`, [...field, "pipeline", "stages"]));
    }
  }
  return errors;
}

/** Work a committed settings change implies, in the same transaction. */
export async function afterSettingsChange(services: Services, uow: UnitOfWork, before: TenantSettings, after: TenantSettings): Promise<void> {
  if (!same(before.scoring, after.scoring)) {
    // New rules: open leads are scored again by the job.
    const leads = await uow.tx.lead.findMany({ where: { status: { in: ["NEW", "WORKING", "QUALIFIED"] } }, select: { id: true } });
    await enqueueLeadScoring(services, uow, leads.map((l) => l.id));
  }
}
