// Story-pitch campaigns over the real service: GraphQL over HTTP, the real
// database, the real send worker and the local AI provider as the writer.
// A preview ranks a segment with a reason per rank and explains every
// exclusion; 100 contacts at 20 a day spread over 5 business days; a preview
// writes nothing and a launch of the same input stores exactly the previewed
// recipients on the previewed days (and refuses when they moved); the day job
// writes personalised drafts (origin CAMPAIGN) that wait for review; an
// approved draft is held by the send path until its planned day and while
// the campaign is paused; cancel cancels unsent drafts; roles and tenants are
// kept apart.
//
// Start dates are a Monday at least a week ahead, so the draft jobs are never
// due during the test: the test runs them itself (runCampaignDraftJob).
import { decodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "../../../src/data/database.js";
import { runCampaignDraftJob, type CampaignDraftJob } from "../../../src/orchestration/campaign/campaign.js";
import { ALL_ROLES, createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";

const PREVIEW = `query($input: CampaignPreviewInput!, $first: Int, $offset: Int, $excludedFirst: Int) {
  campaignPreview(input: $input, first: $first, offset: $offset, excludedFirst: $excludedFirst) {
    preview { matched eligible excludedCount plannedCount unplannedCount beyondSize fingerprint timeZone rankingRule
      input { mailbox startDate dailyCap cadenceDays size }
      exclusionCounts { reason count }
      days { day count }
      ranked { rank contactId email score grade replies points reason plannedDay plannedAt planNote }
      excluded { contactId email reason message } }
    userErrors { code field message } } }`;
const LAUNCH = `mutation($input: CampaignLaunchInput!) { campaignLaunch(input: $input) {
  campaign { id name status recipientCount fingerprint startDate mailbox } userErrors { code field message } } }`;
const PAUSE = `mutation($input: CampaignPauseInput!) { campaignPause(input: $input) { campaign { id status } userErrors { code message } } }`;
const RESUME = `mutation($input: CampaignResumeInput!) { campaignResume(input: $input) { campaign { id status } userErrors { code message } } }`;
const CANCEL = `mutation($input: CampaignCancelInput!) { campaignCancel(input: $input) { campaign { id status } cancelledDraftIds userErrors { code message } } }`;
const CAMPAIGN = `query($id: ID!) { campaign(id: $id) { id name status recipientCount
  results { recipients planned drafted skipped cancelled approved rejected sent replied positiveReplies }
  recipients(first: 200) { rank rankReason plannedDay status skipReason contact { id email } draft { id status origin subject } } } }`;
const CAMPAIGNS = `query { campaigns(first: 20) { edges { node { id name } } } }`;
const APPROVE = `mutation($input: DraftApproveInput!) { draftApprove(input: $input) { draft { id status } userErrors { code message } } }`;
const SEND = `mutation($input: DraftSendInput!) { draftSend(input: $input) { draft { id status } userErrors { code message } } }`;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function gql(token: string, query: string, variables: Record<string, unknown> = {}) {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  return { data: (r.data ?? null) as Json | null, errors: r.errors as { extensions?: { code?: string } }[] | undefined };
}
async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await gql(token, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const uuidOf = (gid: string) => decodeGlobalID(gid).id;

/** A Monday at least `weeks` weeks ahead (YYYY-MM-DD). */
function mondayAhead(weeks: number): string {
  const d = new Date(Date.now() + weeks * 7 * 86_400_000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
/** "YYYY-MM-DD HH:MM" in Berlin (the tenants' zone). */
function berlin(iso: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
const addDays = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

let seq = 0;
interface Person {
  email?: string | null;
  tag: string;
  score?: number | null;
  grade?: string | null;
  status?: string;
  title?: string;
  doNotContact?: boolean;
  industry?: string;
}
/** A company, a contact and its lead, inserted as the owner; contacts are created in call order (the oldest-first tie-break). */
async function person(tenant: TestTenant, p: Person): Promise<string> {
  seq++;
  const [co] = await sql<{ id: string }>(t.db, `INSERT INTO "Company" ("id", "tenantId", "name", "industry", "updatedAt") VALUES (gen_random_uuid(), $1, $2, $3, now()) RETURNING "id"`, [
    tenant.tenantId,
    `Co ${seq}`,
    p.industry ?? "Software",
  ]);
  const email = p.email === undefined ? `p${seq}@co${seq}.example` : p.email;
  const [c] = await sql<{ id: string }>(
    t.db,
    `INSERT INTO "Contact" ("id", "tenantId", "companyId", "email", "emailOriginal", "firstName", "title", "doNotContact", "attributes", "createdAt", "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, $3, $4, $5, $6, jsonb_build_object('campaign', $7::text), now() - make_interval(secs => 100000 - $8::int), now()) RETURNING "id"`,
    [tenant.tenantId, co!.id, email, `Person${seq}`, p.title ?? "Head of Operations", p.doNotContact ?? false, p.tag, seq],
  );
  await sql(
    t.db,
    `INSERT INTO "Lead" ("id", "tenantId", "contactId", "companyId", "source", "status", "score", "grade", "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, 'import', $4::"LeadStatus", $5, $6, now())`,
    [tenant.tenantId, c!.id, co!.id, p.status ?? "NEW", p.score ?? null, p.grade ?? null],
  );
  return c!.id;
}
async function reply(tenant: TestTenant, contactId: string, daysAgo: number, intent = "INTERESTED") {
  await sql(
    t.db,
    `INSERT INTO "InboundMessage" ("id", "tenantId", "messageId", "to", "subject", "text", "receivedAt", "references", "suppressed", "intent", "contactId")
     VALUES (gen_random_uuid(), $1, $2, '{}', 'Re: hello', 'Sounds good', now() - make_interval(days => $3::int), '{}', '{}', $4::"InboundIntent", $5)`,
    [tenant.tenantId, `<r${++seq}@x.example>`, daysAgo, intent, contactId],
  );
}

const brief = "We cut onboarding time in half for operations teams: pitch our customer story from Acme.";

beforeAll(async () => {
  t = await startOperatorApp({ workers: 1, env: { AGENT_POLL_SECONDS: "0.5" } });
  a = await createTenant(t, "camp-a");
  b = await createTenant(t, "camp-b");
  for (const tenant of [a, b]) {
    await patchSettings(t.db, tenant.tenantId, {
      general: { timeZone: "Europe/Berlin" },
      sending: { mode: "SEND_ALLOWED", mailboxes: [`sales@${tenant.slug}.example`] },
    });
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("campaign preview: ranking and exclusions", () => {
  const ids: Record<string, string> = {};
  // 7–13 days ahead: a send made now is within the 14-day cadence before it.
  const start = mondayAhead(1);

  beforeAll(async () => {
    ids.top = await person(a, { tag: "rank", score: 90, grade: "A" });
    ids.tieOld = await person(a, { tag: "rank", score: 70, grade: "B" });
    ids.tieNew = await person(a, { tag: "rank", score: 70, grade: "B" });
    ids.replier = await person(a, { tag: "rank", score: 60, grade: "C" });
    ids.unscored = await person(a, { tag: "rank" });
    ids.otherTitle = await person(a, { tag: "rank", score: 99, title: "Intern" });
    // 60 + 5×2 replies + 10 (within 30 days) = 80 > 70.
    await reply(a, ids.replier, 3);
    await reply(a, ids.replier, 40);
    ids.noEmail = await person(a, { tag: "rank", email: null, score: 95 });
    ids.dnc = await person(a, { tag: "rank", score: 95, doNotContact: true });
    ids.supAddr = await person(a, { tag: "rank", score: 95, email: "blocked@fine.example" });
    ids.supDomain = await person(a, { tag: "rank", score: 95, email: "someone@blocked-domain.example" });
    ids.disq = await person(a, { tag: "rank", score: 95, status: "DISQUALIFIED" });
    ids.recent = await person(a, { tag: "rank", score: 95 });
    for (const [kind, value] of [["EMAIL", "blocked@fine.example"], ["DOMAIN", "blocked-domain.example"]]) {
      await sql(
        t.db,
        `INSERT INTO "Suppression" ("id", "tenantId", "kind", "value", "reason", "createdByType", "createdById", "createdByLabel") VALUES (gen_random_uuid(), $1, $2::"SuppressionKind", $3, 'MANUAL', 'USER', 'x', 'test')`,
        [a.tenantId, kind, value],
      );
    }
    await sql(t.db, `INSERT INTO "Activity" ("id", "tenantId", "type", "direction", "occurredAt", "contactId") VALUES (gen_random_uuid(), $1, 'EMAIL_SENT', 'OUTBOUND', now(), $2)`, [
      a.tenantId,
      ids.recent,
    ]);
  });

  it("ranks by fit and engagement with a reason per rank and stated tie-breaks; explains every exclusion", async () => {
    const before = await sql<{ n: number }>(t.db, `SELECT (SELECT count(*) FROM "Campaign") + (SELECT count(*) FROM "CampaignRecipient") + (SELECT count(*) FROM "OutboxEvent" WHERE "tenantId" = $1) AS n`, [a.tenantId]);
    const r = await ok(a.members.OPERATOR.token, PREVIEW, {
      input: { brief, startDate: start, segment: { attributes: [{ key: "campaign", value: "rank" }], titleKeywords: ["operations"] } },
    });
    const p = r.campaignPreview.preview;
    expect(r.campaignPreview.userErrors).toEqual([]);
    expect(p.rankingRule).toMatch(/ties: higher score, more recent engagement, older contact, contact id/);
    expect(p.input).toEqual({ mailbox: `sales@${a.slug}.example`, startDate: start, dailyCap: 20, cadenceDays: 14, size: 100 });
    // The intern is outside the persona: not matched at all.
    expect(p.matched).toBe(11);
    expect(p.eligible).toBe(5);
    expect(p.ranked.map((x: Json) => uuidOf(x.contactId))).toEqual([ids.top, ids.replier, ids.tieOld, ids.tieNew, ids.unscored]);
    expect(p.ranked[0].reason).toBe("#1: 90 points; score 90 (grade A); no engagement yet");
    expect(p.ranked[1]).toMatchObject({ points: 80, replies: 2 });
    expect(p.ranked[1].reason).toMatch(/^#2: 80 points; score 60 \(grade C\); 2 replies; last engaged \d+ days before the start$/);
    expect(p.ranked[4].reason).toBe("#5: 0 points; not scored; no engagement yet");
    // Everyone fits on the first day (the cap is 20).
    expect(p.days).toEqual([{ day: start, count: 5 }]);
    const reasons = Object.fromEntries(p.excluded.map((x: Json) => [uuidOf(x.contactId), x.reason]));
    expect(reasons).toEqual({
      [ids.noEmail!]: "NO_EMAIL",
      [ids.dnc!]: "DO_NOT_CONTACT",
      [ids.supAddr!]: "SUPPRESSED_ADDRESS",
      [ids.supDomain!]: "SUPPRESSED_DOMAIN",
      [ids.disq!]: "DISQUALIFIED",
      [ids.recent!]: "CONTACTED_RECENTLY",
    });
    expect(p.excluded.every((x: Json) => x.message.length > 10)).toBe(true);
    expect(p.exclusionCounts).toHaveLength(6);
    // Paged: the first 2 ranked, and counts for the rest.
    const paged = (await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief, startDate: start, segment: { attributes: [{ key: "campaign", value: "rank" }], titleKeywords: ["operations"] } }, first: 2, offset: 1, excludedFirst: 1 })).campaignPreview.preview;
    expect(paged.ranked.map((x: Json) => x.rank)).toEqual([2, 3]);
    expect(paged.excluded).toHaveLength(1);
    expect(paged.excludedCount).toBe(6);
    // A dry run: nothing written (no campaign, no recipient, no event).
    const after = await sql<{ n: number }>(t.db, `SELECT (SELECT count(*) FROM "Campaign") + (SELECT count(*) FROM "CampaignRecipient") + (SELECT count(*) FROM "OutboxEvent" WHERE "tenantId" = $1) AS n`, [a.tenantId]);
    expect(after).toEqual(before);
  });

  it("a contact planned in another live campaign within the cadence is excluded", async () => {
    const segment = { attributes: [{ key: "campaign", value: "rank" }], titleKeywords: ["operations"] };
    const launched = await ok(a.members.MANAGER.token, LAUNCH, { input: { name: "First pitch", brief, startDate: start, segment } });
    expect(launched.campaignLaunch.userErrors).toEqual([]);
    const planned = [ids.top, ids.replier, ids.tieOld, ids.tieNew, ids.unscored].sort();
    const again = (await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief, startDate: addDays(start, 7), segment } })).campaignPreview.preview;
    expect(again.exclusionCounts).toContainEqual({ reason: "IN_OTHER_CAMPAIGN", count: 5 });
    expect(again.excluded.filter((x: Json) => x.reason === "IN_OTHER_CAMPAIGN").map((x: Json) => uuidOf(x.contactId)).sort()).toEqual(planned);
    // Outside the cadence (planned days more than 14 days apart) they are eligible again.
    const later = (await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief, startDate: addDays(start, 21), segment } })).campaignPreview.preview;
    expect(later.exclusionCounts.find((x: Json) => x.reason === "IN_OTHER_CAMPAIGN")).toBeUndefined();
    expect(planned.every((id) => later.ranked.some((x: Json) => uuidOf(x.contactId) === id))).toBe(true);
    await ok(a.members.MANAGER.token, CANCEL, { input: { campaignId: launched.campaignLaunch.campaign.id } });
  });

  it("bad input gets typed userErrors with the field", async () => {
    const r = await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief: " ", startDate: "2020-01-01", dailyCap: 0, segment: { scoreMin: 90, scoreMax: 10 } } });
    expect(r.campaignPreview.preview).toBeNull();
    expect(r.campaignPreview.userErrors.map((e: Json) => e.field.join("."))).toEqual(expect.arrayContaining(["input.brief", "input.dailyCap"]));
    const past = await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief, startDate: "2020-01-01" } });
    expect(past.campaignPreview.userErrors).toEqual([expect.objectContaining({ code: "VALIDATION_FAILED", field: ["input", "startDate"] })]);
    const mailbox = await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief, mailbox: "ceo@elsewhere.example" } });
    expect(mailbox.campaignPreview.userErrors[0].code).toBe("MAILBOX_NOT_ALLOWED");
  });
});

describe("campaign plan, launch, drafts, hold, pause and cancel", () => {
  const start = mondayAhead(3);
  const segment = { attributes: [{ key: "campaign", value: "hundred" }] };
  let campaignId: string;
  let fingerprint: string;
  let preview: Json;

  beforeAll(async () => {
    // In one statement each (a company, contact and lead per person; distinct domains, so no domain quota binds).
    await sql(
      t.db,
      `WITH co AS (
         INSERT INTO "Company" ("id", "tenantId", "name", "updatedAt") SELECT gen_random_uuid(), $1, 'H' || i, now() FROM generate_series(0, 99) i RETURNING "id", "name"),
       c AS (
         INSERT INTO "Contact" ("id", "tenantId", "companyId", "email", "emailOriginal", "firstName", "title", "attributes", "updatedAt")
         SELECT gen_random_uuid(), $1, co."id", 'h' || substr(co."name", 2) || '@h' || substr(co."name", 2) || '.example', 'h' || substr(co."name", 2) || '@h' || substr(co."name", 2) || '.example',
                'Hundred' || substr(co."name", 2), 'Buyer', '{"campaign":"hundred"}'::jsonb, now() FROM co RETURNING "id", "companyId", "firstName")
       INSERT INTO "Lead" ("id", "tenantId", "contactId", "companyId", "source", "score", "updatedAt")
       SELECT gen_random_uuid(), $1, c."id", c."companyId", 'import', (substr(c."firstName", 8)::int * 37) % 101, now() FROM c`,
      [a.tenantId],
    );
  }, 120_000);

  it("100 contacts at 20 a day spread over 5 business days, one send per contact", async () => {
    preview = (await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief, startDate: start, segment }, first: 100 })).campaignPreview.preview;
    expect(preview.eligible).toBe(100);
    expect(preview.plannedCount).toBe(100);
    expect(preview.days).toEqual([0, 1, 2, 3, 4].map((i) => ({ day: addDays(start, i), count: 20 })));
    expect(new Set(preview.ranked.map((x: Json) => x.contactId)).size).toBe(100);
    // Higher ranks never go later than lower ones.
    for (let i = 1; i < 100; i++) expect(preview.ranked[i].plannedDay >= preview.ranked[i - 1].plannedDay).toBe(true);
    expect(berlin(preview.ranked[0].plannedAt)).toBe(`${start} 08:00`);
    expect(berlin(preview.ranked[99].plannedAt)).toBe(`${addDays(start, 4)} 08:00`);
    fingerprint = preview.fingerprint;
  });

  it("roles: preview OPERATOR and up; launch, pause, resume, cancel MANAGER and up; campaigns readable by every role", async () => {
    for (const role of ALL_ROLES) {
      const token = a.members[role].token;
      const p = await gql(token, PREVIEW, { input: { brief, startDate: start, segment }, first: 1 });
      if (["OWNER", "ADMIN", "MANAGER", "OPERATOR"].includes(role)) expect(p.data?.campaignPreview.userErrors).toEqual([]);
      else expect(p.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      if (!["OWNER", "ADMIN", "MANAGER"].includes(role)) {
        const l = await gql(token, LAUNCH, { input: { name: "nope", brief, startDate: start, segment } });
        expect(l.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
        for (const m of [PAUSE, RESUME, CANCEL]) expect((await gql(token, m, { input: { campaignId: "Q2FtcGFpZ246eA==" } })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      }
      expect((await gql(token, CAMPAIGNS)).errors).toBeUndefined();
    }
  });

  it("a launch of the previewed input stores exactly the previewed recipients on the previewed days; a stale fingerprint is refused", async () => {
    const stale = await ok(a.members.MANAGER.token, LAUNCH, { input: { name: "Stale", brief, startDate: start, segment, expectedFingerprint: "0".repeat(32) } });
    expect(stale.campaignLaunch.userErrors[0]).toMatchObject({ code: "CONFLICT", field: ["input", "expectedFingerprint"] });
    expect(await sql(t.db, `SELECT 1 FROM "Campaign" WHERE "name" = 'Stale'`)).toHaveLength(0);

    const r = await ok(a.members.MANAGER.token, LAUNCH, { input: { name: "Acme story", brief, startDate: start, segment, expectedFingerprint: fingerprint } });
    expect(r.campaignLaunch.userErrors).toEqual([]);
    expect(r.campaignLaunch.campaign).toMatchObject({ name: "Acme story", status: "ACTIVE", recipientCount: 100, fingerprint, startDate: start, mailbox: `sales@${a.slug}.example` });
    campaignId = r.campaignLaunch.campaign.id;
    const rows = await sql<{ contactId: string; plannedDay: string; rank: number }>(t.db, `SELECT "contactId", "plannedDay", "rank" FROM "CampaignRecipient" WHERE "campaignId" = $1 ORDER BY "rank"`, [uuidOf(campaignId)]);
    expect(rows.map((x) => [x.rank, x.contactId, x.plannedDay])).toEqual(preview.ranked.map((x: Json) => [x.rank, uuidOf(x.contactId), x.plannedDay]));
    // One draft job per day, due ahead of the day; the launch is audited and evented.
    const jobs = await sql<{ day: string }>(t.db, `SELECT data->>'day' AS day FROM pgboss.job WHERE name = 'campaign-draft' AND data->>'campaignId' = $1 ORDER BY 1`, [uuidOf(campaignId)]);
    expect(jobs.map((j) => j.day)).toEqual(preview.days.map((d: Json) => d.day));
    expect(await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.campaign.launched' AND "payload"->>'campaignId' = $2`, [a.tenantId, uuidOf(campaignId)])).toHaveLength(1);
    expect(await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'campaign.launched' AND "targetId" = $2`, [a.tenantId, uuidOf(campaignId)])).toHaveLength(1);
  });

  it("the day job writes personalised drafts (origin CAMPAIGN) that wait for review; an approved one is held until its planned day", async () => {
    const job: CampaignDraftJob = { tenantId: a.tenantId, campaignId: uuidOf(campaignId), day: start, token: 0 };
    const result = await runCampaignDraftJob(t.app.services, job);
    expect(result).toMatchObject({ drafted: 20, skipped: 0 });
    const c = (await ok(a.members.ANALYST.token, CAMPAIGN, { id: campaignId })).campaign;
    const drafted = c.recipients.filter((x: Json) => x.draft);
    expect(drafted).toHaveLength(20);
    expect(drafted.every((x: Json) => x.plannedDay === start && x.status === "DRAFTED" && x.draft.origin === "CAMPAIGN")).toBe(true);
    expect(drafted.every((x: Json) => ["PENDING_REVIEW", "BLOCKED"].includes(x.draft.status))).toBe(true);
    expect(c.results).toMatchObject({ recipients: 100, planned: 80, drafted: 20, approved: 0, sent: 0 });
    // A second run (a retry) writes nothing twice.
    expect(await runCampaignDraftJob(t.app.services, job)).toMatchObject({ drafted: 0 });
    // Personalised: the writer names each contact's first name.
    const bodies = await sql<{ bodyText: string; firstName: string }>(
      t.db,
      `SELECT d."bodyText", c."firstName" FROM "Draft" d JOIN "Contact" c ON c."id" = d."contactId" WHERE d."origin" = 'CAMPAIGN' AND d."tenantId" = $1 LIMIT 5`,
      [a.tenantId],
    );
    for (const row of bodies) expect(row.bodyText).toContain(row.firstName);

    const pending = drafted.find((x: Json) => x.draft.status === "PENDING_REVIEW")!;
    const approved = await ok(a.members.OPERATOR.token, APPROVE, { input: { draftId: pending.draft.id } });
    expect(approved.draftApprove.userErrors).toEqual([]);
    await ok(a.members.OPERATOR.token, SEND, { input: { draftId: pending.draft.id } });
    const held = await waitFor(async () => {
      const [d] = await sql<{ status: string; holdReason: string | null; holdUntil: Date | null }>(t.db, `SELECT "status", "holdReason", "holdUntil" FROM "Draft" WHERE "id" = $1`, [uuidOf(pending.draft.id)]);
      return d?.holdReason ? d : null;
    }, 30_000, "the campaign hold");
    expect(held.status).toBe("QUEUED");
    expect(held.holdReason).toMatch(/planned send day/);
    expect(berlin(new Date(held.holdUntil!).toISOString())).toBe(`${start} 08:00`);
  });

  it("pause stops the day jobs; resume lets them run; cancel cancels every unsent draft and the rest of the plan", async () => {
    const paused = await ok(a.members.MANAGER.token, PAUSE, { input: { campaignId, reason: "Waiting for legal" } });
    expect(paused.campaignPause.campaign.status).toBe("PAUSED");
    expect((await ok(a.members.MANAGER.token, PAUSE, { input: { campaignId } })).campaignPause.userErrors[0].code).toBe("INVALID_TRANSITION");
    const day2: CampaignDraftJob = { tenantId: a.tenantId, campaignId: uuidOf(campaignId), day: addDays(start, 1), token: 1 };
    expect(await runCampaignDraftJob(t.app.services, day2)).toMatchObject({ drafted: 0 });
    const resumed = await ok(a.members.MANAGER.token, RESUME, { input: { campaignId } });
    expect(resumed.campaignResume.campaign.status).toBe("ACTIVE");
    // The token moved on: the paused job's token is stale, the new one works.
    expect(await runCampaignDraftJob(t.app.services, day2)).toMatchObject({ drafted: 0 });
    expect(await runCampaignDraftJob(t.app.services, { ...day2, token: 2 })).toMatchObject({ drafted: 20 });

    const cancelled = await ok(a.members.MANAGER.token, CANCEL, { input: { campaignId, reason: "Story withdrawn" } });
    expect(cancelled.campaignCancel.userErrors).toEqual([]);
    expect(cancelled.campaignCancel.campaign.status).toBe("CANCELLED");
    expect(cancelled.campaignCancel.cancelledDraftIds).toHaveLength(40);
    const drafts = await sql<{ status: string; n: number }>(t.db, `SELECT "status"::text, count(*)::int AS n FROM "Draft" WHERE "origin" = 'CAMPAIGN' AND "originRef" IN (SELECT "id"::text FROM "CampaignRecipient" WHERE "campaignId" = $1) GROUP BY 1`, [uuidOf(campaignId)]);
    expect(drafts).toEqual([{ status: "CANCELLED", n: 40 }]);
    const c = (await ok(a.members.MANAGER.token, CAMPAIGN, { id: campaignId })).campaign;
    expect(c.results).toMatchObject({ recipients: 100, planned: 0, drafted: 40, cancelled: 100, sent: 0 });
    expect(await runCampaignDraftJob(t.app.services, { ...day2, day: addDays(start, 2), token: 3 })).toMatchObject({ drafted: 0 });
    const types = await sql<{ type: string }>(t.db, `SELECT DISTINCT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" LIKE 'sales.campaign.%' ORDER BY 1`, [a.tenantId]);
    expect(types.map((x) => x.type)).toEqual(["sales.campaign.cancelled", "sales.campaign.launched", "sales.campaign.paused", "sales.campaign.recipient_drafted", "sales.campaign.resumed"]);
  });

  it("tenant B cannot preview over A's leads, see A's campaigns or change them", async () => {
    const p = (await ok(b.members.OWNER.token, PREVIEW, { input: { brief, startDate: start, segment } })).campaignPreview.preview;
    expect(p).toMatchObject({ matched: 0, eligible: 0, ranked: [], excluded: [] });
    expect((await ok(b.members.OWNER.token, CAMPAIGN, { id: campaignId })).campaign).toBeNull();
    expect((await ok(b.members.OWNER.token, CAMPAIGNS)).campaigns.edges).toEqual([]);
    for (const m of [PAUSE, RESUME, CANCEL]) {
      const r = await ok(b.members.OWNER.token, m, { input: { campaignId } });
      expect(Object.values(r)[0].userErrors[0].code).toBe("NOT_FOUND");
    }
    // A launch in B over the same segment has nobody to pitch.
    const l = await ok(b.members.OWNER.token, LAUNCH, { input: { name: "Steal", brief, startDate: start, segment } });
    expect(l.campaignLaunch.userErrors[0].code).toBe("VALIDATION_FAILED");
    // Row-level security: B's transaction sees none of A's campaign rows.
    const seen = await withTenant(t.app.services.db.prisma, { tenantId: b.tenantId }, (tx) =>
      tx.$queryRaw<{ n: number }[]>`SELECT (SELECT count(*) FROM "Campaign") + (SELECT count(*) FROM "CampaignRecipient") AS n`,
    );
    expect(Number(seen[0]!.n)).toBe(0);
  });
});
