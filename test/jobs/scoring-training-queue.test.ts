// The scoring-training queue cannot jam, and two trainings of one tenant never
// overlap (issue 9, item 2 follow-up).
//
// The queue used pg-boss 10's "stately" policy (one queued and one running per
// tenant). Its unique index over active jobs per key makes fetch fail — for
// every tenant, since the same oldest job is picked each time — as soon as a
// tenant's next training is due while one of its trainings is still active
// (running, or held by a dead instance until expireInSeconds). Now the queue
// is "short" (one queued per tenant) and the worker serialises a tenant's
// trainings itself (src/jobs/lead-scoring.ts).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installJobQueues, QUEUES, startJobQueue } from "../../src/data/job-queue.js";
import { runTrainingJob } from "../../src/jobs/lead-scoring.js";
import { createTenant, startTestApp, type TestApp } from "../helpers/app.js";
import { createTestDatabase } from "../helpers/database.js";
import { sql } from "../helpers/operator.js";
import { waitFor } from "../helpers/wait.js";

const QUEUE = QUEUES.scoringTraining.name;
const NORTH = "01a00000-0000-7000-8000-0000000000a1";
const SOUTH = "01a00000-0000-7000-8000-0000000000b2";

type Training = { tenantId: string; trigger: string };

describe("the scoring-training queue", () => {
  it("fetches a tenant's next training (and other tenants') while a stale active job of that tenant exists; keeps one queued per tenant", async () => {
    const db = await createTestDatabase();
    await installJobQueues(db.ownerUrl, [QUEUES.scoringTraining]);
    const jobs = await startJobQueue(db.appUrl, { supervise: false, schedule: false });
    try {
      expect(await jobs.send(QUEUE, { tenantId: NORTH, trigger: "first" }, { singletonKey: NORTH })).toBeTruthy();
      expect(await jobs.boss.fetch(QUEUE)).toHaveLength(1); // active; its instance dies
      expect(await jobs.send(QUEUE, { tenantId: NORTH, trigger: "next" }, { singletonKey: NORTH })).toBeTruthy();
      // One queued per tenant: a further request while one waits is dropped.
      expect(await jobs.send(QUEUE, { tenantId: NORTH, trigger: "again" }, { singletonKey: NORTH })).toBeNull();
      expect(await jobs.send(QUEUE, { tenantId: SOUTH, trigger: "other tenant" }, { singletonKey: SOUTH })).toBeTruthy();
      const fetched = [...(await jobs.boss.fetch<Training>(QUEUE)), ...(await jobs.boss.fetch<Training>(QUEUE))];
      expect(fetched.map((j) => j.data.trigger).sort()).toEqual(["next", "other tenant"]);
    } finally {
      await jobs.stop();
    }
  });

  it("installJobQueues moves the unfinished jobs of the old stately queue to the new policy, so the jammed job is fetched", async () => {
    const db = await createTestDatabase();
    await installJobQueues(db.ownerUrl, [{ ...QUEUES.scoringTraining, policy: "stately" }]); // as deployed before
    const jobs = await startJobQueue(db.appUrl, { supervise: false, schedule: false });
    try {
      await jobs.send(QUEUE, { tenantId: NORTH, trigger: "first" }, { singletonKey: NORTH });
      expect(await jobs.boss.fetch(QUEUE)).toHaveLength(1);
      expect(await jobs.send(QUEUE, { tenantId: NORTH, trigger: "next" }, { singletonKey: NORTH })).toBeTruthy();
      expect(await jobs.boss.fetch(QUEUE)).toEqual([]); // jammed (pg-boss reports the unique violation as an event)
      await installJobQueues(db.ownerUrl);
      expect((await jobs.boss.fetch<Training>(QUEUE)).map((j) => j.data.trigger)).toEqual(["next"]);
      const policies = await sql<{ policy: string }>(db, `SELECT DISTINCT policy FROM pgboss.job WHERE name = $1 AND state < 'completed'`, [QUEUE]);
      expect(policies).toEqual([{ policy: "short" }]);
    } finally {
      await jobs.stop();
    }
  });
});

describe("two trainings of one tenant", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("never overlap: started together, the second trains after the first committed (versions 1 and 2)", async () => {
    const tenant = await createTenant(t, "train");
    // Both trainings are held just before they write their model row, so that — were they allowed
    // to run together — both would have read "no model yet" and both would write version 1.
    const blocker = new pg.Client({ connectionString: t.db.ownerUrl });
    await blocker.connect();
    try {
      await blocker.query(`BEGIN; LOCK TABLE "ScoringModel" IN SHARE ROW EXCLUSIVE MODE`);
      const first = runTrainingJob(t.app.services, { tenantId: tenant.tenantId, trigger: "one" });
      const second = runTrainingJob(t.app.services, { tenantId: tenant.tenantId, trigger: "two" });
      // Both are waiting on a lock: the table (old code: both) or the tenant's training (the later one).
      await waitFor(
        async () => {
          const rows = await sql<{ n: number }>(
            t.db,
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> $2`,
            [t.db.name, (blocker as unknown as { processID: number }).processID],
          );
          return rows[0]!.n >= 2;
        },
        { timeout: 60_000, message: "both trainings to wait on a lock" },
      );
      await blocker.query("COMMIT");
      const outcomes = await Promise.all([first, second]);
      for (const o of outcomes) expect(o).toMatchObject({ ok: true });
      const versions = outcomes.map((o) => (o.ok ? o.value.version : null)).sort();
      expect(versions).toEqual([1, 2]);
    } finally {
      await blocker.end();
    }
    const models = await sql<{ version: number; trigger: string }>(
      t.db,
      `SELECT version, metrics->>'trigger' AS trigger FROM "ScoringModel" WHERE "tenantId" = $1 ORDER BY version`,
      [tenant.tenantId],
    );
    expect(models.map((m) => m.version)).toEqual([1, 2]);
  });
});
