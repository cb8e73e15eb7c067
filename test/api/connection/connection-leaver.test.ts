// A member who leaves the tenant takes their personal connections with them
// (issue 10): membershipRemove over HTTP, against the wire-level fake Google
// (real OAuth flow, real Gmail SDK). Their own mailbox is REVOKED in the
// removal's transaction — tokens erased, sync stopped — audited and evented,
// and its grant revoked at Google after the commit (best effort, audited).
// The tenant's shared mailbox they connected stays, as does everyone else's,
// and the same person's connection in another tenant is not touched.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMembership } from "../../../src/orchestration/access/membership.js";
import { syncMailbox } from "../../../src/orchestration/connection/gmail-sync.js";
import type { FakeGoogle } from "../../fakes/google/server.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { connectGoogle, gmailRaw, inboundCount, startGmailTestApp } from "../../helpers/google.js";
import { sql, userActor } from "../../helpers/operator.js";

const REMOVE = `mutation LeaverRemove($input: MembershipRemoveInput!) { membershipRemove(input: $input) { removedMembershipId userErrors { code field message } } }`;

const OWN = "adele.own@leaver-a.example"; // the leaving ADMIN's own mailbox in tenant A
const SHARED = "sales@leaver-a.example"; // tenant A's shared mailbox, connected by her
const COLLEAGUE = "oscar.own@leaver-a.example"; // the OPERATOR's own mailbox in tenant A
const ELSEWHERE = "adele@leaver-b.example"; // her own mailbox as a member of tenant B

let t: TestApp;
let google: FakeGoogle;
let close: () => Promise<void>;
let a: TestTenant;
let b: TestTenant;
const ids: Record<string, string> = {};

interface ConnectionRow {
  status: string;
  revokedAt: Date | null;
  userId: string | null;
  credentials: number;
}

async function connectionRow(id: string): Promise<ConnectionRow> {
  const [row] = await sql<ConnectionRow>(
    t.db,
    `SELECT c."status"::text AS status, c."revokedAt", c."userId", (SELECT count(*)::int FROM "ConnectionCredential" k WHERE k."connectionId" = c."id") AS credentials FROM "Connection" c WHERE c."id" = $1`,
    [id],
  );
  return row!;
}

beforeAll(async () => {
  ({ t, google, close } = await startGmailTestApp({ CONNECTOR_RETRY_BASE_MS: "5" }));
  a = await createTenant(t, "leaver-a");
  b = await createTenant(t, "leaver-b");
  const mail = ["gmail.readonly", "gmail.send", "calendar.freebusy"];
  ids[OWN] = await connectGoogle(t, google, { tenant: a, role: "ADMIN" }, OWN, { scopes: mail });
  ids[SHARED] = await connectGoogle(t, google, { tenant: a, role: "ADMIN" }, SHARED, { scopes: ["gmail.readonly", "gmail.send"], shared: true });
  ids[COLLEAGUE] = await connectGoogle(t, google, { tenant: a, role: "OPERATOR" }, COLLEAGUE, { scopes: mail });
  // The same person is also an OPERATOR of tenant B, with her own mailbox there.
  const added = await addMembership(t.app.services, userActor(b, "OWNER"), { email: a.members.ADMIN.email, role: "OPERATOR" });
  expect(added.ok, JSON.stringify(!added.ok && added.errors)).toBe(true);
  const token = await t.app.authenticator.issueUserToken({ userId: a.members.ADMIN.userId, tenantId: b.tenantId }, 3600);
  const inB: TestTenant = { ...b, members: { ...b.members, OPERATOR: { ...a.members.ADMIN, role: "OPERATOR", membershipId: added.ok ? added.value.membershipId : "", token } } };
  ids[ELSEWHERE] = await connectGoogle(t, google, { tenant: inB, role: "OPERATOR" }, ELSEWHERE, { scopes: mail });
  // Every mailbox synced once (empty): later syncs are incremental.
  for (const [mailbox, tenant] of [[OWN, a], [SHARED, a], [COLLEAGUE, a], [ELSEWHERE, b]] as const) {
    expect(await syncMailbox(t.app.background, { tenantId: tenant.tenantId, connectionId: ids[mailbox]! })).toMatchObject({ skipped: null, mode: "FULL" });
  }
}, 90_000);

afterAll(async () => {
  await close?.();
});

describe("a member leaves the tenant", () => {
  it("their own connections are revoked (tokens erased, sync stopped, revoked at Google, audited, evented); shared, colleagues' and other tenants' stay", async () => {
    const leaver = a.members.ADMIN;
    expect((await sql(t.db, `SELECT "userId" FROM "Connection" WHERE "id" = $1`, [ids[ELSEWHERE]]))[0]).toEqual({ userId: leaver.userId });
    const revokesBefore = google.oauth.calls.revoke ?? 0;

    // Someone without member:manage cannot remove her; nothing is revoked.
    const refused = await execute<{ membershipRemove: { userErrors: unknown[] } }, unknown>(t.graphqlUrl, REMOVE, { input: { membershipId: encodeGlobalID("Membership", leaver.membershipId) } }, { token: a.members.MANAGER.token });
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await connectionRow(ids[OWN]!)).status).toBe("ACTIVE");

    const r = await execute<{ membershipRemove: { removedMembershipId: string | null; userErrors: unknown[] } }, unknown>(
      t.graphqlUrl,
      REMOVE,
      { input: { membershipId: encodeGlobalID("Membership", leaver.membershipId) } },
      { token: a.members.OWNER.token },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.membershipRemove.userErrors).toEqual([]);

    // Her own mailbox: REVOKED, tokens gone, asked at Google once.
    const own = await connectionRow(ids[OWN]!);
    expect(own).toMatchObject({ status: "REVOKED", userId: leaver.userId, credentials: 0 });
    expect(own.revokedAt).not.toBeNull();
    expect(google.oauth.calls.revoke).toBe(revokesBefore + 1);
    // The shared mailbox she connected, a colleague's mailbox, and her own mailbox in tenant B: untouched, tokens kept.
    expect(await connectionRow(ids[SHARED]!)).toEqual({ status: "ACTIVE", revokedAt: null, userId: null, credentials: 1 });
    expect(await connectionRow(ids[COLLEAGUE]!)).toEqual({ status: "ACTIVE", revokedAt: null, userId: a.members.OPERATOR.userId, credentials: 1 });
    expect(await connectionRow(ids[ELSEWHERE]!)).toEqual({ status: "ACTIVE", revokedAt: null, userId: leaver.userId, credentials: 1 });

    // Audited (the removal's transaction, then Google's answer) and evented, with the reason.
    const audit = await sql<{ action: string; summary: Record<string, unknown> }>(
      t.db,
      `SELECT "action", "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "targetId" = $2 AND "action" LIKE 'connection.%revoked' ORDER BY "createdAt", "action"`,
      [a.tenantId, ids[OWN]],
    );
    expect(audit).toEqual([
      { action: "connection.revoked", summary: expect.objectContaining({ reason: "MEMBER_REMOVED", userId: leaver.userId, providerRevoked: null, previousStatus: "ACTIVE", provider: "GOOGLE" }) },
      { action: "connection.provider_revoked", summary: expect.objectContaining({ reason: "MEMBER_REMOVED", providerRevoked: true }) },
    ]);
    const events = await sql<{ tenantId: string; payload: Record<string, unknown> }>(t.db, `SELECT "tenantId", "payload" FROM "OutboxEvent" WHERE "type" = 'sales.connection.revoked'`);
    expect(events).toEqual([{ tenantId: a.tenantId, payload: expect.objectContaining({ connectionId: ids[OWN], provider: "GOOGLE", providerRevoked: null, reason: "MEMBER_REMOVED", userId: leaver.userId }) }]);
    expect(JSON.stringify(audit)).not.toMatch(/ya29|1\/\/fake/);

    // Sync stops for her mailbox (new mail there is not imported); the others keep syncing.
    for (const mailbox of [OWN, SHARED, ELSEWHERE]) google.gmail.deliver(mailbox, { raw: gmailRaw({ from: "buyer@customer-leaver.example", to: mailbox, subject: `For ${mailbox}` }) });
    expect(await syncMailbox(t.app.background, { tenantId: a.tenantId, connectionId: ids[OWN]! })).toMatchObject({ skipped: "NOT_ACTIVE", imported: 0 });
    expect(await inboundCount(t, a.tenantId, OWN)).toBe(0);
    expect(await syncMailbox(t.app.background, { tenantId: a.tenantId, connectionId: ids[SHARED]! })).toMatchObject({ skipped: null, imported: 1 });
    expect(await syncMailbox(t.app.background, { tenantId: b.tenantId, connectionId: ids[ELSEWHERE]! })).toMatchObject({ skipped: null, imported: 1 });
    expect(await inboundCount(t, b.tenantId, ELSEWHERE)).toBe(1);
  });

  it("Google unreachable when a member leaves: the removal and the local revocation stand; the failed provider revocation is audited", async () => {
    const manager = a.members.MANAGER;
    const id = await connectGoogle(t, google, { tenant: a, role: "MANAGER" }, "mara.own@leaver-a.example", { scopes: ["gmail.readonly"] });
    const calls = google.oauth.calls.revoke ?? 0;
    google.oauth.failRevokes = 100;
    try {
      const r = await execute<{ membershipRemove: { userErrors: unknown[] } }, unknown>(t.graphqlUrl, REMOVE, { input: { membershipId: encodeGlobalID("Membership", manager.membershipId) } }, { token: a.members.OWNER.token });
      expect(r.errors).toBeUndefined();
      expect(r.data!.membershipRemove.userErrors).toEqual([]);
    } finally {
      google.oauth.failRevokes = 0;
    }
    expect(google.oauth.calls.revoke ?? 0).toBeGreaterThan(calls);
    expect(await connectionRow(id)).toMatchObject({ status: "REVOKED", credentials: 0 });
    expect(await sql(t.db, `SELECT 1 FROM "Membership" WHERE "id" = $1`, [manager.membershipId])).toEqual([]);
    const [audit] = await sql<{ summary: Record<string, unknown> }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "targetId" = $1 AND "action" = 'connection.provider_revoked'`, [id]);
    expect(audit!.summary).toMatchObject({ providerRevoked: false, reason: "MEMBER_REMOVED" });
  });

  it("a member without connections leaves as before; removing again finds no membership and revokes nothing more", async () => {
    const revokesBefore = google.oauth.calls.revoke ?? 0;
    const analyst = a.members.ANALYST;
    const r = await execute<{ membershipRemove: { userErrors: unknown[] } }, unknown>(t.graphqlUrl, REMOVE, { input: { membershipId: encodeGlobalID("Membership", analyst.membershipId) } }, { token: a.members.OWNER.token });
    expect(r.data!.membershipRemove.userErrors).toEqual([]);
    const again = await execute<{ membershipRemove: { userErrors: { code: string }[] } }, unknown>(t.graphqlUrl, REMOVE, { input: { membershipId: encodeGlobalID("Membership", a.members.ADMIN.membershipId) } }, { token: a.members.OWNER.token });
    expect(again.data!.membershipRemove.userErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    expect(google.oauth.calls.revoke ?? 0).toBe(revokesBefore);
    expect(await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "type" = 'sales.connection.revoked'`)).toHaveLength(2); // Adele's and Mara's, nothing more
  });

  it("another tenant's OWNER cannot remove her membership (or touch her connections) there", async () => {
    const [membership] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Membership" WHERE "tenantId" = $1 AND "userId" = $2`, [b.tenantId, a.members.ADMIN.userId]);
    const r = await execute<{ membershipRemove: { userErrors: { code: string }[] } }, unknown>(t.graphqlUrl, REMOVE, { input: { membershipId: encodeGlobalID("Membership", membership!.id) } }, { token: a.members.OWNER.token });
    expect(r.data!.membershipRemove.userErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    expect(await connectionRow(ids[ELSEWHERE]!)).toMatchObject({ status: "ACTIVE", credentials: 1 });
  });
});
