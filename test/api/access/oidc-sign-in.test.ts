// Console sign-in with the identity provider (OIDC authorization code + PKCE),
// against a wire-level fake provider (test/fakes/oidc/server.ts) that enforces
// single-use codes, redirect URI and S256 challenge like a real one:
// - a member's first sign-in binds their identity (audited) and returns a
//   session token per workspace, scoped like any token (role from the
//   membership, one tenant per token);
// - nobody gets in by signing in alone: an unknown or unverified address is
//   refused, and a second provider account claiming a bound address is not
//   bound;
// - a used code, a wrong verifier, a foreign nonce or bad input are refused
//   with typed userErrors, binding nothing.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionTenant } from "../../../src/data/provisioning.js";
import { graphql } from "../../generated/gql/index.js";
import { startFakeOidc, type FakeOidc } from "../../fakes/oidc/server.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { authorizeAtProvider, pkce, OIDC_REDIRECT as REDIRECT } from "../../helpers/oidc.js";

const Options = graphql(`
  query OidcSignInOptions {
    signInOptions { oidc { issuer authorizationEndpoint clientId scopes } oidcProblem }
  }
`);
const SignIn = graphql(`
  mutation OidcSignIn($input: OidcSignInInput!) {
    signInWithOidc(input: $input) {
      email linked
      workspaces { tenantId tenantName role token }
      userErrors { code field message }
    }
  }
`);
const Me = graphql(`
  query OidcSignInMe { me { role tenant { name } user { email } } }
`);

describe("console sign-in with the identity provider", () => {
  let oidc: FakeOidc;
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  beforeAll(async () => {
    oidc = await startFakeOidc();
    t = await startTestApp({ env: { OIDC_ISSUER: oidc.issuer, OIDC_CLIENT_ID: oidc.clientId } });
    a = await createTenant(t, "oidc-a");
    b = await createTenant(t, "oidc-b");
  });
  afterAll(async () => {
    await t?.close();
    await oidc?.close();
  });

  /** What the console does: authorize at the provider, then hand code + verifier + nonce to the service. */
  async function signInAs(email: string, tweak: { verifier?: string; nonce?: string; redirectUri?: string } = {}) {
    const { location, state, input: authorized } = authorizeAtProvider(oidc, email);
    expect(location.searchParams.get("state")).toBe(state);
    const code = location.searchParams.get("code");
    expect(code, location.toString()).toBeTruthy();
    const input = { ...authorized, codeVerifier: tweak.verifier ?? authorized.codeVerifier, redirectUri: tweak.redirectUri ?? authorized.redirectUri, nonce: tweak.nonce ?? authorized.nonce };
    const result = await executeOk(t.graphqlUrl, SignIn, { input });
    return { result: result.signInWithOidc, input };
  }

  async function identitiesOf(email: string): Promise<{ subject: string }[]> {
    const client = new pg.Client({ connectionString: t.db.ownerUrl });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT i.subject FROM "UserIdentity" i JOIN "User" u ON u.id = i."userId" WHERE u.email = $1`, [email]);
      return rows;
    } finally {
      await client.end();
    }
  }

  it("tells the console where to send the browser, without credentials", async () => {
    const { signInOptions } = await executeOk(t.graphqlUrl, Options, {});
    expect(signInOptions).toEqual({
      oidc: { issuer: oidc.issuer, authorizationEndpoint: `${oidc.issuer}/authorize`, clientId: oidc.clientId, scopes: "openid email profile" },
      oidcProblem: null,
    });
  });

  it("binds a member's identity on the first sign-in and returns a token that acts as that member", async () => {
    const member = a.members.OPERATOR;
    oidc.addAccount({ email: member.email, name: "Oscar" });
    const first = await signInAs(member.email);
    expect(first.result.userErrors).toEqual([]);
    expect(first.result.linked).toBe(true);
    expect(first.result.workspaces).toHaveLength(1);
    expect(first.result.workspaces![0]).toMatchObject({ tenantName: `Tenant ${a.slug}`, role: "OPERATOR" });
    const me = await executeOk(t.graphqlUrl, Me, {}, { token: first.result.workspaces![0]!.token });
    expect(me.me).toEqual({ role: "OPERATOR", tenant: { name: `Tenant ${a.slug}` }, user: { email: member.email } });
    expect(await identitiesOf(member.email)).toHaveLength(1);

    // The binding is in the workspace's audit log, without the address.
    const client = new pg.Client({ connectionString: t.db.ownerUrl });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT summary::text AS s FROM "AuditEntry" WHERE "tenantId" = $1 AND action = 'user.identity_linked'`, [a.tenantId]);
      expect(rows).toHaveLength(1);
      expect(rows[0].s).not.toContain(member.email);
    } finally {
      await client.end();
    }

    // Later sign-ins find the account through the identity; nothing new is bound.
    const again = await signInAs(member.email);
    expect(again.result).toMatchObject({ linked: false, userErrors: [] });
    expect(await identitiesOf(member.email)).toHaveLength(1);
  });

  it("gives a person in two workspaces one token per workspace, each confined to its tenant", async () => {
    const email = a.members.MANAGER.email;
    await provisionTenant(t.db.ownerUrl, { name: `Second home ${b.slug}`, slug: `${b.slug}-second`, members: [{ email, name: "Maya", role: "ANALYST" }] });
    oidc.addAccount({ email });
    const { result } = await signInAs(email);
    expect(result.userErrors).toEqual([]);
    const byName = Object.fromEntries(result.workspaces!.map((w) => [w.tenantName, w]));
    expect(Object.keys(byName).sort()).toEqual([`Second home ${b.slug}`, `Tenant ${a.slug}`].sort());
    expect(byName[`Tenant ${a.slug}`]!.role).toBe("MANAGER");
    expect(byName[`Second home ${b.slug}`]!.role).toBe("ANALYST");
    for (const w of result.workspaces!) {
      const me = await executeOk(t.graphqlUrl, Me, {}, { token: w.token });
      expect(me.me.tenant.name).toBe(w.tenantName);
      expect(me.me.role).toBe(w.role);
    }
    // Tenant B's own members are not in the list, and B's workspace is not offered to A's member.
    expect(result.workspaces!.some((w) => w.tenantName === `Tenant ${b.slug}`)).toBe(false);
  });

  it("lets nobody in by signing in alone: unknown and unverified addresses are refused, binding nothing", async () => {
    oidc.addAccount({ email: "stranger@nowhere.example" });
    const stranger = await signInAs("stranger@nowhere.example");
    expect(stranger.result.workspaces).toBeNull();
    expect(stranger.result.userErrors).toEqual([{ code: "NOT_A_MEMBER", field: [], message: expect.stringContaining("invitation") }]);

    const member = b.members.ANALYST;
    oidc.addAccount({ email: member.email, emailVerified: false });
    const unverified = await signInAs(member.email);
    expect(unverified.result.userErrors.map((e) => e.code)).toEqual(["EMAIL_NOT_VERIFIED"]);
    expect(await identitiesOf(member.email)).toHaveLength(0);
  });

  it("does not bind a second provider account that claims an already bound address", async () => {
    const member = b.members.OPERATOR;
    oidc.addAccount({ email: member.email, subject: "first-account" });
    expect((await signInAs(member.email)).result.userErrors).toEqual([]);
    oidc.addAccount({ email: member.email, subject: "second-account" });
    const second = await signInAs(member.email);
    expect(second.result.userErrors.map((e) => e.code)).toEqual(["IDENTITY_ALREADY_LINKED"]);
    expect((await identitiesOf(member.email)).map((i) => i.subject)).toEqual(["first-account"]);
  });

  it("refuses a wrong PKCE verifier, a used code and a foreign nonce", async () => {
    const member = b.members.MANAGER;
    oidc.addAccount({ email: member.email });
    const wrongVerifier = await signInAs(member.email, { verifier: randomBytes(32).toString("base64url") });
    expect(wrongVerifier.result.userErrors).toEqual([{ code: "SIGN_IN_REFUSED", field: ["input", "code"], message: expect.stringContaining("refused") }]);

    const good = await signInAs(member.email);
    expect(good.result.userErrors).toEqual([]);
    const replay = await executeOk(t.graphqlUrl, SignIn, { input: good.input });
    expect(replay.signInWithOidc.userErrors.map((e) => e.code)).toEqual(["SIGN_IN_REFUSED"]);
    expect(replay.signInWithOidc.workspaces).toBeNull();

    const foreignNonce = await signInAs(member.email, { nonce: randomBytes(16).toString("hex") });
    expect(foreignNonce.result.userErrors).toEqual([{ code: "SIGN_IN_REFUSED", field: [], message: expect.stringContaining("nonce") }]);
  });

  it("answers bad input with userErrors on the field", async () => {
    const response = await execute(t.graphqlUrl, SignIn, { input: { code: "x", codeVerifier: "short", redirectUri: "javascript:alert(1)", nonce: "n" } });
    expect(response.errors).toBeUndefined();
    const fields = response.data!.signInWithOidc.userErrors.map((e) => e.field.join(".")).sort();
    expect(fields).toEqual(["input.codeVerifier", "input.nonce", "input.redirectUri"]);
    expect(response.data!.signInWithOidc.userErrors.every((e) => e.code === "VALIDATION_FAILED")).toBe(true);
  });

  it("without a configured provider offers no single sign-on and refuses the mutation as NOT_CONFIGURED", async () => {
    const plain = await startTestApp({ db: t.db });
    try {
      const { signInOptions } = await executeOk(plain.graphqlUrl, Options, {});
      expect(signInOptions).toEqual({ oidc: null, oidcProblem: null });
      const p = pkce();
      const response = await executeOk(plain.graphqlUrl, SignIn, { input: { code: "abc", codeVerifier: p.verifier, redirectUri: REDIRECT, nonce: p.nonce } });
      expect(response.signInWithOidc.userErrors.map((e) => e.code)).toEqual(["NOT_CONFIGURED"]);
    } finally {
      await plain.close();
    }
  });

  it("says why when the configured provider cannot be reached", async () => {
    const gone = await startFakeOidc();
    const issuer = gone.issuer;
    await gone.close();
    const broken = await startTestApp({ db: t.db, env: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: "x" } });
    try {
      const { signInOptions } = await executeOk(broken.graphqlUrl, Options, {});
      expect(signInOptions.oidc).toBeNull();
      expect(signInOptions.oidcProblem).toMatch(/cannot be reached/);
      const p = pkce();
      const response = await executeOk(broken.graphqlUrl, SignIn, { input: { code: "abc", codeVerifier: p.verifier, redirectUri: REDIRECT, nonce: p.nonce } });
      expect(response.signInWithOidc.userErrors.map((e) => e.code)).toEqual(["PROVIDER_UNAVAILABLE"]);
    } finally {
      await broken.close();
    }
  });
});
