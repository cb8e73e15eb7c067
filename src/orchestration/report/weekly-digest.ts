// The weekly digest (issue 13): a member with report:read opts in (and may ask
// for a copy as a draft to themselves); every Monday from 07:00 in the
// tenant's time zone the scheduled job (src/jobs/weekly-digest.ts) writes each
// subscriber's digest of the last full week: an in-app report (the figures and
// the text), and the draft when asked for — a draft like any other, in the
// review queue, never sent without approval. Once per member and week; the
// figures come from the outcome report, read with the member's own rights.
import { ROLE_PERMISSIONS } from "../../domain/access/permission.js";
import { agentPrincipal, type Principal } from "../../domain/access/principal.js";
import { composeDigest, digestDue, lastFullWeek, weekBefore, type DigestFigures, type DigestPeriod } from "../../domain/report/weekly-digest.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { withTenant } from "../../data/database.js";
import { createDraftInUnitOfWork } from "../draft/draft.js";
import { outcomeReport, type OutcomeReport } from "./outcome-report.js";
import { runMutation, runUnitOfWork, type Actor } from "../unit-of-work.js";
import type { Services } from "../services.js";
import { suspendedTenantsAmong } from "../tenant/tenant-suspension.js";

export const DIGEST_AGENT = "weekly-digest";

export interface DigestSubscriptionState {
  subscribed: boolean;
  asDraft: boolean;
}

export type DigestWriteStatus = "WRITTEN" | "EXISTS" | "NOT_DUE" | "NO_ACCESS";

/** Opts the caller in or out (a person, not an API key: the digest is theirs). */
export async function setWeeklyDigest(services: Services, actor: Actor, input: { subscribed: boolean; asDraft?: boolean | null }): Promise<Outcome<DigestSubscriptionState>> {
  const { principal } = actor;
  if (principal.kind !== "USER" || !principal.userId) {
    return fail(userError("FORBIDDEN", "The weekly digest is for people: sign in as yourself to opt in.", []));
  }
  const userId = principal.userId;
  return runMutation<DigestSubscriptionState>(services, actor, { operation: "weeklyDigestSubscribe", input }, async (uow) => {
    const key = { tenantId_userId: { tenantId: principal.tenantId, userId } };
    if (!input.subscribed) {
      const removed = await uow.tx.weeklyDigestSubscription.deleteMany({ where: { tenantId: principal.tenantId, userId } });
      if (removed.count) await uow.audit({ action: "weekly_digest.unsubscribed", targetType: "User", targetId: userId, summary: {} });
      return ok({ subscribed: false, asDraft: false });
    }
    const asDraft = input.asDraft ?? false;
    await uow.tx.weeklyDigestSubscription.upsert({ where: key, create: { tenantId: principal.tenantId, userId, asDraft }, update: { asDraft } });
    await uow.audit({ action: "weekly_digest.subscribed", targetType: "User", targetId: userId, summary: { asDraft } });
    return ok({ subscribed: true, asDraft });
  });
}

export async function weeklyDigestState(services: Pick<Services, "db">, principal: Principal): Promise<DigestSubscriptionState> {
  if (!principal.userId) return { subscribed: false, asDraft: false };
  const row = await withTenant(services.db.prisma, { tenantId: principal.tenantId, userId: principal.userId }, (tx) =>
    tx.weeklyDigestSubscription.findUnique({ where: { tenantId_userId: { tenantId: principal.tenantId, userId: principal.userId! } } }),
  );
  return { subscribed: !!row, asDraft: row?.asDraft ?? false };
}

function figuresOf(report: OutcomeReport): DigestFigures {
  const step = (name: string) => report.funnel.find((r) => r.step === name)?.count ?? 0;
  return {
    drafted: step("DRAFTED"),
    approved: step("APPROVED"),
    sent: step("SENT"),
    replied: step("REPLIED"),
    positiveReplies: step("POSITIVE_REPLY"),
    meetings: step("MEETING"),
    dealsCreated: step("DEAL_CREATED"),
    won: step("WON"),
    aiApproved: report.aiDrafts.approved,
    aiRejected: report.aiDrafts.rejected,
    approvalRate: report.aiDrafts.approvalRate,
    topRejectionReason: report.aiDrafts.topRejectionReasons[0]?.reason ?? null,
    medianReviewHours: report.aiDrafts.medianReviewHours,
    recommendationsAccepted: report.recommendations.accepted,
    recommendationsDismissed: report.recommendations.dismissed,
    agentFailures: report.agents.reduce((sum, a) => sum + a.failed + a.dead, 0),
    deadLetters: report.health.deadLetters,
  };
}

/**
 * Writes one member's digest of the last full week before `now`, unless it
 * exists, is not due yet (`force` writes it anyway: "write it now"), or the
 * member may no longer read reports (demoted or removed since opting in).
 */
export async function writeWeeklyDigest(
  services: Services,
  target: { tenantId: string; userId: string },
  now: Date,
  options: { force?: boolean; requestId?: string } = {},
): Promise<{ status: DigestWriteStatus; digestId: string | null; period: DigestPeriod | null }> {
  const context = await withTenant(services.db.prisma, { tenantId: target.tenantId, userId: target.userId }, async (tx) => {
    const [membership, tenant, subscription] = await Promise.all([
      tx.membership.findUnique({ where: { tenantId_userId: target }, include: { user: { select: { email: true, name: true } } } }),
      tx.tenant.findUniqueOrThrow({ where: { id: target.tenantId }, select: { name: true, settings: true } }),
      tx.weeklyDigestSubscription.findUnique({ where: { tenantId_userId: target } }),
    ]);
    return { membership, tenant, subscription };
  });
  const { membership, tenant } = context;
  if (!membership || !ROLE_PERMISSIONS[membership.role].has("report:read")) return { status: "NO_ACCESS", digestId: null, period: null };
  const timeZone = readTenantSettings(tenant.settings).general.timeZone;
  if (!options.force && !digestDue(now, timeZone)) return { status: "NOT_DUE", digestId: null, period: null };
  const period = lastFullWeek(now, timeZone);
  const principal: Principal = {
    kind: "USER",
    id: target.userId,
    tenantId: target.tenantId,
    role: membership.role,
    permissions: ROLE_PERMISSIONS[membership.role],
    label: `user:${membership.user.email}`,
    userId: target.userId,
  };
  const existing = await withTenant(services.db.prisma, { tenantId: target.tenantId, userId: target.userId }, (tx) =>
    tx.weeklyDigest.findUnique({ where: { tenantId_userId_periodStart: { ...target, periodStart: period.start } }, select: { id: true } }),
  );
  if (existing) return { status: "EXISTS", digestId: existing.id, period };

  const previousPeriod = weekBefore(period, timeZone);
  const [current, previous] = await Promise.all([
    outcomeReport(services, principal, { from: period.start, to: period.end, groupBy: "WEEK", timeZone }),
    outcomeReport(services, principal, { from: previousPeriod.start, to: previousPeriod.end, groupBy: "WEEK", timeZone }),
  ]);
  if (!current.ok || !previous.ok) throw new Error("the outcome report refused a digest's period");
  const figures = figuresOf(current.value);
  const before = figuresOf(previous.value);
  const recipientName = membership.displayName ?? membership.user.name;
  const text = composeDigest({ tenantName: tenant.name, recipientName, period, timeZone, figures, previous: before });
  const asDraft = context.subscription?.asDraft ?? false;

  // Written by the digest agent: its draft is an AI-origin draft like any other (reviewed, approved, sent by people).
  const actor: Actor = { principal: agentPrincipal(target.tenantId, DIGEST_AGENT), meta: { requestId: options.requestId ?? `digest-${target.userId}-${period.start.toISOString()}`, traceId: null } };
  const outcome = await runUnitOfWork<{ status: "WRITTEN" | "EXISTS"; digestId: string | null }>(services, actor, async (uow) => {
    const claimed = await uow.tx.weeklyDigest.createMany({
      data: [{ tenantId: target.tenantId, userId: target.userId, periodStart: period.start, periodEnd: period.end, subject: text.subject, bodyText: text.bodyText, figures: { week: figures, weekBefore: before } as object }],
      skipDuplicates: true,
    });
    if (!claimed.count) return ok({ status: "EXISTS" as const, digestId: null as string | null });
    const digest = await uow.tx.weeklyDigest.findUniqueOrThrow({ where: { tenantId_userId_periodStart: { ...target, periodStart: period.start } }, select: { id: true } });
    let draftId: string | null = null;
    if (asDraft) {
      const draft = await createDraftInUnitOfWork(services, uow, {
        recipient: { email: membership.user.email },
        subject: text.subject,
        bodyText: text.bodyText,
        category: "ONE_TO_ONE",
        // From the tenant's mailbox, or else the member's own address: a note to oneself.
        onBehalfOfUserId: target.userId,
      });
      // A refused draft (e.g. the member's own address suppressed) leaves the in-app digest, and says why in the audit entry.
      if (draft.ok) {
        draftId = draft.value.draftId;
        await uow.tx.weeklyDigest.update({ where: { id: digest.id }, data: { draftId } });
      } else {
        await uow.audit({ action: "weekly_digest.draft_refused", targetType: "WeeklyDigest", targetId: digest.id, summary: { codes: draft.errors.map((e) => e.code) } });
      }
    }
    await uow.audit({ action: "weekly_digest.written", targetType: "WeeklyDigest", targetId: digest.id, summary: { userId: target.userId, periodStart: period.start.toISOString(), draftId } });
    await uow.emit("sales.report.digest_written", { digestId: digest.id, userId: target.userId, periodStart: period.start.toISOString(), periodEnd: period.end.toISOString(), draftId });
    return ok({ status: "WRITTEN" as const, digestId: digest.id });
  });
  if (!outcome.ok) throw new Error(`the weekly digest could not be written: ${outcome.errors.map((e) => e.code).join(", ")}`);
  if (outcome.value.status === "EXISTS") {
    const raced = await withTenant(services.db.prisma, { tenantId: target.tenantId, userId: target.userId }, (tx) =>
      tx.weeklyDigest.findUnique({ where: { tenantId_userId_periodStart: { ...target, periodStart: period.start } }, select: { id: true } }),
    );
    return { status: "EXISTS", digestId: raced?.id ?? null, period };
  }
  return { status: "WRITTEN", digestId: outcome.value.digestId, period };
}

/** Every subscriber's digest that is due (the scheduled job). Returns how many were written. */
export async function writeDueWeeklyDigests(services: Services, now: Date): Promise<{ written: number; skipped: number }> {
  const targets = await services.db.prisma.$queryRaw<{ tenant_id: string; user_id: string }[]>`SELECT tenant_id, user_id FROM app_weekly_digest_targets()`;
  let written = 0;
  let skipped = 0;
  // A suspended tenant's digests wait: the first hourly run after its resume writes the week's, if still due.
  const suspended = await suspendedTenantsAmong(services.db, targets.map((t) => t.tenant_id));
  for (const t of targets) {
    if (suspended.has(t.tenant_id)) {
      skipped++;
      continue;
    }
    try {
      const result = await writeWeeklyDigest(services, { tenantId: t.tenant_id, userId: t.user_id }, now);
      if (result.status === "WRITTEN") written++;
      else skipped++;
    } catch (error) {
      // One member's failure does not stop the others; the next hourly run tries again.
      skipped++;
      services.logger.error({ err: error, tenantId: t.tenant_id }, "weekly digest failed");
    }
  }
  return { written, skipped };
}
