// Benchmark: meeting-slot computation over a month of busy calendars for 10
// attendees (issue 10). Seeds the wire-level Google fake with deterministic
// random calendars (0–2 meetings a weekday each, 30–120 minutes, 07:00–18:00
// UTC, an occasional all-day absence), then times:
// 1. freebusy.query for all 10 calendars through the real @googleapis/calendar
//    SDK against the fake (HTTP, JSON, our adapter's parsing);
// 2. the pure computation (domain/meeting-slot.ts: merge the 10 busy lists,
//    walk 30 days of working hours in Europe/Berlin, present in London);
// 3. the worst case: a calendar with no free time, where every candidate of
//    the horizon is checked before FULLY_BUSY.
//
//   npx tsx bench/meeting-slots.ts [--attendees 10] [--days 30] [--runs 200] [--seed 7]
import { parseArgs } from "node:util";
import { OAuth2Client } from "google-auth-library";
import { DEFAULT_WORKING_HOURS, mergeBusy, proposeMeetingSlots, type Interval } from "../src/domain/draft/meeting-slot.js";
import { createCalendarClient } from "../src/integrations/google/calendar.js";
import { startFakeGoogle } from "../test/fakes/google/server.js";

const { values } = parseArgs({ options: { attendees: { type: "string", default: "10" }, days: { type: "string", default: "30" }, runs: { type: "string", default: "200" }, seed: { type: "string", default: "7" } } });
const ATTENDEES = Number(values.attendees);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(Number(values.seed));

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: s.at(-1)! };
}
const ms = (v: number) => `${v.toFixed(2)} ms`;

const google = await startFakeGoogle();
const emails = Array.from({ length: ATTENDEES }, (_, i) => `attendee${i}@bench.example`);
google.addToken("tok-bench", emails[0]!);
const now = new Date("2026-03-02T06:00:00Z"); // a Monday; Berlin's DST change (29 March) falls inside the month
const day0 = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
let intervals = 0;
for (const email of emails) {
  google.calendar.ensure(email);
  for (let d = 0; d < DAYS; d++) {
    const weekday = new Date(day0 + d * 86_400_000).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    if (random() < 0.03) {
      google.calendar.addAllDay(email, new Date(day0 + d * 86_400_000).toISOString().slice(0, 10), "Europe/Berlin");
      intervals++;
      continue;
    }
    const meetings = Math.floor(random() * 3);
    for (let m = 0; m < meetings; m++) {
      const start = day0 + d * 86_400_000 + (7 * 60 + Math.floor(random() * 22) * 30) * 60_000;
      const length = [30, 30, 45, 60, 60, 90, 120][Math.floor(random() * 7)]! * 60_000;
      google.calendar.addBusy(email, new Date(start), new Date(start + length));
      intervals++;
    }
  }
}

const auth = new OAuth2Client();
auth.setCredentials({ access_token: "tok-bench", expiry_date: Date.now() + 3_600_000 });
const client = createCalendarClient({ auth, rootUrl: google.rootUrl });
const timeMax = new Date(now.getTime() + (DAYS + 1) * 86_400_000);

// 1. free/busy of all attendees through the SDK.
const queryTimes: number[] = [];
let busy: Interval[] = [];
for (let i = 0; i < Math.min(RUNS, 50); i++) {
  const t0 = performance.now();
  const answer = await client.freeBusy({ calendarIds: emails, timeMin: now, timeMax, timeZone: "Europe/Berlin" });
  queryTimes.push(performance.now() - t0);
  busy = emails.flatMap((e) => answer[e]!.busy);
}

// 2. the computation on the union of everyone's busy time.
const input = {
  now,
  hostTimeZone: "Europe/Berlin",
  workingHours: DEFAULT_WORKING_HOURS,
  durationMinutes: 30,
  bufferBeforeMinutes: 5,
  bufferAfterMinutes: 5,
  earliestNoticeMinutes: 120,
  horizonDays: DAYS,
  recipientTimeZone: "Europe/London",
  count: 3,
};
const computeTimes: number[] = [];
const mergeTimes: number[] = [];
const cold0 = performance.now();
let result = proposeMeetingSlots({ ...input, busy });
const coldMs = performance.now() - cold0; // the first computation in the process (zone offsets not cached yet)
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  mergeBusy(busy);
  mergeTimes.push(performance.now() - t0);
  const t1 = performance.now();
  result = proposeMeetingSlots({ ...input, busy });
  computeTimes.push(performance.now() - t1);
}

// 3. worst case: nothing free, every candidate checked.
const full: Interval[] = [...busy, { start: new Date(now.getTime() - 86_400_000), end: new Date(timeMax.getTime() + 86_400_000) }];
const worstTimes: number[] = [];
let worst = proposeMeetingSlots({ ...input, busy: full });
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  worst = proposeMeetingSlots({ ...input, busy: full });
  worstTimes.push(performance.now() - t0);
}
await google.close();

const q = stats(queryTimes);
const c = stats(computeTimes);
const m = stats(mergeTimes);
const w = stats(worstTimes);
process.stdout.write(
  [
    `meeting slots: ${ATTENDEES} attendees × ${DAYS} days, ${intervals} busy intervals seeded (${busy.length} after Google's per-calendar merge, ${mergeBusy(busy).length} merged across attendees); Node ${process.version}`,
    "",
    "| step | p50 | p95 | max | runs |",
    "|---|--:|--:|--:|--:|",
    `| freebusy.query, ${ATTENDEES} calendars, real SDK → fake over HTTP | ${ms(q.p50)} | ${ms(q.p95)} | ${ms(q.max)} | ${queryTimes.length} |`,
    `| merge the ${ATTENDEES} busy lists | ${ms(m.p50)} | ${ms(m.p95)} | ${ms(m.max)} | ${RUNS} |`,
    `| proposeMeetingSlots, first call in the process (cold zone-offset cache) | ${ms(coldMs)} | | | 1 |`,
    `| proposeMeetingSlots (merge included), ${DAYS}-day horizon | ${ms(c.p50)} | ${ms(c.p95)} | ${ms(c.max)} | ${RUNS} |`,
    `| worst case: no free time (every candidate checked) | ${ms(w.p50)} | ${ms(w.p95)} | ${ms(w.max)} | ${RUNS} |`,
    "",
    `result: ${result.ok ? result.slots.map((s) => s.label).join("; ") : result.reason}; worst case: ${worst.ok ? "slots?!" : worst.reason}`,
    "",
  ].join("\n"),
);
