// The sales connections: filters, text search, sorting with stable cursor
// pagination, and no N+1 queries on a page of 50 leads with company and score.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLeadScoringJob } from "../../../src/jobs/lead-scoring.js";
import { graphql } from "../../generated/gql/index.js";
import type { SalesQueryLeadsQuery } from "../../generated/gql/graphql.js";
import { asOwner } from "../../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { executeOk } from "../../helpers/graphql.js";
import { waitFor } from "../../helpers/wait.js";

const Import = graphql(`
  mutation SalesQueryImport($input: LeadImportInput!) {
    leadImport(input: $input) { created rows { leadId } userErrors { code } }
  }
`);

const Leads = graphql(`
  query SalesQueryLeads($first: Int, $after: String, $filter: LeadFilter, $orderBy: LeadOrder) {
    leads(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id
          status
          score
          grade
          ownerId
          company { id name domains }
          contact { email firstName lastName }
          latestScore { score grade confidence factors { feature contribution reason } }
        }
      }
    }
  }
`);

const Deals = graphql(`
  query SalesQueryDeals($filter: DealFilter, $orderBy: DealOrder) {
    deals(first: 20, filter: $filter, orderBy: $orderBy) { edges { node { name amount stage company { name } } } }
  }
`);

const Contacts = graphql(`
  query SalesQueryContacts($filter: ContactFilter) {
    contacts(first: 20, filter: $filter) { edges { node { email company { name } } } }
  }
`);

const Companies = graphql(`
  query SalesQueryCompanies($filter: CompanyFilter) {
    companies(first: 20, filter: $filter, orderBy: { field: NAME, direction: ASC }) { edges { node { name domains } } }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let queries: string[] = [];
let counting = false;

beforeAll(async () => {
  // A slow outbox sweep: nothing but the measured request should touch the database while counting.
  t = await startTestApp({ onQuery: (sql) => counting && queries.push(sql), env: { OUTBOX_SWEEP_MS: "60000" } });
  tenant = await createTenant(t, "query");
  const industries = ["Software", "Retail", "Finance"];
  const titles = ["CEO", "VP Sales", "Engineer", "Director of IT", "Intern"];
  const rows = Array.from({ length: 60 }, (_, i) => ({
    email: `person${i}@company${i % 12}.com`,
    firstName: i === 7 ? "Ada" : `First${i}`,
    lastName: i === 7 ? "Lovelace" : `Last${i}`,
    title: titles[i % titles.length],
    companyName: i % 12 === 3 ? "Analytical Engines" : `Company ${i % 12}`,
    industry: industries[i % 3],
    employeeCount: 10 + i * 20,
    source: i % 2 ? "referral" : "web_form",
    ...(i < 5 ? { ownerEmail: tenant.members.OPERATOR.email } : {}),
    deal: { name: `Deal ${i}`, amount: 1000 + ((i * 37) % 50) * 100, currency: "USD" },
  }));
  const imported = await executeOk(t.graphqlUrl, Import, { input: { rows } }, { token: tenant.members.OPERATOR.token });
  expect(imported.leadImport.created).toBe(60);
  const leadIds = await asOwner(t.db, async (c) => (await c.query(`SELECT id FROM "Lead" WHERE "tenantId" = $1`, [tenant.tenantId])).rows.map((r) => r.id as string));
  await runLeadScoringJob(t.app.services, { tenantId: tenant.tenantId, leadIds });
  // Let the queued scoring jobs of the import finish, so no worker queries while counting (and fail here,
  // saying so, if they never do: counting with a worker still busy would measure the wrong thing).
  await waitFor(
    async () => (await asOwner(t.db, async (c) => Number((await c.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'lead-scoring' AND state IN ('created', 'retry', 'active')`)).rows[0].n))) === 0,
    { timeout: 90_000, interval: 200, message: "the import's lead-scoring jobs to finish" },
  );
});
afterAll(() => t?.close());

describe("leads connection", () => {
  it("loads a page of 50 leads with company and latest score in a fixed number of queries (no N+1)", async () => {
    const measure = async (first: number) => {
      queries = [];
      counting = true;
      const data = await executeOk(t.graphqlUrl, Leads, { first }, { token: tenant.members.ANALYST.token });
      counting = false;
      return { data, count: queries.filter((q) => /^\s*(SELECT|WITH)/i.test(q)).length, all: queries.length };
    };
    // The caller authenticated once and cached (src/orchestration/access/principal-cache.ts), as for any client making more than one request.
    await measure(1);
    const small = await measure(5);
    const large = await measure(50);
    expect(large.data.leads.edges).toHaveLength(50);
    expect(large.data.leads.edges.every((e) => e.node.company && e.node.latestScore && e.node.latestScore.factors.length > 0)).toBe(true);
    expect(large.count).toBe(small.count);
    expect(large.all).toBe(small.all);
    if (process.env.SHOW_QUERIES) console.log(queries.map((q) => q.slice(0, 160)).join("\n"));
    // The tenant context (with the cached caller's access check in the same statement), then one
    // query per level: leads, companies, contacts, score snapshots, company domains.
    expect(large.count).toBeLessThanOrEqual(10);
  });

  it("sorts by score with stable cursor pagination", async () => {
    const seen: { id: string; score: number | null }[] = [];
    let after: string | null | undefined = null;
    for (let page = 0; page < 10; page++) {
      const data: SalesQueryLeadsQuery = await executeOk(t.graphqlUrl, Leads, { first: 7, after, orderBy: { field: "SCORE", direction: "DESC" } }, { token: tenant.members.ANALYST.token });
      seen.push(...data.leads.edges.map((e) => ({ id: e.node.id, score: e.node.score ?? null })));
      if (!data.leads.pageInfo.hasNextPage) break;
      after = data.leads.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(60);
    expect(new Set(seen.map((s) => s.id)).size).toBe(60);
    const scores = seen.map((s) => s.score ?? -1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("filters by status, score range, owner and text search on name, e-mail and company", async () => {
    const all = (await executeOk(t.graphqlUrl, Leads, { first: 100 }, { token: tenant.members.ANALYST.token })).leads.edges.map((e) => e.node);
    const inRange = (await executeOk(t.graphqlUrl, Leads, { first: 100, filter: { scoreMin: 40, scoreMax: 70 } }, { token: tenant.members.ANALYST.token })).leads.edges;
    expect(inRange.length).toBe(all.filter((l) => l.score != null && l.score >= 40 && l.score <= 70).length);
    expect(inRange.length).toBeGreaterThan(0);

    const byName = await executeOk(t.graphqlUrl, Leads, { first: 10, filter: { search: "ada LOVELACE" } }, { token: tenant.members.ANALYST.token });
    expect(byName.leads.edges.map((e) => e.node.contact?.email)).toEqual(["person7@company7.com"]);
    const byEmail = await executeOk(t.graphqlUrl, Leads, { first: 10, filter: { search: "person11@" } }, { token: tenant.members.ANALYST.token });
    expect(byEmail.leads.edges.map((e) => e.node.contact?.email)).toEqual(["person11@company11.com"]);
    const byCompany = await executeOk(t.graphqlUrl, Leads, { first: 10, filter: { search: "analytical" } }, { token: tenant.members.ANALYST.token });
    expect(byCompany.leads.edges).toHaveLength(5);
    expect(byCompany.leads.edges.every((e) => e.node.company?.name === "Analytical Engines")).toBe(true);

    const owned = await executeOk(t.graphqlUrl, Leads, { first: 10, filter: { ownerId: encodeGlobalID("User", tenant.members.OPERATOR.userId) } }, { token: tenant.members.ANALYST.token });
    expect(owned.leads.edges).toHaveLength(5);
    const none = await executeOk(t.graphqlUrl, Leads, { first: 10, filter: { status: ["CONVERTED"] } }, { token: tenant.members.ANALYST.token });
    expect(none.leads.edges).toHaveLength(0);
  });
});

describe("deals, contacts and companies", () => {
  it("sorts deals by amount and searches deals, contacts and companies", async () => {
    const deals = await executeOk(t.graphqlUrl, Deals, { orderBy: { field: "AMOUNT", direction: "DESC" } }, { token: tenant.members.ANALYST.token });
    const amounts = deals.deals.edges.map((e) => e.node.amount);
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    expect(amounts[0]).toBe(5900);
    const search = await executeOk(t.graphqlUrl, Deals, { filter: { search: "analytical", amountMin: 2000 } }, { token: tenant.members.ANALYST.token });
    expect(search.deals.edges.length).toBeGreaterThan(0);
    expect(search.deals.edges.every((e) => e.node.company?.name === "Analytical Engines" && e.node.amount >= 2000)).toBe(true);

    const contacts = await executeOk(t.graphqlUrl, Contacts, { filter: { search: "engines" } }, { token: tenant.members.ANALYST.token });
    expect(contacts.contacts.edges).toHaveLength(5);
    const companies = await executeOk(t.graphqlUrl, Companies, { filter: { search: "company3.com" } }, { token: tenant.members.ANALYST.token });
    expect(companies.companies.edges.map((e) => e.node)).toEqual([{ name: "Analytical Engines", domains: ["company3.com"] }]);
  });
});
