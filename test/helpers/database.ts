// A database of its own for each test file, cloned from the migrated template.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { TEST_APP_PASSWORD } from "../setup/global-setup.js";

export interface TestDatabase {
  name: string;
  /** The schema owner (migrations, provisioning, inspecting as an administrator). */
  ownerUrl: string;
  /** The service role, as the application connects. */
  appUrl: string;
}

function withDatabase(url: string, database: string, user?: { name: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) {
    u.username = user.name;
    u.password = user.password;
  }
  return u.toString();
}

/** The databases this file created, dropped after its tests by test/setup/per-file.ts. */
const created: string[] = [];

/** Drops the databases this file created (FORCE: an app the test forgot to close must not keep one alive). */
export async function dropFileDatabases(): Promise<void> {
  if (created.length === 0) return;
  const cleanup = new pg.Client({ connectionString: inject("adminUrl") });
  await cleanup.connect();
  try {
    for (const name of created.splice(0)) await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await cleanup.end();
  }
}

/**
 * Clones the template into a fresh database, dropped after the file's tests
 * (and, should the file crash, when the run ends: the name carries the run id).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("adminUrl");
  const template = inject("templateDb");
  const name = `sales_test_f_${Math.floor(Date.now() / 1000)}_${inject("testRunId")}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Cloning fails while anything else is cloning the same template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (error) {
        if (attempt > 50 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  created.push(name);
  return {
    name,
    ownerUrl: withDatabase(adminUrl, name),
    appUrl: withDatabase(adminUrl, name, { name: "sales_app", password: TEST_APP_PASSWORD }),
  };
}

/** Runs SQL as the owner inside the maintenance window (sees all tenants; for assertions only). */
export async function asOwner<T>(db: TestDatabase, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL app.maintenance = 'on'");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/** A plain connection as the service role, with no tenant context. */
export async function asServiceRole<T>(db: TestDatabase, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.appUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
