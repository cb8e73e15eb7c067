// Long memory (the LongMemoryAgent of the seeds): semantic retrieval over a
// tenant's own history — inbound messages, notes, calls, meetings, forms,
// sent drafts and thread summaries.
//
// Indexing (indexMemory, run by the memory-index job): sources without an
// item get one (their text read through Prisma, so encrypted bodies are
// opened), then items without an embedding of the tenant's current model are
// embedded through the AI runtime (the local provider offline, the tenant's
// OpenAI-compatible model when configured) — which also re-embeds everything
// after the model changed. Search compares only vectors of the query's model.
//
// Search (searchMemory): the top vector hits by cosine (exact when the
// candidates are few; else pgvector's HNSW or the sign-sketch prefilter pick a
// pool that is ranked exactly) united with the top full-text hits, scored by
// domain/memory combinedScore (similarity, text rank, recency). Other features
// call memoriesForContext (drafts, thread reading, next-step planning) or
// searchMemory (campaigns, GraphQL) — both read only, under the tenant's RLS.
import { v7 as uuidv7 } from "uuid";
import type { AiContext } from "../../ai/runtime.js";
import { withTenant, type Tx } from "../../data/database.js";
import type { FieldCipher } from "../../data/field-encryption.js";
import {
  countVectorCandidates,
  exactVectorSearch,
  insertMemoryItems,
  itemsToEmbed,
  memoryRows,
  pgvectorIndexFor,
  pgvectorSearch,
  sketchVectorSearch,
  staleThreadSummaryIds,
  storeEmbeddings,
  textSearch,
  unindexedSourceIds,
  updateMemoryText,
  type MemoryFilter,
  type MemoryItemFields,
  type NewMemoryItem,
  type VectorHit,
} from "../../data/memory-store.js";
import { stripQuoted } from "../../domain/draft/voice.js";
import {
  combinedScore,
  excerptOf,
  MEMORY_SOURCE_TYPES,
  normalise,
  recencyOf,
  sketchOf,
  squashRank,
  threadFactsText,
  type MemorySearchMethod,
  type MemorySourceType,
  type ScoreParts,
} from "../../domain/memory/memory.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import type { Actor } from "../unit-of-work.js";

/** Up to this many vector candidates, search is exact (every cosine computed); above, a prefilter picks a pool. */
export const EXACT_SEARCH_LIMIT = 10_000;
/** Pool the prefilter (sketch or HNSW) hands to the exact ranking. */
export const PREFILTER_POOL = 1_500;
const MEMORY_AGENT = "long-memory";

export interface MemoryHit extends MemoryItemFields {
  score: number;
  parts: ScoreParts;
}

export interface MemorySearchInput {
  query: string;
  contactId?: string | null;
  companyId?: string | null;
  first?: number;
  /** Force a vector method (tests, bench); default: EXACT for few candidates, else PGVECTOR where indexed, else SKETCH. */
  method?: MemorySearchMethod;
  now?: Date;
}

export interface MemorySearchResult {
  hits: MemoryHit[];
  method: MemorySearchMethod;
  /** Embedding model of the query: only items embedded by it have a similarity. */
  model: string;
  /** Items the vector stage could look at (the tenant's items of this model, within the filter). */
  candidates: number;
}

/** Embeds texts with the tenant's current embedding model; the model id is the one that actually answered. */
async function embedTexts(services: Services, ctx: AiContext, texts: string[]): Promise<{ vectors: number[][]; model: string }> {
  const result = await services.ai.embed(ctx, texts);
  const answered = [...result.invocations].reverse().find((i) => i.outcome === "SUCCESS");
  const model = answered?.model ?? "unknown";
  return { vectors: result.proposal.map(normalise), model };
}

/** The vector stage with a known query vector (also used by the bench, which embeds its own queries). */
export async function vectorStage(
  tx: Tx,
  filter: MemoryFilter,
  model: string,
  vector: number[],
  k: number,
  method: MemorySearchMethod | undefined,
): Promise<{ hits: VectorHit[]; method: MemorySearchMethod; candidates: number }> {
  const candidates = await countVectorCandidates(tx, filter, model, vector.length);
  let chosen: MemorySearchMethod = method ?? (candidates <= EXACT_SEARCH_LIMIT ? "EXACT" : (await pgvectorIndexFor(tx, vector.length)) ? "PGVECTOR" : "SKETCH");
  if (chosen === "PGVECTOR" && !(await pgvectorIndexFor(tx, vector.length))) chosen = "SKETCH";
  const hits =
    candidates === 0
      ? []
      : chosen === "EXACT"
        ? await exactVectorSearch(tx, filter, model, vector, k)
        : chosen === "PGVECTOR"
          ? await pgvectorSearch(tx, filter, model, vector, k, Math.max(PREFILTER_POOL, k))
          : await sketchVectorSearch(tx, filter, model, vector, sketchOf(vector), k, Math.max(PREFILTER_POOL, k));
  return { hits: hits.map((h) => ({ id: h.id, similarity: Number(h.similarity) })), method: chosen, candidates };
}

/** Vector and full-text stages, united and scored. */
export async function searchWithVector(
  tx: Tx,
  tenantId: string,
  input: MemorySearchInput,
  model: string,
  vector: number[],
  /** Opens the sealed titles and excerpts (services.db.fields). */
  cipher?: FieldCipher | null,
): Promise<MemorySearchResult> {
  const first = Math.min(Math.max(input.first ?? 10, 1), 100);
  const k = Math.max(50, first * 3);
  const filter: MemoryFilter = { tenantId, contactId: input.contactId ?? null, companyId: input.companyId ?? null };
  const vec = await vectorStage(tx, filter, model, vector, k, input.method);
  const text = await textSearch(tx, filter, input.query, k);
  const ranks = new Map(text.map((t) => [t.id, Number(t.rank)]));
  const ids = [...new Set([...vec.hits.map((h) => h.id), ...text.map((t) => t.id)])];
  const rows = await memoryRows(tx, tenantId, ids, model, vector, cipher);
  const now = input.now ?? new Date();
  const hits = rows
    .map((r): MemoryHit => {
      const parts: ScoreParts = {
        similarity: r.similarity === null ? 0 : Math.max(0, Math.min(1, Number(r.similarity))),
        textRank: squashRank(ranks.get(r.id) ?? 0),
        recency: recencyOf(r.occurredAt, now),
      };
      const { similarity: _s, model: _m, ...item } = r;
      return { ...item, score: combinedScore(parts), parts };
    })
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, first);
  return { hits, method: vec.method, model, candidates: vec.candidates };
}

/** Searches the tenant's memory (one embedding call for the query, then one read transaction). */
export async function searchMemory(services: Services, ctx: AiContext, input: MemorySearchInput): Promise<MemorySearchResult> {
  const { vectors, model } = await embedTexts(services, ctx, [input.query]);
  return withTenant(services.db.prisma, { tenantId: ctx.tenantId }, (tx) => searchWithVector(tx, ctx.tenantId, input, model, vectors[0]!, services.db.fields));
}

export interface ContextMemory {
  id: string;
  source: MemorySourceType;
  occurredAt: string;
  title: string;
  excerpt: string;
  score: number;
}

/**
 * The top memories about a contact (and their company) for a writer or planner:
 * never fails the caller — no memory is better than no draft.
 */
export async function memoriesForContext(
  services: Services,
  ctx: AiContext,
  input: { query: string; contactId?: string | null; companyId?: string | null; first?: number; excludeSourceIds?: string[] },
): Promise<ContextMemory[]> {
  if (!input.contactId && !input.companyId) return [];
  const query = input.query.trim() || "recent conversation";
  try {
    // Nothing remembered about them: no embedding call at all.
    const about = [...(input.contactId ? [{ contactId: input.contactId }] : []), ...(input.companyId ? [{ companyId: input.companyId }] : [])];
    const known = await withTenant(services.db.prisma, { tenantId: ctx.tenantId }, (tx) => tx.memoryItem.count({ where: { OR: about }, take: 1 }));
    if (known === 0) return [];
    // The query's embedding is long memory's call, not the asking agent run's (its invocations stay its own).
    const result = await searchMemory(services, { tenantId: ctx.tenantId, agent: MEMORY_AGENT, settings: ctx.settings }, { query: query.slice(0, 2_000), contactId: input.contactId, companyId: input.companyId, first: (input.first ?? 5) + (input.excludeSourceIds?.length ?? 0) });
    const skip = new Set(input.excludeSourceIds ?? []);
    return result.hits
      .filter((h) => !skip.has(h.sourceId))
      .slice(0, input.first ?? 5)
      .map((h) => ({ id: h.id, source: h.sourceType, occurredAt: h.occurredAt.toISOString().slice(0, 10), title: h.title.slice(0, 200), excerpt: h.text.slice(0, 600), score: Math.round(h.score * 1000) / 1000 }));
  } catch (error) {
    services.logger.warn({ err: error, tenantId: ctx.tenantId }, "long memory unavailable for this context");
    return [];
  }
}

/** Memories of a draft's writer, recorded with the draft (shown to the reviewer). */
export async function recordDraftMemories(tx: Tx, tenantId: string, draftId: string, memories: readonly Pick<ContextMemory, "id" | "score">[]): Promise<void> {
  if (memories.length === 0) return;
  await tx.draftMemory.createMany({
    data: memories.map((m, i) => ({ tenantId, draftId, memoryItemId: m.id, rank: i + 1, score: m.score })),
    skipDuplicates: true,
  });
}

// ---------------------------------------------------------------------------
// Indexing

async function companyOf(tx: Tx, contactIds: (string | null)[]): Promise<Map<string, string | null>> {
  const ids = [...new Set(contactIds.filter((c): c is string => !!c))];
  if (ids.length === 0) return new Map();
  const rows = await tx.contact.findMany({ where: { id: { in: ids } }, select: { id: true, companyId: true } });
  return new Map(rows.map((r) => [r.id, r.companyId]));
}

/** Builds the items of some sources of one type (their text read through Prisma: encrypted fields are opened). */
async function itemsOf(tx: Tx, tenantId: string, sourceType: MemorySourceType, ids: string[]): Promise<NewMemoryItem[]> {
  const base = (x: { id: string; contactId: string | null; leadId?: string | null; dealId?: string | null }, companies: Map<string, string | null>, companyId?: string | null) => ({
    id: uuidv7(),
    tenantId,
    sourceType,
    sourceId: x.id,
    contactId: x.contactId,
    companyId: companyId ?? (x.contactId ? (companies.get(x.contactId) ?? null) : null),
    leadId: x.leadId ?? null,
    dealId: x.dealId ?? null,
  });
  switch (sourceType) {
    case "INBOUND_MESSAGE": {
      const rows = await tx.inboundMessage.findMany({ where: { id: { in: ids } }, select: { id: true, subject: true, text: true, contactId: true, leadId: true, sentAt: true, receivedAt: true } });
      const companies = await companyOf(tx, rows.map((r) => r.contactId));
      return rows.map((r) => ({ ...base(r, companies), title: r.subject, text: excerptOf(r.subject, stripQuoted(r.text)), occurredAt: r.sentAt ?? r.receivedAt }));
    }
    case "ACTIVITY": {
      const rows = await tx.activity.findMany({ where: { id: { in: ids } }, select: { id: true, type: true, subject: true, body: true, contactId: true, leadId: true, dealId: true, companyId: true, occurredAt: true } });
      const companies = await companyOf(tx, rows.map((r) => r.contactId));
      return rows.map((r) => {
        const title = r.subject ?? `${r.type.toLowerCase().replace(/_/g, " ")}`;
        return { ...base(r, companies, r.companyId), title, text: excerptOf(title, r.body ?? ""), occurredAt: r.occurredAt };
      });
    }
    case "SENT_DRAFT": {
      const rows = await tx.draft.findMany({ where: { id: { in: ids } }, select: { id: true, subject: true, bodyText: true, contactId: true, leadId: true, dealId: true, sentAt: true, createdAt: true } });
      const companies = await companyOf(tx, rows.map((r) => r.contactId));
      return rows.map((r) => ({ ...base(r, companies), title: r.subject, text: excerptOf(r.subject, stripQuoted(r.bodyText)), occurredAt: r.sentAt ?? r.createdAt }));
    }
    case "THREAD_SUMMARY": {
      const rows = await tx.emailThread.findMany({ where: { id: { in: ids } }, select: { id: true, subject: true, facts: true, contactId: true, leadId: true, lastMessageAt: true } });
      const companies = await companyOf(tx, rows.map((r) => r.contactId));
      return rows.map((r) => ({ ...base(r, companies), title: `Thread: ${r.subject}`, text: excerptOf(`Thread: ${r.subject}`, threadFactsText(r.facts)), occurredAt: r.lastMessageAt }));
    }
  }
}

export interface IndexOutcome {
  added: number;
  refreshed: number;
  embedded: number;
  model: string | null;
  /** Items still waiting (another job run continues). */
  remaining: boolean;
}

/**
 * One pass of the index for a tenant: adds items for new sources, refreshes
 * changed thread summaries, then embeds up to `maxEmbeddings` items that lack
 * an embedding of the current model. Idempotent: safe to run twice at once
 * (unique per source; a stored embedding must match the text embedded).
 */
export async function indexMemory(services: Services, tenantId: string, options: { batch?: number; maxSources?: number; maxEmbeddings?: number } = {}): Promise<IndexOutcome> {
  const batch = options.batch ?? 32;
  const maxSources = options.maxSources ?? 2_000;
  const maxEmbeddings = options.maxEmbeddings ?? 1_000;
  const db = services.db.prisma;
  let added = 0;
  let refreshed = 0;
  let sourcesLeft = false;
  for (const sourceType of MEMORY_SOURCE_TYPES) {
    const result = await withTenant(db, { tenantId }, async (tx) => {
      const ids = await unindexedSourceIds(tx, tenantId, sourceType, maxSources);
      const items = ids.length ? await itemsOf(tx, tenantId, sourceType, ids) : [];
      // Sources with nothing to say (an empty note) still get an item: they are not looked at again, and are never found.
      const inserted = await insertMemoryItems(tx, items, services.db.fields);
      let changed = 0;
      if (sourceType === "THREAD_SUMMARY") {
        const stale = await staleThreadSummaryIds(tx, tenantId, maxSources);
        for (const item of stale.length ? await itemsOf(tx, tenantId, sourceType, stale) : []) {
          await updateMemoryText(tx, tenantId, sourceType, item.sourceId, item.title, item.text, services.db.fields);
          changed++;
        }
      }
      return { inserted, changed, full: ids.length === maxSources };
    });
    added += result.inserted;
    refreshed += result.changed;
    sourcesLeft ||= result.full;
  }

  const ctx: AiContext = { tenantId, agent: MEMORY_AGENT };
  let embedded = 0;
  let remaining = sourcesLeft;
  const waiting = await withTenant(db, { tenantId }, (tx) => tx.memoryItem.count({ take: 1 }));
  if (waiting === 0) return { added, refreshed, embedded, model: null, remaining };
  // Which model answers for this tenant now (its settings, budget and compliance mode decide): every
  // item of another model is embedded again — that is how a model change re-embeds the memory.
  const { model } = await embedTexts(services, ctx, ["long memory"]);
  while (embedded < maxEmbeddings) {
    const pending = await withTenant(db, { tenantId }, (tx) => itemsToEmbed(tx, tenantId, model, batch, services.db.fields));
    if (pending.length === 0) break;
    const texts = pending.filter((p) => p.text.trim() !== "");
    const result = texts.length ? await embedTexts(services, ctx, texts.map((t) => t.text)) : null;
    // A fallback mid-run (the external provider failed, the local one answered) must not store
    // vectors under the wrong model: stop, a later run continues.
    if (result && result.model !== model) {
      remaining = true;
      break;
    }
    const rows = texts.map((t, i) => {
      const sketch = sketchOf(result!.vectors[i]!);
      return { id: t.id, storedText: t.storedText, embedding: result!.vectors[i]!, sketchPos: sketch.pos, sketchNeg: sketch.neg };
    });
    await withTenant(db, { tenantId }, async (tx) => {
      await storeEmbeddings(tx, tenantId, model, rows);
      // Empty excerpts hold no vector (dim 0: never a vector candidate) and are not picked again for this model.
      const empty = pending.filter((p) => p.text.trim() === "").map((p) => p.id);
      if (empty.length) {
        await tx.$executeRaw`UPDATE "MemoryItem" SET "model" = ${model}, "embedding" = '{}'::real[], "dim" = 0, "embeddedAt" = CURRENT_TIMESTAMP WHERE "tenantId" = ${tenantId}::uuid AND "id" = ANY(${empty}::uuid[])`;
      }
    });
    embedded += rows.length;
    if (pending.length < batch) break;
  }
  if (embedded >= maxEmbeddings) remaining = true;
  return { added, refreshed, embedded, model, remaining };
}

// ---------------------------------------------------------------------------
// The GraphQL query's use case

export interface MemorySearchRequest {
  query: string;
  contactId?: string | null;
  first?: number | null;
}

/** memorySearch: validates, checks the contact is the tenant's, searches (lead:read is checked by the API). */
export async function memorySearchFor(services: Services, actor: Actor, input: MemorySearchRequest): Promise<Outcome<MemorySearchResult>> {
  const query = input.query.trim();
  if (query.length === 0) return fail(userError("VALIDATION_FAILED", "Say what to look for.", ["query"]));
  if (query.length > 2_000) return fail(userError("VALIDATION_FAILED", "The query is longer than 2,000 characters.", ["query"]));
  const first = input.first ?? 10;
  if (!Number.isInteger(first) || first < 1 || first > 50) return fail(userError("VALIDATION_FAILED", "first must be between 1 and 50.", ["first"]));
  const tenantId = actor.principal.tenantId;
  if (input.contactId) {
    const contact = await withTenant(services.db.prisma, { tenantId }, (tx) => tx.contact.findUnique({ where: { id: input.contactId! }, select: { id: true } }));
    if (!contact) return fail(userError("NOT_FOUND", "No Contact with this id.", ["contactId"]));
  }
  const result = await searchMemory(services, { tenantId, agent: `user:${actor.principal.id}` }, { query, contactId: input.contactId ?? null, first });
  return ok(result);
}
