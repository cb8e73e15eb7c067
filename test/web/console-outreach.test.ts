// The console's outreach screens in a real browser (playwright-core driving
// Debian's chromium) against the real service and database. Sequences: a
// MANAGER builds a two-step sequence (a step's userError shown in that step),
// enrols leads (picked, and by pasted id; a repeat refused with the reason) and
// sees the enrolments, also live on an ANALYST's open page (who has no
// builder). Campaigns: a MANAGER previews over seeded leads (ranked with
// reasons, the do-not-contact one excluded with its reason, the plan per day);
// launching a preview that new data made stale is refused with the reason; the
// fresh preview launches and the campaign page shows it. axe-core on each
// screen; screenshots go to test/web/screenshots/ (git-ignored).
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { expectAccessible, HAVE_CHROMIUM, launchConsoleBrowser, screenshot, SKIP_REASON, type ConsoleBrowser } from "../helpers/browser.js";
import { executeOk } from "../helpers/graphql.js";
import { patchSettings } from "../helpers/operator.js";
import { listeningCount } from "../helpers/subscriptions.js";
import { waitFor } from "../helpers/wait.js";

// The machine running the suite is loaded: every wait on the page is generous.
const WAIT = 20_000;

const LeadsScored = graphql(`
  query OutreachTestLeadsScored { leads(first: 50) { edges { node { scoredAt } } } }
`);
const IngestLead = graphql(`
  mutation OutreachTestLead($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id contact { id } } userErrors { code message } }
  }
`);
const ReadSequences = graphql(`
  query OutreachTestSequences {
    sequences(first: 10) { edges { node { id name currentVersion version { steps { kind brief taskTitle delayAmount } } } } }
  }
`);
const ReadEnrollments = graphql(`
  query OutreachTestEnrollments($id: ID!) {
    sequenceEnrollments(sequenceId: $id, first: 10) { edges { node { id status contact { email } } } }
  }
`);
const ReadCampaigns = graphql(`
  query OutreachTestCampaigns {
    campaigns(first: 10) { edges { node { id name status recipientCount recipients(first: 10) { contact { email } } } } }
  }
`);

if (!HAVE_CHROMIUM && process.env.CI === "true") {
  describe("console outreach screens", () => {
    it("needs chromium under CI", () => {
      throw new Error(`CI=true but ${SKIP_REASON}`);
    });
  });
}

/** A Monday at least a week ahead (YYYY-MM-DD): no campaign draft falls due during the test. */
function mondayAhead(): string {
  const d = new Date(Date.now() + 7 * 86_400_000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

describe.skipIf(!HAVE_CHROMIUM)(`console sequences and campaigns in chromium${HAVE_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`}`, { timeout: 120_000 }, () => {
  let t: TestApp;
  let tenant: TestTenant;
  let browser: ConsoleBrowser;

  async function lead(input: Record<string, unknown>): Promise<string> {
    const r = await executeOk(t.graphqlUrl, IngestLead, { input }, { token: tenant.members.MANAGER.token });
    expect(r.leadIngest.userErrors).toEqual([]);
    return r.leadIngest.lead!.contact!.id;
  }

  const signIn = (token: string) => browser.signIn(token);

  beforeAll(async () => {
    execFileSync(process.execPath, ["scripts/console-build.mjs", "--if-stale"], { stdio: "pipe", timeout: 300_000 });
    t = await startTestApp();
    tenant = await createTenant(t, "outreach");
    await patchSettings(t.db, tenant.tenantId, { general: { timeZone: "Europe/Berlin" }, sending: { mailboxes: [`sales@${tenant.slug}.example`] } });
    browser = await launchConsoleBrowser(t.url, WAIT);
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("a MANAGER builds a two-step sequence and enrols leads, live on an ANALYST's page; the ANALYST sees no builder", async () => {
    await lead({ email: "ada.seq@seqco.example", firstName: "Ada", lastName: "Sequence", companyName: "SeqCo", title: "VP Sales", timeZone: "America/New_York" });
    await lead({ email: "bo.seq@seqco.example", firstName: "Bo", lastName: "Sequence", companyName: "SeqCo", title: "Head of Sales" });
    // Not a lead the picker offers first: enrolled later by pasting the contact id.
    const cyId = await lead({ email: "cy.seq@seqco.example", firstName: "Cy", lastName: "Sequence", companyName: "SeqCo", title: "COO" });

    const manager = await signIn(tenant.members.MANAGER.token);
    await manager.getByRole("link", { name: "Sequences" }).click();
    await manager.getByRole("heading", { name: "Build a sequence" }).waitFor();
    await manager.getByLabel("Name", { exact: true }).fill("Pilot follow-up");
    await manager.getByRole("button", { name: "Add a step" }).click();
    await manager.getByLabel("Kind of step 2").selectOption("TASK");
    await manager.getByLabel("Task title for step 2").fill("Call them about the pilot");
    await manager.getByLabel("Delay of step 2").fill("3");
    // Step 1 has no brief yet: the server's userError is shown in step 1's fieldset, not step 2's.
    await manager.getByRole("button", { name: "Create the sequence" }).click();
    const step1 = manager.getByRole("group", { name: "Step 1" });
    await step1.getByText("needs a brief").waitFor();
    expect(await manager.getByRole("group", { name: "Step 2" }).getByRole("alert").count()).toBe(0);
    await manager.getByLabel("Brief for step 1").fill("Introduce the pilot and ask for a short call.");
    await manager.getByRole("button", { name: "Create the sequence" }).click();

    // The sequence page: its two steps as stored.
    await manager.getByRole("heading", { name: "Pilot follow-up", level: 1 }).waitFor();
    const steps = manager.getByTestId("sequence-steps");
    await expect.poll(() => steps.textContent(), { timeout: WAIT }).toContain("Call them about the pilot");
    const stored = await executeOk(t.graphqlUrl, ReadSequences, {}, { token: tenant.members.MANAGER.token });
    const sequence = stored.sequences.edges.map((e) => e.node).find((s) => s.name === "Pilot follow-up")!;
    expect(sequence.version?.steps).toEqual([
      { kind: "EMAIL", brief: "Introduce the pilot and ask for a short call.", taskTitle: null, delayAmount: 0 },
      { kind: "TASK", brief: null, taskTitle: "Call them about the pilot", delayAmount: 3 },
    ]);

    // Enrol both leads from the multi-select.
    const picker = manager.getByLabel(/Leads to enrol/);
    await expect.poll(() => picker.locator("option").count(), { timeout: WAIT }).toBe(3);
    await picker.selectOption([{ label: "Ada Sequence <ada.seq@seqco.example>" }, { label: "Bo Sequence <bo.seq@seqco.example>" }]);
    await manager.getByRole("button", { name: /^Enrol 2 selected/ }).click();
    await expect.poll(() => manager.getByTestId("enrol-outcome").textContent(), { timeout: WAIT }).toContain("Enrolled 2; refused 0.");
    // The enrolments appear (live: the enrolment events refetch the page).
    const table = manager.getByTestId("enrollments");
    await expect.poll(() => table.locator("tbody tr").count(), { timeout: WAIT }).toBe(2);
    expect(await table.textContent()).toContain("America/New_York");
    expect(await table.textContent()).toContain("ACTIVE");
    const enrolled = await executeOk(t.graphqlUrl, ReadEnrollments, { id: sequence.id }, { token: tenant.members.MANAGER.token });
    expect(enrolled.sequenceEnrollments.edges.map((e) => e.node.contact?.email).sort()).toEqual(["ada.seq@seqco.example", "bo.seq@seqco.example"]);

    // Enrolling the same person again is refused, and the refusal is shown for that contact.
    await picker.selectOption([{ label: "Ada Sequence <ada.seq@seqco.example>" }]);
    await manager.getByRole("button", { name: /^Enrol 1 selected/ }).click();
    await expect.poll(() => manager.getByTestId("enrol-outcome").textContent(), { timeout: WAIT }).toContain("Ada Sequence: ALREADY_ENROLLED");

    // Pause one enrolment.
    await manager.getByRole("button", { name: "Pause Bo Sequence" }).click();
    await manager.getByRole("button", { name: "Resume Bo Sequence" }).waitFor();

    // An ANALYST watching the same page sees a new enrolment arrive live (no reload), and has no enrol or pause controls.
    const analyst = await signIn(tenant.members.ANALYST.token);
    const before = listeningCount(t.wsUrl)!;
    await analyst.goto(manager.url());
    await analyst.getByTestId("enrollments").waitFor();
    await waitFor(() => listeningCount(t.wsUrl)! >= before + 1, { timeout: WAIT, message: "the analyst's sequence events subscription" });
    expect(await analyst.getByRole("button", { name: /^Pause/ }).count()).toBe(0);
    expect(await analyst.getByText("does not have sequence:enroll").count()).toBeGreaterThan(0);
    await manager.getByLabel("Or paste contact ids").fill(cyId);
    await manager.getByRole("button", { name: /^Enrol 1 selected/ }).click();
    await expect.poll(() => manager.getByTestId("enrol-outcome").textContent(), { timeout: WAIT }).toContain("Enrolled 1; refused 0.");
    await expect.poll(() => analyst.getByTestId("enrollments").locator("tbody tr").count(), { timeout: WAIT }).toBe(3);
    expect(await analyst.getByTestId("enrollments").textContent()).toContain("Cy Sequence");

    await screenshot(manager, "sequence-page");
    await expectAccessible(manager, "sequence page");
    await manager.getByRole("link", { name: "← Sequences" }).click();
    await manager.getByRole("link", { name: "Pilot follow-up" }).waitFor();
    await expectAccessible(manager, "sequences");

    await analyst.goto(`${t.url}/sequences`);
    await analyst.getByRole("link", { name: "Pilot follow-up" }).waitFor();
    expect(await analyst.getByRole("heading", { name: "Build a sequence" }).count()).toBe(0);
    expect(await analyst.getByText("does not have sequence:manage").count()).toBe(1);
    await screenshot(analyst, "sequences-analyst");
    await expectAccessible(analyst, "sequences (analyst)");
  });

  it("a MANAGER previews a campaign (ranked, excluded with reasons, the plan), a stale preview is refused, the fresh one launches", async () => {
    const industry = "Pitchtest Logistics";
    await lead({ email: "top@camp1.example", firstName: "Tia", lastName: "Top", companyName: "Camp One", industry, title: "COO" });
    await lead({ email: "next@camp2.example", firstName: "Ned", lastName: "Next", companyName: "Camp Two", industry, title: "Head of Operations" });
    await lead({ email: "dnc@camp3.example", firstName: "Dina", lastName: "Noncontact", companyName: "Camp Three", industry, title: "VP Ops", doNotContact: true });

    const manager = await signIn(tenant.members.MANAGER.token);
    await manager.getByRole("link", { name: "Campaigns" }).click();
    await manager.getByRole("link", { name: "New campaign" }).click();
    await manager.getByLabel("Campaign name").fill("Acme story");
    await manager.getByLabel(/^Brief/).fill("We cut onboarding time in half for operations teams: pitch the Acme story.");
    await manager.getByLabel(/^Industries/).fill(industry);
    await manager.getByLabel(/^Daily cap/).fill("1");
    await manager.getByLabel("Start date").fill(mondayAhead());
    await manager.getByRole("button", { name: "Preview" }).click();

    const ranked = manager.getByTestId("campaign-ranked");
    await expect.poll(() => ranked.locator("tbody tr").count(), { timeout: WAIT }).toBe(2);
    expect(await ranked.textContent()).toContain("top@camp1.example");
    expect(await ranked.textContent()).toContain("next@camp2.example");
    const excluded = manager.getByTestId("campaign-excluded");
    expect(await excluded.textContent()).toContain("dnc@camp3.example");
    expect(await excluded.textContent()).toContain("DO_NOT_CONTACT");
    // A cap of one a day: two days, one draft each.
    const plan = manager.getByTestId("campaign-plan");
    expect(await plan.locator("tbody tr").count()).toBe(2);
    await screenshot(manager, "campaign-preview");
    await expectAccessible(manager, "campaign preview");

    // A lead arrives after the preview: launching that preview is refused (the fingerprint moved), and says why.
    await lead({ email: "late@camp4.example", firstName: "Lars", lastName: "Late", companyName: "Camp Four", industry, title: "COO" });
    await manager.getByRole("button", { name: /Launch the campaign \(2 contacts\)/ }).click();
    await manager.getByText("changed since the preview").waitFor();
    expect((await executeOk(t.graphqlUrl, ReadCampaigns, {}, { token: tenant.members.MANAGER.token })).campaigns.edges).toEqual([]);
    // Preview again (the same form): now three, and that preview launches. Scoring runs in the background and
    // a new score moves the ranking (and so the fingerprint): preview once every lead has its score.
    await expect
      .poll(async () => (await executeOk(t.graphqlUrl, LeadsScored, {}, { token: tenant.members.MANAGER.token })).leads.edges.every((e) => e.node.scoredAt !== null), { timeout: 60_000 })
      .toBe(true);
    await manager.getByRole("button", { name: "Preview" }).click();
    await expect.poll(() => ranked.locator("tbody tr").count(), { timeout: WAIT }).toBe(3);
    await manager.getByRole("button", { name: /Launch the campaign \(3 contacts\)/ }).click();
    await manager.getByRole("heading", { name: "Acme story", level: 1 }).waitFor();
    await expect.poll(() => manager.getByTestId("campaign-status").textContent(), { timeout: WAIT }).toBe("ACTIVE");
    await expect.poll(() => manager.getByTestId("campaign-results").textContent(), { timeout: WAIT }).toContain("Recipients3");
    const stored = await executeOk(t.graphqlUrl, ReadCampaigns, {}, { token: tenant.members.MANAGER.token });
    const campaign = stored.campaigns.edges.map((e) => e.node).find((c) => c.name === "Acme story")!;
    expect(campaign).toMatchObject({ status: "ACTIVE", recipientCount: 3 });
    expect(campaign.recipients.map((r) => r.contact?.email).sort()).toEqual(["late@camp4.example", "next@camp2.example", "top@camp1.example"]);

    // Pause from the campaign page; the list shows the status.
    await manager.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => manager.getByTestId("campaign-status").textContent(), { timeout: WAIT }).toBe("PAUSED");
    await screenshot(manager, "campaign-page");
    await expectAccessible(manager, "campaign page");
    await manager.getByRole("link", { name: "← Campaigns" }).click();
    await expect.poll(() => manager.getByTestId("campaigns").textContent(), { timeout: WAIT }).toContain("PAUSED");
    await expectAccessible(manager, "campaigns");
  });
});
