// A key's access now = its role and scopes ∩ its creator's current role.
// Expected values are written out by hand, not computed with the rule.
import { describe, expect, it } from "vitest";
import { apiKeyAccess, apiKeyStatus, reissuedKeyGrant } from "../../../src/domain/access/api-key.js";
import { ROLE_PERMISSIONS } from "../../../src/domain/access/permission.js";

const sorted = (s: ReadonlySet<string> | undefined) => (s ? [...s].sort() : s);

describe("apiKeyAccess", () => {
  it.each([
    ["ADMIN", "ADMIN", "ADMIN"],
    ["ADMIN", "ANALYST", "ANALYST"],
    ["ADMIN", "OWNER", "ADMIN"],
    ["ANALYST", "OWNER", "ANALYST"],
    ["MANAGER", "OPERATOR", "OPERATOR"],
    ["OPERATOR", "MANAGER", "OPERATOR"],
  ] as const)("a %s key of a %s creator acts as %s", (keyRole, creatorRole, effective) => {
    expect(apiKeyAccess({ role: keyRole, scopes: [] }, creatorRole)?.role).toBe(effective);
  });

  it("an ADMIN key of a creator demoted to ANALYST has exactly the ANALYST permissions", () => {
    const access = sorted(apiKeyAccess({ role: "ADMIN", scopes: [] }, "ANALYST")?.permissions);
    expect(access).toEqual(sorted(ROLE_PERMISSIONS.ANALYST));
    for (const p of ["member:manage", "apikey:manage", "settings:write", "lead:write", "draft:approve"]) expect(access).not.toContain(p);
    for (const p of ["lead:read", "member:read", "event:subscribe"]) expect(access).toContain(p);
  });

  it("scopes the creator's role lacks fall away, and an emptied scope list stays empty (never 'everything')", () => {
    expect(sorted(apiKeyAccess({ role: "ADMIN", scopes: ["member:manage", "lead:read"] }, "OPERATOR")?.permissions)).toEqual(["lead:read"]);
    expect(sorted(apiKeyAccess({ role: "ADMIN", scopes: ["member:manage"] }, "ANALYST")?.permissions)).toEqual([]);
  });

  it("no access without a creator in the tenant", () => {
    expect(apiKeyAccess({ role: "ANALYST", scopes: [] }, null)).toBeNull();
  });
});

describe("apiKeyStatus", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const past = new Date("2026-05-01T00:00:00Z");
  const future = new Date("2026-07-01T00:00:00Z");
  it.each([
    [{ revokedAt: null, expiresAt: null }, "ADMIN", "ACTIVE"],
    [{ revokedAt: null, expiresAt: future }, "ADMIN", "ACTIVE"],
    [{ revokedAt: null, expiresAt: null }, null, "CREATOR_REMOVED"],
    [{ revokedAt: null, expiresAt: past }, null, "EXPIRED"],
    [{ revokedAt: past, expiresAt: past }, null, "REVOKED"],
    [{ revokedAt: past, expiresAt: null }, "OWNER", "REVOKED"],
  ] as const)("%j with creator %s is %s", (key, creator, status) => {
    expect(apiKeyStatus(key, creator, now)).toBe(status);
  });
});

describe("reissuedKeyGrant", () => {
  it("caps the role and drops scopes the new owner's role lacks", () => {
    expect(reissuedKeyGrant({ role: "ADMIN", scopes: ["lead:read", "member:manage"] }, "MANAGER")).toEqual({
      role: "MANAGER",
      scopes: ["lead:read"],
      dropped: ["member:manage"],
    });
    expect(reissuedKeyGrant({ role: "OPERATOR", scopes: [] }, "OWNER")).toEqual({ role: "OPERATOR", scopes: [], dropped: [] });
  });
  it("refuses when a scoped key would lose every scope", () => {
    expect(reissuedKeyGrant({ role: "ADMIN", scopes: ["member:manage"] }, "ANALYST")).toBeNull();
  });
});
