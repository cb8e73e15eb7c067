import { describe, expect, it } from "vitest";
import {
  canAssignRole,
  effectivePermissions,
  HUMAN_ROLES,
  PERMISSIONS,
  ROLE_PERMISSIONS,
  ROLE_RANK,
  ROLES,
  type Permission,
  type Role,
} from "../../src/domain/permission.js";

describe("permission matrix", () => {
  it("is monotonic: each human role holds every permission of the roles below it", () => {
    const ordered = [...HUMAN_ROLES].sort((x, y) => ROLE_RANK[x] - ROLE_RANK[y]);
    for (let i = 1; i < ordered.length; i++) {
      const lower = ROLE_PERMISSIONS[ordered[i - 1]!];
      const higher = ROLE_PERMISSIONS[ordered[i]!];
      expect([...lower].filter((p) => !higher.has(p))).toEqual([]);
    }
  });

  it("gives OWNER everything and ANALYST only read permissions", () => {
    expect([...ROLE_PERMISSIONS.OWNER].sort()).toEqual([...PERMISSIONS].sort());
    for (const p of ROLE_PERMISSIONS.ANALYST) expect(p).toMatch(/:read$|event:subscribe/);
  });

  it.each<[Role, Permission, boolean]>([
    ["ANALYST", "draft:approve", false],
    ["ANALYST", "draft:send", false],
    ["ANALYST", "audit:read", true],
    ["OPERATOR", "draft:approve", true],
    ["OPERATOR", "draft:send", true],
    ["OPERATOR", "deal:write", false],
    ["OPERATOR", "suppression:remove", false],
    ["MANAGER", "suppression:remove", true],
    ["MANAGER", "deal:reopen", true],
    ["MANAGER", "settings:write", false],
    ["ADMIN", "settings:write", true],
    ["ADMIN", "apikey:manage", true],
    ["SERVICE", "draft:write", true],
    ["SERVICE", "draft:approve", false],
    ["SERVICE", "draft:send", false],
    ["SERVICE", "sending:control", false],
    ["SERVICE", "member:manage", false],
  ])("%s %s → %s", (role, permission, expected) => {
    expect(ROLE_PERMISSIONS[role].has(permission)).toBe(expected);
  });

  it("never lets an agent approve or send, whatever else changes", () => {
    expect(ROLE_PERMISSIONS.SERVICE.has("draft:approve") || ROLE_PERMISSIONS.SERVICE.has("draft:send")).toBe(false);
  });
});

describe("effective permissions of a credential", () => {
  it("is the role's permissions when no scopes are given", () => {
    expect(effectivePermissions("OPERATOR")).toBe(ROLE_PERMISSIONS.OPERATOR);
  });
  it("narrows to scopes, and scopes cannot add what the role lacks", () => {
    expect([...effectivePermissions("ANALYST", ["lead:read", "draft:send"])]).toEqual(["lead:read"]);
  });
});

describe("who may assign which role", () => {
  const cases: [Role, Role, boolean][] = [];
  for (const actor of ROLES) for (const target of ROLES) {
    const expected = target !== "SERVICE" && (target === "OWNER" ? actor === "OWNER" : ROLE_RANK[actor] >= ROLE_RANK[target]);
    cases.push([actor, target, expected]);
  }
  it.each(cases)("%s → %s: %s", (actor, target, expected) => {
    expect(canAssignRole(actor, target)).toBe(expected);
  });
});
