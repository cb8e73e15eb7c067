// The unit of work writes its audit entries and outbox events in one statement
// when the use case returns, inside its transaction: both rows exist after a
// change, neither after a refused one, and events keep the order they were emitted in.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runUnitOfWork } from "../../src/orchestration/unit-of-work.js";
import { createTaskInUnitOfWork } from "../../src/orchestration/pipeline/task.js";
import { fail, userError } from "../../src/domain/user-error.js";
import { asOwner } from "../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute } from "../helpers/graphql.js";

const TASK = `mutation UowTask($input: TaskCreateInput!) { taskCreate(input: $input) { task { id title } userErrors { code } } }`;

let t: TestApp;
let tenant: TestTenant;
let queries: string[] = [];
let counting = false;

beforeAll(async () => {
  t = await startTestApp({ onQuery: (sql) => counting && queries.push(sql), env: { OUTBOX_SWEEP_MS: "60000" } });
  tenant = await createTenant(t, "uow");
}, 120_000);
afterAll(() => t?.close());

const rowsFor = (taskId: string) =>
  asOwner(t.db, async (c) => ({
    audits: (await c.query(`SELECT action FROM "AuditEntry" WHERE "tenantId" = $1 AND "targetId" = $2`, [tenant.tenantId, taskId])).rows,
    events: (await c.query(`SELECT type FROM "OutboxEvent" WHERE "tenantId" = $1 AND payload->>'taskId' = $2`, [tenant.tenantId, taskId])).rows,
  }));

describe("unit of work: audit entry and outbox event", () => {
  it("writes both in one statement with the change, and the payload still shows the task", async () => {
    queries = [];
    counting = true;
    const result = await execute<{ taskCreate: { task: { id: string; title: string } | null } }, unknown>(t.graphqlUrl, TASK, { input: { title: "Call back" } }, { token: tenant.members.OPERATOR.token });
    counting = false;
    const task = result.data?.taskCreate.task;
    expect(task?.title).toBe("Call back");
    const writes = queries.filter((q) => /"AuditEntry"|"OutboxEvent"/.test(q) && /INSERT/i.test(q));
    expect(writes.length).toBe(1);
    expect(writes[0]).toMatch(/^WITH audit AS \(INSERT INTO "AuditEntry"/);
    const taskId = (await asOwner(t.db, async (c) => (await c.query(`SELECT id FROM "Task" WHERE "tenantId" = $1 AND title = 'Call back'`, [tenant.tenantId])).rows[0].id)) as string;
    expect(encodeGlobalID("Task", taskId)).toBe(task!.id);
    expect(await rowsFor(taskId)).toEqual({ audits: [{ action: "task.created" }], events: [{ type: "sales.task.created" }] });
  });

  it("writes neither when the use case refuses, and keeps the emitted order otherwise", async () => {
    const actor = { principal: { kind: "USER" as const, id: tenant.members.OPERATOR.userId, userId: tenant.members.OPERATOR.userId, tenantId: tenant.tenantId, role: "OPERATOR" as const, permissions: new Set(), label: "op" }, meta: { requestId: "uow-test", traceId: null } };
    const refused = await runUnitOfWork(t.app.services, actor as never, async (uow) => {
      await uow.audit({ action: "test.refused", targetType: "Test", targetId: "x" });
      await uow.emit("sales.task.created", { taskId: "refused" });
      return fail(userError("VALIDATION_FAILED", "no", ["input"]));
    });
    expect(refused.ok).toBe(false);
    const done = await runUnitOfWork(t.app.services, actor as never, async (uow) => {
      for (let i = 0; i < 5; i++) await uow.emit("sales.task.created", { taskId: `ordered-${i}` });
      await uow.audit({ action: "test.done", targetType: "Test", targetId: "y" });
      return { ok: true as const, value: null };
    });
    expect(done.ok).toBe(true);
    const rows = await asOwner(t.db, async (c) => ({
      refusedAudits: (await c.query(`SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND action = 'test.refused'`, [tenant.tenantId])).rowCount,
      refusedEvents: (await c.query(`SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND payload->>'taskId' = 'refused'`, [tenant.tenantId])).rowCount,
      ordered: (await c.query(`SELECT payload->>'taskId' AS id FROM "OutboxEvent" WHERE "tenantId" = $1 AND payload->>'taskId' LIKE 'ordered-%' ORDER BY "createdAt", id`, [tenant.tenantId])).rows.map((r) => r.id),
      doneAudits: (await c.query(`SELECT "requestId" FROM "AuditEntry" WHERE "tenantId" = $1 AND action = 'test.done'`, [tenant.tenantId])).rows,
    }));
    expect(rows.refusedAudits).toBe(0);
    expect(rows.refusedEvents).toBe(0);
    expect(rows.ordered).toEqual(["ordered-0", "ordered-1", "ordered-2", "ordered-3", "ordered-4"]);
    expect(rows.doneAudits).toEqual([{ requestId: "uow-test" }]);
  });
});

describe("the SQL lane (issue 14, write path): taskCreate in a plain pg transaction", () => {
  const INGEST = `mutation UowIngest($input: LeadIngestInput!) { leadIngest(input: $input) { lead { id contact { id } } userErrors { code } } }`;
  const actorOf = (member: TestTenant["members"]["OPERATOR"], of: TestTenant) => ({
    principal: { kind: "USER" as const, id: member.userId, userId: member.userId, tenantId: of.tenantId, role: "OPERATOR" as const, permissions: new Set(), label: "op" },
    meta: { requestId: "uow-sql-lane", traceId: null },
  });

  it("opens the transaction and sets the tenant in one round trip, writes three statements, and answers the payload without reading again", async () => {
    queries = [];
    counting = true;
    const result = await execute<{ taskCreate: { task: { id: string; title: string } | null } }, unknown>(t.graphqlUrl, TASK, { input: { title: "Plain lane" } }, { token: tenant.members.OPERATOR.token });
    counting = false;
    expect(result.data?.taskCreate.task?.title).toBe("Plain lane");
    const begin = queries.findIndex((q) => /^BEGIN; SELECT set_config\('app\.tenant_id', '[0-9a-f-]{36}', true\)/.test(q));
    expect(begin).toBeGreaterThanOrEqual(0);
    // The outbox dispatcher (woken by the commit) logs its own statements on the same hook: keep the request's.
    const tx = queries.slice(begin).filter((q) => /^(BEGIN; |INSERT INTO "Task"|WITH audit AS |COMMIT$)/.test(q) || /"Task"/.test(q));
    expect(tx[1]).toMatch(/^INSERT INTO "Task"/);
    expect(tx[2]).toMatch(/^WITH audit AS \(INSERT INTO "AuditEntry"/);
    expect(tx[3]).toBe("COMMIT");
    // No Prisma transaction and no read of the task after the commit: the payload is the inserted row.
    expect(tx.slice(4).filter((q) => /"Task"/.test(q))).toEqual([]);
    const stored = await asOwner(t.db, async (c) => (await c.query(`SELECT id, "createdById", status FROM "Task" WHERE "tenantId" = $1 AND title = 'Plain lane'`, [tenant.tenantId])).rows);
    expect(stored).toEqual([{ id: expect.any(String), createdById: tenant.members.OPERATOR.userId, status: "OPEN" }]);
    expect(encodeGlobalID("Task", stored[0].id)).toBe(result.data?.taskCreate.task?.id);
  });

  it("checks the lead, contact, deal and assignee under the tenant's row-level security: another tenant's are NOT_FOUND", async () => {
    const other = await createTenant(t, "uow-other");
    const ingested = await execute<{ leadIngest: { lead: { id: string; contact: { id: string } } } }, unknown>(t.graphqlUrl, INGEST, { input: { email: "someone@other-co.example" } }, { token: other.members.OPERATOR.token });
    const lead = ingested.data!.leadIngest.lead;
    const WITH_ERRORS = `mutation UowTaskErrors($input: TaskCreateInput!) { taskCreate(input: $input) { task { id } userErrors { code field } } }`;
    const refused = await execute<{ taskCreate: { task: null; userErrors: { code: string; field: string[] }[] } }, unknown>(
      t.graphqlUrl,
      WITH_ERRORS,
      { input: { title: "Cross tenant", leadId: lead.id, contactId: lead.contact.id, assigneeId: encodeGlobalID("User", other.members.MANAGER.userId) } },
      { token: tenant.members.OPERATOR.token },
    );
    expect(refused.data?.taskCreate.task).toBeNull();
    expect(refused.data?.taskCreate.userErrors).toEqual([
      { code: "NOT_FOUND", field: ["input", "leadId"] },
      { code: "NOT_FOUND", field: ["input", "contactId"] },
      { code: "NOT_FOUND", field: ["input", "assigneeId"] },
    ]);
    // The same ids in their own tenant are found.
    const own = await execute<{ taskCreate: { task: { id: string } | null; userErrors: unknown[] } }, unknown>(
      t.graphqlUrl,
      WITH_ERRORS,
      { input: { title: "Own tenant", leadId: lead.id, contactId: lead.contact.id, assigneeId: encodeGlobalID("User", other.members.MANAGER.userId) } },
      { token: other.members.OPERATOR.token },
    );
    expect(own.data?.taskCreate.userErrors).toEqual([]);
    const rows = await asOwner(t.db, async (c) => (await c.query(`SELECT "tenantId" FROM "Task" WHERE title IN ('Cross tenant', 'Own tenant')`)).rows);
    expect(rows).toEqual([{ tenantId: other.tenantId }]);
  });

  it("rolls the task, its audit entry and its event back together when the use case refuses after writing, and has no Prisma client", async () => {
    const actor = actorOf(tenant.members.OPERATOR, tenant);
    let touchedTx: unknown = null;
    const refused = await runUnitOfWork(
      t.app.services,
      actor as never,
      async (uow) => {
        const created = await createTaskInUnitOfWork(uow, { title: "Rolled back on the SQL lane" });
        expect(created.ok).toBe(true);
        try {
          void uow.tx.task;
        } catch (error) {
          touchedTx = error;
        }
        return fail(userError("VALIDATION_FAILED", "no", ["input"]));
      },
      { lane: "sql" },
    );
    expect(refused.ok).toBe(false);
    expect(String(touchedTx)).toMatch(/SQL lane/);
    const left = await asOwner(t.db, async (c) => ({
      tasks: (await c.query(`SELECT 1 FROM "Task" WHERE "tenantId" = $1 AND title = 'Rolled back on the SQL lane'`, [tenant.tenantId])).rowCount,
      audits: (await c.query(`SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "requestId" = 'uow-sql-lane'`, [tenant.tenantId])).rowCount,
    }));
    expect(left).toEqual({ tasks: 0, audits: 0 });
    // The connection went back to the pool clean: the next unit of work on it commits normally.
    const done = await runUnitOfWork(t.app.services, actor as never, (uow) => createTaskInUnitOfWork(uow, { title: "After the rollback" }), { lane: "sql" });
    expect(done.ok).toBe(true);
  });
});
