// Per-tenant secrets (TenantSecret), sealed at rest with the credential
// vault's key ring by the field-encryption extension (opened on read,
// re-sealed when a key is added). ERASURE_HASH keys the erased-address hashes
// of the suppression list (src/domain/governance/erasure.ts): random per
// tenant, made by the tenant's first erasure and never changed (a new key
// would un-suppress everyone erased before it; the service role cannot
// delete it).
import { randomBytes } from "node:crypto";
import type { Tx } from "./database.js";
import type { FieldCipher } from "./field-encryption.js";

const ERASURE_HASH = "ERASURE_HASH";

/** The current tenant's erased-address hash key (row-level security picks the tenant); null when it never erased anyone. */
export async function findErasureHashKey(tx: Tx): Promise<Buffer | null> {
  const row = await tx.tenantSecret.findFirst({ where: { purpose: ERASURE_HASH }, select: { secret: true, tenantId: true } });
  return row ? Buffer.from(row.secret, "base64") : null;
}

/**
 * The key as stored, read where the field-encryption extension does not run (SQL): opened with the
 * cipher like any read through Prisma, so both read the same key. Null when the tenant has none yet.
 */
export function openErasureHashKey(fields: FieldCipher | null, tenantId: string, stored: string | null): Buffer | null {
  if (stored === null) return null;
  return Buffer.from(fields ? fields.openText("TenantSecret", "secret", tenantId, stored) : stored, "base64");
}

/** The tenant's erased-address hash key, made on first use (two erasures racing keep the first one written). */
export async function erasureHashKey(tx: Tx, tenantId: string): Promise<Buffer> {
  const existing = await findErasureHashKey(tx);
  if (existing) return existing;
  await tx.tenantSecret.createMany({ data: [{ tenantId, purpose: ERASURE_HASH, secret: randomBytes(32).toString("base64") }], skipDuplicates: true });
  const key = await findErasureHashKey(tx);
  if (!key) throw new Error("the erasure hash key could not be stored");
  return key;
}
