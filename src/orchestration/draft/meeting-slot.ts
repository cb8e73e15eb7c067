// Meeting slots and booking (Calendar MeetingSlotAgent).
//
// meetingSlots(contactId, durationMinutes?): the free/busy of the asking
// user's ACTIVE Google connection (Calendar freebusy.query through
// callWithConnection: fresh token, resilience policy, NEEDS_REAUTH on a
// refused grant), the tenant's settings.meetings (working hours in their
// zone, buffers, minimum notice, holidays, horizon, default length) and the
// pure slot computation (domain/meeting-slot.ts), presented in the
// recipient's time zone (domain/recipient-time-zone.ts: the contact's, else
// their company's country, else their e-mail domain's country, else the
// working hours' zone). Nothing is written.
//
// The draft writer asks the same computation for the draft's author
// (slotsForDraft); meetingBook(draftId | contactId, slot) is the explicit
// action of a person (meeting:book, OPERATOR and up) that re-checks the slot
// against free/busy right before creating the event with the contact invited.
import { createHash } from "node:crypto";
import { withTenant, type Prisma, type Tx } from "../../data/database.js";
import { overlapsBusy, proposeMeetingSlots, slotRules, type Interval, type MeetingSlot, type NoSlotReason } from "../../domain/draft/meeting-slot.js";
import { recipientTimeZone, type TimeZoneSource } from "../../domain/recipient-time-zone.js";
import { readTenantSettings, type TenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome, type UserError } from "../../domain/user-error.js";
import { createCalendarClient } from "../../integrations/google/calendar.js";
import { ConnectionUnavailableError, callWithConnection, type ConnectionServices } from "../connection/connection.js";
import { runUnitOfWork, type Actor } from "../unit-of-work.js";
import { exitSequencesForContacts } from "../sequence/sequence-runner.js";

export interface MeetingSlotsInput {
  contactId: string;
  /** Default: settings.meetings.defaultDurationMinutes. */
  durationMinutes?: number | null;
  /** For tests; default now. */
  now?: Date;
}

export interface MeetingSlotsResult {
  timeZone: string;
  /** How the recipient's zone was found: CONTACT, COMPANY_COUNTRY, EMAIL_DOMAIN or HOST (the working hours' zone). */
  timeZoneSource: TimeZoneSource;
  durationMinutes: number;
  slots: MeetingSlot[];
  /** Why there is no slot (null when there are some). */
  reason: NoSlotReason | null;
  message: string | null;
}

export interface CalendarConnection {
  id: string;
  tenantId: string;
  provider: "GOOGLE";
  accountEmail: string;
}

/** The user's ACTIVE Google connection that may read their calendar (a calendar scope was granted), newest first. */
export async function calendarConnectionOf(tx: Tx, userId: string | null | undefined): Promise<CalendarConnection | null> {
  if (!userId) return null;
  const rows = await tx.connection.findMany({
    where: { provider: "GOOGLE", status: "ACTIVE", userId },
    orderBy: { createdAt: "desc" },
    select: { id: true, tenantId: true, scopes: true, accountEmail: true },
  });
  const found = rows.find((c) => c.scopes.some((s) => s.includes("/auth/calendar")));
  return found ? { id: found.id, tenantId: found.tenantId, provider: "GOOGLE", accountEmail: found.accountEmail } : null;
}

interface ContactFacts {
  id: string;
  email: string | null;
  timeZone: string | null;
  company: { country: string | null } | null;
}

async function contactFacts(tx: Tx, contactId: string): Promise<ContactFacts | null> {
  return tx.contact.findUnique({ where: { id: contactId }, select: { id: true, email: true, timeZone: true, company: { select: { country: true } } } });
}

function zoneFor(settings: TenantSettings, contact: ContactFacts) {
  const rules = slotRules(settings.meetings, settings.general.timeZone);
  const recipient = recipientTimeZone({ contactTimeZone: contact.timeZone, companyCountry: contact.company?.country, email: contact.email, hostTimeZone: rules.hostTimeZone });
  return { rules, recipient };
}

type BusyOutcome = { ok: true; busy: Interval[] } | { ok: false; error: "CONNECTION_NOT_ACTIVE" | "PROVIDER_UNAVAILABLE" };

/** The calendar's busy time in [from, to), through the connection and the resilience policy. */
async function busyTime(services: ConnectionServices, connection: CalendarConnection, from: Date, to: Date, timeZone: string): Promise<BusyOutcome> {
  try {
    const answer = await callWithConnection(services, connection, ({ client, signal }) =>
      createCalendarClient({ auth: client!, rootUrl: services.config.GOOGLE_API_ROOT_URL, signal }).freeBusy({ calendarIds: ["primary"], timeMin: from, timeMax: to, timeZone }),
    );
    const primary = answer.primary;
    // A calendar Google could not read is unknown, never free.
    if (!primary || primary.error) return { ok: false, error: "PROVIDER_UNAVAILABLE" };
    return { ok: true, busy: primary.busy };
  } catch (error) {
    if (error instanceof ConnectionUnavailableError) return { ok: false, error: "CONNECTION_NOT_ACTIVE" };
    services.logger.warn({ err: error instanceof Error ? error.name : "error", tenantId: connection.tenantId }, "calendar free/busy failed");
    return { ok: false, error: "PROVIDER_UNAVAILABLE" };
  }
}

const BUSY_MESSAGES = {
  CONNECTION_NOT_ACTIVE: "Your Google connection needs to be connected again.",
  PROVIDER_UNAVAILABLE: "Google Calendar is not reachable right now; try again later.",
} as const;

/** Free slots for a contact from a calendar connection; the shared core of meetingSlots and the draft writer. */
export async function computeSlots(
  services: ConnectionServices,
  args: { connection: CalendarConnection; settings: TenantSettings; contact: ContactFacts; durationMinutes: number; count?: number; now: Date },
): Promise<{ ok: true; value: MeetingSlotsResult } | { ok: false; error: "CONNECTION_NOT_ACTIVE" | "PROVIDER_UNAVAILABLE" }> {
  const { rules, recipient } = zoneFor(args.settings, args.contact);
  const timeMax = new Date(args.now.getTime() + (rules.horizonDays! + 1) * 86_400_000);
  const busy = await busyTime(services, args.connection, args.now, timeMax, rules.hostTimeZone);
  if (!busy.ok) return busy;
  const result = proposeMeetingSlots({ now: args.now, busy: busy.busy, ...rules, durationMinutes: args.durationMinutes, recipientTimeZone: recipient.timeZone, count: args.count ?? args.settings.meetings.slotsOffered });
  const base = { timeZone: result.timeZone, timeZoneSource: recipient.source, durationMinutes: args.durationMinutes };
  return { ok: true, value: result.ok ? { ...base, slots: result.slots, reason: null, message: null } : { ...base, slots: [], reason: result.reason, message: result.message } };
}

export async function meetingSlotsFor(services: ConnectionServices, actor: Actor, input: MeetingSlotsInput): Promise<Outcome<MeetingSlotsResult>> {
  const { tenantId, userId } = actor.principal;
  if (input.durationMinutes != null && (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 5 || input.durationMinutes > 480)) {
    return fail(userError("VALIDATION_FAILED", "The meeting length must be 5 to 480 minutes.", ["durationMinutes"]));
  }
  const read = await withTenant(services.db.prisma, { tenantId }, async (tx) => {
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
    return { contact: await contactFacts(tx, input.contactId), settings: readTenantSettings(tenant.settings), connection: await calendarConnectionOf(tx, userId) };
  });
  if (!read.contact) return fail(userError("NOT_FOUND", "No such contact.", ["contactId"]));
  if (!read.connection) {
    return fail(userError("CONNECTION_NOT_ACTIVE", "Connect your Google account (calendar access) to propose meeting times.", ["contactId"]));
  }
  const computed = await computeSlots(services, {
    connection: read.connection,
    settings: read.settings,
    contact: read.contact,
    durationMinutes: input.durationMinutes ?? read.settings.meetings.defaultDurationMinutes,
    now: input.now ?? new Date(),
  });
  if (!computed.ok) return fail(userError(computed.error, BUSY_MESSAGES[computed.error], ["contactId"]));
  return ok(computed.value);
}

// ---- slots for the draft writer -----------------------------------------------------------

/** What a draft records about the slots it offered (Draft.offeredSlots). */
export interface OfferedSlots {
  timeZone: string;
  timeZoneSource: TimeZoneSource;
  durationMinutes: number;
  slots: { start: string; end: string; label: string }[];
  /** Why none was offered (FULLY_BUSY…), null when some were. */
  noSlotReason: NoSlotReason | null;
}

/**
 * Slots for a draft the agent writes for `authorUserId`: null when the author
 * has no connected calendar or Google could not be asked (the draft then
 * simply offers no times); otherwise the slots, or none with the reason
 * (the draft then asks for the recipient's availability).
 */
export async function slotsForDraft(
  services: Pick<import("../services.js").Services, "db" | "config" | "mail" | "logger" | "connectors">,
  tenantId: string,
  authorUserId: string | null,
  contactId: string,
  now = new Date(),
): Promise<OfferedSlots | null> {
  if (!services.connectors || !authorUserId) return null;
  const connectors = services.connectors;
  const read = await withTenant(services.db.prisma, { tenantId }, async (tx) => {
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
    return { contact: await contactFacts(tx, contactId), settings: readTenantSettings(tenant.settings), connection: await calendarConnectionOf(tx, authorUserId) };
  });
  if (!read.contact || !read.connection) return null;
  const computed = await computeSlots(
    { ...services, connectors },
    { connection: read.connection, settings: read.settings, contact: read.contact, durationMinutes: read.settings.meetings.defaultDurationMinutes, now },
  );
  if (!computed.ok) return null;
  const v = computed.value;
  return {
    timeZone: v.timeZone,
    timeZoneSource: v.timeZoneSource,
    durationMinutes: v.durationMinutes,
    slots: v.slots.map((s) => ({ start: s.start.toISOString(), end: s.end.toISOString(), label: s.label })),
    noSlotReason: v.reason,
  };
}

// ---- meetingBook ------------------------------------------------------------------------

export interface MeetingBookInput {
  draftId?: string | null;
  contactId?: string | null;
  start: Date;
  end: Date;
  /** Event title; default "<tenant> / <contact>". */
  summary?: string | null;
}

export interface MeetingBookResult {
  bookingId: string;
  contactId: string;
  calendarEventId: string;
  htmlLink: string | null;
  start: Date;
  end: Date;
  timeZone: string;
  /** True when this slot was already booked for the contact (no second event). */
  alreadyBooked: boolean;
}

/** Our Google event id for a booking: base32hex of a hash of tenant, contact and start, so a retry is the same event. */
export function bookingEventId(tenantId: string, contactId: string, start: Date): string {
  const digest = createHash("sha256").update(`${tenantId}|${contactId}|${start.toISOString()}`).digest();
  let out = "";
  for (const byte of digest.subarray(0, 20)) out += (byte & 31).toString(32) + (byte >> 5).toString(32);
  return `sa${out}`;
}

const FIELD = ["input"];

/** A PENDING reservation older than this is taken over by its booker's next request (Google is asked first). */
export const STALE_PENDING_MS = 2 * 60_000;

/**
 * Books a meeting: the person's own calendar connection, the slot re-checked
 * against free/busy (buffers included), then one event with the contact
 * invited (Google e-mails the invitation). A slot that became busy is
 * refused with SLOT_BUSY. The same slot for the same contact is booked once:
 * a second request returns the first booking; a concurrent one is refused
 * with CONFLICT while the first is in flight.
 */
export async function bookMeeting(services: ConnectionServices, actor: Actor, input: MeetingBookInput): Promise<Outcome<MeetingBookResult>> {
  const { tenantId, userId } = actor.principal;
  const errors: UserError[] = [];
  if (!!input.draftId === !!input.contactId) errors.push(userError("VALIDATION_FAILED", "Give either draftId or contactId.", [...FIELD, "draftId"]));
  const minutes = (input.end.getTime() - input.start.getTime()) / 60_000;
  if (!Number.isFinite(minutes) || !Number.isInteger(minutes) || minutes < 5 || minutes > 480) {
    errors.push(userError("VALIDATION_FAILED", "A meeting lasts 5 to 480 whole minutes (end after start).", [...FIELD, "end"]));
  }
  if (input.start.getTime() <= Date.now()) errors.push(userError("VALIDATION_FAILED", "The slot has already begun.", [...FIELD, "start"]));
  const summary = input.summary?.trim() ?? null;
  if (summary !== null && (summary.length < 1 || summary.length > 200)) errors.push(userError("VALIDATION_FAILED", "The title is 1 to 200 characters.", [...FIELD, "summary"]));
  if (errors.length) return fail(...errors);
  if (actor.principal.kind !== "USER" || !userId) {
    return fail(userError("FORBIDDEN", "Booking a meeting is a person's action, on their own calendar.", FIELD));
  }

  // 1. What is booked, with whom, from which calendar; reserve the slot (PENDING) in a committed row.
  type BookingRow = NonNullable<Awaited<ReturnType<Tx["meetingBooking"]["findUnique"]>>>;
  interface Reserved {
    existing: BookingRow | null;
    booking: BookingRow | null;
    /** The booking is a stale PENDING reservation of this person's, taken over. */
    stale: boolean;
    contact: ContactFacts;
    connection: CalendarConnection;
    settings: TenantSettings;
    tenantName: string;
  }
  const reserved = await runUnitOfWork(services, actor, async (uow): Promise<Outcome<Reserved>> => {
    const { tx } = uow;
    let contactId = input.contactId ?? null;
    let draftId: string | null = null;
    if (input.draftId) {
      const draft = await tx.draft.findUnique({ where: { id: input.draftId }, select: { id: true, contactId: true, offeredSlots: true } });
      if (!draft) return fail(userError("NOT_FOUND", "No Draft with this id.", [...FIELD, "draftId"]));
      const offered = ((draft.offeredSlots as { slots?: { start: string; end: string }[] } | null)?.slots ?? []).some(
        (s) => Date.parse(s.start) === input.start.getTime() && Date.parse(s.end) === input.end.getTime(),
      );
      if (!offered) return fail(userError("SLOT_NOT_OFFERED", "The draft did not offer this slot; book it from the contact instead.", [...FIELD, "start"]));
      contactId = draft.contactId;
      draftId = draft.id;
    }
    const contact = await contactFacts(tx, contactId!);
    if (!contact) return fail(userError("NOT_FOUND", "No Contact with this id.", [...FIELD, "contactId"]));
    if (!contact.email) return fail(userError("RECIPIENT_HAS_NO_EMAIL", "The contact has no e-mail address to invite.", [...FIELD, "contactId"]));
    const connection = await calendarConnectionOf(tx, userId);
    if (!connection) return fail(userError("CONNECTION_NOT_ACTIVE", "Connect your Google account (calendar access) to book meetings.", FIELD));
    const settings = readTenantSettings((await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } })).settings);
    const tenantName = (await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { name: true } })).name;
    const existing = await tx.meetingBooking.findUnique({ where: { tenantId_contactId_startsAt: { tenantId, contactId: contact.id, startsAt: input.start } } });
    if (existing) {
      // A reservation left PENDING by a request that died (or lost Google's answer) is taken over by its booker
      // after a while: step 3 asks Google whether our event exists before anything else.
      const stale = existing.status === "PENDING" && existing.bookedByUserId === userId && Date.now() - existing.updatedAt.getTime() > STALE_PENDING_MS;
      if (stale) {
        const taken = await tx.meetingBooking.update({ where: { id: existing.id }, data: { endsAt: input.end, draftId: draftId ?? existing.draftId } });
        return ok({ existing: null, booking: taken, stale: true, contact, connection, settings, tenantName });
      }
      return ok({ existing, booking: null, stale: false, contact, connection, settings, tenantName });
    }
    const { recipient } = zoneFor(settings, contact);
    const created = await tx.meetingBooking.create({
      data: {
        tenantId,
        contactId: contact.id,
        draftId,
        connectionId: connection.id,
        bookedByUserId: userId,
        startsAt: input.start,
        endsAt: input.end,
        timeZone: recipient.timeZone,
        attendeeEmail: contact.email,
        status: "PENDING",
        calendarEventId: bookingEventId(tenantId, contact.id, input.start),
      },
    });
    return ok({ existing: null, booking: created, stale: false, contact, connection, settings, tenantName });
  });
  if (!reserved.ok) return reserved;
  const r = reserved.value;
  const result = (b: { id: string; contactId: string; calendarEventId: string; htmlLink: string | null; startsAt: Date; endsAt: Date; timeZone: string }, alreadyBooked: boolean): MeetingBookResult => ({
    bookingId: b.id,
    contactId: b.contactId,
    calendarEventId: b.calendarEventId,
    htmlLink: b.htmlLink,
    start: b.startsAt,
    end: b.endsAt,
    timeZone: b.timeZone,
    alreadyBooked,
  });
  if (r.existing) {
    if (r.existing.status === "BOOKED" && r.existing.endsAt.getTime() === input.end.getTime()) return ok(result(r.existing, true));
    return fail(userError("CONFLICT", r.existing.status === "PENDING" ? "This slot is being booked for the contact right now." : "The contact already has a meeting booked at this time.", [...FIELD, "start"]));
  }
  if (!r.booking) return fail(userError("CONFLICT", "This slot is being booked for the contact right now.", [...FIELD, "start"]));
  const booking: BookingRow = r.booking;
  const release = () =>
    withTenant(services.db.prisma, { tenantId }, (tx) => tx.meetingBooking.deleteMany({ where: { id: booking.id, status: "PENDING" } }));

  const calendar = (signal: AbortSignal, auth: Parameters<typeof createCalendarClient>[0]["auth"]) => createCalendarClient({ auth, rootUrl: services.config.GOOGLE_API_ROOT_URL, signal });
  /** Whether our event exists at Google (null: Google could not tell). */
  const existsAtGoogle = async () => {
    try {
      return await callWithConnection(services, r.connection, ({ client, signal }) => calendar(signal, client!).getEvent({ id: booking.calendarEventId }), { idempotent: true });
    } catch {
      return undefined;
    }
  };

  // 2. A taken-over reservation: the event may exist already (its own busy time would read as a clash).
  let event: { htmlLink: string | null; duplicate: boolean } | null = null;
  if (r.stale) {
    const found = await existsAtGoogle();
    if (found === undefined) return fail(userError("PROVIDER_UNAVAILABLE", BUSY_MESSAGES.PROVIDER_UNAVAILABLE, FIELD));
    if (found) event = { htmlLink: found.htmlLink, duplicate: true };
  }
  if (!event) {
    const created = await checkAndInsert();
    if (!created.ok) return created;
    event = created.value;
  }
  return record(event);

  async function checkAndInsert(): Promise<Outcome<{ htmlLink: string | null; duplicate: boolean }>> {
    // 3. Re-check the slot (with the buffers) against the calendar as it is now.
    const m = r.settings.meetings;
    const windowFrom = new Date(input.start.getTime() - m.bufferBeforeMinutes * 60_000);
    const windowTo = new Date(input.end.getTime() + m.bufferAfterMinutes * 60_000);
    const busy = await busyTime(services, r.connection, windowFrom, windowTo, booking.timeZone);
    if (!busy.ok) {
      await release();
      return fail(userError(busy.error, BUSY_MESSAGES[busy.error], FIELD));
    }
    if (overlapsBusy({ start: input.start, end: input.end }, busy.busy, m.bufferBeforeMinutes, m.bufferAfterMinutes)) {
      await release();
      return fail(userError("SLOT_BUSY", "Your calendar is busy at that time now; pick another slot.", [...FIELD, "start"]));
    }

    // 4. The event, with our id: a retried insert answers 409 duplicate instead of creating a second event.
    try {
      const inserted = await callWithConnection(
        services,
        r.connection,
        ({ client, signal }) =>
          createCalendarClient({ auth: client!, rootUrl: services.config.GOOGLE_API_ROOT_URL, signal }).insertEvent({
            id: booking.calendarEventId,
            summary: summary ?? `${r.tenantName} / ${r.contact.email}`,
            start: input.start,
            end: input.end,
            timeZone: booking.timeZone,
            attendees: [r.contact.email!],
            sendUpdates: "all",
          }),
        { idempotent: true },
      );
      return ok({ htmlLink: inserted.htmlLink, duplicate: inserted.duplicate });
    } catch (error) {
      if (error instanceof ConnectionUnavailableError) {
        await release();
        return fail(userError("CONNECTION_NOT_ACTIVE", BUSY_MESSAGES.CONNECTION_NOT_ACTIVE, FIELD));
      }
      services.logger.warn({ err: error instanceof Error ? error.name : "error", tenantId }, "meetingBook: events.insert failed");
      // The answer may have been lost after Google created it: ask before giving the slot up.
      const found = await existsAtGoogle();
      if (found) return ok({ htmlLink: found.htmlLink, duplicate: true });
      // Not there: the slot is free again. Google could not tell: the reservation stays PENDING, and this person's
      // next request after STALE_PENDING_MS asks again (never a second event: the id is ours).
      if (found === null) await release();
      return fail(userError("PROVIDER_UNAVAILABLE", BUSY_MESSAGES.PROVIDER_UNAVAILABLE, FIELD));
    }
  }

  // 5. Recorded, audited and announced together.
  async function record(event: { htmlLink: string | null; duplicate: boolean }): Promise<Outcome<MeetingBookResult>> {
    const done = await runUnitOfWork(services, actor, async (uow) => {
      const row = await uow.tx.meetingBooking.update({ where: { id: booking.id }, data: { status: "BOOKED", htmlLink: event.htmlLink } });
      const summaryOut = {
        contactId: row.contactId,
        draftId: row.draftId,
        start: row.startsAt.toISOString(),
        end: row.endsAt.toISOString(),
        timeZone: row.timeZone,
        calendarEventId: row.calendarEventId,
        duplicateAtGoogle: event.duplicate,
      };
      await uow.audit({ action: "meeting.booked", targetType: "MeetingBooking", targetId: row.id, summary: summaryOut });
      await uow.emit("sales.meeting.booked", { bookingId: row.id, ...summaryOut } as Record<string, unknown> & Prisma.InputJsonObject);
      // A booked meeting ends the contact's cadences: the conversation has moved on (issue 12).
      await exitSequencesForContacts(uow, [row.contactId], "MEETING_BOOKED", `A meeting was booked for ${row.startsAt.toISOString()} (booking ${row.id}).`);
      return ok(row);
    });
    if (!done.ok) return done;
    return ok(result(done.value, false));
  }
}
