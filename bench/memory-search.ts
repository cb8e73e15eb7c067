// Benchmark: long-memory search at 100,000 items per tenant. Seeds a scratch
// database with two tenants' memories (local embeddings of generated sales
// notes, bulk-inserted), then, as the service role under row-level security,
// times the vector stage exactly (every cosine) and with the method the service
// picks at this size (pgvector's HNSW when the server has it, else the
// sign-sketch prefilter), reports recall@10 of that method against exact
// search, and times the whole search (vector + full text + scoring) and a
// per-contact search.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/memory-search.ts -- [--items 100000] [--noise 20000] [--queries 40] [--keep]
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { localEmbedding } from "../src/ai/local/embedding.js";
import { withTenant } from "../src/data/database.js";
import { insertMemoryItems, type NewMemoryItem } from "../src/data/memory-store.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { normalise, sketchOf } from "../src/domain/memory/memory.js";
import { PrismaClient } from "../src/generated/prisma/client.js";
import { PREFILTER_POOL, searchWithVector, vectorStage } from "../src/orchestration/memory/memory.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    items: { type: "string", default: "100000" },
    noise: { type: "string", default: "20000" },
    queries: { type: "string", default: "40" },
    keep: { type: "boolean", default: false },
  },
});
const ITEMS = Number(values.items);
const NOISE = Number(values.noise);
const QUERIES = Number(values.queries);

// Deterministic generated history: sales notes mixing topics, names, companies and products.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const PEOPLE = ["Nora", "Marek", "Ingrid", "Paolo", "Jana", "Lin", "Sam", "Vera", "Ada", "Grace", "Omar", "Keiko", "Lars", "Priya", "Tomás", "Zoe"];
const COMPANIES = ["Quasar", "Kestrel Logistics", "Orion", "Vega Labs", "Zephyr", "Northwind", "Acme", "Globex", "Initech", "Umbrella", "Helios", "Atlas"];
const TOPICS = [
  "asked for a discount on the annual licence",
  "wants the SOC 2 report before legal signs",
  "is evaluating a competitor for the reporting module",
  "worries about onboarding time for the sales team",
  "asked whether we integrate with Snowflake",
  "needs single sign-on through Okta with SCIM",
  "reported slow support tickets last quarter",
  "wants to add seats at renewal",
  "has no budget until the new fiscal year",
  "asked where customer data is hosted",
  "loved the reply suggestions in the pilot",
  "sent redlines on the liability cap",
  "needs the mobile app to work offline",
  "asked for a Terraform provider",
  "wants a demo for the EMEA outbound team",
  "asked about the data warehouse sync schedule",
];
const WHEN = ["on the call", "in the meeting", "by e-mail", "at the conference", "during the pilot review", "in a note from the account manager"];
function noteText(): string {
  return `${pick(PEOPLE)} from ${pick(COMPANIES)} ${pick(TOPICS)} ${pick(WHEN)}; follow up about ${pick(TOPICS).split(" ").slice(-3).join(" ")}.`;
}

const scratch = await createScratchDatabase("memory", { keep: values.keep, jobQueues: false });
const { ownerUrl, appUrl } = scratch;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

try {
  const bench = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }] });
  const noise = await provisionTenant(ownerUrl, { name: "Noise", slug: "noise", members: [{ email: "owner@noise.example", name: "Owner", role: "OWNER" }] });
  const pool = new pg.Pool({ connectionString: appUrl, max: 4 });
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { timeout: 120_000, maxWait: 60_000 } });
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  const pgvector = (await owner.query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'vector'`)).rows[0].n > 0;

  // Contacts: 1,000 per tenant, so a per-contact search looks at ~100 items.
  const contactsOf = async (tenantId: string) =>
    (
      await owner.query<{ id: string }>(
        `INSERT INTO "Contact" (id, "tenantId", "updatedAt") SELECT gen_random_uuid(), $1, now() FROM generate_series(1, 1000) RETURNING id`,
        [tenantId],
      )
    ).rows.map((r) => r.id);
  const benchContacts = await contactsOf(bench.tenantId);
  const noiseContacts = await contactsOf(noise.tenantId);

  const seedStarted = performance.now();
  let embedMs = 0;
  async function seedTenant(tenantId: string, contacts: string[], count: number) {
    const BATCH = 2_000;
    for (let done = 0; done < count; done += BATCH) {
      const items: NewMemoryItem[] = [];
      const e0 = performance.now();
      for (let i = 0; i < Math.min(BATCH, count - done); i++) {
        const text = noteText();
        const embedding = normalise(localEmbedding(text));
        const sketch = sketchOf(embedding);
        items.push({
          id: uuidv7(),
          tenantId,
          sourceType: "ACTIVITY",
          sourceId: uuidv7(),
          contactId: pick(contacts),
          companyId: null,
          leadId: null,
          dealId: null,
          title: "Note",
          text,
          occurredAt: new Date(Date.now() - Math.floor(rand() * 730) * 86_400_000),
          embedding,
          model: "local-hash-256",
          sketchPos: sketch.pos,
          sketchNeg: sketch.neg,
        });
      }
      embedMs += performance.now() - e0;
      await withTenant(prisma, { tenantId }, (tx) => insertMemoryItems(tx, items), { timeout: 120_000 });
    }
  }
  await seedTenant(bench.tenantId, benchContacts, ITEMS);
  await seedTenant(noise.tenantId, noiseContacts, NOISE);
  await owner.query(`VACUUM ANALYZE "MemoryItem"`);
  const seedMs = performance.now() - seedStarted;
  const size = (await owner.query(`SELECT pg_size_pretty(pg_total_relation_size('"MemoryItem"')) AS s`)).rows[0].s;
  process.stdout.write(
    `seeded ${ITEMS} items in the measured tenant and ${NOISE} in another, in ${(seedMs / 1000).toFixed(1)} s (local embeddings ${(embedMs / 1000).toFixed(1)} s); table + indexes ${size}; pgvector: ${pgvector ? "yes" : "no"}\n`,
  );

  const queries = Array.from({ length: QUERIES }, () => noteText().split(";")[0]!);
  const filter = { tenantId: bench.tenantId };
  const exactTimes: number[] = [];
  const methodTimes: number[] = [];
  const fullTimes: number[] = [];
  const contactTimes: number[] = [];
  let recallSum = 0;
  let method = "";
  for (const [i, query] of queries.entries()) {
    const vector = normalise(localEmbedding(query));
    const t0 = performance.now();
    const exact = await withTenant(prisma, { tenantId: bench.tenantId }, (tx) => vectorStage(tx, filter, "local-hash-256", vector, 10, "EXACT"), { timeout: 120_000 });
    exactTimes.push(performance.now() - t0);
    const t1 = performance.now();
    const chosen = await withTenant(prisma, { tenantId: bench.tenantId }, (tx) => vectorStage(tx, filter, "local-hash-256", vector, 10, undefined), { timeout: 120_000 });
    methodTimes.push(performance.now() - t1);
    method = chosen.method;
    // Recall@10 against exact search; ties at the 10th similarity count as found (any of them is a correct answer).
    const tenth = exact.hits.at(-1)?.similarity ?? 1;
    const exactIds = new Set(exact.hits.map((h) => h.id));
    const found = chosen.hits.filter((h) => exactIds.has(h.id) || h.similarity >= tenth - 1e-9).length;
    recallSum += Math.min(10, found) / Math.max(1, exact.hits.length);
    const t2 = performance.now();
    await withTenant(prisma, { tenantId: bench.tenantId }, (tx) => searchWithVector(tx, bench.tenantId, { query, first: 10 }, "local-hash-256", vector), { timeout: 120_000 });
    fullTimes.push(performance.now() - t2);
    const t3 = performance.now();
    await withTenant(prisma, { tenantId: bench.tenantId }, (tx) => searchWithVector(tx, bench.tenantId, { query, contactId: benchContacts[i % benchContacts.length]!, first: 5 }, "local-hash-256", vector));
    contactTimes.push(performance.now() - t3);
  }
  const load = (await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ");
  const row = (name: string, xs: number[]) => process.stdout.write(`  ${name.padEnd(52)} p50 ${ms(pct(xs, 50)).padStart(10)}  p95 ${ms(pct(xs, 95)).padStart(10)}\n`);
  process.stdout.write(`\n${QUERIES} queries, tenant of ${ITEMS} items (load average ${load}):\n`);
  row("vector stage, exact (every cosine in SQL)", exactTimes);
  row(`vector stage, ${method} (pool ${PREFILTER_POOL}, ranked exactly)`, methodTimes);
  row("whole search (vector + full text + scoring), top 10", fullTimes);
  row("one contact's memories (exact), top 5", contactTimes);
  process.stdout.write(`  recall@10 of ${method} against exact search: ${(recallSum / QUERIES).toFixed(3)}\n`);
  await owner.end();
  await prisma.$disconnect();
  await pool.end();
} finally {
  await scratch.drop();
}
