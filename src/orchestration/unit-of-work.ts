// The shape every state-changing use case follows: one transaction, scoped to
// the actor's tenant, in which the change, its audit entry and its outbox
// event are written together — or none of them is. A use case that returns
// userErrors rolls back, so a refused request never leaves half a change.
import { createHash } from "node:crypto";
import type { ActorType } from "../generated/prisma/enums.js";
import { v7 as uuidv7 } from "uuid";
import { insertRows, type BulkColumn } from "../data/bulk-insert.js";
import { writeAuditAndEvents, type AuditRow, type OutboxRow } from "../data/audit-outbox.js";
import { withTenant, withTenantSql, type SqlTx, type TransactionOptions, type Tx, Prisma } from "../data/database.js";
import { canonicalJson } from "../domain/canonical-json.js";
import { assertEventName } from "../domain/event.js";
import type { Principal, RequestMeta } from "../domain/access/principal.js";
import { redact } from "../domain/redaction.js";
import { unstorableText } from "../domain/draft/safe-text.js";
import { fail, userError, type Outcome, type UserError } from "../domain/user-error.js";
import { accessExpectation } from "./access/auth.js";
import type { Services } from "./services.js";

export interface Actor {
  principal: Principal;
  meta: RequestMeta;
}

export interface AuditInput {
  action: string;
  targetType?: string;
  targetId?: string;
  /** What changed; redacted before it is stored. */
  summary?: Record<string, unknown>;
}

/**
 * What a unit of work's transaction runs on: Prisma's interactive transaction
 * (`tx` and `sql`), or a plain pg transaction (`sql` only; issue 14's write
 * path, for use cases written in SQL such as taskCreate).
 */
export type UnitOfWorkLane = "prisma" | "sql";

export interface UnitOfWorkOptions extends TransactionOptions {
  /** "sql": the use case uses `uow.sql` only, so it runs without Prisma (default "prisma"). */
  lane?: UnitOfWorkLane;
}

export interface UnitOfWork {
  /** Prisma's transaction client. On the SQL lane there is none: touching it throws. */
  tx: Tx;
  actor: Actor;
  /** Which lane the transaction runs on. */
  lane: UnitOfWorkLane;
  /**
   * Runs one statement in this unit of work's transaction, on either lane;
   * rows come typed as Prisma's raw queries type them.
   */
  sql<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /**
   * Records an audit entry. Entries and events are written together in one
   * statement when the use case returns (still inside its transaction, so they
   * commit or roll back with the change); a use case that rolls back to a
   * savepoint of its own uses bufferedUnitOfWork's mark/discardFrom.
   */
  audit(entry: AuditInput): Promise<void>;
  /** Records an outbox event (written with the audit entries); it is published after the transaction commits. */
  emit(type: string, payload: Record<string, unknown>): Promise<void>;
  /**
   * The row a result key (`taskId`, …) names, as this use case last wrote it and
   * will not change again: spares reading it back for the committed-row fallback.
   */
  remember?(idKey: string, row: { id: string }): void;
}

class Rollback extends Error {
  constructor(readonly errors: UserError[]) {
    super("rolled back: business rule refused the change");
  }
}

const ACTOR_TYPE: Record<Principal["kind"], ActorType> = { USER: "USER", API_KEY: "API_KEY", AGENT: "AGENT" };

function auditData(actor: Actor, entry: AuditInput): Prisma.AuditEntryCreateManyInput {
  const { principal, meta } = actor;
  return {
    tenantId: principal.tenantId,
    actorType: ACTOR_TYPE[principal.kind],
    actorId: principal.id,
    actorLabel: principal.label,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    summary: (redact(entry.summary ?? {}) ?? {}) as Prisma.InputJsonValue,
    requestId: meta.requestId,
    traceId: meta.traceId,
  };
}

function outboxData(actor: Actor, type: string, payload: Record<string, unknown>): Prisma.OutboxEventCreateManyInput {
  assertEventName(type);
  return { tenantId: actor.principal.tenantId, type, payload: { ...payload, actor: actor.principal.label } as Prisma.InputJsonValue };
}

interface PendingUnitOfWork extends UnitOfWork {
  /** Writes the recorded audit entries and events (one statement; issue 14's write path). */
  flush(): Promise<void>;
  remembered: Map<string, { id: string }>;
}

/** Prisma's transaction client where there is one; on the SQL lane, a client that says what went wrong. */
const NO_PRISMA_TX = new Proxy({} as Tx, {
  get(_target, key) {
    if (key === "then") return undefined;
    throw new Error(`This unit of work runs on the SQL lane (lane: "sql"): use uow.sql, not uow.tx.${String(key)}.`);
  },
});

function unitOfWork(connection: { lane: "prisma"; tx: Tx } | { lane: "sql"; sql: SqlTx }, actor: Actor): PendingUnitOfWork {
  const audits: AuditRow[] = [];
  const events: OutboxRow[] = [];
  const remembered = new Map<string, { id: string }>();
  const tx = connection.lane === "prisma" ? connection.tx : NO_PRISMA_TX;
  const sql =
    connection.lane === "prisma"
      ? <R>(text: string, values: unknown[] = []) => connection.tx.$queryRawUnsafe<R[]>(text, ...values)
      : <R>(text: string, values: unknown[] = []) => connection.sql.query<R>(text, values);
  const execute = connection.lane === "prisma" ? (text: string, values: unknown[]) => connection.tx.$executeRawUnsafe(text, ...values) : sql;
  return {
    tx,
    actor,
    lane: connection.lane,
    sql,
    remembered,
    // Built (redacted, event name checked) at the call, as before; ids are uuid v7 in call order,
    // so events keep the order they were emitted in within the transaction's one timestamp.
    async audit(entry) {
      audits.push({ id: uuidv7(), ...(auditData(actor, entry) as Omit<AuditRow, "id">) });
    },
    async emit(type, payload) {
      events.push({ id: uuidv7(), ...(outboxData(actor, type, payload) as Omit<OutboxRow, "id">) });
    },
    remember(idKey, row) {
      remembered.set(idKey, row);
    },
    async flush() {
      await writeAuditAndEvents(execute, audits.splice(0), events.splice(0));
    },
  };
}

export interface BufferedUnitOfWork extends UnitOfWork {
  /** Where the buffers stand now. */
  mark(): { audits: number; events: number };
  /** Drops what was buffered since `mark` (the part of a batch that was rolled back to a savepoint). */
  discardFrom(mark: { audits: number; events: number }): void;
  /** Writes the buffered audit entries and events, in order, in two statements. */
  flush(): Promise<void>;
}

const AUDIT_COLUMNS: BulkColumn[] = [
  ["id", "uuid"], ["tenantId", "uuid"], ["actorType", "ActorType"], ["actorId", "text"], ["actorLabel", "text"], ["action", "text"],
  ["targetType", "text"], ["targetId", "text"], ["summary", "jsonb"], ["requestId", "text"], ["traceId", "text"],
];
const OUTBOX_COLUMNS: BulkColumn[] = [["id", "uuid"], ["tenantId", "uuid"], ["type", "text"], ["payload", "jsonb"]];

/**
 * The same unit of work for batches (imports): audit entries and events are
 * held in memory and written together by flush(), still inside the
 * transaction, so they commit or roll back with the change as always.
 */
export function bufferedUnitOfWork(uow: UnitOfWork): BufferedUnitOfWork {
  const audits: Prisma.AuditEntryCreateManyInput[] = [];
  const events: Prisma.OutboxEventCreateManyInput[] = [];
  return {
    tx: uow.tx,
    actor: uow.actor,
    lane: uow.lane,
    sql: uow.sql,
    remember: uow.remember,
    async audit(entry) {
      audits.push(auditData(uow.actor, entry));
    },
    async emit(type, payload) {
      events.push(outboxData(uow.actor, type, payload));
    },
    mark: () => ({ audits: audits.length, events: events.length }),
    discardFrom(mark) {
      audits.length = mark.audits;
      events.length = mark.events;
    },
    async flush() {
      // Ids are made here, time-ordered (uuid v7), so within the transaction's one timestamp
      // the events keep the order they were emitted in.
      const withIds = <T extends object>(rows: T[]) => rows.splice(0).map((r) => ({ id: uuidv7(), ...r }));
      await insertRows(uow.tx, "AuditEntry", AUDIT_COLUMNS, withIds(audits));
      await insertRows(uow.tx, "OutboxEvent", OUTBOX_COLUMNS, withIds(events));
    },
  };
}

/** Runs a use case in one tenant-scoped transaction; a failed Outcome rolls everything back. */
export async function runUnitOfWork<T>(
  services: Pick<Services, "db">,
  actor: Actor,
  fn: (uow: UnitOfWork) => Promise<Outcome<T>>,
  options: UnitOfWorkOptions = {},
): Promise<Outcome<T>> {
  const scope = { tenantId: actor.principal.tenantId, userId: actor.principal.userId, access: accessExpectation(actor.principal) };
  const { lane = "prisma", ...transaction } = options;
  const body = async (uow: PendingUnitOfWork) => {
    const outcome = await fn(uow);
    if (!outcome.ok) throw new Rollback(outcome.errors);
    await uow.flush();
    return outcome;
  };
  try {
    if (lane === "sql") return await withTenantSql(services.db, scope, (sql) => body(unitOfWork({ lane: "sql", sql }, actor)), transaction);
    return await withTenant(services.db.prisma, scope, (tx) => body(unitOfWork({ lane: "prisma", tx }, actor)), transaction);
  } catch (error) {
    if (error instanceof Rollback) return fail(...error.errors);
    throw error;
  }
}

export interface MutationRequest {
  /** The mutation's name, e.g. "membershipChangeRole". */
  operation: string;
  input: unknown;
  idempotencyKey?: string | null;
}

/**
 * A state-changing mutation. With an idempotency key, the first successful
 * result is stored in the same transaction as the change; a retry with the
 * same key and input gets that result back and changes nothing, and the same
 * key with a different input is refused. Concurrent retries serialise on the
 * key's unique index, so only one of them does the work.
 */
export async function runMutation<T>(
  services: Pick<Services, "db" | "config">,
  actor: Actor,
  request: MutationRequest,
  fn: (uow: UnitOfWork) => Promise<Outcome<T>>,
  /** For long batches (imports): a longer transaction timeout; lane "sql" for use cases written in SQL. */
  options: UnitOfWorkOptions = {},
): Promise<Outcome<T>> {
  const key = request.idempotencyKey?.trim();
  if (!key) return runUnitOfWork(services, actor, withCommittedRows(fn), options);
  if (key.length > 200) {
    return fail(userError("VALIDATION_FAILED", "Idempotency key must be at most 200 characters.", ["idempotencyKey"]));
  }
  const unstorable = unstorableText(key);
  if (unstorable) return fail(userError("VALIDATION_FAILED", `Idempotency key ${unstorable}.`, ["idempotencyKey"]));
  const requestHash = hashRequest(request.operation, request.input);
  const ttlMs = services.config.IDEMPOTENCY_TTL_HOURS * 3_600_000;
  return runUnitOfWork(services, actor, async (uow) => {
    const { principal } = actor;
    // In SQL (uow.sql), so the record is kept on either lane of the unit of work.
    const sql = uow.sql;
    const inserted = await sql<{ id: string }>(
      `INSERT INTO "IdempotencyRecord" ("id", "tenantId", "principalId", "key", "operation", "requestHash", "expiresAt")
      VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5, $6::timestamptz)
      ON CONFLICT ("tenantId", "principalId", "key") DO NOTHING
      RETURNING "id"::text AS "id"`,
      [principal.tenantId, principal.id, key, request.operation, requestHash, new Date(Date.now() + ttlMs).toISOString()],
    );
    if (inserted.length === 0) {
      const [existing] = await sql<{ operation: string; requestHash: string; response: unknown }>(
        `SELECT "operation", "requestHash", "response" FROM "IdempotencyRecord" WHERE "tenantId" = $1::uuid AND "principalId" = $2 AND "key" = $3`,
        [principal.tenantId, principal.id, key],
      );
      if (!existing) throw new Error("The idempotency record this request conflicted with is gone.");
      if (existing.operation !== request.operation || existing.requestHash !== requestHash) {
        return fail(
          userError(
            "IDEMPOTENCY_KEY_REUSED",
            "This idempotency key was already used for a different request. Use a new key for a new request.",
            ["idempotencyKey"],
          ),
        );
      }
      return { ok: true, value: existing.response as T };
    }
    const outcome = await withCommittedRows(fn)(uow);
    if (outcome.ok) {
      await sql(`UPDATE "IdempotencyRecord" SET "response" = $1::jsonb WHERE "id" = $2::uuid`, [JSON.stringify(outcome.value ?? null), inserted[0]!.id]);
    }
    return outcome;
  }, options);
}

const COMMITTED = Symbol("rows as committed");
const FINAL = Symbol("rows the use case remembered as final");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads back, inside the transaction, the rows a mutation's result names
 * (`leadId` → the Lead, `draftId` → the Draft, …) and keeps them on the result
 * (under a symbol: never serialised, never in an idempotency record). The API
 * answers from them when reading the payload again after the commit fails, so
 * a change that committed is never reported as an error.
 */
function withCommittedRows<T>(fn: (uow: UnitOfWork) => Promise<Outcome<T>>): (uow: UnitOfWork) => Promise<Outcome<T>> {
  return async (uow) => {
    const outcome = await fn(uow);
    if (!outcome.ok || !outcome.value || typeof outcome.value !== "object" || Array.isArray(outcome.value) || !Object.isExtensible(outcome.value)) return outcome;
    const rows: Record<string, object> = {};
    const final: Record<string, true> = {};
    const remembered = (uow as Partial<PendingUnitOfWork>).remembered;
    for (const [key, id] of Object.entries(outcome.value as Record<string, unknown>)) {
      if (!key.endsWith("Id") || typeof id !== "string" || !UUID.test(id)) continue;
      const known = remembered?.get(key);
      if (known && known.id === id) {
        rows[key] = known;
        final[key] = true;
        continue;
      }
      // The SQL lane has no Prisma client to read rows with (and model results differ from raw rows): remembered rows only.
      if (uow.lane === "sql") continue;
      const delegate = (uow.tx as unknown as Record<string, { findUnique?: (args: { where: { id: string } }) => Promise<object | null> } | undefined>)[key.slice(0, -2)];
      if (typeof delegate?.findUnique !== "function") continue;
      const row = await delegate.findUnique({ where: { id } });
      if (row) rows[key] = row;
    }
    Object.defineProperty(outcome.value, COMMITTED, { value: rows, enumerable: true });
    Object.defineProperty(outcome.value, FINAL, { value: final, enumerable: true });
    return outcome;
  };
}

/** The row named `idKey` as it was committed by the mutation whose result (or payload spread from it) is `result`. */
export function committedRow(result: unknown, idKey: string): object | null {
  if (!result || typeof result !== "object") return null;
  const rows = (result as { [COMMITTED]?: Record<string, object> })[COMMITTED];
  return rows?.[idKey] ?? null;
}

/**
 * The row named `idKey` when the use case remembered it as final (its last
 * write in the transaction, e.g. the RETURNING of the insert): the payload
 * can answer plain fields from it without reading it again after the commit.
 */
export function finalRow(result: unknown, idKey: string): object | null {
  if (!result || typeof result !== "object") return null;
  const final = (result as { [FINAL]?: Record<string, true> })[FINAL];
  return final?.[idKey] ? committedRow(result, idKey) : null;
}

function hashRequest(operation: string, input: unknown): string {
  return createHash("sha256").update(operation).update("\0").update(canonicalJson(input)).digest("hex");
}

export { canonicalJson };
