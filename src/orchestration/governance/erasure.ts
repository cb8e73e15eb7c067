// contactErase: removes a person's personal data from everywhere this service
// holds it, in one transaction with its audit entry and event. Rows tied to
// the person (their lead, messages, threads, drafts, activities, tasks,
// recommendations, enrolments, bookings, refs…) are deleted; then every
// text, JSON and text-array column of every tenant table the service may
// update is swept for their address, phone and full name (a deal title, an
// outbox payload, a webhook response, an AI error message…). What stays: a
// salted hash of the address on the suppression list (never mailed, never
// ingested again), the audit trail (addresses were always masked there; any
// full name or phone in a summary is replaced), and a tombstone (ContactErasure) that makes a second call a no-op.
// A contact linked to the tenant's HubSpot gets a GDPR delete queued there (a HubspotSyncItem worked by the
// hubspot-push job). With the tenant's four-eyes policy on (governance.erasureFourEyes), contactErase only
// files a request (src/orchestration/governance/erasure-request.ts) and this runs when another OWNER or ADMIN approves.
import type { Tx } from "../../data/database.js";
import { Prisma } from "../../data/database.js";
import { erasureHashKey } from "../../data/tenant-secret.js";
import {
  emptyReport,
  erasedAddressHash,
  identifyingStrings,
  literalAlternation,
  scrubText,
  totalRemoved,
  type ErasureReport,
} from "../../domain/governance/erasure.js";
import { normaliseEmail } from "../../domain/sending/suppression.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import { runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";
import { suppress } from "../sending/suppression.js";
import { queueHubspotGdprDelete } from "../connection/hubspot-push.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fileErasureRequest, type ErasureRequestValue } from "./erasure-request.js";

export interface ErasureValue {
  contactId: string;
  /** Null when the four-eyes policy turned the call into a request (erasureRequest) and nothing was removed yet. */
  erasureId: string | null;
  /** True when the contact had already been erased: nothing was removed this time. */
  alreadyErased: boolean;
  report: ErasureReport | null;
  /** The request filed instead of erasing, under the four-eyes policy. */
  erasureRequest?: ErasureRequestValue;
}

/** Who asked for the erasure, when it is not the one running it (an approved request). */
export interface ErasureRequestedBy {
  id: string;
  label: string;
}

/** Tables the final sweep leaves alone: the audit trail (append-only by design) and what the erasure itself keeps. */
const SWEEP_EXCLUDED = new Set(["AuditEntry", "ContactErasure", "Suppression", "TenantSecret", "_prisma_migrations"]);

/** An erasure touches many tables and sweeps them all: it gets a longer transaction than a request. */
export const ERASURE_TIMEOUT_MS = 120_000;

export async function eraseContact(
  services: Services,
  actor: Actor,
  input: { contactId: string; reason: string },
  idempotencyKey?: string | null,
): Promise<Outcome<ErasureValue>> {
  return runMutation(
    services,
    actor,
    { operation: "contactErase", input, idempotencyKey },
    async (uow) => {
      const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: uow.actor.principal.tenantId }, select: { settings: true } });
      const policy = readTenantSettings(tenant.settings).governance;
      if (!policy.erasureFourEyes) return eraseInUnitOfWork(services, uow, input);
      const done = await uow.tx.contactErasure.findUnique({ where: { tenantId_contactId: { tenantId: uow.actor.principal.tenantId, contactId: input.contactId } } });
      if (done) return ok({ contactId: input.contactId, erasureId: done.id, alreadyErased: true, report: emptyReport() });
      const request = await fileErasureRequest(uow, input, policy.erasureRequestTtlHours);
      if (!request.ok) return request;
      return ok({ contactId: input.contactId, erasureId: null, alreadyErased: false, report: null, erasureRequest: request.value });
    },
    { timeout: ERASURE_TIMEOUT_MS },
  );
}

/** The erasure itself, in the caller's unit of work (contactErase, or the approval of a request). */
export async function eraseInUnitOfWork(
  services: Pick<Services, "jobs">,
  uow: UnitOfWork,
  input: { contactId: string; reason: string },
  requestedBy?: ErasureRequestedBy,
): Promise<Outcome<ErasureValue>> {
  const { tx } = uow;
  const tenantId = uow.actor.principal.tenantId;
  // The row lock serialises two erasures of the same person.
  const [contact] = await tx.$queryRaw<{ id: string; email: string | null; emailOriginal: string | null; firstName: string | null; lastName: string | null; phone: string | null }[]>`
    SELECT "id", "email", "emailOriginal", "firstName", "lastName", "phone" FROM "Contact" WHERE "id" = ${input.contactId}::uuid FOR UPDATE`;
  if (!contact) {
    const done = await tx.contactErasure.findUnique({ where: { tenantId_contactId: { tenantId, contactId: input.contactId } } });
    if (done) return ok({ contactId: input.contactId, erasureId: done.id, alreadyErased: true, report: emptyReport() });
    return fail(userError("NOT_FOUND", "No Contact with this id.", ["input", "contactId"]));
  }

  const report = emptyReport();
  const email = contact.email ? normaliseEmail(contact.email) : null;
  const needles = identifyingStrings(contact);
  const pattern = literalAlternation(needles);
  const lead = await tx.lead.findFirst({ where: { contactId: contact.id }, select: { id: true } });
  const leadId = lead?.id ?? null;
  const mine = leadId ? { OR: [{ contactId: contact.id }, { leadId }] } : { contactId: contact.id };

  // Drafts to them (revisions and approvals go with them), their send records and the local transport's copies.
  const drafts = (await tx.draft.findMany({ where: mine, select: { id: true } })).map((d) => d.id);
  // The service role cannot delete send records (quotas, proof of sending): a narrow SQL function does, for this tenant only.
  const [mail] = await tx.$queryRaw<{ sends: number; messages: number }[]>`SELECT * FROM app_erase_mail_records(${drafts}::uuid[], ${email})`;
  report.emailSends = mail?.sends ?? 0;
  report.outboxMessages = mail?.messages ?? 0;
  report.meetingBookings = (await tx.meetingBooking.deleteMany({ where: { OR: [{ contactId: contact.id }, { draftId: { in: drafts } }] } })).count;
  report.sequenceEnrollments = (await tx.sequenceEnrollment.deleteMany({ where: { contactId: contact.id } })).count;
  await tx.sequenceStepRun.updateMany({ where: { draftId: { in: drafts } }, data: { draftId: null } });
  report.recommendations = (await tx.recommendation.deleteMany({ where: mine })).count;
  report.drafts = (await tx.draft.deleteMany({ where: { id: { in: drafts } } })).count;
  report.tasks = (await tx.task.deleteMany({ where: mine })).count;
  report.activities = (await tx.activity.deleteMany({ where: mine })).count;

  // Messages from or to them, and the Gmail sync's record of them: kept as SKIPPED (no text) so the next sync does not fetch them again.
  const messageWhere: Prisma.InboundMessageWhereInput[] = [mine];
  if (email) messageWhere.push({ fromEmail: email }, { to: { has: email } });
  const messages = (await tx.inboundMessage.findMany({ where: { OR: messageWhere }, select: { id: true } })).map((m) => m.id);
  await tx.draft.updateMany({ where: { inboundMessageId: { in: messages } }, data: { inboundMessageId: null } });
  report.gmailCopies = (await tx.gmailMessage.updateMany({ where: { inboundMessageId: { in: messages } }, data: { inboundMessageId: null, kind: "SKIPPED", skipReason: "erased" } })).count;
  report.inboundMessages = (await tx.inboundMessage.deleteMany({ where: { id: { in: messages } } })).count;
  const threads = (await tx.emailThread.findMany({ where: mine, select: { id: true } })).map((t) => t.id);
  await tx.draft.updateMany({ where: { threadId: { in: threads } }, data: { threadId: null } });
  await tx.inboundMessage.updateMany({ where: { threadId: { in: threads } }, data: { threadId: null } });
  report.threads = (await tx.emailThread.deleteMany({ where: { id: { in: threads } } })).count;

  // Agent runs about them stay (they are the AI cost ledger) without the lead and without their output.
  if (leadId) {
    report.agentRuns = (await tx.agentRun.updateMany({ where: { leadId }, data: { leadId: null, output: Prisma.DbNull, error: null } })).count;
    await tx.deal.updateMany({ where: { leadId }, data: { leadId: null } });
  }
  report.dealLinks = (await tx.dealContact.deleteMany({ where: { contactId: contact.id } })).count;
  // HubSpot is asked to delete its copy (a job; the id is taken before our link to it goes).
  report.crmDeletionRequests = await queueHubspotGdprDelete(services.jobs, tx, tenantId, contact.id);
  report.externalRefs =
    (await tx.externalRef.deleteMany({ where: { entityId: { in: [contact.id, ...(leadId ? [leadId] : [])] } } })).count +
    (await tx.hubspotRecordSync.deleteMany({ where: { entityType: "Contact", entityId: contact.id } })).count;

  // Mail a member sent them (voice samples) and webhook bodies that carried them. Their bodies are sealed at
  // rest (src/data/field-encryption.ts), so they are read through the client (which opens them) and matched here.
  const mentions = mentionTest(needles);
  const samples = await tx.voiceSample.findMany({ select: { id: true, to: true, subject: true, body: true } });
  const sampleIds = samples.filter((v) => mentions(v.to) || mentions(v.subject) || mentions(v.body)).map((v) => v.id);
  report.voiceSamples = (await tx.voiceSample.deleteMany({ where: { id: { in: sampleIds } } })).count;
  const deliveries = await tx.inboundWebhookDelivery.findMany({ select: { id: true, body: true, result: true } });
  const deliveryIds = deliveries.filter((d) => mentions(d.body) || mentions(JSON.stringify(d.result))).map((d) => d.id);
  // Kept (its content hash still recognises a replay), emptied.
  report.inboundWebhookDeliveries = (await tx.inboundWebhookDelivery.updateMany({ where: { id: { in: deliveryIds } }, data: { body: "", result: {} } })).count;
  // Export archives about them go; a whole-tenant archive not yet downloaded goes too (it holds them).
  report.dataExports =
    (await tx.dataExport.deleteMany({ where: { contactId: contact.id } })).count +
    (await tx.dataExport.updateMany({ where: { scope: "TENANT", archive: { not: null } }, data: { archive: null, status: "FAILED", error: "Removed by a contact erasure; request a new export." } })).count;

  // Long memory: the items about them or made from what was just removed, and every item whose text mentions them.
  // Titles and excerpts are sealed at rest, so the mention is found in the full-text column (the same parser on
  // both sides: a phrase query of each identifying string). Items of a source that stays (a note elsewhere that
  // named them, now swept) are indexed again from the swept text by the memory-index job. Draft links cascade.
  report.memoryItems = await tx.$executeRaw`
    DELETE FROM "MemoryItem" m
    WHERE m."tenantId" = ${tenantId}::uuid
      AND (m."contactId" = ${contact.id}::uuid
        OR m."leadId" = ${leadId}::uuid
        OR m."sourceId" = ANY(${[...drafts, ...messages, ...threads]}::uuid[])
        OR m."textSearch" @@ ANY(ARRAY(SELECT phraseto_tsquery('english', n) FROM unnest(${needles}::text[]) AS n)))`;

  if (leadId) {
    // The lead points at its latest snapshot: the snapshots go with the lead (cascade), counted first.
    report.scoreSnapshots = await tx.scoreSnapshot.count({ where: { leadId } });
    report.lead = (await tx.lead.deleteMany({ where: { id: leadId } })).count;
  }
  report.contact = (await tx.contact.deleteMany({ where: { id: contact.id } })).count;

  // The address in clear leaves the suppression list; its hash takes its place.
  const emailHash = email ? erasedAddressHash(await erasureHashKey(tx, tenantId), email) : null;
  if (email) report.suppressionEntries = (await tx.suppression.deleteMany({ where: { kind: "EMAIL", value: email } })).count;
  if (emailHash) await suppress(tx, uow.actor.principal, { kind: "EMAIL_HASH", value: emailHash, reason: "ERASED", note: null });

  if (pattern) {
    report.scrubbedRows = await sweep(tx, pattern);
    // Audit entries stay, but not with the person in them: a narrow SQL function may rewrite their summaries (only those).
    const [audit] = await tx.$queryRaw<{ n: number }[]>`SELECT app_erase_from_audit(${pattern}) AS n`;
    report.auditEntriesRedacted = audit?.n ?? 0;
  }

  const reason = scrubText(input.reason, contact).slice(0, 1000);
  const erasure = await tx.contactErasure.create({
    data: {
      tenantId,
      contactId: contact.id,
      emailHash,
      reason,
      report: report as unknown as Prisma.InputJsonValue,
      requestedById: requestedBy?.id ?? uow.actor.principal.id,
      requestedByLabel: requestedBy?.label ?? uow.actor.principal.label,
    },
  });
  await uow.audit({ action: "contact.erased", targetType: "Contact", targetId: contact.id, summary: { reason, removed: totalRemoved(report), report } });
  await uow.emit("sales.contact.erased", { contactId: contact.id, erasureId: erasure.id, removed: totalRemoved(report) });
  return ok({ contactId: contact.id, erasureId: erasure.id, alreadyErased: false, report });
}

/** Whether a text holds any of the strings (case-insensitive). */
function mentionTest(needles: string[]): (text: string | null | undefined) => boolean {
  const lowered = needles.map((n) => n.toLowerCase());
  return (text) => !!text && lowered.some((n) => text.toLowerCase().includes(n));
}

interface SweepColumn {
  table: string;
  column: string;
  kind: "text" | "json" | "array";
}

/**
 * Replaces the person's strings in every text, JSON and text-array column of
 * every tenant table the service may update (row-level security keeps it to
 * this tenant). Columns are discovered, not listed, so a table added later is
 * swept too. One UPDATE per table; returns the rows changed.
 */
async function sweep(tx: Tx, pattern: string): Promise<number> {
  const columns = await tx.$queryRaw<SweepColumn[]>`
    SELECT c.table_name AS "table", c.column_name AS "column",
           CASE WHEN c.data_type IN ('json', 'jsonb') THEN 'json' WHEN c.data_type = 'ARRAY' THEN 'array' ELSE 'text' END AS "kind"
    FROM information_schema.columns c
    WHERE c.table_schema = 'public'
      AND (c.data_type IN ('text', 'character varying', 'json', 'jsonb') OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))
      AND EXISTS (SELECT 1 FROM information_schema.columns t WHERE t.table_schema = 'public' AND t.table_name = c.table_name AND t.column_name = 'tenantId')
      AND has_table_privilege(format('%I.%I', c.table_schema, c.table_name), 'UPDATE')
    ORDER BY c.table_name, c.ordinal_position`;
  const byTable = new Map<string, SweepColumn[]>();
  for (const c of columns) {
    if (SWEEP_EXCLUDED.has(c.table) || c.column === "id" || c.column === "tenantId") continue;
    byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  }
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  let changed = 0;
  for (const [table, cols] of byTable) {
    const asText = (c: SweepColumn) => (c.kind === "json" ? `${q(c.column)}::text` : c.kind === "array" ? `array_to_string(${q(c.column)}, chr(31))` : q(c.column));
    const set = cols.map((c) => {
      const col = q(c.column);
      const replaced = (expr: string) => `regexp_replace(${expr}, $1, '[erased]', 'gi')`;
      const value =
        c.kind === "json"
          ? `${replaced(`${col}::text`)}::jsonb`
          : c.kind === "array"
            ? `ARRAY(SELECT ${replaced("x")} FROM unnest(${col}) AS x)`
            : replaced(col);
      return `${col} = CASE WHEN ${asText(c)} ~* $1 THEN ${value} ELSE ${col} END`;
    });
    const where = cols.map((c) => `${asText(c)} ~* $1`).join(" OR ");
    changed += await tx.$executeRawUnsafe(`UPDATE ${q(table)} SET ${set.join(", ")} WHERE ${where}`, pattern);
  }
  return changed;
}
