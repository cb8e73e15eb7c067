// Sequences, issue 12's second part, over the real service (GraphQL over
// HTTP, real database, the real pg-boss workers and the local AI provider):
// a reply's intent branches the cadence — a meeting request exits
// MEETING_REQUESTED and has a reply draft written, an objection exits
// OBJECTION with an objection-handling reply draft, "not interested" exits
// with no more mail — each with the pending step draft cancelled (even with
// the tenant's automatic reply drafts off: the branch asks for its draft); a
// deal stage change exits the deal's contacts; the quota planner pushes a
// first step past a full mailbox day and says why; an A/B step gives each
// enrolment its deterministic variant and writes that variant's draft.
// Another tenant's enrolment of the same address is untouched.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assignVariant } from "../../../src/domain/sequence/sequence-variant.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { graphql } from "../../generated/gql/index.js";
import { execute, subscribe } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";

const CREATE = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) {
  sequence { id version { steps { position kind brief variants { key brief weight } } } } userErrors { code field message } } }`;
const ENROLL = `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) {
  results { contactId refusal firstStepAt pushReason enrollment { id } } userErrors { code message } } }`;
const INGEST = `mutation($input: MessageIngestInput!) { messageIngest(input: $input) { inboundMessage { id } userErrors { code message } } }`;
const DEAL_CREATE = `mutation($input: DealCreateInput!) { dealCreate(input: $input) { deal { id stage } userErrors { code message } } }`;
const DEAL_PROGRESS = `mutation($input: DealProgressInput!) { dealProgress(input: $input) { deal { id stage } userErrors { code message } } }`;
const ENGAGEMENT = `query($id: ID!) { sequence(id: $id) { engagement { exitsByReason { reason count } steps { position replied variants { variant sent } abTest { winner reason } } } } }`;

const SequenceEvents = graphql(`
  subscription SequenceProgressEvents($types: [String!], $sequenceId: ID) {
    events(types: $types, sequenceId: $sequenceId) { type payload }
  }
`);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let c: TestTenant;
const gid = (type: string, id: string) => encodeGlobalID(type, id);
const uuidOf = (globalId: string) => decodeGlobalID(globalId).id;

async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as Json;
}

/** An Etc/GMT zone whose local hour is `hour` right now: its 08:00 window opens in a few hours. */
function zoneAtLocalHour(hour: number): string {
  const utc = new Date().getUTCHours();
  for (let o = -12; o <= 14; o++) {
    if ((((utc + o) % 24) + 24) % 24 === hour) return o === 0 ? "Etc/GMT" : `Etc/GMT${o > 0 ? "-" : "+"}${Math.abs(o)}`;
  }
  throw new Error("unreachable");
}

async function contactIn(tenant: TestTenant, email: string, timeZone: string): Promise<string> {
  const id = await insertContact(t.db, tenant.tenantId, { email, firstName: email.split("@")[0] });
  await sql(t.db, `UPDATE "Contact" SET "timeZone" = $2 WHERE "id" = $1`, [id, timeZone]);
  return id;
}

async function newSequence(tenant: TestTenant, name: string, steps: Json[]): Promise<string> {
  const r = await ok(tenant.members.MANAGER.token, CREATE, { input: { name, steps, skipWeekends: false } });
  expect(r.sequenceCreate.userErrors).toEqual([]);
  return r.sequenceCreate.sequence.id;
}

async function enrol(tenant: TestTenant, sequenceId: string, contactIds: string[]): Promise<Json[]> {
  const r = await ok(tenant.members.OPERATOR.token, ENROLL, { input: { sequenceId, contactIds: contactIds.map((id) => gid("Contact", id)) } });
  expect(r.sequenceEnroll.userErrors).toEqual([]);
  return r.sequenceEnroll.results;
}

async function stepRun(enrollmentId: string) {
  const [run] = await sql<{ id: string; outcome: string; draftId: string | null; variant: string | null; pushReason: string | null }>(
    t.db,
    `SELECT * FROM "SequenceStepRun" WHERE "enrollmentId" = $1 ORDER BY "position" DESC LIMIT 1`,
    [enrollmentId],
  );
  return run!;
}
const drafted = (enrollmentId: string) =>
  waitFor(async () => {
    const run = await stepRun(enrollmentId);
    return run.outcome === "DRAFTED" && run.draftId ? run : null;
  }, 90_000, `the step draft of ${enrollmentId}`);
const exited = (enrollmentId: string) =>
  waitFor(async () => {
    const [e] = await sql<{ status: string; exitReason: string; exitIntent: string | null }>(t.db, `SELECT * FROM "SequenceEnrollment" WHERE "id" = $1`, [enrollmentId]);
    return e!.status === "EXITED" ? e! : null;
  }, 90_000, `the enrolment ${enrollmentId} to exit`);
async function draftStatus(id: string): Promise<string> {
  return (await sql<{ status: string }>(t.db, `SELECT "status" FROM "Draft" WHERE "id" = $1`, [id]))[0]!.status;
}

const STEPS = [
  { kind: "EMAIL", delayAmount: 0, windowStart: "08:00", windowEnd: "11:00", brief: "Introduce our onboarding analytics and ask for a short call." },
  { kind: "EMAIL", delayAmount: 3, brief: "A short follow-up with one customer result." },
];
let early: string;

beforeAll(async () => {
  t = await startOperatorApp({ workers: 1, env: { AGENT_POLL_SECONDS: "0.5" } });
  a = await createTenant(t, "seqbr-a");
  b = await createTenant(t, "seqbr-b");
  c = await createTenant(t, "seqbr-c");
  for (const tenant of [a, b, c]) {
    await patchSettings(t.db, tenant.tenantId, {
      general: { timeZone: "Europe/Berlin" },
      sending: { mode: "SEND_ALLOWED", mailboxes: [`sales@${tenant.slug}.example`] },
      // Automatic reply drafts off: a branch's reply draft is the sequence's doing.
      agents: { draftReplies: false },
    });
  }
  early = zoneAtLocalHour(4);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("a reply's intent branches the cadence", () => {
  it("meeting request → MEETING_REQUESTED and a reply draft; objection → OBJECTION and a reply draft; not interested → exit, no more mail", async () => {
    const sequenceId = await newSequence(a, "Branching", STEPS);
    const people = {
      meet: await contactIn(a, "meet@branch-a.example", early),
      objector: await contactIn(a, "objector@branch-b.example", early),
      decliner: await contactIn(a, "decliner@branch-c.example", early),
    };
    // Tenant B enrols the same address: A's reply must not touch it.
    const bSequence = await newSequence(b, "B's", STEPS);
    const bContact = await contactIn(b, "meet@branch-a.example", early);
    const bEnrollment = uuidOf((await enrol(b, bSequence, [bContact]))[0]!.enrollment.id);

    const results = await enrol(a, sequenceId, Object.values(people));
    const enrollmentOf = Object.fromEntries(Object.keys(people).map((k, i) => [k, uuidOf(results[i]!.enrollment.id)])) as Record<keyof typeof people, string>;
    const runs = Object.fromEntries(await Promise.all(Object.entries(enrollmentOf).map(async ([k, id]) => [k, await drafted(id)]))) as Record<keyof typeof people, { draftId: string | null }>;

    const says = {
      meet: "Thanks. Could we set up a call on Tuesday at 10am to go through it?",
      objector: "Honestly this is too expensive for us, we have no budget for new tools this year.",
      decliner: "No thanks, we are not interested.",
    };
    for (const [k, text] of Object.entries(says)) {
      const r = await ok(a.members.OPERATOR.token, INGEST, { input: { message: { from: `${k}@branch-${k === "meet" ? "a" : k === "objector" ? "b" : "c"}.example`, subject: "Re: onboarding analytics", text } } });
      expect(r.messageIngest.userErrors).toEqual([]);
    }

    const expected = { meet: ["MEETING_REQUESTED", "MEETING_SLOT_REPLY"], objector: ["OBJECTION", "OBJECTION_REPLY"], decliner: ["NOT_INTERESTED", null] } as const;
    for (const [k, [reason, branch]] of Object.entries(expected) as Array<[keyof typeof people, readonly [string, string | null]]>) {
      const e = await exited(enrollmentOf[k]);
      expect(e.exitReason).toBe(reason);
      // The step draft that waited for approval is cancelled, never sent.
      expect(await draftStatus(runs[k].draftId!)).toBe("CANCELLED");
      const [event] = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "type" = 'sales.sequence.enrollment_exited' AND payload->>'enrollmentId' = $1`, [enrollmentOf[k]]);
      expect(event!.payload).toMatchObject({ reason, branch, cancelledDraftIds: [runs[k].draftId] });
    }

    // The branches' reply drafts: written by the draft writer for the contact, waiting for review.
    for (const k of ["meet", "objector"] as const) {
      const reply = await waitFor(async () => {
        const rows = await sql<{ id: string; status: string; origin: string }>(t.db, `SELECT "id", "status", "origin" FROM "Draft" WHERE "contactId" = $1 AND "origin" = 'AGENT'`, [people[k]]);
        return rows[0] ?? null;
      }, 120_000, `the ${k} reply draft`);
      expect(["PENDING_REVIEW", "BLOCKED"]).toContain(reply.status);
      const [writer] = await sql<{ input: Json }>(t.db, `SELECT "input" FROM "AgentRun" WHERE "tenantId" = $1 AND "agent" = 'draft-writer' AND "input"->>'contactId' = $2`, [a.tenantId, people[k]]);
      expect(writer!.input.sequenceBranch).toBe(expected[k][1]);
      const [branched] = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "type" = 'sales.sequence.branched' AND payload->>'contactId' = $1`, [people[k]]);
      expect(branched!.payload).toMatchObject({ branch: expected[k][1], enrollmentIds: [enrollmentOf[k]], draftReply: true });
    }
    // Not interested: no reply draft, no more mail (draftReplies is off and the branch asks for none).
    await new Promise((r) => setTimeout(r, 3000));
    expect(await sql(t.db, `SELECT 1 FROM "Draft" WHERE "contactId" = $1 AND "origin" = 'AGENT'`, [people.decliner])).toEqual([]);
    expect(await sql(t.db, `SELECT 1 FROM "SequenceStepRun" WHERE "enrollmentId" = $1 AND "outcome" IN ('SCHEDULED', 'DRAFTED')`, [enrollmentOf.decliner])).toEqual([]);

    const engagement = (await ok(a.members.ANALYST.token, ENGAGEMENT, { id: sequenceId })).sequence.engagement;
    expect(engagement.exitsByReason).toEqual(expect.arrayContaining([{ reason: "MEETING_REQUESTED", count: 1 }, { reason: "OBJECTION", count: 1 }, { reason: "NOT_INTERESTED", count: 1 }]));
    expect(engagement.steps.find((s: Json) => s.position === 0).replied).toBe(3);

    // Tenant B's enrolment of the same address goes on.
    expect((await sql<{ status: string }>(t.db, `SELECT "status" FROM "SequenceEnrollment" WHERE "id" = $1`, [bEnrollment]))[0]!.status).toBe("ACTIVE");
  }, 400_000);
});

describe("exits from outside the mail", () => {
  it("a deal the contact is on changes stage: DEAL_STAGE_CHANGED, the step draft cancelled, evented", async () => {
    const sequenceId = await newSequence(a, "Deal exit", STEPS);
    const buyer = await contactIn(a, "buyer@deal-a.example", early);
    const bystander = await contactIn(a, "bystander@deal-a.example", early);
    const [one, two] = await enrol(a, sequenceId, [buyer, bystander]);
    const enrollmentId = uuidOf(one!.enrollment.id);
    const run = await drafted(enrollmentId);
    const deal = await ok(a.members.MANAGER.token, DEAL_CREATE, { input: { name: "Deal A", amount: 1000, currency: "USD", contactIds: [gid("Contact", buyer)] } });
    expect(deal.dealCreate.userErrors).toEqual([]);
    // Tenant B cannot move it (and so ends nothing).
    const foreign = await ok(b.members.OWNER.token, DEAL_PROGRESS, { input: { dealId: deal.dealCreate.deal.id, stage: "discovery" } });
    expect(foreign.dealProgress.userErrors[0].code).toBe("NOT_FOUND");
    expect((await sql<{ status: string }>(t.db, `SELECT "status" FROM "SequenceEnrollment" WHERE "id" = $1`, [enrollmentId]))[0]!.status).toBe("ACTIVE");

    const moved = await ok(a.members.MANAGER.token, DEAL_PROGRESS, { input: { dealId: deal.dealCreate.deal.id, stage: "discovery" } });
    expect(moved.dealProgress.userErrors).toEqual([]);
    const e = await exited(enrollmentId);
    expect(e.exitReason).toBe("DEAL_STAGE_CHANGED");
    expect(await draftStatus(run.draftId!)).toBe("CANCELLED");
    const [event] = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "type" = 'sales.sequence.enrollment_exited' AND payload->>'enrollmentId' = $1`, [enrollmentId]);
    expect(event!.payload).toMatchObject({ reason: "DEAL_STAGE_CHANGED", cancelledDraftIds: [run.draftId] });
    // A contact not on the deal stays enrolled.
    expect((await sql<{ status: string }>(t.db, `SELECT "status" FROM "SequenceEnrollment" WHERE "id" = $1`, [uuidOf(two!.enrollment.id)]))[0]!.status).toBe("ACTIVE");
  }, 200_000);
});

describe("quota planning and A/B variants", () => {
  it("a full mailbox day pushes the next first step to the next day's window, with the reason", async () => {
    await patchSettings(t.db, c.tenantId, { quotas: { mailbox: { limit: 2, windowHours: 24 } } });
    const sequenceId = await newSequence(c, "Quota", [STEPS[0]!]);
    const ids = [await contactIn(c, "q1@quota.example", "Europe/Berlin"), await contactIn(c, "q2@quota.example", "Europe/Berlin"), await contactIn(c, "q3@quota.example", "Europe/Berlin")];
    const results = await enrol(c, sequenceId, ids);
    const at = results.map((r) => Date.parse(r.firstStepAt));
    expect(results.slice(0, 2).map((r) => r.pushReason)).toEqual([null, null]);
    expect(results[2]!.pushReason).toMatch(/sender mailbox sales@seqbr-c[^ ]*\.example limit \(2 per 24 h\) would be exceeded/);
    // The next send day's window, a day or more after the first two.
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(20 * 3600_000);
    const run = await stepRun(uuidOf(results[2]!.enrollment.id));
    expect(run.pushReason).toBe(results[2]!.pushReason);
    const [event] = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "type" = 'sales.sequence.enrolled' AND payload->>'contactId' = $1`, [ids[2]]);
    expect(event!.payload.pushReason).toBe(results[2]!.pushReason);
  });

  it("an A/B step: each enrolment gets its deterministic variant, whose brief the draft is written from; variants are validated", async () => {
    const bad = await ok(a.members.MANAGER.token, CREATE, {
      input: { name: "Bad AB", steps: [{ kind: "TASK", delayAmount: 0, taskTitle: "Call", variants: [{ brief: "x" }, { brief: "y" }] }] },
    });
    expect(bad.sequenceCreate.userErrors.map((e: Json) => e.field.join("."))).toEqual(["input.steps.0.variants"]);
    const one = await ok(a.members.MANAGER.token, CREATE, { input: { name: "Bad AB 2", steps: [{ kind: "EMAIL", delayAmount: 0, variants: [{ brief: "only one" }] }] } });
    expect(one.sequenceCreate.userErrors[0].message).toMatch(/exactly two variants/);

    const variants = [
      { brief: "Variant A: open with the onboarding benchmark.", weight: 1 },
      { brief: "Variant B: open with a question about their churn.", weight: 1 },
    ];
    const created = await ok(a.members.MANAGER.token, CREATE, { input: { name: "AB", steps: [{ kind: "EMAIL", delayAmount: 0, variants }], skipWeekends: false } });
    expect(created.sequenceCreate.userErrors).toEqual([]);
    const step = created.sequenceCreate.sequence.version.steps[0];
    expect(step.variants).toEqual([
      { key: "A", brief: variants[0]!.brief, weight: 1 },
      { key: "B", brief: variants[1]!.brief, weight: 1 },
    ]);
    expect(step.brief).toBe(variants[0]!.brief);
    const ids = await Promise.all([1, 2, 3, 4].map((i) => contactIn(a, `ab${i}@ab.example`, early)));
    const results = await enrol(a, created.sequenceCreate.sequence.id, ids);
    for (const r of results) {
      const enrollmentId = uuidOf(r.enrollment.id);
      const run = await drafted(enrollmentId);
      expect(run.variant).toBe(assignVariant([{ key: "A", weight: 1 }, { key: "B", weight: 1 }], enrollmentId, 0).key);
      const [ev] = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "type" = 'sales.sequence.step_drafted' AND payload->>'enrollmentId' = $1`, [enrollmentId]);
      expect(ev!.payload.variant).toBe(run.variant);
    }
    // Nothing sent yet: no variant rows, no verdict.
    const engagement = (await ok(a.members.ANALYST.token, ENGAGEMENT, { id: created.sequenceCreate.sequence.id })).sequence.engagement;
    expect(engagement.steps[0]).toMatchObject({ variants: [], abTest: null });
  }, 300_000);
});

describe("subscriptions for enrolment progress", () => {
  it("events(types: [\"sales.sequence.*\"], sequenceId) delivers only that sequence's events", async () => {
    const task = [{ kind: "TASK", delayAmount: 0, taskTitle: "Call them" }];
    const watched = await newSequence(c, "Watched", task);
    const other = await newSequence(c, "Other", task);
    const sub = await subscribe(t.wsUrl, SequenceEvents, { types: ["sales.sequence.*"], sequenceId: watched }, { Authorization: `Bearer ${c.members.OPERATOR.token}` });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      await enrol(c, other, [await contactIn(c, "other@sub.example", "Europe/Berlin")]);
      const contact = await contactIn(c, "watched@sub.example", "Europe/Berlin");
      await enrol(c, watched, [contact]);
      const first = await sub.next();
      expect(first.events).toMatchObject({ type: "sales.sequence.enrolled", payload: { sequenceId: uuidOf(watched), contactId: contact } });
      await new Promise((r) => setTimeout(r, 2000));
      expect(sub.received.every((e) => (e.events.payload as Json).sequenceId === uuidOf(watched))).toBe(true);
    } finally {
      await sub.close();
    }
  }, 120_000);
});

describe("triggers", () => {
  it("an accepted recommendation of a mapped tool enrols its contact (refusals as in sequenceEnroll); another tenant's mapping does nothing here", async () => {
    const sequenceId = await newSequence(c, "On follow-up accepted", [{ kind: "TASK", delayAmount: 0, taskTitle: "Call them" }]);
    await patchSettings(t.db, c.tenantId, { sequences: { onRecommendationAccepted: { scheduleFollowUp: uuidOf(sequenceId) } } });
    const contact = await contactIn(c, "accepted@trigger.example", "Europe/Berlin");
    const rec = async () =>
      (
        await sql<{ id: string }>(
          t.db,
          `INSERT INTO "Recommendation" ("id", "tenantId", "contactId", "tool", "title", "params", "rationale", "confidence", "factsUsed", "rank", "expiresAt", "audienceRole", "provider", "updatedAt")
           VALUES (gen_random_uuid(), $1, $2, 'scheduleFollowUp', 'Call back', $3::jsonb, 'They asked for a call', 0.8, '{}', 1, now() + interval '2 days', 'OPERATOR', 'local', now()) RETURNING "id"`,
          [c.tenantId, contact, JSON.stringify({ dueAt: new Date(Date.now() + 86_400_000).toISOString(), title: "Call back", reason: null })],
        )
      )[0]!.id;
    const ACCEPT = `mutation($input: RecommendationAcceptInput!) { recommendationAccept(input: $input) { recommendation { status } userErrors { code message } } }`;
    const first = await ok(c.members.OPERATOR.token, ACCEPT, { input: { recommendationId: gid("Recommendation", await rec()) } });
    expect(first.recommendationAccept.userErrors).toEqual([]);
    const enrolments = await sql<{ id: string; status: string }>(t.db, `SELECT "id", "status" FROM "SequenceEnrollment" WHERE "sequenceId" = $1 AND "contactId" = $2`, [uuidOf(sequenceId), contact]);
    expect(enrolments.map((e) => e.status)).toEqual(["ACTIVE"]);
    const [event] = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "type" = 'sales.sequence.triggered' AND payload->>'contactId' = $1`, [contact]);
    expect(event!.payload).toMatchObject({ trigger: "RECOMMENDATION_ACCEPTED", enrollmentId: enrolments[0]!.id, refusal: null });
    // A second acceptance: the contact is already enrolled, refused with the reason, and the acceptance still goes through.
    const second = await ok(c.members.OPERATOR.token, ACCEPT, { input: { recommendationId: gid("Recommendation", await rec()) } });
    expect(second.recommendationAccept.recommendation.status).toBe("ACCEPTED");
    const refused = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "type" = 'sales.sequence.triggered' AND payload->>'contactId' = $1 ORDER BY "createdAt", "id"`, [contact]);
    expect(refused.map((e) => e.payload.refusal)).toEqual([null, "ALREADY_ENROLLED"]);
    // Tenant A names C's sequence in its own mapping: A's acceptance cannot enrol into C's sequence (NOT_FOUND under RLS).
    await patchSettings(t.db, a.tenantId, { sequences: { onRecommendationAccepted: { scheduleFollowUp: uuidOf(sequenceId) } } });
    const aContact = await contactIn(a, "crosstenant@trigger.example", "Europe/Berlin");
    const [aRec] = await sql<{ id: string }>(
      t.db,
      `INSERT INTO "Recommendation" ("id", "tenantId", "contactId", "tool", "title", "params", "rationale", "confidence", "factsUsed", "rank", "expiresAt", "audienceRole", "provider", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, 'scheduleFollowUp', 'Call back', $3::jsonb, 'r', 0.8, '{}', 1, now() + interval '2 days', 'OPERATOR', 'local', now()) RETURNING "id"`,
      [a.tenantId, aContact, JSON.stringify({ dueAt: new Date(Date.now() + 86_400_000).toISOString(), title: "Call back", reason: null })],
    );
    const cross = await ok(a.members.OPERATOR.token, ACCEPT, { input: { recommendationId: gid("Recommendation", aRec!.id) } });
    expect(cross.recommendationAccept.recommendation.status).toBe("ACCEPTED");
    expect(await sql(t.db, `SELECT 1 FROM "SequenceEnrollment" WHERE "contactId" = $1`, [aContact])).toEqual([]);
    const [aEvent] = await sql<{ payload: Json }>(t.db, `SELECT payload FROM "OutboxEvent" WHERE "type" = 'sales.sequence.triggered' AND payload->>'contactId' = $1`, [aContact]);
    expect(aEvent!.payload.refusal).toBe("NOT_FOUND");
  }, 120_000);
});
