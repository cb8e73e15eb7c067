// Invitations: an ADMIN (member:manage) invites a person by e-mail with a
// role no higher than their own; the signed, expiring, single-use link is
// shown once to the inviter (and, when asked, written into a draft to the
// invitee that goes through the normal approval and sending path). Accepting
// binds an identity to a new membership: the signed-in person calling
// invitationAccept, or — on a first sign-in, with no credentials — the
// account of the invited address (created when new), who then gets a sign-in
// token. Resend replaces the link (the old one stops working) and renews the
// expiry; revoke ends it. Each step is audited and evented
// (`sales.invitation.*`).
//
// The link's token is never stored (only its hash) and never kept in an
// idempotency record: invite and resend take no idempotency key.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { v7 as uuidv7 } from "uuid";
import { isUniqueViolation } from "../../data/database.js";
import {
  acceptRefusal,
  checkInvitationRole,
  DEFAULT_INVITATION_TTL_HOURS,
  hashInvitationToken,
  invitationKey,
  MAX_INVITATION_TTL_HOURS,
  signInvitationToken,
  verifyInvitationToken,
} from "../../domain/access/invitation.js";
import { HUMAN_ROLES, type Role } from "../../domain/access/permission.js";
import type { Principal, RequestMeta } from "../../domain/access/principal.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { createDraftInUnitOfWork } from "../draft/draft.js";
import type { Services } from "../services.js";
import { TENANT_SUSPENDED_MESSAGE, tenantSuspension } from "../tenant/tenant-suspension.js";
import { runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";

const ttl = z.number().int().min(1).max(MAX_INVITATION_TTL_HOURS).optional();

export const invitationCreateSchema = z.object({
  email: z.string().trim().toLowerCase().email("must be a valid e-mail address").max(254),
  role: z.enum(HUMAN_ROLES),
  expiresInHours: ttl,
  /** Also write the link into a draft to the invitee (it is sent only once approved, like any draft). */
  draftEmail: z.boolean().optional(),
});
export type InvitationCreateInput = z.infer<typeof invitationCreateSchema>;

export interface IssuedInvitation {
  invitationId: string;
  /** Shown once: the token of the link. */
  token: string;
  /** The link to send, when the service knows its public URL. */
  acceptUrl: string | null;
  expiresAt: Date;
  draftId: string | null;
}

function keyOf(services: Pick<Services, "mail">) {
  return invitationKey(services.mail.unsubscribeSecret);
}

export function invitationAcceptUrl(services: Pick<Services, "mail">, token: string): string | null {
  // In the fragment: a browser never sends it to a server, so it stays out of access logs.
  return services.mail.publicUrl ? `${services.mail.publicUrl.replace(/\/$/, "")}/invitations/accept#token=${token}` : null;
}

function issue(services: Pick<Services, "mail">, tenantId: string, invitationId: string, hours: number | undefined) {
  const expiresAt = new Date(Date.now() + (hours ?? DEFAULT_INVITATION_TTL_HOURS) * 3_600_000);
  const token = signInvitationToken(keyOf(services), { tenantId, invitationId, expiresAt });
  return { token, tokenHash: hashInvitationToken(token), expiresAt, acceptUrl: invitationAcceptUrl(services, token) };
}

async function inviteDraft(services: Services, uow: UnitOfWork, email: string, role: Role, link: string, expiresAt: Date) {
  const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: uow.actor.principal.tenantId }, select: { name: true } });
  return createDraftInUnitOfWork(services, uow, {
    recipient: { email },
    subject: `Invitation to join ${tenant.name}`,
    bodyText: [
      "Hello,",
      "",
      `You are invited to join ${tenant.name} on Sales Agent as ${role}.`,
      `Accept the invitation here: ${link}`,
      "",
      `The link works once and expires on ${expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC.`,
    ].join("\n"),
    category: "ONE_TO_ONE",
  });
}

export async function inviteMember(services: Services, actor: Actor, input: InvitationCreateInput): Promise<Outcome<IssuedInvitation>> {
  const refused = checkInvitationRole(actor.principal.role, input.role);
  if (refused.length) return fail(...refused);
  return runUnitOfWork(services, actor, async (uow) => {
    const member = await uow.tx.membership.findFirst({ where: { user: { email: input.email } }, select: { id: true } });
    if (member) return fail(userError("CONFLICT", "This person is already a member of the tenant.", ["input", "email"]));
    const pending = await uow.tx.invitation.findFirst({ where: { email: input.email, status: "PENDING" }, select: { id: true } });
    if (pending) return fail(userError("CONFLICT", "This address already has a pending invitation: resend or revoke it.", ["input", "email"]));
    const invitationId = uuidv7();
    const issued = issue(services, actor.principal.tenantId, invitationId, input.expiresInHours);
    try {
      await uow.tx.invitation.create({
        data: {
          id: invitationId,
          tenantId: actor.principal.tenantId,
          email: input.email,
          role: input.role,
          tokenHash: issued.tokenHash,
          expiresAt: issued.expiresAt,
          invitedById: actor.principal.userId,
          invitedByLabel: actor.principal.label,
        },
      });
    } catch (error) {
      if (isUniqueViolation(error)) return fail(userError("CONFLICT", "This address already has a pending invitation: resend or revoke it.", ["input", "email"]));
      throw error;
    }
    let draftId: string | null = null;
    if (input.draftEmail) {
      if (!issued.acceptUrl) return fail(userError("NOT_CONFIGURED", "The service's public URL is not known, so no link can be mailed.", ["input", "draftEmail"]));
      const draft = await inviteDraft(services, uow, input.email, input.role, issued.acceptUrl, issued.expiresAt);
      if (!draft.ok) return draft;
      draftId = draft.value.draftId;
    }
    await uow.audit({
      action: "invitation.created",
      targetType: "Invitation",
      targetId: invitationId,
      summary: { email: input.email, role: input.role, expiresAt: issued.expiresAt.toISOString(), draftId },
    });
    await uow.emit("sales.invitation.created", { invitationId, role: input.role, expiresAt: issued.expiresAt.toISOString() });
    return ok({ invitationId, token: issued.token, acceptUrl: issued.acceptUrl, expiresAt: issued.expiresAt, draftId });
  });
}

async function lockInvitation(uow: UnitOfWork, invitationId: string) {
  const rows = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Invitation" WHERE "id" = ${invitationId}::uuid FOR UPDATE`;
  return rows.length ? uow.tx.invitation.findUnique({ where: { id: invitationId } }) : null;
}

function notFound() {
  return userError("NOT_FOUND", "No Invitation with this id.", ["input", "invitationId"]);
}

export async function resendInvitation(
  services: Services,
  actor: Actor,
  input: { invitationId: string; expiresInHours?: number; draftEmail?: boolean },
): Promise<Outcome<IssuedInvitation>> {
  return runUnitOfWork(services, actor, async (uow) => {
    const invitation = await lockInvitation(uow, input.invitationId);
    if (!invitation) return fail(notFound());
    const refused = checkInvitationRole(actor.principal.role, invitation.role);
    if (refused.length) return fail(...refused);
    if (invitation.status !== "PENDING") {
      return fail(userError("CONFLICT", `This invitation is ${invitation.status.toLowerCase()}; invite the person again instead.`, ["input", "invitationId"]));
    }
    const issued = issue(services, actor.principal.tenantId, invitation.id, input.expiresInHours);
    await uow.tx.invitation.update({
      where: { id: invitation.id },
      data: { tokenHash: issued.tokenHash, expiresAt: issued.expiresAt, sendCount: { increment: 1 } },
    });
    let draftId: string | null = null;
    if (input.draftEmail) {
      if (!issued.acceptUrl) return fail(userError("NOT_CONFIGURED", "The service's public URL is not known, so no link can be mailed.", ["input", "draftEmail"]));
      const draft = await inviteDraft(services, uow, invitation.email, invitation.role, issued.acceptUrl, issued.expiresAt);
      if (!draft.ok) return draft;
      draftId = draft.value.draftId;
    }
    await uow.audit({
      action: "invitation.resent",
      targetType: "Invitation",
      targetId: invitation.id,
      summary: { expiresAt: issued.expiresAt.toISOString(), sendCount: invitation.sendCount + 1, draftId },
    });
    await uow.emit("sales.invitation.resent", { invitationId: invitation.id, role: invitation.role, expiresAt: issued.expiresAt.toISOString() });
    return ok({ invitationId: invitation.id, token: issued.token, acceptUrl: issued.acceptUrl, expiresAt: issued.expiresAt, draftId });
  });
}

export async function revokeInvitation(services: Services, actor: Actor, input: { invitationId: string }): Promise<Outcome<{ invitationId: string }>> {
  return runUnitOfWork(services, actor, async (uow) => {
    const invitation = await lockInvitation(uow, input.invitationId);
    if (!invitation) return fail(notFound());
    const refused = checkInvitationRole(actor.principal.role, invitation.role);
    if (refused.length) return fail(...refused);
    if (invitation.status === "REVOKED") return fail(userError("ALREADY_REVOKED", "This invitation is already revoked.", ["input", "invitationId"]));
    if (invitation.status === "ACCEPTED") {
      return fail(userError("CONFLICT", "This invitation was accepted; remove the membership instead.", ["input", "invitationId"]));
    }
    await uow.tx.invitation.update({ where: { id: invitation.id }, data: { status: "REVOKED", revokedAt: new Date() } });
    await uow.audit({ action: "invitation.revoked", targetType: "Invitation", targetId: invitation.id, summary: { role: invitation.role } });
    await uow.emit("sales.invitation.revoked", { invitationId: invitation.id, role: invitation.role });
    return ok({ invitationId: invitation.id });
  });
}

export const invitationAcceptSchema = z.object({
  token: z.string().trim().min(1).max(1000),
  /** How the tenant will know the new member (a first sign-in); defaults to the address's local part. */
  name: z.string().trim().min(1).max(200).optional(),
});

export interface AcceptedInvitation {
  tenantId: string;
  membershipId: string;
  userId: string;
  /** A sign-in token for the new membership, when this server signs tokens (no identity provider). */
  signInToken: string | null;
}

/** How long the sign-in token handed out on acceptance works. */
const SIGN_IN_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export async function acceptInvitation(
  services: Services,
  caller: Principal | null,
  meta: RequestMeta,
  input: z.infer<typeof invitationAcceptSchema>,
): Promise<Outcome<AcceptedInvitation>> {
  if (caller && caller.kind !== "USER") {
    return fail(userError("FORBIDDEN", "An invitation is accepted by a person: sign in as yourself, or accept without credentials.", []));
  }
  const verified = verifyInvitationToken(keyOf(services), input.token);
  if (!verified.ok) return fail(acceptRefusal(verified.problem));
  const { tenantId, invitationId } = verified.claims;
  // The acting principal becomes the new member once known (audit and events name them).
  const principal: Principal = {
    kind: "USER",
    id: `invitation:${invitationId}`,
    tenantId,
    role: "ANALYST",
    permissions: new Set(),
    label: `invitation:${invitationId}`,
    userId: null,
  };
  const outcome = await runUnitOfWork(services, { principal, meta: { ...meta, requestId: meta.requestId || randomUUID() } }, async (uow) => {
    if (await tenantSuspension(uow.tx, tenantId)) return fail(userError("TENANT_SUSPENDED", TENANT_SUSPENDED_MESSAGE, []));
    const invitation = await lockInvitation(uow, invitationId);
    if (!invitation || invitation.tokenHash !== hashInvitationToken(input.token)) return fail(acceptRefusal("SUPERSEDED"));
    if (invitation.status === "ACCEPTED") return fail(acceptRefusal("USED"));
    if (invitation.status === "REVOKED") return fail(acceptRefusal("REVOKED"));
    if (invitation.expiresAt <= new Date()) return fail(acceptRefusal("EXPIRED"));
    const displayName = input.name ?? invitation.email.split("@")[0]!;
    let userId: string;
    let email: string;
    if (caller) {
      userId = caller.userId!;
      email = caller.label.replace(/^user:/, "");
    } else {
      const [row] = await uow.tx.$queryRaw<{ id: string }[]>`SELECT app_ensure_user(${invitation.email}, ${displayName}) AS id`;
      userId = row!.id;
      email = invitation.email;
    }
    const existing = await uow.tx.membership.findUnique({ where: { tenantId_userId: { tenantId, userId } }, select: { id: true } });
    if (existing) return fail(userError("CONFLICT", "You are already a member of this tenant.", ["input", "token"]));
    const membership = await uow.tx.membership.create({ data: { tenantId, userId, role: invitation.role, displayName } });
    await uow.tx.invitation.update({ where: { id: invitation.id }, data: { status: "ACCEPTED", acceptedUserId: userId, acceptedAt: new Date() } });
    Object.assign(principal, { id: userId, userId, role: invitation.role, label: `user:${email}` });
    await uow.audit({
      action: "invitation.accepted",
      targetType: "Invitation",
      targetId: invitation.id,
      summary: { userId, membershipId: membership.id, role: invitation.role, boundTo: caller ? "signed-in user" : "first sign-in" },
    });
    await uow.emit("sales.invitation.accepted", { invitationId: invitation.id, membershipId: membership.id, userId, role: invitation.role });
    await uow.emit("sales.membership.added", { membershipId: membership.id, userId, role: invitation.role });
    return ok({ tenantId, membershipId: membership.id, userId, signInToken: null as string | null });
  });
  if (!outcome.ok) return outcome;
  const identity = services.platform;
  const signInToken = identity?.canIssueTokens ? await identity.issueUserToken({ userId: outcome.value.userId, tenantId }, SIGN_IN_TOKEN_TTL_SECONDS) : null;
  return ok({ ...outcome.value, signInToken });
}
