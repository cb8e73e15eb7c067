// The GraphQL context of one request or one subscription connection.
import type { PrismaClient } from "../data/database.js";
import type { Principal, RequestMeta } from "../domain/principal.js";
import type { Actor } from "../orchestration/unit-of-work.js";
import type { Services } from "../orchestration/services.js";
import { GraphQLError } from "graphql";

export interface GraphQLContext {
  principal: Principal | null;
  meta: RequestMeta;
  /** Reads through this client are confined to the principal's tenant by row-level security. */
  db: PrismaClient;
  services: Services;
  /** From the Idempotency-Key header; applies to the request's mutation. */
  idempotencyKey: string | null;
}

/** The acting principal; auth scopes have already refused anonymous callers on protected fields. */
export function actorOf(ctx: GraphQLContext): Actor {
  if (!ctx.principal) throw new GraphQLError("Authentication required.", { extensions: { code: "UNAUTHENTICATED" } });
  return { principal: ctx.principal, meta: ctx.meta };
}
