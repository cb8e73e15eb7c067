// A tenant's own request budgets (settings governance.apiRateLimit, OWNER
// only, never above the platform's): applied by the shared rate limiter on
// every instance (two here, buckets in Redis) as soon as it is set (the
// change notification, not the cache's expiry), per caller and per tenant,
// and to that tenant only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TENANT_LIMITS_TTL_MS } from "../../../src/api/rate-limit.js";
import { createTenant, redisForTests, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";

const redis = redisForTests();
const PLATFORM_CALLER = 40;

describe.skipIf(!redis.url)(`a tenant's own request budget${redis.url ? "" : ` (skipped: ${redis.reason})`}`, () => {
  let a: TestApp;
  let b: TestApp;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    const env = { RATE_LIMIT_CALLER_POINTS: String(PLATFORM_CALLER), RATE_LIMIT_TENANT_POINTS: "100", RATE_LIMIT_WINDOW_SECONDS: "120" };
    a = await startTestApp({ redisUrl: redis.url, env });
    b = await startTestApp({ redisUrl: redis.url, db: a.db, env });
    tenant = await createTenant(a, "trl");
    other = await createTenant(a, "trl-other");
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("is set by the OWNER within the platform's maximum and binds callers and the tenant on every instance", async () => {
    const set = (token: string, apiRateLimit: Record<string, unknown>) =>
      execute<any, any>(a.graphqlUrl, `mutation($s: JSON!) { tenantUpdateSettings(input: { settings: $s }) { userErrors { code field } } }`, { s: { governance: { apiRateLimit } } }, { token });
    expect((await set(tenant.members.ADMIN.token, { callerPoints: 4 })).data.tenantUpdateSettings.userErrors).toEqual([expect.objectContaining({ code: "FORBIDDEN" })]);
    expect((await set(tenant.members.OWNER.token, { callerPoints: PLATFORM_CALLER + 1 })).data.tenantUpdateSettings.userErrors).toEqual([expect.objectContaining({ code: "VALIDATION_FAILED" })]);
    const ask = (app: TestApp, token: string) => execute<any, any>(app.graphqlUrl, "{ rateLimit { limit remaining } }", undefined, { token });
    // Both instances have read (and remember) the tenant's limits as they were: the platform's.
    for (const app of [a, b]) expect((await ask(app, tenant.members.OWNER.token)).headers.get("x-ratelimit-limit")).toBe(String(PLATFORM_CALLER));
    const remembered = Date.now();
    expect((await set(tenant.members.OWNER.token, { callerPoints: 4, tenantPoints: 12 })).data.tenantUpdateSettings.userErrors).toEqual([]);
    // The change is announced at commit (auth_change) and every
    // instance forgets the old limits at once — not after TENANT_LIMITS_TTL_MS: a moment for the notification.
    await new Promise((r) => setTimeout(r, 300));
    const analyst = tenant.members.ANALYST.token;
    const first = await ask(b, analyst);
    expect(Date.now() - remembered).toBeLessThan(TENANT_LIMITS_TTL_MS);
    expect(first.headers.get("x-ratelimit-limit")).toBe("4");
    expect(first.data.rateLimit).toEqual({ limit: 4, remaining: 3 });
    expect((await ask(a, tenant.members.OWNER.token)).headers.get("x-ratelimit-limit")).toBe("4");
    // The same caller's bucket on the other instance.
    for (let i = 0; i < 3; i++) expect((await ask(i % 2 ? a : b, analyst)).errors).toBeUndefined();
    const refused = await ask(b, analyst);
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: "RATE_LIMITED", scope: "caller", retryAfterSeconds: expect.any(Number) }, message: expect.stringMatching(/^You have used your request budget/) });

    // The tenant's budget: 9 spent so far (the settings calls and the asks above); a colleague gets the last 3 points and is then refused for the tenant.
    const manager = tenant.members.MANAGER.token;
    for (let i = 0; i < 3; i++) expect((await ask(i % 2 ? a : b, manager)).errors).toBeUndefined();
    const tenantRefused = await ask(a, manager);
    expect(tenantRefused.errors?.[0]).toMatchObject({ extensions: { code: "RATE_LIMITED", scope: "tenant", retryAfterSeconds: expect.any(Number) }, message: expect.stringMatching(/^Your organisation has used its request budget/) });

    // Another tenant keeps the platform's budget.
    const elsewhere = await ask(b, other.members.ANALYST.token);
    expect(elsewhere.errors).toBeUndefined();
    expect(elsewhere.headers.get("x-ratelimit-limit")).toBe(String(PLATFORM_CALLER));
  }, 60_000);
});
