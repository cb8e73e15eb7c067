// sessionRefresh (src/orchestration/access/session-refresh.ts): the console
// trades its session token, before it expires, for a fresh one.
import { refreshSession, type RefreshedSession } from "../../../orchestration/access/session-refresh.js";
import { actorOf } from "../../context.js";
import { builder } from "../../builder.js";
import { payloadType, toPayload, type Payload } from "../user-error.js";

builder.mutationField("sessionRefresh", (t) =>
  t.field({
    type: payloadType<Payload<RefreshedSession>>("SessionRefreshPayload", (f) => ({
      token: f.string({ nullable: true, description: "The new bearer token for the same workspace. Keep it out of URLs and logs; the old one works until it expires.", resolve: (p) => p.token ?? null }),
      expiresAt: f.field({ type: "DateTime", nullable: true, description: "When the new token expires.", resolve: (p) => p.expiresAt ?? null }),
      sessionEndsAt: f.field({ type: "DateTime", nullable: true, description: "OIDC_SESSION_MAX_HOURS after the sign-in: no refresh goes beyond it.", resolve: (p) => p.sessionEndsAt ?? null }),
    })),
    description:
      "Exchanges the caller's session token (a person's bearer token) for a fresh one for the same workspace, valid OIDC_SESSION_HOURS, but never beyond OIDC_SESSION_MAX_HOURS after the sign-in (then SESSION_EXPIRED: sign in again). After a sign-in with the identity provider, the provider renews the grant first (its refresh token, kept server-side): when it refuses, the session ends and its tokens stop working (SESSION_REVOKED: sign in again); when it cannot be reached, PROVIDER_UNAVAILABLE (the current token works until it expires); when it gave no refresh token, the session lasts at most OIDC_SESSION_UNCHECKED_MAX_HOURS. API keys get FORBIDDEN. Audited as session.refreshed (session.ended when the provider refused).",
    authScopes: { authenticated: true },
    resolve: async (_root, _args, ctx) => toPayload(await refreshSession(ctx.services, actorOf(ctx))),
  }),
);
