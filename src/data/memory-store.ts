// Long memory in PostgreSQL: the items table's bulk writes and the search
// stages (src/orchestration/memory/memory.ts puts them together). Runs in
// the caller's tenant-scoped transaction; row-level security applies and every
// query also names the tenant so the planner can use its indexes.
//
// Vectors travel as PostgreSQL array literals ('{…}'::real[]): one text
// parameter, whatever the driver adapter does with JavaScript arrays.
//
// Encryption at rest (issue 15): an item's title and excerpt are sealed with
// the field cipher (src/data/field-encryption.ts, MemoryItem in
// ENCRYPTED_FIELDS) by the functions here, which write and read them in SQL;
// Prisma reads (Draft.memoriesUsed) are opened by the client extension. The
// full-text column is computed from the plaintext in the same statement that
// writes the sealed text (to_tsvector of a parameter that is not stored), so a
// dump shows the excerpt's lexemes, not the excerpt. Without a cipher (a bare
// script, the bench) the text is stored as is and sealed later by the
// rotation pass, like every other encrypted field.
import { insertRows, type BulkColumn } from "./bulk-insert.js";
import type { Tx } from "./database.js";
import type { FieldCipher } from "./field-encryption.js";
import type { MemorySourceType } from "../domain/memory/memory.js";

/** What a memory item is, whether written, read back or found: its source, whom it concerns, and its text. */
export interface MemoryItemFields {
  id: string;
  sourceType: MemorySourceType;
  sourceId: string;
  contactId: string | null;
  companyId: string | null;
  leadId: string | null;
  dealId: string | null;
  title: string;
  text: string;
  occurredAt: Date;
}

export interface NewMemoryItem extends MemoryItemFields {
  tenantId: string;
  /** Set when the item arrives embedded already (the bench); otherwise the index job embeds it. */
  embedding?: number[] | null;
  model?: string | null;
  sketchPos?: string | null;
  sketchNeg?: string | null;
}

/** Title and excerpt as stored: sealed (bound to the tenant) when there is a cipher. */
function sealItemText(cipher: FieldCipher | null | undefined, tenantId: string, title: string, text: string): { title: string; text: string } {
  if (!cipher) return { title, text };
  return { title: cipher.sealText("MemoryItem", "title", tenantId, title), text: cipher.sealText("MemoryItem", "text", tenantId, text) };
}

/** Title and excerpt as read: opened (plaintext rows, written before encryption, read as they are). */
function openItemText<T extends { title: string; text: string }>(cipher: FieldCipher | null | undefined, tenantId: string, row: T): T {
  if (!cipher) return row;
  return { ...row, title: cipher.openText("MemoryItem", "title", tenantId, row.title), text: cipher.openText("MemoryItem", "text", tenantId, row.text) };
}

/** What the full-text column is computed from (the same words the generated column used). */
function searchableText(title: string, text: string): string {
  return `${title} ${text}`;
}

const ITEM_COLUMNS: readonly BulkColumn[] = [
  ["id", "uuid"],
  ["tenantId", "uuid"],
  ["sourceType", "MemorySourceType"],
  ["sourceId", "uuid"],
  ["contactId", "uuid"],
  ["companyId", "uuid"],
  ["leadId", "uuid"],
  ["dealId", "uuid"],
  ["title", "text"],
  ["text", "text"],
  ["occurredAt", "timestamptz"],
  ["updatedAt", "timestamptz"],
  // Computed in SQL from the plaintext parameter; only the tsvector is stored.
  ["textSearch", "text", (plain) => `to_tsvector('english', ${plain})`],
];

export function vectorLiteral(vector: readonly number[]): string {
  return `{${vector.map((v) => (Number.isFinite(v) ? v : 0)).join(",")}}`;
}

/**
 * Inserts new items (a source already indexed is left alone). Embedded items get their vector in the same
 * statement. Title and excerpt are sealed with `cipher` (the app always passes services.db.fields).
 */
export async function insertMemoryItems(tx: Tx, items: NewMemoryItem[], cipher?: FieldCipher | null): Promise<number> {
  if (items.length === 0) return 0;
  const now = new Date();
  const rows = items.map((i) => ({ ...i, ...sealItemText(cipher, i.tenantId, i.title, i.text), textSearch: searchableText(i.title, i.text), updatedAt: now }));
  const plain = rows.filter((r) => !r.embedding);
  const embedded = rows.filter((r) => r.embedding);
  let inserted = 0;
  if (plain.length) inserted += await insertRows(tx, "MemoryItem", ITEM_COLUMNS, plain);
  if (embedded.length) {
    inserted += await insertRows(
      tx,
      "MemoryItem",
      [...ITEM_COLUMNS, ["embedding", "real[]"], ["model", "text"], ["dim", "int4"], ["sketchPos", "varbit"], ["sketchNeg", "varbit"], ["embeddedAt", "timestamptz"]],
      embedded.map((r) => ({ ...r, embedding: vectorLiteral(r.embedding!), dim: r.embedding!.length, embeddedAt: now })),
    );
  }
  return inserted;
}

/** Ids of a source table's rows that have no memory item yet (oldest first, so a backfill is resumable). */
export async function unindexedSourceIds(tx: Tx, tenantId: string, sourceType: MemorySourceType, limit: number): Promise<string[]> {
  const source = SOURCES[sourceType];
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT s."id"::text AS id FROM "${source.table}" s
     WHERE s."tenantId" = $1::uuid AND ${source.where}
       AND NOT EXISTS (SELECT 1 FROM "MemoryItem" m WHERE m."tenantId" = s."tenantId" AND m."sourceType" = '${sourceType}' AND m."sourceId" = s."id")
     ORDER BY s."${source.order}", s."id" LIMIT $2`,
    tenantId,
    limit,
  );
  return rows.map((r) => r.id);
}

/** Thread summaries whose facts changed after their item was written. */
export async function staleThreadSummaryIds(tx: Tx, tenantId: string, limit: number): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT t."id"::text AS id FROM "EmailThread" t JOIN "MemoryItem" m
      ON m."tenantId" = t."tenantId" AND m."sourceType" = 'THREAD_SUMMARY' AND m."sourceId" = t."id"
    WHERE t."tenantId" = ${tenantId}::uuid AND t."factsUpdatedAt" > m."updatedAt"
    LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

const SOURCES: Record<MemorySourceType, { table: string; where: string; order: string }> = {
  // Machine mail (auto-replies, bounces, reports) is not memory.
  INBOUND_MESSAGE: { table: "InboundMessage", where: `s."automated" = false`, order: "receivedAt" },
  // Notes, calls, meetings and forms; e-mail activities duplicate the messages and drafts.
  ACTIVITY: {
    table: "Activity",
    where: `s."type" IN ('NOTE', 'CALL', 'MEETING', 'FORM_SUBMISSION') AND (coalesce(s."body", '') <> '' OR coalesce(s."subject", '') <> '')`,
    order: "occurredAt",
  },
  // What we actually said: sent drafts only.
  SENT_DRAFT: { table: "Draft", where: `s."status" = 'SENT'`, order: "createdAt" },
  THREAD_SUMMARY: { table: "EmailThread", where: `s."facts" IS NOT NULL`, order: "lastMessageAt" },
};

/** Replaces an item's text (its source changed); the embedding is dropped so the job embeds it again. */
export async function updateMemoryText(
  tx: Tx,
  tenantId: string,
  sourceType: MemorySourceType,
  sourceId: string,
  title: string,
  text: string,
  cipher?: FieldCipher | null,
): Promise<void> {
  const stored = sealItemText(cipher, tenantId, title, text);
  await tx.$executeRaw`
    UPDATE "MemoryItem" SET "title" = ${stored.title}, "text" = ${stored.text}, "textSearch" = to_tsvector('english', ${searchableText(title, text)}),
      "embedding" = NULL, "model" = NULL, "dim" = NULL,
      "sketchPos" = NULL, "sketchNeg" = NULL, "embeddedAt" = NULL, "updatedAt" = CURRENT_TIMESTAMP
    WHERE "tenantId" = ${tenantId}::uuid AND "sourceType" = ${sourceType}::"MemorySourceType" AND "sourceId" = ${sourceId}::uuid`;
}

export interface PendingEmbedding {
  id: string;
  /** The excerpt to embed (opened). */
  text: string;
  /** The excerpt as stored (sealed or not): storeEmbeddings stores a vector only while it is still this one. */
  storedText: string;
}

/** Items without an embedding of `model` (never embedded, or embedded by another model): newest first. */
export async function itemsToEmbed(tx: Tx, tenantId: string, model: string, limit: number, cipher?: FieldCipher | null): Promise<PendingEmbedding[]> {
  const rows = await tx.$queryRaw<{ id: string; text: string }[]>`
    SELECT "id"::text AS id, "text" FROM "MemoryItem"
    WHERE "tenantId" = ${tenantId}::uuid AND ("embedding" IS NULL OR "model" IS DISTINCT FROM ${model})
    ORDER BY ("embedding" IS NULL) DESC, "occurredAt" DESC, "id" LIMIT ${limit}`;
  return rows.map((r) => ({ id: r.id, text: cipher ? cipher.openText("MemoryItem", "text", tenantId, r.text) : r.text, storedText: r.text }));
}

export async function countItemsToEmbed(tx: Tx, tenantId: string, model: string): Promise<number> {
  const [row] = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "MemoryItem" WHERE "tenantId" = ${tenantId}::uuid AND ("embedding" IS NULL OR "model" IS DISTINCT FROM ${model})`;
  return row?.n ?? 0;
}

/**
 * Stores embeddings for items whose stored text is still the one read (a concurrent change wins; so does a
 * re-seal under a new key — the next run embeds the item again).
 */
export async function storeEmbeddings(
  tx: Tx,
  tenantId: string,
  model: string,
  rows: { id: string; storedText: string; embedding: number[]; sketchPos: string; sketchNeg: string }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  return tx.$executeRawUnsafe(
    `UPDATE "MemoryItem" m SET "embedding" = u.e::real[], "model" = $7, "dim" = array_length(u.e::real[], 1),
       "sketchPos" = u.sp::varbit, "sketchNeg" = u.sn::varbit, "embeddedAt" = CURRENT_TIMESTAMP
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, t, e, sp, sn)
     WHERE m."tenantId" = $6::uuid AND m."id" = u.id AND m."text" = u.t`,
    rows.map((r) => r.id),
    rows.map((r) => r.storedText),
    rows.map((r) => vectorLiteral(r.embedding)),
    rows.map((r) => r.sketchPos),
    rows.map((r) => r.sketchNeg),
    tenantId,
    model,
  );
}

export interface MemoryFilter {
  tenantId: string;
  contactId?: string | null;
  companyId?: string | null;
}

function filterSql(f: MemoryFilter, firstParam: number): { sql: string; params: unknown[] } {
  const parts = [`m."tenantId" = $${firstParam}::uuid`];
  const params: unknown[] = [f.tenantId];
  // Contact and company together: what concerns either (the person, or anyone at their company).
  if (f.contactId && f.companyId) {
    parts.push(`(m."contactId" = $${firstParam + 1}::uuid OR m."companyId" = $${firstParam + 2}::uuid)`);
    params.push(f.contactId, f.companyId);
  } else if (f.contactId) {
    parts.push(`m."contactId" = $${firstParam + 1}::uuid`);
    params.push(f.contactId);
  } else if (f.companyId) {
    parts.push(`m."companyId" = $${firstParam + 1}::uuid`);
    params.push(f.companyId);
  }
  return { sql: parts.join(" AND "), params };
}

/** How many items of this model a vector search would look at. */
export async function countVectorCandidates(tx: Tx, filter: MemoryFilter, model: string, dim: number): Promise<number> {
  const f = filterSql(filter, 3);
  const [row] = await tx.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM "MemoryItem" m WHERE m."model" = $1 AND m."dim" = $2 AND m."embedding" IS NOT NULL AND ${f.sql}`,
    model,
    dim,
    ...f.params,
  );
  return row?.n ?? 0;
}

export interface VectorHit {
  id: string;
  similarity: number;
}

/** Exact: cosine (dot product of normalised vectors) against every candidate. */
export async function exactVectorSearch(tx: Tx, filter: MemoryFilter, model: string, vector: number[], k: number): Promise<VectorHit[]> {
  const f = filterSql(filter, 5);
  return tx.$queryRawUnsafe<VectorHit[]>(
    `SELECT m."id"::text AS id, app_memory_dot(m."embedding", $3::real[]) AS similarity
     FROM "MemoryItem" m WHERE m."model" = $1 AND m."dim" = $2 AND m."embedding" IS NOT NULL AND ${f.sql}
     ORDER BY similarity DESC, m."id" LIMIT $4`,
    model,
    vector.length,
    vectorLiteral(vector),
    k,
    ...f.params,
  );
}

/**
 * The prefiltered searches' query: a pool of items picked by the prefilter's order,
 * then ranked by exact cosine with the query vector. Arguments name parameter numbers.
 */
function poolRankedExactly(pool: { where: string; orderBy: string; limitParam: number }, rank: { vectorParam: number; kParam: number }): string {
  return `WITH pool AS (
       SELECT m."id", m."embedding" FROM "MemoryItem" m
       WHERE ${pool.where}
       ORDER BY ${pool.orderBy}
       LIMIT $${pool.limitParam})
     SELECT p."id"::text AS id, app_memory_dot(p."embedding", $${rank.vectorParam}::real[]) AS similarity FROM pool p
     ORDER BY similarity DESC, p."id" LIMIT $${rank.kParam}`;
}

/**
 * Fallback without pgvector: the sign sketches' estimate (bit_count in C) picks
 * a pool, whose exact cosines are then computed and ranked.
 */
export async function sketchVectorSearch(
  tx: Tx,
  filter: MemoryFilter,
  model: string,
  vector: number[],
  sketch: { pos: string; neg: string },
  k: number,
  pool: number,
): Promise<VectorHit[]> {
  const f = filterSql(filter, 8);
  return tx.$queryRawUnsafe<VectorHit[]>(
    poolRankedExactly(
      {
        where: `m."model" = $1 AND m."dim" = $2 AND m."embedding" IS NOT NULL AND m."sketchPos" IS NOT NULL AND ${f.sql}`,
        orderBy: `bit_count(m."sketchPos" & $4::varbit) + bit_count(m."sketchNeg" & $5::varbit)
                - bit_count(m."sketchPos" & $5::varbit) - bit_count(m."sketchNeg" & $4::varbit) DESC`,
        limitParam: 7,
      },
      { vectorParam: 3, kParam: 6 },
    ),
    model,
    vector.length,
    vectorLiteral(vector),
    sketch.pos,
    sketch.neg,
    k,
    pool,
    ...f.params,
  );
}

/** Whether this database has pgvector and the HNSW index for this dimension. */
export async function pgvectorIndexFor(tx: Tx, dim: number): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ ok: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
       AND EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = 'MemoryItem' AND indexname = ${`MemoryItem_embedding_hnsw_${dim}_idx`}) AS ok`;
  return !!row?.ok;
}

/** pgvector: the HNSW index picks a pool (approximate), whose exact cosines are then ranked. */
export async function pgvectorSearch(tx: Tx, filter: MemoryFilter, model: string, vector: number[], k: number, pool: number): Promise<VectorHit[]> {
  const dim = vector.length;
  if (!Number.isInteger(dim) || dim < 1 || dim > 2000) throw new Error("pgvector: unsupported dimension");
  // A wider search list than the default 40: the tenant and model filters apply after the index scan.
  await tx.$executeRawUnsafe(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(100, pool))}`);
  // The dimension is written into the statement (checked above); every bound value must have its placeholder, or
  // PostgreSQL refuses the statement ("bind message supplies N parameters").
  const f = filterSql(filter, 5);
  return tx.$queryRawUnsafe<VectorHit[]>(
    poolRankedExactly(
      {
        where: `m."dim" = ${dim} AND m."model" = $1 AND m."embedding" IS NOT NULL AND ${f.sql}`,
        orderBy: `(m."embedding")::vector(${dim}) <=> $2::real[]::vector(${dim})`,
        limitParam: 4,
      },
      { vectorParam: 2, kParam: 3 },
    ),
    model,
    vectorLiteral(vector),
    k,
    pool,
    ...f.params,
  );
}

export interface TextHit {
  id: string;
  rank: number;
}

/** Rows a full-text stage ranks at most: a common word must not rank the whole tenant. */
export const TEXT_MATCH_CAP = 2_000;

/**
 * Full text ('english': stop words dropped, stems matched — a name is stemmed the
 * same way on both sides), ranked by ts_rank_cd: items with all of the query's
 * words first; when fewer than k have them all, items with any of them. Each
 * pass ranks at most TEXT_MATCH_CAP matching rows. Items of every model (and not
 * yet embedded ones) are found this way.
 */
export async function textSearch(tx: Tx, filter: MemoryFilter, query: string, k: number): Promise<TextHit[]> {
  const all = await textPass(tx, filter, query, k, "&");
  if (all.length >= k) return all;
  const any = await textPass(tx, filter, query, k, "|");
  const seen = new Set(all.map((h) => h.id));
  return [...all, ...any.filter((h) => !seen.has(h.id))].slice(0, k);
}

async function textPass(tx: Tx, filter: MemoryFilter, query: string, k: number, op: "&" | "|"): Promise<TextHit[]> {
  const f = filterSql(filter, 4);
  return tx.$queryRawUnsafe<TextHit[]>(
    `WITH q AS (
       SELECT to_tsquery('english', string_agg(quote_literal(w), ' ${op} ')) AS q
       FROM unnest(tsvector_to_array(to_tsvector('english', $1))) AS w),
     matched AS (
       SELECT m."id", m."textSearch" FROM "MemoryItem" m, q
       WHERE q.q IS NOT NULL AND m."text" <> '' AND m."textSearch" @@ q.q AND ${f.sql}
       LIMIT $3)
     SELECT c."id"::text AS id, ts_rank_cd(c."textSearch", q.q) AS rank
     FROM matched c, q ORDER BY rank DESC, c."id" LIMIT $2`,
    query,
    k,
    TEXT_MATCH_CAP,
    ...f.params,
  );
}

export interface MemoryRow extends MemoryItemFields {
  model: string | null;
  /** Cosine with the query vector when the item has an embedding of the query's model; else null. */
  similarity: number | null;
}

/** The union's rows with their exact similarity (vectors of the query's model only); title and excerpt opened. */
export async function memoryRows(tx: Tx, tenantId: string, ids: string[], model: string, vector: number[], cipher?: FieldCipher | null): Promise<MemoryRow[]> {
  if (ids.length === 0) return [];
  const rows = await tx.$queryRawUnsafe<MemoryRow[]>(
    `SELECT m."id"::text AS id, m."sourceType"::text AS "sourceType", m."sourceId"::text AS "sourceId",
            m."contactId"::text AS "contactId", m."companyId"::text AS "companyId", m."leadId"::text AS "leadId", m."dealId"::text AS "dealId",
            m."title", m."text", m."occurredAt", m."model",
            CASE WHEN m."model" = $3 AND m."dim" = $5 AND m."embedding" IS NOT NULL THEN app_memory_dot(m."embedding", $4::real[]) END AS similarity
     FROM "MemoryItem" m WHERE m."tenantId" = $1::uuid AND m."id" = ANY($2::uuid[])`,
    tenantId,
    ids,
    model,
    vectorLiteral(vector),
    vector.length,
  );
  return rows.map((r) => openItemText(cipher, tenantId, r));
}
