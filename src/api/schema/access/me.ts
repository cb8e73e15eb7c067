import type { Principal } from "../../../domain/access/principal.js";
import { builder } from "../../builder.js";
import { PermissionEnum } from "./api-key.js";
import { RoleEnum } from "./role.js";

const PrincipalKindEnum = builder.enumType("PrincipalKind", { values: ["USER", "API_KEY", "AGENT"] as const });

const MeType = builder.objectRef<Principal>("Me").implement({
  description: "Who the caller is in this tenant, and what they may do.",
  fields: (t) => ({
    kind: t.field({ type: PrincipalKindEnum, resolve: (p) => p.kind }),
    role: t.field({ type: RoleEnum, resolve: (p) => p.role }),
    permissions: t.field({ type: [PermissionEnum], resolve: (p) => [...p.permissions].sort() }),
    tenant: t.prismaField({
      type: "Tenant",
      resolve: (query, p, _args, ctx) => ctx.db.tenant.findUniqueOrThrow({ ...query, where: { id: p.tenantId } }),
    }),
    user: t.prismaField({
      type: "User",
      nullable: true,
      description: "The person (for an API key: the person who created it).",
      resolve: (query, p, _args, ctx) => (p.userId ? ctx.db.user.findUnique({ ...query, where: { id: p.userId } }) : null),
    }),
    apiKey: t.prismaField({
      type: "ApiKey",
      nullable: true,
      resolve: (query, p, _args, ctx) => (p.kind === "API_KEY" ? ctx.db.apiKey.findUnique({ ...query, where: { id: p.id } }) : null),
    }),
  }),
});

builder.queryField("me", (t) =>
  t.field({
    type: MeType,
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ctx.principal!,
  }),
);
