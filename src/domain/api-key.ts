// API key format: `sk_<prefix>_<secret>`. The prefix identifies the key to
// people (shown in lists); only a SHA-256 of the whole key is stored, so a
// database leak does not leak usable keys.
import { createHash, randomBytes } from "node:crypto";

const KEY_PATTERN = /^sk_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  /** The full key, shown to its creator exactly once. */
  secret: string;
  /** `sk_<prefix>`: safe to display. */
  prefix: string;
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(10)
    .toString("base64url")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "0")
    .slice(0, 10);
  const secret = `sk_${prefix}_${randomBytes(32).toString("base64url")}`;
  return { secret, prefix: `sk_${prefix}`, hash: hashApiKey(secret) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith("sk_");
}

export function isWellFormedApiKey(token: string): boolean {
  return KEY_PATTERN.test(token);
}

export function hashApiKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
