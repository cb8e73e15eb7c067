// The console's enrolment-rule panel on a sequence's page, in a real browser
// against the real service (issue 12): a MANAGER sets a rule (title keywords
// and a contact list), a rule without criteria is refused with its userError,
// the sequence-segment job enrols the matches and they appear on the page;
// "Run the rule now" and "Remove the rule" work; an ANALYST sees the rule but
// no controls. axe-core on the panel's page.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { execFileSync } from "node:child_process";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { expectAccessible, HAVE_CHROMIUM, launchConsoleBrowser, screenshot, SKIP_REASON, type ConsoleBrowser } from "../helpers/browser.js";
import { execute } from "../helpers/graphql.js";
import { insertContact, patchSettings, sql } from "../helpers/operator.js";

const WAIT = 20_000;
const CREATE = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code message } } }`;
const CREATE_LIST = `mutation($input: ContactListCreateInput!) { contactListCreate(input: $input) { contactList { id } userErrors { code message } } }`;
const ADD = `mutation($input: ContactListMembersInput!) { contactListAddContacts(input: $input) { changed userErrors { code message } } }`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

if (!HAVE_CHROMIUM && process.env.CI === "true") {
  describe("console enrolment rule", () => {
    it("needs chromium under CI", () => {
      throw new Error(`CI=true but ${SKIP_REASON}`);
    });
  });
}

describe.skipIf(!HAVE_CHROMIUM)(`console enrolment rule in chromium${HAVE_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`}`, { timeout: 180_000 }, () => {
  let t: TestApp;
  let tenant: TestTenant;
  let browser: ConsoleBrowser;
  let sequenceId: string;
  const people: Record<string, string> = {};

  async function ok(token: string, query: string, variables: Record<string, unknown>): Promise<Json> {
    const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
    if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
    return r.data as Json;
  }

  async function openSequence(page: Page): Promise<void> {
    await page.getByRole("link", { name: "Sequences" }).click();
    await page.getByRole("link", { name: "Rule-driven nurture" }).click();
    await page.getByRole("heading", { name: "Enrolment rule" }).waitFor();
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ["scripts/console-build.mjs", "--if-stale"], { stdio: "pipe", timeout: 300_000 });
    t = await startTestApp();
    tenant = await createTenant(t, "segment-ui");
    await patchSettings(t.db, tenant.tenantId, { general: { timeZone: "Europe/Berlin" }, sending: { mailboxes: [`sales@${tenant.slug}.example`] } });
    const created = await ok(tenant.members.MANAGER.token, CREATE, {
      input: { name: "Rule-driven nurture", steps: [{ kind: "EMAIL", delayAmount: 2, brief: "Introduce us." }], skipWeekends: false },
    });
    sequenceId = decodeGlobalID(created.sequenceCreate.sequence.id).id;
    for (const [name, title] of [["fay", "CFO"], ["gus", "CFO"], ["hal", "Engineer"]] as const) {
      people[name] = await insertContact(t.db, tenant.tenantId, { email: `${name}@rule-ui.example`, firstName: name });
      await sql(t.db, `UPDATE "Contact" SET "title" = $2 WHERE "id" = $1`, [people[name], title]);
    }
    const list = await ok(tenant.members.MANAGER.token, CREATE_LIST, { input: { name: "Board contacts" } });
    await ok(tenant.members.MANAGER.token, ADD, { input: { listId: list.contactListCreate.contactList.id, contactIds: [encodeGlobalID("Contact", people.fay!)] } });
    browser = await launchConsoleBrowser(t.url, WAIT);
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("a MANAGER sets a rule (an empty one refused), the job enrols its matches, runs and removes it; an ANALYST only reads it", async () => {
    const manager = await browser.signIn(tenant.members.MANAGER.token);
    await openSequence(manager);
    await expect.poll(() => manager.getByTestId("segment-rule-criteria").textContent(), { timeout: WAIT }).toContain("No rule");

    // A rule without any criterion would enrol everyone: refused, with the reason.
    await manager.getByRole("button", { name: "Set a rule" }).click();
    await manager.getByRole("button", { name: "Save the rule" }).click();
    await expect.poll(() => manager.getByRole("alert").first().textContent(), { timeout: WAIT }).toContain("at least one criterion");

    // Title "cfo" and the list: only Fay is both.
    await manager.getByLabel("Title contains any of (comma-separated)").fill("cfo");
    await manager.getByLabel("On any of these contact lists").selectOption([{ label: "Board contacts (1)" }]);
    await manager.getByRole("button", { name: "Save the rule" }).click();
    await manager.getByTestId("segment-rule-notice").waitFor();
    await expect.poll(() => manager.getByTestId("segment-rule-criteria").textContent(), { timeout: WAIT }).toContain("titleKeywords: cfo");
    expect(await manager.getByTestId("segment-rule-criteria").textContent()).toContain("lists: Board contacts");
    const [stored] = await sql<{ segment: Json }>(t.db, `SELECT "segment" FROM "Sequence" WHERE "id" = $1`, [sequenceId]);
    expect(stored!.segment).toMatchObject({ titleKeywords: ["cfo"], lists: [expect.any(String)] });

    // The job (started by the save) enrols Fay; the page shows her live.
    await expect.poll(() => manager.getByTestId("enrollments").textContent().catch(() => ""), { timeout: 60_000 }).toContain("fay");
    expect(await manager.getByTestId("enrollments").textContent()).not.toContain("gus");
    await expect.poll(() => manager.getByTestId("segment-rule-ran").textContent(), { timeout: WAIT }).toContain("Last run");
    await expectAccessible(manager, "sequence enrolment rule");
    await screenshot(manager, "sequence-segment-rule");

    await manager.getByRole("button", { name: "Run the rule now" }).click();
    await expect.poll(() => manager.getByTestId("segment-rule-notice").textContent(), { timeout: WAIT }).toContain("Running the rule");

    // The ANALYST reads the rule, has no controls, and is told why.
    const analyst = await browser.signIn(tenant.members.ANALYST.token);
    await openSequence(analyst);
    await expect.poll(() => analyst.getByTestId("segment-rule-criteria").textContent(), { timeout: WAIT }).toContain("titleKeywords: cfo");
    expect(await analyst.getByRole("button", { name: "Edit the rule" }).count()).toBe(0);
    expect(await analyst.getByRole("button", { name: "Run the rule now" }).count()).toBe(0);
    expect(await analyst.getByText("You cannot change the enrolment rule.").count()).toBe(1);

    await manager.getByRole("button", { name: "Remove the rule" }).click();
    await expect.poll(() => manager.getByTestId("segment-rule-criteria").textContent(), { timeout: WAIT }).toContain("No rule");
    const [removed] = await sql<{ segment: Json | null }>(t.db, `SELECT "segment" FROM "Sequence" WHERE "id" = $1`, [sequenceId]);
    expect(removed!.segment).toBeNull();
  });
});
