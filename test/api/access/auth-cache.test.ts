// The authentication cache (src/orchestration/access/principal-cache.ts): a repeated
// caller costs no SQL, and every change to what authentication reads —
// made through the API on another instance or straight in the database —
// takes effect on every instance without waiting for the cache to expire.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asOwner } from "../../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";

const ME = "{ me { role permissions } }";
const CHANGE_ROLE = `mutation ($input: MembershipChangeRoleInput!) { membershipChangeRole(input: $input) { userErrors { code message } } }`;
const CREATE_KEY = `mutation ($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) { secret apiKey { id } userErrors { code } } }`;
const REVOKE_KEY = `mutation ($input: ApiKeyRevokeInput!) { apiKeyRevoke(input: $input) { userErrors { code } } }`;
const CREATE_TASK = `mutation ($input: TaskCreateInput!) { taskCreate(input: $input) { task { id } userErrors { code message } } }`;

/** Polls until `check` passes; returns how long it took (ms). Changes are announced at commit, so this is short. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - started;
}

describe("authentication cache across two instances", () => {
  let a: TestApp;
  let b: TestApp;
  let tenant: TestTenant;
  let other: TestTenant;
  const statements: string[] = [];
  // The instance's own background work (the outbox sweep) also runs SQL; the request's would name these tables.
  const apiStatements = () => statements.filter((sql) => /Membership|ApiKey|app_api_key_tenant|set_config/.test(sql));

  beforeAll(async () => {
    // A long TTL, so only the change announcements can explain a change taking effect.
    const env = { AUTH_CACHE_TTL_MS: "60000" };
    a = await startTestApp({ env });
    b = await startTestApp({ env, db: a.db, onQuery: (sql) => statements.push(sql) });
    tenant = await createTenant(a);
    other = await createTenant(a);
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("answers a repeated caller without any SQL", async () => {
    const { token } = tenant.members.MANAGER;
    const first = await execute(b.graphqlUrl, ME, undefined, { token });
    expect(first.data).toMatchObject({ me: { role: "MANAGER" } });
    statements.length = 0;
    const again = await execute(b.graphqlUrl, "{ __typename }", undefined, { token });
    expect(again.data).toEqual({ __typename: "Query" });
    expect(apiStatements()).toEqual([]);
  });

  it("a demotion on one instance reaches the other instance's cache, and its writes are refused", async () => {
    const manager = tenant.members.MANAGER;
    expect((await execute(b.graphqlUrl, ME, undefined, { token: manager.token })).data).toMatchObject({ me: { role: "MANAGER" } });
    const demoted = await execute(
      a.graphqlUrl,
      CHANGE_ROLE,
      { input: { membershipId: encodeGlobalID("Membership", manager.membershipId), role: "ANALYST" } },
      { token: tenant.members.OWNER.token },
    );
    expect(demoted.errors).toBeUndefined();
    expect(demoted.data).toMatchObject({ membershipChangeRole: { userErrors: [] } });
    // Anything touching data is checked against the database at once (next test, made deterministic);
    // the announcement drops the cached entry, so even `me` (no database) shows the new role.
    await within(5_000, async () => {
      const me = await execute(b.graphqlUrl, ME, undefined, { token: manager.token });
      return (me.data as { me: { role: string } } | null)?.me.role === "ANALYST";
    });
    const write = await execute(b.graphqlUrl, CREATE_TASK, { input: { title: "after demotion" } }, { token: manager.token });
    expect(write.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("a request re-checks a cached caller in the statement that opens its transaction", async () => {
    const operator = tenant.members.OPERATOR;
    const ok = await execute(b.graphqlUrl, CREATE_TASK, { input: { title: "while operator" } }, { token: operator.token });
    expect(ok.data).toMatchObject({ taskCreate: { userErrors: [] } });
    // Change the role without the announcement being heard: the trigger fires at commit, so
    // disable it for this one transaction (as if the notification were lost) and keep B's cache as it was.
    await asOwner(a.db, async (client) => {
      await client.query("BEGIN");
      await client.query(`ALTER TABLE "Membership" DISABLE TRIGGER "Membership_auth_change"`);
      await client.query(`UPDATE "Membership" SET "role" = 'ANALYST' WHERE "id" = $1`, [operator.membershipId]);
      await client.query(`ALTER TABLE "Membership" ENABLE TRIGGER "Membership_auth_change"`);
      await client.query("COMMIT");
    });
    // What needs no database may still show the cached OPERATOR (for at most the TTL)…
    const me = await execute(b.graphqlUrl, ME, undefined, { token: operator.token });
    expect(me.data).toMatchObject({ me: { role: "OPERATOR" } });
    // …but reading data does not: the transaction's first statement finds the role changed…
    const read = await execute(b.graphqlUrl, "{ tasks(first: 1) { edges { node { id } } } }", undefined, { token: operator.token });
    expect(read.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // …and neither does a write, with nothing written.
    const refused = await execute(b.graphqlUrl, CREATE_TASK, { input: { title: "stale role" } }, { token: operator.token });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" } });
    expect(refused.errors?.[0]?.message).toMatch(/access changed/i);
    const written = await asOwner(a.db, (client) => client.query(`SELECT count(*)::int AS n FROM "Task" WHERE "title" = 'stale role'`));
    expect(written.rows[0].n).toBe(0);
  });

  it("a change made directly in the database is heard too (membership removed)", async () => {
    const analyst = tenant.members.ANALYST;
    expect((await execute(b.graphqlUrl, ME, undefined, { token: analyst.token })).data).toMatchObject({ me: { role: "ANALYST" } });
    await asOwner(a.db, (client) => client.query(`DELETE FROM "Membership" WHERE "id" = $1`, [analyst.membershipId]));
    await within(250, async () => (await execute(b.graphqlUrl, ME, undefined, { token: analyst.token })).errors?.[0]?.extensions?.code === "UNAUTHENTICATED");
  });

  it("a revoked API key stops working on the other instance at once", async () => {
    const admin = other.members.ADMIN;
    const created = await execute(a.graphqlUrl, CREATE_KEY, { input: { name: "cache probe", role: "ANALYST" } }, { token: admin.token });
    const { secret, apiKey } = (created.data as { apiKeyCreate: { secret: string; apiKey: { id: string } } }).apiKeyCreate;
    const viaKey = () => execute(b.graphqlUrl, ME, undefined, { headers: { "x-api-key": secret } });
    expect((await viaKey()).data).toMatchObject({ me: { role: "ANALYST" } });
    expect((await viaKey()).data).toMatchObject({ me: { role: "ANALYST" } }); // now cached on B
    const revoked = await execute(a.graphqlUrl, REVOKE_KEY, { input: { apiKeyId: apiKey.id } }, { token: admin.token });
    expect(revoked.data).toMatchObject({ apiKeyRevoke: { userErrors: [] } });
    await within(250, async () => (await viaKey()).errors?.[0]?.extensions?.code === "UNAUTHENTICATED");
  });

  it("a change in one tenant leaves the other tenant's cached callers alone", async () => {
    const otherOwner = other.members.OWNER;
    await execute(b.graphqlUrl, ME, undefined, { token: otherOwner.token });
    await asOwner(a.db, (client) => client.query(`UPDATE "Membership" SET "displayName" = 'x' WHERE "tenantId" = $1`, [tenant.tenantId]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    statements.length = 0;
    await execute(b.graphqlUrl, "{ __typename }", undefined, { token: otherOwner.token });
    expect(apiStatements()).toEqual([]);
  });
});
