// The agents end to end on a real PostgreSQL with the local provider: for one
// inbound e-mail at a time, how long from messageIngest returning until the
// analysis is stored, the reply draft is in the review queue, and the
// recommendations exist; then a burst of messages at once, until every run
// has settled. Workers and polling as configured (AGENT_WORKERS,
// AGENT_POLL_SECONDS; defaults 2 per queue and 1 s).
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/agents-flow.ts [messages=10] [burst=50]
import { performance } from "node:perf_hooks";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { ROLE_PERMISSIONS } from "../src/domain/access/permission.js";
import { ingestMessage } from "../src/orchestration/inbound/inbound-message.js";
import { importVoiceSamples } from "../src/orchestration/draft/voice.js";
import { createScratchDatabase } from "./scratch-database.js";

const MESSAGES = Number(process.argv[2] ?? 10);
const BURST = Number(process.argv[3] ?? 50);

const QUESTIONS = [
  "Could you send pricing for 50 seats? Also, could we have a call next Tuesday?",
  "We are interested in a pilot. Does it integrate with Salesforce?",
  "Thanks for the note. Budget is tight this quarter, but can you tell me what the smallest plan costs?",
  "Can we book a demo on Thursday afternoon for our sales managers?",
  "I'm not the right person, please talk to Jane Doe (jane.doe@acme.example) who runs operations.",
];

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const s = (msValue: number) => `${(msValue / 1000).toFixed(2)} s`;

const scratch = await createScratchDatabase("agents");
const { ownerUrl, appUrl } = scratch;
const reader = new pg.Client({ connectionString: ownerUrl });
try {
  const config = loadConfig({ RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000",
    NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl,
    MIGRATE_ON_START: "false", SEED_DEMO_TENANT: "false", SEND_WORKERS: "0", SEND_SWEEP_SECONDS: "3600", DATABASE_POOL_MAX: "20",
    ...(process.env.AGENT_WORKERS ? { AGENT_WORKERS: process.env.AGENT_WORKERS } : {}),
    ...(process.env.AGENT_POLL_SECONDS ? { AGENT_POLL_SECONDS: process.env.AGENT_POLL_SECONDS } : {}),
  });
  const app = await startApp({ config, appUrl, jwtSecret: "bench-secret-bench-secret-bench-secret-0123" });
  await reader.connect();
  const q = async <T>(text: string, values: unknown[] = []) => {
    await reader.query("BEGIN");
    await reader.query("SET LOCAL app.maintenance = 'on'");
    const rows = (await reader.query(text, values)).rows as T[];
    await reader.query("COMMIT");
    return rows;
  };
  const settled = async (tenantId: string) => {
    for (;;) {
      const [row] = await q<{ pending: number }>(`SELECT count(*) FILTER (WHERE status IN ('QUEUED','RUNNING'))::int AS pending FROM "AgentRun" WHERE "tenantId" = $1`, [tenantId]);
      if (row!.pending === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    const tenant = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "oscar@bench.example", name: "Oscar Diaz", role: "OPERATOR" }] });
    const oscar = tenant.members[0]!;
    const actor = {
      principal: { kind: "USER" as const, id: oscar.userId, userId: oscar.userId, tenantId: tenant.tenantId, role: "OPERATOR" as const, permissions: ROLE_PERMISSIONS.OPERATOR, label: "user:oscar" },
      meta: { requestId: "bench", traceId: null },
    };
    await importVoiceSamples(app.services, actor, {
      emails: [
        { subject: "Pilot", body: "Hey Sam!\n\nGreat chatting today. I'll send the deck tonight.\n\nCheers,\nOscar" },
        { subject: "Intro", body: "Hey Maria!\n\nLoved your post on onboarding. Want to compare notes next week?\n\nCheers,\nOscar" },
      ],
    });
    await settled(tenant.tenantId);

    const message = (i: number, prefix: string) => ({
      message: {
        from: `buyer${i}@${prefix}-${i}.example`,
        fromName: `Robin Buyer${i}`,
        to: ["oscar@bench.example"],
        subject: `Re: Pilot ${i}`,
        text: `Hi Oscar,\n\n${QUESTIONS[i % QUESTIONS.length]}\n\nBest,\nRobin`,
        sentAt: new Date().toISOString(),
        messageId: `<${prefix}-${i}@bench.example>`,
        references: [],
        headers: [],
      },
    });

    // 1. One message at a time.
    const ingest: number[] = [];
    const analysed: number[] = [];
    const drafted: number[] = [];
    const recommended: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const t0 = performance.now();
      const wall0 = Date.now();
      const outcome = await ingestMessage(app.services, actor, message(i, "one"));
      if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
      ingest.push(performance.now() - t0);
      await settled(tenant.tenantId);
      const id = outcome.value.inboundMessageId;
      const [row] = await q<{ analysed: Date; drafted: Date | null; recommended: Date | null }>(
        `SELECT m."analysedAt" AS analysed,
                (SELECT min(d."createdAt") FROM "Draft" d WHERE d."inboundMessageId" = m.id) AS drafted,
                (SELECT min(r."createdAt") FROM "Recommendation" r WHERE r."leadId" = m."leadId") AS recommended
         FROM "InboundMessage" m WHERE m.id = $1`,
        [id],
      );
      analysed.push(row!.analysed.getTime() - wall0);
      if (row!.drafted) drafted.push(row!.drafted.getTime() - wall0);
      if (row!.recommended) recommended.push(row!.recommended.getTime() - wall0);
    }
    console.log(`agents, one message at a time (${MESSAGES} messages, AGENT_WORKERS=${config.AGENT_WORKERS}, AGENT_POLL_SECONDS=${config.AGENT_POLL_SECONDS}):`);
    console.log(`  messageIngest (parse, rules, contact/lead/thread, activity, enqueue): median ${quantile(ingest, 0.5).toFixed(1)} ms, p95 ${quantile(ingest, 0.95).toFixed(1)} ms`);
    console.log(`  → analysis stored:          median ${s(quantile(analysed, 0.5))}, p95 ${s(quantile(analysed, 0.95))}`);
    console.log(`  → reply draft in the queue: median ${s(quantile(drafted, 0.5))}, p95 ${s(quantile(drafted, 0.95))} (${drafted.length}/${MESSAGES} got a draft)`);
    console.log(`  → recommendations stored:   median ${s(quantile(recommended, 0.5))}, p95 ${s(quantile(recommended, 0.95))} (${recommended.length}/${MESSAGES})`);

    // 2. A burst: all at once, until every run has settled.
    const [before] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM "AgentRun" WHERE "tenantId" = $1`, [tenant.tenantId]);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: BURST }, (_, i) => ingestMessage(app.services, actor, message(i, "burst"))));
    const accepted = performance.now() - t0;
    await settled(tenant.tenantId);
    const total = performance.now() - t0;
    const [runs] = await q<{ n: number; failed: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status <> 'SUCCEEDED')::int AS failed FROM "AgentRun" WHERE "tenantId" = $1`,
      [tenant.tenantId],
    );
    const burstRuns = runs!.n - before!.n;
    console.log(`agents, a burst of ${BURST} messages: ingested in ${s(accepted)}; all ${burstRuns} runs settled after ${s(total)} (${(burstRuns / (total / 1000)).toFixed(1)} runs/s, ${runs!.failed} not succeeded)`);
  } finally {
    await app.stop();
  }
} finally {
  await reader.end().catch(() => {});
  await scratch.drop();
}
