// Benchmark: outcomeReport on 100,000 drafts and about 1,000,000 event rows
// (revisions, inbound messages, activities, agent runs, AI calls,
// recommendations, outbox events) in one tenant, with a second tenant's
// drafts beside them. Seeds a scratch database, times the real use case (the
// service role, row-level security on) and prints the figures: wall time, and
// the CPU each report costs (the database backends' from /proc plus this
// process's), which the shared machine's load does not inflate the way it
// inflates wall time.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/outcome-report.ts -- [--drafts 100000] [--runs 5] [--plans]
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../src/generated/prisma/client.js";
import { provisionTenant } from "../src/data/provisioning.js";
import type { Database } from "../src/data/database.js";
import { agentPrincipal } from "../src/domain/access/principal.js";
import { outcomeReport, type OutcomeReportInput } from "../src/orchestration/report/outcome-report.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  options: { keep: { type: "boolean", default: false }, drafts: { type: "string", default: "100000" }, runs: { type: "string", default: "5" }, plans: { type: "boolean", default: false } },
});
const DRAFTS = Number(values.drafts);
const RUNS = Number(values.runs);
const scratch = await createScratchDatabase("outcome", { keep: values.keep });
const { ownerUrl, appUrl } = scratch;

try {
  const seeded = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }] });
  const noise = await provisionTenant(ownerUrl, { name: "Noise", slug: "noise", members: [{ email: "owner@noise.example", name: "Owner", role: "OWNER" }] });

  const seedStarted = performance.now();
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await owner.query("BEGIN");
  await owner.query("SET LOCAL app.maintenance = 'on'");
  // Triggers off while bulk-seeding (the funnel triggers would recompute drafts row by row); the funnel
  // columns are then filled by the migration's own backfill statement below, timed.
  await owner.query("SET LOCAL session_replication_role = replica");
  const q = (sql: string, params: unknown[]) => owner.query(sql, params);
  for (const [tenantId, drafts] of [
    [seeded.tenantId, DRAFTS],
    [noise.tenantId, Math.round(DRAFTS / 4)],
  ] as const) {
    const contacts = Math.max(10, Math.round(drafts / 5));
    await q(`INSERT INTO "Contact" ("id","tenantId","email","updatedAt") SELECT gen_random_uuid(), $1, 'c' || g || '@x.example', now() FROM generate_series(1, $2::int) g`, [tenantId, contacts]);
    // Contacts by number (indexed: the inserts below pick the contact of row g as number 1 + g % contacts).
    await owner.query(`CREATE TEMP TABLE IF NOT EXISTS bc (n int PRIMARY KEY, id uuid) ON COMMIT DROP`);
    await owner.query(`DELETE FROM bc`);
    await owner.query(`INSERT INTO bc SELECT row_number() OVER (), "id" FROM "Contact" WHERE "tenantId" = $1`, [tenantId]);
    await owner.query(`ANALYZE bc`);
    // Drafts over the last 90 days: 25 % agent-written; 60 % sent (half of the AI ones edited), 15 % rejected, the rest pending.
    await q(
      `INSERT INTO "EmailThread" ("id","tenantId","subject","subjectKey","contactId","lastMessageAt","updatedAt")
       SELECT gen_random_uuid(), $1, 's' || g, 's' || g, bc.id, now(), now() FROM generate_series(1, $2::int) g JOIN bc ON bc.n = 1 + g % $3`,
      [tenantId, Math.round(drafts * 0.6), contacts],
    );
    await q(
      `WITH th AS (SELECT "id", row_number() OVER () AS n FROM "EmailThread" WHERE "tenantId" = $1)
       INSERT INTO "Draft" ("id","tenantId","contactId","mailbox","recipientEmail","origin","authorType","authorId","authorLabel","status","revision",
                            "subject","bodyText","qualityReport","rejectionReason","approvedAt","sentAt","messageId","threadId","createdAt","updatedAt")
       SELECT gen_random_uuid(), $1, bc.id, 'm' || (g % 5) || '@bench.example', 'r@x.example',
              CASE WHEN g % 4 = 0 THEN 'AGENT' ELSE 'OPERATOR' END::"DraftOrigin", 'USER', 'u', 'u',
              CASE WHEN g % 100 < 60 THEN 'SENT' WHEN g % 100 < 75 THEN 'REJECTED' ELSE 'PENDING_REVIEW' END::"DraftStatus",
              CASE WHEN g % 8 = 0 AND g % 100 < 60 THEN 2 ELSE 1 END,
              'Quick question about ' || g, 'Hi there, we help teams like yours ship faster. Would a short call next week work? Best, Sam ' || g,
              '{}', CASE WHEN g % 100 BETWEEN 60 AND 74 THEN (ARRAY['too pushy','wrong person','tone'])[1 + g % 3] END,
              CASE WHEN g % 100 < 60 THEN c + interval '2 hours' END, CASE WHEN g % 100 < 60 THEN c + interval '3 hours' END,
              '<d' || g || '@bench>', CASE WHEN g % 100 < 60 THEN th."id" END, c, c + interval '2 hours'
       FROM generate_series(1, $2::int) g
       CROSS JOIN LATERAL (SELECT now() - random() * interval '90 days' + g * interval '0' AS c) t
       JOIN bc ON bc.n = 1 + g % $3
       LEFT JOIN th ON th.n = 1 + (g / 100) * 60 + (g % 100) AND g % 100 < 60`,
      [tenantId, drafts, contacts],
    );
    await q(
      `INSERT INTO "DraftRevision" ("id","tenantId","draftId","number","subject","bodyText","qualityReport","authorType","authorId","authorLabel","createdAt")
       SELECT gen_random_uuid(), d."tenantId", d."id", 1, d."subject",
              CASE WHEN d."revision" > 1 THEN 'Hello, our platform helps teams like yours ship much faster. Could we talk next week? Regards, Sam' ELSE d."bodyText" END,
              '{}', 'AGENT', 'a', 'a', d."createdAt"
       FROM "Draft" d WHERE d."tenantId" = $1`,
      [tenantId],
    );
    // Replies to 30 % of the sent drafts (a third positive), bounces to 3 %; meetings and deals for some.
    await q(
      `INSERT INTO "InboundMessage" ("id","tenantId","messageId","subject","text","receivedAt","automated","intent","ruleKind","threadId","contactId","status")
       SELECT gen_random_uuid(), d."tenantId", '<i' || d."id" || '@them>', 're', 't', d."sentAt" + interval '20 hours', false,
              (ARRAY['INTERESTED','MEETING_REQUEST','QUESTION','OBJECTION','NOT_INTERESTED','OTHER'])[1 + abs(hashtext(d."id"::text)) % 6]::"InboundIntent",
              NULL, d."threadId", d."contactId", 'ANALYSED'
       FROM "Draft" d WHERE d."tenantId" = $1 AND d."sentAt" IS NOT NULL AND abs(hashtext(d."id"::text)) % 10 < 3`,
      [tenantId],
    );
    await q(
      `INSERT INTO "InboundMessage" ("id","tenantId","messageId","subject","text","receivedAt","automated","intent","ruleKind","contactId","status")
       SELECT gen_random_uuid(), d."tenantId", '<b' || d."id" || '@them>', 'bounce', 't', d."sentAt" + interval '5 minutes', true, 'BOUNCE', 'BOUNCE', d."contactId", 'ANALYSED'
       FROM "Draft" d WHERE d."tenantId" = $1 AND d."sentAt" IS NOT NULL AND abs(hashtext(d."id"::text)) % 100 = 50`,
      [tenantId],
    );
    await q(
      `INSERT INTO "Activity" ("id","tenantId","type","direction","occurredAt","contactId")
       SELECT gen_random_uuid(), $1, (ARRAY['MEETING','CALL','NOTE','EMAIL_SENT'])[1 + g % 4]::"ActivityType", 'OUTBOUND',
              now() - random() * interval '90 days', bc.id
       FROM generate_series(1, $2::int) g JOIN bc ON bc.n = 1 + g % $3`,
      [tenantId, drafts * 2, contacts],
    );
    await q(
      `INSERT INTO "AgentRun" ("id","tenantId","agent","queue","status","maxAttempts","jobId","triggeredBy","queuedAt","startedAt","finishedAt","updatedAt")
       SELECT gen_random_uuid(), $1, a, a, (ARRAY['SUCCEEDED','SUCCEEDED','SUCCEEDED','FAILED','DEAD'])[1 + g % 5]::"AgentRunStatus", 3, gen_random_uuid(), 'bench',
              t, t, t + random() * interval '20 seconds', now()
       FROM generate_series(1, $2::int) g
       CROSS JOIN LATERAL (SELECT (ARRAY['inbound-analysis','thread-reader','draft-writer','recommender','voice-learner'])[1 + g % 5] AS a,
                                  now() - random() * interval '90 days' + g * interval '0' AS t) x`,
      [tenantId, drafts],
    );
    await q(
      `INSERT INTO "AiInvocation" ("id","tenantId","agent","operation","provider","model","external","inputHash","totalTokens","costUsd","latencyMs","outcome","createdAt")
       SELECT gen_random_uuid(), $1, (ARRAY['inbound-analysis','thread-reader','draft-writer','recommender'])[1 + g % 4], 'generate', 'openai', 'm', true, 'h',
              500, 0.0004, 800, 'SUCCESS', now() - random() * interval '90 days'
       FROM generate_series(1, $2::int) g`,
      [tenantId, drafts * 2],
    );
    await q(
      `INSERT INTO "Recommendation" ("id","tenantId","tool","title","params","rationale","confidence","rank","expiresAt","status","feedback","audienceRole","provider","createdAt","updatedAt")
       SELECT gen_random_uuid(), $1, 'scheduleFollowUp', 't', '{}', 'r', 0.5, 1, now(),
              (ARRAY['ACCEPTED','DISMISSED','EXPIRED','OPEN'])[1 + g % 4]::"RecommendationStatus", CASE WHEN g % 4 = 1 THEN (ARRAY['not now','wrong stage'])[1 + g % 2] END,
              'OPERATOR', 'local', now() - random() * interval '90 days', now()
       FROM generate_series(1, $2::int) g`,
      [tenantId, Math.round(drafts / 2)],
    );
    await q(
      `INSERT INTO "OutboxEvent" ("id","tenantId","type","payload","createdAt","deliveredAt")
       SELECT gen_random_uuid(), $1, 'bench', '{}', t, CASE WHEN g % 1000 <> 0 THEN t END
       FROM generate_series(1, $2::int) g CROSS JOIN LATERAL (SELECT now() - random() * interval '90 days' + g * interval '0' AS t) x`,
      [tenantId, Math.round(drafts * 2.5)],
    );
  }
  await owner.query("SET LOCAL session_replication_role = origin");
  const backfillStarted = performance.now();
  await owner.query(backfillStatement());
  const backfillMs = performance.now() - backfillStarted;
  await owner.query("COMMIT");
  // The backfill rewrote every sent draft: vacuum as autovacuum would have.
  await owner.query(`VACUUM ANALYZE`);
  const counts = (
    await owner.query(`SELECT (SELECT count(*) FROM "Draft" WHERE "tenantId" = $1) AS drafts,
      (SELECT count(*) FROM "DraftRevision" WHERE "tenantId" = $1) + (SELECT count(*) FROM "InboundMessage" WHERE "tenantId" = $1)
      + (SELECT count(*) FROM "Activity" WHERE "tenantId" = $1) + (SELECT count(*) FROM "AgentRun" WHERE "tenantId" = $1)
      + (SELECT count(*) FROM "AiInvocation" WHERE "tenantId" = $1) + (SELECT count(*) FROM "Recommendation" WHERE "tenantId" = $1)
      + (SELECT count(*) FROM "OutboxEvent" WHERE "tenantId" = $1) + (SELECT count(*) FROM "EmailThread" WHERE "tenantId" = $1) AS events`, [seeded.tenantId])
  ).rows[0];
  await owner.end();
  const seedMs = performance.now() - seedStarted;

  const pool = new pg.Pool({ connectionString: appUrl, max: 4 });
  pool.on("error", () => {});
  const captured: { query: string; params: string }[] = [];
  let capture = false;
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), log: [{ emit: "event", level: "query" }], transactionOptions: { timeout: 60_000 } });
  prisma.$on("query", (e) => {
    if (capture) captured.push({ query: e.query, params: e.params });
  });
  const db = { prisma, pool, close: async () => {} } as unknown as Database;
  // CPU of the service role's backends (clock ticks of 10 ms in /proc/<pid>/stat), read through the owner's connection.
  const watcher = new pg.Client({ connectionString: ownerUrl });
  await watcher.connect();
  const backendCpuMs = async () => {
    const { rows } = await watcher.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND usename = 'sales_app'`);
    let ticks = 0;
    for (const { pid } of rows) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // a backend that just ended
      }
    }
    return ticks * 10;
  };
  const nodeCpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const principal = agentPrincipal(seeded.tenantId, "bench");
  const now = Date.now();
  const inputs: [string, OutcomeReportInput][] = [
    ["90 days by WEEK", { from: new Date(now - 91 * 86_400_000), to: new Date(now), groupBy: "WEEK" }],
    ["90 days by DAY", { from: new Date(now - 91 * 86_400_000), to: new Date(now), groupBy: "DAY" }],
    ["30 days by DAY", { from: new Date(now - 30 * 86_400_000), to: new Date(now), groupBy: "DAY" }],
    ["90 days, one mailbox", { from: new Date(now - 91 * 86_400_000), to: new Date(now), groupBy: "WEEK", filter: { mailbox: "m1@bench.example" } }],
  ];
  process.stdout.write(
    `seeded ${counts.drafts} drafts and ${counts.events} event rows in the measured tenant (plus a quarter of each in another) in ${(seedMs / 1000).toFixed(1)} s, ` +
      `of which the funnel backfill (all ${Math.round(Number(counts.drafts) * 1.25)} drafts) ${(backfillMs / 1000).toFixed(1)} s\n\n`,
  );
  process.stdout.write(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n\n`);
  process.stdout.write(
    `| report | median ms | min ms | max ms | db CPU ms/report | node CPU ms/report | drafted | sent | replied | won | mean edit distance |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n`,
  );
  for (const [name, input] of inputs) {
    await outcomeReport({ db }, principal, input);
    const times: number[] = [];
    let last: Awaited<ReturnType<typeof outcomeReport>> | undefined;
    const [db0, node0] = [await backendCpuMs(), nodeCpuMs()];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      last = await outcomeReport({ db }, principal, input);
      times.push(performance.now() - t0);
    }
    const [dbCpu, nodeCpu] = [((await backendCpuMs()) - db0) / RUNS, (nodeCpuMs() - node0) / RUNS];
    times.sort((a, b) => a - b);
    if (!last?.ok) throw new Error(JSON.stringify(last));
    const report = last.value;
    const f = (s: string) => report.funnel.find((r) => r.step === s)!.count;
    process.stdout.write(
      `| ${name} | ${times[Math.floor(times.length / 2)]!.toFixed(1)} | ${times[0]!.toFixed(1)} | ${times.at(-1)!.toFixed(1)} | ${dbCpu.toFixed(0)} | ${nodeCpu.toFixed(0)} | ${f("DRAFTED")} | ${f("SENT")} | ${f("REPLIED")} | ${f("WON")} | ${report.aiDrafts.meanEditDistance} |\n`,
    );
  }
  process.stdout.write(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  await watcher.end();
  if (values.plans) {
    capture = true;
    await outcomeReport({ db }, principal, inputs[0]![1]);
    capture = false;
    const client = new pg.Client({ connectionString: appUrl });
    await client.connect();
    for (const { query, params } of captured.filter((c) => /^\s*(WITH|SELECT)/.test(c.query) && !/set_config/.test(c.query))) {
      await client.query("BEGIN");
      await client.query("SELECT set_config('app.tenant_id', $1, true)", [seeded.tenantId]);
      await client.query("SET LOCAL work_mem = '32MB'");
      const plan = await client.query(`EXPLAIN (ANALYZE, FORMAT TEXT) ${query}`, JSON.parse(params));
      await client.query("ROLLBACK");
      const lines = plan.rows.map((r) => r["QUERY PLAN"] as string);
      process.stdout.write(`- ${query.replace(/\s+/g, " ").slice(0, 80)}… | ${lines.find((l) => l.startsWith("Execution Time"))}\n`);
      // The funnel query's whole plan: where its time goes.
      if (/WITH cohort AS/.test(query)) process.stdout.write(lines.map((l) => `    ${l}`).join("\n") + "\n");
    }
    await client.end();
  }
  await prisma.$disconnect();
  await pool.end();
} finally {
  await scratch.drop();
}

/** The backfill statement of the draft-funnel migration, read from the migration itself. */
function backfillStatement(): string {
  const sql = readFileSync(new URL("../prisma/migrations/20261209030000_draft_funnel_timestamps/migration.sql", import.meta.url), "utf8");
  const start = sql.indexOf("UPDATE \"Draft\" d\nSET");
  return sql.slice(start, sql.indexOf(";", start));
}
