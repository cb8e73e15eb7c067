// Envelope encryption for stored credentials (OAuth tokens, private-app
// tokens). Each secret gets its own random 256-bit data key; the data is
// sealed with AES-256-GCM under that key, and the data key is sealed
// (AES-256-GCM again) under a key-encryption key from the key ring. The
// envelope names the key id that wrapped it, so any key of the ring opens it
// and the newest (last) one seals. Both layers authenticate the caller's AAD
// (tenant + row), so a ciphertext copied to another row or tenant does not
// open. Pure computation: no I/O, no logging, nothing here ever prints a key
// or a plaintext.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { ServiceAccountKey } from "./service-account.js";

export interface KeyEncryptionKey {
  id: string;
  key: Buffer;
}

/** Keys in configuration order; the last one seals, all of them open. */
export interface KeyRing {
  keys: readonly KeyEncryptionKey[];
  current: KeyEncryptionKey;
}

const VERSION = "v1";
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyRingError";
  }
}

/** The one error for any envelope that does not open: wrong key, other row, altered bytes. Says nothing more. */
export class CredentialDecryptError extends Error {
  constructor() {
    super("The stored credential could not be decrypted.");
    this.name = "CredentialDecryptError";
  }
}

/**
 * Parses `kid1:base64key,kid2:base64key` (standard or URL-safe base64 of 32
 * bytes). Refuses duplicates and short keys; the message never contains key
 * material.
 */
export function parseKeyRing(spec: string): KeyRing {
  const keys: KeyEncryptionKey[] = [];
  const entries = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new KeyRingError("no keys: expected kid:base64key[,kid:base64key…]");
  for (const [i, entry] of entries.entries()) {
    const sep = entry.indexOf(":");
    const id = sep > 0 ? entry.slice(0, sep) : "";
    if (!KEY_ID.test(id)) throw new KeyRingError(`key ${i + 1}: the key id must be 1–32 letters, digits, '-' or '_', followed by ':'`);
    const key = Buffer.from(entry.slice(sep + 1).replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (key.length !== 32) throw new KeyRingError(`key "${id}": must be 32 bytes, base64-encoded (e.g. openssl rand -base64 32)`);
    if (keys.some((k) => k.id === id)) throw new KeyRingError(`key "${id}" appears twice`);
    keys.push({ id, key });
  }
  return { keys, current: keys[keys.length - 1]! };
}

export function generateKeyEncryptionKey(id: string): string {
  return `${id}:${randomBytes(32).toString("base64")}`;
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; data: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, data, tag: cipher.getAuthTag() };
}

function gcmOpen(key: Buffer, iv: Buffer, data: Buffer, tag: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

const b64 = (b: Buffer) => b.toString("base64url");

/**
 * Seals `plaintext` for the context `aad` (e.g. "connection:<tenant>:<id>").
 * Format: v1.<kid>.<wrap iv>.<wrapped data key>.<wrap tag>.<iv>.<ciphertext>.<tag>, base64url parts.
 */
export function seal(ring: KeyRing, plaintext: string, aad: string): string {
  const kek = ring.current;
  const dataKey = randomBytes(32);
  try {
    const context = Buffer.from(`${VERSION}|${kek.id}|${aad}`, "utf8");
    const wrapped = gcmSeal(kek.key, dataKey, context);
    const sealed = gcmSeal(dataKey, Buffer.from(plaintext, "utf8"), context);
    return [VERSION, kek.id, b64(wrapped.iv), b64(wrapped.data), b64(wrapped.tag), b64(sealed.iv), b64(sealed.data), b64(sealed.tag)].join(".");
  } finally {
    dataKey.fill(0);
  }
}

/** The key id an envelope was sealed under, or null when it is not an envelope. */
export function envelopeKeyId(envelope: string): string | null {
  const parts = envelope.split(".");
  return parts.length === 8 && parts[0] === VERSION && KEY_ID.test(parts[1]!) ? parts[1]! : null;
}

/** Opens an envelope sealed for the same `aad`; throws CredentialDecryptError otherwise. */
export function open(ring: KeyRing, envelope: string, aad: string): string {
  const parts = envelope.split(".");
  if (parts.length !== 8 || parts[0] !== VERSION) throw new CredentialDecryptError();
  const [, kid, wIv, wData, wTag, iv, data, tag] = parts as [string, string, string, string, string, string, string, string];
  const kek = ring.keys.find((k) => k.id === kid);
  if (!kek) throw new CredentialDecryptError();
  const context = Buffer.from(`${VERSION}|${kid}|${aad}`, "utf8");
  let dataKey: Buffer | null = null;
  try {
    const buf = (s: string) => Buffer.from(s, "base64url");
    dataKey = gcmOpen(kek.key, buf(wIv), buf(wData), buf(wTag), context);
    if (dataKey.length !== 32) throw new CredentialDecryptError();
    return gcmOpen(dataKey, buf(iv), buf(data), buf(tag), context).toString("utf8");
  } catch {
    throw new CredentialDecryptError();
  } finally {
    dataKey?.fill(0);
  }
}

/** Whether an envelope should be re-sealed because a newer key encrypts now. */
export function needsRotation(ring: KeyRing, envelope: string): boolean {
  return envelopeKeyId(envelope) !== ring.current.id;
}

/** Re-seals under the ring's current key (same AAD); the plaintext never leaves this function. */
export function reseal(ring: KeyRing, envelope: string, aad: string): string {
  return seal(ring, open(ring, envelope, aad), aad);
}

/** What a connection's credential envelope holds (serialised as JSON inside the envelope). */
export interface StoredTokens {
  accessToken: string | null;
  refreshToken: string | null;
  /** Epoch milliseconds. */
  expiresAt: number | null;
  tokenType?: string | null;
  /** Domain-wide delegation: the service account's key, which mints access tokens instead of a refresh token. */
  serviceAccount?: ServiceAccountKey | null;
}

export function connectionCredentialAad(tenantId: string, connectionId: string): string {
  return `connection-credential|${tenantId}|${connectionId}`;
}

/** A console sign-in's provider refresh token (src/orchestration/access/session-refresh.ts): bound to the person and the session. */
export function oidcSessionAad(userId: string, sessionId: string): string {
  return `oidc-session|${userId}|${sessionId}`;
}

export function oauthStateAad(tenantId: string, stateId: string): string {
  return `oauth-state|${tenantId}|${stateId}`;
}
