// A reviewer's claim on the draft they have open: taken when the draft opens
// (and again whenever a colleague's claim ends), renewed every minute while it
// stays open, released when they move on. The server decides (DRAFT_CLAIMED);
// this only keeps the claim alive and says who holds it.
import { useCallback, useEffect, useRef, useState } from "react";
import { useMutation } from "urql";
import type { ReviewDraftFieldsFragment } from "../../gql/graphql";
import type { UserErrorLike } from "../../ui";
import { ClaimMutation, ReleaseMutation } from "./queries";

/** Well inside the server's five minutes, so a claim never lapses while its draft is open. */
const RENEW_MS = 60_000;

export interface ReviewClaim {
  /** Who else holds the draft now (their label), or null. */
  heldBy: string | null;
  /** Whether this reviewer holds it. */
  mine: boolean;
  /** The reviewer gave the claim back: it is not taken again until they ask. */
  released: boolean;
  release(): void;
  claimAgain(): void;
  errors: UserErrorLike[];
}

/** Re-renders when a colleague's claim lapses, so the controls come back without an event. */
function useLapse(expiresAt: string | null): boolean {
  const [lapsed, setLapsed] = useState(false);
  useEffect(() => {
    setLapsed(false);
    if (!expiresAt) return;
    const timer = setTimeout(() => setLapsed(true), Math.max(0, new Date(expiresAt).getTime() - Date.now()) + 500);
    return () => clearTimeout(timer);
  }, [expiresAt]);
  return lapsed;
}

export function useReviewClaim(draft: Pick<ReviewDraftFieldsFragment, "id" | "status" | "claim"> | null, canClaim: boolean): ReviewClaim {
  const [, claim] = useMutation(ClaimMutation);
  const [, releaseClaim] = useMutation(ReleaseMutation);
  const [released, setReleased] = useState(false);
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const id = draft?.id ?? null;
  const lapsed = useLapse(draft?.claim && !draft.claim.mine ? (draft.claim.expiresAt as string) : null);
  const heldBy = draft?.claim && !draft.claim.mine && !lapsed ? draft.claim.holder : null;
  const mine = !!draft?.claim?.mine;
  const wanted = canClaim && !released && draft?.status === "PENDING_REVIEW" && heldBy === null;

  const take = useCallback(async () => {
    if (!id) return;
    const result = await claim({ input: { draftId: id } });
    const userErrors = result.data?.draftClaim.userErrors ?? [];
    // A colleague got there first: the pending-queue event shows who; nothing to report.
    setErrors(userErrors.filter((e) => e.code !== "DRAFT_CLAIMED" && e.code !== "INVALID_DRAFT_STATUS"));
  }, [claim, id]);

  useEffect(() => {
    if (!wanted) return;
    void take();
    const timer = setInterval(() => void take(), RENEW_MS);
    return () => clearInterval(timer);
  }, [wanted, take]);

  // Moving on to another draft (or another screen) gives the claim back.
  const held = useRef(false);
  held.current = mine;
  useEffect(
    () => () => {
      if (id && held.current) void releaseClaim({ input: { draftId: id } });
    },
    [id, releaseClaim],
  );

  const release = useCallback(() => {
    setReleased(true);
    if (id) void releaseClaim({ input: { draftId: id } }).then((r) => setErrors(r.data?.draftRelease.userErrors ?? []));
  }, [id, releaseClaim]);

  return { heldBy, mine, released, release, claimAgain: () => setReleased(false), errors };
}
