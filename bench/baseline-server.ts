// The baselines the request-path benchmark divides by: the least a server
// could do for the same answers, over the same node:http, as a process of its
// own (so it competes for the same two cores the service does).
//
//   POST /leads     — the 50 leads of `leads(first: 50)` with contact and company, in ONE SQL query
//                     as the service role under row-level security (BEGIN; set tenant; SELECT … LIMIT 51; COMMIT)
//   POST /typename  — bare graphql-js answering `{ __typename }` (parse, validate, execute per request)
//   POST /graphql-leads — the floor of any graphql-js server for the leads page: the bench's query
//                     (document parsed and validated once, as Apollo's cache does) executed by bare
//                     graphql-js over a minimal schema whose one resolver runs the same ONE SQL query
//   POST /list/<name> — a list page of contacts, companies, deals, drafts, recommendations or audit entries:
//                     the fields the benchmark asks for, related rows joined, in ONE SQL query under RLS
//   POST /task      — the three inserts of taskCreate (task, audit entry, outbox event) in one transaction under RLS
//
// Environment: BASELINE_DB_URL (service role), BASELINE_TENANT_ID, BASELINE_USER_ID, BASELINE_POOL (16), PORT (0).
import http from "node:http";
import { randomUUID } from "node:crypto";
import { buildSchema, execute, parse, validate } from "graphql";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.BASELINE_DB_URL, max: Number(process.env.BASELINE_POOL ?? 16) });
const tenantId = process.env.BASELINE_TENANT_ID!;
const userId = process.env.BASELINE_USER_ID!;
const schema = buildSchema("type Query { ok: Boolean }");

const leadsSchema = buildSchema(`
  type Query { leads(first: Int, orderBy: LeadOrder): LeadConnection! }
  input LeadOrder { field: LeadOrderField!, direction: OrderDirection! }
  enum LeadOrderField { SCORE }
  enum OrderDirection { ASC DESC }
  type LeadConnection { edges: [LeadEdge!]!, pageInfo: PageInfo! }
  type LeadEdge { node: Lead!, cursor: String! }
  type PageInfo { hasNextPage: Boolean!, endCursor: String }
  type Lead { id: ID!, status: String!, score: Float, grade: String, contact: Contact, company: Company }
  type Contact { email: String, title: String }
  type Company { name: String, industry: String }
`);
const leadsDocuments = new Map<string, ReturnType<typeof parse>>();

async function inTenant<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)", [tenantId, userId]);
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const LEADS_SQL = `
  SELECT l.id, l.status, l.score, l.grade, c.email, c.title, co.name, co.industry
  FROM "Lead" l
  LEFT JOIN "Contact" c ON c."tenantId" = l."tenantId" AND c.id = l."contactId"
  LEFT JOIN "Company" co ON co."tenantId" = l."tenantId" AND co.id = l."companyId"
  ORDER BY l.score DESC NULLS LAST, l.id DESC
  LIMIT 51`;

/** The same 50 rows (and the 51st that tells whether there is a next page) as each list query of the bench. */
const LIST_SQL: Record<string, string> = {
  contacts: `SELECT c.id, c.email, c."firstName", c."lastName", c.title, co.name AS "companyName" FROM "Contact" c
    LEFT JOIN "Company" co ON co."tenantId" = c."tenantId" AND co.id = c."companyId" ORDER BY c."createdAt" DESC, c.id DESC LIMIT 51`,
  companies: `SELECT id, name, industry, "employeeCount", lifecycle FROM "Company" ORDER BY "createdAt" DESC, id DESC LIMIT 51`,
  deals: `SELECT d.id, d.name, d.stage, d.amount, d.currency, d.probability, co.name AS "companyName" FROM "Deal" d
    LEFT JOIN "Company" co ON co."tenantId" = d."tenantId" AND co.id = d."companyId" ORDER BY d."createdAt" DESC, d.id DESC LIMIT 51`,
  drafts: `SELECT id, subject, status, "recipientEmail", mailbox FROM "Draft" ORDER BY id DESC LIMIT 51`,
  recommendations: `SELECT id, title, tool, confidence, rank, status, "expiresAt" FROM "Recommendation" ORDER BY "createdAt" DESC, rank ASC, id ASC LIMIT 51`,
  auditEntries: `SELECT id, action, "actorLabel", "targetType", "createdAt" FROM "AuditEntry" ORDER BY id DESC LIMIT 51`,
};

const routes: Record<string, (body: string) => Promise<unknown>> = {
  ...Object.fromEntries(
    Object.entries(LIST_SQL).map(([name, sql]) => [
      `/list/${name}`,
      () =>
        inTenant(async (client) => {
          const { rows } = await client.query(sql);
          return { data: { [name]: { edges: rows.slice(0, 50).map((node) => ({ node })), pageInfo: { hasNextPage: rows.length > 50 } } } };
        }),
    ]),
  ),
  "/leads": () =>
    inTenant(async (client) => {
      const { rows } = await client.query(LEADS_SQL);
      return {
        data: {
          leads: {
            edges: rows.slice(0, 50).map((r) => ({
              node: { id: r.id, status: r.status, score: r.score, grade: r.grade, contact: { email: r.email, title: r.title }, company: { name: r.name, industry: r.industry } },
            })),
            pageInfo: { hasNextPage: rows.length > 50 },
          },
        },
      };
    }),
  "/graphql-leads": async (body: string) => {
    const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
    let document = leadsDocuments.get(query);
    if (!document) {
      document = parse(query);
      const errors = validate(leadsSchema, document);
      if (errors.length) return { errors };
      leadsDocuments.set(query, document);
    }
    const rootValue = {
      leads: () =>
        inTenant(async (client) => {
          const { rows } = await client.query(LEADS_SQL);
          const edges = rows.slice(0, 50).map((r) => ({
            cursor: Buffer.from(r.id).toString("base64url"),
            node: { id: r.id, status: r.status, score: r.score, grade: r.grade, contact: { email: r.email, title: r.title }, company: { name: r.name, industry: r.industry } },
          }));
          return { edges, pageInfo: { hasNextPage: rows.length > 50, endCursor: edges.at(-1)?.cursor ?? null } };
        }),
    };
    return execute({ schema: leadsSchema, document, rootValue, variableValues: variables });
  },
  "/typename": async () => {
    const document = parse("{ __typename }");
    const errors = validate(schema, document);
    if (errors.length) return { errors };
    return execute({ schema, document });
  },
  "/task": () =>
    inTenant(async (client) => {
      const taskId = randomUUID();
      await client.query(`INSERT INTO "Task" (id, "tenantId", title, "createdById", "updatedAt") VALUES ($1, $2, $3, $4, now())`, [taskId, tenantId, "Follow up", userId]);
      await client.query(
        `INSERT INTO "AuditEntry" (id, "tenantId", "actorType", "actorId", action, "targetType", "targetId", summary) VALUES ($1, $2, 'USER', $3, 'task.created', 'Task', $4, $5)`,
        [randomUUID(), tenantId, userId, taskId, JSON.stringify({ title: "Follow up" })],
      );
      await client.query(`INSERT INTO "OutboxEvent" (id, "tenantId", type, payload) VALUES ($1, $2, 'sales.task.created', $3)`, [randomUUID(), tenantId, JSON.stringify({ taskId })]);
      return { data: { taskCreate: { task: { id: taskId } } } };
    }),
};

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const route = routes[req.url ?? ""];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    route(Buffer.concat(chunks).toString("utf8")).then(
      (body) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`listening ${address.port}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
