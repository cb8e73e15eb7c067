// Sequences (cadences), the pure part: where a step falls in time, who may be
// enrolled, and what an inbound message does to an enrolment.
//
// Time: a step's delay counts from a base instant (enrolment, or when the
// previous step ended). HOURS are elapsed hours. BUSINESS_DAYS move the
// recipient's local calendar date forward over send days only (weekends and
// holidays skipped when the sequence says so) and keep the local time of day,
// so a DST change in between does not shift it by an hour. The result is then
// placed in the recipient's send window (e.g. 08:00–11:00 in their zone): the
// instant itself when it falls inside a window, else the start of the next
// window on a send day. All zone arithmetic goes through Intl (wallTime /
// zonedInstant): no fixed offsets anywhere.
import { z } from "zod";
import { wallTime, zonedInstant } from "../draft/meeting-slot.js";

export const SEQUENCE_STEP_KINDS = ["EMAIL", "TASK", "WAIT"] as const;
export type SequenceStepKind = (typeof SEQUENCE_STEP_KINDS)[number];
export const SEQUENCE_DELAY_UNITS = ["BUSINESS_DAYS", "HOURS"] as const;
export type SequenceDelayUnit = (typeof SEQUENCE_DELAY_UNITS)[number];
export const ENROLLMENT_STATUSES = ["ACTIVE", "PAUSED", "EXITED", "COMPLETED"] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];
export const STEP_OUTCOMES = ["SCHEDULED", "DRAFTED", "SENT", "TASK_CREATED", "WAITED", "SKIPPED", "CANCELLED"] as const;

/** Why a contact was not enrolled. */
export const ENROLLMENT_REFUSALS = ["NOT_FOUND", "NO_EMAIL", "DO_NOT_CONTACT", "SUPPRESSED", "ALREADY_ENROLLED", "DISQUALIFIED", "QUOTA_IMPOSSIBLE"] as const;
export type EnrollmentRefusal = (typeof ENROLLMENT_REFUSALS)[number];

/** Why an enrolment ended early. */
export const EXIT_REASONS = [
  "REPLIED",
  "NOT_INTERESTED",
  "UNSUBSCRIBED",
  "BOUNCED",
  "COMPLAINED",
  "SUPPRESSED",
  "DO_NOT_CONTACT",
  "MANUAL",
  "SEQUENCE_ARCHIVED",
  /** The reply asked for a meeting: a meeting-slot reply draft is written instead of the next step. */
  "MEETING_REQUESTED",
  /** The reply raised an objection: an objection-handling reply draft is written instead of the next step. */
  "OBJECTION",
  /** A meeting with the contact was booked. */
  "MEETING_BOOKED",
  /** A deal the contact is on changed stage (or closed). */
  "DEAL_STAGE_CHANGED",
] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

export const MAX_STEPS = 20;
export const MAX_BUSINESS_DAYS = 120;
export const MAX_HOURS = 24 * 120;
const DAY_MS = 86_400_000;
/** How far ahead a window is looked for before giving up (a calendar with every day a holiday). */
const HORIZON_DAYS = 400;

export interface SendWindow {
  /** IANA zone of the recipient. */
  timeZone: string;
  /** Minutes of the local day: [start, end). */
  start: number;
  end: number;
  skipWeekends: boolean;
  /** Local dates (YYYY-MM-DD) never to send on. */
  holidays: readonly string[];
}

export interface Delay {
  amount: number;
  unit: SequenceDelayUnit;
}

export interface Placement {
  /** When the step is due: inside a window. */
  at: Date;
  /** The end of that window. */
  windowEnd: Date;
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

export function isoDate(d: LocalDate): string {
  return `${d.year}-${pad(d.month)}-${pad(d.day)}`;
}

function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day) + days * DAY_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Whether messages may go out on this local date (weekends and holidays as the window says). */
export function isSendDay(d: LocalDate, window: Pick<SendWindow, "skipWeekends" | "holidays">): boolean {
  const weekday = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
  if (window.skipWeekends && (weekday === 0 || weekday === 6)) return false;
  return !window.holidays.includes(isoDate(d));
}

/**
 * The instant of a local time; a time skipped by a spring-forward becomes the
 * first minute after the gap (the wall clock jumps over it, so does the window).
 */
export function localInstant(d: LocalDate, minutes: number, timeZone: string): number {
  const exact = zonedInstant(d.year, d.month, d.day, minutes, timeZone);
  if (exact !== null) return exact;
  for (let m = minutes + 1; m <= minutes + 180; m++) {
    const later = zonedInstant(d.year, d.month, d.day, m, timeZone);
    if (later !== null) return later;
  }
  // No zone skips three hours; fall back to the UTC reading rather than fail.
  return Date.UTC(d.year, d.month - 1, d.day) + minutes * 60_000;
}

function localDateOf(ms: number, timeZone: string): LocalDate {
  const w = wallTime(ms, timeZone);
  return { year: w.year, month: w.month, day: w.day };
}

/** The window of one local date, as instants. */
function windowOn(d: LocalDate, window: SendWindow): { start: number; end: number } {
  return { start: localInstant(d, window.start, window.timeZone), end: localInstant(d, window.end, window.timeZone) };
}

/**
 * The first moment at or after `from` that lies in a send window, with that
 * window's end. Throws when there is none within a year (every day excluded).
 */
export function nextWindow(from: Date, window: SendWindow): Placement {
  const t = from.getTime();
  let d = addDays(localDateOf(t, window.timeZone), -1);
  for (let i = 0; i < HORIZON_DAYS; i++, d = addDays(d, 1)) {
    if (!isSendDay(d, window)) continue;
    const w = windowOn(d, window);
    if (w.end <= t || w.end <= w.start) continue;
    return { at: new Date(Math.max(w.start, t)), windowEnd: new Date(w.end) };
  }
  throw new Error("no send window within a year: every day is excluded");
}

/** Whether the instant lies inside a send window. */
export function insideWindow(at: Date, window: SendWindow): boolean {
  return nextWindow(at, window).at.getTime() === at.getTime();
}

/** The base instant moved by the delay (before window placement). */
export function afterDelay(base: Date, delay: Delay, window: SendWindow): Date {
  if (delay.unit === "HOURS") return new Date(base.getTime() + delay.amount * 3_600_000);
  if (delay.amount === 0) return base;
  const w = wallTime(base.getTime(), window.timeZone);
  let d: LocalDate = { year: w.year, month: w.month, day: w.day };
  for (let left = delay.amount, guard = 0; left > 0 && guard < HORIZON_DAYS * 2; guard++) {
    d = addDays(d, 1);
    if (isSendDay(d, window)) left--;
  }
  // The same local time of day on the target date (a DST change in between does not move it).
  return new Date(localInstant(d, w.hour * 60 + w.minute, window.timeZone));
}

/** Where a step with this delay falls, counted from `base`, in the recipient's window. */
export function placeStep(base: Date, delay: Delay, window: SendWindow): Placement {
  return nextWindow(afterDelay(base, delay, window), window);
}

/** When an e-mail step's draft is prepared: `leadHours` before its window opens, never in the past. */
export function prepareAt(sendAt: Date, leadHours: number, now: Date): Date {
  return new Date(Math.max(now.getTime(), sendAt.getTime() - leadHours * 3_600_000));
}

/**
 * The send path's check for a sequence draft: null when it may go now (the
 * step's time has come and we are inside a window), else when to try again.
 */
export function sendHold(now: Date, notBefore: Date, window: SendWindow): Date | null {
  const from = now.getTime() >= notBefore.getTime() ? now : notBefore;
  const next = nextWindow(from, window).at;
  return next.getTime() === now.getTime() ? null : next;
}

/** sendHold with the reason the send path gives a sequence draft that must wait; null when it may go now. */
export function sequenceHold(now: Date, notBefore: Date, window: SendWindow): { until: Date; reason: string } | null {
  const until = sendHold(now, notBefore, window);
  return until ? { until, reason: `Waiting for the recipient's send window (${window.timeZone}).` } : null;
}

/** A window at `minutes` of the day from "HH:MM". */
export function parseClock(hhmm: string): number | null {
  const t = hhmm.trim();
  if (t === "24:00") return 1440;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(t);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function formatClock(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

// ---- time zones ---------------------------------------------------------------------------

/** Countries with one time zone (or one that covers nearly everyone): a company's country tells the zone. */
const COUNTRY_ZONES: Record<string, string> = {
  AT: "Europe/Vienna", BE: "Europe/Brussels", CH: "Europe/Zurich", CZ: "Europe/Prague", DE: "Europe/Berlin", DK: "Europe/Copenhagen",
  EE: "Europe/Tallinn", FI: "Europe/Helsinki", FR: "Europe/Paris", GB: "Europe/London", GR: "Europe/Athens", HU: "Europe/Budapest",
  IE: "Europe/Dublin", IT: "Europe/Rome", LT: "Europe/Vilnius", LU: "Europe/Luxembourg", LV: "Europe/Riga", NL: "Europe/Amsterdam",
  NO: "Europe/Oslo", PL: "Europe/Warsaw", PT: "Europe/Lisbon", RO: "Europe/Bucharest", SE: "Europe/Stockholm", SK: "Europe/Bratislava",
  SI: "Europe/Ljubljana", ES: "Europe/Madrid", HR: "Europe/Zagreb", BG: "Europe/Sofia", IS: "Atlantic/Reykjavik", IL: "Asia/Jerusalem",
  IN: "Asia/Kolkata", JP: "Asia/Tokyo", KR: "Asia/Seoul", SG: "Asia/Singapore", HK: "Asia/Hong_Kong", CN: "Asia/Shanghai", TW: "Asia/Taipei",
  AE: "Asia/Dubai", ZA: "Africa/Johannesburg", NZ: "Pacific/Auckland", PH: "Asia/Manila", TH: "Asia/Bangkok", VN: "Asia/Ho_Chi_Minh",
  TR: "Europe/Istanbul", UA: "Europe/Kyiv", AR: "America/Argentina/Buenos_Aires", CO: "America/Bogota", PE: "America/Lima", CL: "America/Santiago",
};

export function isTimeZoneName(tz: string | null | undefined): tz is string {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export type TimeZoneSource = "CONTACT" | "INFERRED" | "TENANT";

/** The recipient's zone: the contact's own, else one inferred from their company's country, else the tenant's. */
export function recipientTimeZone(input: { contactTimeZone?: string | null; country?: string | null; tenantTimeZone: string }): { timeZone: string; source: TimeZoneSource } {
  if (isTimeZoneName(input.contactTimeZone)) return { timeZone: input.contactTimeZone, source: "CONTACT" };
  const inferred = input.country ? COUNTRY_ZONES[input.country.trim().toUpperCase()] : undefined;
  if (inferred) return { timeZone: inferred, source: "INFERRED" };
  return { timeZone: isTimeZoneName(input.tenantTimeZone) ? input.tenantTimeZone : "UTC", source: "TENANT" };
}

// ---- enrolment ----------------------------------------------------------------------------

export interface EnrollmentCandidate {
  exists: boolean;
  email: string | null;
  doNotContact: boolean;
  suppressed: boolean;
  alreadyEnrolled: boolean;
  /** The contact's lead is DISQUALIFIED. */
  disqualified: boolean;
}

/** Why this contact may not be enrolled (the first reason that applies), or null. */
export function enrollmentRefusal(c: EnrollmentCandidate): EnrollmentRefusal | null {
  if (!c.exists) return "NOT_FOUND";
  if (!c.email) return "NO_EMAIL";
  if (c.doNotContact) return "DO_NOT_CONTACT";
  if (c.suppressed) return "SUPPRESSED";
  if (c.alreadyEnrolled) return "ALREADY_ENROLLED";
  if (c.disqualified) return "DISQUALIFIED";
  return null;
}

export const REFUSAL_MESSAGES: Record<EnrollmentRefusal, string> = {
  NOT_FOUND: "No contact with this id.",
  NO_EMAIL: "The contact has no e-mail address.",
  DO_NOT_CONTACT: "The contact is marked do-not-contact.",
  SUPPRESSED: "The contact's address or domain is on the suppression list.",
  ALREADY_ENROLLED: "The contact is already in this sequence (active or paused).",
  DISQUALIFIED: "The contact's lead is disqualified.",
  QUOTA_IMPOSSIBLE: "The sending quotas leave no room for the cadence's first e-mail (a limit of 0, or no free window within the planning horizon).",
};

// ---- inbound messages ---------------------------------------------------------------------

export interface InboundSignal {
  intent: string | null;
  /** Sent by a machine (auto-reply, report, list). */
  automated: boolean;
  /** What the certain header rules decided at ingest: COMPLAINT, BOUNCE, UNSUBSCRIBE, AUTO_REPLY. */
  ruleKind: string | null;
  /** Out of office: the local date the person is back (YYYY-MM-DD). */
  returnDate: string | null;
  /** A bounce's kind when known (a soft one is a temporary failure: mailbox full, deferred); unknown counts as hard. */
  bounce?: "HARD" | "SOFT" | null;
  /**
   * For a soft bounce: the pause repeated soft bounces of this recipient call
   * for (recipientSoftBouncePause), null below the tenant's count.
   */
  softBouncePause?: { until: Date; detail: string } | null;
}

/** What is written instead of the cadence's next step when a reply branches it. */
export const SEQUENCE_BRANCHES = ["MEETING_SLOT_REPLY", "OBJECTION_REPLY"] as const;
export type SequenceBranch = (typeof SEQUENCE_BRANCHES)[number];

/**
 * What the draft writer is asked to do for a branch (the message answered is
 * given to it as well: the objection itself is read from there, so no message
 * text travels in job inputs).
 */
export function branchBrief(branch: SequenceBranch): { title: string; rationale: string } {
  if (branch === "MEETING_SLOT_REPLY") {
    return {
      title: "Reply to their meeting request",
      rationale: "They answered a sequence e-mail asking to meet: confirm the time they proposed, or offer the free times listed; keep it short.",
    };
  }
  return {
    title: "Answer their objection",
    rationale:
      "They answered a sequence e-mail with an objection: answer that specific concern honestly (no pressure, no promise our facts do not support) and offer one low-effort next step.",
  };
}

export type InboundEffect =
  | { kind: "EXIT"; reason: ExitReason; detail: string; branch?: SequenceBranch }
  | { kind: "PAUSE"; until: Date; detail: string }
  | null;

/** Days an out-of-office without a return date pauses for. */
export const OOO_DEFAULT_PAUSE_DAYS = 7;

/**
 * What a message from an enrolled contact does: complaint, (hard) bounce,
 * unsubscribe and "not interested" exit at once; a soft bounce changes
 * nothing until the recipient's repeated soft bounces pause the enrolment; an out-of-office pauses
 * until the start of the return date in the recipient's zone (a week without
 * one); any other human reply exits (a person now answers); other automated
 * mail changes nothing. A meeting request or an objection exits with a
 * branch: the caller has a reply draft written (slots offered, or the
 * objection answered), which goes to review like any draft.
 */
export function inboundEffect(signal: InboundSignal, timeZone: string, now: Date): InboundEffect {
  const { intent, ruleKind } = signal;
  if (ruleKind === "COMPLAINT") return { kind: "EXIT", reason: "COMPLAINED", detail: "The recipient reported the mail as spam." };
  if (ruleKind === "BOUNCE" || intent === "BOUNCE") {
    // A soft bounce is temporary: the cadence goes on, unless the recipient keeps bouncing — then it pauses.
    if (signal.bounce === "SOFT") return signal.softBouncePause ? { kind: "PAUSE", ...signal.softBouncePause } : null;
    return { kind: "EXIT", reason: "BOUNCED", detail: "The message bounced." };
  }
  if (ruleKind === "UNSUBSCRIBE" || intent === "UNSUBSCRIBE") return { kind: "EXIT", reason: "UNSUBSCRIBED", detail: "The recipient unsubscribed." };
  if (intent === "OUT_OF_OFFICE") {
    const back = signal.returnDate && /^\d{4}-\d{2}-\d{2}$/.test(signal.returnDate) ? signal.returnDate : null;
    if (back) {
      const [y, m, d] = back.split("-").map(Number) as [number, number, number];
      const until = new Date(localInstant({ year: y, month: m, day: d }, 0, timeZone));
      if (until.getTime() > now.getTime()) return { kind: "PAUSE", until, detail: `Out of office until ${back}.` };
      return null;
    }
    return { kind: "PAUSE", until: new Date(now.getTime() + OOO_DEFAULT_PAUSE_DAYS * DAY_MS), detail: "Out of office (no return date given)." };
  }
  if (intent === "NOT_INTERESTED") return { kind: "EXIT", reason: "NOT_INTERESTED", detail: "The recipient is not interested." };
  if (signal.automated || ruleKind === "AUTO_REPLY") return null;
  // Branches: the cadence ends (a person now holds the conversation) and the answer is a reply draft for review.
  // An objection exits rather than pauses: resuming canned steps over an open objection would read as not listening.
  if (intent === "MEETING_REQUEST") return { kind: "EXIT", reason: "MEETING_REQUESTED", detail: "The recipient asked for a meeting: a reply offering times is drafted.", branch: "MEETING_SLOT_REPLY" };
  if (intent === "OBJECTION") return { kind: "EXIT", reason: "OBJECTION", detail: "The recipient raised an objection: a reply answering it is drafted.", branch: "OBJECTION_REPLY" };
  return { kind: "EXIT", reason: "REPLIED", detail: `The recipient replied${intent ? ` (${intent})` : ""}.` };
}

// ---- definitions --------------------------------------------------------------------------

export interface StepDefinition {
  kind: SequenceStepKind;
  delay: Delay;
  windowStart: number;
  windowEnd: number;
  brief?: string | null;
  subject?: string | null;
  taskTitle?: string | null;
  /** EMAIL: an A/B test of two briefs (variant A first). */
  variants?: ReadonlyArray<{ brief: string; subject?: string | null; weight: number }> | null;
}

/** What is wrong with a list of steps: [path under "steps", message]. */
export function stepProblems(steps: readonly StepDefinition[]): Array<[string[], string]> {
  const problems: Array<[string[], string]> = [];
  if (steps.length === 0) problems.push([[], "must have at least one step"]);
  if (steps.length > MAX_STEPS) problems.push([[], `must have at most ${MAX_STEPS} steps`]);
  steps.forEach((s, i) => {
    const at = String(i);
    const max = s.delay.unit === "HOURS" ? MAX_HOURS : MAX_BUSINESS_DAYS;
    if (!Number.isInteger(s.delay.amount) || s.delay.amount < 0 || s.delay.amount > max) problems.push([[at, "delay"], `must be a whole number from 0 to ${max}`]);
    if (!(s.windowStart >= 0 && s.windowEnd <= 1440 && s.windowStart < s.windowEnd)) problems.push([[at, "windowStart"], "the window must start before it ends, within the day"]);
    if (s.kind === "EMAIL" && !s.brief?.trim()) problems.push([[at, "brief"], "an e-mail step needs a brief for the draft writer"]);
    if (s.kind === "TASK" && !s.taskTitle?.trim()) problems.push([[at, "taskTitle"], "a task step needs a title"]);
    if (s.variants?.length) {
      if (s.kind !== "EMAIL") problems.push([[at, "variants"], "only an e-mail step can have A/B variants"]);
      else if (s.variants.length !== 2) problems.push([[at, "variants"], "an A/B test has exactly two variants (A and B)"]);
    }
  });
  if (steps.length && steps.every((s) => s.kind === "WAIT")) problems.push([[], "must have at least one e-mail or task step"]);
  return problems;
}

// ---- tenant settings ----------------------------------------------------------------------

/** settings.sequences: the tenant's holidays (local dates, skipped by sequences that skip holidays) and how early drafts are prepared. */
export const sequenceSettingsSchema = z
  .object({
    holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")).max(500).default([]),
    /** Hours before a step's window opens that its draft is written, so a person can review it in time. */
    draftLeadHours: z.number().int().min(0).max(168).default(18),
    /** Trigger: a form submission (inbound webhook) enrols the lead's contact in this sequence; its first step is the follow-up. */
    formSequenceId: z.string().uuid().nullable().default(null),
    /** Trigger: accepting a recommendation of this tool (e.g. scheduleFollowUp) enrols its contact in the sequence named. */
    onRecommendationAccepted: z.record(z.string(), z.string().uuid()).default({}),
  })
  .strict();
export type SequenceSettings = z.infer<typeof sequenceSettingsSchema>;
