// Review claims: draftClaim takes (or renews) the claim on a pending draft,
// draftRelease gives it back. Each runs under the draft's row lock with its
// audit entry and a sales.draft.* event, so open review queues show at once
// who is reviewing what (pendingDraftsChanged: UPDATED).
import { activeClaim, CLAIM_CLEARED, claimFor, claimRefusal, DRAFT_CLAIM_SECONDS } from "../../domain/draft/draft-claim.js";
import type { DraftStatus } from "../../domain/draft/draft.js";
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
