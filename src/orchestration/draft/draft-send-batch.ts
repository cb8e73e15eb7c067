// Sending many queued drafts of one tenant at once (issue 14: a send worker
// takes a batch of jobs). The same three steps as deliverDraft
// (draft-delivery.ts), each paid once per batch instead of once per draft:
//
// 1. Claim, one transaction on the SQL lane: the drafts' rows locked in one
//    statement (id order); the tenant's suspension, settings, erasure key,
//    paused mailboxes and Google connections read in one; suppression and
//    do-not-contact in one; the quality gate and the transport choice in
//    memory; each draft then decided by the single path's own checks
//    (sendRefusal, domain/draft/draft-delivery.ts); then the quota: the advisory locks of every key of the batch in
//    one statement (the same order single sends use), the counted send records
//    of those keys read once, and each draft evaluated in turn against them
//    plus the reservations made earlier in the batch — exact, as the locks are
//    held until commit. Send records, SENDING leases, audit entries and events
//    are written as multi-row statements.
// 2. The transport: the whole batch in one call where it can (the local
//    outbox's sendMany), else one send per message.
// 3. Record, one transaction: rows locked, approvals read once, SENT, send
//    records, activities, audit entries and events as multi-row statements.
//
// Anything that is not a plain claim — a suspended tenant, a kill switch or
// DRAFT_ONLY, a suppressed or do-not-contact recipient, a quality-gate block,
// a paused mailbox, a Gmail or refused route, a failed DMARC check, a
// sequence step or campaign draft that must wait for its window (read for the
// whole batch in one statement), a reply's References, a quota that binds, a
// draft no longer QUEUED — is left untouched by the batch and goes through
// deliverDraft afterwards, which locks, re-checks and settles it exactly as a
// single send. Transport errors and a lease changed before the record go
// through the single path's recordUnsent / recordSent. So every guarantee of
// draft-delivery.ts holds unchanged; the batch only makes the common case cheap.
import { randomUUID } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import { insertRowsStatement, type BulkColumn } from "../../data/bulk-insert.js";
import { openErasureHashKey } from "../../data/tenant-secret.js";
import { campaignHold } from "../../domain/campaign/campaign.js";
import { draftEventFor, transition } from "../../domain/draft/draft.js";
import { quotaRefusal, sendRefusal, sentEmailActivity } from "../../domain/draft/draft-delivery.js";
import { sequenceHold, type SendWindow } from "../../domain/sequence/sequence.js";
import { DEFAULT_PAUSE_REASON, pausedHoldReason, warmupCap, warmupDay, warmupDays, sendingDomainOf } from "../../domain/sending/deliverability.js";
import { chooseMailRoute, type MailboxConnection, type MailboxTransportChoice, type MailRoute } from "../../domain/sending/mail-route.js";
import { evaluateQuota, quotaRules, recipientDomain, type QuotaKind, type QuotaRule } from "../../domain/sending/quota.js";
import { normaliseMailbox } from "../../domain/sending/sending.js";
import type { SendingDomainReport } from "../../domain/sending/sending-domain.js";
import { normaliseEmail, recipientSuppressionReason, suppressionKeys, type SuppressionKind } from "../../domain/sending/suppression.js";
import { readTenantSettings, type TenantSettings } from "../../domain/tenant/tenant.js";
import { ok } from "../../domain/user-error.js";
import { messageIdFor } from "../../integrations/email/compose.js";
import type { EmailTransport, OutgoingMessage, SendReceipt } from "../../integrations/email/transport.js";
import { lockQuotaKeyNames, quotaLockKey, rulesWithWarmup } from "../sending/send-quota.js";
import { currentDomainCheckSql, dmarcEnforced } from "../sending/sending-domain.js";
import type { Services } from "../services.js";
import { runUnitOfWork, type UnitOfWork } from "../unit-of-work.js";
import { buildMessage, deliverDraft, recordSent, recordUnsent, senderActor, type ClaimedSend, type DeliveryResult, type SendJob } from "./draft-delivery.js";
import { gateFor, type Draft } from "./draft-state.js";

/** Drafts per claim transaction: large enough to spread its fixed cost, small enough to keep a mailbox's lock short. */
export const SEND_BATCH_MAX = 50;

const UUID = /^[0-9a-f-]{36}$/i;

/**
 * Delivers these send jobs (any tenants, any order); one result per job, in
 * order. A draft named twice is delivered once (the second finds it settled).
 */
export async function deliverDrafts(services: Services, jobs: readonly SendJob[]): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = new Array(jobs.length);
  const byTenant = new Map<string, number[]>();
  for (const [i, job] of jobs.entries()) byTenant.set(job.tenantId, [...(byTenant.get(job.tenantId) ?? []), i]);
  for (const [tenantId, indexes] of byTenant) {
    for (let from = 0; from < indexes.length; from += SEND_BATCH_MAX) {
      const chunk = indexes.slice(from, from + SEND_BATCH_MAX);
      const seen = new Set<string>();
      const first = chunk.filter((i) => !seen.has(jobs[i]!.draftId) && seen.add(jobs[i]!.draftId));
      const repeated = chunk.filter((i) => !first.includes(i));
      const settled = await deliverTenantBatch(services, tenantId, first.map((i) => jobs[i]!.draftId));
      for (const i of first) results[i] = settled.get(jobs[i]!.draftId)!;
      for (const i of repeated) results[i] = await deliverDraft(services, jobs[i]!);
    }
  }
  return results;
}

async function deliverTenantBatch(services: Services, tenantId: string, draftIds: string[]): Promise<Map<string, DeliveryResult>> {
  const results = new Map<string, DeliveryResult>();
  const { claimed, unclaimed } = await claimBatch(services, tenantId, draftIds);
  if (claimed.length > 0) {
    const transport = claimed[0]!.transport;
    const answers = await sendAll(services, transport, claimed);
    const sent: { claim: ClaimedSend; receipt: SendReceipt }[] = [];
    for (const [i, answer] of answers.entries()) {
      const claim = claimed[i]!;
      if (answer instanceof Error) results.set(claim.draft.id, await recordUnsent(services, claim, answer));
      else sent.push({ claim, receipt: answer });
    }
    for (const [id, result] of await recordBatch(services, tenantId, sent)) results.set(id, result);
  }
  // What the batch did not claim is settled one by one, with every check of a single send.
  for (const id of unclaimed) results.set(id, await deliverDraft(services, { tenantId, draftId: id }));
  return results;
}

async function sendAll(services: Services, transport: EmailTransport, claimed: ClaimedSend[]): Promise<(SendReceipt | Error)[]> {
  const built = await Promise.all(claimed.map((c) => buildMessage(services, c.draft, c).catch((e: Error) => e)));
  const messages = built.filter((m): m is OutgoingMessage => !(m instanceof Error));
  let answers: (SendReceipt | Error)[];
  try {
    answers = transport.sendMany ? await transport.sendMany(messages) : await Promise.all(messages.map((m) => transport.send(m).catch((e: Error) => e)));
  } catch (error) {
    answers = messages.map(() => error as Error);
  }
  let next = 0;
  return built.map((m) => (m instanceof Error ? m : answers[next++]!));
}

interface TenantState {
  settings: unknown;
  suspended: boolean;
  erasure_key: string | null;
  paused: { mailbox: string; reason: string | null }[];
  connections: (MailboxConnection & { accountEmail: string })[];
}

interface CountedSend {
  draftId: string;
  mailbox: string;
  recipientEmail: string;
  recipientDomain: string;
  reservedAt: Date;
}

const COLUMN_OF: Record<QuotaKind, "mailbox" | "recipientEmail" | "recipientDomain"> = { MAILBOX: "mailbox", CONTACT: "recipientEmail", DOMAIN: "recipientDomain" };

async function claimBatch(services: Services, tenantId: string, draftIds: string[]): Promise<{ claimed: ClaimedSend[]; unclaimed: string[] }> {
  const unclaimed = new Set<string>();
  const outcome = await runUnitOfWork(
    services,
    senderActor(tenantId),
    async (uow) => {
      const rows = await uow.sql<Draft>(`SELECT * FROM "Draft" WHERE "id" = ANY($1::uuid[]) ORDER BY "id" FOR UPDATE`, [draftIds]);
      const found = new Set(rows.map((r) => r.id));
      for (const id of draftIds) if (!found.has(id)) unclaimed.add(id);
      // Replies read their parent's References: the single path does that.
      let candidates = rows.filter((d) => {
        const plain = d.status === "QUEUED" && !d.inReplyTo;
        if (!plain) unclaimed.add(d.id);
        return plain;
      });
      if (candidates.length === 0) return ok<ClaimedSend[]>([]);
      const leave = (d: Draft) => {
        unclaimed.add(d.id);
        return false;
      };

      const mailboxes = [...new Set(candidates.map((d) => normaliseMailbox(d.mailbox)))];
      const [state] = await uow.sql<TenantState>(
        `SELECT (SELECT "settings" FROM "Tenant" WHERE "id" = $1::uuid) AS settings,
                EXISTS (SELECT 1 FROM "TenantSuspension" WHERE "tenantId" = $1::uuid) AS suspended,
                (SELECT "secret" FROM "TenantSecret" WHERE "tenantId" = $1::uuid AND "purpose" = 'ERASURE_HASH' LIMIT 1) AS erasure_key,
                COALESCE((SELECT json_agg(json_build_object('mailbox', "mailbox", 'reason', "pauseReason"))
                            FROM "SendingMailbox" WHERE "tenantId" = $1::uuid AND "mailbox" = ANY($2::text[]) AND "status" = 'PAUSED'), '[]'::json) AS paused,
                COALESCE((SELECT json_agg(json_build_object('accountEmail', "accountEmail", 'id', "id", 'status', "status", 'scopes', "scopes", 'userId', "userId"))
                            FROM "Connection" WHERE "tenantId" = $1::uuid AND "provider" = 'GOOGLE' AND "accountEmail" = ANY($2::text[])), '[]'::json) AS connections`,
        [tenantId, mailboxes],
      );
      const settings = readTenantSettings(state!.settings);

      // The facts of every draft, read for the whole batch; each draft is then decided as a single send decides it (sendRefusal).
      const erasureKey = openErasureHashKey(services.db.fields ?? null, tenantId, state!.erasure_key);
      const keysOf = new Map(candidates.map((d) => [d.id, suppressionKeys(d.recipientEmail, erasureKey)]));
      const allKeys = [...keysOf.values()].flat();
      // Every matching entry, oldest first: a draft names the first of its own, as the single path does.
      const [blocked] = await uow.sql<{ suppressed: { kind: SuppressionKind; value: string; reason: string }[]; dnc: string[] }>(
        `SELECT COALESCE((SELECT json_agg(json_build_object('kind', s."kind", 'value', s."value", 'reason', s."reason") ORDER BY s."createdAt", s."id")
                            FROM "Suppression" s JOIN unnest($1::text[], $2::text[]) AS k(kind, value) ON s."kind"::text = k.kind AND s."value" = k.value), '[]'::json) AS suppressed,
                ARRAY(SELECT "id"::text FROM "Contact" WHERE "id" = ANY($3::uuid[]) AND "doNotContact") AS dnc`,
        [allKeys.map((k) => k.kind), allKeys.map((k) => k.value), [...new Set(candidates.map((d) => d.contactId))]],
      );
      const suppressions = blocked!.suppressed;
      const dnc = new Set(blocked!.dnc);
      const paused = new Map(state!.paused.map((p) => [p.mailbox, pausedHoldReason(p.mailbox, p.reason ?? DEFAULT_PAUSE_REASON)]));
      const routes = new Map<string, MailRoute>();
      for (const mailbox of mailboxes) {
        const choice: MailboxTransportChoice = settings.sending.mailboxTransports?.[mailbox] ?? "AUTO";
        routes.set(mailbox, chooseMailRoute(mailbox, choice, choice === "DEFAULT" ? [] : state!.connections.filter((c) => c.accountEmail === mailbox)));
      }
      // The batch has one transport, the global one: a draft that leaves through Gmail goes through the single path.
      candidates = candidates.filter((d) => routes.get(normaliseMailbox(d.mailbox))!.kind !== "gmail" || leave(d));
      const transport = services.mail.transport;
      const domainChecks = new Map<string, SendingDomainReport>();
      if (dmarcEnforced(settings.deliverability, transport.name)) {
        const routed = mailboxes.filter((m) => routes.get(m)!.kind === "default");
        for (const domain of new Set(routed.map(sendingDomainOf))) {
          // As the single path reads it: the cached check, or the scheduled re-check when newer (another instance may have run it).
          domainChecks.set(domain, await currentDomainCheckSql(services, (text, values) => uow.sql(text, values), domain, settings.deliverability));
        }
      }
      const windowHeld = await windowHolds(uow, candidates, new Date());
      const sending = { mode: settings.sending.mode, tenantKillSwitch: settings.sending.killSwitch.engaged, globalKillSwitch: services.config.SENDING_KILL_SWITCH };
      candidates = candidates.filter((d) => {
        const mailbox = normaliseMailbox(d.mailbox);
        const route = routes.get(mailbox)!;
        const keys = new Set(keysOf.get(d.id)!.map((k) => `${k.kind}:${k.value}`));
        const refusal = sendRefusal({
          suspended: state!.suspended,
          sending,
          suppression: recipientSuppressionReason(suppressions.find((s) => keys.has(`${s.kind}:${s.value}`)) ?? null, dnc.has(d.contactId)),
          quality: gateFor(settings, services.mail, d),
          mailboxPause: paused.get(mailbox) ?? null,
          route,
          transport: route.kind === "default" ? transport.name : null,
          domainCheck: route.kind === "default" ? (domainChecks.get(sendingDomainOf(mailbox)) ?? null) : null,
          windowHold: windowHeld.get(d.id) ?? null,
        });
        // Refused: the single path settles it (held, cancelled, blocked or failed) as a single send does.
        return !refusal || leave(d);
      });
      if (candidates.length === 0) return ok<ClaimedSend[]>([]);

      const now = new Date();
      const admitted = await admitWithinQuota(uow, settings, tenantId, candidates, now);
      for (const d of candidates) if (!admitted.includes(d)) unclaimed.add(d.id);
      if (admitted.length === 0) return ok<ClaimedSend[]>([]);
      return ok(await writeClaims(services, uow, settings, tenantId, admitted, transport, routes, now));
    },
    { lane: "sql" },
  );
  if (!outcome.ok) return { claimed: [], unclaimed: draftIds };
  return { claimed: outcome.value, unclaimed: draftIds.filter((id) => unclaimed.has(id)) };
}

/**
 * The sequence and campaign drafts of the batch that must wait, with until when
 * and why (the holds of sequenceSendHold and campaignSendHold, read in one statement).
 */
async function windowHolds(uow: UnitOfWork, drafts: Draft[], now: Date): Promise<Map<string, { until: Date; reason: string }>> {
  const refOf = (origin: string) => drafts.filter((d) => d.origin === origin && d.originRef && UUID.test(d.originRef));
  const sequence = refOf("SEQUENCE");
  const campaign = refOf("CAMPAIGN");
  const held = new Map<string, { until: Date; reason: string }>();
  if (sequence.length === 0 && campaign.length === 0) return held;
  const rows = await uow.sql<{ ref: string; kind: string; at: Date; window: unknown; status: string | null }>(
    `SELECT r."id"::text AS ref, 'SEQUENCE' AS kind, r."scheduledFor" AS at, r."sendWindow" AS window, NULL::text AS status
       FROM "SequenceStepRun" r WHERE r."id" = ANY($1::uuid[])
     UNION ALL
     SELECT c."id"::text, 'CAMPAIGN', c."plannedAt", NULL::jsonb, k."status"::text
       FROM "CampaignRecipient" c JOIN "Campaign" k ON k."id" = c."campaignId" WHERE c."id" = ANY($2::uuid[])`,
    [sequence.map((d) => d.originRef), campaign.map((d) => d.originRef)],
  );
  const byRef = new Map(rows.map((r) => [`${r.kind}:${r.ref.toLowerCase()}`, r]));
  for (const d of [...sequence, ...campaign]) {
    const row = byRef.get(`${d.origin}:${d.originRef!.toLowerCase()}`);
    if (!row) continue;
    const hold = row.kind === "SEQUENCE" ? sequenceHold(now, row.at, row.window as SendWindow) : campaignHold(now, row.at, row.status!);
    if (hold) held.set(d.id, hold);
  }
  return held;
}

/**
 * The drafts that fit their quotas, in order. Locks every key of the batch,
 * then reads the counted send records of those keys once; each draft is
 * evaluated against them and against the drafts admitted before it.
 */
async function admitWithinQuota(uow: UnitOfWork, settings: TenantSettings, tenantId: string, drafts: Draft[], now: Date): Promise<Draft[]> {
  const rulesOf = new Map<string, QuotaRule[]>();
  for (const d of drafts) rulesOf.set(d.id, quotaRules(settings.quotas, { mailbox: normaliseMailbox(d.mailbox), recipient: normaliseEmail(d.recipientEmail) }));
  const warmup = settings.deliverability.warmup;
  if (warmup.enabled) {
    const mailboxes = [...new Set([...rulesOf.values()].map((rules) => rules.find((r) => r.kind === "MAILBOX")!.key))];
    const firsts = await uow.sql<{ mailbox: string; first: Date | null }>(
      `SELECT m AS mailbox, (SELECT min("reservedAt") FROM "EmailSend" WHERE "mailbox" = m AND "state" IN ('RESERVED', 'SENT')) AS first FROM unnest($1::text[]) AS m`,
      [mailboxes],
    );
    const warmOf = new Map(
      firsts.map((f) => {
        const day = warmupDay(f.first, now);
        const cap = warmupCap(warmup, settings.quotas.mailbox.limit, day);
        return [f.mailbox, cap === null ? null : { day, cap, rampDays: warmupDays(warmup, settings.quotas.mailbox.limit) }];
      }),
    );
    for (const [id, rules] of rulesOf) rulesOf.set(id, rulesWithWarmup(rules, warmOf.get(rules.find((r) => r.kind === "MAILBOX")!.key) ?? null));
  }
  const allRules = [...rulesOf.values()].flat();
  await lockQuotaKeyNames((text, values) => uow.sql(text, values), allRules.map((r) => quotaLockKey(tenantId, r)));
  const keysOf = (kind: QuotaKind) => [...new Set(allRules.filter((r) => r.kind === kind).map((r) => r.key))];
  const longest = Math.max(...allRules.map((r) => r.windowMs));
  // Read after the locks (a statement of its own, so its snapshot includes what the previous holders committed).
  const counted = await uow.sql<CountedSend>(
    `SELECT "draftId", "mailbox", "recipientEmail", "recipientDomain", "reservedAt" FROM "EmailSend"
      WHERE "state" IN ('RESERVED', 'SENT') AND "reservedAt" > $1
        AND ("mailbox" = ANY($2::text[]) OR "recipientEmail" = ANY($3::text[]) OR "recipientDomain" = ANY($4::text[]))`,
    [new Date(now.getTime() - longest), keysOf("MAILBOX"), keysOf("CONTACT"), keysOf("DOMAIN")],
  );
  // What counts for each key, by draft: a draft's own earlier record is replaced by its new reservation.
  const usage = new Map<string, Map<string, Date>>();
  const bucket = (kind: QuotaKind, key: string) => {
    const name = `${kind}:${key}`;
    let times = usage.get(name);
    if (!times) usage.set(name, (times = new Map()));
    return times;
  };
  for (const kind of ["MAILBOX", "CONTACT", "DOMAIN"] as const) {
    const wanted = new Set(keysOf(kind));
    for (const row of counted) if (wanted.has(row[COLUMN_OF[kind]])) bucket(kind, row[COLUMN_OF[kind]]).set(row.draftId, row.reservedAt);
  }
  const admitted: Draft[] = [];
  for (const d of drafts) {
    const rules = rulesOf.get(d.id)!;
    const times = (kind: QuotaKind) => {
      const rule = rules.find((r) => r.kind === kind);
      return rule ? [...bucket(kind, rule.key)].filter(([draftId]) => draftId !== d.id).map(([, at]) => at) : [];
    };
    const status = evaluateQuota(rules, { MAILBOX: times("MAILBOX"), CONTACT: times("CONTACT"), DOMAIN: times("DOMAIN") }, now);
    // A binding limit: the single path holds it, with the reason and the time.
    if (quotaRefusal(status)) continue;
    for (const rule of rules) bucket(rule.kind, rule.key).set(d.id, now);
    admitted.push(d);
  }
  return admitted;
}

const SEND_RECORD_COLUMNS: BulkColumn[] = [
  ["id", "uuid"], ["tenantId", "uuid"], ["draftId", "uuid"], ["mailbox", "text"], ["recipientEmail", "text"], ["recipientDomain", "text"],
  ["state", "EmailSendState"], ["transport", "text"], ["messageId", "text"], ["reservedAt", "timestamptz"],
];

async function writeClaims(
  services: Services,
  uow: UnitOfWork,
  settings: TenantSettings,
  tenantId: string,
  drafts: Draft[],
  transport: EmailTransport,
  routes: Map<string, MailRoute>,
  now: Date,
): Promise<ClaimedSend[]> {
  const leaseExpiresAt = new Date(now.getTime() + services.config.SEND_LEASE_SECONDS * 1000);
  const ruleOf = (route: MailRoute) => (route.kind === "refused" ? null : route.why);
  const claims = drafts.map((d) => ({ draft: d, leaseToken: randomUUID(), messageId: d.messageId ?? messageIdFor(d.id, d.mailbox) }));
  // The send record, as the single path's upsert writes it (a retried draft's earlier record is reused).
  const records = insertRowsStatement(
    "EmailSend",
    SEND_RECORD_COLUMNS,
    claims.map(({ draft, messageId }) => {
      const recipient = normaliseEmail(draft.recipientEmail);
      return { id: uuidv7(), tenantId, draftId: draft.id, mailbox: draft.mailbox, recipientEmail: recipient, recipientDomain: recipientDomain(recipient), state: "RESERVED", transport: transport.name, messageId, reservedAt: now };
    }),
  );
  await uow.sql(
    `${records.text} ON CONFLICT ("tenantId", "draftId") DO UPDATE SET "mailbox" = EXCLUDED."mailbox", "recipientEmail" = EXCLUDED."recipientEmail",
       "recipientDomain" = EXCLUDED."recipientDomain", "state" = EXCLUDED."state", "transport" = EXCLUDED."transport",
       "messageId" = EXCLUDED."messageId", "reservedAt" = EXCLUDED."reservedAt"`,
    records.values,
  );
  await uow.sql(
    `UPDATE "Draft" AS d SET "status" = 'SENDING', "leaseToken" = c.lease, "leaseExpiresAt" = $4, "sendAttempts" = d."sendAttempts" + 1,
            "messageId" = c.message_id, "holdReason" = NULL, "holdUntil" = NULL,
            "claimHolderId" = NULL, "claimHolderLabel" = NULL, "claimExpiresAt" = NULL, "updatedAt" = $5
       FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS c(id, lease, message_id)
      WHERE d."id" = c.id AND d."status" = 'QUEUED'`,
    [claims.map((c) => c.draft.id), claims.map((c) => c.leaseToken), claims.map((c) => c.messageId), leaseExpiresAt, now],
  );
  const marketingAddress = settings.sending.postalAddress;
  return Promise.all(
    claims.map(async ({ draft, leaseToken, messageId }) => {
      const step = transition("QUEUED", "claim");
      if (!step.ok) throw new Error("QUEUED → claim must be a legal move");
      const updated: Draft = {
        ...draft,
        status: "SENDING",
        leaseToken,
        leaseExpiresAt,
        sendAttempts: draft.sendAttempts + 1,
        messageId,
        holdReason: null,
        holdUntil: null,
        claimHolderId: null,
        claimHolderLabel: null,
        claimExpiresAt: null,
        updatedAt: now,
      };
      await uow.audit({
        action: "draft.sending",
        targetType: "Draft",
        targetId: draft.id,
        summary: { from: "QUEUED", to: "SENDING", revision: draft.revision, attempt: draft.sendAttempts + 1, transport: transport.name, transportRule: ruleOf(routes.get(normaliseMailbox(draft.mailbox))!) },
      });
      await uow.emit(draftEventFor("SENDING", "claim"), { draftId: draft.id, status: "SENDING", previousStatus: "QUEUED", revision: draft.revision, origin: draft.origin });
      return {
        kind: "claimed",
        draft: updated,
        leaseToken,
        transport,
        marketing: draft.category === "MARKETING" && marketingAddress ? { postalAddress: marketingAddress } : null,
        senderName: settings.sending.senderName,
        references: [],
      } satisfies ClaimedSend;
    }),
  );
}

interface ApprovalRow {
  draftId: string;
  revision: number;
  approverType: string;
  approverId: string;
  approverUserId: string | null;
  approverRole: string;
  approverLabel: string;
}

const ACTIVITY_COLUMNS: BulkColumn[] = [
  ["id", "uuid"], ["tenantId", "uuid"], ["type", "ActivityType"], ["direction", "ActivityDirection"], ["occurredAt", "timestamptz"],
  ["subject", "text"], ["body", "text"], ["contactId", "uuid"], ["leadId", "uuid"], ["dealId", "uuid"], ["actorUserId", "uuid"], ["metadata", "jsonb"],
];

/**
 * SENT for every draft whose lease this worker still holds, in one
 * transaction; any other (the sweeper settled it meanwhile) through the
 * single path's markSent, which knows what may still be recorded.
 */
async function recordBatch(services: Services, tenantId: string, sent: { claim: ClaimedSend; receipt: SendReceipt }[]): Promise<Map<string, DeliveryResult>> {
  const results = new Map<string, DeliveryResult>();
  if (sent.length === 0) return results;
  const others: typeof sent = [];
  const outcome = await runUnitOfWork(
    services,
    senderActor(tenantId),
    async (uow) => {
      const rows = await uow.sql<Draft>(`SELECT * FROM "Draft" WHERE "id" = ANY($1::uuid[]) ORDER BY "id" FOR UPDATE`, [sent.map((s) => s.claim.draft.id)]);
      const current = new Map(rows.map((r) => [r.id, r]));
      const mine = sent.filter((s) => {
        const row = current.get(s.claim.draft.id);
        const held = row?.status === "SENDING" && row.leaseToken === s.claim.leaseToken;
        if (!held) others.push(s);
        return held;
      });
      if (mine.length === 0) return ok(null);
      const approvals = await uow.sql<ApprovalRow>(
        `SELECT "draftId", "revision", "approverType"::text AS "approverType", "approverId", "approverUserId", "approverRole"::text AS "approverRole", "approverLabel"
           FROM "DraftApproval" WHERE "draftId" = ANY($1::uuid[]) ORDER BY "createdAt" ASC, "id" ASC`,
        [mine.map((s) => s.claim.draft.id)],
      );
      const now = new Date();
      await uow.sql(
        `UPDATE "Draft" AS d SET "status" = 'SENT', "sentAt" = $3, "providerMessageId" = s.provider_id, "leaseToken" = NULL, "leaseExpiresAt" = NULL,
                "lastError" = NULL, "failureReason" = NULL, "cancelReason" = NULL,
                "claimHolderId" = NULL, "claimHolderLabel" = NULL, "claimExpiresAt" = NULL, "updatedAt" = $3
           FROM unnest($1::uuid[], $2::text[]) AS s(id, provider_id)
          WHERE d."id" = s.id`,
        [mine.map((s) => s.claim.draft.id), mine.map((s) => s.receipt.providerMessageId), now],
      );
      await uow.sql(
        `UPDATE "EmailSend" AS e SET "state" = 'SENT', "sentAt" = $4, "providerMessageId" = s.provider_id
           FROM unnest($2::uuid[], $3::text[]) AS s(draft_id, provider_id)
          WHERE e."tenantId" = $1::uuid AND e."draftId" = s.draft_id`,
        [tenantId, mine.map((s) => s.claim.draft.id), mine.map((s) => s.receipt.providerMessageId), now],
      );
      const activities: Record<string, unknown>[] = [];
      for (const { claim, receipt } of mine) {
        const draft = current.get(claim.draft.id)!;
        const step = transition("SENDING", "sent");
        if (!step.ok) throw new Error("SENDING → sent must be a legal move");
        const mineApprovals = approvals.filter((a) => a.draftId === draft.id && a.revision === draft.revision);
        const providerMessageId = receipt.providerMessageId;
        await uow.audit({
          action: "draft.sent",
          targetType: "Draft",
          targetId: draft.id,
          summary: {
            from: "SENDING",
            to: "SENT",
            revision: draft.revision,
            requestedBy: draft.sendRequestedBy,
            approvers: mineApprovals.map((a) => ({ type: a.approverType, id: a.approverUserId ?? a.approverId, role: a.approverRole, label: a.approverLabel })),
            messageId: draft.messageId,
            providerMessageId,
            providerResponse: receipt.response?.slice(0, 500) ?? null,
            recordedBy: "worker",
          },
        });
        await uow.emit(draftEventFor("SENT", "sent"), { draftId: draft.id, status: "SENT", previousStatus: "SENDING", revision: draft.revision, origin: draft.origin, providerMessageId });
        activities.push({ id: uuidv7(), ...sentEmailActivity(draft, { providerMessageId, at: now, approvals: mineApprovals }) });
        results.set(draft.id, { outcome: "sent", providerMessageId });
      }
      const insert = insertRowsStatement("Activity", ACTIVITY_COLUMNS, activities);
      await uow.sql(insert.text, insert.values);
      return ok(null);
    },
    { lane: "sql" },
  );
  if (!outcome.ok) {
    results.clear();
    others.splice(0, others.length, ...sent);
  }
  for (const { claim, receipt } of others) results.set(claim.draft.id, await recordSent(services, claim.draft, receipt));
  return results;
}
