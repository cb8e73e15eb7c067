// Benchmark: the first HubSpot sync of 50,000 contacts, 10,000 companies and
// 10,000 deals with associations (issue 11), through the real service (the
// composition root of `npm start`, row-level security on) against the
// wire-level HubSpot fake with the real @hubspot/api-client over HTTP, inside
// HubSpot's burst limit (HUBSPOT_RATE_LIMIT_PER_SECOND, default 10/s per
// tenant = HubSpot's 100 requests per 10 s for private apps). Every contact is
// associated with a company; every deal with a company and a contact. Then:
// - a second run (incremental, from the stored cursors) must import nothing;
// - 500 contacts changed in HubSpot: the next run updates exactly those.
// Reports wall time, records/s, HubSpot requests by endpoint and the peak RSS
// of this process (the service and the fake run in it; the fake's records
// are part of the figure).
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/hubspot-sync.ts [--contacts 50000] [--deals 10000] [--companies 10000] [--rate 10] [--keep]
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { ROLE_PERMISSIONS } from "../src/domain/access/permission.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { createLogger } from "../src/observability/logger.js";
import { withConnectors } from "../src/orchestration/connection/connection.js";
import { connectHubspotPrivateApp } from "../src/orchestration/connection/hubspot.js";
import { runHubspotSync, type SyncResult } from "../src/orchestration/connection/hubspot-sync.js";
import { startFakeHubspot } from "../test/fakes/hubspot/server.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({
  options: {
    contacts: { type: "string", default: "50000" },
    deals: { type: "string", default: "10000" },
    companies: { type: "string", default: "10000" },
    rate: { type: "string", default: "10" },
    keep: { type: "boolean", default: false },
  },
});
const CONTACTS = Number(values.contacts);
const DEALS = Number(values.deals);
const COMPANIES = Number(values.companies);
const scratch = await createScratchDatabase("hubspot_sync", { keep: values.keep });
const { ownerUrl } = scratch;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const mb = (n: number) => Math.round(n / 1024 / 1024);

const hs = await startFakeHubspot();
try {
  const env = {
    NODE_ENV: "development",
    LOG_LEVEL: "silent",
    PORT: "0",
    DATABASE_URL: ownerUrl,
    DATABASE_APP_URL: scratch.appUrl,
    DATABASE_BACKGROUND_POOL_MAX: "8",
    MIGRATE_ON_START: "false",
    SEED_DEMO_TENANT: "false",
    CREDENTIALS_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    HUBSPOT_API_BASE_URL: hs.url,
    HUBSPOT_RATE_LIMIT_PER_SECOND: values.rate!,
    HUBSPOT_SYNC_CRON: "off",
    HUBSPOT_RECONCILE_CRON: "off",
    AGENT_WORKERS: "0",
    SEND_WORKERS: "0",
    GMAIL_SYNC_WORKERS: "0",
    GMAIL_SYNC_POLL_CRON: "off",
  };
  const config = loadConfig(env);
  const logger = createLogger("silent");
  const app = await startApp({ config, appUrl: scratch.appUrl, jwtSecret: randomBytes(32).toString("hex"), logger });
  const services = withConnectors(app.background);
  const tenant = await provisionTenant(ownerUrl, {
    name: "Bench",
    slug: "bench",
    members: [{ email: "admin@bench.example", name: "Admin", role: "ADMIN" as const }],
  });
  const admin0 = tenant.members[0]!;
  const token = `pat-na1-${randomUUID()}`;
  hs.addPrivateAppToken(token);
  const connected = await connectHubspotPrivateApp({ ...services, jobs: app.background.jobs }, {
    principal: { kind: "USER", id: admin0.userId, userId: admin0.userId, tenantId: tenant.tenantId, role: "ADMIN", permissions: ROLE_PERMISSIONS.ADMIN, label: "user:admin@bench.example" },
    meta: { requestId: randomUUID(), traceId: null },
  }, { token });
  if (!connected.ok) throw new Error(JSON.stringify(connected.errors));
  const connectionId = connected.value.connectionId;

  // Seed HubSpot: records modified one second apart, oldest first.
  const t0 = Date.now() - (COMPANIES + CONTACTS + DEALS + 10) * 1000;
  let tick = 0;
  const at = () => new Date(t0 + tick++ * 1000);
  for (let i = 0; i < 20; i++) hs.addOwner({ id: String(10 + i), email: `owner${i}@bench.example` });
  for (let i = 0; i < COMPANIES; i++) hs.upsert("companies", String(1_000_000 + i), { name: `Company ${i}`, domain: `company${i}.example`, industry: "SOFTWARE", numberofemployees: String(10 + (i % 500)), hubspot_owner_id: String(10 + (i % 20)) }, { updatedAt: at() });
  for (let i = 0; i < CONTACTS; i++) {
    const id = String(2_000_000 + i);
    hs.upsert("contacts", id, { email: `person${i}@company${i % COMPANIES}.example`, firstname: `First${i}`, lastname: `Last${i}`, jobtitle: i % 3 ? "Manager" : "Director", hubspot_owner_id: String(10 + (i % 20)) }, { updatedAt: at() });
    hs.associate("contacts", id, "companies", String(1_000_000 + (i % COMPANIES)));
  }
  const stages = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "contractsent", "closedwon", "closedlost"];
  for (let i = 0; i < DEALS; i++) {
    const id = String(3_000_000 + i);
    hs.upsert("deals", id, { dealname: `Deal ${i}`, amount: String(1000 + i), dealstage: stages[i % stages.length]!, pipeline: "default", hubspot_owner_id: String(10 + (i % 20)) }, { updatedAt: at() });
    hs.associate("deals", id, "companies", String(1_000_000 + (i % COMPANIES)));
    hs.associate("deals", id, "contacts", String(2_000_000 + (i % CONTACTS)));
  }
  const rssBefore = process.memoryUsage().rss;

  async function run(label: string, mode: "INCREMENTAL" | "FULL" = "INCREMENTAL") {
    hs.resetCounts();
    const started = performance.now();
    const result: SyncResult = await runHubspotSync(services, { tenantId: tenant.tenantId, connectionId, mode });
    const seconds = (performance.now() - started) / 1000;
    return { label, seconds: +seconds.toFixed(1), objects: result.objects, requests: hs.totalRequests(), byEndpoint: { ...hs.requests } };
  }

  const first = await run("first sync (list API)");
  const second = await run("second sync (incremental)");
  for (let i = 0; i < 500; i++) hs.update("contacts", String(2_000_000 + ((i * 7) % CONTACTS)), { jobtitle: "VP Sales" });
  const third = await run("after 500 contact changes (incremental)");

  const counted = new pg.Client({ connectionString: ownerUrl });
  await counted.connect();
  await counted.query("SET app.maintenance = 'on'");
  const n = async (q: string) => Number((await counted.query(q)).rows[0].n);
  const database = {
    contacts: await n(`SELECT count(*) AS n FROM "Contact"`),
    companies: await n(`SELECT count(*) AS n FROM "Company"`),
    deals: await n(`SELECT count(*) AS n FROM "Deal"`),
    dealContacts: await n(`SELECT count(*) AS n FROM "DealContact"`),
    contactsWithCompany: await n(`SELECT count(*) AS n FROM "Contact" WHERE "companyId" IS NOT NULL`),
    externalRefs: await n(`SELECT count(*) AS n FROM "ExternalRef" WHERE "system" = 'hubspot'`),
    auditEntries: await n(`SELECT count(*) AS n FROM "AuditEntry" WHERE "summary"->>'source' = 'hubspot'`),
  };
  await counted.end();
  const records = first.objects.contacts.created + first.objects.companies.created + first.objects.deals.created;
  const report = {
    seeded: { contacts: CONTACTS, companies: COMPANIES, deals: DEALS },
    rateLimitPerSecond: Number(values.rate),
    first: { ...first, recordsPerSecond: Math.round(records / first.seconds), requestsPerSecond: +(first.requests / first.seconds).toFixed(1) },
    second: { seconds: second.seconds, objects: second.objects, requests: second.requests },
    third: { seconds: third.seconds, objects: third.objects, requests: third.requests },
    database,
    rssMb: { afterSeeding: mb(rssBefore), peak: mb(peakRss) },
  };
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  await app.stop();
} finally {
  clearInterval(sampler);
  await hs.close();
  await scratch.drop();
}
