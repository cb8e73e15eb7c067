// Platform administration over the real service: tenantCreate / tenantSuspend /
// tenantResume / tenants for a platform administrator only (a tenant OWNER is
// refused; a platform administrator reads no tenant data), and what a
// suspension does: every credential of the tenant refused (TENANT_SUSPENDED)
// while other tenants go on, a queued send put back by the real worker (and held
// by the send claim) and sent
// after resume, audit entries and events in the tenant (its jobs: test/jobs/suspended-tenant-jobs.test.ts).
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { deliverDraft } from "../../../src/orchestration/draft/draft-delivery.js";
import { sendDraft } from "../../../src/orchestration/draft/draft.js";
import { SUSPENDED_HOLD_REASON } from "../../../src/orchestration/tenant/tenant-lifecycle.js";
import { createTenant, TEST_JWT_SECRET, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, wsClient } from "../../helpers/graphql.js";
import { insertContact, patchSettings, sql, startOperatorApp, userActor, waitFor } from "../../helpers/operator.js";

const ADMIN = "ops@platform.example";

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let adminToken: string;

async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown>, token?: string) {
  return execute<T, Record<string, unknown>>(t.graphqlUrl, query, variables, token ? { token } : {});
}

const TENANT_FIELDS = "id name slug memberCount suspended suspensionReason";
const Create = `mutation($input: TenantCreateInput!) { tenantCreate(input: $input) { tenant { ${TENANT_FIELDS} } ownerMembershipId userErrors { code field message } } }`;
const Suspend = `mutation($input: TenantSuspendInput!) { tenantSuspend(input: $input) { tenant { ${TENANT_FIELDS} } userErrors { code field message } } }`;
const Resume = `mutation($input: TenantResumeInput!) { tenantResume(input: $input) { tenant { ${TENANT_FIELDS} } userErrors { code field message } } }`;
const Tenants = `query { tenants(first: 100) { edges { node { ${TENANT_FIELDS} } } } }`;
const TenantQuery = `query { tenant { id slug } }`;

beforeAll(async () => {
  t = await startOperatorApp({ workers: 1, env: { PLATFORM_ADMIN_SUBJECTS: `${ADMIN}, second@platform.example` } });
  a = await createTenant(t, "life-a");
  b = await createTenant(t, "life-b");
  for (const x of [a, b]) await patchSettings(t.db, x.tenantId, { sending: { mode: "SEND_ALLOWED", mailboxes: ["sales@acme.example"] } });
  adminToken = await t.app.services.platform!.issuePlatformToken(ADMIN, 3600);
}, 60_000);
afterAll(() => t?.close());

describe("platform administration vs tenant roles", () => {
  it("a tenant OWNER (any tenant role) cannot list, create, suspend or resume tenants; anonymous callers neither", async () => {
    const tenantId = encodeGlobalID("Tenant", a.tenantId);
    for (const role of ["OWNER", "ADMIN", "ANALYST"] as const) {
      const token = a.members[role].token;
      expect((await gql(Tenants, {}, token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await gql(Create, { input: { name: "Sneaky", slug: `sneaky-${role.toLowerCase()}`, ownerEmail: "x@sneaky.example" } }, token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await gql(Suspend, { input: { tenantId: encodeGlobalID("Tenant", b.tenantId), reason: "let me" } }, token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await gql(Resume, { input: { tenantId } }, token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    expect((await gql(Tenants, {})).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await sql(t.db, `SELECT 1 FROM "Tenant" WHERE "slug" LIKE 'sneaky-%'`)).length).toBe(0);
    expect((await sql(t.db, `SELECT 1 FROM "TenantSuspension"`)).length).toBe(0);
  });

  it("a platform administrator reads no tenant data by being one", async () => {
    for (const query of [TenantQuery, `query { memberships(first: 5) { edges { node { id } } } }`, `query { me { role } }`]) {
      const r = await gql(query, {}, adminToken);
      expect(r.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(JSON.stringify(r.data ?? null)).not.toContain(a.slug);
    }
  });

  it("only listed subjects, with a token of this issuer that names no tenant, are platform administrators", async () => {
    const secret = new TextEncoder().encode(TEST_JWT_SECRET);
    const sign = (sub: string, claims: Record<string, unknown> = {}, key = secret) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuer("sales-agent").setAudience("sales-agent").setExpirationTime("1h").sign(key);
    // Not listed: an ordinary (invalid) user token.
    expect((await gql(Tenants, {}, await sign("intruder@platform.example"))).status).toBe(401);
    // Listed, but signed with another key.
    const forged = await sign(ADMIN, {}, new TextEncoder().encode("another-secret-that-is-long-enough-for-hs256-000"));
    expect((await gql(Tenants, {}, forged)).status).toBe(401);
    // Listed, but a tenant token (tid): never a platform administrator.
    expect((await gql(Tenants, {}, await sign(ADMIN, { tid: a.tenantId }))).status).toBe(401);
    // The second listed subject works.
    const second = await gql(Tenants, {}, await t.app.services.platform!.issuePlatformToken("second@platform.example", 60));
    expect(second.errors).toBeUndefined();
  });
});

describe("tenantCreate and tenants", () => {
  it("creates a tenant with its first OWNER, who can sign in; audited and evented in the new tenant", async () => {
    const slug = `new-${randomUUID().slice(0, 8)}`;
    const r = await gql(Create, { input: { name: "New Sales Team", slug, ownerEmail: `Owner@${slug}.example`, ownerName: "Nora Owner" } }, adminToken);
    expect(r.errors).toBeUndefined();
    const payload = r.data!.tenantCreate;
    expect(payload.userErrors).toEqual([]);
    expect(payload.tenant).toMatchObject({ name: "New Sales Team", slug, memberCount: 1, suspended: false });
    const [row] = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Tenant" WHERE "slug" = $1`, [slug]);
    const [owner] = await sql<{ userId: string; role: string; displayName: string }>(
      t.db,
      `SELECT m."userId", m."role"::text AS role, m."displayName" FROM "Membership" m WHERE m."tenantId" = $1`,
      [row!.id],
    );
    expect(owner).toMatchObject({ role: "OWNER", displayName: "Nora Owner" });
    const token = await t.app.authenticator.issueUserToken({ userId: owner!.userId, tenantId: row!.id }, 600);
    expect((await gql(TenantQuery, {}, token)).data?.tenant.slug).toBe(slug);
    const audit = await sql<{ action: string; actorLabel: string }>(t.db, `SELECT "action", "actorLabel" FROM "AuditEntry" WHERE "tenantId" = $1`, [row!.id]);
    expect(audit).toEqual([{ action: "tenant.created", actorLabel: `platform:${ADMIN}` }]);
    const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 ORDER BY "createdAt", "id"`, [row!.id]);
    expect(events.map((e) => e.type)).toEqual(["sales.tenant.created", "sales.membership.added"]);

    // The slug is taken now; a bad slug is refused before anything is written.
    const again = await gql(Create, { input: { name: "Again", slug, ownerEmail: "x@again.example" } }, adminToken);
    expect(again.data!.tenantCreate.userErrors).toMatchObject([{ code: "CONFLICT", field: ["input", "slug"] }]);
    const bad = await gql(Create, { input: { name: "Bad", slug: "Not A Slug!", ownerEmail: "not-an-email" } }, adminToken);
    expect(bad.data!.tenantCreate.userErrors.map((e: { field: string[] }) => e.field.join("."))).toEqual(["input.slug", "input.ownerEmail"]);
  });

  it("lists every tenant with member counts", async () => {
    const r = await gql(Tenants, {}, adminToken);
    const nodes = r.data!.tenants.edges.map((e: { node: { slug: string; memberCount: number } }) => e.node);
    expect(nodes.find((n: { slug: string }) => n.slug === a.slug)).toMatchObject({ memberCount: 5, suspended: false });
    expect(nodes.find((n: { slug: string }) => n.slug === b.slug)).toMatchObject({ memberCount: 5 });
  });
});

describe("suspension", () => {
  it("refuses every read and write of the tenant, holds its queued send and jobs; resume lets them go", async () => {
    // A key made before the suspension.
    const key = await gql(`mutation { apiKeyCreate(input: { name: "ci", role: ANALYST }) { secret userErrors { code } } }`, {}, a.members.ADMIN.token);
    const apiKey = key.data!.apiKeyCreate.secret as string;
    expect(apiKey).toMatch(/^sk_/);
    const contactId = await insertContact(t.db, a.tenantId, { email: "buyer@firm.example" });
    const created = await gql(
      `mutation($input: DraftCreateInput!) { draftCreate(input: $input) { draft { id } userErrors { code message } } }`,
      { input: { recipient: { contactId: encodeGlobalID("Contact", contactId) }, subject: "Pilot", bodyText: "Hi,\n\nShall we talk on Thursday about the pilot?\n\nSam" } },
      a.members.OPERATOR.token,
    );
    const draftGid = created.data!.draftCreate.draft.id as string;
    const draftId = Buffer.from(draftGid, "base64").toString().split(":")[1]!;
    const approved = await gql(`mutation($input: DraftApproveInput!) { draftApprove(input: $input) { userErrors { code } } }`, { input: { draftId: draftGid } }, a.members.MANAGER.token);
    expect(approved.data!.draftApprove.userErrors).toEqual([]);

    const suspended = await gql(Suspend, { input: { tenantId: encodeGlobalID("Tenant", a.tenantId), reason: "unpaid invoice" } }, adminToken);
    expect(suspended.data!.tenantSuspend).toMatchObject({ userErrors: [], tenant: { slug: a.slug, suspended: true, suspensionReason: "unpaid invoice" } });

    // Reads and writes, by every role and by the API key: refused with a clear code.
    for (const token of [a.members.OWNER.token, a.members.ANALYST.token, apiKey]) {
      const read = await gql(TenantQuery, {}, token);
      expect(read.status).toBe(403);
      expect(read.errors?.[0]?.extensions?.code).toBe("TENANT_SUSPENDED");
      expect(read.data ?? null).toBeNull();
    }
    const write = await gql(`mutation($input: DraftSendInput!) { draftSend(input: $input) { userErrors { code } } }`, { input: { draftId: draftGid } }, a.members.OWNER.token);
    expect(write.errors?.[0]?.extensions?.code).toBe("TENANT_SUSPENDED");
    expect((await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "Draft" WHERE "id" = $1`, [draftId]))[0]!.status).toBe("APPROVED");
    // The other tenant goes on.
    expect((await gql(TenantQuery, {}, b.members.ANALYST.token)).data?.tenant.slug).toBe(b.slug);

    // A send queued just as the suspension came (the use case, as the API would have run it a moment before):
    // the real worker's guard puts the job back for later (src/jobs/tenant-worker.ts); nothing reaches the transport.
    const queued = await sendDraft(t.app.services, userActor(a, "OPERATOR"), { draftId });
    expect(queued.ok).toBe(true);
    await waitFor(
      async () =>
        (await sql(t.db, `SELECT 1 FROM pgboss.job WHERE "name" = 'draft-send' AND "data"->>'draftId' = $1 AND state = 'created' AND "data" ? 'deferredWhileSuspended' AND "start_after" > now() + interval '60 seconds'`, [draftId])).length > 0,
      20_000,
      "the send job to be put back",
    );
    expect((await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "Draft" WHERE "id" = $1`, [draftId]))[0]!.status).toBe("QUEUED");
    expect(await sql(t.db, `SELECT 1 FROM "EmailSend" WHERE "draftId" = $1`, [draftId])).toEqual([]);
    expect(await sql(t.db, `SELECT 1 FROM "OutboxMessage" WHERE "tenantId" = $1`, [a.tenantId])).toEqual([]);
    // The send claim holds it too, should a job reach it (one fetched just before the suspension committed).
    await deliverDraft(t.app.background, { tenantId: a.tenantId, draftId });
    expect(await sql(t.db, `SELECT "status"::text AS status, "holdReason" FROM "Draft" WHERE "id" = $1`, [draftId])).toEqual([{ status: "QUEUED", holdReason: SUSPENDED_HOLD_REASON }]);
    expect(await sql(t.db, `SELECT 1 FROM "OutboxMessage" WHERE "tenantId" = $1`, [a.tenantId])).toEqual([]);

    // Suspending twice is refused; the suspension is audited and evented in the tenant.
    const twice = await gql(Suspend, { input: { tenantId: encodeGlobalID("Tenant", a.tenantId), reason: "again" } }, adminToken);
    expect(twice.data!.tenantSuspend.userErrors).toMatchObject([{ code: "CONFLICT" }]);

    const resumed = await gql(Resume, { input: { tenantId: encodeGlobalID("Tenant", a.tenantId) } }, adminToken);
    expect(resumed.data!.tenantResume).toMatchObject({ userErrors: [], tenant: { suspended: false, suspensionReason: null } });
    // The held send goes out now, through the real worker.
    await waitFor(
      async () => (await sql<{ status: string }>(t.db, `SELECT "status"::text AS status FROM "Draft" WHERE "id" = $1`, [draftId]))[0]!.status === "SENT",
      30_000,
      "the held send to go out after resume",
    );
    expect((await sql(t.db, `SELECT 1 FROM "OutboxMessage" WHERE "tenantId" = $1`, [a.tenantId])).length).toBe(1);
    for (const token of [a.members.ANALYST.token, apiKey]) expect((await gql(TenantQuery, {}, token)).data?.tenant.slug).toBe(a.slug);

    const audit = await sql<{ action: string; actorLabel: string; summary: Record<string, unknown> }>(
      t.db,
      `SELECT "action", "actorLabel", "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" IN ('tenant.suspended', 'tenant.resumed') ORDER BY "createdAt", "id"`,
      [a.tenantId],
    );
    expect(audit).toMatchObject([
      { action: "tenant.suspended", actorLabel: `platform:${ADMIN}`, summary: { reason: "unpaid invoice" } },
      { action: "tenant.resumed", actorLabel: `platform:${ADMIN}`, summary: { sendsRequeued: 1 } },
    ]);
    const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" LIKE 'sales.tenant.%' ORDER BY "createdAt", "id"`, [a.tenantId]);
    expect(events.map((e) => e.type)).toEqual(["sales.tenant.suspended", "sales.tenant.resumed"]);
    // Nothing of the suspension happened in the other tenant.
    expect(await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" IN ('tenant.suspended', 'tenant.resumed')`, [b.tenantId])).toEqual([]);
  }, 90_000);

  it("closes the tenant's open subscriptions (4403) and refuses new ones while suspended", async () => {
    const c = await createTenant(t, "life-ws");
    const { client, closed } = wsClient(t.wsUrl, { Authorization: `Bearer ${c.members.ANALYST.token}` });
    const received: unknown[] = [];
    client.subscribe({ query: "subscription { events { type } }" }, { next: (v) => void received.push(v), error: () => {}, complete: () => {} });
    await waitFor(async () => (await sql(t.db, `SELECT 1 FROM pg_stat_activity`)).length > 0 && received.length === 0, 5_000, "the subscription to start");
    await new Promise((r) => setTimeout(r, 1_000));
    const suspended = await gql(Suspend, { input: { tenantId: encodeGlobalID("Tenant", c.tenantId), reason: "abuse report" } }, adminToken);
    expect(suspended.data!.tenantSuspend.userErrors).toEqual([]);
    const closing = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    expect(closing?.code).toBe(4403);
    // The suspension event itself is not delivered to the suspended tenant's subscriber.
    expect(JSON.stringify(received)).not.toContain("sales.tenant.suspended");
    const again = wsClient(t.wsUrl, { Authorization: `Bearer ${c.members.ANALYST.token}` });
    again.client.subscribe({ query: "subscription { events { type } }" }, { next: () => {}, error: () => {}, complete: () => {} });
    expect((await Promise.race([again.closed, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]))?.code).toBe(4403);
    await client.dispose();
    await again.client.dispose();
    await gql(Resume, { input: { tenantId: encodeGlobalID("Tenant", c.tenantId) } }, adminToken);
  }, 60_000);

  it("resuming a tenant that is not suspended, or suspending one that does not exist, is refused", async () => {
    const r = await gql(Resume, { input: { tenantId: encodeGlobalID("Tenant", b.tenantId) } }, adminToken);
    expect(r.data!.tenantResume.userErrors).toMatchObject([{ code: "CONFLICT" }]);
    const missing = await gql(Suspend, { input: { tenantId: encodeGlobalID("Tenant", randomUUID()), reason: "who?" } }, adminToken);
    expect(missing.data!.tenantSuspend.userErrors).toMatchObject([{ code: "NOT_FOUND" }]);
    const notATenant = await gql(Suspend, { input: { tenantId: encodeGlobalID("Draft", randomUUID()), reason: "who?" } }, adminToken);
    expect(notATenant.data!.tenantSuspend.userErrors).toMatchObject([{ code: "NOT_FOUND" }]);
  });
});
