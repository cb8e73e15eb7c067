// Wire-level fake of the Google Calendar API v3 paths we use:
//   POST calendar/v3/freeBusy                          { timeMin, timeMax, timeZone, items: [{ id }] }
//        → { kind: "calendar#freeBusy", timeMin, timeMax, calendars: { id: { busy: [{ start, end }] } | { errors: [{ domain, reason: "notFound" }], busy: [] } } }
//   POST calendar/v3/calendars/{calendarId}/events     an event resource (sendUpdates=all|externalOnly|none) → the created event;
//        a client-supplied id that exists already → 409 duplicate
//   GET  calendar/v3/calendars/{calendarId}/events/{eventId}  the event, or 404
// "primary" is the authenticated account's calendar. Busy time comes from
// seeded intervals, all-day events (midnight to midnight in the calendar's
// zone) and inserted opaque events.
import { randomBytes } from "node:crypto";
import { googleError, sendJson, type RequestContext, type RouteModule } from "./common.js";

export interface FakeEvent {
  id: string;
  calendarId: string;
  summary: string | null;
  start: { dateTime?: string; date?: string; timeZone?: string };
  end: { dateTime?: string; date?: string; timeZone?: string };
  attendees: { email: string; responseStatus: string }[];
  transparency: "opaque" | "transparent";
  sendUpdates: string | null;
  /** Busy interval in ms. */
  startMs: number;
  endMs: number;
}

export interface FakeCalendar {
  /** Busy intervals per calendar id (lower-case e-mail), ms. */
  readonly busy: Map<string, { start: number; end: number }[]>;
  readonly events: FakeEvent[];
  /** Marks the calendar as existing (free) even with nothing busy. */
  ensure(calendarId: string): void;
  addBusy(calendarId: string, start: Date | string, end: Date | string): void;
  /** An all-day event on a date (YYYY-MM-DD) in the calendar's zone: busy from that midnight to the next. */
  addAllDay(calendarId: string, date: string, timeZone: string): void;
  /** `days` of busy calendar from `from`: every hour from startHour to endHour (UTC) busy except the listed free hours. */
  seedBusyCalendar(calendarId: string, options: { from: Date; days: number; busyRanges: { startHourUtc: number; endHourUtc: number }[] }): void;
  /** The freeBusy requests received, with the account whose token asked (whose "primary" it was). */
  readonly queries: { timeMin: string; timeMax: string; items: string[]; account: string }[];
}

/** ms of the wall-clock midnight of `date` in `timeZone`. */
function zonedMidnight(date: string, timeZone: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  const offset = (t: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
        .formatToParts(new Date(t))
        .map((p) => [p.type, p.value]),
    );
    return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - t;
  };
  const first = guess - offset(guess);
  return guess - offset(first);
}

function nextDate(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export function createFakeCalendar(): FakeCalendar {
  const busy = new Map<string, { start: number; end: number }[]>();
  const list = (id: string) => {
    const key = id.toLowerCase();
    let l = busy.get(key);
    if (!l) busy.set(key, (l = []));
    return l;
  };
  return {
    busy,
    events: [],
    queries: [],
    ensure: (id) => void list(id),
    addBusy(id, start, end) {
      list(id).push({ start: new Date(start).getTime(), end: new Date(end).getTime() });
    },
    addAllDay(id, date, timeZone) {
      list(id).push({ start: zonedMidnight(date, timeZone), end: zonedMidnight(nextDate(date), timeZone) });
    },
    seedBusyCalendar(id, { from, days, busyRanges }) {
      const l = list(id);
      const day0 = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
      for (let d = 0; d < days; d++) {
        for (const r of busyRanges) l.push({ start: day0 + d * 86_400_000 + r.startHourUtc * 3_600_000, end: day0 + d * 86_400_000 + r.endHourUtc * 3_600_000 });
      }
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

function eventTime(t: { dateTime?: string; date?: string; timeZone?: string } | undefined, fallbackZone: string): number | null {
  if (!t) return null;
  if (t.dateTime) {
    const ms = Date.parse(t.dateTime);
    return Number.isNaN(ms) ? null : ms;
  }
  if (t.date && /^\d{4}-\d{2}-\d{2}$/.test(t.date)) return zonedMidnight(t.date, t.timeZone ?? fallbackZone);
  return null;
}

export function calendarRoutes(fake: FakeCalendar): RouteModule {
  return async (ctx: RequestContext) => {
    const { req, res, url } = ctx;
    if (req.method === "POST" && url.pathname === "/calendar/v3/freeBusy") {
      const body = (await ctx.body()) as { timeMin?: string; timeMax?: string; items?: { id?: string }[] };
      const min = Date.parse(body.timeMin ?? "");
      const max = Date.parse(body.timeMax ?? "");
      if (Number.isNaN(min)) return googleError(res, 400, "Missing timeMin parameter.", { reason: "required", location: "timeMin" });
      if (Number.isNaN(max)) return googleError(res, 400, "Missing timeMax parameter.", { reason: "required", location: "timeMax" });
      if (max <= min) return googleError(res, 400, "The specified time range is empty.", { reason: "timeRangeEmpty", location: "timeMax" });
      const items = (body.items ?? []).map((i) => String(i.id ?? ""));
      fake.queries.push({ timeMin: body.timeMin!, timeMax: body.timeMax!, items, account: ctx.email });
      const calendars: Record<string, unknown> = {};
      for (const item of items) {
        const key = item === "primary" ? ctx.email : item.toLowerCase();
        const intervals = fake.busy.get(key);
        if (!intervals) {
          calendars[item] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
          continue;
        }
        // Clipped to the window, sorted and merged, as Google answers.
        const clipped = intervals
          .filter((b) => b.end > min && b.start < max)
          .map((b) => ({ start: Math.max(b.start, min), end: Math.min(b.end, max) }))
          .sort((a, b) => a.start - b.start);
        const merged: { start: number; end: number }[] = [];
        for (const b of clipped) {
          const last = merged.at(-1);
          if (last && b.start <= last.end) last.end = Math.max(last.end, b.end);
          else merged.push({ ...b });
        }
        calendars[item] = { busy: merged.map((b) => ({ start: iso(b.start), end: iso(b.end) })) };
      }
      return sendJson(res, 200, { kind: "calendar#freeBusy", timeMin: iso(min), timeMax: iso(max), calendars });
    }
    const one = /^\/calendar\/v3\/calendars\/([^/]+)\/events\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && one) {
      const calendarId = decodeURIComponent(one[1]!);
      const key = calendarId === "primary" ? ctx.email : calendarId.toLowerCase();
      const event = fake.events.find((e) => e.id === decodeURIComponent(one[2]!) && e.calendarId === key);
      if (!event || key !== ctx.email) return googleError(res, 404, "Not Found", { reason: "notFound" });
      return sendJson(res, 200, { kind: "calendar#event", id: event.id, status: "confirmed", htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${key}`).toString("base64url")}`, summary: event.summary ?? undefined, start: event.start, end: event.end, attendees: event.attendees });
    }
    const m = /^\/calendar\/v3\/calendars\/([^/]+)\/events$/.exec(url.pathname);
    if (req.method === "POST" && m) {
      const calendarId = decodeURIComponent(m[1]!);
      const key = calendarId === "primary" ? ctx.email : calendarId.toLowerCase();
      if (key !== ctx.email) return googleError(res, 403, "You need to have writer access to this calendar.", { reason: "requiredAccessLevel" });
      const body = (await ctx.body()) as { id?: string; summary?: string; start?: FakeEvent["start"]; end?: FakeEvent["end"]; attendees?: { email?: string }[]; transparency?: string };
      // A client-supplied id (base32hex, 5–1024 characters) must be new: Google answers 409 duplicate otherwise.
      if (body.id !== undefined && !/^[a-v0-9]{5,1024}$/.test(body.id)) return googleError(res, 400, "Invalid resource id value.", { reason: "invalid" });
      if (body.id !== undefined && fake.events.some((e) => e.id === body.id && e.calendarId === key)) {
        return googleError(res, 409, "The requested identifier already exists.", { reason: "duplicate" });
      }
      const start = eventTime(body.start, "UTC");
      const end = eventTime(body.end, "UTC");
      if (start === null) return googleError(res, 400, "Missing start time.", { reason: "required" });
      if (end === null) return googleError(res, 400, "Missing end time.", { reason: "required" });
      if (end <= start) return googleError(res, 400, "The specified time range is empty.", { reason: "timeRangeEmpty" });
      const event: FakeEvent = {
        id: body.id ?? randomBytes(12).toString("hex"),
        calendarId: key,
        summary: body.summary ?? null,
        start: body.start!,
        end: body.end!,
        attendees: (body.attendees ?? []).map((a) => ({ email: String(a.email ?? "").toLowerCase(), responseStatus: "needsAction" })),
        transparency: body.transparency === "transparent" ? "transparent" : "opaque",
        sendUpdates: url.searchParams.get("sendUpdates"),
        startMs: start,
        endMs: end,
      };
      fake.events.push(event);
      if (event.transparency === "opaque") fake.addBusy(key, new Date(start), new Date(end));
      const now = new Date().toISOString();
      return sendJson(res, 200, {
        kind: "calendar#event",
        etag: `"${Date.now()}"`,
        id: event.id,
        status: "confirmed",
        htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${key}`).toString("base64url")}`,
        created: now,
        updated: now,
        summary: event.summary ?? undefined,
        creator: { email: key, self: true },
        organizer: { email: key, self: true },
        start: event.start,
        end: event.end,
        iCalUID: `${event.id}@google.com`,
        sequence: 0,
        ...(event.attendees.length ? { attendees: event.attendees } : {}),
        reminders: { useDefault: true },
        eventType: "default",
      });
    }
    return false;
  };
}
