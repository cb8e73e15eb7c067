// Deal use cases: create, update, move between stages (with reopen rules),
// close won or lost. Every stage change is recorded with actor and reason.
import { Prisma, type Tx } from "../../data/database.js";
import { checkClose, checkDealAgainstPipeline, checkStageMove, type DealStatus } from "../../domain/pipeline/deal.js";
import { findStage, firstOpenStage, isAllowedCurrency, type PipelineSettings } from "../../domain/pipeline/pipeline.js";
import { can } from "../../domain/access/principal.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import { runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";
import { exitSequencesForContacts } from "../sequence/sequence-runner.js";

export interface NewDeal {
  name: string;
  stage?: string | undefined;
  amount?: number | undefined;
  currency?: string | undefined;
  expectedCloseDate?: Date | undefined;
  probability?: number | undefined;
  ownerId?: string | null | undefined;
  leadId?: string | null | undefined;
  companyId?: string | null | undefined;
  contactIds?: string[] | undefined;
}

async function salesSettings(tx: Tx, tenantId: string): Promise<{ pipeline: PipelineSettings; currency: string }> {
  const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
  const settings = readTenantSettings(tenant.settings);
  return { pipeline: settings.pipeline, currency: settings.general.currency };
}

export async function checkMember(tx: Tx, userId: string | null | undefined, field: string[]): Promise<UserError | null> {
  if (!userId) return null;
  const member = await tx.membership.findFirst({ where: { userId }, select: { id: true } });
  return member ? null : userError("NOT_FOUND", "No member of this tenant with this id.", field);
}

/** Creates a deal with its first stage change inside the caller's unit of work. */
export async function createDealInUnitOfWork(uow: UnitOfWork, input: NewDeal, path: string[]): Promise<Outcome<{ dealId: string }>> {
  const { tx } = uow;
  const tenantId = uow.actor.principal.tenantId;
  const { pipeline, currency: defaultCurrency } = await salesSettings(tx, tenantId);
  const currency = input.currency ?? defaultCurrency;
  const errors = checkDealAgainstPipeline(pipeline, { stage: input.stage, currency }, path);
  const ownerError = await checkMember(tx, input.ownerId, [...path, "ownerId"]);
  if (ownerError) errors.push(ownerError);
  if (input.companyId && !(await tx.company.findUnique({ where: { id: input.companyId }, select: { id: true } }))) {
    errors.push(userError("NOT_FOUND", "No Company with this id.", [...path, "companyId"]));
  }
  const contactIds = [...new Set(input.contactIds ?? [])];
  if (contactIds.length) {
    const found = await tx.contact.count({ where: { id: { in: contactIds } } });
    if (found !== contactIds.length) errors.push(userError("NOT_FOUND", "One of the contacts does not exist.", [...path, "contactIds"]));
  }
  if (errors.length) return fail(...errors);
  const stage = input.stage ? findStage(pipeline, input.stage)! : firstOpenStage(pipeline);
  const deal = await tx.deal.create({
    data: {
      tenantId,
      name: input.name,
      stage: stage.key,
      amount: new Prisma.Decimal(input.amount ?? 0),
      currency,
      expectedCloseDate: input.expectedCloseDate ?? null,
      probability: input.probability ?? stage.probability,
      ownerId: input.ownerId ?? null,
      leadId: input.leadId ?? null,
      companyId: input.companyId ?? null,
    },
  });
  await tx.dealStageChange.create({
    data: { tenantId, dealId: deal.id, toStage: stage.key, toStatus: "OPEN", actorType: uow.actor.principal.kind, actorId: uow.actor.principal.id, reason: "created" },
  });
  if (contactIds.length) {
    await tx.dealContact.createMany({ data: contactIds.map((contactId, i) => ({ tenantId, dealId: deal.id, contactId, role: i === 0 ? "primary" : null })) });
  }
  await uow.audit({
    action: "deal.created",
    targetType: "Deal",
    targetId: deal.id,
    summary: { name: deal.name, stage: stage.key, amount: deal.amount.toString(), currency, leadId: deal.leadId, companyId: deal.companyId },
  });
  await uow.emit("sales.deal.created", { dealId: deal.id, stage: stage.key, leadId: deal.leadId, companyId: deal.companyId, ownerId: deal.ownerId });
  return ok({ dealId: deal.id });
}

export async function createDeal(services: Services, actor: Actor, input: NewDeal, idempotencyKey?: string | null): Promise<Outcome<{ dealId: string }>> {
  return runMutation(services, actor, { operation: "dealCreate", input, idempotencyKey }, async (uow) => {
    if (input.leadId && !(await uow.tx.lead.findUnique({ where: { id: input.leadId }, select: { id: true } }))) {
      return fail(userError("NOT_FOUND", "No Lead with this id.", ["input", "leadId"]));
    }
    return createDealInUnitOfWork(uow, input, ["input"]);
  });
}

export interface DealUpdate {
  dealId: string;
  name?: string | undefined;
  amount?: number | undefined;
  currency?: string | undefined;
  expectedCloseDate?: Date | null | undefined;
  probability?: number | undefined;
  ownerId?: string | null | undefined;
}

export async function updateDeal(services: Services, actor: Actor, input: DealUpdate, idempotencyKey?: string | null): Promise<Outcome<{ dealId: string }>> {
  return runMutation(services, actor, { operation: "dealUpdate", input, idempotencyKey }, async (uow) => {
    const deal = await uow.tx.deal.findUnique({ where: { id: input.dealId } });
    if (!deal) return fail(userError("NOT_FOUND", "No Deal with this id.", ["input", "dealId"]));
    if (deal.status !== "OPEN") return fail(userError("DEAL_CLOSED", `The deal is ${deal.status.toLowerCase()}; reopen it to change it.`, ["input", "dealId"]));
    const { pipeline } = await salesSettings(uow.tx, actor.principal.tenantId);
    if (input.currency !== undefined && !isAllowedCurrency(pipeline, input.currency)) {
      return fail(userError("VALIDATION_FAILED", `currency "${input.currency}" is not allowed.`, ["input", "currency"]));
    }
    const ownerError = await checkMember(uow.tx, input.ownerId, ["input", "ownerId"]);
    if (ownerError) return fail(ownerError);
    const data: Prisma.DealUpdateInput = {};
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    const set = <K extends keyof DealUpdate>(key: K, before: unknown, after: unknown, value: unknown = after) => {
      if (after === undefined || JSON.stringify(before) === JSON.stringify(after)) return;
      changes[key] = { from: before, to: after };
      (data as Record<string, unknown>)[key] = value;
    };
    set("name", deal.name, input.name);
    set("amount", deal.amount.toString(), input.amount === undefined ? undefined : new Prisma.Decimal(input.amount).toString(), input.amount === undefined ? undefined : new Prisma.Decimal(input.amount));
    set("currency", deal.currency, input.currency);
    set("expectedCloseDate", deal.expectedCloseDate?.toISOString().slice(0, 10) ?? null, input.expectedCloseDate === undefined ? undefined : (input.expectedCloseDate?.toISOString().slice(0, 10) ?? null), input.expectedCloseDate);
    set("probability", deal.probability, input.probability);
    set("ownerId", deal.ownerId, input.ownerId);
    if (Object.keys(changes).length === 0) return ok({ dealId: deal.id });
    await uow.tx.deal.update({ where: { id: deal.id }, data });
    await uow.audit({ action: "deal.updated", targetType: "Deal", targetId: deal.id, summary: { changes } });
    await uow.emit("sales.deal.updated", { dealId: deal.id, changed: Object.keys(changes) });
    return ok({ dealId: deal.id });
  });
}

export interface StageProgress {
  dealId: string;
  stage: string;
  reason?: string | null | undefined;
  reopen?: boolean | null | undefined;
}

export async function progressDeal(services: Services, actor: Actor, input: StageProgress, idempotencyKey?: string | null): Promise<Outcome<{ dealId: string }>> {
  return runMutation(services, actor, { operation: "dealProgress", input, idempotencyKey }, (uow) => progressDealInUnitOfWork(uow, input));
}

/**
 * Moves a deal inside the caller's unit of work. The caller has checked
 * deal:write (the GraphQL field, or recommendationAccept for the accepting person).
 */
export async function progressDealInUnitOfWork(uow: UnitOfWork, input: StageProgress, path: string[] = ["input"]): Promise<Outcome<{ dealId: string }>> {
  const { actor } = uow;
  const deal = await uow.tx.deal.findUnique({ where: { id: input.dealId } });
  if (!deal) return fail(userError("NOT_FOUND", "No Deal with this id.", [...path, "dealId"]));
  const { pipeline } = await salesSettings(uow.tx, actor.principal.tenantId);
  const move = checkStageMove(pipeline, { stage: deal.stage, status: deal.status as DealStatus }, {
    to: input.stage,
    reopen: input.reopen === true,
    mayReopen: can(actor.principal, "deal:reopen"),
  });
  if (!move.ok) return fail(move.error);
  const reason = input.reason?.trim() || null;
  if (move.reopened && !reason) return fail(userError("VALIDATION_FAILED", "Reopening a closed deal needs a reason.", ["input", "reason"]));
  await uow.tx.deal.update({
    where: { id: deal.id },
    data: {
      stage: move.to.key,
      status: "OPEN",
      probability: move.to.probability,
      stageChangedAt: new Date(),
      ...(move.reopened ? { closedAt: null, lostReason: null } : {}),
    },
  });
  await uow.tx.dealStageChange.create({
    data: {
      tenantId: actor.principal.tenantId,
      dealId: deal.id,
      fromStage: deal.stage,
      toStage: move.to.key,
      fromStatus: deal.status,
      toStatus: "OPEN",
      actorType: actor.principal.kind,
      actorId: actor.principal.id,
      reason,
    },
  });
  await uow.audit({
    action: move.reopened ? "deal.reopened" : "deal.stage_changed",
    targetType: "Deal",
    targetId: deal.id,
    summary: { from: deal.stage, to: move.to.key, fromStatus: deal.status, reason },
  });
  await uow.emit("sales.deal.updated", { dealId: deal.id, fromStage: deal.stage, toStage: move.to.key, reopened: move.reopened });
  if (deal.stage !== move.to.key) await exitSequencesForDeal(uow, deal.id, `The deal moved from ${deal.stage} to ${move.to.key}.`);
  return ok({ dealId: deal.id });
}

/** A deal's stage changed: the cadences of its contacts end (a person now works the deal; issue 12). */
async function exitSequencesForDeal(uow: UnitOfWork, dealId: string, detail: string): Promise<void> {
  const contacts = await uow.tx.dealContact.findMany({ where: { dealId }, select: { contactId: true } });
  await exitSequencesForContacts(uow, contacts.map((c) => c.contactId), "DEAL_STAGE_CHANGED", `${detail} (deal ${dealId})`);
}

export interface DealCloseInput {
  dealId: string;
  outcome: "WON" | "LOST";
  reason?: string | null | undefined;
  stage?: string | null | undefined;
}

export async function closeDeal(services: Services, actor: Actor, input: DealCloseInput, idempotencyKey?: string | null): Promise<Outcome<{ dealId: string }>> {
  return runMutation(services, actor, { operation: "dealClose", input, idempotencyKey }, async (uow) => {
    const deal = await uow.tx.deal.findUnique({ where: { id: input.dealId } });
    if (!deal) return fail(userError("NOT_FOUND", "No Deal with this id.", ["input", "dealId"]));
    const { pipeline } = await salesSettings(uow.tx, actor.principal.tenantId);
    const decision = checkClose(pipeline, { status: deal.status as DealStatus }, input);
    if (!decision.ok) return fail(decision.error);
    const reason = input.reason?.trim() || null;
    const closedAt = new Date();
    await uow.tx.deal.update({
      where: { id: deal.id },
      data: {
        stage: decision.stage.key,
        status: decision.status,
        probability: decision.stage.probability,
        closedAt,
        stageChangedAt: closedAt,
        lostReason: decision.status === "LOST" ? reason : null,
      },
    });
    await uow.tx.dealStageChange.create({
      data: {
        tenantId: actor.principal.tenantId,
        dealId: deal.id,
        fromStage: deal.stage,
        toStage: decision.stage.key,
        fromStatus: deal.status,
        toStatus: decision.status,
        actorType: actor.principal.kind,
        actorId: actor.principal.id,
        reason,
      },
    });
    await uow.audit({ action: "deal.closed", targetType: "Deal", targetId: deal.id, summary: { outcome: decision.status, from: deal.stage, to: decision.stage.key, reason } });
    await uow.emit("sales.deal.closed", { dealId: deal.id, status: decision.status, stage: decision.stage.key, amount: deal.amount.toString(), currency: deal.currency });
    await exitSequencesForDeal(uow, deal.id, `The deal closed ${decision.status} (${deal.stage} to ${decision.stage.key}).`);
    return ok({ dealId: deal.id });
  });
}
