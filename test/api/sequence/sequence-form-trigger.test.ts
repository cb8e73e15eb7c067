// The form-submission trigger of sequences end to end (issue 12): a signed
// form posted to the tenant's inbound webhook enrols the person in the
// tenant's form sequence (settings.sequences.formSequenceId) — its first step
// is the follow-up, so no one-off reply draft is asked for; a second form
// from the same person is refused ALREADY_ENROLLED and gets the usual reply;
// another tenant naming this tenant's sequence gets NOT_FOUND.
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { patchSettings, sql, startOperatorApp, waitFor } from "../../helpers/operator.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CREATE_ENDPOINT = `mutation($input: InboundWebhookEndpointCreateInput!) { inboundWebhookEndpointCreate(input: $input) {
  secret inboundWebhookEndpoint { url } userErrors { code message } } }`;
const CREATE_SEQUENCE = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code message } } }`;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let sequenceId: string;

async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as Json;
}

/** Posts a form as a generic signed sender does (hex HMAC-SHA256 of `<timestamp>.<body>`). */
async function postForm(tenant: TestTenant, email: string): Promise<void> {
  const ep = (await ok(tenant.members.ADMIN.token, CREATE_ENDPOINT, { input: { kind: "GENERIC", name: `form ${randomUUID().slice(0, 6)}` } })).inboundWebhookEndpointCreate;
  const body = JSON.stringify({ type: "form.submission", email, name: "Dana Whitfield", company: "Northwind Freight", message: "Can you show us pricing for 12 people?", formName: "Contact us" });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", ep.secret).update(`${timestamp}.${body}`).digest("hex");
  const r = await fetch(ep.inboundWebhookEndpoint.url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-webhook-id": randomUUID(), "x-webhook-timestamp": timestamp, "x-webhook-signature": `sha256=${signature}` },
    body,
  });
  expect(r.status).toBe(200);
}

async function triggered(tenantId: string, n: number): Promise<Json[]> {
  return waitFor(async () => {
    const rows = await sql<{ payload: Json }>(t.db, `SELECT "payload" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.sequence.triggered' ORDER BY "createdAt", "id"`, [tenantId]);
    return rows.length >= n ? rows.map((r) => r.payload) : null;
  }, 60_000, `${n} sales.sequence.triggered event(s)`);
}

const replyRuns = (tenantId: string) => sql(t.db, `SELECT 1 FROM "AgentRun" WHERE "tenantId" = $1 AND "agent" = 'draft-writer'`, [tenantId]);

beforeAll(async () => {
  t = await startOperatorApp({ workers: 0, env: { AGENT_POLL_SECONDS: "0.5" } });
  a = await createTenant(t, "formseq-a");
  b = await createTenant(t, "formseq-b");
  const created = await ok(a.members.MANAGER.token, CREATE_SEQUENCE, { input: { name: "Form follow-up", steps: [{ kind: "EMAIL", delayAmount: 0, brief: "Answer the form and offer a call." }] } });
  sequenceId = Buffer.from(created.sequenceCreate.sequence.id, "base64").toString("utf8").split(":").slice(1).join(":");
  await patchSettings(t.db, a.tenantId, { sending: { mailboxes: ["sales@formseq-a.example"] }, sequences: { formSequenceId: sequenceId } });
  // Tenant B names A's sequence: it must not reach it.
  await patchSettings(t.db, b.tenantId, { sending: { mailboxes: ["sales@formseq-b.example"] }, sequences: { formSequenceId: sequenceId } });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("sequences: the form-submission trigger", () => {
  it("a form enrols the person in the form sequence, instead of a one-off reply; a second form is refused ALREADY_ENROLLED and gets the reply", async () => {
    const email = "dana@northwind-freight.example";
    await postForm(a, email);
    const [first] = await triggered(a.tenantId, 1);
    expect(first).toMatchObject({ sequenceId, trigger: "FORM_SUBMISSION", refusal: null });
    const [contact] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Contact" WHERE "tenantId" = $1 AND "email" = $2`, [a.tenantId, email]);
    expect(first!.contactId).toBe(contact!.id);
    const enrolments = await sql<{ id: string; status: string }>(t.db, `SELECT "id", "status"::text FROM "SequenceEnrollment" WHERE "sequenceId" = $1 AND "contactId" = $2`, [sequenceId, contact!.id]);
    expect(enrolments).toEqual([{ id: first!.enrollmentId, status: "ACTIVE" }]);
    expect(await replyRuns(a.tenantId)).toHaveLength(0);
    const audit = await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'sequence.triggered' AND "targetId" = $2`, [a.tenantId, sequenceId]);
    expect(audit).toHaveLength(1);

    await postForm(a, email);
    const [, second] = await triggered(a.tenantId, 2);
    expect(second).toMatchObject({ sequenceId, trigger: "FORM_SUBMISSION", enrollmentId: null, refusal: "ALREADY_ENROLLED" });
    await waitFor(async () => (await replyRuns(a.tenantId)).length === 1, 30_000, "the one-off reply's draft-writer run");
    expect(await sql(t.db, `SELECT 1 FROM "SequenceEnrollment" WHERE "sequenceId" = $1`, [sequenceId])).toHaveLength(1);
  }, 120_000);

  it("another tenant's form never reaches this tenant's sequence (NOT_FOUND), and gets its usual reply", async () => {
    await postForm(b, "dana@northwind-freight.example");
    const [event] = await triggered(b.tenantId, 1);
    expect(event).toMatchObject({ sequenceId, trigger: "FORM_SUBMISSION", enrollmentId: null, refusal: "NOT_FOUND" });
    expect(await sql(t.db, `SELECT 1 FROM "SequenceEnrollment" WHERE "tenantId" = $1`, [b.tenantId])).toHaveLength(0);
    await waitFor(async () => (await replyRuns(b.tenantId)).length === 1, 30_000, "B's reply run");
  }, 120_000);
});
