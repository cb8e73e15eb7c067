// Sending quotas: rolling windows per sender mailbox, per recipient contact
// and per recipient domain. Pure math over the times of earlier sends; the
// send transaction supplies those times under a lock, so the answer holds
// when many workers ask at once.
import { z } from "zod";

export const QUOTA_KINDS = ["MAILBOX", "CONTACT", "DOMAIN"] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];

const rule = (limit: number, windowHours: number) =>
  z
    .object({
      limit: z.number().int().min(0).max(100_000).default(limit),
      windowHours: z.number().int().min(1).max(24 * 90).default(windowHours),
    })
    .strict()
    .default({ limit, windowHours });

export const quotaSettingsSchema = z
  .object({
    /** Messages one sender mailbox may send in a rolling window (default 20 per 24 h). */
    mailbox: rule(20, 24),
    /** Messages one recipient may receive in a rolling window (default 2 per 7 days). */
    contact: rule(2, 24 * 7),
    /** Messages one recipient domain may receive in a rolling window (default 10 per 24 h). */
    domain: rule(10, 24),
  })
  .strict();
export type QuotaSettings = z.infer<typeof quotaSettingsSchema>;
export const DEFAULT_QUOTA_SETTINGS: QuotaSettings = quotaSettingsSchema.parse({});

export interface QuotaRule {
  kind: QuotaKind;
  /** What is counted: the mailbox address, the recipient address, or the recipient domain. */
  key: string;
  limit: number;
  windowMs: number;
  /** Why this limit applies when it is not the tenant's quota itself (e.g. "warm-up day 3 of 13"). */
  note?: string;
}

export interface QuotaLimitStatus extends QuotaRule {
  used: number;
  remaining: number;
  /** When the next slot opens, if none is open now. */
  freesAt: Date | null;
}

export interface QuotaStatus {
  limits: QuotaLimitStatus[];
  /** True when one more message may go now. */
  allowed: boolean;
  /** The limit that holds the send back longest, when one does. */
  binding: QuotaLimitStatus | null;
  /** When a send becomes possible (now when allowed). */
  availableAt: Date;
}

export function quotaRules(settings: QuotaSettings, keys: { mailbox: string; recipient: string }): QuotaRule[] {
  const domain = recipientDomain(keys.recipient);
  const hours = (h: number) => h * 3_600_000;
  return [
    { kind: "MAILBOX", key: keys.mailbox.toLowerCase(), limit: settings.mailbox.limit, windowMs: hours(settings.mailbox.windowHours) },
    { kind: "CONTACT", key: keys.recipient.toLowerCase(), limit: settings.contact.limit, windowMs: hours(settings.contact.windowHours) },
    { kind: "DOMAIN", key: domain, limit: settings.domain.limit, windowMs: hours(settings.domain.windowHours) },
  ];
}

export function recipientDomain(email: string): string {
  return (email.split("@")[1] ?? "").toLowerCase();
}

/** The longest window: how far back the send history must be read. */
export function longestWindowMs(rules: readonly QuotaRule[]): number {
  return Math.max(...rules.map((r) => r.windowMs));
}

/**
 * Evaluates every rule against the times of earlier sends that count for it
 * (`usage[kind]`, any order; older than the window is ignored).
 */
export function evaluateQuota(rules: readonly QuotaRule[], usage: Readonly<Record<QuotaKind, readonly Date[]>>, now: Date): QuotaStatus {
  const limits = rules.map((r): QuotaLimitStatus => {
    const since = now.getTime() - r.windowMs;
    const times = (usage[r.kind] ?? []).map((d) => d.getTime()).filter((t) => t > since).sort((a, b) => a - b);
    const used = times.length;
    const remaining = Math.max(0, r.limit - used);
    // With `used` sends in the window and room for `limit`, a slot opens when
    // the (used - limit + 1)-th oldest leaves the window.
    const freesAt = remaining > 0 ? null : r.limit === 0 ? null : new Date(times[used - r.limit]! + r.windowMs);
    return { ...r, used, remaining, freesAt };
  });
  const exhausted = limits.filter((l) => l.remaining === 0);
  // A limit of 0 never frees up; it binds above everything else.
  const binding =
    exhausted.find((l) => l.freesAt === null) ??
    exhausted.reduce<QuotaLimitStatus | null>((worst, l) => (!worst || l.freesAt!.getTime() > worst.freesAt!.getTime() ? l : worst), null);
  const availableAt = !binding ? now : binding.freesAt ?? new Date(8.64e15);
  return { limits, allowed: exhausted.length === 0, binding, availableAt };
}

const LABEL: Record<QuotaKind, string> = { MAILBOX: "sender mailbox", CONTACT: "recipient", DOMAIN: "recipient domain" };

/** "The sender mailbox limit (20 per 24 h) is reached; it frees up at …" */
export function describeBinding(limit: QuotaLimitStatus): string {
  const hours = limit.windowMs / 3_600_000;
  const window = hours % 24 === 0 ? `${hours / 24 === 1 ? "24 h" : `${hours / 24} days`}` : `${hours} h`;
  const when = limit.freesAt ? `it frees up at ${limit.freesAt.toISOString()}` : "it is set to 0, so nothing can be sent";
  return `The ${LABEL[limit.kind]} limit for ${limit.key} (${limit.limit} per ${window}${limit.note ? `, ${limit.note}` : ""}) is reached; ${when}.`;
}
