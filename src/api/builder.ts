// The one Pothos schema builder: plugins are registered here once, with the
// context and auth scope types. Types and fields live one file per feature
// under src/api/schema/.
import SchemaBuilder, { brandWithType } from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import PrismaPlugin, { queryFromInfo } from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError, type GraphQLResolveInfo } from "graphql";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import type PrismaTypes from "../generated/pothos-prisma-types.js";
import { getDatamodel } from "../generated/pothos-prisma-types.js";
import type { Permission } from "../domain/access/permission.js";
import { can } from "../domain/access/principal.js";
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

/**
 * `nodes(ids:)`: the ids grouped by type and each type loaded with one
 * findMany in the request's transaction, selecting what the query asks of
 * that type (Pothos's queryFromInfo, as prismaNode's own loader does). An id
 * that names nothing visible (another tenant's, deleted) is null. Ids of a
 * type that is not a Prisma-backed node go to Pothos's own resolver, which
 * decides how to refuse them. (Pothos's `resolveNodes` callback always loads
 * every id of the field, and prismaNode loads them one findUniqueOrThrow
 * each, failing all for one missing id: calling it per id loaded n² rows.)
 */
async function loadNodes(
  ids: readonly ({ typename: string; id: string } | null | undefined)[],
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
  /** Pothos's own resolver of all the ids. */
  resolveNodes: () => Promise<readonly unknown[]>,
): Promise<unknown[]> {
  const byType = new Map<string, { model: string; ids: Set<string> }>();
  for (const globalId of ids) {
    if (!globalId) continue;
    let group = byType.get(globalId.typename);
    if (!group) {
      const model = prismaNodeModel(globalId.typename);
      if (!model) return [...(await resolveNodes())];
      group = { model, ids: new Set() };
      byType.set(globalId.typename, group);
    }
    group.ids.add(globalId.id);
  }
  const found = new Map<string, unknown>();
  await Promise.all(
    [...byType].map(async ([typeName, { model, ids: typeIds }]) => {
      const query = await queryFromInfo({ context: ctx, info, typeName });
      const delegate = (ctx.db as unknown as Record<string, { findMany(args: unknown): Promise<{ id: string }[]> }>)[model.charAt(0).toLowerCase() + model.slice(1)]!;
      const rows = await delegate.findMany({ ...query, where: { id: { in: [...typeIds] } } });
      for (const row of rows) {
        // The Node interface resolves the object's type from this brand, as for Pothos's own loaders.
        brandWithType(row, typeName as never);
        found.set(`${typeName}:${row.id.toLowerCase()}`, row);
      }
    }),
  );
  return ids.map((globalId) => (globalId ? (found.get(`${globalId.typename}:${globalId.id.toLowerCase()}`) ?? null) : null));
}

/** The Prisma model behind a node type, or null when the type is not a Prisma-backed Node. */
function prismaNodeModel(typeName: string): string | null {
  try {
    const config = builder.configStore.getTypeConfig(typeName as never);
    const model = (config.extensions as { pothosPrismaModel?: unknown } | undefined)?.pothosPrismaModel;
    const loadable = config.kind === "Object" && typeof (config.pothosOptions as { loadWithoutCache?: unknown }).loadWithoutCache === "function";
    return loadable && typeof model === "string" ? model : null;
  } catch {
    return null;
  }
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/** The most ids one `nodes` call may ask for. */
export const MAX_NODE_IDS = 100;

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
    // At most MAX_NODE_IDS ids, costed per id, loaded with one query per type (see loadNodes).
    nodesQueryOptions: {
      description: `Fetches objects by global id, in the order given (null for an id that names nothing this caller can see). At most ${MAX_NODE_IDS} ids.`,
      authScopes: { authenticated: true },
      complexity: (args: { ids?: readonly unknown[] | null }) => ({ field: 1, multiplier: Math.max(args.ids?.length ?? 1, 1) }),
      resolve: (_root, { ids }, ctx, info, resolveNodes) => {
        if (ids.length > MAX_NODE_IDS) {
          throw new GraphQLError(`nodes takes at most ${MAX_NODE_IDS} ids; ${ids.length} were given.`, {
            extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
          });
        }
        return loadNodes(ids, ctx, info, () => resolveNodes(ids));
      },
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
