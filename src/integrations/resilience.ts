// One resilience policy for every call to an external system (Google,
// HubSpot, the AI provider), built on cockatiel:
//   rate limit → timeout → circuit breaker → the call, all inside a retry.
// - Retries: transient failures only (network errors, timeouts, 408, 429,
//   5xx), exponential backoff with full jitter; a Retry-After from the
//   provider (429/503) wins over the backoff. A wait longer than the cap fails
//   fast with the error, so the caller (a job) retries later instead of
//   holding a worker.
// - Circuit breaker per (tenant, provider): opens after N consecutive
//   transient failures, lets one trial call through after the half-open
//   delay, closes when it succeeds. Client errors (4xx other than 408/429)
//   never open it. The state is exposed (circuitState / circuits) for /ready,
//   the metrics and the connection's health.
// - Rate limit per (tenant, provider), shared across instances:
//   rate-limiter-flexible in Redis when REDIS_URL is set, else in PostgreSQL
//   (connector.rate_limit), with an in-memory insurance limiter if the store
//   fails. Over the limit, the call waits for the next free slot (up to the
//   cap) instead of hitting the provider's own 429.
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  IsolatedCircuitError,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
  type IRetryBackoffContext,
} from "cockatiel";
import { Redis } from "ioredis";
import type pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { Gauge, Counter, type Registry } from "prom-client";

export type ConnectorProvider = "GOOGLE" | "HUBSPOT" | "AI" | (string & {});

export interface ResilienceOptions {
  timeoutMs: number;
  /** Retries after the first attempt (0: none). */
  maxRetries: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
  /** Calls per second per (tenant, provider); providers not listed are not limited. */
  ratePerSecond: Partial<Record<string, number>>;
  /** Shared limiter state: Redis when given, else PostgreSQL when a pool is given, else this process only. */
  redisUrl?: string;
  pgPool?: pg.Pool;
  registry?: Registry;
  /** Called for every state change of a circuit (logging). */
  onCircuitChange?: (change: { tenantId: string; provider: string; state: CircuitStateName }) => void;
}

export type CircuitStateName = "closed" | "open" | "half_open" | "isolated";
const STATE_NAME: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half_open",
  [CircuitState.Isolated]: "isolated",
};
const STATE_VALUE: Record<CircuitStateName, number> = { closed: 0, open: 1, half_open: 2, isolated: 3 };

export interface CallOptions {
  /** false for calls that must not be repeated blindly (e.g. sending mail): no retries. */
  idempotent?: boolean;
}

/** Refused without calling the provider: the circuit is open, or the rate limit wait would exceed the cap. */
export class ConnectorUnavailableError extends Error {
  constructor(
    readonly provider: string,
    readonly reason: "CIRCUIT_OPEN" | "RATE_LIMITED",
    /** When a retry may succeed, in ms (0 unknown). */
    readonly retryAfterMs: number,
  ) {
    super(reason === "CIRCUIT_OPEN" ? `${provider} is unavailable (circuit open); try again later.` : `${provider} rate limit reached; try again later.`);
    this.name = "ConnectorUnavailableError";
  }
}

export interface HttpFailure {
  status: number | null;
  retryAfterMs: number | null;
}

function headerValue(headers: unknown, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as { get?: unknown }).get === "function") {
    const v = (headers as { get(n: string): unknown }).get(name);
    return typeof v === "string" ? v : null;
  }
  if (typeof headers === "object") {
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
      if (k.toLowerCase() === name) return Array.isArray(v) ? String(v[0]) : typeof v === "string" || typeof v === "number" ? String(v) : null;
    }
  }
  return null;
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The HTTP status and Retry-After of an SDK error (gaxios, @hubspot/api-client, openai, fetch-like). */
export function httpFailure(error: unknown): HttpFailure {
  const e = error as { status?: unknown; code?: unknown; response?: { status?: unknown; headers?: unknown }; headers?: unknown } | null;
  const status =
    typeof e?.response?.status === "number" ? e.response.status
    : typeof e?.status === "number" ? e.status
    : typeof e?.code === "number" ? e.code
    : null;
  const retryAfter = headerValue(e?.response?.headers, "retry-after") ?? headerValue(e?.headers, "retry-after");
  return { status, retryAfterMs: parseRetryAfter(retryAfter) };
}

/** Worth another try: network errors, timeouts, 408, 429, 5xx. Never an open circuit or a client error. */
export function isTransient(error: unknown): boolean {
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError || error instanceof ConnectorUnavailableError) return false;
  if (error instanceof TaskCancelledError) return true;
  const { status } = httpFailure(error);
  if (status === null) {
    const code = (error as { code?: unknown })?.code;
    // Network-level failures from Node / gaxios / fetch.
    return typeof code === "string" ? /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(code) : error instanceof TypeError;
  }
  return status === 408 || status === 429 || status >= 500;
}

class RetryAfterTooLong extends Error {}

export interface Resilience {
  /** Runs `fn` for (tenant, provider) under the policy; `fn` gets an AbortSignal that fires on timeout. */
  execute<T>(tenantId: string, provider: ConnectorProvider, fn: (signal: AbortSignal) => Promise<T>, options?: CallOptions): Promise<T>;
  circuitState(tenantId: string, provider: ConnectorProvider): CircuitStateName;
  /** Every circuit this instance knows, for /ready and metrics. */
  circuits(): { tenantId: string; provider: string; state: CircuitStateName }[];
  close(): Promise<void>;
}

export function createResilience(options: ResilienceOptions): Resilience {
  const breakers = new Map<string, { tenantId: string; provider: string; policy: CircuitBreakerPolicy }>();
  const limiters = new Map<string, RateLimiterAbstract>();
  const redis = options.redisUrl
    ? new Redis(options.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 })
    : null;
  redis?.on("error", () => {}); // failures surface per call; the insurance limiter takes over
  redis?.connect().catch(() => {});

  const gauge = options.registry
    ? new Gauge({
        name: "connector_circuit_state",
        help: "Circuit breaker state per tenant and provider (0 closed, 1 open, 2 half-open, 3 isolated)",
        labelNames: ["tenant", "provider"],
        registers: [options.registry],
      })
    : null;
  const calls = options.registry
    ? new Counter({
        name: "connector_calls_total",
        help: "Calls to external systems by provider and outcome (ok, retried, failed, circuit_open, rate_limited)",
        labelNames: ["provider", "outcome"],
        registers: [options.registry],
      })
    : null;

  function breakerFor(tenantId: string, provider: string): CircuitBreakerPolicy {
    const key = `${provider}:${tenantId}`;
    let entry = breakers.get(key);
    if (!entry) {
      const policy = circuitBreaker(handleWhen(isTransient), {
        halfOpenAfter: options.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(options.breakerThreshold),
      });
      policy.onStateChange((state) => {
        gauge?.set({ tenant: tenantId, provider }, STATE_VALUE[STATE_NAME[state]]);
        options.onCircuitChange?.({ tenantId, provider, state: STATE_NAME[state] });
      });
      gauge?.set({ tenant: tenantId, provider }, 0);
      entry = { tenantId, provider, policy };
      breakers.set(key, entry);
    }
    return entry.policy;
  }

  function limiterFor(provider: string): RateLimiterAbstract | null {
    const points = options.ratePerSecond[provider];
    if (!points) return null;
    let limiter = limiters.get(provider);
    if (!limiter) {
      const common = { points, duration: 1, keyPrefix: `connector_${provider.toLowerCase()}` };
      const insuranceLimiter = new RateLimiterMemory(common);
      limiter = redis
        ? new RateLimiterRedis({ ...common, storeClient: redis, insuranceLimiter, rejectIfRedisNotReady: true })
        : options.pgPool
          ? new RateLimiterPostgres({
              ...common,
              storeClient: options.pgPool,
              storeType: "pool",
              schemaName: "connector",
              tableName: "rate_limit",
              tableCreated: true,
              clearExpiredByTimeout: false,
              insuranceLimiter,
            })
          : insuranceLimiter;
      limiters.set(provider, limiter);
    }
    return limiter;
  }

  async function takeSlot(tenantId: string, provider: string, signal: AbortSignal): Promise<void> {
    const limiter = limiterFor(provider);
    if (!limiter) return;
    // Still connecting (start-up, reconnect): wait briefly for the shared store rather than fall back to per-process counting.
    if (redis && (redis.status === "connecting" || redis.status === "connect" || redis.status === "wait" || redis.status === "reconnecting")) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        redis.once("ready", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    for (;;) {
      try {
        await limiter.consume(tenantId, 1);
        return;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) return; // the store failed and had no insurance: do not block the call
        const wait = rejection.msBeforeNext;
        if (wait > options.maxRetryDelayMs) {
          calls?.inc({ provider, outcome: "rate_limited" });
          throw new ConnectorUnavailableError(provider, "RATE_LIMITED", wait);
        }
        await sleep(wait + Math.floor(Math.random() * 20), signal);
      }
    }
  }

  function backoff(ctx: IRetryBackoffContext<unknown>): number {
    const error = "error" in ctx.result ? ctx.result.error : undefined;
    const told = httpFailure(error).retryAfterMs;
    if (told !== null) {
      if (told > options.maxRetryDelayMs) throw new RetryAfterTooLong();
      return told;
    }
    // Full jitter: uniform in [0, base·2^(attempt−1)], capped.
    const ceiling = Math.min(options.maxRetryDelayMs, options.retryBaseMs * 2 ** (ctx.attempt - 1));
    return Math.round(Math.random() * ceiling);
  }

  return {
    async execute(tenantId, provider, fn, callOptions = {}) {
      const breaker = breakerFor(tenantId, provider);
      // The breaker sees timeouts as failures: it wraps the timeout, not the other way round.
      const attempt = wrap(breaker, timeout(options.timeoutMs, TimeoutStrategy.Aggressive));
      const once = () =>
        attempt.execute(async ({ signal }) => {
          await takeSlot(tenantId, provider, signal);
          return fn(signal);
        });
      const retries = callOptions.idempotent === false ? 0 : options.maxRetries;
      // A Retry-After over the cap must end the retries with the provider's own error, not a backoff error.
      let lastError: unknown;
      const policy = retry(
        handleWhen((e) => {
          lastError = e;
          if (!isTransient(e)) return false;
          const told = httpFailure(e).retryAfterMs;
          return told === null || told <= options.maxRetryDelayMs;
        }),
        { maxAttempts: retries, backoff: new DelegateBackoff(backoff) },
      );
      let tries = 0;
      try {
        const result = await policy.execute(() => {
          tries++;
          return once();
        });
        calls?.inc({ provider, outcome: tries > 1 ? "retried" : "ok" });
        return result;
      } catch (error) {
        if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
          calls?.inc({ provider, outcome: "circuit_open" });
          throw new ConnectorUnavailableError(provider, "CIRCUIT_OPEN", options.halfOpenAfterMs);
        }
        if (error instanceof RetryAfterTooLong) throw lastError;
        if (!(error instanceof ConnectorUnavailableError)) calls?.inc({ provider, outcome: "failed" });
        throw error;
      }
    },
    circuitState(tenantId, provider) {
      const entry = breakers.get(`${provider}:${tenantId}`);
      return entry ? STATE_NAME[entry.policy.state] : "closed";
    },
    circuits() {
      return [...breakers.values()].map((b) => ({ tenantId: b.tenantId, provider: b.provider, state: STATE_NAME[b.policy.state] }));
    },
    async close() {
      redis?.disconnect();
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new TaskCancelledError());
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new TaskCancelledError());
    }, { once: true });
  });
}
