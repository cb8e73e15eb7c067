// Hand-written list pages (src/data/list-page.ts) against Prisma: the same rows
// with the same values and types, the same order, the same cursor pagination
// forwards and backwards (ties and NULL scores included), through the API and
// at the data layer; and row-level security still scoping the one statement:
// another tenant's rows, joined rows and cursors are invisible.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLeadScoringJob } from "../../src/jobs/lead-scoring.js";
import { pagePlan, readPage, sqlIn, type OrderTerm, type PageQuery, type RunSql } from "../../src/data/list-page.js";
import { Prisma, requestSession, withTenant } from "../../src/data/database.js";
import pg from "pg";
import { getNamedType, isLeafType, isListType, isNonNullType, isObjectType, type GraphQLObjectType, type GraphQLOutputType } from "graphql";
import { buildSchema } from "../../src/api/schema/index.js";
import { asOwner } from "../helpers/database.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute } from "../helpers/graphql.js";
import { waitFor } from "../helpers/wait.js";

const IMPORT = `mutation ListPageImport($input: LeadImportInput!) { leadImport(input: $input) { created userErrors { code } } }`;
const LEADS = `query ListPageLeads($first: Int, $after: String, $last: Int, $before: String, $filter: LeadFilter, $orderBy: LeadOrder) {
  leads(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id status score grade ownerId source attributes createdAt contact { id email title seniority } company { id name industry employeeCount } } }
  }
}`;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let queries: string[] = [];
let counting = false;

type LeadsData = {
  leads: {
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
    edges: { cursor: string; node: { id: string; score: number | null; company: { id: string; name: string } | null; contact: { email: string } | null } }[];
  };
};

async function leads(tenant: TestTenant, variables: Record<string, unknown>): Promise<LeadsData["leads"]> {
  const result = await execute<LeadsData, Record<string, unknown>>(t.graphqlUrl, LEADS, variables, { token: tenant.members.ANALYST.token });
  if (result.errors?.length || !result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.leads;
}

async function importLeads(tenant: TestTenant, prefix: string, n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({
    email: `${prefix}${i}@${prefix}-co${i % 6}.example`,
    firstName: `F${i}`,
    title: i % 3 ? "VP Sales" : "Engineer",
    ...(i % 5 === 4 ? {} : { companyName: `${prefix} Company ${i % 6}`, industry: i % 2 ? "Software" : "Retail", employeeCount: 10 + i }),
    source: i % 2 ? "referral" : "web_form",
    ...(i % 3 === 0 ? { deal: { name: `${prefix} Deal ${i}`, amount: 1000 + i * 10, currency: "EUR" } } : {}),
    ...(i < 4 ? { ownerEmail: tenant.members.OPERATOR.email } : {}),
  }));
  const result = await execute<{ leadImport: { created: number } }, unknown>(t.graphqlUrl, IMPORT, { input: { rows } }, { token: tenant.members.OPERATOR.token });
  expect(result.data?.leadImport.created).toBe(n);
  const ids = await asOwner(t.db, async (c) => (await c.query(`SELECT id FROM "Lead" WHERE "tenantId" = $1`, [tenant.tenantId])).rows.map((r) => r.id as string));
  await runLeadScoringJob(t.app.services, { tenantId: tenant.tenantId, leadIds: ids });
}

beforeAll(async () => {
  t = await startTestApp({ onQuery: (sql) => counting && queries.push(sql), env: { OUTBOX_SWEEP_MS: "60000" } });
  a = await createTenant(t, "lista");
  b = await createTenant(t, "listb");
  await importLeads(a, "a", 30);
  await importLeads(b, "b", 12);
  await waitFor(
    async () => (await asOwner(t.db, async (c) => Number((await c.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'lead-scoring' AND state IN ('created', 'retry', 'active')`)).rows[0].n))) === 0,
    { timeout: 120_000, interval: 200, message: "the imports' lead-scoring jobs to finish" },
  );
  await seedDraftsAndRecommendations(a);
  await seedDraftsAndRecommendations(b);
  // Scores with ties and NULLs (every fifth lead unscored), so ordering and cursors meet both.
  await asOwner(t.db, (c) =>
    c.query(`UPDATE "Lead" l SET score = CASE WHEN n % 5 = 0 THEN NULL ELSE (n % 4) * 10 END, grade = CASE WHEN n % 5 = 0 THEN NULL ELSE chr(65 + (n % 3)::int) END
             FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "Lead") x WHERE x.id = l.id`),
  );
}, 240_000);
afterAll(() => t?.close());

const ORDERS = [
  { field: "SCORE", direction: "DESC" },
  { field: "SCORE", direction: "ASC" },
  { field: "CREATED_AT", direction: "DESC" },
  { field: "UPDATED_AT", direction: "ASC" },
] as const;

describe("leads through the hand-written page", () => {
  it("pages forwards and backwards through exactly Prisma's order, for every sort and the SQL-served filters", async () => {
    const owner = encodeGlobalID("User", a.members.OPERATOR.userId);
    const filters: Record<string, unknown>[] = [{}, { status: ["NEW", "WORKING", "QUALIFIED"] }, { grade: ["A", "C"] }, { scoreMin: 10, scoreMax: 20 }, { ownerId: owner }, { companyId: "not-an-id" }];
    for (const orderBy of ORDERS) {
      for (const filter of filters) {
        const expected = await prismaLeadIds(a, orderBy, filter);
        // Forwards, 7 at a time.
        const forward: string[] = [];
        let after: string | null = null;
        for (let guard = 0; guard < 20; guard++) {
          const page: LeadsData["leads"] = await leads(a, { first: 7, after, orderBy, filter });
          forward.push(...page.edges.map((e) => e.node.id));
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
        expect(forward, `${JSON.stringify(orderBy)} ${JSON.stringify(filter)}`).toEqual(expected);
        // Backwards from the end, 6 at a time.
        const backward: string[] = [];
        let before: string | null = null;
        for (let guard = 0; guard < 20; guard++) {
          const page: LeadsData["leads"] = await leads(a, { last: 6, before, orderBy, filter });
          backward.unshift(...page.edges.map((e) => e.node.id));
          if (!page.pageInfo.hasPreviousPage) break;
          before = page.pageInfo.startCursor;
        }
        expect(backward, `backwards ${JSON.stringify(orderBy)} ${JSON.stringify(filter)}`).toEqual(expected);
      }
    }
  }, 240_000);

  it("answers a page of 50 leads with contact and company in one statement", async () => {
    await leads(a, { first: 50 }); // warm (authentication cached)
    queries = [];
    counting = true;
    const page = await leads(a, { first: 50, orderBy: { field: "SCORE", direction: "DESC" } });
    counting = false;
    expect(page.edges.length).toBe(30);
    expect(page.edges.every((e) => e.node.contact?.email)).toBe(true);
    const selects = queries.filter((q) => /^\s*(SELECT|WITH)/i.test(q) && !/set_config/.test(q));
    expect(selects.length).toBe(1);
    expect(selects[0]).toMatch(/LEFT JOIN "Contact"/);
  });

  it("gives the same rows, values and types as Prisma's findMany, at the data layer", async () => {
    const { prisma } = t.app.services.db;
    const scope = { tenantId: a.tenantId, userId: a.members.ANALYST.userId };
    const include = { contact: true, company: true };
    const orderBy: OrderTerm[] = [{ field: "score", dir: "desc", nulls: "last" }, { field: "id", dir: "desc" }];
    const prismaOrder = [{ score: { sort: "desc" as const, nulls: "last" as const } }, { id: "desc" as const }];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const query: PageQuery = cursor ? { take: 8, skip: 1, cursor: { id: cursor }, include } : { take: 8, skip: 0, include };
      const plan = pagePlan("Lead", query)!;
      expect(plan.joins.map((j) => j.name).sort()).toEqual(["company", "contact"]);
      const [ours, theirs] = await withTenant(prisma, scope, async (tx) => [
        await readPage(sqlIn(tx), plan, query, orderBy),
        await tx.lead.findMany({ ...query, orderBy: prismaOrder } as Prisma.LeadFindManyArgs),
      ]);
      expect(ours).toEqual(theirs);
      if (theirs.length < 8) break;
      cursor = (theirs.at(-1) as { id: string }).id;
    }
  });

  it("leaves selections it cannot serve in one statement to Prisma", () => {
    expect(pagePlan("Lead", { take: 5, include: { latestScore: true } })).toBeNull(); // ScoreSnapshot is not a list model here
    expect(pagePlan("Lead", { take: 5, include: { deals: true } })).toBeNull(); // to-many
    expect(pagePlan("Lead", { take: 5, include: { contact: { include: { company: true } } } })).toBeNull(); // nested relation
    expect(pagePlan("Lead", { take: 5, select: { _count: true } })).toBeNull();
    expect(pagePlan("Lead", { take: 5, cursor: { id: "not-a-uuid" }, skip: 1 })).toBeNull(); // Prisma's own error stays
    expect(pagePlan("InboundMessage", { take: 5 })).toBeNull(); // encrypted fields: never read raw
    expect(pagePlan("Lead", { take: 5, include: { contact: true } })).not.toBeNull();
  });
});

/** Each list that has a hand-written page: its order, the to-one relations its type exposes, and a GraphQL page. */
const LISTS = [
  { model: "Contact", delegate: "contact", order: [{ field: "createdAt", dir: "desc" }, { field: "id", dir: "desc" }], include: { company: true }, gql: "contacts(first: 100) { edges { node { id email company { id name } } } }" },
  { model: "Company", delegate: "company", order: [{ field: "name", dir: "asc" }, { field: "id", dir: "asc" }], include: {}, gql: "companies(first: 100) { edges { node { id name industry } } }" },
  { model: "Deal", delegate: "deal", order: [{ field: "expectedCloseDate", dir: "asc", nulls: "last" }, { field: "id", dir: "asc" }], include: { company: true, lead: true }, gql: "deals(first: 100) { edges { node { id name amount company { id name } lead { id } } } }" },
  { model: "Draft", delegate: "draft", order: [{ field: "id", dir: "desc" }], include: {}, gql: "drafts(first: 100) { edges { node { id subject status recipientEmail } } }" },
  { model: "Recommendation", delegate: "recommendation", order: [{ field: "createdAt", dir: "desc" }, { field: "rank", dir: "asc" }, { field: "id", dir: "asc" }], include: { lead: true, contact: true, deal: true }, gql: "recommendations(first: 100) { edges { node { id title rank lead { id } contact { id email } } } }" },
  { model: "AuditEntry", delegate: "auditEntry", order: [{ field: "id", dir: "desc" }], include: {}, gql: "auditEntries(first: 100) { edges { node { id action actorLabel } } }" },
] as const;

describe("the other list pages", () => {
  for (const list of LISTS) {
    it(`${list.model}: the same rows, values and order as Prisma, page by page`, async () => {
      const { prisma } = t.app.services.db;
      const prismaOrder = list.order.map((o) => ({ [o.field]: "nulls" in o ? { sort: o.dir, nulls: o.nulls } : o.dir }));
      let cursor: string | undefined;
      let seen = 0;
      for (let page = 0; page < 30; page++) {
        const base = Object.keys(list.include).length ? { include: list.include } : {};
        const query: PageQuery = cursor ? { take: 4, skip: 1, cursor: { id: cursor }, ...base } : { take: 4, skip: 0, ...base };
        const plan = pagePlan(list.model, query);
        expect(plan).not.toBeNull();
        const [ours, theirs] = await withTenant(prisma, { tenantId: a.tenantId }, async (tx) => [
          await readPage(sqlIn(tx), plan!, query, list.order as unknown as OrderTerm[]),
          await (tx as unknown as Record<string, { findMany(args: unknown): Promise<{ id: string }[]> }>)[list.delegate]!.findMany({ ...query, orderBy: prismaOrder }),
        ]);
        expect(ours).toEqual(theirs);
        // The API's path: the request session's plain-SQL transaction, with its own result parsing.
        const viaSession = await inSession({ tenantId: a.tenantId }, (run) => readPage(run, plan!, query, list.order as unknown as OrderTerm[]));
        expect(viaSession).toEqual(theirs);
        seen += theirs.length;
        if (theirs.length < 4) break;
        cursor = theirs.at(-1)!.id;
      }
      expect(seen).toBeGreaterThan(4);
    });

    it(`${list.model}: another tenant sees none of these rows through the API`, async () => {
      const ask = async (tenant: TestTenant) => {
        const result = await execute<Record<string, { edges: { node: Record<string, unknown> }[] }>, unknown>(t.graphqlUrl, `query { ${list.gql} }`, {}, { token: tenant.members.ADMIN.token });
        if (result.errors?.length || !result.data) throw new Error(JSON.stringify(result.errors));
        return Object.values(result.data)[0]!.edges.map((e) => JSON.stringify(e.node));
      };
      const fromA = await ask(a);
      const fromB = await ask(b);
      expect(fromA.length).toBeGreaterThan(0);
      expect(fromB.length).toBeGreaterThan(0);
      // No node (nor any joined id in it) of one tenant appears in the other's answer.
      const idsOf = (nodes: string[]) => new Set(nodes.flatMap((n) => [...n.matchAll(/"id":"([^"]+)"/g)].map((m) => m[1]!)));
      const idsA = idsOf(fromA);
      expect([...idsOf(fromB)].some((id) => idsA.has(id))).toBe(false);
    });
  }
});

describe("row-level security scopes the hand-written page", () => {
  it("shows each tenant only its own leads, contacts and companies", async () => {
    const pageA = await leads(a, { first: 100 });
    const pageB = await leads(b, { first: 100 });
    expect(pageA.edges.length).toBe(30);
    expect(pageB.edges.length).toBe(12);
    const idsA = new Set(pageA.edges.map((e) => e.node.id));
    expect(pageB.edges.some((e) => idsA.has(e.node.id))).toBe(false);
    expect(pageB.edges.every((e) => e.node.contact?.email?.startsWith("b"))).toBe(true);
    const companiesOfA = new Set(pageA.edges.map((e) => e.node.company?.id).filter(Boolean));
    expect(pageB.edges.some((e) => e.node.company && companiesOfA.has(e.node.company.id))).toBe(false);
  });

  it("reads another tenant's cursor and company filter as nothing", async () => {
    const pageA = await leads(a, { first: 5 });
    const foreignCursor = pageA.pageInfo.endCursor;
    const fromB = await leads(b, { first: 5, after: foreignCursor });
    expect(fromB.edges).toEqual([]);
    const companyOfA = pageA.edges.find((e) => e.node.company)!.node.company!.id;
    expect((await leads(b, { first: 5, filter: { companyId: companyOfA } })).edges).toEqual([]);
  });

  it("returns nothing at the data layer without a tenant, or for another tenant's rows", async () => {
    const { prisma } = t.app.services.db;
    const query: PageQuery = { take: 100, include: { contact: true, company: true } };
    const plan = pagePlan("Lead", query)!;
    const order: OrderTerm[] = [{ field: "id", dir: "asc" }];
    const none = await withTenant(prisma, { tenantId: "00000000-0000-0000-0000-000000000000" }, (tx) => readPage(sqlIn(tx), plan, query, order));
    expect(none).toEqual([]);
    expect(await inSession({ tenantId: "00000000-0000-0000-0000-000000000000" }, (run) => readPage(run, plan, query, order))).toEqual([]);
    type Row = { tenantId: string; contact: { tenantId: string } | null };
    const asB = await withTenant(prisma, { tenantId: b.tenantId }, (tx) => readPage<Row>(sqlIn(tx), plan, query, order));
    const asBInSession = await inSession({ tenantId: b.tenantId }, (run) => readPage<Row>(run, plan, query, order));
    for (const rows of [asB, asBInSession]) {
      expect(rows.length).toBe(12);
      expect(rows.every((r) => r.tenantId === b.tenantId && (r.contact === null || r.contact.tenantId === b.tenantId))).toBe(true);
    }
  });
});

/** The list models the hand-written page serves (src/data/list-page.ts ALLOWED). */
const LIST_MODELS = ["Lead", "Contact", "Company", "Deal", "Draft", "Recommendation", "AuditEntry"];

/** The column aliases a hand-written page statement reads (`AS "…"` in its select list). */
function readColumns(statement: string): string[] {
  const list = statement.slice(statement.indexOf("SELECT") + 6, statement.indexOf(" FROM "));
  return [...list.matchAll(/ AS "([^"]+)"/g)].map((m) => m[1]!).sort();
}

/** The page statement run for one API request on `model` (the only SELECT … FROM "<model>" t). */
async function pageStatement(tenant: TestTenant, model: string, query: string, variables: Record<string, unknown> = {}) {
  queries = [];
  counting = true;
  const result = await execute<Record<string, { edges: { node: Record<string, unknown> }[] }>, unknown>(t.graphqlUrl, query, variables, { token: tenant.members.ADMIN.token });
  counting = false;
  if (result.errors?.length || !result.data) throw new Error(JSON.stringify(result.errors));
  const statements = queries.filter((q) => q.includes(`FROM "${model}" t`));
  return { data: result.data, statements };
}

describe("the page reads only the columns the request selects", () => {
  it("reads exactly the selected fields' columns, id, and the joined relations' selected columns", async () => {
    const { data, statements } = await pageStatement(a, "Lead", `query { leads(first: 50) { edges { node { id score contact { email } } } } }`);
    expect(statements).toHaveLength(1);
    expect(readColumns(statements[0]!)).toEqual(["contact.$present", "contact.email", "contact.id", "id", "score"].sort());
    expect(statements[0]).not.toMatch(/attributes|LEFT JOIN "Company"/);
    expect(data.leads!.edges.length).toBe(30);
  });

  it("follows fragments, aliases, @skip/@include and computed fields' declared columns", async () => {
    const query = `query($no: Boolean!) {
      page: leads(first: 50) { edges { cursor node { ...L  g: grade @include(if: $no) ... on Lead { status company { ...C } } } } }
    }
    fragment L on Lead { owner: ownerId score @skip(if: true) }
    fragment C on Company { name employeeCount @skip(if: $no) }`;
    const { statements } = await pageStatement(a, "Lead", query, { no: false });
    expect(statements).toHaveLength(1);
    expect(readColumns(statements[0]!)).toEqual(["company.$present", "company.employeeCount", "company.id", "company.name", "id", "ownerId", "status"].sort());
  });

  it("gives every field of every list type, served by the hand-written statement, the same value as the Prisma path (node lookups)", async () => {
    const schema = buildSchema();
    const LISTS_GQL: Record<string, string> = { Lead: "leads", Contact: "contacts", Company: "companies", Deal: "deals", Draft: "drafts", Recommendation: "recommendations", AuditEntry: "auditEntries" };
    for (const model of LIST_MODELS) {
      const selection = selectAll(schema.getType(model) as GraphQLObjectType, 0);
      const { data, statements } = await pageStatement(a, model, `query { list: ${LISTS_GQL[model]}(first: 10) { edges { node { ${selection} } } } }`);
      // Served by the one hand-written statement (not Prisma).
      expect(statements, model).toHaveLength(1);
      const nodes = data.list!.edges.map((e) => e.node);
      expect(nodes.length, model).toBeGreaterThan(0);
      const reference = await execute<{ nodes: Record<string, unknown>[] }, unknown>(
        t.graphqlUrl,
        `query($ids: [ID!]!) { nodes(ids: $ids) { ... on ${model} { ${selection} } } }`,
        { ids: nodes.map((n) => n.id) },
        { token: a.members.ADMIN.token },
      );
      if (reference.errors?.length) throw new Error(JSON.stringify(reference.errors));
      expect(nodes, model).toEqual(reference.data!.nodes);
    }
  }, 60_000);

  it("knows what each field of a list type reads (exposed column, to-one relation, or declared columns)", () => {
    const schema = buildSchema();
    // Fields that select a to-many relation make Prisma serve the page (pagePlan), which reads every column anyway.
    const servedByPrisma = SERVED_BY_PRISMA;
    const undeclared: string[] = [];
    for (const model of LIST_MODELS) {
      for (const field of Object.values((schema.getType(model) as GraphQLObjectType).getFields())) {
        const ext = field.extensions as Record<string, unknown>;
        const known = field.name === "id" || ext.pothosPrismaRelationField || typeof ext.pothosExposedField === "string" || Array.isArray(ext.pageColumns);
        if (!known && !servedByPrisma.has(`${model}.${field.name}`)) undeclared.push(`${model}.${field.name}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it("reads the given columns at the data layer exactly as Prisma's select does, joined relations included", async () => {
    const { prisma } = t.app.services.db;
    const cases = [
      { model: "Lead", delegate: "lead", order: [{ field: "id", dir: "asc" }], own: ["score", "attributes", "createdAt"], joins: { contact: ["email", "seniority"], company: ["employeeCount"] } },
      { model: "Deal", delegate: "deal", order: [{ field: "id", dir: "asc" }], own: ["amount", "expectedCloseDate"], joins: { company: ["name"], lead: [] } },
      { model: "Draft", delegate: "draft", order: [{ field: "id", dir: "desc" }], own: ["qualityReport", "status"], joins: {} },
    ] as const;
    for (const c of cases) {
      const select: Record<string, unknown> = Object.fromEntries(["id", ...c.own].map((f) => [f, true]));
      for (const [name, columns] of Object.entries(c.joins)) select[name] = { select: Object.fromEntries(["id", ...columns].map((f) => [f, true])) };
      const include = Object.fromEntries(Object.keys(c.joins).map((name) => [name, true]));
      const query: PageQuery = { take: 10, include };
      const plan = pagePlan(c.model, query)!;
      const read = { own: c.own, joins: c.joins };
      const [ours, theirs] = await withTenant(prisma, { tenantId: a.tenantId }, async (tx) => [
        await readPage(sqlIn(tx), plan, query, c.order as unknown as OrderTerm[], [], read),
        await (tx as unknown as Record<string, { findMany(args: unknown): Promise<unknown[]> }>)[c.delegate]!.findMany({ take: 10, select, orderBy: { id: c.order[0].dir } }),
      ]);
      expect(ours.length, c.model).toBeGreaterThan(0);
      expect(ours, c.model).toEqual(theirs);
      const viaSession = await inSession({ tenantId: a.tenantId }, (run) => readPage(run, plan, query, c.order as unknown as OrderTerm[], [], read));
      expect(viaSession, c.model).toEqual(theirs);
    }
    // A name that is not a column reads every column (never fewer than asked).
    const [row] = await withTenant(prisma, { tenantId: a.tenantId }, (tx) =>
      readPage<Record<string, unknown>>(sqlIn(tx), pagePlan("Lead", { take: 1 })!, { take: 1 }, [{ field: "id", dir: "asc" }], [], { own: ["score", "nope"] }),
    );
    expect(Object.keys(row!)).toContain("attributes");
  });
});

/** Fields of list types that select a to-many relation: selecting them makes Prisma serve the page. */
const SERVED_BY_PRISMA = new Set(["Company.domains", "Deal.contacts"]);

/**
 * Every field of `type` the hand-written page can serve: leaves, objects that are not nodes (their
 * own fields, recursively — Draft.approvals, a resolver of its own reading the draft's revision,
 * among them), and to-one relations to list models (their own fields). To-many relations and
 * connections are left out: selecting them makes Prisma serve the page.
 */
function selectAll(type: GraphQLObjectType, depth: number): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type))) continue;
    const relation = (field.extensions as { pothosPrismaRelationField?: { isList: boolean } }).pothosPrismaRelationField;
    if (relation?.isList || SERVED_BY_PRISMA.has(`${type.name}.${field.name}`)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      parts.push(field.name);
      continue;
    }
    if (!isObjectType(named)) continue;
    const isNode = named.getInterfaces().some((i) => i.name === "Node");
    const list = isListType(isNonNullType(field.type) ? (field.type.ofType as GraphQLOutputType) : field.type);
    if (isNode && !list && depth === 0 && LIST_MODELS.includes(named.name)) parts.push(`${field.name} { ${selectAll(named, 1)} }`);
    else if (!isNode && !named.name.endsWith("Connection") && depth < 3) parts.push(`${field.name} { ${selectAll(named, depth + 1)} }`);
  }
  return parts.join(" ");
}

/** Runs `fn` with the plain-SQL reads of a request session scoped to `scope`, then commits it. */
async function inSession<T>(scope: { tenantId: string }, fn: (run: RunSql) => Promise<T>): Promise<T> {
  const session = requestSession(t.app.services.db, scope);
  try {
    return await fn((statement) => session.readSql(statement));
  } finally {
    await session.release();
  }
}

/** Drafts and recommendations (no import makes them), written as the service role under the tenant. */
async function seedDraftsAndRecommendations(tenant: TestTenant) {
  const client = new pg.Client({ connectionString: t.db.appUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.tenantId]);
    await client.query(`INSERT INTO "Draft" (id, "tenantId", "contactId", "leadId", mailbox, "recipientEmail", origin, "authorType", "authorId", "authorLabel", status, subject, "bodyText", "qualityReport", "updatedAt")
      SELECT gen_random_uuid(), c."tenantId", c.id, l.id, 'rep@example.com', c.email, 'OPERATOR', 'USER', 'u', 'Rep', 'PENDING_REVIEW', 'Hello', 'Body', '{"verdict":"PASS","findings":[]}', now()
      FROM "Contact" c LEFT JOIN "Lead" l ON l."contactId" = c.id`);
    await client.query(`INSERT INTO "Recommendation" (id, "tenantId", "leadId", "contactId", tool, title, params, rationale, confidence, "factsUsed", rank, "expiresAt", "audienceRole", provider, "updatedAt")
      SELECT gen_random_uuid(), l."tenantId", l.id, l."contactId", 'scheduleFollowUp', 'Follow up', '{"in":"2d"}', 'Because', 0.5, ARRAY['score'], 1 + (row_number() OVER ()) % 3, now() + interval '7 days', 'MANAGER', 'local', now()
      FROM "Lead" l`);
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
}

/** Every lead id in Prisma's order for the same sort and filter (the reference). */
async function prismaLeadIds(tenant: TestTenant, orderBy: { field: string; direction: string }, filter: Record<string, unknown>): Promise<string[]> {
  const dir = orderBy.direction === "ASC" ? "asc" : "desc";
  const sort =
    orderBy.field === "SCORE" ? [{ score: { sort: dir, nulls: "last" } }, { id: dir }] : [{ [orderBy.field === "UPDATED_AT" ? "updatedAt" : "createdAt"]: dir }, { id: dir }];
  const where: Prisma.LeadWhereInput = {};
  if (filter.status) where.status = { in: filter.status as never };
  if (filter.grade) where.grade = { in: filter.grade as string[] };
  if (filter.scoreMin != null || filter.scoreMax != null) where.score = { gte: filter.scoreMin as number, lte: filter.scoreMax as number };
  if (filter.ownerId) where.ownerId = tenant.members.OPERATOR.userId;
  if (filter.companyId) where.companyId = { in: [] };
  const rows = await withTenant(t.app.services.db.prisma, { tenantId: tenant.tenantId }, (tx) =>
    tx.lead.findMany({ where, orderBy: sort as Prisma.LeadOrderByWithRelationInput[], select: { id: true } }),
  );
  return rows.map((r) => encodeGlobalID("Lead", r.id));
}
