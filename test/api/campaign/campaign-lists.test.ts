// Contact lists and the segments' "lists" criterion (issue 12): a list is
// created and filled by someone who may edit leads (audited), a campaign
// preview and a sequence's enrolment rule take the contacts on any of the
// named lists, and another tenant can neither fill nor use the list.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSequenceSegment } from "../../../src/orchestration/sequence/sequence-segment.js";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp } from "../../helpers/operator.js";

const CREATE_LIST = `mutation($input: ContactListCreateInput!) { contactListCreate(input: $input) { contactList { id name memberCount } userErrors { code field message } } }`;
const ADD = `mutation($input: ContactListMembersInput!) { contactListAddContacts(input: $input) { contactList { id memberCount } changed userErrors { code field message } } }`;
const REMOVE = `mutation($input: ContactListMembersInput!) { contactListRemoveContacts(input: $input) { contactList { id memberCount } changed userErrors { code field message } } }`;
const LISTS = `query { contactLists(first: 10) { edges { node { id name memberCount } } } }`;
const PREVIEW = `query($input: CampaignPreviewInput!) { campaignPreview(input: $input, first: 50) { preview { matched ranked { email } } userErrors { code field message } } }`;
const SEQUENCE = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code message } } }`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let t: TestApp;
let a: TestTenant;
let b: TestTenant;
const people: Record<string, string> = {};

async function gql(token: string, query: string, variables: Record<string, unknown> = {}) {
  return execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
}
async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await gql(token, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as Json;
}
const contactGids = (...names: string[]) => names.map((n) => encodeGlobalID("Contact", people[n]!));

beforeAll(async () => {
  t = await startOperatorApp({ workers: 0 });
  a = await createTenant(t, "lists-a");
  b = await createTenant(t, "lists-b");
  for (const tenant of [a, b]) await patchSettings(t.db, tenant.tenantId, { general: { timeZone: "Europe/Berlin" }, sending: { mailboxes: [`sales@${tenant.slug}.example`] } });
  for (const name of ["ann", "bob", "cy", "dee"]) people[name] = await insertContact(t.db, a.tenantId, { email: `${name}@lists.example`, firstName: name });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("contact lists as a segment criterion", () => {
  let vip: string;
  let fair: string;

  it("an OPERATOR creates lists and fills them (audited); an ANALYST may not; names are unique", async () => {
    vip = (await ok(a.members.OPERATOR.token, CREATE_LIST, { input: { name: "VIP" } })).contactListCreate.contactList.id;
    fair = (await ok(a.members.OPERATOR.token, CREATE_LIST, { input: { name: "Trade fair 2027" } })).contactListCreate.contactList.id;
    expect((await ok(a.members.OPERATOR.token, CREATE_LIST, { input: { name: "VIP" } })).contactListCreate.userErrors.map((e: Json) => e.code)).toEqual(["CONFLICT"]);
    const denied = await gql(a.members.ANALYST.token, CREATE_LIST, { input: { name: "Nope" } });
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const added = await ok(a.members.OPERATOR.token, ADD, { input: { listId: vip, contactIds: contactGids("ann", "bob", "ann") } });
    expect(added.contactListAddContacts).toMatchObject({ changed: 2, contactList: { memberCount: 2 }, userErrors: [] });
    expect((await ok(a.members.OPERATOR.token, ADD, { input: { listId: fair, contactIds: contactGids("cy") } })).contactListAddContacts.changed).toBe(1);
    // Adding again changes nothing.
    expect((await ok(a.members.OPERATOR.token, ADD, { input: { listId: vip, contactIds: contactGids("bob") } })).contactListAddContacts.changed).toBe(0);
    const audit = await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" LIKE 'contact_list.%'`, [a.tenantId]);
    expect(audit.length).toBe(5);
    const lists = (await ok(a.members.ANALYST.token, LISTS)).contactLists.edges.map((e: Json) => e.node);
    expect(lists.map((l: Json) => [l.name, l.memberCount])).toEqual([["Trade fair 2027", 1], ["VIP", 2]]);
  }, 60_000);

  it("a campaign preview takes the contacts on any of the named lists; a bad list id is refused", async () => {
    const emails = async (lists: string[]) =>
      (await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief: "Lists.", segment: { lists } } })).campaignPreview.preview.ranked.map((r: Json) => r.email).sort();
    expect(await emails([vip])).toEqual(["ann@lists.example", "bob@lists.example"]);
    expect(await emails([vip, fair])).toEqual(["ann@lists.example", "bob@lists.example", "cy@lists.example"]);
    const removed = await ok(a.members.OPERATOR.token, REMOVE, { input: { listId: vip, contactIds: contactGids("bob") } });
    expect(removed.contactListRemoveContacts).toMatchObject({ changed: 1, contactList: { memberCount: 1 } });
    expect(await emails([vip])).toEqual(["ann@lists.example"]);
    const bad = await ok(a.members.OPERATOR.token, PREVIEW, { input: { brief: "Lists.", segment: { lists: [encodeGlobalID("Contact", people.ann!)] } } });
    expect(bad.campaignPreview.userErrors.map((e: Json) => e.code)).toEqual(["VALIDATION_FAILED"]);
  }, 60_000);

  it("a sequence's enrolment rule on a list enrols its members only", async () => {
    const created = await ok(a.members.MANAGER.token, SEQUENCE, { input: { name: "List rule", steps: [{ kind: "EMAIL", delayAmount: 1, brief: "Hello." }], skipWeekends: false } });
    const sequenceId = decodeGlobalID(created.sequenceCreate.sequence.id).id;
    await sql(t.db, `UPDATE "Sequence" SET "segment" = $2::jsonb WHERE "id" = $1`, [sequenceId, JSON.stringify({ lists: [decodeGlobalID(fair).id] })]);
    const run = await runSequenceSegment(t.app.services, { tenantId: a.tenantId, sequenceId });
    expect(run).toMatchObject({ enrolled: 1 });
    const rows = await sql<{ contactId: string }>(t.db, `SELECT "contactId" FROM "SequenceEnrollment" WHERE "sequenceId" = $1`, [sequenceId]);
    expect(rows.map((r) => r.contactId)).toEqual([people.cy]);
  }, 60_000);

  it("another tenant can neither fill A's list nor match A's contacts with it", async () => {
    const theirs = await insertContact(t.db, b.tenantId, { email: "eve@lists-b.example", firstName: "eve" });
    const add = await ok(b.members.OPERATOR.token, ADD, { input: { listId: vip, contactIds: [encodeGlobalID("Contact", theirs)] } });
    expect(add.contactListAddContacts.userErrors.map((e: Json) => e.code)).toEqual(["NOT_FOUND"]);
    // A's contacts are unknown to B: not added to B's own list either.
    const own = (await ok(b.members.OPERATOR.token, CREATE_LIST, { input: { name: "VIP" } })).contactListCreate.contactList.id;
    expect((await ok(b.members.OPERATOR.token, ADD, { input: { listId: own, contactIds: contactGids("ann") } })).contactListAddContacts.changed).toBe(0);
    const preview = await ok(b.members.OPERATOR.token, PREVIEW, { input: { brief: "Lists.", segment: { lists: [vip] } } });
    expect(preview.campaignPreview.preview.matched).toBe(0);
    expect((await ok(b.members.ANALYST.token, LISTS)).contactLists.edges.map((e: Json) => e.node.name)).toEqual(["VIP"]);
    expect(await sql(t.db, `SELECT 1 FROM "ContactListMember" WHERE "tenantId" = $1`, [b.tenantId])).toHaveLength(0);
  }, 60_000);
});
