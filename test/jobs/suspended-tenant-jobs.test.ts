// A suspended tenant's queued jobs wait (issue 15), through the real workers:
// suspend a tenant, then cause several kinds of its jobs — an agent run and its
// lead scoring (a message ingested), a send, an explicit scoring job — and none
// of them runs: nothing reaches the webhook receiver or the mail transport, the
// agent run stays queued, and every job of the tenant is put back (not dropped,
// not failed). The jobs its events would cause (outbound webhooks, long-memory
// indexing) are not even created: the outbox holds the events
// (test/jobs/outbox-suspended-tenant.test.ts). Another tenant's same jobs run
// meanwhile. Resuming makes them due at once, the events go out, and everything
// completes. Also: every pg-boss worker is either behind the one shared guard
// (src/jobs/tenant-worker.ts) or a platform schedule.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUES } from "../../src/data/job-queue.js";
import { sendDraft } from "../../src/orchestration/draft/draft.js";
import { ingestMessage } from "../../src/orchestration/inbound/inbound-message.js";
import { createTenant, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute } from "../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, userActor, waitFor } from "../helpers/operator.js";

const ADMIN = "ops@platform.example";

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let adminToken: string;
let receiver: http.Server;
let base: string;
const received: { path: string; body: string }[] = [];

async function gql(query: string, variables: Record<string, unknown>, token: string) {
  return execute<Record<string, any>, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
}

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startOperatorApp({
    workers: 1,
    env: { PLATFORM_ADMIN_SUBJECTS: ADMIN, WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", MEMORY_AUTO_INDEX: "true", AGENT_POLL_SECONDS: "0.5" },
  });
  a = await createTenant(t, "susp-a");
  b = await createTenant(t, "susp-b");
  for (const x of [a, b]) await patchSettings(t.db, x.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: ["sales@acme.example"] } });
  adminToken = await t.app.services.platform!.issuePlatformToken(ADMIN, 3600);
}, 60_000);

afterAll(async () => {
  await t?.close();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
});

/** A draft approved (before the suspension), to be sent while suspended. */
async function approvedDraft(tenant: TestTenant): Promise<string> {
  const contactId = await insertContact(t.db, tenant.tenantId, { email: `buyer@${tenant.slug}.example` });
  const created = await gql(
    `mutation($input: DraftCreateInput!) { draftCreate(input: $input) { draft { id } userErrors { code } } }`,
    { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: "Pilot", bodyText: "Hi,\n\nShall we talk on Thursday?\n\nSam" } },
    tenant.members.OPERATOR.token,
  );
  const draftGid = created.data!.draftCreate.draft.id as string;
  const approved = await gql(`mutation($input: DraftApproveInput!) { draftApprove(input: $input) { userErrors { code } } }`, { input: { draftId: draftGid } }, tenant.members.MANAGER.token);
  expect(approved.data!.draftApprove.userErrors).toEqual([]);
  return Buffer.from(draftGid, "base64").toString().split(":")[1]!;
}

/** Causes the tenant's jobs the way its own use cases do; returns what to look at. */
async function causeJobs(tenant: TestTenant, draftId: string) {
  const ingested = await ingestMessage(t.app.services, userActor(tenant, "OPERATOR"), {
    message: { from: `robin@${tenant.slug}-orbit.example`, fromName: "Robin Vale", subject: "Pricing", text: "Could you send me your pricing for 30 seats?", messageId: `<${tenant.slug}-1@orbit.example>`, to: ["sales@acme.example"], references: [], headers: [] },
  });
  if (!ingested.ok) throw new Error(JSON.stringify(ingested.errors));
  const [lead] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Lead" WHERE "tenantId" = $1 ORDER BY "createdAt" DESC LIMIT 1`, [tenant.tenantId]);
  await t.app.services.jobs.send(QUEUES.leadScoring.name, { tenantId: tenant.tenantId, leadIds: [lead!.id] });
  expect((await sendDraft(t.app.services, userActor(tenant, "OPERATOR"), { draftId })).ok).toBe(true);
  return { runId: ingested.value.agentRunId!, leadId: lead!.id };
}

/** The tenant's jobs created since `since` (the database's clock). */
const jobsOf = (tenantId: string, since: Date) =>
  sql<{ name: string; state: string; deferred: boolean; marked: boolean; later: boolean }>(
    t.db,
    `SELECT name, state::text AS state, COALESCE(output->>'deferred' = 'true', false) AS deferred,
            data ? 'deferredWhileSuspended' AS marked, start_after > now() + interval '60 seconds' AS later
       FROM pgboss.job WHERE data->>'tenantId' = $1 AND created_on >= $2`,
    [tenantId, since],
  );

describe("a suspended tenant's jobs", () => {
  it("wait while it is suspended (nothing runs, nothing is sent), while another tenant's run; resume lets them complete", async () => {
    for (const x of [a, b]) {
      const r = await gql(`mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { userErrors { code } } }`, { input: { url: `${base}/${x.slug}`, eventTypes: ["sales.*"] } }, x.members.ADMIN.token);
      expect(r.data!.webhookEndpointCreate.userErrors).toEqual([]);
    }
    const draftA = await approvedDraft(a);
    const draftB = await approvedDraft(b);
    const [{ now: since }] = (await sql<{ now: Date }>(t.db, `SELECT now() AS now`)) as [{ now: Date }];
    const suspended = await gql(`mutation($input: TenantSuspendInput!) { tenantSuspend(input: $input) { userErrors { code } } }`, { input: { tenantId: encodeGlobalID("Tenant", a.tenantId), reason: "unpaid invoice" } }, adminToken);
    expect(suspended.data!.tenantSuspend.userErrors).toEqual([]);

    const causedA = await causeJobs(a, draftA);
    const causedB = await causeJobs(b, draftB);

    // The other tenant's jobs run: its agent run finishes, its webhooks arrive, its draft is sent.
    await waitFor(
      async () => (await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "Draft" WHERE "id" = $1`, [draftB]))[0]!.status === "SENT",
      30_000,
      "the other tenant's send",
    );
    await waitFor(async () => (await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "AgentRun" WHERE "id" = $1`, [causedB.runId]))[0]!.status === "SUCCEEDED", 30_000, "the other tenant's agent run");
    await waitFor(async () => received.some((r) => r.path === `/${b.slug}` && r.body.includes("sales.message.received")), 15_000, "the other tenant's webhook");
    await waitFor(async () => (await sql(t.db, `SELECT 1 FROM "ScoreSnapshot" WHERE "leadId" = $1`, [causedB.leadId])).length > 0, 15_000, "the other tenant's scoring");

    // The suspended tenant's: every kind of job queued directly is put back for later, none ran. Those the
    // outbox enqueues when it publishes (webhooks, memory indexing) are not even created: its events are held.
    const kinds = [QUEUES.agentInboundAnalysis.name, QUEUES.leadScoring.name, QUEUES.draftSend.name];
    const fromOutbox = [QUEUES.webhookDelivery.name, QUEUES.memoryIndex.name];
    const waiting = await waitFor(
      async () => {
        const jobs = await jobsOf(a.tenantId, since);
        const deferredKinds = new Set(jobs.filter((j) => j.state === "created" && j.marked && j.later).map((j) => j.name));
        return kinds.every((k) => deferredKinds.has(k)) ? jobs : null;
      },
      30_000,
      "every kind of the suspended tenant's jobs to be put back",
    );
    expect(waiting.filter((j) => fromOutbox.includes(j.name as never))).toEqual([]);
    expect(await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.message.received' AND "deliveredAt" IS NULL`, [a.tenantId])).toHaveLength(1);
    // Not failed, and none completed without being put back.
    expect(waiting.filter((j) => j.state === "failed" || j.state === "retry")).toEqual([]);
    expect(waiting.filter((j) => j.state === "completed" && !j.deferred && kinds.includes(j.name as never))).toEqual([]);
    expect((await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "AgentRun" WHERE "id" = $1`, [causedA.runId]))[0]!.status).toBe("QUEUED");
    expect(await sql(t.db, `SELECT 1 FROM "ScoreSnapshot" WHERE "leadId" = $1`, [causedA.leadId])).toEqual([]);
    expect(await sql(t.db, `SELECT 1 FROM "EmailSend" WHERE "draftId" = $1`, [draftA])).toEqual([]);
    expect(await sql(t.db, `SELECT 1 FROM "OutboxMessage" WHERE "tenantId" = $1`, [a.tenantId])).toEqual([]);
    expect(await sql(t.db, `SELECT 1 FROM "WebhookDelivery" WHERE "tenantId" = $1 AND "createdAt" >= $2`, [a.tenantId, since])).toEqual([]);
    expect(received.filter((r) => r.path === `/${a.slug}` && /sales\.(message|lead|draft\.sent|tenant)/.test(r.body))).toEqual([]);

    const resumed = await gql(`mutation($input: TenantResumeInput!) { tenantResume(input: $input) { userErrors { code } } }`, { input: { tenantId: encodeGlobalID("Tenant", a.tenantId) } }, adminToken);
    expect(resumed.data!.tenantResume.userErrors).toEqual([]);

    // Due at once (not after the recheck delay), and they complete.
    expect((await jobsOf(a.tenantId, since)).filter((j) => j.state === "created" && j.marked && j.later)).toEqual([]);
    await waitFor(async () => (await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "Draft" WHERE "id" = $1`, [draftA]))[0]!.status === "SENT", 30_000, "the send after resume");
    await waitFor(async () => (await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "AgentRun" WHERE "id" = $1`, [causedA.runId]))[0]!.status === "SUCCEEDED", 30_000, "the agent run after resume");
    await waitFor(async () => received.some((r) => r.path === `/${a.slug}` && r.body.includes("sales.message.received")), 15_000, "the webhook after resume");
    await waitFor(async () => (await sql(t.db, `SELECT 1 FROM "ScoreSnapshot" WHERE "leadId" = $1`, [causedA.leadId])).length > 0, 15_000, "the scoring after resume");
    await waitFor(
      async () => {
        const jobs = (await jobsOf(a.tenantId, since)).filter((j) => [...kinds, ...fromOutbox].includes(j.name as never));
        return jobs.every((j) => j.state === "completed") && [...kinds, ...fromOutbox].every((k) => jobs.some((j) => j.name === k && !j.deferred));
      },
      30_000,
      "every put-back job to complete",
    );
    const audit = await sql<{ summary: { jobsReleased: number } }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'tenant.resumed'`, [a.tenantId]);
    expect(audit[0]!.summary.jobsReleased).toBeGreaterThanOrEqual(kinds.length);
  }, 150_000);
});

describe("the guard", () => {
  it("covers every pg-boss worker in src/jobs except the platform's own schedules", async () => {
    // Workers registered with boss.work directly: only these, whose jobs are no tenant's (they enqueue tenant jobs,
    // which the guard then holds, or do platform housekeeping: retention and key rotation go on during a suspension).
    const platform = new Map([
      ["credential-rotation.ts", 1],
      ["gmail-sync.ts", 2],
      ["hubspot-sync.ts", 1],
      ["lead-scoring.ts", 1],
      ["maintenance.ts", 1],
      ["memory-index.ts", 1],
      // Planner statistics are per table, across tenants: ANALYZE as the service role, no tenant's job.
      ["sales-statistics.ts", 1],
      ["sequence-segment.ts", 1],
      ["sending-domain-recheck.ts", 1],
      ["weekly-digest.ts", 1],
    ]);
    const dir = path.resolve("src/jobs");
    for (const file of await readdir(dir)) {
      const text = await readFile(path.join(dir, file), "utf8");
      const direct = [...text.matchAll(/boss\.work\b/g)].length;
      if (file === "tenant-worker.ts") continue;
      expect({ file, direct }).toEqual({ file, direct: platform.get(file) ?? 0 });
      for (const m of text.matchAll(/boss\.work(?:<[^>]*>)?\(\s*([^,]+),/g)) {
        // A direct worker is on a schedule's queue (a tenant job's queue must use workTenantQueue).
        expect(m[1]).toMatch(/Poll|Sweep|Schedule|maintenance|credentialRotation|weeklyDigest|gmailWatchRenewal|salesStatistics|p\.poll/);
      }
    }
  });
});
