// Domain events, named `sales.<entity>.<verb>`. They are written to the
// transactional outbox with the change they announce and published on the
// tenant's topic; subscribers only ever see their own tenant's events, and
// of those only the ones whose subject they could read (EVENT_READ_PERMISSION).
import type { Permission } from "./access/permission.js";
import { maskEmails, maskEmailsDeep } from "./redaction.js";

export const EVENT_NAME = /^sales\.[a-z][a-z_]*\.[a-z][a-z_]*$/;

export interface DomainEvent<P extends Record<string, unknown> = Record<string, unknown>> {
  id: string;
  tenantId: string;
  type: string;
  occurredAt: string;
  /** Who caused it ("user:…", "apikey:…", "agent:…"). */
  actor: string;
  payload: P;
}

export function assertEventName(type: string): void {
  if (!EVENT_NAME.test(type)) throw new Error(`event name "${type}" does not follow sales.<entity>.<verb>`);
}

/**
 * Which permission reading an event's subject needs, by event family (the
 * `<entity>` in `sales.<entity>.<verb>`): the same permission that guards the
 * queries for that entity. A family that is not here is never delivered
 * (default deny): a new family must be added on purpose.
 */
export const EVENT_READ_PERMISSION: Readonly<Record<string, Permission>> = {
  // Sales records and everything hanging off them (the `leads`, `contacts`,
  // `companies`, `activities`, `tasks`, `inboundMessages`, `emailThreads`,
  // `recommendations` and `scoringModels` queries all need lead:read).
  lead: "lead:read",
  contact: "lead:read",
  company: "lead:read",
  // Contact lists (`sales.contact_list.*`), like the `contactLists` query.
  contact_list: "lead:read",
  activity: "lead:read",
  task: "lead:read",
  message: "lead:read",
  thread: "lead:read",
  recommendation: "lead:read",
  scoring_model: "lead:read",
  deal: "deal:read",
  // Operator mode: drafts, sending status, the sender's voice.
  draft: "draft:read",
  sending: "draft:read",
  voice_profile: "draft:read",
  suppression: "suppression:read",
  // Agents and AI usage.
  agent_run: "ai:read",
  ai: "ai:read",
  ai_invocation: "ai:read",
  // Foundation.
  membership: "member:read",
  // Invitations (issue 15): the same as the `invitations` query.
  invitation: "member:read",
  tenant: "tenant:read",
  api_key: "apikey:manage",
  // Connections (Google, HubSpot): the same permission as the `connections` query.
  connection: "connection:read",
  // Outbound webhooks: endpoint status changes (`sales.webhook.endpoint_failing`, …).
  webhook: "webhook:read",
  // Inbound webhooks: endpoints and processed deliveries (`sales.inbound_webhook.*`), like the `inboundWebhookEndpoints` query.
  inbound_webhook: "webhook:read",
  // Meetings booked with contacts (meetingBook): who meets whom and when, like activities.
  meeting: "lead:read",
  // Sequences: definitions, enrolments and their steps (`sales.sequence.*`), like the `sequences` query.
  sequence: "sequence:read",
  // Story-pitch campaigns (`sales.campaign.*`: launched, paused, resumed, cancelled, completed, recipient_drafted/skipped), like the `campaigns` query.
  campaign: "campaign:read",
  // The weekly digest (`sales.report.digest_written`): like the `weeklyDigests` and `outcomeReport` queries.
  report: "report:read",
  // Data exports (`sales.data_export.*`): who exported what; like the `dataExports` query.
  data_export: "contact:export",
  // Four-eyes erasure requests (`sales.erasure.requested`, approved, rejected, expired): like the `erasureRequests` query.
  erasure: "contact:erase",
};

// Asked once per subscriber for every event delivered (hundreds per event): remember the answer per
// type. Bounded, as types come from published events (a fixed set in practice).
const readPermissionByType = new Map<string, Permission | null>();

/** The permission a subscriber needs to receive events of this type; null: nobody receives it. */
export function eventReadPermission(type: string): Permission | null {
  const known = readPermissionByType.get(type);
  if (known !== undefined) return known;
  const match = /^sales\.([a-z][a-z_]*)\.[a-z][a-z_]*$/.exec(type);
  const needed = match && Object.hasOwn(EVENT_READ_PERMISSION, match[1]!) ? EVENT_READ_PERMISSION[match[1]!]! : null;
  if (readPermissionByType.size < 1_000) readPermissionByType.set(type, needed);
  return needed;
}

/** True when `type` is in the list; an entry ending in `*` matches a prefix ("sales.draft.*"). Empty or absent: every type. */
export function eventTypeMatches(patterns: readonly string[] | null | undefined, type: string): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((p) => (p.endsWith("*") ? type.startsWith(p.slice(0, -1)) : p === type));
}

/** Whether a subscriber holding `permissions` may receive an event of this type. */
export function canReceiveEvent(permissions: ReadonlySet<Permission>, type: string): boolean {
  const needed = eventReadPermission(type);
  return needed !== null && permissions.has(needed);
}

// One published event object reaches every subscriber of its tenant on an instance (the pub/sub
// parses a message once): mask it once, not once per subscriber. Keyed weakly, so it goes with the event.
const maskedEvents = new WeakMap<DomainEvent, DomainEvent>();

/** The event as a subscriber sees it: e-mail addresses in the actor and payload masked, as in the audit log. Treat as read-only (shared). */
export function eventForSubscriber(event: DomainEvent): DomainEvent {
  let masked = maskedEvents.get(event);
  if (!masked) {
    masked = { ...event, actor: maskEmails(event.actor), payload: maskEmailsDeep(event.payload) as Record<string, unknown> };
    maskedEvents.set(event, masked);
  }
  return masked;
}
