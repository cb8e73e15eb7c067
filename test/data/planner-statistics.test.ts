// Planner statistics after a bulk write: a lead import has the sales tables
// analysed seconds after it returns (not at autovacuum's next pass), so the
// contacts page the importer opens next is planned for its real size. The
// ANALYZE is a job, not part of the import's request, and imports in a row share
// one; the refresh never queues behind another one and skips tables whose
// statistics still hold.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute } from "../helpers/graphql.js";
import { waitFor } from "../helpers/wait.js";

let t: TestApp;
let a: TestTenant;

const IMPORT = `mutation ($input: LeadImportInput!) { leadImport(input: $input) { created merged userErrors { code message } } }`;

function reltuples(table: string): Promise<number> {
  return asOwner(async (client) => {
    const { rows } = await client.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass`, [`"${table}"`]);
    return rows[0]!.n;
  });
}

/** When the table was last analysed by hand (the refresh), not by autovacuum. */
function lastAnalyze(table: string): Promise<Date | null> {
  return asOwner(async (client) => {
    const { rows } = await client.query<{ at: Date | null }>(`SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relid = $1::regclass`, [`"${table}"`]);
    return rows[0]!.at;
  });
}

interface RefreshJob {
  id: string;
  state: string;
  data: { rowsWritten: number };
  output: { analysed?: number } | null;
}

/** The refresh jobs enqueued so far, oldest first. */
function refreshJobs(): Promise<RefreshJob[]> {
  return asOwner(async (client) => {
    const { rows } = await client.query<RefreshJob>(`SELECT id, state::text AS state, data, output FROM pgboss.job WHERE name = 'sales-statistics' ORDER BY created_on, id`);
    return rows;
  });
}

/** Waits until the job has run, and returns it. */
function completed(jobId: string): Promise<RefreshJob> {
  return waitFor(async () => (await refreshJobs()).find((j) => j.id === jobId && j.state === "completed"), { message: `refresh job ${jobId} to complete` });
}

function importRows(rows: object[]) {
  return execute<{ leadImport: { created: number; userErrors: unknown[] } }, unknown>(t.graphqlUrl, IMPORT, { input: { rows } }, { token: a.members.OPERATOR.token });
}

async function asOwner<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: t.db.ownerUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  t = await startTestApp();
  a = await createTenant(t, "stats");
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("planner statistics after a lead import", () => {
  it("are refreshed by a job soon after the import returns: the contacts page is planned as an index scan, not a join of everything", async () => {
    // A fresh database: the tables were never analysed (autovacuum has not come by yet).
    expect(await reltuples("Contact")).toBeLessThan(1);
    const rows = Array.from({ length: 600 }, (_, i) => ({ email: `p${i}@co${i % 150}.example`, firstName: `P${i}`, companyName: `Co ${i % 150}` }));
    const r = await importRows(rows);
    expect(r.errors).toBeUndefined();
    expect(r.data!.leadImport).toMatchObject({ created: 600, userErrors: [] });
    // The import did not wait for ANALYZE: it returned with a refresh waiting for its rows.
    expect(await lastAnalyze("Contact")).toBeNull();
    const [job, ...others] = await refreshJobs();
    expect(others).toEqual([]);
    expect(job).toMatchObject({ state: "created", data: { rowsWritten: 600 } });

    // Then the worker refreshes every sales table (none had statistics).
    expect((await completed(job!.id)).output).toEqual({ analysed: 6 });
    expect(await lastAnalyze("Contact")).toBeInstanceOf(Date);
    expect(await reltuples("Contact")).toBeGreaterThanOrEqual(600);
    expect(await reltuples("Lead")).toBeGreaterThanOrEqual(600);
    expect(await reltuples("Company")).toBeGreaterThanOrEqual(150);

    // The page as the service role sees it: with statistics, an ordered index scan that stops after the page.
    const plan = await asOwner(async (client) => {
      await client.query("BEGIN");
      await client.query("SET LOCAL ROLE sales_app");
      await client.query("SELECT set_config('app.tenant_id', $1, true)", [a.tenantId]);
      const { rows: lines } = await client.query<{ "QUERY PLAN": string }>(
        `EXPLAIN SELECT c.id, co.name FROM "Contact" c LEFT JOIN "Company" co ON co."tenantId" = c."tenantId" AND co.id = c."companyId"
         ORDER BY c."createdAt" DESC, c.id DESC LIMIT 51`,
      );
      await client.query("ROLLBACK");
      return lines.map((l) => l["QUERY PLAN"]).join("\n");
    });
    expect(plan).toMatch(/Index Scan Backward using "Contact_tenantId_createdAt_id_idx"/);
    expect(plan).not.toMatch(/Sort Key/);
  }, 120_000);

  it("imports in a row share one refresh, which counts the rows of them all", async () => {
    const before = (await refreshJobs()).length;
    const contactsAnalysed = await lastAnalyze("Contact");
    // 50 rows each: too few, alone, for the statistics of 600 contacts (a tenth of them, plus 50); together enough.
    for (let batch = 0; batch < 3; batch++) {
      const rows = Array.from({ length: 50 }, (_, i) => ({ email: `b${batch}-${i}@co${i}.example`, firstName: `B${i}` }));
      const r = await importRows(rows);
      expect(r.data!.leadImport).toMatchObject({ created: 50, userErrors: [] });
    }
    const burst = (await refreshJobs()).slice(before);
    expect(burst).toHaveLength(1);
    expect(burst[0]).toMatchObject({ state: "created", data: { rowsWritten: 150 } });

    const done = await completed(burst[0]!.id);
    expect(done.output!.analysed).toBeGreaterThanOrEqual(2); // Contact and Lead at least
    expect((await lastAnalyze("Contact"))!.getTime()).toBeGreaterThan(contactsAnalysed!.getTime());
    expect(await reltuples("Contact")).toBeGreaterThanOrEqual(750);
  }, 120_000);

  it("skip tables whose statistics still hold, and never wait behind another refresh", async () => {
    const refresh = (client: pg.Client, n: number) =>
      client.query<{ n: number }>("SELECT app_refresh_sales_statistics($1) AS n", [n]).then((r) => Number(r.rows[0]!.n));
    await asOwner(async (client) => {
      // Everything was analysed after the imports above: a few rows more change nothing.
      expect(await refresh(client, 10)).toBe(0);
      // Another session holds the refresh: this one returns at once, having done nothing.
      await asOwner(async (other) => {
        await other.query("BEGIN");
        await other.query("SELECT pg_advisory_xact_lock(7310552002)");
        expect(await refresh(client, 1_000_000)).toBe(0);
        await other.query("ROLLBACK");
      });
      // Rows far beyond what the statistics know: every sales table is analysed again.
      expect(await refresh(client, 1_000_000)).toBe(6);
    });
  });

  it("the service role may run the refresh, not ANALYZE itself", async () => {
    const client = new pg.Client({ connectionString: t.db.appUrl });
    await client.connect();
    try {
      await expect(client.query(`ANALYZE "Contact"`)).resolves.toBeDefined(); // PostgreSQL skips it with a warning: not the owner
      const { rows } = await client.query<{ n: number }>("SELECT app_refresh_sales_statistics(0) AS n");
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await client.end();
    }
  });
});
