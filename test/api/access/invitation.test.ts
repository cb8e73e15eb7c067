// Invitations over the real service: membershipInvite (member:manage, never a
// role above the inviter's), the link shown once, accepted on a first sign-in
// (the new member signs in with the token they get) or by a signed-in person
// of another tenant (their account is bound); expired, reused, forged,
// replaced (resend) and revoked links refused; the draft to the invitee;
// audit entries and sales.invitation.* events; tenants kept apart.
import { randomUUID } from "node:crypto";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invitationKey, signInvitationToken } from "../../../src/domain/access/invitation.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { patchSettings, sql } from "../../helpers/operator.js";

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown>, token?: string) {
  return execute<T, Record<string, unknown>>(t.graphqlUrl, query, variables, token ? { token } : {});
}

const Invite = `mutation($input: MembershipInviteInput!) {
  membershipInvite(input: $input) { token acceptUrl draftId invitation { id email role state expiresAt sendCount } userErrors { code field message } }
}`;
const Accept = `mutation($input: InvitationAcceptInput!) {
  invitationAccept(input: $input) { tenantId membershipId signInToken userErrors { code field message } }
}`;
const Resend = `mutation($input: InvitationResendInput!) {
  invitationResend(input: $input) { token invitation { id state sendCount } userErrors { code field message } }
}`;
const Revoke = `mutation($input: InvitationRevokeInput!) { invitationRevoke(input: $input) { invitation { id state } userErrors { code field message } } }`;
const Invitations = `query($filter: InvitationFilter) { invitations(first: 50, filter: $filter) { edges { node { id email role state invitedBy } } } }`;
const Me = `query { me { role tenant { id slug } user { id email } } }`;

let n = 0;
const uuidOf = (globalId: string) => Buffer.from(globalId, "base64").toString().split(":")[1]!;
const address = (prefix = "colleague") => `${prefix}${++n}-${randomUUID().slice(0, 6)}@new-hire.example`;

async function invite(tenant: TestTenant, email: string, role = "OPERATOR", by: keyof TestTenant["members"] = "ADMIN", extra: Record<string, unknown> = {}) {
  const r = await gql(Invite, { input: { email, role, ...extra } }, tenant.members[by].token);
  expect(r.errors).toBeUndefined();
  return r.data!.membershipInvite as { token: string | null; acceptUrl: string | null; draftId: string | null; invitation: { id: string; state: string } | null; userErrors: { code: string }[] };
}

beforeAll(async () => {
  t = await startTestApp();
  a = await createTenant(t, "inv-a");
  b = await createTenant(t, "inv-b");
  await patchSettings(t.db, a.tenantId, { sending: { mailboxes: ["team@inv-a.example"] } });
}, 60_000);
afterAll(() => t?.close());

describe("inviting", () => {
  it("an ADMIN invites; the link is shown once, only its hash is stored; audited and evented", async () => {
    const email = address();
    const r = await invite(a, email.toUpperCase(), "MANAGER");
    expect(r.userErrors).toEqual([]);
    expect(r.token).toMatch(/^inv_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(r.acceptUrl).toBe(`${t.url}/invitations/accept#token=${r.token}`);
    expect(r.invitation).toMatchObject({ email, role: "MANAGER", state: "PENDING", sendCount: 1 });
    const rows = await sql<Record<string, unknown>>(t.db, `SELECT * FROM "Invitation" WHERE "email" = $1`, [email]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(r.token!.slice(4, 40));
    const id = rows[0]!.id as string;
    expect(await sql(t.db, `SELECT "action", "actorId" FROM "AuditEntry" WHERE "targetId" = $1`, [id])).toEqual([
      { action: "invitation.created", actorId: a.members.ADMIN.userId },
    ]);
    const events = await sql<{ type: string; payload: Record<string, unknown> }>(t.db, `SELECT "type", "payload" FROM "OutboxEvent" WHERE "payload"->>'invitationId' = $1`, [id]);
    expect(events.map((e) => e.type)).toEqual(["sales.invitation.created"]);
    expect(JSON.stringify(events)).not.toContain(email);
    // Every member may see the pending invitations of their own tenant.
    const listed = await gql(Invitations, {}, a.members.ANALYST.token);
    expect(listed.data!.invitations.edges.map((e: { node: { email: string } }) => e.node.email)).toContain(email);
    // A second invitation to the same address is refused while one is pending.
    expect((await invite(a, email)).userErrors).toMatchObject([{ code: "CONFLICT" }]);
  });

  it("never for a role above the inviter's; below ADMIN nobody invites; an existing member is not invited", async () => {
    expect((await invite(a, address(), "OWNER", "ADMIN")).userErrors).toMatchObject([{ code: "ROLE_NOT_ASSIGNABLE", field: ["input", "role"] }]);
    expect((await invite(a, address(), "OWNER", "OWNER")).userErrors).toEqual([]);
    for (const role of ["MANAGER", "OPERATOR", "ANALYST"] as const) {
      const r = await gql(Invite, { input: { email: address(), role: "ANALYST" } }, a.members[role].token);
      expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    expect((await invite(a, a.members.OPERATOR.email)).userErrors).toMatchObject([{ code: "CONFLICT", field: ["input", "email"] }]);
    const bad = await gql(Invite, { input: { email: "not-an-address", role: "ANALYST", expiresInHours: 0 } }, a.members.ADMIN.token);
    expect(bad.data!.membershipInvite.userErrors.map((e: { field: string[] }) => e.field.join("."))).toEqual(["input.email", "input.expiresInHours"]);
  });

  it("puts the link into a draft to the invitee when asked, through the normal draft path", async () => {
    const email = address("drafted");
    const r = await invite(a, email, "ANALYST", "ADMIN", { draftEmail: true });
    expect(r.userErrors).toEqual([]);
    const draftId = Buffer.from(r.draftId!, "base64").toString().split(":")[1];
    const [draft] = await sql<{ status: string; recipientEmail: string; bodyText: string }>(
      t.db,
      `SELECT "status"::text AS status, "recipientEmail", "bodyText" FROM "Draft" WHERE "id" = $1`,
      [draftId],
    );
    expect(draft).toMatchObject({ recipientEmail: email });
    expect(draft!.status).toBe("PENDING_REVIEW");
    expect(draft!.bodyText).toContain(r.acceptUrl!);
  });
});

describe("accepting", () => {
  it("on a first sign-in: the invited address's account gets the membership and a token it signs in with; the link works once", async () => {
    const email = address("first");
    const { token } = await invite(a, email, "OPERATOR");
    const accepted = await gql(Accept, { input: { token, name: "Fiona First" } });
    const payload = accepted.data!.invitationAccept;
    expect(payload.userErrors).toEqual([]);
    expect(payload.tenantId).toBe(encodeGlobalID("Tenant", a.tenantId));
    const me = await gql(Me, {}, payload.signInToken);
    expect(me.data!.me).toMatchObject({ role: "OPERATOR", tenant: { slug: a.slug }, user: { email } });
    const [membership] = await sql<{ displayName: string; role: string }>(
      t.db,
      `SELECT m."displayName", m."role"::text AS role FROM "Membership" m JOIN "User" u ON u."id" = m."userId" WHERE m."tenantId" = $1 AND u."email" = $2`,
      [a.tenantId, email],
    );
    expect(membership).toEqual({ displayName: "Fiona First", role: "OPERATOR" });
    // Reused: refused, nothing added.
    const again = await gql(Accept, { input: { token } });
    expect(again.data!.invitationAccept.userErrors).toMatchObject([{ code: "INVITATION_ALREADY_USED" }]);
    const state = await gql(Invitations, { filter: { state: "ACCEPTED" } }, a.members.ADMIN.token);
    expect(state.data!.invitations.edges.map((e: { node: { email: string } }) => e.node.email)).toContain(email);
    const audit = await sql<{ action: string; actorLabel: string }>(
      t.db,
      `SELECT "action", "actorLabel" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'invitation.accepted' AND "summary"->>'userId' = $2`,
      [a.tenantId, uuidOf(me.data!.me.user.id)],
    );
    expect(audit).toHaveLength(1);
    const events = await sql<{ type: string }>(
      t.db,
      `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "payload"->>'userId' = $2 ORDER BY "createdAt", "id"`,
      [a.tenantId, uuidOf(me.data!.me.user.id)],
    );
    expect(events.map((e) => e.type)).toEqual(["sales.invitation.accepted", "sales.membership.added"]);
  });

  it("signed in as someone else (another tenant's member): binds that account", async () => {
    const { token } = await invite(a, address("bound"), "ANALYST");
    const who = b.members.MANAGER;
    const accepted = await gql(Accept, { input: { token } }, who.token);
    expect(accepted.data!.invitationAccept.userErrors).toEqual([]);
    const me = await gql(Me, {}, accepted.data!.invitationAccept.signInToken);
    expect(me.data!.me).toMatchObject({ role: "ANALYST", tenant: { slug: a.slug }, user: { id: encodeGlobalID("User", who.userId) } });
    // Their own tenant is untouched.
    expect((await gql(Me, {}, who.token)).data!.me).toMatchObject({ role: "MANAGER", tenant: { slug: b.slug } });
    // Already a member: a second invitation of theirs is refused as such.
    const second = await invite(a, address("bound-again"), "ANALYST");
    expect((await gql(Accept, { input: { token: second.token } }, who.token)).data!.invitationAccept.userErrors).toMatchObject([{ code: "CONFLICT" }]);
  });

  it("refuses expired, forged, replaced and revoked links", async () => {
    // Expired (the stored expiry passed).
    const expired = await invite(a, address("late"));
    await sql(t.db, `UPDATE "Invitation" SET "expiresAt" = now() - interval '1 minute' WHERE "id" = $1`, [
      Buffer.from(expired.invitation!.id, "base64").toString().split(":")[1],
    ]);
    expect((await gql(Accept, { input: { token: expired.token } })).data!.invitationAccept.userErrors).toMatchObject([{ code: "INVITATION_EXPIRED" }]);
    const listed = await gql(Invitations, { filter: { state: "EXPIRED" } }, a.members.ADMIN.token);
    expect(listed.data!.invitations.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(expired.invitation!.id);
    // Expired by its own (genuinely signed) claim.
    const key = invitationKey(t.app.services.mail.unsubscribeSecret);
    const stale = signInvitationToken(key, { tenantId: a.tenantId, invitationId: randomUUID(), expiresAt: new Date(Date.now() - 1000) });
    expect((await gql(Accept, { input: { token: stale } })).data!.invitationAccept.userErrors).toMatchObject([{ code: "INVITATION_EXPIRED" }]);

    // Forged: signed with another key, altered, invented, or genuine-looking for an invitation that does not exist.
    const live = await invite(a, address("target"), "ADMIN");
    const otherKey = invitationKey("some-other-secret-that-is-long-enough-0000000");
    const [payload, signature] = live.token!.slice(4).split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const upgraded = Buffer.from(JSON.stringify({ ...claims, t: b.tenantId })).toString("base64url");
    for (const forged of [
      signInvitationToken(otherKey, { tenantId: a.tenantId, invitationId: claims.i, expiresAt: new Date(Date.now() + 60_000) }),
      `inv_${upgraded}.${signature}`,
      "inv_made-up.token",
      signInvitationToken(key, { tenantId: a.tenantId, invitationId: randomUUID(), expiresAt: new Date(Date.now() + 60_000) }),
    ]) {
      expect((await gql(Accept, { input: { token: forged } })).data!.invitationAccept.userErrors).toMatchObject([{ code: "INVITATION_INVALID" }]);
    }

    // Replaced by a resend: the old link stops working, the new one works.
    const resent = await gql(Resend, { input: { invitationId: live.invitation!.id } }, a.members.ADMIN.token);
    expect(resent.data!.invitationResend).toMatchObject({ userErrors: [], invitation: { state: "PENDING", sendCount: 2 } });
    expect(resent.data!.invitationResend.token).not.toBe(live.token);
    expect((await gql(Accept, { input: { token: live.token } })).data!.invitationAccept.userErrors).toMatchObject([{ code: "INVITATION_INVALID" }]);

    // Revoked: refused, and revoking twice says so. (A MANAGER may not revoke at all.)
    expect((await gql(Revoke, { input: { invitationId: live.invitation!.id } }, a.members.MANAGER.token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const revoked = await gql(Revoke, { input: { invitationId: live.invitation!.id } }, a.members.ADMIN.token);
    expect(revoked.data!.invitationRevoke).toMatchObject({ userErrors: [], invitation: { state: "REVOKED" } });
    expect((await gql(Accept, { input: { token: resent.data!.invitationResend.token } })).data!.invitationAccept.userErrors).toMatchObject([
      { code: "INVITATION_INVALID" },
    ]);
    expect((await gql(Revoke, { input: { invitationId: live.invitation!.id } }, a.members.ADMIN.token)).data!.invitationRevoke.userErrors).toMatchObject([
      { code: "ALREADY_REVOKED" },
    ]);
    const id = Buffer.from(live.invitation!.id, "base64").toString().split(":")[1];
    expect((await sql<{ action: string }>(t.db, `SELECT "action" FROM "AuditEntry" WHERE "targetId" = $1 ORDER BY "createdAt", "id"`, [id])).map((r) => r.action)).toEqual([
      "invitation.created",
      "invitation.resent",
      "invitation.revoked",
    ]);
    // Nobody joined through any of these.
    expect(await sql(t.db, `SELECT 1 FROM "Membership" m JOIN "User" u ON u."id" = m."userId" WHERE u."email" LIKE 'target%'`)).toEqual([]);
  });

  it("a suspended tenant's invitation cannot be accepted until it is resumed", async () => {
    const pending = await invite(b, address("waiting"));
    await sql(t.db, `INSERT INTO "TenantSuspension" ("tenantId", "reason", "suspendedBy") VALUES ($1, 'test', 'platform:test')`, [b.tenantId]);
    try {
      expect((await gql(Accept, { input: { token: pending.token } })).data!.invitationAccept.userErrors).toMatchObject([{ code: "TENANT_SUSPENDED" }]);
    } finally {
      await sql(t.db, `DELETE FROM "TenantSuspension" WHERE "tenantId" = $1`, [b.tenantId]);
    }
    expect((await gql(Accept, { input: { token: pending.token } })).data!.invitationAccept.userErrors).toEqual([]);
  });

  it("an ADMIN cannot resend or revoke an OWNER's invitation", async () => {
    const owners = await invite(a, address("future-owner"), "OWNER", "OWNER");
    for (const m of [Resend, Revoke]) {
      const r = await gql(m, { input: { invitationId: owners.invitation!.id } }, a.members.ADMIN.token);
      const payload = Object.values(r.data!)[0] as { userErrors: { code: string }[] };
      expect(payload.userErrors).toMatchObject([{ code: "ROLE_NOT_ASSIGNABLE" }]);
    }
  });
});

describe("tenants apart", () => {
  it("another tenant neither sees nor touches an invitation, and its token cannot be turned into one of theirs", async () => {
    const mine = await invite(a, address("private"));
    const theirs = await gql(Invitations, {}, b.members.OWNER.token);
    const theirIds = theirs.data!.invitations.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(theirIds).not.toContain(mine.invitation!.id);
    expect(JSON.stringify(theirs.data)).not.toContain("private");
    for (const m of [Resend, Revoke]) {
      const r = await gql(m, { input: { invitationId: mine.invitation!.id } }, b.members.OWNER.token);
      expect((Object.values(r.data!)[0] as { userErrors: { code: string }[] }).userErrors).toMatchObject([{ code: "NOT_FOUND" }]);
    }
    expect(await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "targetId" = $2`, [b.tenantId, uuidOf(mine.invitation!.id)])).toEqual([]);
    expect(
      (await sql<{ action: string }>(t.db, `SELECT "action" FROM "AuditEntry" WHERE "targetId" = $1`, [uuidOf(mine.invitation!.id)])).map((r) => r.action),
    ).toEqual(["invitation.created"]);
  });
});
