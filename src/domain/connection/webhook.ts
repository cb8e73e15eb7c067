// Outbound webhooks, the pure rules: which endpoint gets which event (the same
// exact/prefix filter as the `events(types:)` subscription), what an endpoint
// URL may be, the Standard Webhooks secret format and body, the retry schedule.
// No I/O here: the sender (src/integrations/webhook/) checks addresses after DNS.
import { randomBytes } from "node:crypto";
import { EVENT_NAME, eventTypeMatches } from "../event.js";

export const WEBHOOK_ENDPOINT_STATUSES = ["ACTIVE", "FAILING", "DISABLED"] as const;
export type WebhookEndpointStatus = (typeof WEBHOOK_ENDPOINT_STATUSES)[number];

export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOK_EVENT_TYPES = 50;
/** What is kept of a receiver's response body in the delivery log. */
export const WEBHOOK_RESPONSE_PREFIX_BYTES = 1024;

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The AAD that binds a sealed endpoint secret to its tenant and endpoint (a copied envelope does not open elsewhere). */
export function webhookSecretAad(tenantId: string, endpointId: string): string {
  return `webhook-endpoint:${tenantId}:${endpointId}`;
}

/** What the vault seals: the current secret and, during a rotation's grace period, the previous one. */
export interface WebhookSecrets {
  current: string;
  previous?: { secret: string; validUntil: string } | null;
}

/** The secrets that sign now: the current one, and the previous one until its grace period ends. */
export function signingSecrets(secrets: WebhookSecrets, now: Date): string[] {
  const list = [secrets.current];
  if (secrets.previous && new Date(secrets.previous.validUntil).getTime() > now.getTime()) list.push(secrets.previous.secret);
  return list;
}

/** After a rotation: the new secret signs, the old one keeps signing alongside for `graceSeconds`. */
export function rotatedSecrets(old: WebhookSecrets, next: string, now: Date, graceSeconds: number): WebhookSecrets {
  return {
    current: next,
    previous: graceSeconds > 0 ? { secret: old.current, validUntil: new Date(now.getTime() + graceSeconds * 1000).toISOString() } : null,
  };
}

/** Why a URL cannot be an endpoint, or null. Addresses are checked again after DNS resolution, at every attempt. */
export function webhookUrlProblem(raw: string): string | null {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute http:// or https:// URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http:// or https:// URL";
  if (url.username || url.password) return "must not contain a user name or password";
  if (!url.hostname) return "must name a host";
  if (url.hash) return "must not contain a fragment";
  return null;
}

/** Why an event-type filter entry is not accepted, or null: `sales.<entity>.<verb>`, or a prefix ending in `*` (`sales.draft.*`, `sales.*`). */
export function eventTypePatternProblem(pattern: string): string | null {
  if (pattern.endsWith("*")) {
    return /^sales\.(?:[a-z][a-z_]*\.)?\*$/.test(pattern) ? null : "a prefix must look like sales.* or sales.<entity>.*";
  }
  return EVENT_NAME.test(pattern) ? null : "must be sales.<entity>.<verb> or a prefix such as sales.draft.*";
}

/** Whether this endpoint should receive an event of this type (only `sales.*` events go out). */
export function endpointWantsEvent(endpoint: { enabled: boolean; status: string; eventTypes: readonly string[] }, type: string): boolean {
  return endpoint.enabled && endpoint.status !== "DISABLED" && type.startsWith("sales.") && eventTypeMatches(endpoint.eventTypes, type);
}

/** The body POSTed for an event, per Standard Webhooks: `{ type, timestamp, data }`. */
export function webhookBody(event: { type: string; occurredAt: string; payload: Record<string, unknown> }): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event.payload });
}

/**
 * The delay before the attempt after `attempt` (1 = the first) failed, or null
 * when that was the last one. Jittered ±10% so endpoints that failed together
 * are not retried in lockstep; `random` is in [0, 1).
 */
export function retryDelayMs(scheduleSeconds: readonly number[], attempt: number, random: number): number | null {
  const base = scheduleSeconds[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * 1000 * (0.9 + 0.2 * random));
}

/** Total attempts of one delivery: the first plus one per retry delay. */
export function maxAttempts(scheduleSeconds: readonly number[]): number {
  return scheduleSeconds.length + 1;
}

/** Whether a receiver's HTTP status counts as delivered: any 2xx. A 3xx is not followed and counts as failed. */
export function isDelivered(status: number | null): boolean {
  return status !== null && status >= 200 && status < 300;
}
