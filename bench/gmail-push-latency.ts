// Benchmark: Gmail push → analysed message latency (issue 10), through the
// real service (the composition root of `npm start`: HTTP push endpoint,
// pg-boss gmail-sync workers, the ingest path, the inbound-analysis agent)
// against the wire-level fake Google. For each of N messages, one at a time:
// the fake delivers it into the watched mailbox, publishes the change and
// pushes a signed Pub/Sub request to POST /hooks/gmail/push; the clock starts
// when that request is sent and stops when the InboundMessage has its
// analysis (analysedAt). Prints p50/p95/p99, mean and max in ms, plus the
// split push → ingested. Messages go one at a time, so the figure is the
// latency, not a throughput (pg-boss polling intervals dominate it).
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/gmail-push-latency.ts [--messages 50] [--keep]
import { randomBytes, randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { prepareDatabase, startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { withTenant } from "../src/data/database.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { createLogger } from "../src/observability/logger.js";
import { syncMailbox } from "../src/orchestration/connection/gmail-sync.js";
import { startFakeGoogle } from "../test/fakes/google/server.js";

const { values } = parseArgs({ options: { messages: { type: "string", default: "50" }, keep: { type: "boolean", default: false } } });
const MESSAGES = Number(values.messages);
const base = process.env.DATABASE_URL;
if (!base) {
  process.stderr.write("Set DATABASE_URL to an owner/superuser connection.\n");
  process.exit(2);
}
const dbName = `bench_gmail_push_${Date.now()}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
const ownerUrl = Object.assign(new URL(base), { pathname: `/${dbName}` }).toString();
const loadAtStart = loadavg().map((l) => +l.toFixed(1));
const google = await startFakeGoogle();
const REP = "rep@bench.example";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

try {
  const config = loadConfig({
    NODE_ENV: "development",
    LOG_LEVEL: "silent",
    PORT: "0",
    DATABASE_URL: ownerUrl,
    DATABASE_APP_PASSWORD: "bench_gmail_push_password",
    MIGRATE_ON_START: "true",
    SEED_DEMO_TENANT: "false",
    CREDENTIALS_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    GOOGLE_OAUTH_BASE_URL: google.url,
    GOOGLE_API_ROOT_URL: google.rootUrl,
    GOOGLE_RATE_LIMIT_PER_SECOND: "10000",
    GMAIL_PUSH_AUDIENCE: google.pubsub.audience,
    GMAIL_PUSH_SERVICE_ACCOUNT: google.pubsub.serviceAccountEmail,
    GMAIL_PUSH_CERTS_URL: `${google.url}/oauth2/v1/certs`,
    GMAIL_PUSH_TOPIC: "projects/bench/topics/gmail",
    GMAIL_SYNC_POLL_CRON: "off",
    SEND_WORKERS: "0",
  });
  const logger = createLogger("silent");
  const urls = await prepareDatabase(config, logger);
  const app = await startApp({ config, appUrl: urls.appUrl, jwtSecret: randomBytes(32).toString("hex"), logger });
  const services = app.background;
  const tenant = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: REP, name: "Rep", role: "OPERATOR" }] });
  const accessToken = `bench-token-${randomUUID()}`;
  google.addToken(accessToken, REP);
  const connectionId = await withTenant(services.db.prisma, { tenantId: tenant.tenantId }, async (tx) => {
    const c = await tx.connection.create({
      data: { tenantId: tenant.tenantId, provider: "GOOGLE", userId: tenant.members[0]!.userId, connectedById: tenant.members[0]!.userId, accountEmail: REP, scopes: ["openid", "email", "https://www.googleapis.com/auth/gmail.readonly"] },
    });
    await services.connectors!.vault.store(tx, tenant.tenantId, c.id, { accessToken, refreshToken: "bench-refresh", expiresAt: Date.now() + 24 * 3600_000, tokenType: "Bearer" });
    return c.id;
  });
  // The first sync stores the history id and watches the mailbox; from then on, pushes drive it.
  await syncMailbox(services, { tenantId: tenant.tenantId, connectionId, reason: "MANUAL" });
  google.pubsub.pushEndpoint = `${app.url}/hooks/gmail/push`;

  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  await db.query("SET app.maintenance = 'on'");
  const toIngested: number[] = [];
  const toAnalysed: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const messageId = `<push-${i}-${randomUUID()}@prospect${i % 7}.example>`;
    const raw = [`From: Buyer ${i} <buyer${i}@prospect${i % 7}.example>`, `To: ${REP}`, `Subject: Pilot question ${i}`, `Date: ${new Date().toUTCString()}`, `Message-ID: ${messageId}`, "", "Could we meet next Tuesday to discuss pricing for 40 seats?", ""].join("\r\n");
    const started = performance.now(); // the fake sends the push in the same tick
    google.gmail.deliver(REP, { raw });
    let ingestedAt: number | null = null;
    for (;;) {
      const row = (await db.query<{ analysedAt: Date | null }>(`SELECT "analysedAt" FROM "InboundMessage" WHERE "messageId" = $1`, [messageId])).rows[0];
      if (row && ingestedAt === null) ingestedAt = performance.now();
      if (row?.analysedAt) break;
      if (performance.now() - started > 60_000) throw new Error(`message ${i} not analysed within 60 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    toIngested.push(ingestedAt! - started);
    toAnalysed.push(performance.now() - started);
  }
  await db.end();
  const summary = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: Math.round(percentile(s, 50)), p95: Math.round(percentile(s, 95)), p99: Math.round(percentile(s, 99)), mean: Math.round(xs.reduce((a, b) => a + b, 0) / xs.length), max: Math.round(s.at(-1)!) };
  };
  const report = {
    messages: MESSAGES,
    pushToAnalysedMs: summary(toAnalysed),
    pushToIngestedMs: summary(toIngested),
    pushes: { sent: google.pubsub.pushed.length, refused: google.pubsub.pushed.filter((p) => p.status !== 204).length },
    loadAverageAtStart: loadAtStart,
  };
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  google.pubsub.pushEndpoint = null;
  await app.stop();
} finally {
  await google.close();
  if (!values.keep) await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}
