// The migration runner: applies Prisma's migration folders once, records them
// the way Prisma does, is safe under concurrent starts, and refuses edited
// migrations.
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { listMigrations, migrate, MIGRATIONS_DIR } from "../../src/data/migrate.js";

const adminUrl = inject("adminUrl");
const created: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = `sales_test_f_${Math.floor(Date.now() / 1000)}_m${created.length}_${Math.random().toString(16).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  created.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
  await admin.end();
});

describe("migration runner", () => {
  let url: string;
  beforeAll(async () => {
    url = await emptyDatabase();
  });

  it("applies every migration once, even when several instances start at the same time", async () => {
    const migrations = await listMigrations();
    const results = await Promise.all([1, 2, 3].map(() => migrate({ ownerUrl: url })));
    const applied = results.flatMap((r) => r.applied);
    expect(applied.sort()).toEqual(migrations.map((m) => m.name).sort());
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = (await client.query(`SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`)).rows;
    await client.end();
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const row of rows) {
      // Prisma's own checksum (SHA-256 of the file), so `prisma migrate deploy` sees them as applied.
      const sql = readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).not.toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    expect((await migrate({ ownerUrl: url })).applied).toEqual([]);
  });

  it("refuses to run when an applied migration was edited", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const [first] = await listMigrations(dir);
    writeFileSync(path.join(dir, first!.name, "migration.sql"), first!.sql + "\n-- edited\n");
    await expect(migrate({ ownerUrl: url, migrationsDir: dir })).rejects.toThrow(/was changed after it was applied/);
  });

  it("rolls a failing migration back completely and reports it", async () => {
    const fresh = await emptyDatabase();
    const dir = mkdtempSync(path.join(tmpdir(), "migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const broken = path.join(dir, "29991231000000_broken");
    cpSync(path.join(dir, (await listMigrations(dir))[0]!.name), broken, { recursive: true });
    writeFileSync(path.join(broken, "migration.sql"), `CREATE TABLE "Half" (id int);\nSELECT no_such_function();\n`);
    await expect(migrate({ ownerUrl: fresh, migrationsDir: dir })).rejects.toThrow(/29991231000000_broken failed/);
    const client = new pg.Client({ connectionString: fresh });
    await client.connect();
    const half = (await client.query(`SELECT to_regclass('"Half"') AS t`)).rows[0].t;
    const recorded = (await client.query(`SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE migration_name = '29991231000000_broken'`)).rows[0].n;
    await client.end();
    expect(half).toBeNull();
    expect(recorded).toBe(0);
  });
});
