// The draft writer with Google Calendar and Drive, through the real path:
// a meeting request ingested over HTTP, the agents on pg-boss, the real
// @googleapis/calendar and @googleapis/drive SDKs against the wire-level fake.
// - The reply offers the rep's free slots in the prospect's zone (inferred
//   from the .co.uk address), never in busy time, and records them.
// - It links the best allowlisted asset the rep can read; the quality gate
//   passes that link and still blocks any other Drive link added later.
// - A fully booked rep: the reply says so and asks for availability instead of
//   inventing times; a rep without a calendar: no slots are looked up.
// - Free/busy edge cases through the orchestration with a fixed `now`: the
//   Berlin DST weekend with a New York recipient, and an all-day event.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withConnectors } from "../../../src/orchestration/connection/connection.js";
import { composeDraft } from "../../../src/orchestration/draft/draft-writer.js";
import { meetingSlotsFor } from "../../../src/orchestration/draft/meeting-slot.js";
import { agentsSettled, rawEmail } from "../../helpers/agents.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, sql, userActor } from "../../helpers/operator.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";
import { connectGoogle, fakeGoogleEnv } from "../../helpers/google.js";

const INGEST = `mutation CalIngest($input: MessageIngestInput!) { messageIngest(input: $input) { inboundMessage { id intent } userErrors { code message } } }`;
const SETTINGS = `mutation CalSettings($input: TenantUpdateSettingsInput!) { tenantUpdateSettings(input: $input) { userErrors { code field message } } }`;
const DRAFT = `query CalDraft($id: ID!) { node(id: $id) { ... on Draft { id bodyText status offeredSlots { timeZone timeZoneSource durationMinutes slots { start end label } noSlotReason } citedAssets { fileId name url } qualityReport { verdict findings { check severity } } } } }`;
const UPDATE = `mutation CalUpdate($input: DraftUpdateInput!) { draftUpdate(input: $input) { userErrors { code } } }`;

let t: TestApp;
let google: FakeGoogle;
let tenant: TestTenant;
let caseStudy: string;
let unreadable: string;

async function ok<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const r = await execute<T, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data as T;
}

const connect = (role: "OPERATOR" | "ADMIN", email: string) =>
  connectGoogle(t, google, { tenant, role }, email, { scopes: ["calendar.freebusy", "calendar.events", "drive.readonly"] });

interface DraftNode {
  id: string;
  bodyText: string;
  status: string;
  offeredSlots: { timeZone: string; timeZoneSource: string; durationMinutes: number; slots: { start: string; end: string; label: string }[]; noSlotReason: string | null } | null;
  citedAssets: { fileId: string; name: string; url: string }[];
  qualityReport: { verdict: string; findings: { check: string; severity: string }[] };
}

/** A meeting request from `from` to `to`, ingested; waits for the agents; the reply draft as the API shows it. */
async function meetingRequest(from: string, to: string, id: string): Promise<DraftNode> {
  const raw = rawEmail(
    { From: `Dana Kerr <${from}>`, To: to, Subject: "Re: Scheduling for clinics", "Message-ID": `<${id}@clinics.example>`, Date: new Date().toUTCString() },
    ["Hi,", "", "Could we set up a call to go through the pricing for our clinics?", "", "Best,", "Dana"],
  );
  const r = await ok<{ messageIngest: { userErrors: unknown[] } }>(INGEST, { input: { raw } }, tenant.members.OPERATOR.token);
  expect(r.messageIngest.userErrors).toEqual([]);
  await agentsSettled(t, tenant.tenantId, { atLeast: 3, timeoutMs: 60_000 });
  const rows = await sql<{ id: string }>(t.db, `SELECT d."id" FROM "Draft" d JOIN "Contact" c ON c."id" = d."contactId" WHERE d."tenantId" = $1 AND c."email" = $2`, [tenant.tenantId, from]);
  expect(rows).toHaveLength(1);
  const node = await ok<{ node: DraftNode }>(DRAFT, { id: encodeGlobalID("Draft", rows[0]!.id) }, tenant.members.OPERATOR.token);
  return node.node;
}

const LONDON = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

beforeAll(async () => {
  google = await startFakeGoogle();
  t = await startTestApp({
    env: {
      AGENT_POLL_SECONDS: "0.5",
      ...fakeGoogleEnv(google),
      CONNECTOR_RETRY_BASE_MS: "10",
    },
  });
  tenant = await createTenant(t, "cal-draft");
  await connect("OPERATOR", tenant.members.OPERATOR.email);
  // Oscar is busy 09:00–11:00 and 13:00–14:00 UTC every day for a month.
  google.calendar.seedBusyCalendar(tenant.members.OPERATOR.email, { from: new Date(Date.now() - 86_400_000), days: 33, busyRanges: [{ startHourUtc: 9, endHourUtc: 11 }, { startHourUtc: 13, endHourUtc: 14 }] });
  const folder = google.drive.addFolder("Sales assets", { id: "fldCalDraft01" }).id;
  caseStudy = google.drive.addFile(folder, { name: "Healthcare case study.pdf", description: "How a clinic group cut scheduling time" }).id;
  unreadable = google.drive.addFile(folder, { name: "Healthcare pricing for clinics board memo.pdf", readers: ["ceo@cal-draft.example"] }).id;
  google.drive.addFile(google.drive.addFolder("Elsewhere", { id: "fldCalOther01" }).id, { name: "Healthcare clinics pricing call deck.pdf" });
  const settings = await ok<{ tenantUpdateSettings: { userErrors: unknown[] } }>(
    SETTINGS,
    { input: { settings: { general: { timeZone: "Europe/Berlin" }, assets: { folderIds: [folder], maxCited: 1 }, meetings: { defaultDurationMinutes: 45 } } } },
    tenant.members.OWNER.token,
  );
  expect(settings.tenantUpdateSettings.userErrors).toEqual([]);
  for (const email of ["dana@clinics.co.uk", "dan@clinics.co.uk"]) {
    const contactId = await insertContact(t.db, tenant.tenantId, { email, firstName: "Dana" });
    const companyId = (
      await sql<{ id: string }>(t.db, `INSERT INTO "Company" ("id", "tenantId", "name", "industry", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'Healthcare', now()) RETURNING "id"`, [tenant.tenantId, `Clinics ${email}`])
    )[0]!.id;
    await sql(t.db, `UPDATE "Contact" SET "companyId" = $1, "ownerId" = $2 WHERE "id" = $3`, [companyId, tenant.members.OPERATOR.userId, contactId]);
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  await google?.close();
});

describe("reply drafts for meeting requests", () => {
  it("offer the rep's free slots in the prospect's zone, link the best readable allowlisted asset, and pass the gate", async () => {
    const draft = await meetingRequest("dana@clinics.co.uk", tenant.members.OPERATOR.email, "mtg-1");
    expect(draft.offeredSlots).toMatchObject({ timeZone: "Europe/London", timeZoneSource: "EMAIL_DOMAIN", durationMinutes: 45, noSlotReason: null });
    const slots = draft.offeredSlots!.slots;
    expect(slots).toHaveLength(3);
    for (const s of slots) {
      const start = Date.parse(s.start);
      const end = Date.parse(s.end);
      expect(end - start).toBe(45 * 60_000);
      const day = Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), new Date(start).getUTCDate());
      for (const [from, to] of [[9, 11], [13, 14]] as const) expect(start >= day + to * 3_600_000 || end <= day + from * 3_600_000, s.label).toBe(true);
      // Labelled on London's wall clock, and offered in the text exactly so.
      expect(s.label).toContain(`${LONDON.format(new Date(start)).slice(12)}`);
      expect(s.label).toContain("(Europe/London)");
      expect(draft.bodyText).toContain(s.label);
    }
    expect(draft.citedAssets).toEqual([{ fileId: caseStudy, name: "Healthcare case study.pdf", url: `https://drive.google.com/file/d/${caseStudy}/view?usp=drivesdk` }]);
    expect(draft.bodyText).toContain(draft.citedAssets[0]!.url);
    expect(draft.bodyText).not.toContain(unreadable);
    expect(draft.bodyText).not.toContain("fldCalOther01");
    expect(draft.qualityReport.findings.filter((f) => f.check === "LINK_NOT_ALLOWED")).toEqual([]);
    expect(draft.status).toBe("PENDING_REVIEW");

    // The reviewer adds another Drive link: blocked; the cited one alone stays allowed.
    const withOther = `${draft.bodyText}\n\nAlso: https://drive.google.com/file/d/${unreadable}/view`;
    const upd = await ok<{ draftUpdate: { userErrors: unknown[] } }>(UPDATE, { input: { draftId: draft.id, bodyText: withOther } }, tenant.members.OPERATOR.token);
    expect(upd.draftUpdate.userErrors).toEqual([]);
    const blocked = (await ok<{ node: DraftNode }>(DRAFT, { id: draft.id }, tenant.members.OPERATOR.token)).node;
    expect(blocked.qualityReport.findings).toContainEqual({ check: "LINK_NOT_ALLOWED", severity: "BLOCK" });
    await ok(UPDATE, { input: { draftId: draft.id, bodyText: `${draft.bodyText}\n\nP.S. the case study again: ${draft.citedAssets[0]!.url}` } }, tenant.members.OPERATOR.token);
    const fine = (await ok<{ node: DraftNode }>(DRAFT, { id: draft.id }, tenant.members.OPERATOR.token)).node;
    expect(fine.qualityReport.findings.filter((f) => f.check === "LINK_NOT_ALLOWED")).toEqual([]);
  }, 90_000);

  it("a fully booked rep: the draft says there is no free time and asks for availability, inventing none", async () => {
    google.calendar.addBusy(tenant.members.OPERATOR.email, new Date(Date.now() - 86_400_000), new Date(Date.now() + 40 * 86_400_000));
    const draft = await meetingRequest("dan@clinics.co.uk", tenant.members.OPERATOR.email, "mtg-2");
    expect(draft.offeredSlots).toMatchObject({ timeZone: "Europe/London", slots: [], noSlotReason: "FULLY_BUSY" });
    expect(draft.bodyText).toMatch(/no free time/i);
    expect(draft.bodyText).toMatch(/times that suit you/);
    expect(draft.bodyText).not.toMatch(/\(Europe\/London\)|\d{2}:\d{2}–\d{2}:\d{2}/);
  }, 90_000);

  it("a rep without a connected calendar: no slots are looked up", async () => {
    const draft = await meetingRequest("pat@clinics-nocal.co.uk", tenant.members.MANAGER.email, "mtg-3");
    expect(draft.offeredSlots).toBeNull();
    expect(draft.citedAssets).toEqual([]);
  }, 90_000);
});

describe("follow-ups", () => {
  it("an outreach to a contact already in a conversation looks up slots (here: none free, so it asks); a first outreach does not", async () => {
    const dana = (await sql<{ id: string }>(t.db, `SELECT "id" FROM "Contact" WHERE "tenantId" = $1 AND "email" = 'dana@clinics.co.uk'`, [tenant.tenantId]))[0]!.id;
    const followUp = await composeDraft(t.app.services, { tenantId: tenant.tenantId, agent: "draft-writer" }, { kind: "OUTREACH", contactId: dana, authorCandidates: [tenant.members.OPERATOR.userId], calendarAndAssets: true });
    expect(followUp?.offeredSlots).toMatchObject({ timeZone: "Europe/London", slots: [], noSlotReason: "FULLY_BUSY" });
    expect(followUp?.bodyText).toMatch(/no free time/i);
    expect(followUp?.citedAssets.map((a) => a.fileId)).toEqual([caseStudy]);
    const fresh = await insertContact(t.db, tenant.tenantId, { email: "new@clinics-fresh.co.uk", firstName: "Nia" });
    const first = await composeDraft(t.app.services, { tenantId: tenant.tenantId, agent: "draft-writer" }, { kind: "OUTREACH", contactId: fresh, authorCandidates: [tenant.members.OPERATOR.userId], calendarAndAssets: true });
    expect(first?.offeredSlots).toBeNull();
    expect(first?.bodyText).not.toMatch(/no free time/i);
    // Without calendarAndAssets (a plain compose) nothing is looked up at all.
    const plain = await composeDraft(t.app.services, { tenantId: tenant.tenantId, agent: "draft-writer" }, { kind: "OUTREACH", contactId: dana, authorCandidates: [tenant.members.OPERATOR.userId] });
    expect(plain).toMatchObject({ offeredSlots: null, citedAssets: [] });
  });
});

describe("form submissions (inbound webhooks)", () => {
  it("the answer to a website form looks up the rep's slots like a meeting request, in the person's zone", async () => {
    const fresh = await insertContact(t.db, tenant.tenantId, { email: "form@clinics-web.co.uk", firstName: "Fay" });
    const spec = { kind: "REPLY" as const, contactId: fresh, authorCandidates: [tenant.members.OPERATOR.userId], calendarAndAssets: true };
    const answer = await composeDraft(t.app.services, { tenantId: tenant.tenantId, agent: "draft-writer" }, { ...spec, formSubmission: { formName: "Contact us", message: "Could we see a demo for our clinics?" } });
    // The rep is fully booked by now (earlier test): the slots were looked up, and the answer asks for times instead.
    expect(answer?.offeredSlots).toMatchObject({ timeZone: "Europe/London", slots: [], noSlotReason: "FULLY_BUSY" });
    expect(answer?.bodyText).toMatch(/no free time/i);
    // The same contact without a form and without a conversation: a first outreach, no slots.
    const outreach = await composeDraft(t.app.services, { tenantId: tenant.tenantId, agent: "draft-writer" }, { ...spec, kind: "OUTREACH" });
    expect(outreach?.offeredSlots).toBeNull();
  });
});

describe("free/busy edge cases (fixed now)", () => {
  it("the Berlin DST weekend with a New York recipient and an all-day event: working hours stay on Berlin's wall clock, the all-day date is skipped", async () => {
    await connect("ADMIN", "ada@cal-draft.example");
    google.calendar.addAllDay("ada@cal-draft.example", "2026-03-30", "Europe/Berlin");
    const contactId = await insertContact(t.db, tenant.tenantId, { email: "ny@prospect.example" });
    await sql(t.db, `UPDATE "Contact" SET "timeZone" = 'America/New_York' WHERE "id" = $1`, [contactId]);
    // Friday 27 March 2026, 07:00 in Berlin; Berlin moves to summer time on Sunday 29 March (New York already did on 8 March).
    const r = await meetingSlotsFor(withConnectors(t.app.services), userActor(tenant, "ADMIN"), { contactId, durationMinutes: 30, now: new Date("2026-03-27T06:00:00Z") });
    expect(r.ok).toBe(true);
    const v = r.ok ? r.value : null;
    expect(v).toMatchObject({ timeZone: "America/New_York", timeZoneSource: "CONTACT" });
    const berlin = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const ny = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const days = v!.slots.map((s) => berlin.format(s.start).slice(0, 10));
    expect(days).not.toContain("2026-03-30");
    expect(days[0]).toBe("2026-03-27");
    expect(days.some((d) => d >= "2026-03-31")).toBe(true);
    for (const s of v!.slots) {
      const local = berlin.format(s.start).slice(12);
      const localEnd = berlin.format(s.end).slice(12);
      expect(local >= "09:00" && localEnd <= "17:00", `${s.start.toISOString()} is ${local} in Berlin`).toBe(true);
      expect(s.localStart).toBe(ny.format(s.start).replace(", ", "T"));
    }
    // The same Berlin afternoon is an hour earlier in UTC after the change: on the 27th the last possible start for New York is 15:30Z, after it 14:30Z.
    const after = v!.slots.filter((s) => berlin.format(s.start).slice(0, 10) >= "2026-03-31");
    for (const s of after) expect(s.end.getUTCHours() * 60 + s.end.getUTCMinutes()).toBeLessThanOrEqual(15 * 60);
  });
});
