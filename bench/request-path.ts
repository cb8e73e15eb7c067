// Benchmark (issue 14): the request path against baselines measured in the
// same run, so the ratios hold even when absolute figures vary with the
// machine's load. The service runs as it does in production (its own
// process, NODE_ENV=production, `src/main.ts`); the baselines run in another
// process (bench/baseline-server.ts); this process is the load generator.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/request-path.ts \
//     [--seconds 8] [--clients 16] [--leads 2000] [--profile]
//
// --profile writes a V8 CPU profile of the service (bench/profiles/*.cpuprofile;
// open it in Chrome DevTools or speedscope for the flame graph) and prints the
// functions with the most self time.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import pg from "pg";
import { installJobQueues } from "../src/data/job-queue.js";
import { appUrlFromOwnerUrl, migrate } from "../src/data/migrate.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { freePort, mb, rssOf, waitFor } from "./process-tools.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    clients: { type: "string", default: "16" },
    leads: { type: "string", default: "2000" },
    profile: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const LEADS = Number(values.leads);
const base = process.env.DATABASE_URL;
if (!base) {
  process.stderr.write("Set DATABASE_URL to an owner/superuser connection.\n");
  process.exit(2);
}

const root = path.resolve(import.meta.dirname, "..");
const dbName = `bench_path_${Date.now()}`;
const ownerUrl = Object.assign(new URL(base), { pathname: `/${dbName}` }).toString();
const appPassword = "bench_path_password";
const jwtSecret = randomBytes(32).toString("base64url");
const children: ChildProcess[] = [];
const profileDir = path.join(root, "bench", "profiles");

function start(script: string, env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${path.basename(script)}] ${d}`));
  children.push(child);
  return child;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
function post(port: number, pathName: string, body: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathName, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200 || text.includes('"errors"')) reject(new Error(`${res.statusCode} ${text.slice(0, 200)}`));
        else resolve(text);
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  peakRss: number;
}

async function load(call: () => Promise<unknown>, seconds: number, rssPid?: number): Promise<Run> {
  const latencies: number[] = [];
  let errors = 0;
  let lastError = "";
  let peakRss = rssOf(rssPid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(rssPid))), 200);
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          await call();
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          lastError = (error as Error).message;
        }
      }
    }),
  );
  clearInterval(sampler);
  if (errors) process.stderr.write(`  ${errors} errors, last: ${lastError}\n`);
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { rps: latencies.length / ((performance.now() - started) / 1000), p50: p(0.5), p99: p(0.99), errors, peakRss };
}

const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
try {
  await migrate({ ownerUrl, appPassword });
  await installJobQueues(ownerUrl);
  const appUrl = appUrlFromOwnerUrl(ownerUrl, appPassword);
  const tenant = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "rep@bench.example", name: "Rep", role: "MANAGER" }] });
  const userId = tenant.members[0]!.userId;

  const servicePort = await freePort();
  if (values.profile) mkdirSync(profileDir, { recursive: true });
  const profileStarted = Date.now();
  const service = start(
    "src/main.ts",
    {
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(servicePort),
      DATABASE_URL: ownerUrl,
      DATABASE_APP_PASSWORD: appPassword,
      JWT_SECRET: jwtSecret,
      UNSUBSCRIBE_SECRET: randomBytes(32).toString("base64url"),
      CREDENTIALS_KEYS: `bench:${randomBytes(32).toString("base64")}`,
      MIGRATE_ON_START: "false",
      LOG_LEVEL: "warn",
      // Fair-use budgets far above the load (the limiter still runs and is measured, it just never refuses).
      RATE_LIMIT_CALLER_POINTS: "100000000",
      RATE_LIMIT_TENANT_POINTS: "1000000000",
      ...(process.env.REDIS_URL && process.env.BENCH_REDIS ? { REDIS_URL: process.env.REDIS_URL } : {}),
    },
    values.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  );
  const startedAt = performance.now();
  await waitFor(`http://127.0.0.1:${servicePort}/health`, 60);
  const startupSeconds = (performance.now() - startedAt) / 1000;
  const idleRss = rssOf(service.pid);

  const token = await new SignJWT({ tid: tenant.tenantId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuer("sales-agent")
    .setAudience("sales-agent")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(jwtSecret));
  const auth = { authorization: `Bearer ${token}` };
  const gql = (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = auth) =>
    post(servicePort, "/graphql", JSON.stringify({ query, variables }), headers);

  const industries = ["Software", "Logistics", "Retail", "Healthcare", "Manufacturing"];
  const csv = ["email,first_name,last_name,title,company,industry,employees,country,lead_source"];
  for (let i = 0; i < LEADS; i++) csv.push(`p${i}@company${i % 400}.example,P${i},L${i},VP Sales,Company ${i % 400},${industries[i % 5]},${50 + (i % 900)},DE,web_form`);
  let t0 = performance.now();
  await gql("mutation($csv: String!) { leadImport(input: { csv: $csv }) { created } }", { csv: csv.join("\n") });
  const importMs = performance.now() - t0;
  // Background scoring must finish before measuring, or it shares the cores.
  t0 = performance.now();
  for (;;) {
    const unscored = await unscoredLeads();
    if (unscored === 0) break;
    if (performance.now() - t0 > 180_000) throw new Error(`${unscored} leads still unscored after 180 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 1000));

  const baselinePort = await freePort();
  const baseline = start("bench/baseline-server.ts", { BASELINE_DB_URL: appUrl, BASELINE_TENANT_ID: tenant.tenantId, BASELINE_USER_ID: userId, BASELINE_POOL: String(CLIENTS), PORT: String(baselinePort) });
  await new Promise<void>((resolve) => baseline.stdout!.on("data", (d: Buffer) => d.toString().includes("listening") && resolve()));

  const LIST = `query LoadLeads { leads(first: 50, orderBy: { field: SCORE, direction: DESC }) {
    edges { node { id status score grade contact { email title } company { name industry } } } pageInfo { hasNextPage endCursor } } }`;
  const TYPENAME = JSON.stringify({ query: "{ __typename }" });
  const TASK = "mutation LoadTask($input: TaskCreateInput!) { taskCreate(input: $input) { task { id } userErrors { code } } }";
  let n = 0;

  const scenarios: { name: string; service: () => Promise<unknown>; baseline: () => Promise<unknown>; target: string; ratio: (s: Run, b: Run) => number; ok: (r: number) => boolean }[] = [
    {
      name: "leads(first: 50) + contact + company",
      service: () => gql(LIST),
      baseline: () => post(baselinePort, "/leads", "{}", {}),
      target: "cost ≤ 1.5× raw SQL",
      ratio: (s, b) => b.rps / s.rps,
      ok: (r) => r <= 1.5,
    },
    {
      name: "{ __typename } with a bearer token",
      service: () => post(servicePort, "/graphql", TYPENAME, auth),
      baseline: () => post(baselinePort, "/typename", TYPENAME, {}),
      target: "≥ 0.6× bare graphql-js",
      ratio: (s, b) => s.rps / b.rps,
      ok: (r) => r >= 0.6,
    },
    {
      name: "{ __typename } without a token",
      service: () => post(servicePort, "/graphql", TYPENAME, {}),
      baseline: () => post(baselinePort, "/typename", TYPENAME, {}),
      target: "≥ 0.8× bare graphql-js",
      ratio: (s, b) => s.rps / b.rps,
      ok: (r) => r >= 0.8,
    },
    {
      name: "taskCreate (transaction + audit + outbox)",
      service: () => gql(TASK, { input: { title: `Follow up ${n++}` } }),
      baseline: () => post(baselinePort, "/task", "{}", {}),
      target: "≥ 0.5× the same three inserts",
      ratio: (s, b) => s.rps / b.rps,
      ok: (r) => r >= 0.5,
    },
  ];

  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    process.stdout.write(line + "\n");
  };
  const load1 = (await import("node:os")).loadavg()[0]!.toFixed(2);
  out(`request path: ${LEADS} leads, ${CLIENTS} clients, ${SECONDS} s per run, load average before ${load1}, node ${process.version}`);
  out(`service start-up to /health: ${startupSeconds.toFixed(1)} s (migrations already applied); leadImport ${LEADS} rows: ${(importMs / LEADS).toFixed(2)} ms/row`);
  out(`service RSS idle after import: ${mb(idleRss)}`);
  out("");
  out("| path | service req/s | p50 / p99 ms | baseline req/s | p50 / p99 ms | ratio | target | met |");
  out("|---|---|---|---|---|---|---|---|");
  let peak = 0;
  for (const s of scenarios) {
    // A short warm-up for each side (JIT, pools), then the measured run.
    await load(s.service, 1);
    await load(s.baseline, 1);
    const sr = await load(s.service, SECONDS, service.pid);
    const br = await load(s.baseline, SECONDS);
    peak = Math.max(peak, sr.peakRss);
    const r = s.ratio(sr, br);
    out(`| ${s.name} | ${sr.rps.toFixed(0)} | ${sr.p50.toFixed(1)} / ${sr.p99.toFixed(1)} | ${br.rps.toFixed(0)} | ${br.p50.toFixed(1)} / ${br.p99.toFixed(1)} | ${r.toFixed(2)} | ${s.target} | ${s.ok(r) ? "yes" : "NO"} |`);
  }
  out("");
  out(`service RSS: idle ${mb(idleRss)}, peak under load ${mb(peak)} (targets: idle < 200 MB, < 400 MB under load)`);

  service.kill("SIGTERM");
  await new Promise((r) => service.once("exit", r));
  if (values.profile) {
    const mainThread = readdirSync(profileDir)
      .filter((f) => f.endsWith(".cpuprofile"))
      .map((f) => path.join(profileDir, f))
      .filter((f) => statSync(f).mtimeMs >= profileStarted)
      // One profile per thread (tsx runs a loader thread too): the main thread's is the largest.
      .sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (mainThread) printProfile(mainThread);
  }
} finally {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  agent.destroy();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
  await admin.end();
}

/** Leads without a score yet, counted as the owner in the maintenance window (sees every tenant). */
async function unscoredLeads(): Promise<number> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL app.maintenance = 'on'");
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Lead" WHERE score IS NULL`);
    await client.query("COMMIT");
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** Self time per function (and per package), from a V8 .cpuprofile. */
function printProfile(file: string) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, "").replace(root + "/", "");
    const key = `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const pkg = where.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? (where.startsWith("src/") ? "our code (src/)" : where ? "node internals" : functionName || "(vm)");
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
  });
  const pct = (v: number) => `${((100 * v) / total).toFixed(1)}%`;
  process.stdout.write(`\nCPU profile of the service: ${path.relative(root, file)} (flame graph: open it in Chrome DevTools → Performance, or speedscope)\n`);
  process.stdout.write("self time by package:\n");
  for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 12)) process.stdout.write(`  ${pct(v).padStart(6)}  ${k}\n`);
  process.stdout.write("top functions by self time:\n");
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  ${pct(v).padStart(6)}  ${k}\n`);
}
