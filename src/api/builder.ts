// The one Pothos schema builder: plugins are registered here once, with the
// context and auth scope types. Types and fields live one file per feature
// under src/api/schema/.
import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import type PrismaTypes from "../generated/pothos-prisma-types.js";
import { getDatamodel } from "../generated/pothos-prisma-types.js";
import type { Permission } from "../domain/permission.js";
import { can } from "../domain/principal.js";
import type { GraphQLContext } from "./context.js";
import InputGuardPlugin from "./input-guard.js";

/** Prisma's "record not found" (P2025) becomes null, as Relay's node field expects. */
async function nullIfMissing<T>(lookup: T | Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (error) {
    if ((error as { code?: string }).code === "P2025") return null;
    throw error;
  }
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    authenticated: boolean;
    permission: Permission;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // InputGuardPlugin last: it sees arguments as parsed (global ids decoded) and runs before every resolver.
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin, InputGuardPlugin],
  // Fields are non-null unless they say otherwise; payload fields say so.
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      authenticated: ctx.principal !== null,
      permission: (permission) => can(ctx.principal, permission),
    }),
    unauthorizedError: (_parent, ctx) =>
      ctx.principal
        ? new GraphQLError("Your role does not allow this.", { extensions: { code: "FORBIDDEN" } })
        : new GraphQLError("Authentication required.", { extensions: { code: "UNAUTHENTICATED" } }),
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
    maxConnectionSize: MAX_PAGE_SIZE,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    edgesFieldOptions: { nullable: false, complexity: { field: 0, multiplier: 1 } },
    // A connection costs its page size times what each node asks for.
    defaultConnectionFieldOptions: {
      complexity: (args: { first?: number | null; last?: number | null }) => ({
        field: 1,
        multiplier: Math.min(Math.max(args.first ?? args.last ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE),
      }),
    },
    nodeFieldOptions: { nullable: false },
    // Another tenant's id (hidden by row-level security) or a deleted object reads as null.
    nodeQueryOptions: {
      authScopes: { authenticated: true },
      resolve: (_root, { id }, _ctx, _info, resolveNode) => nullIfMissing(resolveNode(id)),
    },
    nodesQueryOptions: {
      authScopes: { authenticated: true },
      resolve: (_root, { ids }, _ctx, _info, resolveNodes) => Promise.all(ids.map((id) => nullIfMissing(resolveNodes([id]).then((r) => r[0])))),
    },
  },
  // Costs are declared here and on fields; the limits are enforced before
  // execution by src/api/limits.ts, for HTTP and WebSocket alike.
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
  },
});

builder.addScalarType("DateTime", DateTimeResolver);
builder.addScalarType("JSON", JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
