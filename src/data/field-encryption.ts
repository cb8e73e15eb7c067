// Field-level encryption at rest (issue 15): free-text personal data — raw
// message bodies, voice samples, inbound webhook bodies, long-memory excerpts — is sealed with the
// credential vault's key ring (AES-256-GCM envelopes, key ids, the newest key
// seals) before it reaches PostgreSQL, so a dump of the tables shows no mail
// content. It is done here, in the data layer, as a Prisma client extension:
// writes through Prisma are sealed (query component) and every read — top
// level or nested under a relation, by use cases and GraphQL resolvers alike —
// is opened transparently (result component). Resolvers never see ciphertext.
//
// Stored forms:  "enc1:<envelope>"  (AAD: field + tenant; what every write with
// a known tenant produces) and "enc1*:<envelope>" (AAD: field only; a write
// whose tenant the extension cannot see, e.g. an updateMany by id). Json
// columns hold {"$enc": "<one of the above>"}. Anything else is legacy
// plaintext: read as is, and sealed by the batch job (sealFieldsBatch), which
// also re-seals values under an older key after a key was added.
//
// Not encrypted, on purpose: what must stay searchable or is read by SQL —
// subjects, addresses, message ids, dates, intent and the analysis (the
// analysed facts), drafts (see README "Retention and encryption at rest").
import { open, seal, type KeyRing } from "../domain/connection/credential.js";
import { Prisma } from "../generated/prisma/client.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { withTenant, type Database, type Tx } from "./database.js";
import { rotationBatch } from "./rotation-batch.js";

/** model → column → stored type. Reads and writes of these go through the extension. */
export const ENCRYPTED_FIELDS = {
  InboundMessage: { text: "text", raw: "text", headers: "json" },
  VoiceSample: { body: "text" },
  InboundWebhookDelivery: { body: "text" },
  // Per-tenant secrets (src/data/tenant-secret.ts): sealed like the rest, and re-sealed when a key is added.
  TenantSecret: { secret: "text" },
  // Long-memory items (src/data/memory-store.ts seals and opens them in its SQL; the full-text column is
  // computed from the plaintext at write time, so search keeps working on sealed rows).
  MemoryItem: { title: "text", text: "text" },
} as const;

export type EncryptedModel = keyof typeof ENCRYPTED_FIELDS;

const PREFIX_TENANT = "enc1:";
const PREFIX_ANY = "enc1*:";
const JSON_KEY = "$enc";

/** Thrown for a stored value that looks sealed but does not open (wrong or missing key, altered bytes). */
export class FieldDecryptError extends Error {
  constructor(model: string, field: string) {
    super(`${model}.${field} could not be decrypted with the configured CREDENTIALS_KEYS.`);
    this.name = "FieldDecryptError";
  }
}

function aad(model: string, field: string, tenantId: string | null): string {
  return `field|${model}.${field}|${tenantId ?? "*"}`;
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX_TENANT) || value.startsWith(PREFIX_ANY);
}

/** The key id a sealed value was sealed under (null for plaintext). */
export function sealedKeyId(value: string): string | null {
  const body = value.startsWith(PREFIX_TENANT) ? value.slice(PREFIX_TENANT.length) : value.startsWith(PREFIX_ANY) ? value.slice(PREFIX_ANY.length) : null;
  return body?.split(".")[1] ?? null;
}

export class FieldCipher {
  constructor(readonly ring: KeyRing) {}

  /** Seals a string; empty strings stay empty (nothing to hide, and retention/erasure blank fields that way). */
  sealText(model: string, field: string, tenantId: string | null, plaintext: string): string {
    if (plaintext === "") return plaintext;
    return (tenantId ? PREFIX_TENANT : PREFIX_ANY) + seal(this.ring, plaintext, aad(model, field, tenantId));
  }

  openText(model: string, field: string, tenantId: string | null, stored: string): string {
    if (!isSealed(stored)) return stored;
    const bound = stored.startsWith(PREFIX_TENANT);
    try {
      return open(this.ring, stored.slice(bound ? PREFIX_TENANT.length : PREFIX_ANY.length), aad(model, field, bound ? tenantId : null));
    } catch {
      throw new FieldDecryptError(model, field);
    }
  }

  /** Json columns: the whole document sealed as one string under {"$enc": …}; {} stays {}. */
  sealJson(model: string, field: string, tenantId: string | null, value: unknown): unknown {
    if (value === null || value === undefined) return value;
    if (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0) return value;
    return { [JSON_KEY]: this.sealText(model, field, tenantId, JSON.stringify(value)) };
  }

  openJson(model: string, field: string, tenantId: string | null, stored: unknown): unknown {
    if (!isSealedJson(stored)) return stored;
    return JSON.parse(this.openText(model, field, tenantId, (stored as Record<string, string>)[JSON_KEY]!));
  }

  seal(model: EncryptedModel, field: string, tenantId: string | null, value: unknown): unknown {
    const kind = (ENCRYPTED_FIELDS[model] as Record<string, string>)[field];
    if (kind === "json") return this.sealJson(model, field, tenantId, value);
    return typeof value === "string" ? this.sealText(model, field, tenantId, value) : value;
  }

  open(model: EncryptedModel, field: string, tenantId: string | null, value: unknown): unknown {
    const kind = (ENCRYPTED_FIELDS[model] as Record<string, string>)[field];
    if (kind === "json") return this.openJson(model, field, tenantId, value);
    return typeof value === "string" ? this.openText(model, field, tenantId, value) : value;
  }
}

function isSealedJson(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as Record<string, unknown>)[JSON_KEY] === "string" &&
    isSealed((value as Record<string, string>)[JSON_KEY]!)
  );
}

type Data = Record<string, unknown>;

function tenantOf(...sources: unknown[]): string | null {
  for (const s of sources) {
    const t = (s as Data | undefined)?.tenantId;
    if (typeof t === "string") return t;
  }
  return null;
}

function sealData(cipher: FieldCipher, model: EncryptedModel, data: unknown, tenantId: string | null): unknown {
  if (Array.isArray(data)) return data.map((d) => sealData(cipher, model, d, tenantId));
  if (typeof data !== "object" || data === null) return data;
  const row = data as Data;
  const tenant = tenantOf(row) ?? tenantId;
  let out: Data | null = null;
  for (const field of Object.keys(ENCRYPTED_FIELDS[model])) {
    if (!(field in row)) continue;
    const value = row[field];
    // Updates may say { set: value }.
    const isSet = typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "set" in value;
    const plain = isSet ? (value as { set: unknown }).set : value;
    if (plain === Prisma.DbNull || plain === Prisma.JsonNull) continue;
    const sealed = cipher.seal(model, field, tenant, plain);
    out ??= { ...row };
    out[field] = isSet ? { set: sealed } : sealed;
  }
  return out ?? data;
}

function sealArgs(cipher: FieldCipher, model: EncryptedModel, operation: string, args: unknown): unknown {
  if (typeof args !== "object" || args === null) return args;
  const a = args as Data;
  const whereTenant = tenantOf(a.where);
  switch (operation) {
    case "create":
    case "createMany":
    case "createManyAndReturn":
    case "update":
    case "updateMany":
    case "updateManyAndReturn":
      return "data" in a ? { ...a, data: sealData(cipher, model, a.data, whereTenant) } : a;
    case "upsert":
      return { ...a, create: sealData(cipher, model, a.create, whereTenant), update: sealData(cipher, model, a.update, whereTenant) };
    default:
      return a;
  }
}

const DELEGATE: Record<EncryptedModel, string> = {
  InboundMessage: "inboundMessage",
  VoiceSample: "voiceSample",
  InboundWebhookDelivery: "inboundWebhookDelivery",
  TenantSecret: "tenantSecret",
  MemoryItem: "memoryItem",
};

/**
 * The client with the encrypted fields sealed on write and opened on read.
 * Typed as the plain client: the extension changes no shapes.
 */
export function withFieldEncryption(client: PrismaClient, cipher: FieldCipher): PrismaClient {
  const query: Record<string, unknown> = {};
  const result: Record<string, Record<string, unknown>> = {};
  for (const model of Object.keys(ENCRYPTED_FIELDS) as EncryptedModel[]) {
    query[DELEGATE[model]] = {
      $allOperations({ operation, args, query: run }: { operation: string; args: unknown; query: (a: unknown) => Promise<unknown> }) {
        return run(sealArgs(cipher, model, operation, args));
      },
    };
    const fields: Record<string, unknown> = {};
    for (const field of Object.keys(ENCRYPTED_FIELDS[model])) {
      fields[field] = {
        needs: { [field]: true, tenantId: true },
        compute: (row: Data) => cipher.open(model, field, typeof row.tenantId === "string" ? row.tenantId : null, row[field]),
      };
    }
    result[DELEGATE[model]] = fields;
  }
  return client.$extends({ name: "field-encryption", query, result } as never) as unknown as PrismaClient;
}

// ---------------------------------------------------------------------------
// Existing rows: sealing plaintext written before encryption (or by a script
// without keys), and re-sealing under the newest key after a key was added.

/** The sealed-under-the-current-key prefix (tenant-bound form). */
function currentPrefix(cipher: FieldCipher): string {
  return `${PREFIX_TENANT}v1.${cipher.ring.current.id}.`;
}

function needsSealing(cipher: FieldCipher, kind: string, value: unknown): boolean {
  const prefix = currentPrefix(cipher);
  if (kind === "json") {
    if (value === null || value === undefined) return false;
    if (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0) return false;
    return !(isSealedJson(value) && (value as Record<string, string>)[JSON_KEY]!.startsWith(prefix));
  }
  return typeof value === "string" && value !== "" && !value.startsWith(prefix);
}

/**
 * Seals (or re-seals under the newest key, tenant-bound) up to `batch` of the
 * current tenant's rows of `model` whose encrypted fields are plaintext or
 * sealed otherwise. Rows are locked with SKIP LOCKED: a row being written is
 * left for the next batch. Returns how many rows were rewritten.
 */
export async function sealFieldsBatch(tx: Tx, cipher: FieldCipher, model: EncryptedModel, tenantId: string, batch: number): Promise<number> {
  const fields = Object.entries(ENCRYPTED_FIELDS[model]) as [string, string][];
  // Table and column names come from ENCRYPTED_FIELDS (constants), values are parameters.
  const pending = fields
    .map(([f, kind]) =>
      kind === "json"
        ? `("${f}" IS NOT NULL AND "${f}" <> '{}'::jsonb AND "${f}" <> 'null'::jsonb AND NOT starts_with(coalesce("${f}"->>'${JSON_KEY}', ''), $2))`
        : `("${f}" IS NOT NULL AND "${f}" <> '' AND NOT starts_with("${f}", $2))`,
    )
    .join(" OR ");
  const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT "id", ${fields.map(([f]) => `"${f}"`).join(", ")} FROM "${model}"
     WHERE "tenantId" = $1::uuid AND (${pending})
     ORDER BY "id" LIMIT $3 FOR UPDATE SKIP LOCKED`,
    tenantId,
    currentPrefix(cipher),
    batch,
  );
  const assignments = fields.map(([f, kind], i) => `"${f}" = $${i + 2}${kind === "json" ? "::jsonb" : ""}`).join(", ");
  for (const row of rows) {
    const values = fields.map(([f, kind]) => {
      const value = row[f];
      const next = needsSealing(cipher, kind, value) ? cipher.seal(model, f, tenantId, cipher.open(model, f, tenantId, value)) : value;
      return kind === "json" ? JSON.stringify(next) : next;
    });
    await tx.$executeRawUnsafe(`UPDATE "${model}" SET ${assignments} WHERE "id" = $1::uuid`, row.id, ...values);
  }
  return rows.length;
}

export interface FieldSealingResult {
  /** Rows rewritten, by model. */
  sealed: Record<EncryptedModel, number>;
  /** Tenant × model passes that stopped on a value no key of the ring opens (left alone, reported). */
  failed: number;
}

/** Seals every tenant's encrypted fields under the newest key, in batches of short transactions. */
export async function sealAllFields(db: Database, cipher: FieldCipher, batch: number): Promise<FieldSealingResult> {
  const tenants = await db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  const result: FieldSealingResult = { sealed: { InboundMessage: 0, VoiceSample: 0, InboundWebhookDelivery: 0, TenantSecret: 0, MemoryItem: 0 }, failed: 0 };
  for (const { id: tenantId } of tenants) {
    for (const model of Object.keys(ENCRYPTED_FIELDS) as EncryptedModel[]) {
      for (;;) {
        const n = await rotationBatch(() => withTenant(db.prisma, { tenantId }, (tx) => sealFieldsBatch(tx, cipher, model, tenantId, batch)), (e) => e instanceof FieldDecryptError);
        if (n === undefined) {
          result.failed++;
          break;
        }
        result.sealed[model] += n;
        if (n < batch) break;
      }
    }
  }
  return result;
}
