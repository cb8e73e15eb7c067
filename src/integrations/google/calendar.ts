// Google Calendar through @googleapis/calendar, behind our CalendarClient:
// free/busy of one or more calendars (freebusy.query), creating an event
// with the contact invited (events.insert with sendUpdates=all) and reading
// one back by id (events.get). Busy time
// comes back as instants; the meeting-slot domain does the time-zone work.
import { lazyRequire } from "../../config/lazy-require.js";
import { GoogleApiError, googleCall } from "./errors.js";
import type { GoogleClientOptions } from "./gmail.js";

const calendarApi = lazyRequire<typeof import("@googleapis/calendar")>("@googleapis/calendar");

export interface BusyInterval {
  start: Date;
  end: Date;
}

export interface CalendarFreeBusy {
  busy: BusyInterval[];
  /** Google could not read this calendar (e.g. notFound, notAuthorized): its busy time is unknown, not free. */
  error: string | null;
}

export interface EventInput {
  calendarId?: string;
  /**
   * Our own event id (base32hex: a–v and 0–9, 5–1024 characters): Google refuses a second event
   * with the same id (409 duplicate), so a retried insert can never create the event twice.
   */
  id?: string;
  summary: string;
  description?: string | null;
  start: Date;
  end: Date;
  /** IANA zone the event is shown in. */
  timeZone: string;
  attendees: string[];
  /** Whether Google e-mails the invitation (default: all). */
  sendUpdates?: "all" | "externalOnly" | "none";
}

export interface CalendarClient {
  freeBusy(input: { calendarIds: string[]; timeMin: Date; timeMax: Date; timeZone?: string }): Promise<Record<string, CalendarFreeBusy>>;
  /** An event by id (null when it does not exist or was deleted): tells whether an earlier insert with our id went through. */
  getEvent(input: { calendarId?: string; id: string }): Promise<{ id: string; htmlLink: string | null; status: string | null } | null>;
  /** `duplicate: true` when an event with input.id already existed (an earlier attempt created it). */
  insertEvent(input: EventInput): Promise<{ id: string; htmlLink: string | null; status: string | null; duplicate: boolean }>;
}

export function createCalendarClient(options: GoogleClientOptions): CalendarClient {
  const api = calendarApi().calendar({ version: "v3", auth: options.auth, retry: false, ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}) });
  const call = { signal: options.signal } as const;
  return {
    async freeBusy({ calendarIds, timeMin, timeMax, timeZone }) {
      if (!(timeMax > timeMin)) throw new RangeError("freeBusy needs timeMax after timeMin.");
      const res = await googleCall("freebusy.query", () =>
        api.freebusy.query({ requestBody: { timeMin: timeMin.toISOString(), timeMax: timeMax.toISOString(), timeZone: timeZone ?? "UTC", items: calendarIds.map((id) => ({ id })) } }, call),
      );
      const out: Record<string, CalendarFreeBusy> = {};
      for (const id of calendarIds) {
        const cal = res.data.calendars?.[id];
        if (!cal) {
          out[id] = { busy: [], error: "missing" };
          continue;
        }
        const busy: BusyInterval[] = [];
        for (const b of cal.busy ?? []) {
          const start = Date.parse(b.start ?? "");
          const end = Date.parse(b.end ?? "");
          if (!Number.isNaN(start) && !Number.isNaN(end) && end > start) busy.push({ start: new Date(start), end: new Date(end) });
        }
        out[id] = { busy, error: cal.errors?.length ? (cal.errors[0]!.reason ?? "unknown") : null };
      }
      return out;
    },
    async getEvent({ calendarId, id }) {
      try {
        const res = await googleCall("events.get", () => api.events.get({ calendarId: calendarId ?? "primary", eventId: id }, call));
        return res.data.status === "cancelled" ? null : { id: res.data.id ?? id, htmlLink: res.data.htmlLink ?? null, status: res.data.status ?? null };
      } catch (error) {
        if (error instanceof GoogleApiError && (error.status === 404 || error.status === 410)) return null;
        throw error;
      }
    },
    async insertEvent(input) {
      if (input.id !== undefined && !/^[a-v0-9]{5,1024}$/.test(input.id)) throw new RangeError("An event id is 5–1024 characters of a–v and 0–9.");
      let res;
      try {
        res = await googleCall("events.insert", () =>
          api.events.insert(
            {
              calendarId: input.calendarId ?? "primary",
              sendUpdates: input.sendUpdates ?? "all",
              requestBody: {
                ...(input.id ? { id: input.id } : {}),
                summary: input.summary,
                ...(input.description ? { description: input.description } : {}),
                start: { dateTime: input.start.toISOString(), timeZone: input.timeZone },
                end: { dateTime: input.end.toISOString(), timeZone: input.timeZone },
                attendees: input.attendees.map((email) => ({ email })),
              },
            },
            call,
          ),
        );
      } catch (error) {
        if (input.id && error instanceof GoogleApiError && error.status === 409) return { id: input.id, htmlLink: null, status: null, duplicate: true };
        throw error;
      }
      return { id: res.data.id ?? "", htmlLink: res.data.htmlLink ?? null, status: res.data.status ?? null, duplicate: false };
    },
  };
}
