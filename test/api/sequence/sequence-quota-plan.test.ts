// Quota planning of sequence steps against every limit the send path applies
// (issue 12): besides the sender mailbox and the recipient, the recipient's
// domain and the mailbox's warm-up cap move a first e-mail to a later window
// (with the reason), and a domain limit of 0 refuses the enrolment
// (QUOTA_IMPOSSIBLE) — the send path would hold that step for ever.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { insertContact, patchSettings, startOperatorApp } from "../../helpers/operator.js";

const CREATE = `mutation($input: SequenceCreateInput!) { sequenceCreate(input: $input) { sequence { id } userErrors { code field message } } }`;
const ENROLL = `mutation($input: SequenceEnrollInput!) { sequenceEnroll(input: $input) { results { contactId refusal message firstStepAt pushReason } userErrors { code message } } }`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let t: TestApp;
const gid = (type: string, id: string) => encodeGlobalID(type, id);

async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as Json;
}

async function tenantWith(slug: string, settings: Json): Promise<TestTenant> {
  const tenant = await createTenant(t, slug);
  await patchSettings(t.db, tenant.tenantId, { general: { timeZone: "Europe/Berlin" }, sending: { mailboxes: [`sales@${slug}.example`] }, ...settings });
  return tenant;
}

async function enrol(tenant: TestTenant, emails: string[]): Promise<Json[]> {
  const created = await ok(tenant.members.MANAGER.token, CREATE, {
    input: { name: "Plan", steps: [{ kind: "EMAIL", delayAmount: 1, brief: "Introduce us." }], skipWeekends: false },
  });
  expect(created.sequenceCreate.userErrors).toEqual([]);
  const ids: string[] = [];
  for (const email of emails) ids.push(await insertContact(t.db, tenant.tenantId, { email, firstName: email.split("@")[0] }));
  const r = await ok(tenant.members.OPERATOR.token, ENROLL, { input: { sequenceId: created.sequenceCreate.sequence.id, contactIds: ids.map((id) => gid("Contact", id)) } });
  expect(r.sequenceEnroll.userErrors).toEqual([]);
  return r.sequenceEnroll.results.map((x: Json) => ({ ...x, contactId: decodeGlobalID(x.contactId).id }));
}

const dayOf = (iso: string) => iso.slice(0, 10);
function perDay(results: Json[]): number[] {
  const m = new Map<string, number>();
  for (const r of results) m.set(dayOf(r.firstStepAt), (m.get(dayOf(r.firstStepAt)) ?? 0) + 1);
  return [...m.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([, n]) => n);
}

beforeAll(async () => {
  t = await startOperatorApp({ workers: 0 });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("sequence quota planning: recipient domain and warm-up", () => {
  it("a new mailbox's warm-up cap (1, 2, 4 a day) spreads first e-mails over days, and says why", async () => {
    const tenant = await tenantWith("qp-warm", { deliverability: { warmup: { enabled: true, startPerDay: 1, dailyGrowthPercent: 100 } } });
    const results = await enrol(tenant, ["a@w1.example", "b@w2.example", "c@w3.example", "d@w4.example", "e@w5.example"]);
    expect(results.every((r) => r.refusal === null)).toBe(true);
    // The ramp starts with the first planned send: 1 on its day, 2 the next, then up to 4.
    expect(perDay(results)).toEqual([1, 2, 2]);
    expect(results[1]!.pushReason).toMatch(/sender mailbox sales@qp-warm\.example warm-up limit \(1 per 24 h\)/);
  }, 60_000);

  it("without warm-up the same five go out on one day (the mailbox quota is 20)", async () => {
    const tenant = await tenantWith("qp-cold", {});
    const results = await enrol(tenant, ["a@c1.example", "b@c2.example", "c@c3.example", "d@c4.example", "e@c5.example"]);
    expect(perDay(results)).toEqual([5]);
    expect(results.every((r) => r.pushReason === null)).toBe(true);
  }, 60_000);

  it("the recipient domain limit (1 per 24 h) puts three colleagues on three days, with the domain named", async () => {
    const tenant = await tenantWith("qp-dom", { quotas: { domain: { limit: 1, windowHours: 24 } } });
    const results = await enrol(tenant, ["ann@bigco.example", "bob@bigco.example", "cy@bigco.example", "dee@other.example"]);
    expect(results.every((r) => r.refusal === null)).toBe(true);
    const colleagues = results.slice(0, 3).map((r) => dayOf(r.firstStepAt));
    expect(new Set(colleagues).size).toBe(3);
    expect(results[1]!.pushReason).toMatch(/recipient domain bigco\.example limit \(1 per 24 h\)/);
    // Another domain is not held back by bigco's limit.
    expect(dayOf(results[3]!.firstStepAt)).toBe(colleagues[0]);
  }, 60_000);

  it("a domain limit of 0 refuses the enrolment (QUOTA_IMPOSSIBLE): the send path would never send it", async () => {
    const tenant = await tenantWith("qp-zero", { quotas: { domain: { limit: 0, windowHours: 24 } } });
    const results = await enrol(tenant, ["ann@nomail.example"]);
    expect(results[0]).toMatchObject({ refusal: "QUOTA_IMPOSSIBLE", firstStepAt: null });
  }, 60_000);
});
