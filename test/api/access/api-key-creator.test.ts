// API keys act for their creator: on every request a key's role and scopes
// are intersected with the creator's CURRENT membership. Demotion demotes the
// key, removal stops it (401, and `apiKeys` says CREATOR_REMOVED), re-adding
// the person brings it back at the new role, and an OWNER can re-issue a key
// to another member. The old exploit — a removed ADMIN's key re-adding its
// creator as ADMIN — is refused.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { asOwner } from "../../helpers/database.js";
import { execute, executeOk } from "../../helpers/graphql.js";

const AddMember = graphql(`
  mutation KeyCreatorAddMember($input: MembershipAddInput!) {
    membershipAdd(input: $input) { membership { id role user { id } } userErrors { code field message } }
  }
`);
const ChangeRole = graphql(`
  mutation KeyCreatorChangeRole($input: MembershipChangeRoleInput!) {
    membershipChangeRole(input: $input) { membership { id role } userErrors { code field message } }
  }
`);
const RemoveMember = graphql(`
  mutation KeyCreatorRemoveMember($input: MembershipRemoveInput!) {
    membershipRemove(input: $input) { removedMembershipId userErrors { code field message } }
  }
`);
const CreateKey = graphql(`
  mutation KeyCreatorCreateKey($input: ApiKeyCreateInput!) {
    apiKeyCreate(input: $input) { apiKey { id } secret userErrors { code field message } }
  }
`);
const Reissue = graphql(`
  mutation KeyCreatorReissue($input: ApiKeyReissueInput!) {
    apiKeyReissue(input: $input) {
      apiKey { id name role scopes status effectiveRole createdById expiresAt }
      secret
      revokedApiKeyId
      userErrors { code field message }
    }
  }
`);
const ListKeys = graphql(`
  query KeyCreatorListKeys {
    apiKeys(first: 100) { edges { node { id prefix role scopes status effectiveRole effectivePermissions createdById revokedAt } } }
  }
`);
const Me = graphql(`
  query KeyCreatorMe {
    me { kind role permissions }
  }
`);

const rawId = (globalId: string) => Buffer.from(globalId, "base64").toString().split(":")[1]!;

interface Person {
  userId: string;
  membershipId: string;
  token: string;
  email: string;
}

describe("API keys follow their creator", () => {
  let t: TestApp;
  let a: TestTenant;
  let counter = 0;
  beforeAll(async () => {
    t = await startTestApp();
    a = await createTenant(t);
  });
  afterAll(() => t?.close());

  const owner = () => a.members.OWNER.token;

  async function addPerson(role: "ADMIN" | "MANAGER" | "OPERATOR" | "ANALYST", email = `person-${++counter}@keys.example`): Promise<Person> {
    const r = await executeOk(t.graphqlUrl, AddMember, { input: { email, role } }, { token: owner() });
    expect(r.membershipAdd.userErrors).toEqual([]);
    const membership = r.membershipAdd.membership!;
    const userId = rawId(membership.user.id);
    const token = await t.app.authenticator.issueUserToken({ userId, tenantId: a.tenantId }, 3600);
    return { userId, membershipId: membership.id, token, email };
  }

  async function createKey(creator: Person, role: "ADMIN" | "MANAGER" | "OPERATOR" | "ANALYST", scopes?: string[]) {
    const r = await executeOk(
      t.graphqlUrl,
      CreateKey,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      { input: { name: `key-${++counter}`, role, ...(scopes ? { scopes: scopes as any } : {}) } },
      { token: creator.token },
    );
    expect(r.apiKeyCreate.userErrors).toEqual([]);
    return { id: r.apiKeyCreate.apiKey!.id, secret: r.apiKeyCreate.secret! };
  }

  async function listed(keyId: string) {
    const r = await executeOk(t.graphqlUrl, ListKeys, {}, { token: owner() });
    const node = r.apiKeys.edges.map((e) => e.node).find((n) => n.id === keyId);
    expect(node, `key ${keyId} in apiKeys`).toBeTruthy();
    return node!;
  }

  const asKey = (secret: string) => ({ headers: { "x-api-key": secret } });

  it("a demoted creator's key is demoted with them, at once", async () => {
    const admin = await addPerson("ADMIN");
    const key = await createKey(admin, "ADMIN");
    expect((await executeOk(t.graphqlUrl, Me, {}, asKey(key.secret))).me.role).toBe("ADMIN");

    const demoted = await executeOk(t.graphqlUrl, ChangeRole, { input: { membershipId: admin.membershipId, role: "ANALYST" } }, { token: owner() });
    expect(demoted.membershipChangeRole.userErrors).toEqual([]);

    const me = (await executeOk(t.graphqlUrl, Me, {}, asKey(key.secret))).me;
    expect(me).toMatchObject({ kind: "API_KEY", role: "ANALYST" });
    expect(me.permissions).not.toContain("MEMBER_MANAGE");
    expect(me.permissions).not.toContain("APIKEY_MANAGE");
    // What the demoted key can no longer do.
    const add = await execute(t.graphqlUrl, AddMember, { input: { email: `x-${++counter}@keys.example`, role: "ADMIN" } }, asKey(key.secret));
    expect(add.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const node = await listed(key.id);
    expect(node).toMatchObject({ role: "ADMIN", status: "ACTIVE", effectiveRole: "ANALYST" });
    expect(node.effectivePermissions).not.toContain("MEMBER_MANAGE");
    expect(node.createdById).toBe(encodeGlobalID("User", admin.userId));
  });

  it("a scoped key keeps only the scopes its creator's current role still has", async () => {
    const admin = await addPerson("ADMIN");
    const key = await createKey(admin, "ADMIN", ["LEAD_READ", "MEMBER_MANAGE", "DRAFT_APPROVE"]);
    expect((await executeOk(t.graphqlUrl, Me, {}, asKey(key.secret))).me.permissions).toEqual(["DRAFT_APPROVE", "LEAD_READ", "MEMBER_MANAGE"]);
    await executeOk(t.graphqlUrl, ChangeRole, { input: { membershipId: admin.membershipId, role: "ANALYST" } }, { token: owner() });
    const me = (await executeOk(t.graphqlUrl, Me, {}, asKey(key.secret))).me;
    expect(me.role).toBe("ANALYST");
    expect(me.permissions).toEqual(["LEAD_READ"]);
    expect((await listed(key.id)).effectivePermissions).toEqual(["LEAD_READ"]);
  });

  it("a removed creator's keys stop working with a clear 401, say so in apiKeys, and cannot re-add their creator", async () => {
    const admin = await addPerson("ADMIN");
    const key = await createKey(admin, "ADMIN");
    const removed = await executeOk(t.graphqlUrl, RemoveMember, { input: { membershipId: admin.membershipId } }, { token: owner() });
    expect(removed.membershipRemove.userErrors).toEqual([]);

    const me = await execute(t.graphqlUrl, Me, {}, asKey(key.secret));
    expect(me.status).toBe(401);
    expect(me.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(me.errors?.[0]?.message).toMatch(/creator is no longer a member/);
    expect(me.errors?.[0]?.message).toMatch(/apiKeyReissue/);

    // The exploit seen from outside: the removed ADMIN's key re-adding its creator as ADMIN.
    const exploit = await execute(t.graphqlUrl, AddMember, { input: { email: admin.email, role: "ADMIN" } }, asKey(key.secret));
    expect(exploit.status).toBe(401);
    expect(exploit.data?.membershipAdd).toBeFalsy();
    const back = await asOwner(t.db, async (c) =>
      (await c.query(`SELECT count(*)::int AS n FROM "Membership" WHERE "tenantId" = $1 AND "userId" = $2`, [a.tenantId, admin.userId])).rows[0].n,
    );
    expect(back).toBe(0);

    expect(await listed(key.id)).toMatchObject({ status: "CREATOR_REMOVED", effectiveRole: null, effectivePermissions: [], revokedAt: null });
  });

  it("re-adding the creator brings the key back at the new membership's role, never above the key's own", async () => {
    const admin = await addPerson("ADMIN");
    const key = await createKey(admin, "MANAGER");
    await executeOk(t.graphqlUrl, RemoveMember, { input: { membershipId: admin.membershipId } }, { token: owner() });
    expect((await execute(t.graphqlUrl, Me, {}, asKey(key.secret))).status).toBe(401);

    // Back as OPERATOR: the key works at OPERATOR.
    const readded = await executeOk(t.graphqlUrl, AddMember, { input: { email: admin.email, role: "OPERATOR" } }, { token: owner() });
    expect(readded.membershipAdd.userErrors).toEqual([]);
    expect((await executeOk(t.graphqlUrl, Me, {}, asKey(key.secret))).me.role).toBe("OPERATOR");
    expect(await listed(key.id)).toMatchObject({ status: "ACTIVE", role: "MANAGER", effectiveRole: "OPERATOR" });

    // Promoted to ADMIN: the key is capped at its own MANAGER role.
    await executeOk(t.graphqlUrl, ChangeRole, { input: { membershipId: readded.membershipAdd.membership!.id, role: "ADMIN" } }, { token: owner() });
    expect((await executeOk(t.graphqlUrl, Me, {}, asKey(key.secret))).me.role).toBe("MANAGER");
  });

  it("an OWNER re-issues a key to another member: new secret shown once, capped at their role, old key revoked, audited", async () => {
    const admin = await addPerson("ADMIN");
    const manager = await addPerson("MANAGER");
    const key = await createKey(admin, "ADMIN", ["LEAD_READ", "MEMBER_MANAGE"]);
    await executeOk(t.graphqlUrl, RemoveMember, { input: { membershipId: admin.membershipId } }, { token: owner() });

    const input = { apiKeyId: key.id, ownerId: encodeGlobalID("User", manager.userId), idempotencyKey: `reissue-${++counter}` };
    const r = await executeOk(t.graphqlUrl, Reissue, { input }, { token: owner() });
    expect(r.apiKeyReissue.userErrors).toEqual([]);
    expect(r.apiKeyReissue.secret).toMatch(/^sk_/);
    expect(r.apiKeyReissue.revokedApiKeyId).toBe(key.id);
    expect(r.apiKeyReissue.apiKey).toMatchObject({
      role: "MANAGER",
      scopes: ["LEAD_READ"],
      status: "ACTIVE",
      effectiveRole: "MANAGER",
      createdById: encodeGlobalID("User", manager.userId),
    });
    expect(r.apiKeyReissue.apiKey!.name).toMatch(/^key-/);

    const me = (await executeOk(t.graphqlUrl, Me, {}, asKey(r.apiKeyReissue.secret!))).me;
    expect(me).toMatchObject({ kind: "API_KEY", role: "MANAGER", permissions: ["LEAD_READ"] });
    const old = await execute(t.graphqlUrl, Me, {}, asKey(key.secret));
    expect(old.status).toBe(401);
    expect(old.errors?.[0]?.message).toMatch(/revoked/);
    expect(await listed(key.id)).toMatchObject({ status: "REVOKED" });

    // A replay returns the same key, never its secret again.
    const replay = await executeOk(t.graphqlUrl, Reissue, { input }, { token: owner() });
    expect(replay.apiKeyReissue.apiKey!.id).toBe(r.apiKeyReissue.apiKey!.id);
    expect(replay.apiKeyReissue.secret).toBeNull();

    const audit = await asOwner(t.db, async (c) =>
      (await c.query(`SELECT "actorLabel", summary FROM "AuditEntry" WHERE "tenantId" = $1 AND action = 'api_key.reissued'`, [a.tenantId])).rows,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].summary).toMatchObject({ previousKeyId: rawId(key.id), ownerId: manager.userId, role: "MANAGER", scopes: ["lead:read"], droppedScopes: ["member:manage"] });
  });

  it("re-issuing is for OWNERs only, to members only, and never widens a scoped key", async () => {
    const admin = await addPerson("ADMIN");
    const analyst = await addPerson("ANALYST");
    const key = await createKey(admin, "ADMIN", ["MEMBER_MANAGE"]);

    const byAdmin = await executeOk(t.graphqlUrl, Reissue, { input: { apiKeyId: key.id, ownerId: encodeGlobalID("User", analyst.userId) } }, { token: a.members.ADMIN.token });
    expect(byAdmin.apiKeyReissue.userErrors[0]).toMatchObject({ code: "FORBIDDEN" });
    expect(byAdmin.apiKeyReissue.secret).toBeNull();

    // The ANALYST has none of the key's scopes: an empty scope list would mean "everything", so it is refused.
    const narrowing = await executeOk(t.graphqlUrl, Reissue, { input: { apiKeyId: key.id, ownerId: encodeGlobalID("User", analyst.userId) } }, { token: owner() });
    expect(narrowing.apiKeyReissue.userErrors[0]).toMatchObject({ code: "ROLE_NOT_ASSIGNABLE", field: ["input", "ownerId"] });

    const stranger = await executeOk(
      t.graphqlUrl,
      Reissue,
      { input: { apiKeyId: key.id, ownerId: encodeGlobalID("User", "00000000-0000-4000-8000-000000000000") } },
      { token: owner() },
    );
    expect(stranger.apiKeyReissue.userErrors[0]).toMatchObject({ code: "NOT_FOUND", field: ["input", "ownerId"] });

    // Nothing changed: the key still works for its creator.
    expect((await listed(key.id)).status).toBe("ACTIVE");
  });
});
