// The tenant's kill switch (sending:control, MANAGER and up). Engaging it
// stops sending at once: drafts already QUEUED end CANCELLED in the same
// transaction (and a worker that races it re-checks the switch before
// sending). Releasing it does not resume anything: cancelled drafts stay
// cancelled, new sends need a new draftSend.
import type { Prisma } from "../../data/database.js";
import { applyMergePatch, tenantSettingsSchema } from "../../domain/tenant/tenant.js";
import { ok, type Outcome } from "../../domain/user-error.js";
import { changeStatus, lockDraft } from "../draft/draft-state.js";
import type { Services } from "../services.js";
import { runMutation, type Actor } from "../unit-of-work.js";

export async function setKillSwitch(
  services: Services,
  actor: Actor,
  input: { engaged: boolean; reason?: string | null },
  idempotencyKey?: string | null,
): Promise<Outcome<{ tenantId: string; cancelledDraftIds: string[] }>> {
  return runMutation(services, actor, { operation: "sendingKillSwitchSet", input, idempotencyKey }, async (uow) => {
    const { tenantId } = actor.principal;
    // Lock the tenant row: two managers flipping the switch at once apply in turn.
    await uow.tx.$executeRaw`SELECT 1 FROM "Tenant" WHERE "id" = ${tenantId}::uuid FOR UPDATE`;
    const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    const reason = input.reason?.trim() || null;
    const settings = tenantSettingsSchema.parse(
      applyMergePatch(tenant.settings, {
        sending: { killSwitch: { engaged: input.engaged, reason, changedAt: new Date().toISOString(), changedBy: actor.principal.label } },
      }),
    );
    await uow.tx.tenant.update({ where: { id: tenantId }, data: { settings: settings as Prisma.InputJsonValue } });
    const cancelled: string[] = [];
    if (input.engaged) {
      const queued = await uow.tx.draft.findMany({ where: { status: "QUEUED" }, select: { id: true }, orderBy: { id: "asc" } });
      for (const { id } of queued) {
        const draft = await lockDraft(uow.tx, id);
        if (!draft || draft.status !== "QUEUED") continue;
        const why = `Stopped by the kill switch${reason ? `: ${reason}` : ""}.`;
        const changed = await changeStatus(uow, draft, {
          action: "cancel",
          data: { cancelReason: why, holdReason: null, holdUntil: null },
          auditAction: "draft.cancelled_by_kill_switch",
          summary: { reason: why },
          event: { reason: "KILL_SWITCH" },
        });
        if (changed.ok) cancelled.push(id);
      }
    }
    await uow.audit({
      action: input.engaged ? "sending.kill_switch_engaged" : "sending.kill_switch_released",
      targetType: "Tenant",
      targetId: tenantId,
      summary: { reason, cancelledDrafts: cancelled.length },
    });
    await uow.emit(input.engaged ? "sales.sending.kill_switch_engaged" : "sales.sending.kill_switch_released", { tenantId, reason, cancelledDrafts: cancelled.length });
    return ok({ tenantId, cancelledDraftIds: cancelled });
  });
}
