// Limits on what one operation may ask for, applied the same way over HTTP
// and WebSocket: token count (at parse time), aliases, directives, depth and
// cost. A query over a limit is refused before any resolver runs.
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { complexityFromQuery } from "@pothos/plugin-complexity";
import { GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationRule } from "graphql";
import type { Config } from "../config/index.js";

export function validationRules(config: Config): ValidationRule[] {
  return [
    maxAliasesRule({ n: config.GRAPHQL_MAX_ALIASES, exposeLimits: true }) as unknown as ValidationRule,
    maxDirectivesRule({ n: config.GRAPHQL_MAX_DIRECTIVES, exposeLimits: true }) as unknown as ValidationRule,
  ];
}

/** Depth and cost of the operation (connections count `first`/`last` times their children). */
export function checkOperationCost(
  config: Config,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  ctx: object,
): GraphQLError | null {
  let result: { complexity: number; depth: number };
  try {
    result = complexityFromQuery(document, { schema, ctx, variables: variables ?? {} });
  } catch {
    return null; // malformed documents are reported by validation itself
  }
  if (result.depth > config.GRAPHQL_MAX_DEPTH) {
    return new GraphQLError(`Query is too deep (depth ${result.depth}, max ${config.GRAPHQL_MAX_DEPTH}).`, {
      extensions: { code: "QUERY_TOO_COMPLEX", http: { status: 400 } },
    });
  }
  if (result.complexity > config.GRAPHQL_MAX_COMPLEXITY) {
    return new GraphQLError(`Query is too costly (cost ${result.complexity}, max ${config.GRAPHQL_MAX_COMPLEXITY}). Ask for smaller pages or fewer fields.`, {
      extensions: { code: "QUERY_TOO_COMPLEX", http: { status: 400 } },
    });
  }
  return null;
}
