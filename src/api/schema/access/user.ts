import { builder } from "../../builder.js";
import type { GraphQLContext } from "../../context.js";

/** Whether the caller is this person, signed in as themselves (not an API key acting for them). */
const isSelf = (ctx: GraphQLContext, userId: string) => ctx.principal?.kind === "USER" && ctx.principal.userId === userId;

// A person's account is global (one person, several tenants); what a tenant
// sees of someone else is what that tenant knows: the name it gave them when
// adding them and when they joined. Row-level security confines `memberships`
// to the caller's tenant, so the one row here is this tenant's membership.
const THIS_TENANT = { memberships: { select: { displayName: true, createdAt: true }, take: 1 } } as const;

export const UserType = builder.prismaNode("User", {
  id: { field: "id" },
  description: "A person. Visible only to tenants they belong to.",
  fields: (t) => ({
    email: t.exposeString("email"),
    name: t.string({
      description: "The person's own name for themselves; for anyone else, the name this tenant gave them when adding them.",
      select: { name: true, ...THIS_TENANT },
      resolve: (user, _args, ctx) => (isSelf(ctx, user.id) ? user.name : (user.memberships[0]?.displayName ?? user.name)),
    }),
    createdAt: t.field({
      type: "DateTime",
      description: "For the person themselves, when their account was created; for anyone else, when they joined this tenant.",
      select: { createdAt: true, ...THIS_TENANT },
      resolve: (user, _args, ctx) => (isSelf(ctx, user.id) ? user.createdAt : (user.memberships[0]?.createdAt ?? user.createdAt)),
    }),
  }),
});
