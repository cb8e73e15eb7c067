// Limits on what one operation may ask for, applied the same way over HTTP
// and WebSocket: token count (at parse time), aliases, directives, depth and
// cost. A query over a limit is refused before any resolver runs.
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { complexityFromQuery } from "@pothos/plugin-complexity";
import { GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationContext, type ValidationRule } from "graphql";
import type { Config } from "../config/index.js";

/** graphql-armor throws by default; report the error through validation instead (a 400, not a 500). */
const report = {
  propagateOnRejection: false,
  exposeLimits: true,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ""))),
  ],
};

export function validationRules(config: Config): ValidationRule[] {
  return [
    maxAliasesRule({ n: config.GRAPHQL_MAX_ALIASES, ...report }) as unknown as ValidationRule,
    maxDirectivesRule({ n: config.GRAPHQL_MAX_DIRECTIVES, ...report }) as unknown as ValidationRule,
    // Depth counted over the whole document, introspection included.
    maxDepthRule({ n: config.GRAPHQL_MAX_DEPTH, flattenFragments: true, ...report }) as unknown as ValidationRule,
  ];
}

/** Cost of the operation: a connection counts its page size (`first`/`last`) times what each node asks for. */
export function checkOperationCost(
  config: Config,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  ctx: object,
): GraphQLError | null {
  let result: { complexity: number };
  try {
    result = complexityFromQuery(document, { schema, ctx, variables: variables ?? {} });
  } catch {
    return null; // malformed documents are reported by validation itself
  }
  if (result.complexity > config.GRAPHQL_MAX_COMPLEXITY) {
    return new GraphQLError(`Query is too costly (cost ${result.complexity}, max ${config.GRAPHQL_MAX_COMPLEXITY}). Ask for smaller pages or fewer fields.`, {
      extensions: { code: "QUERY_TOO_COMPLEX", http: { status: 400 } },
    });
  }
  return null;
}
