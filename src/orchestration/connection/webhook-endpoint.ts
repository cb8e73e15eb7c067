// Outbound webhook endpoints: create, update, delete, rotate the signing
// secret, redeliver. The secret is generated here, shown once (create and
// rotate), and stored sealed by the credential vault's key ring (AAD = tenant +
// endpoint). Every change is audited and evented (`sales.webhook.*`).
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { QUEUES } from "../../data/job-queue.js";
import type { Tx } from "../../data/database.js";
import { open, seal, type KeyRing } from "../../domain/connection/credential.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import {
  eventTypePatternProblem,
  generateWebhookSecret,
  MAX_WEBHOOK_EVENT_TYPES,
  rotatedSecrets,
  webhookSecretAad,
  webhookUrlProblem,
  type WebhookSecrets,
} from "../../domain/connection/webhook.js";
import type { Services } from "../services.js";
import { runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";

export const webhookEndpointCreateSchema = z.object({
  url: z.string().trim().min(1, "must not be empty"),
  description: z.string().trim().max(500).default(""),
  eventTypes: z.array(z.string().trim()).max(MAX_WEBHOOK_EVENT_TYPES).default([]),
  enabled: z.boolean().default(true),
});
export type WebhookEndpointCreateInput = z.infer<typeof webhookEndpointCreateSchema>;

export const webhookEndpointUpdateSchema = z.object({
  endpointId: z.string(),
  url: z.string().trim().min(1, "must not be empty").optional(),
  description: z.string().trim().max(500).optional(),
  eventTypes: z.array(z.string().trim()).max(MAX_WEBHOOK_EVENT_TYPES).optional(),
  enabled: z.boolean().optional(),
});
export type WebhookEndpointUpdateInput = z.infer<typeof webhookEndpointUpdateSchema>;

/** The job that makes one delivery attempt (src/jobs/webhook-delivery.ts). */
export interface WebhookDeliveryJob {
  tenantId: string;
  endpointId: string;
  eventId: string;
  attempt: number;
  manual?: boolean;
}

function ringOf(services: Pick<Services, "connectors">): KeyRing {
  if (!services.connectors) throw new Error("connectors (the credential vault) are not configured in these services");
  return services.connectors.vault.ring;
}

export function sealWebhookSecrets(ring: KeyRing, tenantId: string, endpointId: string, secrets: WebhookSecrets): string {
  return seal(ring, JSON.stringify(secrets), webhookSecretAad(tenantId, endpointId));
}

export function openWebhookSecrets(ring: KeyRing, tenantId: string, endpointId: string, envelope: string): WebhookSecrets {
  return JSON.parse(open(ring, envelope, webhookSecretAad(tenantId, endpointId))) as WebhookSecrets;
}

function validate(input: { url?: string; eventTypes?: string[] }): UserError[] {
  const errors: UserError[] = [];
  if (input.url !== undefined) {
    const problem = webhookUrlProblem(input.url);
    if (problem) errors.push(userError("VALIDATION_FAILED", `The URL ${problem}.`, ["input", "url"]));
  }
  input.eventTypes?.forEach((t, i) => {
    const problem = eventTypePatternProblem(t);
    if (problem) errors.push(userError("VALIDATION_FAILED", `"${t.slice(0, 100)}": ${problem}.`, ["input", "eventTypes", String(i)]));
  });
  return errors;
}

/** Audit summaries and events show the endpoint's origin only: a URL's path or query can carry the receiver's token. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}

export async function createWebhookEndpoint(
  services: Services,
  actor: Actor,
  input: WebhookEndpointCreateInput,
  idempotencyKey?: string | null,
): Promise<Outcome<{ endpointId: string; secret: string | null }>> {
  const errors = validate(input);
  if (errors.length) return fail(...errors);
  const ring = ringOf(services);
  // The secret exists only in this closure: a replay of the idempotency key does not show it again.
  let secret: string | null = null;
  const outcome = await runMutation(services, actor, { operation: "webhookEndpointCreate", input, idempotencyKey }, async (uow) => {
    const tenantId = actor.principal.tenantId;
    const id = randomUUID();
    secret = generateWebhookSecret();
    const created = await uow.tx.webhookEndpoint.create({
      data: {
        id,
        tenantId,
        url: input.url,
        description: input.description,
        eventTypes: [...new Set(input.eventTypes)],
        enabled: input.enabled,
        status: input.enabled ? "ACTIVE" : "DISABLED",
        secretEnvelope: sealWebhookSecrets(ring, tenantId, id, { current: secret }),
        keyId: ring.current.id,
        createdById: actor.principal.userId,
      },
    });
    const summary = { origin: origin(input.url), eventTypes: created.eventTypes, enabled: created.enabled };
    await uow.audit({ action: "webhook_endpoint.created", targetType: "WebhookEndpoint", targetId: id, summary });
    await uow.emit("sales.webhook.endpoint_created", { endpointId: id, ...summary });
    return ok({ endpointId: id, secret: null as string | null });
  });
  return outcome.ok ? ok({ endpointId: outcome.value.endpointId, secret }) : outcome;
}

export async function updateWebhookEndpoint(
  services: Services,
  actor: Actor,
  input: WebhookEndpointUpdateInput,
  idempotencyKey?: string | null,
): Promise<Outcome<{ endpointId: string }>> {
  const errors = validate(input);
  if (errors.length) return fail(...errors);
  return runMutation(services, actor, { operation: "webhookEndpointUpdate", input, idempotencyKey }, async (uow) => {
    const endpoint = await uow.tx.webhookEndpoint.findUnique({ where: { id: input.endpointId } });
    if (!endpoint) return fail(userError("NOT_FOUND", "No such webhook endpoint.", ["input", "endpointId"]));
    const enabled = input.enabled ?? endpoint.enabled;
    // Turning an endpoint on (again) starts it afresh; turning it off disables it.
    const status = !enabled ? "DISABLED" : input.enabled === true && !endpoint.enabled ? "ACTIVE" : endpoint.status === "DISABLED" ? "ACTIVE" : endpoint.status;
    const updated = await uow.tx.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: {
        url: input.url ?? endpoint.url,
        description: input.description ?? endpoint.description,
        eventTypes: input.eventTypes ? [...new Set(input.eventTypes)] : endpoint.eventTypes,
        enabled,
        status,
        failingSince: status === "FAILING" ? endpoint.failingSince : null,
      },
    });
    const summary = { origin: origin(updated.url), eventTypes: updated.eventTypes, enabled, status, urlChanged: updated.url !== endpoint.url };
    await uow.audit({ action: "webhook_endpoint.updated", targetType: "WebhookEndpoint", targetId: endpoint.id, summary });
    await uow.emit("sales.webhook.endpoint_updated", { endpointId: endpoint.id, ...summary });
    return ok({ endpointId: endpoint.id });
  });
}

export async function deleteWebhookEndpoint(
  services: Services,
  actor: Actor,
  input: { endpointId: string },
  idempotencyKey?: string | null,
): Promise<Outcome<{ endpointId: string }>> {
  return runMutation(services, actor, { operation: "webhookEndpointDelete", input, idempotencyKey }, async (uow) => {
    const endpoint = await uow.tx.webhookEndpoint.findUnique({ where: { id: input.endpointId } });
    if (!endpoint) return fail(userError("NOT_FOUND", "No such webhook endpoint.", ["input", "endpointId"]));
    // Its delivery log goes with it (ON DELETE CASCADE); queued attempts find no endpoint and stop.
    await uow.tx.webhookEndpoint.delete({ where: { id: endpoint.id } });
    await uow.audit({ action: "webhook_endpoint.deleted", targetType: "WebhookEndpoint", targetId: endpoint.id, summary: { origin: origin(endpoint.url) } });
    await uow.emit("sales.webhook.endpoint_deleted", { endpointId: endpoint.id });
    return ok({ endpointId: endpoint.id });
  });
}

export async function rotateWebhookSecret(
  services: Services,
  actor: Actor,
  input: { endpointId: string },
  idempotencyKey?: string | null,
): Promise<Outcome<{ endpointId: string; secret: string | null; previousValidUntil: Date | null }>> {
  const ring = ringOf(services);
  let secret: string | null = null;
  const outcome = await runMutation(services, actor, { operation: "webhookEndpointRotateSecret", input, idempotencyKey }, async (uow) => {
    const tenantId = actor.principal.tenantId;
    const rows = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "WebhookEndpoint" WHERE "id" = ${input.endpointId}::uuid FOR UPDATE`;
    const endpoint = rows.length ? await uow.tx.webhookEndpoint.findUnique({ where: { id: rows[0]!.id } }) : null;
    if (!endpoint) return fail(userError("NOT_FOUND", "No such webhook endpoint.", ["input", "endpointId"]));
    const now = new Date();
    secret = generateWebhookSecret();
    const next = rotatedSecrets(openWebhookSecrets(ring, tenantId, endpoint.id, endpoint.secretEnvelope), secret, now, services.config.WEBHOOK_SECRET_GRACE_SECONDS);
    await uow.tx.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: { secretEnvelope: sealWebhookSecrets(ring, tenantId, endpoint.id, next), keyId: ring.current.id },
    });
    const previousValidUntil = next.previous ? new Date(next.previous.validUntil) : null;
    const summary = { previousValidUntil: previousValidUntil?.toISOString() ?? null };
    await uow.audit({ action: "webhook_endpoint.secret_rotated", targetType: "WebhookEndpoint", targetId: endpoint.id, summary });
    await uow.emit("sales.webhook.secret_rotated", { endpointId: endpoint.id, ...summary });
    return ok({ endpointId: endpoint.id, secret: null as string | null, previousValidUntil });
  });
  return outcome.ok ? ok({ ...outcome.value, secret }) : outcome;
}

/** Sends an event to an endpoint again, now, outside the retry schedule (one attempt, logged as manual). */
export async function redeliverWebhook(
  services: Services,
  actor: Actor,
  input: { deliveryId: string },
  idempotencyKey?: string | null,
): Promise<Outcome<{ deliveryId: string }>> {
  return runMutation(services, actor, { operation: "webhookDeliveryRedeliver", input, idempotencyKey }, async (uow) => {
    const delivery = await uow.tx.webhookDelivery.findUnique({ where: { id: input.deliveryId } });
    if (!delivery) return fail(userError("NOT_FOUND", "No such webhook delivery.", ["input", "deliveryId"]));
    const event = await uow.tx.outboxEvent.findUnique({ where: { id: delivery.eventId }, select: { id: true } });
    if (!event) return fail(userError("NOT_FOUND", "The event is no longer kept (delivered events are kept 7 days).", ["input", "deliveryId"]));
    const last = await uow.tx.webhookDelivery.aggregate({
      where: { endpointId: delivery.endpointId, eventId: delivery.eventId },
      _max: { attempt: true },
    });
    const job: WebhookDeliveryJob = {
      tenantId: actor.principal.tenantId,
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      attempt: (last._max.attempt ?? 0) + 1,
      manual: true,
    };
    await services.jobs.send(QUEUES.webhookDelivery.name, job, {}, uow.tx);
    const summary = { endpointId: delivery.endpointId, eventId: delivery.eventId, eventType: delivery.eventType };
    await uow.audit({ action: "webhook_delivery.redelivered", targetType: "WebhookDelivery", targetId: delivery.id, summary });
    await uow.emit("sales.webhook.redelivery_requested", { deliveryId: delivery.id, ...summary });
    return ok({ deliveryId: delivery.id });
  });
}

export function webhookActor(tenantId: string): Actor {
  return { principal: agentPrincipal(tenantId, "webhooks"), meta: { requestId: randomUUID(), traceId: null } };
}

/**
 * After the last attempt of a delivery failed: the endpoint turns FAILING
 * (once), and the tenant is told — an audit entry and `sales.webhook.endpoint_failing`.
 * Runs in the delivery job's unit of work.
 */
export async function markEndpointFailing(uow: UnitOfWork, endpointId: string, lastEventId: string, attempts: number): Promise<boolean> {
  const changed = await uow.tx.webhookEndpoint.updateMany({
    where: { id: endpointId, status: "ACTIVE", enabled: true },
    data: { status: "FAILING", failingSince: new Date() },
  });
  if (changed.count === 0) return false;
  const summary = { lastEventId, attempts };
  await uow.audit({ action: "webhook_endpoint.failing", targetType: "WebhookEndpoint", targetId: endpointId, summary });
  await uow.emit("sales.webhook.endpoint_failing", { endpointId, ...summary });
  return true;
}

/** A delivered attempt turns a FAILING endpoint ACTIVE again. */
export async function markEndpointRecovered(tx: Tx, endpointId: string): Promise<void> {
  await tx.webhookEndpoint.updateMany({ where: { id: endpointId, status: "FAILING" }, data: { status: "ACTIVE", failingSince: null } });
}
