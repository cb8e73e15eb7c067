// The GraphQL context of one request or one subscription connection.
import type { PrismaClient, RequestSession } from "../data/database.js";
import type { Principal, RequestMeta } from "../domain/access/principal.js";
import type { Actor } from "../orchestration/unit-of-work.js";
import type { Services } from "../orchestration/services.js";
import type { PlatformAdmin } from "../orchestration/access/platform-admin.js";
import { GraphQLError } from "graphql";
import type { RateLimitStatus } from "./rate-limit.js";

export interface GraphQLContext {
  principal: Principal | null;
  meta: RequestMeta;
  /** Reads through this client are confined to the principal's tenant by row-level security. */
  db: PrismaClient;
  /**
   * The request's database session behind `db`: one transaction shared by the
   * resolvers, and withTenant() calls made during the request take turns with
   * it, so a request holds at most one pooled connection at a time.
   */
  session: RequestSession;
  services: Services;
  /** From the Idempotency-Key header; applies to the request's mutation. */
  idempotencyKey: string | null;
  /** What this operation cost and what is left of the caller's budget (set before execution; HTTP only). */
  rateLimit?: RateLimitStatus;
  /** A platform administrator (src/orchestration/access/platform-admin.ts); they are never also a tenant principal. */
  platformAdmin?: PlatformAdmin | null;
}

/** The acting principal; auth scopes have already refused anonymous callers on protected fields. */
export function actorOf(ctx: GraphQLContext): Actor {
  if (!ctx.principal) throw new GraphQLError("Authentication required.", { extensions: { code: "UNAUTHENTICATED" } });
  return { principal: ctx.principal, meta: ctx.meta };
}
