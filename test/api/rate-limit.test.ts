// Fair use (src/api/rate-limit.ts): cost-weighted budgets per caller and per
// tenant, shared by instances through Redis, with headers, the `rateLimit`
// field, RATE_LIMITED + Retry-After, and a cap on open WebSockets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, redisForTests, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute, wsClient } from "../helpers/graphql.js";

const redis = redisForTests();
const CALLER_POINTS = 12;

describe.skipIf(!redis.url)(`request budgets across two instances${redis.url ? "" : ` (skipped: ${redis.reason})`}`, () => {
  let a: TestApp;
  let b: TestApp;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    const env = { RATE_LIMIT_CALLER_POINTS: String(CALLER_POINTS), RATE_LIMIT_TENANT_POINTS: "30", RATE_LIMIT_WINDOW_SECONDS: "60", WS_MAX_CONNECTIONS_PER_PRINCIPAL: "2" };
    a = await startTestApp({ redisUrl: redis.url, env });
    b = await startTestApp({ redisUrl: redis.url, db: a.db, env });
    tenant = await createTenant(a, "rl");
    other = await createTenant(a, "rl-other");
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("charges each operation its cost, shows the budget in headers and in `rateLimit`", async () => {
    const { token } = tenant.members.ANALYST;
    const cheap = await execute(a.graphqlUrl, "{ rateLimit { cost limit remaining resetAt } }", undefined, { token });
    expect(cheap.data).toMatchObject({ rateLimit: { cost: 1, limit: CALLER_POINTS, remaining: CALLER_POINTS - 1 } });
    expect(cheap.headers.get("x-ratelimit-limit")).toBe(String(CALLER_POINTS));
    expect(cheap.headers.get("x-ratelimit-remaining")).toBe(String(CALLER_POINTS - 1));
    expect(Number(cheap.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    // A page of leads with nested fields costs more than one point (its complexity is in the hundreds).
    const page = await execute(a.graphqlUrl, "{ leads(first: 50) { edges { node { id status score contact { email title } company { name industry } } } } rateLimit { cost remaining } }", undefined, { token });
    const cost = (page.data as { rateLimit: { cost: number; remaining: number } }).rateLimit.cost;
    expect(cost).toBeGreaterThan(1);
    expect((page.data as { rateLimit: { remaining: number } }).rateLimit.remaining).toBe(CALLER_POINTS - 1 - cost);
  });

  it("the budget is shared by the instances; when it is spent the caller gets RATE_LIMITED with Retry-After and nothing runs", async () => {
    const { token } = tenant.members.OPERATOR;
    for (let i = 0; i < CALLER_POINTS; i++) {
      const app = i % 2 === 0 ? a : b; // half on each instance: one bucket in Redis
      const ok = await execute(app.graphqlUrl, "{ __typename }", undefined, { token });
      expect(ok.errors).toBeUndefined();
    }
    const refused = await execute(b.graphqlUrl, `mutation { taskCreate(input: { title: "over budget" }) { task { id } } }`, undefined, { token });
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", scope: "caller" });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.errors?.[0]?.extensions?.retryAfterSeconds).toBe(retryAfter);
    expect(refused.errors?.[0]?.message).toMatch(/Retry after \d+ s/);
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
    // The refused mutation did not run.
    const tasks = await execute(a.graphqlUrl, "{ tasks(first: 50) { edges { node { title } } } }", undefined, { token: tenant.members.MANAGER.token });
    expect(JSON.stringify(tasks.data)).not.toContain("over budget");
    // Another caller of the same tenant, and another tenant, still have their own budgets.
    expect((await execute(a.graphqlUrl, "{ __typename }", undefined, { token: tenant.members.ADMIN.token })).errors).toBeUndefined();
    expect((await execute(a.graphqlUrl, "{ __typename }", undefined, { token: other.members.OPERATOR.token })).errors).toBeUndefined();
  });

  it("the tenant's budget caps all its callers together", async () => {
    // 30 tenant points; the previous tests spent some. Every member spends until the tenant is refused.
    let refusal: Awaited<ReturnType<typeof execute>> | null = null;
    for (const role of ["OWNER", "ADMIN", "MANAGER", "ANALYST"] as const) {
      for (let i = 0; i < CALLER_POINTS && !refusal; i++) {
        const r = await execute(a.graphqlUrl, "{ __typename }", undefined, { token: tenant.members[role].token });
        if (r.errors?.[0]?.extensions?.code === "RATE_LIMITED") refusal = r;
      }
    }
    expect(refusal).not.toBeNull();
    expect(refusal!.errors?.[0]?.message).toMatch(/organisation/);
    // The other tenant is untouched.
    expect((await execute(a.graphqlUrl, "{ __typename }", undefined, { token: other.members.ADMIN.token })).errors).toBeUndefined();
  });

  it("caps open WebSocket connections per caller", async () => {
    const { token } = other.members.ANALYST;
    const opened = [wsClient(a.wsUrl, { token }), wsClient(a.wsUrl, { token })];
    const waitOpen = (c: ReturnType<typeof wsClient>) =>
      new Promise<void>((resolve, reject) => {
        c.client.on("connected", () => resolve());
        void c.closed.then((e) => reject(new Error(`closed ${e.code}`)));
        // lazy clients connect on the first subscription; a bare subscription opens the socket
        c.client.subscribe({ query: "subscription { events { id } }" }, { next: () => {}, error: () => {}, complete: () => {} });
      });
    await Promise.all(opened.map(waitOpen));
    const third = wsClient(a.wsUrl, { token });
    third.client.subscribe({ query: "subscription { events { id } }" }, { next: () => {}, error: () => {}, complete: () => {} });
    expect((await third.closed).code).toBe(4429);
    // Closing one frees a slot (once the server has seen the close).
    await opened[0]!.client.dispose();
    await opened[0]!.closed;
    let fourth: ReturnType<typeof wsClient> | null = null;
    for (let attempt = 0; attempt < 20 && !fourth; attempt++) {
      const candidate = wsClient(a.wsUrl, { token });
      try {
        await waitOpen(candidate);
        fourth = candidate;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(fourth).not.toBeNull();
    await fourth!.client.dispose();
    await opened[1]!.client.dispose();
  });
});
