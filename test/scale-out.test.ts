// Scale-out (issue 14): two API instances (SERVICE_ROLE=api) and two worker
// instances (SERVICE_ROLE=worker) on one PostgreSQL and one Redis. Live events
// cross instances, sends are shared by the workers without duplicates, the
// mailbox quota holds across them, a role change on one API instance is
// enforced on the other, and stopping a worker mid-stream loses nothing.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, redisForTests, startTestApp, type TestApp, type TestTenant } from "./helpers/app.js";
import { execute, subscribe } from "./helpers/graphql.js";
import { insertContact, patchSettings, sql, waitFor } from "./helpers/operator.js";
import type { TypedDocumentString } from "./generated/gql/graphql.js";

const redis = redisForTests();
const MAILBOX = "sales@scale.example";
const BODY = "Hi,\n\nThanks for the call on Tuesday. Would Thursday at 10:00 work for a short follow-up on the pilot?\n\nBest,\nSam";

const CREATE = `mutation ($input: DraftCreateInput!) { draftCreate(input: $input) { draft { id } userErrors { code message } } }`;
const APPROVE = `mutation ($input: DraftApproveInput!) { draftApprove(input: $input) { userErrors { code } } }`;
const SEND = `mutation ($input: DraftSendInput!) { draftSend(input: $input) { userErrors { code message } } }`;
const CHANGE_ROLE = `mutation ($input: MembershipChangeRoleInput!) { membershipChangeRole(input: $input) { userErrors { code } } }`;
const TASK = `mutation ($input: TaskCreateInput!) { taskCreate(input: $input) { task { id } userErrors { code } } }`;
const EVENTS = `subscription ($types: [String!]) { events(types: $types) { id type payload } }` as unknown as TypedDocumentString<
  { events: { id: string; type: string; payload: Record<string, unknown> } },
  { types: string[] }
>;

describe.skipIf(!redis.url)(`two API instances and two workers on one PostgreSQL and Redis${redis.url ? "" : ` (skipped: ${redis.reason})`}`, () => {
  let api1: TestApp;
  let api2: TestApp;
  let worker1: TestApp;
  let worker2: TestApp;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    const common = { SEND_POLL_SECONDS: "0.5", SEND_SWEEP_SECONDS: "2", SEND_LEASE_SECONDS: "3", SEND_RETRY_DELAY_SECONDS: "1" };
    api1 = await startTestApp({ redisUrl: redis.url, env: { ...common, SERVICE_ROLE: "api" } });
    api2 = await startTestApp({ redisUrl: redis.url, db: api1.db, env: { ...common, SERVICE_ROLE: "api" } });
    worker1 = await startTestApp({ redisUrl: redis.url, db: api1.db, env: { ...common, SERVICE_ROLE: "worker", SEND_WORKERS: "2" } });
    worker2 = await startTestApp({ redisUrl: redis.url, db: api1.db, env: { ...common, SERVICE_ROLE: "worker", SEND_WORKERS: "2" } });
    tenant = await createTenant(api1, "scale");
    other = await createTenant(api1, "scale-other");
    for (const t of [tenant, other]) await patchSettings(api1.db, t.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: [MAILBOX] } });
  }, 180_000);

  afterAll(async () => {
    for (const app of [worker2, worker1, api2, api1]) await app?.close().catch(() => {});
  });

  it("a worker instance answers health checks and nothing else", async () => {
    expect((await fetch(`${worker1.url}/health`)).status).toBe(200);
    expect((await fetch(`${worker1.url}/ready`)).status).toBe(200);
    const graphql = await fetch(`${worker1.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{__typename}"}' });
    expect(graphql.status).toBe(404);
    expect((await execute(api1.graphqlUrl, "{ __typename }")).data).toEqual({ __typename: "Query" });
  });

  it("an event caused on one API instance reaches subscribers on the other, and no other tenant's", async () => {
    const mine = await subscribe(api1.wsUrl, EVENTS, { types: ["sales.task.*"] }, { token: tenant.members.ANALYST.token });
    const theirs = await subscribe(api1.wsUrl, EVENTS, { types: ["sales.task.*"] }, { token: other.members.ANALYST.token });
    try {
      const created = await execute(api2.graphqlUrl, TASK, { input: { title: "made on instance two" } }, { token: tenant.members.OPERATOR.token });
      expect(created.data).toMatchObject({ taskCreate: { userErrors: [] } });
      const event = await mine.next(15_000);
      expect(event.events.type).toBe("sales.task.created");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(theirs.received).toEqual([]);
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  it("sends requested on both API instances are done by the workers (one stopped mid-stream): each exactly once, the mailbox quota exact", async () => {
    const LIMIT = 6;
    await patchSettings(api1.db, tenant.tenantId, { quotas: { mailbox: { limit: LIMIT, windowHours: 24 } } });
    const drafts: string[] = [];
    for (let i = 0; i < 14; i++) {
      const api = i % 2 === 0 ? api1 : api2;
      const contactId = await insertContact(api.db, tenant.tenantId, { email: `buyer${i}@firm${i}.scale.example` });
      const created = await execute(
        api.graphqlUrl,
        CREATE,
        { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: `Pilot follow-up ${i}`, bodyText: BODY } },
        { token: tenant.members.OPERATOR.token },
      );
      const id = (created.data as { draftCreate: { draft: { id: string } } }).draftCreate.draft.id;
      await execute(api.graphqlUrl, APPROVE, { input: { draftId: id } }, { token: tenant.members.OPERATOR.token });
      drafts.push(id);
    }
    // Sends requested at once, half on each API instance.
    const sends = await Promise.all(
      drafts.map((draftId, i) => execute(i % 2 === 0 ? api2.graphqlUrl : api1.graphqlUrl, SEND, { input: { draftId } }, { token: tenant.members.OPERATOR.token })),
    );
    for (const s of sends) expect(s.errors).toBeUndefined();
    // Stop one worker while the queue is being worked: the other carries on with whatever it held.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await worker2.close();
    const delivered = await waitFor(
      async () => {
        const rows = await sql<{ n: number }>(api1.db, `SELECT count(*)::int AS n FROM "OutboxMessage" WHERE "tenantId" = $1`, [tenant.tenantId]);
        return rows[0]!.n >= LIMIT ? rows[0]!.n : null;
      },
      60_000,
      "the quota's worth of messages delivered",
    );
    expect(delivered).toBe(LIMIT);
    // Nothing more goes out: the rest wait for the quota window (held, not lost, not sent twice).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const perDraft = await sql<{ draftId: string; n: number }>(
      api1.db,
      `SELECT "draftId", count(*)::int AS n FROM "OutboxMessage" WHERE "tenantId" = $1 GROUP BY "draftId"`,
      [tenant.tenantId],
    );
    expect(perDraft.length).toBe(LIMIT);
    expect(perDraft.every((row) => row.n === 1)).toBe(true);
    const statuses = await sql<{ status: string; n: number }>(
      api1.db,
      `SELECT "status"::text AS status, count(*)::int AS n FROM "Draft" WHERE "tenantId" = $1 AND "id" = ANY($2::uuid[]) GROUP BY 1`,
      [tenant.tenantId, drafts.map((id) => decodeDraftId(id))],
    );
    const byStatus = Object.fromEntries(statuses.map((r) => [r.status, r.n]));
    expect(byStatus.SENT).toBe(LIMIT);
    expect((byStatus.SENT ?? 0) + (byStatus.QUEUED ?? 0) + (byStatus.APPROVED ?? 0) + (byStatus.SENDING ?? 0)).toBe(drafts.length);
  });

  it("a demotion made on one API instance is enforced on the other", async () => {
    const manager = tenant.members.MANAGER;
    const before = await execute(api2.graphqlUrl, "{ me { role } }", undefined, { token: manager.token });
    expect(before.data).toMatchObject({ me: { role: "MANAGER" } });
    const demoted = await execute(
      api1.graphqlUrl,
      CHANGE_ROLE,
      { input: { membershipId: encodeGlobalID("Membership", manager.membershipId), role: "ANALYST" } },
      { token: tenant.members.OWNER.token },
    );
    expect(demoted.data).toMatchObject({ membershipChangeRole: { userErrors: [] } });
    const write = await execute(api2.graphqlUrl, TASK, { input: { title: "as a demoted manager" } }, { token: manager.token });
    expect(write.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const written = await sql<{ n: number }>(api1.db, `SELECT count(*)::int AS n FROM "Task" WHERE "title" = 'as a demoted manager'`);
    expect(written[0]!.n).toBe(0);
  });
});

function decodeDraftId(globalId: string): string {
  const decoded = Buffer.from(globalId, "base64").toString("utf8");
  return decoded.slice(decoded.indexOf(":") + 1);
}
