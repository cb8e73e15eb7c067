import { readTenantSettings } from "../../../domain/tenant/tenant.js";
import { updateTenantSettings } from "../../../orchestration/tenant/tenant.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { payloadType, toPayload, type Payload } from "../user-error.js";

export const TenantType = builder.prismaNode("Tenant", {
  id: { field: "id" },
  fields: (t) => ({
    name: t.exposeString("name"),
    slug: t.exposeString("slug"),
    settings: t.field({
      type: "JSON",
      description: "The tenant's settings, with defaults filled in.",
      resolve: (tenant) => readTenantSettings(tenant.settings),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.queryField("tenant", (t) =>
  t.prismaField({
    type: "Tenant",
    description: "The caller's tenant.",
    authScopes: { permission: "tenant:read" },
    resolve: (query, _root, _args, ctx) => ctx.db.tenant.findUniqueOrThrow({ ...query, where: { id: ctx.principal!.tenantId } }),
  }),
);

const TenantUpdateSettingsInput = builder.inputType("TenantUpdateSettingsInput", {
  fields: (t) => ({
    name: t.string({ required: false }),
    settings: t.field({
      type: "JSON",
      required: false,
      description: "A JSON merge patch (RFC 7386) applied to the current settings; null removes a key (back to its default).",
    }),
    idempotencyKey: t.string({ required: false }),
  }),
});

const TenantUpdateSettingsPayload = payloadType<Payload<{ tenantId: string }>>(
  "TenantUpdateSettingsPayload",
  (t) => ({
    tenant: t.prismaField({
      type: "Tenant",
      nullable: true,
      resolve: (query, p, _args, ctx) => (p.tenantId ? ctx.db.tenant.findUnique({ ...query, where: { id: p.tenantId } }) : null),
    }),
  }),
);

builder.mutationField("tenantUpdateSettings", (t) =>
  t.field({
    type: TenantUpdateSettingsPayload,
    authScopes: { permission: "settings:write" },
    args: { input: t.arg({ type: TenantUpdateSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload(
        await updateTenantSettings(
          ctx.services,
          actorOf(ctx),
          { name: input.name, settings: input.settings },
          input.idempotencyKey ?? ctx.idempotencyKey,
        ),
      ),
  }),
);
