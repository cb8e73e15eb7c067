// Google Calendar through @googleapis/calendar, behind our CalendarClient:
// free/busy of one or more calendars (freebusy.query) and creating an event
// with the contact invited (events.insert with sendUpdates=all). Busy time
// comes back as instants; the meeting-slot domain does the time-zone work.
import { calendar } from "@googleapis/calendar";
import { googleCall } from "./errors.js";
import type { GoogleClientOptions } from "./gmail.js";

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
  insertEvent(input: EventInput): Promise<{ id: string; htmlLink: string | null; status: string | null }>;
}

export function createCalendarClient(options: GoogleClientOptions): CalendarClient {
  const api = calendar({ version: "v3", auth: options.auth, retry: false, ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}) });
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
    async insertEvent(input) {
      const res = await googleCall("events.insert", () =>
        api.events.insert(
          {
            calendarId: input.calendarId ?? "primary",
            sendUpdates: input.sendUpdates ?? "all",
            requestBody: {
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
      return { id: res.data.id ?? "", htmlLink: res.data.htmlLink ?? null, status: res.data.status ?? null };
    },
  };
}
