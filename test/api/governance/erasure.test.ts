// contactErase end to end: a person seeded richly through the real API (a
// signed web form that becomes a lead, a follow-up draft and its revision, an
// inbound reply and what the agents made of it, an activity, a task, a
// recommendation, a sequence enrolment, voice samples, a suppression) is
// erased, and then a scan of EVERY text, JSON, array and bytea column of
// EVERY public table — discovered from information_schema, as the owner —
// finds no trace of their address, name or phone. They stay suppressed, a
// new form with the same address is refused, a second erasure removes
// nothing, and another tenant's contact with the same address is untouched.
import { createHmac, randomUUID } from "node:crypto";
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { legacyErasedAddressHash } from "../../../src/domain/governance/erasure.js";
import { indexMemory } from "../../../src/orchestration/memory/memory.js";
import { agentsSettled, rawEmail } from "../../helpers/agents.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { asOwner } from "../../helpers/database.js";
import { execute } from "../../helpers/graphql.js";
import { patchSettings, sql } from "../../helpers/operator.js";
import { waitFor } from "../../helpers/wait.js";

type Json = Record<string, any>;

const FIRST = "Zephyrine";
const LAST = "Quillfeather";
const EMAIL = "zephyrine.quillfeather@orbital-mead.example";
const EMAIL_AS_GIVEN = "Zephyrine.Quillfeather@Orbital-Mead.example";
const PHONE = "+44 20 7946 0958";
/** What must not be found anywhere after the erasure. */
const TRACES = [EMAIL, FIRST, LAST, PHONE, "442079460958", encodeURIComponent(EMAIL)];

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let contactId: string;
let bContactId: string;

async function gql(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

const ERASE = `mutation($input: ContactEraseInput!) { contactErase(input: $input) {
  erasedContactId alreadyErased report { total counts { kind count } } userErrors { code field message } } }`;

function formHeaders(secret: string, body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return { "content-type": "application/json", "x-webhook-id": randomUUID(), "x-webhook-timestamp": timestamp, "x-webhook-signature": `sha256=${signature}` };
}

function form(): string {
  return JSON.stringify({
    type: "form.submission",
    email: EMAIL_AS_GIVEN,
    name: `${FIRST} ${LAST}`,
    company: "Orbital Mead",
    title: "Head of Revenue",
    phone: PHONE,
    message: `This is ${FIRST} ${LAST} from Orbital Mead; call me on ${PHONE}. We want a demo for our 20-person team.`,
    formName: "Request a demo",
  });
}

interface Column {
  table: string;
  column: string;
  type: string;
  tenanted: boolean;
}

/**
 * Every row of tenant A (or of any tenant-less table) in every text-like
 * column of every public table, searched for the traces. bytea is read as
 * UTF-8-ish text (escape encoding), so a plain-text copy inside is found.
 */
async function traces(tenantId: string): Promise<string[]> {
  return asOwner(t.db, async (c) => {
    const columns = (
      await c.query<Column>(`
        SELECT col.table_name AS "table", col.column_name AS "column", col.data_type AS "type",
               EXISTS (SELECT 1 FROM information_schema.columns x WHERE x.table_schema = 'public' AND x.table_name = col.table_name AND x.column_name = 'tenantId') AS tenanted
        FROM information_schema.columns col JOIN information_schema.tables tb ON tb.table_schema = col.table_schema AND tb.table_name = col.table_name
        WHERE col.table_schema = 'public' AND tb.table_type = 'BASE TABLE'
          AND col.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED')`)
    ).rows;
    expect(columns.length).toBeGreaterThan(100);
    const found: string[] = [];
    const patterns = TRACES.map((s) => `%${s.toLowerCase()}%`);
    for (const col of columns) {
      const expr = col.type === "bytea" ? `encode("${col.column}", 'escape')` : `"${col.column}"::text`;
      const where = col.tenanted ? `"tenantId" = $2::uuid AND` : "";
      const r = await c.query(`SELECT ${expr} AS v FROM "${col.table}" WHERE ${where} lower(${expr}) LIKE ANY($1::text[]) LIMIT 3`, col.tenanted ? [patterns, tenantId] : [patterns]);
      for (const row of r.rows) found.push(`${col.table}.${col.column}: ${String(row.v).slice(0, 200)}`);
    }
    return found;
  });
}

beforeAll(async () => {
  t = await startTestApp({ env: { AGENT_POLL_SECONDS: "0.5" } });
  a = await createTenant(t, "erase-a");
  b = await createTenant(t, "erase-b");
  await patchSettings(t.db, a.tenantId, { sending: { mailboxes: ["sales@erase-a.example"] } });

  // 1. A signed web form: the lead, contact, company, form activity, scoring and a follow-up draft by the agents.
  const ep = (
    await gql(a.members.ADMIN.token, `mutation($input: InboundWebhookEndpointCreateInput!) { inboundWebhookEndpointCreate(input: $input) { secret inboundWebhookEndpoint { url } userErrors { code } } }`, {
      input: { kind: "GENERIC", name: "Website" },
    })
  ).inboundWebhookEndpointCreate;
  const body = form();
  const posted = await fetch(ep.inboundWebhookEndpoint.url, { method: "POST", headers: formHeaders(ep.secret, body), body });
  expect(posted.status).toBe(200);
  contactId = (
    await waitFor(async () => (await sql<{ id: string }>(t.db, `SELECT "id" FROM "Contact" WHERE "tenantId" = $1 AND "email" = $2`, [a.tenantId, EMAIL]))[0], {
      timeout: 60_000,
      message: "the contact from the form",
    })
  ).id;
  const contactGid = encodeGlobalID("Contact", contactId);
  const leadRow = (await sql<{ id: string }>(t.db, `SELECT "id" FROM "Lead" WHERE "contactId" = $1`, [contactId]))[0]!;
  const leadGid = encodeGlobalID("Lead", leadRow.id);

  // 2. The same person ingested again from a CRM with more detail (a merge) and a deal named after them.
  const merged = await gql(a.members.MANAGER.token, `mutation($input: LeadIngestInput!) { leadIngest(input: $input) { lead { id } userErrors { code message } } }`, {
    input: { email: EMAIL, firstName: FIRST, lastName: LAST, phone: PHONE, title: "VP Revenue", externalId: "crm-4711", externalSystem: "crm", deal: { name: `${FIRST} ${LAST} pilot`, amount: 9000 } },
  });
  expect(merged.leadIngest.userErrors).toEqual([]);

  // 3. A reply from them: stored, threaded, analysed by the agents.
  const reply = await gql(a.members.OPERATOR.token, `mutation($input: MessageIngestInput!) { messageIngest(input: $input) { inboundMessage { id } userErrors { code message } } }`, {
    input: {
      raw: rawEmail(
        { From: `${FIRST} ${LAST} <${EMAIL}>`, To: "sales@erase-a.example", Subject: "Demo next week?", "Message-ID": `<${randomUUID()}@orbital-mead.example>` },
        [`Hi, ${FIRST} here again. Could we meet on Tuesday? My direct line is ${PHONE}.`, "", `${FIRST} ${LAST}`, "Orbital Mead"],
      ),
    },
  });
  expect(reply.messageIngest.userErrors).toEqual([]);

  // 4. A draft to them, revised and approved.
  const draft = await gql(a.members.OPERATOR.token, `mutation($input: DraftCreateInput!) { draftCreate(input: $input) { draft { id } userErrors { code message } } }`, {
    input: { recipient: { contactId: contactGid }, subject: "Tuesday demo", bodyText: `Hello ${FIRST}, Tuesday at 10 works. We will call you on ${PHONE} if the link fails.` },
  });
  expect(draft.draftCreate.userErrors).toEqual([]);
  const draftId = draft.draftCreate.draft.id;
  const revised = await gql(a.members.OPERATOR.token, `mutation($input: DraftUpdateInput!) { draftUpdate(input: $input) { userErrors { code message } } }`, {
    input: { draftId, bodyText: `Hello ${FIRST} ${LAST}, Tuesday at 10 works for us. Talk soon.` },
  });
  expect(revised.draftUpdate.userErrors).toEqual([]);
  await gql(a.members.MANAGER.token, `mutation($input: DraftApproveInput!) { draftApprove(input: $input) { userErrors { code message } } }`, { input: { draftId } });

  // 5. An activity and a task about them.
  const activity = await gql(a.members.OPERATOR.token, `mutation($input: ActivityLogInput!) { activityLog(input: $input) { userErrors { code message } } }`, {
    input: { type: "CALL", direction: "OUTBOUND", contactId: contactGid, leadId: leadGid, subject: `Call with ${FIRST} ${LAST}`, body: `Reached ${FIRST} on ${PHONE}; wants pricing.` },
  });
  expect(activity.activityLog.userErrors).toEqual([]);
  const task = await gql(a.members.OPERATOR.token, `mutation($input: TaskCreateInput!) { taskCreate(input: $input) { userErrors { code message } } }`, {
    input: { title: `Send ${FIRST} ${LAST} the pricing`, description: `Mail it to ${EMAIL}`, contactId: contactGid },
  });
  expect(task.taskCreate.userErrors).toEqual([]);

  // 6. A sequence they are enrolled in.
  const seq = await gql(a.members.MANAGER.token, `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code message } } }`, {
    input: { name: "Nurture", steps: [{ kind: "TASK", delayAmount: 1, taskTitle: "Check in" }] },
  });
  const enrolled = await gql(a.members.OPERATOR.token, `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) { enrolledCount userErrors { code message } } }`, {
    input: { sequenceId: seq.sequenceCreate.sequence.id, contactIds: [contactGid] },
  });
  expect(enrolled.sequenceEnroll.enrolledCount).toBe(1);

  // 7. Mail a member sent them, imported as voice samples.
  const voice = await gql(a.members.OPERATOR.token, `mutation($input: VoiceSamplesImportInput!) { voiceSamplesImport(input: $input) { userErrors { code message } } }`, {
    input: { emails: [{ to: EMAIL, subject: "Following up", body: `Hi ${FIRST}, following up on our call about the pilot. Best, Oscar` }] },
  });
  expect(voice.voiceSamplesImport.userErrors).toEqual([]);

  // 8. A recommendation about them (as the recommender stores one) and a suppression of their address.
  await sql(
    t.db,
    `INSERT INTO "Recommendation" (id, "tenantId", "leadId", "contactId", tool, title, params, rationale, confidence, "factsUsed", rank, "expiresAt", "audienceRole", provider, "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, 'scheduleFollowUp', $4, '{}'::jsonb, $5, 0.7, ARRAY['lastInbound.intent'], 1, now() + interval '3 days', 'MANAGER', 'local', now())`,
    [a.tenantId, leadRow.id, contactId, `Follow up with ${FIRST} ${LAST}`, `${FIRST} asked for a demo`],
  );
  await gql(a.members.OPERATOR.token, `mutation($input: SuppressionAddInput!) { suppressionAdd(input: $input) { userErrors { code } } }`, { input: { email: EMAIL, reason: "MANUAL" } });

  // 9. A note that names them without being linked to them (a colleague's meeting notes).
  await sql(
    t.db,
    `INSERT INTO "Activity" (id, "tenantId", type, direction, "occurredAt", subject, body)
     VALUES (gen_random_uuid(), $1, 'NOTE', 'OUTBOUND', now(), 'Trade fair', $2)`,
    [a.tenantId, `Met ${FIRST} ${LAST} at the trade fair; she runs procurement at Orbital Mead.`],
  );

  await agentsSettled(t, a.tenantId, { timeoutMs: 90_000 });
  // 10. Long memory of all of it (titles and excerpts sealed at rest, the full text computed from them).
  await indexMemory(t.app.services, a.tenantId);

  // Tenant B knows someone with the same address.
  const bLead = await gql(b.members.MANAGER.token, `mutation($input: LeadIngestInput!) { leadIngest(input: $input) { lead { id contact { id } } userErrors { code } } }`, {
    input: { email: EMAIL, firstName: FIRST, lastName: LAST, phone: PHONE },
  });
  bContactId = decodeGlobalID(bLead.leadIngest.lead.contact.id).id;
  // …and remembers a call with them (long memory, sealed with B's tenant binding).
  await sql(
    t.db,
    `INSERT INTO "Activity" (id, "tenantId", type, direction, "occurredAt", subject, body, "contactId")
     VALUES (gen_random_uuid(), $1, 'CALL', 'OUTBOUND', now(), 'Intro call', $2, $3)`,
    [b.tenantId, `Spoke with ${FIRST} ${LAST} about the pilot.`, bContactId],
  );
  expect((await indexMemory(t.app.services, b.tenantId)).added).toBe(1);
}, 240_000);
afterAll(() => t?.close());

describe("contactErase", () => {
  it("the seed really put the person everywhere (so the scan below can fail)", async () => {
    const found = await traces(a.tenantId);
    const tables = new Set(found.map((f) => f.split(".")[0]));
    for (const table of ["AuditEntry", "Contact", "InboundMessage", "Draft", "DraftRevision", "Activity", "Task", "Recommendation", "VoiceSample", "Deal", "Suppression"]) {
      expect(tables, table).toContain(table);
    }
    // Long memory holds them too, though sealed at rest (so the scan above does not see its text): items about
    // them, and the unlinked note that names them (found by its full text).
    expect(await sql(t.db, `SELECT 1 FROM "MemoryItem" WHERE "tenantId" = $1 AND "contactId" = $2`, [a.tenantId, contactId])).not.toHaveLength(0);
    const named = await sql(t.db, `SELECT 1 FROM "MemoryItem" WHERE "tenantId" = $1 AND "contactId" IS NULL AND "textSearch" @@ phraseto_tsquery('english', $2)`, [a.tenantId, `${FIRST} ${LAST}`]);
    expect(named).toHaveLength(1);
  });

  it("is refused to an OPERATOR, and another tenant's MANAGER cannot even find the contact", async () => {
    const op = await execute<Json, Record<string, unknown>>(t.graphqlUrl, ERASE, { input: { contactId: encodeGlobalID("Contact", contactId), reason: "test" } }, { token: a.members.OPERATOR.token });
    expect(op.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const other = await gql(b.members.MANAGER.token, ERASE, { input: { contactId: encodeGlobalID("Contact", contactId), reason: "test" } });
    expect(other.contactErase.userErrors).toEqual([{ code: "NOT_FOUND", field: ["input", "contactId"], message: "No Contact with this id." }]);
    expect(await sql(t.db, `SELECT 1 FROM "Contact" WHERE "id" = $1`, [contactId])).toHaveLength(1);
  });

  it("removes every trace of the person, keeps them suppressed by hash, audits and announces the erasure", async () => {
    const r = await gql(a.members.MANAGER.token, ERASE, { input: { contactId: encodeGlobalID("Contact", contactId), reason: `Art. 17 request #88 from ${FIRST} ${LAST} <${EMAIL}>` } });
    expect(r.contactErase.userErrors).toEqual([]);
    expect(r.contactErase.alreadyErased).toBe(false);
    const counts = Object.fromEntries(r.contactErase.report.counts.map((c: Json) => [c.kind, c.count]));
    expect(counts).toMatchObject({ contact: 1, lead: 1, suppressionEntries: 1, voiceSamples: 1, inboundWebhookDeliveries: 1 });
    for (const kind of ["drafts", "activities", "tasks", "inboundMessages", "threads", "recommendations", "sequenceEnrollments", "externalRefs", "scrubbedRows", "auditEntriesRedacted"]) {
      expect(counts[kind], kind).toBeGreaterThan(0);
    }

    expect(await traces(a.tenantId)).toEqual([]);
    expect(counts.memoryItems).toBeGreaterThan(1);
    expect(await sql(t.db, `SELECT 1 FROM "MemoryItem" WHERE "tenantId" = $1 AND ("contactId" = $2 OR "textSearch" @@ to_tsquery('english', $3))`, [a.tenantId, contactId, LAST])).toEqual([]);
    // Indexing again makes items only from what is left (the swept note), and leaves no trace either.
    expect((await indexMemory(t.app.services, a.tenantId)).added).toBeGreaterThan(0);
    expect(await traces(a.tenantId)).toEqual([]);

    // Still unmailable: the hash is on the list, the address in clear is not.
    const suppressions = await sql<{ kind: string; value: string; reason: string }>(t.db, `SELECT "kind"::text, "value", "reason"::text FROM "Suppression" WHERE "tenantId" = $1`, [a.tenantId]);
    // Keyed by the tenant's own secret (test/api/governance/erasure-governance.test.ts checks the key), not the legacy constant salt.
    expect(suppressions).toEqual([{ kind: "EMAIL_HASH", value: expect.stringMatching(/^[0-9a-f]{64}$/), reason: "ERASED" }]);
    expect(suppressions[0]!.value).not.toBe(legacyErasedAddressHash(EMAIL));
    // The erasure itself is recorded, without the person in it.
    const audit = await sql<{ summary: Json; actorLabel: string }>(t.db, `SELECT "summary", "actorLabel" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'contact.erased'`, [a.tenantId]);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.summary.reason).toBe("Art. 17 request #88 from [erased] <[erased]>");
    const events = await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.contact.erased'`, [a.tenantId]);
    expect(events).toHaveLength(1);
  });

  it("a new form or ingest with the same address is refused, and drafts to it are blocked", async () => {
    const again = await gql(a.members.MANAGER.token, `mutation($input: LeadIngestInput!) { leadIngest(input: $input) { lead { id } userErrors { code field } } }`, {
      input: { email: EMAIL_AS_GIVEN, firstName: FIRST },
    });
    expect(again.leadIngest).toEqual({ lead: null, userErrors: [{ code: "CONTACT_ERASED", field: ["input", "email"] }] });
    const draft = await gql(a.members.OPERATOR.token, `mutation($input: DraftCreateInput!) { draftCreate(input: $input) { draft { id } userErrors { code } } }`, {
      input: { recipient: { email: EMAIL }, subject: "Hello", bodyText: "Hello again, a short note about our product." },
    });
    expect(draft.draftCreate.draft).toBeNull();
    expect(draft.draftCreate.userErrors.map((e: Json) => e.code)).toContain("CONTACT_ERASED");
    expect(await sql(t.db, `SELECT 1 FROM "Contact" WHERE "tenantId" = $1`, [a.tenantId])).toHaveLength(0);
  });

  it("is idempotent: a second erasure reports nothing removed and changes nothing", async () => {
    const before = await sql(t.db, `SELECT count(*)::int AS n FROM "AuditEntry" WHERE "tenantId" = $1`, [a.tenantId]);
    const r = await gql(a.members.ADMIN.token, ERASE, { input: { contactId: encodeGlobalID("Contact", contactId), reason: "again" } });
    expect(r.contactErase.userErrors).toEqual([]);
    expect(r.contactErase.alreadyErased).toBe(true);
    expect(r.contactErase.report.total).toBe(0);
    expect(await sql(t.db, `SELECT count(*)::int AS n FROM "AuditEntry" WHERE "tenantId" = $1`, [a.tenantId])).toEqual(before);
    expect(await sql(t.db, `SELECT 1 FROM "ContactErasure" WHERE "tenantId" = $1`, [a.tenantId])).toHaveLength(1);
  });

  it("leaves tenant B's contact with the same address untouched", async () => {
    const [contact] = await sql<Json>(t.db, `SELECT "email", "firstName", "lastName", "phone" FROM "Contact" WHERE "id" = $1`, [bContactId]);
    expect(contact).toEqual({ email: EMAIL, firstName: FIRST, lastName: LAST, phone: PHONE });
    expect(await sql(t.db, `SELECT 1 FROM "Suppression" WHERE "tenantId" = $1`, [b.tenantId])).toHaveLength(0);
    expect(await sql(t.db, `SELECT 1 FROM "ContactErasure" WHERE "tenantId" = $1`, [b.tenantId])).toHaveLength(0);
    // B's long memory of them is B's: still there, and still found by their name.
    expect(await sql(t.db, `SELECT 1 FROM "MemoryItem" WHERE "tenantId" = $1 AND "contactId" = $2 AND "textSearch" @@ phraseto_tsquery('english', $3)`, [b.tenantId, bContactId, `${FIRST} ${LAST}`])).toHaveLength(1);
  });
});
