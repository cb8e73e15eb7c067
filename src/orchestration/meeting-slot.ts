// meetingSlots(contactId, durationMinutes): the free/busy of the asking
// user's ACTIVE Google connection (Calendar freebusy.query through
// callWithConnection: fresh token, resilience policy, NEEDS_REAUTH on a
// refused grant), the tenant's working hours (defaults: Monday–Friday
// 09:00–17:00) in the tenant's time zone, and the pure slot computation
// (domain/meeting-slot.ts), presented in the contact's time zone, else the
// tenant's. Nothing is written.
import { withTenant } from "../data/database.js";
import { DEFAULT_WORKING_HOURS, proposeMeetingSlots, type MeetingSlot, type NoSlotReason } from "../domain/meeting-slot.js";
import { readTenantSettings } from "../domain/tenant.js";
import { fail, ok, userError, type Outcome } from "../domain/user-error.js";
import { createCalendarClient } from "../integrations/google/calendar.js";
import { ConnectionUnavailableError, callWithConnection, type ConnectionServices } from "./connection.js";
import type { Actor } from "./unit-of-work.js";

export interface MeetingSlotsInput {
  contactId: string;
  durationMinutes: number;
  /** For tests; default now. */
  now?: Date;
}

export interface MeetingSlotsResult {
  timeZone: string;
  slots: MeetingSlot[];
  /** Why there is no slot (null when there are some). */
  reason: NoSlotReason | null;
  message: string | null;
}

const HORIZON_DAYS = 14;
const NOTICE_MINUTES = 120;

export async function meetingSlotsFor(services: ConnectionServices, actor: Actor, input: MeetingSlotsInput): Promise<Outcome<MeetingSlotsResult>> {
  const { tenantId, userId } = actor.principal;
  if (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 5 || input.durationMinutes > 480) {
    return fail(userError("VALIDATION_FAILED", "The meeting length must be 5 to 480 minutes.", ["durationMinutes"]));
  }
  const read = await withTenant(services.db.prisma, { tenantId }, async (tx) => {
    const contact = await tx.contact.findUnique({ where: { id: input.contactId }, select: { id: true, timeZone: true } });
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
    const connection = userId
      ? await tx.connection.findFirst({ where: { provider: "GOOGLE", status: "ACTIVE", userId }, orderBy: { createdAt: "desc" }, select: { id: true, tenantId: true, provider: true } })
      : null;
    return { contact, settings: readTenantSettings(tenant.settings), connection };
  });
  if (!read.contact) return fail(userError("NOT_FOUND", "No such contact.", ["contactId"]));
  if (!read.connection) {
    return fail(userError("CONNECTION_NOT_ACTIVE", "Connect your Google account (calendar access) to propose meeting times.", ["contactId"]));
  }
  const hostTimeZone = read.settings.general.timeZone;
  const now = input.now ?? new Date();
  const timeMax = new Date(now.getTime() + (HORIZON_DAYS + 1) * 86_400_000);
  let busy;
  try {
    const answer = await callWithConnection(services, read.connection, ({ client, signal }) =>
      createCalendarClient({ auth: client!, rootUrl: services.config.GOOGLE_API_ROOT_URL, signal }).freeBusy({ calendarIds: ["primary"], timeMin: now, timeMax, timeZone: hostTimeZone }),
    );
    const primary = answer.primary;
    if (!primary || primary.error) return fail(userError("PROVIDER_UNAVAILABLE", "Google could not read your calendar's free/busy time.", ["contactId"]));
    busy = primary.busy;
  } catch (error) {
    if (error instanceof ConnectionUnavailableError) {
      return fail(userError("CONNECTION_NOT_ACTIVE", "Your Google connection needs to be connected again.", ["contactId"]));
    }
    services.logger.warn({ err: error instanceof Error ? error.name : "error", tenantId }, "meetingSlots: free/busy failed");
    return fail(userError("PROVIDER_UNAVAILABLE", "Google Calendar is not reachable right now; try again later.", ["contactId"]));
  }
  const result = proposeMeetingSlots({
    now,
    busy,
    hostTimeZone,
    workingHours: DEFAULT_WORKING_HOURS,
    durationMinutes: input.durationMinutes,
    earliestNoticeMinutes: NOTICE_MINUTES,
    horizonDays: HORIZON_DAYS,
    recipientTimeZone: read.contact.timeZone ?? hostTimeZone,
  });
  return ok(result.ok ? { timeZone: result.timeZone, slots: result.slots, reason: null, message: null } : { timeZone: result.timeZone, slots: [], reason: result.reason, message: result.message });
}
