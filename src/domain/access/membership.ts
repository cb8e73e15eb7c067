// Membership rules that do not need a database: who may change whose role,
// and the last-owner guard.
import type { UserError } from "../user-error.js";
import { userError } from "../user-error.js";
import { canAssignRole, ROLE_RANK, type Role } from "./permission.js";

export interface MembershipChange {
  actorRole: Role;
  actorUserId: string | null;
  targetUserId: string;
  currentRole: Role;
  /** null when the membership is being removed. */
  nextRole: Role | null;
  /** How many OWNER memberships the tenant has right now (including the target's). */
  ownerCount: number;
}

/** Checks a role change or removal; returns the reasons it is refused (empty = allowed). */
export function checkMembershipChange(change: MembershipChange): UserError[] {
  const { actorRole, currentRole, nextRole, ownerCount } = change;
  const field = nextRole === null ? ["input", "membershipId"] : ["input", "role"];
  if (nextRole !== null && !canAssignRole(actorRole, nextRole)) {
    return [userError("ROLE_NOT_ASSIGNABLE", `A ${actorRole} cannot give the ${nextRole} role.`, ["input", "role"])];
  }
  // Nobody may change or remove someone who outranks them (an ADMIN cannot demote an OWNER).
  if (ROLE_RANK[currentRole] > ROLE_RANK[actorRole]) {
    return [userError("ROLE_NOT_ASSIGNABLE", `A ${actorRole} cannot change a ${currentRole}'s membership.`, field)];
  }
  const losesOwner = currentRole === "OWNER" && nextRole !== "OWNER";
  if (losesOwner && ownerCount <= 1) {
    return [
      userError(
        "LAST_OWNER",
        "This is the tenant's last owner. Make someone else an owner first.",
        field,
      ),
    ];
  }
  return [];
}
