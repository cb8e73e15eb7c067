// The operator console in a real browser (playwright-core driving Debian's
// chromium) against the real service and database: sign-in, the review queue
// live across two people, role-dependent controls (and the server refusing a
// forged mutation), editing with a diff, the kill switch, a report with seeded
// figures, and an axe-core accessibility check of every screen. Screenshots go
// to test/web/screenshots/ (git-ignored).
import { execFileSync } from "node:child_process";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { expectAccessible, HAVE_CHROMIUM, launchConsoleBrowser, screenshot, SKIP_REASON, type ConsoleBrowser } from "../helpers/browser.js";
import { executeOk } from "../helpers/graphql.js";
import { insertContact } from "../helpers/operator.js";
import { listeningCount } from "../helpers/subscriptions.js";
import { waitFor } from "../helpers/wait.js";

const CreateDraft = graphql(`
  mutation ConsoleTestCreateDraft($input: DraftCreateInput!) {
    draftCreate(input: $input) { draft { id status } userErrors { field message code } }
  }
`);
const ApproveDraft = graphql(`
  mutation ConsoleTestApprove($input: DraftApproveInput!) {
    draftApprove(input: $input) { draft { id status } userErrors { code } }
  }
`);
const RejectDraft = graphql(`
  mutation ConsoleTestReject($input: DraftRejectInput!) {
    draftReject(input: $input) { draft { id status } userErrors { code } }
  }
`);
const ReadDraft = graphql(`
  query ConsoleTestDraft($id: ID!) {
    draft(id: $id) { id status revision bodyText approvals { approver { label } } }
  }
`);
const Sending = graphql(`
  query ConsoleTestSending { sendingStatus { tenantKillSwitch killSwitchReason } }
`);
const IngestLead = graphql(`
  mutation ConsoleTestLead($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id score } userErrors { code message } }
  }
`);

const CreateDeal = graphql(`
  mutation ConsoleTestCreateDeal($input: DealCreateInput!) {
    dealCreate(input: $input) { deal { id stage } userErrors { code message } }
  }
`);
const PipelineSettings = graphql(`
  mutation ConsoleTestPipelineSettings($input: PipelineUpdateSettingsInput!) {
    pipelineUpdateSettings(input: $input) { userErrors { code message } }
  }
`);
const ListDeals = graphql(`
  query ConsoleTestDeals { deals(first: 10) { edges { node { name stage } } } }
`);

const BODY = "Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";
// Each step waits up to 15–20 s for the page; a whole test gets two minutes, so a loaded machine (the full suite
// runs files in parallel) slows it down instead of failing it.
const WAIT = 30_000;

if (!HAVE_CHROMIUM && process.env.CI === "true") {
  describe("operator console", () => {
    it("needs chromium under CI", () => {
      throw new Error(`CI=true but ${SKIP_REASON}`);
    });
  });
}

describe.skipIf(!HAVE_CHROMIUM)(`operator console in chromium${HAVE_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`}`, { timeout: 120_000 }, () => {
  let t: TestApp;
  let tenant: TestTenant;
  let browser: ConsoleBrowser;
  const drafts: string[] = [];

  async function createDraft(target: TestTenant, index: number, subject: string): Promise<string> {
    const contactId = await insertContact(t.db, target.tenantId, { email: `person${index}@prospect${index}.example`, firstName: "Ana" });
    const { encodeGlobalID } = await import("@pothos/plugin-relay");
    const created = await executeOk(
      t.graphqlUrl,
      CreateDraft,
      { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject, bodyText: BODY } },
      { token: target.members.MANAGER.token },
    );
    expect(created.draftCreate.userErrors).toEqual([]);
    expect(created.draftCreate.draft?.status).toBe("PENDING_REVIEW");
    return created.draftCreate.draft!.id;
  }

  const signIn = (token: string, viewport?: { width: number; height: number }) => browser.signIn(token, viewport);

  /** Opens a screen and waits until its subscriptions are being read by the server. */
  async function openLive(page: Page, url: string, subscriptions: number, ready: () => Promise<unknown>): Promise<void> {
    const before = listeningCount(t.wsUrl)!;
    await page.goto(url);
    await ready();
    await waitFor(() => listeningCount(t.wsUrl)! >= before + subscriptions, { timeout: 20_000, message: `${subscriptions} live subscriptions of ${url}` });
  }

  beforeAll(async () => {
    // The same build `npm start` serves (skipped when web/dist is up to date).
    execFileSync(process.execPath, ["scripts/console-build.mjs", "--if-stale"], { stdio: "pipe", timeout: 300_000 });
    t = await startTestApp();
    tenant = await createTenant(t, "console");
    for (let i = 0; i < 4; i++) drafts.push(await createDraft(tenant, i, `Pilot follow-up ${i + 1}`));
    await executeOk(t.graphqlUrl, IngestLead, { input: { email: "lead.one@bigco.example", firstName: "Lea", lastName: "One", companyName: "BigCo", title: "VP Sales", employeeCount: 800 } }, { token: tenant.members.MANAGER.token });
    browser = await launchConsoleBrowser(t.url, WAIT);
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("serves the console at / and its routes, with no CDN; GraphiQL stays at /graphiql", async () => {
    const root = await fetch(`${t.url}/`);
    expect(root.status).toBe(200);
    const html = await root.text();
    expect(html).toContain('<div id="root">');
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${t.url}/leads/abc`)).status).toBe(200);
    expect((await fetch(`${t.url}/graphiql`)).status).toBe(200);
    expect((await fetch(`${t.url}/no-such-page`)).status).toBe(404);
  });

  it("an OPERATOR approves a draft and a MANAGER sees it leave the queue live; both screens pass axe", async () => {
    const operator = await signIn(tenant.members.OPERATOR.token);
    // The operator opens the queue first: the oldest draft is theirs to review (claimed) while it is open.
    await openLive(operator, `${t.url}/queue`, 2, () => operator.locator(`[data-draft-id="${drafts[0]}"]`).waitFor());
    await operator.getByTestId("claim-mine").waitFor({ timeout: 15_000 });
    // The manager signs in only now: a reload of the operator's page gives the claim back (pagehide), and a
    // colleague's open queue would take it.
    const manager = await signIn(tenant.members.MANAGER.token);
    await openLive(manager, `${t.url}/queue`, 2, () => manager.locator(`[data-draft-id="${drafts[0]}"]`).waitFor());
    await expect.poll(() => manager.getByTestId("pending-count").textContent(), { timeout: 15_000 }).toContain("4 waiting");
    await screenshot(operator, "queue-1280");
    await expectAccessible(operator, "review queue");

    // The oldest draft is selected; the keyboard approves it.
    await expect.poll(() => operator.getByTestId("draft-detail").getAttribute("data-status"), { timeout: 15_000 }).toBe("PENDING_REVIEW");
    await operator.keyboard.press("a");
    await operator.locator(`[data-draft-id="${drafts[0]}"]`).waitFor({ state: "detached" });
    // Live on the manager's screen: the row leaves, the count drops; nobody reloaded.
    await manager.locator(`[data-draft-id="${drafts[0]}"]`).waitFor({ state: "detached", timeout: 15_000 });
    await expect.poll(() => manager.getByTestId("pending-count").textContent(), { timeout: 15_000 }).toContain("3 waiting");
    // The manager had that draft open: it says who took it, in place.
    await manager.getByTestId("taken-banner").filter({ hasText: `approved (by user:${tenant.members.OPERATOR.email})` }).waitFor({ timeout: 15_000 });
    // The operator's selection moved on to the next draft; j and k move through the queue.
    await operator.getByRole("heading", { name: "Pilot follow-up 2", level: 2 }).waitFor();
    await operator.keyboard.press("j");
    await operator.getByRole("heading", { name: "Pilot follow-up 3", level: 2 }).waitFor();
    await operator.keyboard.press("k");
    await operator.getByRole("heading", { name: "Pilot follow-up 2", level: 2 }).waitFor();
    const stored = await executeOk(t.graphqlUrl, ReadDraft, { id: drafts[0]! }, { token: tenant.members.MANAGER.token });
    expect(stored.draft).toMatchObject({ status: "APPROVED", approvals: [{ approver: { label: expect.stringContaining(tenant.members.OPERATOR.email) } }] });

    // A draft written meanwhile appears on both screens without a reload.
    drafts.push(await createDraft(tenant, 9, "Arrived while reviewing"));
    await manager.locator(`[data-draft-id="${drafts[4]}"]`).waitFor({ timeout: 15_000 });
    await operator.locator(`[data-draft-id="${drafts[4]}"]`).waitFor({ timeout: 15_000 });

    // Tablet width: the same queue, one column.
    await manager.setViewportSize({ width: 820, height: 1180 });
    await screenshot(manager, "queue-tablet");
    await expectAccessible(manager, "review queue (tablet)");
  });

  it("an ANALYST sees no approve button, and a forged draftApprove from the page is refused", async () => {
    const analyst = await signIn(tenant.members.ANALYST.token);
    await analyst.goto(`${t.url}/queue`);
    await analyst.getByTestId("draft-detail").waitFor();
    await analyst.getByTestId("approve-denied").waitFor();
    expect(await analyst.getByRole("button", { name: "Approve", exact: true }).count()).toBe(0);
    expect(await analyst.getByRole("button", { name: /Approve selected/ }).count()).toBe(0);
    // The key does nothing either.
    await analyst.keyboard.press("a");
    // A hand-made request with the analyst's own token, from the console's page.
    const forged = (await analyst.evaluate(`fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer " + sessionStorage.getItem("sales-agent.token") },
      body: JSON.stringify({ query: "mutation { draftApprove(input: { draftId: \\"${drafts[1]}\\" }) { draft { status } userErrors { code } } }" }),
    }).then((r) => r.json())`)) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    expect(forged.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const stored = await executeOk(t.graphqlUrl, ReadDraft, { id: drafts[1]! }, { token: tenant.members.MANAGER.token });
    expect(stored.draft).toMatchObject({ status: "PENDING_REVIEW", approvals: [] });
    await screenshot(analyst, "queue-analyst");
    await expectAccessible(analyst, "review queue (analyst)");
  });

  it("editing a draft makes revision 2 and shows the diff against the AI original", async () => {
    const operator = await signIn(tenant.members.OPERATOR.token);
    await operator.goto(`${t.url}/queue`);
    await operator.locator(`[data-draft-id="${drafts[1]}"] .row-main`).click();
    await expect.poll(() => operator.getByTestId("draft-detail").getAttribute("data-status"), { timeout: 15_000 }).toBe("PENDING_REVIEW");
    await operator.keyboard.press("e");
    const body = operator.getByLabel("Text");
    await body.fill(BODY.replace("Thursday at 10:00", "Friday morning"));
    await operator.getByRole("button", { name: "Save as new revision" }).click();
    const diff = operator.getByTestId("draft-diff");
    await diff.waitFor();
    expect((await diff.locator("ins").allTextContents()).join("|")).toContain("Friday morning");
    expect((await diff.locator("del").allTextContents()).join(" ")).toContain("Thursday");
    const stored = await executeOk(t.graphqlUrl, ReadDraft, { id: drafts[1]! }, { token: tenant.members.MANAGER.token });
    expect(stored.draft).toMatchObject({ revision: 2, status: "PENDING_REVIEW" });
    expect(stored.draft?.bodyText).toContain("Friday morning");
    await screenshot(operator, "queue-diff");
  });

  it("a MANAGER engages the kill switch after confirming; an OPERATOR has no switch", async () => {
    const operator = await signIn(tenant.members.OPERATOR.token);
    await operator.goto(`${t.url}/settings`);
    await operator.getByTestId("kill-switch-state").waitFor();
    expect(await operator.getByRole("button", { name: /kill switch/ }).count()).toBe(0);
    expect(await operator.getByText("does not have sending:control").count()).toBe(1);

    const manager = await signIn(tenant.members.MANAGER.token);
    await openLive(manager, `${t.url}/settings`, 1, () => manager.getByTestId("kill-switch-state").waitFor());
    expect(await manager.getByTestId("kill-switch-state").textContent()).toContain("released");
    await manager.getByRole("button", { name: "Engage the kill switch…" }).click();
    const dialog = manager.getByRole("dialog", { name: "Stop all sending?" });
    await dialog.getByLabel("Reason").fill("Console test: bad template");
    await screenshot(manager, "settings-kill-switch-confirm");
    await dialog.getByRole("button", { name: "Yes, stop all sending" }).click();
    await expect.poll(() => manager.getByTestId("kill-switch-state").textContent(), { timeout: 15_000 }).toContain("engaged");
    const status = await executeOk(t.graphqlUrl, Sending, {}, { token: tenant.members.MANAGER.token });
    expect(status.sendingStatus).toMatchObject({ tenantKillSwitch: true, killSwitchReason: "Console test: bad template" });
    // The operator's open settings screen follows without a reload.
    await expect.poll(() => operator.getByTestId("kill-switch-state").textContent(), { timeout: 15_000 }).toContain("engaged");
    await screenshot(manager, "settings-1280");
    await expectAccessible(manager, "settings");
  });

  it("the report shows the seeded funnel, and the other screens pass axe", async () => {
    // A tenant of its own: 4 drafts, 2 approved, 1 rejected — the funnel is 4 drafted, 2 approved, 0 sent.
    const reportTenant = await createTenant(t, "report");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await createDraft(reportTenant, 20 + i, `Report draft ${i}`));
    for (const id of ids.slice(0, 2)) {
      const r = await executeOk(t.graphqlUrl, ApproveDraft, { input: { draftId: id } }, { token: reportTenant.members.OPERATOR.token });
      expect(r.draftApprove.draft?.status).toBe("APPROVED");
    }
    const rejected = await executeOk(t.graphqlUrl, RejectDraft, { input: { draftId: ids[2]!, reason: "Too pushy" } }, { token: reportTenant.members.OPERATOR.token });
    expect(rejected.draftReject.draft?.status).toBe("REJECTED");

    const manager = await signIn(reportTenant.members.MANAGER.token);
    await manager.goto(`${t.url}/reports`);
    const table = manager.getByTestId("funnel-table");
    await table.waitFor();
    const cell = (step: string) => table.locator(`tr[data-step="${step}"] td`).first().textContent();
    expect(await cell("DRAFTED")).toBe("4");
    expect(await cell("APPROVED")).toBe("2");
    expect(await cell("SENT")).toBe("0");
    expect(await table.locator(`tr[data-step="APPROVED"] td`).nth(1).textContent()).toBe("50 %");
    // The chart drew on its canvas.
    await manager.getByTestId("funnel-chart").locator("canvas").waitFor();
    // The weekly digest: opt in, write last week's now, read it.
    const digest = manager.getByTestId("weekly-digest");
    // A controlled box: it shows the server's answer, so click and wait for it.
    await digest.getByLabel("Write my weekly digest").click();
    await expect.poll(() => digest.getByLabel("Write my weekly digest").isChecked(), { timeout: 15_000 }).toBe(true);
    await digest.getByRole("button", { name: "Write last week's now" }).click();
    await digest.getByRole("button", { name: /your week in sales/ }).click();
    await digest.locator("pre").filter({ hasText: "Drafts written:" }).waitFor({ timeout: 15_000 });
    await screenshot(manager, "reports-1280");
    await expectAccessible(manager, "reports");

    await manager.goto(`${t.url}/recommendations`);
    await manager.getByRole("heading", { name: "Recommendations", level: 1 }).waitFor();
    await manager.getByText(/No open recommendations|Accept/).first().waitFor();
    await screenshot(manager, "recommendations-1280");
    await expectAccessible(manager, "recommendations");

    const lead = await signIn(tenant.members.MANAGER.token);
    await lead.goto(`${t.url}/leads`);
    const link = lead.getByRole("link", { name: "Lea One" });
    await link.waitFor();
    await screenshot(lead, "leads-1280");
    await expectAccessible(lead, "leads");
    await link.click();
    await lead.getByRole("heading", { name: "Lea One", level: 1 }).waitFor();
    await lead.getByTestId("lead-page-score").waitFor();
    await screenshot(lead, "lead-1280");
    await expectAccessible(lead, "lead page");
  });

  it("the pipeline board moves a deal with dealProgress, shows a refused move's reason, and updates a colleague's board live", async () => {
    const sales = await createTenant(t, "board");
    const manager = sales.members.MANAGER.token;
    for (const [name, amount, stage] of [["Acme pilot", 12000, "qualification"], ["Globex rollout", 48000, "discovery"]] as const) {
      const created = await executeOk(t.graphqlUrl, CreateDeal, { input: { name, amount, stage } }, { token: manager });
      expect(created.dealCreate.userErrors).toEqual([]);
    }
    // Backward moves are refused by this tenant's pipeline.
    const settings = await executeOk(t.graphqlUrl, PipelineSettings, { input: { patch: { allowBackwardMoves: false } } }, { token: sales.members.OWNER.token });
    expect(settings.pipelineUpdateSettings.userErrors).toEqual([]);

    const mover = await signIn(manager);
    const watcher = await signIn(sales.members.ANALYST.token);
    await openLive(watcher, `${t.url}/pipeline`, 1, () => watcher.locator('[data-stage="qualification"] .deal-card').filter({ hasText: "Acme pilot" }).waitFor());
    // An ANALYST reads the board but has nothing to move with.
    expect(await watcher.getByRole("combobox").count()).toBe(0);
    await mover.goto(`${t.url}/pipeline`);
    await mover.getByTestId("forecast").waitFor();
    expect(await mover.getByTestId("forecast").textContent()).toMatch(/Weighted pipeline/);

    await mover.getByLabel("Move Acme pilot to").selectOption("proposal");
    await mover.locator('[data-stage="proposal"] .deal-card').filter({ hasText: "Acme pilot" }).waitFor({ timeout: 15_000 });
    // Live on the colleague's board, no reload.
    await watcher.locator('[data-stage="proposal"] .deal-card').filter({ hasText: "Acme pilot" }).waitFor({ timeout: 15_000 });
    const deals = await executeOk(t.graphqlUrl, ListDeals, {}, { token: manager });
    expect(deals.deals.edges.find((e) => e.node.name === "Acme pilot")?.node.stage).toBe("proposal");

    // A backward move is refused: the card stays and says why.
    await mover.getByLabel("Move Acme pilot to").selectOption("qualification");
    await mover.getByTestId("move-refused").waitFor({ timeout: 15_000 });
    expect(await mover.locator('[data-stage="proposal"] .deal-card').filter({ hasText: "Acme pilot" }).count()).toBe(1);
    await screenshot(mover, "pipeline-1280");
    await expectAccessible(mover, "pipeline");
  });

  it("the sign-in screen refuses a bad token and passes axe", async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/`);
    await page.getByLabel("Access token").fill("not-a-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.evaluate("sessionStorage.getItem('sales-agent.token')")).toBeNull();
    await screenshot(page, "sign-in");
    await expectAccessible(page, "sign-in");
  });
});
