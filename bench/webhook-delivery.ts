// Outbound webhooks on a real PostgreSQL: throughput of delivery (a burst of
// committed `sales.draft.sent` events to a local receiver) and the lag from
// the event's commit to its arrival at the receiver (single events, and the
// burst). The whole path: outbox dispatcher → webhook jobs enqueued in its
// transaction → pg-boss worker → signed POST → attempt logged.
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/webhook-delivery.ts [burst=500] [endpoints=1] [singles=20]
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { withTenant } from "../src/data/database.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { generateWebhookSecret } from "../src/domain/connection/webhook.js";
import { sealWebhookSecrets } from "../src/orchestration/connection/webhook-endpoint.js";
import { createScratchDatabase } from "./scratch-database.js";

const BURST = Number(process.argv[2] ?? 500);
const ENDPOINTS = Number(process.argv[3] ?? 1);
const SINGLES = Number(process.argv[4] ?? 20);

const arrivals = new Map<string, number[]>();
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const id = String(req.headers["webhook-id"]);
    const list = arrivals.get(id) ?? [];
    list.push(performance.timeOrigin + performance.now());
    arrivals.set(id, list);
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const fmt = (v: number) => `${v.toFixed(0)} ms`;

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

const scratch = await createScratchDatabase("webhooks");
const { ownerUrl, appUrl } = scratch;
try {
  const config = loadConfig({ RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000",
    NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl,
    MIGRATE_ON_START: "false", SEED_DEMO_TENANT: "false", WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", DATA_DIR: `/tmp/${scratch.name}`,
  });
  const app = await startApp({ config, appUrl, jwtSecret: "bench-secret-bench-secret-bench-secret-0123" });
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    const tenant = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }] });
    const tenantId = tenant.tenantId;
    const ring = app.services.connectors!.vault.ring;
    await withTenant(app.services.db.prisma, { tenantId }, async (tx) => {
      for (let i = 0; i < ENDPOINTS; i++) {
        const id = randomUUID();
        await tx.webhookEndpoint.create({
          data: { id, tenantId, url: `${base}/e${i}`, eventTypes: ["sales.draft.*"], secretEnvelope: sealWebhookSecrets(ring, tenantId, id, { current: generateWebhookSecret() }), keyId: ring.current.id },
        });
      }
    });
    const commit = async (n: number): Promise<{ ids: string[]; committedAt: number }> => {
      const ids = Array.from({ length: n }, () => randomUUID());
      await owner.query(
        `INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "payload") SELECT unnest($1::uuid[]), $2, 'sales.draft.sent', '{"draftId":"bench","actor":"agent:bench"}'::jsonb`,
        [ids, tenantId],
      );
      return { ids, committedAt: performance.timeOrigin + performance.now() };
    };

    // 1. Single events, one at a time: commit → arrival.
    const singleLags: number[] = [];
    for (let i = 0; i < SINGLES; i++) {
      const { ids, committedAt } = await commit(1);
      if (!(await until(() => (arrivals.get(ids[0]!)?.length ?? 0) >= ENDPOINTS, 30_000))) throw new Error("a single event was not delivered in 30 s");
      singleLags.push(Math.max(...arrivals.get(ids[0]!)!) - committedAt);
    }
    console.log(`single events (${SINGLES}, ${ENDPOINTS} endpoint(s)): commit → delivery p50 ${fmt(pct(singleLags, 50))}, p95 ${fmt(pct(singleLags, 95))}, max ${fmt(Math.max(...singleLags))}`);

    // 2. A burst committed in one transaction.
    const { ids, committedAt } = await commit(BURST);
    const expected = BURST * ENDPOINTS;
    const count = () => ids.reduce((n, id) => n + (arrivals.get(id)?.length ?? 0), 0);
    const ok = await until(() => count() >= expected, 300_000);
    const last = Math.max(...ids.flatMap((id) => arrivals.get(id) ?? [0]));
    const lags = ids.flatMap((id) => (arrivals.get(id) ?? []).map((t) => t - committedAt));
    const elapsed = (last - committedAt) / 1000;
    console.log(
      `burst of ${BURST} events × ${ENDPOINTS} endpoint(s) = ${expected} deliveries${ok ? "" : ` (only ${count()} within 300 s)`}: ` +
        `${elapsed.toFixed(1)} s, ${(count() / elapsed).toFixed(0)} deliveries/s; lag p50 ${fmt(pct(lags, 50))}, p95 ${fmt(pct(lags, 95))}, p99 ${fmt(pct(lags, 99))}`,
    );
    const dupes = ids.filter((id) => (arrivals.get(id)?.length ?? 0) > ENDPOINTS).length;
    const logged = await owner.query(`SELECT count(*)::int AS n FROM "WebhookDelivery" WHERE "status" = 'SUCCEEDED'`);
    console.log(`duplicates received: ${dupes}; attempts logged as SUCCEEDED: ${logged.rows[0].n}`);
  } finally {
    await owner.end();
    await app.stop();
  }
} finally {
  receiver.close();
  await scratch.drop();
}
