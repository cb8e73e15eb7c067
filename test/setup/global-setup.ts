// Prepares the real databases the tests run against.
//
// DATABASE_URL set (CI: the machine's PostgreSQL) → that server; otherwise an
// embedded PostgreSQL under .data/test-postgres (a fresh machine needs
// nothing installed). Migrations run once into a template database; each test
// file clones it (CREATE DATABASE … TEMPLATE), so files run in parallel
// without sharing rows.
//
// Redis: REDIS_URL or a local Redis on 6379. Tests that need it are skipped
// with the reason when none answers, except under CI=true, where a missing
// Redis fails the run. The same holds for the data sets in ../shared/data
// (test/helpers/shared-data.ts).
//
// Nothing is left behind on the server: each per-file database is dropped
// after its file (test/setup/per-file.ts) and, as a backstop, every database
// named with this run's id is dropped when the run ends. Every run holds a
// shared advisory lock while it runs; the run that ends last (no other run
// holds it) also drops the templates and anything crashed runs left behind.
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/data/embedded-postgres.js";
import { installJobQueues, QUEUES } from "../../src/data/job-queue.js";
import { listMigrations, migrate } from "../../src/data/migrate.js";
import { locateSharedData } from "../helpers/shared-data.js";

export const TEST_APP_PASSWORD = "sales_app_test_password";

declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
    redisUrl: string | null;
    redisSkipReason: string;
    /** Names this run's per-file databases (sales_test_f_<epoch>_<runId>_<random>). */
    testRunId: string;
  }
}

/** Held (shared) by every running test run; the template lock below serialises building and dropping templates. */
const RUN_LOCK = 7310552003;
const TEMPLATE_LOCK = 7310552002;
/** Per-file databases of crashed runs older than this are dropped even while other runs are active. */
const STALE_SECONDS = 3 * 3600;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

let embedded: EmbeddedDatabase | null = null;

export default async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: ".data/test-postgres", port: Number(process.env.TEST_PG_PORT ?? 54339) });
    adminUrl = embedded.ownerUrl;
  }

  // One template per migration set: unchanged migrations reuse it across runs.
  const migrations = await listMigrations();
  const fingerprint = createHash("sha256")
    .update(migrations.map((m) => m.checksum).join(","))
    .update(JSON.stringify(QUEUES))
    .digest("hex")
    .slice(0, 12);
  const templateDb = `sales_test_template_${fingerprint}`;
  const runId = randomBytes(4).toString("hex");
  // This connection lives for the whole run: it holds the run lock.
  const runLock = new pg.Client({ connectionString: adminUrl });
  // A test that kills connections (or a server restart) may end this one: that must not crash the run.
  // The lock is then gone too, which only means another run's teardown may think it is alone; it drops
  // nothing anyone is connected to.
  runLock.on("error", () => {});
  await runLock.connect();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Several test runs (several checkouts) may share one server: build each template once.
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    await runLock.query("SELECT pg_advisory_lock_shared($1)", [RUN_LOCK]);
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [templateDb]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE "${templateDb}_building"`).catch(async () => {
        await admin.query(`DROP DATABASE IF EXISTS "${templateDb}_building" WITH (FORCE)`);
        await admin.query(`CREATE DATABASE "${templateDb}_building"`);
      });
      const buildUrl = withDatabase(adminUrl, `${templateDb}_building`);
      await migrate({ ownerUrl: buildUrl, appPassword: TEST_APP_PASSWORD });
      await installJobQueues(buildUrl);
      await admin.query(`ALTER DATABASE "${templateDb}_building" RENAME TO "${templateDb}"`);
    } else {
      // The service role is cluster-wide; make sure it can log in with the test password.
      await migrate({ ownerUrl: withDatabase(adminUrl, templateDb), appPassword: TEST_APP_PASSWORD });
    }
    await dropStaleFileDatabases(admin, templateDb);
  } finally {
    await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]).catch(() => {});
    await admin.end();
  }

  const shared = locateSharedData();
  if (!shared.dir && process.env.CI === "true") {
    await runLock.end().catch(() => {});
    throw new Error(`CI=true requires the shared data sets, but there is ${shared.reason}.`);
  }

  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const redisUp = await redisAnswers(redisUrl);
  const redisSkipReason = `no Redis answered at ${redisUrl} (set REDIS_URL or start redis-server)`;
  if (!redisUp && process.env.CI === "true") {
    await runLock.end().catch(() => {});
    throw new Error(`CI=true requires Redis, but ${redisSkipReason}.`);
  }

  project.provide("adminUrl", adminUrl);
  project.provide("templateDb", templateDb);
  project.provide("redisUrl", redisUp ? redisUrl : null);
  project.provide("redisSkipReason", redisSkipReason);
  project.provide("testRunId", runId);

  return async () => {
    try {
      await dropRunDatabases(adminUrl, runLock, runId, templateDb);
    } finally {
      await runLock.end().catch(() => {});
      await embedded?.stop();
    }
  };
}

async function databasesLike(admin: pg.Client, pattern: string): Promise<string[]> {
  const r = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname", [pattern]);
  return r.rows.map((row) => row.datname);
}

/**
 * Per-file databases that interrupted runs left behind (named sales_test_f_<epoch seconds>_…), once they
 * are old; and templates of other migration sets (other checkouts, older commits) untouched for as long,
 * unless something is connected to them.
 */
async function dropStaleFileDatabases(admin: pg.Client, currentTemplate?: string): Promise<void> {
  const cutoff = Date.now() / 1000 - STALE_SECONDS;
  for (const datname of await databasesLike(admin, "sales\\_test\\_f\\_%")) {
    const created = Number(datname.split("_")[3]);
    if (created && created < cutoff) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
  // The age of a template: when its files last changed (needs a superuser, as the test owner is; else kept).
  const templates = await admin
    .query<{ datname: string; changed: number }>(
      `SELECT datname, extract(epoch FROM (pg_stat_file('base/' || oid || '/PG_VERSION')).modification)::float8 AS changed
       FROM pg_database WHERE datname LIKE 'sales\\_test\\_template\\_%'`,
    )
    .then((r) => r.rows)
    .catch(() => []);
  for (const { datname, changed } of templates) {
    if (datname === currentTemplate || changed >= cutoff) continue;
    await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => {});
  }
}

/**
 * At the end of a run: its own per-file databases (whatever its files did);
 * then, if no other run is active on this server, every sales_test_*
 * database, templates included (none is in use: every run holds RUN_LOCK).
 */
async function dropRunDatabases(adminUrl: string, runLock: pg.Client, runId: string, templateDb: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on("error", () => {});
  await admin.connect();
  try {
    for (const datname of await databasesLike(admin, `sales\\_test\\_f\\_%\\_${runId}\\_%`)) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    try {
      await runLock.query("SELECT pg_advisory_unlock_shared($1)", [RUN_LOCK]).catch(() => {});
      const alone = (await admin.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [RUN_LOCK])).rows[0]!.ok;
      // A run that does not take the lock (an older checkout) shows up as connections to its databases.
      const busy = alone && (await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname LIKE 'sales\\_test\\_%' LIMIT 1")).rowCount! > 0;
      if (alone && busy) await admin.query("SELECT pg_advisory_unlock($1)", [RUN_LOCK]);
      if (alone && !busy) {
        for (const datname of await databasesLike(admin, "sales\\_test\\_%")) {
          // Without FORCE: a database someone is still connected to (a run of an older checkout) stays.
          await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => {});
        }
        await admin.query("SELECT pg_advisory_unlock($1)", [RUN_LOCK]);
      } else {
        await dropStaleFileDatabases(admin, templateDb);
      }
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]).catch(() => {});
    }
  } finally {
    await admin.end();
  }
}
