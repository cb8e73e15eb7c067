// Tasks: follow-ups with a due time and an assignee.
import { z } from "zod";
import type { Prisma } from "../../../data/database.js";
import { TASK_STATUSES } from "../../../domain/pipeline/task.js";
import type { UserError } from "../../../domain/user-error.js";
import { assignTask, createTask, finishTask } from "../../../orchestration/pipeline/task.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { filterId, optionalIds, SortDirectionEnum, userGlobalId } from "./sales-common.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

const TaskStatusEnum = builder.enumType("TaskStatus", { values: TASK_STATUSES });

builder.prismaNode("Task", {
  id: { field: "id" },
  authScopes: { permission: "lead:read" },
  fields: (t) => ({
    title: t.exposeString("title"),
    description: t.exposeString("description", { nullable: true }),
    dueAt: t.expose("dueAt", { type: "DateTime", nullable: true }),
    status: t.expose("status", { type: TaskStatusEnum }),
    assigneeId: t.field({ type: "ID", nullable: true, description: "Global id of the assigned User.", resolve: (task) => userGlobalId(task.assigneeId) }),
    createdById: t.field({ type: "ID", nullable: true, resolve: (task) => userGlobalId(task.createdById) }),
    lead: t.relation("lead", { nullable: true }),
    contact: t.relation("contact", { nullable: true }),
    deal: t.relation("deal", { nullable: true }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const TaskFilter = builder.inputType("TaskFilter", {
  fields: (t) => ({
    status: t.field({ type: [TaskStatusEnum], required: false }),
    assigneeId: t.id({ required: false }),
    leadId: t.id({ required: false }),
    dealId: t.id({ required: false }),
    dueBefore: t.field({ type: "DateTime", required: false }),
  }),
});

builder.queryField("tasks", (t) =>
  t.prismaConnection(
    {
      type: "Task",
      cursor: "id",
      description: "Tasks, soonest due first (tasks without a due time last).",
      authScopes: { permission: "lead:read" },
      args: { filter: t.arg({ type: TaskFilter, required: false }), direction: t.arg({ type: SortDirectionEnum, required: false }) },
      resolve: (query, _root, { filter, direction }, ctx) => {
        const where: Prisma.TaskWhereInput = {};
        if (filter?.status?.length) where.status = { in: filter.status };
        if (filter?.assigneeId) where.assigneeId = filterId(String(filter.assigneeId), "User");
        if (filter?.leadId) where.leadId = filterId(String(filter.leadId), "Lead");
        if (filter?.dealId) where.dealId = filterId(String(filter.dealId), "Deal");
        if (filter?.dueBefore) where.dueAt = { lt: filter.dueBefore };
        const dir = direction === "DESC" ? "desc" : "asc";
        return ctx.db.task.findMany({ ...query, where, orderBy: [{ dueAt: { sort: dir, nulls: "last" } }, { id: dir }] });
      },
    },
    { name: "TaskConnection" },
    { name: "TaskEdge" },
  ),
);

const TaskPayload = payloadType<Payload<{ taskId: string }>>("TaskPayload", (t) => ({
  task: t.prismaField({ type: "Task", nullable: true, resolve: (q, p, _a, ctx) => (p.taskId ? ctx.db.task.findUnique({ ...q, where: { id: p.taskId } }) : null) }),
}));

const taskSchema = z.object({
  title: z.string().trim().min(1, "must not be empty").max(300),
  description: z.string().max(10_000).optional(),
});

const TaskCreateInput = builder.inputType("TaskCreateInput", {
  fields: (t) => ({
    title: t.string({ required: true }),
    description: t.string({ required: false }),
    dueAt: t.field({ type: "DateTime", required: false }),
    assigneeId: t.id({ required: false, description: "Global id of a User who is a member." }),
    leadId: t.id({ required: false }),
    contactId: t.id({ required: false }),
    dealId: t.id({ required: false }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("taskCreate", (t) =>
  t.field({
    type: TaskPayload,
    authScopes: { permission: "task:write" },
    args: { input: t.arg({ type: TaskCreateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const ids = optionalIds(errors, {
        assigneeId: { value: input.assigneeId == null ? null : String(input.assigneeId), type: "User" },
        leadId: { value: input.leadId == null ? null : String(input.leadId), type: "Lead" },
        contactId: { value: input.contactId == null ? null : String(input.contactId), type: "Contact" },
        dealId: { value: input.dealId == null ? null : String(input.dealId), type: "Deal" },
      });
      const parsed = parseInput(taskSchema, { title: input.title, description: input.description ?? undefined });
      if (!parsed.ok) errors.push(...parsed.errors);
      if (errors.length || !parsed.ok) return errorPayload<{ taskId: string }>(errors);
      return toPayload(await createTask(ctx.services, actorOf(ctx), { ...parsed.data, dueAt: input.dueAt ?? undefined, ...ids }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const TaskAssignInput = builder.inputType("TaskAssignInput", {
  fields: (t) => ({
    taskId: t.id({ required: true }),
    assigneeId: t.id({ required: false, description: "Global id of a member; null unassigns." }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("taskAssign", (t) =>
  t.field({
    type: TaskPayload,
    authScopes: { permission: "task:write" },
    args: { input: t.arg({ type: TaskAssignInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const errors: UserError[] = [];
      const task = idOf(String(input.taskId), "Task", ["input", "taskId"]);
      if (!task.ok) errors.push(...task.errors);
      const ids = optionalIds(errors, { assigneeId: { value: input.assigneeId == null ? null : String(input.assigneeId), type: "User" } });
      if (errors.length || !task.ok) return errorPayload<{ taskId: string }>(errors);
      return toPayload(await assignTask(ctx.services, actorOf(ctx), { taskId: task.id, assigneeId: ids.assigneeId ?? null }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

for (const [name, status] of [
  ["taskComplete", "DONE"],
  ["taskCancel", "CANCELLED"],
] as const) {
  const Input = builder.inputType(`${name[0]!.toUpperCase()}${name.slice(1)}Input`, {
    fields: (t) => ({
      taskId: t.id({ required: true }),
      note: t.string({ required: false }),
      idempotencyKey: t.string({ required: false }),
    }),
  });
  builder.mutationField(name, (t) =>
    t.field({
      type: TaskPayload,
      authScopes: { permission: "task:write" },
      args: { input: t.arg({ type: Input, required: true }) },
      resolve: async (_root, { input }, ctx) => {
        const task = idOf(String(input.taskId), "Task", ["input", "taskId"]);
        if (!task.ok) return errorPayload<{ taskId: string }>(task.errors);
        return toPayload(await finishTask(ctx.services, actorOf(ctx), { taskId: task.id, status, note: input.note ?? undefined }, input.idempotencyKey ?? ctx.idempotencyKey));
      },
    }),
  );
}
