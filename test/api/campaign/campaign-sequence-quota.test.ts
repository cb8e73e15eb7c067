// The campaign send plan counts what sequences have already planned (issue
// 12): e-mail steps scheduled on the same sender mailbox use the mailbox's
// limit on their day, so the campaign places at most limit − k there, says
// which sends the steps pushed, and a launch of the previewed input stores the
// same recipients on the same days.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localInstant } from "../../../src/domain/sequence/sequence.js";
import type { TestApp, TestTenant } from "../../helpers/app.js";
import { mondayAhead, startCampaignPlanApp, type CampaignPlanApp, type Json } from "../../helpers/campaign.js";
import { insertContact, sql } from "../../helpers/operator.js";

const PREVIEW = `query($input: CampaignPreviewInput!) { campaignPreview(input: $input, first: 50) {
  preview { plannedCount fingerprint days { day count } ranked { contactId email plannedDay plannedAt planNote } }
  userErrors { code field message } } }`;
const LAUNCH = `mutation($input: CampaignLaunchInput!) { campaignLaunch(input: $input) { campaign { id fingerprint } userErrors { code field message } } }`;
const CREATE = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code field message } } }`;
const ENROLL = `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) { results { contactId refusal enrollment { id } } userErrors { code message } } }`;

let t: TestApp;
let a: TestTenant;
let ok: CampaignPlanApp["ok"];
const LIMIT = 5;
const STEPS = 2;

const startDate = mondayAhead(1);
const segment = { titleKeywords: ["pitchable"] };

beforeAll(async () => {
  ({ t, a, ok } = await startCampaignPlanApp("seqcap-a", { quotas: { mailbox: { limit: LIMIT, windowHours: 24 } } }));
  for (let i = 0; i < 8; i++) await insertContact(t.db, a.tenantId, { email: `p${i}@pitch${i}.example`, firstName: `P${i}`, title: "Pitchable buyer" });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("campaign plan and sequence-planned sends on the same mailbox", () => {
  it(`with a mailbox limit of ${LIMIT} and ${STEPS} sequence steps planned on the first day, the campaign puts ${LIMIT - STEPS} there, says why, and launches the same set`, async () => {
    const before = (await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief: "Pitch.", segment, startDate } })).campaignPreview.preview;
    expect(before.days[0]).toEqual({ day: startDate, count: LIMIT });

    // A sequence with STEPS contacts enrolled (not in the campaign's segment); their step-one e-mails are placed at
    // 07:00 Berlin on the campaign's first day, an hour before its sends (08:00), from the default mailbox.
    const created = await ok(a.members.MANAGER.token, CREATE, { input: { name: "Nurture", steps: [{ kind: "EMAIL", delayAmount: 1, brief: "Hello." }], skipWeekends: false } });
    const contactIds: string[] = [];
    for (let i = 0; i < STEPS; i++) contactIds.push(await insertContact(t.db, a.tenantId, { email: `s${i}@nurture${i}.example`, firstName: `S${i}` }));
    const enrolled = await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId: created.sequenceCreate.sequence.id, contactIds: contactIds.map((id) => encodeGlobalID("Contact", id)) } });
    const enrollmentIds = enrolled.sequenceEnroll.results.map((r: Json) => decodeGlobalID(r.enrollment.id).id);
    expect(enrollmentIds).toHaveLength(STEPS);
    const [y, m, d] = startDate.split("-").map(Number);
    const at = new Date(localInstant({ year: y!, month: m!, day: d! }, 7 * 60, "Europe/Berlin"));
    const moved = await sql(t.db, `UPDATE "SequenceStepRun" SET "scheduledFor" = $2, "windowEnd" = $2::timestamptz + interval '1 hour' WHERE "enrollmentId" = ANY($1::uuid[]) AND "kind" = 'EMAIL' RETURNING 1`, [enrollmentIds, at]);
    expect(moved).toHaveLength(STEPS);

    const preview = (await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief: "Pitch.", segment, startDate } })).campaignPreview.preview;
    expect(preview.plannedCount).toBe(8);
    expect(preview.days[0]).toEqual({ day: startDate, count: LIMIT - STEPS });
    // Each plan keeps the limit with the steps counted: no 24 h window holds more than LIMIT sends of the mailbox.
    const times = [...preview.ranked.map((r: Json) => Date.parse(r.plannedAt)), ...Array(STEPS).fill(at.getTime())].sort((p: number, q: number) => p - q);
    for (const end of times) expect(times.filter((u: number) => u > end - 86_400_000 && u <= end).length).toBeLessThanOrEqual(LIMIT);
    const pushed = preview.ranked.filter((r: Json) => r.plannedDay !== startDate);
    expect(pushed.length).toBe(8 - (LIMIT - STEPS));
    for (const r of pushed) expect(r.planNote).toBe(`Pushed by the sender mailbox limit (${LIMIT} per 24 h). E-mail steps sequences have planned count against it.`);

    const launched = await ok(a.members.MANAGER.token, LAUNCH, { input: { name: "Pitch", brief: "Pitch.", segment, startDate, expectedFingerprint: preview.fingerprint } });
    expect(launched.campaignLaunch.userErrors).toEqual([]);
    const rows = await sql<{ contactId: string; plannedDay: string }>(t.db, `SELECT "contactId", "plannedDay" FROM "CampaignRecipient" WHERE "campaignId" = $1 ORDER BY "rank"`, [
      decodeGlobalID(launched.campaignLaunch.campaign.id).id,
    ]);
    expect(rows.map((r) => [r.contactId, r.plannedDay])).toEqual(preview.ranked.map((r: Json) => [decodeGlobalID(r.contactId).id, r.plannedDay]));
  }, 120_000);
});
