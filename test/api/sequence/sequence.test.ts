// Sequences over the real service: GraphQL over HTTP, the real database, the
// real pg-boss workers (sequence steps, send, agents) and the local AI
// provider as the draft writer. A three-step sequence is created (MANAGER and
// up), contacts are enrolled with a reason for every refusal, step one's
// drafts are prepared ahead of each recipient's window and wait for review;
// an approved draft leaves only inside the recipient's window (the recipient
// whose morning has not begun gets theirs held until it does); a draft not
// approved by the window's end waits for the next window; a reply while a
// step draft awaits approval cancels it and ends the enrolment; an
// out-of-office pauses until the return date and the resume job resumes it;
// editing makes a version that enrolments in flight do not follow; roles and
// tenants are kept apart.
//
// The recipients' zones are chosen from the clock (Etc/GMT±N) so that one's
// 08:00–11:00 window is open now and another's opens in a few hours: every
// assertion is deterministic whatever the time the test runs.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SequenceStepJob } from "../../../src/orchestration/sequence/sequence-runner.js";
import { runSequenceStep } from "../../../src/orchestration/sequence/sequence-runner.js";
import { signUnsubscribeToken } from "../../../src/domain/sending/unsubscribe-token.js";
import { unsubscribeUrl } from "../../../src/integrations/email/mail.js";
import { ALL_ROLES, createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";

const CREATE = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) {
  sequence { id name status currentVersion version { version skipWeekends steps { position kind delayAmount delayUnit windowStart windowEnd brief taskTitle } } }
  userErrors { code field message } } }`;
const UPDATE = `mutation($input: SequenceUpdateInput!) { sequenceUpdate(input: $input) {
  sequence { id currentVersion } newVersion enrollmentsOnEarlierVersions userErrors { code field message } } }`;
const ARCHIVE = `mutation($input: SequenceArchiveInput!) { sequenceArchive(input: $input) { sequence { id status } userErrors { code message } } }`;
const ENROLL = `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) {
  enrolledCount refusedCount
  results { contactId refusal message firstStepAt enrollment { id status timeZone timeZoneSource version { version } } }
  userErrors { code field message } } }`;
const PAUSE = `mutation($input: EnrollmentPauseInput!) { enrollmentPause(input: $input) { enrollment { id status pausedUntil pauseReason } userErrors { code message } } }`;
const RESUME = `mutation($input: EnrollmentResumeInput!) { enrollmentResume(input: $input) { enrollment { id status } userErrors { code message } } }`;
const EXIT = `mutation($input: EnrollmentExitInput!) { enrollmentExit(input: $input) { enrollment { id status exitReason exitDetail } userErrors { code message } } }`;
const SEQUENCE = `query($id: ID!) { sequence(id: $id) { id name currentVersion
  v1: version(version: 1) { version steps { position kind } }
  engagement { active paused completed exited steps { position scheduled drafted approved sent pushed replied } exitsByReason { reason count } } } }`;
const SEQUENCES = `query { sequences(first: 20) { edges { node { id name } } } }`;
const ENROLLMENTS = `query($id: ID!, $status: SequenceEnrollmentStatus) { sequenceEnrollments(sequenceId: $id, first: 50, status: $status) { edges { node {
  id status currentStep exitReason pausedUntil contact { id email } version { version }
  steps { position kind outcome scheduledFor windowEnd pushedCount pushReason draft { id status } } } } } }`;
const APPROVE = `mutation($input: DraftApproveInput!) { draftApprove(input: $input) { draft { id status } userErrors { code message } } }`;
const SEND = `mutation($input: DraftSendInput!) { draftSend(input: $input) { draft { id status } userErrors { code message } } }`;
const INGEST = `mutation($input: MessageIngestInput!) { messageIngest(input: $input) { inboundMessage { id } userErrors { code message } } }`;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function gql(token: string, query: string, variables: Record<string, unknown> = {}): Promise<{ data: Json | null; errors?: { extensions?: { code?: string } }[] }> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  return { data: (r.data ?? null) as Json | null, errors: r.errors };
}
async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await gql(token, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** An Etc/GMT zone whose local hour is `hour` right now (Etc/GMT-9 is UTC+9). */
function zoneAtLocalHour(hour: number): string {
  const utc = new Date().getUTCHours();
  for (let o = -12; o <= 14; o++) {
    if ((((utc + o) % 24) + 24) % 24 === hour) return o === 0 ? "Etc/GMT" : `Etc/GMT${o > 0 ? "-" : "+"}${Math.abs(o)}`;
  }
  throw new Error("unreachable");
}

function localClock(iso: string, timeZone: string): { minutes: number; weekday: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23", weekday: "short" }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  return { minutes: Number(parts.hour) * 60 + Number(parts.minute), weekday: parts.weekday! };
}

async function contactIn(tenant: TestTenant, email: string | null, extra: { timeZone?: string; companyCountry?: string; doNotContact?: boolean } = {}): Promise<string> {
  const id = await insertContact(t.db, tenant.tenantId, { email, firstName: email?.split("@")[0] ?? "Nomail", doNotContact: extra.doNotContact });
  if (extra.timeZone) await sql(t.db, `UPDATE "Contact" SET "timeZone" = $2 WHERE "id" = $1`, [id, extra.timeZone]);
  if (extra.companyCountry) {
    const [company] = await sql<{ id: string }>(t.db, `INSERT INTO "Company" ("id", "tenantId", "name", "country", "updatedAt") VALUES (gen_random_uuid(), $1, $2, $3, now()) RETURNING "id"`, [
      tenant.tenantId,
      `Company of ${email}`,
      extra.companyCountry,
    ]);
    await sql(t.db, `UPDATE "Contact" SET "companyId" = $2 WHERE "id" = $1`, [id, company!.id]);
  }
  return id;
}

const gid = (type: string, id: string) => encodeGlobalID(type, id);

const THREE_STEPS = [
  { kind: "EMAIL", delayAmount: 0, windowStart: "08:00", windowEnd: "11:00", brief: "Introduce our onboarding analytics and ask for a short call." },
  { kind: "TASK", delayAmount: 2, delayUnit: "BUSINESS_DAYS", taskTitle: "Call them about the intro e-mail" },
  { kind: "EMAIL", delayAmount: 3, delayUnit: "BUSINESS_DAYS", windowStart: "08:00", windowEnd: "11:00", brief: "A short follow-up with one customer result." },
];

async function stepRun(enrollmentId: string) {
  const [run] = await sql<{ id: string; outcome: string; draftId: string | null; scheduledFor: Date; windowEnd: Date; pushedCount: number; pushReason: string | null }>(
    t.db,
    `SELECT * FROM "SequenceStepRun" WHERE "enrollmentId" = $1 ORDER BY "position" DESC LIMIT 1`,
    [enrollmentId],
  );
  return run!;
}
async function draftRow(id: string) {
  const [d] = await sql<{ status: string; origin: string; originRef: string; holdReason: string | null; holdUntil: Date | null; cancelReason: string | null; createdAt: Date }>(
    t.db,
    `SELECT * FROM "Draft" WHERE "id" = $1`,
    [id],
  );
  return d!;
}
async function enrollmentRow(id: string) {
  const [e] = await sql<{ status: string; exitReason: string | null; pausedUntil: Date | null; scheduleToken: number; timeZone: string }>(t.db, `SELECT * FROM "SequenceEnrollment" WHERE "id" = $1`, [id]);
  return e!;
}
async function jobsOf(enrollmentId: string, action: string) {
  return sql<{ data: SequenceStepJob; start_after: Date; state: string }>(
    t.db,
    `SELECT data, start_after, state::text FROM pgboss.job WHERE name = 'sequence-step' AND data->>'enrollmentId' = $1 AND data->>'action' = $2 ORDER BY created_on`,
    [enrollmentId, action],
  );
}
async function drafted(enrollmentId: string) {
  return waitFor(async () => {
    const run = await stepRun(enrollmentId);
    return run.outcome === "DRAFTED" && run.draftId ? run : null;
  }, 60_000, `the step draft of ${enrollmentId}`);
}

let sequenceId: string;
const ids: Record<string, string> = {};
const enrollmentOf: Record<string, string> = {};
const zones = { early: "", open: "", tenant: "" };

beforeAll(async () => {
  t = await startOperatorApp({ workers: 1, env: { AGENT_POLL_SECONDS: "0.5" } });
  a = await createTenant(t, "seq-a");
  b = await createTenant(t, "seq-b");
  // The tenant's zone is chosen from the clock too: a fixed zone's window is open only part of the day,
  // and its step draft would then be written hours later than the tests wait.
  zones.tenant = zoneAtLocalHour(9);
  for (const tenant of [a, b]) {
    await patchSettings(t.db, tenant.tenantId, {
      general: { timeZone: zones.tenant },
      sending: { mode: "SEND_ALLOWED", mailboxes: [`sales@${tenant.slug}.example`] },
    });
  }
  zones.early = zoneAtLocalHour(4); // the 08:00 window opens in 3–4 hours
  zones.open = zoneAtLocalHour(9); // the window is open now (until 11:00)
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("sequences: create, roles, validation", () => {
  it("a MANAGER builds a three-step sequence; its version 1 holds the steps", async () => {
    const r = await ok(a.members.MANAGER.token, CREATE, { input: { name: "Onboarding intro", steps: THREE_STEPS, skipWeekends: false } });
    expect(r.sequenceCreate.userErrors).toEqual([]);
    const s = r.sequenceCreate.sequence;
    sequenceId = s.id;
    expect(s).toMatchObject({ name: "Onboarding intro", status: "ACTIVE", currentVersion: 1, version: { version: 1, skipWeekends: false } });
    expect(s.version.steps.map((x: Json) => [x.position, x.kind, x.delayAmount, x.delayUnit, x.windowStart, x.windowEnd])).toEqual([
      [0, "EMAIL", 0, "BUSINESS_DAYS", "08:00", "11:00"],
      [1, "TASK", 2, "BUSINESS_DAYS", "08:00", "11:00"],
      [2, "EMAIL", 3, "BUSINESS_DAYS", "08:00", "11:00"],
    ]);
    const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.sequence.created'`, [a.tenantId]);
    expect(events).toHaveLength(1);
    const audit = await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'sequence.created' AND "targetId" = $2`, [a.tenantId, uuidOf(s.id)]);
    expect(audit).toHaveLength(1);
  });

  it("refuses steps the draft writer or a person could not act on, with the field", async () => {
    const r = await ok(a.members.MANAGER.token, CREATE, {
      input: { name: "Broken", steps: [{ kind: "EMAIL", delayAmount: 0 }, { kind: "TASK", delayAmount: 1, windowStart: "12:00", windowEnd: "09:00" }] },
    });
    expect(r.sequenceCreate.sequence).toBeNull();
    expect(r.sequenceCreate.userErrors.map((e: Json) => [e.code, e.field.join(".")])).toEqual([
      ["VALIDATION_FAILED", "input.steps.0.brief"],
      ["VALIDATION_FAILED", "input.steps.1.windowStart"],
      ["VALIDATION_FAILED", "input.steps.1.taskTitle"],
    ]);
  });

  it("role matrix: create/edit/archive MANAGER and up, enrol OPERATOR and up, read every role", async () => {
    for (const role of ALL_ROLES) {
      const token = a.members[role].token;
      const created = await gql(token, CREATE, { input: { name: `By ${role}`, steps: [THREE_STEPS[0]] } });
      const mayManage = ["OWNER", "ADMIN", "MANAGER"].includes(role);
      if (mayManage) expect(created.data?.sequenceCreate.userErrors).toEqual([]);
      else expect(created.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const updated = await gql(token, UPDATE, { input: { sequenceId, name: "Onboarding intro" } });
      if (mayManage) expect(updated.data?.sequenceUpdate.userErrors).toEqual([]);
      else expect(updated.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const enrol = await gql(token, ENROLL, { input: { sequenceId, contactIds: [gid("Contact", "00000000-0000-4000-8000-000000000000")] } });
      if (role === "ANALYST") expect(enrol.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      else expect(enrol.data?.sequenceEnroll.results).toEqual([expect.objectContaining({ refusal: "NOT_FOUND" })]);
      const listed = await ok(token, SEQUENCES);
      expect(listed.sequences.edges.map((e: Json) => e.node.id)).toContain(sequenceId);
    }
  });
});

const uuidOf = (globalId: string) => decodeGlobalID(globalId).id;

describe("enrolment", () => {
  it("enrols who may be mailed and refuses the rest, each with its reason; steps fall in each recipient's window", async () => {
    ids.early = await contactIn(a, "early@recipient-a.example", { timeZone: zones.early });
    ids.open = await contactIn(a, "open@recipient-b.example", { timeZone: zones.open });
    ids.inferred = await contactIn(a, "berlin@recipient-c.example", { companyCountry: "DE" });
    ids.tenantZone = await contactIn(a, "chicago@recipient-d.example");
    ids.noEmail = await contactIn(a, null);
    ids.dnc = await contactIn(a, "dnc@recipient-e.example", { doNotContact: true });
    ids.suppressed = await contactIn(a, "gone@suppressed-domain.example");
    await sql(
      t.db,
      `INSERT INTO "Suppression" ("id", "tenantId", "kind", "value", "reason", "createdByType", "createdById", "createdByLabel") VALUES (gen_random_uuid(), $1, 'DOMAIN', 'suppressed-domain.example', 'MANUAL', 'USER', 'test', 'test')`,
      [a.tenantId],
    );
    ids.disqualified = await contactIn(a, "dq@recipient-f.example");
    await sql(t.db, `INSERT INTO "Lead" ("id", "tenantId", "contactId", "source", "status", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'import', 'DISQUALIFIED', now())`, [
      a.tenantId,
      ids.disqualified,
    ]);
    const foreign = await contactIn(b, "someone@tenant-b.example");
    const before = Date.now();
    const r = await ok(a.members.OPERATOR.token, ENROLL, {
      input: {
        sequenceId,
        contactIds: [ids.early, ids.open, ids.inferred, ids.tenantZone, ids.noEmail, ids.dnc, ids.suppressed, ids.disqualified, foreign].map((id) => gid("Contact", id!)).concat(["not-an-id"]),
      },
    });
    const p = r.sequenceEnroll;
    expect(p.userErrors).toEqual([]);
    expect([p.enrolledCount, p.refusedCount]).toEqual([4, 6]);
    const byContact = Object.fromEntries(p.results.map((x: Json) => [x.contactId, x]));
    const refusal = (id: string) => byContact[gid("Contact", id)].refusal;
    expect([refusal(ids.noEmail!), refusal(ids.dnc!), refusal(ids.suppressed!), refusal(ids.disqualified!), refusal(foreign)]).toEqual([
      "NO_EMAIL",
      "DO_NOT_CONTACT",
      "SUPPRESSED",
      "DISQUALIFIED",
      "NOT_FOUND",
    ]);
    expect(byContact["not-an-id"].refusal).toBe("NOT_FOUND");
    expect(byContact[gid("Contact", ids.noEmail!)].message).toMatch(/no e-mail/);

    const expectZones: Record<string, [string, string]> = {
      early: [zones.early, "CONTACT"],
      open: [zones.open, "CONTACT"],
      inferred: ["Europe/Berlin", "INFERRED"],
      tenantZone: [zones.tenant, "TENANT"],
    };
    for (const [key, [zone, source]] of Object.entries(expectZones)) {
      const result = byContact[gid("Contact", ids[key]!)];
      expect(result.refusal).toBeNull();
      expect(result.enrollment).toMatchObject({ status: "ACTIVE", timeZone: zone, timeZoneSource: source, version: { version: 1 } });
      enrollmentOf[key] = uuidOf(result.enrollment.id);
      // Step one is due inside the recipient's 08:00–11:00, in their zone.
      const local = localClock(result.firstStepAt, zone);
      expect(local.minutes).toBeGreaterThanOrEqual(8 * 60);
      expect(local.minutes).toBeLessThan(11 * 60);
      expect(Date.parse(result.firstStepAt)).toBeGreaterThanOrEqual(before - 1000);
    }
    // The open window: now. The early one: today's 08:00 in their zone, hours ahead.
    expect(Date.parse(byContact[gid("Contact", ids.open!)].firstStepAt) - before).toBeLessThan(60_000);
    const early = Date.parse(byContact[gid("Contact", ids.early!)].firstStepAt);
    expect(early - before).toBeGreaterThan(2.9 * 3600_000);
    expect(early - before).toBeLessThan(4.1 * 3600_000);
    expect(localClock(new Date(early).toISOString(), zones.early).minutes).toBe(8 * 60);

    const events = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.sequence.enrolled'`, [a.tenantId]);
    expect(events.map((e) => e.payload.contactId).sort()).toEqual([ids.early, ids.open, ids.inferred, ids.tenantZone].sort());
  });

  it("a contact already in the sequence is refused ALREADY_ENROLLED", async () => {
    const r = await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId, contactIds: [gid("Contact", ids.early!)] } });
    expect(r.sequenceEnroll.results[0]).toMatchObject({ refusal: "ALREADY_ENROLLED", enrollment: null });
  });

  it("each step is a pg-boss job due at its time: an e-mail step's draft is prepared ahead of the window", async () => {
    const [job] = await jobsOf(enrollmentOf.early!, "RUN");
    expect(job).toBeDefined();
    const run = await stepRun(enrollmentOf.early!);
    // Lead time 18 h (default) before a window 3–4 h ahead: prepared now, not at the window.
    expect(job!.start_after.getTime()).toBeLessThan(run.scheduledFor.getTime() - 2 * 3600_000);
  });
});

// Its tests wait up to 60 s for a step draft (drafted()): the test's own budget must be longer than that wait.
describe("step one: drafted ahead, approved, sent only in the recipient's window", { timeout: 90_000 }, () => {
  it("the step-one drafts wait in the review queue (origin SEQUENCE), written before the window opens", async () => {
    for (const key of ["early", "open"]) {
      const run = await drafted(enrollmentOf[key]!);
      const draft = await draftRow(run.draftId!);
      expect(draft).toMatchObject({ status: "PENDING_REVIEW", origin: "SEQUENCE", originRef: run.id });
      if (key === "early") expect(draft.createdAt.getTime()).toBeLessThan(run.scheduledFor.getTime());
      // Checked at the window's end (plus a grace of five minutes).
      const [check] = await jobsOf(enrollmentOf[key]!, "CHECK");
      expect(check!.start_after.getTime()).toBe(run.windowEnd.getTime() + 5 * 60_000);
    }
    const events = await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.sequence.step_drafted'`, [a.tenantId]);
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  it("approved and sent: the open window's draft goes out; the early one is held until its recipient's 08:00", async () => {
    const op = a.members.OPERATOR.token;
    const runs = { early: await stepRun(enrollmentOf.early!), open: await stepRun(enrollmentOf.open!) };
    for (const run of Object.values(runs)) {
      const d = gid("Draft", run.draftId!);
      expect((await ok(op, APPROVE, { input: { draftId: d } })).draftApprove.userErrors).toEqual([]);
      expect((await ok(op, SEND, { input: { draftId: d } })).draftSend.userErrors).toEqual([]);
    }
    await waitFor(async () => (await draftRow(runs.open.draftId!)).status === "SENT", 30_000, "the open-window draft sent");
    const held = await waitFor(async () => {
      const d = await draftRow(runs.early.draftId!);
      return d.holdUntil ? d : null;
    }, 30_000, "the early draft held");
    expect(held.status).toBe("QUEUED");
    expect(held.holdReason).toMatch(/send window/);
    expect(held.holdUntil!.getTime()).toBe(runs.early.scheduledFor.getTime());
    const sent = await sql<{ draftId: string }>(t.db, `SELECT "draftId" FROM "OutboxMessage" WHERE "tenantId" = $1`, [a.tenantId]);
    expect(sent.map((m) => m.draftId)).toEqual([runs.open.draftId]);
  });

  it("a draft not approved by the window's end waits for the next window (the CHECK job, run at that time)", async () => {
    const run = await drafted(enrollmentOf.tenantZone!);
    const [check] = await jobsOf(enrollmentOf.tenantZone!, "CHECK");
    const at = new Date(run.windowEnd.getTime() + 5 * 60_000 + 1000);
    const result = await runSequenceStep(t.app.services, check!.data, at);
    expect(result.outcome).toBe("pushed");
    const pushed = await stepRun(enrollmentOf.tenantZone!);
    expect(pushed.pushedCount).toBe(1);
    expect(pushed.pushReason).toMatch(/Not approved by the end of the window/);
    // The next 08:00 in the tenant's zone after the old window's end.
    expect(pushed.scheduledFor.getTime()).toBeGreaterThan(run.windowEnd.getTime());
    expect(localClock(pushed.scheduledFor.toISOString(), zones.tenant).minutes).toBe(8 * 60);
    expect(pushed.scheduledFor.getTime() - run.scheduledFor.getTime()).toBeLessThanOrEqual(25 * 3600_000);
    // Running the same job again does nothing (the step moved; a new CHECK is due at the new window's end).
    const checks = await jobsOf(enrollmentOf.tenantZone!, "CHECK");
    expect(checks.map((c) => c.start_after.getTime())).toContain(pushed.windowEnd.getTime() + 5 * 60_000);
  });
});

describe("auto-exit and pause from inbound mail", () => {
  it("a reply while the step draft awaits approval: the draft is cancelled, not sent, and the enrolment exits REPLIED", async () => {
    const replier = await contactIn(a, "replier@recipient-g.example", { timeZone: zones.early });
    const r = await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId, contactIds: [gid("Contact", replier)] } });
    const enrollmentId = uuidOf(r.sequenceEnroll.results[0].enrollment.id);
    const run = await drafted(enrollmentId);
    expect((await draftRow(run.draftId!)).status).toBe("PENDING_REVIEW");
    const ingested = await ok(a.members.OPERATOR.token, INGEST, {
      input: { message: { from: "replier@recipient-g.example", subject: "Re: onboarding analytics", text: "Thanks for reaching out. What would this cost for a team of 40?" } },
    });
    expect(ingested.messageIngest.userErrors).toEqual([]);
    const exited = await waitFor(async () => {
      const e = await enrollmentRow(enrollmentId);
      return e.status === "EXITED" ? e : null;
    }, 60_000, "the enrolment to exit");
    expect(exited.exitReason).toBe("REPLIED");
    const draft = await draftRow(run.draftId!);
    expect(draft.status).toBe("CANCELLED");
    expect(draft.cancelReason).toMatch(/sequence enrolment ended \(REPLIED\)/);
    expect((await stepRun(enrollmentId)).outcome).toBe("CANCELLED");
    const [event] = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.sequence.enrollment_exited' AND payload->>'enrollmentId' = $2`, [
      a.tenantId,
      enrollmentId,
    ]);
    expect(event!.payload).toMatchObject({ reason: "REPLIED", cancelledDraftIds: [run.draftId] });
    // The old step job, should it run now, does nothing.
    const [job] = await jobsOf(enrollmentId, "CHECK");
    expect((await runSequenceStep(t.app.services, job!.data)).outcome).toBe("skipped");
  });

  it("an out-of-office pauses until the return date, and the resume job resumes it then", async () => {
    const away = await contactIn(a, "away@recipient-h.example", { timeZone: "Europe/Berlin" });
    const r = await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId, contactIds: [gid("Contact", away)] } });
    const enrollmentId = uuidOf(r.sequenceEnroll.results[0].enrollment.id);
    const run = await drafted(enrollmentId);
    const back = new Date(Date.now() + 10 * 86_400_000);
    const backDay = back.toISOString().slice(0, 10);
    const said = back.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
    await ok(a.members.OPERATOR.token, INGEST, {
      input: {
        message: {
          from: "away@recipient-h.example",
          subject: "Automatic reply: onboarding analytics",
          text: `Thank you for your message. I am out of the office until ${said} with limited access to e-mail.`,
          headers: [{ name: "Auto-Submitted", value: "auto-replied" }],
        },
      },
    });
    const paused = await waitFor(async () => {
      const e = await enrollmentRow(enrollmentId);
      return e.status === "PAUSED" ? e : null;
    }, 60_000, "the enrolment to pause");
    // Until the start of the return date in the recipient's zone.
    expect(localClock(paused.pausedUntil!.toISOString(), "Europe/Berlin").minutes).toBe(0);
    expect(new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin" }).format(paused.pausedUntil!)).toBe(backDay);
    // The step draft stays in review, but its send time moved past the return.
    const moved = await stepRun(enrollmentId);
    expect(moved.draftId).toBe(run.draftId);
    expect((await draftRow(run.draftId!)).status).toBe("PENDING_REVIEW");
    expect(moved.scheduledFor.getTime()).toBeGreaterThanOrEqual(paused.pausedUntil!.getTime());
    const [resume] = await jobsOf(enrollmentId, "RESUME");
    expect(resume!.start_after.getTime()).toBe(paused.pausedUntil!.getTime());
    expect((await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "type" = 'sales.sequence.enrollment_paused' AND payload->>'enrollmentId' = $1`, [enrollmentId])).length).toBe(1);

    // The resume job, run when it is due.
    const result = await runSequenceStep(t.app.services, resume!.data, new Date(paused.pausedUntil!.getTime() + 1000));
    expect(result.outcome).toBe("resumed");
    expect(await enrollmentRow(enrollmentId)).toMatchObject({ status: "ACTIVE", pausedUntil: null });
    const after = await stepRun(enrollmentId);
    expect(localClock(after.scheduledFor.toISOString(), "Europe/Berlin").minutes).toBe(8 * 60);
    expect(after.scheduledFor.getTime()).toBeGreaterThan(paused.pausedUntil!.getTime());
    // The draft is checked at the new window's end; the old CHECK job is stale.
    const checks = await jobsOf(enrollmentId, "CHECK");
    expect(checks.map((c) => c.start_after.getTime())).toContain(after.windowEnd.getTime() + 5 * 60_000);
    expect((await runSequenceStep(t.app.services, checks[0]!.data)).outcome).toBe("skipped");
  });

  it("the unsubscribe link ends the enrolment at once (UNSUBSCRIBED) and cancels the pending step draft", async () => {
    const leaver = await contactIn(a, "leaver@recipient-k.example", { timeZone: zones.early });
    const r = await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId, contactIds: [gid("Contact", leaver)] } });
    const enrollmentId = uuidOf(r.sequenceEnroll.results[0].enrollment.id);
    const run = await drafted(enrollmentId);
    const link = unsubscribeUrl(t.app.services.mail, signUnsubscribeToken(t.app.services.mail.unsubscribeSecret, { tenantId: a.tenantId, email: "leaver@recipient-k.example" }))!;
    const res = await fetch(link, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(res.status).toBe(200);
    expect(await enrollmentRow(enrollmentId)).toMatchObject({ status: "EXITED", exitReason: "UNSUBSCRIBED" });
    expect((await draftRow(run.draftId!)).status).toBe("CANCELLED");
  });

  it("a person pauses, resumes and ends an enrolment; the pending draft is cancelled on exit", async () => {
    const op = a.members.OPERATOR.token;
    const id = gid("SequenceEnrollment", enrollmentOf.inferred!);
    const run = await drafted(enrollmentOf.inferred!);
    const paused = await ok(op, PAUSE, { input: { enrollmentId: id, reason: "Waiting for their budget" } });
    expect(paused.enrollmentPause.enrollment).toMatchObject({ status: "PAUSED", pausedUntil: null, pauseReason: "Waiting for their budget" });
    expect((await ok(op, PAUSE, { input: { enrollmentId: id } })).enrollmentPause.userErrors[0].code).toBe("INVALID_TRANSITION");
    expect((await ok(op, RESUME, { input: { enrollmentId: id } })).enrollmentResume.enrollment.status).toBe("ACTIVE");
    expect((await ok(op, RESUME, { input: { enrollmentId: id } })).enrollmentResume.userErrors[0].code).toBe("INVALID_TRANSITION");
    const exited = await ok(op, EXIT, { input: { enrollmentId: id, reason: "Spoke on the phone" } });
    expect(exited.enrollmentExit.enrollment).toMatchObject({ status: "EXITED", exitReason: "MANUAL", exitDetail: "Spoke on the phone" });
    expect((await draftRow(run.draftId!)).status).toBe("CANCELLED");
    expect((await gql(a.members.ANALYST.token, PAUSE, { input: { enrollmentId: gid("SequenceEnrollment", enrollmentOf.open!) } })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("versions, engagement, archive", () => {
  it("editing the steps makes version 2; enrolments in flight stay on version 1 and the payload says how many", async () => {
    const live = (await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "SequenceEnrollment" WHERE "tenantId" = $1 AND "live"`, [a.tenantId]))[0]!.n;
    const r = await ok(a.members.MANAGER.token, UPDATE, { input: { sequenceId, steps: THREE_STEPS.slice(0, 2) } });
    expect(r.sequenceUpdate).toMatchObject({ newVersion: true, enrollmentsOnEarlierVersions: live, sequence: { currentVersion: 2 }, userErrors: [] });
    const renamed = await ok(a.members.MANAGER.token, UPDATE, { input: { sequenceId, name: "Onboarding intro (v2)" } });
    expect(renamed.sequenceUpdate).toMatchObject({ newVersion: false, sequence: { currentVersion: 2 } });
    const newcomer = await contactIn(a, "newcomer@recipient-i.example");
    const e = await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId, contactIds: [gid("Contact", newcomer)] } });
    expect(e.sequenceEnroll.results[0].enrollment.version.version).toBe(2);
    const list = await ok(a.members.ANALYST.token, ENROLLMENTS, { id: sequenceId });
    const versions = list.sequenceEnrollments.edges.map((x: Json) => x.node.version.version);
    expect(versions.filter((v: number) => v === 1)).toHaveLength(7);
    expect(versions.filter((v: number) => v === 2)).toHaveLength(1);
    const s = await ok(a.members.ANALYST.token, SEQUENCE, { id: sequenceId });
    expect(s.sequence.v1.steps).toHaveLength(3);
  });

  it("engagement per step and exits by reason", async () => {
    const s = (await ok(a.members.ANALYST.token, SEQUENCE, { id: sequenceId })).sequence;
    const one = s.engagement.steps.find((x: Json) => x.position === 0);
    expect(one.drafted).toBeGreaterThanOrEqual(7);
    expect(one.approved).toBe(2);
    expect(one.sent).toBe(1);
    expect(one.pushed).toBe(1);
    expect(one.replied).toBe(1);
    expect(s.engagement.exitsByReason).toEqual(expect.arrayContaining([{ reason: "REPLIED", count: 1 }, { reason: "MANUAL", count: 1 }, { reason: "UNSUBSCRIBED", count: 1 }]));
    expect(s.engagement.exited).toBe(3);
    expect(s.engagement.active + s.engagement.paused).toBeGreaterThanOrEqual(4);
  });

  it("archived: no new enrolments, and no edits", async () => {
    const r = await ok(a.members.MANAGER.token, ARCHIVE, { input: { sequenceId } });
    expect(r.sequenceArchive.sequence.status).toBe("ARCHIVED");
    const late = await contactIn(a, "late@recipient-j.example");
    const e = await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId, contactIds: [gid("Contact", late)] } });
    expect(e.sequenceEnroll.userErrors[0].code).toBe("CONFLICT");
    const u = await ok(a.members.MANAGER.token, UPDATE, { input: { sequenceId, steps: THREE_STEPS } });
    expect(u.sequenceUpdate.userErrors[0].code).toBe("CONFLICT");
  });
});

describe("tenants are kept apart", () => {
  it("another tenant sees none of it and can touch none of it", async () => {
    const bOwner = b.members.OWNER.token;
    expect((await ok(bOwner, SEQUENCE, { id: sequenceId })).sequence).toBeNull();
    expect((await ok(bOwner, SEQUENCES)).sequences.edges.map((e: Json) => e.node.name)).not.toContain("Onboarding intro (v2)");
    expect((await ok(bOwner, ENROLLMENTS, { id: sequenceId })).sequenceEnrollments.edges).toEqual([]);
    const enrol = await ok(bOwner, ENROLL, { input: { sequenceId, contactIds: [gid("Contact", ids.open!)] } });
    expect(enrol.sequenceEnroll.userErrors).toEqual([expect.objectContaining({ code: "NOT_FOUND", field: ["input", "sequenceId"] })]);
    const upd = await ok(bOwner, UPDATE, { input: { sequenceId, name: "Hijacked" } });
    expect(upd.sequenceUpdate.userErrors[0].code).toBe("NOT_FOUND");
    const arch = await ok(bOwner, ARCHIVE, { input: { sequenceId } });
    expect(arch.sequenceArchive.userErrors[0].code).toBe("NOT_FOUND");
    for (const [q, field] of [
      [PAUSE, "enrollmentPause"],
      [RESUME, "enrollmentResume"],
      [EXIT, "enrollmentExit"],
    ] as const) {
      const r = await ok(bOwner, q, { input: { enrollmentId: gid("SequenceEnrollment", enrollmentOf.open!) } });
      expect(r[field].userErrors[0].code).toBe("NOT_FOUND");
    }
    // B's own sequence cannot take A's contacts.
    const own = await ok(b.members.MANAGER.token, CREATE, { input: { name: "B's", steps: [THREE_STEPS[0]] } });
    const cross = await ok(bOwner, ENROLL, { input: { sequenceId: own.sequenceCreate.sequence.id, contactIds: [gid("Contact", ids.open!)] } });
    expect(cross.sequenceEnroll.results[0].refusal).toBe("NOT_FOUND");
    expect(await enrollmentRow(enrollmentOf.open!)).toMatchObject({ status: "ACTIVE" });
  });
});
