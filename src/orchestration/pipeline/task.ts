// Task use cases: create (optionally assigned to a member and linked to a
// lead, contact or deal), reassign, complete, cancel.
import { canFinishTask, type TaskStatus } from "../../domain/pipeline/task.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { checkMember } from "./deal.js";
import { v7 as uuidv7 } from "uuid";
import type { Services } from "../services.js";
import { runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";

export interface NewTask {
  title: string;
  description?: string | undefined;
  dueAt?: Date | undefined;
  assigneeId?: string | undefined;
  leadId?: string | undefined;
  contactId?: string | undefined;
  dealId?: string | undefined;
}

/**
 * The lead, contact, deal and assignee a new task names, checked in one
 * statement (under the tenant's row-level security, as everything in the
 * unit of work), in SQL so it runs on either lane of the unit of work.
 */
async function checkTaskRefs(uow: UnitOfWork, input: NewTask, path: string[]): Promise<UserError[]> {
  const refs = [input.leadId, input.contactId, input.dealId, input.assigneeId];
  if (refs.every((id) => !id)) return [];
  const [found] = await uow.sql<{ lead: boolean; contact: boolean; deal: boolean; member: boolean }>(
    `SELECT ($1::uuid IS NULL OR EXISTS (SELECT 1 FROM "Lead" WHERE "id" = $1::uuid)) AS "lead",
            ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM "Contact" WHERE "id" = $2::uuid)) AS "contact",
            ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM "Deal" WHERE "id" = $3::uuid)) AS "deal",
            ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM "Membership" WHERE "userId" = $4::uuid)) AS "member"`,
    refs.map((id) => id || null),
  );
  const errors: UserError[] = [];
  if (!found!.lead) errors.push(userError("NOT_FOUND", "No Lead with this id.", [...path, "leadId"]));
  if (!found!.contact) errors.push(userError("NOT_FOUND", "No Contact with this id.", [...path, "contactId"]));
  if (!found!.deal) errors.push(userError("NOT_FOUND", "No Deal with this id.", [...path, "dealId"]));
  if (!found!.member) errors.push(userError("NOT_FOUND", "No member of this tenant with this id.", [...path, "assigneeId"]));
  return errors;
}

/** A Task row as Prisma's model queries return it. */
interface TaskRow {
  id: string;
  tenantId: string;
  title: string;
  description: string | null;
  dueAt: Date | null;
  assigneeId: string | null;
  status: TaskStatus;
  leadId: string | null;
  contactId: string | null;
  dealId: string | null;
  createdById: string | null;
  completedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function createTask(services: Services, actor: Actor, input: NewTask, idempotencyKey?: string | null): Promise<Outcome<{ taskId: string }>> {
  // Written in SQL (uow.sql): runs in a plain pg transaction rather than Prisma's interactive one (issue 14, write path).
  return runMutation(services, actor, { operation: "taskCreate", input, idempotencyKey }, (uow) => createTaskInUnitOfWork(uow, input), { lane: "sql" });
}

/** Creates a task inside the caller's unit of work (agents and accepted recommendations create one with their own change). */
export async function createTaskInUnitOfWork(uow: UnitOfWork, input: NewTask, path: string[] = ["input"]): Promise<Outcome<{ taskId: string }>> {
  const errors = await checkTaskRefs(uow, input, path);
  if (errors.length) return fail(...errors);
  // Ids are uuid v7 as Prisma's @default(uuid(7)) makes them; updatedAt is set on create as Prisma's @updatedAt does.
  const [task] = await uow.sql<TaskRow>(
    `INSERT INTO "Task" ("id", "tenantId", "title", "description", "dueAt", "assigneeId", "leadId", "contactId", "dealId", "createdById", "updatedAt")
     VALUES ($1::uuid, $2::uuid, $3, $4, $5::timestamptz, $6::uuid, $7::uuid, $8::uuid, $9::uuid, $10::uuid, $11::timestamptz)
     RETURNING *`,
    [
      uuidv7(),
      uow.actor.principal.tenantId,
      input.title,
      input.description ?? null,
      input.dueAt?.toISOString() ?? null,
      input.assigneeId ?? null,
      input.leadId ?? null,
      input.contactId ?? null,
      input.dealId ?? null,
      uow.actor.principal.userId ?? null,
      new Date().toISOString(),
    ],
  );
  uow.remember?.("taskId", task!);
  await uow.audit({ action: "task.created", targetType: "Task", targetId: task!.id, summary: { title: task!.title, assigneeId: task!.assigneeId, dueAt: task!.dueAt, leadId: task!.leadId, dealId: task!.dealId } });
  await uow.emit("sales.task.created", { taskId: task!.id, assigneeId: task!.assigneeId, dueAt: task!.dueAt?.toISOString() ?? null });
  return ok({ taskId: task!.id });
}

export async function assignTask(services: Services, actor: Actor, input: { taskId: string; assigneeId: string | null }, idempotencyKey?: string | null): Promise<Outcome<{ taskId: string }>> {
  return runMutation(services, actor, { operation: "taskAssign", input, idempotencyKey }, async (uow) => {
    const task = await uow.tx.task.findUnique({ where: { id: input.taskId } });
    if (!task) return fail(userError("NOT_FOUND", "No Task with this id.", ["input", "taskId"]));
    if (!canFinishTask(task.status as TaskStatus)) return fail(userError("INVALID_TRANSITION", `The task is ${task.status.toLowerCase()}.`, ["input", "taskId"]));
    const assigneeError = await checkMember(uow.tx, input.assigneeId, ["input", "assigneeId"]);
    if (assigneeError) return fail(assigneeError);
    if (task.assigneeId === input.assigneeId) return ok({ taskId: task.id });
    await uow.tx.task.update({ where: { id: task.id }, data: { assigneeId: input.assigneeId } });
    await uow.audit({ action: "task.assigned", targetType: "Task", targetId: task.id, summary: { from: task.assigneeId, to: input.assigneeId } });
    await uow.emit("sales.task.assigned", { taskId: task.id, assigneeId: input.assigneeId });
    return ok({ taskId: task.id });
  });
}

export async function finishTask(
  services: Services,
  actor: Actor,
  input: { taskId: string; status: "DONE" | "CANCELLED"; note?: string | undefined },
  idempotencyKey?: string | null,
): Promise<Outcome<{ taskId: string }>> {
  const operation = input.status === "DONE" ? "taskComplete" : "taskCancel";
  return runMutation(services, actor, { operation, input, idempotencyKey }, async (uow) => {
    const task = await uow.tx.task.findUnique({ where: { id: input.taskId } });
    if (!task) return fail(userError("NOT_FOUND", "No Task with this id.", ["input", "taskId"]));
    if (!canFinishTask(task.status as TaskStatus)) return fail(userError("INVALID_TRANSITION", `The task is already ${task.status.toLowerCase()}.`, ["input", "taskId"]));
    await uow.tx.task.update({ where: { id: task.id }, data: { status: input.status, completedAt: new Date() } });
    const verb = input.status === "DONE" ? "completed" : "cancelled";
    await uow.audit({ action: `task.${verb}`, targetType: "Task", targetId: task.id, summary: { note: input.note ?? null } });
    await uow.emit(`sales.task.${verb}`, { taskId: task.id });
    return ok({ taskId: task.id });
  });
}
