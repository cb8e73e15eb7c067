// The audit entries and outbox events of one unit of work, written in one
// statement (issue 14, write path): `WITH audit AS (INSERT …) INSERT …`. The
// profile of taskCreate showed each Prisma `create` (query plan, RETURNING of
// every column, result mapping) costing more service CPU than the insert
// itself; this is one round trip and no result. Runs in the unit of work's
// transaction, so the rows still commit or roll back with the change.

/** Runs one statement in the unit of work's transaction (Prisma's or a plain SQL one). */
export type Execute = (text: string, values: unknown[]) => Promise<unknown>;

export interface AuditRow {
  id: string;
  tenantId: string;
  actorType: string;
  actorId: string;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  summary: unknown;
  requestId: string | null;
  traceId: string | null;
}

export interface OutboxRow {
  id: string;
  tenantId: string;
  type: string;
  payload: unknown;
}

/** Rows per statement: far below PostgreSQL's 65,535 parameters. */
const CHUNK = 1000;

export async function writeAuditAndEvents(execute: Execute, audits: AuditRow[], events: OutboxRow[]): Promise<void> {
  for (let i = 0; i < Math.max(audits.length, events.length); i += CHUNK) {
    await writeChunk(execute, audits.slice(i, i + CHUNK), events.slice(i, i + CHUNK));
  }
}

async function writeChunk(execute: Execute, audits: AuditRow[], events: OutboxRow[]): Promise<void> {
  if (!audits.length && !events.length) return;
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value === undefined ? null : value);
    return `$${params.length}`;
  };
  const auditSql = `INSERT INTO "AuditEntry" ("id", "tenantId", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "summary", "requestId", "traceId") VALUES ${audits
    .map(
      (a) =>
        `(${p(a.id)}::uuid, ${p(a.tenantId)}::uuid, ${p(a.actorType)}::"ActorType", ${p(a.actorId)}, ${p(a.actorLabel)}, ${p(a.action)}, ${p(a.targetType)}, ${p(a.targetId)}, ${p(JSON.stringify(a.summary ?? {}))}::jsonb, ${p(a.requestId)}, ${p(a.traceId)})`,
    )
    .join(", ")}`;
  const eventSql = `INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "payload") VALUES ${events
    .map((e) => `(${p(e.id)}::uuid, ${p(e.tenantId)}::uuid, ${p(e.type)}, ${p(JSON.stringify(e.payload))}::jsonb)`)
    .join(", ")}`;
  const sql = audits.length && events.length ? `WITH audit AS (${auditSql}) ${eventSql}` : audits.length ? auditSql : eventSql;
  await execute(sql, params);
}
