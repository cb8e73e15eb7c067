// Gmail sync rows belong to their connection (migration 20261208070000):
// - the migration removes rows whose connection is gone and keeps the others;
// - a sync row for a connection that does not exist (or is another tenant's) is refused;
// - deleting a connection takes its sync rows (revoking keeps the connection and them).
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/data/migrate.js";
import { asOwner, createTestDatabase, type TestDatabase } from "../helpers/database.js";

const MIGRATION = "20261208070000_gmail_sync_connection_fk";

let db: TestDatabase;

async function tenant(c: pg.Client): Promise<string> {
  const id = randomUUID();
  await c.query(`INSERT INTO "Tenant" ("id", "name", "slug", "updatedAt") VALUES ($1, 'T', $2, now())`, [id, `fk-${id}`]);
  return id;
}

async function connection(c: pg.Client, tenantId: string): Promise<string> {
  const id = randomUUID();
  await c.query(`INSERT INTO "Connection" ("id", "tenantId", "provider", "accountEmail", "scopes", "updatedAt") VALUES ($1, $2, 'GOOGLE', $3, '{}', now())`, [id, tenantId, `${id}@mail.example`]);
  return id;
}

async function syncRows(c: pg.Client, tenantId: string, connectionId: string): Promise<void> {
  await c.query(`INSERT INTO "GmailSyncState" ("id", "tenantId", "connectionId", "updatedAt") VALUES (gen_random_uuid(), $1, $2, now())`, [tenantId, connectionId]);
  await c.query(`INSERT INTO "GmailMessage" ("id", "tenantId", "connectionId", "gmailMessageId", "rfcMessageId", "kind") VALUES (gen_random_uuid(), $1, $2, 'g1', '<m1@x>', 'SENT')`, [tenantId, connectionId]);
}

async function counts(c: pg.Client, connectionId: string): Promise<{ states: number; messages: number }> {
  const { rows } = await c.query<{ states: number; messages: number }>(
    `SELECT (SELECT count(*)::int FROM "GmailSyncState" WHERE "connectionId" = $1) AS states, (SELECT count(*)::int FROM "GmailMessage" WHERE "connectionId" = $1) AS messages`,
    [connectionId],
  );
  return rows[0]!;
}

beforeAll(async () => {
  db = await createTestDatabase();
});

describe("Gmail sync rows and their connection", () => {
  it("the migration removes orphaned sync rows, keeps the others, and adds the constraints", async () => {
    const ids = await asOwner(db, async (c) => {
      // The database as it was before the migration: no constraints, and the migration not recorded.
      await c.query(`ALTER TABLE "GmailSyncState" DROP CONSTRAINT "GmailSyncState_tenantId_connectionId_fkey"`);
      await c.query(`ALTER TABLE "GmailMessage" DROP CONSTRAINT "GmailMessage_tenantId_connectionId_fkey"`);
      await c.query(`DELETE FROM "_prisma_migrations" WHERE "migration_name" = $1`, [MIGRATION]);
      const t = await tenant(c);
      const kept = await connection(c, t);
      await syncRows(c, t, kept);
      const gone = randomUUID();
      await syncRows(c, t, gone);
      // The same id in another tenant is not the connection either.
      const elsewhere = await tenant(c);
      await syncRows(c, elsewhere, kept);
      return { t, kept, gone, elsewhere };
    });
    expect((await migrate({ ownerUrl: db.ownerUrl })).applied).toEqual([MIGRATION]);
    await asOwner(db, async (c) => {
      expect(await counts(c, ids.kept)).toEqual({ states: 1, messages: 1 });
      expect(await counts(c, ids.gone)).toEqual({ states: 0, messages: 0 });
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM "GmailMessage" WHERE "tenantId" = $1`, [ids.elsewhere]);
      expect(rows[0].n).toBe(0);
      const fks = await c.query<{ conname: string; confdeltype: string }>(
        `SELECT conname, confdeltype FROM pg_constraint WHERE conname IN ('GmailSyncState_tenantId_connectionId_fkey', 'GmailMessage_tenantId_connectionId_fkey') ORDER BY conname`,
      );
      expect(fks.rows).toEqual([
        { conname: "GmailMessage_tenantId_connectionId_fkey", confdeltype: "c" },
        { conname: "GmailSyncState_tenantId_connectionId_fkey", confdeltype: "c" },
      ]);
    });
  });

  it("refuses sync rows for a connection that does not exist or is another tenant's", async () => {
    await asOwner(db, async (c) => {
      const t = await tenant(c);
      const other = await tenant(c);
      const theirs = await connection(c, other);
      await c.query("SAVEPOINT a");
      await expect(syncRows(c, t, randomUUID())).rejects.toThrow(/foreign key constraint/);
      await c.query("ROLLBACK TO SAVEPOINT a");
      await expect(syncRows(c, t, theirs)).rejects.toThrow(/foreign key constraint/);
      await c.query("ROLLBACK TO SAVEPOINT a");
    });
  });

  it("deleting a connection takes its sync rows (revoking keeps both: test/jobs/gmail-sync.test.ts)", async () => {
    await asOwner(db, async (c) => {
      const t = await tenant(c);
      const id = await connection(c, t);
      await syncRows(c, t, id);
      expect(await counts(c, id)).toEqual({ states: 1, messages: 1 });
      await c.query(`DELETE FROM "Connection" WHERE "id" = $1`, [id]);
      expect(await counts(c, id)).toEqual({ states: 0, messages: 0 });
    });
  });
});
