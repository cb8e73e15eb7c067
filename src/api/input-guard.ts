// One check at the edge for every argument of every field (queries,
// mutations, subscriptions and nested fields, over HTTP and WebSocket alike):
// text PostgreSQL cannot store (NUL, lone UTF-16 surrogates), object keys
// named like JavaScript built-ins, JSON nested too deeply and pagination
// cursors this API did not issue are refused with BAD_USER_INPUT naming the
// argument path — before any resolver runs, so nothing is changed.
//
// A few arguments answer per item instead (ROW_LEVEL): a leadImport row with
// such a value is REJECTED on its own, and messageIngest's raw text gets a
// userError at input.raw. Their depth is still checked here.
//
// The plugin also keeps a committed mutation from answering with an error
// when reading its payload back fails afterwards (see committedFallback).
import type { ApolloServerPlugin } from "@apollo/server";
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from "@pothos/core";
import { GraphQLError, isObjectType, Kind, type FieldNode, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import { MAX_JSON_DEPTH, valueProblem } from "../domain/draft/safe-text.js";
import { committedRow, finalRow } from "../orchestration/unit-of-work.js";

/** Argument paths (field → paths under its arguments) whose content is judged per item further in. */
const ROW_LEVEL: Record<string, string[]> = {
  "Mutation.leadImport": ["input.csv", "input.rows"],
  "Mutation.messageIngest": ["input.raw"],
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_ARGS = new Set(["after", "before"]);

/** A cursor this API issues: Pothos' prisma cursor of a uuid id ("GPC:S:<uuid>", base64). */
export function isWellFormedCursor(cursor: string): boolean {
  if (cursor.length > 200 || !/^[A-Za-z0-9+/]+={0,2}$/.test(cursor)) return false;
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  return decoded.startsWith("GPC:S:") && UUID.test(decoded.slice(6));
}

function badInput(message: string, argumentPath: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", argumentPath } });
}

/** Throws BAD_USER_INPUT for the first argument value the service must not accept. */
export function checkArguments(fieldKey: string, args: Record<string, unknown>, isConnection: boolean): void {
  const lenient = ROW_LEVEL[fieldKey] ?? [];
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined || value === null) continue;
    if (isConnection && CURSOR_ARGS.has(name) && typeof value === "string" && !isWellFormedCursor(value)) {
      throw badInput(`Argument "${name}" is not a cursor from this API; use a cursor from a previous page.`, [name]);
    }
    const problem = valueProblem(value, { maxDepth: MAX_JSON_DEPTH, lenientAt: lenient, basePath: [name] });
    if (problem) {
      const path = [name, ...problem.path];
      throw badInput(`Argument "${path.join(".")}" ${problem.message}.`, path);
    }
  }
}

const isPayloadType = (name: string) => name.endsWith("Payload");

export class InputGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types["Context"], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types["Context"], object> {
    let wrapped = resolver;
    if (Object.keys(fieldConfig.args).length > 0) {
      const key = `${fieldConfig.parentType}.${fieldConfig.name}`;
      const inner = wrapped;
      const isConnection = "after" in fieldConfig.args || "before" in fieldConfig.args;
      wrapped = (parent, args, context, info) => {
        checkArguments(key, args as Record<string, unknown>, isConnection);
        return inner(parent, args, context, info);
      };
    }
    if (fieldConfig.parentType === "Query" && (fieldConfig.name === "node" || fieldConfig.name === "nodes")) wrapped = onlyLoadableNodeIds(wrapped);
    if (isPayloadType(fieldConfig.parentType)) wrapped = committedFallback(wrapped, fieldConfig.name);
    return wrapped;
  }

  override wrapSubscribe(
    subscribe: GraphQLFieldResolver<unknown, Types["Context"], object> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types["Context"], object> | undefined {
    if (!subscribe || Object.keys(fieldConfig.args).length === 0) return subscribe;
    const key = `${fieldConfig.parentType}.${fieldConfig.name}`;
    return (parent, args, context, info) => {
      checkArguments(key, args as Record<string, unknown>, false);
      return subscribe(parent, args, context, info);
    };
  }
}

type ParsedId = { typename: string; id: string };

/** A global id (as the relay plugin parsed it) that can name an object: a Node type and a uuid. */
function isLoadable(ref: unknown, schema: GraphQLSchema): boolean {
  if (!ref || typeof ref !== "object") return false;
  const { typename, id } = ref as ParsedId;
  if (typeof typename !== "string" || typeof id !== "string" || !UUID.test(id)) return false;
  const type = schema.getType(typename);
  return isObjectType(type) && type.getInterfaces().some((i) => i.name === "Node");
}

/**
 * node(id) / nodes(ids): an id of an unknown type, of a type that is not a
 * Node, or with an id part that is not a uuid names nothing — null, like an id
 * of another tenant — and is never sent to the database.
 */
function onlyLoadableNodeIds<C>(resolver: GraphQLFieldResolver<unknown, C, object>): GraphQLFieldResolver<unknown, C, object> {
  return async (parent, args, context, info) => {
    const a = args as { id?: unknown; ids?: unknown[] };
    if ("id" in a) return isLoadable(a.id, info.schema) ? resolver(parent, args, context, info) : null;
    if (!Array.isArray(a.ids)) return resolver(parent, args, context, info);
    const keep = a.ids.map((ref) => isLoadable(ref, info.schema));
    if (keep.every(Boolean)) return resolver(parent, args, context, info);
    const found = (await resolver(parent, { ...args, ids: a.ids.filter((_, i) => keep[i]) }, context, info)) as unknown[];
    let next = 0;
    return keep.map((k) => (k ? found[next++] : null));
  };
}

/**
 * A payload field (`lead`, `draft`, …) of a mutation whose transaction
 * committed reads its object again after the commit. When that read fails
 * (the connection was killed, the database went away), the answer is the
 * row as it was committed, read back inside the transaction by runMutation —
 * never an error for a change that happened.
 */
function committedFallback<C>(resolver: GraphQLFieldResolver<unknown, C, object>, fieldName: string): GraphQLFieldResolver<unknown, C, object> {
  return async (parent, args, context, info) => {
    // The use case remembered the row as final and only its own fields are asked for (no relations,
    // no fragments): answer from it rather than read it again (issue 14, write path).
    const final = finalRow(parent, `${fieldName}Id`);
    if (final && info.fieldNodes.every(isFlatSelection)) return final;
    try {
      return await resolver(parent, args, context, info);
    } catch (error) {
      const row = committedRow(parent, `${fieldName}Id`);
      if (row) return row;
      throw error;
    }
  };
}

/** A field whose sub-selection is plain fields only: no nested objects, no fragments. */
function isFlatSelection(node: FieldNode): boolean {
  return (node.selectionSet?.selections ?? []).every((s) => s.kind === Kind.FIELD && !s.selectionSet);
}

SchemaBuilder.registerPlugin("inputGuard", InputGuardPlugin);

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      inputGuard: InputGuardPlugin<Types>;
    }
  }
}

const inputGuardPlugin = "inputGuard" as const;
export default inputGuardPlugin;

/**
 * Apollo plugin: a subscription sent over HTTP (POST or GET) is a client
 * mistake — subscriptions are served by graphql-ws on the same path — and gets
 * 400 with a message that says so, before anything runs.
 */
export function subscriptionsOverHttpPlugin(): ApolloServerPlugin<object> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== "subscription") return;
          throw new GraphQLError("Subscriptions are served over WebSocket (graphql-ws, subprotocol graphql-transport-ws) on this path, not over HTTP.", {
            extensions: { code: "BAD_REQUEST", http: { status: 400 } },
          });
        },
      };
    },
  };
}
