// Benchmark: the whole service under concurrent GraphQL load, over real HTTP.
// Starts the service (same composition root as `npm start`) on a scratch
// database, imports a tenant's leads through the API, then runs concurrent
// clients for a fixed time against a typical list query (leads with company
// and latest score) and a typical mutation, and prints throughput, latency
// percentiles and the process's memory.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/graphql-load.ts [--seconds 10] [--clients 16] [--leads 2000]
import { parseArgs } from "node:util";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" }, clients: { type: "string", default: "16" }, leads: { type: "string", default: "2000" } } });
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const LEADS = Number(values.leads);
const scratch = await createScratchDatabase("load");
const { ownerUrl, appUrl } = scratch;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

try {
  const config = loadConfig({ RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000", NODE_ENV: "test", PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl, JWT_SECRET: "bench-secret-bench-secret-bench-secret-0000", MIGRATE_ON_START: "false", DATABASE_POOL_MAX: "20" });
  const app = await startApp({ config, appUrl, jwtSecret: config.JWT_SECRET });
  const tenant = await provisionTenant(ownerUrl, { name: "Load", slug: "load", members: [{ email: "rep@load.example", name: "Rep", role: "MANAGER" }] });
  const token = await app.authenticator.issueUserToken({ userId: tenant.members[0]!.userId, tenantId: tenant.tenantId }, 3600);
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { errors?: unknown[]; data?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 300));
    return body.data;
  };

  const industries = ["Software", "Logistics", "Retail", "Healthcare", "Manufacturing"];
  const csv = ["email,first_name,last_name,title,company,industry,employees,country,lead_source"];
  for (let i = 0; i < LEADS; i++) csv.push(`p${i}@company${i % 400}.example,P${i},L${i},VP Sales,Company ${i % 400},${industries[i % 5]},${50 + (i % 900)},DE,web_form`);
  let started = performance.now();
  await gql("mutation($csv: String!) { leadImport(input: { csv: $csv }) { created } }", { csv: csv.join("\n") });
  process.stdout.write(`imported ${LEADS} leads through leadImport in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  // Let the background scoring finish so it does not share the measurement.
  for (let i = 0; i < 120; i++) {
    const data = (await gql("{ leads(first: 1, filter: { scoreMin: 0 }) { edges { node { id } } } }")) as { leads: { edges: unknown[] } };
    if (data.leads.edges.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 3000));

  const LIST = `query LoadLeads($after: String) {
    leads(first: 50, after: $after, orderBy: { field: SCORE, direction: DESC }) {
      edges { node { id status score grade contact { email title } company { name industry } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
  const MUTATION = `mutation LoadTask($input: TaskCreateInput!) { taskCreate(input: $input) { task { id } userErrors { code } } }`;

  async function run(name: string, call: () => Promise<unknown>) {
    const latencies: number[] = [];
    let errors = 0;
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const until = performance.now() + SECONDS * 1000;
    started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < until) {
          const t0 = performance.now();
          try {
            await call();
            latencies.push(performance.now() - t0);
          } catch {
            errors++;
          }
        }
      }),
    );
    clearInterval(sampler);
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
    process.stdout.write(
      `${name}: ${(latencies.length / elapsed).toFixed(0)} req/s over ${elapsed.toFixed(1)} s with ${CLIENTS} clients; ` +
        `latency p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms; errors ${errors}; ` +
        `RSS ${mb(rssBefore)} → peak ${mb(peakRss)}, heap used ${mb(process.memoryUsage().heapUsed)}\n`,
    );
  }

  await run("leads(first: 50) with contact, company and score", () => gql(LIST));
  let n = 0;
  await run("taskCreate (audited, outbox event, transaction)", () => gql(MUTATION, { input: { title: `Follow up ${n++}` } }));
  await app.stop();
} finally {
  await scratch.drop();
}
