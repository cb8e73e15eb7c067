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
// Redis fails the run.
import { createHash } from "node:crypto";
import net from "node:net";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/data/embedded-postgres.js";
import { installJobQueues, QUEUES } from "../../src/data/job-queue.js";
import { listMigrations, migrate } from "../../src/data/migrate.js";

export const TEST_APP_PASSWORD = "sales_app_test_password";

declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
    redisUrl: string | null;
    redisSkipReason: string;
  }
}

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
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Several test runs (several checkouts) may share one server: build each template once.
    await admin.query("SELECT pg_advisory_lock(7310552002)");
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
    // Drop per-file databases that interrupted runs left behind (named sales_test_f_<epoch seconds>_…).
    const files = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'sales_test_f_%'");
    const cutoff = Date.now() / 1000 - 3 * 3600;
    for (const { datname } of files.rows) {
      const created = Number(datname.split("_")[3]);
      if (created && created < cutoff) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
    }
  } finally {
    await admin.query("SELECT pg_advisory_unlock(7310552002)").catch(() => {});
    await admin.end();
  }

  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const redisUp = await redisAnswers(redisUrl);
  const redisSkipReason = `no Redis answered at ${redisUrl} (set REDIS_URL or start redis-server)`;
  if (!redisUp && process.env.CI === "true") {
    throw new Error(`CI=true requires Redis, but ${redisSkipReason}.`);
  }

  project.provide("adminUrl", adminUrl);
  project.provide("templateDb", templateDb);
  project.provide("redisUrl", redisUp ? redisUrl : null);
  project.provide("redisSkipReason", redisSkipReason);

  return async () => {
    await embedded?.stop();
  };
}
