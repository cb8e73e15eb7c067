// Each kind of malformed input seen in outside testing gets a specific client
// error — BAD_USER_INPUT naming the argument, null / NOT_FOUND for ids that
// name nothing, a userError at the right field, a REJECTED import row — and
// changes nothing. Also: a committed mutation answers with what it committed
// even when reading the payload back afterwards fails.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { execute as executeGraphQL, parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSchema } from "../../src/api/schema/index.js";
import { contextFor } from "../../src/api/request.js";
import { createTenant, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute } from "../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp } from "../helpers/operator.js";

const NUL = "a\u0000b";
const LONE = "x\uD800y";
const MAILBOX = "sales@acme.example";
const BODY = "Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";

let t: TestApp;
let tenant: TestTenant;
let token: string;

beforeAll(async () => {
  t = await startOperatorApp({ env: { AGENT_WORKERS: "0" } });
  tenant = await createTenant(t, "bad");
  token = tenant.members.OWNER.token;
  await patchSettings(t.db, tenant.tenantId, { sending: { mailboxes: [MAILBOX] } });
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>) => execute(t.graphqlUrl, query, variables, { token });

async function post(body: string) {
  const response = await fetch(t.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body,
  });
  return { status: response.status, text: await response.text() };
}

function expectNoLeak(text: string) {
  expect(text).not.toMatch(/node_modules|\.ts:\d+|\bat \w+ \(|prisma|invalid input syntax|postgres|INTERNAL_SERVER_ERROR/i);
}

function expectBadInput(r: Awaited<ReturnType<typeof gql>>, argumentPath: string[]) {
  expect(r.status).toBeLessThan(500);
  expect(r.errors?.map((e) => ({ code: e.extensions?.code, argumentPath: e.extensions?.argumentPath, message: e.message }))).toEqual([
    { code: "BAD_USER_INPUT", argumentPath, message: expect.any(String) },
  ]);
  expectNoLeak(JSON.stringify(r.errors));
}

async function ingestLead(email: string) {
  const r = await gql(`mutation($input: LeadIngestInput!) { leadIngest(input: $input) { lead { id attributes } userErrors { code } } }`, {
    input: { email, firstName: "Ana", companyName: "Client Co" },
  });
  return (r.data as { leadIngest: { lead: { id: string; attributes: Record<string, unknown> } } }).leadIngest.lead;
}

const countLeads = async () => Number((await sql<{ n: string }>(t.db, `SELECT count(*) AS n FROM "Lead" WHERE "tenantId" = $1`, [tenant.tenantId]))[0]!.n);

describe("text PostgreSQL cannot store", () => {
  it("refuses a NUL in a search filter with BAD_USER_INPUT naming the argument", async () => {
    const r = await gql(`query($f: LeadFilter) { leads(filter: $f) { edges { node { id } } } }`, { f: { search: NUL } });
    expectBadInput(r, ["filter", "search"]);
  });

  it("refuses a NUL in a literal (not only in variables)", async () => {
    const r = await gql(`{ leads(filter: { search: "a\\u0000b" }) { edges { node { id } } } }`);
    expectBadInput(r, ["filter", "search"]);
  });

  it("refuses a lone surrogate in a draft subject and creates nothing", async () => {
    const contactId = await insertContact(t.db, tenant.tenantId, { email: "ana@client.example" });
    const before = await sql(t.db, `SELECT id FROM "Draft" WHERE "tenantId" = $1`, [tenant.tenantId]);
    const r = await gql(`mutation($input: DraftCreateInput!) { draftCreate(input: $input) { draft { id } userErrors { code } } }`, {
      input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: LONE, bodyText: BODY },
    });
    expectBadInput(r, ["input", "subject"]);
    expect(await sql(t.db, `SELECT id FROM "Draft" WHERE "tenantId" = $1`, [tenant.tenantId])).toEqual(before);
  });

  it("refuses NUL in the tenant settings patch and in an idempotency key", async () => {
    const settings = await gql(`mutation($input: TenantUpdateSettingsInput!) { tenantUpdateSettings(input: $input) { userErrors { code } } }`, {
      input: { settings: { general: { timeZone: NUL } } },
    });
    expectBadInput(settings, ["input", "settings", "general", "timeZone"]);
    const key = await gql(`mutation($input: LeadIngestInput!) { leadIngest(input: $input) { userErrors { code } } }`, {
      input: { email: "key@client.example", idempotencyKey: NUL },
    });
    expectBadInput(key, ["input", "idempotencyKey"]);
  });

  it("rejects only the bad row of an import: a NUL cell, a lone surrogate, a __proto__ key", async () => {
    const before = await countLeads();
    const csv = ["email,first_name,company", "good1@imp.example,Ann,Imp Co", `bad@imp.example,${NUL},Imp Co`, "good2@imp.example,Bob,Imp Co"].join("\n");
    const r = await gql(`mutation($input: LeadImportInput!) { leadImport(input: $input) { created rejected rows { row status errors { field code message } } userErrors { code } } }`, {
      input: { csv },
    });
    expect(r.errors).toBeUndefined();
    const result = (r.data as { leadImport: { created: number; rejected: number; rows: { row: number; status: string; errors: { field: string[]; code: string }[] }[] } }).leadImport;
    expect(result.created).toBe(2);
    expect(result.rejected).toBe(1);
    expect(result.rows[1]).toMatchObject({ row: 1, status: "REJECTED", errors: [{ code: "VALIDATION_FAILED", field: ["input", "rows", "1", "first_name"] }] });
    expect(await countLeads()).toBe(before + 2);

    const json = await gql(`mutation($input: LeadImportInput!) { leadImport(input: $input) { created rejected rows { status errors { field } } } }`, {
      input: { rows: [{ email: "good3@imp.example" }, { email: "bad2@imp.example", title: LONE }, JSON.parse('{"email": "bad3@imp.example", "attributes": {"__proto__": {"x": 1}}}')] },
    });
    expect(json.errors).toBeUndefined();
    const rows = (json.data as { leadImport: { created: number; rows: { status: string; errors: { field: string[] }[] }[] } }).leadImport;
    expect(rows.created).toBe(1);
    expect(rows.rows.map((x) => x.status)).toEqual(["CREATED", "REJECTED", "REJECTED"]);
    expect(rows.rows[2]!.errors[0]!.field).toEqual(["input", "rows", "2", "attributes", "__proto__"]);
  });

  it("answers raw message text with a NUL (also one hidden in quoted-printable) with a userError at input.raw", async () => {
    const raw = (body: string, cte = "7bit") =>
      `From: Ana <ana@client.example>\r\nTo: ${MAILBOX}\r\nSubject: Hello\r\nMessage-ID: <${Math.random()}@client.example>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${body}\r\n`;
    for (const input of [{ raw: raw(`Hi${NUL}there`) }, { raw: raw("Hi=00there", "quoted-printable") }]) {
      const r = await gql(`mutation($input: MessageIngestInput!) { messageIngest(input: $input) { inboundMessage { id } userErrors { field code message } } }`, { input });
      expect(r.errors).toBeUndefined();
      const payload = (r.data as { messageIngest: { inboundMessage: unknown; userErrors: { field: string[]; code: string; message: string }[] } }).messageIngest;
      expect(payload.inboundMessage).toBeNull();
      expect(payload.userErrors).toEqual([{ field: ["input", "raw"], code: "VALIDATION_FAILED", message: expect.stringMatching(/NUL/) }]);
    }
  });
});

describe("keys named like built-ins", () => {
  it("refuses constructor / __proto__ in an attributes patch and changes nothing", async () => {
    const lead = await ingestLead("proto@client.example");
    for (const key of ["constructor", "__proto__"]) {
      const r = await gql(`mutation($input: LeadUpdateInput!) { leadUpdate(input: $input) { lead { attributes } userErrors { code } } }`, {
        input: { leadId: lead.id, attributes: JSON.parse(`{"${key}": {"polluted": true}}`) },
      });
      expectBadInput(r, ["input", "attributes", key]);
    }
    const after = await sql<{ attributes: unknown }>(t.db, `SELECT attributes FROM "Lead" WHERE id = $1`, [Buffer.from(lead.id, "base64").toString().split(":")[1]]);
    expect(after[0]!.attributes).toEqual({});
  });

  it("refuses a CSV whose header is named like a built-in, with a userError at input.csv", async () => {
    const before = await countLeads();
    const r = await gql(`mutation($input: LeadImportInput!) { leadImport(input: $input) { created userErrors { field code message } } }`, {
      input: { csv: "email,constructor\nc1@imp.example,x\n" },
    });
    expect(r.errors).toBeUndefined();
    const payload = (r.data as { leadImport: { created: number | null; userErrors: { field: string[]; code: string; message: string }[] } }).leadImport;
    expect(payload.userErrors).toEqual([{ field: ["input", "csv"], code: "VALIDATION_FAILED", message: expect.stringMatching(/constructor.*reserved/) }]);
    expect(await countLeads()).toBe(before);
  });

  it("keeps toString-like headers as ordinary attributes", async () => {
    const r = await gql(`mutation($input: LeadImportInput!) { leadImport(input: $input) { created rows { leadId } } }`, {
      input: { csv: "email,toString,hasOwnProperty\nts@imp.example,a,b\n" },
    });
    expect(r.errors).toBeUndefined();
    const leadId = (r.data as { leadImport: { created: number; rows: { leadId: string }[] } }).leadImport.rows[0]!.leadId;
    const node = await gql(`query($id: ID!) { node(id: $id) { ... on Lead { attributes } } }`, { id: leadId });
    expect((node.data as { node: { attributes: unknown } }).node.attributes).toEqual({ to_string: "a", has_own_property: "b" });
  });
});

describe("ids and cursors that name nothing", () => {
  it("reads a global id with a non-uuid id part, of an unknown type or of a non-Node type as null", async () => {
    const ids = [encodeGlobalID("Lead", "not-a-uuid"), encodeGlobalID("Nope", "0196f2a8-0000-7000-8000-000000000000"), encodeGlobalID("UserError", "0196f2a8-0000-7000-8000-000000000000")];
    for (const id of ids) {
      const r = await gql(`query($id: ID!) { node(id: $id) { id } }`, { id });
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      expect(r.data).toEqual({ node: null });
    }
    const lead = await ingestLead("nodes@client.example");
    const many = await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [ids[0], lead.id, ids[1]] });
    expect(many.errors).toBeUndefined();
    expect(many.data).toEqual({ nodes: [null, { id: lead.id }, null] });
    const draft = await gql(`query($id: ID!) { draft(id: $id) { id } }`, { id: encodeGlobalID("Draft", "not-a-uuid") });
    expect(draft.errors).toBeUndefined();
    expect(draft.data).toEqual({ draft: null });
  });

  it("answers a mutation on such an id with NOT_FOUND at the field", async () => {
    const r = await gql(`mutation($input: LeadUpdateInput!) { leadUpdate(input: $input) { lead { id } userErrors { field code } } }`, {
      input: { leadId: encodeGlobalID("Lead", "1; DROP TABLE"), source: "x" },
    });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ leadUpdate: { lead: null, userErrors: [{ field: ["input", "leadId"], code: "NOT_FOUND" }] } });
  });

  it("filters by an id that names nothing match nothing", async () => {
    await ingestLead("filter@client.example");
    const r = await gql(`query($f: LeadFilter) { leads(filter: $f) { edges { node { id } } } }`, { f: { companyId: encodeGlobalID("Company", "garbage") } });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ leads: { edges: [] } });
  });

  it("refuses pagination cursors this API did not issue", async () => {
    for (const after of [Buffer.from("GPC:S:not-a-uuid").toString("base64"), Buffer.from("GPC:J:{broken").toString("base64"), "%%%", Buffer.from("OffsetConnection:3").toString("base64")]) {
      const r = await gql(`query($after: String) { leads(first: 5, after: $after) { edges { node { id } } } }`, { after });
      expectBadInput(r, ["after"]);
    }
  });
});

describe("shapes", () => {
  it("refuses a JSON variable nested thousands of levels deep", async () => {
    // Written by hand: JSON.stringify itself runs out of stack on such a value.
    const deep = `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`;
    const query = JSON.stringify("mutation($input: TenantUpdateSettingsInput!) { tenantUpdateSettings(input: $input) { userErrors { code } } }");
    const r = await post(`{"query":${query},"variables":{"input":{"settings":${deep}}}}`);
    expect(r.status).toBeLessThan(500);
    const body = JSON.parse(r.text) as { errors: { message: string; extensions: { code: string; argumentPath: string[] } }[] };
    expect(body.errors[0]!.extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors[0]!.message).toMatch(/nested more than 32 levels/);
    expectNoLeak(r.text);
  });

  it("answers a subscription sent over HTTP POST with 400 and a clear message", async () => {
    const r = await post(JSON.stringify({ query: "subscription { events { type } }" }));
    expect(r.status).toBe(400);
    const body = JSON.parse(r.text) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe("BAD_REQUEST");
    expect(body.errors[0]!.message).toMatch(/WebSocket/);
    expectNoLeak(r.text);
  });
});

describe("a committed mutation whose payload cannot be read back", () => {
  it("still reports success with the committed object", async () => {
    const lead = await ingestLead("readback@client.example");
    const principal = await t.app.authenticator.authenticate({ bearer: token, apiKey: null });
    const ctx = contextFor(t.app.services, principal, { requestId: "readback", traceId: null }, null);
    // After the commit the database "goes away" for this request's reads (as when its connection is killed).
    const lost = () => Promise.reject(Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" }));
    const db = new Proxy(ctx.db, {
      get: (target, prop, receiver) =>
        prop === "lead" ? new Proxy(Reflect.get(target, prop, receiver) as object, { get: (d, p) => (p === "findUnique" || p === "findUniqueOrThrow" || p === "findMany" ? lost : Reflect.get(d, p)) }) : Reflect.get(target, prop, receiver),
    });
    const result = await executeGraphQL({
      schema: buildSchema(),
      document: parse(`mutation($input: LeadUpdateInput!) { leadUpdate(input: $input) { lead { id source status } userErrors { code } } }`),
      variableValues: { input: { leadId: lead.id, source: "webinar-after-commit" } },
      contextValue: { ...ctx, db },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ leadUpdate: { lead: { id: lead.id, source: "webinar-after-commit", status: "NEW" }, userErrors: [] } });
    const stored = await sql<{ source: string }>(t.db, `SELECT source FROM "Lead" WHERE id = $1`, [Buffer.from(lead.id, "base64").toString().split(":")[1]]);
    expect(stored[0]!.source).toBe("webinar-after-commit");
  });
});
