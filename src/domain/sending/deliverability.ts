// Deliverability guardrails, as pure rules: the tenant's thresholds, the
// bounce and complaint rates of a sender mailbox or sending domain over
// rolling windows, whether they trip an automatic pause (and why, in words),
// and the warm-up ramp of a new mailbox. The orchestration layer counts the
// sends and signals in the database and applies the verdict in the same
// transaction as the signal that tipped it.
import { z } from "zod";

export const DELIVERABILITY_SIGNAL_KINDS = ["HARD_BOUNCE", "SOFT_BOUNCE", "COMPLAINT"] as const;
export type DeliverabilitySignalKind = (typeof DELIVERABILITY_SIGNAL_KINDS)[number];

/** AUTO: enforce DMARC alignment when the message really leaves (SMTP, Gmail), not for the local outbox. */
export const DMARC_ENFORCEMENT = ["AUTO", "ALWAYS", "NEVER"] as const;
export type DmarcEnforcement = (typeof DMARC_ENFORCEMENT)[number];

const hours = z.number().int().min(1).max(24 * 30);
const hostname = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?$/, "must be a DNS name");

const hardBounceSchema = z
  .object({
    /** Pause above this share of hard bounces among the sends in a window (peers: 2-5%). */
    maxRatePercent: z.number().min(0).max(100).default(3),
    /** …but only with at least this many sends in the window (one bounce in three sends says little). */
    minSends: z.number().int().min(1).max(1_000_000).default(20),
  })
  .strict();
const complaintSchema = z
  .object({
    /** Pause above this complaint rate (Google's bulk-sender guideline: stay under 0.1%, never reach 0.3%). */
    maxRatePercent: z.number().min(0).max(100).default(0.1),
    minSends: z.number().int().min(1).max(1_000_000).default(100),
    /** A burst: this many complaints within burstWindowHours pause at once, whatever the volume. */
    burstCount: z.number().int().min(1).max(10_000).default(2),
    burstWindowHours: hours.default(24),
  })
  .strict();
const softBounceSchema = z
  .object({
    /** Pause the mailbox above this share of soft bounces (mailbox full, deferred, policy) among its sends in a window. */
    maxRatePercent: z.number().min(0).max(100).default(10),
    minSends: z.number().int().min(1).max(1_000_000).default(20),
    /** A recipient that soft-bounced this many times within recipientWindowHours: their sequence enrolments pause. */
    recipientCount: z.number().int().min(1).max(100).default(3),
    recipientWindowHours: hours.default(168),
    /** How long such an enrolment pauses (it then resumes on its own, as after an out-of-office). */
    recipientPauseDays: z.number().int().min(1).max(90).default(7),
  })
  .strict();
const warmupSchema = z
  .object({
    /** Off by default: existing mailboxes are not new. When on, a mailbox's first send starts its ramp. */
    enabled: z.boolean().default(false),
    /** The daily cap on the first day. */
    startPerDay: z.number().int().min(1).max(10_000).default(20),
    /** How much the cap grows each day, compounded (20: 20, 24, 29, 35, 41, …). */
    dailyGrowthPercent: z.number().min(1).max(200).default(20),
  })
  .strict();

export const deliverabilitySettingsSchema = z
  .object({
    /** Pause a mailbox automatically when a threshold is crossed (a MANAGER resumes it). */
    autoPause: z.boolean().default(true),
    /** The rolling windows the rates are computed over, in hours (default 24 h and 7 days). */
    windowsHours: z.array(hours).min(1).max(4).default([24, 168]),
    hardBounce: hardBounceSchema.prefault({}),
    softBounce: softBounceSchema.prefault({}),
    complaint: complaintSchema.prefault({}),
    warmup: warmupSchema.prefault({}),
    /** Refuse sends from a domain whose DMARC check fails (see README "Deliverability guardrails"). */
    enforceDmarc: z.enum(DMARC_ENFORCEMENT).default("AUTO"),
    /** DKIM selectors looked up as <selector>._domainkey.<domain> ("google" for Google Workspace). */
    dkimSelectors: z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9](?:[a-z0-9._-]{0,62})$/, "must be a DKIM selector")).min(1).max(10).default(["google"]),
    /** SPF includes the sending service needs (e.g. _spf.google.com); empty: any SPF record ending in ~all/-all passes. */
    spfIncludes: z.array(hostname).max(10).default([]),
    /** How often each sending domain's SPF/DKIM/DMARC is re-checked through DNS by the scheduled job (hours; default daily). */
    dnsRecheckHours: z.number().int().min(1).max(24 * 30).default(24),
  })
  .strict();
export type DeliverabilitySettings = z.infer<typeof deliverabilitySettingsSchema>;
export const DEFAULT_DELIVERABILITY_SETTINGS: DeliverabilitySettings = deliverabilitySettingsSchema.parse({});

/** What was counted for one mailbox or domain in one window. */
export interface WindowCounts {
  windowHours: number;
  sends: number;
  hardBounces: number;
  softBounces: number;
  complaints: number;
}

export interface WindowRates extends WindowCounts {
  /** Percent of sends, null without sends. */
  hardBounceRatePercent: number | null;
  complaintRatePercent: number | null;
}

export const PAUSE_CODES = ["HARD_BOUNCE_RATE", "SOFT_BOUNCE_RATE", "COMPLAINT_RATE", "COMPLAINT_BURST"] as const;
export type PauseCode = (typeof PAUSE_CODES)[number];

export interface PauseVerdict {
  code: PauseCode;
  /** "Hard bounce rate 10.0% (2 of 20 sends) in the last 24 h is above the tenant's 3% threshold." */
  reason: string;
  windowHours: number;
}

export function ratesOf(counts: WindowCounts): WindowRates {
  const pct = (n: number) => (counts.sends > 0 ? (n / counts.sends) * 100 : null);
  return { ...counts, hardBounceRatePercent: pct(counts.hardBounces), complaintRatePercent: pct(counts.complaints) };
}

function windowLabel(h: number): string {
  return h % 24 === 0 ? (h === 24 ? "24 h" : `${h / 24} days`) : `${h} h`;
}

const fmt = (n: number) => (n >= 1 ? n.toFixed(1) : n.toFixed(2));

/**
 * Whether the counts trip a pause, and why (the first rule that trips, most
 * severe first: a complaint burst, then the complaint rate, then hard bounces).
 * `burstComplaints` is the number of complaints inside the burst window.
 * A rate trips only when it is strictly above its threshold and the window
 * holds at least the rule's minimum of sends.
 */
export function pauseVerdict(settings: DeliverabilitySettings, windows: readonly WindowCounts[], burstComplaints: number, subject: string): PauseVerdict | null {
  const c = settings.complaint;
  if (burstComplaints >= c.burstCount) {
    return {
      code: "COMPLAINT_BURST",
      windowHours: c.burstWindowHours,
      reason: `${burstComplaints} spam complaints about mail from ${subject} in the last ${windowLabel(c.burstWindowHours)} (the tenant pauses at ${c.burstCount}).`,
    };
  }
  for (const w of windows.map(ratesOf)) {
    if (w.sends >= c.minSends && w.complaintRatePercent !== null && w.complaintRatePercent > c.maxRatePercent) {
      return {
        code: "COMPLAINT_RATE",
        windowHours: w.windowHours,
        reason: `Complaint rate ${fmt(w.complaintRatePercent)}% (${w.complaints} of ${w.sends} sends) from ${subject} in the last ${windowLabel(w.windowHours)} is above the tenant's ${c.maxRatePercent}% threshold.`,
      };
    }
  }
  const b = settings.hardBounce;
  for (const w of windows.map(ratesOf)) {
    if (w.sends >= b.minSends && w.hardBounceRatePercent !== null && w.hardBounceRatePercent > b.maxRatePercent) {
      return {
        code: "HARD_BOUNCE_RATE",
        windowHours: w.windowHours,
        reason: `Hard bounce rate ${fmt(w.hardBounceRatePercent)}% (${w.hardBounces} of ${w.sends} sends) from ${subject} in the last ${windowLabel(w.windowHours)} is above the tenant's ${b.maxRatePercent}% threshold.`,
      };
    }
  }
  const sb = settings.softBounce;
  for (const w of windows) {
    const pct = w.sends > 0 ? (w.softBounces / w.sends) * 100 : null;
    if (w.sends >= sb.minSends && pct !== null && pct > sb.maxRatePercent) {
      return {
        code: "SOFT_BOUNCE_RATE",
        windowHours: w.windowHours,
        reason: `Soft bounce rate ${fmt(pct)}% (${w.softBounces} of ${w.sends} sends) from ${subject} in the last ${windowLabel(w.windowHours)} is above the tenant's ${sb.maxRatePercent}% threshold.`,
      };
    }
  }
  return null;
}

/**
 * Repeated soft bounces of one recipient (this one included): at the
 * tenant's count within its window, the recipient's enrolments pause for
 * recipientPauseDays, with the reason; below it, a temporary failure changes
 * nothing. Null when it does not pause.
 */
export function recipientSoftBouncePause(settings: DeliverabilitySettings, softBounces: number, now: Date): { until: Date; detail: string } | null {
  const sb = settings.softBounce;
  if (softBounces < sb.recipientCount) return null;
  const until = new Date(now.getTime() + sb.recipientPauseDays * DAY_MS);
  return {
    until,
    detail: `${softBounces} soft bounces to this address in the last ${windowLabel(sb.recipientWindowHours)} (the tenant pauses at ${sb.recipientCount}): paused for ${sb.recipientPauseDays} days.`,
  };
}

const DAY_MS = 86_400_000;

/**
 * The warm-up cap of a mailbox on day `day` of its ramp (day 0 = the 24 h
 * after its first send): round(startPerDay × (1 + growth/100)^day), never
 * above the normal mailbox quota. Null when the ramp is over (the cap has
 * reached the normal quota) or warm-up is off.
 */
export function warmupCap(settings: DeliverabilitySettings["warmup"], normalLimit: number, day: number): number | null {
  if (!settings.enabled || day < 0) return null;
  const cap = Math.round(settings.startPerDay * Math.pow(1 + settings.dailyGrowthPercent / 100, day));
  return cap >= normalLimit ? null : cap;
}

/** The warm-up day for a mailbox whose first send was at `firstSendAt` (null: it has not sent yet, day 0). */
export function warmupDay(firstSendAt: Date | null, now: Date): number {
  if (!firstSendAt) return 0;
  return Math.max(0, Math.floor((now.getTime() - firstSendAt.getTime()) / DAY_MS));
}

/** The day the ramp reaches the normal quota (how long warm-up lasts), for display. */
export function warmupDays(settings: DeliverabilitySettings["warmup"], normalLimit: number): number {
  if (!settings.enabled) return 0;
  let day = 0;
  while (warmupCap(settings, normalLimit, day) !== null && day < 3650) day++;
  return day;
}

/** The domain part of a mailbox address (the sending domain), lower case. */
export function sendingDomainOf(mailbox: string): string {
  return (mailbox.split("@")[1] ?? "").trim().toLowerCase();
}

/** Why a mailbox paused without a recorded reason is paused. */
export const DEFAULT_PAUSE_REASON = "its bounce or complaint rate crossed the tenant's threshold.";

export function pausedHoldReason(mailbox: string, reason: string): string {
  return `The sender mailbox ${mailbox} is paused: ${reason} A manager must resume it (mailboxResume) before it sends again.`;
}

/**
 * The signal an inbound message's certain rules make of it: a hard or soft
 * bounce, a complaint (an ARF report other than not-spam / auth-failure, or a
 * forwarded feedback-loop report), or nothing.
 */
export function deliverabilitySignalKind(analysis: {
  ruleKind: string | null;
  intent: string;
  feedbackType: string | null;
  bounce: { hard: boolean } | null;
}): DeliverabilitySignalKind | null {
  if (analysis.ruleKind === "COMPLAINT") {
    const type = analysis.feedbackType?.toLowerCase() ?? null;
    return type === "not-spam" || type === "auth-failure" ? null : "COMPLAINT";
  }
  if (analysis.intent === "BOUNCE") return analysis.bounce && !analysis.bounce.hard ? "SOFT_BOUNCE" : "HARD_BOUNCE";
  return null;
}
