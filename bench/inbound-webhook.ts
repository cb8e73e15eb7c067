// Inbound webhooks on a real PostgreSQL: signed form submissions posted to
// /hooks/in/<id> at a fixed rate (open loop: requests are sent on schedule
// whether or not earlier ones have been answered), measuring the time from
// sending each request to its 2xx — endpoint look-up, signature check, the
// delivery row and its job committed.
//
// The service runs in its own process (`src/main.ts`, production mode); this
// process is only the load generator. The requests are signed before the clock
// starts (a sender's own work is not the service's). Besides the rate and the
// latencies it states the CPU spent per delivery by the service process and by
// the scratch database's PostgreSQL backends (from /proc, over the measured
// window) — on a shared machine that is the figure that does not depend on
// the neighbours — and the load average.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
//     npx tsx bench/inbound-webhook.ts [--rate 500] [--seconds 10] [--process 0|1] [--cpu-prof DIR]
// --process 1 runs the inbound worker in the service too (SERVICE_ROLE=all, AI agents off), so deliveries become
// leads while the acks are measured; 0 (the default) measures the ack path alone (SERVICE_ROLE=api).
// --cpu-prof DIR writes the service's CPU profile (node --cpu-prof) into DIR on exit.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import pg from "pg";
import { provisionTenant } from "../src/data/provisioning.js";
import { freePort, serviceBundle, waitFor } from "./process-tools.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    process: { type: "string", default: "0" },
    "cpu-prof": { type: "string" },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const PROCESS = values.process !== "0";

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

/** CPU time (user + system) of a process so far, in ms; null when it is gone. */
const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux
function cpuOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

const root = path.resolve(import.meta.dirname, "..");
const scratch = await createScratchDatabase("inbound");
const { ownerUrl, appPassword } = scratch;
const jwtSecret = randomBytes(32).toString("base64url");
let child: ChildProcess | undefined;
const owner = new pg.Client({ connectionString: ownerUrl });
await owner.connect();

/** The scratch database's backends (pid → CPU ms so far). Only this run's service connects to it. */
async function backendCpu(): Promise<Map<number, number>> {
  const { rows } = await owner.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const cpu = cpuOf(pid);
    if (cpu !== null) out.set(pid, cpu);
  }
  return out;
}
/** Committed transactions in the scratch database so far. */
async function commits(): Promise<number> {
  const { rows } = await owner.query<{ n: string }>("SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()");
  return Number(rows[0]!.n);
}
/** CPU spent by backends between two snapshots (a backend new at the end counts whole). */
function backendDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, cpu] of after) sum += cpu - (before.get(pid) ?? 0);
  return sum;
}

try {
  const port = await freePort();
  const profile = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(values["cpu-prof"])}`] : [];
  // The service as `npm start` runs it: the bundle, plain Node.
  child = spawn(process.execPath, [...profile, serviceBundle(root)], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      SERVICE_ROLE: PROCESS ? "all" : "api",
      AGENT_WORKERS: "0",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: ownerUrl,
      DATABASE_APP_PASSWORD: appPassword,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      ...(process.env.DATABASE_POOL_MAX ? { DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX } : {}),
      JWT_SECRET: jwtSecret,
      UNSUBSCRIBE_SECRET: randomBytes(32).toString("base64url"),
      CREDENTIALS_KEYS: `bench:${randomBytes(32).toString("base64")}`,
      MIGRATE_ON_START: "false",
      SEED_DEMO_TENANT: "false",
      LOG_LEVEL: "warn",
      RATE_LIMIT_CALLER_POINTS: "100000000",
      RATE_LIMIT_TENANT_POINTS: "1000000000",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[service] ${d}`));
  await waitFor(`http://127.0.0.1:${port}/health`, 90);

  const tenant = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }] });
  const token = await new SignJWT({ tid: tenant.tenantId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(tenant.members[0]!.userId)
    .setIssuer("sales-agent")
    .setAudience("sales-agent")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(jwtSecret));
  const created = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: `mutation { inboundWebhookEndpointCreate(input: { kind: GENERIC, name: "bench" }) { secret inboundWebhookEndpoint { url } userErrors { message } } }`,
    }),
  });
  const payload = (await created.json()) as { data?: { inboundWebhookEndpointCreate: { secret: string; inboundWebhookEndpoint: { url: string } } } };
  const endpoint = payload.data?.inboundWebhookEndpointCreate;
  if (!endpoint?.secret) throw new Error(`inboundWebhookEndpointCreate failed: ${JSON.stringify(payload).slice(0, 300)}`);
  const secret = endpoint.secret;
  const urlPath = new URL(endpoint.inboundWebhookEndpoint.url).pathname;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  type Prepared = { body: string; headers: http.OutgoingHttpHeaders };
  const prepare = (i: number): Prepared => {
    const body = JSON.stringify({
      email: `bench-${i}-${randomUUID().slice(0, 8)}@prospect-${i % 97}.example`,
      name: "Bench Person",
      company: `Prospect ${i % 97}`,
      message: "Could we see a demo next week?",
      formName: "Contact us",
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");
    return {
      body,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-webhook-id": `bench-${i}`,
        "x-webhook-timestamp": ts,
        "x-webhook-signature": `sha256=${signature}`,
      },
    };
  };
  const send = ({ body, headers }: Prepared): Promise<{ status: number; latency: number }> => {
    const started = performance.now();
    return new Promise((resolve) => {
      const req = http.request({ agent, method: "POST", hostname: "127.0.0.1", port, path: urlPath, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, latency: performance.now() - started }));
      });
      req.on("error", () => resolve({ status: 0, latency: performance.now() - started }));
      req.end(body);
    });
  };

  // Warm-up (JIT, pool connections), not measured.
  for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 50 }, (_, i) => send(prepare(-1 - i - round * 50))));

  const total = RATE * SECONDS;
  const prepared = Array.from({ length: total }, (_, i) => prepare(i));
  const loadBefore = os.loadavg();
  const serviceBefore = cpuOf(child.pid!)!;
  const backendsBefore = await backendCpu();
  const selfBefore = process.cpuUsage();
  const commitsBefore = await commits();
  const results: Promise<{ status: number; latency: number }>[] = [];
  const t0 = performance.now();
  let late = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -50) late++;
    results.push(send(prepared[i]!));
  }
  const done = await Promise.all(results);
  const elapsed = (performance.now() - t0) / 1000;
  const serviceCpu = cpuOf(child.pid!)! - serviceBefore;
  const backendsCpu = backendDelta(backendsBefore, await backendCpu());
  const self = process.cpuUsage(selfBefore);
  const loadAfter = os.loadavg();
  // PostgreSQL publishes a backend's counters within a second or so of its transactions.
  await new Promise((r) => setTimeout(r, 1_500));
  const transactions = (await commits()) - commitsBefore;

  const ok = done.filter((r) => r.status === 200);
  const latencies = ok.map((r) => r.latency);
  const statuses = new Map<number, number>();
  for (const r of done) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  const fmtLoad = (l: number[]) => l.map((v) => v.toFixed(2)).join(" ");
  console.log(`load average before ${fmtLoad(loadBefore)} → after ${fmtLoad(loadAfter)} (${os.cpus().length} cores)`);
  console.log(
    `${total} signed deliveries at ${RATE}/s for ${SECONDS} s (${PROCESS ? "inbound worker on" : "ack path alone"}): answered in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s achieved; ${late} sends more than 50 ms behind schedule)`,
  );
  console.log(`statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}`);
  console.log(`send → 2xx: p50 ${ms(pct(latencies, 50))}, p95 ${ms(pct(latencies, 95))}, p99 ${ms(pct(latencies, 99))}, max ${ms(Math.max(...latencies))}`);
  const per = (cpuMs: number) => `${((cpuMs * 1000) / total).toFixed(0)} µs`;
  console.log(
    `CPU per delivery: service ${per(serviceCpu)} + PostgreSQL backends ${per(backendsCpu)} = ${per(serviceCpu + backendsCpu)} (load generator ${per((self.user + self.system) / 1000)}); ` +
      `over the run: service ${(serviceCpu / 1000 / elapsed).toFixed(2)} cores, backends ${(backendsCpu / 1000 / elapsed).toFixed(2)} cores`,
  );

  console.log(`PostgreSQL transactions (commits, look-ups included): ${transactions} = ${(transactions / total).toFixed(2)} per delivery`);
  const counts = async () => {
    const { rows } = await owner.query<{ stored: string; processed: string }>(
      `SELECT count(*) AS stored, count(*) FILTER (WHERE status = 'PROCESSED') AS processed FROM "InboundWebhookDelivery"`,
    );
    return { stored: Number(rows[0]!.stored), processed: Number(rows[0]!.processed) };
  };
  const { rows: jobRows } = await owner.query<{ jobs: string }>(`SELECT count(*) AS jobs FROM pgboss.job WHERE name = 'inbound-webhook'`).catch(() => ({ rows: [{ jobs: "?" }] }));
  const started = Date.now();
  let c = await counts();
  while (PROCESS && c.processed < c.stored && Date.now() - started < 300_000) {
    await new Promise((r) => setTimeout(r, 500));
    c = await counts();
  }
  if (!PROCESS) console.log(`stored ${c.stored} deliveries (warm-up included), ${jobRows[0]!.jobs} jobs queued (worker not running)`);
  else console.log(`stored ${c.stored} deliveries; processed into leads ${c.processed} within ${((Date.now() - started) / 1000).toFixed(1)} s after the last ack`);
  agent.destroy();
} finally {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    // A profiled service writes its profile on exit.
    await new Promise((r) => child!.once("exit", r));
  }
  await owner.end();
  await scratch.drop();
}
