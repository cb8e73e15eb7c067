// Which subscriber receives which event: the subject's read permission, from
// one table in the domain, with default deny. Expectations come from the
// independent table below (written from the queries' auth scopes), not from
// EVENT_READ_PERMISSION itself.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canReceiveEvent, EVENT_READ_PERMISSION, eventForSubscriber, eventReadPermission } from "../../src/domain/event.js";
import { effectivePermissions, PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Permission } from "../../src/domain/access/permission.js";

/** Every event type the service emits today, and the permission that guards the query for its subject. */
const EXPECTED: Record<string, Permission> = {
  "sales.lead.created": "lead:read",
  "sales.lead.updated": "lead:read",
  "sales.lead.scored": "lead:read",
  "sales.lead.qualified": "lead:read",
  "sales.lead.disqualified": "lead:read",
  "sales.lead.converted": "lead:read",
  "sales.contact.updated": "lead:read",
  "sales.contact_list.created": "lead:read",
  "sales.contact_list.contacts_added": "lead:read",
  "sales.contact_list.contacts_removed": "lead:read",
  "sales.company.updated": "lead:read",
  "sales.activity.logged": "lead:read",
  "sales.task.created": "lead:read",
  "sales.task.assigned": "lead:read",
  "sales.task.rescheduled": "lead:read",
  "sales.message.received": "lead:read",
  "sales.message.analysed": "lead:read",
  "sales.thread.read": "lead:read",
  "sales.recommendation.generated": "lead:read",
  "sales.recommendation.accepted": "lead:read",
  "sales.recommendation.dismissed": "lead:read",
  "sales.scoring_model.trained": "lead:read",
  "sales.deal.created": "deal:read",
  "sales.deal.updated": "deal:read",
  "sales.deal.closed": "deal:read",
  "sales.draft.created": "draft:read",
  "sales.draft.revised": "draft:read",
  "sales.draft.approved": "draft:read",
  "sales.draft.approval_added": "draft:read",
  "sales.draft.rejected": "draft:read",
  "sales.draft.queued": "draft:read",
  "sales.draft.sending": "draft:read",
  "sales.draft.sent": "draft:read",
  "sales.draft.failed": "draft:read",
  "sales.draft.blocked": "draft:read",
  "sales.draft.held": "draft:read",
  "sales.draft.cancelled": "draft:read",
  "sales.draft.requeued": "draft:read",
  "sales.draft.claimed": "draft:read",
  "sales.draft.claim_released": "draft:read",
  "sales.draft.claim_broken": "draft:read",
  "sales.sending.kill_switch_engaged": "draft:read",
  "sales.sending.kill_switch_released": "draft:read",
  "sales.sending.signal_recorded": "draft:read",
  "sales.sending.mailbox_paused": "draft:read",
  "sales.sending.mailbox_resumed": "draft:read",
  "sales.sending.domain_dmarc_failed": "draft:read",
  "sales.sending.domain_dmarc_recovered": "draft:read",
  "sales.voice_profile.updated": "draft:read",
  "sales.suppression.added": "suppression:read",
  "sales.suppression.removed": "suppression:read",
  "sales.agent_run.succeeded": "ai:read",
  "sales.agent_run.failed": "ai:read",
  "sales.agent_run.dead": "ai:read",
  "sales.membership.added": "member:read",
  "sales.membership.updated": "member:read",
  "sales.membership.removed": "member:read",
  "sales.tenant.updated": "tenant:read",
  // Tenant lifecycle and invitations (issue 15): every member reads the tenant; invitations like memberships.
  "sales.tenant.created": "tenant:read",
  "sales.tenant.suspended": "tenant:read",
  "sales.tenant.resumed": "tenant:read",
  "sales.invitation.created": "member:read",
  "sales.invitation.resent": "member:read",
  "sales.invitation.revoked": "member:read",
  "sales.invitation.accepted": "member:read",
  "sales.api_key.created": "apikey:manage",
  "sales.api_key.revoked": "apikey:manage",
  "sales.api_key.reissued": "apikey:manage",
  // Outbound webhooks: endpoint changes and failures (ADMIN and up).
  "sales.webhook.endpoint_created": "webhook:read",
  "sales.webhook.endpoint_updated": "webhook:read",
  "sales.webhook.endpoint_deleted": "webhook:read",
  "sales.webhook.secret_rotated": "webhook:read",
  "sales.webhook.redelivery_requested": "webhook:read",
  "sales.webhook.endpoint_failing": "webhook:read",
  // Inbound webhooks (issue 11): the same permission as the `inboundWebhookEndpoints` / `inboundWebhookDeliveries` queries.
  "sales.inbound_webhook.endpoint_created": "webhook:read",
  "sales.inbound_webhook.secret_rotated": "webhook:read",
  "sales.inbound_webhook.endpoint_deleted": "webhook:read",
  "sales.inbound_webhook.form_received": "webhook:read",
  "sales.inbound_webhook.crm_change": "webhook:read",
  "sales.inbound_webhook.delivery_processed": "webhook:read",
  // Meetings booked with contacts (meetingBook): as private as the contact's activities.
  "sales.meeting.booked": "lead:read",
  // Sequences (issue 12): the same permission as the `sequences` and `sequenceEnrollments` queries.
  "sales.report.digest_written": "report:read",
  "sales.sequence.created": "sequence:read",
  "sales.sequence.updated": "sequence:read",
  "sales.sequence.archived": "sequence:read",
  "sales.sequence.enrolled": "sequence:read",
  "sales.sequence.step_scheduled": "sequence:read",
  "sales.sequence.step_drafted": "sequence:read",
  "sales.sequence.step_pushed": "sequence:read",
  "sales.sequence.step_completed": "sequence:read",
  "sales.sequence.enrollment_paused": "sequence:read",
  "sales.sequence.enrollment_resumed": "sequence:read",
  "sales.sequence.enrollment_exited": "sequence:read",
  "sales.sequence.enrollment_completed": "sequence:read",
  "sales.sequence.segment_set": "sequence:read",
  "sales.sequence.segment_run": "sequence:read",
  // Story-pitch campaigns (issue 12): the same permission as the `campaigns` and `campaign` queries.
  "sales.campaign.launched": "campaign:read",
  "sales.campaign.paused": "campaign:read",
  "sales.campaign.resumed": "campaign:read",
  "sales.campaign.cancelled": "campaign:read",
  "sales.campaign.completed": "campaign:read",
  "sales.campaign.recipient_drafted": "campaign:read",
  "sales.campaign.recipient_skipped": "campaign:read",
  // Erasure and export (issue 15): an erasure is seen like any contact change; exports by whoever may export.
  "sales.contact.erased": "lead:read",
  "sales.data_export.requested": "contact:export",
  "sales.data_export.ready": "contact:export",
  "sales.data_export.failed": "contact:export",
  "sales.data_export.downloaded": "contact:export",
  // Four-eyes erasure requests: whoever may erase (and so see the erasureRequests query).
  "sales.erasure.requested": "contact:erase",
  "sales.erasure.approved": "contact:erase",
  "sales.erasure.rejected": "contact:erase",
  "sales.erasure.expired": "contact:erase",
};

describe("event visibility", () => {
  it.each(Object.entries(EXPECTED))("%s needs %s", (type, permission) => {
    expect(eventReadPermission(type)).toBe(permission);
  });

  // Every role, and every single-permission API key scope, against every event type.
  const holders: [string, ReadonlySet<Permission>][] = [
    ...ROLES.map((r) => [`role ${r}`, ROLE_PERMISSIONS[r]] as [string, ReadonlySet<Permission>]),
    ...PERMISSIONS.map((p) => [`key scoped to ${p}`, effectivePermissions("OWNER", [p])] as [string, ReadonlySet<Permission>]),
  ];
  it.each(holders)("%s receives exactly the events whose subject it can read", (_name, permissions) => {
    for (const [type, needed] of Object.entries(EXPECTED)) {
      expect(canReceiveEvent(permissions, type), type).toBe(permissions.has(needed));
    }
  });

  it("a key scoped only to event:subscribe receives nothing", () => {
    const only = effectivePermissions("ADMIN", ["event:subscribe"]);
    expect(Object.keys(EXPECTED).filter((type) => canReceiveEvent(only, type))).toEqual([]);
  });

  it.each(["sales.unknown.created", "sales.leads.created", "sales.constructor.x", "sales.__proto__.x", "sales.lead", "lead.created", "", "sales.lead.created.extra", "sales.hasOwnProperty.x"])(
    "denies %j by default, even to an OWNER",
    (type) => {
      expect(eventReadPermission(type)).toBeNull();
      expect(canReceiveEvent(ROLE_PERMISSIONS.OWNER, type)).toBe(false);
    },
  );

  it("the table has no family the test does not know (a new family is a decision, not an accident)", () => {
    const families = new Set(Object.keys(EXPECTED).map((t) => t.split(".")[1]));
    // Families reserved in the table before anything emits them, with the permission they must need.
    const reserved: Record<string, string> = { ai: "ai:read", ai_invocation: "ai:read", connection: "connection:read" };
    for (const family of Object.keys(EVENT_READ_PERMISSION)) {
      if (family in reserved) {
        expect(EVENT_READ_PERMISSION[family]).toBe(reserved[family]);
        continue;
      }
      expect(families.has(family), family).toBe(true);
    }
  });

  it("every event family named in src/ is in the table", () => {
    const found = new Set<string>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          if (name !== "generated") walk(path);
        } else if (name.endsWith(".ts")) {
          for (const m of readFileSync(path, "utf8").matchAll(/["'`]sales\.([a-z][a-z_]*)\./g)) found.add(m[1]!);
        }
      }
    };
    walk(join(import.meta.dirname, "../../src"));
    expect(found.size).toBeGreaterThan(10);
    for (const family of found) expect(eventReadPermission(`sales.${family}.x`), family).not.toBeNull();
  });

  it("masks e-mail addresses in the actor and the payload, as the audit log does", () => {
    const event = eventForSubscriber({
      id: "e1",
      tenantId: "t1",
      type: "sales.lead.updated",
      occurredAt: "2026-01-01T00:00:00.000Z",
      actor: "user:alice.admin@acme.example",
      payload: { leadId: "l1", changes: [{ field: "email", from: "bob@x.example", to: "carol@y.example" }], score: 80 },
    });
    expect(event.actor).toBe("user:a***@acme.example");
    expect(event.payload).toEqual({ leadId: "l1", changes: [{ field: "email", from: "b***@x.example", to: "c***@y.example" }], score: 80 });
    expect(eventForSubscriber({ ...event, actor: "apikey:sk_ab12cd34ef" }).actor).toBe("apikey:sk_ab12cd34ef");
  });

  it("masks one published event once for all its subscribers, and never lets the original through", () => {
    const published = { id: "e2", tenantId: "t1", type: "sales.task.created", occurredAt: "2026-01-01T00:00:00.000Z", actor: "user:dan@acme.example", payload: { by: "eve@acme.example" } };
    const first = eventForSubscriber(published);
    expect(eventForSubscriber(published)).toBe(first);
    expect(first).not.toBe(published);
    expect(first.payload).toEqual({ by: "e***@acme.example" });
    expect(published.payload).toEqual({ by: "eve@acme.example" });
    // A different event object (another message) is masked on its own.
    expect(eventForSubscriber({ ...published, payload: { by: "fay@acme.example" } }).payload).toEqual({ by: "f***@acme.example" });
  });
});
