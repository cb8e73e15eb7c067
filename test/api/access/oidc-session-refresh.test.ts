// sessionRefresh after a sign-in with the identity provider asks the provider
// again, over real HTTP against the wire-level fake provider
// (test/fakes/oidc/server.ts: refresh tokens that rotate, accounts that an
// administrator disables):
// - a refresh renews the grant at the provider (its refresh token, kept
//   sealed server-side) and gives a fresh token for the same session, in
//   every workspace of the sign-in;
// - once the provider disables the person, the next refresh is refused
//   (SESSION_REVOKED), the session ends, and its still-unexpired tokens stop
//   working at once; audited;
// - an unreachable provider is not a refusal (PROVIDER_UNAVAILABLE, the
//   session stands);
// - the provider's refresh token never reaches a client, the audit log or the
//   database in clear;
// - a provider that gives no refresh token: refreshes as before, capped at
//   OIDC_SESSION_UNCHECKED_MAX_HOURS from the sign-in.
import { decodeGlobalID } from "@pothos/plugin-relay";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { startFakeOidc, type FakeOidc } from "../../fakes/oidc/server.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import type { TypedDocumentString } from "../../generated/gql/graphql.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { authorizeAtProvider } from "../../helpers/oidc.js";
import { sql } from "../../helpers/operator.js";

const SignIn = graphql(`
  mutation OidcRefreshSignIn($input: OidcSignInInput!) {
    signInWithOidc(input: $input) {
      email linked idToken
      workspaces { tenantId tenantName role token }
      userErrors { code field message }
    }
  }
`);
const Refresh = graphql(`
  mutation OidcRefreshRefresh {
    sessionRefresh { token expiresAt sessionEndsAt userErrors { field message code } }
  }
`);
const Me = graphql(`
  query OidcRefreshMe { me { role tenant { id } user { email } } }
`);

const HOUR = 3600;

/** Every GraphQL response body of the test, as text: the provider's refresh tokens must be in none. */
const responses: string[] = [];
async function run<R, V>(t: TestApp, document: TypedDocumentString<R, V>, variables: V, token?: string) {
  const result = await execute(t.graphqlUrl, document, variables, token ? { token } : {});
  responses.push(JSON.stringify(result));
  return result;
}

async function signIn(t: TestApp, oidc: FakeOidc, email: string) {
  const { input } = authorizeAtProvider(oidc, email);
  const result = await run(t, SignIn, { input });
  expect(result.errors).toBeUndefined();
  expect(result.data!.signInWithOidc.userErrors).toEqual([]);
  return result.data!.signInWithOidc.workspaces!;
}

describe("session refresh after an identity-provider sign-in", () => {
  let oidc: FakeOidc;
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  beforeAll(async () => {
    oidc = await startFakeOidc();
    t = await startTestApp({ env: { OIDC_ISSUER: oidc.issuer, OIDC_CLIENT_ID: oidc.clientId, OIDC_SESSION_HOURS: "2", OIDC_SESSION_MAX_HOURS: "10" } });
    a = await createTenant(t, "oidc-rt-a");
    b = await createTenant(t, "oidc-rt-b");
  });
  afterAll(async () => {
    await t?.close();
    await oidc?.close();
  });

  it("renews the grant at the provider and gives a fresh token for the same session, in each workspace of the sign-in", async () => {
    const member = a.members.OPERATOR;
    // The same person in a second workspace (an invitation accepted, as the owner records it).
    await sql(t.db, `INSERT INTO "Membership" ("id","tenantId","userId","role","updatedAt") VALUES (gen_random_uuid(), $1, $2, 'ANALYST', now())`, [b.tenantId, member.userId]);
    oidc.addAccount({ email: member.email });
    const workspaces = await signIn(t, oidc, member.email);
    const tenantOf = (w: { tenantId: string }) => decodeGlobalID(w.tenantId).id;
    expect(workspaces.map(tenantOf).sort()).toEqual([a.tenantId, b.tenantId].sort());
    const inA = workspaces.find((w) => tenantOf(w) === a.tenantId)!.token;
    const inB = workspaces.find((w) => tenantOf(w) === b.tenantId)!.token;
    const sid = decodeJwt(inA).sid as string;
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeJwt(inB).sid).toBe(sid);
    const [stored] = await sql<{ refreshToken: string; endedAt: Date | null }>(t.db, `SELECT "refreshToken", "endedAt" FROM "OidcSession" WHERE "id" = $1`, [sid]);
    expect(stored!.refreshToken).toBeTruthy();
    expect(stored!.endedAt).toBeNull();

    const before = oidc.refreshes.accepted;
    const refreshed = await run(t, Refresh, {}, inA);
    expect(refreshed.data!.sessionRefresh.userErrors).toEqual([]);
    expect(oidc.refreshes.accepted).toBe(before + 1);
    const token = refreshed.data!.sessionRefresh.token!;
    expect(decodeJwt(token)).toMatchObject({ sub: member.userId, tid: a.tenantId, sid });
    expect((await executeOk(t.graphqlUrl, Me, {}, { token })).me).toMatchObject({ role: "OPERATOR", user: { email: member.email } });
    // The provider rotated its refresh token: the stored one changed.
    const [rotated] = await sql<{ refreshToken: string; refreshedAt: Date | null }>(t.db, `SELECT "refreshToken", "refreshedAt" FROM "OidcSession" WHERE "id" = $1`, [sid]);
    expect(rotated!.refreshToken).not.toBe(stored!.refreshToken);
    expect(rotated!.refreshedAt).toBeInstanceOf(Date);

    // The other workspace's token refreshes with the rotated grant, and the refreshed token refreshes again.
    const fromB = await run(t, Refresh, {}, inB);
    expect(fromB.data!.sessionRefresh.userErrors).toEqual([]);
    expect(decodeJwt(fromB.data!.sessionRefresh.token!)).toMatchObject({ tid: b.tenantId, sid });
    const again = await run(t, Refresh, {}, token);
    expect(again.data!.sessionRefresh.userErrors).toEqual([]);
    expect(oidc.refreshes.accepted).toBe(before + 3);
    const audit = await sql<{ summary: { identityProvider?: string } }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "action" = 'session.refreshed' AND "actorId" = $1 AND "tenantId" = $2`, [member.userId, a.tenantId]);
    expect(audit.map((e) => e.summary.identityProvider)).toEqual(["renewed", "renewed"]);
  });

  it("refuses the next refresh once the provider disables the person, ends the session and stops its tokens at once", async () => {
    const member = a.members.MANAGER;
    oidc.addAccount({ email: member.email });
    const [workspace] = await signIn(t, oidc, member.email);
    const token = workspace!.token;
    const sid = decodeJwt(token).sid as string;
    expect((await run(t, Refresh, {}, token)).data!.sessionRefresh.userErrors).toEqual([]);

    oidc.disableAccount(member.email);
    const refused = await run(t, Refresh, {}, token);
    expect(refused.data!.sessionRefresh.token).toBeNull();
    expect(refused.data!.sessionRefresh.userErrors).toEqual([
      { field: [], code: "SESSION_REVOKED", message: "Your identity provider no longer accepts this sign-in (invalid_grant): sign in again." },
    ]);
    const [ended] = await sql<{ endedAt: Date | null; endReason: string }>(t.db, `SELECT "endedAt", "endReason" FROM "OidcSession" WHERE "id" = $1`, [sid]);
    expect(ended!.endedAt).toBeInstanceOf(Date);
    expect(ended!.endReason).toBe("identity provider refused the refresh");
    // The token has hours left, and works no more (the auth cache heard of the end at commit).
    expect(decodeJwt(token).exp! * 1000).toBeGreaterThan(Date.now() + HOUR * 1000);
    const me = await run(t, Me, {}, token);
    expect(me.data?.me ?? null).toBeNull();
    expect(me.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const audit = await sql(t.db, `SELECT "tenantId" FROM "AuditEntry" WHERE "action" = 'session.ended' AND "actorId" = $1`, [member.userId]);
    expect(audit).toEqual([{ tenantId: a.tenantId }]);

    // Other people's sessions are untouched; a new sign-in of the disabled person is the provider's to refuse.
    const other = a.members.ADMIN;
    oidc.addAccount({ email: other.email });
    const [otherWorkspace] = await signIn(t, oidc, other.email);
    expect((await run(t, Refresh, {}, otherWorkspace!.token)).data!.sessionRefresh.userErrors).toEqual([]);
  });

  it("keeps the provider's refresh tokens out of every response, the audit log and the database in clear", async () => {
    expect(oidc.issuedRefreshTokens.length).toBeGreaterThanOrEqual(4);
    const everything = responses.join("\n");
    for (const refreshToken of oidc.issuedRefreshTokens) expect(everything).not.toContain(refreshToken);
    const stored = await sql<{ row: string }>(t.db, `SELECT row_to_json(s)::text AS row FROM "OidcSession" s UNION ALL SELECT "summary"::text FROM "AuditEntry"`);
    const rows = stored.map((r) => r.row).join("\n");
    for (const refreshToken of oidc.issuedRefreshTokens) expect(rows).not.toContain(refreshToken);
  });

  it("answers PROVIDER_UNAVAILABLE when the provider cannot be reached, and the session stands", async () => {
    const member = a.members.ANALYST;
    oidc.addAccount({ email: member.email });
    const [workspace] = await signIn(t, oidc, member.email);
    await oidc.close();
    const refused = await run(t, Refresh, {}, workspace!.token);
    expect(refused.data!.sessionRefresh.userErrors.map((e) => e.code)).toEqual(["PROVIDER_UNAVAILABLE"]);
    expect((await executeOk(t.graphqlUrl, Me, {}, { token: workspace!.token })).me).toMatchObject({ role: "ANALYST" });
    const [session] = await sql<{ endedAt: Date | null }>(t.db, `SELECT "endedAt" FROM "OidcSession" WHERE "id" = $1`, [decodeJwt(workspace!.token).sid]);
    expect(session!.endedAt).toBeNull();
  });
});

describe("session refresh when the provider gives no refresh token", () => {
  let oidc: FakeOidc;
  let t: TestApp;
  let a: TestTenant;
  beforeAll(async () => {
    oidc = await startFakeOidc({ refreshTokens: false });
    t = await startTestApp({
      env: { OIDC_ISSUER: oidc.issuer, OIDC_CLIENT_ID: oidc.clientId, OIDC_SESSION_HOURS: "2", OIDC_SESSION_MAX_HOURS: "10", OIDC_SESSION_UNCHECKED_MAX_HOURS: "3" },
    });
    a = await createTenant(t, "oidc-nort");
  });
  afterAll(async () => {
    await t?.close();
    await oidc?.close();
  });

  it("refreshes without asking the provider, never beyond OIDC_SESSION_UNCHECKED_MAX_HOURS from the sign-in", async () => {
    const member = a.members.OPERATOR;
    oidc.addAccount({ email: member.email });
    const [workspace] = await signIn(t, oidc, member.email);
    const signedInAt = decodeJwt(workspace!.token).auth_time as number;
    const [stored] = await sql<{ refreshToken: string | null }>(t.db, `SELECT "refreshToken" FROM "OidcSession" WHERE "id" = $1`, [decodeJwt(workspace!.token).sid]);
    expect(stored!.refreshToken).toBeNull();

    const refreshed = await run(t, Refresh, {}, workspace!.token);
    expect(refreshed.data!.sessionRefresh.userErrors).toEqual([]);
    expect(new Date(refreshed.data!.sessionRefresh.sessionEndsAt as string).getTime()).toBe((signedInAt + 3 * HOUR) * 1000);
    expect(oidc.refreshes).toEqual({ accepted: 0, refused: 0 });
    // Signed in (in this session) 2 h 30 min ago: the new token runs only to the 3-hour mark, then no further.
    const sessionId = decodeJwt(workspace!.token).sid as string;
    const earlier = Math.floor(Date.now() / 1000) - 2 * HOUR - 1800;
    const late = await t.app.services.platform!.issueUserToken({ userId: member.userId, tenantId: a.tenantId, authTime: earlier, sessionId }, 300);
    const capped = await run(t, Refresh, {}, late);
    expect(capped.data!.sessionRefresh.userErrors).toEqual([]);
    expect(decodeJwt(capped.data!.sessionRefresh.token!).exp).toBe(earlier + 3 * HOUR);
    const last = await run(t, Refresh, {}, capped.data!.sessionRefresh.token!);
    expect(last.data!.sessionRefresh.userErrors.map((e) => e.code)).toEqual(["SESSION_EXPIRED"]);
    const audit = await sql<{ summary: { identityProvider?: string } }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "action" = 'session.refreshed' AND "actorId" = $1`, [member.userId]);
    expect(audit.map((e) => e.summary.identityProvider)).toEqual(["no-refresh-token", "no-refresh-token"]);
  });
});
