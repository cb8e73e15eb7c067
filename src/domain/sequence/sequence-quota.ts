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
  /** The earliest instant, null when empty. */
  first(): number | null {
    return this.ms.length ? this.ms[0]! : null;
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
  /** WARMUP: the sender mailbox's warm-up cap (a daily cap that grows with the ramp's day), as the send path applies it. */
  kind: "MAILBOX" | "CONTACT" | "DOMAIN" | "WARMUP";
  /** What is counted (the mailbox, the recipient address or the recipient's domain), for the reason. */
  key: string;
  limit: number;
  /**
   * A limit that depends on when the send happens (the warm-up cap of the
   * ramp's day at that instant); null at an instant means no limit then (the
   * ramp is over). `limit` is then only the figure named in reasons.
   */
  limitAt?: (t: number) => number | null;
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
export function fitsLimit(at: Date, limit: Pick<PlanLimit, "limit" | "windowMs" | "times" | "limitAt">): boolean {
  const t = at.getTime();
  const w = limit.windowMs;
  const cap = (end: number) => (limit.limitAt ? limit.limitAt(end) : limit.limit);
  const here = cap(t);
  if (here !== null && (here <= 0 || limit.times.countIn(t - w, t) + 1 > here)) return false;
  // Later windows that would contain it: one per counted time after it (only the first `limit` can matter for a
  // fixed limit; a varying one is checked at every later send in the window, as the send path will check it then).
  const later = limit.times.between(t, t + w);
  for (const end of limit.limitAt ? later : later.slice(0, limit.limit + 1)) {
    const there = cap(end);
    if (there !== null && limit.times.countIn(end - w, end) + 1 > there) return false;
  }
  return true;
}

/**
 * The warm-up cap as a function of time, for planning: the ramp's day counts
 * from the mailbox's first send (warmupDay), and a mailbox that never sent
 * starts its ramp with its first planned send (`anchor()` is read at each
 * call, so sends planned meanwhile move it). `capOfDay` is warmupCap.
 */
export function warmupLimitAt(firstSendAt: number | null, anchor: () => number | null, capOfDay: (day: number) => number | null): (t: number) => number | null {
  return (t) => {
    const start = firstSendAt ?? Math.min(anchor() ?? t, t);
    return capOfDay(Math.max(0, Math.floor((t - start) / 86_400_000)));
  };
}

/** The first window at or after the candidate where every limit holds. */
export function placeWithinQuota(candidate: Placement, window: SendWindow, limits: readonly PlanLimit[]): PlannedPlacement {
  let placement = candidate;
  let pushReason: string | null = null;
  for (let pushes = 0; pushes <= MAX_QUOTA_PUSHES; pushes++) {
    const broken = limits.find((l) => !fitsLimit(placement.at, l));
    if (!broken) return { placement, pushes, pushReason };
    if (broken.limit <= 0 && !broken.limitAt) {
      return { placement: candidate, pushes: 0, impossible: true, pushReason: `The ${label(broken)} limit is 0: nothing can be sent; the send path will hold this step.` };
    }
    const figure = broken.limitAt ? (broken.limitAt(placement.at.getTime()) ?? broken.limit) : broken.limit;
    pushReason = `Moved to a later window: the ${label(broken)} limit (${figure} per ${describeWindow(broken.windowMs)}) would be exceeded on ${placement.at.toISOString().slice(0, 10)}.`;
    placement = nextWindow(placement.windowEnd, window);
  }
  return { placement: candidate, pushes: 0, impossible: true, pushReason: `The quotas leave no room within ${MAX_QUOTA_PUSHES} windows; placed as planned and the send path will hold it.` };
}

function label(l: PlanLimit): string {
  switch (l.kind) {
    case "MAILBOX":
      return `sender mailbox ${l.key}`;
    case "WARMUP":
      return `sender mailbox ${l.key} warm-up`;
    case "DOMAIN":
      return `recipient domain ${l.key}`;
    default:
      return `recipient ${l.key}`;
  }
}

/** "24 h", "7 days": a rolling window's length for people. */
export function describeWindow(windowMs: number): string {
  const hours = windowMs / 3_600_000;
  if (hours % 24 === 0) return hours === 24 ? "24 h" : `${hours / 24} days`;
  return `${hours} h`;
}
