// Benchmark (issue 14): live fan-out over two service instances on Redis.
// Two `src/main.ts` processes (production mode, SERVICE_ROLE=api) share one
// PostgreSQL and one Redis; this process opens N graphql-ws subscribers spread
// over both (most in tenant A, some in tenant B), then causes events in
// tenant A with `taskCreate` on alternating instances and measures, per
// subscriber, the time from the mutation's answer (the commit) to the event's
// arrival. It also checks that tenant B's subscribers receive none of them,
// and states memory per idle subscriber (service RSS before/after connecting).
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 \
//     npx tsx bench/fan-out.ts [--subscribers 1000] [--events 20] [--cpu-prof DIR]
// --cpu-prof DIR writes each service's CPU profile (node --cpu-prof) into DIR on exit.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import { createClient, type Client } from "graphql-ws";
import { SignJWT } from "jose";
import WebSocket from "ws";
import { provisionTenant } from "../src/data/provisioning.js";
import { freePort, mb, rssOf, waitFor } from "./process-tools.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  options: { subscribers: { type: "string", default: "1000" }, events: { type: "string", default: "20" }, "cpu-prof": { type: "string" } },
});
const SUBSCRIBERS = Number(values.subscribers);
const EVENTS = Number(values.events);
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
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "src/main.ts"], {
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

interface Subscriber {
  client: Client;
  tenant: "A" | "B";
  /** Arrival time per task id. */
  received: Map<string, number>;
}

try {
  const a = await provisionTenant(ownerUrl, { name: "A", slug: "fan-a", members: [{ email: "a@fan.example", name: "A", role: "MANAGER" }] });
  const b = await provisionTenant(ownerUrl, { name: "B", slug: "fan-b", members: [{ email: "b@fan.example", name: "B", role: "MANAGER" }] });
  const tokenA = await token(a.members[0]!.userId, a.tenantId);
  const tokenB = await token(b.members[0]!.userId, b.tenantId);
  const ports = [await freePort(), await freePort()];
  const services = [await startService(ports[0]!), await startService(ports[1]!)];
  await new Promise((r) => setTimeout(r, 1_000));
  const idleRss = services.map((s) => rssOf(s.pid));

  const load = (await import("node:os")).loadavg()[0]!.toFixed(2);
  const subscribers: Subscriber[] = [];
  const inB = Math.max(1, Math.round(SUBSCRIBERS / 10));
  const connectStarted = performance.now();
  await Promise.all(
    Array.from({ length: SUBSCRIBERS }, async (_, i) => {
      const tenant: "A" | "B" = i < inB ? "B" : "A";
      const port = ports[i % 2]!;
      const received = new Map<string, number>();
      let acknowledged!: () => void;
      const ready = new Promise<void>((resolve) => (acknowledged = resolve));
      const client = createClient({
        url: `ws://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { token: tenant === "A" ? tokenA : tokenB },
        retryAttempts: 0,
        lazy: false,
        on: { connected: () => acknowledged() },
      });
      client.subscribe<{ events: { type: string; payload: { taskId?: string } } }>(
        { query: `subscription { events(types: ["sales.task.*"]) { type payload } }` },
        {
          next: (value) => {
            const taskId = value.data?.events.payload.taskId;
            if (taskId) received.set(taskId, performance.now());
          },
          error: (error) => process.stderr.write(`subscription error: ${JSON.stringify(error).slice(0, 200)}\n`),
          complete: () => {},
        },
      );
      await ready;
      subscribers.push({ client, tenant, received });
    }),
  );
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  // Give the servers time to start reading every stream (the subscription is registered after the ack).
  await new Promise((r) => setTimeout(r, 3_000));
  const connectedRss = services.map((s) => rssOf(s.pid));

  // Events: taskCreate in tenant A, alternating instances; commit ≈ the mutation's answer.
  const committedAt = new Map<string, number>();
  // The commit lies between the request's start and its answer: latency from the start is an upper bound.
  const requestedAt = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const port = ports[i % 2]!;
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokenA}` },
      body: JSON.stringify({ query: `mutation { taskCreate(input: { title: "fan-out ${i}" }) { task { id } } }` }),
    });
    const body = (await response.json()) as { data?: { taskCreate: { task: { id: string } } } };
    const globalId = body.data?.taskCreate.task.id;
    if (!globalId) throw new Error(`taskCreate failed: ${JSON.stringify(body).slice(0, 300)}`);
    const taskId = Buffer.from(globalId, "base64").toString().split(":")[1]!;
    committedAt.set(taskId, performance.now());
    requestedAt.set(taskId, started);
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 3_000));

  const latencies: number[] = [];
  const upperBounds: number[] = [];
  let missing = 0;
  let leaked = 0;
  for (const s of subscribers) {
    for (const [taskId, at] of committedAt) {
      const got = s.received.get(taskId);
      if (s.tenant === "B") {
        if (got !== undefined) leaked++;
      } else if (got === undefined) missing++;
      else {
        latencies.push(Math.max(0, got - at));
        upperBounds.push(got - requestedAt.get(taskId)!);
      }
    }
  }
  latencies.sort((x, y) => x - y);
  upperBounds.sort((x, y) => x - y);
  const quantile = (values: number[], p: number) => values[Math.min(values.length - 1, Math.floor(p * values.length))] ?? NaN;
  const q = (p: number) => quantile(latencies, p);
  const perSubscriber = (connectedRss.reduce((x, y) => x + y, 0) - idleRss.reduce((x, y) => x + y, 0)) / SUBSCRIBERS;
  const inA = SUBSCRIBERS - inB;
  console.log(`fan-out: ${SUBSCRIBERS} subscribers over 2 instances (${inA} in tenant A, ${inB} in tenant B), ${EVENTS} events in A, load average ${load}`);
  console.log(`connect + ack: ${connectSeconds.toFixed(1)} s`);
  console.log(`deliveries: ${latencies.length} of ${inA * EVENTS} expected, missing ${missing}, to tenant B: ${leaked}`);
  console.log(`commit → client latency: p50 ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms (target p99 < 100 ms)`);
  console.log(
    `request start → client (upper bound, includes the mutation itself): p50 ${quantile(upperBounds, 0.5).toFixed(1)} ms, p99 ${quantile(upperBounds, 0.99).toFixed(1)} ms; events that arrived before the mutation's answer: ${latencies.filter((l) => l === 0).length}`,
  );
  console.log(`service RSS: idle ${idleRss.map(mb).join(" + ")}, with subscribers ${connectedRss.map(mb).join(" + ")}; ≈ ${(perSubscriber / 1024).toFixed(1)} KB per idle subscriber`);
  await Promise.all(subscribers.map((s) => s.client.dispose()));
} finally {
  for (const child of children) child.kill("SIGTERM");
  // A profiled service writes its profile on exit.
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))));
  await scratch.drop();
}
