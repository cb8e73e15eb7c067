import { describe, expect, it } from "vitest";
import { checkMembershipChange, type MembershipChange } from "../../../src/domain/access/membership.js";

const base: MembershipChange = { actorRole: "OWNER", actorUserId: "u1", targetUserId: "u2", currentRole: "OPERATOR", nextRole: "MANAGER", ownerCount: 1 };

describe("membership changes", () => {
  it.each<[string, Partial<MembershipChange>, string | null]>([
    ["owner promotes an operator", {}, null],
    ["admin promotes to admin", { actorRole: "ADMIN", nextRole: "ADMIN" }, null],
    ["admin promotes to owner", { actorRole: "ADMIN", nextRole: "OWNER" }, "ROLE_NOT_ASSIGNABLE"],
    ["manager promotes to admin", { actorRole: "MANAGER", nextRole: "ADMIN" }, "ROLE_NOT_ASSIGNABLE"],
    ["admin demotes an owner", { actorRole: "ADMIN", currentRole: "OWNER", nextRole: "ADMIN", ownerCount: 2 }, "ROLE_NOT_ASSIGNABLE"],
    ["admin removes an owner", { actorRole: "ADMIN", currentRole: "OWNER", nextRole: null, ownerCount: 2 }, "ROLE_NOT_ASSIGNABLE"],
    ["last owner demotes self", { targetUserId: "u1", currentRole: "OWNER", nextRole: "ADMIN", ownerCount: 1 }, "LAST_OWNER"],
    ["last owner removes self", { targetUserId: "u1", currentRole: "OWNER", nextRole: null, ownerCount: 1 }, "LAST_OWNER"],
    ["one of two owners demotes self", { targetUserId: "u1", currentRole: "OWNER", nextRole: "ADMIN", ownerCount: 2 }, null],
    ["owner keeps owner role", { currentRole: "OWNER", nextRole: "OWNER", ownerCount: 1 }, null],
    ["nobody can be made SERVICE", { nextRole: "SERVICE" }, "ROLE_NOT_ASSIGNABLE"],
    ["operator removes an analyst", { actorRole: "OPERATOR", currentRole: "ANALYST", nextRole: null }, null],
  ])("%s", (_name, change, expected) => {
    const errors = checkMembershipChange({ ...base, ...change });
    expect(errors[0]?.code ?? null).toBe(expected);
  });
});
