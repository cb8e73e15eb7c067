// Deliverability guardrails, in the database: bounces and complaints found in
// inbound mail become signals against the mailbox that sent the message; the
// mailbox's and its domain's rates are counted over the tenant's windows in
// the same transaction, and a crossed threshold pauses the mailbox there and
// then (audited, evented). A paused mailbox's drafts stay QUEUED, held with
// the reason, until a MANAGER resumes it (mailboxResume), which requeues them.
// Warm-up: a new mailbox's daily cap, applied by the quota path.
import { withTenant, type Tx } from "../../data/database.js";
import {
  pausedHoldReason,
  DEFAULT_PAUSE_REASON,
  pauseVerdict,
  ratesOf,
  sendingDomainOf,
  warmupCap,
  warmupDay,
  warmupDays,
  type DeliverabilitySignalKind,
  type PauseVerdict,
  type WindowCounts,
  type WindowRates,
} from "../../domain/sending/deliverability.js";
import { normaliseMailbox } from "../../domain/sending/sending.js";
import { normaliseEmail } from "../../domain/sending/suppression.js";
import type { TenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { enqueueSend } from "../draft/draft.js";
import { tenantSettings } from "../draft/draft-state.js";
import type { Services } from "../services.js";
import { runMutation, type Actor, type UnitOfWork } from "../unit-of-work.js";

const HOUR_MS = 3_600_000;
/** How far back a bounce may point to the send it is about (by recipient) when it names no Message-ID we know. */
const ATTRIBUTION_DAYS = 30;

export interface SignalInput {
  inboundMessageId: string;
  kind: DeliverabilitySignalKind;
  /** The addresses the bounce or complaint is about (the ones we mailed). */
  recipients: string[];
  /** Message-IDs the inbound mail refers to (In-Reply-To, References, and any of ours in its text). */
  messageIds: string[];
  /** The mailbox it arrived at, when known (kept for the record; attribution is by our send). */
  mailbox: string | null;
  occurredAt: Date;
}

export interface SignalOutcome {
  mailbox: string;
  paused: string[];
}

/** Our Message-IDs (`<draft-…@domain>`, compose.ts) quoted anywhere in a bounce or complaint (returned headers). */
export function ourMessageIdsIn(text: string): string[] {
  return [...new Set([...text.slice(0, 200_000).matchAll(/<draft-[0-9a-f-]{36}@[^<>\s]{1,253}>/gi)].map((m) => m[0]))];
}

/**
 * In the transaction of the inbound message: records the signal against the
 * mailbox that sent the mail it is about, then evaluates that mailbox and its
 * domain and pauses what crosses a threshold. Idempotent per inbound message.
 * Null when no send of ours can be found for it (by a quoted Message-ID of
 * ours, else the recipient's last send in 30 days): nothing to count against.
 */
export async function recordDeliverabilitySignal(uow: UnitOfWork, input: SignalInput): Promise<SignalOutcome | null> {
  const tenantId = uow.actor.principal.tenantId;
  const existing = await uow.tx.deliverabilitySignal.findUnique({ where: { tenantId_inboundMessageId: { tenantId, inboundMessageId: input.inboundMessageId } } });
  if (existing) return null;
  // Only what is about a send of ours counts: the rates are of our sends, and mail sent elsewhere would skew them.
  const send = await attributedSend(uow.tx, input);
  if (!send) return null;
  const mailbox = send.mailbox;
  const recipient = input.recipients[0] ? normaliseEmail(input.recipients[0]) : send.recipientEmail;
  const signal = await uow.tx.deliverabilitySignal.create({
    data: {
      tenantId,
      kind: input.kind,
      mailbox,
      sendingDomain: sendingDomainOf(mailbox),
      recipientEmail: recipient,
      inboundMessageId: input.inboundMessageId,
      emailSendId: send.id,
      occurredAt: input.occurredAt,
    },
  });
  await uow.audit({
    action: "sending.deliverability_signal",
    targetType: "SendingMailbox",
    targetId: mailbox,
    summary: { kind: input.kind, mailbox, inboundMessageId: input.inboundMessageId, emailSendId: send.id },
  });
  await uow.emit("sales.sending.signal_recorded", { signalId: signal.id, kind: input.kind, mailbox, sendingDomain: signal.sendingDomain, inboundMessageId: input.inboundMessageId });
  const settings = await tenantSettings(uow.tx, tenantId);
  const paused = await evaluateAndPause(uow, settings, mailbox, new Date());
  return { mailbox, paused };
}

async function attributedSend(tx: Tx, input: SignalInput) {
  if (input.messageIds.length) {
    const byId = await tx.emailSend.findFirst({ where: { messageId: { in: input.messageIds.slice(0, 50) } }, orderBy: { reservedAt: "desc" } });
    if (byId) return byId;
  }
  const recipients = input.recipients.map(normaliseEmail).filter(Boolean);
  if (!recipients.length) return null;
  return tx.emailSend.findFirst({
    where: { recipientEmail: { in: recipients }, state: "SENT", reservedAt: { gt: new Date(input.occurredAt.getTime() - ATTRIBUTION_DAYS * 24 * HOUR_MS) } },
    orderBy: { reservedAt: "desc" },
  });
}

/** Sends and signals of a mailbox (or of every mailbox of a domain) in each window, counted from `since` at the earliest. */
async function countWindows(tx: Tx, scope: { mailbox: string } | { domain: string }, windowsHours: readonly number[], now: Date, since: Date | null): Promise<WindowCounts[]> {
  const out: WindowCounts[] = [];
  for (const h of windowsHours) {
    const from = new Date(Math.max(now.getTime() - h * HOUR_MS, since?.getTime() ?? 0));
    const mailboxWhere = "mailbox" in scope ? { mailbox: scope.mailbox } : { mailbox: { endsWith: `@${scope.domain}` } };
    const sends = await tx.emailSend.count({ where: { ...mailboxWhere, state: "SENT", sentAt: { gt: from } } });
    const signalWhere = "mailbox" in scope ? { mailbox: scope.mailbox } : { sendingDomain: scope.domain };
    const kinds = await tx.deliverabilitySignal.groupBy({ by: ["kind"], where: { ...signalWhere, occurredAt: { gt: from } }, _count: { _all: true } });
    const n = (k: DeliverabilitySignalKind) => kinds.find((r) => r.kind === k)?._count._all ?? 0;
    out.push({ windowHours: h, sends, hardBounces: n("HARD_BOUNCE"), softBounces: n("SOFT_BOUNCE"), complaints: n("COMPLAINT") });
  }
  return out;
}

async function burstComplaints(tx: Tx, scope: { mailbox: string } | { domain: string }, settings: TenantSettings, now: Date, since: Date | null): Promise<number> {
  const from = new Date(Math.max(now.getTime() - settings.deliverability.complaint.burstWindowHours * HOUR_MS, since?.getTime() ?? 0));
  const where = "mailbox" in scope ? { mailbox: scope.mailbox } : { sendingDomain: scope.domain };
  return tx.deliverabilitySignal.count({ where: { ...where, kind: "COMPLAINT", occurredAt: { gt: from } } });
}

/**
 * Evaluates the mailbox and its domain; pauses the mailbox when its own rates
 * trip, and every mailbox of the domain that sent in the window when the
 * domain's do. Returns the mailboxes paused now.
 */
export async function evaluateAndPause(uow: UnitOfWork, settings: TenantSettings, mailbox: string, now: Date): Promise<string[]> {
  if (!settings.deliverability.autoPause) return [];
  const tenantId = uow.actor.principal.tenantId;
  // Serialise evaluations of one mailbox: two bounces at once pause it once.
  await uow.tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`deliverability:${tenantId}:${mailbox}`}, 0))`;
  const state = await uow.tx.sendingMailbox.findUnique({ where: { tenantId_mailbox: { tenantId, mailbox } } });
  if (state?.status === "PAUSED") return [];
  const since = state?.countSince ?? null;
  const d = settings.deliverability;
  const own = pauseVerdict(d, await countWindows(uow.tx, { mailbox }, d.windowsHours, now, since), await burstComplaints(uow.tx, { mailbox }, settings, now, since), `the mailbox ${mailbox}`);
  if (own) {
    await pauseMailbox(uow, mailbox, own, "MAILBOX", now);
    return [mailbox];
  }
  const domain = sendingDomainOf(mailbox);
  const ofDomain = pauseVerdict(d, await countWindows(uow.tx, { domain }, d.windowsHours, now, since), await burstComplaints(uow.tx, { domain }, settings, now, since), `the domain ${domain}`);
  if (!ofDomain) return [];
  const longest = Math.max(...d.windowsHours) * HOUR_MS;
  const senders = await uow.tx.emailSend.findMany({
    where: { mailbox: { endsWith: `@${domain}` }, state: "SENT", sentAt: { gt: new Date(now.getTime() - longest) } },
    distinct: ["mailbox"],
    select: { mailbox: true },
  });
  const paused: string[] = [];
  for (const m of [...new Set([mailbox, ...senders.map((s) => s.mailbox)])].sort()) {
    const current = m === mailbox ? state : await uow.tx.sendingMailbox.findUnique({ where: { tenantId_mailbox: { tenantId, mailbox: m } } });
    if (current?.status === "PAUSED") continue;
    await pauseMailbox(uow, m, ofDomain, "DOMAIN", now);
    paused.push(m);
  }
  return paused;
}

async function pauseMailbox(uow: UnitOfWork, mailbox: string, verdict: PauseVerdict, scope: "MAILBOX" | "DOMAIN", now: Date): Promise<void> {
  const tenantId = uow.actor.principal.tenantId;
  const data = { status: "PAUSED" as const, pauseCode: verdict.code, pauseReason: verdict.reason, pausedAt: now };
  await uow.tx.sendingMailbox.upsert({ where: { tenantId_mailbox: { tenantId, mailbox } }, create: { tenantId, mailbox, ...data }, update: data });
  await uow.audit({ action: "sending.mailbox_paused", targetType: "SendingMailbox", targetId: mailbox, summary: { mailbox, code: verdict.code, reason: verdict.reason, scope } });
  await uow.emit("sales.sending.mailbox_paused", { mailbox, code: verdict.code, reason: verdict.reason, scope, windowHours: verdict.windowHours, pausedAt: now.toISOString() });
}

/** The pause that holds a draft's mailbox, if any (read in the send claim). */
export async function mailboxPause(tx: Tx, tenantId: string, mailbox: string): Promise<{ reason: string; holdReason: string } | null> {
  const m = normaliseMailbox(mailbox);
  const state = await tx.sendingMailbox.findUnique({ where: { tenantId_mailbox: { tenantId, mailbox: m } } });
  if (state?.status !== "PAUSED") return null;
  const reason = state.pauseReason ?? DEFAULT_PAUSE_REASON;
  return { reason, holdReason: pausedHoldReason(m, reason) };
}

export interface MailboxResumeValue {
  mailbox: string;
  sendsRequeued: number;
}

/** mailboxResume (sending:control, MANAGER and up): the mailbox sends again; its held drafts go back to the queue now. */
export async function resumeMailbox(services: Services, actor: Actor, input: { mailbox: string; note?: string | null }, idempotencyKey?: string | null): Promise<Outcome<MailboxResumeValue>> {
  return runMutation(services, actor, { operation: "mailboxResume", input, idempotencyKey }, async (uow) => {
    const tenantId = actor.principal.tenantId;
    const mailbox = normaliseMailbox(input.mailbox);
    await uow.tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`deliverability:${tenantId}:${mailbox}`}, 0))`;
    const state = await uow.tx.sendingMailbox.findUnique({ where: { tenantId_mailbox: { tenantId, mailbox } } });
    if (!state) return fail(userError("NOT_FOUND", `The mailbox ${mailbox} has never been paused.`, ["input", "mailbox"]));
    if (state.status !== "PAUSED") return fail(userError("CONFLICT", `The mailbox ${mailbox} is not paused.`, ["input", "mailbox"]));
    const now = new Date();
    // Rates start again from now: what tripped the pause is not counted twice.
    await uow.tx.sendingMailbox.update({ where: { id: state.id }, data: { status: "ACTIVE", resumedAt: now, resumedBy: actor.principal.label, countSince: now } });
    const held = await uow.tx.draft.findMany({
      where: { status: "QUEUED", mailbox, holdReason: { startsWith: `The sender mailbox ${mailbox} is paused:` } },
      select: { id: true },
      orderBy: { id: "asc" },
    });
    if (held.length) await uow.tx.draft.updateMany({ where: { id: { in: held.map((d) => d.id) } }, data: { holdReason: null, holdUntil: null } });
    for (const d of held) await enqueueSend(services, uow, tenantId, d.id);
    const note = input.note?.trim() || null;
    await uow.audit({
      action: "sending.mailbox_resumed",
      targetType: "SendingMailbox",
      targetId: mailbox,
      summary: { mailbox, pauseCode: state.pauseCode, pauseReason: state.pauseReason, note, sendsRequeued: held.length },
    });
    await uow.emit("sales.sending.mailbox_resumed", { mailbox, pauseCode: state.pauseCode, note, sendsRequeued: held.length, resumedAt: now.toISOString() });
    return ok({ mailbox, sendsRequeued: held.length });
  });
}

export interface WarmupState {
  day: number;
  cap: number;
  /** Days the ramp lasts in all (until the cap reaches the normal quota). */
  rampDays: number;
}

/** The warm-up cap in force for a mailbox now, or null (warm-up off, or its ramp is over). */
export async function warmupFor(tx: Tx, settings: TenantSettings, mailbox: string, now: Date): Promise<WarmupState | null> {
  const w = settings.deliverability.warmup;
  if (!w.enabled) return null;
  const first = await tx.emailSend.findFirst({ where: { mailbox: normaliseMailbox(mailbox), state: { in: ["RESERVED", "SENT"] } }, orderBy: { reservedAt: "asc" }, select: { reservedAt: true } });
  const day = warmupDay(first?.reservedAt ?? null, now);
  const cap = warmupCap(w, settings.quotas.mailbox.limit, day);
  return cap === null ? null : { day, cap, rampDays: warmupDays(w, settings.quotas.mailbox.limit) };
}

export interface MailboxHealth {
  mailbox: string;
  sendingDomain: string;
  status: "ACTIVE" | "PAUSED";
  pauseCode: string | null;
  pauseReason: string | null;
  pausedAt: Date | null;
  resumedAt: Date | null;
  resumedBy: string | null;
  windows: WindowRates[];
  warmup: WarmupState | null;
  /** Sends in the last 24 h (what the warm-up cap counts). */
  sentLast24h: number;
}

export interface DomainHealth {
  domain: string;
  windows: WindowRates[];
}

/** Every mailbox the tenant sends from (configured, paused once, or sent in the longest window), with its rates. */
export async function readDeliverability(tx: Tx, tenantId: string, now: Date): Promise<{ mailboxes: MailboxHealth[]; domains: DomainHealth[] }> {
  const settings = await tenantSettings(tx, tenantId);
  const d = settings.deliverability;
  const longest = Math.max(...d.windowsHours) * HOUR_MS;
  const states = await tx.sendingMailbox.findMany({ orderBy: { mailbox: "asc" } });
  const recent = await tx.emailSend.findMany({ where: { reservedAt: { gt: new Date(now.getTime() - longest) } }, distinct: ["mailbox"], select: { mailbox: true } });
  const names = [...new Set([...settings.sending.mailboxes.map(normaliseMailbox), ...states.map((s) => s.mailbox), ...recent.map((r) => r.mailbox)])].sort().slice(0, 200);
  const mailboxes: MailboxHealth[] = [];
  for (const mailbox of names) {
    const state = states.find((s) => s.mailbox === mailbox);
    const windows = (await countWindows(tx, { mailbox }, d.windowsHours, now, null)).map(ratesOf);
    const sentLast24h = await tx.emailSend.count({ where: { mailbox, state: { in: ["RESERVED", "SENT"] }, reservedAt: { gt: new Date(now.getTime() - 24 * HOUR_MS) } } });
    mailboxes.push({
      mailbox,
      sendingDomain: sendingDomainOf(mailbox),
      status: state?.status ?? "ACTIVE",
      pauseCode: state?.status === "PAUSED" ? state.pauseCode : null,
      pauseReason: state?.status === "PAUSED" ? state.pauseReason : null,
      pausedAt: state?.pausedAt ?? null,
      resumedAt: state?.resumedAt ?? null,
      resumedBy: state?.resumedBy ?? null,
      windows,
      warmup: await warmupFor(tx, settings, mailbox, now),
      sentLast24h,
    });
  }
  const domains: DomainHealth[] = [];
  for (const domain of [...new Set(mailboxes.map((m) => m.sendingDomain))].filter(Boolean).sort()) {
    domains.push({ domain, windows: (await countWindows(tx, { domain }, d.windowsHours, now, null)).map(ratesOf) });
  }
  return { mailboxes, domains };
}

/** The sendingStatus query's deliverability part, for the actor's tenant. Reads only. */
export async function readMailboxHealth(services: Services, actor: Actor): Promise<{ mailboxes: MailboxHealth[]; domains: DomainHealth[] }> {
  const { tenantId, userId } = actor.principal;
  return withTenant(services.db.prisma, { tenantId, userId }, (tx) => readDeliverability(tx, tenantId, new Date()));
}
