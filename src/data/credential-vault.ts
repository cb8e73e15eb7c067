// The credential vault: connection tokens sealed with envelope encryption
// (src/domain/connection/credential.ts) in ConnectionCredential, one envelope per
// connection, bound to tenant + connection by the AAD. The key ring comes from
// CREDENTIALS_KEYS; outside production a local key is generated once and kept
// in DATA_DIR (like the JWT secret). Plaintext tokens exist only in memory,
// for the call that needs them.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/index.js";
import {
  connectionCredentialAad,
  generateKeyEncryptionKey,
  open,
  parseKeyRing,
  seal,
  type KeyRing,
  type StoredTokens,
} from "../domain/connection/credential.js";
import { withTenant, type Database, type Tx } from "./database.js";

/** CREDENTIALS_KEYS, or outside production a key generated once and kept in DATA_DIR/credentials-keys. */
export async function resolveKeyRing(config: Pick<Config, "CREDENTIALS_KEYS" | "NODE_ENV" | "DATA_DIR">): Promise<KeyRing> {
  if (config.CREDENTIALS_KEYS) return parseKeyRing(config.CREDENTIALS_KEYS);
  if (config.NODE_ENV === "production") throw new Error("CREDENTIALS_KEYS is required in production");
  const file = path.join(config.DATA_DIR, "credentials-keys");
  if (existsSync(file)) return parseKeyRing((await readFile(file, "utf8")).trim());
  await mkdir(config.DATA_DIR, { recursive: true });
  const spec = generateKeyEncryptionKey("local1");
  // "wx": two instances starting at once do not overwrite each other's key.
  await writeFile(file, spec + "\n", { mode: 0o600, flag: "wx" }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  return parseKeyRing((await readFile(file, "utf8")).trim());
}

export class CredentialVault {
  constructor(readonly ring: KeyRing) {}

  seal(tenantId: string, connectionId: string, tokens: StoredTokens): string {
    return seal(this.ring, JSON.stringify(tokens), connectionCredentialAad(tenantId, connectionId));
  }

  open(tenantId: string, connectionId: string, envelope: string): StoredTokens {
    return JSON.parse(open(this.ring, envelope, connectionCredentialAad(tenantId, connectionId))) as StoredTokens;
  }

  /** Stores (or replaces) a connection's tokens, sealed under the current key. */
  async store(tx: Tx, tenantId: string, connectionId: string, tokens: StoredTokens): Promise<void> {
    const ciphertext = this.seal(tenantId, connectionId, tokens);
    const data = {
      keyId: this.ring.current.id,
      ciphertext,
      accessTokenExpiresAt: tokens.expiresAt ? new Date(tokens.expiresAt) : null,
    };
    await tx.connectionCredential.upsert({
      where: { tenantId_connectionId: { tenantId, connectionId } },
      create: { tenantId, connectionId, ...data },
      update: data,
    });
  }

  /** The connection's tokens, or null when none are stored. Throws CredentialDecryptError for an envelope that does not open. */
  async load(tx: Tx, tenantId: string, connectionId: string): Promise<StoredTokens | null> {
    const row = await tx.connectionCredential.findUnique({ where: { tenantId_connectionId: { tenantId, connectionId } } });
    return row ? this.open(tenantId, connectionId, row.ciphertext) : null;
  }

  async erase(tx: Tx, tenantId: string, connectionId: string): Promise<void> {
    await tx.connectionCredential.deleteMany({ where: { tenantId, connectionId } });
  }

  /**
   * Re-seals up to `batch` of the current tenant's envelopes that an older key
   * wrapped. Rows are locked (SKIP LOCKED) so concurrent rotations and token
   * refreshes never overwrite each other; a refresh that sealed under the new
   * key meanwhile is simply not selected. Returns how many were re-sealed.
   */
  async rotateBatch(tx: Tx, tenantId: string, batch: number): Promise<number> {
    const rows = await tx.$queryRaw<{ id: string; connectionId: string; ciphertext: string }[]>`
      SELECT "id", "connectionId", "ciphertext" FROM "ConnectionCredential"
      WHERE "tenantId" = ${tenantId}::uuid AND "keyId" <> ${this.ring.current.id}
      ORDER BY "id" LIMIT ${batch} FOR UPDATE SKIP LOCKED`;
    for (const row of rows) {
      const aad = connectionCredentialAad(tenantId, row.connectionId);
      const ciphertext = seal(this.ring, open(this.ring, row.ciphertext, aad), aad);
      await tx.connectionCredential.update({ where: { id: row.id }, data: { ciphertext, keyId: this.ring.current.id } });
    }
    return rows.length;
  }
}

export interface RotationResult {
  tenants: number;
  resealed: number;
  /** Envelopes that did not open with any key of the ring (left alone, reported). */
  failed: number;
}

/** Re-seals every tenant's credentials under the newest key, in batches of short transactions. */
export async function rotateAllCredentials(db: Database, vault: CredentialVault, batch: number): Promise<RotationResult> {
  const tenants = await db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  const result: RotationResult = { tenants: 0, resealed: 0, failed: 0 };
  for (const { id: tenantId } of tenants) {
    let touched = false;
    for (;;) {
      let n: number;
      try {
        n = await withTenant(db.prisma, { tenantId }, (tx) => vault.rotateBatch(tx, tenantId, batch));
      } catch {
        // One bad envelope must not stop the rotation of the rest: count it and move to the next tenant.
        result.failed++;
        break;
      }
      if (n > 0) touched = true;
      result.resealed += n;
      if (n < batch) break;
    }
    if (touched) result.tenants++;
  }
  return result;
}
