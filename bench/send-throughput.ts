// Sending throughput through the whole pipeline (issue 14): claim (kill
// switches, suppression, quality gate, transport choice, quota under advisory
// locks, send record), the local outbox transport, and the record (SENT,
// activity, audit, event) — deliverDraft exactly as a send worker runs it.
//   1. many mailboxes: MAILBOXES × PER_MAILBOX queued drafts, delivered as a send worker does — WORKERS
//      workers each taking BATCH jobs at a time (deliverDrafts) → sends/s; 1b. the same through the
//      one-draft path (deliverDraft, CONCURRENCY at once), for comparison in the same run;
//   2. one mailbox: its ceiling (every claim of a mailbox serialises on its quota lock);
//   3. exactness: 100-way concurrency per mailbox (batches and single sends mixed) against a mailbox
//      limit → exactly the limit sent.
// Drafts are seeded in bulk by SQL from one draft made through the use cases
// (create → approve → send), so the seeding does not dominate the run.
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/send-throughput.ts [mailboxes=50] [perMailbox=20] [concurrency=64] [batch=25] [workers=4]
import { performance } from "node:perf_hooks";
import { readFileSync, writeFileSync } from "node:fs";
import inspector from "node:inspector";
import { loadavg } from "node:os";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { ROLE_PERMISSIONS } from "../src/domain/access/permission.js";
import { applyMergePatch } from "../src/domain/tenant/tenant.js";
import { createLocalOutboxTransport } from "../src/integrations/email/local-outbox.js";
import type { EmailTransport } from "../src/integrations/email/transport.js";
import { deliverDraft } from "../src/orchestration/draft/draft-delivery.js";
import { deliverDrafts } from "../src/orchestration/draft/draft-send-batch.js";
import { approveDraft, createDraft, sendDraft } from "../src/orchestration/draft/draft.js";
import { createScratchDatabase } from "./scratch-database.js";

const MAILBOXES = Number(process.argv[2] ?? 50);
const PER_MAILBOX = Number(process.argv[3] ?? 20);
const CONCURRENCY = Number(process.argv[4] ?? 64);
const BATCH = Number(process.argv[5] ?? 25);
const WORKERS = Number(process.argv[6] ?? 4);
const POOL = Number(process.env.BENCH_POOL ?? 30);
const BODY =
  "Hi Ana,\n\nI noticed Client Co opened a second office in Lisbon last month. Would a 20-minute call next Tuesday or Wednesday be useful? " +
  "I can share how Northwind cut their response time from two days to four hours.\n\nBest,\nSam\nAcme Sales | +1 415 555 0100";

const mailbox = (i: number) => `rep${i}@acme.example`;
const load = () => loadavg().map((l) => l.toFixed(1)).join(" / ");

const scratch = await createScratchDatabase("send");
const { ownerUrl, appUrl } = scratch;
console.log(`send throughput: ${MAILBOXES} mailboxes × ${PER_MAILBOX} drafts, ${WORKERS} workers × batches of ${BATCH} (one-draft path: ${CONCURRENCY} at once), pool ${POOL}; load average ${load()} (2 cores)`);
try {
  const config = loadConfig({ RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000",
    NODE_ENV: "production", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl,
    MIGRATE_ON_START: "false", SEED_DEMO_TENANT: "false", SEND_WORKERS: "0", SEND_SWEEP_SECONDS: "3600", AGENT_WORKERS: "0",
    DATABASE_POOL_MAX: String(POOL), DATABASE_ACQUIRE_TIMEOUT_MS: "120000", DATABASE_TRANSACTION_TIMEOUT_MS: "120000", DATABASE_STATEMENT_TIMEOUT_MS: "120000",
    JWT_SECRET: "bench-secret-bench-secret-bench-secret-0123", CREDENTIALS_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
    UNSUBSCRIBE_SECRET: "bench-unsubscribe-secret-0123456789abcdef",
  });
  // The local outbox, timed: how much of a send is the transport, how much the claim and the record.
  let transportMs = 0;
  let queries = 0;
  const statements = new Map<string, number>();
  let lazy: EmailTransport | null = null;
  const timed: EmailTransport = {
    name: "local",
    async send(message) {
      const started = performance.now();
      try {
        return await lazy!.send(message);
      } finally {
        transportMs += performance.now() - started;
      }
    },
    async sendMany(messages) {
      const started = performance.now();
      try {
        return await lazy!.sendMany!(messages);
      } finally {
        transportMs += (performance.now() - started) * messages.length;
      }
    },
    lookup: (ref) => lazy!.lookup(ref),
  };
  const app = await startApp({ config, appUrl, jwtSecret: "bench-secret-bench-secret-bench-secret-0123", mailTransport: timed, onQuery: (sql: string) => {
    queries++;
    // BENCH_SQL=1: which statements a run made (first words), to see what a send costs.
    if (process.env.BENCH_SQL) statements.set(sql.replace(/\s+/g, " ").slice(0, 90), (statements.get(sql.replace(/\s+/g, " ").slice(0, 90)) ?? 0) + 1);
  } });
  lazy = createLocalOutboxTransport(app.services.db);
  try {
    const tenant = await provisionTenant(ownerUrl, { name: "Bench", slug: "bench", members: [{ email: "owner@bench.example", name: "Owner", role: "OWNER" }] });
    const owner = tenant.members[0]!;
    const owned = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
      const c = new pg.Client({ connectionString: ownerUrl });
      await c.connect();
      try {
        await c.query("BEGIN");
        await c.query("SET LOCAL app.maintenance = 'on'");
        const out = await fn(c);
        await c.query("COMMIT");
        return out;
      } finally {
        await c.end();
      }
    };
    const setSettings = (patch: Record<string, unknown>) =>
      owned(async (c) => {
        const cur = (await c.query(`SELECT "settings" FROM "Tenant" WHERE "id" = $1`, [tenant.tenantId])).rows[0].settings;
        await c.query(`UPDATE "Tenant" SET "settings" = $2 WHERE "id" = $1`, [tenant.tenantId, JSON.stringify(applyMergePatch(cur, patch))]);
      });
    const actor = {
      principal: { kind: "USER" as const, id: owner.userId, userId: owner.userId, tenantId: tenant.tenantId, role: "OWNER" as const, permissions: ROLE_PERMISSIONS.OWNER, label: "user:owner" },
      meta: { requestId: "bench", traceId: null },
    };
    const mailboxes = Array.from({ length: Math.max(MAILBOXES, 1) }, (_, i) => mailbox(i));
    await setSettings({
      sending: { mode: "SEND_ALLOWED", mailboxes: ["single@acme.example", "exact@acme.example", ...mailboxes].slice(0, 100) },
      quotas: { mailbox: { limit: 100_000 }, domain: { limit: 100_000 }, contact: { limit: 100_000 } },
    });

    // One draft through the use cases; the rest are copies of it (new id, mailbox, recipient), QUEUED.
    const created = await createDraft(app.services, actor, { recipient: { email: "template@company.example" }, subject: "Quick question about routing at Client Co", bodyText: BODY, category: "ONE_TO_ONE", mailbox: mailboxes[0]! });
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const templateId = created.value.draftId;
    const approved = await approveDraft(app.services, actor, { draftId: templateId });
    const queued = await sendDraft(app.services, actor, { draftId: templateId });
    if (!approved.ok || !queued.ok) throw new Error(JSON.stringify([approved, queued]));
    const columns = (
      await owned((c) => c.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'Draft' AND table_schema = 'public'`))
    ).rows.map((r) => r.column_name);
    const copied = columns.filter((c) => !["id", "mailbox", "recipientEmail", "messageId", "createdAt", "updatedAt"].includes(c));
    let batch = 0;
    async function seed(boxes: string[], perBox: number): Promise<{ id: string; mailbox: string }[]> {
      batch++;
      const list = `${copied.map((c) => `"${c}"`).join(", ")}`;
      return (
        await owned((c) =>
          c.query<{ id: string; mailbox: string }>(
            `INSERT INTO "Draft" ("id", "mailbox", "recipientEmail", "createdAt", "updatedAt", ${list})
             SELECT gen_random_uuid(), b.mailbox, 'p' || $3::int || '-' || b.n || '-' || g || '@company' || (g % 97) || '.example', now(), now(), ${copied.map((c) => `d."${c}"`).join(", ")}
             FROM "Draft" d, unnest($2::text[]) WITH ORDINALITY AS b(mailbox, n), generate_series(1, $4::int) AS g
             WHERE d."id" = $1 RETURNING "id", "mailbox"`,
            [templateId, boxes, batch, perBox],
          ),
        )
      ).rows;
    }

    // CPU actually spent, so the figures mean something on a shared machine: this process, and the
    // PostgreSQL backends serving this bench's database but not the one asking (from /proc; clock ticks of 10 ms).
    const backendPids = async () =>
      (await owned((c) => c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`))).rows.map((r) => r.pid);
    const ticks = (pid: number): number => {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        return Number(fields[11]) + Number(fields[12]); // utime + stime
      } catch {
        return 0;
      }
    };
    const pgCpuMs = async () => (await backendPids()).reduce((sum, pid) => sum + ticks(pid) * 10, 0);

    /** `batch` 0: the one-draft path (deliverDraft); n ≥ 1: each worker takes n jobs at a time (deliverDrafts); "mixed": odd workers one-draft, even ones batches of 3. */
    async function deliverAll(ids: string[], concurrency: number, batch: number | "mixed" = 0) {
      const outcomes: Record<string, number> = {};
      const latencies: number[] = [];
      transportMs = 0;
      queries = 0;
      statements.clear();
      const cpu0 = process.cpuUsage();
      const pg0 = await pgCpuMs();
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, ids.length) }, async (_, worker) => {
          const size = batch === "mixed" ? (worker % 2 === 0 ? 3 : 0) : batch;
          while (next < ids.length) {
            const taken = ids.slice(next, next + Math.max(size, 1));
            next += taken.length;
            const t0 = performance.now();
            const results =
              size === 0
                ? [await deliverDraft(app.services, { tenantId: tenant.tenantId, draftId: taken[0]! })]
                : await deliverDrafts(app.services, taken.map((draftId) => ({ tenantId: tenant.tenantId, draftId })));
            for (const r of results) {
              latencies.push(performance.now() - t0);
              outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
            }
          }
        }),
      );
      const elapsed = performance.now() - started;
      const cpu = process.cpuUsage(cpu0);
      const nodeCpuMs = (cpu.user + cpu.system) / 1000;
      const pgMs = (await pgCpuMs()) - pg0;
      latencies.sort((a, b) => a - b);
      if (process.env.BENCH_SQL) for (const [text, n] of [...statements].sort((a, b) => b[1] - a[1])) console.log(`  ${(n / ids.length).toFixed(2)} per send  ${text}`);
      const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(0);
      return { elapsed, outcomes, perSecond: (outcomes.sent ?? 0) / (elapsed / 1000), p50: p(0.5), p99: p(0.99), transportShare: transportMs / latencies.reduce((a, b) => a + b, 0), queriesPerSend: queries / ids.length, nodeCpuPerSend: nodeCpuMs / ids.length, pgCpuPerSend: pgMs / ids.length, cpuShare: (nodeCpuMs + pgMs) / elapsed };
    }
    /**
     * Samples pg_locks every ~10 ms for the quota lock of one mailbox while `run` goes: the share of samples
     * in which a claim holds it, and in which at least one other claim waits for it. The claims of one
     * mailbox are serial on this lock, so its ceiling at this CPU share is about sends/s ÷ held share.
     */
    async function withLockSampling<T>(mailboxAddress: string, run: () => Promise<T>): Promise<{ result: T; held: number; waited: number; samples: number }> {
      const key = `quota:${tenant.tenantId}:MAILBOX:${mailboxAddress}`;
      const client = new pg.Client({ connectionString: ownerUrl });
      await client.connect();
      let done = false;
      let held = 0;
      let waited = 0;
      let samples = 0;
      const sampler = (async () => {
        while (!done) {
          const { rows } = await client.query<{ held: number; waiting: number }>(
            `WITH k AS (SELECT hashtextextended($1, 0) AS h)
             SELECT count(*) FILTER (WHERE l.granted)::int AS held, count(*) FILTER (WHERE NOT l.granted)::int AS waiting
               FROM pg_locks l, k
              WHERE l.locktype = 'advisory' AND l.objsubid = 1
                AND l.classid = ((k.h >> 32) & 4294967295)::bigint::oid AND l.objid = (k.h & 4294967295)::bigint::oid`,
            [key],
          );
          samples++;
          if (rows[0]!.held > 0) held++;
          if (rows[0]!.waiting > 0) waited++;
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      try {
        const result = await run();
        return { result, held: held / Math.max(samples, 1), waited: waited / Math.max(samples, 1), samples };
      } finally {
        done = true;
        await sampler;
        await client.end();
      }
    }
    const lockLine = (label: string, r: { held: number; waited: number; samples: number; result: { perSecond: number } }) =>
      console.log(
        `${label}: the mailbox's quota lock was held in ${(r.held * 100).toFixed(0)}% of ${r.samples} samples, claims waited for it in ${(r.waited * 100).toFixed(0)}%; ` +
          `ceiling of one mailbox at this CPU share ≈ ${Math.round(r.result.perSecond / Math.max(r.held, 0.01))} sends/s (sends/s ÷ held share)`,
      );

    const line = (label: string, r: Awaited<ReturnType<typeof deliverAll>>) =>
      console.log(
        `${label}: ${(r.elapsed / 1000).toFixed(2)} s, ${r.perSecond.toFixed(0)} sends/s, per send p50 ${r.p50} ms / p99 ${r.p99} ms, ` +
          `${r.queriesPerSend.toFixed(1)} SQL statements per send, transport ${(r.transportShare * 100).toFixed(0)}% of send time; ` +
          `CPU per draft: node ${r.nodeCpuPerSend.toFixed(1)} ms + PostgreSQL ${r.pgCpuPerSend.toFixed(1)} ms (we got ${r.cpuShare.toFixed(2)} of the 2 cores; ` +
          `at 2 dedicated cores ≈ ${Math.round(2000 / (r.nodeCpuPerSend + r.pgCpuPerSend))} drafts/s); outcomes ${JSON.stringify(r.outcomes)}; load ${load()}`,
      );

    // Warm-up (JIT, pools, plans).
    await deliverAll((await seed(mailboxes.slice(0, 10), 5)).map((r) => r.id), 16);

    // Interleave mailboxes as a queue would (not all of one mailbox first).
    const interleave = (rows: { id: string }[]) => rows.sort((a, b) => a.id.localeCompare(b.id)).map((r) => r.id);
    await deliverAll(interleave(await seed(mailboxes.slice(0, 10), 10)), WORKERS, BATCH);

    // 1. Many mailboxes.
    const many = interleave(await seed(mailboxes, PER_MAILBOX));
    // BENCH_PROFILE=<file.cpuprofile>: a CPU profile of this process during run 1 (open it in Chrome DevTools or speedscope).
    const profiling = process.env.BENCH_PROFILE ? new inspector.Session() : null;
    if (profiling) {
      profiling.connect();
      await new Promise((resolve) => profiling.post("Profiler.enable", () => profiling.post("Profiler.start", resolve)));
    }
    line(`1. ${MAILBOXES} mailboxes, ${many.length} drafts, ${WORKERS} workers × batches of ${BATCH}`, await deliverAll(many, WORKERS, BATCH));
    if (profiling) {
      const { profile } = await new Promise<inspector.Profiler.StopReturnType>((resolve, reject) => profiling.post("Profiler.stop", (error, result) => (error ? reject(error) : resolve(result))));
      writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile));
      profiling.disconnect();
    }
    const manySingle = interleave(await seed(mailboxes, Math.max(2, Math.round(PER_MAILBOX / 4))));
    line(`1b. ${MAILBOXES} mailboxes, ${manySingle.length} drafts, one-draft path, ${CONCURRENCY} at once`, await deliverAll(manySingle, CONCURRENCY));

    // 2. One mailbox's ceiling.
    const single = (await seed(["single@acme.example"], Math.max(PER_MAILBOX * 20, 400))).map((r) => r.id);
    const run2 = await withLockSampling("single@acme.example", () => deliverAll(single, WORKERS, BATCH));
    line(`2. one mailbox, ${single.length} drafts, ${WORKERS} workers × batches of ${BATCH}`, run2.result);
    lockLine(`2l. one mailbox, ${WORKERS} workers`, run2);
    const singleOne = (await seed(["single@acme.example"], Math.max(PER_MAILBOX * 10, 200))).map((r) => r.id);
    const run2a = await withLockSampling("single@acme.example", () => deliverAll(singleOne, 1, BATCH));
    line(`2a. one mailbox, ${singleOne.length} drafts, one worker × batches of ${BATCH}`, run2a.result);
    lockLine(`2al. one mailbox, one worker`, run2a);
    const single1 = (await seed(["single@acme.example"], 100)).map((r) => r.id);
    line(`2b. one mailbox, 100 drafts, one-draft path, one at a time`, await deliverAll(single1, 1));

    // 3. Exactness: 100-way per mailbox against a limit.
    const LIMIT = 25;
    const exactBoxes = ["exact@acme.example"];
    await setSettings({ quotas: { mailbox: { limit: LIMIT } } });
    const before = (await owned((c) => c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "EmailSend" WHERE "mailbox" = ANY($1) AND "state" IN ('RESERVED','SENT')`, [exactBoxes]))).rows[0]!.n;
    const exact = (await seed(exactBoxes, 200)).map((r) => r.id);
    const r3 = await deliverAll(exact, 100, "mixed");
    const after = (await owned((c) => c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "EmailSend" WHERE "mailbox" = ANY($1) AND "state" IN ('RESERVED','SENT')`, [exactBoxes]))).rows[0]!.n;
    const outbox = (await owned((c) => c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "OutboxMessage" WHERE "mailFrom" = ANY($1)`, [exactBoxes]))).rows[0]!.n;
    console.log(
      `3. exactness: 200 drafts of one mailbox, 100 at once (50 workers with batches of 3, 50 one-draft), mailbox limit ${LIMIT}/24 h: outcomes ${JSON.stringify(r3.outcomes)}, counted ${after - before}, in the outbox ${outbox} — ${r3.outcomes.sent === LIMIT && outbox === LIMIT && after - before === LIMIT ? "exact" : "NOT EXACT"}`,
    );
  } finally {
    await app.stop();
  }
} finally {
  await scratch.drop();
}
