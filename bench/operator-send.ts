// Operator-mode measurements on a real PostgreSQL: the quality gate's cost per
// draft, the use-case path (create + approve + send) per draft, and
// concurrent delivery (claim + quota under advisory locks + local outbox +
// completion) — its throughput, and exactness when a quota binds.
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/operator-send.ts [drafts=200] [concurrency=200]
import { performance } from "node:perf_hooks";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { ROLE_PERMISSIONS } from "../src/domain/access/permission.js";
import { DEFAULT_QUALITY_SETTINGS, runQualityGate } from "../src/domain/draft/quality-gate.js";
import { applyMergePatch } from "../src/domain/tenant/tenant.js";
import { deliverDraft } from "../src/orchestration/draft/draft-delivery.js";
import { approveDraft, createDraft, sendDraft } from "../src/orchestration/draft/draft.js";
import { createScratchDatabase } from "./scratch-database.js";

const DRAFTS = Number(process.argv[2] ?? 200);
const CONCURRENCY = Number(process.argv[3] ?? DRAFTS);
const BODY =
  "Hi Ana,\n\nI noticed Client Co opened a second office in Lisbon last month. Teams at that stage often find their lead routing starts to creak: " +
  "new reps, new territories, and leads that wait a day for an owner.\n\nWould a 20-minute call next Tuesday or Wednesday be useful? I can share how " +
  "Northwind cut their response time from two days to four hours, and what it took (mostly routing rules, not headcount). The overview is at " +
  "https://www.acme.example/routing if you want to look first.\n\nBest,\nSam\nAcme Sales | +1 415 555 0100";

function ms(n: number) {
  return `${n.toFixed(2)} ms`;
}

// 1. The gate alone.
{
  const draft = { subject: "Quick question about routing at Client Co", bodyText: BODY, category: "ONE_TO_ONE" as const, mailbox: "sam@acme.example" };
  const ctx = { settings: DEFAULT_QUALITY_SETTINGS, postalAddress: null, unsubscribeHost: "mail.acme.example" };
  for (let i = 0; i < 500; i++) runQualityGate(draft, ctx);
  const n = 20_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) runQualityGate(draft, ctx);
  const per = (performance.now() - started) / n;
  console.log(`quality gate: ${(per * 1000).toFixed(1)} µs per ${BODY.length}-character draft (${Math.round(1000 / per)} drafts/s, one core)`);
}

const scratch = await createScratchDatabase("operator");
const { ownerUrl, appUrl } = scratch;
try {
  const config = loadConfig({ RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000",
    NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl,
    MIGRATE_ON_START: "false", SEED_DEMO_TENANT: "false", SEND_WORKERS: "0", SEND_SWEEP_SECONDS: "3600", DATABASE_POOL_MAX: "20",
  });
  const app = await startApp({ config, appUrl, jwtSecret: "bench-secret-bench-secret-bench-secret-0123" });
  try {
    const tenant = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }] });
    const owner = tenant.members[0]!;
    const setSettings = async (patch: Record<string, unknown>) => {
      const c = new pg.Client({ connectionString: ownerUrl });
      await c.connect();
      await c.query("BEGIN");
      await c.query("SET LOCAL app.maintenance = 'on'");
      const cur = (await c.query(`SELECT "settings" FROM "Tenant" WHERE "id" = $1`, [tenant.tenantId])).rows[0].settings;
      await c.query(`UPDATE "Tenant" SET "settings" = $2 WHERE "id" = $1`, [tenant.tenantId, JSON.stringify(applyMergePatch(cur, patch))]);
      await c.query("COMMIT");
      await c.end();
    };
    const actor = {
      principal: { kind: "USER" as const, id: owner.userId, userId: owner.userId, tenantId: tenant.tenantId, role: "OWNER" as const, permissions: ROLE_PERMISSIONS.OWNER, label: "user:owner" },
      meta: { requestId: "bench", traceId: null },
    };

    async function queue(count: number, prefix: string): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const created = await createDraft(app.services, actor, {
          recipient: { email: `${prefix}${i}@company${i}.example` },
          subject: "Quick question about routing at Client Co",
          bodyText: BODY,
          category: "ONE_TO_ONE",
          mailbox: "sam@acme.example",
        });
        if (!created.ok) throw new Error(JSON.stringify(created.errors));
        const draftId = created.value.draftId;
        const a = await approveDraft(app.services, actor, { draftId });
        const s = await sendDraft(app.services, actor, { draftId });
        if (!a.ok || !s.ok) throw new Error(JSON.stringify([a, s]));
        ids.push(draftId);
      }
      return ids;
    }

    async function deliverAll(ids: string[]) {
      const outcomes: Record<string, number> = {};
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, ids.length) }, async () => {
          while (next < ids.length) {
            const id = ids[next++]!;
            const r = await deliverDraft(app.services, { tenantId: tenant.tenantId, draftId: id });
            outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
          }
        }),
      );
      return { elapsed: performance.now() - started, outcomes };
    }

    await setSettings({ sending: { mode: "SEND_ALLOWED", mailboxes: ["sam@acme.example"] }, quality: { allowedLinkDomains: ["acme.example"] }, quotas: { mailbox: { limit: 100_000 }, domain: { limit: 100_000 } } });
    const t0 = performance.now();
    const ids = await queue(DRAFTS, "free");
    const perDraft = (performance.now() - t0) / DRAFTS;
    console.log(`create + approve + send (use cases, sequential): ${ms(perDraft)} per draft`);
    const free = await deliverAll(ids);
    console.log(`deliver ${DRAFTS} drafts, ${CONCURRENCY} at once, no binding quota: ${ms(free.elapsed)} total, ${Math.round((DRAFTS / free.elapsed) * 1000)} sends/s, outcomes ${JSON.stringify(free.outcomes)}`);

    await setSettings({ quotas: { mailbox: { limit: DRAFTS + 50 } } });
    const limited = await queue(DRAFTS, "limited");
    const bound = await deliverAll(limited);
    console.log(`deliver ${DRAFTS} more, ${CONCURRENCY} at once, mailbox limit ${DRAFTS + 50} per 24 h (${DRAFTS} already used): ${ms(bound.elapsed)}, outcomes ${JSON.stringify(bound.outcomes)} (expected sent 50)`);
  } finally {
    await app.stop();
  }
} finally {
  await scratch.drop();
}
