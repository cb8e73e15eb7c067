// Fair use (issue 15): every GraphQL operation spends points from two token
// buckets — its caller's (the API key, or the user in that tenant) and its
// tenant's — weighted by the operation's computed cost (the same complexity
// the cost limit uses: 1 point per started 100 of complexity). Buckets live in
// Redis when REDIS_URL is set (shared by every instance) and in memory
// otherwise (one instance). GitHub-style feedback: X-RateLimit-Limit /
// -Remaining / -Reset headers, a `rateLimit` field, and RATE_LIMITED (HTTP
// 429, Retry-After) when a bucket is empty — nothing of the refused operation
// runs. Open WebSockets are capped per principal on each instance.
// A tenant's OWNER may lower both budgets for the tenant (settings
// governance.apiRateLimit, never above the platform's): the limit is read
// from the database and remembered per instance until the tenant changes —
// a committed change to the Tenant row is announced on the `auth_change`
// channel and every instance forgets the tenant's limits at once
// (forgetTenant, wired in app.ts); TENANT_LIMITS_TTL_MS only bounds how long
// a lost announcement could go unnoticed. The points spent stay in the
// shared buckets, so every instance applies the new limit.
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config/index.js";
import type { Principal } from "../domain/access/principal.js";
import { effectiveRateLimits, type ApiRateLimitSettings, type PlatformRateLimits } from "../domain/governance/policy.js";

/** The longest an instance remembers a tenant's own limits without hearing of a change (a heard change applies at once). */
export const TENANT_LIMITS_TTL_MS = 5_000;

/** Reads a tenant's own request budgets (its governance.apiRateLimit settings). */
export type TenantLimitsLookup = (tenantId: string) => Promise<ApiRateLimitSettings | null>;

/** What the caller sees about its budget after an operation was charged. */
export interface RateLimitStatus {
  /** Points this operation cost. */
  cost: number;
  /** The caller's bucket size per window. */
  limit: number;
  /** Points left in the caller's bucket (the lower of the caller's and the tenant's). */
  remaining: number;
  /** When the bucket is full again. */
  resetAt: Date;
}

export class RateLimitedError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    readonly status: RateLimitStatus,
    readonly scope: "caller" | "tenant",
  ) {
    super(
      scope === "tenant"
        ? `Your organisation has used its request budget for now. Retry after ${retryAfterSeconds} s.`
        : `You have used your request budget for now. Retry after ${retryAfterSeconds} s.`,
    );
    this.name = "RateLimitedError";
  }
}

export interface RateLimiter {
  /** Charges the operation's cost; throws RateLimitedError when a bucket cannot pay it. */
  charge(principal: Principal, complexity: number): Promise<RateLimitStatus>;
  /** The points an operation of this complexity costs. */
  costOf(complexity: number): number;
  /** Forgets what this instance remembers of a tenant's limits (null: of every tenant), e.g. when its settings changed. */
  forgetTenant(tenantId: string | null): void;
  close(): Promise<void>;
}

export function createRateLimiter(
  config: Pick<Config, "REDIS_URL" | "RATE_LIMIT_CALLER_POINTS" | "RATE_LIMIT_TENANT_POINTS" | "RATE_LIMIT_WINDOW_SECONDS">,
  tenantLimits?: TenantLimitsLookup,
): RateLimiter {
  const duration = config.RATE_LIMIT_WINDOW_SECONDS;
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false }) : null;
  redis?.on("error", () => {}); // a Redis outage falls back to the per-instance insurance buckets
  const make = (points: number, keyPrefix: string): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ points, duration, keyPrefix });
    return redis ? new RateLimiterRedis({ points, duration, keyPrefix, storeClient: redis, insuranceLimiter: memory }) : memory;
  };
  // One limiter per bucket size; a bucket's spent points live under the same key whatever its size,
  // so a tenant whose limit changes keeps what it spent.
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiter = (keyPrefix: "api_caller" | "api_tenant", points: number) => {
    const name = `${keyPrefix}:${points}`;
    let found = limiters.get(name);
    if (!found) limiters.set(name, (found = make(points, keyPrefix)));
    return found;
  };
  const platform: PlatformRateLimits = { tenantPoints: config.RATE_LIMIT_TENANT_POINTS, callerPoints: config.RATE_LIMIT_CALLER_POINTS };
  const remembered = new Map<string, { limits: PlatformRateLimits; until: number }>();
  // Bumped by every forgetTenant: a read that started before a change is not remembered after it.
  let generation = 0;
  const limitsOf = async (tenantId: string): Promise<PlatformRateLimits> => {
    if (!tenantLimits) return platform;
    const hit = remembered.get(tenantId);
    if (hit && hit.until > Date.now()) return hit.limits;
    const started = generation;
    const limits = effectiveRateLimits(await tenantLimits(tenantId), platform);
    if (started !== generation) return limits;
    if (remembered.size > 10_000) remembered.clear();
    remembered.set(tenantId, { limits, until: Date.now() + TENANT_LIMITS_TTL_MS });
    return limits;
  };
  const costOf = (complexity: number) => 1 + Math.floor(Math.max(0, complexity) / 100);

  const statusOf = (res: RateLimiterRes, limit: number, cost: number): RateLimitStatus => ({
    cost,
    limit,
    remaining: Math.max(0, res.remainingPoints),
    resetAt: new Date(Date.now() + res.msBeforeNext),
  });

  return {
    costOf,
    forgetTenant(tenantId) {
      generation++;
      if (tenantId === null) remembered.clear();
      else remembered.delete(tenantId);
    },
    async charge(principal, complexity) {
      const cost = costOf(complexity);
      const limits = await limitsOf(principal.tenantId);
      const caller = limiter("api_caller", limits.callerPoints);
      const tenant = limiter("api_tenant", limits.tenantPoints);
      const callerKey = principal.kind === "API_KEY" ? `key:${principal.id}` : `user:${principal.tenantId}:${principal.id}`;
      let callerRes: RateLimiterRes;
      try {
        callerRes = await caller.consume(callerKey, cost);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const status = statusOf(rejection, limits.callerPoints, cost);
        throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), status, "caller");
      }
      try {
        const tenantRes = await tenant.consume(principal.tenantId, cost);
        const status = statusOf(callerRes, limits.callerPoints, cost);
        status.remaining = Math.min(status.remaining, Math.max(0, tenantRes.remainingPoints));
        return status;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        // The tenant could not pay: give the caller its points back, so one noisy colleague does not cost twice.
        await caller.reward(callerKey, cost).catch(() => {});
        const status = statusOf(rejection, limits.tenantPoints, cost);
        throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), status, "tenant");
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}

/** Open WebSocket connections per principal on this instance. */
export class ConnectionCap {
  private readonly open = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** Takes a slot for the principal; false when it already holds `max`. */
  acquire(principal: Principal): boolean {
    const key = `${principal.kind}:${principal.tenantId}:${principal.id}`;
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) return false;
    this.open.set(key, count + 1);
    return true;
  }

  release(principal: Principal): void {
    const key = `${principal.kind}:${principal.tenantId}:${principal.id}`;
    const count = (this.open.get(key) ?? 1) - 1;
    if (count <= 0) this.open.delete(key);
    else this.open.set(key, count);
  }
}
