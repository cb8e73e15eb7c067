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
  CredentialDecryptError,
  generateKeyEncryptionKey,
  oidcSessionAad,
  open,
  parseKeyRing,
  seal,
  type KeyRing,
  type StoredTokens,
} from "../domain/connection/credential.js";
import { webhookSecretAad } from "../domain/connection/webhook.js";
import { inboundSecretAad } from "../domain/inbound/inbound-webhook.js";
import { withTenant, type Database, type Tx } from "./database.js";
import { rotationBatch } from "./rotation-batch.js";

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

  /** A console sign-in's provider refresh token, sealed under the current key (OidcSession.refreshToken). */
  sealOidcRefreshToken(userId: string, sessionId: string, refreshToken: string): { keyId: string; ciphertext: string } {
    return { keyId: this.ring.current.id, ciphertext: seal(this.ring, refreshToken, oidcSessionAad(userId, sessionId)) };
  }

  /** Throws CredentialDecryptError for an envelope that does not open (another session's, or a retired key's). */
  openOidcRefreshToken(userId: string, sessionId: string, envelope: string): string {
    return open(this.ring, envelope, oidcSessionAad(userId, sessionId));
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
   * wrapped, in every table the vault's ring seals (SEALED_ENVELOPES:
   * connection tokens, outbound webhook signing secrets, inbound webhook
   * secrets). Rows are locked (SKIP LOCKED) so concurrent rotations, token
   * refreshes and secret rotations never overwrite each other; a row sealed
   * under the new key meanwhile is simply not selected. Returns how many were
   * re-sealed (at most `batch` per table; 0 once nothing is left).
   */
  async rotateBatch(tx: Tx, tenantId: string, batch: number): Promise<number> {
    let resealed = 0;
    for (const t of SEALED_ENVELOPES) {
      const rows = await tx.$queryRawUnsafe<{ id: string; owner: string; envelope: string }[]>(
        `SELECT "id", "${t.owner}" AS owner, "${t.envelope}" AS envelope FROM "${t.table}"
         WHERE "tenantId" = $1::uuid AND "keyId" <> $2
         ORDER BY "id" LIMIT $3 FOR UPDATE SKIP LOCKED`,
        tenantId,
        this.ring.current.id,
        batch,
      );
      for (const row of rows) {
        const aad = t.aad(tenantId, row.owner);
        const envelope = seal(this.ring, open(this.ring, row.envelope, aad), aad);
        await tx.$executeRawUnsafe(`UPDATE "${t.table}" SET "${t.envelope}" = $1, "keyId" = $2 WHERE "id" = $3::uuid`, envelope, this.ring.current.id, row.id);
      }
      resealed += rows.length;
    }
    return resealed;
  }
}

/**
 * Every column sealed by the vault's key ring with a "keyId" beside it: the
 * table, the envelope column, the column its AAD binds to (with the tenant),
 * and the AAD the sealing code uses. A table added here is rotated with the rest.
 */
export const SEALED_ENVELOPES: readonly { table: string; envelope: string; owner: string; aad(tenantId: string, owner: string): string }[] = [
  { table: "ConnectionCredential", envelope: "ciphertext", owner: "connectionId", aad: connectionCredentialAad },
  { table: "WebhookEndpoint", envelope: "secretEnvelope", owner: "id", aad: webhookSecretAad },
  { table: "InboundWebhookEndpoint", envelope: "secretEnvelope", owner: "id", aad: inboundSecretAad },
];

export interface RotationResult {
  tenants: number;
  resealed: number;
  /** Envelopes that did not open with any key of the ring (left alone, reported). */
  failed: number;
}

/** Re-seals every tenant's credentials and webhook secrets under the newest key, in batches of short transactions. */
export async function rotateAllCredentials(db: Database, vault: CredentialVault, batch: number): Promise<RotationResult> {
  const tenants = await db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  const result: RotationResult = { tenants: 0, resealed: 0, failed: 0 };
  for (const { id: tenantId } of tenants) {
    let touched = false;
    for (;;) {
      const n = await rotationBatch(() => withTenant(db.prisma, { tenantId }, (tx) => vault.rotateBatch(tx, tenantId, batch)), (e) => e instanceof CredentialDecryptError);
      if (n === undefined) {
        // One bad envelope must not stop the rotation of the rest: count it and move to the next tenant.
        result.failed++;
        break;
      }
      if (n > 0) touched = true;
      result.resealed += n;
      if (n === 0) break;
    }
    if (touched) result.tenants++;
  }
  return result;
}
