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
} from "../../../src/domain/access/permission.js";

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
  // Written by hand from the README's rule ("never above one's own role; OWNER only by an OWNER; nobody
  // assigns SERVICE"), not computed from ROLE_RANK: a wrong rank or rule in the code makes these fail.
  // Columns: the role being assigned, in the order of TARGETS.
  const TARGETS = ["OWNER", "ADMIN", "MANAGER", "OPERATOR", "ANALYST", "SERVICE"] as const;
  const MAY_ASSIGN: Record<Role, string> = {
    //         OWNER ADMIN MANAGER OPERATOR ANALYST SERVICE
    OWNER:    "  Y     Y      Y       Y        Y       -  ",
    ADMIN:    "  -     Y      Y       Y        Y       -  ",
    MANAGER:  "  -     -      Y       Y        Y       -  ",
    OPERATOR: "  -     -      -       Y        Y       -  ",
    ANALYST:  "  -     -      -       -        Y       -  ",
    SERVICE:  "  -     -      -       -        -       -  ",
  };
  const cases: [Role, Role, boolean][] = Object.entries(MAY_ASSIGN).flatMap(([actor, row]) => {
    const cells = row.trim().split(/\s+/);
    expect(cells).toHaveLength(TARGETS.length);
    return TARGETS.map((target, i): [Role, Role, boolean] => [actor as Role, target, cells[i] === "Y"]);
  });

  it("the table covers every pair of roles", () => {
    expect(cases).toHaveLength(ROLES.length * ROLES.length);
    expect(new Set(cases.map(([a, b]) => `${a}>${b}`)).size).toBe(ROLES.length * ROLES.length);
  });

  it.each(cases)("%s → %s: %s", (actor, target, expected) => {
    expect(canAssignRole(actor, target)).toBe(expected);
  });
});
