// Benchmark: enrolling 10,000 contacts in a sequence and scheduling their
// first steps, over real HTTP (the service as `npm start` runs it, against a
// scratch database): sequenceEnroll in batches of 1,000 (the per-call cap),
// each one transaction that checks every contact (suppression, do-not-contact,
// live enrolments, disqualified leads), places step one in the recipient's
// window (contacts spread over 8 zones), writes the enrolments, step runs,
// audit entries and events, and inserts the step jobs (pg-boss, startAfter).
// Then the same 10,000 again: every one refused ALREADY_ENROLLED.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/sequence-enroll.ts [--contacts 10000] [--batch 1000]
import { parseArgs } from "node:util";
import { encodeGlobalID } from "@pothos/plugin-relay";
import pg from "pg";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { provisionTenant } from "../src/data/provisioning.js";
import { createScratchDatabase } from "./scratch-database.js";

const { values } = parseArgs({ options: { contacts: { type: "string", default: "10000" }, batch: { type: "string", default: "1000" } } });
const CONTACTS = Number(values.contacts);
const BATCH = Number(values.batch);
const scratch = await createScratchDatabase("sequence");
const { ownerUrl, appUrl } = scratch;
const secret = "bench-secret-that-is-long-enough-for-hs256-0123456789";
const ZONES = ["Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata", "Europe/London", null];

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

try {
  const tenant = await provisionTenant(ownerUrl, {
    name: "Bench",
    slug: "bench",
    settings: { sending: { mailboxes: ["sales@bench.example"] } },
    members: [
      { email: "manager@bench.example", name: "Manager", role: "MANAGER" },
      { email: "op@bench.example", name: "Op", role: "OPERATOR" },
    ],
  });
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  // The contacts, written directly (this measures enrolment, not contact import); every 50th is suppressed or do-not-contact.
  await owner.query(
    `INSERT INTO "Contact" ("id", "tenantId", "email", "emailOriginal", "firstName", "timeZone", "doNotContact", "updatedAt")
     SELECT gen_random_uuid(), $1, 'person' || i || '@company' || (i % 2500) || '.example', 'person' || i || '@company' || (i % 2500) || '.example',
            'First' || i, ($3::text[])[1 + i % $4], i % 100 = 7, now()
     FROM generate_series(1, $2) AS i`,
    [tenant.tenantId, CONTACTS, ZONES, ZONES.length],
  );
  await owner.query(
    `INSERT INTO "Suppression" ("id", "tenantId", "kind", "value", "reason", "createdByType", "createdById", "createdByLabel")
     SELECT gen_random_uuid(), $1, 'EMAIL', 'person' || i || '@company' || (i % 2500) || '.example', 'UNSUBSCRIBED', 'USER', 'bench', 'bench'
     FROM generate_series(1, $2) AS i WHERE i % 100 = 57`,
    [tenant.tenantId, CONTACTS],
  );
  const ids = (await owner.query<{ id: string }>(`SELECT "id" FROM "Contact" WHERE "tenantId" = $1 ORDER BY "id"`, [tenant.tenantId])).rows.map((r) => encodeGlobalID("Contact", r.id));

  const config = loadConfig({ RATE_LIMIT_CALLER_POINTS: "100000000", RATE_LIMIT_TENANT_POINTS: "1000000000", NODE_ENV: "test", PORT: "0", LOG_LEVEL: "silent", DATABASE_URL: ownerUrl, DATABASE_APP_URL: appUrl, JWT_SECRET: secret, MIGRATE_ON_START: "false", SEED_DEMO_TENANT: "false", HTTP_MAX_BODY_BYTES: String(5 * 1024 * 1024) });
  const app = await startApp({ config, appUrl, jwtSecret: secret });
  const [manager, operator] = await Promise.all(tenant.members.map((m) => app.authenticator.issueUserToken({ userId: m.userId, tenantId: tenant.tenantId }, 3600)));
  const call = async (token: string, query: string, variables: unknown) => {
    const response = await fetch(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown }; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  // Step one two business days out, so no step job comes due while this runs (only enrolment and scheduling are measured).
  const created = await call(manager!, `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { message } } }`, {
    input: {
      name: "Bench cadence",
      steps: [
        { kind: "EMAIL", delayAmount: 2, brief: "Introduce us." },
        { kind: "TASK", delayAmount: 2, taskTitle: "Call" },
        { kind: "EMAIL", delayAmount: 3, brief: "Follow up." },
      ],
    },
  });
  const sequenceId = created.sequenceCreate.sequence.id as string;
  const ENROLL = `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) { enrolledCount refusedCount userErrors { message } } }`;

  const pass = async (label: string) => {
    const times: number[] = [];
    let enrolled = 0;
    let refused = 0;
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += BATCH) {
      const t = performance.now();
      const r = await call(operator!, ENROLL, { input: { sequenceId, contactIds: ids.slice(i, i + BATCH) } });
      times.push(performance.now() - t);
      enrolled += r.sequenceEnroll.enrolledCount;
      refused += r.sequenceEnroll.refusedCount;
    }
    const total = performance.now() - t0;
    process.stdout.write(
      `| ${label} | ${ids.length} | ${enrolled} | ${refused} | ${(total / 1000).toFixed(1)} | ${((total / ids.length) * 1000).toFixed(0)} | ${quantile(times, 0.5).toFixed(0)} | ${Math.max(...times).toFixed(0)} |\n`,
    );
  };
  process.stdout.write(`${CONTACTS} contacts over ${ZONES.length} zones (one in eight without a zone: the tenant's), batches of ${BATCH}.\n\n`);
  process.stdout.write(`| pass | contacts | enrolled | refused | seconds | µs/contact | batch p50 ms | batch max ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n`);
  await pass("first enrolment");
  await pass("same contacts again (ALREADY_ENROLLED)");
  const counts = (
    await owner.query<{ what: string; n: number }>(
      `SELECT 'enrolments' AS what, count(*)::int AS n FROM "SequenceEnrollment"
       UNION ALL SELECT 'step runs', count(*)::int FROM "SequenceStepRun"
       UNION ALL SELECT 'step jobs (created)', count(*)::int FROM pgboss.job WHERE name = 'sequence-step' AND state = 'created'
       UNION ALL SELECT 'step jobs due later than now', count(*)::int FROM pgboss.job WHERE name = 'sequence-step' AND start_after > now()
       UNION ALL SELECT 'audit entries', count(*)::int FROM "AuditEntry" WHERE "action" LIKE 'sequence.%'
       UNION ALL SELECT 'events', count(*)::int FROM "OutboxEvent" WHERE "type" LIKE 'sales.sequence.%'`,
    )
  ).rows;
  process.stdout.write(`\n${counts.map((c) => `- ${c.what}: ${c.n}`).join("\n")}\n`);
  await owner.end();
  await app.stop();
} finally {
  await scratch.drop();
}
