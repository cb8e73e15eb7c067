// Enrolment by rule (issue 12): a sequence's saved segment, set by a MANAGER
// (audited, evented), run by the sequence-segment job — on its own right after
// the rule is set, and directly here so that each run's result can be read.
// The run enrols the segment's new matches with sequenceEnroll's refusals
// (do-not-contact, suppressed, disqualified, quota-impossible), never enrols a
// contact twice (a re-run, an ended enrolment, two workers at once), and stays
// in its tenant.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSequenceSegment, type SegmentRunResult } from "../../../src/orchestration/sequence/sequence-segment.js";
import { ALL_ROLES, createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";

const CREATE = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code field message } } }`;
const SET_SEGMENT = `mutation($input: SequenceSetSegmentInput!) { sequenceSetSegment(input: $input) {
  sequence { id segment segmentRunAt } userErrors { code field message } } }`;
const RUN = `mutation($input: SequenceSegmentRunInput!) { sequenceSegmentRun(input: $input) { sequence { id } userErrors { code field message } } }`;
const ENROLL = `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) { results { contactId refusal message } userErrors { code message } } }`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
const gid = (type: string, id: string) => encodeGlobalID(type, id);
const uuidOf = (globalId: string) => decodeGlobalID(globalId).id;

async function gql(token: string, query: string, variables: Record<string, unknown> = {}) {
  return execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
}
async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await gql(token, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as Json;
}

const STEPS = [{ kind: "EMAIL", delayAmount: 1, brief: "Introduce us and ask for a short call." }];

async function newSequence(tenant: TestTenant, name: string): Promise<string> {
  const r = await ok(tenant.members.MANAGER.token, CREATE, { input: { name, steps: STEPS, skipWeekends: false } });
  expect(r.sequenceCreate.userErrors).toEqual([]);
  return uuidOf(r.sequenceCreate.sequence.id);
}

/** A contact whose title carries the keyword the rules below match on. */
async function contact(tenant: TestTenant, email: string, title: string, extra: { doNotContact?: boolean } = {}): Promise<string> {
  const id = await insertContact(t.db, tenant.tenantId, { email, firstName: email.split("@")[0], doNotContact: extra.doNotContact });
  await sql(t.db, `UPDATE "Contact" SET "title" = $2 WHERE "id" = $1`, [id, title]);
  return id;
}

/** Sets a rule without the mutation (which would enqueue a run the background worker takes): the test runs it itself. */
async function setRuleDirectly(sequenceId: string, segment: Json): Promise<void> {
  await sql(t.db, `UPDATE "Sequence" SET "segment" = $2::jsonb WHERE "id" = $1`, [sequenceId, JSON.stringify(segment)]);
}

async function enrolmentsOf(sequenceId: string): Promise<Array<{ contactId: string; status: string; enrolledByLabel: string }>> {
  return sql(t.db, `SELECT "contactId", "status"::text, "enrolledByLabel" FROM "SequenceEnrollment" WHERE "sequenceId" = $1 ORDER BY "contactId"`, [sequenceId]);
}

const counted = (r: SegmentRunResult) => {
  if (r.skipped) throw new Error(`run skipped: ${r.skipped}`);
  return r;
};

beforeAll(async () => {
  t = await startOperatorApp({ workers: 0 });
  a = await createTenant(t, "seg-a");
  b = await createTenant(t, "seg-b");
  for (const tenant of [a, b]) await patchSettings(t.db, tenant.tenantId, { general: { timeZone: "Europe/Berlin" }, sending: { mailboxes: [`sales@${tenant.slug}.example`] } });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("sequence enrolment by rule (a saved segment)", () => {
  it("a MANAGER sets the rule (audited, evented); the job then enrols its matches on its own; other roles may not set it", async () => {
    const sequenceId = await newSequence(a, "Rule: CFOs");
    const cfo = await contact(a, "cfo1@seg-a.example", "Group CFO");
    const other = await contact(a, "cto1@seg-a.example", "CTO");

    for (const role of ALL_ROLES) {
      if (["OWNER", "ADMIN", "MANAGER"].includes(role)) continue;
      const r = await gql(a.members[role].token, SET_SEGMENT, { input: { sequenceId: gid("Sequence", sequenceId), segment: { titleKeywords: ["cfo"] } } });
      expect(r.errors?.[0]?.extensions?.code, role).toBe("FORBIDDEN");
    }
    const empty = await ok(a.members.MANAGER.token, SET_SEGMENT, { input: { sequenceId: gid("Sequence", sequenceId), segment: {} } });
    expect(empty.sequenceSetSegment.userErrors.map((e: Json) => [e.code, e.field.join(".")])).toEqual([["VALIDATION_FAILED", "input.segment"]]);
    const invalid = await ok(a.members.MANAGER.token, SET_SEGMENT, { input: { sequenceId: gid("Sequence", sequenceId), segment: { scoreMin: 500 } } });
    expect(invalid.sequenceSetSegment.userErrors.map((e: Json) => [e.code, e.field.join(".")])).toEqual([["VALIDATION_FAILED", "input.segment.scoreMin"]]);

    const set = await ok(a.members.MANAGER.token, SET_SEGMENT, { input: { sequenceId: gid("Sequence", sequenceId), segment: { titleKeywords: ["cfo"] } } });
    expect(set.sequenceSetSegment.userErrors).toEqual([]);
    expect(set.sequenceSetSegment.sequence.segment).toMatchObject({ titleKeywords: ["cfo"] });
    const audit = await sql(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'sequence.segment_set' AND "targetId" = $2`, [a.tenantId, sequenceId]);
    expect(audit).toHaveLength(1);
    expect(await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.sequence.segment_set'`, [a.tenantId])).toHaveLength(1);

    // The background worker runs the new rule: the CFO is enrolled by the sequence agent, the CTO is not.
    const enrolled = await waitFor(async () => {
      const rows = await enrolmentsOf(sequenceId);
      return rows.length ? rows : null;
    }, 30_000, "the rule's enrolment");
    expect(enrolled).toEqual([{ contactId: cfo, status: "ACTIVE", enrolledByLabel: "agent:sequence" }]);
    expect(enrolled.map((e) => e.contactId)).not.toContain(other);
    await waitFor(async () => (await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'sequence.segment_run' AND "targetId" = $2`, [a.tenantId, sequenceId])).length > 0, 10_000, "the run's audit entry");

    // On demand: an OPERATOR may run it (nothing new to enrol); an ANALYST may not; removing the rule, then running, is a CONFLICT.
    expect((await ok(a.members.OPERATOR.token, RUN, { input: { sequenceId: gid("Sequence", sequenceId) } })).sequenceSegmentRun.userErrors).toEqual([]);
    expect((await gql(a.members.ANALYST.token, RUN, { input: { sequenceId: gid("Sequence", sequenceId) } })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const cleared = await ok(a.members.MANAGER.token, SET_SEGMENT, { input: { sequenceId: gid("Sequence", sequenceId), segment: null } });
    expect(cleared.sequenceSetSegment.sequence.segment).toBeNull();
    expect((await ok(a.members.OPERATOR.token, RUN, { input: { sequenceId: gid("Sequence", sequenceId) } })).sequenceSegmentRun.userErrors.map((e: Json) => e.code)).toEqual(["CONFLICT"]);
  }, 60_000);

  it("enrols the matches, refuses the rest with sequenceEnroll's reasons, and a re-run enrols nobody twice", async () => {
    const sequenceId = await newSequence(a, "Rule: refusals");
    const fine = await contact(a, "fine@seg-a.example", "Head of Finance");
    const dnc = await contact(a, "dnc@seg-a.example", "Finance lead", { doNotContact: true });
    const suppressed = await contact(a, "sup@seg-a.example", "Finance manager");
    await sql(
      t.db,
      `INSERT INTO "Suppression" ("id", "tenantId", "kind", "value", "reason", "createdByType", "createdById", "createdByLabel") VALUES (gen_random_uuid(), $1, 'EMAIL', 'sup@seg-a.example', 'MANUAL', 'USER', 'test', 'test')`,
      [a.tenantId],
    );
    const disqualified = await contact(a, "dq@seg-a.example", "Finance director");
    await sql(t.db, `INSERT INTO "Lead" ("id", "tenantId", "contactId", "source", "status", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'import', 'DISQUALIFIED', now())`, [a.tenantId, disqualified]);
    const manual = await contact(a, "manual@seg-a.example", "Finance partner");
    const enrolledByHand = await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId: gid("Sequence", sequenceId), contactIds: [gid("Contact", manual)] } });
    expect(enrolledByHand.sequenceEnroll.results[0].refusal).toBeNull();
    await contact(a, "sales@seg-a.example", "Sales lead");
    await setRuleDirectly(sequenceId, { titleKeywords: ["finance"] });

    const first = counted(await runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId }));
    expect(first).toMatchObject({ candidates: 4, enrolled: 1, refused: { DO_NOT_CONTACT: 1, SUPPRESSED: 1, DISQUALIFIED: 1 }, more: false });
    const rows = await enrolmentsOf(sequenceId);
    expect(rows.map((r) => r.contactId).sort()).toEqual([fine, manual].sort());
    const refusedAudit = await sql<{ summary: Json }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'sequence.enroll_refused' AND "targetId" = $2`, [a.tenantId, sequenceId]);
    expect(refusedAudit[0]!.summary.refused.map((r: Json) => [r.contactId, r.reason]).sort()).toEqual(
      [
        [dnc, "DO_NOT_CONTACT"],
        [suppressed, "SUPPRESSED"],
        [disqualified, "DISQUALIFIED"],
      ].sort(),
    );
    const [run] = await sql<{ payload: Json }>(t.db, `SELECT "payload" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.sequence.segment_run' AND "payload"->>'sequenceId' = $2`, [a.tenantId, sequenceId]);
    expect(run!.payload).toMatchObject({ enrolled: 1, refused: { DO_NOT_CONTACT: 1, SUPPRESSED: 1, DISQUALIFIED: 1 } });

    // Re-run: nobody new; the refused are tried again (and refused again); the enrolled are not candidates.
    const again = counted(await runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId }));
    expect(again).toMatchObject({ candidates: 3, enrolled: 0 });
    // An enrolment that ended is not restarted by the rule.
    await sql(t.db, `UPDATE "SequenceEnrollment" SET "status" = 'EXITED', "live" = NULL, "exitReason" = 'MANUAL' WHERE "sequenceId" = $1 AND "contactId" = $2`, [sequenceId, fine]);
    // The do-not-contact flag lifted: the next run enrols that contact (once).
    await sql(t.db, `UPDATE "Contact" SET "doNotContact" = false WHERE "id" = $1`, [dnc]);
    const third = counted(await runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId }));
    expect(third).toMatchObject({ candidates: 3, enrolled: 1 });
    const final = await enrolmentsOf(sequenceId);
    expect(final.map((r) => r.contactId).sort()).toEqual([fine, manual, dnc].sort());
    expect(counted(await runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId })).enrolled).toBe(0);
    expect(await enrolmentsOf(sequenceId)).toHaveLength(3);
  }, 60_000);

  it("two workers running the same rule at once enrol each contact exactly once", async () => {
    const sequenceId = await newSequence(a, "Rule: concurrent");
    const contacts: string[] = [];
    for (let i = 0; i < 25; i++) contacts.push(await contact(a, `ops${i}@seg-a.example`, "Operations analyst"));
    await setRuleDirectly(sequenceId, { titleKeywords: ["operations"] });
    const [x, y] = (await Promise.all([1, 2].map(() => runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId })))).map(counted);
    expect(x!.enrolled + y!.enrolled).toBe(25);
    expect(Math.min(x!.enrolled, y!.enrolled)).toBe(0);
    const rows = await enrolmentsOf(sequenceId);
    expect(rows.map((r) => r.contactId).sort()).toEqual([...contacts].sort());
  }, 60_000);

  it("refuses QUOTA_IMPOSSIBLE when a quota of 0 leaves the first e-mail no window (manual enrolment alike)", async () => {
    const quotaTenant = await createTenant(t, "seg-q");
    await patchSettings(t.db, quotaTenant.tenantId, { sending: { mailboxes: ["sales@seg-q.example"] }, quotas: { contact: { limit: 0 } } });
    const sequenceId = await newSequence(quotaTenant, "Rule: no quota");
    const who = await contact(quotaTenant, "cfo@seg-q.example", "CFO");
    await setRuleDirectly(sequenceId, { titleKeywords: ["cfo"] });
    expect(counted(await runSequenceSegment(t.app.services, { tenantId: quotaTenant.tenantId, sequenceId }))).toMatchObject({ enrolled: 0, refused: { QUOTA_IMPOSSIBLE: 1 } });
    const manual = await ok(quotaTenant.members.OPERATOR.token, ENROLL, { input: { sequenceId: gid("Sequence", sequenceId), contactIds: [gid("Contact", who)] } });
    expect(manual.sequenceEnroll.results[0]).toMatchObject({ refusal: "QUOTA_IMPOSSIBLE" });
    expect(await enrolmentsOf(sequenceId)).toHaveLength(0);
  }, 60_000);

  it("audits a refusal once per (sequence, contact, reason): hourly re-runs stay quiet until the reason changes", async () => {
    const sequenceId = await newSequence(a, "Rule: quiet refusals");
    const dnc = await contact(a, "dnc@quiet.example", "Quiet treasurer", { doNotContact: true });
    await setRuleDirectly(sequenceId, { titleKeywords: ["quiet treasurer"] });
    const audited = async () =>
      (
        await sql<{ summary: Json }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "action" = 'sequence.enroll_refused' AND "targetId" = $1 ORDER BY "createdAt"`, [sequenceId])
      ).flatMap((r) => r.summary.refused as Json[]);
    for (let i = 0; i < 3; i++) {
      expect(counted(await runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId }))).toMatchObject({ enrolled: 0, refused: { DO_NOT_CONTACT: 1 } });
    }
    expect(await audited()).toEqual([{ contactId: dnc, reason: "DO_NOT_CONTACT" }]);
    // Something changed: the contact may be mailed again but has lost the address — a new reason, audited once.
    await sql(t.db, `UPDATE "Contact" SET "doNotContact" = false, "email" = NULL WHERE "id" = $1`, [dnc]);
    for (let i = 0; i < 2; i++) {
      expect(counted(await runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId }))).toMatchObject({ enrolled: 0, refused: { NO_EMAIL: 1 } });
    }
    expect(await audited()).toEqual([
      { contactId: dnc, reason: "DO_NOT_CONTACT" },
      { contactId: dnc, reason: "NO_EMAIL" },
    ]);
    // Every run is itself still audited, with its counts.
    const runs = await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "action" = 'sequence.segment_run' AND "targetId" = $1`, [sequenceId]);
    expect(runs).toHaveLength(5);
    // Enrolled at last: the refusal record is gone.
    await sql(t.db, `UPDATE "Contact" SET "email" = 'dnc@quiet.example' WHERE "id" = $1`, [dnc]);
    expect(counted(await runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId })).enrolled).toBe(1);
    expect(await sql(t.db, `SELECT 1 FROM "SequenceSegmentRefusal" WHERE "sequenceId" = $1`, [sequenceId])).toHaveLength(0);
    // Manual enrolment is not the rule: its refusals are audited every time.
    const other = await newSequence(a, "Manual: loud refusals");
    await sql(t.db, `UPDATE "Contact" SET "doNotContact" = true WHERE "id" = $1`, [dnc]);
    for (let i = 0; i < 2; i++) await ok(a.members.OPERATOR.token, ENROLL, { input: { sequenceId: gid("Sequence", other), contactIds: [gid("Contact", dnc)] } });
    expect(await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "action" = 'sequence.enroll_refused' AND "targetId" = $1`, [other])).toHaveLength(2);
  }, 60_000);

  it("stays in its tenant: another tenant's matching contacts are not enrolled, its sequence is not found", async () => {
    const sequenceId = await newSequence(a, "Rule: tenancy");
    const mine = await contact(a, "buyer@shared.example", "Procurement buyer");
    const theirs = await contact(b, "buyer@shared.example", "Procurement buyer");
    await setRuleDirectly(sequenceId, { titleKeywords: ["procurement"] });
    // A job naming the other tenant does not see the sequence (row-level security).
    expect(await runSequenceSegment(t.app.services, { tenantId: b.tenantId, sequenceId })).toEqual({ skipped: "NO_SEQUENCE" });
    expect(counted(await runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId })).enrolled).toBe(1);
    const rows = await enrolmentsOf(sequenceId);
    expect(rows.map((r) => r.contactId)).toEqual([mine]);
    expect(await sql(t.db, `SELECT 1 FROM "SequenceEnrollment" WHERE "contactId" = $1`, [theirs])).toHaveLength(0);
    // The other tenant's MANAGER can neither set nor run the rule.
    const set = await ok(b.members.MANAGER.token, SET_SEGMENT, { input: { sequenceId: gid("Sequence", sequenceId), segment: { titleKeywords: ["x"] } } });
    expect(set.sequenceSetSegment.userErrors.map((e: Json) => e.code)).toEqual(["NOT_FOUND"]);
    const run = await ok(b.members.MANAGER.token, RUN, { input: { sequenceId: gid("Sequence", sequenceId) } });
    expect(run.sequenceSegmentRun.userErrors.map((e: Json) => e.code)).toEqual(["NOT_FOUND"]);
    const [seq] = await sql<{ segment: Json }>(t.db, `SELECT "segment" FROM "Sequence" WHERE "id" = $1`, [sequenceId]);
    expect(seq!.segment).toEqual({ titleKeywords: ["procurement"] });
  }, 60_000);
});
