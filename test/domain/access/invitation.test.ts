// Invitation link tokens and the inviting rule, without a database.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  checkInvitationRole,
  hashInvitationToken,
  invitationKey,
  invitationState,
  signInvitationToken,
  verifyInvitationToken,
} from "../../../src/domain/access/invitation.js";
import { HUMAN_ROLES, ROLE_RANK } from "../../../src/domain/access/permission.js";

const key = invitationKey("a-server-secret-that-is-long-enough-0123456789");
const claims = () => ({ tenantId: randomUUID(), invitationId: randomUUID(), expiresAt: new Date(Date.now() + 3_600_000) });

describe("invitation tokens", () => {
  it("verify with the key that signed them and carry their claims", () => {
    const c = claims();
    const token = signInvitationToken(key, c);
    const verified = verifyInvitationToken(key, token);
    expect(verified.ok && verified.claims).toMatchObject({ tenantId: c.tenantId, invitationId: c.invitationId });
    // Two links for the same invitation differ (a random nonce), so a resend really replaces the link.
    expect(signInvitationToken(key, c)).not.toBe(token);
  });

  it("refuse a token from another key, an altered payload or signature, and garbage", () => {
    const token = signInvitationToken(key, claims());
    expect(verifyInvitationToken(invitationKey("another-secret-that-is-long-enough-000000000"), token)).toEqual({ ok: false, problem: "FORGED" });
    const [payload, signature] = token.slice(4).split(".");
    const otherPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), t: randomUUID() })).toString("base64url");
    expect(verifyInvitationToken(key, `inv_${otherPayload}.${signature}`)).toEqual({ ok: false, problem: "FORGED" });
    expect(verifyInvitationToken(key, `${token.slice(0, -2)}AA`)).toEqual({ ok: false, problem: "FORGED" });
    for (const junk of ["", "inv_", "inv_abc", "sk_live", `${token}.x`, "inv_.."]) {
      expect(verifyInvitationToken(key, junk).ok).toBe(false);
    }
  });

  it("refuse a token past its expiry", () => {
    const token = signInvitationToken(key, { ...claims(), expiresAt: new Date(Date.now() - 1000) });
    expect(verifyInvitationToken(key, token)).toEqual({ ok: false, problem: "EXPIRED" });
  });

  it("store only a hash, the same for the same token", () => {
    const token = signInvitationToken(key, claims());
    expect(hashInvitationToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashInvitationToken(` ${token} `)).toBe(hashInvitationToken(token));
    expect(hashInvitationToken(token)).not.toContain(token.slice(4, 20));
  });

  it("show a pending invitation past its expiry as EXPIRED", () => {
    expect(invitationState({ status: "PENDING", expiresAt: new Date(Date.now() - 1) })).toBe("EXPIRED");
    expect(invitationState({ status: "PENDING", expiresAt: new Date(Date.now() + 60_000) })).toBe("PENDING");
    expect(invitationState({ status: "ACCEPTED", expiresAt: new Date(0) })).toBe("ACCEPTED");
  });
});

describe("who may invite as what", () => {
  it("never above one's own role; OWNER only by an OWNER", () => {
    for (const inviter of HUMAN_ROLES) {
      for (const role of HUMAN_ROLES) {
        const allowed = role === "OWNER" ? inviter === "OWNER" : ROLE_RANK[inviter] >= ROLE_RANK[role];
        expect(checkInvitationRole(inviter, role).map((e) => e.code)).toEqual(allowed ? [] : ["ROLE_NOT_ASSIGNABLE"]);
      }
    }
  });
});
