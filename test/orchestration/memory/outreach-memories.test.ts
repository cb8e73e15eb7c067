// Long memory in sequence and campaign drafts (issue 12): the step job and
// the campaign day job write their drafts with the draft writer, which is
// given the contact's top memories; the draft records them (DraftMemory,
// Draft.memoriesUsed for the reviewer) like any draft the writer agent makes.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexMemory } from "../../../src/orchestration/memory/memory.js";
import { runCampaignDraftJob } from "../../../src/orchestration/campaign/campaign.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MEMORIES = `query($id: ID!) { node(id: $id) { ... on Draft { id origin memoriesUsed { rank score memory { title excerpt } } } } }`;

let t: TestApp;
let tenant: TestTenant;
const uuidOf = (globalId: string) => decodeGlobalID(globalId).id;

async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as Json;
}

/** A contact with one remembered call about Kubernetes, indexed. */
async function rememberedContact(email: string, title: string): Promise<{ contactId: string; memoryId: string }> {
  const contactId = await insertContact(t.db, tenant.tenantId, { email, firstName: email.split("@")[0] });
  await sql(t.db, `UPDATE "Contact" SET "title" = $2 WHERE "id" = $1`, [contactId, title]);
  await sql(
    t.db,
    `INSERT INTO "Activity" (id, "tenantId", type, direction, "occurredAt", subject, body, "contactId")
     VALUES (gen_random_uuid(), $1, 'CALL', 'OUTBOUND', now() - interval '3 days', $2, $3, $4)`,
    [tenant.tenantId, `Call with ${email}`, "They asked for the Kubernetes deployment guide and pricing for 50 seats.", contactId],
  );
  await indexMemory(t.app.services, tenant.tenantId);
  const [item] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "MemoryItem" WHERE "tenantId" = $1 AND "contactId" = $2`, [tenant.tenantId, contactId]);
  return { contactId, memoryId: item!.id };
}

async function recordedMemories(draftId: string): Promise<Array<{ memoryItemId: string; rank: number }>> {
  return sql(t.db, `SELECT "memoryItemId", "rank" FROM "DraftMemory" WHERE "draftId" = $1 ORDER BY "rank"`, [draftId]);
}

/** A Monday 7–13 days ahead (the campaign's day job is then not due during the test: it is run here). */
function mondayAhead(): string {
  const d = new Date(Date.now() + 7 * 86_400_000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

beforeAll(async () => {
  t = await startOperatorApp({ workers: 0 });
  tenant = await createTenant(t, "outreach-mem");
  await patchSettings(t.db, tenant.tenantId, { general: { timeZone: "Europe/Berlin" }, sending: { mailboxes: ["sales@outreach-mem.example"] } });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("sequence and campaign drafts record the long memory their writer was given", () => {
  it("a sequence step's draft records the contact's memories (Draft.memoriesUsed)", async () => {
    const { contactId, memoryId } = await rememberedContact("lin@orbit.example", "Platform lead");
    const created = await ok(tenant.members.MANAGER.token, `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code message } } }`, {
      input: { name: "Kubernetes intro", skipWeekends: false, steps: [{ kind: "EMAIL", delayAmount: 0, windowStart: "00:00", windowEnd: "24:00", brief: "Offer the Kubernetes deployment guide." }] },
    });
    const sequenceId = created.sequenceCreate.sequence.id;
    const enrolled = await ok(tenant.members.OPERATOR.token, `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) { results { refusal enrollment { id } } } }`, {
      input: { sequenceId, contactIds: [encodeGlobalID("Contact", contactId)] },
    });
    const enrollmentId = uuidOf(enrolled.sequenceEnroll.results[0].enrollment.id);
    // The step job (the background worker) writes the draft.
    const run = await waitFor(async () => {
      const [r] = await sql<{ draftId: string | null }>(t.db, `SELECT "draftId" FROM "SequenceStepRun" WHERE "enrollmentId" = $1 AND "outcome" = 'DRAFTED'`, [enrollmentId]);
      return r?.draftId ? r : null;
    }, 60_000, "the step's draft");
    expect(await recordedMemories(run.draftId!)).toEqual([{ memoryItemId: memoryId, rank: 1 }]);
    const draft = (await ok(tenant.members.OPERATOR.token, MEMORIES, { id: encodeGlobalID("Draft", run.draftId!) })).node;
    expect(draft.origin).toBe("SEQUENCE");
    expect(draft.memoriesUsed).toHaveLength(1);
    expect(draft.memoriesUsed[0].memory.excerpt).toContain("Kubernetes");
  }, 90_000);

  it("a campaign's draft records the contact's memories", async () => {
    const { contactId, memoryId } = await rememberedContact("ravi@orbit.example", "Head of Infrastructure");
    const startDate = mondayAhead();
    const launched = await ok(tenant.members.MANAGER.token, `mutation($input: CampaignLaunchInput!) { campaignLaunch(input: $input) { campaign { id } userErrors { code message } } }`, {
      input: { name: "Kubernetes story", brief: "Acme shipped on Kubernetes in a week with our deployment guide.", startDate, segment: { titleKeywords: ["infrastructure"] } },
    });
    expect(launched.campaignLaunch.userErrors).toEqual([]);
    const campaignId = uuidOf(launched.campaignLaunch.campaign.id);
    expect(await runCampaignDraftJob(t.app.services, { tenantId: tenant.tenantId, campaignId, day: startDate, token: 0 })).toMatchObject({ drafted: 1 });
    const [recipient] = await sql<{ draftId: string }>(t.db, `SELECT "draftId" FROM "CampaignRecipient" WHERE "campaignId" = $1 AND "contactId" = $2`, [campaignId, contactId]);
    expect(await recordedMemories(recipient!.draftId)).toEqual([{ memoryItemId: memoryId, rank: 1 }]);
    const draft = (await ok(tenant.members.OPERATOR.token, MEMORIES, { id: encodeGlobalID("Draft", recipient!.draftId) })).node;
    expect(draft).toMatchObject({ origin: "CAMPAIGN", memoriesUsed: [{ rank: 1, memory: { title: "Call with ravi@orbit.example" } }] });
  }, 90_000);
});
