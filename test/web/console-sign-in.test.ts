// Signing in to the console in a real browser (playwright-core driving
// Debian's chromium) the ways a real team does: single sign-on through the
// identity provider (OIDC authorization code + PKCE, against the wire-level
// fake provider in test/fakes/oidc/server.ts), choosing a workspace when the
// person has several, a refusal explained, and accepting an invitation from
// its link. No token or code is left in the address. Signing out after single
// sign-on ends the session at the provider too (RP-initiated logout).
import { execFileSync } from "node:child_process";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionTenant } from "../../src/data/provisioning.js";
import { graphql } from "../generated/gql/index.js";
import { startFakeOidc, type FakeOidc } from "../fakes/oidc/server.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { expectAccessible, HAVE_CHROMIUM, launchConsoleBrowser, screenshot, SKIP_REASON, type ConsoleBrowser } from "../helpers/browser.js";
import { executeOk } from "../helpers/graphql.js";

// Each step waits up to 15–20 s for the page; a whole test gets two minutes, so a loaded machine (the full suite
// runs files in parallel) slows it down instead of failing it.
const WAIT = 30_000;

const Invite = graphql(`
  mutation ConsoleSignInInvite($input: MembershipInviteInput!) {
    membershipInvite(input: $input) { token userErrors { code message } }
  }
`);

if (!HAVE_CHROMIUM && process.env.CI === "true") {
  describe("console sign-in", () => {
    it("needs chromium under CI", () => {
      throw new Error(`CI=true but ${SKIP_REASON}`);
    });
  });
}

describe.skipIf(!HAVE_CHROMIUM)(`console sign-in in chromium${HAVE_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`}`, { timeout: 120_000 }, () => {
  let oidc: FakeOidc;
  let t: TestApp;
  let tenant: TestTenant;
  let browser: ConsoleBrowser;

  beforeAll(async () => {
    execFileSync(process.execPath, ["scripts/console-build.mjs", "--if-stale"], { stdio: "pipe", timeout: 300_000 });
    oidc = await startFakeOidc();
    t = await startTestApp({ env: { OIDC_ISSUER: oidc.issuer, OIDC_CLIENT_ID: oidc.clientId } });
    tenant = await createTenant(t, "sso");
    browser = await launchConsoleBrowser(t.url, WAIT);
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await oidc?.close();
  });

  const newPage = () => browser.newPage();

  /** Clicks single sign-on and signs in at the fake provider's form as `email`. */
  async function singleSignOn(page: Page, email: string): Promise<void> {
    await page.goto(`${t.url}/`);
    await page.getByRole("button", { name: "Sign in with your identity provider" }).click();
    await page.waitForURL(`${oidc.issuer}/authorize**`);
    await page.getByLabel("E-mail").fill(email);
    await page.getByRole("button", { name: "Continue" }).click();
  }

  it("signs a member in through the identity provider, leaving no code or token in the address", async () => {
    const member = tenant.members.OPERATOR;
    oidc.addAccount({ email: member.email, name: "Oscar" });
    const page = await newPage();
    await page.goto(`${t.url}/`);
    await page.getByRole("button", { name: "Sign in with your identity provider" }).waitFor();
    await expectAccessible(page, "sign-in (single sign-on)");
    await screenshot(page, "sign-in-sso");

    await singleSignOn(page, member.email);
    await page.getByTestId("who").filter({ hasText: "OPERATOR" }).waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("who").textContent()).toContain(`Tenant ${tenant.slug}`);
    expect(page.url()).not.toMatch(/code=|state=|token/);
    expect(await page.evaluate("sessionStorage.getItem('sales-agent.oidc-pending')")).toBeNull();
    const token = (await page.evaluate("sessionStorage.getItem('sales-agent.token')")) as string;
    expect(token).toBeTruthy();
    expect(page.url()).not.toContain(token);
    expect(oidc.redeemed).toBe(1);
  });

  it("lets a person in two workspaces choose one", async () => {
    const email = tenant.members.MANAGER.email;
    await provisionTenant(t.db.ownerUrl, { name: `Other ${tenant.slug}`, slug: `${tenant.slug}-other`, members: [{ email, name: "Maya", role: "ANALYST" }] });
    oidc.addAccount({ email });
    const page = await newPage();
    await singleSignOn(page, email);
    await page.getByRole("heading", { name: "Choose a workspace" }).waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: `Other ${tenant.slug} · ANALYST` }).click();
    await page.getByTestId("who").filter({ hasText: `ANALYST · Other ${tenant.slug}` }).waitFor({ timeout: 20_000 });
  });

  it("explains a refusal: signed in at the provider, but no member here", async () => {
    oidc.addAccount({ email: "stranger@elsewhere.example" });
    const page = await newPage();
    await singleSignOn(page, "stranger@elsewhere.example");
    await page.getByRole("heading", { name: "Sign-in did not complete" }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole("alert").textContent()).toContain("invitation");
    expect(await page.evaluate("sessionStorage.getItem('sales-agent.token')")).toBeNull();
  });

  it("accepts an invitation from its link, signs the invitee in, and lets them use single sign-on afterwards", async () => {
    const email = `new.colleague@${tenant.slug}.example`;
    const invited = await executeOk(t.graphqlUrl, Invite, { input: { email, role: "OPERATOR" } }, { token: tenant.members.ADMIN.token });
    expect(invited.membershipInvite.userErrors).toEqual([]);
    const page = await newPage();
    await page.goto(`${t.url}/invitations/accept#token=${invited.membershipInvite.token}`);
    // The token leaves the address as soon as the page has read it.
    await page.getByRole("heading", { name: "Join the workspace" }).waitFor();
    expect(page.url()).not.toContain("token");
    await page.getByLabel("Your name, as your colleagues will see it").fill("Nora Newcomer");
    await page.getByRole("button", { name: "Accept the invitation" }).click();
    await page.getByTestId("who").filter({ hasText: "Nora Newcomer · OPERATOR" }).waitFor({ timeout: 20_000 });

    // The same link again is refused, with the reason.
    const again = await newPage();
    await again.goto(`${t.url}/invitations/accept#token=${invited.membershipInvite.token}`);
    await again.getByRole("button", { name: "Accept the invitation" }).click();
    expect(await again.getByRole("alert").textContent()).toMatch(/already|used/i);

    // Their first single sign-on binds their identity.
    oidc.addAccount({ email });
    const sso = await newPage();
    await singleSignOn(sso, email);
    await sso.getByTestId("who").filter({ hasText: "Nora Newcomer · OPERATOR" }).waitFor({ timeout: 20_000 });
  });

  it("signing out ends the provider session too (RP-initiated logout by form POST), and the next single sign-on asks again", async () => {
    const email = tenant.members.ADMIN.email;
    oidc.addAccount({ email, name: "Ada" });
    const page = await newPage();
    await singleSignOn(page, email);
    await page.getByTestId("who").filter({ hasText: "ADMIN" }).waitFor({ timeout: 20_000 });
    // While the provider session lasts, single sign-on needs no form: proof there is a session to end.
    const second = await page.context().newPage();
    second.on("pageerror", (error) => process.stderr.write(`[browser] ${error.message}\n`));
    await second.goto(`${t.url}/`);
    await second.getByRole("button", { name: "Sign in with your identity provider" }).click();
    await second.getByTestId("who").filter({ hasText: "ADMIN" }).waitFor({ timeout: 20_000 });
    await second.close();
    const open = oidc.openSessions;
    const before = oidc.logouts.length;

    await page.getByRole("button", { name: "Sign out" }).click();
    // Back on the console's sign-in page, by way of the provider.
    await page.getByRole("button", { name: "Sign in with your identity provider" }).waitFor({ timeout: 20_000 });
    expect(page.url()).toBe(`${t.url}/`);
    const logout = oidc.logouts[before]!;
    expect(logout).toMatchObject({ method: "POST", clientId: oidc.clientId, postLogoutRedirectUri: `${t.url}/`, ended: true });
    expect(logout.idTokenHint).toBeTruthy();
    expect(oidc.openSessions).toBe(open - 1);
    expect(await page.evaluate("sessionStorage.getItem('sales-agent.token')")).toBeNull();
    expect(await page.evaluate("sessionStorage.getItem('sales-agent.oidc-session')")).toBeNull();

    // The provider asks who you are again.
    await page.getByRole("button", { name: "Sign in with your identity provider" }).click();
    await page.waitForURL(`${oidc.issuer}/authorize**`);
    await page.getByLabel("E-mail").waitFor();
  });

  it("a session signed in with a pasted token signs out locally, without visiting the provider", async () => {
    const page = await newPage();
    const before = oidc.logouts.length;
    await page.goto(`${t.url}/`);
    await page.getByLabel("Access token").fill(`Bearer ${tenant.members.ANALYST.token}`);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByTestId("who").filter({ hasText: "ANALYST" }).waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Access token").waitFor();
    expect(oidc.logouts.length).toBe(before);
  });
});
