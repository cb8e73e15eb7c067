// Console sign-in with the identity provider (src/orchestration/access/oidc-sign-in.ts):
// `signInOptions` (public: what the sign-in page offers) and `signInWithOidc`
// (public: the code and PKCE verifier the browser holds → a session token per
// workspace). Neither needs credentials; neither reveals anything about a
// tenant to someone who is not its member.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { OidcError, type OidcPublicSettings } from "../../../integrations/oidc.js";
import { oidcSignInSchema, oidcSignInSettings, signInWithOidc, type OidcSignIn, type SignInWorkspace } from "../../../orchestration/access/oidc-sign-in.js";
import { builder } from "../../builder.js";
import { RoleEnum } from "./role.js";
import { errorPayload, parseInput, payloadType, toPayload, type Payload } from "../user-error.js";

const OidcSettingsType = builder.objectRef<OidcPublicSettings>("OidcSignInSettings").implement({
  description: "Where the console sends the browser to sign in (authorization code flow with PKCE, S256).",
  fields: (t) => ({
    issuer: t.exposeString("issuer"),
    authorizationEndpoint: t.exposeString("authorizationEndpoint"),
    endSessionEndpoint: t.string({
      nullable: true,
      description: "Where signing out ends the session at the provider too (RP-initiated logout: id_token_hint, client_id, post_logout_redirect_uri); null when the provider names none.",
      resolve: (s) => s.endSessionEndpoint,
    }),
    clientId: t.exposeString("clientId"),
    scopes: t.exposeString("scopes", { description: "Space-separated, as the authorization request's `scope`." }),
  }),
});

const SignInOptionsType = builder.objectRef<{ oidc: OidcPublicSettings | null; oidcProblem: string | null }>("SignInOptions").implement({
  fields: (t) => ({
    oidc: t.field({ type: OidcSettingsType, nullable: true, description: "Null when no identity provider is configured (or it cannot be reached: see oidcProblem).", resolve: (o) => o.oidc }),
    oidcProblem: t.string({ nullable: true, description: "Why single sign-on is not offered right now, when it is configured.", resolve: (o) => o.oidcProblem }),
  }),
});

builder.queryField("signInOptions", (t) =>
  t.field({
    type: SignInOptionsType,
    description: "How to sign in to the console. Needs no credentials.",
    resolve: async (_root, _args, ctx) => {
      try {
        return { oidc: await oidcSignInSettings(ctx.services), oidcProblem: null };
      } catch (error) {
        if (error instanceof OidcError) return { oidc: null, oidcProblem: error.message };
        throw error;
      }
    },
  }),
);

const SignInWorkspaceType = builder.objectRef<SignInWorkspace>("SignInWorkspace").implement({
  description: "A workspace the signed-in person belongs to, with a session token for it.",
  fields: (t) => ({
    tenantId: t.id({ resolve: (w) => encodeGlobalID("Tenant", w.tenantId) }),
    tenantName: t.exposeString("tenantName"),
    role: t.expose("role", { type: RoleEnum }),
    token: t.exposeString("token", { description: "A bearer token for this workspace (expires after OIDC_SESSION_HOURS). Keep it out of URLs and logs." }),
  }),
});

const OidcSignInInput = builder.inputType("OidcSignInInput", {
  fields: (t) => ({
    code: t.string({ required: true, description: "The `code` the identity provider sent back." }),
    codeVerifier: t.string({ required: true, description: "The PKCE verifier the browser generated for this sign-in." }),
    redirectUri: t.string({ required: true, description: "The redirect URI of the authorization request, exactly." }),
    nonce: t.string({ required: true, description: "The nonce of the authorization request; the ID token must carry it." }),
  }),
});

builder.mutationField("signInWithOidc", (t) =>
  t.field({
    type: payloadType<Payload<OidcSignIn>>("OidcSignInPayload", (f) => ({
      email: f.string({ nullable: true, resolve: (p) => p.email ?? null }),
      linked: f.boolean({ nullable: true, description: "True on the first sign-in, which bound this identity to the account.", resolve: (p) => p.linked ?? null }),
      workspaces: f.field({ type: [SignInWorkspaceType], nullable: true, resolve: (p) => p.workspaces ?? null }),
      idToken: f.string({
        nullable: true,
        description: "The provider's ID token, only to sign out at the provider later (`id_token_hint` at signInOptions.oidc.endSessionEndpoint, sent in a form POST). It is not a credential here.",
        resolve: (p) => p.idToken ?? null,
      }),
    })),
    description: "Completes a console sign-in with the identity provider. Needs no credentials; membership comes from invitations, never from the provider.",
    args: { input: t.arg({ type: OidcSignInInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const parsed = parseInput(oidcSignInSchema, input);
      if (!parsed.ok) return errorPayload<OidcSignIn>(parsed.errors);
      return toPayload(await signInWithOidc(ctx.services, ctx.meta, parsed.data));
    },
  }),
);
