// Pub/sub for live events. In-process when no REDIS_URL is configured (one
// service instance), Redis (graphql-redis-subscriptions on ioredis) otherwise,
// so every instance's subscribers see every event.
//
// Topics live in one typed map and always include the tenant id: a
// subscriber can only ever be attached to its own tenant's topic.
import { EventEmitter } from "node:events";
import { PubSub, type PubSubEngine } from "graphql-subscriptions";
import { RedisPubSub } from "graphql-redis-subscriptions";
import { Redis, type RedisOptions } from "ioredis";
import type { DomainEvent } from "../domain/event.js";

export const topics = {
  tenantEvents: (tenantId: string) => `tenant:${tenantId}:events`,
} as const;

export interface EventBus {
  readonly kind: "memory" | "redis";
  /** Publishes to the event's tenant topic; rejects when the transport is down (the outbox retries). */
  publish(event: DomainEvent): Promise<void>;
  /** Events of one tenant, as they are published. */
  subscribe(tenantId: string): AsyncIterableIterator<DomainEvent>;
  isHealthy(): Promise<boolean>;
  /**
   * Calls `listener` whenever the publishing connection becomes ready again
   * (after Redis was down), so the outbox can resume at once instead of
   * waiting out its backoff. Returns an unsubscribe function.
   */
  onReady(listener: () => void): () => void;
  close(): Promise<void>;
}

export function createEventBus(redisUrl: string | undefined): EventBus {
  return redisUrl ? redisEventBus(redisUrl) : memoryEventBus();
}

function busOver(kind: EventBus["kind"], engine: PubSubEngine, extra: Pick<EventBus, "isHealthy" | "close" | "onReady">): EventBus {
  return {
    kind,
    publish: (event) => engine.publish(topics.tenantEvents(event.tenantId), event),
    subscribe: (tenantId) => engine.asyncIterableIterator<DomainEvent>(topics.tenantEvents(tenantId)),
    ...extra,
  };
}

function memoryEventBus(): EventBus {
  // One listener per open subscription on a tenant's topic: many is normal (a console opens a few per
  // person), not a leak; open connections are capped per principal (WS_MAX_CONNECTIONS_PER_PRINCIPAL).
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return busOver("memory", new PubSub({ eventEmitter: emitter }), { isHealthy: async () => true, onReady: () => () => {}, close: async () => {} });
}

function redisEventBus(url: string): EventBus {
  const options: RedisOptions = {
    // Fail fast while Redis is down instead of queueing in memory: the outbox
    // keeps the event and the dispatcher retries once Redis is back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Reconnect attempts are cheap (a refused connection): retry at least every
    // second, so events flow again within about a second of Redis coming back.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    lazyConnect: false,
  };
  const publisher = new Redis(url, options);
  // The subscriber may queue its SUBSCRIBE commands until connected, and
  // re-subscribes by itself after a reconnect.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  // Connection errors are expected while Redis is down; readiness reports them.
  publisher.on("error", () => {});
  subscriber.on("error", () => {});
  const engine = new RedisPubSub({ publisher, subscriber });
  // "Back" means both connections are ready and this instance's subscriptions
  // are in place again: ioredis re-sends SUBSCRIBE right after emitting
  // 'ready', so a PING queued behind them answers once they are done (an event
  // published earlier would miss this instance's own subscribers).
  const readyListeners = new Set<() => void>();
  const whenBothReady = async () => {
    if (publisher.status !== "ready" || subscriber.status !== "ready") return;
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await subscriber.ping();
    } catch {
      return; // down again; the next 'ready' tries again
    }
    for (const listener of readyListeners) listener();
  };
  publisher.on("ready", () => void whenBothReady());
  subscriber.on("ready", () => void whenBothReady());
  return busOver("redis", engine, {
    onReady(listener) {
      readyListeners.add(listener);
      return () => void readyListeners.delete(listener);
    },
    async isHealthy() {
      if (publisher.status !== "ready") return false;
      try {
        return (await publisher.ping()) === "PONG";
      } catch {
        return false;
      }
    },
    async close() {
      await engine.close().catch(() => {});
      publisher.disconnect();
      subscriber.disconnect();
    },
  });
}
