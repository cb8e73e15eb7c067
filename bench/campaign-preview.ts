// Benchmark: campaignPreview over 100,000 leads (issue 12; target < 2 s,
// computed in SQL). Seeds a scratch database — companies, contacts and leads
// with scores and grades, replies and activities for a tenth of them,
// suppressions, recent sends, disqualified leads, contacts without e-mail —
// and a second tenant beside them; times the real use case as the service
// role (row-level security on): the one ranking/exclusion query, the quota
// usage reads and the send plan of the top 100 (and of 2,000). Prints the
// numbers and the EXPLAIN (ANALYZE) of the segment query.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/campaign-preview.ts [--leads 100000] [--runs 5] [--keep]
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../src/generated/prisma/client.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { planUsage, segmentSql } from "../src/data/campaign-preview.js";
import { withTenant, type Database } from "../src/data/database.js";
import { agentPrincipal } from "../src/domain/access/principal.js";
import { campaignInputSchema, localToday } from "../src/domain/campaign/campaign.js";
import { localInstant } from "../src/domain/sequence/sequence.js";
import { previewCampaign } from "../src/orchestration/campaign/campaign.js";
import type { Services } from "../src/orchestration/services.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  options: { keep: { type: "boolean", default: false }, leads: { type: "string", default: "100000" }, runs: { type: "string", default: "5" } },
});
const LEADS = Number(values.leads);
const RUNS = Number(values.runs);
const scratch = await createScratchDatabase("campaign", { keep: values.keep });
const { ownerUrl, appUrl } = scratch;

try {
  const seeded = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }] });
  const noise = await provisionTenant(ownerUrl, { name: "Noise", slug: "noise", members: [{ email: "owner@noise.example", name: "Owner", role: "OWNER" }] });

  const seedStarted = performance.now();
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await owner.query("BEGIN");
  await owner.query("SET LOCAL app.maintenance = 'on'");
  const industries = ["Software", "Logistics", "Retail", "Healthcare", "Finance"];
  const titles = ["Head of Operations", "VP Operations", "CTO", "Marketing Manager", "Operations Analyst", "CEO", "Engineer"];
  for (const [tenantId, n] of [
    [seeded.tenantId, LEADS],
    [noise.tenantId, Math.round(LEADS / 4)],
  ] as const) {
    const companies = Math.max(10, Math.round(n / 10));
    await owner.query(
      `INSERT INTO "Company" ("id","tenantId","name","industry","employeeCount","lifecycle","updatedAt")
       SELECT gen_random_uuid(), $1, 'Company ' || g, ($3::text[])[1 + g % 5], 10 + (g * 37) % 5000, (CASE WHEN g % 10 = 0 THEN 'CUSTOMER' ELSE 'PROSPECT' END)::"CompanyLifecycle", now()
       FROM generate_series(1, $2::int) g`,
      [tenantId, companies, industries],
    );
    await owner.query(`CREATE TEMP TABLE IF NOT EXISTS bco (n int PRIMARY KEY, id uuid) ON COMMIT DROP`);
    await owner.query(`DELETE FROM bco`);
    await owner.query(`INSERT INTO bco SELECT row_number() OVER (), "id" FROM "Company" WHERE "tenantId" = $1`, [tenantId]);
    // 1 % without e-mail, 0.5 % do-not-contact; seniorities and titles spread.
    await owner.query(
      `INSERT INTO "Contact" ("id","tenantId","companyId","email","emailOriginal","firstName","title","seniority","doNotContact","createdAt","updatedAt")
       SELECT gen_random_uuid(), $1, bco.id, CASE WHEN g % 100 = 0 THEN NULL ELSE 'c' || g || '@d' || (g % $3) || '.example' END,
              CASE WHEN g % 100 = 0 THEN NULL ELSE 'c' || g || '@d' || (g % $3) || '.example' END, 'First' || g, ($4::text[])[1 + g % 7],
              (ARRAY['C_LEVEL','VP','DIRECTOR','MANAGER','SENIOR','ENTRY','UNKNOWN'])[1 + g % 7]::"Seniority", g % 200 = 7,
              now() - g * interval '1 second', now()
       FROM generate_series(1, $2::int) g JOIN bco ON bco.n = 1 + g % $3`,
      [tenantId, n, companies, titles],
    );
    // A lead per contact: scores 0–100, 2 % disqualified, a fifth unscored.
    await owner.query(
      `INSERT INTO "Lead" ("id","tenantId","contactId","companyId","source","status","score","grade","updatedAt")
       SELECT gen_random_uuid(), $1, c."id", c."companyId", 'import',
              (CASE WHEN c.g % 50 = 3 THEN 'DISQUALIFIED' WHEN c.g % 7 = 0 THEN 'WORKING' ELSE 'NEW' END)::"LeadStatus",
              CASE WHEN c.g % 5 = 0 THEN NULL ELSE (c.g * 37) % 101 END,
              CASE WHEN c.g % 5 = 0 THEN NULL ELSE (ARRAY['D','C','B','A'])[1 + ((c.g * 37) % 101) / 26] END, now()
       FROM (SELECT "id", "companyId", row_number() OVER () AS g FROM "Contact" WHERE "tenantId" = $1) c`,
      [tenantId],
    );
    // Engagement for a tenth: replies (inbound messages) and meetings/calls (activities) over the last 180 days.
    await owner.query(
      `INSERT INTO "InboundMessage" ("id","tenantId","messageId","to","subject","text","receivedAt","references","suppressed","automated","intent","contactId")
       SELECT gen_random_uuid(), $1, '<m' || c.g || '-' || k || '@bench>', '{}', 'Re: hello', 'Thanks', now() - ((c.g * 13 + k * 29) % 180) * interval '1 day', '{}', '{}', k = 3,
              (ARRAY['INTERESTED','QUESTION','OBJECTION'])[1 + (c.g + k) % 3]::"InboundIntent", c."id"
       FROM (SELECT "id", row_number() OVER () AS g FROM "Contact" WHERE "tenantId" = $1) c CROSS JOIN generate_series(1, 3) k WHERE c.g % 10 = 1`,
      [tenantId],
    );
    await owner.query(
      `INSERT INTO "Activity" ("id","tenantId","type","direction","occurredAt","contactId")
       SELECT gen_random_uuid(), $1, (ARRAY['MEETING','CALL','EMAIL_SENT','NOTE'])[1 + c.g % 4]::"ActivityType", 'OUTBOUND', now() - ((c.g * 7) % 200) * interval '1 day', c."id"
       FROM (SELECT "id", row_number() OVER () AS g FROM "Contact" WHERE "tenantId" = $1) c WHERE c.g % 10 IN (1, 2)`,
      [tenantId],
    );
    // Suppressions: 0.5 % of addresses, and two whole domains.
    await owner.query(
      `INSERT INTO "Suppression" ("id","tenantId","kind","value","reason","createdByType","createdById","createdByLabel")
       SELECT gen_random_uuid(), $1, 'EMAIL', "email", 'UNSUBSCRIBED', 'USER', 'x', 'bench' FROM "Contact" WHERE "tenantId" = $1 AND "email" IS NOT NULL AND abs(hashtext("email")) % 200 = 0`,
      [tenantId],
    );
    await owner.query(
      `INSERT INTO "Suppression" ("id","tenantId","kind","value","reason","createdByType","createdById","createdByLabel") VALUES (gen_random_uuid(), $1, 'DOMAIN', 'd3.example', 'MANUAL', 'USER', 'x', 'bench'), (gen_random_uuid(), $1, 'DOMAIN', 'd4.example', 'MANUAL', 'USER', 'x', 'bench')`,
      [tenantId],
    );
  }
  // Sequences plan sends too (the campaign plan counts them): a sequence with two e-mail steps, a tenth of the
  // measured tenant's contacts enrolled, each with its next step planned within the next three weeks.
  {
    const tenantId = seeded.tenantId;
    const sequence = (await owner.query(`INSERT INTO "Sequence" ("id","tenantId","name","updatedAt") VALUES (gen_random_uuid(), $1, 'Bench nurture', now()) RETURNING "id"`, [tenantId])).rows[0].id;
    const version = (await owner.query(`INSERT INTO "SequenceVersion" ("id","tenantId","sequenceId","version") VALUES (gen_random_uuid(), $1, $2, 1) RETURNING "id"`, [tenantId, sequence])).rows[0].id;
    const step = (
      await owner.query(
        `INSERT INTO "SequenceStep" ("id","tenantId","versionId","position","kind","delayAmount","delayUnit","windowStart","windowEnd","brief") VALUES (gen_random_uuid(), $1, $2, 0, 'EMAIL', 2, 'BUSINESS_DAYS', 480, 660, 'Hello') RETURNING "id"`,
        [tenantId, version],
      )
    ).rows[0].id;
    await owner.query(
      `INSERT INTO "SequenceEnrollment" ("id","tenantId","sequenceId","versionId","contactId","timeZone","timeZoneSource","updatedAt")
       SELECT gen_random_uuid(), $1, $2, $3, c."id", 'UTC', 'TENANT', now() FROM (SELECT "id", row_number() OVER () AS g FROM "Contact" WHERE "tenantId" = $1 AND "email" IS NOT NULL) c WHERE c.g % 10 = 5`,
      [tenantId, sequence, version],
    );
    await owner.query(
      `INSERT INTO "SequenceStepRun" ("id","tenantId","enrollmentId","stepId","position","kind","scheduledFor","windowEnd","sendWindow","updatedAt")
       SELECT gen_random_uuid(), $1, e."id", $2, 0, 'EMAIL', date_trunc('day', now()) + ((e.g % 21) + 1) * interval '1 day' + interval '8 hours',
              date_trunc('day', now()) + ((e.g % 21) + 1) * interval '1 day' + interval '11 hours', '{}', now()
       FROM (SELECT "id", row_number() OVER () AS g FROM "SequenceEnrollment" WHERE "tenantId" = $1) e`,
      [tenantId, step],
    );
  }
  await owner.query("COMMIT");
  await owner.query("ANALYZE");
  const counts = (
    await owner.query(
      `SELECT (SELECT count(*)::int FROM "Lead" WHERE "tenantId" = $1) AS leads, (SELECT count(*)::int FROM "InboundMessage" WHERE "tenantId" = $1) AS messages,
              (SELECT count(*)::int FROM "Activity" WHERE "tenantId" = $1) AS activities, (SELECT count(*)::int FROM "Suppression" WHERE "tenantId" = $1) AS suppressions,
              (SELECT count(*)::int FROM "SequenceStepRun" WHERE "tenantId" = $1) AS steps`,
      [seeded.tenantId],
    )
  ).rows[0];
  await owner.query(`UPDATE "Tenant" SET "settings" = jsonb_set("settings", '{sending}', '{"mailboxes":["sales@bench.example"]}'::jsonb) WHERE "id" = $1`, [seeded.tenantId]);
  await owner.end();
  const seedMs = performance.now() - seedStarted;

  const pool = new pg.Pool({ connectionString: appUrl, max: 4 });
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { timeout: 60_000 } });
  const db = { prisma, pool, close: async () => {} } as unknown as Database;
  const services = { db } as unknown as Services;
  const actor = { principal: agentPrincipal(seeded.tenantId, "bench"), meta: { requestId: "bench", traceId: null } };
  const page = { first: 50, offset: 0, excludedFirst: 50, excludedOffset: 0 };
  const startDate = localToday(new Date(Date.now() + 7 * 86_400_000), "UTC");
  const cases: Array<[string, Record<string, unknown>]> = [
    ["whole tenant, top 100", {}],
    ["whole tenant, top 2,000", { size: 2000 }],
    ["persona + industry + score ≥ 40", { segment: { titleKeywords: ["operations"], industries: ["software", "logistics"], scoreMin: 40 } }],
    ["VP/C-level, 50–2,000 employees, prospects", { segment: { seniorities: ["VP", "C_LEVEL"], employeesMin: 50, employeesMax: 2000, lifecycles: ["PROSPECT"] } }],
  ];
  process.stdout.write(
    `seeded ${counts.leads} leads (${counts.messages} inbound messages, ${counts.activities} activities, ${counts.suppressions} suppressions, ${counts.steps} planned sequence e-mail steps) in the measured tenant, a quarter as much in another, in ${(seedMs / 1000).toFixed(1)} s\n\n`,
  );
  process.stdout.write(`| preview | median ms | min ms | max ms | matched | eligible | excluded | planned | days |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n`);
  for (const [name, extra] of cases) {
    const input = campaignInputSchema.parse({ brief: "Bench story", startDate, ...extra });
    const times: number[] = [];
    let last: Awaited<ReturnType<typeof previewCampaign>> | undefined;
    await previewCampaign(services, actor, input, page);
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      last = await previewCampaign(services, actor, input, page);
      times.push(performance.now() - t0);
    }
    if (!last?.ok) throw new Error(JSON.stringify(last));
    times.sort((a, b) => a - b);
    const p = last.value;
    process.stdout.write(
      `| ${name} | ${times[Math.floor(times.length / 2)]!.toFixed(1)} | ${times[0]!.toFixed(1)} | ${times.at(-1)!.toFixed(1)} | ${p.matched} | ${p.eligible} | ${p.excludedCount} | ${p.plannedCount} | ${p.days.length} |\n`,
    );
  }

  // The quota usage reads alone (sends, other campaigns and the sequences' planned steps) for the top 2,000's addresses.
  {
    const top = await previewCampaign(services, actor, campaignInputSchema.parse({ brief: "Bench story", startDate, size: 2000 }), { ...page, first: 2000 });
    if (!top.ok) throw new Error(JSON.stringify(top));
    const emails = top.value.ranked.map((r) => r.email);
    const domains = [...new Set(emails.map((e) => e.split("@")[1] ?? ""))];
    const q = { tenantId: seeded.tenantId, mailbox: "sales@bench.example", defaultMailbox: "sales@bench.example", since: new Date(Date.now() - 7 * 86_400_000), emails, domains };
    const times: number[] = [];
    let steps = 0;
    for (let i = 0; i < RUNS + 1; i++) {
      const t0 = performance.now();
      const usage = await withTenant(prisma, { tenantId: seeded.tenantId }, (tx) => planUsage(tx, q));
      if (i > 0) times.push(performance.now() - t0);
      steps = usage.sequences.mailbox.length;
    }
    times.sort((a, b) => a - b);
    process.stdout.write(`\nquota usage reads for 2,000 recipients (${steps} sequence steps planned on the mailbox): median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms\n`);
  }

  // The plan of the segment query (whole tenant, top 100) as the service role, row-level security on.
  const [y, m, d] = startDate.split("-").map(Number);
  const sqlObj = segmentSql({
    tenantId: seeded.tenantId,
    segment: campaignInputSchema.parse({ brief: "x" }).segment,
    startAt: new Date(localInstant({ year: y!, month: m!, day: d! }, 0, "UTC")),
    cadenceDays: 14,
    size: 100,
    excludedLimit: 50,
    excludedOffset: 0,
  });
  const client = new pg.Client({ connectionString: appUrl });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT set_config('app.tenant_id', $1, true)", [seeded.tenantId]);
  const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sqlObj.text}`, sqlObj.values as unknown[]);
  await client.query("ROLLBACK");
  await client.end();
  process.stdout.write(`\nEXPLAIN ANALYZE of the segment query (whole tenant, top 100):\n\n${plan.rows.map((r) => r["QUERY PLAN"]).join("\n")}\n`);
  await prisma.$disconnect();
  await pool.end();
} finally {
  await scratch.drop();
}
