// Benchmark: the first Gmail sync of 10,000 messages across 5 mailboxes
// (issue 10), through the real service (the composition root of `npm start`,
// row-level security on) against the wire-level fake Google: every message is
// listed and fetched with @googleapis/gmail over HTTP and goes through the
// messageIngest path (parse, rules, lead/contact, thread, activity, audit,
// event, analysis agent queued). Agents do not run (AGENT_WORKERS=0): this
// measures the sync. Then:
// - a second run (incremental, from the stored history id) must import nothing;
// - a forced full resync (the fake's history expired) must import nothing either.
// Reports messages/s, wall time and the peak RSS of this process (the service
// and the fake run in it; the fake's mailboxes are part of the figure). The
// load average at the start is printed: on a shared machine it dominates.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/gmail-sync.ts [--messages 10000] [--mailboxes 5] [--keep]
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { withTenant } from "../src/data/database.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { createLogger } from "../src/observability/logger.js";
import { syncMailbox, type GmailSyncResult } from "../src/orchestration/connection/gmail-sync.js";
import { startFakeGoogle } from "../test/fakes/google/server.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({ options: { messages: { type: "string", default: "10000" }, mailboxes: { type: "string", default: "5" }, keep: { type: "boolean", default: false } } });
const MESSAGES = Number(values.messages);
const MAILBOXES = Number(values.mailboxes);
const scratch = await createScratchDatabase("gmail_sync", { keep: values.keep });
const { ownerUrl } = scratch;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const mb = (n: number) => Math.round(n / 1024 / 1024);

const loadAtStart = (await import("node:os")).loadavg().map((l) => +l.toFixed(1));
const google = await startFakeGoogle();
try {
  const env = {
    NODE_ENV: "development",
    LOG_LEVEL: "silent",
    PORT: "0",
    DATABASE_URL: ownerUrl,
    DATABASE_APP_URL: scratch.appUrl,
    DATABASE_BACKGROUND_POOL_MAX: "12",
    MIGRATE_ON_START: "false",
    SEED_DEMO_TENANT: "false",
    CREDENTIALS_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    GOOGLE_CLIENT_ID: google.oauth.clientId,
    GOOGLE_CLIENT_SECRET: google.oauth.clientSecret,
    GOOGLE_OAUTH_BASE_URL: google.url,
    GOOGLE_API_ROOT_URL: google.rootUrl,
    // The default (20 calls/s per tenant) is Google's pace; here the fake answers as fast as it can.
    GOOGLE_RATE_LIMIT_PER_SECOND: "10000",
    AGENT_WORKERS: "0",
    SEND_WORKERS: "0",
    GMAIL_SYNC_WORKERS: "0",
    GMAIL_SYNC_POLL_CRON: "off",
  };
  const config = loadConfig(env);
  const logger = createLogger("silent");
  const app = await startApp({ config, appUrl: scratch.appUrl, jwtSecret: randomBytes(32).toString("hex"), logger });
  const services = app.background;
  const tenant = await provisionTenant(ownerUrl, {
    name: "Bench",
    slug: "bench",
    members: Array.from({ length: MAILBOXES }, (_, i) => ({ email: `rep${i}@bench.example`, name: `Rep ${i}`, role: "OPERATOR" as const })),
  });

  // Five connected mailboxes (tokens in the vault, as the OAuth callback leaves them), each with its share of mail
  // from 200 different people per mailbox, one message a minute (all inside the 30-day window).
  const connections: string[] = [];
  const perBox = Math.ceil(MESSAGES / MAILBOXES);
  for (let i = 0; i < MAILBOXES; i++) {
    const email = `rep${i}@bench.example`;
    const accessToken = `bench-token-${randomUUID()}`;
    google.addToken(accessToken, email);
    const id = await withTenant(services.db.prisma, { tenantId: tenant.tenantId }, async (tx) => {
      const c = await tx.connection.create({
        data: { tenantId: tenant.tenantId, provider: "GOOGLE", userId: tenant.members[i]!.userId, connectedById: tenant.members[i]!.userId, accountEmail: email, scopes: ["openid", "email", "https://www.googleapis.com/auth/gmail.readonly"] },
      });
      await services.connectors!.vault.store(tx, tenant.tenantId, c.id, { accessToken, refreshToken: "bench-refresh", expiresAt: Date.now() + 24 * 3600_000, tokenType: "Bearer" });
      return c.id;
    });
    connections.push(id);
    const end = Date.now();
    for (let p = 0; p < 200; p++) {
      google.gmail.seedMailbox(email, Math.ceil(perBox / 200), { from: `person${p}.${i}@customer${p % 37}.example`, subjectPrefix: `Question from ${p}`, end: end - p * 60_000 * Math.ceil(perBox / 200) });
    }
  }
  const seeded = [...google.gmail.mailboxes.values()].reduce((n, b) => n + b.messages.length, 0);
  const rssBefore = process.memoryUsage().rss;

  async function runAll(label: string): Promise<{ label: string; seconds: number; results: GmailSyncResult[] }> {
    const started = performance.now();
    const results = await Promise.all(connections.map((connectionId) => syncMailbox(services, { tenantId: tenant.tenantId, connectionId, reason: "MANUAL" })));
    return { label, seconds: (performance.now() - started) / 1000, results };
  }
  const sum = (r: GmailSyncResult[], k: "imported" | "duplicates" | "seen" | "sent" | "skippedMessages") => r.reduce((n, x) => n + x[k], 0);

  const first = await runAll("first sync (FULL)");
  const counted = new pg.Client({ connectionString: ownerUrl });
  await counted.connect();
  await counted.query("SET app.maintenance = 'on'");
  const inbound = Number((await counted.query(`SELECT count(*) AS n FROM "InboundMessage"`)).rows[0].n);
  const runs = Number((await counted.query(`SELECT count(*) AS n FROM "AgentRun" WHERE "agent" = 'inbound-analysis'`)).rows[0].n);
  const second = await runAll("second sync (INCREMENTAL)");
  // Google's history no longer reaches back to the stored id: the next sync gets 404 and resyncs the window.
  for (const box of google.gmail.mailboxes.values()) {
    google.gmail.expireHistory(box.email);
    box.oldestHistoryId = box.historyId + 2;
  }
  const resync = await runAll("after expired history (RESYNC)");
  const inboundAfter = Number((await counted.query(`SELECT count(*) AS n FROM "InboundMessage"`)).rows[0].n);
  await counted.end();

  const report = {
    messages: seeded,
    mailboxes: MAILBOXES,
    first: { seconds: +first.seconds.toFixed(1), imported: sum(first.results, "imported"), messagesPerSecond: Math.round(sum(first.results, "imported") / first.seconds), modes: [...new Set(first.results.map((r) => r.mode))] },
    second: { seconds: +second.seconds.toFixed(2), imported: sum(second.results, "imported"), seen: sum(second.results, "seen"), modes: [...new Set(second.results.map((r) => r.mode))] },
    resync: { seconds: +resync.seconds.toFixed(1), imported: sum(resync.results, "imported"), duplicates: sum(resync.results, "duplicates"), modes: [...new Set(resync.results.map((r) => r.mode))] },
    database: { inboundMessages: inbound, inboundMessagesAfterAll: inboundAfter, analysisRunsQueued: runs },
    rssMb: { afterSeeding: mb(rssBefore), peak: mb(peakRss) },
    loadAverageAtStart: loadAtStart,
    gmailRequests: Object.entries(google.requests).reduce<Record<string, number>>((acc, [k, n]) => {
      const key = k.replace(/\/messages\/[0-9a-f]{16}$/, "/messages/{id}");
      acc[key] = (acc[key] ?? 0) + n;
      return acc;
    }, {}),
  };
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  await app.stop();
} finally {
  clearInterval(sampler);
  await google.close();
  await scratch.drop();
}
