// HubSpot's burst and daily limits shared by instances (two budgets on one
// Redis stand for two service instances), with the real SDK against the fake:
// the daily limit holds across both, and background work leaves its share of
// the burst to interactive calls.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHubspotApi } from "../../../src/integrations/hubspot/client.js";
import { accountDay, createHubspotBudget, type HubspotBudget, type HubspotPriority } from "../../../src/integrations/hubspot/rate-budget.js";
import { ConnectorUnavailableError } from "../../../src/integrations/resilience.js";
import { startFakeHubspot, type FakeHubspot } from "../../fakes/hubspot/server.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const TOKEN = `pat-na1-${randomBytes(12).toString("hex")}`;
let hs: FakeHubspot;
const budgets: HubspotBudget[] = [];

function instance(options: { burst: number; daily: number; backgroundShare: number; maxWaitMs?: number; keyPrefix: string }): HubspotBudget {
  const budget = createHubspotBudget({ burstWindowSeconds: 10, maxWaitMs: 200, redisUrl: REDIS_URL, ...options });
  budgets.push(budget);
  return budget;
}
const client = (budget: HubspotBudget, tenantId: string, priority: HubspotPriority) =>
  createHubspotApi({ accessToken: TOKEN, basePath: hs.url, beforeRequest: () => budget.take(tenantId, priority) });

beforeAll(async () => {
  hs = await startFakeHubspot();
  hs.addPrivateAppToken(TOKEN);
  hs.addOwner({ id: "1", email: "o@x.example" });
});
afterAll(async () => {
  for (const b of budgets) await b.close();
  await hs?.close();
});

describe("HubSpot rate budget across instances", () => {
  it("the daily limit is shared by two instances: together they make exactly the limit, the next call is refused before HubSpot", async () => {
    const keyPrefix = `t_${randomUUID().slice(0, 8)}`;
    const tenantId = randomUUID();
    const a = client(instance({ burst: 100, daily: 5, backgroundShare: 1, keyPrefix }), tenantId, "background");
    const b = client(instance({ burst: 100, daily: 5, backgroundShare: 1, keyPrefix }), tenantId, "background");
    hs.resetCounts();
    for (let i = 0; i < 3; i++) await a.ownersPage({ after: null, limit: 1 });
    for (let i = 0; i < 2; i++) await b.ownersPage({ after: null, limit: 1 });
    const refused = await b.ownersPage({ after: null, limit: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectorUnavailableError);
    expect((refused as ConnectorUnavailableError).reason).toBe("RATE_LIMITED");
    expect((refused as ConnectorUnavailableError).retryAfterMs).toBeGreaterThan(0);
    await expect(a.ownersPage({ after: null, limit: 1 })).rejects.toBeInstanceOf(ConnectorUnavailableError);
    expect(hs.requests["GET /crm/v3/owners"]).toBe(5);
    // Another tenant (another HubSpot account) has its own budget.
    await client(instance({ burst: 100, daily: 5, backgroundShare: 1, keyPrefix }), randomUUID(), "background").ownersPage({ after: null, limit: 1 });
  });

  it("background work uses at most its share of the burst; interactive calls still get the rest at once", async () => {
    const keyPrefix = `t_${randomUUID().slice(0, 8)}`;
    const tenantId = randomUUID();
    const options = { burst: 4, daily: 1000, backgroundShare: 0.5, maxWaitMs: 200, keyPrefix };
    const sync = client(instance(options), tenantId, "background");
    const person = client(instance(options), tenantId, "interactive");
    await sync.ownersPage({ after: null, limit: 1 });
    await sync.ownersPage({ after: null, limit: 1 });
    // The sync's share (2 of 4 per 10 s) is spent: its next call would wait ~10 s, past maxWaitMs.
    await expect(sync.ownersPage({ after: null, limit: 1 })).rejects.toMatchObject({ reason: "RATE_LIMITED" });
    const started = Date.now();
    await person.ownersPage({ after: null, limit: 1 });
    await person.ownersPage({ after: null, limit: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
    // Now the whole burst is spent: interactive calls wait (here: refused past maxWaitMs) too.
    await expect(person.ownersPage({ after: null, limit: 1 })).rejects.toMatchObject({ reason: "RATE_LIMITED" });
  });

  it("the fake answers HubSpot's own 429s (burst with Retry-After, daily with policyName DAILY)", async () => {
    hs.limits = { burst: 2, burstWindowMs: 10_000 };
    const api = createHubspotApi({ accessToken: TOKEN, basePath: hs.url });
    await api.ownersPage({ after: null, limit: 1 });
    await api.ownersPage({ after: null, limit: 1 });
    const error = (await api.ownersPage({ after: null, limit: 1 }).catch((e: unknown) => e)) as { response: { status: number; headers: Record<string, string>; data: { policyName: string } } };
    expect(error.response.status).toBe(429);
    expect(Number(error.response.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(error.response.data.policyName).toBe("TEN_SECONDLY_ROLLING");
    hs.limits = {};
  });
});

describe("the search limit and the account's day", () => {
  it("search requests take HubSpot's 5/s search slot on top of the burst: the sixth in a second waits, other calls do not", async () => {
    const budget = createHubspotBudget({ burst: 100, daily: 1000, backgroundShare: 1, burstWindowSeconds: 10, maxWaitMs: 3000, redisUrl: REDIS_URL, keyPrefix: `hs-search-${randomUUID()}` });
    try {
      const tenant = randomUUID();
      const started = Date.now();
      for (let i = 0; i < 5; i++) await budget.take(tenant, "interactive", { search: true });
      for (let i = 0; i < 10; i++) await budget.take(tenant, "interactive");
      expect(Date.now() - started).toBeLessThan(900);
      await budget.take(tenant, "interactive", { search: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await budget.close();
    }
  });

  it("the daily budget's day is the account's (time zone known), else UTC", () => {
    const at = new Date("2026-12-08T03:30:00Z");
    expect(accountDay(at, "US/Eastern")).toBe("2026-12-07");
    expect(accountDay(at, "Asia/Tokyo")).toBe("2026-12-08");
    expect(accountDay(at, null)).toBe("2026-12-08");
    expect(accountDay(at, "Not/AZone")).toBe("2026-12-08");
  });
});
