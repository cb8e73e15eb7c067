// Apollo plugins: per-operation metrics and logs, and the cost limits.
import type { ApolloServerPlugin } from "@apollo/server";
import { HeaderMap } from "@apollo/server";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { Config } from "../config/index.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { GraphQLContext } from "./context.js";
import { operationCost } from "./limits.js";
import { RateLimitedError, type RateLimiter } from "./rate-limit.js";

/** Operation names come from clients; keep the label set bounded. */
const MAX_OPERATION_LABELS = 500;
const seenOperations = new Set<string>();
export function operationLabel(name: string | null | undefined): string {
  if (!name) return "anonymous";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return "invalid";
  if (seenOperations.has(name)) return name;
  if (seenOperations.size >= MAX_OPERATION_LABELS) return "other";
  seenOperations.add(name);
  return name;
}

export function observabilityPlugin(metrics: Metrics, logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let hadErrors = false;
      return {
        async didEncounterErrors({ errors }) {
          hadErrors = true;
          for (const e of errors) metrics.graphqlErrors.inc({ code: String(e.extensions?.code ?? "INTERNAL_SERVER_ERROR") });
        },
        async willSendResponse({ operationName, operation, contextValue, response }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const operationType = operation?.operation ?? "unknown";
          const label = operationLabel(operationName);
          const bodyErrors = response.body.kind === "single" ? (response.body.singleResult.errors?.length ?? 0) : 0;
          const outcome = hadErrors || bodyErrors > 0 ? "error" : "success";
          metrics.graphqlRequests.inc({ operation: label, type: operationType, outcome });
          metrics.graphqlDuration.observe({ operation: label, type: operationType }, seconds);
          logger.info(
            {
              operation: label,
              operationType,
              outcome,
              durationMs: Math.round(seconds * 1000),
              principal: contextValue?.principal?.label,
            },
            "graphql operation",
          );
        },
      };
    },
  };
}

export function costLimitPlugin(config: Config, schema: GraphQLSchema, rateLimiter?: RateLimiter): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, contextValue }) {
          const { complexity, error } = operationCost(config, schema, document, request.variables, contextValue);
          if (error) throw error;
          // Fair use: the caller's and the tenant's buckets pay the operation's cost before anything runs.
          const principal = contextValue.principal;
          if (!rateLimiter || !principal) return;
          try {
            contextValue.rateLimit = await rateLimiter.charge(principal, complexity);
          } catch (refusal) {
            if (!(refusal instanceof RateLimitedError)) throw refusal;
            contextValue.rateLimit = refusal.status;
            throw new GraphQLError(refusal.message, {
              extensions: {
                code: "RATE_LIMITED",
                retryAfterSeconds: refusal.retryAfterSeconds,
                scope: refusal.scope,
                http: { status: 429, headers: new HeaderMap([["retry-after", String(refusal.retryAfterSeconds)]]) },
              },
            });
          }
        },
        async willSendResponse({ contextValue, response }) {
          const status = contextValue.rateLimit;
          if (!status) return;
          response.http.headers.set("x-ratelimit-limit", String(status.limit));
          response.http.headers.set("x-ratelimit-remaining", String(status.remaining));
          response.http.headers.set("x-ratelimit-reset", String(Math.ceil(status.resetAt.getTime() / 1000)));
          response.http.headers.set("x-ratelimit-cost", String(status.cost));
        },
      };
    },
  };
}
