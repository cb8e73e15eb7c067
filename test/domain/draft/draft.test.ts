// The whole draft status machine, cell by cell, and the approval policy.
import { describe, expect, it } from "vitest";
import { DEFAULT_APPROVAL_POLICY, approvalSettingsSchema, isFullyApproved, mayApprove, maySend, policyRolesHoldPermissions } from "../../../src/domain/tenant/approval-policy.js";
import { DRAFT_ACTIONS, DRAFT_STATUSES, EDITABLE_STATUSES, TERMINAL_STATUSES, nextStatus, transition, type DraftAction, type DraftStatus } from "../../../src/domain/draft/draft.js";
import { ROLE_PERMISSIONS, type Role } from "../../../src/domain/access/permission.js";
import { agentPrincipal } from "../../../src/domain/access/principal.js";

// Every legal move; every other (status, action) pair must be refused.
const LEGAL: [DraftStatus, DraftAction, DraftStatus][] = [
  ["PENDING_REVIEW", "edit", "PENDING_REVIEW"],
  ["PENDING_REVIEW", "approve", "APPROVED"],
  ["PENDING_REVIEW", "reject", "REJECTED"],
  ["PENDING_REVIEW", "block", "BLOCKED"],
  ["PENDING_REVIEW", "cancel", "CANCELLED"],
  ["APPROVED", "edit", "PENDING_REVIEW"],
  ["APPROVED", "reject", "REJECTED"],
  ["APPROVED", "block", "BLOCKED"],
  ["APPROVED", "queue", "QUEUED"],
  ["APPROVED", "cancel", "CANCELLED"],
  ["BLOCKED", "edit", "PENDING_REVIEW"],
  ["BLOCKED", "block", "BLOCKED"],
  ["BLOCKED", "cancel", "CANCELLED"],
  ["QUEUED", "claim", "SENDING"],
  ["QUEUED", "block", "BLOCKED"],
  ["QUEUED", "cancel", "CANCELLED"],
  ["QUEUED", "fail", "FAILED"],
  ["SENDING", "sent", "SENT"],
  ["SENDING", "retry", "QUEUED"],
  ["SENDING", "fail", "FAILED"],
];

const cells = DRAFT_STATUSES.flatMap((status) => DRAFT_ACTIONS.map((action) => [status, action] as const));

describe("draft status machine", () => {
  it.each(cells)("%s --%s-->", (status, action) => {
    const legal = LEGAL.find(([s, a]) => s === status && a === action);
    const result = transition(status, action);
    if (legal) {
      expect(result).toEqual({ ok: true, status: legal[2] });
    } else {
      expect(result.ok).toBe(false);
      expect(nextStatus(status, action)).toBeNull();
    }
  });

  it("has exactly the documented legal moves", () => {
    const actual = cells.filter(([s, a]) => nextStatus(s, a) !== null).map(([s, a]) => [s, a, nextStatus(s, a)]);
    const key = (x: unknown[]) => x.join(" ");
    expect(actual.map(key).sort()).toEqual(LEGAL.map(key).sort());
  });

  it("ends in SENT, REJECTED, FAILED or CANCELLED; text can change only before sending", () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(["CANCELLED", "FAILED", "REJECTED", "SENT"]);
    expect([...EDITABLE_STATUSES].sort()).toEqual(["APPROVED", "BLOCKED", "PENDING_REVIEW"]);
  });

  it("an edit never keeps an approval: every edit lands in PENDING_REVIEW", () => {
    for (const s of EDITABLE_STATUSES) expect(nextStatus(s, "edit")).toBe("PENDING_REVIEW");
  });

  it.each([
    ["APPROVED", "approve", "ALREADY_APPROVED"],
    ["BLOCKED", "approve", "QUALITY_GATE_BLOCKED"],
    ["PENDING_REVIEW", "queue", "DRAFT_NOT_APPROVED"],
    ["REJECTED", "queue", "INVALID_DRAFT_STATUS"],
    ["SENT", "queue", "INVALID_DRAFT_STATUS"],
    ["SENDING", "cancel", "INVALID_DRAFT_STATUS"],
    ["SENT", "edit", "INVALID_DRAFT_STATUS"],
  ] as const)("refuses %s --%s--> with %s", (status, action, code) => {
    const result = transition(status, action);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.field).toEqual(["input", "draftId"]);
    }
  });
});

function person(role: Role, id = "u1") {
  return { id, userId: id, role, permissions: ROLE_PERMISSIONS[role] };
}

describe("approval policy", () => {
  const author = { authorId: "u1", authorUserId: "u1" };

  it("defaults: OPERATOR and up approve and send, self-approval allowed, one approval, no auto-send", () => {
    expect(DEFAULT_APPROVAL_POLICY).toEqual({
      approverRoles: ["OWNER", "ADMIN", "MANAGER", "OPERATOR"],
      senderRoles: ["OWNER", "ADMIN", "MANAGER", "OPERATOR"],
      allowSelfApproval: true,
      requiredApprovals: 1,
      autoSendAfterApproval: false,
    });
    expect(policyRolesHoldPermissions()).toBe(true);
  });

  it.each([
    ["OWNER", true],
    ["ADMIN", true],
    ["MANAGER", true],
    ["OPERATOR", true],
    ["ANALYST", false],
  ] as const)("%s may approve and send by default: %s", (role, allowed) => {
    expect(mayApprove(DEFAULT_APPROVAL_POLICY, person(role, "u2"), author) === null).toBe(allowed);
    expect(maySend(DEFAULT_APPROVAL_POLICY, person(role, "u2")) === null).toBe(allowed);
  });

  it("never lets an agent approve or send, whatever the policy says", () => {
    const agent = agentPrincipal("00000000-0000-7000-8000-000000000001", "writer");
    expect(mayApprove(DEFAULT_APPROVAL_POLICY, agent, author)?.code).toBe("ROLE_NOT_ALLOWED_BY_POLICY");
    expect(maySend(DEFAULT_APPROVAL_POLICY, agent)?.code).toBe("ROLE_NOT_ALLOWED_BY_POLICY");
  });

  it("refuses ANALYST (and SERVICE) in the policy's role lists", () => {
    expect(approvalSettingsSchema.safeParse({ approverRoles: ["ANALYST"] }).success).toBe(false);
    expect(approvalSettingsSchema.safeParse({ senderRoles: ["SERVICE"] }).success).toBe(false);
    expect(approvalSettingsSchema.safeParse({ approverRoles: [] }).success).toBe(false);
    expect(approvalSettingsSchema.safeParse({ requiredApprovals: 0 }).success).toBe(false);
  });

  it("narrows approvers to the listed roles", () => {
    const policy = approvalSettingsSchema.parse({ approverRoles: ["MANAGER", "OWNER"] });
    expect(mayApprove(policy, person("OPERATOR", "u2"), author)?.code).toBe("ROLE_NOT_ALLOWED_BY_POLICY");
    expect(mayApprove(policy, person("MANAGER", "u2"), author)).toBeNull();
  });

  it("self-approval: refused when the policy forbids it, for the same user behind any credential", () => {
    const policy = approvalSettingsSchema.parse({ allowSelfApproval: false });
    expect(mayApprove(policy, person("OPERATOR", "u1"), author)?.code).toBe("SELF_APPROVAL_FORBIDDEN");
    const apiKeyOfAuthor = { id: "key-1", userId: "u1", role: "OPERATOR" as const, permissions: ROLE_PERMISSIONS.OPERATOR };
    expect(mayApprove(policy, apiKeyOfAuthor, author)?.code).toBe("SELF_APPROVAL_FORBIDDEN");
    expect(mayApprove(policy, person("OPERATOR", "u2"), author)).toBeNull();
    expect(mayApprove(DEFAULT_APPROVAL_POLICY, person("OPERATOR", "u1"), author)).toBeNull();
  });

  it("counts approvals against the required number", () => {
    const policy = approvalSettingsSchema.parse({ requiredApprovals: 2 });
    expect(isFullyApproved(policy, 1)).toBe(false);
    expect(isFullyApproved(policy, 2)).toBe(true);
  });
});
