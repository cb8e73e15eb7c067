// Growth (issue 14): how the cost of the main list pages, a write, and live
// event delivery grows from 2,000 to 100,000 leads, with 10 audit entries and
// 10 outbox events per lead (1M each at 100k). The service runs in-process
// (production mode, the API's HTTP path, the service role under row-level
// security); the data is added by SQL between steps, so each step measures the
// same service over more rows. A second tenant holds a quarter as much, so
// every plan also has another tenant's rows to skip.
//
// For each list it times the first page and a deep page (the 10th, reached by
// its cursor: keyset pagination should cost the same), sequentially, and
// prints the plan (EXPLAIN ANALYZE, as the service role with the tenant set) of
// the statement the service actually sent for the deep page — captured from
// the pg client — at the largest size. A flat list is one whose p50 does not
// grow with the table.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/list-growth.ts [--sizes 2000,20000,100000] [--runs 20] [--plans]
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({ options: { sizes: { type: "string", default: "2000,20000,100000" }, runs: { type: "string", default: "20" }, plans: { type: "boolean", default: false } } });
const SIZES = values.sizes.split(",").map(Number);
const RUNS = Number(values.runs);
const PER_LEAD = 10; // audit entries and outbox events per lead
const JWT_SECRET = "bench-secret-bench-secret-bench-secret-0123";
const load = () => loadavg().map((l) => l.toFixed(1)).join(" / ");

// The statements the service sends (text + values), captured while `capture` is set, for EXPLAIN.
type Captured = { text: string; values: unknown[] };
let capture: Captured[] | null = null;
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (capture) {
    const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown];
    const text = typeof first === "string" ? first : first?.text;
    const vals = typeof first === "string" ? (Array.isArray(second) ? second : []) : (first?.values ?? []);
    if (text) capture.push({ text, values: vals });
  }
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;
/** A query past the capture (the bench's own statements). */
const rawQuery = (client: pg.Client, text: string, vals: unknown[] = []) =>
  (originalQuery as unknown as (this: pg.Client, text: string, values: unknown[]) => Promise<pg.QueryResult>).call(client, text, vals);

const LISTS: { name: string; table: string; selection: string; rowsPerLead: number }[] = [
  {
    name: "leads",
    table: "Lead",
    selection: "leads(first: 50, after: $after, orderBy: { field: SCORE, direction: DESC }) { edges { node { id status score grade contact { email title } company { name industry } } } pageInfo { endCursor } }",
    rowsPerLead: 1,
  },
  { name: "contacts", table: "Contact", selection: "contacts(first: 50, after: $after) { edges { node { id email firstName lastName title company { name } } } pageInfo { endCursor } }", rowsPerLead: 1 },
  { name: "companies", table: "Company", selection: "companies(first: 50, after: $after) { edges { node { id name industry employeeCount lifecycle } } pageInfo { endCursor } }", rowsPerLead: 0.1 },
  { name: "deals", table: "Deal", selection: "deals(first: 50, after: $after) { edges { node { id name stage amount currency probability company { name } } } pageInfo { endCursor } }", rowsPerLead: 0.25 },
  { name: "drafts", table: "Draft", selection: "drafts(first: 50, after: $after) { edges { node { id subject status recipientEmail mailbox } } pageInfo { endCursor } }", rowsPerLead: 0.25 },
  { name: "recommendations", table: "Recommendation", selection: "recommendations(first: 50, after: $after) { edges { node { id title tool confidence rank status } } pageInfo { endCursor } }", rowsPerLead: 0.25 },
  { name: "auditEntries", table: "AuditEntry", selection: "auditEntries(first: 50, after: $after) { edges { node { id action actorLabel targetType createdAt } } pageInfo { endCursor } }", rowsPerLead: PER_LEAD },
];

const scratch = await createScratchDatabase("growth");
const { ownerUrl, appUrl } = scratch;
const owner = new pg.Client({ connectionString: ownerUrl });
await owner.connect();
console.log(`list growth: sizes ${SIZES.join(", ")} leads (+ a quarter in a second tenant), ${PER_LEAD} audit entries and outbox events per lead, ${RUNS} runs per figure; load average ${load()}`);

try {
  const config = loadConfig({
    RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000", NODE_ENV: "production", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent",
    DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl, MIGRATE_ON_START: "false", SEED_DEMO_TENANT: "false", SEND_WORKERS: "0", AGENT_WORKERS: "0",
    DATABASE_STATEMENT_TIMEOUT_MS: "120000", JWT_SECRET, CREDENTIALS_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`, UNSUBSCRIBE_SECRET: "bench-unsubscribe-secret-0123456789abcdef",
  });
  const app = await startApp({ config, appUrl, jwtSecret: JWT_SECRET });
  const measured = await provisionTenant(ownerUrl, { name: "Growth", slug: "growth", members: [{ email: "owner@growth.example", name: "Owner", role: "OWNER" }] });
  const other = await provisionTenant(ownerUrl, { name: "Other", slug: "other", members: [{ email: "owner@other.example", name: "Owner", role: "OWNER" }] });
  const userId = measured.members[0]!.userId;
  const token = await new SignJWT({ tid: measured.tenantId }).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuer("sales-agent").setAudience("sales-agent")
    .setIssuedAt().setExpirationTime("4h").sign(new TextEncoder().encode(JWT_SECRET));
  const url = `${app.url}/graphql`;
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: Record<string, { pageInfo?: { endCursor: string | null } }>; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 400));
    return body.data!;
  };
  const timeIt = async (call: () => Promise<unknown>) => {
    for (let i = 0; i < 3; i++) await call();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await call();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  };

  const rows: string[] = [];
  let seeded = { measured: 0, other: 0 };
  let lastPlans: { name: string; plan: string }[] = [];
  for (const size of SIZES) {
    const seedStarted = performance.now();
    await grow(measured.tenantId, userId, seeded.measured, size);
    await grow(other.tenantId, other.members[0]!.userId, seeded.other, Math.round(size / 4));
    seeded = { measured: size, other: Math.round(size / 4) };
    await owner.query("ANALYZE");
    const seedSeconds = ((performance.now() - seedStarted) / 1000).toFixed(0);
    const cells: string[] = [];
    const plans: { name: string; plan: string }[] = [];
    for (const list of LISTS) {
      const query = `query Page($after: String) { ${list.selection} }`;
      const first = await timeIt(() => gql(query));
      // The 10th page: walk to it by cursor once, then time it.
      let after: string | null = null;
      for (let page = 1; page < 10; page++) after = (Object.values(await gql(query, { after }))[0]!.pageInfo?.endCursor ?? null) as string | null;
      const deep = await timeIt(() => gql(query, { after }));
      cells.push(`${first.toFixed(1)} / ${deep.toFixed(1)}`);
      capture = [];
      await gql(query, { after });
      const sent = capture.filter((c) => /^\s*(select|with)\b/i.test(c.text) && c.text.includes(`"${list.table}"`) && /limit/i.test(c.text));
      capture = null;
      if (sent.length) plans.push({ name: list.name, plan: await explain(measured.tenantId, userId, sent.at(-1)!) });
    }
    // A write and its live event: taskCreate (audit + outbox in one transaction) and the outbox → subscriber lag.
    const write = await timeIt(() => gql(`mutation { taskCreate(input: { title: "growth" }) { task { id } } }`));
    const events = app.services.bus.subscribe(measured.tenantId);
    const lags: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const next = (async () => {
        for (;;) {
          const { value } = await events.next();
          if (value?.type === "sales.task.created") return;
        }
      })();
      await gql(`mutation { taskCreate(input: { title: "lag ${i}" }) { task { id } } }`);
      await next;
      lags.push(performance.now() - started);
    }
    await events.return?.();
    lags.sort((a, b) => a - b);
    rows.push(`| ${size.toLocaleString("en")} | ${(size * PER_LEAD).toLocaleString("en")} | ${cells.join(" | ")} | ${write.toFixed(1)} | ${lags[5]!.toFixed(1)} | ${seedSeconds} s |`);
    lastPlans = plans;
    console.log(`  ${size} leads done (seeded in ${seedSeconds} s; load ${load()})`);
  }
  console.log("");
  console.log("p50 ms, sequential requests over HTTP (first page / 10th page by cursor):");
  console.log("");
  console.log(`| leads | audit entries, outbox events | ${LISTS.map((l) => l.name).join(" | ")} | taskCreate | commit → live event | seeding |`);
  console.log(`|${"---|".repeat(LISTS.length + 5)}`);
  for (const row of rows) console.log(row);
  console.log(`\nload average at the end: ${load()}`);
  if (values.plans) {
    console.log(`\nPlans of the 10th page's statement at ${SIZES.at(-1)!.toLocaleString("en")} leads (EXPLAIN ANALYZE, service role, tenant set):`);
    for (const { name, plan } of lastPlans) console.log(`\n### ${name}\n${plan}`);
  } else {
    console.log("\nExecution times of the 10th page's statement at the largest size (--plans prints the plans):");
    for (const { name, plan } of lastPlans) console.log(`  ${name}: ${plan.match(/Execution Time: ([\d.]+ ms)/)?.[1] ?? "?"}, ${plan.includes("Seq Scan") ? "has a Seq Scan" : "index access only"}`);
  }
  await app.stop();
} finally {
  pg.Client.prototype.query = originalQuery;
  await owner.end();
  await scratch.drop();
}

/** EXPLAIN ANALYZE of a captured statement, as the service role with the tenant's context (row-level security applies). */
async function explain(tenantId: string, userId: string, statement: Captured): Promise<string> {
  const client = new pg.Client({ connectionString: appUrl });
  await client.connect();
  try {
    const run = (text: string, vals: unknown[] = []) => rawQuery(client, text, vals);
    await run("BEGIN READ ONLY");
    await run("SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)", [tenantId, userId]);
    const { rows } = await run(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.values);
    await run("ROLLBACK");
    return rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
  } finally {
    await client.end();
  }
}

/** Adds rows to a tenant until it holds `to` leads (and the lists' other tables in proportion). Written as the owner, in one transaction per step. */
async function grow(tenantId: string, userId: string, from: number, to: number): Promise<void> {
  const n = to - from;
  if (n <= 0) return;
  const q = (text: string, vals: unknown[]) => rawQuery(owner, text, vals);
  await q("BEGIN", []);
  await q(
    `INSERT INTO "Company" ("id","tenantId","name","industry","employeeCount","lifecycle","updatedAt")
     SELECT gen_random_uuid(), $1, 'Company ' || g, (ARRAY['Software','Retail','Logistics','Finance','Health'])[1 + g % 5], 10 + (g * 37) % 5000, 'PROSPECT', now()
     FROM generate_series($2::int + 1, $3::int) g`,
    [tenantId, Math.floor(from / 10), Math.floor(to / 10)],
  );
  // Contacts spread over the tenant's companies (numbered once in a temporary table).
  await q(`CREATE TEMP TABLE growth_company ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM "Company" WHERE "tenantId" = $1`, [tenantId]);
  await q(
    `INSERT INTO "Contact" ("id","tenantId","companyId","email","emailOriginal","firstName","lastName","title","createdAt","updatedAt")
     SELECT gen_random_uuid(), $1, co.id, 'c' || g || '@d' || (g % 97) || '.example', 'c' || g || '@d' || (g % 97) || '.example', 'First' || g, 'Last' || g, 'Head of Ops', now() - g * interval '1 second', now()
     FROM generate_series($2::int + 1, $3::int) g
     JOIN growth_company co ON co.n = 1 + g % (SELECT count(*) FROM growth_company)`,
    [tenantId, from, to],
  );
  await q(
    `INSERT INTO "Lead" ("id","tenantId","contactId","companyId","source","status","score","grade","updatedAt")
     SELECT gen_random_uuid(), $1, c.id, c."companyId", 'import', 'NEW', (g * 37) % 101, (ARRAY['D','C','B','A'])[1 + ((g * 37) % 101) / 26], now()
     FROM (SELECT id, "companyId", row_number() OVER (ORDER BY id) AS g FROM "Contact" c WHERE "tenantId" = $1 AND NOT EXISTS (SELECT 1 FROM "Lead" l WHERE l."contactId" = c.id)) c`,
    [tenantId],
  );
  const quarter = Math.floor(n / 4);
  await q(
    `INSERT INTO "Deal" (id, "tenantId", name, "companyId", "leadId", stage, amount, currency, probability, "updatedAt")
     SELECT gen_random_uuid(), l."tenantId", 'Deal ' || row_number() OVER (), l."companyId", l.id, 'qualification', 1000 + (row_number() OVER ()) * 10, 'EUR', 10, now()
     FROM (SELECT * FROM "Lead" l WHERE "tenantId" = $1 AND NOT EXISTS (SELECT 1 FROM "Deal" d WHERE d."leadId" = l.id) LIMIT $2) l`,
    [tenantId, quarter],
  );
  await q(
    `INSERT INTO "Draft" (id, "tenantId", "contactId", mailbox, "recipientEmail", origin, "authorType", "authorId", "authorLabel", status, subject, "bodyText", "qualityReport", "updatedAt")
     SELECT gen_random_uuid(), c."tenantId", c.id, 'rep@growth.example', c.email, 'OPERATOR', 'USER', $2, 'Rep', 'PENDING_REVIEW', 'Hello ' || c."firstName", 'Body', '{"verdict":"PASS","findings":[]}', now()
     FROM (SELECT * FROM "Contact" c WHERE "tenantId" = $1 AND NOT EXISTS (SELECT 1 FROM "Draft" d WHERE d."contactId" = c.id) LIMIT $3) c`,
    [tenantId, userId, quarter],
  );
  await q(
    `INSERT INTO "Recommendation" (id, "tenantId", "leadId", tool, title, params, rationale, confidence, "factsUsed", rank, "expiresAt", "audienceRole", provider, "updatedAt")
     SELECT gen_random_uuid(), l."tenantId", l.id, 'scheduleFollowUp', 'Follow up', '{}', 'Because', 0.7, ARRAY['score'], 1 + (row_number() OVER ()) % 3, now() + interval '7 days', 'MANAGER', 'local', now()
     FROM (SELECT * FROM "Lead" l WHERE "tenantId" = $1 AND NOT EXISTS (SELECT 1 FROM "Recommendation" r WHERE r."leadId" = l.id) LIMIT $2) l`,
    [tenantId, quarter],
  );
  // History: audit entries and delivered outbox events, spread over the last year (what retention has not purged yet).
  await q(
    `INSERT INTO "AuditEntry" ("id","tenantId","actorType","actorId","actorLabel","action","targetType","targetId","summary","createdAt")
     SELECT gen_random_uuid(), $1, 'USER', $2, 'user:owner', 'lead.updated', 'Lead', gen_random_uuid()::text, '{"changes":["score"]}', now() - (g % 525600) * interval '1 minute'
     FROM generate_series(1, $3::int) g`,
    [tenantId, userId, n * PER_LEAD],
  );
  await q(
    `INSERT INTO "OutboxEvent" ("id","tenantId","type","payload","createdAt","deliveredAt","attempts")
     SELECT gen_random_uuid(), $1, 'sales.lead.updated', '{"leadId":"x"}', now() - (g % 525600) * interval '1 minute', now() - (g % 525600) * interval '1 minute' + interval '1 second', 1
     FROM generate_series(1, $2::int) g`,
    [tenantId, n * PER_LEAD],
  );
  await q("COMMIT", []);
}
