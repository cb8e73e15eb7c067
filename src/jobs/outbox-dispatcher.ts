// Publishes outbox events to pub/sub and marks them delivered.
//
// Woken by LISTEN/NOTIFY as soon as a transaction with events commits, and by
// a periodic sweep (for missed notifications, retries, and events that
// waited while pub/sub was down). Each tenant's events are claimed under that
// tenant's context with FOR UPDATE SKIP LOCKED, so several service instances
// can dispatch side by side. Delivery is at least once; the event id lets a
// subscriber drop a repeat. A failed publish keeps the event (and everything
// after it, to preserve order) for a later attempt with backoff — except that
// when pub/sub reports its connection ready again, the backoff of the tenants
// this instance backed off is cleared and dispatch resumes at once.
//
// A suspended tenant's events are held (issue 15: a suspended tenant sends
// nothing): app_outbox_pending_tenants does not offer its tenant, and the claim
// below takes nothing while its suspension row exists (a suspension committed
// between the two). Held events are not attempts: nothing is marked, nothing
// backs off. The resume's own event (sales.tenant.resumed) wakes the dispatcher
// through NOTIFY, and the held events go out first, in their order.
import { withTenant, type Database, type Tx } from "../data/database.js";
import { listenForNotifications } from "../data/notification-listener.js";
import type { EventBus } from "../data/pubsub.js";
import type { DomainEvent } from "../domain/event.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

export interface OutboxDispatcher {
  /** Runs a dispatch pass now (tests and shutdown use it). Resolves when the backlog is drained or blocked. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

interface OutboxRow {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  attempts: number;
  backingOff: boolean;
}

const BATCH = 200;
const MAX_BACKOFF_SECONDS = 60;

export async function startOutboxDispatcher(deps: {
  db: Database;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  /** Connection string for the LISTEN connection (the service role). */
  listenUrl: string;
  sweepMs: number;
  /**
   * Runs in the transaction that marks a batch delivered (outbound webhooks enqueue their
   * jobs here): if it throws, the batch stays undelivered and is taken again later.
   */
  onDelivered?: (tx: Tx, tenantId: string, events: DomainEvent[]) => Promise<void>;
  /** Called after that transaction committed (wakes the webhook worker instead of waiting for its poll). */
  afterDelivered?: (tenantId: string, count: number) => void;
}): Promise<OutboxDispatcher> {
  const { db, bus, logger, metrics } = deps;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  /** Tenants whose events this instance put into backoff after a failed publish. */
  const backedOff = new Set<string>();

  async function dispatchTenant(tenantId: string): Promise<{ delivered: number; failed: boolean }> {
    return withTenant(db.prisma, { tenantId }, async (tx) => {
      const rows = await tx.$queryRaw<OutboxRow[]>`
        SELECT "id", "type", "payload", "createdAt", "attempts",
               ("lockedUntil" IS NOT NULL AND "lockedUntil" > CURRENT_TIMESTAMP) AS "backingOff"
        FROM "OutboxEvent" WHERE "deliveredAt" IS NULL
          AND NOT EXISTS (SELECT 1 FROM "TenantSuspension" s WHERE s."tenantId" = ${tenantId}::uuid)
        ORDER BY "createdAt", "id" LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`;
      const delivered: string[] = [];
      const deliveredEvents: DomainEvent[] = [];
      let failure: { row: OutboxRow; error: Error } | null = null;
      for (const row of rows) {
        // Keep the tenant's order: nothing overtakes an event waiting for its retry.
        if (row.backingOff) break;
        const { actor, ...payload } = row.payload;
        const event: DomainEvent = {
          id: row.id,
          tenantId,
          type: row.type,
          occurredAt: row.createdAt.toISOString(),
          actor: typeof actor === "string" ? actor : "unknown",
          payload,
        };
        try {
          await bus.publish(event);
          delivered.push(row.id);
          deliveredEvents.push(event);
        } catch (error) {
          failure = { row, error: error as Error };
          break;
        }
      }
      if (delivered.length) {
        await tx.$executeRaw`UPDATE "OutboxEvent" SET "deliveredAt" = CURRENT_TIMESTAMP, "attempts" = "attempts" + 1, "lastError" = NULL
          WHERE "id" = ANY(${delivered}::uuid[])`;
        if (deps.onDelivered) await deps.onDelivered(tx, tenantId, deliveredEvents);
        metrics.eventsPublished.inc({ outcome: "delivered" }, delivered.length);
      }
      if (failure) {
        const backoff = Math.min(2 ** Math.min(failure.row.attempts, 6), MAX_BACKOFF_SECONDS);
        await tx.$executeRaw`UPDATE "OutboxEvent" SET "attempts" = "attempts" + 1, "lastError" = ${failure.error.message.slice(0, 500)},
          "lockedUntil" = CURRENT_TIMESTAMP + make_interval(secs => ${backoff}) WHERE "id" = ${failure.row.id}::uuid`;
        metrics.eventsPublished.inc({ outcome: "failed" });
        logger.warn({ eventId: failure.row.id, err: failure.error }, "publishing an outbox event failed; it will be retried");
      }
      if (failure) backedOff.add(tenantId);
      else if (delivered.length) backedOff.delete(tenantId);
      return { delivered: delivered.length, failed: failure !== null };
    });
  }

  /** Pub/sub is back: clear the backoff this instance set, then dispatch now. */
  async function resume(): Promise<void> {
    for (const tenantId of [...backedOff]) {
      if (stopped) return;
      try {
        await withTenant(db.prisma, { tenantId }, (tx) =>
          tx.$executeRaw`UPDATE "OutboxEvent" SET "lockedUntil" = NULL
            WHERE "deliveredAt" IS NULL AND "lockedUntil" IS NOT NULL AND "lockedUntil" > CURRENT_TIMESTAMP`,
        );
        backedOff.delete(tenantId);
      } catch (error) {
        logger.warn({ err: error, tenantId }, "could not clear the outbox backoff after pub/sub reconnected");
      }
    }
    await trigger();
  }

  async function drain(): Promise<void> {
    for (let pass = 0; pass < 1000 && !stopped; pass++) {
      const tenants = await db.prisma.$queryRaw<{ id: string }[]>`SELECT app_outbox_pending_tenants(50) AS id`;
      if (tenants.length === 0) return;
      let progress = 0;
      for (const { id } of tenants) {
        const result = await dispatchTenant(id);
        if (result.delivered) deps.afterDelivered?.(id, result.delivered);
        progress += result.delivered;
      }
      if (progress === 0) return; // everything left is waiting for a retry
    }
  }

  function trigger(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await drain();
        } catch (error) {
          logger.error({ err: error }, "outbox dispatch pass failed");
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  // Woken at commit by the trigger on OutboxEvent; the sweep covers notifications lost while disconnected.
  const listener = await listenForNotifications({
    url: deps.listenUrl,
    channel: "outbox_event",
    applicationName: "sales-agent-outbox",
    logger,
    onNotification: () => void trigger(),
    onConnected: () => void trigger(),
  });
  const stopWatchingBus = bus.onReady(() => {
    if (backedOff.size) logger.info({ tenants: backedOff.size }, "pub/sub is back; resuming the outbox now");
    void resume();
  });
  const sweep = setInterval(() => void trigger(), deps.sweepMs);
  sweep.unref();
  void trigger();

  return {
    flush: () => trigger(),
    async stop() {
      stopped = true;
      stopWatchingBus();
      clearInterval(sweep);
      await running?.catch(() => {});
      await listener.stop();
    },
  };
}
