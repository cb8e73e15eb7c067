// `rateLimit`: what this operation cost and what is left of the caller's
// request budget (src/api/rate-limit.ts), in the GitHub style.
import { builder } from "../builder.js";
import type { RateLimitStatus } from "../rate-limit.js";

const RateLimitType = builder.objectRef<RateLimitStatus>("RateLimit").implement({
  description: "The caller's request budget after this operation was charged. Operations cost 1 point plus 1 per 100 of their computed complexity.",
  fields: (t) => ({
    cost: t.exposeInt("cost", { description: "Points this operation cost." }),
    limit: t.exposeInt("limit", { description: "The caller's points per window." }),
    remaining: t.exposeInt("remaining", { description: "Points left (the lower of the caller's and the tenant's budget)." }),
    resetAt: t.field({ type: "DateTime", description: "When the budget is full again.", resolve: (s) => s.resetAt }),
  }),
});

builder.queryField("rateLimit", (t) =>
  t.field({
    type: RateLimitType,
    nullable: true,
    description: "The caller's request budget (null over WebSocket, where operations are not charged).",
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ctx.rateLimit ?? null,
  }),
);
