// The connector resilience policy against a small local HTTP server that
// answers 429/5xx with Retry-After, hangs, or succeeds on command: retries
// honour the header, client errors are not retried, the circuit of one
// (tenant, provider) opens after N failures, half-opens and recovers, and the
// rate limit is shared by two instances (Redis and PostgreSQL stores).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorUnavailableError, createResilience, isTransient, parseRetryAfter, type ResilienceOptions } from "../../src/integrations/resilience.js";
import { redisForTests } from "../helpers/app.js";
import { createTestDatabase } from "../helpers/database.js";

/** What the SDKs throw: an error with the response's status and headers. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {
    super(`HTTP ${status}`);
  }
}

type Reply = { status: number; headers?: Record<string, string> } | "hang";
let script: Reply[] = [];
const hits: number[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(Date.now());
    const next = script.shift() ?? { status: 200 };
    if (next === "hang") return; // never answers
    res.writeHead(next.status, { "content-type": "application/json", ...next.headers });
    res.end(JSON.stringify({ ok: next.status < 400 }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function call(signal: AbortSignal): Promise<number> {
  const res = await fetch(url, { signal });
  await res.text();
  if (!res.ok) throw new HttpError(res.status, res.headers);
  return res.status;
}

const base: ResilienceOptions = {
  timeoutMs: 2_000,
  maxRetries: 3,
  retryBaseMs: 10,
  maxRetryDelayMs: 5_000,
  breakerThreshold: 3,
  halfOpenAfterMs: 300,
  ratePerSecond: {},
};

function reset(replies: Reply[]) {
  script = replies;
  hits.length = 0;
}

describe("retries", () => {
  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString(), Date.now())).toBeGreaterThan(1500);
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });

  it("waits what a 429's Retry-After says, then succeeds", async () => {
    const r = createResilience(base);
    reset([{ status: 429, headers: { "retry-after": "1" } }, { status: 200 }]);
    expect(await r.execute("t1", "GOOGLE", call)).toBe(200);
    expect(hits).toHaveLength(2);
    expect(hits[1]! - hits[0]!).toBeGreaterThanOrEqual(950);
    await r.close();
  });

  it("honours a 503's Retry-After given as an HTTP date, and backs off on 5xx without one", async () => {
    const r = createResilience(base);
    reset([{ status: 503, headers: { "retry-after": new Date(Date.now() + 2000).toUTCString() } }, { status: 500 }, { status: 200 }]);
    expect(await r.execute("t1", "GOOGLE", call)).toBe(200);
    expect(hits).toHaveLength(3);
    // HTTP dates have one-second resolution: at least ~1 s after the first answer.
    expect(hits[1]! - hits[0]!).toBeGreaterThanOrEqual(900);
    await r.close();
  });

  it("fails fast with the provider's error when Retry-After is beyond the cap", async () => {
    const r = createResilience({ ...base, maxRetryDelayMs: 1_000 });
    reset([{ status: 429, headers: { "retry-after": "120" } }, { status: 200 }]);
    const error = await r.execute("t1", "GOOGLE", call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(429);
    expect(hits).toHaveLength(1);
    await r.close();
  });

  it("never retries client errors, nor non-idempotent calls", async () => {
    const r = createResilience(base);
    reset([{ status: 400 }, { status: 200 }]);
    await expect(r.execute("t1", "GOOGLE", call)).rejects.toBeInstanceOf(HttpError);
    expect(hits).toHaveLength(1);
    reset([{ status: 503 }, { status: 200 }]);
    await expect(r.execute("t1", "GOOGLE", call, { idempotent: false })).rejects.toBeInstanceOf(HttpError);
    expect(hits).toHaveLength(1);
    expect(isTransient(new HttpError(404, new Headers()))).toBe(false);
    expect(isTransient(new HttpError(408, new Headers()))).toBe(true);
    await r.close();
  });

  it("times a hanging call out (and retries it)", async () => {
    const r = createResilience({ ...base, timeoutMs: 200, maxRetries: 1 });
    reset(["hang", { status: 200 }]);
    const started = Date.now();
    expect(await r.execute("t1", "GOOGLE", call)).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(hits).toHaveLength(2);
    await r.close();
  });
});

describe("circuit breaker per tenant and provider", () => {
  it("opens after N consecutive failures, refuses without calling, half-opens and recovers; other tenants are unaffected", async () => {
    const registry = new Registry();
    const r = createResilience({ ...base, maxRetries: 0, registry });
    reset([{ status: 500 }, { status: 503 }, { status: 500 }]);
    for (let i = 0; i < 3; i++) await expect(r.execute("tenant-a", "GOOGLE", call)).rejects.toBeInstanceOf(HttpError);
    expect(r.circuitState("tenant-a", "GOOGLE")).toBe("open");
    expect(r.circuitState("tenant-b", "GOOGLE")).toBe("closed");
    expect(r.circuitState("tenant-a", "HUBSPOT")).toBe("closed");
    expect(r.circuits()).toContainEqual({ tenantId: "tenant-a", provider: "GOOGLE", state: "open" });
    expect(await registry.getSingleMetricAsString("connector_circuit_state")).toMatch(/connector_circuit_state\{tenant="tenant-a",provider="GOOGLE"\} 1/);

    // Open: refused at once, the provider is not called.
    reset([{ status: 200 }]);
    const refused = await r.execute("tenant-a", "GOOGLE", call).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectorUnavailableError);
    expect((refused as ConnectorUnavailableError).reason).toBe("CIRCUIT_OPEN");
    expect(hits).toHaveLength(0);
    // Another tenant still gets through.
    expect(await r.execute("tenant-b", "GOOGLE", call)).toBe(200);

    // After the half-open delay one trial call goes through; a failure opens it again.
    await new Promise((res) => setTimeout(res, 350));
    reset([{ status: 502 }]);
    await expect(r.execute("tenant-a", "GOOGLE", call)).rejects.toBeInstanceOf(HttpError);
    expect(r.circuitState("tenant-a", "GOOGLE")).toBe("open");

    // Next trial succeeds: closed again.
    await new Promise((res) => setTimeout(res, 350));
    reset([{ status: 200 }]);
    expect(await r.execute("tenant-a", "GOOGLE", call)).toBe(200);
    expect(r.circuitState("tenant-a", "GOOGLE")).toBe("closed");
    expect(await registry.getSingleMetricAsString("connector_circuit_state")).toMatch(/connector_circuit_state\{tenant="tenant-a",provider="GOOGLE"\} 0/);
    await r.close();
  });

  it("client errors do not open the circuit", async () => {
    const r = createResilience({ ...base, maxRetries: 0 });
    reset([{ status: 404 }, { status: 403 }, { status: 400 }, { status: 404 }]);
    for (let i = 0; i < 4; i++) await expect(r.execute("t", "GOOGLE", call)).rejects.toBeInstanceOf(HttpError);
    expect(r.circuitState("t", "GOOGLE")).toBe("closed");
    await r.close();
  });
});

describe("rate limit shared across instances", () => {
  async function burst(options: Partial<ResilienceOptions>) {
    const one = createResilience({ ...base, ratePerSecond: { GOOGLE: 4 }, ...options });
    const two = createResilience({ ...base, ratePerSecond: { GOOGLE: 4 }, ...options });
    const tenant = `rl-${Math.random().toString(36).slice(2)}`;
    reset([]);
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).execute(tenant, "GOOGLE", call)));
    const elapsed = Date.now() - started;
    await one.close();
    await two.close();
    return elapsed;
  }

  it("PostgreSQL store: 8 calls at 4/s through two instances take a second window", async () => {
    const db = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: db.appUrl, max: 4 });
    try {
      expect(await burst({ pgPool: pool })).toBeGreaterThanOrEqual(700);
      expect(hits).toHaveLength(8);
    } finally {
      await pool.end();
    }
  });

  const redis = redisForTests();
  it.skipIf(!redis.url)(`Redis store: the same${redis.url ? "" : ` (skipped: ${redis.reason})`}`, async () => {
    expect(await burst({ redisUrl: redis.url! })).toBeGreaterThanOrEqual(700);
    expect(hits).toHaveLength(8);
  });

  it("without a shared store, two instances would each allow the full rate (why the store matters)", async () => {
    expect(await burst({})).toBeLessThan(700);
  });
});
