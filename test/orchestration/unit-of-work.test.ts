// The unit of work writes its audit entries and outbox events in one statement
// when the use case returns, inside its transaction: both rows exist after a
// change, neither after a refused one, and events keep the order they were emitted in.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runUnitOfWork } from "../../src/orchestration/unit-of-work.js";
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
