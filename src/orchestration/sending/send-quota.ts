// Quota state from the send records. In the send transaction the three quota
// keys (mailbox, recipient, recipient domain) are locked with transaction
// advisory locks, in a fixed order, before counting: two workers sending for
// the same mailbox take turns, so the count each sees includes the other's
// reservation and the limit holds exactly under any concurrency.
import { withTenant, type Tx } from "../../data/database.js";
import { evaluateQuota, quotaRules, QUOTA_KINDS, type QuotaKind, type QuotaRule, type QuotaStatus } from "../../domain/sending/quota.js";
import { normaliseMailbox } from "../../domain/sending/sending.js";
import { normaliseEmail } from "../../domain/sending/suppression.js";
import type { TenantSettings } from "../../domain/tenant/tenant.js";
import type { Actor } from "../unit-of-work.js";
import { tenantSettings } from "../draft/draft-state.js";
import { warmupFor } from "./deliverability.js";
import type { Services } from "../services.js";

const COLUMN: Record<QuotaKind, "mailbox" | "recipientEmail" | "recipientDomain"> = {
  MAILBOX: "mailbox",
  CONTACT: "recipientEmail",
  DOMAIN: "recipientDomain",
};

/** The advisory lock key of one quota rule. */
export function quotaLockKey(tenantId: string, rule: Pick<QuotaRule, "kind" | "key">): string {
  return `quota:${tenantId}:${rule.kind}:${rule.key}`;
}

/**
 * Takes the advisory locks of these keys in one statement, in one fixed order
 * (JavaScript's sort, kept by WITH ORDINALITY — never the database collation's),
 * so a single send and a batch that share keys cannot wait on each other in a cycle.
 */
export async function lockQuotaKeyNames(run: (text: string, values: unknown[]) => Promise<unknown>, names: Iterable<string>): Promise<void> {
  const keys = [...new Set(names)].sort();
  if (keys.length === 0) return;
  await run(
    `SELECT count(pg_advisory_xact_lock(hashtextextended(k.key, 0)))::int AS locked
       FROM (SELECT key FROM unnest($1::text[]) WITH ORDINALITY AS u(key, n) ORDER BY n) AS k`,
    [keys],
  );
}

/** Serialises every send that shares one of these keys, until the transaction ends. */
export async function lockQuotaKeys(tx: Tx, tenantId: string, rules: readonly QuotaRule[]): Promise<void> {
  await lockQuotaKeyNames((text, values) => tx.$queryRawUnsafe(text, ...values), rules.map((r) => quotaLockKey(tenantId, r)));
}

/** Times of the sends that count against each rule (reserved or sent, inside its window). */
export async function quotaUsage(tx: Tx, rules: readonly QuotaRule[], now: Date, excludeDraftId?: string): Promise<Record<QuotaKind, Date[]>> {
  const usage = Object.fromEntries(QUOTA_KINDS.map((k) => [k, [] as Date[]])) as Record<QuotaKind, Date[]>;
  for (const rule of rules) {
    const rows = await tx.emailSend.findMany({
      where: {
        [COLUMN[rule.kind]]: rule.key,
        state: { in: ["RESERVED", "SENT"] },
        reservedAt: { gt: new Date(now.getTime() - rule.windowMs) },
        ...(excludeDraftId ? { draftId: { not: excludeDraftId } } : {}),
      },
      select: { reservedAt: true },
    });
    usage[rule.kind] = rows.map((r) => r.reservedAt);
  }
  return usage;
}

export async function quotaStatus(
  tx: Tx,
  settings: TenantSettings,
  keys: { tenantId: string; mailbox: string; recipient: string },
  now: Date,
  options: { lock: boolean; excludeDraftId?: string },
): Promise<QuotaStatus> {
  const rules = await withWarmup(tx, settings, quotaRules(settings.quotas, { mailbox: normaliseMailbox(keys.mailbox), recipient: normaliseEmail(keys.recipient) }), now);
  if (options.lock) await lockQuotaKeys(tx, keys.tenantId, rules);
  return evaluateQuota(rules, await quotaUsage(tx, rules, now, options.excludeDraftId), now);
}

/**
 * A new mailbox's warm-up cap (deliverability.warmup) as one more MAILBOX
 * limit over 24 h, next to the tenant's quota. The MAILBOX rule with the
 * longest window goes last: quotaUsage reads the mailbox's sends once per
 * kind, with the last rule's window, and each rule filters its own.
 */
async function withWarmup(tx: Tx, settings: TenantSettings, rules: QuotaRule[], now: Date): Promise<QuotaRule[]> {
  const mailboxRule = rules.find((r) => r.kind === "MAILBOX");
  if (!mailboxRule) return rules;
  return rulesWithWarmup(rules, await warmupFor(tx, settings, mailboxRule.key, now));
}

/** The rules with a warm-up cap added as described at withWarmup (pure: the caller read the warm-up state). */
export function rulesWithWarmup(rules: QuotaRule[], warm: { day: number; cap: number; rampDays: number } | null): QuotaRule[] {
  const mailboxRule = rules.find((r) => r.kind === "MAILBOX");
  if (!mailboxRule || !warm) return rules;
  const warmRule: QuotaRule = { kind: "MAILBOX", key: mailboxRule.key, limit: warm.cap, windowMs: 24 * 3_600_000, note: `warm-up day ${warm.day + 1} of ${warm.rampDays}` };
  const [shorter, longer] = warmRule.windowMs <= mailboxRule.windowMs ? [warmRule, mailboxRule] : [mailboxRule, warmRule];
  return [shorter, ...rules.filter((r) => r !== mailboxRule), longer];
}

/** The sendQuota query: what remains on each limit, which binds and until when. Reads only. */
export async function readSendQuota(services: Services, actor: Actor, input: { contactEmail: string; mailbox: string }): Promise<QuotaStatus> {
  const { tenantId, userId } = actor.principal;
  return withTenant(services.db.prisma, { tenantId, userId }, async (tx) => {
    const settings = await tenantSettings(tx, tenantId);
    return quotaStatus(tx, settings, { tenantId, mailbox: input.mailbox, recipient: input.contactEmail }, new Date(), { lock: false });
  });
}
