// Benchmark: the suspension guard every tenant job goes through
// (src/jobs/tenant-worker.ts), on fetched batches of jobs spread over many
// tenants, none suspended (the common case). Compares the guard as it is (one
// statement per batch: app_suspended_tenants) with the per-tenant read it
// replaced (a tenant transaction per tenant per batch, reading the suspension
// row FOR SHARE), which is reproduced here. Prints per batch: wall time, this
// process's CPU, statements sent, and the database's transactions (xact_commit).
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/suspension-guard.ts -- [--tenants 50] [--jobs 100] [--batches 200]
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { connectDatabase, withTenant } from "../src/data/database.js";
import { deferSuspendedTenantJobs, type TenantJob } from "../src/jobs/tenant-worker.js";
import type { Services } from "../src/orchestration/services.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    tenants: { type: "string", default: "50" },
    jobs: { type: "string", default: "100" },
    batches: { type: "string", default: "200" },
  },
});
const TENANTS = Number(values.tenants);
const JOBS = Number(values.jobs);
const BATCHES = Number(values.batches);

const scratch = await createScratchDatabase("guard", { jobQueues: false });
let statements = 0;
const db = connectDatabase({ url: scratch.appUrl, poolMax: 4, applicationName: "bench-guard", onQuery: () => void statements++ });
const owner = new pg.Client({ connectionString: scratch.ownerUrl });
await owner.connect();
try {
  const tenants = Array.from({ length: TENANTS }, () => randomUUID());
  const batch = Array.from({ length: JOBS }, (_, i) => ({ id: randomUUID(), name: "bench", data: { tenantId: tenants[i % TENANTS]! } })) as TenantJob<{ tenantId: string }>[];
  const silent = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Services["logger"];
  const services = { db, jobs: { boss: null }, logger: silent } as unknown as Pick<Services, "db" | "jobs" | "logger">;

  /** The guard before: one tenant transaction per tenant of the batch (what is measured against). */
  async function perTenant(jobs: TenantJob<{ tenantId: string }>[]): Promise<number> {
    const byTenant = new Map<string, TenantJob<{ tenantId: string }>[]>();
    for (const job of jobs) byTenant.set(job.data.tenantId, [...(byTenant.get(job.data.tenantId) ?? []), job]);
    let suspended = 0;
    for (const tenantId of byTenant.keys()) {
      const rows = await withTenant(db.prisma, { tenantId }, (tx) => tx.$queryRaw<unknown[]>`SELECT 1 FROM "TenantSuspension" WHERE "tenantId" = ${tenantId}::uuid FOR SHARE`);
      suspended += rows.length;
    }
    return suspended;
  }

  const commits = async () => Number((await owner.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`)).rows[0].xact_commit);

  async function measure(label: string, run: () => Promise<unknown>): Promise<void> {
    for (let i = 0; i < 10; i++) await run(); // warm-up
    await new Promise((r) => setTimeout(r, 600)); // let pg_stat_database catch up
    const c0 = await commits();
    statements = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < BATCHES; i++) await run();
    const wall = (performance.now() - t0) / BATCHES;
    const cpu = process.cpuUsage(cpu0);
    const sent = statements / BATCHES;
    await new Promise((r) => setTimeout(r, 600));
    const xacts = ((await commits()) - c0 - 1) / BATCHES;
    process.stdout.write(
      `${label.padEnd(28)} wall ${wall.toFixed(2)} ms/batch, node CPU ${((cpu.user + cpu.system) / 1000 / BATCHES).toFixed(2)} ms/batch, ` +
        `statements ${sent.toFixed(1)}/batch, xact_commit ≈${xacts.toFixed(1)}/batch (a lone statement counts as one)\n`,
    );
  }

  process.stdout.write(`batch of ${JOBS} jobs over ${TENANTS} tenants, none suspended; ${BATCHES} batches each\n`);
  await measure("per tenant (before)", () => perTenant(batch));
  await measure("one statement (now)", () => deferSuspendedTenantJobs(services, "bench", batch));
} finally {
  await owner.end();
  await db.close();
  await scratch.drop();
}
