// Four-eyes erasure (issue 15): with the tenant's governance.erasureFourEyes
// on, contactErase files an ErasureRequest instead of erasing. Another OWNER
// or ADMIN approves it (the erasure then runs in the same transaction, as
// that approver, recording the requester) or rejects it with a reason; the
// requester can never approve their own. A request nobody decided before
// its expiry is EXPIRED (read as such at once; the maintenance pass records
// it). Every step is audited and evented (sales.erasure.*). Nothing personal
// goes into the events; the request's reason is cleaned by the erasure's sweep.
import { randomUUID } from "node:crypto";
import { withTenant, type Database } from "../../data/database.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { erasureRequestStatus, mayApproveErasure } from "../../domain/governance/policy.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import { runMutation, runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";
import { ERASURE_TIMEOUT_MS, eraseInUnitOfWork, type ErasureValue } from "./erasure.js";

export interface ErasureRequestValue {
  erasureRequestId: string;
  /** True when a pending request for this contact existed already: it is returned, no second one is filed. */
  existing: boolean;
}

const FIELD = ["input", "erasureRequestId"];

/** In contactErase's unit of work: files the request (or returns the pending one for the same contact). */
export async function fileErasureRequest(uow: UnitOfWork, input: { contactId: string; reason: string }, ttlHours: number): Promise<Outcome<ErasureRequestValue>> {
  const { tx, actor } = uow;
  const contact = await tx.contact.findUnique({ where: { id: input.contactId }, select: { id: true } });
  if (!contact) return fail(userError("NOT_FOUND", "No Contact with this id.", ["input", "contactId"]));
  const pending = await tx.erasureRequest.findFirst({ where: { contactId: contact.id, status: "PENDING", expiresAt: { gt: new Date() } }, select: { id: true } });
  if (pending) return ok({ erasureRequestId: pending.id, existing: true });
  const expiresAt = new Date(Date.now() + ttlHours * 3_600_000);
  const request = await tx.erasureRequest.create({
    data: {
      tenantId: actor.principal.tenantId,
      contactId: contact.id,
      reason: input.reason,
      requestedById: actor.principal.id,
      requestedByUserId: actor.principal.userId,
      requestedByLabel: actor.principal.label,
      expiresAt,
    },
    select: { id: true },
  });
  // The reason stays out of the audit entry and the event: it may name the person until the erasure runs.
  await uow.audit({ action: "contact.erasure_requested", targetType: "Contact", targetId: contact.id, summary: { erasureRequestId: request.id, expiresAt: expiresAt.toISOString() } });
  await uow.emit("sales.erasure.requested", { erasureRequestId: request.id, contactId: contact.id, expiresAt: expiresAt.toISOString() });
  return ok({ erasureRequestId: request.id, existing: false });
}

/** The request locked for a decision, or why it cannot be decided. */
type Request = NonNullable<Awaited<ReturnType<UnitOfWork["tx"]["erasureRequest"]["findUnique"]>>>;

async function pendingRequest(uow: UnitOfWork, id: string): Promise<{ error: UserError } | { request: Request }> {
  const [locked] = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "ErasureRequest" WHERE "id" = ${id}::uuid FOR UPDATE`;
  if (!locked) return { error: userError("NOT_FOUND", "No ErasureRequest with this id.", FIELD) };
  const request = await uow.tx.erasureRequest.findUniqueOrThrow({ where: { id } });
  const status = erasureRequestStatus(request);
  if (status === "EXPIRED") return { error: userError("ERASURE_REQUEST_EXPIRED", "This erasure request expired before anyone decided it; file a new one.", FIELD) };
  if (status !== "PENDING") return { error: userError("ERASURE_REQUEST_NOT_PENDING", `This erasure request was ${status.toLowerCase()} already.`, FIELD) };
  return { request };
}

export interface ErasureDecisionValue {
  erasureRequestId: string;
  /** The erasure that ran (approvals). */
  erasure?: ErasureValue;
}

export async function approveErasureRequest(services: Services, actor: Actor, input: { erasureRequestId: string }, idempotencyKey?: string | null): Promise<Outcome<ErasureDecisionValue>> {
  return runMutation(
    services,
    actor,
    { operation: "erasureRequestApprove", input, idempotencyKey },
    async (uow) => {
      const found = await pendingRequest(uow, input.erasureRequestId);
      if ("error" in found) return fail(found.error);
      const { request } = found;
      const refused = mayApproveErasure(actor.principal, request);
      if (refused) return fail(refused);
      const erased = await eraseInUnitOfWork(services, uow, { contactId: request.contactId, reason: request.reason }, { id: request.requestedById, label: request.requestedByLabel });
      if (!erased.ok) return erased;
      // The reason as the erasure kept it (the person's name, address and phone removed).
      const kept = erased.value.erasureId ? await uow.tx.contactErasure.findUnique({ where: { id: erased.value.erasureId }, select: { reason: true } }) : null;
      await uow.tx.erasureRequest.update({
        where: { id: request.id },
        data: { status: "APPROVED", decidedById: actor.principal.id, decidedByLabel: actor.principal.label, decidedAt: new Date(), erasureId: erased.value.erasureId, reason: kept?.reason ?? "[erased]" },
      });
      await uow.audit({
        action: "contact.erasure_approved",
        targetType: "Contact",
        targetId: request.contactId,
        summary: { erasureRequestId: request.id, erasureId: erased.value.erasureId, requestedBy: request.requestedByLabel, alreadyErased: erased.value.alreadyErased },
      });
      await uow.emit("sales.erasure.approved", { erasureRequestId: request.id, contactId: request.contactId, erasureId: erased.value.erasureId });
      return ok({ erasureRequestId: request.id, erasure: erased.value });
    },
    { timeout: ERASURE_TIMEOUT_MS },
  );
}

export async function rejectErasureRequest(
  services: Services,
  actor: Actor,
  input: { erasureRequestId: string; reason: string },
  idempotencyKey?: string | null,
): Promise<Outcome<ErasureDecisionValue>> {
  return runMutation(services, actor, { operation: "erasureRequestReject", input, idempotencyKey }, async (uow) => {
    const found = await pendingRequest(uow, input.erasureRequestId);
    if ("error" in found) return fail(found.error);
    const { request } = found;
    // Rejecting needs no second pair of eyes (nothing is destroyed): the requester may withdraw their own.
    const mine = actor.principal.id === request.requestedById || (actor.principal.userId !== null && actor.principal.userId === request.requestedByUserId);
    if (!actor.principal.permissions.has("erasure:approve") && !mine) {
      return fail(userError("FORBIDDEN", "Only an OWNER or ADMIN, or the requester, may reject an erasure request.", FIELD));
    }
    await uow.tx.erasureRequest.update({
      where: { id: request.id },
      data: { status: "REJECTED", decidedById: actor.principal.id, decidedByLabel: actor.principal.label, decidedAt: new Date(), decisionReason: input.reason },
    });
    await uow.audit({ action: "contact.erasure_rejected", targetType: "Contact", targetId: request.contactId, summary: { erasureRequestId: request.id, reason: input.reason, requestedBy: request.requestedByLabel } });
    await uow.emit("sales.erasure.rejected", { erasureRequestId: request.id, contactId: request.contactId });
    return ok({ erasureRequestId: request.id });
  });
}

/**
 * Maintenance: records the tenant's requests that expired undecided (status
 * EXPIRED, audited, sales.erasure.expired). Returns how many.
 */
export async function expireErasureRequests(services: { db: Database }, tenantId: string, now: Date = new Date()): Promise<number> {
  const due = await withTenant(services.db.prisma, { tenantId }, (tx) =>
    tx.erasureRequest.findMany({ where: { status: "PENDING", expiresAt: { lte: now } }, select: { id: true }, take: 500 }),
  );
  if (!due.length) return 0;
  const actor: Actor = { principal: agentPrincipal(tenantId, "governance"), meta: { requestId: randomUUID(), traceId: null } };
  const outcome = await runUnitOfWork(services, actor, async (uow) => {
    let expired = 0;
    for (const { id } of due) {
      // Decided meanwhile: left alone.
      const changed = await uow.tx.erasureRequest.updateMany({ where: { id, status: "PENDING", expiresAt: { lte: now } }, data: { status: "EXPIRED", decidedAt: now } });
      if (!changed.count) continue;
      const request = await uow.tx.erasureRequest.findUniqueOrThrow({ where: { id }, select: { contactId: true, requestedByLabel: true } });
      await uow.audit({ action: "contact.erasure_expired", targetType: "Contact", targetId: request.contactId, summary: { erasureRequestId: id, requestedBy: request.requestedByLabel } });
      await uow.emit("sales.erasure.expired", { erasureRequestId: id, contactId: request.contactId });
      expired++;
    }
    return ok(expired);
  });
  return outcome.ok ? outcome.value : 0;
}
