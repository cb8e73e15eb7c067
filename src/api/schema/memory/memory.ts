// Long memory in the API: memorySearch(query, contactId, first) over the
// tenant's own history (lead:read), each result with the parts of its score,
// and Draft.memoriesUsed — what the draft writer was given, for the reviewer.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { MEMORY_SOURCE_TYPES, MEMORY_WEIGHTS, RECENCY_HALF_LIFE_DAYS } from "../../../domain/memory/memory.js";
import { memorySearchFor, type MemoryHit, type MemorySearchResult } from "../../../orchestration/memory/memory.js";
import { builder } from "../../builder.js";
import { actorOf } from "../../context.js";
import { DraftType } from "../draft/draft.js";
import { idOf } from "../global-id.js";
import { reads } from "../list-page.js";
import { errorPayload, payloadType, toPayload, type Payload } from "../user-error.js";

/** A memory as the API shows it: a search hit without its score. */
type MemoryView = Omit<MemoryHit, "score" | "parts">;

const SOURCE_TYPENAME: Record<MemoryView["sourceType"], string> = {
  INBOUND_MESSAGE: "InboundMessage",
  ACTIVITY: "Activity",
  SENT_DRAFT: "Draft",
  THREAD_SUMMARY: "EmailThread",
};

const MemorySourceTypeEnum = builder.enumType("MemorySourceType", {
  description: "Where a memory came from: an inbound message, a note/call/meeting/form activity, a sent draft, or a thread's summary.",
  values: MEMORY_SOURCE_TYPES,
});

const MemoryItemType = builder.objectRef<MemoryView>("MemoryItem").implement({
  description: "An excerpt of the tenant's own history, as long memory stores and searches it.",
  fields: (t) => ({
    id: t.exposeID("id"),
    sourceType: t.field({ type: MemorySourceTypeEnum, resolve: (m) => m.sourceType }),
    sourceId: t.id({ description: "Global id of the source (InboundMessage, Activity, Draft or EmailThread).", resolve: (m) => encodeGlobalID(SOURCE_TYPENAME[m.sourceType], m.sourceId) }),
    contactId: t.id({ nullable: true, resolve: (m) => (m.contactId ? encodeGlobalID("Contact", m.contactId) : null) }),
    companyId: t.id({ nullable: true, resolve: (m) => (m.companyId ? encodeGlobalID("Company", m.companyId) : null) }),
    dealId: t.id({ nullable: true, resolve: (m) => (m.dealId ? encodeGlobalID("Deal", m.dealId) : null) }),
    title: t.exposeString("title"),
    excerpt: t.string({ description: "The stored excerpt (at most 4,000 characters).", resolve: (m) => m.text }),
    occurredAt: t.field({ type: "DateTime", resolve: (m) => m.occurredAt }),
  }),
});

const scoreDescription =
  `score = ${MEMORY_WEIGHTS.similarity} × similarity + ${MEMORY_WEIGHTS.textRank} × textRank + ${MEMORY_WEIGHTS.recency} × recency ` +
  `(similarity: cosine of the embeddings, 0 for items not embedded by the query's model; textRank: full-text rank r as r/(1+r); ` +
  `recency: 0.5^(age in days / ${RECENCY_HALF_LIFE_DAYS})).`;

const MemoryHitType = builder.objectRef<MemoryHit>("MemorySearchHit").implement({
  fields: (t) => ({
    memory: t.field({ type: MemoryItemType, resolve: (h) => h }),
    score: t.exposeFloat("score", { description: scoreDescription }),
    similarity: t.float({ resolve: (h) => h.parts.similarity }),
    textRank: t.float({ resolve: (h) => h.parts.textRank }),
    recency: t.float({ resolve: (h) => h.parts.recency }),
  }),
});

const MemorySearchPayload = payloadType<Payload<MemorySearchResult>>("MemorySearchPayload", (t) => ({
  results: t.field({ type: [MemoryHitType], resolve: (p) => p.hits ?? [] }),
  method: t.string({
    nullable: true,
    description: "How the vector stage ran: EXACT (every cosine), PGVECTOR (HNSW pool, ranked exactly) or SKETCH (sign-sketch pool, ranked exactly; without pgvector).",
    resolve: (p) => p.method ?? null,
  }),
  model: t.string({ nullable: true, description: "Embedding model of the query.", resolve: (p) => p.model ?? null }),
}));

builder.queryField("memorySearch", (t) =>
  t.field({
    type: MemorySearchPayload,
    description: `Searches the tenant's history (messages, notes, calls, meetings, sent drafts, thread summaries) by meaning, exact words and recency. ${scoreDescription}`,
    authScopes: { permission: "lead:read" },
    args: {
      query: t.arg.string({ required: true }),
      contactId: t.arg.id({ required: false, description: "Only memories about this contact." }),
      first: t.arg.int({ required: false, defaultValue: 10, description: "1–50." }),
    },
    resolve: async (_root, args, ctx) => {
      const contact = args.contactId ? idOf(String(args.contactId), "Contact", ["contactId"]) : null;
      if (contact && !contact.ok) return errorPayload<MemorySearchResult>(contact.errors);
      return toPayload(await memorySearchFor(ctx.services, actorOf(ctx), { query: args.query, contactId: contact?.ok ? contact.id : null, first: args.first }));
    },
  }),
);

const DraftMemoryType = builder.objectRef<{ rank: number; score: number; memory: MemoryView }>("DraftMemoryUse").implement({
  description: "A memory the draft writer was given for this draft.",
  fields: (t) => ({
    rank: t.exposeInt("rank"),
    score: t.exposeFloat("score"),
    memory: t.field({ type: MemoryItemType, resolve: (u) => u.memory }),
  }),
});

builder.objectField(DraftType, "memoriesUsed", (t) =>
  t.field({
    type: [DraftMemoryType],
    description: "What long memory gave the writer of this draft (best first): check what the draft relies on.",
    extensions: reads(),
    resolve: async (draft, _args, ctx) =>
      (await ctx.db.draftMemory.findMany({ where: { draftId: draft.id }, include: { memory: true }, orderBy: { rank: "asc" } })).map((u) => ({
        rank: u.rank,
        score: u.score,
        memory: { ...u.memory, sourceType: u.memory.sourceType },
      })),
  }),
);
