// Next-best-action recommendations. The recommender agent reads the lead's or
// deal's facts, asks the runtime for ranked actions from the tools the policy
// allows (role, tenant configuration, compliance mode, contact status), and
// stores them, replacing the previous open set. A person accepts one: the
// action runs through the normal use case AS THAT PERSON, after a check of
// their own permission for the tool, so a recommendation never grants a right
// they lack; an e-mail becomes a draft for review, never a send. Or they
// dismiss it with a reason, kept as feedback.
import { memoriesForContext } from "../memory/memory.js";
import type { RecommendedAction } from "../../ai/prompts/next-best-action.js";
import type { Prisma } from "../../data/database.js";
import { withTenant } from "../../data/database.js";
import { TOOL_PERMISSION, type RecommendationTool } from "../../domain/tenant/ai-policy.js";
import { HUMAN_ROLES, type Role } from "../../domain/access/permission.js";
import { parseEmail } from "../../domain/email.js";
import { nameFromDisplay } from "../../domain/inbound/inbound-message.js";
import { can } from "../../domain/access/principal.js";
import { acceptArguments, decisionRefusal, type RecommendationStatus, type ToolArguments } from "../../domain/pipeline/recommendation.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { recordActivity } from "./activity.js";
import { loadSalesContext, memberRole, type SalesContext } from "../agent/agent-facts.js";
import { AgentSkip, enqueueAgent, type AgentRunContext } from "../agent/agent-run.js";
import { progressDealInUnitOfWork } from "./deal.js";
import { createDraftInUnitOfWork } from "../draft/draft.js";
import { citedIn, composeDraft, type ComposedDraft, type DraftSpec } from "../draft/draft-writer.js";
import type { Services } from "../services.js";
import { createTaskInUnitOfWork } from "./task.js";
import { runMutation, runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";
import { enrollByTrigger } from "../sequence/sequence.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";

const MAX_ACTIONS = 3;

/** Whose rights the suggestions are shaped for when nobody asked: the owner's, else a manager's (accepting checks the person's own rights anyway). */
const DEFAULT_AUDIENCE: Role = "MANAGER";

export interface RecommenderInput {
  leadId?: string | null;
  dealId?: string | null;
  /** The role of the person who asked (recommendationsGenerate). */
  audienceRole?: Role | null;
}

/** The recommender agent. */
export async function runRecommender(services: Services, run: AgentRunContext): Promise<Record<string, unknown>> {
  const input = run.input as RecommenderInput;
  const context = await withTenant(services.db.prisma, { tenantId: run.tenantId }, async (tx) => {
    const sales = await loadSalesContext(tx, run.tenantId, { leadId: input.leadId, dealId: input.dealId });
    if (!sales) return null;
    const role = input.audienceRole ?? (await memberRole(tx, sales.ownerId)) ?? DEFAULT_AUDIENCE;
    return { sales, role };
  });
  if (!context) throw new AgentSkip("the lead or deal no longer exists");
  const { sales, role } = context;
  // Long memory: earlier notes, calls and mail about the contact, so the plan does not repeat what was done or promised.
  const memories = await memoriesForContext(services, run.ai, {
    query: [sales.facts.threadNextStep, ...sales.facts.openObjections, sales.facts.deal?.name, sales.facts.lead?.companyName].filter(Boolean).join(" "),
    contactId: sales.contactId,
  });
  const facts = memories.length
    ? { ...sales.facts, memories: memories.map((m) => ({ source: m.source, date: m.occurredAt, title: m.title, excerpt: m.excerpt })) }
    : sales.facts;
  const result = await services.ai.recommendActions(
    { ...run.ai, knownNames: [sales.facts.lead?.contactName ?? null], settings: sales.settings.ai },
    { facts, role, contact: sales.tool.contact, deal: sales.tool.deal, maxActions: MAX_ACTIONS },
  );
  const proposal = run.use(result);
  const provider = result.invocations.at(-1)?.provider ?? "none";
  const outcome = await runUnitOfWork(services, run.actor, async (uow) => {
    const already = await uow.tx.recommendation.findMany({ where: { agentRunId: run.runId }, select: { id: true }, orderBy: { rank: "asc" } });
    if (already.length) return ok(already.map((r) => r.id));
    const scope = [...(sales.leadId ? [{ leadId: sales.leadId }] : []), ...(sales.dealId ? [{ dealId: sales.dealId }] : [])];
    const superseded = await uow.tx.recommendation.updateMany({
      where: { status: "OPEN", OR: scope },
      data: { status: "EXPIRED", feedback: `Superseded by a newer set (run ${run.runId}).` },
    });
    const ids: string[] = [];
    for (const [index, action] of proposal.actions.entries()) {
      const row = await uow.tx.recommendation.create({
        data: {
          tenantId: run.tenantId,
          leadId: sales.leadId,
          dealId: sales.dealId,
          contactId: sales.contactId,
          tool: action.tool,
          title: action.title,
          params: paramsFor(action, sales.referral) as Prisma.InputJsonValue,
          rationale: action.rationale,
          confidence: action.confidence,
          factsUsed: action.factsUsed,
          rank: index + 1,
          expiresAt: new Date(action.expiresAt),
          audienceRole: role,
          provider,
          agentRunId: run.runId,
        },
        select: { id: true },
      });
      ids.push(row.id);
    }
    await uow.audit({
      action: "recommendation.generated",
      targetType: sales.leadId ? "Lead" : "Deal",
      targetId: (sales.leadId ?? sales.dealId)!,
      summary: { count: ids.length, tools: proposal.actions.map((a) => a.tool), superseded: superseded.count, rejected: proposal.rejected, audienceRole: role },
    });
    await uow.emit("sales.recommendation.generated", {
      leadId: sales.leadId,
      dealId: sales.dealId,
      recommendationIds: ids,
      count: ids.length,
      agentRunId: run.runId,
    });
    return ok(ids);
  });
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join(" "));
  return {
    recommendationIds: outcome.value,
    tools: proposal.actions.map((a) => a.tool),
    audienceRole: role,
    rejected: proposal.rejected,
    excludedTools: proposal.policy.excluded,
  };
}

/** A suggestion to write to the person a reply referred us to carries their address: accepting it writes to them. */
function paramsFor(action: RecommendedAction, referral: SalesContext["referral"]): Record<string, unknown> {
  if (action.tool !== "sendOutreachEmail" || action.arguments.intent !== "REFERRAL" || !referral) return action.arguments;
  return { ...action.arguments, kind: "OUTREACH", recipientEmail: referral.email, recipientName: referral.name };
}

/** recommendationsGenerate: queues the recommender for a lead or a deal, shaped for the caller's role. */
export async function requestRecommendations(
  services: Services,
  actor: Actor,
  input: { leadId?: string | null; dealId?: string | null },
  idempotencyKey?: string | null,
): Promise<Outcome<{ agentRunId: string }>> {
  return runMutation(services, actor, { operation: "recommendationsGenerate", input, idempotencyKey }, async (uow) => {
    if (!input.leadId && !input.dealId) return fail(userError("VALIDATION_FAILED", "Give a leadId or a dealId.", ["input", "leadId"]));
    if (input.leadId && !(await uow.tx.lead.findUnique({ where: { id: input.leadId }, select: { id: true } }))) {
      return fail(userError("NOT_FOUND", "No Lead with this id.", ["input", "leadId"]));
    }
    const deal = input.dealId ? await uow.tx.deal.findUnique({ where: { id: input.dealId }, select: { id: true, leadId: true } }) : null;
    if (input.dealId && !deal) return fail(userError("NOT_FOUND", "No Deal with this id.", ["input", "dealId"]));
    const role = actor.principal.role;
    const audienceRole = (HUMAN_ROLES as readonly string[]).includes(role) ? role : null;
    const leadId = input.leadId ?? deal?.leadId ?? null;
    const run = await enqueueAgent(services, uow, { agent: "recommender", input: { leadId, dealId: input.dealId ?? null, audienceRole }, leadId, dealId: input.dealId ?? null });
    await uow.audit({ action: "recommendation.requested", targetType: input.dealId ? "Deal" : "Lead", targetId: (input.dealId ?? input.leadId)!, summary: { agentRunId: run.runId, audienceRole } });
    return ok({ agentRunId: run.runId });
  });
}

type AcceptResult = { recommendationId: string; draftId?: string; taskId?: string; activityId?: string; dealId?: string };

const TOOL_VERB: Record<RecommendationTool, string> = {
  sendOutreachEmail: "write e-mail drafts",
  scheduleFollowUp: "create tasks",
  updateDealStage: "move deals",
  logSalesActivity: "log activities",
};

/** recommendationAccept: performs the action as the accepting person, with their rights. */
export async function acceptRecommendation(
  services: Services,
  actor: Actor,
  input: { recommendationId: string; overrides?: unknown },
  idempotencyKey?: string | null,
): Promise<Outcome<AcceptResult>> {
  const field = ["input", "recommendationId"];
  const rec = await withTenant(services.db.prisma, { tenantId: actor.principal.tenantId, userId: actor.principal.userId }, (tx) =>
    tx.recommendation.findUnique({ where: { id: input.recommendationId } }),
  );
  if (!rec) return fail(userError("NOT_FOUND", "No Recommendation with this id.", field));
  const refusal = decisionRefusal(rec.status as RecommendationStatus, rec.expiresAt, new Date(), field);
  // With an idempotency key, a retry of an acceptance that went through replays its result (decided inside runMutation).
  if (refusal && !idempotencyKey?.trim()) return fail(refusal);
  const tool = rec.tool as RecommendationTool;
  const permission = TOOL_PERMISSION[tool];
  if (!can(actor.principal, permission)) {
    return fail(userError("FORBIDDEN", `Your role (${actor.principal.role}) cannot ${TOOL_VERB[tool]}: accepting this recommendation needs ${permission}.`, field));
  }
  const args = acceptArguments(tool, rec.params, input.overrides);
  if (!args.ok) return fail(...args.errors);

  // The e-mail is written before the transaction (no transaction waits on a model), in the accepting person's voice.
  let composed: ComposedDraft | null = null;
  if (tool === "sendOutreachEmail" && !refusal) {
    const email = args.value as ToolArguments["sendOutreachEmail"];
    const someoneElse = email.recipientEmail ? await referredPerson(services, actor, email.recipientEmail, email.recipientName ?? null) : null;
    if (!rec.contactId && !someoneElse) return fail(userError("RECIPIENT_HAS_NO_EMAIL", "The recommendation names no contact to write to.", field));
    composed = await composeDraft(
      services,
      { tenantId: actor.principal.tenantId, agent: "recommendation-accept" },
      {
        kind: someoneElse ? "OUTREACH" : email.kind,
        ...(someoneElse ?? { contactId: rec.contactId }),
        // The referred person is not the lead: the draft belongs to the deal, not to the lead.
        leadId: someoneElse ? null : rec.leadId,
        dealId: rec.dealId,
        recommendation: { title: rec.title, rationale: rec.rationale },
        authorCandidates: [actor.principal.userId],
        calendarAndAssets: true,
      },
    );
    if (!composed) return fail(userError("NOT_FOUND", "The recommendation's contact no longer exists.", field));
    if (!composed.reachable) return fail(userError("RECIPIENT_SUPPRESSED", "The contact may not be e-mailed (suppressed, do-not-contact or no address).", field));
    if (email.subject && email.bodyText) composed = { ...composed, subject: email.subject, bodyText: email.bodyText };
  }

  return runMutation(services, actor, { operation: "recommendationAccept", input, idempotencyKey }, async (uow) => {
    await uow.tx.$queryRaw`SELECT "id" FROM "Recommendation" WHERE "id" = ${rec.id}::uuid FOR UPDATE`;
    const current = await uow.tx.recommendation.findUniqueOrThrow({ where: { id: rec.id } });
    const again = decisionRefusal(current.status as RecommendationStatus, current.expiresAt, new Date(), field);
    if (again) return fail(again);
    const performed = await perform(services, uow, current, args.value, composed);
    if (!performed.ok) return performed;
    const { principal } = actor;
    await uow.tx.recommendation.update({
      where: { id: current.id },
      data: { status: "ACCEPTED", decidedById: principal.userId ?? principal.id, decidedByLabel: principal.label, decidedAt: new Date(), result: performed.value as Prisma.InputJsonValue },
    });
    // Trigger (issue 12): an accepted recommendation of a tool the tenant maps to a sequence enrols its contact.
    const mapped = current.contactId ? (await tenantSequenceSettings(uow)).onRecommendationAccepted[current.tool] : undefined;
    if (mapped && current.contactId) await enrollByTrigger(services, uow, mapped, current.contactId, "RECOMMENDATION_ACCEPTED");
    await uow.audit({ action: "recommendation.accepted", targetType: "Recommendation", targetId: current.id, summary: { tool, ...performed.value } });
    await uow.emit("sales.recommendation.accepted", { recommendationId: current.id, tool, leadId: current.leadId, dealId: current.dealId, ...performed.value });
    return ok({ recommendationId: current.id, ...performed.value });
  });
}

async function tenantSequenceSettings(uow: UnitOfWork) {
  const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: uow.actor.principal.tenantId }, select: { settings: true } });
  return readTenantSettings(tenant.settings).sequences;
}

/** The referred person: their contact when they are one, else their address and name for a new one. */
async function referredPerson(services: Services, actor: Actor, email: string, name: string | null): Promise<Pick<DraftSpec, "contactId" | "newContact">> {
  const parsed = parseEmail(email);
  const normalized = parsed.ok ? parsed.email.normalized : email;
  const existing = await withTenant(services.db.prisma, { tenantId: actor.principal.tenantId }, (tx) => tx.contact.findFirst({ where: { email: normalized }, select: { id: true } }));
  if (existing) return { contactId: existing.id, newContact: null };
  return { contactId: null, newContact: { email, ...nameFromDisplay(name) } };
}

type Performed = Outcome<{ draftId?: string; taskId?: string; activityId?: string; dealId?: string }>;

async function perform(
  services: Services,
  uow: UnitOfWork,
  rec: { id: string; tool: string; title: string; rationale: string; leadId: string | null; dealId: string | null; contactId: string | null },
  args: ToolArguments[RecommendationTool],
  composed: ComposedDraft | null,
): Promise<Performed> {
  const overrides = ["input", "overrides"];
  const links = { leadId: rec.leadId ?? undefined, contactId: rec.contactId ?? undefined, dealId: rec.dealId ?? undefined };
  switch (rec.tool as RecommendationTool) {
    case "sendOutreachEmail": {
      const draft = await createDraftInUnitOfWork(services, uow, {
        recipient: composed!.recipient,
        subject: composed!.subject,
        bodyText: composed!.bodyText,
        leadId: composed!.leadId,
        dealId: rec.dealId,
        category: "ONE_TO_ONE",
        originRef: `recommendation:${rec.id}`,
        threadId: composed!.threadId,
        inboundMessageId: composed!.inboundMessageId,
        mailbox: composed!.sendFrom,
      }, {
        offeredSlots: composed!.offeredSlots as unknown as Prisma.InputJsonValue | null,
        // Only the assets the final text links (the accepting person may have replaced the text).
        citedAssets: citedIn(composed!.bodyText, composed!.citedAssets),
        memoriesUsed: composed!.memoriesUsed,
      });
      return draft.ok ? ok({ draftId: draft.value.draftId }) : draft;
    }
    case "scheduleFollowUp": {
      const a = args as ToolArguments["scheduleFollowUp"];
      const task = await createTaskInUnitOfWork(
        uow,
        {
          title: a.title ?? rec.title,
          description: [rec.rationale, a.reason ? `Reason: ${a.reason}` : null].filter(Boolean).join("\n"),
          dueAt: a.dueAt,
          assigneeId: a.assigneeId ?? uow.actor.principal.userId ?? undefined,
          ...links,
        },
        overrides,
      );
      return task.ok ? ok({ taskId: task.value.taskId }) : task;
    }
    case "updateDealStage": {
      const a = args as ToolArguments["updateDealStage"];
      if (!rec.dealId) return fail(userError("NOT_FOUND", "The recommendation names no deal.", ["input", "recommendationId"]));
      const moved = await progressDealInUnitOfWork(uow, { dealId: rec.dealId, stage: a.toStage, reason: a.reason ?? `Accepted recommendation: ${rec.title}` }, overrides);
      return moved.ok ? ok({ dealId: moved.value.dealId }) : moved;
    }
    case "logSalesActivity": {
      const a = args as ToolArguments["logSalesActivity"];
      const logged = await recordActivity(
        services,
        uow,
        { type: a.type, direction: "INTERNAL", occurredAt: new Date(), subject: rec.title.slice(0, 998), body: a.summary, ...links, metadata: { recommendationId: rec.id } },
        overrides,
      );
      return logged.ok ? ok({ activityId: logged.value.activityId }) : logged;
    }
  }
}

/** recommendationDismiss: closes an open recommendation with the person's reason, kept as feedback. */
export async function dismissRecommendation(
  services: Services,
  actor: Actor,
  input: { recommendationId: string; reason: string },
  idempotencyKey?: string | null,
): Promise<Outcome<{ recommendationId: string }>> {
  return runMutation(services, actor, { operation: "recommendationDismiss", input, idempotencyKey }, async (uow) => {
    const field = ["input", "recommendationId"];
    await uow.tx.$queryRaw`SELECT "id" FROM "Recommendation" WHERE "id" = ${input.recommendationId}::uuid FOR UPDATE`;
    const rec = await uow.tx.recommendation.findUnique({ where: { id: input.recommendationId } });
    if (!rec) return fail(userError("NOT_FOUND", "No Recommendation with this id.", field));
    // An expired one may still be dismissed: the reason is feedback worth keeping.
    if (rec.status !== "OPEN") return fail(userError("RECOMMENDATION_NOT_OPEN", `This recommendation was already ${rec.status.toLowerCase()}.`, field));
    const { principal } = actor;
    await uow.tx.recommendation.update({
      where: { id: rec.id },
      data: { status: "DISMISSED", feedback: input.reason, decidedById: principal.userId ?? principal.id, decidedByLabel: principal.label, decidedAt: new Date() },
    });
    await uow.audit({ action: "recommendation.dismissed", targetType: "Recommendation", targetId: rec.id, summary: { tool: rec.tool, reason: input.reason } });
    await uow.emit("sales.recommendation.dismissed", { recommendationId: rec.id, tool: rec.tool, leadId: rec.leadId, dealId: rec.dealId });
    return ok({ recommendationId: rec.id });
  });
}
