// What clients see when something goes wrong. Client faults keep their
// message and code; anything else is an internal error whose details stay in
// the log (with the request id, which the client also gets to quote).
import type { GraphQLFormattedError } from "graphql";
import { currentRequestContext } from "../observability/request-context.js";
import type { Logger } from "../observability/logger.js";

/** Codes whose message is meant for the client (it describes the client's own mistake). */
const CLIENT_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "QUERY_TOO_COMPLEX",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  // Database budget (src/data/database.ts): no connection free in time, or the request ran too long.
  "SERVICE_UNAVAILABLE",
  "TIMEOUT",
  // The caller's tenant is suspended by the platform (src/orchestration/tenant/tenant-lifecycle.ts).
  "TENANT_SUSPENDED",
  "RATE_LIMITED",
]);

function hasErrorNamed(error: unknown, name: string): boolean {
  let e = error as { name?: string; originalError?: unknown } | undefined;
  for (let i = 0; e && i < 4; i++) {
    if (e.name === name) return true;
    e = e.originalError as typeof e;
  }
  return false;
}

/** Errors thrown by Pothos for bad arguments (cursors, connection arguments, global ids). */
function isPothosValidationError(error: unknown): boolean {
  return hasErrorNamed(error, "PothosValidationError");
}

export function createErrorFormatter(options: { development: boolean; logger: Logger }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const requestId = currentRequestContext()?.requestId;
    let code = String(formatted.extensions?.code ?? "INTERNAL_SERVER_ERROR");
    if (code === "INTERNAL_SERVER_ERROR" && isPothosValidationError(error)) code = "BAD_USER_INPUT";
    // A cached caller whose access changed mid-request (src/orchestration/access/auth.ts): the message says to retry.
    if (code === "INTERNAL_SERVER_ERROR" && hasErrorNamed(error, "AccessChangedError")) code = "FORBIDDEN";
    if (CLIENT_CODES.has(code)) {
      let message = formatted.message.replace(/^Context creation failed: /, "");
      // Field suggestions help an attacker map a schema whose introspection is off.
      if (!options.development) message = message.replace(/ Did you mean .*\?$/, "");
      // Where in the arguments the fault is (input checks at the edge say so).
      const argumentPath = formatted.extensions?.argumentPath;
      const at = Array.isArray(argumentPath) && argumentPath.every((p) => typeof p === "string") ? { argumentPath } : {};
      // When to come back, and whose budget ran out: the caller's own or the whole tenant's (RATE_LIMITED).
      const retryAfterSeconds = formatted.extensions?.retryAfterSeconds;
      const retry = typeof retryAfterSeconds === "number" ? { retryAfterSeconds } : {};
      const scope = formatted.extensions?.scope;
      const whose = code === "RATE_LIMITED" && (scope === "caller" || scope === "tenant") ? { scope } : {};
      return { message, locations: formatted.locations, path: formatted.path, extensions: { code, requestId, ...at, ...retry, ...whose } };
    }
    options.logger.error({ err: error, requestId }, "internal error in GraphQL operation");
    if (options.development) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code, requestId } };
    }
    return {
      message: "Internal server error. Quote the request id when reporting it.",
      path: formatted.path,
      extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
    };
  };
}
