// Task use cases: create (optionally assigned to a member and linked to a
// lead, contact or deal), reassign, complete, cancel.
import { canFinishTask, type TaskStatus } from "../../domain/pipeline/task.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { checkMember } from "./deal.js";
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

async function checkLinks(uow: UnitOfWork, links: { leadId?: string | undefined; contactId?: string | undefined; dealId?: string | undefined }): Promise<UserError[]> {
  const errors: UserError[] = [];
  if (links.leadId && !(await uow.tx.lead.findUnique({ where: { id: links.leadId }, select: { id: true } }))) errors.push(userError("NOT_FOUND", "No Lead with this id.", ["input", "leadId"]));
  if (links.contactId && !(await uow.tx.contact.findUnique({ where: { id: links.contactId }, select: { id: true } }))) errors.push(userError("NOT_FOUND", "No Contact with this id.", ["input", "contactId"]));
  if (links.dealId && !(await uow.tx.deal.findUnique({ where: { id: links.dealId }, select: { id: true } }))) errors.push(userError("NOT_FOUND", "No Deal with this id.", ["input", "dealId"]));
  return errors;
}

export async function createTask(services: Services, actor: Actor, input: NewTask, idempotencyKey?: string | null): Promise<Outcome<{ taskId: string }>> {
  return runMutation(services, actor, { operation: "taskCreate", input, idempotencyKey }, (uow) => createTaskInUnitOfWork(uow, input));
}

/** Creates a task inside the caller's unit of work (agents and accepted recommendations create one with their own change). */
export async function createTaskInUnitOfWork(uow: UnitOfWork, input: NewTask, path: string[] = ["input"]): Promise<Outcome<{ taskId: string }>> {
  const errors = (await checkLinks(uow, input)).map((e) => ({ ...e, field: [...path, ...e.field.slice(1)] }));
  const assigneeError = await checkMember(uow.tx, input.assigneeId, [...path, "assigneeId"]);
  if (assigneeError) errors.push(assigneeError);
  if (errors.length) return fail(...errors);
  const task = await uow.tx.task.create({
    data: {
      tenantId: uow.actor.principal.tenantId,
      title: input.title,
      description: input.description ?? null,
      dueAt: input.dueAt ?? null,
      assigneeId: input.assigneeId ?? null,
      leadId: input.leadId ?? null,
      contactId: input.contactId ?? null,
      dealId: input.dealId ?? null,
      createdById: uow.actor.principal.userId,
    },
  });
  uow.remember?.("taskId", task);
  await uow.audit({ action: "task.created", targetType: "Task", targetId: task.id, summary: { title: task.title, assigneeId: task.assigneeId, dueAt: task.dueAt, leadId: task.leadId, dealId: task.dealId } });
  await uow.emit("sales.task.created", { taskId: task.id, assigneeId: task.assigneeId, dueAt: task.dueAt?.toISOString() ?? null });
  return ok({ taskId: task.id });
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
