// The approval policy: who may approve and send a draft, whether authors may
// approve their own drafts, how many approvals a draft needs, and whether it
// goes out by itself once approved. One object, one place: use cases ask it,
// they never test roles themselves. The policy can only narrow the permission
// matrix (a role also needs draft:approve / draft:send), never widen it.
import { z } from "zod";
import { ROLE_PERMISSIONS, type Role } from "../access/permission.js";
import type { Principal } from "../access/principal.js";
import { userError, type UserError } from "../user-error.js";

/** Roles that may ever be named in the policy: people who hold draft:approve and draft:send. */
export const POLICY_ROLES = ["OWNER", "ADMIN", "MANAGER", "OPERATOR"] as const satisfies readonly Role[];

const policyRoles = z
  .array(z.enum(POLICY_ROLES, { error: "must be one of OWNER, ADMIN, MANAGER, OPERATOR (ANALYST and agents can never approve or send)" }))
  .min(1, "must name at least one role")
  .transform((roles) => [...new Set(roles)]);

export const approvalSettingsSchema = z
  .object({
    /** Roles whose members may approve drafts. */
    approverRoles: policyRoles.default([...POLICY_ROLES]),
    /** Roles whose members may send approved drafts. */
    senderRoles: policyRoles.default([...POLICY_ROLES]),
    /** Whether the author of a draft (the user behind it) may approve it. */
    allowSelfApproval: z.boolean().default(true),
    /** Distinct approvers needed on the current revision. */
    requiredApprovals: z.number().int().min(1).max(5).default(1),
    /** Queue the draft for sending as soon as it is approved (when sending is allowed). */
    autoSendAfterApproval: z.boolean().default(false),
  })
  .strict();

export type ApprovalPolicy = z.infer<typeof approvalSettingsSchema>;

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = approvalSettingsSchema.parse({});

/** Who wrote a draft (or its current revision). */
export interface DraftAuthor {
  authorId: string;
  authorUserId: string | null;
}

/** Whether `principal` is the author: the same credential, or the same person behind another credential. */
export function isAuthor(principal: Pick<Principal, "id" | "userId">, author: DraftAuthor): boolean {
  if (principal.id === author.authorId) return true;
  return principal.userId !== null && principal.userId === author.authorUserId;
}

/** `authors`: whoever wrote the draft and whoever wrote its current revision. */
export function mayApprove(
  policy: ApprovalPolicy,
  principal: Pick<Principal, "id" | "userId" | "role" | "permissions">,
  authors: DraftAuthor | readonly DraftAuthor[],
  field: string[] = ["input", "draftId"],
): UserError | null {
  if (!principal.permissions.has("draft:approve") || !(policy.approverRoles as readonly string[]).includes(principal.role)) {
    return userError(
      "ROLE_NOT_ALLOWED_BY_POLICY",
      `The approval policy does not let a ${principal.role} approve drafts (approvers: ${policy.approverRoles.join(", ")}).`,
      field,
    );
  }
  const all: readonly DraftAuthor[] = Array.isArray(authors) ? authors : [authors as DraftAuthor];
  if (!policy.allowSelfApproval && all.some((a) => isAuthor(principal, a))) {
    return userError("SELF_APPROVAL_FORBIDDEN", "The approval policy requires someone other than the author to approve this draft.", field);
  }
  return null;
}

export function maySend(policy: ApprovalPolicy, principal: Pick<Principal, "role" | "permissions">, field: string[] = ["input", "draftId"]): UserError | null {
  if (!principal.permissions.has("draft:send") || !(policy.senderRoles as readonly string[]).includes(principal.role)) {
    return userError(
      "ROLE_NOT_ALLOWED_BY_POLICY",
      `The approval policy does not let a ${principal.role} send drafts (senders: ${policy.senderRoles.join(", ")}).`,
      field,
    );
  }
  return null;
}

/** True once the current revision has as many distinct approvers as the policy asks for. */
export function isFullyApproved(policy: ApprovalPolicy, approvalsOnCurrentRevision: number): boolean {
  return approvalsOnCurrentRevision >= policy.requiredApprovals;
}

/** Sanity check kept next to the policy: every policy role really holds both permissions. */
export function policyRolesHoldPermissions(): boolean {
  return POLICY_ROLES.every((r) => ROLE_PERMISSIONS[r].has("draft:approve") && ROLE_PERMISSIONS[r].has("draft:send"));
}
