// Agent runs: every agent job, its status and attempts, what it worked on and
// produced, the error, and the AI calls it made (permission ai:read).
import type { Prisma } from "../../../data/database.js";
import { AGENT_RUN_STATUSES, AGENTS } from "../../../domain/agent/agent.js";
import { builder } from "../../builder.js";
import { filterId } from "../pipeline/sales-common.js";

export const AgentRunStatusEnum = builder.enumType("AgentRunStatus", {
  description: "QUEUED (waiting, or waiting for a retry), RUNNING, SUCCEEDED, FAILED (no retry can help, or the last attempt failed), DEAD (dead-lettered after every attempt).",
  values: AGENT_RUN_STATUSES,
});

builder.prismaNode("AgentRun", {
  id: { field: "id" },
  authScopes: { permission: "ai:read" },
  description: `One agent job. Agents: ${AGENTS.join(", ")}.`,
  fields: (t) => ({
    agent: t.exposeString("agent"),
    queue: t.exposeString("queue"),
    status: t.expose("status", { type: AgentRunStatusEnum }),
    attempts: t.exposeInt("attempts", { description: "Attempts started so far." }),
    maxAttempts: t.exposeInt("maxAttempts"),
    jobId: t.exposeString("jobId", { description: "The pg-boss job id (the same across retries)." }),
    priority: t.exposeInt("priority", { description: "Fair-share priority: minus the tenant's pending runs of this agent when it was queued." }),
    input: t.expose("input", { type: "JSON", description: "What it works on (ids and options)." }),
    output: t.expose("output", { type: "JSON", nullable: true, description: "What it produced (ids and a summary)." }),
    error: t.exposeString("error", { nullable: true, description: "The last error (kept while a retry is pending)." }),
    fallbackReason: t.exposeString("fallbackReason", { nullable: true, description: "Why the local provider answered instead of the tenant's external one." }),
    triggeredBy: t.exposeString("triggeredBy"),
    lead: t.relation("lead", { nullable: true }),
    deal: t.relation("deal", { nullable: true }),
    invocations: t.relation("invocations", { description: "The AI calls the run made, oldest first.", query: () => ({ orderBy: { id: "asc" } }) }),
    queuedAt: t.expose("queuedAt", { type: "DateTime" }),
    startedAt: t.expose("startedAt", { type: "DateTime", nullable: true }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
  }),
});

const AgentRunFilter = builder.inputType("AgentRunFilter", {
  fields: (t) => ({
    agent: t.stringList({ required: false, description: `Agent names: ${AGENTS.join(", ")}.` }),
    status: t.field({ type: [AgentRunStatusEnum], required: false }),
    leadId: t.id({ required: false }),
    dealId: t.id({ required: false }),
    from: t.field({ type: "DateTime", required: false, description: "Queued at or after." }),
  }),
});

builder.queryField("agentRuns", (t) =>
  t.prismaConnection(
    {
      type: "AgentRun",
      cursor: "id",
      description: "The tenant's agent runs, newest first.",
      authScopes: { permission: "ai:read" },
      args: { filter: t.arg({ type: AgentRunFilter, required: false }) },
      resolve: (query, _root, { filter }, ctx) => {
        const where: Prisma.AgentRunWhereInput = {};
        if (filter?.agent?.length) where.agent = { in: filter.agent };
        if (filter?.status?.length) where.status = { in: filter.status };
        if (filter?.leadId) where.leadId = filterId(String(filter.leadId), "Lead");
        if (filter?.dealId) where.dealId = filterId(String(filter.dealId), "Deal");
        if (filter?.from) where.queuedAt = { gte: filter.from };
        return ctx.db.agentRun.findMany({ ...query, where, orderBy: { id: "desc" } });
      },
    },
    { name: "AgentRunConnection" },
    { name: "AgentRunEdge" },
  ),
);
