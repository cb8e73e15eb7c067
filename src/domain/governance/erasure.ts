// Erasure of a person's data (contactErase): what identifies them in free
// text, the hashed address that keeps them suppressed once everything else is
// gone, and the report of what was removed. Pure: the use case does the I/O.
import { createHash, createHmac } from "node:crypto";

/**
 * The EMAIL_HASH suppression value of a canonical address (lower case,
 * normalised by the caller): an HMAC under the tenant's own random key
 * (TenantSecret ERASURE_HASH, sealed with the key ring), so a hash of one
 * tenant cannot be matched against another's, nor against a table of hashes
 * of guessed addresses computed without that key.
 */
export function erasedAddressHash(tenantKey: Uint8Array, canonicalEmail: string): string {
  return createHmac("sha256", tenantKey).update("erased address v2\0").update(canonicalEmail.trim().toLowerCase()).digest("hex");
}

/**
 * The hash erasures wrote before the per-tenant key (a constant salt, the same
 * for every tenant). Those suppressions cannot be re-keyed (the address is
 * gone), so they are still checked, alongside the keyed hash.
 */
export function legacyErasedAddressHash(canonicalEmail: string): string {
  return createHash("sha256").update("sales-agent erased address v1").update("\0").update(canonicalEmail.trim().toLowerCase()).digest("hex");
}

/** Every EMAIL_HASH value that suppresses the address: the keyed one (when the tenant has a key) and the legacy one. */
export function erasedAddressHashes(tenantKey: Uint8Array | null, canonicalEmail: string): string[] {
  return [...(tenantKey ? [erasedAddressHash(tenantKey, canonicalEmail)] : []), legacyErasedAddressHash(canonicalEmail)];
}

export interface PersonIdentity {
  email: string | null;
  emailOriginal: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
}

/**
 * The strings that identify the person wherever free text may hold them: the
 * address (as given, normalised and URL-encoded, as form posts carry it), the
 * phone and the full name. A first or last name alone is not swept through the
 * whole tenant (another contact may share it); rows tied to the person are
 * deleted whole instead.
 */
export function identifyingStrings(person: PersonIdentity): string[] {
  const out = new Set<string>();
  const add = (v: string | null | undefined) => {
    const s = v?.trim();
    if (s && s.length >= 4) out.add(s);
  };
  for (const email of [person.email, person.emailOriginal]) {
    if (!email) continue;
    add(email);
    add(encodeURIComponent(email));
  }
  add(person.phone);
  if (person.phone) add(person.phone.replace(/[^\d+]/g, ""));
  const full = [person.firstName?.trim(), person.lastName?.trim()].filter(Boolean).join(" ");
  if (person.firstName && person.lastName) add(full);
  return [...out].sort((a, b) => b.length - a.length);
}

/** A PostgreSQL (ARE) regular expression matching any of the strings literally, case-insensitively with the `~*` operator. */
export function literalAlternation(strings: string[]): string | null {
  if (strings.length === 0) return null;
  return strings.map((s) => s.replace(/[^A-Za-z0-9]/g, (c) => (c === " " ? "\\s+" : `\\${c}`))).join("|");
}

/** Free text (e.g. the reason given for an erasure) with the person's strings and names replaced. */
export function scrubText(text: string, person: PersonIdentity): string {
  let out = text;
  const names = [person.firstName, person.lastName].filter((n): n is string => !!n && n.trim().length >= 2);
  for (const s of [...identifyingStrings(person), ...names]) {
    out = out.replace(new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), "[erased]");
  }
  return out;
}

/** Kinds of data an erasure removes, in the order the report lists them. */
export const ERASURE_KINDS = [
  "contact",
  "lead",
  "scoreSnapshots",
  "dealLinks",
  "activities",
  "tasks",
  "drafts",
  "emailSends",
  "outboxMessages",
  "inboundMessages",
  "threads",
  "gmailCopies",
  "recommendations",
  "agentRuns",
  "sequenceEnrollments",
  "meetingBookings",
  "voiceSamples",
  "memoryItems",
  "externalRefs",
  "crmDeletionRequests",
  "inboundWebhookDeliveries",
  "dataExports",
  "suppressionEntries",
  "scrubbedRows",
  "auditEntriesRedacted",
] as const;
export type ErasureKind = (typeof ERASURE_KINDS)[number];
export type ErasureReport = Record<ErasureKind, number>;

export function emptyReport(): ErasureReport {
  return Object.fromEntries(ERASURE_KINDS.map((k) => [k, 0])) as ErasureReport;
}

export function totalRemoved(report: ErasureReport): number {
  return Object.values(report).reduce((a, b) => a + b, 0);
}
