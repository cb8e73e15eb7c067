// The suspension guard's cost (src/jobs/tenant-worker.ts): a fetched batch of
// jobs for many tenants costs ONE statement asking which of them are suspended,
// and a transaction only for a suspended tenant's put-back — not a transaction
// per tenant per batch. Counted with the data layer's query hook (onQuery).
import { randomUUID } from "node:crypto";
import PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deferSuspendedTenantJobs, type TenantJob } from "../../src/jobs/tenant-worker.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { sql } from "../helpers/operator.js";

const QUEUE = "tenant-guard-test";
const N = 12;

let t: TestApp;
let suspended: TestTenant;
let statements: string[] = [];
let counting = false;

beforeAll(async () => {
  t = await startTestApp({ onQuery: (q) => counting && statements.push(q), env: { OUTBOX_SWEEP_MS: "60000" } });
  suspended = await createTenant(t, "guard");
  // A queue no worker serves (the service role may not create queues: the owner does, as migrations do).
  const owner = new PgBoss({ connectionString: t.db.ownerUrl, supervise: false, schedule: false, migrate: false });
  await owner.start();
  await owner.createQueue(QUEUE);
  await owner.stop({ graceful: false, wait: true });
}, 60_000);
afterAll(() => t?.close());

/** A job as pg-boss hands it to a worker, for a tenant whose jobs run (nothing is done to it but passing it on). */
function runnableJob(tenantId: string): TenantJob<{ tenantId: string }> {
  return { id: randomUUID(), name: QUEUE, data: { tenantId } } as TenantJob<{ tenantId: string }>;
}

async function guarded(batch: TenantJob<{ tenantId: string }>[]) {
  statements = [];
  counting = true;
  try {
    return await deferSuspendedTenantJobs(t.app.background, QUEUE, batch);
  } finally {
    counting = false;
  }
}

const suspensionReads = () => statements.filter((q) => /app_suspended_tenants/.test(q));
const putBackLocks = () => statements.filter((q) => /"TenantSuspension".*FOR SHARE/s.test(q));

describe("the suspension guard on a batch of N tenants' jobs", () => {
  it("reads the suspensions in one statement and opens no transaction when nobody is suspended", async () => {
    const tenants = Array.from({ length: N }, () => randomUUID());
    // Two jobs per tenant, interleaved, as a fetched batch comes.
    const batch = [...tenants, ...tenants].map(runnableJob);
    const runnable = await guarded(batch);
    expect(runnable.map((j) => j.id)).toEqual(batch.map((j) => j.id));
    expect(suspensionReads()).toHaveLength(1);
    expect(putBackLocks()).toHaveLength(0);
  });

  it("puts back only the suspended tenant's jobs, with one transaction for it", async () => {
    await sql(t.db, `INSERT INTO "TenantSuspension" ("tenantId", "reason", "suspendedBy") VALUES ($1, 'test', 'test')`, [suspended.tenantId]);
    try {
      const { boss } = t.app.services.jobs;
      await boss.send(QUEUE, { tenantId: suspended.tenantId });
      await boss.send(QUEUE, { tenantId: suspended.tenantId });
      const held = await boss.fetch<{ tenantId: string }>(QUEUE, { batchSize: 10, includeMetadata: true });
      expect(held).toHaveLength(2);
      const others = Array.from({ length: N }, () => runnableJob(randomUUID()));
      const batch = [others[0]!, held[0]!, ...others.slice(1), held[1]!] as TenantJob<{ tenantId: string }>[];
      const runnable = await guarded(batch);
      expect(runnable.map((j) => j.id)).toEqual(others.map((j) => j.id));
      expect(suspensionReads()).toHaveLength(1);
      expect(putBackLocks()).toHaveLength(1);
      // Put back for later (not dropped, not failed): the originals are completed as deferred, copies wait.
      const jobs = await sql<{ id: string; state: string; later: boolean }>(
        t.db,
        `SELECT id::text AS id, state::text AS state, start_after > now() + interval '60 seconds' AS later FROM pgboss.job WHERE name = $1 AND data->>'tenantId' = $2`,
        [QUEUE, suspended.tenantId],
      );
      const originals = new Set(held.map((j: PgBoss.JobWithMetadata<unknown>) => j.id));
      expect(jobs.filter((j) => originals.has(j.id)).map((j) => j.state)).toEqual(["completed", "completed"]);
      expect(jobs.filter((j) => !originals.has(j.id)).map((j) => [j.state, j.later])).toEqual([
        ["created", true],
        ["created", true],
      ]);
    } finally {
      await sql(t.db, `DELETE FROM "TenantSuspension" WHERE "tenantId" = $1`, [suspended.tenantId]);
    }
  });
});
