// Connections to external accounts (Google now, HubSpot next): who may
// connect and manage which, the signed OAuth `state`, scope rules and the
// safe description of provider errors. Pure: no I/O.
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { KeyRing } from "./credential.js";
import type { Principal } from "../access/principal.js";

export const CONNECTION_PROVIDERS = ["GOOGLE", "HUBSPOT"] as const;
export type ConnectionProvider = (typeof CONNECTION_PROVIDERS)[number];
export const CONNECTION_STATUSES = ["ACTIVE", "NEEDS_REAUTH", "REVOKED", "ERROR"] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** How long a started OAuth flow may take before its state expires. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;

/** Google scopes a connection may ask for; the identity scopes are always added. */
export const GOOGLE_IDENTITY_SCOPES = ["openid", "email"] as const;
export const GOOGLE_SCOPES: Record<string, string> = {
  "gmail.readonly": "https://www.googleapis.com/auth/gmail.readonly",
  "gmail.send": "https://www.googleapis.com/auth/gmail.send",
  "gmail.modify": "https://www.googleapis.com/auth/gmail.modify",
  "calendar.readonly": "https://www.googleapis.com/auth/calendar.readonly",
  "calendar.freebusy": "https://www.googleapis.com/auth/calendar.freebusy",
  "calendar.events": "https://www.googleapis.com/auth/calendar.events",
  "drive.readonly": "https://www.googleapis.com/auth/drive.readonly",
  "drive.metadata.readonly": "https://www.googleapis.com/auth/drive.metadata.readonly",
};
/** What a connection asks for when the caller names no scopes: read and send mail, free/busy and events, read Drive. */
export const GOOGLE_DEFAULT_SCOPES = ["gmail.readonly", "gmail.send", "calendar.freebusy", "calendar.events", "drive.readonly"];

/**
 * Resolves requested scopes (short names like "gmail.send" or the full URL)
 * to Google scope URLs; unknown ones are returned separately.
 */
export function resolveGoogleScopes(requested: readonly string[]): { scopes: string[]; unknown: string[] } {
  const known = new Set(Object.values(GOOGLE_SCOPES));
  const scopes = new Set<string>(GOOGLE_IDENTITY_SCOPES);
  const unknown: string[] = [];
  for (const s of requested.length ? requested : GOOGLE_DEFAULT_SCOPES) {
    const url = GOOGLE_SCOPES[s] ?? (known.has(s) ? s : null);
    if (url) scopes.add(url);
    else unknown.push(s);
  }
  return { scopes: [...scopes], unknown };
}

// ---- who may do what ----------------------------------------------------

export interface ConnectionOwnership {
  /** null: the tenant's shared account. */
  userId: string | null;
}

/** Connecting: one's own account needs connection:connect; the tenant's shared account connection:manage (OWNER/ADMIN). */
export function mayConnect(principal: Principal, shared: boolean): boolean {
  if (principal.kind !== "USER" && principal.kind !== "API_KEY") return false;
  if (!principal.userId) return false;
  return principal.permissions.has(shared ? "connection:manage" : "connection:connect");
}

/** Revoking and testing: one's own with connection:connect; shared and other members' with connection:manage. */
export function mayManage(principal: Principal, connection: ConnectionOwnership): boolean {
  if (principal.permissions.has("connection:manage")) return true;
  return connection.userId !== null && connection.userId === principal.userId && principal.permissions.has("connection:connect");
}

/** Listing: everyone with connection:read sees the shared accounts and their own; connection:manage sees all. */
export function mayView(principal: Principal, connection: ConnectionOwnership): boolean {
  if (principal.permissions.has("connection:manage")) return true;
  if (!principal.permissions.has("connection:read")) return false;
  return connection.userId === null || connection.userId === principal.userId;
}

// ---- the signed, expiring OAuth state -----------------------------------

export interface OAuthStateClaims {
  tenantId: string;
  stateId: string;
  userId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

const STATE_VERSION = "s1";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The state-signing key, derived (HKDF-SHA256) from a key-encryption key so there is no second secret to configure. */
function stateKey(kek: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", kek, Buffer.alloc(0), Buffer.from("sales-agent oauth state v1"), 32));
}

function stateMac(key: Buffer, body: string): string {
  return createHmac("sha256", key).update(`${STATE_VERSION}.${body}`).digest("base64url");
}

/** `s1.<tenant>.<state id>.<user>.<expiry>.<kid>.<hmac>`: signed with the ring's current key. */
export function signOAuthState(ring: KeyRing, claims: OAuthStateClaims): string {
  const body = [claims.tenantId, claims.stateId, claims.userId, String(claims.expiresAt), ring.current.id].join(".");
  return `${STATE_VERSION}.${body}.${stateMac(stateKey(ring.current.key), body)}`;
}

export type StateCheck = { ok: true; claims: OAuthStateClaims } | { ok: false; reason: "INVALID" | "EXPIRED" };

/** Verifies the signature (constant time) and expiry. Single use is enforced by the stored row. */
export function verifyOAuthState(ring: KeyRing, state: unknown, now = Date.now()): StateCheck {
  if (typeof state !== "string" || state.length > 400) return { ok: false, reason: "INVALID" };
  const parts = state.split(".");
  if (parts.length !== 7 || parts[0] !== STATE_VERSION) return { ok: false, reason: "INVALID" };
  const [, tenantId, stateId, userId, exp, kid, mac] = parts as [string, string, string, string, string, string, string];
  if (!UUID.test(tenantId) || !UUID.test(stateId) || !UUID.test(userId) || !/^\d{1,15}$/.test(exp)) return { ok: false, reason: "INVALID" };
  const kek = ring.keys.find((k) => k.id === kid);
  if (!kek) return { ok: false, reason: "INVALID" };
  const expected = Buffer.from(stateMac(stateKey(kek.key), [tenantId, stateId, userId, exp, kid].join(".")), "utf8");
  const given = Buffer.from(mac, "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "INVALID" };
  const expiresAt = Number(exp);
  if (expiresAt <= now) return { ok: false, reason: "EXPIRED" };
  return { ok: true, claims: { tenantId, stateId, userId, expiresAt } };
}

// ---- provider errors -----------------------------------------------------

export type ProviderFailureKind = "REAUTH" | "TRANSIENT" | "PERMANENT";

/** OAuth error codes meaning the grant is gone (revoked, expired, password change): only a new consent helps. */
const REAUTH_CODES = new Set(["invalid_grant", "unauthorized_client", "invalid_token"]);

export interface ProviderFailure {
  kind: ProviderFailureKind;
  /** Safe to store and show: an OAuth error code and/or an HTTP status, never a token or a raw response. */
  message: string;
}

/** A provider failure already described in safe, specific words (e.g. a refused domain-wide delegation). */
export class DescribedProviderError extends Error {
  constructor(readonly failure: ProviderFailure) {
    super(failure.message);
    this.name = "DescribedProviderError";
  }
}

/**
 * Classifies an error from the provider's SDK (gaxios errors carry
 * `response.status` and `response.data.error`). The message is rebuilt from
 * codes only, so nothing the provider echoed (possibly a token) is kept.
 */
export function classifyProviderError(error: unknown): ProviderFailure {
  if (error instanceof DescribedProviderError) return error.failure;
  const e = error as { status?: unknown; code?: unknown; response?: { status?: unknown; data?: unknown } } | null;
  const status = typeof e?.response?.status === "number" ? e.response.status : typeof e?.status === "number" ? e.status : null;
  const data = e?.response?.data as { error?: unknown } | undefined;
  const raw = typeof data?.error === "string" ? data.error : typeof (data?.error as { status?: unknown })?.status === "string" ? String((data!.error as { status: string }).status) : null;
  const code = raw && /^[A-Za-z_]{1,64}$/.test(raw) ? raw : null;
  const label = [code, status ? `HTTP ${status}` : null].filter(Boolean).join(", ");
  if (code && REAUTH_CODES.has(code)) return { kind: "REAUTH", message: `The provider refused the grant (${label}): connect the account again.` };
  if (status === 401) return { kind: "REAUTH", message: `The provider refused the credentials (${label}): connect the account again.` };
  if (status === null || status === 408 || status === 429 || status >= 500) {
    const name = typeof (error as { name?: unknown })?.name === "string" ? (error as { name: string }).name : "Error";
    const what = label || (/^[A-Za-z]{1,40}$/.test(name) ? name : "network error");
    return { kind: "TRANSIENT", message: `The provider is unavailable (${what}).` };
  }
  return { kind: "PERMANENT", message: `The provider refused the request (${label}).` };
}
