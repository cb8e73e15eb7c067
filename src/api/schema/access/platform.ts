// Platform administration (src/orchestration/access/platform-admin.ts): tenants,
// tenantCreate, tenantSuspend, tenantResume. Only a platform administrator's
// token reaches these; a tenant member — an OWNER included — is refused, and a
// platform administrator reaches no tenant field (they have no tenant principal).
import { encodeGlobalID, resolveOffsetConnection } from "@pothos/plugin-relay";
import { GraphQLError } from "graphql";
import type { PlatformAdmin } from "../../../orchestration/access/platform-admin.js";
import {
  createTenant,
  findTenant,
  listTenants,
  resumeTenant,
  suspendTenant,
  tenantCreateSchema,
  tenantSuspendSchema,
  type PlatformTenant,
} from "../../../orchestration/tenant/tenant-lifecycle.js";
import type { GraphQLContext } from "../../context.js";
import { builder, MAX_PAGE_SIZE } from "../../builder.js";
import { idOf } from "../global-id.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

function platformAdminOf(ctx: GraphQLContext): PlatformAdmin {
  if (ctx.platformAdmin) return ctx.platformAdmin;
  throw ctx.principal
    ? new GraphQLError("Only a platform administrator may do this; tenant roles (OWNER included) do not reach platform administration.", {
        extensions: { code: "FORBIDDEN" },
      })
    : new GraphQLError("Authentication required.", { extensions: { code: "UNAUTHENTICATED" } });
}

const PlatformTenantType = builder.objectRef<PlatformTenant>("PlatformTenant").implement({
  description: "A tenant as the platform administration sees it: name, slug, members, suspension; nothing of its data.",
  fields: (t) => ({
    id: t.id({ description: "The tenant's global id (the same as Tenant.id).", resolve: (p) => encodeGlobalID("Tenant", p.id) }),
    name: t.exposeString("name"),
    slug: t.exposeString("slug"),
    createdAt: t.field({ type: "DateTime", resolve: (p) => p.createdAt }),
    memberCount: t.exposeInt("memberCount"),
    suspended: t.boolean({ resolve: (p) => p.suspendedAt !== null }),
    suspendedAt: t.field({ type: "DateTime", nullable: true, resolve: (p) => p.suspendedAt }),
    suspensionReason: t.string({ nullable: true, resolve: (p) => p.suspensionReason }),
  }),
});

builder.queryField("tenants", (t) =>
  t.connection(
    {
      type: PlatformTenantType,
      description: "Every tenant, oldest first (platform administrators only).",
      resolve: (_root, args, ctx) => {
        platformAdminOf(ctx);
        return resolveOffsetConnection({ args, defaultSize: 50, maxSize: MAX_PAGE_SIZE }, ({ limit, offset }) =>
          listTenants(ctx.services, { limit, offset }),
        );
      },
    },
    { name: "PlatformTenantConnection" },
    { name: "PlatformTenantEdge" },
  ),
);

type TenantPayloadShape = Payload<{ tenantId: string }>;

function tenantPayload(name: string) {
  return payloadType<TenantPayloadShape & { ownerMembershipId?: string; ownerUserId?: string; sendsRequeued?: number }>(name, (t) => ({
    tenant: t.field({
      type: PlatformTenantType,
      nullable: true,
      resolve: (p, _args, ctx) => (p.tenantId ? findTenant(ctx.services, p.tenantId) : null),
    }),
  }));
}

const TenantCreateInput = builder.inputType("TenantCreateInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    slug: t.string({ required: true, description: "Lowercase letters, digits and dashes; unique." }),
    ownerEmail: t.string({ required: true, description: "The first OWNER (their account is created when new)." }),
    ownerName: t.string({ required: false }),
  }),
});

const TenantCreatePayload = payloadType<Payload<{ tenantId: string; ownerMembershipId: string; ownerUserId: string }>>("TenantCreatePayload", (t) => ({
  tenant: t.field({
    type: PlatformTenantType,
    nullable: true,
    resolve: (p, _args, ctx) => (p.tenantId ? findTenant(ctx.services, p.tenantId) : null),
  }),
  ownerMembershipId: t.id({ nullable: true, resolve: (p) => (p.ownerMembershipId ? encodeGlobalID("Membership", p.ownerMembershipId) : null) }),
}));

builder.mutationField("tenantCreate", (t) =>
  t.field({
    type: TenantCreatePayload,
    description: "Creates a tenant with its first OWNER (platform administrators only).",
    args: { input: t.arg({ type: TenantCreateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const admin = platformAdminOf(ctx);
      const parsed = parseInput(tenantCreateSchema, { ...input, ownerName: input.ownerName ?? undefined });
      if (!parsed.ok) return errorPayload(parsed.errors);
      return toPayload(await createTenant(ctx.services, admin, ctx.meta, parsed.data));
    },
  }),
);

const TenantSuspendInput = builder.inputType("TenantSuspendInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    reason: t.string({ required: true, description: "Why; kept in the tenant's audit log." }),
  }),
});

builder.mutationField("tenantSuspend", (t) =>
  t.field({
    type: tenantPayload("TenantSuspendPayload"),
    description:
      "Suspends a tenant (platform administrators only): its credentials are refused (TENANT_SUSPENDED), nothing is sent, its queued jobs wait.",
    args: { input: t.arg({ type: TenantSuspendInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const admin = platformAdminOf(ctx);
      const id = idOf(String(input.tenantId), "Tenant", ["input", "tenantId"]);
      if (!id.ok) return errorPayload(id.errors);
      const parsed = parseInput(tenantSuspendSchema, { tenantId: id.id, reason: input.reason });
      if (!parsed.ok) return errorPayload(parsed.errors);
      return toPayload(await suspendTenant(ctx.services, admin, ctx.meta, parsed.data));
    },
  }),
);

const TenantResumeInput = builder.inputType("TenantResumeInput", {
  fields: (t) => ({ tenantId: t.id({ required: true }) }),
});

builder.mutationField("tenantResume", (t) =>
  t.field({
    type: tenantPayload("TenantResumePayload"),
    description: "Resumes a suspended tenant (platform administrators only); its held sends are queued again at once.",
    args: { input: t.arg({ type: TenantResumeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const admin = platformAdminOf(ctx);
      const id = idOf(String(input.tenantId), "Tenant", ["input", "tenantId"]);
      if (!id.ok) return errorPayload(id.errors);
      return toPayload(await resumeTenant(ctx.services, admin, ctx.meta, { tenantId: id.id }));
    },
  }),
);
