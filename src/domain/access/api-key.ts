// API key format: `sk_<prefix>_<secret>`. The prefix identifies the key to
// people (shown in lists); only a SHA-256 of the whole key is stored, so a
// database leak does not leak usable keys.
import { createHash, randomBytes } from "node:crypto";
import { ROLE_PERMISSIONS, ROLE_RANK, effectivePermissions, type Permission, type Role } from "./permission.js";

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

// ---------------------------------------------------------------------------
// A key acts for the person who created it: on every request its role and
// scopes are intersected with that person's CURRENT membership. A demoted
// creator's keys are demoted with them; a removed creator's keys stop working
// (and work again, at the new role, if the person is added back — they would
// have that access with their own login anyway). An OWNER can hand a key over
// to another member with `apiKeyReissue`.
// ---------------------------------------------------------------------------

export const API_KEY_STATUSES = ["ACTIVE", "REVOKED", "EXPIRED", "CREATOR_REMOVED"] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

/** The lower of two roles (by rank). */
export function lowerRole(a: Role, b: Role): Role {
  return ROLE_RANK[a] <= ROLE_RANK[b] ? a : b;
}

export interface ApiKeyAccess {
  role: Role;
  permissions: ReadonlySet<Permission>;
}

/**
 * What a key may do right now: the key's role and scopes intersected with its
 * creator's current role. null when the creator is no longer a member.
 */
export function apiKeyAccess(key: { role: Role; scopes: readonly string[] }, creatorRole: Role | null): ApiKeyAccess | null {
  if (!creatorRole) return null;
  const creator = ROLE_PERMISSIONS[creatorRole];
  const permissions = new Set([...effectivePermissions(key.role, key.scopes)].filter((p) => creator.has(p)));
  return { role: lowerRole(key.role, creatorRole), permissions };
}

/** Revoked wins over expired, expired over a missing creator. */
export function apiKeyStatus(
  key: { revokedAt: Date | null; expiresAt: Date | null },
  creatorRole: Role | null,
  now: Date = new Date(),
): ApiKeyStatus {
  if (key.revokedAt) return "REVOKED";
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return "EXPIRED";
  if (!creatorRole) return "CREATOR_REMOVED";
  return "ACTIVE";
}

/** Why a key with this status is refused (a 401 message); null when it is active. */
export function apiKeyRefusal(status: ApiKeyStatus): string | null {
  switch (status) {
    case "ACTIVE":
      return null;
    case "REVOKED":
      return "The API key has been revoked.";
    case "EXPIRED":
      return "The API key has expired.";
    case "CREATOR_REMOVED":
      return "The API key's creator is no longer a member of this tenant, so the key no longer works. An OWNER can re-issue it to another member (apiKeyReissue).";
  }
}

/**
 * A key re-issued to another member keeps its name, role and scopes, capped
 * at the new owner's role. Scopes the capped role lacks are dropped; when a
 * scoped key would lose every scope it is refused (an empty list would mean
 * "everything the role allows", a widening).
 */
export function reissuedKeyGrant(
  key: { role: Role; scopes: readonly string[] },
  ownerRole: Role,
): { role: Role; scopes: string[]; dropped: string[] } | null {
  const role = lowerRole(key.role, ownerRole);
  const allowed = ROLE_PERMISSIONS[role];
  const scopes = key.scopes.filter((s) => allowed.has(s as Permission));
  const dropped = key.scopes.filter((s) => !allowed.has(s as Permission));
  if (key.scopes.length > 0 && scopes.length === 0) return null;
  return { role, scopes, dropped };
}
