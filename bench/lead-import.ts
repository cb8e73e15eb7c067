// Benchmark: leadImport of a 10,000-row CSV over real HTTP (the service as
// `npm start` runs it, against a scratch database), then the same file again
// (every row merges as unchanged), then the scoring jobs draining.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/lead-import.ts [--rows 10000]
import { parseArgs } from "node:util";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({ options: { rows: { type: "string", default: "10000" } } });
const ROWS = Number(values.rows);
const scratch = await createScratchDatabase("import");
const { ownerUrl, appUrl } = scratch;
const secret = "bench-secret-that-is-long-enough-for-hs256-0123456789";

try {
  const tenant = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "op@bench.example", name: "Op", role: "OPERATOR" }] });
  const config = loadConfig({ RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000", NODE_ENV: "test", PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl, JWT_SECRET: secret, MIGRATE_ON_START: "false", SEED_DEMO_TENANT: "false", HTTP_MAX_BODY_BYTES: String(20 * 1024 * 1024) });
  const app = await startApp({ config, appUrl, jwtSecret: secret });
  const token = await app.authenticator.issueUserToken({ userId: tenant.members[0]!.userId, tenantId: tenant.tenantId }, 3600);

  const industries = ["Software", "Retail", "Finance", "Manufacturing", "Education"];
  const header = "email,first_name,last_name,title,company,industry,employees,country,lead_source,external_id,plan,visits";
  const lines = Array.from({ length: ROWS }, (_, i) =>
    [`person${i}@company${i % 2500}.com`, `First${i}`, `Last${i}`, i % 5 ? "Engineer" : "VP Sales", `Company ${i % 2500}`, industries[(i % 2500) % 5], 10 + ((i % 2500) % 900), "DE", "import", `row-${i}`, i % 3 ? "pro" : "free", i % 17].join(","),
  );
  const csv = [header, ...lines].join("\n");
  const run = async (label: string) => {
    const t0 = performance.now();
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `mutation BenchImport($input: LeadImportInput!) { leadImport(input: $input) { created merged unchanged rejected userErrors { message } } }`, variables: { input: { csv } } }),
    });
    const body = (await response.json()) as { data?: { leadImport: unknown }; errors?: unknown };
    const ms = performance.now() - t0;
    process.stdout.write(`| ${label} | ${ROWS} | ${(ms / 1000).toFixed(1)} | ${((ms * 1000) / ROWS / 1000).toFixed(2)} | ${JSON.stringify(body.data?.leadImport ?? body.errors)} |\n`);
  };
  process.stdout.write(`CSV: ${ROWS} rows, ${(csv.length / 1024).toFixed(0)} KiB\n\n| run | rows | seconds | ms/row | result |\n| --- | ---: | ---: | ---: | --- |\n`);
  await run("first import (creates)");
  await run("same file again (idempotent)");
  const t0 = performance.now();
  const probe = new pg.Client({ connectionString: ownerUrl });
  await probe.connect();
  for (;;) {
    const { rows } = await probe.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'lead-scoring' AND state IN ('created', 'retry', 'active')`);
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const scored = (await probe.query(`SELECT count(*)::int AS n FROM "Lead" WHERE "score" IS NOT NULL`)).rows[0].n;
  await probe.end();
  process.stdout.write(`\nbackground scoring: ${scored} leads scored ${((performance.now() - t0) / 1000).toFixed(1)} s after the imports returned\n`);
  await app.stop();
} finally {
  await scratch.drop();
}
