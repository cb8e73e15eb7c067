// The service's database access. Every query runs inside a transaction that
// has set the tenant (and user) with set_config(..., true): transaction-local,
// so a pooled connection never carries one tenant's context into another
// request. Row-level security in PostgreSQL does the filtering; this module
// only makes sure the context is always set.
//
// Budgets: every tenant transaction sets statement_timeout and
// idle_in_transaction_session_timeout (SET LOCAL, in the same round-trip as
// the tenant) and has Prisma's transaction timeout, so no query shape can hold
// a pooled connection for long.
//
// One connection per request: a GraphQL request reads through a
// RequestSession — one lazily opened transaction shared by all its resolvers
// (same-tick findUniques are batched by Prisma into one query) and committed
// as soon as nothing is reading. A withTenant() made while the request is in
// progress (a mutation's unit of work, a read use case) first waits for the
// request's reads to finish and its transaction to close, and the request's
// reads wait for it: the request never holds two pooled connections at once.
import { AsyncLocalStorage } from "node:async_hooks";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "../generated/prisma/client.js";
import { withFieldEncryption, type FieldCipher } from "./field-encryption.js";

export { Prisma, PrismaClient };
export type Tx = Prisma.TransactionClient;

/** How long one tenant transaction and its statements may take, and how long to wait for a connection. */
export interface DatabaseBudget {
  /** statement_timeout of every statement in a tenant transaction (ms; 0: none). */
  statementTimeoutMs: number;
  /** Prisma's interactive-transaction timeout, also idle_in_transaction_session_timeout (ms). */
  transactionTimeoutMs: number;
  /** How long to wait for a pooled connection before giving up (ms). */
  acquireTimeoutMs: number;
}

export const DEFAULT_BUDGET: DatabaseBudget = { statementTimeoutMs: 0, transactionTimeoutMs: 30_000, acquireTimeoutMs: 10_000 };

export interface Database {
  /** Client connected as the service role. Use withTenant()/RequestSession, never bare. */
  prisma: PrismaClient;
  pool: pg.Pool;
  budget: DatabaseBudget;
  /** Field-level encryption of message bodies and other free text (src/data/field-encryption.ts), when configured. */
  fields?: FieldCipher | null;
  /** Told every statement sent outside Prisma too (the sessions' raw reads), as DatabaseOptions.onQuery. */
  onQuery?: ((sql: string) => void) | null;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolMax?: number;
  /** Shown in pg_stat_activity: which pool (API or background) a backend belongs to. */
  applicationName?: string;
  budget?: Partial<DatabaseBudget>;
  /** Called for every SQL statement Prisma sends (tests count queries with it). */
  onQuery?: (sql: string) => void;
  /** Seal and open the encrypted fields with this cipher (the app always passes one; bare scripts may not). */
  fields?: FieldCipher | null;
}

/** The budget of each client, so withTenant() (called with the client only) applies the right one. */
const budgets = new WeakMap<object, DatabaseBudget>();

export function connectDatabase(options: DatabaseOptions): Database {
  const budget = { ...DEFAULT_BUDGET, ...options.budget };
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: budget.acquireTimeoutMs,
    application_name: options.applicationName ?? "sales-agent",
  });
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  const base = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: { maxWait: budget.acquireTimeoutMs, timeout: budget.transactionTimeoutMs },
    log: options.onQuery ? [{ emit: "event", level: "query" }] : [],
  });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    (base as unknown as { $on(e: "query", cb: (ev: { query: string }) => void): void }).$on("query", (ev) => onQuery(ev.query));
  }
  const prisma = options.fields ? withFieldEncryption(base, options.fields) : base;
  budgets.set(prisma, budget);
  return {
    prisma,
    pool,
    budget,
    fields: options.fields ?? null,
    onQuery: options.onQuery ?? null,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}

export interface TenantScope {
  tenantId: string;
  userId?: string | null;
  /**
   * For a caller authenticated from the cache: what authentication decided,
   * checked against the database in the same statement that sets the tenant.
   */
  access?: AccessExpectation | null;
}

/** A cached caller's access as authentication saw it (see app_access_fingerprint in the migrations). */
export interface AccessExpectation {
  kind: "USER" | "API_KEY";
  principalId: string;
  fingerprint: string;
}

/**
 * The caller's membership, role or key changed after authentication cached it
 * (and before the change's announcement arrived): the transaction is refused
 * rather than run with access the caller no longer has.
 */
export class AccessChangedError extends Error {
  constructor() {
    super("Your access changed while this request was being handled. Retry the request.");
    this.name = "AccessChangedError";
  }
}

/**
 * Tenant, user and the transaction's time budget in one statement
 * (set_config(…, true) is SET LOCAL); for a caller authenticated from the
 * cache, also the access fingerprint to compare (see AccessExpectation).
 */
function contextStatement(scope: TenantScope, limits: { statementTimeoutMs: number; idleTimeoutMs: number }): { text: string; values: string[] } {
  const text =
    "SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true), set_config('statement_timeout', $3, true), set_config('idle_in_transaction_session_timeout', $4, true)";
  const values = [scope.tenantId, scope.userId ?? "", String(limits.statementTimeoutMs), String(limits.idleTimeoutMs)];
  const access = scope.access;
  if (!access) return { text, values };
  return { text: `${text}, app_access_fingerprint($5, $1::uuid, $6::uuid) AS fingerprint`, values: [...values, access.kind, access.principalId] };
}

function checkAccess(scope: TenantScope, rows: { fingerprint?: string | null }[]): void {
  if (scope.access && rows[0]?.fingerprint !== scope.access.fingerprint) throw new AccessChangedError();
}

async function setContext(client: Tx, scope: TenantScope, limits: { statementTimeoutMs: number; idleTimeoutMs: number }): Promise<void> {
  const { text, values } = contextStatement(scope, limits);
  checkAccess(scope, await client.$queryRawUnsafe<{ fingerprint?: string | null }[]>(text, ...values));
}

export interface TransactionOptions {
  isolationLevel?: Prisma.TransactionIsolationLevel;
  /** A longer budget for this transaction (long batches such as imports); also lifts its statement budget to match. */
  timeout?: number;
}

/**
 * A database call that ran out of its budget: no connection came free in
 * time (the service is busy), or a statement or transaction took too long.
 * Carries GraphQL-style `extensions` so the API reports it as what it is
 * (and never as an internal error).
 */
export class DatabaseBudgetError extends Error {
  readonly extensions: { code: string; http?: { status: number; headers: Map<string, string> } };
  constructor(
    readonly kind: "busy" | "timeout",
    cause: unknown,
  ) {
    super(
      kind === "busy"
        ? "The service is busy. Retry in a moment."
        : "The request took longer than its database time budget. Ask for less (fewer ids, smaller pages) or retry later.",
      { cause },
    );
    this.name = "DatabaseBudgetError";
    this.extensions =
      kind === "busy"
        ? { code: "SERVICE_UNAVAILABLE", http: { status: 503, headers: new Map([["retry-after", "1"]]) } }
        : { code: "TIMEOUT" };
  }
}

/** Classifies pool-wait, statement and transaction timeouts; anything else is not a budget error. */
export function budgetErrorOf(error: unknown): DatabaseBudgetError | null {
  if (error instanceof DatabaseBudgetError) return error;
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: string }).code;
  const text = `${error.message} ${JSON.stringify((error as { meta?: unknown }).meta ?? null)}`;
  if (/Unable to start a transaction in the given time|timeout exceeded when trying to connect|Timed out fetching a new connection/i.test(text)) {
    return new DatabaseBudgetError("busy", error);
  }
  if (
    /statement timeout|\b57014\b|idle-in-transaction|\b25P03\b|expired transaction|Transaction already closed|Transaction API error: .*timeout/i.test(text) ||
    (code === "P2028" && /timeout|expired/i.test(text))
  ) {
    return new DatabaseBudgetError("timeout", error);
  }
  return null;
}

function limitsFor(budget: DatabaseBudget, options: TransactionOptions) {
  const timeout = options.timeout ?? budget.transactionTimeoutMs;
  // A caller that asked for a longer transaction (an import) gets statements as long; never shorter than configured.
  const statementTimeoutMs = budget.statementTimeoutMs > 0 ? Math.max(budget.statementTimeoutMs, options.timeout ?? 0) : 0;
  return { timeout, maxWait: budget.acquireTimeoutMs, statementTimeoutMs, idleTimeoutMs: timeout };
}

/** Runs `fn` in one transaction scoped to the tenant. Everything it writes commits or rolls back together. */
export async function withTenant<T>(
  prisma: PrismaClient,
  scope: TenantScope,
  fn: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const limits = limitsFor(budgets.get(prisma) ?? DEFAULT_BUDGET, options);
  const run = () =>
    prisma
      .$transaction(
        async (tx) => {
          await setContext(tx, scope, limits);
          return fn(tx);
        },
        { isolationLevel: options.isolationLevel, timeout: limits.timeout, maxWait: limits.maxWait },
      )
      .catch((error: unknown) => {
        throw budgetErrorOf(error) ?? error;
      });
  // Inside a request on the same pool: take the request's one connection in turn.
  const current = sessionStorage.getStore();
  if (current && current.session.prisma === prisma) return current.session.exclusive(run);
  return run();
}

/**
 * A tenant transaction on a plain pool client (the unit of work's SQL lane):
 * one statement at a time, rows typed as Prisma's raw queries type them.
 */
export interface SqlTx {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

const ISOLATION_SQL: Record<string, string> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

/**
 * withTenant() without Prisma's interactive transaction (issue 14, write
 * path): BEGIN and the tenant's context (tenant, user, budgets, access
 * fingerprint) in one round trip, `fn`'s statements, COMMIT — on a pool
 * client of the same pool, under the same row-level security. Inside a
 * request it takes the request's one connection in turn, as withTenant does.
 * The transaction's time budget is enforced by idle_in_transaction_session_timeout
 * and statement_timeout as there, and by refusing statements (and the commit)
 * once it has run out.
 */
export async function withTenantSql<T>(
  db: Pick<Database, "prisma" | "pool" | "budget"> & Partial<Pick<Database, "onQuery">>,
  scope: TenantScope,
  fn: (sql: SqlTx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const run = () =>
    sqlTransaction(db, scope, fn, options).catch((error: unknown) => {
      throw budgetErrorOf(error) ?? error;
    });
  const current = sessionStorage.getStore();
  if (current && current.session.prisma === db.prisma) return current.session.exclusive(run);
  return run();
}

async function sqlTransaction<T>(
  db: Pick<Database, "pool" | "budget"> & Partial<Pick<Database, "onQuery">>,
  scope: TenantScope,
  fn: (sql: SqlTx) => Promise<T>,
  options: TransactionOptions,
): Promise<T> {
  const limits = limitsFor(db.budget, options);
  const onQuery = db.onQuery ?? null;
  const client = await db.pool.connect();
  const deadline = performance.now() + limits.timeout;
  const expired = () => new DatabaseBudgetError("timeout", new Error("Transaction expired: it ran longer than its timeout."));
  let broken: Error | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  try {
    const isolation = options.isolationLevel ? ` ISOLATION LEVEL ${ISOLATION_SQL[options.isolationLevel]}` : "";
    const begin = `BEGIN${isolation}; ${inlineContext(client, scope, limits)}`;
    onQuery?.(begin);
    const results = (await client.query(begin)) as unknown as pg.QueryResult<{ fingerprint?: string | null }>[];
    checkAccess(scope, results[1]!.rows);
    // One statement at a time on the client, even when `fn` issues several at once.
    const tx: SqlTx = {
      query<R>(text: string, values: unknown[] = []): Promise<R[]> {
        const result = tail.then(() => {
          if (performance.now() > deadline) throw expired();
          onQuery?.(text);
          return client.query({ text, values, types: SQL_TYPES });
        });
        tail = result.catch(() => {});
        return result.then((r) => r.rows as R[]);
      },
    };
    const value = await fn(tx);
    await tail;
    if (performance.now() > deadline) throw expired();
    onQuery?.("COMMIT");
    await client.query("COMMIT");
    return value;
  } catch (error) {
    // Statements `fn` left running finish (or fail) first: one statement at a time on the client.
    await tail;
    await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The context statement with its values quoted in (several statements in one simple query take no placeholders). */
function inlineContext(client: pg.PoolClient, scope: TenantScope, limits: { statementTimeoutMs: number; idleTimeoutMs: number }): string {
  const { text, values } = contextStatement(scope, limits);
  return text.replace(/\$(\d+)/g, (_match, index: string) => client.escapeLiteral(values[Number(index) - 1]!));
}

// ---------------------------------------------------------------------------
// One request, one connection at a time.

interface SessionStore {
  session: RequestSession;
  /** True inside the session's exclusive section (a withTenant of the request). */
  exclusive: boolean;
}

const sessionStorage = new AsyncLocalStorage<SessionStore>();

const NO_TENANT: TenantScope = { tenantId: "00000000-0000-0000-0000-000000000000", userId: null };

function delegateName(model: string | symbol): string | symbol {
  return typeof model === "string" ? model.charAt(0).toLowerCase() + model.slice(1) : model;
}

/**
 * Result parsing of the sessions' SQL reads: the same JavaScript values as
 * Prisma's raw queries give (Decimal for numeric, bigint for int8, dates at
 * UTC midnight, timestamps without zone as UTC), so a row read either way is
 * the same (test/api/list-page.test.ts compares them).
 */
const SQL_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    switch (oid) {
      case 1700:
        return (value: string) => new Prisma.Decimal(value);
      case 20:
        return (value: string) => BigInt(value);
      case 1082:
        return (value: string) => new Date(`${value}T00:00:00.000Z`);
      case 1114:
        return (value: string) => new Date(`${value.replace(" ", "T")}Z`);
      default:
        return pg.types.getTypeParser(oid, format ?? "text");
    }
  },
};

/** A statement with $1…$n placeholders, as Prisma.sql builds it (`.text`, `.values`). */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/** What the session's open transaction runs on: Prisma's interactive transaction, or a pool client for plain SQL reads. */
type Lane = "prisma" | "sql";

interface OpenTransaction {
  lane: Lane;
  connection: Promise<Tx | pg.PoolClient>;
  finish: () => void;
  done: Promise<void>;
}

/**
 * The database side of one GraphQL request (or one subscription). Resolvers
 * read through `client`: every model query runs in the session's one
 * transaction, opened on first use and committed as soon as no query is in
 * flight (after the current tick), or at release(). withTenant() calls made
 * inside `run()` take turns with those reads, so the request holds at most one
 * pooled connection at any moment.
 *
 * Hot read paths (the list pages) use `readSql`: the same tenant transaction,
 * but opened on a pool client directly (BEGIN READ ONLY and the tenant's
 * context in one round trip, the statement, COMMIT) instead of through
 * Prisma's interactive transaction, whose per-statement machinery cost more
 * CPU than the statement (issue 14). A session has one transaction open at a
 * time: a read on the other lane waits for the open one's reads and commits it.
 */
export class RequestSession {
  readonly prisma: PrismaClient;
  /** The tenant the reads are scoped to; set once the caller is authenticated. */
  scope: TenantScope | null = null;
  /** A Prisma-shaped client (model delegates only) whose queries run in this session. */
  readonly client: PrismaClient;
  /** Transactions opened by this session (reads) and exclusive sections run (tests and metrics look at these). */
  readonly stats = { transactions: 0, exclusive: 0, nested: 0 };

  private readonly budget: DatabaseBudget;
  private readonly pool: pg.Pool | null;
  private readonly onQuery: ((sql: string) => void) | null;
  private open: OpenTransaction | null = null;
  private readonly sqlTail = new WeakMap<pg.PoolClient, Promise<void>>();
  private closing: Promise<void> | null = null;
  private reads = 0;
  private exclusivePending = 0;
  private exclusiveTail: Promise<void> = Promise.resolve();
  private readWaiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private idleScheduled = false;

  constructor(db: Pick<Database, "prisma" | "budget"> & Partial<Pick<Database, "pool" | "onQuery">>) {
    this.prisma = db.prisma;
    this.budget = db.budget;
    this.pool = db.pool ?? null;
    this.onQuery = db.onQuery ?? null;
    const delegates = new Map<string | symbol, unknown>();
    const isModel = (key: string | symbol): key is string => typeof key === "string" && !key.startsWith("$") && !key.startsWith("_") && key in db.prisma;
    this.client = new Proxy({} as PrismaClient, {
      has: (_target, model) => isModel(model),
      get: (_target, model) => {
        if (!isModel(model)) return undefined;
        let delegate = delegates.get(model);
        if (!delegate) {
          const name = delegateName(model);
          delegate = new Proxy(
            {},
            {
              get: (_t, operation) =>
                typeof operation !== "string" || operation === "then"
                  ? undefined
                  : (args?: unknown) =>
                      this.read((tx) => (tx as unknown as Record<string | symbol, Record<string, (a?: unknown) => Promise<unknown>>>)[name]![operation]!(args)),
            },
          );
          delegates.set(model, delegate);
        }
        return delegate;
      },
    });
  }

  /** Runs `fn` (the request's execution) so that withTenant() calls inside it take turns with the session. */
  run<T>(fn: () => T): T {
    return sessionStorage.run({ session: this, exclusive: false }, fn);
  }

  /** Runs one read in the session's transaction (opened if needed). */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.insideOwnExclusive()) return withTenantUngated(this.prisma, this.scope ?? NO_TENANT, fn, this.budget);
    return this.readOn("prisma", (connection) => fn(connection as Tx));
  }

  /** Runs one read-only SQL statement in the session's transaction; rows come typed as Prisma's raw queries type them. */
  readSql<R = Record<string, unknown>>(statement: SqlStatement): Promise<R[]> {
    const raw = (tx: Tx) => tx.$queryRawUnsafe<R[]>(statement.text, ...statement.values);
    // Inside the request's own withTenant: a transaction of its own, counted once (read() would count it again).
    if (this.insideOwnExclusive()) return withTenantUngated(this.prisma, this.scope ?? NO_TENANT, raw, this.budget);
    if (!this.pool) return this.read(raw);
    return this.readOn("sql", async (connection) => {
      const client = connection as pg.PoolClient;
      // Reads of one execution wave share the client: one statement at a time on it (pg queues
      // concurrent queries only with a deprecation warning, and pg 9 will not).
      const previous = this.sqlTail.get(client) ?? Promise.resolve();
      const result = previous.then(() => {
        this.onQuery?.(statement.text);
        return client.query({ text: statement.text, values: statement.values, types: SQL_TYPES });
      });
      this.sqlTail.set(
        client,
        result.then(
          () => {},
          () => {},
        ),
      );
      return (await result).rows as R[];
    });
  }

  /** Runs `fn` (which opens its own transaction) once no read holds the connection; reads wait for it. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // A withTenant nested in one of this request's withTenant calls cannot wait for its parent.
    if (this.insideOwnExclusive()) return fn();
    this.exclusivePending++;
    const previous = this.exclusiveTail;
    let done!: () => void;
    this.exclusiveTail = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      while (this.reads > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      await this.closeTx();
      this.stats.exclusive++;
      return await sessionStorage.run({ session: this, exclusive: true }, fn);
    } finally {
      this.exclusivePending--;
      done();
      if (this.exclusivePending === 0) for (const wake of this.readWaiters.splice(0)) wake();
    }
  }

  /** Commits the session's transaction, if one is open, and gives its connection back. */
  release(): Promise<void> {
    return this.closeTx();
  }

  /**
   * A read issued from inside one of this request's own withTenant calls:
   * waiting for the session would wait for itself, so it runs in a
   * transaction of its own. Counted, so tests show the path never happens.
   */
  private insideOwnExclusive(): boolean {
    const store = sessionStorage.getStore();
    if (store?.session !== this || !store.exclusive) return false;
    this.stats.nested++;
    return true;
  }

  private async readOn<T>(lane: Lane, fn: (connection: Tx | pg.PoolClient) => Promise<T>): Promise<T> {
    for (;;) {
      while (this.exclusivePending > 0) await new Promise<void>((resolve) => this.readWaiters.push(resolve));
      if (!this.open || this.open.lane === lane) break;
      // The other lane's transaction is open: let its reads finish, commit it, then look again.
      if (this.reads > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      else await this.closeTx();
    }
    this.reads++;
    try {
      return await fn(await this.begin(lane));
    } catch (error) {
      throw budgetErrorOf(error) ?? error;
    } finally {
      this.reads--;
      if (this.reads === 0) {
        for (const wake of this.drainWaiters.splice(0)) wake();
        this.scheduleIdleClose();
      }
    }
  }

  /** The open transaction's connection, opening one on `lane` when none is open. */
  private begin(lane: Lane): Promise<Tx | pg.PoolClient> {
    if (this.open) return this.open.connection;
    const scope = this.scope ?? NO_TENANT;
    const limits = limitsFor(this.budget, {});
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const previous = this.closing ?? Promise.resolve();
    this.stats.transactions++;
    let entry!: OpenTransaction;
    const forget = () => {
      if (this.open === entry) this.open = null;
    };
    if (lane === "sql") {
      const connection = previous.then(() => this.beginSql(scope, limits));
      const done = connection.then(
        async (client) => {
          await finished;
          await this.commitSql(client);
        },
        forget,
      );
      entry = { lane, connection, finish, done };
    } else {
      let resolveTx!: (tx: Tx) => void;
      let rejectTx!: (error: unknown) => void;
      const connection = new Promise<Tx>((resolve, reject) => {
        resolveTx = resolve;
        rejectTx = reject;
      });
      const done = previous.then(() =>
        this.prisma
          .$transaction(
            async (itx) => {
              await setContext(itx, scope, limits);
              resolveTx(itx);
              await finished;
            },
            { timeout: limits.timeout, maxWait: limits.maxWait },
          )
          .then(
            () => {},
            (error: unknown) => {
              rejectTx(error);
              forget();
            },
          ),
      );
      entry = { lane, connection, finish, done };
    }
    entry.connection.catch(() => {});
    this.open = entry;
    return entry.connection;
  }

  /** A pool client in a read-only transaction with the tenant's context: one round trip after the connection. */
  private async beginSql(scope: TenantScope, limits: { statementTimeoutMs: number; idleTimeoutMs: number }): Promise<pg.PoolClient> {
    const client = await this.pool!.connect();
    try {
      // Several statements in one simple query, so no placeholders: the values are quoted by the driver.
      const statement = `BEGIN READ ONLY; ${inlineContext(client, scope, limits)}`;
      this.onQuery?.(statement);
      const results = (await client.query(statement)) as unknown as pg.QueryResult<{ fingerprint?: string | null }>[];
      checkAccess(scope, results[1]!.rows);
      return client;
    } catch (error) {
      await client.query("ROLLBACK").then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw error;
    }
  }

  private async commitSql(client: pg.PoolClient): Promise<void> {
    try {
      this.onQuery?.("COMMIT");
      await client.query("COMMIT");
      client.release();
    } catch (error) {
      // Nothing was written (read only); the connection is not trusted again.
      client.release(error as Error);
    }
  }

  private closeTx(): Promise<void> {
    const open = this.open;
    if (open) {
      const closing = open.done.finally(() => {
        if (this.closing === closing) this.closing = null;
      });
      this.open = null;
      this.closing = closing;
      open.finish();
    }
    return this.closing ?? Promise.resolve();
  }

  /** Commits once nothing has read for a tick: resolvers of one execution wave keep the transaction. */
  private scheduleIdleClose() {
    if (this.idleScheduled || !this.open) return;
    this.idleScheduled = true;
    setImmediate(() => {
      this.idleScheduled = false;
      if (this.reads === 0 && this.exclusivePending === 0) void this.closeTx();
    });
  }
}

function withTenantUngated<T>(prisma: PrismaClient, scope: TenantScope, fn: (tx: Tx) => Promise<T>, budget: DatabaseBudget): Promise<T> {
  const limits = limitsFor(budget, {});
  return prisma.$transaction(
    async (tx) => {
      await setContext(tx, scope, limits);
      return fn(tx);
    },
    { timeout: limits.timeout, maxWait: limits.maxWait },
  );
}

/** A session outside any request (scripts, tests): reads through one reused transaction. */
export function requestSession(db: Pick<Database, "prisma" | "budget">, scope: TenantScope | null = null): RequestSession {
  const session = new RequestSession(db);
  session.scope = scope;
  return session;
}

/** True when the error is PostgreSQL's unique violation, from a model query (P2002), a raw one (P2010 with SQLSTATE 23505) or plain SQL. */
export function isUniqueViolation(error: unknown): boolean {
  // A plain SQL transaction (withTenantSql) reports pg's own error.
  if (error instanceof pg.DatabaseError) return error.code === "23505";
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  return error.code === "P2010" && ((error.meta as { code?: string } | undefined)?.code === "23505" || /\b23505\b/.test(error.message));
}
