// campaignPreview with a sender mailbox the deliverability guardrails paused:
// the send plan is a hold — the preview says so with the pause's reason
// (mailboxHold), and every planned contact's planNote says its draft would be
// held — until a MANAGER resumes the mailbox. Another tenant's pause of the
// same address does not hold this tenant's plan.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp } from "../../helpers/operator.js";

const PREVIEW = `query($input: CampaignPreviewInput!) { campaignPreview(input: $input, first: 10) {
  preview { plannedCount days { day count } mailboxHold { mailbox reason message } ranked { email plannedDay planNote } }
  userErrors { code field message } } }`;
const RESUME = `mutation($input: MailboxResumeInput!) { mailboxResume(input: $input) { mailbox userErrors { code message } } }`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
const MAILBOX = "sales@shared-sender.example";
const REASON = "Hard bounces were 6.0% of 50 sends over 24 h (threshold 3%).";

async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as Json;
}

async function pause(tenantId: string): Promise<void> {
  await sql(
    t.db,
    `INSERT INTO "SendingMailbox" ("id", "tenantId", "mailbox", "status", "pauseCode", "pauseReason", "pausedAt", "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, 'PAUSED', 'HARD_BOUNCE_RATE', $3, now(), now())`,
    [tenantId, MAILBOX, REASON],
  );
}

const input = { brief: "Acme halved onboarding time: offer the case study.", segment: { titleKeywords: ["buyer"] }, dailyCap: 1 };

beforeAll(async () => {
  t = await startOperatorApp({ workers: 0 });
  a = await createTenant(t, "hold-a");
  b = await createTenant(t, "hold-b");
  for (const tenant of [a, b]) {
    await patchSettings(t.db, tenant.tenantId, { general: { timeZone: "Europe/Berlin" }, sending: { mailboxes: [MAILBOX] } });
    for (const name of ["ana", "bo"]) {
      const id = await insertContact(t.db, tenant.tenantId, { email: `${name}@${tenant.slug}.example`, firstName: name });
      await sql(t.db, `UPDATE "Contact" SET "title" = 'Head buyer' WHERE "id" = $1`, [id]);
    }
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("campaignPreview: a paused sender mailbox holds the send plan", () => {
  it("says the plan is held, with the pause's reason, on the preview and on each planned contact; resumed, the hold is gone", async () => {
    const before = (await ok(a.members.OPERATOR.token, PREVIEW, { input })).campaignPreview.preview;
    expect(before.mailboxHold).toBeNull();
    expect(before.ranked.every((r: Json) => r.planNote === null)).toBe(true);

    await pause(a.tenantId);
    const held = (await ok(a.members.OPERATOR.token, PREVIEW, { input })).campaignPreview.preview;
    expect(held.mailboxHold).toMatchObject({ mailbox: MAILBOX, reason: REASON });
    expect(held.mailboxHold.message).toContain("mailboxResume");
    // The plan itself stands (days by the cap); each planned contact's note says the draft would be held, and why.
    expect(held.plannedCount).toBe(2);
    expect(held.days.map((d: Json) => d.count)).toEqual([1, 1]);
    for (const r of held.ranked) {
      expect(r.plannedDay).not.toBeNull();
      expect(r.planNote).toContain(`Held: The sender mailbox ${MAILBOX} is paused: ${REASON}`);
    }
    // Another tenant with the same address is not held by this tenant's pause.
    expect((await ok(b.members.OPERATOR.token, PREVIEW, { input })).campaignPreview.preview.mailboxHold).toBeNull();

    expect((await ok(a.members.MANAGER.token, RESUME, { input: { mailbox: MAILBOX } })).mailboxResume.userErrors).toEqual([]);
    const resumed = (await ok(a.members.OPERATOR.token, PREVIEW, { input })).campaignPreview.preview;
    expect(resumed.mailboxHold).toBeNull();
    expect(resumed.ranked.every((r: Json) => r.planNote === null)).toBe(true);
  }, 60_000);
});
