// Benchmark: pipelineSummary on 100,000 deals (and their stage history) in
// one tenant, with a second tenant's deals beside them. Seeds a scratch
// database, times the real use case (the service role, row-level security on),
// and prints each query's plan with its actual time.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:pipeline -- [--deals 100000] [--runs 7] [--plans]
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../src/generated/prisma/client.js";
import { provisionTenant } from "../src/data/provisioning.js";
import type { Database } from "../src/data/database.js";
import { agentPrincipal } from "../src/domain/access/principal.js";
import { pipelineSummary, type PipelineSummaryFilter } from "../src/orchestration/pipeline/pipeline.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({ options: { keep: { type: "boolean", default: false }, deals: { type: "string", default: "100000" }, runs: { type: "string", default: "7" }, plans: { type: "boolean", default: false } } });
const DEALS = Number(values.deals);
const RUNS = Number(values.runs);
const scratch = await createScratchDatabase("pipeline", { keep: values.keep, jobQueues: false });
const { ownerUrl, appUrl } = scratch;

try {
  const seeded = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }, { email: "rep@bench.example", name: "Rep", role: "OPERATOR" }] });
  const noise = await provisionTenant(ownerUrl, { name: "Noise", slug: "noise", members: [{ email: "owner@noise.example", name: "Owner", role: "OWNER" }] });
  const owners = seeded.members.map((m) => m.userId);

  const seedStarted = performance.now();
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await owner.query("BEGIN");
  await owner.query("SET LOCAL app.maintenance = 'on'");
  for (const [tenantId, count] of [
    [seeded.tenantId, DEALS],
    [noise.tenantId, Math.round(DEALS / 4)],
  ] as const) {
    // Status: 60 % open (spread over the four open stages), 25 % won, 15 % lost; created over the
    // last year; closed 5–120 days after creation; stage history walks the stages in order.
    await owner.query(
      `INSERT INTO "Deal" ("id", "tenantId", "name", "stage", "status", "amount", "currency", "probability", "ownerId",
                           "expectedCloseDate", "closedAt", "createdAt", "updatedAt", "stageChangedAt", "lostReason")
       SELECT gen_random_uuid(), $1::uuid, 'Deal ' || g,
              CASE WHEN s.status = 'OPEN' THEN (ARRAY['qualification','discovery','proposal','negotiation'])[s.k]
                   WHEN s.status = 'WON' THEN 'closed_won' ELSE 'closed_lost' END,
              s.status::"DealStatus", round((500 + random() * 99500)::numeric, 2),
              CASE WHEN g % 20 = 0 THEN 'EUR' ELSE 'USD' END,
              CASE WHEN s.status = 'OPEN' THEN (ARRAY[10,25,50,75])[s.k] WHEN s.status = 'WON' THEN 100 ELSE 0 END,
              ($3::uuid[])[1 + g % array_length($3::uuid[], 1)],
              CASE WHEN s.status = 'OPEN' THEN (now() + (random() * 180 - 30) * interval '1 day')::date END,
              CASE WHEN s.status <> 'OPEN' THEN LEAST(now(), s.created + (5 + random() * 115) * interval '1 day') END,
              s.created, now(), s.created,
              CASE WHEN s.status = 'LOST' THEN 'price' END
       FROM generate_series(1, $2::int) g,
       LATERAL (SELECT CASE WHEN r < 0.60 THEN 'OPEN' WHEN r < 0.85 THEN 'WON' ELSE 'LOST' END AS status,
                       1 + floor(random() * 4)::int AS k,
                       now() - random() * interval '365 days' AS created
                FROM (SELECT random() + g * 0 AS r) x) s`,
      [tenantId, count, tenantId === seeded.tenantId ? owners : [noise.members[0]!.userId]],
    );
    await owner.query(
      `INSERT INTO "DealStageChange" ("id", "tenantId", "dealId", "fromStage", "toStage", "fromStatus", "toStatus", "actorType", "actorId", "reason", "createdAt")
       SELECT gen_random_uuid(), d."tenantId", d."id",
              CASE WHEN i = 1 THEN NULL ELSE (ARRAY['qualification','discovery','proposal','negotiation'])[i - 1] END,
              (ARRAY['qualification','discovery','proposal','negotiation'])[i],
              CASE WHEN i = 1 THEN NULL ELSE 'OPEN'::"DealStatus" END, 'OPEN', 'USER', 'bench', NULL,
              d."createdAt" + (i - 1) * interval '3 days'
       FROM "Deal" d,
            generate_series(1, CASE WHEN d."status" = 'OPEN' THEN array_position(ARRAY['qualification','discovery','proposal','negotiation'], d."stage")
                                    ELSE 1 + (abs(hashtext(d."id"::text)) % 4) END) i
       WHERE d."tenantId" = $1::uuid`,
      [tenantId],
    );
    await owner.query(
      `INSERT INTO "DealStageChange" ("id", "tenantId", "dealId", "fromStage", "toStage", "fromStatus", "toStatus", "actorType", "actorId", "reason", "createdAt")
       SELECT gen_random_uuid(), d."tenantId", d."id", 'negotiation', d."stage", 'OPEN', d."status", 'USER', 'bench', d."lostReason", d."closedAt"
       FROM "Deal" d WHERE d."tenantId" = $1::uuid AND d."status" <> 'OPEN'`,
      [tenantId],
    );
  }
  await owner.query("COMMIT");
  await owner.query(`ANALYZE "Deal"; ANALYZE "DealStageChange";`);
  const counts = (await owner.query(`SELECT (SELECT count(*) FROM "Deal") AS deals, (SELECT count(*) FROM "DealStageChange") AS changes`)).rows[0];
  await owner.end();
  const seedMs = performance.now() - seedStarted;

  // The use case, as the service runs it: the service role, tenant context set, RLS enforced.
  const pool = new pg.Pool({ connectionString: appUrl, max: 4 });
  pool.on("error", () => {}); // idle clients are cut when the scratch database is dropped
  const captured: { query: string; params: string }[] = [];
  let capture = false;
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), log: [{ emit: "event", level: "query" }], transactionOptions: { timeout: 60_000 } });
  prisma.$on("query", (e) => {
    if (capture) captured.push({ query: e.query, params: e.params });
  });
  const db = { prisma, pool, close: async () => {} } as unknown as Database;
  const principal = agentPrincipal(seeded.tenantId, "bench");

  const now = Date.now();
  const filters: [string, PipelineSummaryFilter][] = [
    ["all time", {}],
    ["last 90 days", { from: new Date(now - 90 * 86_400_000), to: new Date(now) }],
    ["one owner", { ownerId: owners[1]! }],
    ["one stage (proposal)", { stage: "proposal" }],
  ];
  process.stdout.write(`seeded ${counts.deals} deals (${DEALS} in the measured tenant) and ${counts.changes} stage changes in ${(seedMs / 1000).toFixed(1)} s\n\n`);
  process.stdout.write(`| filter | median ms | min ms | max ms | open deals | won | win rate |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n`);
  for (const [name, filter] of filters) {
    await pipelineSummary({ db }, principal, filter); // warm-up
    const times: number[] = [];
    let last;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      last = await pipelineSummary({ db }, principal, filter);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    process.stdout.write(
      `| ${name} | ${times[Math.floor(times.length / 2)]!.toFixed(1)} | ${times[0]!.toFixed(1)} | ${times.at(-1)!.toFixed(1)} | ${last!.openCount} | ${last!.wonCount} | ${last!.winRate} |\n`,
    );
  }

  // Plans of the three aggregate queries (all-time filter), with actual times.
  capture = true;
  await pipelineSummary({ db }, principal, {});
  capture = false;
  const client = new pg.Client({ connectionString: appUrl });
  await client.connect();
  process.stdout.write("\nQuery plans (all time):\n");
  for (const { query, params } of captured.filter((q) => /"Deal"/.test(q.query))) {
    await client.query("BEGIN");
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [seeded.tenantId]);
    await client.query("SET LOCAL work_mem = '32MB'"); // as queryPipelineSummary does
    const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${query}`, JSON.parse(params));
    await client.query("ROLLBACK");
    const lines = plan.rows.map((r) => r["QUERY PLAN"] as string);
    const first = lines[0]!;
    const total = lines.find((l) => l.startsWith("Execution Time"));
    const label = /"DealStageChange"/.test(query) ? "stage conversion" : /FILTER/.test(query) ? "totals (forecast, win rate, cycle)" : "per-stage counts and amounts";
    process.stdout.write(`- ${label}: ${first.trim().replace(/\s+/g, " ")} | ${total}\n`);
    if (values.plans) process.stdout.write(lines.map((l) => `    ${l}`).join("\n") + "\n");
  }
  await client.end();
  await prisma.$disconnect();
  await pool.end();
} finally {
  await scratch.drop();
}
