// Knowing when the server is really listening for a subscription, instead of
// sleeping after the WebSocket handshake: graphql-ws acknowledges the
// connection, not the subscription. startTestApp watches its app's event bus;
// each subscription's event stream counts as listening once the server has
// started reading it (that registers the listener in the pub/sub engine), and,
// with Redis, once Redis reports a subscriber on the tenant's channel.
//
// This observes the bus without changing what it does: the wrapped iterator
// passes every call through.
import { Redis } from "ioredis";
import type { EventBus } from "../../src/data/pubsub.js";
import { topics } from "../../src/data/pubsub.js";
import { waitFor } from "./wait.js";

interface Watch {
  bus: EventBus;
  redisUrl: string | null;
  /** Tenants of the event streams the server has started reading, in order. */
  listening: string[];
  /** How many of those streams the server has closed (return() called). */
  closed: number;
}

const watches = new Map<string, Watch>();

/** Called by startTestApp: counts the event streams the app's subscriptions read. */
export function watchSubscriptions(wsUrl: string, bus: EventBus, redisUrl: string | null): void {
  const watch: Watch = { bus, redisUrl, listening: [], closed: 0 };
  watches.set(wsUrl, watch);
  const original = bus.subscribe.bind(bus);
  bus.subscribe = (tenantId) => {
    const inner = original(tenantId);
    let started = false;
    let closedOnce = false;
    const wrapped: AsyncIterableIterator<Awaited<ReturnType<typeof inner.next>>["value"]> = {
      next: (...args: [] | [unknown]) => {
        const result = inner.next(...args);
        // The engines register their listener synchronously inside the first next().
        if (!started) {
          started = true;
          watch.listening.push(tenantId);
        }
        return result;
      },
      return: (value?: unknown) => {
        if (!closedOnce) watch.closed++;
        closedOnce = true;
        return inner.return ? inner.return(value) : Promise.resolve({ value: undefined, done: true as const });
      },
      throw: (error?: unknown) => (inner.throw ? inner.throw(error) : Promise.reject(error)),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return wrapped;
  };
}

/** How many event streams the app behind `wsUrl` has closed so far (null: not a watched app). */
export function closedCount(wsUrl: string): number | null {
  return watches.get(wsUrl)?.closed ?? null;
}

/** How many event streams the app behind `wsUrl` has started reading so far (null: not a watched app). */
export function listeningCount(wsUrl: string): number | null {
  return watches.get(wsUrl)?.listening.length ?? null;
}

/**
 * Waits until the server behind `wsUrl` reads one more event stream than
 * `before`, or `gaveUp()` says the subscription ended (errors, closed socket).
 */
export async function untilListening(wsUrl: string, before: number, gaveUp: () => boolean, timeout = 10_000): Promise<void> {
  const watch = watches.get(wsUrl);
  if (!watch) throw new Error(`no test app is watched at ${wsUrl}: start it with startTestApp`);
  await waitFor(() => watch.listening.length > before || gaveUp(), { timeout, message: `the server at ${wsUrl} to start listening for the subscription` });
  if (watch.listening.length <= before || watch.bus.kind !== "redis" || !watch.redisUrl) return;
  const channel = topics.tenantEvents(watch.listening[before]!);
  const redis = new Redis(watch.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await waitFor(
      async () => {
        const reply = (await redis.call("PUBSUB", "NUMSUB", channel)) as [string, number];
        return Number(reply[1]) > 0;
      },
      { timeout, message: `Redis to report a subscriber on ${channel}` },
    );
  } finally {
    redis.disconnect();
  }
}
