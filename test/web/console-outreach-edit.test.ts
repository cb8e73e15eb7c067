// The sequence builder's edit, A/B variants and archive, and the campaign
// preview's paging, in a real browser (playwright-core driving Debian's
// chromium) against the real service and database: a MANAGER edits a sequence
// with a lead in flight, turns its e-mail step into an A/B test, saves a new
// version (the page says the enrolment in flight keeps its version), then
// archives the sequence; a campaign preview of 55 contacts pages past the
// first 50; a launched campaign's page pages its recipients beyond 100. axe-core on the editor; screenshots go to test/web/screenshots/
// (git-ignored).
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { expectAccessible, HAVE_CHROMIUM, launchConsoleBrowser, screenshot, SKIP_REASON, type ConsoleBrowser } from "../helpers/browser.js";
import { executeOk } from "../helpers/graphql.js";
import { patchSettings } from "../helpers/operator.js";

const WAIT = 20_000;

const IngestLead = graphql(`
  mutation SequenceEditTestLead($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id contact { id } } userErrors { code message } }
  }
`);
const CreateSequence = graphql(`
  mutation SequenceEditTestCreate($input: SequenceCreateInput!) {
    sequenceCreate(input: $input) { sequence { id } userErrors { field message code } }
  }
`);
const Enroll = graphql(`
  mutation SequenceEditTestEnroll($input: SequenceEnrollInput!) {
    sequenceEnroll(input: $input) { enrolledCount userErrors { code message } }
  }
`);
const Launch = graphql(`
  mutation CampaignPagingTestLaunch($input: CampaignLaunchInput!) {
    campaignLaunch(input: $input) { campaign { id recipientCount } userErrors { field code message } }
  }
`);
const ReadRecipients = graphql(`
  query CampaignPagingTestRecipients($id: ID!, $offset: Int!) {
    campaign(id: $id) { recipients(first: 50, offset: $offset) { rank } }
  }
`);
const ReadSequence = graphql(`
  query SequenceEditTestRead($id: ID!) {
    sequence(id: $id) {
      status
      currentVersion
      version { steps { kind brief variants { key brief weight } } }
    }
    sequenceEnrollments(sequenceId: $id, first: 10) { edges { node { version { version } } } }
  }
`);

if (!HAVE_CHROMIUM && process.env.CI === "true") {
  describe("console sequence editing", () => {
    it("needs chromium under CI", () => {
      throw new Error(`CI=true but ${SKIP_REASON}`);
    });
  });
}

describe.skipIf(!HAVE_CHROMIUM)(`console sequence edit, A/B and archive in chromium${HAVE_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`}`, { timeout: 120_000 }, () => {
  let t: TestApp;
  let tenant: TestTenant;
  let browser: ConsoleBrowser;
  let sequenceId: string;

  beforeAll(async () => {
    execFileSync(process.execPath, ["scripts/console-build.mjs", "--if-stale"], { stdio: "pipe", timeout: 300_000 });
    t = await startTestApp();
    tenant = await createTenant(t, "seqedit");
    await patchSettings(t.db, tenant.tenantId, { sending: { mailboxes: [`sales@${tenant.slug}.example`] } });
    const token = { token: tenant.members.MANAGER.token };
    const lead = await executeOk(t.graphqlUrl, IngestLead, { input: { email: "ada@inflight.example", firstName: "Ada", companyName: "InFlight", title: "VP Sales" } }, token);
    const created = await executeOk(
      t.graphqlUrl,
      CreateSequence,
      // A first step a week out: nothing is drafted while the test runs.
      { input: { name: "Pilot nurture", steps: [{ kind: "EMAIL", brief: "Remind them of the pilot results", delayAmount: 5 }] } },
      token,
    );
    expect(created.sequenceCreate.userErrors).toEqual([]);
    sequenceId = created.sequenceCreate.sequence!.id;
    const enrolled = await executeOk(t.graphqlUrl, Enroll, { input: { sequenceId, contactIds: [lead.leadIngest.lead!.contact!.id] } }, token);
    expect(enrolled.sequenceEnroll.enrolledCount).toBe(1);
    browser = await launchConsoleBrowser(t.url, WAIT);
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("a MANAGER makes the e-mail step an A/B test as a new version (the enrolment in flight keeps its version), then archives the sequence", async () => {
    const manager = await browser.signIn(tenant.members.MANAGER.token);
    await manager.goto(`${t.url}/sequences/${encodeURIComponent(sequenceId)}`);
    await manager.getByRole("button", { name: "Edit the sequence" }).click();
    await manager.getByRole("heading", { name: "Edit the sequence" }).waitFor();
    // The editor starts from the current version.
    expect(await manager.getByLabel("Brief for step 1").inputValue()).toBe("Remind them of the pilot results");
    await manager.getByLabel("A/B test step 1").check();
    await manager.getByLabel("Brief for step 1 (variant B)").fill("Lead with the customer quote from the pilot");
    await manager.getByLabel("Share of variant B in step 1").fill("3");
    await screenshot(manager, "sequence-edit-ab");
    await expectAccessible(manager, "sequence editor (A/B)");
    await manager.getByRole("button", { name: "Save as a new version" }).click();
    const saved = manager.getByTestId("sequence-saved");
    await saved.waitFor();
    expect(await saved.textContent()).toContain("Saved as version 2");
    expect(await saved.textContent()).toContain("1 enrolment in flight keeps the version it started on");
    const steps = manager.getByTestId("sequence-steps");
    await steps.getByText("variant B (share 3): Lead with the customer quote from the pilot").waitFor();

    const stored = await executeOk(t.graphqlUrl, ReadSequence, { id: sequenceId }, { token: tenant.members.MANAGER.token });
    expect(stored.sequence).toMatchObject({
      status: "ACTIVE",
      currentVersion: 2,
      version: {
        steps: [
          {
            kind: "EMAIL",
            variants: [
              { key: "A", brief: "Remind them of the pilot results", weight: 1 },
              { key: "B", brief: "Lead with the customer quote from the pilot", weight: 3 },
            ],
          },
        ],
      },
    });
    expect(stored.sequenceEnrollments.edges.map((e) => e.node.version.version)).toEqual([1]);

    await manager.getByRole("button", { name: "Archive…" }).click();
    const dialog = manager.getByRole("dialog", { name: "Archive the sequence?" });
    await dialog.getByRole("button", { name: "Yes, archive it" }).click();
    await manager.getByText(/^ARCHIVED · version 2/).waitFor();
    // No more enrolling or editing on an archived sequence.
    expect(await manager.getByRole("heading", { name: "Enrol contacts" }).count()).toBe(0);
    expect(await manager.getByRole("button", { name: "Edit the sequence" }).count()).toBe(0);
    const archived = await executeOk(t.graphqlUrl, ReadSequence, { id: sequenceId }, { token: tenant.members.MANAGER.token });
    expect(archived.sequence!.status).toBe("ARCHIVED");
    await screenshot(manager, "sequence-archived");
  });

  it("the campaign preview pages past the first 50 ranked contacts", async () => {
    for (let i = 0; i < 54; i++) {
      const r = await executeOk(
        t.graphqlUrl,
        IngestLead,
        { input: { email: `buyer${i}@paged${i}.example`, firstName: `Buyer${i}`, companyName: `Paged ${i}`, title: "Head of Operations" } },
        { token: tenant.members.MANAGER.token },
      );
      expect(r.leadIngest.userErrors).toEqual([]);
    }
    const manager = await browser.signIn(tenant.members.MANAGER.token);
    await manager.goto(`${t.url}/campaigns`);
    await manager.getByRole("link", { name: "New campaign" }).click();
    await manager.getByLabel("Campaign name").fill("Paged story");
    await manager.getByLabel(/^Brief/).fill("We cut onboarding time in half for operations teams: pitch the story.");
    await manager.getByLabel(/^Daily cap/).fill("100");
    await manager.getByRole("button", { name: "Preview" }).click();
    const ranked = manager.getByTestId("pager-ranked-contacts");
    await ranked.waitFor();
    // The 54 new leads, and the sequence's lead unless its enrolment excludes it.
    const first = (await ranked.textContent())!.match(/^Showing 1–50 of (\d+)$/);
    const total = Number(first?.[1]);
    expect([54, 55]).toContain(total);
    expect(await manager.getByTestId("campaign-ranked").locator("tbody tr").count()).toBe(50);
    await manager.getByRole("button", { name: "Next 50 ranked contacts" }).click();
    await expect.poll(() => ranked.textContent()).toBe(`Showing 51–${total} of ${total}`);
    const rows = manager.getByTestId("campaign-ranked").locator("tbody tr");
    expect(await rows.count()).toBe(total - 50);
    expect(await rows.first().locator("td").first().textContent()).toBe("51");
    expect(await manager.getByRole("button", { name: "Next 50 ranked contacts" }).isDisabled()).toBe(true);
    await manager.getByRole("button", { name: "Previous 50 ranked contacts" }).click();
    await expect.poll(() => ranked.textContent()).toBe(`Showing 1–50 of ${total}`);
    await screenshot(manager, "campaign-preview-paged");
  });

  it("a launched campaign's page pages its recipients 50 at a time, beyond the first 100", async () => {
    const token = { token: tenant.members.MANAGER.token };
    // With the previous test's 54 leads (and the sequence's), well over 100 contacts.
    for (let i = 0; i < 66; i++) {
      const r = await executeOk(t.graphqlUrl, IngestLead, { input: { email: `many${i}@wide${i}.example`, firstName: `Many${i}`, companyName: `Wide ${i}`, title: "COO" } }, token);
      expect(r.leadIngest.userErrors).toEqual([]);
    }
    // Starting in a month: nothing is drafted while the test runs.
    const start = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const launched = await executeOk(
      t.graphqlUrl,
      Launch,
      { input: { name: "Wide story", brief: "We cut onboarding time in half for operations teams: pitch the story.", dailyCap: 100, size: 500, startDate: start } },
      token,
    );
    expect(launched.campaignLaunch.userErrors).toEqual([]);
    const campaign = launched.campaignLaunch.campaign!;
    const total = campaign.recipientCount;
    expect(total).toBeGreaterThan(110);
    // The API pages past 100 too.
    const third = await executeOk(t.graphqlUrl, ReadRecipients, { id: campaign.id, offset: 100 }, token);
    expect(third.campaign!.recipients.map((r) => r.rank)).toEqual(Array.from({ length: total - 100 }, (_, i) => 101 + i));

    const manager = await browser.signIn(tenant.members.MANAGER.token);
    await manager.goto(`${t.url}/campaigns/${encodeURIComponent(campaign.id)}`);
    const pager = manager.getByTestId("pager-recipients");
    await pager.waitFor();
    expect(await pager.textContent()).toBe(`Showing 1–50 of ${total}`);
    const table = manager.locator("table", { has: manager.locator("caption", { hasText: "Recipients" }) });
    expect(await table.locator("tbody tr").count()).toBe(50);
    await manager.getByRole("button", { name: "Next 50 recipients" }).click();
    await expect.poll(() => pager.textContent(), { timeout: WAIT }).toBe(`Showing 51–100 of ${total}`);
    await manager.getByRole("button", { name: "Next 50 recipients" }).click();
    await expect.poll(() => pager.textContent(), { timeout: WAIT }).toBe(`Showing 101–${Math.min(150, total)} of ${total}`);
    const rows = manager.locator("table", { has: manager.locator("caption", { hasText: "Recipients" }) }).locator("tbody tr");
    expect(await rows.count()).toBe(Math.min(50, total - 100));
    expect(await rows.first().locator("td").first().textContent()).toBe("101");
    await screenshot(manager, "campaign-recipients-paged");
    await expectAccessible(manager, "campaign page (recipients, third page)");
    await manager.getByRole("button", { name: "Previous 50 recipients" }).click();
    await expect.poll(() => pager.textContent(), { timeout: WAIT }).toBe(`Showing 51–100 of ${total}`);
  });
});
