// Our changes → HubSpot (outbound sync) and the CRMHygieneAgent (engagements
// on HubSpot timelines). Both are HubspotSyncItem rows worked by pg-boss jobs
// (src/jobs/hubspot-push.ts):
// - enqueueHubspotWork runs in the outbox dispatcher's transaction: each
//   event that matters (src/domain/connection/hubspot.ts: hubspotWorkFor)
//   becomes one item per (record or source, kind) of the tenant's own active
//   HubSpot connection, and one job per item (singletonKey = item id, policy
//   "short": more changes to a record while its job waits are coalesced into
//   it). The job reads the record's state when it runs, so it always pushes
//   the latest.
// - A push is debounced at its trailing edge: each change of the record moves
//   the item's pushDueAt to HUBSPOT_PUSH_DEBOUNCE_SECONDS after it, but never
//   past HUBSPOT_PUSH_MAX_WAIT_SECONDS after the burst's first change (a record
//   that never stops changing still syncs). A job that comes before pushDueAt
//   sends itself again for then and does nothing. Exactly once across
//   instances: the push runs under a session advisory lock on the item (gone
//   with a dead instance's connection) and only while a change is waiting; it
//   clears the wait only if no change came in meanwhile (else the job that
//   change queued pushes again after its own quiet window).
// - A PUSH writes only what differs at HubSpot, under the conflict rule:
//   fields we own (lifecycle stage, lead status) always; shared fields (deal
//   stage via the reversed stage mapping, deal name, owner) only when ours is
//   the last writer; HubSpot-owned fields never. Loop prevention: a record our
//   row has not changed since the inbound sync last wrote it is not pushed,
//   and after a push the record's sync mark takes HubSpot's new modification
//   time, so the inbound sync does not read our own write back.
// - An ENGAGEMENT is created exactly once per item: the item id is written
//   into the engagement (custom property sales_agent_item_id); before any
//   retry of an item that may have reached HubSpot, HubSpot is searched for
//   it, so a crash between HubSpot's create and our commit does not duplicate.
// Every applied change is audited with its source and destination.
import { randomUUID } from "node:crypto";
import type { Prisma, Tx } from "../../data/database.js";
import { withTenant } from "../../data/database.js";
import { QUEUES, type JobQueue } from "../../data/job-queue.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import {
  HUBSPOT_SYSTEM,
  hubspotWorkFor,
  leadStatusToHubspot,
  lifecycleMovesForward,
  reverseStage,
  stageMappingSchema,
  type OurLeadStatus,
} from "../../domain/connection/hubspot.js";
import type { DomainEvent } from "../../domain/event.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import type { EngagementInput, EngagementType, HubspotApi } from "../../integrations/hubspot/client.js";
import { runMutation, runUnitOfWork, type Actor } from "../unit-of-work.js";
import type { ConnectionServices } from "./connection.js";
import { createSettingsOf, ensureInHubspot, type CrmEntity, type EnsureOutcome } from "./hubspot-create.js";
import { withHubspot } from "./hubspot-sync.js";

export const MARKER_PROPERTY = "sales_agent_item_id";
/** Tries per item before it is FAILED (a later change of the record queues it again). */
export const MAX_ATTEMPTS = 5;

export interface HubspotItemJob {
  tenantId: string;
  itemId: string;
}

function pushActor(tenantId: string): Actor {
  return { principal: agentPrincipal(tenantId, "crm-hygiene"), meta: { requestId: randomUUID(), traceId: null } };
}

/** The HubSpot engagement type for an event's source, or null when HubSpot should not get one. */
function engagementTypeOf(sourceType: string, payload: Record<string, unknown>): EngagementType | null {
  switch (sourceType) {
    case "Draft":
      return "emails";
    case "MeetingBooking":
      return "meetings";
    case "Recommendation":
      return payload.tool === "scheduleFollowUp" ? "tasks" : "notes";
    case "Activity":
      // Forms and web visits HubSpot records itself (sent drafts come from sales.draft.sent).
      return payload.type === "EMAIL_SENT" || payload.type === "EMAIL_RECEIVED" ? "emails" : payload.type === "MEETING" ? "meetings" : payload.type === "NOTE" || payload.type === "CALL" ? "notes" : null;
    default:
      return null;
  }
}

/**
 * In the outbox dispatcher's transaction (scoped to the tenant): the HubSpot
 * items and jobs for the delivered events. Nothing when the tenant has no
 * active HubSpot connection.
 */
export async function enqueueHubspotWork(
  jobs: JobQueue,
  tx: Tx,
  tenantId: string,
  events: Pick<DomainEvent, "type" | "payload">[],
  debounceSeconds: number,
  maxWaitSeconds = debounceSeconds,
): Promise<number> {
  const maxWait = Math.max(maxWaitSeconds, debounceSeconds);
  const work = events.flatMap((e) => hubspotWorkFor(e).map((w) => ({ ...w, payload: e.payload })));
  if (!work.length) return 0;
  const connection = await tx.connection.findFirst({ where: { provider: "HUBSPOT", userId: null, status: "ACTIVE" }, orderBy: { updatedAt: "desc" }, select: { id: true } });
  if (!connection) return 0;
  const seen = new Set<string>();
  let queued = 0;
  for (const w of work) {
    const key = `${w.kind}:${w.sourceType}:${w.sourceId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const hubspotType = w.kind === "PUSH" ? (w.sourceType === "Lead" ? "contacts" : "deals") : engagementTypeOf(w.sourceType, w.payload);
    if (!hubspotType) continue;
    const where = { tenantId_connectionId_kind_sourceType_sourceId: { tenantId, connectionId: connection.id, kind: w.kind, sourceType: w.sourceType, sourceId: w.sourceId } };
    const existing = await tx.hubspotSyncItem.findUnique({ where, select: { id: true, status: true } });
    // An engagement is created once: a repeated event does not open its item again.
    if (existing && w.kind === "ENGAGEMENT" && existing.status !== "PENDING") continue;
    const item = existing
      ? await tx.hubspotSyncItem.update({ where: { id: existing.id }, data: { status: "PENDING", attempts: 0, lastError: null }, select: { id: true } })
      : await tx.hubspotSyncItem.create({ data: { tenantId, connectionId: connection.id, kind: w.kind, sourceType: w.sourceType, sourceId: w.sourceId, hubspotType }, select: { id: true } });
    // A push waits for its record to be quiet (trailing debounce, capped by the maximum wait from the burst's first change).
    const startAfter = w.kind === "PUSH" ? await markChanged(tx, item.id, debounceSeconds, maxWait) : null;
    if (await jobs.send(QUEUES.hubspotPush.name, { tenantId, itemId: item.id } satisfies HubspotItemJob, { singletonKey: item.id, ...(startAfter ? { startAfter } : {}) }, tx)) queued++;
  }
  return queued;
}

/** A change of the item's record: its push is due once the record was quiet for `quiet` s, at most `maxWait` s after the burst began. */
async function markChanged(tx: Tx, itemId: string, quiet: number, maxWait: number): Promise<Date | null> {
  const [row] = await tx.$queryRaw<{ pushDueAt: Date }[]>`
    UPDATE "HubspotSyncItem"
       SET "changedAt" = now(),
           "burstStartedAt" = COALESCE("burstStartedAt", now()),
           "pushDueAt" = LEAST(now() + make_interval(secs => ${quiet}::int), COALESCE("burstStartedAt", now()) + make_interval(secs => ${maxWait}::int))
     WHERE "id" = ${itemId}::uuid
     RETURNING "pushDueAt"`;
  return quiet > 0 && row ? row.pushDueAt : null;
}

export type ItemOutcome = { status: "DONE" | "SKIPPED"; hubspotId: string | null; result: Record<string, unknown> };

/** Thrown for a failure a later try may not fix (HubSpot refused the request). */
export class PermanentItemError extends Error {}

/** The services an item's job runs with: the connectors, and the job queue for a push that is not due yet. */
export type HubspotItemServices = ConnectionServices & Partial<Pick<Services, "jobs">>;

/**
 * Runs one item (the job's body). Returns null when there was nothing to do (already done, unknown, a push
 * with no change waiting, or one not due yet, which is sent again for its time).
 */
export async function runHubspotItem(services: HubspotItemServices, job: HubspotItemJob): Promise<ItemOutcome | null> {
  const item = await withTenant(services.db.prisma, { tenantId: job.tenantId }, (tx) => tx.hubspotSyncItem.findUnique({ where: { id: job.itemId } }));
  if (!item) return null;
  if (item.kind === "PUSH") return runPush(services, item);
  // An engagement or a GDPR delete runs until it is done.
  if (item.status !== "PENDING") return null;
  return runItem(services, item);
}

/** Seconds a job waits before it looks again when another worker is pushing the same record. */
const BUSY_RETRY_SECONDS = 2;

/**
 * A push, once: under the item's session advisory lock, only while a change is waiting and due. A job that
 * comes early (its record changed since it was queued) or while another worker pushes the record sends
 * itself again for later (pg-boss "short": dropped when a job of the item already waits) and does nothing.
 */
async function runPush(services: HubspotItemServices, first: Item): Promise<ItemOutcome | null> {
  const again = async (startAfter: Date) => {
    await services.jobs?.send(QUEUES.hubspotPush.name, { tenantId: first.tenantId, itemId: first.id } satisfies HubspotItemJob, { singletonKey: first.id, startAfter });
    return null;
  };
  const client = await services.db.pool.connect();
  let locked = false;
  try {
    const key = `hubspot-push:${first.id}`;
    locked = (await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [key])).rows[0]?.ok === true;
    if (!locked) return await again(new Date(Date.now() + BUSY_RETRY_SECONDS * 1000));
    // Due: this push takes the burst (a change from now on starts the next one, with its own maximum wait).
    const { item, due } = await withTenant(services.db.prisma, { tenantId: first.tenantId }, async (tx) => {
      const claimed = await tx.$queryRaw<{ id: string }[]>`UPDATE "HubspotSyncItem" SET "burstStartedAt" = NULL WHERE "id" = ${first.id}::uuid AND "pushDueAt" <= now() RETURNING "id"`;
      return { item: await tx.hubspotSyncItem.findUnique({ where: { id: first.id } }), due: claimed.length > 0 };
    });
    // Nothing waiting: a duplicate job, or another worker pushed it already.
    if (!item?.pushDueAt) return null;
    if (!due) return await again(item.pushDueAt);
    return await runItem(services, item);
  } finally {
    if (locked) await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`hubspot-push:${first.id}`]).catch(() => {});
    client.release();
  }
}

async function runItem(services: ConnectionServices, item: Item): Promise<ItemOutcome | null> {
  const connection = await withTenant(services.db.prisma, { tenantId: item.tenantId }, (tx) => tx.connection.findUnique({ where: { id: item.connectionId } }));
  if (!connection || connection.status !== "ACTIVE") {
    await finish(services, item, { status: "FAILED", error: "The HubSpot connection is not active (connect it again)." });
    return null;
  }
  let outcome: ItemOutcome;
  try {
    outcome =
      item.kind === "ENGAGEMENT"
        ? await logEngagement(services, item)
        : item.kind === "GDPR_DELETE"
          ? await gdprDeleteContact(services, item)
          : item.sourceType === "Lead"
            ? await pushLead(services, item)
            : await pushDeal(services, item);
  } catch (error) {
    const status = (error as { response?: { status?: number } } | null)?.response?.status;
    const permanent = error instanceof PermanentItemError || (typeof status === "number" && status >= 400 && status < 500 && status !== 408 && status !== 429 && status !== 401);
    const attempts = item.attempts + (item.kind === "ENGAGEMENT" ? 0 : 1); // engagements counted their attempt before calling
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    if (permanent || attempts >= MAX_ATTEMPTS) {
      await finish(services, item, { status: "FAILED", error: message, attempts });
      return null;
    }
    await withTenant(services.db.prisma, { tenantId: item.tenantId }, (tx) => tx.hubspotSyncItem.update({ where: { id: item.id }, data: { attempts, lastError: message } }));
    throw error;
  }
  await finish(services, item, outcome);
  return outcome;
}

type Item = NonNullable<Awaited<ReturnType<Tx["hubspotSyncItem"]["findUnique"]>>>;

async function finish(
  services: ConnectionServices,
  item: Item,
  outcome: { status: "DONE" | "SKIPPED" | "FAILED"; hubspotId?: string | null; result?: Record<string, unknown>; error?: string; attempts?: number },
): Promise<void> {
  await runUnitOfWork(services, pushActor(item.tenantId), async (uow) => {
    const now = new Date();
    // The push covered every change up to the one it read: nothing waits any more, unless the record changed
    // again meanwhile (that change's own job pushes it after its quiet window).
    if (item.kind === "PUSH" && item.changedAt) {
      await uow.tx.hubspotSyncItem.updateMany({ where: { id: item.id, changedAt: item.changedAt }, data: { pushDueAt: null, burstStartedAt: null } });
    }
    await uow.tx.hubspotSyncItem.update({
      where: { id: item.id },
      data: {
        status: outcome.status,
        hubspotId: outcome.hubspotId ?? item.hubspotId,
        result: (outcome.result ?? {}) as Prisma.InputJsonValue,
        lastError: outcome.error ?? null,
        ...(outcome.attempts !== undefined ? { attempts: outcome.attempts } : {}),
        doneAt: outcome.status === "DONE" ? now : null,
      },
    });
    await uow.audit({
      action: `hubspot.item_${outcome.status.toLowerCase()}`,
      targetType: item.sourceType,
      targetId: item.sourceId,
      summary: { source: "sales-agent", destination: HUBSPOT_SYSTEM, itemId: item.id, kind: item.kind, hubspotType: item.hubspotType, hubspotId: outcome.hubspotId ?? null, ...(outcome.result ?? {}), ...(outcome.error ? { error: outcome.error } : {}) },
    });
    await uow.emit(outcome.status === "FAILED" ? "sales.connection.crm_item_failed" : "sales.connection.crm_item_synced", {
      itemId: item.id,
      kind: item.kind,
      sourceType: item.sourceType,
      sourceId: item.sourceId,
      status: outcome.status,
      hubspotId: outcome.hubspotId ?? null,
    });
    return ok(null);
  });
}

// ---- engagements (CRMHygieneAgent) ---------------------------------------------

/** Per process: engagement types whose marker property is known to exist, per connection. */
const markerReady = new Set<string>();

async function hubspotIdsOf(tx: Tx, entityType: string, ids: (string | null | undefined)[]): Promise<string[]> {
  const list = [...new Set(ids.filter((i): i is string => !!i))];
  if (!list.length) return [];
  const refs = await tx.externalRef.findMany({ where: { system: HUBSPOT_SYSTEM, entityType, entityId: { in: list } }, orderBy: { createdAt: "asc" }, select: { entityId: true, externalId: true } });
  // One HubSpot id per record of ours (the first linked).
  const byEntity = new Map<string, string>();
  for (const r of refs) if (!byEntity.has(r.entityId)) byEntity.set(r.entityId, r.externalId);
  return [...byEntity.values()];
}

async function hubspotOwnerOf(tx: Tx, userId: string | null | undefined): Promise<string | null> {
  if (!userId) return null;
  return (await tx.hubspotOwner.findFirst({ where: { userId }, select: { hubspotOwnerId: true } }))?.hubspotOwnerId ?? null;
}

const clip = (s: string | null | undefined, n = 60_000) => (s ?? "").slice(0, n);

/** What to create for the item, from our records; null when nothing of ours is linked to HubSpot. */
async function buildEngagement(tx: Tx, item: Item): Promise<{ input: EngagementInput } | { skip: string }> {
  type Who = { contactId?: string | null; companyId?: string | null; dealId?: string | null; leadId?: string | null; userId?: string | null };
  let who: Who = {};
  let properties: Record<string, string> = {};
  const type = item.hubspotType as EngagementType;
  const ms = (d: Date | null | undefined) => String((d ?? new Date()).getTime());
  if (item.sourceType === "Draft") {
    const d = await tx.draft.findUnique({ where: { id: item.sourceId } });
    if (!d) return { skip: "the draft is gone" };
    who = { contactId: d.contactId, dealId: d.dealId, leadId: d.leadId, userId: d.authorUserId };
    properties = { hs_timestamp: ms(d.sentAt ?? d.updatedAt), hs_email_direction: "EMAIL", hs_email_status: "SENT", hs_email_subject: clip(d.subject, 500), hs_email_text: clip(d.bodyText) };
  } else if (item.sourceType === "Activity") {
    const a = await tx.activity.findUnique({ where: { id: item.sourceId } });
    if (!a) return { skip: "the activity is gone" };
    who = { contactId: a.contactId, companyId: a.companyId, dealId: a.dealId, leadId: a.leadId, userId: a.actorUserId };
    const when = ms(a.occurredAt);
    properties =
      type === "emails"
        ? { hs_timestamp: when, hs_email_direction: a.direction === "INBOUND" ? "INCOMING_EMAIL" : "EMAIL", hs_email_subject: clip(a.subject, 500), hs_email_text: clip(a.body) }
        : type === "meetings"
          ? { hs_timestamp: when, hs_meeting_title: clip(a.subject ?? "Meeting", 500), hs_meeting_body: clip(a.body), hs_meeting_start_time: when }
          : { hs_timestamp: when, hs_note_body: clip([a.type === "CALL" ? "Call" : null, a.subject, a.body].filter(Boolean).join("\n\n")) };
  } else if (item.sourceType === "MeetingBooking") {
    const m = await tx.meetingBooking.findUnique({ where: { id: item.sourceId } });
    if (!m) return { skip: "the booking is gone" };
    const lead = await tx.lead.findFirst({ where: { contactId: m.contactId }, select: { id: true } });
    who = { contactId: m.contactId, leadId: lead?.id, userId: m.bookedByUserId };
    properties = { hs_timestamp: ms(m.startsAt), hs_meeting_title: "Meeting", hs_meeting_start_time: ms(m.startsAt), hs_meeting_end_time: ms(m.endsAt), hs_meeting_outcome: "SCHEDULED" };
    if (m.htmlLink) properties.hs_meeting_external_url = m.htmlLink;
  } else if (item.sourceType === "Recommendation") {
    const r = await tx.recommendation.findUnique({ where: { id: item.sourceId } });
    if (!r) return { skip: "the recommendation is gone" };
    who = { contactId: r.contactId, dealId: r.dealId, leadId: r.leadId, userId: r.decidedById };
    const taskId = (r.result as { taskId?: unknown } | null)?.taskId;
    const task = typeof taskId === "string" ? await tx.task.findUnique({ where: { id: taskId } }) : null;
    properties =
      type === "tasks"
        ? { hs_timestamp: ms(task?.dueAt ?? r.decidedAt), hs_task_subject: clip(task?.title ?? r.title, 500), hs_task_body: clip(task?.description ?? r.rationale), hs_task_status: "NOT_STARTED" }
        : { hs_timestamp: ms(r.decidedAt), hs_note_body: clip(`Accepted recommendation: ${r.title}\n\n${r.rationale}`) };
  } else return { skip: `nothing to log for ${item.sourceType}` };

  // The lead's contact and company when only the lead was named; the contact's company.
  if (who.leadId && (!who.contactId || !who.companyId)) {
    const lead = await tx.lead.findUnique({ where: { id: who.leadId }, select: { contactId: true, companyId: true } });
    who.contactId ??= lead?.contactId;
    who.companyId ??= lead?.companyId;
  }
  if (who.contactId && !who.companyId) who.companyId = (await tx.contact.findUnique({ where: { id: who.contactId }, select: { companyId: true } }))?.companyId;
  if (who.dealId && !who.companyId) who.companyId = (await tx.deal.findUnique({ where: { id: who.dealId }, select: { companyId: true } }))?.companyId;
  const associations = {
    contactIds: await hubspotIdsOf(tx, "Contact", [who.contactId]),
    companyIds: await hubspotIdsOf(tx, "Company", [who.companyId]),
    dealIds: await hubspotIdsOf(tx, "Deal", [who.dealId]),
  };
  if (!associations.contactIds.length && !associations.companyIds.length && !associations.dealIds.length) {
    return { skip: "no contact, company or deal of it is linked to HubSpot" };
  }
  const owner = await hubspotOwnerOf(tx, who.userId);
  if (owner) properties.hubspot_owner_id = owner;
  properties[MARKER_PROPERTY] = item.id;
  return { input: { type, properties, associations } };
}

async function logEngagement(services: ConnectionServices, item: Item): Promise<ItemOutcome> {
  const built = await withTenant(services.db.prisma, { tenantId: item.tenantId }, (tx) => buildEngagement(tx, item));
  if ("skip" in built) return { status: "SKIPPED", hubspotId: null, result: { reason: built.skip } };
  // Counted and stamped before HubSpot is called (committed): from now on HubSpot may hold it.
  const previous = await withTenant(services.db.prisma, { tenantId: item.tenantId }, async (tx) => {
    const before = await tx.hubspotSyncItem.findUniqueOrThrow({ where: { id: item.id }, select: { attemptedAt: true } });
    await tx.hubspotSyncItem.update({ where: { id: item.id }, data: { attempts: { increment: 1 }, attemptedAt: new Date() } });
    return before.attemptedAt;
  });
  item.attempts += 1;
  let mayExist = previous !== null;
  let recovered = false;
  const markerKey = `${item.connectionId}:${built.input.type}`;
  const id = await withHubspot(services, { id: item.connectionId, tenantId: item.tenantId }, async (api: HubspotApi) => {
    if (!markerReady.has(markerKey)) {
      await api.ensureProperty(built.input.type, { name: MARKER_PROPERTY, label: "Sales agent item id", description: "Set by the sales agent on what it logs, so a retry never logs twice." });
      markerReady.add(markerKey);
    }
    if (mayExist) {
      const found = await api.findEngagements(built.input.type, MARKER_PROPERTY, item.id);
      if (found[0]) {
        recovered = true;
        return found[0];
      }
    }
    // A retry of this function (timeout, 5xx) may follow a create that reached HubSpot: search first then.
    mayExist = true;
    return (await api.createEngagement(built.input)).id;
  });
  return { status: "DONE", hubspotId: id, result: { type: built.input.type, associations: built.input.associations, ...(recovered ? { recovered: true } : {}) } };
}

// ---- GDPR deletes (contactErase) ---------------------------------------------------

/**
 * Asks HubSpot to delete an erased contact's record for good. The item was
 * queued by the erasure with the HubSpot id (our link to it is gone by now);
 * a contact HubSpot no longer has counts as done.
 */
async function gdprDeleteContact(services: ConnectionServices, item: Item): Promise<ItemOutcome> {
  if (!item.hubspotId) return { status: "SKIPPED", hubspotId: null, result: { reason: "no HubSpot contact was linked" } };
  const hubspotId = item.hubspotId;
  const deleted = await withHubspot(services, { id: item.connectionId, tenantId: item.tenantId }, (api) => api.gdprDeleteContact(hubspotId));
  return { status: "DONE", hubspotId, result: deleted ? { deleted: true } : { deleted: false, reason: "HubSpot had no such contact (deleted already)" } };
}

/**
 * In the erasure's transaction: a GDPR delete of the contact's HubSpot record,
 * when the tenant has a HubSpot connection and the contact is linked to it.
 * Returns how many were queued (0 or 1).
 */
export async function queueHubspotGdprDelete(jobs: JobQueue, tx: Tx, tenantId: string, contactId: string): Promise<number> {
  const [hubspotId] = await hubspotIdsOf(tx, "Contact", [contactId]);
  if (!hubspotId) return 0;
  // A connection that needs re-authorising still gets the item: it shows FAILED with the reason until retried.
  const connection = await tx.connection.findFirst({ where: { provider: "HUBSPOT", userId: null, status: { not: "REVOKED" } }, orderBy: { updatedAt: "desc" }, select: { id: true } });
  if (!connection) return 0;
  const item = await tx.hubspotSyncItem.upsert({
    where: { tenantId_connectionId_kind_sourceType_sourceId: { tenantId, connectionId: connection.id, kind: "GDPR_DELETE", sourceType: "Contact", sourceId: contactId } },
    create: { tenantId, connectionId: connection.id, kind: "GDPR_DELETE", sourceType: "Contact", sourceId: contactId, hubspotType: "contacts", hubspotId },
    update: { status: "PENDING", attempts: 0, lastError: null, hubspotId },
    select: { id: true },
  });
  await jobs.send(QUEUES.hubspotPush.name, { tenantId, itemId: item.id } satisfies HubspotItemJob, { singletonKey: item.id }, tx);
  return 1;
}

// ---- record pushes (outbound sync) -----------------------------------------------

/** Our record's HubSpot id: linked, or found/created there when the tenant's settings say so (hubspot-create.ts). */
async function ensureLinked(services: ConnectionServices, item: Item, entity: CrmEntity, entityId: string): Promise<EnsureOutcome> {
  const settings = await withTenant(services.db.prisma, { tenantId: item.tenantId }, (tx) => createSettingsOf(tx));
  return ensureInHubspot({ services, actor: pushActor(item.tenantId), tenantId: item.tenantId, connectionId: item.connectionId, itemId: item.id, settings }, entity, entityId);
}

/** What the item's result says about the link (nothing when it was linked before). */
const linkResult = (ensured: EnsureOutcome) => ("how" in ensured && ensured.how !== "linked" ? { hubspotRecord: ensured.how } : {});

async function pushLead(services: ConnectionServices, item: Item): Promise<ItemOutcome> {
  const contactId = (await withTenant(services.db.prisma, { tenantId: item.tenantId }, (tx) => tx.lead.findUnique({ where: { id: item.sourceId }, select: { contactId: true } })))?.contactId;
  if (!contactId) return { status: "SKIPPED", hubspotId: null, result: { reason: "the lead has no contact" } };
  const ensured = await ensureLinked(services, item, "Contact", contactId);
  if ("reason" in ensured) return { status: "SKIPPED", hubspotId: null, result: { reason: `the lead's contact: ${ensured.reason}` } };
  const state = await withTenant(services.db.prisma, { tenantId: item.tenantId }, async (tx) => {
    const lead = await tx.lead.findUnique({ where: { id: item.sourceId }, select: { id: true, contactId: true, status: true, ownerId: true, updatedAt: true } });
    if (!lead?.contactId) return null;
    const [hubspotId] = await hubspotIdsOf(tx, "Contact", [lead.contactId]);
    if (!hubspotId) return { lead, hubspotId: null, owner: null, mark: null };
    return { lead, hubspotId, owner: await hubspotOwnerOf(tx, lead.ownerId), mark: await tx.hubspotRecordSync.findFirst({ where: { entityType: "Contact", hubspotId } }) };
  });
  if (!state?.hubspotId) return { status: "SKIPPED", hubspotId: null, result: { reason: "the lead's contact changed while it was linked; the next change pushes it" } };
  const { lead, hubspotId, owner, mark } = state;
  const desired = leadStatusToHubspot(lead.status as OurLeadStatus);
  const outcome = await withHubspot(services, { id: item.connectionId, tenantId: item.tenantId }, async (api) => {
    const current = await api.getObject("contacts", hubspotId, ["lifecyclestage", "hs_lead_status", "hubspot_owner_id"]);
    if (!current) return null;
    const props: Record<string, string> = {};
    const keptRemote: string[] = [];
    // Owned by us: lifecycle stage (forward only: HubSpot refuses backward moves) and lead status.
    if (desired.lifecyclestage && desired.lifecyclestage !== current.properties.lifecyclestage && lifecycleMovesForward(current.properties.lifecyclestage, desired.lifecyclestage)) {
      props.lifecyclestage = desired.lifecyclestage;
    }
    if (desired.hs_lead_status !== current.properties.hs_lead_status) props.hs_lead_status = desired.hs_lead_status;
    // Shared: the owner, last writer by modification time.
    if (owner && owner !== current.properties.hubspot_owner_id) {
      const remoteChanged = !mark || current.updatedAt.getTime() > mark.hubspotModifiedAt.getTime();
      if (remoteChanged && current.updatedAt.getTime() > lead.updatedAt.getTime()) keptRemote.push("ownerId");
      else props.hubspot_owner_id = owner;
    }
    if (!Object.keys(props).length) return { before: current, after: null, props, keptRemote };
    return { before: current, after: await api.updateObject("contacts", hubspotId, props), props, keptRemote };
  });
  if (!outcome) return { status: "SKIPPED", hubspotId, result: { reason: "the contact is gone from HubSpot (archived?)" } };
  if (outcome.after && mark && mark.hubspotModifiedAt.getTime() >= outcome.before.updatedAt.getTime()) {
    // We were in step with HubSpot before our write: our write is not news for the inbound sync.
    await withTenant(services.db.prisma, { tenantId: item.tenantId }, (tx) => tx.hubspotRecordSync.update({ where: { id: mark.id }, data: { hubspotModifiedAt: outcome.after!.updatedAt, syncedAt: new Date() } }));
  }
  return { status: "DONE", hubspotId, result: { ...linkResult(ensured), fields: Object.keys(outcome.props), values: outcome.props, ...(outcome.keptRemote.length ? { keptRemote: outcome.keptRemote, rule: "last writer by modification time" } : {}) } };
}

async function pushDeal(services: ConnectionServices, item: Item): Promise<ItemOutcome> {
  const exists = await withTenant(services.db.prisma, { tenantId: item.tenantId }, (tx) => tx.deal.findUnique({ where: { id: item.sourceId }, select: { id: true } }));
  if (!exists) return { status: "SKIPPED", hubspotId: null, result: { reason: "the deal is gone" } };
  const ensured = await ensureLinked(services, item, "Deal", exists.id);
  if ("reason" in ensured) return { status: "SKIPPED", hubspotId: null, result: { reason: `the deal: ${ensured.reason}` } };
  const state = await withTenant(services.db.prisma, { tenantId: item.tenantId }, async (tx) => {
    const deal = await tx.deal.findUnique({ where: { id: item.sourceId }, select: { id: true, name: true, stage: true, ownerId: true, updatedAt: true } });
    if (!deal) return null;
    const [hubspotId] = await hubspotIdsOf(tx, "Deal", [deal.id]);
    if (!hubspotId) return { deal, hubspotId: null, owner: null, mark: null, mappings: [], stages: [] };
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: item.tenantId }, select: { settings: true } });
    const hs = await tx.hubspotSettings.findUnique({ where: { tenantId: item.tenantId } });
    const mappings = stageMappingSchema.safeParse(hs?.stageMappings ?? []);
    return {
      deal,
      hubspotId,
      owner: await hubspotOwnerOf(tx, deal.ownerId),
      mark: await tx.hubspotRecordSync.findFirst({ where: { entityType: "Deal", hubspotId } }),
      mappings: mappings.success ? mappings.data : [],
      stages: readTenantSettings(tenant.settings).pipeline.stages,
    };
  });
  if (!state) return { status: "SKIPPED", hubspotId: null, result: { reason: "the deal is gone" } };
  if (!state.hubspotId) return { status: "SKIPPED", hubspotId: null, result: { reason: "the deal's HubSpot link went away while it was pushed; the next change pushes it" } };
  const { deal, hubspotId, owner, mark } = state;
  // Loop prevention: our row has not changed since the inbound sync wrote it (or since our last push, or its creation there).
  if (mark && deal.updatedAt.getTime() <= mark.localUpdatedAt.getTime()) return { status: "DONE", hubspotId, result: { ...linkResult(ensured), fields: [], reason: "unchanged since the last sync" } };
  const outcome = await withHubspot(services, { id: item.connectionId, tenantId: item.tenantId }, async (api) => {
    const current = await api.getObject("deals", hubspotId, ["dealname", "dealstage", "pipeline", "hubspot_owner_id"]);
    if (!current) return null;
    const remoteChanged = !mark || current.updatedAt.getTime() > mark.hubspotModifiedAt.getTime();
    const hubspotWins = remoteChanged && current.updatedAt.getTime() > deal.updatedAt.getTime();
    const props: Record<string, string> = {};
    const keptRemote: string[] = [];
    const notes: string[] = [];
    const shared = (field: string, property: string, value: string | null) => {
      if (value === null || value === current.properties[property]) return;
      if (hubspotWins) keptRemote.push(field);
      else props[property] = value;
    };
    shared("name", "dealname", deal.name);
    shared("ownerId", "hubspot_owner_id", owner);
    const target = reverseStage(state.mappings, state.stages, deal.stage, { pipelineId: current.properties.pipeline ?? null, stageId: current.properties.dealstage ?? null });
    if (!target) notes.push(`our stage "${deal.stage}" has no HubSpot stage in pipeline ${current.properties.pipeline ?? "default"} (map it with hubspotStageMappingUpdate)`);
    else if (target.stageId !== current.properties.dealstage || target.pipelineId !== (current.properties.pipeline ?? "default")) {
      // The mapping is checked against HubSpot's pipelines before it is written.
      const pipelines = await api.dealPipelines();
      const exists = pipelines.some((p) => p.id === target.pipelineId && p.stages.some((s) => s.id === target.stageId));
      if (!exists) notes.push(`the stage mapping points to ${target.pipelineId}/${target.stageId}, which HubSpot does not have`);
      else if (hubspotWins) keptRemote.push("stage");
      else Object.assign(props, { dealstage: target.stageId, pipeline: target.pipelineId });
    }
    if (!Object.keys(props).length) return { before: current, after: null, props, keptRemote, notes };
    return { before: current, after: await api.updateObject("deals", hubspotId, props), props, keptRemote, notes };
  });
  if (!outcome) return { status: "SKIPPED", hubspotId, result: { reason: "the deal is gone from HubSpot (archived?)" } };
  const inStep = !mark || mark.hubspotModifiedAt.getTime() >= outcome.before.updatedAt.getTime();
  if (outcome.after || !outcome.keptRemote.length) {
    // Our state is now HubSpot's: the inbound sync neither reads our write back nor counts our row as changed.
    await withTenant(services.db.prisma, { tenantId: item.tenantId }, async (tx) => {
      const data = { entityId: deal.id, localUpdatedAt: deal.updatedAt, syncedAt: new Date(), ...(outcome.after && inStep ? { hubspotModifiedAt: outcome.after.updatedAt } : {}) };
      if (mark) await tx.hubspotRecordSync.update({ where: { id: mark.id }, data });
      else await tx.hubspotRecordSync.create({ data: { tenantId: item.tenantId, entityType: "Deal", hubspotId, hubspotModifiedAt: outcome.after?.updatedAt ?? outcome.before.updatedAt, ...data } });
    });
  }
  const fields = Object.keys(outcome.props);
  return {
    status: "DONE",
    hubspotId,
    result: { ...linkResult(ensured), fields, values: outcome.props, ...(outcome.keptRemote.length ? { keptRemote: outcome.keptRemote, rule: "last writer by modification time" } : {}), ...(outcome.notes.length ? { notes: outcome.notes } : {}) },
  };
}

/** The tenant's HubSpot items, newest first (the crmSyncItems view). */
export function listHubspotItems(tx: Tx, input: { status?: "PENDING" | "DONE" | "FAILED" | "SKIPPED" | null; kind?: "PUSH" | "ENGAGEMENT" | "GDPR_DELETE" | null; take: number }) {
  return tx.hubspotSyncItem.findMany({
    where: { ...(input.status ? { status: input.status } : {}), ...(input.kind ? { kind: input.kind } : {}) },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: input.take,
  });
}

/**
 * Queues a FAILED item again (hubspotSyncItemRetry, MANAGER and up): PENDING with its tries reset and
 * its job sent in the same transaction. The item keeps its attempt stamp, so an engagement or a deal
 * HubSpot may already hold is searched for before anything is created: still exactly once.
 */
export async function retryHubspotItem(
  services: Pick<Services, "db" | "config" | "jobs">,
  actor: Actor,
  input: { itemId: string; idempotencyKey?: string | null },
): Promise<Outcome<{ itemId: string; queued: boolean }>> {
  if (!actor.principal.permissions.has("connection:retry")) return fail(userError("FORBIDDEN", "Only a MANAGER, ADMIN or OWNER can retry a HubSpot item.", ["input", "itemId"]));
  return runMutation(services, actor, { operation: "hubspotSyncItemRetry", input: { itemId: input.itemId }, idempotencyKey: input.idempotencyKey }, async (uow) => {
    const locked = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "HubspotSyncItem" WHERE "id" = ${input.itemId}::uuid FOR UPDATE`;
    const item = locked.length ? await uow.tx.hubspotSyncItem.findUnique({ where: { id: input.itemId } }) : null;
    if (!item) return fail(userError("NOT_FOUND", "No such HubSpot item.", ["input", "itemId"]));
    if (item.status !== "FAILED") return fail(userError("INVALID_TRANSITION", `Only a failed item can be retried; this one is ${item.status.toLowerCase()}.`, ["input", "itemId"]));
    const now = new Date();
    const waiting = item.kind === "PUSH" ? { changedAt: now, burstStartedAt: now, pushDueAt: now } : {};
    await uow.tx.hubspotSyncItem.update({ where: { id: item.id }, data: { status: "PENDING", attempts: 0, lastError: null, ...waiting } });
    const jobId = await services.jobs.send(QUEUES.hubspotPush.name, { tenantId: item.tenantId, itemId: item.id } satisfies HubspotItemJob, { singletonKey: item.id }, uow.tx);
    const summary = { kind: item.kind, sourceType: item.sourceType, sourceId: item.sourceId, previousError: item.lastError, previousAttempts: item.attempts, queued: jobId !== null };
    await uow.audit({ action: "hubspot.item_retry_requested", targetType: "HubspotSyncItem", targetId: item.id, summary });
    await uow.emit("sales.connection.crm_item_retry_requested", { itemId: item.id, kind: item.kind, sourceType: item.sourceType, sourceId: item.sourceId });
    return ok({ itemId: item.id, queued: jobId !== null });
  });
}
