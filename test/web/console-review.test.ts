// The review queue's claims and context in a real browser (playwright-core
// driving Debian's chromium) against the real service and database. An
// OPERATOR opens a draft and holds it; a MANAGER with the same draft open sees
// who is reviewing it, cannot approve it (button or key), and takes it over
// live when the operator releases it. A draft shows the long-memory items its
// writer used and the Drive assets it links. axe-core on each state;
// screenshots go to test/web/screenshots/ (git-ignored).
import { execFileSync } from "node:child_process";
import { encodeGlobalID } from "@pothos/plugin-relay";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { expectAccessible, HAVE_CHROMIUM, launchConsoleBrowser, screenshot, SKIP_REASON, type ConsoleBrowser } from "../helpers/browser.js";
import { executeOk } from "../helpers/graphql.js";
import { insertContact, sql } from "../helpers/operator.js";
import { listeningCount } from "../helpers/subscriptions.js";
import { waitFor } from "../helpers/wait.js";

const WAIT = 20_000;
const BODY = "Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";

const CreateDraft = graphql(`
  mutation ReviewTestCreateDraft($input: DraftCreateInput!) {
    draftCreate(input: $input) { draft { id status } userErrors { field message code } }
  }
`);
const ReadDraft = graphql(`
  query ReviewTestDraft($id: ID!) {
    draft(id: $id) { id status claim { holder } approvals { approver { label } } }
  }
`);

if (!HAVE_CHROMIUM && process.env.CI === "true") {
  describe("console review queue claims", () => {
    it("needs chromium under CI", () => {
      throw new Error(`CI=true but ${SKIP_REASON}`);
    });
  });
}

describe.skipIf(!HAVE_CHROMIUM)(`console review claims and context in chromium${HAVE_CHROMIUM ? "" : ` (skipped: ${SKIP_REASON})`}`, { timeout: 120_000 }, () => {
  let t: TestApp;
  let tenant: TestTenant;
  let browser: ConsoleBrowser;
  const drafts: { gid: string; id: string }[] = [];

  async function createDraft(index: number, subject: string): Promise<{ gid: string; id: string }> {
    const contactId = await insertContact(t.db, tenant.tenantId, { email: `reviewed${index}@prospect${index}.example`, firstName: "Ana" });
    const created = await executeOk(
      t.graphqlUrl,
      CreateDraft,
      { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject, bodyText: BODY } },
      { token: tenant.members.ADMIN.token },
    );
    expect(created.draftCreate.draft?.status).toBe("PENDING_REVIEW");
    const gid = created.draftCreate.draft!.id;
    return { gid, id: Buffer.from(gid, "base64").toString("utf8").split(":")[1]! };
  }

  /** Opens the queue and waits until its subscriptions are being read by the server. */
  async function openQueue(page: Page): Promise<void> {
    const before = listeningCount(t.wsUrl)!;
    await page.goto(`${t.url}/queue`);
    await page.locator(`[data-draft-id="${drafts[0]!.gid}"]`).waitFor();
    await waitFor(() => listeningCount(t.wsUrl)! >= before + 2, { timeout: WAIT, message: "the queue's live subscriptions" });
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ["scripts/console-build.mjs", "--if-stale"], { stdio: "pipe", timeout: 300_000 });
    t = await startTestApp();
    tenant = await createTenant(t, "review");
    await sql(t.db, `UPDATE "Tenant" SET "settings" = jsonb_set("settings", '{sending,mailboxes}', '["sales@review.example"]') WHERE "id" = $1`, [tenant.tenantId]);
    drafts.push(await createDraft(1, "Claimed pilot follow-up"));
    drafts.push(await createDraft(2, "Follow-up that drew on memory"));
    drafts.push(await createDraft(3, "Draft a manager takes over"));
    drafts.push(await createDraft(4, "Draft left open in a closed tab"));
    drafts.push(await createDraft(5, "Draft revised across a session refresh"));
    // What the draft writer recorded for the second draft: two memories it was given and a Drive file it linked
    // (written as the writer does, straight into the tables; the writer's own tests cover how they are chosen).
    const contact = (await sql<{ contactId: string }>(t.db, `SELECT "contactId" FROM "Draft" WHERE "id" = $1`, [drafts[1]!.id]))[0]!.contactId;
    const memories = [
      { title: "Call with Ana on 3 March", text: "Ana said the pilot must start before the April budget freeze.", rank: 1, score: 0.82 },
      { title: "Reply: pricing question", text: "Asked whether the team plan covers twelve seats.", rank: 2, score: 0.61 },
    ];
    for (const m of memories) {
      await sql(
        t.db,
        `WITH item AS (
           INSERT INTO "MemoryItem" ("id", "tenantId", "sourceType", "sourceId", "contactId", "title", "text", "occurredAt", "updatedAt")
           VALUES (gen_random_uuid(), $1, 'ACTIVITY', gen_random_uuid(), $2, $3, $4, now() - interval '3 days', now()) RETURNING "id")
         INSERT INTO "DraftMemory" ("tenantId", "draftId", "memoryItemId", "rank", "score") SELECT $1, $5, "id", $6, $7 FROM item`,
        [tenant.tenantId, contact, m.title, m.text, drafts[1]!.id, m.rank, m.score],
      );
    }
    await sql(t.db, `UPDATE "Draft" SET "citedAssets" = $2::jsonb WHERE "id" = $1`, [
      drafts[1]!.id,
      JSON.stringify([{ fileId: "file-1", name: "Pilot case study.pdf", url: "https://drive.google.com/file/d/file-1/view" }]),
    ]);
    browser = await launchConsoleBrowser(t.url, WAIT);
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("an OPERATOR's open draft is held for them; a MANAGER sees who reviews it, cannot decide it, and takes it over when it is released", async () => {
    const operator = await browser.signIn(tenant.members.OPERATOR.token);
    await openQueue(operator);
    await operator.getByTestId("claim-mine").waitFor();
    const holder = `user:${tenant.members.OPERATOR.email}`;
    expect((await executeOk(t.graphqlUrl, ReadDraft, { id: drafts[0]!.gid }, { token: tenant.members.ADMIN.token })).draft!.claim).toEqual({ holder });

    const manager = await browser.signIn(tenant.members.MANAGER.token);
    await openQueue(manager);
    const banner = manager.getByTestId("claim-banner");
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`Being reviewed by ${holder}`);
    expect(await manager.locator(`[data-draft-id="${drafts[0]!.gid}"]`).textContent()).toContain(`being reviewed by ${holder}`);
    expect(await manager.getByRole("button", { name: "Approve", exact: true }).isDisabled()).toBe(true);
    expect(await manager.getByRole("button", { name: "Reject…" }).isDisabled()).toBe(true);
    expect(await manager.getByRole("button", { name: "Edit" }).isDisabled()).toBe(true);
    // The key does nothing either.
    await manager.keyboard.press("a");
    await screenshot(manager, "queue-claimed-by-colleague");
    await expectAccessible(manager, "review queue (draft held by a colleague)");
    expect((await executeOk(t.graphqlUrl, ReadDraft, { id: drafts[0]!.gid }, { token: tenant.members.ADMIN.token })).draft).toMatchObject({ status: "PENDING_REVIEW", approvals: [] });

    // The operator gives it back: the manager's open draft becomes theirs, live, and they approve it.
    await operator.getByRole("button", { name: "Release it" }).click();
    await operator.getByTestId("claim-released").waitFor();
    await manager.getByTestId("claim-mine").waitFor();
    expect(await manager.getByTestId("claim-banner").count()).toBe(0);
    // The operator's screen now says the manager has it.
    await operator.getByTestId("claim-banner").filter({ hasText: `Being reviewed by user:${tenant.members.MANAGER.email}` }).waitFor();
    await manager.getByRole("button", { name: "Approve", exact: true }).click();
    await manager.locator(`[data-draft-id="${drafts[0]!.gid}"]`).waitFor({ state: "detached" });
    const stored = await executeOk(t.graphqlUrl, ReadDraft, { id: drafts[0]!.gid }, { token: tenant.members.ADMIN.token });
    expect(stored.draft).toMatchObject({ status: "APPROVED", claim: null, approvals: [{ approver: { label: `user:${tenant.members.MANAGER.email}` } }] });
    const audit = await sql<{ action: string }>(t.db, `SELECT "action" FROM "AuditEntry" WHERE "targetId" = $1 ORDER BY "createdAt", "id"`, [drafts[0]!.id]);
    // (A slow run may add renewals: the operator's page renews its claim every minute.)
    expect(audit.map((a) => a.action).filter((a) => a !== "draft.claim_renewed")).toEqual(["draft.created", "draft.claimed", "draft.claim_released", "draft.claimed", "draft.approve"]);
  });

  it("a draft shows the long-memory items its writer used and the assets it links", async () => {
    const operator = await browser.signIn(tenant.members.OPERATOR.token);
    await operator.goto(`${t.url}/queue`);
    await operator.locator(`[data-draft-id="${drafts[1]!.gid}"] .row-main`).click();
    await operator.getByRole("heading", { name: "Follow-up that drew on memory", level: 2 }).waitFor();
    const memories = operator.getByTestId("memories-used");
    await memories.waitFor();
    const items = memories.locator("li");
    expect(await items.count()).toBe(2);
    expect(await items.nth(0).textContent()).toContain("Call with Ana on 3 March");
    expect(await items.nth(0).textContent()).toContain("before the April budget freeze");
    expect(await items.nth(1).textContent()).toContain("Reply: pricing question");
    const asset = operator.getByTestId("cited-assets").getByRole("link", { name: "Pilot case study.pdf" });
    expect(await asset.getAttribute("href")).toBe("https://drive.google.com/file/d/file-1/view");
    await screenshot(operator, "queue-memories-assets");
    await expectAccessible(operator, "review queue (memories and assets)");
  });

  /** Opens one draft of the queue and waits for its claim to be the page's own. */
  async function openDraft(page: Page, draft: { gid: string }, subject: string): Promise<void> {
    await page.goto(`${t.url}/queue`);
    await page.locator(`[data-draft-id="${draft.gid}"] .row-main`).click();
    await page.getByRole("heading", { name: subject, level: 2 }).waitFor();
  }

  it("a MANAGER takes over a draft an OPERATOR holds (draftClaimBreak); the OPERATOR, who may not, is offered no Take over", async () => {
    const draft = drafts[2]!;
    const operator = await browser.signIn(tenant.members.OPERATOR.token);
    await openDraft(operator, draft, "Draft a manager takes over");
    await operator.getByTestId("claim-mine").waitFor();

    const manager = await browser.signIn(tenant.members.MANAGER.token);
    await openDraft(manager, draft, "Draft a manager takes over");
    await manager.getByTestId("claim-banner").waitFor();
    const takeOver = manager.getByRole("button", { name: "Take over" });
    await takeOver.waitFor();
    await screenshot(manager, "queue-take-over");
    await expectAccessible(manager, "review queue (take over offered)");
    await takeOver.click();
    await manager.getByTestId("claim-mine").waitFor();
    expect(await manager.getByRole("button", { name: "Approve", exact: true }).isDisabled()).toBe(false);

    // The operator's open draft says, live, that the manager has it, and offers them no way to take it back.
    await operator.getByTestId("claim-banner").filter({ hasText: `Being reviewed by user:${tenant.members.MANAGER.email}` }).waitFor();
    expect(await operator.getByRole("button", { name: "Take over" }).count()).toBe(0);
    expect(await operator.getByRole("button", { name: "Approve", exact: true }).isDisabled()).toBe(true);

    const stored = await executeOk(t.graphqlUrl, ReadDraft, { id: draft.gid }, { token: tenant.members.ADMIN.token });
    expect(stored.draft!.claim).toEqual({ holder: `user:${tenant.members.MANAGER.email}` });
    const audit = await sql<{ action: string; actorId: string }>(t.db, `SELECT "action", "actorId" FROM "AuditEntry" WHERE "targetId" = $1 AND "action" LIKE 'draft.claim%' ORDER BY "createdAt", "id"`, [draft.id]);
    expect(audit.filter((a) => a.action !== "draft.claim_renewed")).toEqual([
      { action: "draft.claimed", actorId: tenant.members.OPERATOR.userId },
      { action: "draft.claim_broken", actorId: tenant.members.MANAGER.userId },
    ]);
    await operator.context().close();
    await manager.context().close();
  });

  it("closing the tab gives the claim back at once (draftRelease in a keepalive request on pagehide)", async () => {
    const draft = drafts[3]!;
    const operator = await browser.signIn(tenant.members.OPERATOR.token);
    await openDraft(operator, draft, "Draft left open in a closed tab");
    await operator.getByTestId("claim-mine").waitFor();
    const holder = async () => (await sql<{ claimHolderId: string | null }>(t.db, `SELECT "claimHolderId" FROM "Draft" WHERE "id" = $1`, [draft.id]))[0]!.claimHolderId;
    expect(await holder()).toBe(tenant.members.OPERATOR.userId);

    // A page closed as a person closes a tab: pagehide fires, no React clean-up runs.
    await operator.close({ runBeforeUnload: true });
    await waitFor(async () => (await holder()) === null, { timeout: WAIT, message: "the claim released by the closed tab" });
    const audit = await sql<{ action: string; actorId: string }>(t.db, `SELECT "action", "actorId" FROM "AuditEntry" WHERE "targetId" = $1 AND "action" LIKE 'draft.claim%' ORDER BY "createdAt", "id"`, [draft.id]);
    expect(audit.filter((a) => a.action !== "draft.claim_renewed")).toEqual([
      { action: "draft.claimed", actorId: tenant.members.OPERATOR.userId },
      { action: "draft.claim_released", actorId: tenant.members.OPERATOR.userId },
    ]);
    // A colleague can take it straight away, with no five-minute wait.
    const manager = await browser.signIn(tenant.members.MANAGER.token);
    await openDraft(manager, draft, "Draft left open in a closed tab");
    await manager.getByTestId("claim-mine").waitFor();
  });

  it("a session token about to expire is refreshed in place: an unsaved edit survives, saves after the old token expired, and the queue stays live", async () => {
    const draft = drafts[4]!;
    // A 40-second token: the console refreshes it a fifth of its life (8 s) before it expires.
    const short = await t.app.authenticator.issueUserToken({ userId: tenant.members.OPERATOR.userId, tenantId: tenant.tenantId }, 40);
    const expiresAt = Date.now() + 40_000;
    const operator = await browser.signIn(short);
    await openDraft(operator, draft, "Draft revised across a session refresh");
    await operator.getByRole("button", { name: "Edit", exact: true }).click();
    await operator.getByLabel("Subject").fill("Edited while the session was refreshed");

    const token = () => operator.evaluate("sessionStorage.getItem('sales-agent.token')") as Promise<string>;
    await waitFor(async () => (await token()) !== short, { timeout: 45_000, message: "the refreshed session token" });
    const refreshed = await token();
    expect(refreshed).toBeTruthy();
    // Past the old token's expiry: the edit is still on screen and saves with the new token.
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now() + 1_000)));
    expect(await operator.getByLabel("Subject").inputValue()).toBe("Edited while the session was refreshed");
    await operator.getByRole("button", { name: "Save as new revision" }).click();
    await operator.getByRole("heading", { name: "Edited while the session was refreshed", level: 2 }).waitFor();
    const stored = await sql<{ subject: string; revision: number }>(t.db, `SELECT "subject", "revision" FROM "Draft" WHERE "id" = $1`, [draft.id]);
    expect(stored).toEqual([{ subject: "Edited while the session was refreshed", revision: 2 }]);
    const audit = await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "action" = 'session.refreshed' AND "actorId" = $1`, [tenant.members.OPERATOR.userId]);
    expect(audit.length).toBeGreaterThanOrEqual(1);

    // Still live after the socket reconnected with the new token: a draft created now appears.
    const created = await createDraft(6, "Arrived after the refresh");
    await operator.locator(`[data-draft-id="${created.gid}"]`).waitFor();
    expect(operator.url()).not.toContain(refreshed);
    await operator.context().close();
  });
});
