// Invitations: the signed link token and the rules of inviting. No I/O.
//
// A token is `inv_<payload>.<signature>`: the payload (base64url JSON) names
// the tenant, the invitation, a random nonce and the expiry; the signature is
// an HMAC-SHA256 over it. A forged or altered token fails the signature before
// anything is read; a genuine one must still match the hash stored on its
// invitation (a resend replaces it, so an older link stops working) and the
// invitation must still be PENDING and unexpired (single use).
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { canAssignRole, type Role } from "./permission.js";
import { userError, type UserError } from "../user-error.js";

export const INVITATION_TOKEN_PREFIX = "inv_";
/** How long an invitation link works unless the inviter asks for less. */
export const DEFAULT_INVITATION_TTL_HOURS = 7 * 24;
export const MAX_INVITATION_TTL_HOURS = 30 * 24;

export interface InvitationClaims {
  tenantId: string;
  invitationId: string;
  nonce: string;
  expiresAt: Date;
}

export type InvitationTokenProblem = "MALFORMED" | "FORGED" | "EXPIRED";

/** The signing key for invitation links, derived (domain-separated) from a server secret. */
export function invitationKey(serverSecret: string): Buffer {
  return createHmac("sha256", serverSecret).update("sales-agent invitation links v1").digest();
}

export function signInvitationToken(key: Buffer, claims: Omit<InvitationClaims, "nonce"> & { nonce?: string }): string {
  const payload = Buffer.from(
    JSON.stringify({
      t: claims.tenantId,
      i: claims.invitationId,
      n: claims.nonce ?? randomBytes(16).toString("base64url"),
      e: Math.floor(claims.expiresAt.getTime() / 1000),
    }),
  ).toString("base64url");
  return `${INVITATION_TOKEN_PREFIX}${payload}.${createHmac("sha256", key).update(payload).digest("base64url")}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function verifyInvitationToken(
  key: Buffer,
  token: string,
  now: Date = new Date(),
): { ok: true; claims: InvitationClaims } | { ok: false; problem: InvitationTokenProblem } {
  const trimmed = token.trim();
  if (!trimmed.startsWith(INVITATION_TOKEN_PREFIX) || trimmed.length > 1000) return { ok: false, problem: "MALFORMED" };
  const [payload, signature, ...rest] = trimmed.slice(INVITATION_TOKEN_PREFIX.length).split(".");
  if (!payload || !signature || rest.length) return { ok: false, problem: "MALFORMED" };
  const expected = createHmac("sha256", key).update(payload).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: "FORGED" };
  let parsed: { t?: unknown; i?: unknown; n?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return { ok: false, problem: "MALFORMED" };
  }
  const { t, i, n, e } = parsed;
  if (typeof t !== "string" || !UUID.test(t) || typeof i !== "string" || !UUID.test(i) || typeof n !== "string" || typeof e !== "number") {
    return { ok: false, problem: "MALFORMED" };
  }
  const expiresAt = new Date(e * 1000);
  if (expiresAt <= now) return { ok: false, problem: "EXPIRED" };
  return { ok: true, claims: { tenantId: t, invitationId: i, nonce: n, expiresAt } };
}

/** What is stored of a token: its SHA-256, never the token itself. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token.trim()).digest("hex");
}

export type InvitationState = "PENDING" | "ACCEPTED" | "REVOKED" | "EXPIRED";

/** The state a person sees: a pending invitation past its expiry is EXPIRED. */
export function invitationState(row: { status: "PENDING" | "ACCEPTED" | "REVOKED"; expiresAt: Date }, now: Date = new Date()): InvitationState {
  return row.status === "PENDING" && row.expiresAt <= now ? "EXPIRED" : row.status;
}

/** Whether `inviterRole` may invite someone as `role`: never above one's own role (the membership rules). */
export function checkInvitationRole(inviterRole: Role, role: Role): UserError[] {
  return canAssignRole(inviterRole, role)
    ? []
    : [userError("ROLE_NOT_ASSIGNABLE", `A ${inviterRole} cannot invite someone as ${role}.`, ["input", "role"])];
}

/** Why an invitation cannot be accepted, as the person accepting it is told (a refused link says nothing more). */
export function acceptRefusal(problem: InvitationTokenProblem | "UNKNOWN" | "USED" | "REVOKED" | "SUPERSEDED"): UserError {
  switch (problem) {
    case "EXPIRED":
      return userError("INVITATION_EXPIRED", "This invitation has expired. Ask for a new one.", ["input", "token"]);
    case "USED":
      return userError("INVITATION_ALREADY_USED", "This invitation has already been accepted.", ["input", "token"]);
    default:
      return userError("INVITATION_INVALID", "This invitation link is not valid (revoked, replaced by a newer one, or not issued by us).", ["input", "token"]);
  }
}
