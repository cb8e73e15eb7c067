// Turning an incoming request (HTTP headers or WebSocket connection params)
// into the GraphQL context: who is calling, on which tenant, with which
// request id.
import { randomUUID } from "node:crypto";
import type { Principal, RequestMeta } from "../domain/access/principal.js";
import { RequestSession } from "../data/database.js";
import type { Authenticator, Credentials } from "../orchestration/access/auth.js";
import { accessExpectation, AuthenticationError, bearerFrom } from "../orchestration/access/auth.js";
import type { Services } from "../orchestration/services.js";
import { traceIdFromTraceparent } from "../observability/request-context.js";
import type { GraphQLContext } from "./context.js";

const NO_TENANT = "00000000-0000-0000-0000-000000000000";

export function requestMeta(headers: Record<string, string | string[] | undefined>): RequestMeta {
  const given = header(headers, "x-request-id");
  return {
    requestId: given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID(),
    traceId: traceIdFromTraceparent(header(headers, "traceparent")),
  };
}

export function header(headers: Record<string, unknown>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === "string") return value;
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  }
  return undefined;
}

/**
 * Credentials from HTTP headers or connection_init params. Accepts
 * `Authorization: Bearer <jwt|sk_…>` or `X-Api-Key: sk_…`, at the top level or
 * under `headers` (how some clients nest them), and `token` in WS params.
 * A present but malformed Authorization header is refused, not ignored.
 */
export function credentialsFrom(source: Record<string, unknown>): Credentials {
  const nested = typeof source.headers === "object" && source.headers !== null ? (source.headers as Record<string, unknown>) : {};
  const authorization = header(source, "authorization") ?? header(nested, "authorization");
  const apiKey = header(source, "x-api-key") ?? header(nested, "x-api-key");
  const token = typeof source.token === "string" ? source.token : undefined;
  if (authorization !== undefined && authorization.trim() !== "") {
    const bearer = bearerFrom(authorization);
    if (!bearer) throw new AuthenticationError('The Authorization header must be "Bearer <token>".');
    return { bearer, apiKey: apiKey ?? null };
  }
  return { bearer: token ?? null, apiKey: apiKey ?? null };
}

/** The context of one operation; its reads go through `session` (one transaction, one connection at a time). */
export function contextFor(
  services: Services,
  principal: Principal | null,
  meta: RequestMeta,
  idempotencyKey: string | null,
  session: RequestSession = new RequestSession(services.db),
): GraphQLContext {
  session.scope = { tenantId: principal?.tenantId ?? NO_TENANT, userId: principal?.userId ?? null, access: accessExpectation(principal) };
  return { principal, meta, services, idempotencyKey, db: session.client, session };
}

export async function authenticate(authenticator: Authenticator, source: Record<string, unknown>): Promise<Principal | null> {
  return authenticator.authenticate(credentialsFrom(source));
}
