// Outbound webhook delivery.
//
// How an event reaches an endpoint at least once, without being lost on a crash:
// the outbox dispatcher, in the SAME transaction in which it marks a batch of
// events delivered (after publishing them to pub/sub), enqueues one pg-boss job
// per (event, matching enabled endpoint of that tenant) — `enqueueWebhookDeliveries`
// below, through pg-boss's `db` adapter over that transaction. Either both
// commit (the jobs are durable in PostgreSQL) or neither does (the events stay
// undelivered and the next dispatch pass takes them again). No window exists
// where an event is marked delivered but its webhook jobs are not stored.
//
// A job makes ONE attempt: it reads the endpoint and the event (short
// transaction), POSTs outside any transaction, then in one transaction writes
// the attempt's log row and — if it failed and attempts remain — enqueues the
// next attempt as a new job due after the jittered backoff; after the last
// attempt the endpoint turns FAILING and the tenant is told (audit + event).
// A worker that dies mid-attempt leaves the job active; pg-boss retries it
// after expiry (retryLimit), so the attempt is made again (at least once). An
// attempt whose log row already exists was completed and is not repeated, so a
// retried job never forks the retry chain.
import { QUEUES, type JobQueue } from "../data/job-queue.js";
import { withTenant, type Tx } from "../data/database.js";
import type { DomainEvent } from "../domain/event.js";
import { endpointWantsEvent, maxAttempts, retryDelayMs, signingSecrets, webhookBody } from "../domain/connection/webhook.js";
import { sendWebhook, type WebhookAttempt } from "../integrations/webhook/sender.js";
import type { LookupAll } from "../integrations/webhook/address-policy.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";
import { runUnitOfWork } from "../orchestration/unit-of-work.js";
import {
  markEndpointFailing,
  markEndpointRecovered,
  openWebhookSecrets,
  webhookActor,
  type WebhookDeliveryJob,
} from "../orchestration/connection/webhook-endpoint.js";

/**
 * Enqueues the first attempt for every (event, matching endpoint) of one tenant,
 * inside the dispatcher's transaction (tenant context already set). Returns how many.
 */
export async function enqueueWebhookDeliveries(jobs: JobQueue, tx: Tx, tenantId: string, events: Pick<DomainEvent, "id" | "type">[]): Promise<number> {
  const sales = events.filter((e) => e.type.startsWith("sales."));
  if (sales.length === 0) return 0;
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { enabled: true, status: { not: "DISABLED" } },
    select: { id: true, enabled: true, status: true, eventTypes: true },
  });
  if (endpoints.length === 0) return 0;
  const rows: { name: string; data: WebhookDeliveryJob }[] = [];
  for (const event of sales) {
    for (const endpoint of endpoints) {
      if (endpointWantsEvent(endpoint, event.type)) {
        rows.push({ name: QUEUES.webhookDelivery.name, data: { tenantId, endpointId: endpoint.id, eventId: event.id, attempt: 1 } });
      }
    }
  }
  for (const row of rows) await jobs.send(QUEUES.webhookDelivery.name, row.data, {}, tx);
  return rows.length;
}

type Prepared =
  | { kind: "skip"; reason: string }
  | { kind: "send"; url: string; body: string; secrets: string[]; eventType: string };

/** Makes one attempt of a delivery job and records it. Exported for tests. */
export async function runWebhookAttempt(services: Services, job: WebhookDeliveryJob, options: { resolve?: LookupAll } = {}): Promise<WebhookAttempt | null> {
  const { db, config, logger } = services;
  if (!services.connectors) throw new Error("connectors (the credential vault) are not configured in these services");
  const ring = services.connectors.vault.ring;
  const prepared = await withTenant(db.prisma, { tenantId: job.tenantId }, async (tx): Promise<Prepared> => {
    const endpoint = await tx.webhookEndpoint.findUnique({ where: { id: job.endpointId } });
    if (!endpoint) return { kind: "skip", reason: "endpoint deleted" };
    if (!endpoint.enabled || endpoint.status === "DISABLED") return { kind: "skip", reason: "endpoint disabled" };
    const done = await tx.webhookDelivery.findFirst({
      where: { endpointId: job.endpointId, eventId: job.eventId, attempt: job.attempt, manual: job.manual ?? false },
      select: { id: true },
    });
    if (done) return { kind: "skip", reason: "attempt already recorded" };
    const row = await tx.outboxEvent.findUnique({ where: { id: job.eventId } });
    if (!row) return { kind: "skip", reason: "event no longer kept" };
    const { actor: _actor, ...payload } = row.payload as Record<string, unknown>;
    const secrets = signingSecrets(openWebhookSecrets(ring, job.tenantId, endpoint.id, endpoint.secretEnvelope), new Date());
    return {
      kind: "send",
      url: endpoint.url,
      body: webhookBody({ type: row.type, occurredAt: row.createdAt.toISOString(), payload }),
      secrets,
      eventType: row.type,
    };
  });
  if (prepared.kind === "skip") {
    logger.debug({ webhook: { ...job }, reason: prepared.reason }, "webhook attempt skipped");
    return null;
  }
  const attempt = await sendWebhook(
    { url: prepared.url, id: job.eventId, body: prepared.body, secrets: prepared.secrets },
    { allowedHosts: config.WEBHOOK_ALLOWED_HOSTS, timeoutMs: config.WEBHOOK_TIMEOUT_MS, resolve: options.resolve },
  );
  const schedule = config.WEBHOOK_RETRY_SCHEDULE;
  const delay = attempt.ok || job.manual ? null : retryDelayMs(schedule, job.attempt, Math.random());
  const nextAttemptAt = delay === null ? null : new Date(Date.now() + delay);
  await runUnitOfWork(services, webhookActor(job.tenantId), async (uow) => {
    const endpoint = await uow.tx.webhookEndpoint.findUnique({ where: { id: job.endpointId }, select: { id: true } });
    if (!endpoint) return { ok: true as const, value: null }; // deleted meanwhile: its log went with it
    await uow.tx.webhookDelivery.create({
      data: {
        tenantId: job.tenantId,
        endpointId: job.endpointId,
        eventId: job.eventId,
        eventType: prepared.eventType,
        attempt: job.attempt,
        manual: job.manual ?? false,
        status: attempt.ok ? "SUCCEEDED" : "FAILED",
        responseStatus: attempt.status,
        latencyMs: attempt.latencyMs,
        error: attempt.error,
        responseBody: attempt.responseBody?.replace(/\u0000/g, "") ?? null,
        nextAttemptAt,
      },
    });
    if (attempt.ok) {
      await markEndpointRecovered(uow.tx, job.endpointId);
    } else if (nextAttemptAt) {
      const next: WebhookDeliveryJob = { ...job, attempt: job.attempt + 1 };
      await services.jobs.send(QUEUES.webhookDelivery.name, next, { startAfter: nextAttemptAt }, uow.tx);
    } else if (!job.manual) {
      await markEndpointFailing(uow, job.endpointId, job.eventId, maxAttempts(schedule));
    }
    return { ok: true as const, value: null };
  });
  return attempt;
}

export interface WebhookDeliveryWorker {
  /** Fetch now rather than at the next poll (called once the dispatcher's transaction committed new jobs). */
  wake(): void;
}

export async function startWebhookDeliveryWorker(services: Services): Promise<WebhookDeliveryWorker> {
  const { jobs, logger } = services;
  const workerId = await workTenantQueue<WebhookDeliveryJob>(services, QUEUES.webhookDelivery.name, { batchSize: 10, pollingIntervalSeconds: 0.5 }, async (batch) => {
    // The batch's attempts run side by side; if any threw, the whole batch is retried by pg-boss and
    // the attempts already recorded are skipped.
    const results = await Promise.allSettled(batch.map((job) => runWebhookAttempt(services, job.data)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      logger.warn({ err: failed.reason }, "a webhook delivery attempt could not be recorded; it will be retried");
      throw failed.reason;
    }
  });
  return { wake: () => jobs.boss.notifyWorker(workerId) };
}
