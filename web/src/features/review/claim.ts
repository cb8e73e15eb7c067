// A reviewer's claim on the draft they have open: taken when the draft opens
// (and again whenever a colleague's claim ends), renewed every minute while it
// stays open, released when they move on. The server decides (DRAFT_CLAIMED);
// this only keeps the claim alive and says who holds it. A manager
// (draft:claim_break) can take over a colleague's draft (draftClaimBreak).
// Closing the tab (or leaving the console) gives the claim back at once
// through the public API: a keepalive fetch of draftRelease on pagehide, which
// outlives the page (navigator.sendBeacon cannot carry the Authorization
// header). A page restored from the back/forward cache claims it again.
import { useCallback, useEffect, useRef, useState } from "react";
import { useMutation } from "urql";
import type { ReviewDraftFieldsFragment } from "../../gql/graphql";
import type { UserErrorLike } from "../../ui";
import { storedToken } from "../../auth";
import { ClaimBreakMutation, ClaimMutation, ReleaseMutation } from "./queries";

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
  /** Ends a colleague's claim and takes the draft (draftClaimBreak; the server checks draft:claim_break). */
  takeOver(): void;
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
  const [, breakClaim] = useMutation(ClaimBreakMutation);
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

  // Closing the tab: React unmounts nothing then, so the release goes out on pagehide, in a request that
  // outlives the page. Back from the back/forward cache, the draft is claimed again if it is still wanted.
  const wantedRef = useRef(false);
  wantedRef.current = wanted;
  useEffect(() => {
    if (!id) return;
    const onHide = () => {
      if (held.current) releaseOnUnload(id);
    };
    const onShow = (event: PageTransitionEvent) => {
      if (event.persisted && wantedRef.current) void take();
    };
    addEventListener("pagehide", onHide);
    addEventListener("pageshow", onShow);
    return () => {
      removeEventListener("pagehide", onHide);
      removeEventListener("pageshow", onShow);
    };
  }, [id, take]);

  const release = useCallback(() => {
    setReleased(true);
    if (id) void releaseClaim({ input: { draftId: id } }).then((r) => setErrors(r.data?.draftRelease.userErrors ?? []));
  }, [id, releaseClaim]);

  const takeOver = useCallback(() => {
    if (!id) return;
    setReleased(false);
    void breakClaim({ input: { draftId: id } }).then((r) => setErrors(r.data?.draftClaimBreak.userErrors ?? []));
  }, [id, breakClaim]);

  return { heldBy, mine, released, release, claimAgain: () => setReleased(false), takeOver, errors };
}

const RELEASE_ON_UNLOAD = `mutation ConsoleDraftReleaseOnUnload($input: DraftReleaseInput!) { draftRelease(input: $input) { userErrors { code } } }`;

/** draftRelease in a keepalive request: the browser sends it even while the page goes away. */
function releaseOnUnload(draftId: string): void {
  const token = storedToken();
  if (!token) return;
  void fetch("/graphql", {
    method: "POST",
    keepalive: true,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: RELEASE_ON_UNLOAD, variables: { input: { draftId } } }),
  }).catch(() => undefined);
}
