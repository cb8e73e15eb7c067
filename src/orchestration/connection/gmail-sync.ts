// Gmail sync: each connected Google mailbox is mirrored into the inbound
// pipeline by pg-boss jobs (src/jobs/gmail-sync.ts).
// - First sync: every message of the last GMAIL_SYNC_INITIAL_DAYS days, oldest
//   first; the mailbox's history id (read before listing) is stored.
// - Then incremental: users.history.list from the stored history id.
// - History too old (Google's 404): a full resync of the same window.
// Each received message goes through ingestMessage — the messageIngest path:
// threading, rules, suppression, agents — exactly once: GmailMessage is unique
// per mailbox by Gmail id and by RFC Message-ID, and InboundMessage by
// Message-ID per tenant, so a resync, a second job or a second instance finds
// the message already there and does nothing. Mail the mailbox itself sent
// (label SENT, or From the account) is recorded but never ingested as inbound
// (voiceLearnFromMailbox reads it instead). A running sync holds a lease on
// the mailbox; calls go through callWithConnection (fresh token, resilience,
// NEEDS_REAUTH on a refused grant); the outcome is kept on GmailSyncState and
// the connection (lastSyncAt, lastError).
import { randomUUID } from "node:crypto";
import { parseRawEmail } from "../../ai/email.js";
import { QUEUES } from "../../data/job-queue.js";
import { withTenant, type Tx } from "../../data/database.js";
import { classifyProviderError, mayManage } from "../../domain/connection/connection.js";
import { normaliseMessageId } from "../../domain/inbound/inbound-message.js";
import { agentPrincipal, can } from "../../domain/access/principal.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { createMailboxClient, messageIdHeader, type MailboxClient, type MessageSummary } from "../../integrations/google/gmail.js";
import { HistoryExpiredError } from "../../integrations/google/errors.js";
import { watchMailbox } from "../../integrations/google/gmail-watch.js";
import { ConnectorUnavailableError } from "../../integrations/resilience.js";
import { callWithConnection, ConnectionUnavailableError, withConnectors, type ConnectionServices } from "./connection.js";
import { ingestMessage, messageIngestSchema } from "../inbound/inbound-message.js";
import type { Services } from "../services.js";
import { runUnitOfWork, type Actor } from "../unit-of-work.js";
import { importVoiceSamples, type VoiceImportValue } from "../draft/voice.js";
import { suspendedTenantsAmong } from "../tenant/tenant-suspension.js";

/** Scopes that let us read a mailbox. */
export const GMAIL_READ_SCOPES = ["https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.modify", "https://mail.google.com/"];

export type GmailSyncReason = "POLL" | "PUSH" | "MANUAL";
export type GmailSyncMode = "FULL" | "INCREMENTAL" | "RESYNC";

export interface GmailSyncJobData {
  tenantId: string;
  connectionId: string;
  reason: GmailSyncReason;
}

export interface GmailSyncResult {
  connectionId: string;
  /** Another sync of this mailbox holds it, or the connection is not an ACTIVE Google mailbox. */
  skipped: "BUSY" | "NOT_ACTIVE" | null;
  mode: GmailSyncMode | null;
  /** Messages looked at (listed or in the history). */
  seen: number;
  /** Received messages ingested now. */
  imported: number;
  /** Sent by the mailbox itself: recorded, not ingested. */
  sent: number;
  /** Already handled before (by Gmail id or Message-ID). */
  duplicates: number;
  /** Refused by the ingest path (recorded, not fetched again). */
  skippedMessages: number;
  historyId: string | null;
}

/** Labels whose messages are not mail to act on. */
const IGNORED_LABELS = new Set(["DRAFT", "SPAM", "TRASH", "CHAT"]);

const PAGE_SIZE = 500;

/** Enqueues a sync of one mailbox (one waiting per mailbox; a duplicate enqueue is dropped). */
export async function enqueueGmailSync(services: Pick<Services, "jobs">, data: GmailSyncJobData, tx?: Tx, options: { startAfterSeconds?: number } = {}): Promise<string | null> {
  return services.jobs.send(
    QUEUES.gmailSync.name,
    data,
    { singletonKey: data.connectionId, ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}) },
    tx,
  );
}

/** ACTIVE Google connections that may read mail, across tenants (the poll) or of one address (a push). */
export async function gmailSyncTargets(services: Pick<Services, "db">, accountEmail: string | null): Promise<{ tenantId: string; connectionId: string }[]> {
  return services.db.prisma.$queryRaw<{ tenantId: string; connectionId: string }[]>`
    SELECT "tenantId"::text AS "tenantId", "connectionId"::text AS "connectionId" FROM app_gmail_sync_targets(${accountEmail})`;
}

/** The scheduled poll: an incremental sync for every ACTIVE Google mailbox. */
export async function enqueueAllGmailSyncs(services: Pick<Services, "db" | "jobs">): Promise<number> {
  let queued = 0;
  for (const target of await gmailSyncTargets(services, null)) {
    if (await enqueueGmailSync(services, { ...target, reason: "POLL" })) queued++;
  }
  return queued;
}

/** A MailboxClient whose every call runs through the connection (token, resilience, health). */
export function connectionMailbox(services: ConnectionServices, ref: { id: string; tenantId: string }): MailboxClient {
  const conn = { ...ref, provider: "GOOGLE" as const };
  const run = <T>(fn: (client: MailboxClient) => Promise<T>, idempotent = true) =>
    callWithConnection(services, conn, ({ client, signal }) => fn(createMailboxClient({ auth: client!, rootUrl: services.config.GOOGLE_API_ROOT_URL, signal })), { idempotent });
  return {
    profile: () => run((c) => c.profile()),
    listMessages: (input) => run((c) => c.listMessages(input)),
    getMessage: (id) => run((c) => c.getMessage(id)),
    getMetadata: (id, headers) => run((c) => c.getMetadata(id, headers)),
    history: (input) => run((c) => c.history(input)),
    send: (input) => run((c) => c.send(input), false),
    findByMessageId: (id) => run((c) => c.findByMessageId(id)),
    findSentByMessageId: (id) => run((c) => c.findSentByMessageId(id)),
  };
}

function syncActor(tenantId: string): Actor {
  return { principal: agentPrincipal(tenantId, "gmail-sync"), meta: { requestId: randomUUID(), traceId: null } };
}

/** A safe, short description of a failed sync (never a token, a body or a provider's raw text). */
function describeFailure(error: unknown): string {
  if (error instanceof ConnectionUnavailableError || error instanceof ConnectorUnavailableError) return error.message.slice(0, 300);
  return classifyProviderError(error).message;
}

/** Whether a failed sync is worth a retry by the job queue soon (the poll retries anyway). */
export function isTransientSyncFailure(error: unknown): boolean {
  if (error instanceof ConnectionUnavailableError) return false;
  if (error instanceof ConnectorUnavailableError) return true;
  return classifyProviderError(error).kind === "TRANSIENT";
}

async function gmailIdsKnown(tx: Tx, connectionId: string, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await tx.gmailMessage.findMany({ where: { connectionId, gmailMessageId: { in: ids } }, select: { gmailMessageId: true } });
  return new Set(rows.map((r) => r.gmailMessageId));
}

/** Runs `fn` over items with at most `limit` at a time, results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

interface SyncContext {
  services: Services & { connectors: NonNullable<Services["connectors"]> };
  tenantId: string;
  connectionId: string;
  accountEmail: string;
  mailbox: MailboxClient;
  result: GmailSyncResult;
}

async function extendLease(ctx: SyncContext): Promise<void> {
  const seconds = ctx.services.config.GMAIL_SYNC_LEASE_SECONDS;
  await withTenant(ctx.services.db.prisma, { tenantId: ctx.tenantId }, (tx) =>
    tx.gmailSyncState.updateMany({ where: { connectionId: ctx.connectionId }, data: { leaseUntil: new Date(Date.now() + seconds * 1000) } }),
  );
}

async function record(ctx: SyncContext, row: { gmailMessageId: string; rfcMessageId: string; kind: "INBOUND" | "SENT" | "SKIPPED"; inboundMessageId?: string | null; skipReason?: string | null }): Promise<boolean> {
  const inserted = await withTenant(ctx.services.db.prisma, { tenantId: ctx.tenantId }, (tx) =>
    tx.gmailMessage.createMany({
      data: [{ tenantId: ctx.tenantId, connectionId: ctx.connectionId, ...row }],
      // Unique by Gmail id and by Message-ID per mailbox: a second sync of the same message records nothing.
      skipDuplicates: true,
    }),
  );
  return inserted.count === 1;
}

/** Handles one page of message ids: fetches the new ones (concurrently), ingests them in order. */
async function handleMessages(ctx: SyncContext, summaries: (MessageSummary & { labelIds?: string[] })[]): Promise<void> {
  const { services, result } = ctx;
  result.seen += summaries.length;
  const known = await withTenant(services.db.prisma, { tenantId: ctx.tenantId }, (tx) => gmailIdsKnown(tx, ctx.connectionId, summaries.map((s) => s.id)));
  const fresh = summaries.filter((s) => {
    if (known.has(s.id)) {
      result.duplicates++;
      return false;
    }
    // History entries carry labels: drafts, spam and trash are not fetched at all.
    return !(s.labelIds ?? []).some((l) => IGNORED_LABELS.has(l));
  });
  const fetched = await mapLimit(fresh, services.config.GMAIL_SYNC_FETCH_CONCURRENCY, async (s) => {
    try {
      return await ctx.mailbox.getMessage(s.id);
    } catch (error) {
      // Deleted since it was listed: nothing to import.
      if ((error as { status?: unknown }).status === 404) return null;
      throw error;
    }
  });
  for (const message of fetched) {
    if (!message || message.labelIds.some((l) => IGNORED_LABELS.has(l))) continue;
    const rfcMessageId = normaliseMessageId(messageIdHeader(message.raw)) ?? `<gmail-${message.id}@${ctx.accountEmail.split("@")[1] ?? "gmail"}>`;
    const fromSelf = message.labelIds.includes("SENT") || (await senderOf(message.raw)) === ctx.accountEmail;
    if (fromSelf) {
      if (await record(ctx, { gmailMessageId: message.id, rfcMessageId, kind: "SENT" })) result.sent++;
      else result.duplicates++;
      continue;
    }
    const parsed = messageIngestSchema.safeParse({ raw: message.raw, mailbox: ctx.accountEmail });
    if (!parsed.success) {
      if (await record(ctx, { gmailMessageId: message.id, rfcMessageId, kind: "SKIPPED", skipReason: "VALIDATION_FAILED: the message is too large or empty" })) result.skippedMessages++;
      continue;
    }
    // The messageIngest path itself; a Message-ID ingested before (another mailbox, an earlier sync) is a duplicate there.
    const outcome = await ingestMessage(services, syncActor(ctx.tenantId), parsed.data, null);
    if (!outcome.ok) {
      const reason = outcome.errors.map((e) => `${e.code}: ${e.message}`).join("; ").slice(0, 500);
      if (await record(ctx, { gmailMessageId: message.id, rfcMessageId, kind: "SKIPPED", skipReason: reason })) result.skippedMessages++;
      continue;
    }
    const recorded = await record(ctx, { gmailMessageId: message.id, rfcMessageId, kind: "INBOUND", inboundMessageId: outcome.value.inboundMessageId });
    if (outcome.value.duplicate || !recorded) result.duplicates++;
    else result.imported++;
  }
}

async function senderOf(raw: string): Promise<string | null> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const from = /^from:\s*(.+)$/im.exec(head)?.[1];
  if (!from) return null;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? /([^\s<>",;]+@[^\s<>",;]+)/.exec(from)?.[1];
  return angle ? angle.toLowerCase() : (await parseRawEmail(head + "\r\n\r\n")).from.address;
}

/** Full sync of the window: the history id first (so nothing arriving meanwhile is missed), then every message, oldest first. */
async function fullSync(ctx: SyncContext): Promise<string | null> {
  const profile = await ctx.mailbox.profile();
  const after = Math.floor((Date.now() - ctx.services.config.GMAIL_SYNC_INITIAL_DAYS * 86_400_000) / 1000);
  const ids: MessageSummary[] = [];
  let pageToken: string | null = null;
  do {
    const page = await ctx.mailbox.listMessages({ q: `after:${after}`, maxResults: PAGE_SIZE, pageToken });
    ids.push(...page.messages);
    pageToken = page.nextPageToken;
  } while (pageToken);
  ids.reverse();
  for (let i = 0; i < ids.length; i += PAGE_SIZE) {
    await handleMessages(ctx, ids.slice(i, i + PAGE_SIZE));
    await extendLease(ctx);
  }
  return profile.historyId;
}

/** Incremental sync from the stored history id; HistoryExpiredError when Google no longer has it. */
async function incrementalSync(ctx: SyncContext, startHistoryId: string): Promise<string | null> {
  let pageToken: string | null = null;
  let historyId: string | null = startHistoryId;
  do {
    const page = await ctx.mailbox.history({ startHistoryId, pageToken, maxResults: PAGE_SIZE });
    await handleMessages(ctx, page.added);
    historyId = page.historyId ?? historyId;
    pageToken = page.nextPageToken;
    await extendLease(ctx);
  } while (pageToken);
  return historyId;
}

/**
 * One sync of one mailbox. Skips (BUSY) when another sync holds the mailbox's
 * lease; records the outcome (and a failure) on GmailSyncState and the
 * connection; throws the failure after recording it.
 */
export async function syncMailbox(base: Services, ref: { tenantId: string; connectionId: string; reason?: GmailSyncReason }): Promise<GmailSyncResult> {
  const services = withConnectors(base);
  const { tenantId, connectionId } = ref;
  const result: GmailSyncResult = { connectionId, skipped: null, mode: null, seen: 0, imported: 0, sent: 0, duplicates: 0, skippedMessages: 0, historyId: null };
  const leaseSeconds = services.config.GMAIL_SYNC_LEASE_SECONDS;
  const claim = await withTenant(services.db.prisma, { tenantId }, async (tx) => {
    const connection = await tx.connection.findUnique({ where: { id: connectionId }, select: { provider: true, status: true, accountEmail: true, scopes: true } });
    if (!connection || connection.provider !== "GOOGLE" || connection.status !== "ACTIVE" || !connection.scopes.some((s) => GMAIL_READ_SCOPES.includes(s))) return { skipped: "NOT_ACTIVE" as const };
    await tx.gmailSyncState.upsert({ where: { tenantId_connectionId: { tenantId, connectionId } }, create: { tenantId, connectionId }, update: {} });
    const now = new Date();
    const taken = await tx.gmailSyncState.updateMany({
      where: { connectionId, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
      data: { leaseUntil: new Date(now.getTime() + leaseSeconds * 1000) },
    });
    if (taken.count !== 1) return { skipped: "BUSY" as const };
    const state = await tx.gmailSyncState.findUniqueOrThrow({ where: { tenantId_connectionId: { tenantId, connectionId } }, select: { historyId: true } });
    return { skipped: null, accountEmail: connection.accountEmail, historyId: state.historyId };
  });
  if (claim.skipped) return { ...result, skipped: claim.skipped };

  const ctx: SyncContext = { services, tenantId, connectionId, accountEmail: claim.accountEmail, mailbox: connectionMailbox(services, { id: connectionId, tenantId }), result };
  try {
    if (!claim.historyId) {
      result.mode = "FULL";
      result.historyId = await fullSync(ctx);
    } else {
      try {
        result.mode = "INCREMENTAL";
        result.historyId = await incrementalSync(ctx, claim.historyId);
      } catch (error) {
        if (!(error instanceof HistoryExpiredError)) throw error;
        // Google no longer keeps history that old: the whole window again; what is already here is skipped.
        result.mode = "RESYNC";
        result.historyId = await fullSync(ctx);
      }
    }
  } catch (error) {
    await recordSyncFailure(services, ref, result, error).catch((e: unknown) => services.logger.warn({ err: e instanceof Error ? { name: e.name } : undefined }, "could not record a Gmail sync failure"));
    throw error;
  }
  await recordSyncSuccess(services, ref, result);
  if (result.mode !== "INCREMENTAL" && services.config.GMAIL_PUSH_TOPIC) {
    // A newly synced mailbox gets push notifications now, not at the next scheduled renewal.
    await watchGmailMailbox(services, ref).catch((error: unknown) => services.logger.warn({ connectionId, failure: describeFailure(error) }, "Gmail watch could not be started; polling continues"));
  }
  return result;
}

async function recordSyncSuccess(services: ConnectionServices & Pick<Services, "db">, ref: { tenantId: string; connectionId: string; reason?: GmailSyncReason }, result: GmailSyncResult): Promise<void> {
  const now = new Date();
  await runUnitOfWork(services, syncActor(ref.tenantId), async (uow) => {
    await uow.tx.gmailSyncState.update({
      where: { tenantId_connectionId: { tenantId: ref.tenantId, connectionId: ref.connectionId } },
      data: {
        historyId: result.historyId,
        lastMode: result.mode,
        lastSyncAt: now,
        ...(result.mode === "INCREMENTAL" ? {} : { lastFullSyncAt: now }),
        lastImported: result.imported,
        leaseUntil: null,
        lastError: null,
        lastErrorAt: null,
      },
    });
    await uow.tx.connection.updateMany({ where: { id: ref.connectionId }, data: { lastSyncAt: now } });
    // A sync that brought nothing is not worth an audit entry or an event (the poll runs every minute).
    if (result.imported || result.sent || result.skippedMessages || result.mode !== "INCREMENTAL") {
      const summary = { mode: result.mode, reason: ref.reason ?? null, imported: result.imported, sent: result.sent, duplicates: result.duplicates, skipped: result.skippedMessages };
      await uow.audit({ action: "connection.synced", targetType: "Connection", targetId: ref.connectionId, summary });
      await uow.emit("sales.connection.synced", { connectionId: ref.connectionId, ...summary });
    }
    return ok(null);
  });
}

async function recordSyncFailure(services: ConnectionServices & Pick<Services, "db">, ref: { tenantId: string; connectionId: string; reason?: GmailSyncReason }, result: GmailSyncResult, error: unknown): Promise<void> {
  const message = `Gmail sync failed: ${describeFailure(error)}`.slice(0, 500);
  const now = new Date();
  await runUnitOfWork(services, syncActor(ref.tenantId), async (uow) => {
    await uow.tx.gmailSyncState.updateMany({ where: { connectionId: ref.connectionId }, data: { leaseUntil: null, lastError: message, lastErrorAt: now } });
    // Visible on the connection (lastError, health) even when the provider call itself succeeded.
    await uow.tx.connection.updateMany({ where: { id: ref.connectionId }, data: { lastError: message, lastErrorAt: now, lastFailureAt: now } });
    await uow.audit({ action: "connection.sync_failed", targetType: "Connection", targetId: ref.connectionId, summary: { mode: result.mode, reason: ref.reason ?? null, error: message, imported: result.imported } });
    await uow.emit("sales.connection.sync_failed", { connectionId: ref.connectionId, mode: result.mode, error: message });
    return ok(null);
  });
}

// ---- gmailSyncNow ---------------------------------------------------------------------

/** Queues a sync of a mailbox now: one's own connection (connection:connect), the shared or another member's (connection:manage). */
export async function requestGmailSync(services: Services, actor: Actor, input: { connectionId: string }): Promise<Outcome<{ connectionId: string; queued: boolean }>> {
  return runUnitOfWork(services, actor, async (uow) => {
    const connection = await uow.tx.connection.findUnique({ where: { id: input.connectionId } });
    const notFound = fail(userError("NOT_FOUND", "No such connection.", ["input", "connectionId"]));
    if (!connection) return notFound;
    if (!mayManage(actor.principal, connection)) {
      // Someone else's personal connection reads as "not found", as in connectionTest.
      return connection.userId !== null && !can(actor.principal, "connection:manage")
        ? notFound
        : fail(userError("FORBIDDEN", "Only an OWNER or ADMIN can sync the tenant's shared mailbox.", ["input", "connectionId"]));
    }
    if (connection.provider !== "GOOGLE") return fail(userError("VALIDATION_FAILED", "Only Google mailboxes are synced.", ["input", "connectionId"]));
    if (connection.status !== "ACTIVE") return fail(userError("CONNECTION_NOT_ACTIVE", `This connection is ${connection.status}; connect the account again.`, ["input", "connectionId"]));
    if (!connection.scopes.some((s) => GMAIL_READ_SCOPES.includes(s))) {
      return fail(userError("MISSING_SCOPE", "This connection may not read mail; connect it again with gmail.readonly.", ["input", "connectionId"]));
    }
    const jobId = await enqueueGmailSync(services, { tenantId: connection.tenantId, connectionId: connection.id, reason: "MANUAL" }, uow.tx);
    await uow.audit({ action: "connection.sync_requested", targetType: "Connection", targetId: connection.id, summary: { provider: connection.provider, queued: jobId !== null } });
    await uow.emit("sales.connection.sync_requested", { connectionId: connection.id, queued: jobId !== null });
    return ok({ connectionId: connection.id, queued: jobId !== null });
  });
}

// ---- voiceLearnFromMailbox ------------------------------------------------------------

export interface VoiceLearnFromMailboxValue extends VoiceImportValue {
  connectionId: string;
  /** Sent messages read from the mailbox. */
  read: number;
}

export const VOICE_MAILBOX_MAX = 200;

/**
 * The caller's recent sent mail (label SENT of their own ACTIVE Google
 * connection) as voice samples, through the voiceSamplesImport path: a
 * message imported before is a duplicate (same subject and body), so a re-run
 * adds nothing. Only one's own mailbox: a connection of another member or the
 * tenant's shared one reads as not found.
 */
export async function learnVoiceFromMailbox(
  base: Services,
  actor: Actor,
  input: { limit: number; connectionId?: string | null },
): Promise<Outcome<VoiceLearnFromMailboxValue>> {
  const services = withConnectors(base);
  const { principal } = actor;
  if (!principal.userId) return fail(userError("FORBIDDEN", "Only a member can learn from their own mailbox.", []));
  if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > VOICE_MAILBOX_MAX) {
    return fail(userError("VALIDATION_FAILED", `must be between 1 and ${VOICE_MAILBOX_MAX}`, ["input", "limit"]));
  }
  const userId = principal.userId;
  const found = await runUnitOfWork(services, actor, async (uow) => {
    const connection = await uow.tx.connection.findFirst({
      where: { provider: "GOOGLE", userId, ...(input.connectionId ? { id: input.connectionId } : { status: "ACTIVE" }) },
      orderBy: { createdAt: "desc" },
      select: { id: true, tenantId: true, status: true, scopes: true },
    });
    if (!connection) {
      return input.connectionId
        ? fail(userError("NOT_FOUND", "No such connection of yours.", ["input", "connectionId"]))
        : fail(userError("NOT_CONNECTED", "Connect your Google mailbox first (connectionStart with gmail.readonly).", []));
    }
    if (connection.status !== "ACTIVE") return fail(userError("CONNECTION_NOT_ACTIVE", `This connection is ${connection.status}; connect the account again.`, ["input", "connectionId"]));
    if (!connection.scopes.some((s) => GMAIL_READ_SCOPES.includes(s))) {
      return fail(userError("MISSING_SCOPE", "This connection may not read mail; connect it again with gmail.readonly.", ["input", "connectionId"]));
    }
    return ok(connection);
  });
  if (!found.ok) return found;
  const connection = found.value;
  const mailbox = connectionMailbox(services, { id: connection.id, tenantId: connection.tenantId });
  let summaries: MessageSummary[];
  let emails: { subject: string; body: string; sentAt: string | null; to: string | null }[];
  try {
    summaries = [];
    let pageToken: string | null = null;
    do {
      const page = await mailbox.listMessages({ labelIds: ["SENT"], maxResults: Math.min(input.limit - summaries.length, PAGE_SIZE), pageToken });
      summaries.push(...page.messages);
      pageToken = page.nextPageToken;
    } while (pageToken && summaries.length < input.limit);
    const messages = await mapLimit(summaries.slice(0, input.limit), services.config.GMAIL_SYNC_FETCH_CONCURRENCY, (s) => mailbox.getMessage(s.id));
    const parsed = await Promise.all(messages.map((m) => parseRawEmail(m.raw)));
    emails = parsed
      .filter((e) => e.text.trim().length > 0)
      .map((e) => ({ subject: e.subject.slice(0, 998), body: e.text.slice(0, 50_000), sentAt: e.date, to: e.to[0]?.slice(0, 254) ?? null }));
  } catch (error) {
    return fail(userError("PROVIDER_UNAVAILABLE", `The mailbox could not be read: ${describeFailure(error)}`, []));
  }
  if (!emails.length) return fail(userError("NO_SENT_MAIL", "The mailbox has no sent mail to learn from.", []));
  const imported = await importVoiceSamples(services, actor, { userId, emails });
  if (!imported.ok) return imported;
  return ok({ ...imported.value, connectionId: connection.id, read: summaries.length });
}

// ---- push ---------------------------------------------------------------------------

/**
 * A verified Gmail push notification: an incremental sync of every ACTIVE
 * Google connection of that mailbox (in whichever tenant connected it). The
 * notification's history id is only a hint: the sync reads from the stored one.
 */
export async function enqueueGmailSyncsForPush(services: Pick<Services, "db" | "jobs">, notification: { emailAddress: string; historyId: string }): Promise<number> {
  let queued = 0;
  for (const target of await gmailSyncTargets(services, notification.emailAddress)) {
    if (await enqueueGmailSync(services, { ...target, reason: "PUSH" })) queued++;
  }
  return queued;
}

// ---- users.watch ---------------------------------------------------------------------

/**
 * Asks Gmail to publish this mailbox's changes to GMAIL_PUSH_TOPIC (users.watch;
 * a watch lasts 7 days, so every mailbox is renewed by a scheduled job and
 * after its first sync). Without a topic nothing is asked: polling alone.
 */
export async function watchGmailMailbox(base: Services, ref: { tenantId: string; connectionId: string }): Promise<Date | null> {
  const services = withConnectors(base);
  const topicName = services.config.GMAIL_PUSH_TOPIC;
  if (!topicName) return null;
  const result = await callWithConnection(services, { id: ref.connectionId, tenantId: ref.tenantId, provider: "GOOGLE" }, ({ client, signal }) =>
    watchMailbox({ auth: client!, rootUrl: services.config.GOOGLE_API_ROOT_URL, signal }, { topicName }),
  );
  return result.expiration;
}

/** The scheduled renewal: users.watch for every ACTIVE Google mailbox that may read mail. */
export async function renewGmailWatches(services: Services): Promise<{ renewed: number; failed: number }> {
  const out = { renewed: 0, failed: 0 };
  if (!services.config.GMAIL_PUSH_TOPIC) return out;
  const targets = await gmailSyncTargets(services, null);
  // A suspended tenant's mailboxes are not touched; the renewal after its resume re-watches them.
  const suspended = await suspendedTenantsAmong(services.db, targets.map((t) => t.tenantId));
  for (const target of targets) {
    if (suspended.has(target.tenantId)) continue;
    try {
      await watchGmailMailbox(services, target);
      out.renewed++;
    } catch (error) {
      // Recorded on the connection by callWithConnection; the poll keeps the mailbox in sync meanwhile.
      out.failed++;
      services.logger.warn({ connectionId: target.connectionId, failure: describeFailure(error) }, "Gmail watch could not be renewed");
    }
  }
  return out;
}
