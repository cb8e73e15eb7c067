// Invitations (src/orchestration/access/invitation.ts): invitations, membershipInvite,
// invitationResend, invitationRevoke (member:manage), invitationAccept (the
// invitee: signed in, or with no credentials on a first sign-in).
import { encodeGlobalID } from "@pothos/plugin-relay";
import { invitationState } from "../../../domain/access/invitation.js";
import {
  acceptInvitation,
  invitationAcceptSchema,
  invitationCreateSchema,
  inviteMember,
  resendInvitation,
  revokeInvitation,
  type IssuedInvitation,
} from "../../../orchestration/access/invitation.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { HumanRoleEnum, RoleEnum } from "./role.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

const InvitationStateEnum = builder.enumType("InvitationState", {
  description: "PENDING until accepted or revoked; a pending invitation past its expiry is EXPIRED.",
  values: ["PENDING", "ACCEPTED", "REVOKED", "EXPIRED"] as const,
});

export const InvitationType = builder.prismaNode("Invitation", {
  id: { field: "id" },
  fields: (t) => ({
    email: t.exposeString("email"),
    role: t.expose("role", { type: RoleEnum }),
    state: t.field({ type: InvitationStateEnum, select: { status: true, expiresAt: true }, resolve: (i) => invitationState(i) }),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    invitedBy: t.exposeString("invitedByLabel", { description: "Who invited (as the audit log names them)." }),
    sendCount: t.exposeInt("sendCount", { description: "How many links were issued (1 + resends); only the latest works." }),
    acceptedAt: t.expose("acceptedAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const InvitationFilter = builder.inputType("InvitationFilter", {
  fields: (t) => ({ state: t.field({ type: InvitationStateEnum, required: false }) }),
});

builder.queryField("invitations", (t) =>
  t.prismaConnection(
    {
      type: "Invitation",
      cursor: "id",
      authScopes: { permission: "member:read" },
      args: { filter: t.arg({ type: InvitationFilter, required: false }) },
      resolve: (query, _root, { filter }, ctx) => {
        const now = new Date();
        const where =
          filter?.state === "EXPIRED"
            ? { status: "PENDING" as const, expiresAt: { lte: now } }
            : filter?.state === "PENDING"
              ? { status: "PENDING" as const, expiresAt: { gt: now } }
              : filter?.state
                ? { status: filter.state }
                : {};
        return ctx.db.invitation.findMany({ ...query, where, orderBy: { id: "desc" } });
      },
    },
    { name: "InvitationConnection" },
    { name: "InvitationEdge" },
  ),
);

type IssuedShape = Payload<IssuedInvitation>;

function issuedPayload(name: string) {
  return payloadType<IssuedShape>(name, (t) => ({
    invitation: t.prismaField({
      type: "Invitation",
      nullable: true,
      resolve: (query, p, _args, ctx) => (p.invitationId ? ctx.db.invitation.findUnique({ ...query, where: { id: p.invitationId } }) : null),
    }),
    token: t.string({ nullable: true, description: "The link's token. Shown this once; only its hash is kept.", resolve: (p) => p.token ?? null }),
    acceptUrl: t.string({ nullable: true, description: "The link to give the invitee (null when the service's public URL is unknown).", resolve: (p) => p.acceptUrl ?? null }),
    draftId: t.id({ nullable: true, description: "The draft to the invitee, when one was asked for.", resolve: (p) => (p.draftId ? encodeGlobalID("Draft", p.draftId) : null) }),
  }));
}

const MembershipInviteInput = builder.inputType("MembershipInviteInput", {
  fields: (t) => ({
    email: t.string({ required: true }),
    role: t.field({ type: HumanRoleEnum, required: true, description: "No higher than the inviter's own role." }),
    expiresInHours: t.int({ required: false, description: "How long the link works (default 168, at most 720)." }),
    draftEmail: t.boolean({ required: false, description: "Also write the link into a draft to the invitee (sent through the normal approval path)." }),
  }),
});

builder.mutationField("membershipInvite", (t) =>
  t.field({
    type: issuedPayload("MembershipInvitePayload"),
    description: "Invites a person by e-mail with a role: a signed, expiring, single-use link, shown once. Takes no idempotency key (the link is never stored).",
    authScopes: { permission: "member:manage" },
    args: { input: t.arg({ type: MembershipInviteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(invitationCreateSchema, {
        email: input.email,
        role: input.role,
        expiresInHours: input.expiresInHours ?? undefined,
        draftEmail: input.draftEmail ?? undefined,
      });
      if (!parsed.ok) return errorPayload<IssuedInvitation>(parsed.errors);
      return toPayload(await inviteMember(ctx.services, actorOf(ctx), parsed.data));
    },
  }),
);

const InvitationResendInput = builder.inputType("InvitationResendInput", {
  fields: (t) => ({
    invitationId: t.id({ required: true }),
    expiresInHours: t.int({ required: false }),
    draftEmail: t.boolean({ required: false }),
  }),
});

builder.mutationField("invitationResend", (t) =>
  t.field({
    type: issuedPayload("InvitationResendPayload"),
    description: "Issues a new link for a pending (or expired) invitation and renews its expiry; the previous link stops working.",
    authScopes: { permission: "member:manage" },
    args: { input: t.arg({ type: InvitationResendInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.invitationId), "Invitation", ["input", "invitationId"]);
      if (!id.ok) return errorPayload<IssuedInvitation>(id.errors);
      const hours = input.expiresInHours ?? undefined;
      const parsed = parseInput(invitationCreateSchema.pick({ expiresInHours: true }), { expiresInHours: hours });
      if (!parsed.ok) return errorPayload<IssuedInvitation>(parsed.errors);
      return toPayload(
        await resendInvitation(ctx.services, actorOf(ctx), { invitationId: id.id, expiresInHours: hours, draftEmail: input.draftEmail ?? undefined }),
      );
    },
  }),
);

const InvitationRevokeInput = builder.inputType("InvitationRevokeInput", {
  fields: (t) => ({ invitationId: t.id({ required: true }) }),
});

builder.mutationField("invitationRevoke", (t) =>
  t.field({
    type: payloadType<Payload<{ invitationId: string }>>("InvitationRevokePayload", (f) => ({
      invitation: f.prismaField({
        type: "Invitation",
        nullable: true,
        resolve: (query, p, _args, ctx) => (p.invitationId ? ctx.db.invitation.findUnique({ ...query, where: { id: p.invitationId } }) : null),
      }),
    })),
    authScopes: { permission: "member:manage" },
    args: { input: t.arg({ type: InvitationRevokeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.invitationId), "Invitation", ["input", "invitationId"]);
      if (!id.ok) return errorPayload<{ invitationId: string }>(id.errors);
      return toPayload(await revokeInvitation(ctx.services, actorOf(ctx), { invitationId: id.id }));
    },
  }),
);

const InvitationAcceptInput = builder.inputType("InvitationAcceptInput", {
  fields: (t) => ({
    token: t.string({ required: true }),
    name: t.string({ required: false, description: "How the tenant will know you (first sign-in); defaults to your address's local part." }),
  }),
});

const InvitationAcceptPayload = payloadType<Payload<{ tenantId: string; membershipId: string; userId: string; signInToken: string | null }>>(
  "InvitationAcceptPayload",
  (t) => ({
    tenantId: t.id({ nullable: true, resolve: (p) => (p.tenantId ? encodeGlobalID("Tenant", p.tenantId) : null) }),
    membershipId: t.id({ nullable: true, resolve: (p) => (p.membershipId ? encodeGlobalID("Membership", p.membershipId) : null) }),
    signInToken: t.string({
      nullable: true,
      description: "A bearer token for the new membership (when this service signs tokens; with an identity provider, sign in there).",
      resolve: (p) => p.signInToken ?? null,
    }),
  }),
);

builder.mutationField("invitationAccept", (t) =>
  t.field({
    type: InvitationAcceptPayload,
    description:
      "Accepts an invitation. Signed in: binds your account to the new membership. Without credentials (a first sign-in): binds the invited address's account (created when new) and returns a sign-in token.",
    args: { input: t.arg({ type: InvitationAcceptInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(invitationAcceptSchema, { token: input.token, name: input.name ?? undefined });
      if (!parsed.ok) return errorPayload(parsed.errors);
      return toPayload(await acceptInvitation(ctx.services, ctx.principal, ctx.meta, parsed.data));
    },
  }),
);
