// Review claims: the reviewer who opens a pending draft holds it for a few
// minutes (renewed while it stays open), so two reviewers do not decide the
// same draft at once. A lapsed claim holds nothing.
import { userError, type UserError } from "../user-error.js";

/** How long a claim holds without renewal; the console renews it every minute while the draft is open. */
export const DRAFT_CLAIM_SECONDS = 300;

export interface DraftClaimColumns {
  claimHolderId: string | null;
  claimHolderLabel: string | null;
  claimExpiresAt: Date | null;
}

export interface DraftClaim {
  holderId: string;
  holderLabel: string;
  expiresAt: Date;
}

export const CLAIM_CLEARED: DraftClaimColumns = { claimHolderId: null, claimHolderLabel: null, claimExpiresAt: null };

/** The claim that holds now, or null (none, or lapsed). */
export function activeClaim(draft: DraftClaimColumns, now: Date): DraftClaim | null {
  if (!draft.claimHolderId || !draft.claimExpiresAt || draft.claimExpiresAt <= now) return null;
  return { holderId: draft.claimHolderId, holderLabel: draft.claimHolderLabel ?? draft.claimHolderId, expiresAt: draft.claimExpiresAt };
}

/** The columns of a claim by this principal from now on. */
export function claimFor(principal: { id: string; label: string }, now: Date): DraftClaimColumns {
  return { claimHolderId: principal.id, claimHolderLabel: principal.label, claimExpiresAt: new Date(now.getTime() + DRAFT_CLAIM_SECONDS * 1000) };
}

/** Why this principal may not decide or edit the draft now (a colleague holds it), or null. */
export function claimRefusal(draft: DraftClaimColumns, principal: { id: string }, now: Date, field: string[] = ["input", "draftId"]): UserError | null {
  const claim = activeClaim(draft, now);
  if (!claim || claim.holderId === principal.id) return null;
  return userError(
    "DRAFT_CLAIMED",
    `Being reviewed by ${claim.holderLabel} until ${claim.expiresAt.toISOString()} (unless they release it first).`,
    field,
  );
}
