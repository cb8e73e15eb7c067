// Long memory over real HTTP: memorySearch (lead:read) with the parts of each
// score, typed errors for bad input, another tenant's contact reads as not
// found and its memories never show; a draft written from a recommendation
// shows the reviewer which memories its writer was given (Draft.memoriesUsed);
// and the outbox-driven index job picks up a new note by itself.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { indexMemory } from "../../../src/orchestration/memory/memory.js";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";
import { waitFor } from "../../helpers/wait.js";

const Search = graphql(`
  query MemorySearchQ($query: String!, $contactId: ID, $first: Int) {
    memorySearch(query: $query, contactId: $contactId, first: $first) {
      method
      model
      results { score similarity textRank recency memory { id sourceType sourceId contactId title excerpt occurredAt } }
      userErrors { code message field }
    }
  }
`);
const LeadIngest = graphql(`
  mutation MemLeadIngest($input: LeadIngestInput!) {
    leadIngest(input: $input) { lead { id contact { id } } userErrors { code message } }
  }
`);
const Accept = graphql(`
  mutation MemRecAccept($input: RecommendationAcceptInput!) {
    recommendationAccept(input: $input) {
      draft { id memoriesUsed { rank score memory { sourceType title excerpt } } }
      userErrors { code message field }
    }
  }
`);
const ActivityLog = graphql(`
  mutation MemActivityLog($input: ActivityLogInput!) {
    activityLog(input: $input) { activity { id } userErrors { code message field } }
  }
`);

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let contactA: string;
let leadA: string;

async function note(tenantId: string, contactId: string, subject: string, body: string): Promise<string> {
  const rows = await sql<{ id: string }>(
    t.db,
    `INSERT INTO "Activity" (id, "tenantId", type, direction, "occurredAt", subject, body, "contactId")
     VALUES (gen_random_uuid(), $1, 'CALL', 'OUTBOUND', now() - interval '2 days', $2, $3, $4) RETURNING id`,
    [tenantId, subject, body, contactId],
  );
  return rows[0]!.id;
}

beforeAll(async () => {
  t = await startTestApp({ env: { MEMORY_AUTO_INDEX: "true" } });
  a = await createTenant(t, "mem-api-a");
  b = await createTenant(t, "mem-api-b");
  const lead = await executeOk(t.graphqlUrl, LeadIngest, { input: { email: "vera@quasar.example", firstName: "Vera", companyName: "Quasar" } }, { token: a.members.MANAGER.token });
  leadA = decodeGlobalID(lead.leadIngest.lead!.id).id;
  contactA = decodeGlobalID(lead.leadIngest.lead!.contact!.id).id;
  await note(a.tenantId, contactA, "Call with Vera", "Vera needs the Terraform provider before the procurement review in May.");
  await indexMemory(t.app.services, a.tenantId);
});
afterAll(() => t?.close());

describe("memorySearch", () => {
  it.each(ALL_ROLES)("%s (lead:read) finds the tenant's memory with the parts of its score", async (role) => {
    const r = await executeOk(t.graphqlUrl, Search, { query: "Terraform provider", first: 5 }, { token: a.members[role].token });
    expect(r.memorySearch.userErrors).toEqual([]);
    expect(r.memorySearch.method).toBe("EXACT");
    expect(r.memorySearch.model).toBe("local-hash-256");
    const [hit] = r.memorySearch.results;
    expect(hit!.memory).toMatchObject({ sourceType: "ACTIVITY", title: "Call with Vera", contactId: encodeGlobalID("Contact", contactA) });
    expect(hit!.memory.excerpt).toContain("Terraform");
    expect(hit!.similarity).toBeGreaterThan(0);
    expect(hit!.textRank).toBeGreaterThan(0);
    expect(hit!.score).toBeCloseTo(0.6 * hit!.similarity + 0.25 * hit!.textRank + 0.15 * hit!.recency, 6);
  });

  it("bad input gets typed user errors", async () => {
    const token = a.members.OPERATOR.token;
    const empty = await executeOk(t.graphqlUrl, Search, { query: "   " }, { token });
    expect(empty.memorySearch.userErrors).toEqual([{ code: "VALIDATION_FAILED", message: "Say what to look for.", field: ["query"] }]);
    const many = await executeOk(t.graphqlUrl, Search, { query: "x", first: 500 }, { token });
    expect(many.memorySearch.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["first"] });
    const long = await executeOk(t.graphqlUrl, Search, { query: "y".repeat(2_001) }, { token });
    expect(long.memorySearch.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["query"] });
    const wrongType = await executeOk(t.graphqlUrl, Search, { query: "x", contactId: encodeGlobalID("Lead", leadA) }, { token });
    expect(wrongType.memorySearch.userErrors[0]).toMatchObject({ field: ["contactId"] });
    expect(wrongType.memorySearch.results).toEqual([]);
  });

  it("another tenant never sees A's memories, and A's contact reads as not found", async () => {
    const token = b.members.OWNER.token;
    const r = await executeOk(t.graphqlUrl, Search, { query: "Vera needs the Terraform provider before the procurement review in May.", first: 50 }, { token });
    expect(r.memorySearch.results).toEqual([]);
    const byContact = await executeOk(t.graphqlUrl, Search, { query: "Terraform", contactId: encodeGlobalID("Contact", contactA) }, { token });
    expect(byContact.memorySearch.userErrors).toEqual([{ code: "NOT_FOUND", message: "No Contact with this id.", field: ["contactId"] }]);
  });
});

describe("Draft.memoriesUsed", () => {
  it("a draft written from a recommendation shows the memories its writer was given", async () => {
    const rows = await sql<{ id: string }>(
      t.db,
      `INSERT INTO "Recommendation" (id, "tenantId", "leadId", "contactId", tool, title, params, rationale, confidence, "factsUsed", rank, "expiresAt", "audienceRole", provider, "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, $3, 'sendOutreachEmail', 'Send the Terraform provider update', '{"kind":"OUTREACH"}', 'She asked for the Terraform provider.', 0.7, ARRAY['memories[0]'], 1, now() + interval '3 days', 'MANAGER', 'local', now()) RETURNING id`,
      [a.tenantId, leadA, contactA],
    );
    const r = await executeOk(t.graphqlUrl, Accept, { input: { recommendationId: encodeGlobalID("Recommendation", rows[0]!.id) } }, { token: a.members.OPERATOR.token });
    expect(r.recommendationAccept.userErrors).toEqual([]);
    expect(r.recommendationAccept.draft!.memoriesUsed).toHaveLength(1);
    expect(r.recommendationAccept.draft!.memoriesUsed[0]).toMatchObject({ rank: 1, memory: { sourceType: "ACTIVITY", title: "Call with Vera" } });
    expect(r.recommendationAccept.draft!.memoriesUsed[0]!.score).toBeGreaterThan(0);
  });
});

describe("indexing from the outbox", () => {
  it("a logged call is indexed by the memory-index job without anyone asking, and becomes searchable", async () => {
    const token = a.members.OPERATOR.token;
    const logged = await executeOk(
      t.graphqlUrl,
      ActivityLog,
      { input: { type: "CALL", direction: "OUTBOUND", contactId: encodeGlobalID("Contact", contactA), subject: "Follow-up call", body: "Vera confirmed the Helsinki office will pilot with twelve seats." } },
      { token },
    );
    expect(logged.activityLog.userErrors).toEqual([]);
    const activityId = decodeGlobalID(logged.activityLog.activity!.id).id;
    await waitFor(async () => (await sql(t.db, `SELECT id FROM "MemoryItem" WHERE "sourceId" = $1 AND embedding IS NOT NULL`, [activityId])).length === 1, { timeout: 30_000, message: "the call indexed" });
    const r = await executeOk(t.graphqlUrl, Search, { query: "Helsinki pilot seats", first: 3 }, { token });
    expect(r.memorySearch.results[0]!.memory.sourceId).toBe(encodeGlobalID("Activity", activityId));
  }, 60_000);
});
