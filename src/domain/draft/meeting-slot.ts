// Meeting slots: from the rep's busy time, working hours (per weekday, in the
// rep's or tenant's time zone), meeting length, buffers, earliest notice,
// holidays and a horizon, 2–3 concrete free slots presented in the
// recipient's time zone, spread over different days and times of day, never
// overlapping busy time (buffers included). Pure: `now` is an input; time
// zones via Intl (IANA names), so DST days have their real 23 or 25 hours.
// No slot → an explicit empty result with the reason, so the draft can say so.
import { z } from "zod";

export type WeekdayKey = "sun" | "mon" | "tue" | "wed" | "thu" | "fri" | "sat";
export const WEEKDAYS: readonly WeekdayKey[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** "HH:MM" wall-clock ranges per weekday; a day not listed (or empty) is not worked. end "24:00" is midnight. */
export type WorkingHours = Partial<Record<WeekdayKey, { start: string; end: string }[]>>;

export const DEFAULT_WORKING_HOURS: WorkingHours = {
  mon: [{ start: "09:00", end: "17:00" }],
  tue: [{ start: "09:00", end: "17:00" }],
  wed: [{ start: "09:00", end: "17:00" }],
  thu: [{ start: "09:00", end: "17:00" }],
  fri: [{ start: "09:00", end: "17:00" }],
};

export interface Interval {
  start: Date;
  end: Date;
}

export interface MeetingSlotInput {
  now: Date;
  /** The rep's busy time (free/busy; all-day events arrive as midnight-to-midnight intervals). */
  busy: readonly Interval[];
  /** The zone the working hours and holidays are in (the rep's, else the tenant's). */
  hostTimeZone: string;
  workingHours: WorkingHours;
  durationMinutes: number;
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  /** No slot starts sooner than this after `now` (default 120). */
  earliestNoticeMinutes?: number;
  /** Dates (YYYY-MM-DD, in the host zone) with no meetings. */
  holidays?: readonly string[];
  /** How many days ahead to look (default 14, at most 90). */
  horizonDays?: number;
  /** Where the slots are presented; null/undefined: the host zone. */
  recipientTimeZone?: string | null;
  /** The recipient's reasonable hours, local to them (default 08:00–19:00, Monday to Friday). */
  recipientHours?: { start: string; end: string; days?: readonly WeekdayKey[] };
  /** Slots wanted (default 3; 1–5). */
  count?: number;
  /** Start times are multiples of this many minutes from the working range start (default 30). */
  stepMinutes?: number;
}

export interface MeetingSlot {
  start: Date;
  end: Date;
  /** The zone the local fields are in (the recipient's). */
  timeZone: string;
  /** Wall-clock start/end in that zone, "YYYY-MM-DDTHH:MM". */
  localStart: string;
  localEnd: string;
  /** For a person, e.g. "Tue 10 Mar, 10:00–10:30 (America/New_York)". */
  label: string;
}

export type NoSlotReason = "INVALID_INPUT" | "NO_WORKING_HOURS" | "OUTSIDE_RECIPIENT_HOURS" | "FULLY_BUSY";

export type MeetingSlotResult =
  | { ok: true; timeZone: string; slots: MeetingSlot[] }
  | { ok: false; timeZone: string; slots: []; reason: NoSlotReason; message: string };

// ---- time-zone arithmetic (Intl) ------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The wall-clock time of an instant in a zone, as Intl formats it (slow: ~µs per call). */
function intlWallTime(ms: number, timeZone: string): WallTime {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) if (part.type !== "literal") p[part.type] = Number(part.value);
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute! };
}

// UTC offsets change only at instants that are whole multiples of 15 minutes
// (every transition of the IANA database since standard time zones), and at
// most once a day. So the offset is cached per zone and UTC day when the day's
// first and last 15-minute buckets agree (363 days of 365), else per
// 15-minute bucket on that day; the wall clock is then plain arithmetic. This
// makes a month's slot walk ~100× faster once warm (bench/meeting-slots.ts).
const BUCKET_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const offsetCache = new Map<string, Map<number, number>>();

function intlOffset(at: number, timeZone: string): number {
  const w = intlWallTime(at, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - at;
}

function offsetAt(ms: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) offsetCache.set(timeZone, (zone = new Map()));
  if (zone.size > 200_000) zone.clear();
  // Keys: -(day + 1) for a whole day, the bucket number for a bucket of a transition day.
  const day = Math.floor(ms / DAY_MS);
  const whole = zone.get(-(day + 1));
  if (whole !== undefined && !Number.isNaN(whole)) return whole;
  if (whole === undefined) {
    const first = intlOffset(day * DAY_MS, timeZone);
    const last = intlOffset((day + 1) * DAY_MS - BUCKET_MS, timeZone);
    zone.set(-(day + 1), first === last ? first : NaN);
    if (first === last) return first;
  }
  const bucket = Math.floor(ms / BUCKET_MS);
  let offset = zone.get(bucket);
  if (offset === undefined) zone.set(bucket, (offset = intlOffset(bucket * BUCKET_MS, timeZone)));
  return offset;
}

/** The wall-clock time of an instant in a zone. */
export function wallTime(ms: number, timeZone: string): WallTime {
  const d = new Date(ms + offsetAt(ms, timeZone));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
}

/**
 * The instant of a wall-clock time in a zone; null when that time does not
 * exist (the hour skipped by a spring-forward). An ambiguous time (autumn
 * fall-back) is its first occurrence.
 */
export function zonedInstant(year: number, month: number, day: number, minutesOfDay: number, timeZone: string): number | null {
  const local = Date.UTC(year, month - 1, day) + minutesOfDay * 60_000;
  const candidates = new Set<number>();
  for (const probe of [local - 14 * 3_600_000, local, local + 14 * 3_600_000]) candidates.add(local - offsetAt(probe, timeZone));
  const matches = [...candidates].filter((t) => {
    const w = wallTime(t, timeZone);
    return Date.UTC(w.year, w.month - 1, w.day) + (w.hour * 60 + w.minute) * 60_000 === local;
  });
  return matches.length ? Math.min(...matches) : null;
}

function minutesOf(hhmm: string): number | null {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(hhmm);
  if (!m) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v <= 24 * 60 ? v : null;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function isoDate(y: number, m: number, d: number): string {
  return `${y}-${pad(m)}-${pad(d)}`;
}

function localString(w: WallTime): string {
  return `${isoDate(w.year, w.month, w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function weekdayOf(w: { year: number; month: number; day: number }): number {
  return new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
}

function label(start: WallTime, end: WallTime, timeZone: string): string {
  const sameDay = start.year === end.year && start.month === end.month && start.day === end.day;
  const day = (w: WallTime) => `${DAY_NAMES[weekdayOf(w)]} ${w.day} ${MONTHS[w.month - 1]}`;
  return `${day(start)}, ${pad(start.hour)}:${pad(start.minute)}–${sameDay ? "" : `${day(end)}, `}${pad(end.hour)}:${pad(end.minute)} (${timeZone})`;
}

// ---- the computation ----------------------------------------------------------------------

interface Candidate {
  start: number;
  end: number;
  /** The recipient-local date and minutes of day of the start. */
  rDate: string;
  rMinutes: number;
}

function invalid(timeZone: string, message: string): MeetingSlotResult {
  return { ok: false, timeZone, slots: [], reason: "INVALID_INPUT", message };
}

/** Busy intervals sorted and merged (overlapping or touching). */
export function mergeBusy(busy: readonly Interval[]): { start: number; end: number }[] {
  const sorted = busy
    .map((b) => ({ start: b.start.getTime(), end: b.end.getTime() }))
    .filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end) && b.end > b.start)
    .sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const b of sorted) {
    const last = out.at(-1);
    if (last && b.start <= last.end) last.end = Math.max(last.end, b.end);
    else out.push({ ...b });
  }
  return out;
}

export function proposeMeetingSlots(input: MeetingSlotInput): MeetingSlotResult {
  const hostTz = input.hostTimeZone;
  const recipientTz = input.recipientTimeZone || hostTz;
  if (!isTimeZone(hostTz)) return invalid(recipientTz, "The working hours' time zone is not a known IANA zone.");
  if (!isTimeZone(recipientTz)) return invalid(hostTz, "The recipient's time zone is not a known IANA zone.");
  const duration = input.durationMinutes;
  if (!Number.isInteger(duration) || duration < 5 || duration > 8 * 60) return invalid(recipientTz, "The meeting length must be 5 to 480 minutes.");
  const before = input.bufferBeforeMinutes ?? 0;
  const after = input.bufferAfterMinutes ?? 0;
  const notice = input.earliestNoticeMinutes ?? 120;
  const horizon = input.horizonDays ?? 14;
  const count = input.count ?? 3;
  const step = input.stepMinutes ?? 30;
  for (const [name, v, max] of [["bufferBeforeMinutes", before, 240], ["bufferAfterMinutes", after, 240], ["earliestNoticeMinutes", notice, 30 * 24 * 60], ["horizonDays", horizon, 90], ["count", count, 5], ["stepMinutes", step, 240]] as const) {
    if (!Number.isInteger(v) || v < (name === "horizonDays" || name === "count" || name === "stepMinutes" ? 1 : 0) || v > max) return invalid(recipientTz, `${name} is out of range.`);
  }
  const rStart = minutesOf(input.recipientHours?.start ?? "08:00");
  const rEnd = minutesOf(input.recipientHours?.end ?? "19:00");
  if (rStart === null || rEnd === null || rEnd <= rStart) return invalid(recipientTz, "The recipient's hours are not valid HH:MM times.");
  const rDays = new Set((input.recipientHours?.days ?? ["mon", "tue", "wed", "thu", "fri"]).map((d) => WEEKDAYS.indexOf(d)));
  const ranges = new Map<number, { start: number; end: number }[]>();
  for (const [i, key] of WEEKDAYS.entries()) {
    const list: { start: number; end: number }[] = [];
    for (const r of input.workingHours[key] ?? []) {
      const s = minutesOf(r.start);
      const e = minutesOf(r.end);
      if (s === null || e === null || e <= s) return invalid(recipientTz, `The working hours of ${key} are not valid HH:MM ranges.`);
      list.push({ start: s, end: e });
    }
    ranges.set(i, list.sort((a, b) => a.start - b.start));
  }
  const holidays = new Set(input.holidays ?? []);
  const now = input.now.getTime();
  const earliest = now + notice * 60_000;
  const busy = mergeBusy(input.busy);

  let inWorkingHours = 0;
  let inRecipientHours = 0;
  const free: Candidate[] = [];
  const today = wallTime(now, hostTz);
  let pointer = 0;
  for (let d = 0; d <= horizon; d++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + d));
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    if (holidays.has(isoDate(y, m, day))) continue;
    for (const range of ranges.get(date.getUTCDay()) ?? []) {
      for (let t = range.start; t + duration <= range.end; t += step) {
        const start = zonedInstant(y, m, day, t, hostTz);
        if (start === null || start < earliest || start > now + horizon * 86_400_000) continue;
        const end = start + duration * 60_000;
        // The end must still be inside the working range on the wall clock (a DST jump can move it).
        const endWall = wallTime(end, hostTz);
        const endMinutes = endWall.hour * 60 + endWall.minute;
        const sameHostDay = endWall.day === day || (endMinutes === 0 && range.end === 24 * 60);
        if (!sameHostDay || (endMinutes === 0 ? 24 * 60 : endMinutes) > range.end) continue;
        inWorkingHours++;
        const rs = wallTime(start, recipientTz);
        const re = wallTime(end, recipientTz);
        const rsMin = rs.hour * 60 + rs.minute;
        const reMin = re.hour * 60 + re.minute;
        const rSameDay = rs.day === re.day || reMin === 0;
        if (!rDays.has(weekdayOf(rs)) || rsMin < rStart || !rSameDay || (reMin === 0 ? 24 * 60 : reMin) > rEnd) continue;
        inRecipientHours++;
        const from = start - before * 60_000;
        const to = end + after * 60_000;
        while (pointer < busy.length && busy[pointer]!.end <= from - 86_400_000 * 2) pointer++;
        let clash = false;
        for (let i = pointer; i < busy.length && busy[i]!.start < to; i++) {
          if (busy[i]!.end > from) {
            clash = true;
            break;
          }
        }
        if (!clash) free.push({ start, end, rDate: isoDate(rs.year, rs.month, rs.day), rMinutes: rsMin });
      }
    }
  }
  if (free.length === 0) {
    const [reason, message]: [NoSlotReason, string] =
      inWorkingHours === 0 ? ["NO_WORKING_HOURS", `No working hours in the next ${horizon} days (after the notice period and holidays).`]
      : inRecipientHours === 0 ? ["OUTSIDE_RECIPIENT_HOURS", "The working hours never fall within the recipient's working day in their time zone."]
      : ["FULLY_BUSY", `The calendar is fully booked for the next ${horizon} days.`];
    return { ok: false, timeZone: recipientTz, slots: [], reason, message };
  }

  const picked = pickSpread(free, count);
  return {
    ok: true,
    timeZone: recipientTz,
    slots: picked.map((c) => {
      const s = wallTime(c.start, recipientTz);
      const e = wallTime(c.end, recipientTz);
      return { start: new Date(c.start), end: new Date(c.end), timeZone: recipientTz, localStart: localString(s), localEnd: localString(e), label: label(s, e, recipientTz) };
    }),
  };
}

const NOON = 12 * 60;

/**
 * Spreads the picks: the earliest free slot first, then one per further
 * recipient day, alternating morning and afternoon when the day allows;
 * when there are fewer days than slots, more from the days already used, as
 * far from the other picks as possible (2 h, 1 h, 30 min, then adjacent).
 */
function pickSpread(free: Candidate[], count: number): Candidate[] {
  const byDay = new Map<string, Candidate[]>();
  for (const c of free) {
    const list = byDay.get(c.rDate) ?? [];
    list.push(c);
    byDay.set(c.rDate, list);
  }
  const picks: Candidate[] = [];
  const band = (c: Candidate) => (c.rMinutes < NOON ? "am" : "pm");
  for (const list of byDay.values()) {
    if (picks.length >= count) break;
    const last = picks.at(-1);
    const choice = (last && list.find((c) => band(c) !== band(last))) || list[0]!;
    picks.push(choice);
  }
  const overlaps = (c: Candidate, gapMs: number) => picks.some((p) => c.start < p.end + gapMs && c.end + gapMs > p.start);
  for (const gap of [120 * 60_000, 60 * 60_000, 30 * 60_000, 0]) {
    for (const c of free) {
      if (picks.length >= count) break;
      if (!picks.includes(c) && !overlaps(c, gap)) picks.push(c);
    }
  }
  return picks.sort((a, b) => a.start - b.start);
}

// ---- the tenant's meeting settings (settings.meetings) -------------------------------------


const hhmm = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, "must be a time HH:MM (00:00–24:00)");
const dayRanges = z
  .array(z.object({ start: hhmm, end: hhmm }).strict())
  .max(4)
  .superRefine((ranges, ctx) => {
    const sorted = ranges.map((r, i) => ({ s: minutesOf(r.start)!, e: minutesOf(r.end)!, i })).sort((a, b) => a.s - b.s);
    for (const r of sorted) if (r.e <= r.s) ctx.addIssue({ code: "custom", path: [r.i, "end"], message: "must be after start" });
    for (let k = 1; k < sorted.length; k++) {
      if (sorted[k]!.s < sorted[k - 1]!.e) ctx.addIssue({ code: "custom", path: [sorted[k]!.i, "start"], message: "overlaps another range of the same day" });
    }
  });

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine((d) => {
    const [y, m, day] = d.split("-").map(Number) as [number, number, number];
    const t = new Date(Date.UTC(y, m - 1, day));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === day;
  }, "is not a calendar date");

/**
 * settings.meetings: when the tenant's people take meetings. The working hours
 * are wall-clock ranges in `timeZone` (null: the tenant's general.timeZone),
 * holidays are dates in that zone; the rest bounds what the slot computation
 * may offer.
 */
export const meetingSettingsSchema = z
  .object({
    timeZone: z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin").nullable().default(null),
    workingHours: z
      .object(Object.fromEntries(WEEKDAYS.map((d) => [d, dayRanges.optional()])) as Record<WeekdayKey, z.ZodOptional<typeof dayRanges>>)
      .strict()
      .default(() => ({ ...DEFAULT_WORKING_HOURS })),
    defaultDurationMinutes: z.number().int().min(5).max(480).default(30),
    bufferBeforeMinutes: z.number().int().min(0).max(240).default(0),
    bufferAfterMinutes: z.number().int().min(0).max(240).default(0),
    /** No slot starts sooner than this after now. */
    minimumNoticeMinutes: z.number().int().min(0).max(30 * 24 * 60).default(120),
    /** How many days ahead slots are looked for. */
    horizonDays: z.number().int().min(1).max(90).default(14),
    /** How many slots a draft offers (2 or 3). */
    slotsOffered: z.number().int().min(2).max(3).default(3),
    holidays: z.array(isoDay).max(366).default([]),
  })
  .strict();
export type MeetingSettings = z.infer<typeof meetingSettingsSchema>;

/** The slot computation's input from the settings (the host zone resolved by the caller). */
export function slotRules(settings: MeetingSettings, tenantTimeZone: string): Pick<MeetingSlotInput, "hostTimeZone" | "workingHours" | "bufferBeforeMinutes" | "bufferAfterMinutes" | "earliestNoticeMinutes" | "holidays" | "horizonDays"> {
  return {
    hostTimeZone: settings.timeZone ?? tenantTimeZone,
    workingHours: settings.workingHours,
    bufferBeforeMinutes: settings.bufferBeforeMinutes,
    bufferAfterMinutes: settings.bufferAfterMinutes,
    earliestNoticeMinutes: settings.minimumNoticeMinutes,
    holidays: settings.holidays,
    horizonDays: settings.horizonDays,
  };
}

/** Whether [start, end) plus buffers overlaps any busy interval. */
export function overlapsBusy(slot: Interval, busy: readonly Interval[], bufferBeforeMinutes = 0, bufferAfterMinutes = 0): boolean {
  const from = slot.start.getTime() - bufferBeforeMinutes * 60_000;
  const to = slot.end.getTime() + bufferAfterMinutes * 60_000;
  return busy.some((b) => b.start.getTime() < to && b.end.getTime() > from);
}
