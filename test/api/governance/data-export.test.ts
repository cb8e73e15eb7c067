// Data exports end to end: contactExport (MANAGER and up) and tenantExport
// (OWNER only) are built by the data-export job into gzip'd JSON lines;
// dataExport shows the status and, to the requester only, a signed link
// that downloads once (then 410), expires (410), and refuses forgeries (404).
// The contact's archive holds everything seeded about them and nothing of
// another contact or tenant.
import { gunzipSync } from "node:zlib";
import { decodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawEmail } from "../../helpers/agents.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";
import { waitFor } from "../../helpers/wait.js";

type Json = Record<string, any>;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let contactGid: string;
let otherGid: string;

async function gql(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

const EXPORT = `mutation($input: ContactExportInput!) { contactExport(input: $input) { dataExport { id status scope } userErrors { code field } } }`;
const STATUS = `query($id: ID!) { dataExport(id: $id) { id status scope recordCount byteSize downloadUrl expiresAt downloadedAt } }`;

async function ingest(tenant: TestTenant, input: Json): Promise<string> {
  const r = await gql(tenant.members.MANAGER.token, `mutation($input: LeadIngestInput!) { leadIngest(input: $input) { lead { contact { id } } userErrors { code } } }`, { input });
  return r.leadIngest.lead.contact.id;
}

async function ready(id: string, token: string): Promise<Json> {
  return waitFor(
    async () => {
      const r = await gql(token, STATUS, { id });
      return r.dataExport?.status === "READY" ? r.dataExport : null;
    },
    { timeout: 60_000, interval: 250, message: "the export to be ready" },
  );
}

function lines(archive: ArrayBuffer): Json[] {
  return gunzipSync(Buffer.from(archive)).toString("utf8").trim().split("\n").map((l) => JSON.parse(l));
}

beforeAll(async () => {
  t = await startTestApp();
  a = await createTenant(t, "export-a");
  b = await createTenant(t, "export-b");
  contactGid = await ingest(a, { email: "marisol.vantongeren@kelp-works.example", firstName: "Marisol", lastName: "Vantongeren", phone: "+31 20 555 0147", companyName: "Kelp Works" });
  otherGid = await ingest(a, { email: "bartholomew.ostrander@kelp-works.example", firstName: "Bartholomew", lastName: "Ostrander" });
  await ingest(b, { email: "marisol.vantongeren@kelp-works.example", firstName: "Marisol", lastName: "OtherTenant" });
  await gql(a.members.OPERATOR.token, `mutation($input: ActivityLogInput!) { activityLog(input: $input) { userErrors { code } } }`, {
    input: { type: "NOTE", direction: "INTERNAL", contactId: contactGid, body: "Marisol prefers calls after 3pm" },
  });
  await gql(a.members.OPERATOR.token, `mutation($input: TaskCreateInput!) { taskCreate(input: $input) { userErrors { code } } }`, {
    input: { title: "Send Marisol the kelp case study", contactId: contactGid },
  });
  await gql(a.members.OPERATOR.token, `mutation($input: DraftCreateInput!) { draftCreate(input: $input) { userErrors { code } } }`, {
    input: { recipient: { contactId: contactGid }, subject: "Kelp case study", bodyText: "Hello Marisol, here is the case study we talked about on the phone." },
  });
  const reply = await gql(a.members.OPERATOR.token, `mutation($input: MessageIngestInput!) { messageIngest(input: $input) { userErrors { code message } } }`, {
    input: {
      raw: rawEmail(
        { From: "Marisol Vantongeren <marisol.vantongeren@kelp-works.example>", To: "sales@export-a.example", Subject: "Thanks", "Message-ID": "<thanks-1@kelp-works.example>" },
        ["Thanks, the seaweed numbers look great.", "", "Marisol"],
      ),
    },
  });
  expect(reply.messageIngest.userErrors).toEqual([]);
}, 120_000);
afterAll(() => t?.close());

describe("contactExport", () => {
  let url: string;

  it("is refused to an OPERATOR; another tenant cannot export A's contact", async () => {
    const op = await execute<Json, Record<string, unknown>>(t.graphqlUrl, EXPORT, { input: { contactId: contactGid } }, { token: a.members.OPERATOR.token });
    expect(op.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const foreign = await gql(b.members.MANAGER.token, EXPORT, { input: { contactId: contactGid } });
    expect(foreign.contactExport).toEqual({ dataExport: null, userErrors: [{ code: "NOT_FOUND", field: ["input", "contactId"] }] });
  });

  it("is built by the job; the archive holds everything about the person and nothing of anyone else", async () => {
    const r = await gql(a.members.MANAGER.token, EXPORT, { input: { contactId: contactGid } });
    expect(r.contactExport.userErrors).toEqual([]);
    expect(r.contactExport.dataExport).toMatchObject({ status: "QUEUED", scope: "CONTACT" });
    const done = await ready(r.contactExport.dataExport.id, a.members.MANAGER.token);
    expect(done.downloadUrl).toMatch(new RegExp(`^${t.url}/exports/x1\\.`));
    // Another manager sees the status but not the link (a bearer credential for the requester).
    const seen = await gql(a.members.ADMIN.token, STATUS, { id: done.id });
    expect(seen.dataExport).toMatchObject({ status: "READY", downloadUrl: null });
    // Tenant B cannot see it at all.
    expect((await gql(b.members.OWNER.token, STATUS, { id: done.id })).dataExport).toBeNull();
    url = done.downloadUrl;

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const records = lines(await res.arrayBuffer());
    expect(records[0]).toMatchObject({ type: "manifest", data: { scope: "CONTACT", tenantId: a.tenantId } });
    const types = new Set(records.map((l) => l.type));
    for (const type of ["Contact", "Company", "Lead", "Activity", "Task", "Draft", "DraftRevision", "InboundMessage", "EmailThread"]) expect(types, type).toContain(type);
    const text = JSON.stringify(records);
    for (const s of ["marisol.vantongeren@kelp-works.example", "+31 20 555 0147", "prefers calls after 3pm", "kelp case study", "seaweed numbers look great"]) expect(text).toContain(s);
    expect(text).not.toContain("Bartholomew");
    expect(text).not.toContain("OtherTenant");
    expect(text).not.toContain(b.tenantId);
    expect(records.filter((l) => l.type === "Contact").map((l) => l.data.id)).toEqual([decodeGlobalID(contactGid).id]);
    // No secrets or hashes.
    expect(text).not.toMatch(/"[a-zA-Z]*(?:[Hh]ash|[Ss]ecret|[Tt]oken)"\s*:/);
  });

  it("downloads once: the second request gets 410 and the archive is gone", async () => {
    const again = await fetch(url);
    expect(again.status).toBe(410);
    const [row] = await sql<{ status: string; archive: Buffer | null }>(t.db, `SELECT "status"::text, "archive" FROM "DataExport" WHERE "tenantId" = $1 AND "scope" = 'CONTACT'`, [a.tenantId]);
    expect(row).toEqual({ status: "DOWNLOADED", archive: null });
    const audit = await sql(t.db, `SELECT "action" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" LIKE 'data_export.%' ORDER BY "createdAt", "id"`, [a.tenantId]);
    expect(audit.map((x: Json) => x.action)).toEqual(["data_export.requested", "data_export.ready", "data_export.downloaded"]);
  });

  it("an expired link gets 410; a forged or altered one 404", async () => {
    const r = await gql(a.members.MANAGER.token, EXPORT, { input: { contactId: otherGid } });
    const done = await ready(r.contactExport.dataExport.id, a.members.MANAGER.token);
    const link: string = done.downloadUrl;
    const token = link.split("/exports/")[1]!;
    const [, payload, sig] = /^x1\.([^.]+)\.(.+)$/.exec(token)!;
    const tampered = JSON.parse(Buffer.from(payload!, "base64url").toString());
    tampered.e += 3600;
    const forged = `x1.${Buffer.from(JSON.stringify(tampered)).toString("base64url")}.${sig}`;
    expect((await fetch(`${t.url}/exports/${forged}`)).status).toBe(404);
    expect((await fetch(`${t.url}/exports/x1.bm9wZQ.${"A".repeat(43)}`)).status).toBe(404);
    expect((await fetch(`${t.url}/exports/garbage`)).status).toBe(404);

    await sql(t.db, `UPDATE "DataExport" SET "expiresAt" = now() - interval '1 second' WHERE "id" = $1`, [decodeGlobalID(done.id).id]);
    expect((await fetch(link)).status).toBe(410);
    const [row] = await sql<{ status: string }>(t.db, `SELECT "status"::text FROM "DataExport" WHERE "id" = $1`, [decodeGlobalID(done.id).id]);
    expect(row!.status).toBe("READY");
  });
});

describe("tenantExport", () => {
  it("is OWNER only, and holds the tenant's rows and none of another tenant's", async () => {
    const admin = await execute<Json, Record<string, unknown>>(t.graphqlUrl, `mutation { tenantExport { dataExport { id } userErrors { code } } }`, {}, { token: a.members.ADMIN.token });
    expect(admin.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const r = await gql(a.members.OWNER.token, `mutation { tenantExport { dataExport { id status scope } userErrors { code } } }`);
    expect(r.tenantExport.dataExport).toMatchObject({ status: "QUEUED", scope: "TENANT" });
    // A manager does not even see the tenant export in the list.
    const listed = await gql(a.members.MANAGER.token, `{ dataExports { id scope } }`);
    expect(listed.dataExports.map((e: Json) => e.scope)).not.toContain("TENANT");
    const done = await ready(r.tenantExport.dataExport.id, a.members.OWNER.token);
    const res = await fetch(done.downloadUrl);
    expect(res.status).toBe(200);
    const records = lines(await res.arrayBuffer());
    const text = JSON.stringify(records);
    expect(records.filter((l) => l.type === "Contact")).toHaveLength(2);
    expect(text).toContain("Bartholomew");
    expect(text).toContain("seaweed numbers look great");
    expect(text).not.toContain("OtherTenant");
    expect(text).not.toContain(b.tenantId);
    expect(records.some((l) => l.type === "ConnectionCredential" || l.type === "DataExport")).toBe(false);
  });
});

