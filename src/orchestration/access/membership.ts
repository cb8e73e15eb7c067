// Memberships: add (invite) a person with a role, change a role, remove.
// Removing someone revokes their personal connections in the same transaction
// (src/orchestration/connection/connection.ts, revokeLeaverConnections).
// Adding someone by e-mail reveals nothing about an account they may already
// have: the tenant sees the name it supplied (Membership.displayName).
// Owner rows are locked while a change is checked, so two owners demoting
// each other at the same moment cannot leave the tenant without an owner.
import { z } from "zod";
import { isUniqueViolation, type Tx } from "../../data/database.js";
import { checkMembershipChange } from "../../domain/access/membership.js";
import { canAssignRole, HUMAN_ROLES, type Role } from "../../domain/access/permission.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { runMutation, type Actor } from "../unit-of-work.js";
import type { Services } from "../services.js";
import { revokeLeaverConnections, revokeLeaverGrants, type LeaverRevocation } from "../connection/connection.js";

export const membershipAddSchema = z.object({
  email: z.string().trim().toLowerCase().email("must be a valid e-mail address").max(254),
  name: z.string().trim().min(1).max(200).optional(),
  role: z.enum(HUMAN_ROLES),
});
export type MembershipAddInput = z.infer<typeof membershipAddSchema>;

export async function addMembership(
  services: Services,
  actor: Actor,
  input: MembershipAddInput,
  idempotencyKey?: string | null,
): Promise<Outcome<{ membershipId: string }>> {
  return runMutation(services, actor, { operation: "membershipAdd", input, idempotencyKey }, async (uow) => {
    if (!canAssignRole(actor.principal.role, input.role)) {
      return fail(userError("ROLE_NOT_ASSIGNABLE", `A ${actor.principal.role} cannot give the ${input.role} role.`, ["input", "role"]));
    }
    // The person may already have an account (from another tenant): this
    // tenant knows them only by what the caller supplied, never by the name
    // they use elsewhere (see Membership.displayName).
    const displayName = input.name ?? input.email.split("@")[0]!;
    const [row] = await uow.tx.$queryRaw<{ id: string }[]>`SELECT app_ensure_user(${input.email}, ${displayName}) AS id`;
    const userId = row!.id;
    try {
      const membership = await uow.tx.membership.create({
        data: { tenantId: actor.principal.tenantId, userId, role: input.role, displayName },
      });
      await uow.audit({
        action: "membership.added",
        targetType: "Membership",
        targetId: membership.id,
        summary: { userId, email: input.email, role: input.role },
      });
      await uow.emit("sales.membership.added", { membershipId: membership.id, userId, role: input.role });
      return ok({ membershipId: membership.id });
    } catch (error) {
      if (isUniqueViolation(error)) {
        return fail(userError("CONFLICT", "This person is already a member of the tenant.", ["input", "email"]));
      }
      throw error;
    }
  });
}

async function lockForChange(tx: Tx, tenantId: string, membershipId: string) {
  // Lock the tenant's owner rows and the target row, in a fixed order.
  const owners = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Membership" WHERE "tenantId" = ${tenantId}::uuid AND "role" = 'OWNER' ORDER BY "id" FOR UPDATE`;
  const target = await tx.$queryRaw<{ id: string; userId: string; role: Role }[]>`
    SELECT "id", "userId", "role"::text AS "role" FROM "Membership" WHERE "id" = ${membershipId}::uuid FOR UPDATE`;
  return { ownerCount: owners.length, target: target[0] ?? null };
}

export async function changeMembershipRole(
  services: Services,
  actor: Actor,
  input: { membershipId: string; role: Role },
  idempotencyKey?: string | null,
): Promise<Outcome<{ membershipId: string }>> {
  return runMutation(services, actor, { operation: "membershipChangeRole", input, idempotencyKey }, async (uow) => {
    const { ownerCount, target } = await lockForChange(uow.tx, actor.principal.tenantId, input.membershipId);
    if (!target) return fail(userError("NOT_FOUND", "No such membership.", ["input", "membershipId"]));
    const refusal = checkMembershipChange({
      actorRole: actor.principal.role,
      actorUserId: actor.principal.userId,
      targetUserId: target.userId,
      currentRole: target.role,
      nextRole: input.role,
      ownerCount,
    });
    if (refusal.length) return fail(...refusal);
    if (target.role === input.role) return ok({ membershipId: target.id });
    await uow.tx.membership.update({ where: { id: target.id }, data: { role: input.role } });
    await uow.audit({
      action: "membership.role_changed",
      targetType: "Membership",
      targetId: target.id,
      summary: { userId: target.userId, from: target.role, to: input.role },
    });
    await uow.emit("sales.membership.updated", { membershipId: target.id, userId: target.userId, role: input.role });
    return ok({ membershipId: target.id });
  });
}

export async function removeMembership(
  services: Services,
  actor: Actor,
  input: { membershipId: string },
  idempotencyKey?: string | null,
): Promise<Outcome<{ membershipId: string }>> {
  // Kept out of the mutation's result: that may be stored for idempotency, and these hold tokens.
  let leaverConnections: LeaverRevocation[] = [];
  const outcome = await runMutation(services, actor, { operation: "membershipRemove", input, idempotencyKey }, async (uow) => {
    leaverConnections = [];
    const { ownerCount, target } = await lockForChange(uow.tx, actor.principal.tenantId, input.membershipId);
    if (!target) return fail(userError("NOT_FOUND", "No such membership.", ["input", "membershipId"]));
    const refusal = checkMembershipChange({
      actorRole: actor.principal.role,
      actorUserId: actor.principal.userId,
      targetUserId: target.userId,
      currentRole: target.role,
      nextRole: null,
      ownerCount,
    });
    if (refusal.length) return fail(...refusal);
    await uow.tx.membership.delete({ where: { id: target.id } });
    await uow.audit({
      action: "membership.removed",
      targetType: "Membership",
      targetId: target.id,
      summary: { userId: target.userId, role: target.role },
    });
    await uow.emit("sales.membership.removed", { membershipId: target.id, userId: target.userId });
    // Their own mailboxes and calendars leave with them (the tenant's shared ones they connected stay).
    leaverConnections = await revokeLeaverConnections(services, uow, target.userId);
    return ok({ membershipId: target.id });
  });
  if (outcome.ok && leaverConnections.length > 0) await revokeLeaverGrants(services, actor, leaverConnections);
  return outcome;
}
