// Tenant isolation is enforced by PostgreSQL, not by the application: every
// tenant-owned table has RLS enabled and forced, the service role owns
// nothing and cannot bypass it, and without a tenant in the transaction the
// service role sees no rows and can write none.
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { provisionTenant } from "../../src/data/provisioning.js";
import { asOwner, asServiceRole, createTestDatabase, type TestDatabase } from "../helpers/database.js";

let db: TestDatabase;
let tenantA: string;
let tenantB: string;
let tables: { name: string; rls: boolean; forced: boolean; tenantColumn: string | null; hasId: boolean; policies: string[] }[];

// People exist across tenants; visibility is by membership (tested below). A person's identity at the
// identity provider is theirs, not a tenant's: the service role reaches it only through app_oidc_sign_in().
const GLOBAL_TABLES = ["User", "UserIdentity", "OidcSession"];

beforeAll(async () => {
  db = await createTestDatabase();
  tenantA = (await provisionTenant(db.ownerUrl, { name: "A", slug: "a", members: [{ email: "a@a.example", name: "A", role: "OWNER" }] })).tenantId;
  tenantB = (await provisionTenant(db.ownerUrl, { name: "B", slug: "b", members: [{ email: "b@b.example", name: "B", role: "OWNER" }] })).tenantId;
  tables = await asOwner(db, async (c) => {
    const r = await c.query(`
      SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
             (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname IN ('tenantId') AND NOT a.attisdropped) AS "tenantColumn",
             EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped) AS "hasId",
             array(SELECT p.polname FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY 1) AS policies
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_prisma_migrations' ORDER BY 1`);
    return r.rows;
  });
});

let seeding: Promise<{ failed: string[] }> | null = null;

/**
 * One row of each tenant in every tenant-owned table, written as the owner with
 * foreign-key and other triggers off (session_replication_role = replica): the
 * rows only need to exist, not to make sense. Each NOT NULL column without a
 * default gets a value of its type. Runs once per file.
 */
function seedEveryTable(): Promise<{ failed: string[] }> {
  seeding ??= asOwner(db, async (c) => {
    await c.query("SET LOCAL session_replication_role = replica");
    const columns = (
      await c.query<{ table: string; column: string; type: string; udt: string; nullable: boolean; hasDefault: boolean }>(`
        SELECT table_name AS table, column_name AS column, data_type AS type, udt_name AS udt,
               is_nullable = 'YES' AS nullable, column_default IS NOT NULL AS "hasDefault"
        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`)
    ).rows;
    const failed: string[] = [];
    // Global tables: an identity at the provider for every person (UserIdentity).
    await c.query(`INSERT INTO "UserIdentity" ("id", "userId", "issuer", "subject", "email")
      SELECT gen_random_uuid(), "id", 'https://idp.example', 'sub-' || "id", "email" FROM "User" ON CONFLICT DO NOTHING`);
    // … and a sign-in through it (OidcSession).
    await c.query(`INSERT INTO "OidcSession" ("id", "userId", "issuer", "subject")
      SELECT gen_random_uuid(), "id", 'https://idp.example', 'sub-' || "id" FROM "User"`);
    for (const t of tables.filter((x) => x.tenantColumn)) {
      for (const tenantId of [tenantA, tenantB]) {
        const names: string[] = [];
        const values: string[] = [];
        for (const col of columns.filter((x) => x.table === t.name)) {
          if (col.column === "tenantId") {
            names.push(`"tenantId"`);
            values.push(`'${tenantId}'`);
            continue;
          }
          if (col.column === "id") {
            names.push(`"id"`);
            values.push("gen_random_uuid()");
            continue;
          }
          if (col.nullable || col.hasDefault) continue;
          names.push(`"${col.column}"`);
          values.push(valueOfType(col.type, col.udt));
        }
        await c.query("SAVEPOINT seed");
        try {
          await c.query(`INSERT INTO "${t.name}" (${names.join(", ")}) VALUES (${values.join(", ")})`);
        } catch (error) {
          failed.push(`${t.name}: ${(error as Error).message}`);
          await c.query("ROLLBACK TO SAVEPOINT seed");
        }
      }
    }
    return { failed };
  });
  return seeding;
}

function valueOfType(type: string, udt: string): string {
  const unique = "md5(random()::text)";
  if (type === "ARRAY") return "'{}'";
  if (type === "USER-DEFINED") return `(SELECT enumlabel::"${udt}" FROM pg_enum WHERE enumtypid = '"${udt}"'::regtype ORDER BY enumsortorder LIMIT 1)`;
  if (type === "uuid") return "gen_random_uuid()";
  if (type === "jsonb" || type === "json") return "'{}'";
  if (type === "boolean") return "false";
  if (/int|numeric|double|real/.test(type)) return "0";
  if (/timestamp/.test(type)) return "now()";
  if (type === "date") return "current_date";
  if (type === "bytea") return "'\\x00'";
  return unique;
}

describe("the service role", () => {
  it("is not a superuser, owns no table and cannot bypass row-level security", async () => {
    const role = await asServiceRole(db, async (c) => (await c.query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).rows[0]);
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const owned = await asOwner(db, async (c) =>
      (await c.query("SELECT count(*)::int AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'sales_app' AND c.relnamespace = 'public'::regnamespace")).rows[0].n,
    );
    expect(owned).toBe(0);
  });
});

describe("every table", () => {
  it("carries a tenant id unless it is the tenant table or a global table", () => {
    const missing = tables.filter((t) => !t.tenantColumn && t.name !== "Tenant" && !GLOBAL_TABLES.includes(t.name)).map((t) => t.name);
    expect(missing).toEqual([]);
  });

  it("has row-level security enabled and forced, with a policy", () => {
    const weak = tables.filter((t) => !t.rls || !t.forced || t.policies.length === 0).map((t) => t.name);
    expect(weak).toEqual([]);
  });

  it("has a row of each tenant in every tenant-owned table (so that zero rows below means hidden, not absent)", async () => {
    const seeded = await seedEveryTable();
    expect(seeded.failed).toEqual([]);
    const counts = await asOwner(db, async (c) => {
      const out: Record<string, string[]> = {};
      for (const t of tables.filter((x) => x.tenantColumn)) {
        out[t.name] = (await c.query(`SELECT DISTINCT "tenantId"::text AS t FROM "${t.name}" ORDER BY 1`)).rows.map((r) => r.t);
      }
      return out;
    });
    for (const [name, tenants] of Object.entries(counts)) expect({ name, tenants }).toEqual({ name, tenants: [tenantA, tenantB].sort() });
  });

  it("without a tenant in the transaction: the service role sees zero rows and cannot insert", async () => {
    await seedEveryTable();
    const results = await asServiceRole(db, async (c) => {
      const out: Record<string, { visible: number; insert: string }> = {};
      for (const t of tables) {
        const visible = (await c.query(`SELECT count(*)::int AS n FROM "${t.name}"`)).rows[0].n;
        let insert = "refused";
        if (t.tenantColumn) {
          await c.query("BEGIN");
          try {
            // Tables keyed by the tenant alone (TenantSuspension) have no id column.
            await c.query(t.hasId ? `INSERT INTO "${t.name}" ("id", "tenantId") VALUES (gen_random_uuid(), $1)` : `INSERT INTO "${t.name}" ("tenantId") VALUES ($1)`, [tenantA]);
            insert = "ACCEPTED";
          } catch (error) {
            insert = /row-level security|permission denied/.test((error as Error).message) ? "refused" : `other: ${(error as Error).message}`;
          }
          await c.query("ROLLBACK");
        }
        out[t.name] = { visible, insert };
      }
      return out;
    });
    for (const [name, r] of Object.entries(results)) {
      expect({ name, ...r }).toEqual({ name, visible: 0, insert: "refused" });
    }
    // The owner does see the rows (they exist in every table): zero above means hidden, not absent.
    const existing = await asOwner(db, async (c) => {
      const out: Record<string, number> = {};
      for (const t of tables) out[t.name] = (await c.query(`SELECT count(*)::int AS n FROM "${t.name}"`)).rows[0].n;
      return out;
    });
    expect(Object.entries(existing).filter(([, n]) => n < 2)).toEqual([]);
  });

  it("with a tenant set: every tenant-owned table shows that tenant's rows and no other's", async () => {
    await seedEveryTable();
    for (const [tenant, other] of [[tenantA, tenantB], [tenantB, tenantA]] as const) {
      const seen = await asServiceRole(db, async (c) => {
        await c.query("BEGIN");
        await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
        const out: Record<string, string[]> = {};
        for (const t of tables) {
          const column = t.tenantColumn ? `"tenantId"` : t.name === "Tenant" ? `"id"` : null;
          if (!column) continue;
          out[t.name] = (await c.query(`SELECT DISTINCT ${column}::text AS t FROM "${t.name}"`)).rows.map((r) => r.t);
        }
        await c.query("ROLLBACK");
        return out;
      });
      for (const [name, tenants] of Object.entries(seen)) expect({ name, tenants }, `as ${tenant === tenantA ? "A" : "B"}, not ${other}`).toEqual({ name, tenants: [tenant] });
    }
  });

  it("with tenant A set: only A's rows are visible and rows for B cannot be written", async () => {
    await asServiceRole(db, async (c) => {
      await c.query("BEGIN");
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenantA]);
      const tenants = (await c.query(`SELECT id FROM "Tenant"`)).rows.map((r) => r.id);
      expect(tenants).toEqual([tenantA]);
      const memberships = (await c.query(`SELECT DISTINCT "tenantId" FROM "Membership"`)).rows.map((r) => r.tenantId);
      expect(memberships).toEqual([tenantA]);
      const users = (await c.query(`SELECT email FROM "User"`)).rows.map((r) => r.email);
      expect(users).toEqual(["a@a.example"]);
      await expect(
        c.query(`INSERT INTO "AuditEntry" ("id", "tenantId", "actorType", "actorId", "action") VALUES (gen_random_uuid(), $1, 'USER', 'x', 'probe')`, [tenantB]),
      ).rejects.toThrow(/row-level security/);
      await c.query("ROLLBACK");
    });
  });

  it("shows a person's identities at the provider to that person only, and lets the service role write none", async () => {
    await seedEveryTable();
    const people = await asOwner(db, async (c) => (await c.query(`SELECT "id", "email" FROM "User" ORDER BY "email"`)).rows as { id: string; email: string }[]);
    expect(people.length).toBeGreaterThanOrEqual(2);
    const [me, other] = people as [{ id: string; email: string }, { id: string; email: string }];
    await asServiceRole(db, async (c) => {
      await c.query("BEGIN");
      // A tenant alone shows nobody's identity, not even its members'.
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenantA]);
      expect((await c.query(`SELECT count(*)::int AS n FROM "UserIdentity"`)).rows[0].n).toBe(0);
      await c.query("SELECT set_config('app.user_id', $1, true)", [me.id]);
      expect((await c.query(`SELECT "userId" FROM "UserIdentity"`)).rows.map((r) => r.userId)).toEqual([me.id]);
      await expect(
        c.query(`INSERT INTO "UserIdentity" ("id", "userId", "issuer", "subject", "email") VALUES (gen_random_uuid(), $1, 'https://evil.example', 'x', 'x@x.example')`, [other.id]),
      ).rejects.toThrow(/permission denied/);
      await c.query("ROLLBACK");
    });
  });

  it("shows a person's sign-ins at the provider to that person only, and lets the service role write only its own", async () => {
    await seedEveryTable();
    const people = await asOwner(db, async (c) => (await c.query(`SELECT "id" FROM "User" ORDER BY "email"`)).rows as { id: string }[]);
    const [me, other] = people as [{ id: string }, { id: string }];
    await asServiceRole(db, async (c) => {
      await c.query("BEGIN");
      // A tenant alone shows nobody's sign-in, not even its members'.
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenantA]);
      expect((await c.query(`SELECT count(*)::int AS n FROM "OidcSession"`)).rows[0].n).toBe(0);
      await c.query("SELECT set_config('app.user_id', $1, true)", [me.id]);
      expect([...new Set((await c.query(`SELECT "userId" FROM "OidcSession"`)).rows.map((r) => r.userId))]).toEqual([me.id]);
      // Another person's sign-in can be neither ended nor created.
      expect((await c.query(`UPDATE "OidcSession" SET "endedAt" = now() WHERE "userId" = $1`, [other.id])).rowCount).toBe(0);
      await c.query("SAVEPOINT s");
      await expect(
        c.query(`INSERT INTO "OidcSession" ("id", "userId", "issuer", "subject") VALUES (gen_random_uuid(), $1, 'https://evil.example', 'x')`, [other.id]),
      ).rejects.toThrow(/row-level security/);
      await c.query("ROLLBACK TO SAVEPOINT s");
      await c.query(`INSERT INTO "OidcSession" ("id", "userId", "issuer", "subject") VALUES (gen_random_uuid(), $1, 'https://idp.example', 'mine')`, [me.id]);
      await c.query("ROLLBACK");
    });
  });

  it("keeps the tenant setting inside its transaction (a pooled connection does not carry it over)", async () => {
    await asServiceRole(db, async (c) => {
      await c.query("BEGIN");
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenantA]);
      expect((await c.query(`SELECT count(*)::int AS n FROM "Tenant"`)).rows[0].n).toBe(1);
      await c.query("COMMIT");
      expect((await c.query(`SELECT count(*)::int AS n FROM "Tenant"`)).rows[0].n).toBe(0);
    });
  });
});

describe("audit entries", () => {
  it("cannot be updated, deleted or truncated by the service role", async () => {
    await asServiceRole(db, async (c) => {
      await c.query("BEGIN");
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenantA]);
      const { rows } = await c.query(
        `INSERT INTO "AuditEntry" ("id", "tenantId", "actorType", "actorId", "action") VALUES (gen_random_uuid(), $1, 'USER', 'u', 'probe') RETURNING id`,
        [tenantA],
      );
      await c.query("SAVEPOINT s");
      await expect(c.query(`UPDATE "AuditEntry" SET "action" = 'changed' WHERE id = $1`, [rows[0].id])).rejects.toThrow(/permission denied/);
      await c.query("ROLLBACK TO SAVEPOINT s");
      await expect(c.query(`DELETE FROM "AuditEntry" WHERE id = $1`, [rows[0].id])).rejects.toThrow(/permission denied/);
      await c.query("ROLLBACK TO SAVEPOINT s");
      await expect(c.query(`TRUNCATE "AuditEntry"`)).rejects.toThrow(/permission denied/);
      await c.query("ROLLBACK");
    });
  });

  it("cannot be changed even by the owner: a trigger refuses UPDATE, DELETE and TRUNCATE", async () => {
    const client = new pg.Client({ connectionString: db.ownerUrl });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL app.maintenance = 'on'");
      await client.query("SAVEPOINT s");
      await expect(client.query(`UPDATE "AuditEntry" SET "action" = 'changed'`)).rejects.toThrow(/append-only/);
      await client.query("ROLLBACK TO SAVEPOINT s");
      await expect(client.query(`DELETE FROM "AuditEntry"`)).rejects.toThrow(/append-only/);
      await client.query("ROLLBACK TO SAVEPOINT s");
      await expect(client.query(`TRUNCATE "AuditEntry" CASCADE`)).rejects.toThrow(/append-only/);
      await client.query("ROLLBACK");
    } finally {
      await client.end();
    }
  });
});
