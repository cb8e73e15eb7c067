// Data exports (issue 15): one contact's data (contact:export, MANAGER and
// up) or the whole tenant's (tenant:export, OWNER only), built by the
// data-export job into JSON lines, gzip-compressed (node:zlib) and kept in
// the DataExport row until it is downloaded once through a signed, expiring
// link (src/api/data-export.ts) — then the archive is deleted.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createGzip, type Gzip } from "node:zlib";
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

/** Rows read per query: the export holds one batch of rows (and the compressed archive so far) at a time. */
export const EXPORT_BATCH = 1000;

type Row = Record<string, unknown>;
type Delegate = {
  findMany(args: { where?: unknown; orderBy?: unknown; take?: number; select?: unknown }): Promise<Row[]>;
  count(args: { where?: unknown }): Promise<number>;
};

/** One model's rows to export: those matching `where` (row-level security keeps them to the tenant). */
interface Source {
  model: string;
  where: unknown;
  select?: Record<string, boolean>;
}

/** The Prisma delegate of a model ("InboundMessage" → tx.inboundMessage): reads go through the client, so fields sealed at rest come out readable. */
function delegateOf(tx: Tx, model: string): Delegate | null {
  const d = (tx as unknown as Record<string, Delegate | undefined>)[model.charAt(0).toLowerCase() + model.slice(1)];
  return d && typeof d.findMany === "function" ? d : null;
}

function exportable(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (EXPORT_OMITTED_COLUMN.test(k)) continue;
    out[k] = v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v;
  }
  return out;
}

/** The public tables that have an "id" column (read in id order, a batch at a time; the others are small and read at once). */
async function tablesWithId(tx: Tx): Promise<Set<string>> {
  const rows = await tx.$queryRaw<{ table: string }[]>`
    SELECT table_name AS "table" FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id'`;
  return new Set(rows.map((r) => r.table));
}

/** A source's rows, a batch at a time (keyset on id), without secret or hash columns. */
async function* batchesOf(tx: Tx, source: Source, keyed: Set<string>): AsyncGenerator<Row[]> {
  const delegate = delegateOf(tx, source.model);
  if (!delegate) return;
  const select = source.select ? { select: source.select } : {};
  if (!keyed.has(source.model)) {
    yield (await delegate.findMany({ where: source.where, ...select })).map(exportable);
    return;
  }
  let after: string | null = null;
  for (;;) {
    const where: unknown = after === null ? source.where : { AND: [source.where, { id: { gt: after } }] };
    const rows = await delegate.findMany({ where, orderBy: { id: "asc" }, take: EXPORT_BATCH, ...select });
    if (rows.length) yield rows.map(exportable);
    if (rows.length < EXPORT_BATCH) return;
    after = rows[rows.length - 1]!.id as string;
  }
}

/** Everything held about one contact: their rows, and what hangs off them (null when the contact is gone). */
async function contactSources(tx: Tx, contactId: string): Promise<Source[] | null> {
  const contact = await tx.contact.findUnique({ where: { id: contactId }, select: { id: true, email: true, companyId: true } });
  if (!contact) return null;
  const lead = await tx.lead.findFirst({ where: { contactId }, select: { id: true } });
  const leadId = lead?.id ?? null;
  const email = contact.email ? normaliseEmail(contact.email) : null;
  const mine = leadId ? { OR: [{ contactId }, { leadId }] } : { contactId };
  const draftIds = (await tx.draft.findMany({ where: mine, select: { id: true } })).map((d) => d.id);
  const dealIds = (await tx.dealContact.findMany({ where: { contactId }, select: { dealId: true } })).map((d) => d.dealId);
  const enrollmentIds = (await tx.sequenceEnrollment.findMany({ where: { contactId }, select: { id: true } })).map((e) => e.id);
  const byEmail = <T>(clause: T): T[] => (email ? [clause] : []);
  const sources: (Source | null)[] = [
    { model: "Contact", where: { id: contactId } },
    contact.companyId ? { model: "Company", where: { id: contact.companyId } } : null,
    { model: "Lead", where: { contactId } },
    leadId ? { model: "ScoreSnapshot", where: { leadId } } : null,
    { model: "DealContact", where: { contactId } },
    { model: "Deal", where: { OR: [{ id: { in: dealIds } }, ...(leadId ? [{ leadId }] : [])] } },
    { model: "Activity", where: mine },
    { model: "Task", where: mine },
    { model: "Draft", where: { id: { in: draftIds } } },
    { model: "DraftRevision", where: { draftId: { in: draftIds } } },
    { model: "DraftApproval", where: { draftId: { in: draftIds } } },
    { model: "EmailSend", where: { draftId: { in: draftIds } } },
    { model: "OutboxMessage", where: { OR: [{ draftId: { in: draftIds } }, ...byEmail({ rcptTo: { has: email } })] } },
    { model: "InboundMessage", where: { OR: [mine, ...byEmail({ fromEmail: email }), ...byEmail({ to: { has: email } })] } },
    { model: "EmailThread", where: mine },
    { model: "Recommendation", where: mine },
    { model: "SequenceEnrollment", where: { id: { in: enrollmentIds } } },
    { model: "SequenceStepRun", where: { enrollmentId: { in: enrollmentIds } } },
    { model: "MeetingBooking", where: { contactId } },
    { model: "ExternalRef", where: { entityId: { in: [contactId, ...(leadId ? [leadId] : [])] } } },
    email ? { model: "Suppression", where: { kind: "EMAIL", value: email } } : null,
    email ? { model: "VoiceSample", where: { to: { contains: email, mode: "insensitive" } } } : null,
    email
      ? { model: "InboundWebhookDelivery", where: { OR: [{ body: { contains: email, mode: "insensitive" } }, { body: { contains: encodeURIComponent(email), mode: "insensitive" } }] } }
      : null,
  ];
  return sources.filter((x): x is Source => x !== null);
}

/** Every tenant table (discovered, so new ones are included), minus the omitted ones. */
async function tenantSources(tx: Tx): Promise<Source[]> {
  const tables = await tx.$queryRaw<{ table: string }[]>`
    SELECT c.table_name AS "table" FROM information_schema.columns c
    WHERE c.table_schema = 'public' AND c.column_name = 'tenantId' AND has_table_privilege(format('%I.%I', c.table_schema, c.table_name), 'SELECT')
    ORDER BY c.table_name`;
  return [
    { model: "Tenant", where: {}, select: { id: true, name: true, slug: true, settings: true, createdAt: true } },
    ...tables.filter(({ table }) => !EXPORT_OMITTED_TABLES.has(table)).map(({ table }) => ({ model: table, where: {} })),
  ];
}

/**
 * The archive as it is written: JSON lines through gzip (node:zlib), honouring
 * back-pressure; only the compressed bytes are kept.
 */
class ArchiveWriter {
  private readonly gzip: Gzip = createGzip();
  private readonly chunks: Buffer[] = [];
  private readonly ended: Promise<void>;

  constructor() {
    this.gzip.on("data", (chunk: Buffer) => this.chunks.push(chunk));
    this.ended = new Promise((resolve, reject) => {
      this.gzip.once("end", resolve);
      this.gzip.once("error", reject);
    });
  }

  async write(lines: Line[]): Promise<void> {
    if (lines.length === 0) return;
    if (!this.gzip.write(lines.map((l) => JSON.stringify(l)).join("\n") + "\n")) await once(this.gzip, "drain");
  }

  async finish(): Promise<Buffer> {
    this.gzip.end();
    await this.ended;
    return Buffer.concat(this.chunks);
  }
}

/**
 * Writes the manifest (counts first, read in the same snapshot as the rows)
 * and then every source's rows, a batch at a time. Returns the record count.
 */
async function writeArchive(tx: Tx, writer: ArchiveWriter, sources: Source[], manifest: Record<string, unknown>): Promise<number> {
  const counts: Record<string, number> = {};
  for (const source of sources) {
    const delegate = delegateOf(tx, source.model);
    if (delegate) counts[source.model] = (counts[source.model] ?? 0) + (await delegate.count({ where: source.where }));
  }
  for (const [model, n] of Object.entries(counts)) if (n === 0) delete counts[model];
  await writer.write([{ type: "manifest", data: { ...manifest, counts } }]);
  const keyed = await tablesWithId(tx);
  let records = 0;
  for (const source of sources) {
    if (!counts[source.model]) continue;
    for await (const batch of batchesOf(tx, source, keyed)) {
      await writer.write(batch.map((data) => ({ type: source.model, data })));
      records += batch.length;
    }
  }
  return records;
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
      const sources = row.scope === "TENANT" ? await tenantSources(uow.tx) : await contactSources(uow.tx, row.contactId!);
      if (sources === null) {
        await uow.tx.dataExport.update({ where: { id: row.id }, data: { status: "FAILED", error: "The contact no longer exists." } });
        await uow.audit({ action: "data_export.failed", targetType: "DataExport", targetId: row.id, summary: { scope: row.scope } });
        await uow.emit("sales.data_export.failed", { dataExportId: row.id, scope: row.scope });
        return ok("failed" as const);
      }
      const writer = new ArchiveWriter();
      const records = await writeArchive(uow.tx, writer, sources, {
        format: "sales-agent export v1",
        scope: row.scope,
        tenantId: job.tenantId,
        contactId: row.contactId,
        createdAt: new Date().toISOString(),
      });
      const archive = await writer.finish();
      const now = new Date();
      await uow.tx.dataExport.update({
        where: { id: row.id },
        data: { status: "READY", archive: new Uint8Array(archive.buffer as ArrayBuffer, archive.byteOffset, archive.length), byteSize: archive.length, recordCount: records, readyAt: now, expiresAt: new Date(now.getTime() + EXPORT_LINK_TTL_MS) },
      });
      await uow.audit({ action: "data_export.ready", targetType: "DataExport", targetId: row.id, summary: { scope: row.scope, records, bytes: archive.length } });
      await uow.emit("sales.data_export.ready", { dataExportId: row.id, scope: row.scope, contactId: row.contactId });
      return ok("built" as const);
    },
    // Repeatable read: the manifest's counts and the rows come from one snapshot.
    { timeout: 300_000, isolationLevel: "RepeatableRead" },
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
