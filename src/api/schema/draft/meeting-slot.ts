// Meetings: meetingSlots(contactId, durationMinutes?) — 2–3 free meeting
// times from the asking user's Google Calendar, in the recipient's time zone
// (the contact's, else inferred from their company's country or e-mail
// domain, else the working hours' zone), under the tenant's settings.meetings.
// Needs draft:write (the times go into reply drafts; they reveal the user's
// free/busy) and the user's own ACTIVE Google connection.
// meetingBook(input) — a person books one slot on their own calendar with the
// contact invited (meeting:book, OPERATOR and up; audited, sales.meeting.booked).
// Draft.offeredSlots shows what a draft offered.
import type { MeetingSlot } from "../../../domain/draft/meeting-slot.js";
import { reads } from "../list-page.js";
import { withConnectors } from "../../../orchestration/connection/connection.js";
import { bookMeeting, meetingSlotsFor, type MeetingBookResult, type MeetingSlotsResult, type OfferedSlots } from "../../../orchestration/draft/meeting-slot.js";
import { builder } from "../../builder.js";
import { actorOf } from "../../context.js";
import { DraftType } from "./draft.js";
import { idOf } from "../global-id.js";
import { errorPayload, payloadType, toPayload, type Payload } from "../user-error.js";

const MeetingSlotType = builder.objectRef<MeetingSlot>("MeetingSlot").implement({
  description: "A free meeting time; the local fields are in the recipient's time zone.",
  fields: (t) => ({
    start: t.expose("start", { type: "DateTime" }),
    end: t.expose("end", { type: "DateTime" }),
    timeZone: t.exposeString("timeZone", { description: "IANA zone of localStart/localEnd (the recipient's)." }),
    localStart: t.exposeString("localStart", { description: "Wall-clock start in timeZone, YYYY-MM-DDTHH:MM." }),
    localEnd: t.exposeString("localEnd"),
    label: t.exposeString("label", { description: 'For people, e.g. "Tue 10 Mar, 10:00–10:30 (America/New_York)".' }),
  }),
});

const MeetingSlotsPayload = payloadType<Payload<MeetingSlotsResult>>("MeetingSlotsPayload", (t) => ({
  timeZone: t.string({ nullable: true, resolve: (p) => p.timeZone ?? null }),
  timeZoneSource: t.string({
    nullable: true,
    description: "How the recipient's zone was found: CONTACT, COMPANY_COUNTRY, EMAIL_DOMAIN (country-code TLD) or HOST (the working hours' zone).",
    resolve: (p) => p.timeZoneSource ?? null,
  }),
  durationMinutes: t.int({ nullable: true, resolve: (p) => p.durationMinutes ?? null }),
  slots: t.field({ type: [MeetingSlotType], resolve: (p) => p.slots ?? [] }),
  noSlotReason: t.string({
    nullable: true,
    description: "Why there is no slot: NO_WORKING_HOURS, OUTSIDE_RECIPIENT_HOURS, FULLY_BUSY or INVALID_INPUT (null when there are slots).",
    resolve: (p) => p.reason ?? null,
  }),
  noSlotMessage: t.string({ nullable: true, resolve: (p) => p.message ?? null }),
}));

builder.queryField("meetingSlots", (t) =>
  t.field({
    type: MeetingSlotsPayload,
    description: "Free meeting times from your Google Calendar for a contact, in their time zone. No free time is an empty list with noSlotReason.",
    authScopes: { permission: "draft:write" },
    args: {
      contactId: t.arg.id({ required: true }),
      durationMinutes: t.arg.int({ required: false, description: "Default: settings.meetings.defaultDurationMinutes." }),
    },
    resolve: async (_root, { contactId, durationMinutes }, ctx) => {
      const id = idOf(String(contactId), "Contact", ["contactId"]);
      if (!id.ok) return errorPayload<MeetingSlotsResult>(id.errors);
      return toPayload(await meetingSlotsFor(withConnectors(ctx.services), actorOf(ctx), { contactId: id.id, durationMinutes: durationMinutes ?? null }));
    },
  }),
);

// ---- what a draft offered ----------------------------------------------------------------

const OfferedSlotType = builder.objectRef<OfferedSlots["slots"][number]>("OfferedMeetingSlot").implement({
  fields: (t) => ({
    start: t.field({ type: "DateTime", resolve: (s) => new Date(s.start) }),
    end: t.field({ type: "DateTime", resolve: (s) => new Date(s.end) }),
    label: t.exposeString("label"),
  }),
});

const OfferedSlotsType = builder.objectRef<OfferedSlots>("OfferedMeetingSlots").implement({
  description: "The meeting times the draft writer looked up for this draft. No slots: the calendar was full, and the draft asks for the recipient's availability.",
  fields: (t) => ({
    timeZone: t.exposeString("timeZone"),
    timeZoneSource: t.exposeString("timeZoneSource"),
    durationMinutes: t.exposeInt("durationMinutes"),
    slots: t.field({ type: [OfferedSlotType], resolve: (o) => o.slots }),
    noSlotReason: t.exposeString("noSlotReason", { nullable: true }),
  }),
});

builder.objectField(DraftType, "offeredSlots", (t) =>
  t.field({
    type: OfferedSlotsType,
    nullable: true,
    description: "Meeting slots the draft writer offered (null: the calendar was not consulted for this draft).",
    extensions: reads("offeredSlots"),
    resolve: (draft) => (draft.offeredSlots as OfferedSlots | null) ?? null,
  }),
);

// ---- meetingBook -------------------------------------------------------------------------

const MeetingBookInput = builder.inputType("MeetingBookInput", {
  fields: (t) => ({
    draftId: t.id({ required: false, description: "Book one of the slots this draft offered (the draft's contact is invited)." }),
    contactId: t.id({ required: false, description: "Or: book any free time with this contact." }),
    start: t.field({ type: "DateTime", required: true }),
    end: t.field({ type: "DateTime", required: true }),
    summary: t.string({ required: false, description: "Event title (default: the tenant's name and the contact's address)." }),
  }),
});

const MeetingBookingType = builder.objectRef<MeetingBookResult>("MeetingBooking").implement({
  fields: (t) => ({
    id: t.exposeID("bookingId"),
    calendarEventId: t.exposeString("calendarEventId"),
    htmlLink: t.exposeString("htmlLink", { nullable: true }),
    start: t.expose("start", { type: "DateTime" }),
    end: t.expose("end", { type: "DateTime" }),
    timeZone: t.exposeString("timeZone", { description: "The recipient's zone the event is shown in." }),
    alreadyBooked: t.exposeBoolean("alreadyBooked", { description: "The slot was already booked for this contact: no second event was created." }),
  }),
});

const MeetingBookPayload = payloadType<Payload<{ booking: MeetingBookResult }>>("MeetingBookPayload", (t) => ({
  booking: t.field({ type: MeetingBookingType, nullable: true, resolve: (p) => p.booking ?? null }),
}));

builder.mutationField("meetingBook", (t) =>
  t.field({
    type: MeetingBookPayload,
    description:
      "Books a meeting on your own Google Calendar with the contact invited (Google e-mails the invitation). The slot is checked against your free/busy first: a slot that became busy is refused (SLOT_BUSY). The same slot is booked once.",
    authScopes: { permission: "meeting:book" },
    args: { input: t.arg({ type: MeetingBookInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const draftId = input.draftId ? idOf(String(input.draftId), "Draft", ["input", "draftId"]) : null;
      if (draftId && !draftId.ok) return errorPayload<{ booking: MeetingBookResult }>(draftId.errors);
      const contactId = input.contactId ? idOf(String(input.contactId), "Contact", ["input", "contactId"]) : null;
      if (contactId && !contactId.ok) return errorPayload<{ booking: MeetingBookResult }>(contactId.errors);
      const outcome = await bookMeeting(withConnectors(ctx.services), actorOf(ctx), {
        draftId: draftId?.ok ? draftId.id : null,
        contactId: contactId?.ok ? contactId.id : null,
        start: input.start,
        end: input.end,
        summary: input.summary ?? null,
      });
      return outcome.ok ? { booking: outcome.value, userErrors: [] } : errorPayload<{ booking: MeetingBookResult }>(outcome.errors);
    },
  }),
);
