// Quota planning for sequence steps, the pure part: the send path enforces
// the sending quotas (src/domain/sending/quota.ts) at send time; this places
// a step so that they will hold, counting the sends already made and the
// steps already planned. A step that would break a limit moves to the next
// send window (the next day's, for a daily window), and says which limit
// moved it.
import { nextWindow, type Placement, type SendWindow } from "./sequence.js";

/** Instants (ms) kept sorted, for counting how many fall in a range in O(log n). */
export class TimeSet {
  private readonly ms: number[] = [];
  static of(times: Iterable<Date | number>): TimeSet {
    const set = new TimeSet();
    for (const t of times) set.ms.push(typeof t === "number" ? t : t.getTime());
    set.ms.sort((a, b) => a - b);
    return set;
  }
  get size(): number {
    return this.ms.length;
  }
  /** Index of the first instant > t. */
  private upper(t: number): number {
    let lo = 0;
    let hi = this.ms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ms[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  add(t: Date | number): void {
    const v = typeof t === "number" ? t : t.getTime();
    this.ms.splice(this.upper(v), 0, v);
  }
  /** How many lie in (from, to]. */
  countIn(from: number, to: number): number {
    return to <= from ? 0 : this.upper(to) - this.upper(from);
  }
  /** The instants in (from, to), ascending. */
  between(from: number, to: number): number[] {
    const out: number[] = [];
    for (let i = this.upper(from); i < this.ms.length && this.ms[i]! < to; i++) out.push(this.ms[i]!);
    return out;
  }
}

export interface PlanLimit {
  kind: "MAILBOX" | "CONTACT";
  /** What is counted (the mailbox or the recipient address), for the reason. */
  key: string;
  limit: number;
  windowMs: number;
  /** Sends made and steps planned that count for this limit. */
  times: TimeSet;
}

export interface PlannedPlacement {
  placement: Placement;
  /** How many windows the step moved. */
  pushes: number;
  /** Why it moved (the last limit that moved it), null when it did not. */
  pushReason: string | null;
  /** No window can take it (a limit of 0, or none free within MAX_QUOTA_PUSHES): enrolment refuses it. */
  impossible?: boolean;
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
  const w = limit.windowMs;
  if (limit.times.countIn(t - w, t) + 1 > limit.limit) return false;
  // Later windows that would contain it: one per counted time after it (only the first `limit` can matter).
  for (const end of limit.times.between(t, t + w).slice(0, limit.limit + 1)) {
    if (limit.times.countIn(end - w, end) + 1 > limit.limit) return false;
  }
  return true;
}

/** The first window at or after the candidate where every limit holds. */
export function placeWithinQuota(candidate: Placement, window: SendWindow, limits: readonly PlanLimit[]): PlannedPlacement {
  let placement = candidate;
  let pushReason: string | null = null;
  for (let pushes = 0; pushes <= MAX_QUOTA_PUSHES; pushes++) {
    const broken = limits.find((l) => !fitsLimit(placement.at, l));
    if (!broken) return { placement, pushes, pushReason };
    if (broken.limit <= 0) {
      return { placement: candidate, pushes: 0, impossible: true, pushReason: `The ${label(broken)} limit is 0: nothing can be sent; the send path will hold this step.` };
    }
    pushReason = `Moved to a later window: the ${label(broken)} limit (${broken.limit} per ${describeWindow(broken.windowMs)}) would be exceeded on ${placement.at.toISOString().slice(0, 10)}.`;
    placement = nextWindow(placement.windowEnd, window);
  }
  return { placement: candidate, pushes: 0, impossible: true, pushReason: `The quotas leave no room within ${MAX_QUOTA_PUSHES} windows; placed as planned and the send path will hold it.` };
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
