// HubSpot's own API limits, shared by every instance of the service
// (rate-limiter-flexible in Redis when REDIS_URL is set, else in PostgreSQL's
// connector.rate_limit, else this process only):
// - the burst limit (HubSpot: e.g. 100 or 190 requests per 10 s per app and
//   account) and the daily limit (e.g. 250,000 or 650,000 per account and
//   day; counted per day of the account's time zone when known — HubSpot
//   resets at its midnight — else per UTC day);
// - the search API's own limit (HubSpot: 5 requests per second per account),
//   taken on top of the others by every search request;
// - priorities: background work (sync, outbound pushes, engagement logging)
//   may use at most `backgroundShare` of each budget, so a sync running flat
//   out always leaves the rest to interactive calls (a person waiting).
// Over the burst budget a request waits for the next free slot (up to
// maxWaitMs); over the daily budget, or a wait past maxWaitMs, it is refused
// with ConnectorUnavailableError("RATE_LIMITED") and the job retries later.
// The budget is keyed by tenant: a tenant has one HubSpot account.
import { Redis } from "ioredis";
import type pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { ConnectorUnavailableError } from "../resilience.js";

export type HubspotPriority = "interactive" | "background";

export interface HubspotBudgetOptions {
  /** Requests per burst window per account. */
  burst: number;
  burstWindowSeconds: number;
  /** Requests per (UTC) day per account. */
  daily: number;
  /** Share (0–1) of the burst and daily budgets background work may use. */
  backgroundShare: number;
  /** Search requests per second per account (HubSpot: 5). */
  searchPerSecond?: number;
  /** Longest wait for a burst slot before refusing. */
  maxWaitMs: number;
  redisUrl?: string | undefined;
  pgPool?: pg.Pool | undefined;
  /** Prefix of the shared keys (tests isolate themselves with it). */
  keyPrefix?: string;
}

export interface HubspotBudget {
  /** Takes one request from the account's budgets: waits for a burst (and search) slot, or throws ConnectorUnavailableError. */
  take(tenantId: string, priority: HubspotPriority, options?: { search?: boolean; timeZone?: string | null }): Promise<void>;
  close(): Promise<void>;
}

/** The account's calendar day (YYYY-MM-DD) in its time zone; UTC when unknown or not a zone Intl knows. */
export function accountDay(now: Date, timeZone: string | null | undefined): string {
  if (timeZone) {
    try {
      return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
    } catch {
      // an unknown zone: count per UTC day
    }
  }
  return now.toISOString().slice(0, 10);
}

/** Milliseconds until the account's next midnight (found by stepping, so DST days work). */
function untilAccountMidnight(now: number, timeZone: string | null | undefined): number {
  const today = accountDay(new Date(now), timeZone);
  let step = 0;
  for (let hours = 1; hours <= 26; hours++) {
    step = hours * 3_600_000;
    if (accountDay(new Date(now + step), timeZone) !== today) break;
  }
  return Math.max(60_000, step);
}

export function createHubspotBudget(options: HubspotBudgetOptions): HubspotBudget {
  const redis = options.redisUrl ? new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 }) : null;
  redis?.on("error", () => {}); // the insurance limiters count while Redis is away
  const prefix = options.keyPrefix ?? "hubspot";
  const make = (points: number, duration: number, name: string): RateLimiterAbstract => {
    const common = { points: Math.max(1, Math.floor(points)), duration, keyPrefix: `${prefix}_${name}` };
    const insuranceLimiter = new RateLimiterMemory(common);
    if (redis) return new RateLimiterRedis({ ...common, storeClient: redis, insuranceLimiter });
    if (options.pgPool) {
      return new RateLimiterPostgres({ ...common, storeClient: options.pgPool, storeType: "pool", schemaName: "connector", tableName: "rate_limit", tableCreated: true, clearExpiredByTimeout: false, insuranceLimiter });
    }
    return insuranceLimiter;
  };
  const share = Math.min(1, Math.max(0, options.backgroundShare));
  const burstAll = make(options.burst, options.burstWindowSeconds, "burst");
  const burstBackground = make(options.burst * share, options.burstWindowSeconds, "burst_bg");
  // Daily buckets are keyed by the UTC date and live a little past it.
  const dailyAll = make(options.daily, 2 * 86_400, "daily");
  const dailyBackground = make(options.daily * share, 2 * 86_400, "daily_bg");
  const search = make(options.searchPerSecond ?? 5, 1, "search");

  const rejected = (e: unknown): e is RateLimiterRes => e instanceof RateLimiterRes;

  async function consume(limiter: RateLimiterAbstract, key: string): Promise<number | null> {
    try {
      await limiter.consume(key, 1);
      return null;
    } catch (e) {
      if (rejected(e)) return e.msBeforeNext;
      return null; // the store failed without insurance: do not block the call
    }
  }

  async function takeDaily(tenantId: string, priority: HubspotPriority, timeZone: string | null | undefined): Promise<void> {
    const now = Date.now();
    const key = `${tenantId}:${accountDay(new Date(now), timeZone)}`;
    const untilMidnight = untilAccountMidnight(now, timeZone);
    if (priority === "background" && (await consume(dailyBackground, key)) !== null) {
      throw new ConnectorUnavailableError("HUBSPOT", "RATE_LIMITED", untilMidnight);
    }
    if ((await consume(dailyAll, key)) !== null) throw new ConnectorUnavailableError("HUBSPOT", "RATE_LIMITED", untilMidnight);
  }

  async function takeSearch(tenantId: string): Promise<void> {
    const deadline = Date.now() + options.maxWaitMs;
    for (;;) {
      const wait = await consume(search, tenantId);
      if (wait === null) return;
      if (Date.now() + wait > deadline) throw new ConnectorUnavailableError("HUBSPOT", "RATE_LIMITED", wait);
      await new Promise((r) => setTimeout(r, wait + Math.floor(Math.random() * 20)));
    }
  }

  async function takeBurst(tenantId: string, priority: HubspotPriority): Promise<void> {
    const deadline = Date.now() + options.maxWaitMs;
    for (;;) {
      let wait = priority === "background" ? await consume(burstBackground, tenantId) : null;
      if (wait === null) {
        wait = await consume(burstAll, tenantId);
        // The shared bucket is full: give the background slot back while waiting.
        if (wait !== null && priority === "background") await burstBackground.reward(tenantId, 1).catch(() => {});
      }
      if (wait === null) return;
      if (Date.now() + wait > deadline) throw new ConnectorUnavailableError("HUBSPOT", "RATE_LIMITED", wait);
      await new Promise((r) => setTimeout(r, wait + Math.floor(Math.random() * 20)));
    }
  }

  /** Still connecting (start-up, reconnect): wait briefly for the shared store rather than count in this process only. */
  async function storeReady(): Promise<void> {
    if (!redis || !["connecting", "connect", "wait", "reconnecting"].includes(redis.status)) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1_000);
      redis.once("ready", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  return {
    async take(tenantId, priority, takeOptions = {}) {
      await storeReady();
      await takeDaily(tenantId, priority, takeOptions.timeZone);
      try {
        if (takeOptions.search) await takeSearch(tenantId);
        await takeBurst(tenantId, priority);
      } catch (error) {
        // Not sent after all: the day's request is not spent.
        const key = `${tenantId}:${accountDay(new Date(), takeOptions.timeZone)}`;
        await dailyAll.reward(key, 1).catch(() => {});
        if (priority === "background") await dailyBackground.reward(key, 1).catch(() => {});
        throw error;
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}
