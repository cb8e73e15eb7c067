// Pub/sub for live events. In-process when no REDIS_URL is configured (one
// service instance), Redis (graphql-redis-subscriptions on ioredis) otherwise,
// so every instance's subscribers see every event.
//
// Topics live in one typed map and always include the tenant id: a
// subscriber can only ever be attached to its own tenant's topic.
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
  close(): Promise<void>;
}

export function createEventBus(redisUrl: string | undefined): EventBus {
  return redisUrl ? redisEventBus(redisUrl) : memoryEventBus();
}

function busOver(kind: EventBus["kind"], engine: PubSubEngine, extra: Pick<EventBus, "isHealthy" | "close">): EventBus {
  return {
    kind,
    publish: (event) => engine.publish(topics.tenantEvents(event.tenantId), event),
    subscribe: (tenantId) => engine.asyncIterableIterator<DomainEvent>(topics.tenantEvents(tenantId)),
    ...extra,
  };
}

function memoryEventBus(): EventBus {
  return busOver("memory", new PubSub(), { isHealthy: async () => true, close: async () => {} });
}

function redisEventBus(url: string): EventBus {
  const options: RedisOptions = {
    // Fail fast while Redis is down instead of queueing in memory: the outbox
    // keeps the event and the dispatcher retries once Redis is back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
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
  return busOver("redis", engine, {
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
