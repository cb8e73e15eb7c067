// The role × operation matrix for the foundation's operations, cross-tenant
// access by global id, the last-owner rule and the audit trail they leave.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { asOwner } from "../../helpers/database.js";

const UpdateSettings = graphql(`
  mutation MatrixUpdateSettings($input: TenantUpdateSettingsInput!) {
    tenantUpdateSettings(input: $input) { tenant { name } userErrors { code field message } }
  }
`);
const AddMember = graphql(`
  mutation MatrixAddMember($input: MembershipAddInput!) {
    membershipAdd(input: $input) { membership { id role user { email } } userErrors { code field message } }
  }
`);
const ChangeRole = graphql(`
  mutation MatrixChangeRole($input: MembershipChangeRoleInput!) {
    membershipChangeRole(input: $input) { membership { id role } userErrors { code field message } }
  }
`);
const RemoveMember = graphql(`
  mutation MatrixRemoveMember($input: MembershipRemoveInput!) {
    membershipRemove(input: $input) { removedMembershipId userErrors { code field message } }
  }
`);
const CreateKey = graphql(`
  mutation MatrixCreateKey($input: ApiKeyCreateInput!) {
    apiKeyCreate(input: $input) { apiKey { id } secret userErrors { code } }
  }
`);
const ListKeys = graphql(`
  query MatrixListKeys {
    apiKeys(first: 10) { edges { node { id prefix } } }
  }
`);
const Audit = graphql(`
  query MatrixAudit($filter: AuditEntryFilter, $first: Int, $after: String) {
    auditEntries(filter: $filter, first: $first, after: $after) {
      edges { cursor node { id action actorType actorId actorLabel targetType targetId summary requestId createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
const Members = graphql(`
  query MatrixMembers {
    memberships(first: 20) { edges { node { id role user { email } } } }
    tenant { id name settings }
  }
`);
const Node = graphql(`
  query MatrixNode($id: ID!) {
    node(id: $id) { id __typename }
  }
`);

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  [a, b] = [await createTenant(t, "a"), await createTenant(t, "b")];
});
afterAll(() => t?.close());

// Who may do what, written out by hand (the README's matrix), not read from ROLE_PERMISSIONS:
// a permission wrongly granted or withheld in the code makes these tests fail.
const ALLOWED: Record<"settings:write" | "member:manage" | "apikey:manage", readonly (typeof ALL_ROLES)[number][]> = {
  "settings:write": ["OWNER", "ADMIN"],
  "member:manage": ["OWNER", "ADMIN"],
  "apikey:manage": ["OWNER", "ADMIN"],
};

function allowed(role: (typeof ALL_ROLES)[number], permission: keyof typeof ALLOWED) {
  return ALLOWED[permission].includes(role);
}

describe("role × operation matrix", () => {
  it.each(ALL_ROLES)("%s: tenantUpdateSettings only with settings:write", async (role) => {
    const r = await execute(t.graphqlUrl, UpdateSettings, { input: { name: `Renamed by ${role}` } }, { token: a.members[role].token });
    if (allowed(role, "settings:write")) {
      expect(r.data?.tenantUpdateSettings.userErrors).toEqual([]);
      expect(r.data?.tenantUpdateSettings.tenant?.name).toBe(`Renamed by ${role}`);
    } else {
      expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(r.data ?? null).toBeNull();
    }
  });

  it.each(ALL_ROLES)("%s: membershipAdd only with member:manage", async (role) => {
    const r = await execute(t.graphqlUrl, AddMember, { input: { email: `new-${role}@x.example`, role: "ANALYST" } }, { token: a.members[role].token });
    if (allowed(role, "member:manage")) expect(r.data?.membershipAdd.membership?.role).toBe("ANALYST");
    else expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it.each(ALL_ROLES)("%s: API keys only with apikey:manage", async (role) => {
    const created = await execute(t.graphqlUrl, CreateKey, { input: { name: "k", role: "ANALYST" } }, { token: a.members[role].token });
    const listed = await execute(t.graphqlUrl, ListKeys, {}, { token: a.members[role].token });
    if (allowed(role, "apikey:manage")) {
      expect(created.data?.apiKeyCreate.secret).toMatch(/^sk_/);
      expect(listed.data?.apiKeys.edges.length).toBeGreaterThan(0);
    } else {
      expect(created.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(listed.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
  });

  it.each(ALL_ROLES)("%s: may read members, the tenant and the audit trail (ANALYST and up)", async (role) => {
    const members = await executeOk(t.graphqlUrl, Members, {}, { token: a.members[role].token });
    expect(members.memberships.edges.length).toBeGreaterThanOrEqual(5);
    const audit = await executeOk(t.graphqlUrl, Audit, { first: 5 }, { token: a.members[role].token });
    expect(audit.auditEntries.edges.length).toBeGreaterThan(0);
  });

  it("an API key scoped to lead:read cannot read the audit trail its role could", async () => {
    const key = await executeOk(t.graphqlUrl, CreateKey, { input: { name: "narrow", role: "ANALYST", scopes: ["LEAD_READ"] } }, { token: a.members.ADMIN.token });
    const r = await execute(t.graphqlUrl, Audit, { first: 5 }, { token: key.apiKeyCreate.secret! });
    expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("membership rules", () => {
  it("no one can give a role above their own; an ADMIN cannot demote an OWNER", async () => {
    const up = await executeOk(t.graphqlUrl, AddMember, { input: { email: "boss@x.example", role: "OWNER" } }, { token: a.members.ADMIN.token });
    expect(up.membershipAdd.userErrors[0]).toMatchObject({ code: "ROLE_NOT_ASSIGNABLE", field: ["input", "role"] });
    const demote = await executeOk(
      t.graphqlUrl,
      ChangeRole,
      { input: { membershipId: encodeGlobalID("Membership", a.members.OWNER.membershipId), role: "ANALYST" } },
      { token: a.members.ADMIN.token },
    );
    expect(demote.membershipChangeRole.userErrors[0]?.code).toBe("ROLE_NOT_ASSIGNABLE");
  });

  it("the last OWNER cannot demote or remove themselves; with a second owner they can", async () => {
    const owner = a.members.OWNER;
    const ownerId = encodeGlobalID("Membership", owner.membershipId);
    const demote = await executeOk(t.graphqlUrl, ChangeRole, { input: { membershipId: ownerId, role: "ADMIN" } }, { token: owner.token });
    expect(demote.membershipChangeRole.userErrors[0]).toMatchObject({ code: "LAST_OWNER" });
    const remove = await executeOk(t.graphqlUrl, RemoveMember, { input: { membershipId: ownerId } }, { token: owner.token });
    expect(remove.membershipRemove.userErrors[0]).toMatchObject({ code: "LAST_OWNER" });

    const second = await executeOk(t.graphqlUrl, AddMember, { input: { email: "second-owner@x.example", role: "OWNER" } }, { token: owner.token });
    expect(second.membershipAdd.membership?.role).toBe("OWNER");
    const secondId = second.membershipAdd.membership!.id;
    // Both owners demoting each other at the same moment must not leave the tenant without one.
    const secondToken = await t.app.authenticator.issueUserToken(
      { userId: (await asOwner(t.db, async (c) => (await c.query(`SELECT "userId" FROM "Membership" WHERE id = $1`, [decodeId(secondId)])).rows[0].userId)), tenantId: a.tenantId },
      600,
    );
    const [r1, r2] = await Promise.all([
      executeOk(t.graphqlUrl, ChangeRole, { input: { membershipId: secondId, role: "ADMIN" } }, { token: owner.token }),
      executeOk(t.graphqlUrl, ChangeRole, { input: { membershipId: ownerId, role: "ADMIN" } }, { token: secondToken }),
    ]);
    // Exactly one wins. The loser is refused either inside the locked check (LAST_OWNER) or, when the
    // winner committed before the loser authenticated, because an ADMIN cannot change an OWNER.
    const codes = [r1.membershipChangeRole.userErrors[0]?.code ?? "ok", r2.membershipChangeRole.userErrors[0]?.code ?? "ok"];
    expect(codes.filter((c) => c === "ok")).toHaveLength(1);
    expect(["LAST_OWNER", "ROLE_NOT_ASSIGNABLE"]).toContain(codes.find((c) => c !== "ok"));
    const owners = await asOwner(t.db, async (c) =>
      (await c.query(`SELECT count(*)::int AS n FROM "Membership" WHERE "tenantId" = $1 AND role = 'OWNER'`, [a.tenantId])).rows[0].n,
    );
    expect(owners).toBe(1);
  });

  it("adding an existing member again is a CONFLICT and changes nothing", async () => {
    const r = await executeOk(t.graphqlUrl, AddMember, { input: { email: a.members.ANALYST.email.toUpperCase(), role: "OPERATOR" } }, { token: a.members.ADMIN.token });
    expect(r.membershipAdd.userErrors[0]).toMatchObject({ code: "CONFLICT", field: ["input", "email"] });
  });

  it("invalid input comes back as userErrors with the field", async () => {
    const r = await executeOk(t.graphqlUrl, AddMember, { input: { email: "not-an-email", role: "ANALYST" } }, { token: a.members.ADMIN.token });
    expect(r.membershipAdd.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "email"] });
    const s = await executeOk(t.graphqlUrl, UpdateSettings, { input: { settings: { general: { currency: "euro" } } } }, { token: a.members.ADMIN.token });
    expect(s.tenantUpdateSettings.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "settings", "general", "currency"] });
  });
});

function decodeId(globalId: string): string {
  return Buffer.from(globalId, "base64").toString().split(":")[1]!;
}

describe("cross-tenant access by global id", () => {
  it("another tenant's objects read as not found through node()", async () => {
    for (const id of [
      encodeGlobalID("Membership", b.members.OWNER.membershipId),
      encodeGlobalID("Tenant", b.tenantId),
      encodeGlobalID("User", b.members.OWNER.userId),
    ]) {
      const r = await executeOk(t.graphqlUrl, Node, { id }, { token: a.members.OWNER.token });
      expect(r.node).toBeNull();
    }
    const own = await executeOk(t.graphqlUrl, Node, { id: encodeGlobalID("Membership", a.members.ANALYST.membershipId) }, { token: a.members.OWNER.token });
    expect(own.node?.__typename).toBe("Membership");
  });

  it("mutations on another tenant's ids say NOT_FOUND and change nothing", async () => {
    const before = await asOwner(t.db, async (c) => (await c.query(`SELECT role FROM "Membership" WHERE id = $1`, [b.members.ANALYST.membershipId])).rows[0].role);
    const change = await executeOk(
      t.graphqlUrl,
      ChangeRole,
      { input: { membershipId: encodeGlobalID("Membership", b.members.ANALYST.membershipId), role: "OPERATOR" } },
      { token: a.members.OWNER.token },
    );
    expect(change.membershipChangeRole.userErrors[0]).toMatchObject({ code: "NOT_FOUND", field: ["input", "membershipId"] });
    const remove = await executeOk(
      t.graphqlUrl,
      RemoveMember,
      { input: { membershipId: encodeGlobalID("Membership", b.members.ANALYST.membershipId) } },
      { token: a.members.OWNER.token },
    );
    expect(remove.membershipRemove.userErrors[0]?.code).toBe("NOT_FOUND");
    const after = await asOwner(t.db, async (c) => (await c.query(`SELECT role FROM "Membership" WHERE id = $1`, [b.members.ANALYST.membershipId])).rows[0].role);
    expect(after).toBe(before);
  });

  it("a global id of the wrong type or garbage is NOT_FOUND, not an error", async () => {
    const wrongType = await executeOk(t.graphqlUrl, RemoveMember, { input: { membershipId: encodeGlobalID("ApiKey", a.members.ANALYST.membershipId) } }, { token: a.members.OWNER.token });
    expect(wrongType.membershipRemove.userErrors[0]?.code).toBe("NOT_FOUND");
    const garbage = await executeOk(t.graphqlUrl, RemoveMember, { input: { membershipId: "%%%" } }, { token: a.members.OWNER.token });
    expect(garbage.membershipRemove.userErrors[0]?.code).toBe("NOT_FOUND");
  });

  it("lists never include another tenant's rows", async () => {
    // Rows that certainly exist in each tenant: a member added through the API, and its audit entry.
    const stamp = Date.now();
    const onlyInA = `only-in-a-${stamp}@x.example`;
    const onlyInB = `only-in-b-${stamp}@x.example`;
    expect((await executeOk(t.graphqlUrl, AddMember, { input: { email: onlyInA, role: "ANALYST" } }, { token: a.members.ADMIN.token })).membershipAdd.userErrors).toEqual([]);
    expect((await executeOk(t.graphqlUrl, AddMember, { input: { email: onlyInB, role: "ANALYST" } }, { token: b.members.ADMIN.token })).membershipAdd.userErrors).toEqual([]);

    const emailsOf = async (tenant: TestTenant) =>
      (await executeOk(t.graphqlUrl, Members, {}, { token: tenant.members.ANALYST.token })).memberships.edges.map((e) => e.node.user.email);
    const auditIdsOf = async (tenant: TestTenant) =>
      (await executeOk(t.graphqlUrl, Audit, { filter: { action: "membership.added" }, first: 100 }, { token: tenant.members.ANALYST.token })).auditEntries.edges.map((e) => e.node.id);

    // Each tenant sees its own rows (so an empty answer cannot pass for isolation)…
    const [aEmails, bEmails] = [await emailsOf(a), await emailsOf(b)];
    expect(aEmails).toContain(onlyInA);
    expect(bEmails).toContain(onlyInB);
    const [aAudit, bAudit] = [await auditIdsOf(a), await auditIdsOf(b)];
    expect(aAudit.length).toBeGreaterThan(0);
    expect(bAudit.length).toBeGreaterThan(0);
    // …and none of the other's.
    expect(bEmails).not.toContain(onlyInA);
    expect(aEmails).not.toContain(onlyInB);
    expect(bEmails.filter((e) => e.endsWith(`@${a.slug}.example`))).toEqual([]);
    expect(bAudit.filter((id) => aAudit.includes(id))).toEqual([]);
  });
});

describe("audit trail", () => {
  it("records who did what to which object, redacted, with the request id; filterable and paginated", async () => {
    const requestId = `req-${Date.now()}`;
    await execute(t.graphqlUrl, AddMember, { input: { email: "audited.person@x.example", role: "OPERATOR" } }, {
      token: a.members.ADMIN.token,
      headers: { "x-request-id": requestId, traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    });
    const found = await executeOk(t.graphqlUrl, Audit, { filter: { action: "membership.added", actorId: a.members.ADMIN.userId }, first: 50 }, { token: a.members.ANALYST.token });
    const entry = found.auditEntries.edges.map((e) => e.node).find((n) => n.requestId === requestId);
    expect(entry).toMatchObject({ action: "membership.added", actorType: "USER", actorId: a.members.ADMIN.userId, targetType: "Membership" });
    expect(JSON.stringify(entry!.summary)).not.toContain("audited.person@x.example");
    expect(JSON.stringify(entry!.summary)).toContain("a***@x.example");
    const traced = await asOwner(t.db, async (c) => (await c.query(`SELECT "traceId" FROM "AuditEntry" WHERE "requestId" = $1`, [requestId])).rows[0]);
    expect(traced.traceId).toBe("0af7651916cd43dd8448eb211c80319c");

    const prefix = await executeOk(t.graphqlUrl, Audit, { filter: { action: "membership." }, first: 2 }, { token: a.members.ANALYST.token });
    expect(prefix.auditEntries.edges).toHaveLength(2);
    expect(prefix.auditEntries.pageInfo.hasNextPage).toBe(true);
    const next = await executeOk(t.graphqlUrl, Audit, { filter: { action: "membership." }, first: 2, after: prefix.auditEntries.pageInfo.endCursor }, { token: a.members.ANALYST.token });
    const firstIds = prefix.auditEntries.edges.map((e) => e.node.id);
    expect(next.auditEntries.edges.every((e) => !firstIds.includes(e.node.id) && e.node.action.startsWith("membership."))).toBe(true);
  });
});
