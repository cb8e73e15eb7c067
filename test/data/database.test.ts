// The request session (src/data/database.ts): a request's parallel reads share
// one transaction and one pooled connection, withTenant() calls of the same
// request take turns with them, and every tenant transaction has a statement
// and transaction time budget that ends in a clear DatabaseBudgetError.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, DatabaseBudgetError, RequestSession, withTenant, type Database } from "../../src/data/database.js";
import { provisionTenant } from "../../src/data/provisioning.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

let testDb: TestDatabase;
let db: Database;
let tenantId: string;
let userId: string;
const statements: string[] = [];
/** Most pooled connections checked out at once, sampled whenever the pool hands one out. */
let maxHeld = 0;

function trackHeld(target: Database) {
  target.pool.on("acquire", () => {
    maxHeld = Math.max(maxHeld, target.pool.totalCount - target.pool.idleCount);
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = connectDatabase({
    url: testDb.appUrl,
    poolMax: 8,
    applicationName: "sales-agent-api",
    budget: { statementTimeoutMs: 300, transactionTimeoutMs: 2_000, acquireTimeoutMs: 500 },
    onQuery: (sql) => statements.push(sql),
  });
  trackHeld(db);
  const provisioned = await provisionTenant(testDb.ownerUrl, {
    name: "Session Co",
    slug: `session-${process.pid}`,
    members: [{ email: "owner@session.example", name: "Owner", role: "OWNER" }],
  });
  tenantId = provisioned.tenantId;
  userId = provisioned.members[0]!.userId;
});
afterAll(() => db?.close());

describe("a request session", () => {
  it("runs many parallel reads in one transaction on one connection, and batches same-tick findUniques into one query", async () => {
    const session = new RequestSession(db);
    session.scope = { tenantId, userId };
    maxHeld = 0;
    statements.length = 0;
    const results = await session.run(() =>
      Promise.all([
        ...Array.from({ length: 20 }, () => session.client.tenant.findUnique({ where: { id: tenantId }, select: { id: true, name: true } })),
        session.client.membership.findMany({ select: { id: true } }),
        session.client.user.count(),
        session.client.auditEntry.findMany({ take: 5, select: { id: true } }),
      ]),
    );
    await session.release();
    expect(results.slice(0, 20).every((t) => (t as { name: string } | null)?.name === "Session Co")).toBe(true);
    expect(results[20]).toHaveLength(1);
    expect(maxHeld).toBe(1);
    expect(session.stats.transactions).toBe(1);
    // The 20 lookups of the same row went out as one statement.
    expect(statements.filter((s) => /FROM "public"\."Tenant"/.test(s))).toHaveLength(1);
  });

  it("commits when idle and opens a new transaction for a later read, never two at once", async () => {
    const session = new RequestSession(db);
    session.scope = { tenantId, userId };
    maxHeld = 0;
    await session.client.tenant.findUnique({ where: { id: tenantId } });
    // Nothing reads any more: the session commits by itself and gives the connection back.
    for (let i = 0; i < 200 && db.pool.totalCount - db.pool.idleCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
    await session.client.tenant.findUnique({ where: { id: tenantId } });
    await session.release();
    expect(session.stats.transactions).toBe(2);
    expect(maxHeld).toBe(1);
  });

  it("lets a withTenant of the same request take its turn: reads wait for it and it waits for them", async () => {
    const session = new RequestSession(db);
    session.scope = { tenantId, userId };
    maxHeld = 0;
    const order: string[] = [];
    await session.run(() =>
      Promise.all([
        session.client.membership.findMany().then(() => order.push("read-1")),
        withTenant(db.prisma, { tenantId, userId }, async (tx) => {
          await tx.$queryRaw`SELECT pg_sleep(0.05)::text`;
          order.push("write");
          return tx.tenant.findUnique({ where: { id: tenantId } });
        }),
        ...Array.from({ length: 5 }, () => session.client.user.findMany().then(() => order.push("read-2"))),
      ]),
    );
    await session.release();
    expect(maxHeld).toBe(1);
    expect(session.stats.exclusive).toBe(1);
    expect(session.stats.nested).toBe(0);
    expect(order[0]).toBe("read-1");
    expect(order[1]).toBe("write");
    expect(order.slice(2)).toEqual(Array(5).fill("read-2"));
  });

  it("serves readSql and a nested withTenant from inside the request's own withTenant, each counted once as nested", async () => {
    const session = new RequestSession(db);
    session.scope = { tenantId, userId };
    const rows = await session.run(() =>
      withTenant(db.prisma, { tenantId, userId }, async () => {
        const viaSql = await session.readSql<{ id: string }>({ text: `SELECT id FROM "Tenant"`, values: [] });
        const nested = await withTenant(db.prisma, { tenantId, userId }, (tx) => tx.tenant.findMany({ select: { id: true } }));
        return { viaSql, nested };
      }),
    );
    await session.release();
    // Row-level security still scopes the nested reads to the session's tenant.
    expect(rows.viaSql.map((r) => r.id)).toEqual([tenantId]);
    expect(rows.nested.map((r) => r.id)).toEqual([tenantId]);
    expect(session.stats.exclusive).toBe(1);
    expect(session.stats.nested).toBe(2);
  });

  it("outside a request, withTenant is not gated (background work has its own pool)", async () => {
    maxHeld = 0;
    await Promise.all(Array.from({ length: 4 }, () => withTenant(db.prisma, { tenantId }, (tx) => tx.$queryRaw`SELECT pg_sleep(0.05)::text`)));
    expect(maxHeld).toBeGreaterThan(1);
  });
});

describe("time budgets", () => {
  it("ends a statement over statement_timeout with a budget error (SET LOCAL, same round-trip as the tenant)", async () => {
    const error = await withTenant(db.prisma, { tenantId }, (tx) => tx.$queryRaw`SELECT pg_sleep(2)::text`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseBudgetError);
    expect((error as DatabaseBudgetError).extensions.code).toBe("TIMEOUT");
    const [setting] = statements.filter((s) => /set_config\('app.tenant_id'/.test(s)).slice(-1);
    expect(setting).toMatch(/set_config\('statement_timeout'/);
    expect(setting).toMatch(/set_config\('idle_in_transaction_session_timeout'/);
  });

  it("ends a transaction over its budget with a budget error, and the connection comes back", async () => {
    const started = Date.now();
    const error = await withTenant(db.prisma, { tenantId }, async (tx) => {
      for (let i = 0; i < 20; i++) await tx.$queryRaw`SELECT pg_sleep(0.2)::text`;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseBudgetError);
    expect((error as DatabaseBudgetError).extensions.code).toBe("TIMEOUT");
    expect(Date.now() - started).toBeLessThan(3_500);
    await expect(withTenant(db.prisma, { tenantId }, (tx) => tx.tenant.count())).resolves.toBe(1);
  });

  it("answers 'busy' (not an internal error) when no connection comes free in time", async () => {
    const small = connectDatabase({ url: testDb.appUrl, poolMax: 1, budget: { acquireTimeoutMs: 1_500 } });
    try {
      const held = await small.pool.connect();
      try {
        const session = new RequestSession(small);
        session.scope = { tenantId };
        const error = await session.client.tenant.findMany().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DatabaseBudgetError);
        expect((error as DatabaseBudgetError).extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", http: { status: 503 } });
      } finally {
        held.release();
      }
    } finally {
      await small.close();
    }
  });
});
