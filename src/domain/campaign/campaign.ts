// Story-pitch campaigns (pure): the input (segment, brief, caps, start date,
// sender mailbox), why a contact of the segment is left out, how the ranked
// contacts are explained, and the send plan — which business day each draft
// goes out on under the campaign's daily cap and the tenant's mailbox,
// recipient and recipient-domain quotas. The ranking and the exclusions are
// computed in SQL (src/data/campaign-preview.ts); this file plans and explains.
import { createHash } from "node:crypto";
import { z } from "zod";
import { isoDate, isSendDay, localInstant } from "../sequence/sequence.js";
import { fitsLimit, TimeSet, warmupLimitAt } from "../sequence/sequence-quota.js";
import { warmupCap, type DeliverabilitySettings } from "../sending/deliverability.js";
import type { QuotaSettings } from "../sending/quota.js";

export const CAMPAIGN_STATUSES = ["ACTIVE", "PAUSED", "CANCELLED", "COMPLETED"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const CAMPAIGN_RECIPIENT_STATUSES = ["PLANNED", "DRAFTED", "SKIPPED", "CANCELLED"] as const;

/**
 * Why a contact matching the segment is not in the campaign, in the order
 * they are checked (a contact gets the first that applies).
 */
export const EXCLUSION_REASONS = [
  "NO_EMAIL",
  "DO_NOT_CONTACT",
  "SUPPRESSED_ADDRESS",
  "SUPPRESSED_DOMAIN",
  "DISQUALIFIED",
  "CONTACTED_RECENTLY",
  "IN_OTHER_CAMPAIGN",
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export const EXCLUSION_MESSAGES: Record<ExclusionReason, string> = {
  NO_EMAIL: "The contact has no e-mail address.",
  DO_NOT_CONTACT: "The contact is marked do-not-contact.",
  SUPPRESSED_ADDRESS: "The address is on the suppression list.",
  SUPPRESSED_DOMAIN: "The address's domain is on the suppression list.",
  DISQUALIFIED: "The contact's lead is disqualified.",
  CONTACTED_RECENTLY: "The contact was e-mailed within the campaign cadence.",
  IN_OTHER_CAMPAIGN: "The contact is planned in another live campaign within the cadence.",
};

export const SENIORITIES = ["C_LEVEL", "VP", "DIRECTOR", "MANAGER", "SENIOR", "ENTRY", "UNKNOWN"] as const;
export const LIFECYCLES = ["PROSPECT", "CUSTOMER", "FORMER_CUSTOMER", "PARTNER", "COMPETITOR"] as const;
export const LEAD_STATUSES = ["NEW", "WORKING", "QUALIFIED", "DISQUALIFIED", "CONVERTED"] as const;

export const DEFAULT_DAILY_CAP = 20;
export const DEFAULT_CADENCE_DAYS = 14;
export const DEFAULT_CAMPAIGN_SIZE = 100;
/** The most contacts one campaign takes (the send plan is computed over them; the rest are counted). */
export const MAX_CAMPAIGN_SIZE = 2000;
/** Local time of the planned day from which the send path lets a campaign draft go. */
export const PLANNED_SEND_MINUTES = 8 * 60;
/** How far ahead the planner looks for a free day before it gives up on a contact. */
export const PLAN_HORIZON_DAYS = 366;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const keyword = z.string().trim().min(1).max(100);

export const campaignSegmentSchema = z
  .object({
    /** Any of these (case-insensitive substrings) in the contact's title: the persona. */
    titleKeywords: z.array(keyword).max(50).default([]),
    seniorities: z.array(z.enum(SENIORITIES)).max(7).default([]),
    /** The company's industry, any of these (case-insensitive). */
    industries: z.array(keyword).max(50).default([]),
    employeesMin: z.number().int().min(0).nullish(),
    employeesMax: z.number().int().min(0).nullish(),
    lifecycles: z.array(z.enum(LIFECYCLES)).max(5).default([]),
    leadStatuses: z.array(z.enum(LEAD_STATUSES)).max(5).default([]),
    grades: z.array(z.string().trim().min(1).max(5)).max(10).default([]),
    scoreMin: z.number().int().min(0).max(100).nullish(),
    scoreMax: z.number().int().min(0).max(100).nullish(),
    /** Custom attributes: each must equal (as text) on the contact, its lead or its company. */
    attributes: z.array(z.object({ key: z.string().trim().min(1).max(100), value: z.string().max(500) })).max(20).default([]),
    /** Contact lists (ids): the contact is on any of them. */
    lists: z.array(z.string().uuid("must name a contact list")).max(20).default([]),
  })
  .strict();
export type CampaignSegment = z.infer<typeof campaignSegmentSchema>;

export const campaignInputSchema = z
  .object({
    segment: campaignSegmentSchema.default(() => campaignSegmentSchema.parse({})),
    brief: z.string().trim().min(1, "must not be empty").max(4000),
    subject: z.string().trim().max(300).nullish(),
    /** Sender mailbox; default: the tenant's default sender. */
    mailbox: z.string().trim().toLowerCase().email("must be an e-mail address").max(254).nullish(),
    dailyCap: z.number().int().min(1).max(1000).default(DEFAULT_DAILY_CAP),
    /** At most one campaign e-mail per contact per this many days. */
    cadenceDays: z.number().int().min(1).max(365).default(DEFAULT_CADENCE_DAYS),
    /** First send day, YYYY-MM-DD in the tenant's zone. */
    startDate: z.string().regex(DATE, "must be a date YYYY-MM-DD").nullish(),
    /** The top-ranked contacts the campaign takes. */
    size: z.number().int().min(1).max(MAX_CAMPAIGN_SIZE).default(DEFAULT_CAMPAIGN_SIZE),
  })
  .strict();
export type CampaignInput = z.infer<typeof campaignInputSchema>;
/** The input with the mailbox and start date filled in: what a preview shows and a launch freezes. */
export type ResolvedCampaignInput = Omit<CampaignInput, "mailbox" | "startDate"> & { mailbox: string; startDate: string };

/** Contradictions a schema cannot see. */
export function campaignInputProblems(input: ResolvedCampaignInput, today: string): Array<[string[], string]> {
  const problems: Array<[string[], string]> = [];
  const s = input.segment;
  if (s.employeesMin != null && s.employeesMax != null && s.employeesMin > s.employeesMax) problems.push([["segment", "employeesMin"], "must not exceed employeesMax"]);
  if (s.scoreMin != null && s.scoreMax != null && s.scoreMin > s.scoreMax) problems.push([["segment", "scoreMin"], "must not exceed scoreMax"]);
  if (!validDate(input.startDate)) problems.push([["startDate"], "is not a calendar date"]);
  else if (input.startDate < today) problems.push([["startDate"], `must not be in the past (today is ${today} in the tenant's zone)`]);
  return problems;
}

function validDate(iso: string): boolean {
  const [y, m, d] = iso.split("-").map(Number);
  const t = new Date(Date.UTC(y!, m! - 1, d!));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m! - 1 && t.getUTCDate() === d;
}

/** Today's date in a zone (YYYY-MM-DD). */
export function localToday(now: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

// ---- ranking ------------------------------------------------------------------------------

/**
 * Rank points: fit first — the lead's score (0–100; unscored counts 0) — then
 * engagement: 5 points per human reply (at most 3 counted) and 10 points when
 * the contact engaged (a reply, meeting, call or form) within 30 days before
 * the start date, 5 within 90. Ties are broken, in order, by the score
 * (higher first, unscored last), the latest engagement (more recent first),
 * the contact's creation (older first) and finally the contact id — so the
 * same input over the same data always gives the same order.
 */
export const RANKING_RULE =
  "points = score (0–100, unscored 0) + 5 per reply (max 3) + 10 if engaged within 30 days of the start (5 within 90); ties: higher score, more recent engagement, older contact, contact id";

export interface RankedRow {
  score: number | null;
  grade: string | null;
  replies: number;
  lastEngagedAt: Date | null;
  points: number;
}

export function rankReason(row: RankedRow, rank: number, start: Date): string {
  const parts = [`#${rank}: ${row.points} points`];
  parts.push(row.score === null ? "not scored" : `score ${row.score}${row.grade ? ` (grade ${row.grade})` : ""}`);
  if (row.replies > 0) parts.push(`${row.replies} ${row.replies === 1 ? "reply" : "replies"}`);
  if (row.lastEngagedAt) {
    const days = Math.max(0, Math.floor((start.getTime() - row.lastEngagedAt.getTime()) / 86_400_000));
    parts.push(`last engaged ${days} day${days === 1 ? "" : "s"} before the start`);
  } else parts.push("no engagement yet");
  return parts.join("; ");
}

// ---- the send plan ------------------------------------------------------------------------

export interface PlanRecipient {
  contactId: string;
  /** Normalised address and its domain. */
  email: string;
  /** The recipient's zone (recipientTimeZone: the contact's, else inferred from the company's country); default the tenant's. */
  timeZone?: string | null;
}

export interface PlanContext {
  startDate: string;
  /** The tenant's zone: the start date's, and any recipient's without a zone of their own. */
  timeZone: string;
  skipWeekends: boolean;
  holidays: readonly string[];
  dailyCap: number;
  quotas: QuotaSettings;
  /** Earlier sends (and other campaigns' planned sends) on the sender mailbox, as instants. */
  mailboxUsage: readonly number[];
  /** Earlier sends per recipient domain and per recipient address. */
  domainUsage: ReadonlyMap<string, readonly number[]>;
  contactUsage: ReadonlyMap<string, readonly number[]>;
  /**
   * The e-mail steps sequences have planned (not sent yet) on the sender
   * mailbox, to each recipient domain and to each recipient: they count
   * against the same limits, and a campaign send they push says so.
   */
  sequenceUsage?: {
    mailbox: readonly number[];
    domains: ReadonlyMap<string, readonly number[]>;
    contacts: ReadonlyMap<string, readonly number[]>;
  } | null;
  /**
   * The sender mailbox's warm-up ramp (deliverability.warmup), when on: its
   * daily cap grows from the mailbox's first send (firstSendAt; null: it has
   * not sent, so the ramp starts with the first planned send), as the send
   * path applies it.
   */
  warmup?: { settings: DeliverabilitySettings["warmup"]; firstSendAt: number | null } | null;
}

export interface PlannedSend {
  contactId: string;
  /** YYYY-MM-DD (the recipient's local date) and the instant the draft may go from (08:00 there); null: no day within the horizon. */
  day: string | null;
  at: Date | null;
  /** Why it is later than the first day with room under the daily cap (the quota that pushed it), or why it has no day. */
  note: string | null;
}

function dayAfter(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  const t = new Date(Date.UTC(y!, m! - 1, d! + 1));
  return isoDate({ year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() });
}

function asLocal(iso: string) {
  const [year, month, day] = iso.split("-").map(Number);
  return { year: year!, month: month!, day: day! };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Places each recipient (in rank order) on the first send day, from the
 * start date, where the campaign's daily cap has room and one more message
 * keeps every limit the send path applies (src/orchestration/sending/send-quota.ts):
 * the sender mailbox, the recipient and the recipient's domain, each over
 * its rolling window, and the mailbox's warm-up cap — counting earlier sends
 * and what this plan already placed, in every rolling window the new send
 * would fall in. A day's send time is 08:00 in the recipient's own zone, so
 * the instants of one day differ by recipient. Greedy in rank order: a
 * higher rank is never placed later than a lower one would have been on the
 * same constraints.
 */
export function planSends(recipients: readonly PlanRecipient[], ctx: PlanContext): PlannedSend[] {
  const window = { skipWeekends: ctx.skipWeekends, holidays: [...ctx.holidays] };
  const q = ctx.quotas;

  // The send days from the start, built lazily (local dates; the instant depends on the recipient's zone).
  const days: string[] = [];
  let cursor = ctx.startDate;
  let scanned = 0;
  const dayAt = (i: number): string | null => {
    while (days.length <= i) {
      if (scanned > PLAN_HORIZON_DAYS) return null;
      if (isSendDay(asLocal(cursor), window)) days.push(cursor);
      cursor = dayAfter(cursor);
      scanned++;
    }
    return days[i]!;
  };

  const perDay: number[] = [];
  const seq = ctx.sequenceUsage ?? null;
  const mailbox = TimeSet.of([...ctx.mailboxUsage, ...(seq?.mailbox ?? [])]);
  const domains = new Map<string, TimeSet>();
  const contacts = new Map<string, TimeSet>();
  // The same counts without the sequences' planned steps: when a limit holds there but not here, sequences pushed the send.
  const mailboxAlone = seq ? TimeSet.of(ctx.mailboxUsage) : null;
  const domainsAlone = new Map<string, TimeSet>();
  const contactsAlone = new Map<string, TimeSet>();
  const byStepsToo = (fitsWithout: boolean) => (seq && fitsWithout ? " E-mail steps sequences have planned count against it." : "");
  const warm = ctx.warmup?.settings.enabled ? ctx.warmup : null;
  const warmLimit = warm
    ? warmupLimitAt(warm.firstSendAt, () => mailbox.first(), (day) => warmupCap(warm.settings, q.mailbox.limit, day))
    : null;
  const result: PlannedSend[] = [];
  let firstOpen = 0;
  for (const r of recipients) {
    const domain = r.email.split("@")[1] ?? "";
    const domainTimes = domains.get(domain) ?? TimeSet.of([...(ctx.domainUsage.get(domain) ?? []), ...(seq?.domains.get(domain) ?? [])]);
    domains.set(domain, domainTimes);
    const contactTimes = contacts.get(r.email) ?? TimeSet.of([...(ctx.contactUsage.get(r.email) ?? []), ...(seq?.contacts.get(r.email) ?? [])]);
    contacts.set(r.email, contactTimes);
    const domainAlone = seq ? (domainsAlone.get(domain) ?? TimeSet.of(ctx.domainUsage.get(domain) ?? [])) : null;
    if (domainAlone) domainsAlone.set(domain, domainAlone);
    const contactAlone = seq ? (contactsAlone.get(r.email) ?? TimeSet.of(ctx.contactUsage.get(r.email) ?? [])) : null;
    if (contactAlone) contactsAlone.set(r.email, contactAlone);
    const zone = r.timeZone || ctx.timeZone;
    let note: string | null = null;
    let placed: PlannedSend | null = null;
    while ((perDay[firstOpen] ?? 0) >= ctx.dailyCap) firstOpen++;
    for (let i = firstOpen; ; i++) {
      const iso = dayAt(i);
      if (!iso) break;
      if ((perDay[i] ?? 0) >= ctx.dailyCap) continue;
      const at = new Date(localInstant(asLocal(iso), PLANNED_SEND_MINUTES, zone));
      const mailboxRule = { limit: q.mailbox.limit, windowMs: q.mailbox.windowHours * HOUR_MS };
      if (!fitsLimit(at, { ...mailboxRule, times: mailbox })) {
        note ??= `Pushed by the sender mailbox limit (${q.mailbox.limit} per ${q.mailbox.windowHours} h).${byStepsToo(!!mailboxAlone && fitsLimit(at, { ...mailboxRule, times: mailboxAlone }))}`;
        continue;
      }
      if (warmLimit && !fitsLimit(at, { limit: 0, limitAt: warmLimit, windowMs: DAY_MS, times: mailbox })) {
        note ??= `Pushed by the sender mailbox's warm-up cap (${warmLimit(at.getTime())} per 24 h on ${iso}).`;
        continue;
      }
      const domainRule = { limit: q.domain.limit, windowMs: q.domain.windowHours * HOUR_MS };
      if (!fitsLimit(at, { ...domainRule, times: domainTimes })) {
        note ??= `Pushed by the recipient domain limit for ${domain} (${q.domain.limit} per ${q.domain.windowHours} h).${byStepsToo(!!domainAlone && fitsLimit(at, { ...domainRule, times: domainAlone }))}`;
        continue;
      }
      const contactRule = { limit: q.contact.limit, windowMs: q.contact.windowHours * HOUR_MS };
      if (!fitsLimit(at, { ...contactRule, times: contactTimes })) {
        note ??= `Pushed by the recipient limit (${q.contact.limit} per ${q.contact.windowHours} h).${byStepsToo(!!contactAlone && fitsLimit(at, { ...contactRule, times: contactAlone }))}`;
        continue;
      }
      perDay[i] = (perDay[i] ?? 0) + 1;
      mailbox.add(at);
      domainTimes.add(at);
      contactTimes.add(at);
      mailboxAlone?.add(at);
      domainAlone?.add(at);
      contactAlone?.add(at);
      placed = { contactId: r.contactId, day: iso, at, note };
      break;
    }
    result.push(placed ?? { contactId: r.contactId, day: null, at: null, note: note ?? `No send day within ${PLAN_HORIZON_DAYS} days of the start (a quota of 0, or every day excluded).` });
  }
  return result;
}

/** What a launch compares with the preview: the planned recipients in rank order and their days. */
export function planFingerprint(plan: readonly PlannedSend[]): string {
  const h = createHash("sha256");
  for (const p of plan) h.update(`${p.contactId}|${p.day ?? "-"}\n`);
  return h.digest("hex").slice(0, 32);
}

/** Per-day counts of a plan, for the preview's summary. */
export function planDays(plan: readonly PlannedSend[]): Array<{ day: string; count: number }> {
  const byDay = new Map<string, number>();
  for (const p of plan) if (p.day) byDay.set(p.day, (byDay.get(p.day) ?? 0) + 1);
  return [...byDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, count]) => ({ day, count }));
}

/** For the send path: a campaign draft waits until its planned time, and while its campaign is paused. */
export function campaignHold(now: Date, plannedAt: Date, status: string): { until: Date; reason: string } | null {
  if (status === "PAUSED") return { until: new Date(now.getTime() + 15 * 60_000), reason: "The campaign is paused." };
  if (now.getTime() < plannedAt.getTime()) return { until: plannedAt, reason: `Waiting for the campaign's planned send day (${plannedAt.toISOString()}).` };
  return null;
}
