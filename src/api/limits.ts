// Limits on what one operation may ask for, applied the same way over HTTP
// and WebSocket: token count (at parse time), aliases, directives, depth and
// cost. A query over a limit is refused before any resolver runs. Aliases
// count `__typename` too; directives count those on fragment spreads too.
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { complexityFromQuery } from "@pothos/plugin-complexity";
import {
  GraphQLError,
  Kind,
  type ASTNode,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { Config } from "../config/index.js";

/**
 * Limit errors carry the validation code themselves: Apollo adds it over HTTP,
 * but over WebSocket an error without a code would be masked as internal.
 */
const VALIDATION_FAILED = { code: "GRAPHQL_VALIDATION_FAILED" } as const;

/** graphql-armor throws by default; report the error through validation instead (a 400, not a 500). */
const report = {
  propagateOnRejection: false,
  exposeLimits: true,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ""), { extensions: VALIDATION_FAILED })),
  ],
};

/**
 * Counts every directive an operation carries once its fragments are
 * expanded: on the operation, its variables, fields, inline fragments,
 * fragment definitions AND fragment spreads. (graphql-armor's rule forgets
 * the directives on a spread of a fragment it has already seen, so
 * `...F @skip(if: false)` a thousand times counted as one.) Each fragment is
 * counted once and its count reused per spread, so a deep fragment fan-out
 * costs linear time; cycles are left to the NoFragmentCycles rule.
 */
export function maxDirectivesRule(max: number): ValidationRule {
  return (context: ValidationContext) => {
    const fragmentCounts = new Map<string, number>();
    const inProgress = new Set<string>();
    const own = (node: { directives?: readonly DirectiveNode[] }) => node.directives?.length ?? 0;
    const countFragment = (name: string): number => {
      const cached = fragmentCounts.get(name);
      if (cached !== undefined) return cached;
      const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(name);
      if (!fragment || inProgress.has(name)) return 0;
      inProgress.add(name);
      const n = own(fragment) + countSelections(fragment.selectionSet);
      inProgress.delete(name);
      fragmentCounts.set(name, n);
      return n;
    };
    const countSelections = (set: SelectionSetNode | undefined): number => {
      let n = 0;
      for (const selection of set?.selections ?? []) {
        n += own(selection);
        if (selection.kind === Kind.FRAGMENT_SPREAD) n += countFragment(selection.name.value);
        else n += countSelections(selection.selectionSet);
      }
      return n;
    };
    return {
      OperationDefinition(operation) {
        const variables = (operation.variableDefinitions ?? []).reduce((sum, v) => sum + own(v), 0);
        const found = own(operation) + variables + countSelections(operation.selectionSet);
        if (found > max) context.reportError(
            new GraphQLError(`Directives limit of ${max} exceeded, found ${found}.`, { nodes: [operation as ASTNode], extensions: VALIDATION_FAILED }),
          );
      },
    };
  };
}

export function validationRules(config: Config): ValidationRule[] {
  return [
    // An empty allow-list: `__typename` aliases count like any other (graphql-armor exempts them by default).
    maxAliasesRule({ n: config.GRAPHQL_MAX_ALIASES, allowList: [], ...report }) as unknown as ValidationRule,
    maxDirectivesRule(config.GRAPHQL_MAX_DIRECTIVES),
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
  return operationCost(config, schema, document, variables, ctx).error;
}

/** The operation's computed complexity, and the error when it is over the limit. */
export function operationCost(
  config: Config,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  ctx: object,
): { complexity: number; error: GraphQLError | null } {
  let result: { complexity: number };
  try {
    result = complexityFromQuery(document, { schema, ctx, variables: variables ?? {} });
  } catch {
    return { complexity: 0, error: null }; // malformed documents are reported by validation itself
  }
  return { complexity: result.complexity, error: costError(config, result) };
}

function costError(config: Config, result: { complexity: number }): GraphQLError | null {
  if (result.complexity > config.GRAPHQL_MAX_COMPLEXITY) {
    return new GraphQLError(`Query is too costly (cost ${result.complexity}, max ${config.GRAPHQL_MAX_COMPLEXITY}). Ask for smaller pages or fewer fields.`, {
      extensions: { code: "QUERY_TOO_COMPLEX", http: { status: 400 } },
    });
  }
  return null;
}
