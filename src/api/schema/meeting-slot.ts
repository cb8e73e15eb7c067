// meetingSlots(contactId, durationMinutes): 2–3 free meeting times from the
// asking user's Google Calendar, in the contact's time zone (else the
// tenant's). Needs draft:write (the times go into reply drafts; they reveal
// the user's free/busy) and the user's own ACTIVE Google connection.
import type { MeetingSlot } from "../../domain/meeting-slot.js";
import { meetingSlotsFor, type MeetingSlotsResult } from "../../orchestration/meeting-slot.js";
import { withConnectors } from "../../orchestration/connection.js";
import { builder } from "../builder.js";
import { actorOf } from "../context.js";
import { idOf } from "./global-id.js";
import { errorPayload, payloadType, toPayload, type Payload } from "./user-error.js";

const MeetingSlotType = builder.objectRef<MeetingSlot>("MeetingSlot").implement({
  description: "A free meeting time; the local fields are in the recipient's time zone.",
  fields: (t) => ({
    start: t.expose("start", { type: "DateTime" }),
    end: t.expose("end", { type: "DateTime" }),
    timeZone: t.exposeString("timeZone", { description: "IANA zone of localStart/localEnd (the contact's, else the tenant's)." }),
    localStart: t.exposeString("localStart", { description: "Wall-clock start in timeZone, YYYY-MM-DDTHH:MM." }),
    localEnd: t.exposeString("localEnd"),
    label: t.exposeString("label", { description: 'For people, e.g. "Tue 10 Mar, 10:00–10:30 (America/New_York)".' }),
  }),
});

const MeetingSlotsPayload = payloadType<Payload<MeetingSlotsResult>>("MeetingSlotsPayload", (t) => ({
  timeZone: t.string({ nullable: true, resolve: (p) => p.timeZone ?? null }),
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
      durationMinutes: t.arg.int({ required: true }),
    },
    resolve: async (_root, { contactId, durationMinutes }, ctx) => {
      const id = idOf(String(contactId), "Contact", ["contactId"]);
      if (!id.ok) return errorPayload<MeetingSlotsResult>(id.errors);
      return toPayload(await meetingSlotsFor(withConnectors(ctx.services), actorOf(ctx), { contactId: id.id, durationMinutes }));
    },
  }),
);
