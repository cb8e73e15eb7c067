// Quota planning for sequence steps, the pure part: the send path enforces
// the sending quotas (src/domain/sending/quota.ts) at send time; this places
// a step so that they will hold, counting the sends already made and the
// steps already planned. A step that would break a limit moves to the next
// send window (the next day's, for a daily window), and says which limit
// moved it.
import { nextWindow, type Placement, type SendWindow } from "./sequence.js";

export interface PlanLimit {
  kind: "MAILBOX" | "CONTACT";
  /** What is counted (the mailbox or the recipient address), for the reason. */
  key: string;
  limit: number;
  windowMs: number;
  /** Sends made and steps planned that count for this limit. */
  times: readonly Date[];
}

export interface PlannedPlacement {
  placement: Placement;
  /** How many windows the step moved. */
  pushes: number;
  /** Why it moved (the last limit that moved it), null when it did not. */
  pushReason: string | null;
}

/** Windows looked through before giving up (a limit of 0, or a calendar full for months). */
export const MAX_QUOTA_PUSHES = 60;

/**
 * Whether one more send at `at` keeps the limit in every rolling window that
 * contains it. The busiest such window ends at `at` or at a later counted
 * time, so those are the ones checked.
 */
export function fitsLimit(at: Date, limit: Pick<PlanLimit, "limit" | "windowMs" | "times">): boolean {
  if (limit.limit <= 0) return false;
  const t = at.getTime();
  const times = limit.times.map((d) => d.getTime());
  const ends = [t, ...times.filter((x) => x > t && x < t + limit.windowMs)];
  return ends.every((end) => times.filter((x) => x > end - limit.windowMs && x <= end).length + 1 <= limit.limit);
}

/** The first window at or after the candidate where every limit holds. */
export function placeWithinQuota(candidate: Placement, window: SendWindow, limits: readonly PlanLimit[]): PlannedPlacement {
  let placement = candidate;
  let pushReason: string | null = null;
  for (let pushes = 0; pushes <= MAX_QUOTA_PUSHES; pushes++) {
    const broken = limits.find((l) => !fitsLimit(placement.at, l));
    if (!broken) return { placement, pushes, pushReason };
    if (broken.limit <= 0) {
      return { placement: candidate, pushes: 0, pushReason: `The ${label(broken)} limit is 0: nothing can be sent; the send path will hold this step.` };
    }
    pushReason = `Moved to a later window: the ${label(broken)} limit (${broken.limit} per ${describeWindow(broken.windowMs)}) would be exceeded on ${placement.at.toISOString().slice(0, 10)}.`;
    placement = nextWindow(placement.windowEnd, window);
  }
  return { placement: candidate, pushes: 0, pushReason: `The quotas leave no room within ${MAX_QUOTA_PUSHES} windows; placed as planned and the send path will hold it.` };
}

function label(l: PlanLimit): string {
  return `${l.kind === "MAILBOX" ? "sender mailbox" : "recipient"} ${l.key}`;
}

/** "24 h", "7 days": a rolling window's length for people. */
export function describeWindow(windowMs: number): string {
  const hours = windowMs / 3_600_000;
  if (hours % 24 === 0) return hours === 24 ? "24 h" : `${hours / 24} days`;
  return `${hours} h`;
}
