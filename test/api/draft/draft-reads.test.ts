// Reading drafts: the tenant's settings are read once per request however
// many drafts ask for approvalsRequired (no N+1), and a database failure while
// reading a draft is an error — never "not found".
import { encodeGlobalID } from "@pothos/plugin-relay";
import { execute as executeGraphQL, parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFor } from "../../../src/api/request.js";
import { buildSchema } from "../../../src/api/schema/index.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, patchSettings, startOperatorApp } from "../../helpers/operator.js";

const MAILBOX = "sales@acme.example";
const BODY = "Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";

let t: TestApp;
let tenant: TestTenant;
let counting = false;
const queries: string[] = [];

beforeAll(async () => {
  t = await startOperatorApp({ onQuery: (sql) => void (counting && queries.push(sql)), env: { AGENT_WORKERS: "0" } });
  tenant = await createTenant(t, "dreads");
  await patchSettings(t.db, tenant.tenantId, { sending: { mailboxes: [MAILBOX] }, approval: { requiredApprovals: 2 } });
});
afterAll(() => t?.close());

async function createDraft(n: number): Promise<string> {
  const contactId = await insertContact(t.db, tenant.tenantId, { email: `ana${n}@client${n}.example` });
  const r = await execute(
    t.graphqlUrl,
    `mutation($input: DraftCreateInput!) { draftCreate(input: $input) { draft { id } userErrors { code message } } }`,
    { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: `Follow-up ${n}`, bodyText: BODY } },
    { token: tenant.members.OWNER.token },
  );
  const payload = (r.data as { draftCreate: { draft: { id: string } | null; userErrors: unknown[] } }).draftCreate;
  expect(payload.userErrors).toEqual([]);
  return payload.draft!.id;
}

describe("draft reads", () => {
  it("reads the tenant's settings once per request for approvalsRequired of many drafts", async () => {
    for (let i = 0; i < 5; i++) await createDraft(i);
    queries.length = 0;
    counting = true;
    const r = await execute(t.graphqlUrl, `{ drafts(first: 20) { edges { node { id approvalsRequired } } } }`, undefined, { token: tenant.members.OWNER.token });
    counting = false;
    expect(r.errors).toBeUndefined();
    const nodes = (r.data as { drafts: { edges: { node: { approvalsRequired: number } }[] } }).drafts.edges;
    expect(nodes).toHaveLength(5);
    expect(nodes.every((e) => e.node.approvalsRequired === 2)).toBe(true);
    const settingsReads = queries.filter((sql) => /FROM "public"\."Tenant"/.test(sql) && /"settings"/.test(sql));
    expect(settingsReads).toHaveLength(1);
  });

  it("answers a database failure while reading a draft with an error, not with null", async () => {
    const id = await createDraft(99);
    const principal = await t.app.authenticator.authenticate({ bearer: tenant.members.OWNER.token, apiKey: null });
    const ctx = contextFor(t.app.services, principal, { requestId: "draft-outage", traceId: null }, null);
    const down = () => Promise.reject(Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" }));
    const db = new Proxy(ctx.db, {
      get: (target, prop, receiver) =>
        prop === "draft" ? new Proxy(Reflect.get(target, prop, receiver) as object, { get: (d, p) => (String(p).startsWith("find") ? down : Reflect.get(d, p)) }) : Reflect.get(target, prop, receiver),
    });
    const result = await executeGraphQL({ schema: buildSchema(), document: parse(`query($id: ID!) { draft(id: $id) { id } }`), variableValues: { id }, contextValue: { ...ctx, db } });
    expect(result.data).toEqual({ draft: null });
    expect(result.errors?.map((e) => e.message)).toEqual(["Connection terminated unexpectedly"]);
  });
});
