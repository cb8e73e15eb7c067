// Review claims: draftClaim takes (or renews) the claim on a pending draft,
// draftRelease gives it back. Each runs under the draft's row lock with its
// audit entry and a sales.draft.* event, so open review queues show at once
// who is reviewing what (pendingDraftsChanged: UPDATED). draftClaimBreak lets
// a manager (draft:claim_break) take over a draft a colleague holds, without
// waiting for the claim to lapse.
import { activeClaim, CLAIM_CLEARED, claimFor, claimRefusal, DRAFT_CLAIM_SECONDS } from "../../domain/draft/draft-claim.js";
import type { DraftStatus } from "../../domain/draft/draft.js";
import { can } from "../../domain/access/principal.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import type { Services } from "../services.js";
import { runMutation, type Actor } from "../unit-of-work.js";
import { draftNotFound, emitDraftEvent, lockDraft } from "./draft-state.js";

type ClaimResult = Outcome<{ draftId: string }>;

export async function claimDraft(services: Services, actor: Actor, input: { draftId: string }, idempotencyKey?: string | null): Promise<ClaimResult> {
  return runMutation(services, actor, { operation: "draftClaim", input, idempotencyKey }, async (uow) => {
    const draft = await lockDraft(uow.tx, input.draftId);
    if (!draft) return fail(draftNotFound());
    if (draft.status !== "PENDING_REVIEW") {
      return fail(userError("INVALID_DRAFT_STATUS", `Only a draft waiting for review can be claimed; this one is ${draft.status}.`, ["input", "draftId"]));
    }
    const now = new Date();
    const refusal = claimRefusal(draft, actor.principal, now);
    if (refusal) return fail(refusal);
    const renewed = activeClaim(draft, now) !== null;
    const claim = claimFor(actor.principal, now);
    const updated = await uow.tx.draft.update({ where: { id: draft.id }, data: claim });
    await uow.audit({
      action: renewed ? "draft.claim_renewed" : "draft.claimed",
      targetType: "Draft",
      targetId: draft.id,
      summary: { expiresAt: claim.claimExpiresAt!.toISOString(), seconds: DRAFT_CLAIM_SECONDS },
    });
    await emitDraftEvent(uow, "sales.draft.claimed", updated, updated.status as DraftStatus, {
      claimedBy: actor.principal.label,
      expiresAt: claim.claimExpiresAt!.toISOString(),
      renewed,
    });
    return ok({ draftId: draft.id });
  });
}

/** Gives the caller's claim back; releasing a draft nobody holds (or whose claim lapsed) changes nothing. */
export async function releaseDraft(services: Services, actor: Actor, input: { draftId: string }, idempotencyKey?: string | null): Promise<ClaimResult> {
  return runMutation(services, actor, { operation: "draftRelease", input, idempotencyKey }, async (uow) => {
    const draft = await lockDraft(uow.tx, input.draftId);
    if (!draft) return fail(draftNotFound());
    const now = new Date();
    const refusal = claimRefusal(draft, actor.principal, now);
    if (refusal) return fail(refusal);
    if (!activeClaim(draft, now)) return ok({ draftId: draft.id });
    const updated = await uow.tx.draft.update({ where: { id: draft.id }, data: CLAIM_CLEARED });
    await uow.audit({ action: "draft.claim_released", targetType: "Draft", targetId: draft.id, summary: {} });
    await emitDraftEvent(uow, "sales.draft.claim_released", updated, updated.status as DraftStatus, { releasedBy: actor.principal.label });
    return ok({ draftId: draft.id });
  });
}

/**
 * Takes a draft over: a colleague's claim ends now and the caller holds it for the
 * usual five minutes. Needs draft:claim_break (MANAGER and up); anyone else gets a
 * FORBIDDEN userError. On a draft nobody else holds it is a plain claim.
 */
export async function breakDraftClaim(
  services: Services,
  actor: Actor,
  input: { draftId: string; reason?: string | null },
  idempotencyKey?: string | null,
): Promise<ClaimResult> {
  const field = ["input", "draftId"];
  if (!can(actor.principal, "draft:claim_break")) {
    return fail(userError("FORBIDDEN", `Your role (${actor.principal.role}) cannot take over a colleague's draft: that needs draft:claim_break (MANAGER and up).`, field));
  }
  return runMutation(services, actor, { operation: "draftClaimBreak", input, idempotencyKey }, async (uow) => {
    const draft = await lockDraft(uow.tx, input.draftId);
    if (!draft) return fail(draftNotFound());
    if (draft.status !== "PENDING_REVIEW") {
      return fail(userError("INVALID_DRAFT_STATUS", `Only a draft waiting for review can be taken over; this one is ${draft.status}.`, field));
    }
    const now = new Date();
    const previous = activeClaim(draft, now);
    const claim = claimFor(actor.principal, now);
    const updated = await uow.tx.draft.update({ where: { id: draft.id }, data: claim });
    const expiresAt = claim.claimExpiresAt!.toISOString();
    if (!previous || previous.holderId === actor.principal.id) {
      await uow.audit({ action: previous ? "draft.claim_renewed" : "draft.claimed", targetType: "Draft", targetId: draft.id, summary: { expiresAt, seconds: DRAFT_CLAIM_SECONDS } });
      await emitDraftEvent(uow, "sales.draft.claimed", updated, updated.status as DraftStatus, { claimedBy: actor.principal.label, expiresAt, renewed: previous !== null });
      return ok({ draftId: draft.id });
    }
    const reason = input.reason?.trim() || null;
    await uow.audit({
      action: "draft.claim_broken",
      targetType: "Draft",
      targetId: draft.id,
      summary: { previousHolderId: previous.holderId, previousHolder: previous.holderLabel, previousExpiresAt: previous.expiresAt.toISOString(), reason, expiresAt },
    });
    await emitDraftEvent(uow, "sales.draft.claim_broken", updated, updated.status as DraftStatus, {
      brokenBy: actor.principal.label,
      previousHolder: previous.holderLabel,
      claimedBy: actor.principal.label,
      expiresAt,
      reason,
    });
    return ok({ draftId: draft.id });
  });
}
