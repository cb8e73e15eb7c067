// Data exports (issue 15): one contact's data (contact:export, MANAGER and
// up) or the whole tenant's (tenant:export, OWNER only), built by the
// data-export job into JSON lines, gzip-compressed (node:zlib) and kept in
// the DataExport row until it is downloaded once through a signed, expiring
// link (src/api/data-export.ts) — then the archive is deleted.
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Tx } from "../../data/database.js";
import { QUEUES } from "../../data/job-queue.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { EXPORT_LINK_TTL_MS, EXPORT_OMITTED_COLUMN, EXPORT_OMITTED_TABLES, exportLinkKey, signExportToken, verifyExportToken } from "../../domain/governance/export-token.js";
import { normaliseEmail } from "../../domain/sending/suppression.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import { runMutation, runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";

export interface DataExportJob {
  tenantId: string;
  exportId: string;
}

async function queueExport(services: Services, uow: UnitOfWork, scope: "CONTACT" | "TENANT", contactId: string | null): Promise<{ dataExportId: string }> {
  const { principal } = uow.actor;
  const row = await uow.tx.dataExport.create({
    data: { tenantId: principal.tenantId, scope, contactId, requestedById: principal.id, requestedByLabel: principal.label },
  });
  await services.jobs.send(QUEUES.dataExport.name, { tenantId: principal.tenantId, exportId: row.id } satisfies DataExportJob, {}, uow.tx);
  await uow.audit({ action: "data_export.requested", targetType: "DataExport", targetId: row.id, summary: { scope, contactId } });
  await uow.emit("sales.data_export.requested", { dataExportId: row.id, scope, contactId });
  return { dataExportId: row.id };
}

export async function requestContactExport(services: Services, actor: Actor, input: { contactId: string }, idempotencyKey?: string | null): Promise<Outcome<{ dataExportId: string }>> {
  return runMutation(services, actor, { operation: "contactExport", input, idempotencyKey }, async (uow) => {
    const contact = await uow.tx.contact.findUnique({ where: { id: input.contactId }, select: { id: true } });
    if (!contact) return fail(userError("NOT_FOUND", "No Contact with this id.", ["input", "contactId"]));
    return ok(await queueExport(services, uow, "CONTACT", contact.id));
  });
}

export async function requestTenantExport(services: Services, actor: Actor, idempotencyKey?: string | null): Promise<Outcome<{ dataExportId: string }>> {
  return runMutation(services, actor, { operation: "tenantExport", input: {}, idempotencyKey }, async (uow) => ok(await queueExport(services, uow, "TENANT", null)));
}

type Line = { type: string; data: Record<string, unknown> };

type Delegate = { findMany(args: { where?: unknown }): Promise<Record<string, unknown>[]> };

/** The Prisma delegate of a model ("InboundMessage" → tx.inboundMessage): reads go through the client, so fields sealed at rest come out readable. */
function delegateOf(tx: Tx, model: string): Delegate | null {
  const d = (tx as unknown as Record<string, Delegate | undefined>)[model.charAt(0).toLowerCase() + model.slice(1)];
  return d && typeof d.findMany === "function" ? d : null;
}

function exportable(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (EXPORT_OMITTED_COLUMN.test(k)) continue;
    out[k] = v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v;
  }
  return out;
}

/** Rows of one model matching `where` (row-level security keeps them to the tenant), without secret or hash columns. */
async function rowsOf(tx: Tx, model: string, where: unknown): Promise<Line[]> {
  const delegate = delegateOf(tx, model);
  if (!delegate) return [];
  return (await delegate.findMany({ where })).map((r) => ({ type: model, data: exportable(r) }));
}

/** Everything held about one contact: their rows, and what hangs off them. */
async function contactLines(tx: Tx, contactId: string): Promise<Line[]> {
  const contact = await tx.contact.findUnique({ where: { id: contactId }, select: { id: true, email: true, companyId: true } });
  if (!contact) return [];
  const lead = await tx.lead.findFirst({ where: { contactId }, select: { id: true } });
  const leadId = lead?.id ?? null;
  const email = contact.email ? normaliseEmail(contact.email) : null;
  const mine = leadId ? { OR: [{ contactId }, { leadId }] } : { contactId };
  const draftIds = (await tx.draft.findMany({ where: mine, select: { id: true } })).map((d) => d.id);
  const dealIds = (await tx.dealContact.findMany({ where: { contactId }, select: { dealId: true } })).map((d) => d.dealId);
  const enrollmentIds = (await tx.sequenceEnrollment.findMany({ where: { contactId }, select: { id: true } })).map((e) => e.id);
  const byEmail = <T>(clause: T): T[] => (email ? [clause] : []);
  return [
    ...(await rowsOf(tx, "Contact", { id: contactId })),
    ...(contact.companyId ? await rowsOf(tx, "Company", { id: contact.companyId }) : []),
    ...(await rowsOf(tx, "Lead", { contactId })),
    ...(leadId ? await rowsOf(tx, "ScoreSnapshot", { leadId }) : []),
    ...(await rowsOf(tx, "DealContact", { contactId })),
    ...(await rowsOf(tx, "Deal", { OR: [{ id: { in: dealIds } }, ...(leadId ? [{ leadId }] : [])] })),
    ...(await rowsOf(tx, "Activity", mine)),
    ...(await rowsOf(tx, "Task", mine)),
    ...(await rowsOf(tx, "Draft", { id: { in: draftIds } })),
    ...(await rowsOf(tx, "DraftRevision", { draftId: { in: draftIds } })),
    ...(await rowsOf(tx, "DraftApproval", { draftId: { in: draftIds } })),
    ...(await rowsOf(tx, "EmailSend", { draftId: { in: draftIds } })),
    ...(await rowsOf(tx, "OutboxMessage", { OR: [{ draftId: { in: draftIds } }, ...byEmail({ rcptTo: { has: email } })] })),
    ...(await rowsOf(tx, "InboundMessage", { OR: [mine, ...byEmail({ fromEmail: email }), ...byEmail({ to: { has: email } })] })),
    ...(await rowsOf(tx, "EmailThread", mine)),
    ...(await rowsOf(tx, "Recommendation", mine)),
    ...(await rowsOf(tx, "SequenceEnrollment", { id: { in: enrollmentIds } })),
    ...(await rowsOf(tx, "SequenceStepRun", { enrollmentId: { in: enrollmentIds } })),
    ...(await rowsOf(tx, "MeetingBooking", { contactId })),
    ...(await rowsOf(tx, "ExternalRef", { entityId: { in: [contactId, ...(leadId ? [leadId] : [])] } })),
    ...(email ? await rowsOf(tx, "Suppression", { kind: "EMAIL", value: email }) : []),
    ...(email ? await rowsOf(tx, "VoiceSample", { to: { contains: email, mode: "insensitive" } }) : []),
    ...(email
      ? await rowsOf(tx, "InboundWebhookDelivery", { OR: [{ body: { contains: email, mode: "insensitive" } }, { body: { contains: encodeURIComponent(email), mode: "insensitive" } }] })
      : []),
  ];
}

/** Every tenant table (discovered, so new ones are included), minus the omitted ones. */
async function tenantLines(tx: Tx): Promise<Line[]> {
  const tables = await tx.$queryRaw<{ table: string }[]>`
    SELECT c.table_name AS "table" FROM information_schema.columns c
    WHERE c.table_schema = 'public' AND c.column_name = 'tenantId' AND has_table_privilege(format('%I.%I', c.table_schema, c.table_name), 'SELECT')
    ORDER BY c.table_name`;
  const lines: Line[] = [];
  const tenant = await tx.tenant.findMany({ select: { id: true, name: true, slug: true, settings: true, createdAt: true } });
  lines.push(...tenant.map((t) => ({ type: "Tenant", data: t as unknown as Record<string, unknown> })));
  for (const { table } of tables) {
    if (EXPORT_OMITTED_TABLES.has(table)) continue;
    lines.push(...(await rowsOf(tx, table, {})));
  }
  return lines;
}

/** The job: builds the archive and marks the export READY (or FAILED when its contact is gone). Idempotent: only a QUEUED export is built. */
export async function buildDataExport(services: Services, job: DataExportJob): Promise<"built" | "skipped" | "failed"> {
  const actor = { principal: agentPrincipal(job.tenantId, "data-export"), meta: { requestId: randomUUID(), traceId: null } };
  const outcome = await runUnitOfWork(
    services,
    actor,
    async (uow) => {
      const [row] = await uow.tx.$queryRaw<{ id: string; scope: "CONTACT" | "TENANT"; contactId: string | null; status: string }[]>`
        SELECT "id", "scope"::text AS "scope", "contactId", "status"::text AS "status" FROM "DataExport" WHERE "id" = ${job.exportId}::uuid FOR UPDATE`;
      if (!row || row.status !== "QUEUED") return ok("skipped" as const);
      const lines = row.scope === "TENANT" ? await tenantLines(uow.tx) : await contactLines(uow.tx, row.contactId!);
      if (row.scope === "CONTACT" && lines.length === 0) {
        await uow.tx.dataExport.update({ where: { id: row.id }, data: { status: "FAILED", error: "The contact no longer exists." } });
        await uow.audit({ action: "data_export.failed", targetType: "DataExport", targetId: row.id, summary: { scope: row.scope } });
        await uow.emit("sales.data_export.failed", { dataExportId: row.id, scope: row.scope });
        return ok("failed" as const);
      }
      const counts: Record<string, number> = {};
      for (const l of lines) counts[l.type] = (counts[l.type] ?? 0) + 1;
      const manifest = { type: "manifest", data: { format: "sales-agent export v1", scope: row.scope, tenantId: job.tenantId, contactId: row.contactId, createdAt: new Date().toISOString(), counts } };
      const text = [manifest, ...lines].map((l) => JSON.stringify(l)).join("\n") + "\n";
      const archive = gzipSync(Buffer.from(text, "utf8"));
      const now = new Date();
      await uow.tx.dataExport.update({
        where: { id: row.id },
        data: { status: "READY", archive: new Uint8Array(archive), byteSize: archive.length, recordCount: lines.length, readyAt: now, expiresAt: new Date(now.getTime() + EXPORT_LINK_TTL_MS) },
      });
      await uow.audit({ action: "data_export.ready", targetType: "DataExport", targetId: row.id, summary: { scope: row.scope, records: lines.length, bytes: archive.length } });
      await uow.emit("sales.data_export.ready", { dataExportId: row.id, scope: row.scope, contactId: row.contactId });
      return ok("built" as const);
    },
    { timeout: 300_000 },
  );
  return outcome.ok ? outcome.value : "failed";
}

/** The one-time download link of a READY export (null otherwise). */
export function downloadUrl(services: Services, row: { id: string; tenantId: string; status: string; expiresAt: Date | null }): string | null {
  if (row.status !== "READY" || !row.expiresAt || row.expiresAt.getTime() <= Date.now()) return null;
  const token = signExportToken(exportLinkKey(services.mail.unsubscribeSecret), { tenantId: row.tenantId, exportId: row.id, expiresAt: row.expiresAt });
  return `${services.mail.publicUrl ?? ""}/exports/${token}`;
}

export type DownloadResult = { status: 200; archive: Buffer; dataExportId: string } | { status: 404 | 410 };

/**
 * Hands the archive out once: the row moves READY → DOWNLOADED and loses its
 * bytes in the same statement, so two concurrent downloads cannot both get
 * it. Forged or unknown links: 404; used or expired: 410.
 */
export async function downloadDataExport(services: Services, token: string, meta: { requestId?: string } = {}): Promise<DownloadResult> {
  const claims = verifyExportToken(exportLinkKey(services.mail.unsubscribeSecret), token);
  if (!claims) return { status: 404 };
  const actor = { principal: agentPrincipal(claims.tenantId, "data-export"), meta: { requestId: meta.requestId ?? randomUUID(), traceId: null } };
  const outcome = await runUnitOfWork(services, actor, async (uow) => {
    // RETURNING gives the new row: the bytes are read in the same statement, from the row as it was (locked).
    const taken = await uow.tx.$queryRaw<{ archive: Uint8Array }[]>`
      WITH ready AS (
        SELECT "id", "archive" FROM "DataExport"
        WHERE "id" = ${claims.exportId}::uuid AND "status" = 'READY' AND "archive" IS NOT NULL AND "expiresAt" > now() AND ${claims.expiresAt.getTime() > Date.now()}
        FOR UPDATE
      )
      UPDATE "DataExport" d SET "status" = 'DOWNLOADED', "archive" = NULL, "downloadedAt" = now(), "updatedAt" = now()
      FROM ready WHERE d."id" = ready."id"
      RETURNING ready."archive" AS "archive"`;
    if (taken.length === 0) {
      const exists = await uow.tx.dataExport.findUnique({ where: { id: claims.exportId }, select: { id: true } });
      return ok<DownloadResult>({ status: exists ? 410 : 404 });
    }
    await uow.audit({ action: "data_export.downloaded", targetType: "DataExport", targetId: claims.exportId });
    await uow.emit("sales.data_export.downloaded", { dataExportId: claims.exportId });
    return ok<DownloadResult>({ status: 200, archive: Buffer.from(taken[0]!.archive), dataExportId: claims.exportId });
  });
  return outcome.ok ? outcome.value : { status: 404 };
}
