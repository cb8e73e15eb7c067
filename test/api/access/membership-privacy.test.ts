// Adding a person by e-mail must not reveal anything about the account they
// may already have in other tenants (their name, how old the account is):
// the adding tenant sees only what it supplied, in the payload and in every
// later read (`memberships`, `node`). The person still sees their own name.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk } from "../../helpers/graphql.js";

const AddMember = graphql(`
  mutation PrivacyAddMember($input: MembershipAddInput!) {
    membershipAdd(input: $input) {
      membership { id role displayName createdAt updatedAt user { id email name createdAt } }
      userErrors { code field message }
    }
  }
`);
const Members = graphql(`
  query PrivacyMembers {
    memberships(first: 100) { edges { node { id displayName createdAt user { id email name createdAt } } } }
  }
`);
const UserNode = graphql(`
  query PrivacyUserNode($id: ID!) {
    node(id: $id) { ... on User { id email name createdAt } }
  }
`);
const Me = graphql(`
  query PrivacyMe {
    me { user { name email } }
  }
`);

describe("membershipAdd by e-mail reveals nothing of an existing account", () => {
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  beforeAll(async () => {
    t = await startTestApp();
    [a, b] = [await createTenant(t), await createTenant(t)];
  });
  afterAll(() => t?.close());

  it("shows the adding tenant only the e-mail it supplied, a name from it, and when the person joined", async () => {
    // A member of tenant A, known there by name, whose account is older than tenant B.
    const victim = a.members.MANAGER;
    const ownName = `MANAGER of ${a.slug}`;

    const added = await executeOk(t.graphqlUrl, AddMember, { input: { email: victim.email, role: "ANALYST" } }, { token: b.members.ADMIN.token });
    expect(added.membershipAdd.userErrors).toEqual([]);
    const membership = added.membershipAdd.membership!;
    const localPart = victim.email.split("@")[0]!;
    expect(membership.displayName).toBe(localPart);
    expect(membership.user).toMatchObject({ email: victim.email, name: localPart });
    expect(membership.user.createdAt).toBe(membership.createdAt);
    expect(JSON.stringify(added)).not.toContain(ownName);

    // Every later read in tenant B says the same.
    const listed = await executeOk(t.graphqlUrl, Members, {}, { token: b.members.OWNER.token });
    const row = listed.memberships.edges.map((e) => e.node).find((n) => n.id === membership.id)!;
    expect(row).toMatchObject({ displayName: localPart, user: { name: localPart, createdAt: membership.createdAt } });
    expect(JSON.stringify(listed)).not.toContain(ownName);
    const node = await executeOk(t.graphqlUrl, UserNode, { id: encodeGlobalID("User", victim.userId) }, { token: b.members.ANALYST.token });
    expect(node.node).toMatchObject({ email: victim.email, name: localPart, createdAt: membership.createdAt });

    // Tenant A still knows them by their name; and they see their own name everywhere.
    const inA = await executeOk(t.graphqlUrl, Members, {}, { token: a.members.OWNER.token });
    expect(inA.memberships.edges.map((e) => e.node).find((n) => n.user.email === victim.email)?.user.name).toBe(ownName);
    const selfToken = await t.app.authenticator.issueUserToken({ userId: victim.userId, tenantId: b.tenantId }, 600);
    expect((await executeOk(t.graphqlUrl, Me, {}, { token: selfToken })).me.user?.name).toBe(ownName);
  });

  it("uses the name the caller supplied, for an existing account too", async () => {
    const victim = a.members.OPERATOR;
    const added = await executeOk(
      t.graphqlUrl,
      AddMember,
      { input: { email: victim.email, name: "Our Contractor", role: "ANALYST" } },
      { token: b.members.ADMIN.token },
    );
    expect(added.membershipAdd.membership).toMatchObject({ displayName: "Our Contractor", user: { name: "Our Contractor" } });
    const inA = await executeOk(t.graphqlUrl, Members, {}, { token: a.members.OWNER.token });
    expect(inA.memberships.edges.map((e) => e.node).find((n) => n.user.email === victim.email)?.user.name).toBe(`OPERATOR of ${a.slug}`);
  });
});
