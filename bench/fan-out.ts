// Benchmark (issue 14): live fan-out over two service instances on Redis.
// Two service processes (the bundle `npm start` runs; production mode, SERVICE_ROLE=api) share one
// PostgreSQL and one Redis; N graphql-ws subscribers spread over both (most in
// tenant A, some in tenant B) live in separate load-generator processes
// (bench/fan-out-clients.ts, --client-processes of them), so their CPU is
// measured apart and cannot hide in the services' figures. This process causes
// events in tenant A with `taskCreate` on alternating instances and measures,
// per subscriber, the time from the commit to the event's arrival, checks that
// tenant B's subscribers receive none of them, and states memory per idle
// subscriber (service RSS before/after connecting).
//
// Where the time goes, per event, from timestamps taken on this machine's one
// clock: commit (the earlier of the mutation's answer and this process hearing
// the outbox NOTIFY that the commit sends), Redis publish (this process's own
// subscriber on the tenant's topic hears it: the dispatcher's share), client
// arrival (the instances' and clients' share). CPU seconds of every part
// over the measured window, and the machine's total, say how loaded it was.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 \
//     npx tsx bench/fan-out.ts [--subscribers 1000] [--events 20] [--client-processes 2] [--cpu-prof DIR]
// --cpu-prof DIR writes each service's CPU profile (node --cpu-prof) into DIR on exit.
import { fork, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { SignJWT } from "jose";
import pg from "pg";
import { provisionTenant } from "../src/data/provisioning.js";
import type { ClientSpec, FromClients, ToClients } from "./fan-out-clients.js";
import { freePort, mb, rssOf, serviceBundle, waitFor } from "./process-tools.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  options: {
    subscribers: { type: "string", default: "1000" },
    events: { type: "string", default: "20" },
    "client-processes": { type: "string", default: "2" },
    "cpu-prof": { type: "string" },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const EVENTS = Number(values.events);
const CLIENT_PROCESSES = Math.max(1, Number(values["client-processes"]));
const redisUrl = process.env.REDIS_URL;
if (!process.env.DATABASE_URL || !redisUrl) {
  process.stderr.write("Set DATABASE_URL (owner/superuser) and REDIS_URL.\n");
  process.exit(2);
}

const root = path.resolve(import.meta.dirname, "..");
const scratch = await createScratchDatabase("fanout");
const { ownerUrl, appPassword } = scratch;
const jwtSecret = randomBytes(32).toString("base64url");
const children: ChildProcess[] = [];

async function startService(port: number): Promise<ChildProcess> {
  const profile = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(values["cpu-prof"])}`] : [];
  // The service as `npm start` runs it: the bundle, plain Node.
  const child = spawn(process.execPath, [...profile, serviceBundle(root)], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      SERVICE_ROLE: "api",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: ownerUrl,
      DATABASE_APP_PASSWORD: appPassword,
      REDIS_URL: redisUrl!,
      JWT_SECRET: jwtSecret,
      UNSUBSCRIBE_SECRET: randomBytes(32).toString("base64url"),
      CREDENTIALS_KEYS: `bench:${randomBytes(32).toString("base64")}`,
      MIGRATE_ON_START: "false",
      LOG_LEVEL: "warn",
      RATE_LIMIT_CALLER_POINTS: "100000000",
      RATE_LIMIT_TENANT_POINTS: "1000000000",
      WS_MAX_CONNECTIONS_PER_PRINCIPAL: "100000",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[service ${port}] ${d}`));
  children.push(child);
  await waitFor(`http://127.0.0.1:${port}/health`, 60);
  return child;
}


const token = (userId: string, tenantId: string) =>
  new SignJWT({ tid: tenantId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuer("sales-agent")
    .setAudience("sales-agent")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(jwtSecret));

const now = () => performance.timeOrigin + performance.now();
const TICK_MS = 1000 / 100; // /proc reports CPU time in clock ticks (USER_HZ, 100 on Linux)
/** CPU ms (user + system) a process has used so far. */
function cpuMsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}
/** The whole machine's busy and total CPU ms so far (all cores). */
function machineCpuMs(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  const n = ticks.map(Number);
  const idle = n[3]! + n[4]!; // idle + iowait
  const total = n.slice(0, 8).reduce((x, y) => x + y, 0);
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}
const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const sortNumbers = (xs: number[]) => [...xs].sort((x, y) => x - y);
const fmt = (sorted: number[]) =>
  `p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p95 ${quantile(sorted, 0.95).toFixed(1)} ms, p99 ${quantile(sorted, 0.99).toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`;

/** The service's V8 heap in use (its /metrics, prom-client's default metrics), bytes. */
async function heapUsedOf(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? NaN);
}

interface LoadGenerator {
  child: ChildProcess;
  next(type: FromClients["type"]): Promise<FromClients>;
  tell(message: ToClients): void;
}

function startLoadGenerator(): LoadGenerator {
  const child = fork(path.join(root, "bench/fan-out-clients.ts"), [], { cwd: root, execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.push(child);
  const waiting = new Map<string, (m: FromClients) => void>();
  child.on("message", (m: FromClients) => waiting.get(m.type)?.(m));
  return {
    child,
    next: (type) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`load generator did not answer "${type}" within 180 s`)), 180_000);
        waiting.set(type, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        child.once("exit", (code) => reject(new Error(`load generator exited (${code}) before "${type}"`)));
      }),
    tell: (message) => child.send(message),
  };
}

try {
  const a = await provisionTenant(ownerUrl, { name: "A", slug: "fan-a", members: [{ email: "a@fan.example", name: "A", role: "MANAGER" }] });
  const b = await provisionTenant(ownerUrl, { name: "B", slug: "fan-b", members: [{ email: "b@fan.example", name: "B", role: "MANAGER" }] });
  const tokens = { A: await token(a.members[0]!.userId, a.tenantId), B: await token(b.members[0]!.userId, b.tenantId) };
  const ports = [await freePort(), await freePort()];
  const services = [await startService(ports[0]!), await startService(ports[1]!)];
  await new Promise((r) => setTimeout(r, 1_000));
  const idleRss = services.map((s) => rssOf(s.pid));
  const idleHeap = await Promise.all(ports.map(heapUsedOf));

  // Subscriber i: tenant B for the first tenth, instance i % 2, load generator i % CLIENT_PROCESSES.
  const inB = Math.max(1, Math.round(SUBSCRIBERS / 10));
  const inA = SUBSCRIBERS - inB;
  const shares: ClientSpec[][] = Array.from({ length: CLIENT_PROCESSES }, () => []);
  for (let i = 0; i < SUBSCRIBERS; i++) shares[i % CLIENT_PROCESSES]!.push({ port: ports[i % 2]!, tenant: i < inB ? "B" : "A" });
  const generators = shares.map(() => startLoadGenerator());
  const connectStarted = performance.now();
  const readies = await Promise.all(
    generators.map((g, i) => {
      const ready = g.next("ready");
      g.tell({ type: "start", subscribers: shares[i]!, tokens });
      return ready;
    }),
  );
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  const connectRetries = readies.reduce((n, r) => n + (r as Extract<FromClients, { type: "ready" }>).reconnects, 0);
  process.stderr.write(`fan-out: ${SUBSCRIBERS} subscribers connected in ${connectSeconds.toFixed(1)} s; causing ${EVENTS} events\n`);
  // Give the servers time to start reading every stream (the subscription is registered after the ack).
  await new Promise((r) => setTimeout(r, 3_000));
  const connectedRss = services.map((s) => rssOf(s.pid));
  const connectedHeap = await Promise.all(ports.map(heapUsedOf));

  // Probes on the path: the outbox NOTIFY sent at commit, and the tenant's Redis topic.
  const notifiedAt: number[] = [];
  const listener = new pg.Client({ connectionString: ownerUrl });
  await listener.connect();
  listener.on("notification", () => notifiedAt.push(now()));
  await listener.query("LISTEN outbox_event");
  const publishedAt = new Map<string, number>();
  const redisProbe = new Redis(redisUrl!);
  redisProbe.on("message", (_channel: string, message: string) => {
    const taskId = (JSON.parse(message) as { payload?: { taskId?: string } }).payload?.taskId;
    if (taskId && !publishedAt.has(taskId)) publishedAt.set(taskId, now());
  });
  await redisProbe.subscribe(`tenant:${a.tenantId}:events`);

  const load = os.loadavg().map((l) => l.toFixed(2)).join(" / ");
  for (const g of generators) g.tell({ type: "measure" });
  const cpuBefore = { services: services.map((s) => cpuMsOf(s.pid)), clients: generators.map((g) => cpuMsOf(g.child.pid)), bench: process.cpuUsage(), machine: machineCpuMs() };

  // Events: taskCreate in tenant A, alternating instances.
  const events: { taskId: string; requestedAt: number; answeredAt: number; committedAt: number; instance: number }[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const port = ports[i % 2]!;
    const requestedAt = now();
    const notificationsBefore = notifiedAt.length;
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens.A}` },
      body: JSON.stringify({ query: `mutation { taskCreate(input: { title: "fan-out ${i}" }) { task { id } } }` }),
    });
    const body = (await response.json()) as { data?: { taskCreate: { task: { id: string } } } };
    const answeredAt = now();
    const globalId = body.data?.taskCreate.task.id;
    if (!globalId) throw new Error(`taskCreate failed: ${JSON.stringify(body).slice(0, 300)}`);
    const taskId = Buffer.from(globalId, "base64").toString().split(":")[1]!;
    // The commit is before both the answer and the NOTIFY's arrival here: take the earlier.
    const notified = notifiedAt[notificationsBefore];
    events.push({ taskId, requestedAt, answeredAt, committedAt: Math.min(answeredAt, notified ?? Infinity), instance: i % 2 });
    await new Promise((r) => setTimeout(r, 250));
    // A NOTIFY heard after the answer (but before the next request) still belongs to this event.
    const late = notifiedAt[notificationsBefore];
    if (notified === undefined && late !== undefined) events.at(-1)!.committedAt = Math.min(answeredAt, late);
  }
  await new Promise((r) => setTimeout(r, 3_000));
  // Nothing reaches Redis before the commit either: the earliest of the three is the best bound on it.
  for (const e of events) e.committedAt = Math.min(e.committedAt, publishedAt.get(e.taskId) ?? Infinity);

  const results = await Promise.all(
    generators.map((g) => {
      const r = g.next("results");
      g.tell({ type: "collect" });
      return r as Promise<Extract<FromClients, { type: "results" }>>;
    }),
  );
  const cpuAfter = { services: services.map((s) => cpuMsOf(s.pid)), clients: generators.map((g) => cpuMsOf(g.child.pid)), bench: process.cpuUsage(cpuBefore.bench), machine: machineCpuMs() };
  const loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(" / ");

  const latencies: number[] = [];
  const upperBounds: number[] = [];
  const fromRedis: number[] = [];
  let missing = 0;
  let leaked = 0;
  let early = 0;
  /** Per event and instance: first and last arrival at that instance's subscribers. */
  const spans = new Map<string, { first: number; last: number; published: number | undefined }>();
  for (const g of results) {
    for (const s of g.subscribers) {
      const received = new Map(s.received);
      for (const e of events) {
        const got = received.get(e.taskId);
        if (s.tenant === "B") {
          if (got !== undefined) leaked++;
        } else if (got === undefined) missing++;
        else {
          const spanKey = `${e.taskId}@${s.port}`;
          const span = spans.get(spanKey) ?? { first: got, last: got, published: publishedAt.get(e.taskId) };
          spans.set(spanKey, { first: Math.min(span.first, got), last: Math.max(span.last, got), published: span.published });
          if (got < e.committedAt) early++;
          latencies.push(Math.max(0, got - e.committedAt));
          upperBounds.push(got - e.requestedAt);
          const published = publishedAt.get(e.taskId);
          if (published !== undefined) fromRedis.push(got - published);
        }
      }
    }
  }
  const dispatch = sortNumbers(events.flatMap((e) => (publishedAt.has(e.taskId) ? [publishedAt.get(e.taskId)! - e.committedAt] : [])));
  const answerVsNotify = sortNumbers(events.map((e) => e.answeredAt - e.committedAt));
  const perSubscriber = (connectedRss.reduce((x, y) => x + y, 0) - idleRss.reduce((x, y) => x + y, 0)) / SUBSCRIBERS;

  const window = cpuAfter.machine.total - cpuBefore.machine.total; // all cores
  const wall = window / os.cpus().length;
  const serviceCpu = services.map((_, i) => cpuAfter.services[i]! - cpuBefore.services[i]!);
  const clientCpu = generators.map((_, i) => cpuAfter.clients[i]! - cpuBefore.clients[i]!);
  const benchCpu = (cpuAfter.bench.user + cpuAfter.bench.system) / 1000;
  const busy = cpuAfter.machine.busy - cpuBefore.machine.busy;
  const ours = serviceCpu.reduce((x, y) => x + y, 0) + clientCpu.reduce((x, y) => x + y, 0) + benchCpu;
  const pct = (ms: number) => `${((ms / wall) * 100).toFixed(0)} %`;

  console.log(
    `fan-out: ${SUBSCRIBERS} subscribers over 2 instances (${inA} in tenant A, ${inB} in tenant B) from ${CLIENT_PROCESSES} load-generator processes, ${EVENTS} events in A, load average ${load} (after: ${loadAfter}), ${os.cpus().length} cores`,
  );
  console.log(`connect + ack: ${connectSeconds.toFixed(1)} s (connections retried: ${connectRetries}; closed while measuring: ${results.reduce((n, r) => n + r.reconnects, 0)})`);
  console.log(`deliveries: ${latencies.length} of ${inA * EVENTS} expected, missing ${missing}, to tenant B: ${leaked}`);
  console.log(`commit → client latency: ${fmt(sortNumbers(latencies))} (target p99 < 100 ms)`);
  console.log(`  commit → Redis publish (NOTIFY, dispatcher claim, PUBLISH; per event): ${fmt(dispatch)}`);
  console.log(`  Redis publish → client (both instances' fan-out and the clients; per delivery): ${fmt(sortNumbers(fromRedis))}`);
  const spanList = [...spans.values()];
  console.log(
    `  of which Redis publish → first subscriber of an instance: ${fmt(sortNumbers(spanList.flatMap((x) => (x.published === undefined ? [] : [x.first - x.published]))))}; ` +
      `first → last subscriber of an instance (its fan-out of one event, ${Math.round(inA / 2)} sockets): ${fmt(sortNumbers(spanList.map((x) => x.last - x.first)))}`,
  );
  console.log(`  mutation's answer after the commit estimate (per event): ${fmt(answerVsNotify)}; deliveries before the commit estimate (counted as 0 ms): ${early}`);
  console.log(`request start → client (upper bound, includes the mutation itself): ${fmt(sortNumbers(upperBounds))}`);
  console.log(
    `CPU over the ${(wall / 1000).toFixed(1)} s measured (% of one core): services ${serviceCpu.map(pct).join(" + ")}, load generators ${clientCpu.map(pct).join(" + ")}, bench ${pct(benchCpu)}; ` +
      `machine busy ${pct(busy)} of ${os.cpus().length * 100} %, of which PostgreSQL, Redis and everything else on the machine ${pct(busy - ours)}`,
  );
  console.log(
    `services' CPU per delivered event: ${(serviceCpu.reduce((x, y) => x + y, 0) / EVENTS).toFixed(1)} ms (${((serviceCpu.reduce((x, y) => x + y, 0) / Math.max(1, latencies.length)) * 1000).toFixed(0)} µs per subscriber delivery)`,
  );
  console.log(
    `load generators' event-loop delay: ${results.map((r) => `p50 ${r.loopDelay.p50.toFixed(1)} / p99 ${r.loopDelay.p99.toFixed(1)} / max ${r.loopDelay.max.toFixed(1)} ms`).join("; ")}`,
  );
  const heapPerSubscriber = (connectedHeap.reduce((x, y) => x + y, 0) - idleHeap.reduce((x, y) => x + y, 0)) / SUBSCRIBERS;
  console.log(
    `service JS heap in use: idle ${idleHeap.map(mb).join(" + ")}, with subscribers ${connectedHeap.map(mb).join(" + ")}; ≈ ${(heapPerSubscriber / 1024).toFixed(1)} KB per idle subscriber (RSS and heap both include garbage not yet collected)`,
  );
  console.log(`service RSS: idle ${idleRss.map(mb).join(" + ")}, with subscribers ${connectedRss.map(mb).join(" + ")}; ≈ ${(perSubscriber / 1024).toFixed(1)} KB per idle subscriber`);
  await listener.end();
  redisProbe.disconnect();
  await Promise.all(
    generators.map((g) => {
      const done = g.next("disposed");
      g.tell({ type: "dispose" });
      return done;
    }),
  );
} finally {
  for (const child of children) child.kill("SIGTERM");
  // A profiled service writes its profile on exit.
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))));
  await scratch.drop();
}
