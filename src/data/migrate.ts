// Forward-only migration runner for Prisma's own migration folders.
//
// Prisma's `migrate deploy` needs its schema engine, which cannot be
// downloaded on every machine. This runner applies the same
// prisma/migrations/<timestamp>_<name>/migration.sql files and records them
// in Prisma's own `_prisma_migrations` table (same checksum), so either tool
// can take over from the other. An advisory lock makes concurrent starts safe:
// the second waits, then finds nothing left to do.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { projectPath } from "../config/project-path.js";

export const MIGRATIONS_DIR = projectPath("prisma", "migrations");

/** Arbitrary but fixed: "sales-agent migrations". */
const MIGRATION_LOCK_KEY = 7_310_552_001;

export interface MigrateOptions {
  /** Connection string of the role that owns the schema. */
  ownerUrl: string;
  /** Password for the service role; when set, the role is allowed to log in with it. */
  appPassword?: string;
  migrationsDir?: string;
  log?: (message: string) => void;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory() && /^\d{14}_[a-z0-9_]+$/.test(e.name)).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

export async function migrate(options: MigrateOptions): Promise<MigrationResult> {
  const log = options.log ?? (() => {});
  const migrations = await listMigrations(options.migrationsDir);
  const client = new pg.Client({ connectionString: options.ownerUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
        "checksum"            VARCHAR(64) NOT NULL,
        "finished_at"         TIMESTAMPTZ,
        "migration_name"      VARCHAR(255) NOT NULL,
        "logs"                TEXT,
        "rolled_back_at"      TIMESTAMPTZ,
        "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
        "applied_steps_count" INTEGER NOT NULL DEFAULT 0
      )`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const failed = rows.find((r) => r.finished_at === null);
    if (failed) {
      throw new Error(
        `Migration ${failed.migration_name} failed earlier and was not rolled back; fix the database, then mark it rolled back.`,
      );
    }
    const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const checksum = done.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.name} was changed after it was applied. Add a new migration instead.`);
        }
        continue;
      }
      log(`applying migration ${migration.name}`);
      const id = randomUUID();
      await client.query("BEGIN");
      try {
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
          [id, migration.checksum, migration.name],
        );
        await client.query(migration.sql);
        await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.name);
    }
    if (options.appPassword) {
      const { rows: stmt } = await client.query<{ sql: string }>(
        "SELECT format('ALTER ROLE sales_app WITH LOGIN PASSWORD %L', $1::text) AS sql",
        [options.appPassword],
      );
      await client.query(stmt[0]!.sql);
    }
    return { applied, alreadyApplied: migrations.length - applied.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

/** The service role's connection string: the owner's URL with the service role's credentials. */
export function appUrlFromOwnerUrl(ownerUrl: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = "sales_app";
  url.password = password;
  return url.toString();
}
