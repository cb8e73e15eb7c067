// Benchmark: the operator console in Debian's chromium against the real
// service: cold load of the review queue with N pending drafts (time to the
// first row, time until the whole queue is loaded), scrolling the virtualised
// list end to end (longest frame), and a live update (a colleague's approval
// reaching the open queue). Seeds a scratch database through the public API.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/console-load.ts -- [--drafts 1000]
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({ options: { drafts: { type: "string", default: "1000" } } });
const DRAFTS = Number(values.drafts);
execFileSync(process.execPath, ["scripts/console-build.mjs", "--if-stale"], { stdio: "inherit" });
const scratch = await createScratchDatabase("console");
const { ownerUrl, appUrl } = scratch;
const secret = "bench-console-secret-that-is-long-enough-0123456789";
let stop: (() => Promise<void>) | null = null;
try {
  const tenant = await provisionTenant(ownerUrl, {
    name: "Bench",
    slug: "bench",
    members: [
      { email: "manager@bench.example", name: "Manager", role: "MANAGER" },
      { email: "operator@bench.example", name: "Operator", role: "OPERATOR" },
    ],
  });
  const config = loadConfig({ RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000", NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl, JWT_SECRET: secret, MIGRATE_ON_START: "false", SEED_DEMO_TENANT: "false" });
  const app = await startApp({ config, appUrl, jwtSecret: secret });
  stop = () => app.stop();
  const token = async (role: string) => app.authenticator.issueUserToken({ userId: tenant.members.find((m) => m.role === role)!.userId, tenantId: tenant.tenantId }, 3600);
  const manager = await token("MANAGER");
  const operator = await token("OPERATOR");
  const gql = async (tokenValue: string, query: string, variables: unknown) => {
    const r = await fetch(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tokenValue}` }, body: JSON.stringify({ query, variables }) });
    const body = (await r.json()) as { data?: Record<string, { draft?: { id: string }; userErrors?: unknown[] }>; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };
  const seedStarted = performance.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < DRAFTS) {
        const i = next++;
        const data = await gql(
          manager,
          `mutation($input: DraftCreateInput!) { draftCreate(input: $input) { draft { id } userErrors { code } } }`,
          { input: { recipient: { email: `person${i}@prospect${i % 50}.example`, firstName: "Ana" }, subject: `Pilot follow-up ${i}`, bodyText: `Hi Ana,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot (${i})?\n\nBest,\nSam` } },
        );
        ids[i] = data.draftCreate!.draft!.id;
      }
    }),
  );
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(`sessionStorage.setItem("sales-agent.token", ${JSON.stringify(operator)})`);
  const page = await context.newPage();
  const started = performance.now();
  await page.goto(`${app.url}/queue`);
  await page.locator("[data-draft-id]").first().waitFor({ timeout: 60_000 });
  const firstRowMs = performance.now() - started;
  await page.getByTestId("pending-count").filter({ hasText: `${DRAFTS} waiting` }).waitFor({ timeout: 120_000 });
  const allLoadedMs = performance.now() - started;
  const domRows = await page.locator("[data-draft-id]").count();

  // Scroll the list end to end in 40 steps, measuring the longest gap between animation frames.
  const scroll = (await page.evaluate(`new Promise((resolve) => {
    const list = document.querySelector(".virtual-list");
    let last = performance.now(), worst = 0, step = 0;
    const tick = () => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
      if (step++ >= 40) return resolve({ worst, rows: document.querySelectorAll("[data-draft-id]").length });
      list.scrollTop = (list.scrollHeight - list.clientHeight) * step / 40;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })`)) as { worst: number; rows: number };

  // A colleague approves the oldest draft: how long until the open queue says so.
  const liveStarted = performance.now();
  await gql(manager, `mutation($input: DraftApproveInput!) { draftApprove(input: $input) { draft { status } userErrors { code } } }`, { input: { draftId: ids[0] } });
  await page.getByTestId("pending-count").filter({ hasText: `${DRAFTS - 1} waiting` }).waitFor({ timeout: 30_000 });
  const liveMs = performance.now() - liveStarted;
  await browser.close();

  process.stdout.write(
    [
      `drafts seeded through draftCreate: ${DRAFTS} in ${seedSeconds.toFixed(1)} s`,
      `cold load of /queue (empty browser cache, token in sessionStorage): first row after ${Math.round(firstRowMs)} ms; all ${DRAFTS} loaded after ${Math.round(allLoadedMs)} ms`,
      `rows in the DOM with ${DRAFTS} loaded: ${domRows}; scrolling end to end in 40 steps: longest frame ${Math.round(scroll.worst)} ms (${scroll.rows} rows in the DOM at the end)`,
      `a colleague's approval reaches the open queue: ${Math.round(liveMs)} ms after the mutation was sent`,
    ].join("\n") + "\n",
  );
} finally {
  await stop?.();
  await scratch.drop();
}
