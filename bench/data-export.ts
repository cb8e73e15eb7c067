// Benchmark: peak memory of a whole-tenant data export (issue 15). Seeds a
// scratch database with one tenant of --contacts contacts and --activities
// activities (each with a few hundred bytes of text), queues a TENANT export,
// and builds it in a child process of its own, which samples its resident
// memory (RSS) every 20 ms. Prints the child's RSS before the build, the peak
// during it, the time, the records and the archive's size.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/data-export.ts -- [--contacts 20000] [--activities 100000] [--keep]
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import { connectDatabase } from "../src/data/database.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { buildDataExport } from "../src/orchestration/governance/data-export.js";
import type { Services } from "../src/orchestration/services.js";
import { mb } from "./process-tools.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    contacts: { type: "string", default: "20000" },
    activities: { type: "string", default: "100000" },
    keep: { type: "boolean", default: false },
    // Internal: the child that builds one export.
    child: { type: "string" },
    tenant: { type: "string" },
    export: { type: "string" },
  },
});

async function child(appUrl: string, tenantId: string, exportId: string): Promise<void> {
  const db = connectDatabase({ url: appUrl, poolMax: 2, applicationName: "bench-data-export" });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  // Warm up the client (connection, query compiler) so "before" is the idle process, not its start-up.
  await db.prisma.$queryRaw`SELECT 1`;
  global.gc?.();
  const before = process.memoryUsage().rss;
  peak = before;
  const started = performance.now();
  const result = await buildDataExport({ db } as unknown as Services, { tenantId, exportId });
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await db.close();
  process.stdout.write(JSON.stringify({ result, before, peak, ms }) + "\n");
}

async function main(): Promise<void> {
  if (values.child) return child(values.child, values.tenant!, values.export!);
  const CONTACTS = Number(values.contacts);
  const ACTIVITIES = Number(values.activities);
  const scratch = await createScratchDatabase("export", { keep: values.keep, jobQueues: false });
  try {
    const tenant = await provisionTenant(scratch.ownerUrl, { name: "Export Bench", slug: "export-bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }] });
    const owner = new pg.Client({ connectionString: scratch.ownerUrl });
    await owner.connect();
    const seedStart = performance.now();
    await owner.query(
      `INSERT INTO "Contact" ("id", "tenantId", "email", "firstName", "lastName", "updatedAt")
       SELECT gen_random_uuid(), $1, 'person' || g || '@firm' || (g % 500) || '.example', 'First' || g, 'Last' || g, now()
       FROM generate_series(1, $2::int) g`,
      [tenant.tenantId, CONTACTS],
    );
    await owner.query(
      `WITH c AS (SELECT "id", (row_number() OVER (ORDER BY "id") - 1)::int AS n FROM "Contact" WHERE "tenantId" = $1 LIMIT $3)
       INSERT INTO "Activity" ("id", "tenantId", "type", "direction", "occurredAt", "subject", "body", "contactId")
       SELECT gen_random_uuid(), $1, 'NOTE', 'INTERNAL', now() - (g || ' minutes')::interval, 'Call note ' || g,
              repeat('Discussed the pilot scope, pricing for 30 seats and the security review; next step is a demo. ', 3) || g, c."id"
       FROM generate_series(1, $2::int) g JOIN c ON c.n = g % $3::int`,
      [tenant.tenantId, ACTIVITIES, Math.min(CONTACTS, 1000)],
    );
    const exportId = randomUUID();
    await owner.query(
      `INSERT INTO "DataExport" ("id", "tenantId", "scope", "requestedById", "requestedByLabel", "updatedAt") VALUES ($1, $2, 'TENANT', 'bench', 'bench', now())`,
      [exportId, tenant.tenantId],
    );
    process.stdout.write(`seeded ${CONTACTS} contacts and ${ACTIVITIES} activities in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`);

    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [...process.execArgv, "--expose-gc", process.argv[1]!, "--child", scratch.appUrl, "--tenant", tenant.tenantId, "--export", exportId], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let text = "";
      p.stdout.on("data", (c) => (text += c));
      p.on("error", reject);
      p.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited ${code}`))));
    });
    const r = JSON.parse(out.trim().split("\n").pop()!) as { result: string; before: number; peak: number; ms: number };
    const [row] = (await owner.query(`SELECT "recordCount", "byteSize", "status"::text FROM "DataExport" WHERE "id" = $1`, [exportId])).rows as { recordCount: number; byteSize: number; status: string }[];
    process.stdout.write(
      `export ${r.result} (${row?.status}): ${row?.recordCount} records, archive ${((row?.byteSize ?? 0) / 1024 / 1024).toFixed(1)} MB, ${(r.ms / 1000).toFixed(1)} s\n` +
        `RSS of the building process: ${mb(r.before)} before, peak ${mb(r.peak)} (+${mb(r.peak - r.before)})\n`,
    );
    await owner.end();
  } finally {
    await scratch.drop();
  }
}

await main();
