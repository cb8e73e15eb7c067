// Long memory against real PostgreSQL: indexing of the tenant's history, retrieval
// quality on a labelled set, the fallback against exact search, re-embedding after
// a model change, drafts that record the memories they were given, and tenants
// that never see each other's memories — even with identical text.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import { recordDraftMemories, indexMemory, searchMemory, searchWithVector } from "../../../src/orchestration/memory/memory.js";
import { composeDraft } from "../../../src/orchestration/draft/draft-writer.js";
import { localEmbedding } from "../../../src/ai/local/embedding.js";
import { normalise } from "../../../src/domain/memory/memory.js";
import type { Services } from "../../../src/orchestration/services.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { insertContact, sql } from "../../helpers/operator.js";

let t: TestApp;
let tenant: TestTenant;

const DAY = 86_400_000;

async function note(tenantId: string, contactId: string | null, subject: string, body: string, daysAgo = 10, type = "NOTE"): Promise<string> {
  const rows = await sql<{ id: string }>(
    t.db,
    `INSERT INTO "Activity" (id, "tenantId", type, direction, "occurredAt", subject, body, "contactId")
     VALUES (gen_random_uuid(), $1, $2::"ActivityType", 'OUTBOUND', $3, $4, $5, $6) RETURNING id`,
    [tenantId, type, new Date(Date.now() - daysAgo * DAY), subject, body, contactId],
  );
  return rows[0]!.id;
}

const ctx = (tenantId: string) => ({ tenantId, agent: "memory-test" });

/** The labelled set: a varied history, and questions whose answer is one known item. */
const HISTORY: Array<{ key: string; subject: string; body: string; type?: string; daysAgo?: number }> = [
  { key: "pricing", subject: "Call with Nora", body: "Nora said the annual licence price is too high for their budget; she asked for a discount on a three year term.", type: "CALL" },
  { key: "security", subject: "Security review", body: "Their CISO wants our SOC 2 Type II report and a penetration test summary before legal signs the contract." },
  { key: "competitor", subject: "Competitor", body: "They are currently evaluating Salesforce and HubSpot; the decision comes down to the reporting module." },
  { key: "onboarding", subject: "Onboarding worries", body: "Concern about onboarding time: the team of forty sales reps needs training within two weeks of go-live." },
  { key: "integration", subject: "Integration question", body: "Asked whether we integrate with Snowflake and whether the data warehouse sync runs nightly or in real time." },
  { key: "champion", subject: "Champion left", body: "Our champion Marek Dvořák left the company in March; the new head of revenue is Ingrid Solberg." },
  { key: "trial", subject: "Pilot results", body: "The two week pilot with the Berlin office converted eleven leads; the team loved the reply suggestions." },
  { key: "legal", subject: "Contract redlines", body: "Legal sent redlines on the liability cap and the data processing agreement, clause 7.2." },
  { key: "timing", subject: "Timing", body: "No budget until the fiscal year starts in October; revisit the conversation in September.", daysAgo: 40 },
  { key: "event", subject: "Met at SaaStr", body: "Met Paolo at the SaaStr conference booth; he runs outbound for the EMEA region and wants a demo." },
  { key: "referral", subject: "Referral", body: "Jana recommended we talk to the procurement team at Kestrel Logistics about fleet tracking." },
  { key: "gdpr", subject: "Data residency", body: "Customer data must stay in the EU; they asked whether our servers are hosted in Frankfurt." },
  { key: "renewal", subject: "Renewal", body: "Renewal is due in January; they want to add twenty seats and move to the enterprise plan.", daysAgo: 5 },
  { key: "churn", subject: "Unhappy with support", body: "Complained that support tickets took four days to answer last quarter; escalation promised by our VP." },
  { key: "mobile", subject: "Mobile app", body: "Field reps mostly work from phones, so the mobile app and offline mode matter more than the dashboard." },
  { key: "sso", subject: "SSO", body: "IT requires single sign-on through Okta with SCIM provisioning before any rollout." },
];

const QUERIES: Array<{ query: string; expected: string }> = [
  { query: "what did they say about the price and discount", expected: "pricing" },
  { query: "SOC 2 report for the security review", expected: "security" },
  { query: "which competitors are they evaluating", expected: "competitor" },
  { query: "training the sales reps during onboarding", expected: "onboarding" },
  { query: "Snowflake integration", expected: "integration" },
  { query: "Ingrid Solberg", expected: "champion" },
  { query: "how did the pilot go", expected: "trial" },
  { query: "liability cap redlines from legal", expected: "legal" },
  { query: "when is their budget available", expected: "timing" },
  { query: "Paolo demo EMEA", expected: "event" },
  { query: "Kestrel Logistics procurement", expected: "referral" },
  { query: "are servers hosted in the EU", expected: "gdpr" },
  { query: "renewal and more seats", expected: "renewal" },
  { query: "slow support tickets complaint", expected: "churn" },
  { query: "offline mode on phones", expected: "mobile" },
  { query: "Okta single sign-on", expected: "sso" },
];

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, "memory");
});
afterAll(() => t?.close());

describe("indexing", () => {
  it("indexes notes, calls and human inbound mail (not machine mail), embedded with the tenant's model; a second run adds nothing", async () => {
    const tn = await createTenant(t, "mem-index");
    const contactId = await insertContact(t.db, tn.tenantId, { email: "ada@lovelace.example", firstName: "Ada" });
    await note(tn.tenantId, contactId, "Call", "Ada wants the analytical engine demo on Thursday.", 1, "CALL");
    await note(tn.tenantId, contactId, "Web visit", "Visited /pricing", 1, "WEB_VISIT");
    await sql(
      t.db,
      `INSERT INTO "InboundMessage" (id, "tenantId", "messageId", subject, text, "contactId", automated, "fromEmail")
       VALUES (gen_random_uuid(), $1, '<m1@x>', 'Question about pricing', 'Is there a nonprofit discount?', $2, false, 'ada@lovelace.example'),
              (gen_random_uuid(), $1, '<m2@x>', 'Out of office', 'I am away until Monday.', $2, true, 'ada@lovelace.example')`,
      [tn.tenantId, contactId],
    );
    const first = await indexMemory(t.app.services, tn.tenantId);
    expect(first).toMatchObject({ added: 2, embedded: 2, model: "local-hash-256", remaining: false });
    const items = await sql<{ sourceType: string; model: string; dim: number; contactId: string }>(t.db, `SELECT "sourceType"::text, model, dim, "contactId" FROM "MemoryItem" WHERE "tenantId" = $1 ORDER BY "sourceType"`, [tn.tenantId]);
    expect(items).toEqual([
      { sourceType: "INBOUND_MESSAGE", model: "local-hash-256", dim: 256, contactId },
      { sourceType: "ACTIVITY", model: "local-hash-256", dim: 256, contactId },
    ].sort((a, b) => a.sourceType.localeCompare(b.sourceType)));
    expect(await indexMemory(t.app.services, tn.tenantId)).toMatchObject({ added: 0, embedded: 0 });
  });
});

describe("retrieval quality on a labelled set", () => {
  let keyOf: Map<string, string>;
  beforeAll(async () => {
    const contacts = await Promise.all([0, 1, 2, 3].map((i) => insertContact(t.db, tenant.tenantId, { email: `c${i}@labelled.example` })));
    keyOf = new Map();
    for (const [i, h] of HISTORY.entries()) keyOf.set(await note(tenant.tenantId, contacts[i % 4]!, h.subject, h.body, h.daysAgo ?? 10 + i, h.type ?? "NOTE"), h.key);
    await indexMemory(t.app.services, tenant.tenantId);
  });

  it("finds the expected item in the top 5 for at least 15 of 16 questions (local embedding + full text), and at rank 1 for most", async () => {
    let top5 = 0;
    let top1 = 0;
    const misses: string[] = [];
    for (const q of QUERIES) {
      const result = await searchMemory(t.app.services, ctx(tenant.tenantId), { query: q.query, first: 5 });
      const keys = result.hits.map((h) => keyOf.get(h.sourceId));
      if (keys.includes(q.expected)) top5++;
      else misses.push(`${q.query} → ${keys.join(",")}`);
      if (keys[0] === q.expected) top1++;
      expect(result.method).toBe("EXACT");
    }
    expect(misses, "questions whose item was not in the top 5").toHaveLength(QUERIES.length - top5);
    expect(top5 / QUERIES.length).toBeGreaterThanOrEqual(15 / 16);
    expect(top1 / QUERIES.length).toBeGreaterThanOrEqual(0.75);
  });

  it("returns the parts of each score, and the score is the documented combination", async () => {
    const result = await searchMemory(t.app.services, ctx(tenant.tenantId), { query: "Okta single sign-on", first: 3 });
    const best = result.hits[0]!;
    expect(keyOf.get(best.sourceId)).toBe("sso");
    expect(best.parts.similarity).toBeGreaterThan(0.2);
    expect(best.parts.textRank).toBeGreaterThan(0);
    expect(best.parts.recency).toBeGreaterThan(0.5);
    expect(best.score).toBeCloseTo(0.6 * best.parts.similarity + 0.25 * best.parts.textRank + 0.15 * best.parts.recency, 10);
    for (let i = 1; i < result.hits.length; i++) expect(result.hits[i - 1]!.score).toBeGreaterThanOrEqual(result.hits[i]!.score);
  });

  it("the sign-sketch fallback ranks exactly like exact search whenever its pool holds the true top k, and pgvector is never assumed", async () => {
    for (const q of QUERIES) {
      const vector = normalise(localEmbedding(q.query));
      const run = (method: "EXACT" | "SKETCH") =>
        withTenant(t.app.services.db.prisma, { tenantId: tenant.tenantId }, (tx) => searchWithVector(tx, tenant.tenantId, { query: q.query, first: 10, method }, "local-hash-256", vector, t.app.services.db.fields));
      const [exact, sketch] = [await run("EXACT"), await run("SKETCH")];
      expect(sketch.method).toBe("SKETCH");
      // The pool (1,500) exceeds this tenant's items, so the fallback must equal exact search, order and scores.
      expect(sketch.hits.map((h) => h.id)).toEqual(exact.hits.map((h) => h.id));
      // Same cosines up to float summation order (the two plans add the products in a different order).
      sketch.hits.forEach((h, i) => expect(h.score).toBeCloseTo(exact.hits[i]!.score, 6));
    }
  });

  it("filters by contact: only that contact's memories", async () => {
    const [someone] = await sql<{ contactId: string }>(t.db, `SELECT "contactId" FROM "MemoryItem" WHERE "tenantId" = $1 LIMIT 1`, [tenant.tenantId]);
    const result = await searchMemory(t.app.services, ctx(tenant.tenantId), { query: "budget discount security onboarding", contactId: someone!.contactId, first: 20 });
    expect(result.hits.length).toBeGreaterThan(0);
    expect(result.hits.every((h) => h.contactId === someone!.contactId)).toBe(true);
  });
});

describe("a model change", () => {
  it("re-embeds every item with the new model, and search uses only vectors of the query's model", async () => {
    const tn = await createTenant(t, "mem-model");
    const contactId = await insertContact(t.db, tn.tenantId, { email: "grace@hopper.example" });
    await note(tn.tenantId, contactId, "Call", "Grace asked about the COBOL migration timeline.");
    await note(tn.tenantId, contactId, "Note", "Budget approved for the compiler upgrade.");
    await indexMemory(t.app.services, tn.tenantId);
    const before = await sql<{ id: string; embedding: number[] }>(t.db, `SELECT id, embedding FROM "MemoryItem" WHERE "tenantId" = $1 ORDER BY id`, [tn.tenantId]);

    // Another embedding model answers from now on (e.g. the tenant switched to an external provider).
    const reversed = (v: number[]) => [...v].reverse();
    const switched: Services = {
      ...t.app.services,
      ai: {
        ...t.app.services.ai,
        embed: async (c, texts) => {
          const r = await t.app.services.ai.embed(c, texts);
          return { ...r, proposal: r.proposal.map(reversed), invocations: r.invocations.map((i) => ({ ...i, model: "other-model-256" })) };
        },
      },
    };
    const outcome = await indexMemory(switched, tn.tenantId);
    expect(outcome).toMatchObject({ added: 0, embedded: 2, model: "other-model-256" });
    const after = await sql<{ id: string; model: string; embedding: number[] }>(t.db, `SELECT id, model, embedding FROM "MemoryItem" WHERE "tenantId" = $1 ORDER BY id`, [tn.tenantId]);
    expect(after.map((a) => a.model)).toEqual(["other-model-256", "other-model-256"]);
    expect(after[0]!.embedding[0]).toBeCloseTo(before[0]!.embedding.at(-1)!, 5);
    expect(await indexMemory(switched, tn.tenantId)).toMatchObject({ embedded: 0 });

    const withNew = await searchMemory(switched, ctx(tn.tenantId), { query: "COBOL migration", first: 5 });
    expect(withNew.model).toBe("other-model-256");
    expect(withNew.hits[0]!.parts.similarity).toBeGreaterThan(0.3);
    // The old model's query vectors find no vector match any more (text search still does).
    const withOld = await searchMemory(t.app.services, ctx(tn.tenantId), { query: "COBOL migration", first: 5 });
    expect(withOld.candidates).toBe(0);
    expect(withOld.hits.every((h) => h.parts.similarity === 0)).toBe(true);
    expect(withOld.hits[0]!.parts.textRank).toBeGreaterThan(0);
  });
});

describe("drafts", () => {
  it("the writer is given the contact's memories and the draft records them", async () => {
    const tn = await createTenant(t, "mem-draft");
    const contactId = await insertContact(t.db, tn.tenantId, { email: "lin@orbit.example", firstName: "Lin" });
    const elsewhere = await insertContact(t.db, tn.tenantId, { email: "sam@else.example", firstName: "Sam" });
    await note(tn.tenantId, contactId, "Call with Lin", "Lin asked for the Kubernetes deployment guide and pricing for 50 seats.", 3, "CALL");
    await note(tn.tenantId, elsewhere, "Call with Sam", "Sam asked for the Kubernetes deployment guide too.", 3, "CALL");
    await indexMemory(t.app.services, tn.tenantId);
    const composed = await composeDraft(t.app.services, { tenantId: tn.tenantId, agent: "draft-writer" }, {
      kind: "OUTREACH",
      contactId,
      recommendation: { title: "Send the Kubernetes guide", rationale: "Lin asked for the deployment guide" },
      authorCandidates: [tn.members.OPERATOR.userId],
    });
    expect(composed!.memoriesUsed).toHaveLength(1);
    expect(composed!.memoriesUsed[0]).toMatchObject({ source: "ACTIVITY", title: "Call with Lin" });
    expect(composed!.memoriesUsed[0]!.excerpt).toContain("Kubernetes");
    // The writer's invocation saw them.
    const [draftRow] = await sql<{ id: string }>(
      t.db,
      `INSERT INTO "Draft" (id, "tenantId", "contactId", mailbox, "recipientEmail", origin, "authorType", "authorId", "authorLabel", status, subject, "bodyText", "qualityReport", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, 'op@x.example', 'lin@orbit.example', 'AGENT', 'AGENT', 'draft-writer', 'draft-writer', 'PENDING_REVIEW', $3, $4, '{}', now()) RETURNING id`,
      [tn.tenantId, contactId, composed!.subject, composed!.bodyText],
    );
    await withTenant(t.app.services.db.prisma, { tenantId: tn.tenantId }, (tx) => recordDraftMemories(tx, tn.tenantId, draftRow!.id, composed!.memoriesUsed));
    expect(await sql(t.db, `SELECT rank, "memoryItemId" FROM "DraftMemory" WHERE "draftId" = $1`, [draftRow!.id])).toEqual([{ rank: 1, memoryItemId: composed!.memoriesUsed[0]!.id }]);
  });

  it("a contact with no memories costs no embedding call", async () => {
    const tn = await createTenant(t, "mem-none");
    const contactId = await insertContact(t.db, tn.tenantId, { email: "new@fresh.example", firstName: "New" });
    const composed = await composeDraft(t.app.services, { tenantId: tn.tenantId, agent: "draft-writer" }, { kind: "OUTREACH", contactId });
    expect(composed!.memoriesUsed).toEqual([]);
    expect(await sql(t.db, `SELECT id FROM "AiInvocation" WHERE "tenantId" = $1 AND operation = 'embed'`, [tn.tenantId])).toEqual([]);
  });
});

describe("tenant isolation", () => {
  it("A's memories are never returned to B, even with identical text; B's own identical item is", async () => {
    const a = await createTenant(t, "mem-a");
    const b = await createTenant(t, "mem-b");
    const text = "Quarterly business review: the Zephyr account wants the Lisbon data centre.";
    const ca = await insertContact(t.db, a.tenantId, { email: "x@zephyr.example" });
    const cb = await insertContact(t.db, b.tenantId, { email: "x@zephyr.example" });
    const aNote = await note(a.tenantId, ca, "QBR", text);
    await indexMemory(t.app.services, a.tenantId);
    await indexMemory(t.app.services, b.tenantId);
    const empty = await searchMemory(t.app.services, ctx(b.tenantId), { query: text, first: 10 });
    expect(empty.hits).toEqual([]);
    for (const method of ["EXACT", "SKETCH"] as const) {
      const r = await searchMemory(t.app.services, ctx(b.tenantId), { query: text, first: 10, method });
      expect(r.hits).toEqual([]);
    }
    // A contact id of A, asked in B: nothing (RLS, and the filter names B's tenant).
    expect((await searchMemory(t.app.services, ctx(b.tenantId), { query: text, contactId: ca, first: 10 })).hits).toEqual([]);

    const bNote = await note(b.tenantId, cb, "QBR", text);
    await indexMemory(t.app.services, b.tenantId);
    const mine = await searchMemory(t.app.services, ctx(b.tenantId), { query: text, first: 10 });
    expect(mine.hits.map((h) => h.sourceId)).toEqual([bNote]);
    const theirs = await searchMemory(t.app.services, ctx(a.tenantId), { query: text, first: 10 });
    expect(theirs.hits.map((h) => h.sourceId)).toEqual([aNote]);
    // The service role without a tenant sees no item at all.
    const bare = await t.app.services.db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "MemoryItem"`;
    expect(bare[0]!.n).toBe(0);
  });
});
