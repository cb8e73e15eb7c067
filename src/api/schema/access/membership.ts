import { encodeGlobalID } from "@pothos/plugin-relay";
import { addMembership, changeMembershipRole, membershipAddSchema, removeMembership } from "../../../orchestration/access/membership.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { idOf } from "../global-id.js";
import { HumanRoleEnum, RoleEnum } from "./role.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

export const MembershipType = builder.prismaNode("Membership", {
  id: { field: "id" },
  fields: (t) => ({
    role: t.expose("role", { type: RoleEnum }),
    displayName: t.string({
      description: "The name this tenant knows the member by (supplied when they were added); never the name they use in other tenants.",
      select: { displayName: true, user: { select: { name: true } } },
      resolve: (m) => m.displayName ?? m.user.name,
    }),
    user: t.relation("user"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.queryField("memberships", (t) =>
  t.prismaConnection({
    type: "Membership",
    cursor: "id",
    authScopes: { permission: "member:read" },
    resolve: (query, _root, _args, ctx) => ctx.db.membership.findMany({ ...query, orderBy: { id: "asc" } }),
  },
    { name: "MembershipConnection" },
    { name: "MembershipEdge" },
  ),
);

type MembershipPayloadShape = Payload<{ membershipId: string }>;

function membershipPayload(name: string) {
  return payloadType<MembershipPayloadShape>(name, (t) => ({
    membership: t.prismaField({
      type: "Membership",
      nullable: true,
      resolve: (query, p, _args, ctx) =>
        p.membershipId ? ctx.db.membership.findUnique({ ...query, where: { id: p.membershipId } }) : null,
    }),
  }));
}

const MembershipAddInput = builder.inputType("MembershipAddInput", {
  fields: (t) => ({
    email: t.string({ required: true }),
    name: t.string({ required: false }),
    role: t.field({ type: HumanRoleEnum, required: true }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("membershipAdd", (t) =>
  t.field({
    type: membershipPayload("MembershipAddPayload"),
    description: "Adds a person (by e-mail) to the tenant with a role; creates their user when new.",
    authScopes: { permission: "member:manage" },
    args: { input: t.arg({ type: MembershipAddInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(membershipAddSchema, { email: input.email, name: input.name ?? undefined, role: input.role });
      if (!parsed.ok) return errorPayload<{ membershipId: string }>(parsed.errors);
      return toPayload(await addMembership(ctx.services, actorOf(ctx), parsed.data, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);

const MembershipChangeRoleInput = builder.inputType("MembershipChangeRoleInput", {
  fields: (t) => ({
    membershipId: t.id({ required: true }),
    role: t.field({ type: HumanRoleEnum, required: true }),
    idempotencyKey: t.string({ required: false }),
  }),
});

builder.mutationField("membershipChangeRole", (t) =>
  t.field({
    type: membershipPayload("MembershipChangeRolePayload"),
    authScopes: { permission: "member:manage" },
    args: { input: t.arg({ type: MembershipChangeRoleInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.membershipId), "Membership", ["input", "membershipId"]);
      if (!id.ok) return errorPayload<{ membershipId: string }>(id.errors);
      return toPayload(
        await changeMembershipRole(ctx.services, actorOf(ctx), { membershipId: id.id, role: input.role }, input.idempotencyKey ?? ctx.idempotencyKey),
      );
    },
  }),
);

const MembershipRemoveInput = builder.inputType("MembershipRemoveInput", {
  fields: (t) => ({
    membershipId: t.id({ required: true }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const MembershipRemovePayload = payloadType<Payload<{ membershipId: string }>>("MembershipRemovePayload", (t) => ({
  removedMembershipId: t.id({ nullable: true, resolve: (p) => (p.membershipId ? encodeGlobalID("Membership", p.membershipId) : null) }),
}));

builder.mutationField("membershipRemove", (t) =>
  t.field({
    type: MembershipRemovePayload,
    authScopes: { permission: "member:manage" },
    args: { input: t.arg({ type: MembershipRemoveInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.membershipId), "Membership", ["input", "membershipId"]);
      if (!id.ok) return errorPayload<{ membershipId: string }>(id.errors);
      return toPayload(await removeMembership(ctx.services, actorOf(ctx), { membershipId: id.id }, input.idempotencyKey ?? ctx.idempotencyKey));
    },
  }),
);
