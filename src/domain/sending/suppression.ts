// The suppression list: addresses and whole domains that must never be
// mailed (unsubscribed, bounced, complained, or added by hand).
import { z } from "zod";
import { parseEmail } from "../email.js";
import { erasedAddressHashes } from "../governance/erasure.js";

export const SUPPRESSION_REASONS = ["UNSUBSCRIBED", "BOUNCED", "COMPLAINED", "MANUAL", "ERASED"] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];
/** EMAIL_HASH: an erased person's address, kept only as a salted hash (src/domain/governance/erasure.ts). */
export const SUPPRESSION_KINDS = ["EMAIL", "DOMAIN", "EMAIL_HASH"] as const;
export type SuppressionKind = (typeof SUPPRESSION_KINDS)[number];

const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * The canonical form of an address (src/domain/email.ts: case, spaces,
 * provider-specific "+tags" and Gmail dots), so a suppression, a quota and a
 * contact all mean the same mailbox however it was written. An address that
 * does not parse is compared lower-cased and trimmed.
 */
export function normaliseEmail(value: string): string {
  const parsed = parseEmail(value);
  return parsed.ok ? parsed.email.normalized : value.trim().toLowerCase();
}

export function normaliseDomain(value: string): string {
  return value.trim().toLowerCase().replace(/^@/, "").replace(/\.$/, "");
}

export const suppressionEntrySchema = z
  .object({
    email: z.string().trim().toLowerCase().email("must be an e-mail address").max(254).transform(normaliseEmail).optional(),
    domain: z
      .string()
      .transform(normaliseDomain)
      .pipe(z.string().regex(DOMAIN, "must be a domain such as example.com"))
      .optional(),
    // ERASED is set by contactErase only.
    reason: z.enum(SUPPRESSION_REASONS).exclude(["ERASED"]).default("MANUAL"),
    note: z.string().trim().max(500).optional(),
  })
  .refine((v) => (v.email ? 1 : 0) + (v.domain ? 1 : 0) === 1, { message: "give exactly one of email or domain", path: ["email"] });

/**
 * The suppression values that would stop a message to `email`: the address itself, its domain, and its
 * erased-address hashes under the tenant's key (src/data/tenant-secret.ts; null when it has none yet).
 */
export function suppressionKeys(email: string, erasureHashKey: Uint8Array | null): { kind: SuppressionKind; value: string }[] {
  const address = normaliseEmail(email);
  const domain = address.split("@")[1] ?? "";
  return [
    { kind: "EMAIL", value: address },
    { kind: "DOMAIN", value: domain },
    ...erasedAddressHashes(erasureHashKey, address).map((value) => ({ kind: "EMAIL_HASH" as const, value })),
  ];
}

/** Why a recipient must not be mailed: the oldest suppression entry that matches them, else the contact's do-not-contact flag; null when neither. */
export function recipientSuppressionReason(entry: { kind: SuppressionKind; value: string; reason: string } | null, doNotContact: boolean): string | null {
  if (entry) {
    return entry.kind === "DOMAIN"
      ? `The recipient's domain ${entry.value} is on the suppression list (${entry.reason}).`
      : `The recipient is on the suppression list (${entry.reason}).`;
  }
  return doNotContact ? "The contact is marked do-not-contact." : null;
}
