// meetingBook and assetSuggestions over real HTTP, against the wire-level
// Google fake through the real @googleapis/calendar and @googleapis/drive
// SDKs: a free slot is booked once (one event, the contact invited, Google
// asked to e-mail the invitation), a repeat returns the same booking, a slot
// that became busy (or touches busy time within the buffer) is refused with
// SLOT_BUSY and creates nothing; a draft's booking must be a slot the draft
// offered; an insert whose answer was lost is never repeated blindly (our
// own event id, and Google asked first). Drive: only files of allowlisted folders that the asking person
// can read are suggested. Roles (ANALYST may not) and tenants (another
// tenant's contact, draft and thread are not found).
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDraft } from "../../../src/orchestration/draft/draft.js";
import { bookingEventId, STALE_PENDING_MS } from "../../../src/orchestration/draft/meeting-slot.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, sql, userActor } from "../../helpers/operator.js";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google/server.js";
import { connectGoogle, fakeGoogleEnv } from "../../helpers/google.js";

const BOOK = `
  mutation Book($input: MeetingBookInput!) {
    meetingBook(input: $input) {
      booking { id calendarEventId start end timeZone alreadyBooked }
      userErrors { code field message }
    }
  }`;
const ASSETS = `
  query Assets($contactId: ID, $threadId: ID) {
    assetSuggestions(contactId: $contactId, threadId: $threadId) {
      assets { fileId name url score reasons }
      maxCited
      noAssetReason
      userErrors { code field }
    }
  }`;
const SETTINGS = `
  mutation BookSettings($input: TenantUpdateSettingsInput!) { tenantUpdateSettings(input: $input) { userErrors { code field message } } }`;

interface BookResult {
  meetingBook: { booking: { id: string; calendarEventId: string; start: string; end: string; timeZone: string; alreadyBooked: boolean } | null; userErrors: { code: string; field: string[] }[] };
}
interface AssetsResult {
  assetSuggestions: { assets: { fileId: string; name: string; url: string; score: number; reasons: string[] }[]; maxCited: number | null; noAssetReason: string | null; userErrors: { code: string }[] };
}

let t: TestApp;
let google: FakeGoogle;
let tenant: TestTenant;
let other: TestTenant;
let contactId: string;
let otherContactId: string;
const gid = (type: string, id: string) => encodeGlobalID(type, id);

async function gql<T>(query: string, variables: Record<string, unknown>, token: string) {
  const r = await execute<T, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  return r;
}
async function ok<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const r = await gql<T>(query, variables, token);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data as T;
}

const connect = (tn: TestTenant, email: string) =>
  connectGoogle(t, google, { tenant: tn, role: "OPERATOR" }, email, { scopes: ["calendar.freebusy", "calendar.events", "drive.readonly"] });

/** A whole hour, `days` from now at 14:00Z (in the future whatever the time of day). */
function slotAt(days: number, hourUtc = 14, minutes = 30) {
  const d = new Date(Date.now() + days * 86_400_000);
  const start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hourUtc));
  return { start: start.toISOString(), end: new Date(start.getTime() + minutes * 60_000).toISOString() };
}

let allowedFolder: string;
let sharedDrive: string;
let files: Record<string, string>;

beforeAll(async () => {
  google = await startFakeGoogle();
  t = await startTestApp({
    env: {
      ...fakeGoogleEnv(google),
      CONNECTOR_RETRY_BASE_MS: "10",
    },
  });
  tenant = await createTenant(t, "book");
  other = await createTenant(t, "book-other");
  contactId = await insertContact(t.db, tenant.tenantId, { email: "dana@clinic.example", firstName: "Dana" });
  otherContactId = await insertContact(t.db, other.tenantId, { email: "olaf@elsewhere.example" });
  await connect(tenant, "oscar@book.example");
  google.calendar.ensure("oscar@book.example");

  // Drive: an allowlisted folder and shared drive, a folder outside the allowlist, a file Oscar may not read.
  allowedFolder = google.drive.addFolder("Sales assets", { id: "fldAllowed01" }).id;
  sharedDrive = google.drive.addFolder("Shared drive root", { id: "drvShared01", driveId: "drvShared01" }).id;
  const outside = google.drive.addFolder("HR", { id: "fldOutside01" }).id;
  files = {
    caseStudy: google.drive.addFile(allowedFolder, { name: "Healthcare case study.pdf", description: "How a clinic group cut scheduling time" }).id,
    pricing: google.drive.addFile(sharedDrive, { name: "Pricing overview.pdf" }).id,
    secret: google.drive.addFile(allowedFolder, { name: "Healthcare pricing board memo.pdf", readers: ["ceo@book.example"] }).id,
    outside: google.drive.addFile(outside, { name: "Healthcare salary bands pricing.pdf" }).id,
    trashed: google.drive.addFile(allowedFolder, { name: "Healthcare old deck.pdf", trashed: true }).id,
  };
  const companyId = (
    await sql<{ id: string }>(t.db, `INSERT INTO "Company" ("id", "tenantId", "name", "industry", "updatedAt") VALUES (gen_random_uuid(), $1, 'Clinic Group', 'Healthcare', now()) RETURNING "id"`, [tenant.tenantId])
  )[0]!.id;
  await sql(t.db, `UPDATE "Contact" SET "companyId" = $1, "title" = 'CFO' WHERE "id" = $2`, [companyId, contactId]);
});

afterAll(async () => {
  await t?.close();
  await google?.close();
});

describe("meetingBook", () => {
  it("books a free slot once: one event with the contact invited; a repeat returns the same booking", async () => {
    const slot = slotAt(3);
    const before = google.calendar.events.length;
    const r = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot, summary: "Intro call" } }, tenant.members.OPERATOR.token);
    expect(r.meetingBook.userErrors).toEqual([]);
    expect(r.meetingBook.booking).toMatchObject({ start: slot.start, end: slot.end, alreadyBooked: false, timeZone: "UTC" });
    const created = google.calendar.events.slice(before);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ id: r.meetingBook.booking!.calendarEventId, calendarId: "oscar@book.example", summary: "Intro call", sendUpdates: "all", attendees: [{ email: "dana@clinic.example", responseStatus: "needsAction" }] });
    expect(created[0]!.startMs).toBe(Date.parse(slot.start));

    const again = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot } }, tenant.members.OPERATOR.token);
    expect(again.meetingBook.booking).toMatchObject({ id: r.meetingBook.booking!.id, alreadyBooked: true });
    expect(google.calendar.events.length - before).toBe(1);

    const rows = await sql<{ status: string; attendeeEmail: string }>(t.db, `SELECT "status"::text, "attendeeEmail" FROM "MeetingBooking" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(rows).toEqual([{ status: "BOOKED", attendeeEmail: "dana@clinic.example" }]);
    const audit = await sql<{ action: string }>(t.db, `SELECT "action" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'meeting.booked'`, [tenant.tenantId]);
    expect(audit).toHaveLength(1);
    const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.meeting.booked'`, [tenant.tenantId]);
    expect(events).toHaveLength(1);
  });

  it("a slot that became busy is refused with SLOT_BUSY and nothing is created; so is one within the buffer", async () => {
    const slot = slotAt(4);
    google.calendar.addBusy("oscar@book.example", new Date(Date.parse(slot.start) + 10 * 60_000), new Date(Date.parse(slot.start) + 70 * 60_000));
    const before = google.calendar.events.length;
    const r = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot } }, tenant.members.OPERATOR.token);
    expect(r.meetingBook).toMatchObject({ booking: null, userErrors: [{ code: "SLOT_BUSY" }] });

    // Busy from 15 min after the end: free without buffers, busy with a 15-minute buffer after.
    const near = slotAt(5);
    google.calendar.addBusy("oscar@book.example", new Date(Date.parse(near.end) + 10 * 60_000), new Date(Date.parse(near.end) + 60 * 60_000));
    const settings = await ok<{ tenantUpdateSettings: { userErrors: unknown[] } }>(SETTINGS, { input: { settings: { meetings: { bufferAfterMinutes: 15 } } } }, tenant.members.OWNER.token);
    expect(settings.tenantUpdateSettings.userErrors).toEqual([]);
    const buffered = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...near } }, tenant.members.OPERATOR.token);
    expect(buffered.meetingBook.userErrors[0]).toMatchObject({ code: "SLOT_BUSY" });
    expect(google.calendar.events.length).toBe(before);
    expect(await sql(t.db, `SELECT 1 FROM "MeetingBooking" WHERE "tenantId" = $1 AND "startsAt" IN ($2, $3)`, [tenant.tenantId, slot.start, near.start])).toEqual([]);
    await ok(SETTINGS, { input: { settings: { meetings: { bufferAfterMinutes: null } } } }, tenant.members.OWNER.token);
  });

  it("from a draft: only a slot the draft offered, and the draft's contact is invited", async () => {
    const created = await createDraft(t.app.services, userActor(tenant, "OPERATOR"), { recipient: { contactId }, subject: "Times for our call", bodyText: "Hi Dana, would Thursday work? Best, Oscar", category: "ONE_TO_ONE" });
    expect(created.ok).toBe(true);
    const draftId = created.ok ? created.value.draftId : "";
    const offered = slotAt(6, 10);
    await sql(t.db, `UPDATE "Draft" SET "offeredSlots" = $1 WHERE "id" = $2`, [
      JSON.stringify({ timeZone: "Europe/London", timeZoneSource: "HOST", durationMinutes: 30, slots: [{ ...offered, label: "x" }], noSlotReason: null }),
      draftId,
    ]);
    const notOffered = await ok<BookResult>(BOOK, { input: { draftId: gid("Draft", draftId), ...slotAt(6, 11) } }, tenant.members.OPERATOR.token);
    expect(notOffered.meetingBook.userErrors[0]).toMatchObject({ code: "SLOT_NOT_OFFERED" });
    const booked = await ok<BookResult>(BOOK, { input: { draftId: gid("Draft", draftId), ...offered } }, tenant.members.OPERATOR.token);
    expect(booked.meetingBook.userErrors).toEqual([]);
    expect(google.calendar.events.find((e) => e.id === booked.meetingBook.booking!.calendarEventId)?.attendees).toEqual([{ email: "dana@clinic.example", responseStatus: "needsAction" }]);
    const row = await sql<{ draftId: string }>(t.db, `SELECT "draftId" FROM "MeetingBooking" WHERE "id" = $1`, [booked.meetingBook.booking!.id]);
    expect(row[0]!.draftId).toBe(draftId);
  });

  it("an insert whose answer Google never gave: the slot is released and the next request books it once", async () => {
    const slot = slotAt(10);
    const before = google.calendar.events.length;
    google.failNext({ status: 500, times: 4, path: /\/events$/ });
    const failed = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot } }, tenant.members.OPERATOR.token);
    expect(failed.meetingBook.userErrors[0]).toMatchObject({ code: "PROVIDER_UNAVAILABLE" });
    expect(await sql(t.db, `SELECT 1 FROM "MeetingBooking" WHERE "tenantId" = $1 AND "startsAt" = $2`, [tenant.tenantId, slot.start])).toEqual([]);
    expect(google.calendar.events.length).toBe(before);
    const again = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot } }, tenant.members.OPERATOR.token);
    expect(again.meetingBook.userErrors).toEqual([]);
    expect(google.calendar.events.length - before).toBe(1);
  });

  it("a reservation left PENDING by a request that died after Google created the event: taken over, recorded, no second event", async () => {
    const slot = slotAt(11);
    const eventId = bookingEventId(tenant.tenantId, contactId, new Date(slot.start));
    const connectionId = (await sql<{ id: string }>(t.db, `SELECT "id" FROM "Connection" WHERE "tenantId" = $1 AND "accountEmail" = 'oscar@book.example'`, [tenant.tenantId]))[0]!.id;
    const insertPending = (updatedAgoMs: number) =>
      sql(
        t.db,
        `INSERT INTO "MeetingBooking" ("id", "tenantId", "contactId", "connectionId", "bookedByUserId", "startsAt", "endsAt", "timeZone", "attendeeEmail", "status", "calendarEventId", "updatedAt")
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, 'UTC', 'dana@clinic.example', 'PENDING', $7, now() - make_interval(secs => $8))`,
        [tenant.tenantId, contactId, connectionId, tenant.members.OPERATOR.userId, slot.start, slot.end, eventId, updatedAgoMs / 1000],
      );
    // A fresh reservation: someone is booking right now.
    await insertPending(5_000);
    const busyNow = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot } }, tenant.members.OPERATOR.token);
    expect(busyNow.meetingBook.userErrors[0]).toMatchObject({ code: "CONFLICT" });
    await sql(t.db, `DELETE FROM "MeetingBooking" WHERE "calendarEventId" = $1`, [eventId]);

    // The dead request's event exists at Google (its busy time would read as a clash); the reservation is stale.
    await insertPending(STALE_PENDING_MS + 60_000);
    google.calendar.events.push({
      id: eventId, calendarId: "oscar@book.example", summary: "x", start: { dateTime: slot.start }, end: { dateTime: slot.end },
      attendees: [{ email: "dana@clinic.example", responseStatus: "needsAction" }], transparency: "opaque", sendUpdates: "all", startMs: Date.parse(slot.start), endMs: Date.parse(slot.end),
    });
    google.calendar.addBusy("oscar@book.example", slot.start, slot.end);
    const before = google.calendar.events.length;
    const r = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot } }, tenant.members.OPERATOR.token);
    expect(r.meetingBook.userErrors).toEqual([]);
    expect(r.meetingBook.booking).toMatchObject({ calendarEventId: eventId });
    expect(google.calendar.events.length).toBe(before);
    expect(await sql(t.db, `SELECT "status"::text FROM "MeetingBooking" WHERE "calendarEventId" = $1`, [eventId])).toEqual([{ status: "BOOKED" }]);
  });

  it("input errors: both or neither target, a past slot, a bad length; a person without a calendar connection", async () => {
    const slot = slotAt(7);
    const both = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), draftId: gid("Draft", contactId), ...slot } }, tenant.members.OPERATOR.token);
    expect(both.meetingBook.userErrors.map((e) => e.code)).toContain("VALIDATION_FAILED");
    const past = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), start: "2020-01-01T10:00:00Z", end: "2020-01-01T10:30:00Z" } }, tenant.members.OPERATOR.token);
    expect(past.meetingBook.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "start"] });
    const long = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), start: slot.start, end: new Date(Date.parse(slot.start) + 9 * 3_600_000).toISOString() } }, tenant.members.OPERATOR.token);
    expect(long.meetingBook.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "end"] });
    const noConnection = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot } }, tenant.members.MANAGER.token);
    expect(noConnection.meetingBook.userErrors[0]).toMatchObject({ code: "CONNECTION_NOT_ACTIVE" });
  });

  it("roles: ANALYST may not book; OWNER, ADMIN, MANAGER and OPERATOR may (meeting:book)", async () => {
    const slot = slotAt(8);
    const analyst = await gql<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot } }, tenant.members.ANALYST.token);
    expect(analyst.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    for (const role of ["OWNER", "ADMIN", "MANAGER"] as const) {
      const r = await gql<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slot } }, tenant.members[role].token);
      expect(r.errors, role).toBeUndefined();
      expect(r.data!.meetingBook.userErrors[0]?.code, role).toBe("CONNECTION_NOT_ACTIVE"); // allowed; they have no calendar connected
    }
  });

  it("tenants: another tenant's contact and draft are not found, and nothing is booked for them", async () => {
    await connect(other, "olga@book-other.example");
    google.calendar.ensure("olga@book-other.example");
    const before = google.calendar.events.length;
    const r = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", contactId), ...slotAt(9) } }, other.members.OPERATOR.token);
    expect(r.meetingBook.userErrors[0]).toMatchObject({ code: "NOT_FOUND" });
    const draft = (await sql<{ id: string }>(t.db, `SELECT "id" FROM "Draft" WHERE "tenantId" = $1 LIMIT 1`, [tenant.tenantId]))[0]!.id;
    const viaDraft = await ok<BookResult>(BOOK, { input: { draftId: gid("Draft", draft), ...slotAt(9) } }, other.members.OPERATOR.token);
    expect(viaDraft.meetingBook.userErrors[0]).toMatchObject({ code: "NOT_FOUND" });
    // This tenant's operator cannot book the other tenant's contact either.
    const reverse = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", otherContactId), ...slotAt(9) } }, tenant.members.OPERATOR.token);
    expect(reverse.meetingBook.userErrors[0]).toMatchObject({ code: "NOT_FOUND" });
    expect(google.calendar.events.length).toBe(before);
  });
});

describe("assetSuggestions", () => {
  it("without an allowlist nothing is suggested and Drive is not asked", async () => {
    const before = google.drive.listQueries.length;
    const r = await ok<AssetsResult>(ASSETS, { contactId: gid("Contact", contactId) }, tenant.members.OPERATOR.token);
    expect(r.assetSuggestions).toMatchObject({ assets: [], noAssetReason: "NO_ALLOWLIST" });
    expect(google.drive.listQueries.length).toBe(before);
  });

  it("suggests only readable files of allowlisted folders and shared drives, ranked for the prospect", async () => {
    const bad = await ok<{ tenantUpdateSettings: { userErrors: { code: string; field: string[] }[] } }>(SETTINGS, { input: { settings: { assets: { folderIds: ["x'y"] } } } }, tenant.members.OWNER.token);
    expect(bad.tenantUpdateSettings.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED" });
    await ok(SETTINGS, { input: { settings: { assets: { folderIds: [allowedFolder, sharedDrive] } } } }, tenant.members.OWNER.token);
    const r = await ok<AssetsResult>(ASSETS, { contactId: gid("Contact", contactId) }, tenant.members.OPERATOR.token);
    const ids = r.assetSuggestions.assets.map((a) => a.fileId);
    // The case study (industry) and the pricing overview (the CFO persona); never the memo Oscar cannot read, the HR file outside the allowlist or the trashed deck.
    expect(ids).toEqual([files.caseStudy, files.pricing]);
    expect(r.assetSuggestions.assets[0]).toMatchObject({ reasons: ["industry:healthcare"], url: `https://drive.google.com/file/d/${files.caseStudy}/view?usp=drivesdk` });
    expect(r.assetSuggestions.assets[1]!.reasons).toEqual(["persona:finance"]);
    expect(r.assetSuggestions.maxCited).toBe(2);
    for (const q of google.drive.listQueries.slice(-1)) expect(q).toContain(`'${allowedFolder}' in parents`);
  });

  it("a person with no Drive connection gets NO_DRIVE_CONNECTION; ANALYST may not ask", async () => {
    const r = await ok<AssetsResult>(ASSETS, { contactId: gid("Contact", contactId) }, tenant.members.MANAGER.token);
    expect(r.assetSuggestions).toMatchObject({ assets: [], noAssetReason: "NO_DRIVE_CONNECTION" });
    const analyst = await gql<AssetsResult>(ASSETS, { contactId: gid("Contact", contactId) }, tenant.members.ANALYST.token);
    expect(analyst.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("tenants: another tenant's contact is not found", async () => {
    const r = await ok<AssetsResult>(ASSETS, { contactId: gid("Contact", contactId) }, other.members.OPERATOR.token);
    expect(r.assetSuggestions.userErrors[0]).toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("a booked meeting ends the contact's sequence enrolments (issue 12)", () => {
  it("meetingBook exits the contact's live enrolment MEETING_BOOKED (evented); another tenant's enrolment of the same address runs on", async () => {
    const createSequence = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code message } } }`;
    const enroll = `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) { results { refusal enrollment { id } } userErrors { code message } } }`;
    const steps = [{ kind: "EMAIL", delayAmount: 2, brief: "Introduce us and ask for a call." }];
    const enrolIn = async (who: TestTenant, contact: string) => {
      const s = await ok<{ sequenceCreate: { sequence: { id: string } } }>(createSequence, { input: { name: "Intro", steps } }, who.members.MANAGER.token);
      const e = await ok<{ sequenceEnroll: { results: Array<{ refusal: string | null; enrollment: { id: string } | null }> } }>(
        enroll,
        { input: { sequenceId: s.sequenceCreate.sequence.id, contactIds: [gid("Contact", contact)] } },
        who.members.OPERATOR.token,
      );
      expect(e.sequenceEnroll.results[0]!.refusal).toBeNull();
      return Buffer.from(e.sequenceEnroll.results[0]!.enrollment!.id, "base64").toString("utf8").split(":").slice(1).join(":");
    };
    const booked = await insertContact(t.db, tenant.tenantId, { email: "lena@clinic.example", firstName: "Lena" });
    const elsewhere = await insertContact(t.db, other.tenantId, { email: "lena@clinic.example", firstName: "Lena" });
    const mine = await enrolIn(tenant, booked);
    const theirs = await enrolIn(other, elsewhere);

    const r = await ok<BookResult>(BOOK, { input: { contactId: gid("Contact", booked), ...slotAt(12), summary: "Intro call" } }, tenant.members.OPERATOR.token);
    expect(r.meetingBook.userErrors).toEqual([]);
    expect(await sql(t.db, `SELECT "status"::text, "exitReason" FROM "SequenceEnrollment" WHERE "id" = $1`, [mine])).toEqual([{ status: "EXITED", exitReason: "MEETING_BOOKED" }]);
    const exited = await sql<{ payload: { enrollmentId: string; reason: string } }>(t.db, `SELECT "payload" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.sequence.enrollment_exited'`, [tenant.tenantId]);
    expect(exited.map((e) => [e.payload.enrollmentId, e.payload.reason])).toEqual([[mine, "MEETING_BOOKED"]]);
    expect(await sql(t.db, `SELECT "status"::text FROM "SequenceEnrollment" WHERE "id" = $1`, [theirs])).toEqual([{ status: "ACTIVE" }]);
  }, 60_000);
});
