// Console session refresh over real HTTP (sessionRefresh): a member trades a
// token that is about to expire for a fresh one for the same workspace; the
// sign-in time travels along, so no chain of refreshes outlasts
// OIDC_SESSION_MAX_HOURS; API keys, anonymous callers and removed members are
// refused; every refresh is audited in the member's own workspace only.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";

const Refresh = graphql(`
  mutation SessionRefreshTest {
    sessionRefresh { token expiresAt sessionEndsAt userErrors { field message code } }
  }
`);

const Me = graphql(`
  query SessionRefreshTestMe {
    me { role tenant { id } user { email } }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;
const HOUR = 3600;

beforeAll(async () => {
  t = await startTestApp({ env: { OIDC_SESSION_HOURS: "2", OIDC_SESSION_MAX_HOURS: "10" } });
  tenant = await createTenant(t, "refresh");
  other = await createTenant(t, "refresh-other");
});
afterAll(() => t?.close());

const now = () => Math.floor(Date.now() / 1000);
const issue = (member: { userId: string }, tenantId: string, ttl: number, authTime?: number) =>
  t.app.services.platform!.issueUserToken({ userId: member.userId, tenantId, authTime }, ttl);

describe("sessionRefresh", () => {
  it("gives a member a fresh token for the same workspace (OIDC_SESSION_HOURS), keeping the sign-in time; audited", async () => {
    const member = tenant.members.OPERATOR;
    const signedInAt = now() - 600;
    const old = await issue(member, tenant.tenantId, 60, signedInAt);
    const refreshed = await executeOk(t.graphqlUrl, Refresh, {}, { token: old });
    expect(refreshed.sessionRefresh.userErrors).toEqual([]);
    const token = refreshed.sessionRefresh.token!;
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: member.userId, tid: tenant.tenantId, auth_time: signedInAt });
    expect(claims.exp! - now()).toBeGreaterThan(2 * HOUR - 30);
    expect(claims.exp! - now()).toBeLessThanOrEqual(2 * HOUR);
    expect(new Date(refreshed.sessionRefresh.expiresAt as string).getTime()).toBe(claims.exp! * 1000);
    expect(new Date(refreshed.sessionRefresh.sessionEndsAt as string).getTime()).toBe((signedInAt + 10 * HOUR) * 1000);

    const me = await executeOk(t.graphqlUrl, Me, {}, { token });
    expect(me.me).toMatchObject({ role: "OPERATOR", user: { email: member.email } });
    const audit = await sql<{ tenantId: string; actorId: string; summary: { expiresAt: string } }>(
      t.db,
      `SELECT "tenantId", "actorId", "summary" FROM "AuditEntry" WHERE "action" = 'session.refreshed' AND "actorId" = $1`,
      [member.userId],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ tenantId: tenant.tenantId, summary: { expiresAt: new Date(claims.exp! * 1000).toISOString() } });

    // A refreshed token refreshes again, still from the same sign-in.
    const again = await executeOk(t.graphqlUrl, Refresh, {}, { token });
    expect(decodeJwt(again.sessionRefresh.token!)).toMatchObject({ auth_time: signedInAt, tid: tenant.tenantId });
  });

  it("never extends a session beyond OIDC_SESSION_MAX_HOURS from the sign-in: capped, then SESSION_EXPIRED", async () => {
    const member = tenant.members.MANAGER;
    // Signed in 9 h 30 min ago: the new token runs only to the 10-hour mark.
    const signedInAt = now() - 9 * HOUR - 1800;
    const capped = await executeOk(t.graphqlUrl, Refresh, {}, { token: await issue(member, tenant.tenantId, 300, signedInAt) });
    expect(capped.sessionRefresh.userErrors).toEqual([]);
    expect(decodeJwt(capped.sessionRefresh.token!).exp).toBe(signedInAt + 10 * HOUR);

    // That token is already the last one: refreshing it extends nothing.
    const last = await executeOk(t.graphqlUrl, Refresh, {}, { token: capped.sessionRefresh.token! });
    expect(last.sessionRefresh).toMatchObject({ token: null, userErrors: [{ code: "SESSION_EXPIRED", field: [] }] });
    expect(last.sessionRefresh.userErrors[0]!.message).toContain("sign in again");
    // A token without auth_time counts from when it was issued.
    const plain = await t.app.authenticator.issueUserToken({ userId: member.userId, tenantId: tenant.tenantId }, 60);
    expect(decodeJwt((await executeOk(t.graphqlUrl, Refresh, {}, { token: plain })).sessionRefresh.token!).auth_time).toBe(decodeJwt(plain).iat);
  });

  it("refuses API keys (FORBIDDEN as data), anonymous callers, expired tokens and a workspace the person is not a member of", async () => {
    const key = await execute(t.graphqlUrl, `mutation { apiKeyCreate(input: { name: "ci", role: ANALYST }) { secret userErrors { code } } }`, {}, { token: tenant.members.ADMIN.token });
    const secret = (key.data as { apiKeyCreate: { secret: string } }).apiKeyCreate.secret;
    const byKey = await executeOk(t.graphqlUrl, Refresh, {}, { token: secret });
    expect(byKey.sessionRefresh).toMatchObject({ token: null, userErrors: [{ code: "FORBIDDEN" }] });

    const anonymous = await execute(t.graphqlUrl, Refresh, {});
    expect(anonymous.data?.sessionRefresh ?? null).toBeNull();
    expect(anonymous.errors?.[0]?.extensions?.code).toMatch(/UNAUTHENTICATED|FORBIDDEN/);

    const expired = await issue(tenant.members.ANALYST, tenant.tenantId, -10);
    expect((await execute(t.graphqlUrl, Refresh, {}, { token: expired })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    // A token for a workspace the person is not a member of: refused before anything is issued.
    const foreign = await issue(tenant.members.OPERATOR, other.tenantId, 60);
    const crossed = await execute(t.graphqlUrl, Refresh, {}, { token: foreign });
    expect(crossed.data?.sessionRefresh ?? null).toBeNull();
    expect(crossed.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "action" = 'session.refreshed' AND "tenantId" = $1`, [other.tenantId])).toEqual([]);
  });
});
