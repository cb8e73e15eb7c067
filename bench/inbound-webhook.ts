// Inbound webhooks on a real PostgreSQL: signed form submissions posted to
// /hooks/in/<id> at a fixed rate (open loop: requests are sent on schedule
// whether or not earlier ones have been answered), measuring the time from
// sending each request to its 2xx — endpoint look-up, secret unsealing,
// signature check, the delivery row and its job committed. The inbound worker
// runs meanwhile (deliveries become leads); the AI agents are off
// (AGENT_WORKERS=0) so the draft writer does not compete for the CPU.
// With process=0 the inbound worker is stopped for the run (the ack path alone;
// the load generator, the API and the worker share this one process and its
// event loop, so processing leads in the background slows the acks it races).
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/inbound-webhook.ts [rate=500] [seconds=10] [process=1]
import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { withTenant } from "../src/data/database.js";
import { QUEUES } from "../src/data/job-queue.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { createInboundWebhookEndpoint, inboundWebhookActor } from "../src/orchestration/inbound/inbound-webhook.js";
import { createScratchDatabase } from "./scratch-database.js";

const RATE = Number(process.argv[2] ?? 500);
const SECONDS = Number(process.argv[3] ?? 10);
const PROCESS = (process.argv[4] ?? "1") !== "0";

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

const scratch = await createScratchDatabase("inbound");
const { ownerUrl, appUrl } = scratch;
try {
  const config = loadConfig({ RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000",
    NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl,
    MIGRATE_ON_START: "false", SEED_DEMO_TENANT: "false", AGENT_WORKERS: "0", DATA_DIR: `/tmp/${scratch.name}`,
    DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? "10",
  });
  const app = await startApp({ config, appUrl, jwtSecret: "bench-secret-bench-secret-bench-secret-0123" });
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    const tenant = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }] });
    const created = await createInboundWebhookEndpoint(app.services, inboundWebhookActor(tenant.tenantId), { kind: "GENERIC", name: "bench" });
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const secret = created.value.secret!;
    const tenantId = tenant.tenantId;
    const resolvedId = await withTenant(app.services.db.prisma, { tenantId }, async (tx) => (await tx.inboundWebhookEndpoint.findUniqueOrThrow({ where: { id: created.value.endpointId } })).publicId);
    const url = new URL(`${app.url}/hooks/in/${resolvedId}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

    const send = (i: number): Promise<{ status: number; latency: number }> => {
      const body = JSON.stringify({
        email: `bench-${i}-${randomUUID().slice(0, 8)}@prospect-${i % 97}.example`,
        name: "Bench Person",
        company: `Prospect ${i % 97}`,
        message: "Could we see a demo next week?",
        formName: "Contact us",
      });
      const ts = String(Math.floor(Date.now() / 1000));
      const signature = createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");
      const started = performance.now();
      return new Promise((resolve) => {
        const req = http.request(
          {
            agent,
            method: "POST",
            hostname: url.hostname,
            port: url.port,
            path: url.pathname,
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              "x-webhook-id": `bench-${i}`,
              "x-webhook-timestamp": ts,
              "x-webhook-signature": `sha256=${signature}`,
            },
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0, latency: performance.now() - started }));
          },
        );
        req.on("error", () => resolve({ status: 0, latency: performance.now() - started }));
        req.end(body);
      });
    };

    if (!PROCESS) await app.services.jobs.boss.offWork(QUEUES.inboundWebhook.name);
    // Warm-up (JIT, pool connections), not measured.
    await Promise.all(Array.from({ length: 50 }, (_, i) => send(-1 - i)));

    const total = RATE * SECONDS;
    const results: Promise<{ status: number; latency: number }>[] = [];
    const t0 = performance.now();
    let late = 0;
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      else if (wait < -50) late++;
      results.push(send(i));
    }
    const done = await Promise.all(results);
    const elapsed = (performance.now() - t0) / 1000;
    const ok = done.filter((r) => r.status === 200);
    const latencies = ok.map((r) => r.latency);
    const statuses = new Map<number, number>();
    for (const r of done) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    console.log(`${total} signed deliveries at ${RATE}/s for ${SECONDS} s: sent and answered in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s achieved; ${late} sends more than 50 ms behind schedule)`);
    console.log(`statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}`);
    console.log(`send → 2xx: p50 ${ms(pct(latencies, 50))}, p95 ${ms(pct(latencies, 95))}, p99 ${ms(pct(latencies, 99))}, max ${ms(Math.max(...latencies))}`);
    const started = Date.now();
    const counts = async () =>
      withTenant(app.services.db.prisma, { tenantId }, async (tx) => ({
        stored: await tx.inboundWebhookDelivery.count(),
        processed: await tx.inboundWebhookDelivery.count({ where: { status: "PROCESSED" } }),
      }));
    let c = await counts();
    while (PROCESS && c.processed < c.stored && Date.now() - started < 300_000) {
      await new Promise((r) => setTimeout(r, 500));
      c = await counts();
    }
    if (!PROCESS) console.log(`stored ${c.stored} deliveries (worker stopped: not processed)`);
    else console.log(`stored ${c.stored} deliveries; processed into leads ${c.processed} within ${((Date.now() - started) / 1000).toFixed(1)} s after the last ack`);
    agent.destroy();
  } finally {
    await owner.end();
    await app.stop();
  }
} finally {
  await scratch.drop();
}
