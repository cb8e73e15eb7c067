// Long-memory excerpts at rest (issue 15, shared with issue 12): a raw dump of
// MemoryItem, read as the database owner, holds no plaintext title or excerpt —
// only ciphertext and the full-text column's lexemes — while search still
// finds an item by an exact name (full text) and by meaning (vectors), and
// returns it readable. Rows written before encryption are sealed by the
// rotation pass, a new key re-seals them, and search keeps working throughout.
// Retention: purging a raw message's body takes its memory item with it.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { withTenant } from "../../src/data/database.js";
import { purgeTenant } from "../../src/data/retention.js";
import { localEmbedding } from "../../src/ai/local/embedding.js";
import { generateKeyEncryptionKey } from "../../src/domain/connection/credential.js";
import { normalise } from "../../src/domain/memory/memory.js";
import { RETENTION_DEFAULTS } from "../../src/domain/tenant/retention.js";
import { runCredentialRotation } from "../../src/jobs/credential-rotation.js";
import { indexMemory, searchMemory, vectorStage } from "../../src/orchestration/memory/memory.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { executeOk } from "../helpers/graphql.js";
import { rawEmail } from "../helpers/agents.js";
import { insertContact, sql } from "../helpers/operator.js";
import { graphql } from "../generated/gql/index.js";

const Ingest = graphql(`
  mutation MemoryEncryptionIngest($input: MessageIngestInput!) {
    messageIngest(input: $input) { inboundMessage { id } userErrors { code message } }
  }
`);

const K1 = generateKeyEncryptionKey("k1");
const K2 = generateKeyEncryptionKey("k2");

const NAME = "Ingrid Solberg";
const SENTENCE = "the annual licence price is too high for their budget and they want a discount on a three year term";
const MAIL_SECRET = "our board approved 48,500 euros for the warehouse rollout";
const LEGACY = "legacy excerpt about the Frankfurt data centre 5521";

const ctx = (tenantId: string) => ({ tenantId, agent: "memory-encryption-test" });

/** Every row of MemoryItem as JSON text, read as the owner: what a database dump holds. */
async function dump(db: TestDatabase): Promise<string> {
  const rows = await sql<{ j: string }>(db, `SELECT row_to_json(t)::text AS j FROM "MemoryItem" t`);
  return rows.map((r) => r.j).join("\n");
}

describe("long-memory items at rest", () => {
  let db: TestDatabase;
  let t: TestApp;
  let a: TestTenant;
  let contactId: string;
  let noteId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ db, env: { CREDENTIALS_KEYS: K1 } });
    a = await createTenant(t, "mem-enc");
    contactId = await insertContact(t.db, a.tenantId, { email: "ingrid@kestrel.example", firstName: "Ingrid" });
    const notes: [string, string][] = [
      ["Call with the buyer", `${NAME} said ${SENTENCE}.`],
      ["Security review", "Their CISO wants our SOC 2 Type II report and a penetration test summary before legal signs."],
      ["Integration question", "Asked whether we integrate with Snowflake and whether the warehouse sync runs nightly."],
      ["Mobile app", "Field reps mostly work from phones, so the mobile app and offline mode matter most."],
    ];
    for (const [subject, body] of notes) {
      const [row] = await sql<{ id: string }>(
        t.db,
        `INSERT INTO "Activity" (id, "tenantId", type, direction, "occurredAt", subject, body, "contactId")
         VALUES (gen_random_uuid(), $1, 'NOTE', 'OUTBOUND', now() - interval '3 days', $2, $3, $4) RETURNING id`,
        [a.tenantId, subject, body, contactId],
      );
      if (subject === "Call with the buyer") noteId = row!.id;
    }
    const raw = rawEmail({ From: "Ingrid Solberg <ingrid@kestrel.example>", To: "sales@seller.example", Subject: "Warehouse rollout", "Message-ID": "<mem-enc-1@kestrel.example>" }, [MAIL_SECRET, "", "Ingrid"]);
    const r = await executeOk(t.graphqlUrl, Ingest, { input: { raw } }, { token: a.members.OPERATOR.token });
    expect(r.messageIngest.userErrors).toEqual([]);
    const indexed = await indexMemory(t.app.services, a.tenantId);
    expect(indexed.added).toBe(5);
    expect(indexed.embedded).toBe(5);
  });
  afterAll(async () => {
    await t?.close();
  });

  test("a dump of MemoryItem holds ciphertext and lexemes, never the title or excerpt", async () => {
    const text = await dump(db);
    expect(text).toContain("enc1:v1.k1.");
    for (const plain of [NAME, SENTENCE, "licence price is too high", MAIL_SECRET, "48,500", "Call with the buyer", "Warehouse rollout", "penetration test summary"]) {
      expect(text, plain).not.toContain(plain);
    }
    // What a dump still shows, by design (README "Retention and encryption at rest"): the stemmed words, unordered.
    const [lexemes] = await sql<{ v: string }>(db, `SELECT "textSearch"::text AS v FROM "MemoryItem" WHERE "sourceId" = $1`, [noteId]);
    expect(lexemes!.v).toContain("'solberg'");
    expect(lexemes!.v).toContain("'licenc'");
  });

  test("search finds the item by an exact name and by meaning, and returns it readable", async () => {
    const byName = await searchMemory(t.app.services, ctx(a.tenantId), { query: NAME, first: 5 });
    const named = byName.hits.find((h) => h.sourceId === noteId);
    // Ranked first by full text (it has both words; the mail from her only her first name).
    expect(named?.parts.textRank).toBeGreaterThan(0);
    expect(Math.max(...byName.hits.map((h) => h.parts.textRank))).toBe(named!.parts.textRank);
    expect(named!.text).toContain(SENTENCE);
    expect(named!.title).toBe("Call with the buyer");

    // The vector stage alone (no words of the query need to match): the note is the nearest item.
    const query = "what did they say about the price and a discount";
    const vector = normalise(localEmbedding(query));
    const vec = await withTenant(t.app.services.db.prisma, { tenantId: a.tenantId }, (tx) => vectorStage(tx, { tenantId: a.tenantId }, "local-hash-256", vector, 5, "EXACT"));
    const [top] = await sql<{ sourceId: string }>(db, `SELECT "sourceId"::text AS "sourceId" FROM "MemoryItem" WHERE "id" = $1`, [vec.hits[0]!.id]);
    expect(top!.sourceId).toBe(noteId);
    const bySense = await searchMemory(t.app.services, ctx(a.tenantId), { query, first: 3 });
    expect(bySense.hits[0]!.sourceId).toBe(noteId);
    expect(bySense.hits[0]!.parts.similarity).toBeGreaterThan(0.2);
    expect(bySense.hits[0]!.text).toContain(SENTENCE);

    // The inbound mail's item: sealed at rest, found by its words, opened for the caller.
    const mail = await searchMemory(t.app.services, ctx(a.tenantId), { query: "warehouse rollout board approved", first: 3 });
    expect(mail.hits[0]!.text).toContain(MAIL_SECRET);
  });

  test("rows written before encryption are sealed by the rotation pass; a new key re-seals them; search keeps working", async () => {
    // A row as the service wrote it before encryption: plaintext, with its full text.
    await sql(
      db,
      `INSERT INTO "MemoryItem" ("id", "tenantId", "sourceType", "sourceId", "contactId", "title", "text", "occurredAt", "updatedAt", "textSearch")
       VALUES (gen_random_uuid(), $1, 'ACTIVITY', gen_random_uuid(), $2, 'Legacy note', $3, now(), now(), to_tsvector('english', 'Legacy note ' || $3))`,
      [a.tenantId, contactId, LEGACY],
    );
    expect(await dump(db)).toContain(LEGACY);
    const first = await runCredentialRotation(t.app.background);
    expect(first.fields?.sealed.MemoryItem).toBe(1);
    expect(await dump(db)).not.toContain(LEGACY);
    expect(await sql(db, `SELECT 1 FROM "MemoryItem" WHERE "title" LIKE '%Legacy%' OR "text" LIKE '%5521%'`)).toEqual([]);
    expect((await runCredentialRotation(t.app.background)).fields?.sealed.MemoryItem).toBe(0);
    const legacy = await searchMemory(t.app.services, ctx(a.tenantId), { query: "Frankfurt data centre", first: 3 });
    expect(legacy.hits[0]!.text).toBe(LEGACY);

    // Add a key: every item is re-sealed under it.
    await t.close();
    t = await startTestApp({ db, env: { CREDENTIALS_KEYS: `${K1},${K2}` } });
    const rotated = await runCredentialRotation(t.app.background);
    expect(rotated.fields?.failed).toBe(0);
    const after = await dump(db);
    expect(after).not.toContain("enc1:v1.k1.");
    expect(after).toContain("enc1:v1.k2.");
    const [counts] = await sql<{ items: number; k2: number }>(
      db,
      `SELECT count(*)::int AS items, count(*) FILTER (WHERE "text" LIKE 'enc1:v1.k2.%' AND "title" LIKE 'enc1:v1.k2.%')::int AS k2 FROM "MemoryItem" WHERE "tenantId" = $1`,
      [a.tenantId],
    );
    expect(counts).toEqual({ items: 6, k2: 6 });

    // Only k2 now: everything still opens, and is still found by name and by meaning.
    await t.close();
    t = await startTestApp({ db, env: { CREDENTIALS_KEYS: K2 } });
    const byName = await searchMemory(t.app.services, ctx(a.tenantId), { query: NAME, first: 5 });
    expect(byName.hits.find((h) => h.sourceId === noteId)?.text).toContain(SENTENCE);
    const bySense = await searchMemory(t.app.services, ctx(a.tenantId), { query: "what did they say about the price and a discount", first: 3 });
    expect(bySense.hits[0]!.sourceId).toBe(noteId);
  });

  test("purging a raw message's body removes its memory item (a new one holds only what the message keeps)", async () => {
    const [message] = await sql<{ id: string }>(db, `SELECT "id"::text AS id FROM "InboundMessage" WHERE "messageId" = '<mem-enc-1@kestrel.example>'`);
    const itemOf = () => sql<{ id: string }>(db, `SELECT "id"::text AS id FROM "MemoryItem" WHERE "sourceId" = $1`, [message!.id]);
    const [before] = await itemOf();
    expect(before).toBeDefined();
    const counts = await purgeTenant(t.app.background.db, a.tenantId, { ...RETENTION_DEFAULTS, inboundMessageBodyDays: 1 }, { batch: 100, maxBatches: 5, now: new Date(Date.now() + 3 * 86_400_000) });
    expect(counts.inboundMessageBodies).toBe(1);
    expect(await itemOf()).toEqual([]);
    // Indexed again from the message as retention left it: its subject, not the body.
    await indexMemory(t.app.services, a.tenantId);
    const [again] = await itemOf();
    expect(again!.id).not.toBe(before!.id);
    const mail = await searchMemory(t.app.services, ctx(a.tenantId), { query: "warehouse rollout board approved", first: 6 });
    const hit = mail.hits.find((h) => h.sourceId === message!.id);
    expect(hit?.text ?? "").not.toContain("48,500");
  });
});
