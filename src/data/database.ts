// The service's database access. Every query runs inside a transaction that
// has set the tenant (and user) with set_config(..., true): transaction-local,
// so a pooled connection never carries one tenant's context into another
// request. Row-level security in PostgreSQL does the filtering; this module
// only makes sure the context is always set.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "../generated/prisma/client.js";

export { Prisma, PrismaClient };
export type Tx = Prisma.TransactionClient;

export interface Database {
  /** Client connected as the service role. Use withTenant()/tenantClient(), never bare. */
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolMax?: number;
  /** Called for every SQL statement Prisma sends (tests count queries with it). */
  onQuery?: (sql: string) => void;
}

export function connectDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: "sales-agent",
  });
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: { maxWait: 10_000, timeout: 30_000 },
    log: options.onQuery ? [{ emit: "event", level: "query" }] : [],
  });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    (prisma as unknown as { $on(e: "query", cb: (ev: { query: string }) => void): void }).$on("query", (ev) => onQuery(ev.query));
  }
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}

export interface TenantScope {
  tenantId: string;
  userId?: string | null;
}

function setContext(client: PrismaClient | Tx, scope: TenantScope) {
  return client.$executeRaw`SELECT set_config('app.tenant_id', ${scope.tenantId}, true), set_config('app.user_id', ${scope.userId ?? ""}, true)`;
}

export interface TransactionOptions {
  isolationLevel?: Prisma.TransactionIsolationLevel;
  timeout?: number;
}

/** Runs `fn` in one transaction scoped to the tenant. Everything it writes commits or rolls back together. */
export async function withTenant<T>(
  prisma: PrismaClient,
  scope: TenantScope,
  fn: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await setContext(tx, scope);
    return fn(tx);
  }, options);
}

/**
 * A client whose every model query runs in its own short transaction scoped
 * to the tenant (Prisma's documented RLS pattern). Used for GraphQL reads,
 * where Pothos issues the queries; writes go through withTenant().
 */
export function tenantClient(prisma: PrismaClient, scope: TenantScope): PrismaClient {
  return prisma.$extends({
    query: {
      $allModels: {
        async $allOperations({ args, query }) {
          const [, result] = await prisma.$transaction([setContext(prisma, scope), query(args)]);
          return result;
        },
      },
    },
  }) as unknown as PrismaClient;
}

/** True when the error is PostgreSQL's unique violation, from a model query (P2002) or a raw one (P2010 with SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  return error.code === "P2010" && ((error.meta as { code?: string } | undefined)?.code === "23505" || /\b23505\b/.test(error.message));
}
