// Story-pitch campaigns: preview (a dry run that writes nothing), launch,
// pause, resume, cancel, and the draft job (the StoryPitchWriter).
//
// Preview and launch run the same computation (computePreview): one SQL query
// ranks the segment and explains every exclusion (src/data/campaign-preview.ts),
// then the send plan places the top contacts on business days under the daily
// cap and the mailbox, recipient and domain quotas (src/domain/campaign/campaign.ts).
// The same input over the same data gives the same recipients on the same days
// (a deterministic order with stated tie-breaks), and the preview's fingerprint
// lets a launch refuse when anything moved in between.
//
// Launch freezes the resolved input on the Campaign, stores each planned
// recipient with its day, and enqueues one pg-boss job per send day, due
// `settings.sequences.draftLeadHours` before that day's 08:00: the job writes
// the day's drafts (origin CAMPAIGN, originRef = the recipient) through the
// draft use case — the quality gate and approval as always, nothing is sent
// here — and the send path holds an approved campaign draft until its planned
// day (campaignSendHold) and while the campaign is paused.
import { randomUUID } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import type PgBoss from "pg-boss";
import { withTenant, type Prisma, type Tx } from "../../data/database.js";
import { QUEUES, transactionDb } from "../../data/job-queue.js";
import { planUsage, querySegment, type EligibleRow, type ExcludedRow } from "../../data/campaign-preview.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import {
  campaignHold,
  campaignInputProblems,
  EXCLUSION_MESSAGES,
  localToday,
  planDays,
  planFingerprint,
  planSends,
  rankReason,
  RANKING_RULE,
  type CampaignInput,
  type ExclusionReason,
  type PlanContext,
  type PlannedSend,
  type ResolvedCampaignInput,
} from "../../domain/campaign/campaign.js";
import { localInstant, prepareAt, recipientTimeZone, type TimeZoneSource } from "../../domain/sequence/sequence.js";
import { normaliseMailbox } from "../../domain/sending/sending.js";
import { readTenantSettings, type TenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { createDraftInUnitOfWork } from "../draft/draft.js";
import { changeStatus, lockDraft, recipientSuppression, type Draft } from "../draft/draft-state.js";
import { composeDraft } from "../draft/draft-writer.js";
import { mailboxPause } from "../sending/deliverability.js";
import type { Services } from "../services.js";
import { runMutation, runUnitOfWork, type Actor } from "../unit-of-work.js";

export const CAMPAIGN_AGENT = "campaign";

export interface PreviewPage {
  first: number;
  offset: number;
  excludedFirst: number;
  excludedOffset: number;
}
export const DEFAULT_PAGE: PreviewPage = { first: 50, offset: 0, excludedFirst: 50, excludedOffset: 0 };
export const MAX_PAGE = 500;

export interface RankedContact extends EligibleRow {
  reason: string;
  /** The zone the planned day's 08:00 is in: the contact's, else inferred from the company's country, else the tenant's. */
  timeZone: string;
  timeZoneSource: TimeZoneSource;
  plannedDay: string | null;
  plannedAt: Date | null;
  planNote: string | null;
}

export interface CampaignPreview {
  input: ResolvedCampaignInput;
  timeZone: string;
  rankingRule: string;
  /** Contacts matching the segment; of them eligible and excluded. */
  matched: number;
  eligible: number;
  excludedCount: number;
  exclusionCounts: Array<{ reason: ExclusionReason; count: number }>;
  /** Of the top `size` eligible: placed on a day, and not placeable within the horizon. */
  plannedCount: number;
  unplannedCount: number;
  /** Eligible contacts beyond the campaign's size (not in it). */
  beyondSize: number;
  days: Array<{ day: string; count: number }>;
  ranked: RankedContact[];
  excluded: Array<ExcludedRow & { message: string }>;
  fingerprint: string;
  /**
   * The sender mailbox is paused by the deliverability guardrails: the plan
   * stands, but every draft is held by the send path until a MANAGER resumes
   * the mailbox. Null when it may send.
   */
  mailboxHold: { mailbox: string; reason: string; message: string } | null;
}

interface Computed {
  preview: CampaignPreview;
  /** Every planned contact (not only the page), in rank order. */
  all: Array<EligibleRow & { plan: PlannedSend; reason: string; timeZone: string; timeZoneSource: TimeZoneSource }>;
}

/** The sender mailbox's warm-up ramp for the plan (as warmupFor reads it for the send path), or null when warm-up is off. */
async function warmupPlan(tx: Tx, settings: TenantSettings, mailbox: string): Promise<PlanContext["warmup"]> {
  const w = settings.deliverability.warmup;
  if (!w.enabled) return null;
  const first = await tx.emailSend.findFirst({ where: { mailbox: normaliseMailbox(mailbox), state: { in: ["RESERVED", "SENT"] } }, orderBy: { reservedAt: "asc" }, select: { reservedAt: true } });
  return { settings: w, firstSendAt: first?.reservedAt.getTime() ?? null };
}

async function settingsOf(tx: Tx, tenantId: string): Promise<TenantSettings> {
  return readTenantSettings((await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } })).settings);
}

/** The sender: one of the tenant's mailboxes or the person's own address (as for drafts); default the first mailbox. */
async function resolveMailbox(tx: Tx, settings: TenantSettings, userId: string | null, requested: string | null | undefined): Promise<Outcome<string>> {
  const own = userId ? ((await tx.user.findUnique({ where: { id: userId }, select: { email: true } }))?.email?.toLowerCase() ?? null) : null;
  const allowed = settings.sending.mailboxes;
  if (requested) {
    const mailbox = normaliseMailbox(requested);
    if (allowed.includes(mailbox) || mailbox === own) return ok(mailbox);
    return fail(userError("MAILBOX_NOT_ALLOWED", `Campaigns can be sent from the tenant's mailboxes (${allowed.join(", ") || "none configured"}) or your own address.`, ["input", "mailbox"]));
  }
  const mailbox = allowed[0] ?? own;
  return mailbox ? ok(mailbox) : fail(userError("MAILBOX_NOT_ALLOWED", "Name a sender mailbox: the tenant has none configured (sending.mailboxes).", ["input", "mailbox"]));
}

/** Preview and launch both run this, in a tenant transaction. Writes nothing. */
export async function computePreview(
  tx: Tx,
  who: { tenantId: string; userId: string | null },
  input: CampaignInput,
  page: PreviewPage,
  now: Date,
): Promise<Outcome<Computed>> {
  const settings = await settingsOf(tx, who.tenantId);
  const timeZone = settings.general.timeZone;
  const mailbox = await resolveMailbox(tx, settings, who.userId, input.mailbox);
  if (!mailbox.ok) return mailbox;
  const today = localToday(now, timeZone);
  const resolved: ResolvedCampaignInput = { ...input, mailbox: mailbox.value, startDate: input.startDate ?? today };
  const problems = campaignInputProblems(resolved, today);
  if (problems.length) return fail(...problems.map(([path, message]) => userError("VALIDATION_FAILED", `${path.join(".")} ${message}`, ["input", ...path])));

  const [y, m, d] = resolved.startDate.split("-").map(Number);
  const startAt = new Date(localInstant({ year: y!, month: m!, day: d! }, 0, timeZone));
  const segment = await querySegment(tx, {
    tenantId: who.tenantId,
    segment: resolved.segment,
    startAt,
    cadenceDays: resolved.cadenceDays,
    size: resolved.size,
    excludedLimit: page.excludedFirst,
    excludedOffset: page.excludedOffset,
  });
  const q = settings.quotas;
  const longest = Math.max(q.mailbox.windowHours, q.domain.windowHours, q.contact.windowHours) * 3_600_000;
  const usage = await planUsage(tx, {
    tenantId: who.tenantId,
    mailbox: resolved.mailbox,
    defaultMailbox: settings.sending.mailboxes[0]?.toLowerCase() ?? null,
    since: new Date(Math.min(now.getTime(), startAt.getTime()) - longest),
    emails: segment.top.map((r) => r.email),
    domains: [...new Set(segment.top.map((r) => r.email.split("@")[1] ?? ""))],
  });
  const zones = segment.top.map((r) => recipientTimeZone({ contactTimeZone: r.contactTimeZone, country: r.country, tenantTimeZone: timeZone }));
  const plan = planSends(
    segment.top.map((r, i) => ({ contactId: r.contactId, email: r.email, timeZone: zones[i]!.timeZone })),
    {
      startDate: resolved.startDate,
      timeZone,
      skipWeekends: true,
      holidays: settings.sequences.holidays,
      dailyCap: resolved.dailyCap,
      quotas: q,
      mailboxUsage: usage.mailbox,
      domainUsage: usage.domains,
      contactUsage: usage.contacts,
      sequenceUsage: usage.sequences,
      warmup: await warmupPlan(tx, settings, resolved.mailbox),
    },
  );
  const all = segment.top.map((r, i) => ({ ...r, timeZone: zones[i]!.timeZone, timeZoneSource: zones[i]!.source, plan: plan[i]!, reason: rankReason(r, r.rank, startAt) }));
  const pause = await mailboxPause(tx, who.tenantId, resolved.mailbox);
  const excludedCount = segment.matched - segment.eligible;
  const preview: CampaignPreview = {
    input: resolved,
    timeZone,
    rankingRule: RANKING_RULE,
    matched: segment.matched,
    eligible: segment.eligible,
    excludedCount,
    exclusionCounts: segment.exclusionCounts,
    plannedCount: plan.filter((p) => p.day).length,
    unplannedCount: plan.filter((p) => !p.day).length,
    beyondSize: segment.eligible - segment.top.length,
    days: planDays(plan),
    // A paused mailbox holds every planned send: each row says so (after any quota note).
    ranked: all.slice(page.offset, page.offset + page.first).map(({ plan: p, ...r }) => ({
      ...r,
      plannedDay: p.day,
      plannedAt: p.at,
      planNote: pause && p.day ? [p.note, `Held: ${pause.holdReason}`].filter(Boolean).join(" ") : p.note,
    })),
    excluded: segment.excluded.map((e) => ({ ...e, message: EXCLUSION_MESSAGES[e.reason] })),
    fingerprint: planFingerprint(plan),
    mailboxHold: pause ? { mailbox: resolved.mailbox, reason: pause.reason, message: pause.holdReason } : null,
  };
  return ok({ preview, all });
}

export async function previewCampaign(services: Services, actor: Actor, input: CampaignInput, page: PreviewPage = DEFAULT_PAGE, now: Date = new Date()): Promise<Outcome<CampaignPreview>> {
  const { tenantId, userId } = actor.principal;
  const r = await withTenant(services.db.prisma, { tenantId, userId }, (tx) => computePreview(tx, { tenantId, userId }, input, page, now), { timeout: 60_000 });
  return r.ok ? ok(r.value.preview) : r;
}

// ---- launch -------------------------------------------------------------------------------

export interface CampaignDraftJob {
  tenantId: string;
  campaignId: string;
  /** The send day whose drafts this job writes. */
  day: string;
  token: number;
}

function notFound(): UserError {
  return userError("NOT_FOUND", "No Campaign with this id.", ["input", "campaignId"]);
}

/** Keeps the earliest instant per day. */
function earliest(days: Map<string, Date>, day: string, at: Date): void {
  const known = days.get(day);
  if (!known || at.getTime() < known.getTime()) days.set(day, at);
}

/** One job per send day with planned recipients, in the caller's transaction. */
async function scheduleDayJobs(services: Services, tx: Tx, job: Omit<CampaignDraftJob, "day">, days: Map<string, Date>, leadHours: number, now: Date): Promise<void> {
  const rows: PgBoss.JobInsert<CampaignDraftJob>[] = [...days].map(([day, at]) => ({
    name: QUEUES.campaignDraft.name,
    data: { ...job, day },
    startAfter: prepareAt(at, leadHours, now).toISOString(),
  }));
  for (let i = 0; i < rows.length; i += 1000) await services.jobs.boss.insert(rows.slice(i, i + 1000), { db: transactionDb(tx) });
}

export async function launchCampaign(
  services: Services,
  actor: Actor,
  input: CampaignInput & { name: string; expectedFingerprint?: string | null },
  idempotencyKey?: string | null,
  now: Date = new Date(),
): Promise<Outcome<{ campaignId: string; fingerprint: string }>> {
  return runMutation(
    services,
    actor,
    { operation: "campaignLaunch", input, idempotencyKey },
    async (uow) => {
      const { tenantId, userId } = actor.principal;
      // Launches of one tenant take turns, so two campaigns never plan the same mailbox's days blind to each other.
      await uow.tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`campaign-launch:${tenantId}`}, 0))`;
      const { name, expectedFingerprint, ...campaignInput } = input;
      const computed = await computePreview(uow.tx, { tenantId, userId }, campaignInput, { ...DEFAULT_PAGE, first: 0 }, now);
      if (!computed.ok) return computed;
      const { preview, all } = computed.value;
      if (expectedFingerprint && expectedFingerprint !== preview.fingerprint) {
        return fail(
          userError("CONFLICT", "The contacts or their days changed since the preview (new data, sends or suppressions): preview again and launch that.", ["input", "expectedFingerprint"]),
        );
      }
      const planned = all.filter((r) => r.plan.day && r.plan.at);
      if (!planned.length) return fail(userError("VALIDATION_FAILED", "No contact of the segment can be pitched: see the preview's exclusions.", ["input", "segment"]));
      const settings = await settingsOf(uow.tx, tenantId);
      const campaign = await uow.tx.campaign.create({
        data: {
          tenantId,
          name,
          brief: preview.input.brief,
          subject: preview.input.subject ?? null,
          mailbox: preview.input.mailbox,
          dailyCap: preview.input.dailyCap,
          cadenceDays: preview.input.cadenceDays,
          startDate: preview.input.startDate,
          input: preview.input as unknown as Prisma.InputJsonValue,
          fingerprint: preview.fingerprint,
          recipientCount: planned.length,
          createdById: userId ?? actor.principal.id,
          createdByLabel: actor.principal.label,
        },
      });
      const rows: Prisma.CampaignRecipientCreateManyInput[] = planned.map((r) => ({
        id: uuidv7(),
        tenantId,
        campaignId: campaign.id,
        contactId: r.contactId,
        leadId: r.leadId,
        rank: r.rank,
        rankReason: r.reason,
        plannedDay: r.plan.day!,
        plannedAt: r.plan.at!,
      }));
      for (let i = 0; i < rows.length; i += 1000) await uow.tx.campaignRecipient.createMany({ data: rows.slice(i, i + 1000) });
      // A day's job is due before its earliest recipient's 08:00 (each recipient's day starts in their own zone).
      const days = new Map<string, Date>();
      for (const r of planned) earliest(days, r.plan.day!, r.plan.at!);
      await scheduleDayJobs(services, uow.tx, { tenantId, campaignId: campaign.id, token: 0 }, days, settings.sequences.draftLeadHours, now);
      const summary = {
        name,
        mailbox: preview.input.mailbox,
        recipients: planned.length,
        excluded: preview.excludedCount,
        firstDay: preview.days[0]?.day ?? null,
        lastDay: preview.days.at(-1)?.day ?? null,
        fingerprint: preview.fingerprint,
      };
      await uow.audit({ action: "campaign.launched", targetType: "Campaign", targetId: campaign.id, summary });
      await uow.emit("sales.campaign.launched", { campaignId: campaign.id, ...summary });
      return ok({ campaignId: campaign.id, fingerprint: preview.fingerprint });
    },
    { timeout: 120_000 },
  );
}

// ---- pause, resume, cancel ----------------------------------------------------------------

async function lockCampaign(tx: Tx, campaignId: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Campaign" WHERE "id" = ${campaignId}::uuid FOR UPDATE`;
  return rows.length ? tx.campaign.findUnique({ where: { id: campaignId } }) : null;
}

function wrongState(status: string, wanted: string): UserError {
  return userError("INVALID_TRANSITION", `The campaign is ${status}; this needs it ${wanted}.`, ["input", "campaignId"]);
}

export async function pauseCampaign(services: Services, actor: Actor, input: { campaignId: string; reason?: string | null }, idempotencyKey?: string | null): Promise<Outcome<{ campaignId: string }>> {
  return runMutation(services, actor, { operation: "campaignPause", input, idempotencyKey }, async (uow) => {
    const campaign = await lockCampaign(uow.tx, input.campaignId);
    if (!campaign) return fail(notFound());
    if (campaign.status !== "ACTIVE") return fail(wrongState(campaign.status, "ACTIVE"));
    const reason = input.reason?.trim() || `Paused by ${actor.principal.label}.`;
    await uow.tx.campaign.update({ where: { id: campaign.id }, data: { status: "PAUSED", pausedAt: new Date(), scheduleToken: { increment: 1 } } });
    await uow.audit({ action: "campaign.paused", targetType: "Campaign", targetId: campaign.id, summary: { reason } });
    await uow.emit("sales.campaign.paused", { campaignId: campaign.id, reason });
    return ok({ campaignId: campaign.id });
  });
}

/**
 * Resumes a paused campaign: the days still to come get their draft jobs
 * again; recipients whose day passed while paused are re-planned from today
 * (in rank order, under the same caps and quotas).
 */
export async function resumeCampaign(services: Services, actor: Actor, input: { campaignId: string }, idempotencyKey?: string | null, now: Date = new Date()): Promise<Outcome<{ campaignId: string }>> {
  return runMutation(services, actor, { operation: "campaignResume", input, idempotencyKey }, async (uow) => {
    const campaign = await lockCampaign(uow.tx, input.campaignId);
    if (!campaign) return fail(notFound());
    if (campaign.status !== "PAUSED") return fail(wrongState(campaign.status, "PAUSED"));
    const updated = await uow.tx.campaign.update({ where: { id: campaign.id }, data: { status: "ACTIVE", pausedAt: null, scheduleToken: { increment: 1 } } });
    const settings = await settingsOf(uow.tx, campaign.tenantId);
    const timeZone = settings.general.timeZone;
    const today = localToday(now, timeZone);
    const pending = await uow.tx.campaignRecipient.findMany({ where: { campaignId: campaign.id, status: "PLANNED" }, orderBy: { rank: "asc" } });
    const overdue = pending.filter((r) => r.plannedDay < today);
    const days = new Map<string, Date>();
    for (const r of pending) if (r.plannedDay >= today) earliest(days, r.plannedDay, r.plannedAt);
    if (overdue.length) {
      const contacts = await uow.tx.contact.findMany({
        where: { id: { in: overdue.map((r) => r.contactId) } },
        select: { id: true, email: true, timeZone: true, company: { select: { country: true } } },
      });
      const emailOf = new Map(contacts.map((c) => [c.id, c.email ?? ""]));
      const zoneOf = new Map(contacts.map((c) => [c.id, recipientTimeZone({ contactTimeZone: c.timeZone, country: c.company?.country, tenantTimeZone: timeZone }).timeZone]));
      const q = settings.quotas;
      const longest = Math.max(q.mailbox.windowHours, q.domain.windowHours, q.contact.windowHours) * 3_600_000;
      const emails = overdue.map((r) => emailOf.get(r.contactId) ?? "");
      // Other recipients of this campaign keep their days: they count like another campaign's.
      const usage = await planUsage(uow.tx, { tenantId: campaign.tenantId, mailbox: campaign.mailbox, defaultMailbox: settings.sending.mailboxes[0]?.toLowerCase() ?? null, since: new Date(now.getTime() - longest), emails, domains: [...new Set(emails.map((e) => e.split("@")[1] ?? ""))] });
      const ownKept = pending.filter((r) => r.plannedDay >= today).map((r) => r.plannedAt.getTime());
      const plan = planSends(
        overdue.map((r) => ({ contactId: r.contactId, email: emailOf.get(r.contactId) ?? "", timeZone: zoneOf.get(r.contactId) ?? null })),
        {
          startDate: today,
          timeZone,
          skipWeekends: true,
          holidays: settings.sequences.holidays,
          dailyCap: campaign.dailyCap,
          quotas: q,
          mailboxUsage: [...usage.mailbox, ...ownKept],
          domainUsage: usage.domains,
          contactUsage: usage.contacts,
          sequenceUsage: usage.sequences,
          warmup: await warmupPlan(uow.tx, settings, campaign.mailbox),
        },
      );
      for (const [i, r] of overdue.entries()) {
        const p = plan[i]!;
        if (!p.day || !p.at) {
          await uow.tx.campaignRecipient.update({ where: { id: r.id }, data: { status: "SKIPPED", skipReason: p.note } });
          continue;
        }
        await uow.tx.campaignRecipient.update({ where: { id: r.id }, data: { plannedDay: p.day, plannedAt: p.at } });
        earliest(days, p.day, p.at);
      }
    }
    await scheduleDayJobs(services, uow.tx, { tenantId: campaign.tenantId, campaignId: campaign.id, token: updated.scheduleToken }, days, settings.sequences.draftLeadHours, now);
    await uow.audit({ action: "campaign.resumed", targetType: "Campaign", targetId: campaign.id, summary: { replanned: overdue.length } });
    await uow.emit("sales.campaign.resumed", { campaignId: campaign.id, replanned: overdue.length });
    return ok({ campaignId: campaign.id });
  });
}

const OPEN_DRAFT = new Set(["PENDING_REVIEW", "APPROVED", "BLOCKED", "QUEUED"]);

/** Cancels the campaign: no more drafts, and every draft of it not yet sent is cancelled. */
export async function cancelCampaign(
  services: Services,
  actor: Actor,
  input: { campaignId: string; reason?: string | null },
  idempotencyKey?: string | null,
): Promise<Outcome<{ campaignId: string; cancelledDraftIds: string[] }>> {
  return runMutation(services, actor, { operation: "campaignCancel", input, idempotencyKey }, async (uow) => {
    const campaign = await lockCampaign(uow.tx, input.campaignId);
    if (!campaign) return fail(notFound());
    if (campaign.status !== "ACTIVE" && campaign.status !== "PAUSED") return fail(wrongState(campaign.status, "ACTIVE or PAUSED"));
    const reason = input.reason?.trim() || `Cancelled by ${actor.principal.label}.`;
    await uow.tx.campaign.update({ where: { id: campaign.id }, data: { status: "CANCELLED", cancelledAt: new Date(), scheduleToken: { increment: 1 } } });
    const cancelledDraftIds: string[] = [];
    const drafted = await uow.tx.campaignRecipient.findMany({ where: { campaignId: campaign.id, status: "DRAFTED", draftId: { not: null } }, select: { id: true, draftId: true } });
    for (const r of drafted) {
      const draft = await lockDraft(uow.tx, r.draftId!);
      if (!draft || !OPEN_DRAFT.has(draft.status)) continue;
      const why = `The campaign was cancelled: ${reason}`.slice(0, 500);
      const cancelled = await changeStatus(uow, draft, { action: "cancel", data: { cancelReason: why, holdReason: null, holdUntil: null }, summary: { reason: why, campaignId: campaign.id } });
      if (cancelled.ok) {
        cancelledDraftIds.push(draft.id);
        await uow.tx.campaignRecipient.update({ where: { id: r.id }, data: { status: "CANCELLED", skipReason: why } });
      }
    }
    const planned = await uow.tx.campaignRecipient.updateMany({ where: { campaignId: campaign.id, status: "PLANNED" }, data: { status: "CANCELLED", skipReason: "The campaign was cancelled." } });
    await uow.audit({ action: "campaign.cancelled", targetType: "Campaign", targetId: campaign.id, summary: { reason, cancelledDraftIds, unplanned: planned.count } });
    await uow.emit("sales.campaign.cancelled", { campaignId: campaign.id, reason, cancelledDraftIds, notDrafted: planned.count });
    return ok({ campaignId: campaign.id, cancelledDraftIds });
  });
}

// ---- the draft job (StoryPitchWriter) -----------------------------------------------------

function campaignActor(tenantId: string): Actor {
  return { principal: agentPrincipal(tenantId, CAMPAIGN_AGENT), meta: { requestId: randomUUID(), traceId: null } };
}

export type CampaignJobResult = { drafted: number; skipped: number; outcome: string };

/**
 * Writes the drafts of one send day, one recipient at a time: the writer (an
 * AI call) outside any transaction, then the draft and the recipient's
 * DRAFTED in one. Safe to run twice: the recipient's status and the
 * campaign's token decide; a paused or cancelled campaign's job does nothing.
 */
export async function runCampaignDraftJob(services: Services, job: CampaignDraftJob, now: Date = new Date()): Promise<CampaignJobResult> {
  const actor = campaignActor(job.tenantId);
  const read = await withTenant(services.db.prisma, { tenantId: job.tenantId }, async (tx) => {
    const campaign = await tx.campaign.findUnique({ where: { id: job.campaignId } });
    if (!campaign || campaign.scheduleToken !== job.token || campaign.status !== "ACTIVE") return null;
    const recipients = await tx.campaignRecipient.findMany({ where: { campaignId: campaign.id, plannedDay: job.day, status: "PLANNED" }, orderBy: { rank: "asc" } });
    return { campaign, recipients };
  });
  if (!read) return { drafted: 0, skipped: 0, outcome: "skipped: the campaign changed or is not active" };
  const { campaign } = read;
  let drafted = 0;
  let skipped = 0;
  for (const recipient of read.recipients) {
    const composed = await composeDraft(services, { tenantId: job.tenantId, agent: CAMPAIGN_AGENT }, {
      kind: "OUTREACH",
      contactId: recipient.contactId,
      leadId: recipient.leadId,
      // The campaign brief stands where a recommendation's would; the writer adds the contact's and company's facts and the sender's voice.
      recommendation: { title: campaign.subject ?? campaign.name, rationale: `Story pitch (${campaign.name}): ${campaign.brief}` },
      authorCandidates: [campaign.createdById],
    });
    const outcome = await runUnitOfWork(services, actor, async (uow): Promise<Outcome<"drafted" | "skipped" | "stop">> => {
      const current = await lockCampaign(uow.tx, campaign.id);
      if (!current || current.scheduleToken !== job.token || current.status !== "ACTIVE") return ok("stop");
      const r = await uow.tx.campaignRecipient.findUnique({ where: { id: recipient.id } });
      if (!r || r.status !== "PLANNED") return ok("skipped");
      const skip = async (why: string) => {
        await uow.tx.campaignRecipient.update({ where: { id: r.id }, data: { status: "SKIPPED", skipReason: why.slice(0, 500) } });
        await uow.emit("sales.campaign.recipient_skipped", { campaignId: campaign.id, recipientId: r.id, contactId: r.contactId, reason: why });
        return ok<"skipped">("skipped");
      };
      if (!composed) return skip("The contact no longer exists.");
      const contact = await uow.tx.contact.findUnique({ where: { id: r.contactId }, select: { email: true } });
      const suppressed = contact?.email ? await recipientSuppression(uow.tx, contact.email, r.contactId) : "The contact has no e-mail address.";
      if (suppressed) return skip(suppressed);
      const created = await createDraftInUnitOfWork(services, uow, {
        recipient: { contactId: r.contactId },
        subject: campaign.subject?.trim() || composed.subject,
        bodyText: composed.bodyText,
        leadId: composed.leadId,
        mailbox: campaign.mailbox,
        category: "ONE_TO_ONE",
        origin: "CAMPAIGN",
        originRef: r.id,
        threadId: composed.threadId,
        onBehalfOfUserId: composed.author?.userId ?? (campaign.createdById && /^[0-9a-f-]{36}$/i.test(campaign.createdById) ? campaign.createdById : null),
      }, { memoriesUsed: composed.memoriesUsed }); // long memory the writer was given: Draft.memoriesUsed for the reviewer
      if (!created.ok) return skip(`The draft could not be created: ${created.errors.map((e) => `${e.code}: ${e.message}`).join(" ")}`);
      await uow.tx.campaignRecipient.update({ where: { id: r.id }, data: { status: "DRAFTED", draftId: created.value.draftId } });
      await uow.emit("sales.campaign.recipient_drafted", { campaignId: campaign.id, recipientId: r.id, contactId: r.contactId, draftId: created.value.draftId, plannedDay: r.plannedDay });
      return ok<"drafted">("drafted");
    });
    if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join(" "));
    if (outcome.value === "stop") return { drafted, skipped, outcome: "stopped: the campaign was paused or cancelled" };
    if (outcome.value === "drafted") drafted++;
    else skipped++;
  }
  // The last day done: the campaign is complete.
  await runUnitOfWork(services, actor, async (uow) => {
    const current = await lockCampaign(uow.tx, campaign.id);
    if (!current || current.status !== "ACTIVE") return ok(null);
    const left = await uow.tx.campaignRecipient.count({ where: { campaignId: campaign.id, status: "PLANNED" } });
    if (left === 0) {
      await uow.tx.campaign.update({ where: { id: campaign.id }, data: { status: "COMPLETED", completedAt: now } });
      await uow.audit({ action: "campaign.completed", targetType: "Campaign", targetId: campaign.id, summary: {} });
      await uow.emit("sales.campaign.completed", { campaignId: campaign.id });
    }
    return ok(null);
  });
  return { drafted, skipped, outcome: "done" };
}

// ---- the send path ------------------------------------------------------------------------

/** For the send path: a campaign draft waits for its planned day, and while its campaign is paused; null for any other draft. */
export async function campaignSendHold(tx: Tx, draft: Pick<Draft, "origin" | "originRef">, now: Date): Promise<{ until: Date; reason: string } | null> {
  if (draft.origin !== "CAMPAIGN" || !draft.originRef || !/^[0-9a-f-]{36}$/i.test(draft.originRef)) return null;
  const r = await tx.campaignRecipient.findUnique({ where: { id: draft.originRef }, select: { plannedAt: true, campaign: { select: { status: true } } } });
  return r ? campaignHold(now, r.plannedAt, r.campaign.status) : null;
}

