// A retried mutation with the same idempotency key returns the first result
// and changes nothing; the same key with a different input is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { executeOk } from "../helpers/graphql.js";
import { asOwner } from "../helpers/database.js";

const AddMember = graphql(`
  mutation IdemAddMember($input: MembershipAddInput!) {
    membershipAdd(input: $input) { membership { id role } userErrors { code field message } }
  }
`);
const CreateKey = graphql(`
  mutation IdemCreateKey($input: ApiKeyCreateInput!) {
    apiKeyCreate(input: $input) { apiKey { id } secret userErrors { code } }
  }
`);

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t?.close());

const count = (sql: string, params: unknown[]) => asOwner(t.db, async (c) => (await c.query(sql, params)).rows[0].n as number);

describe("idempotency keys", () => {
  it("replays the first result for the same key and input (header), writing nothing more", async () => {
    const headers = { "idempotency-key": "add-anna-1" };
    const input = { input: { email: "anna@idem.example", role: "OPERATOR" as const } };
    const first = await executeOk(t.graphqlUrl, AddMember, input, { token: tenant.members.ADMIN.token, headers });
    const second = await executeOk(t.graphqlUrl, AddMember, input, { token: tenant.members.ADMIN.token, headers });
    expect(first.membershipAdd.userErrors).toEqual([]);
    expect(second).toEqual(first);
    expect(await count(`SELECT count(*)::int AS n FROM "AuditEntry" WHERE "tenantId" = $1 AND action = 'membership.added'`, [tenant.tenantId])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM "OutboxEvent" WHERE "tenantId" = $1 AND type = 'sales.membership.added'`, [tenant.tenantId])).toBe(1);
  });

  it("accepts the key as an input field too, and refuses it for a different input", async () => {
    const first = await executeOk(t.graphqlUrl, AddMember, { input: { email: "ben@idem.example", role: "ANALYST", idempotencyKey: "k-2" } }, { token: tenant.members.ADMIN.token });
    expect(first.membershipAdd.membership?.role).toBe("ANALYST");
    const reused = await executeOk(t.graphqlUrl, AddMember, { input: { email: "carl@idem.example", role: "ANALYST", idempotencyKey: "k-2" } }, { token: tenant.members.ADMIN.token });
    expect(reused.membershipAdd.userErrors[0]).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", field: ["idempotencyKey"] });
    expect(await count(`SELECT count(*)::int AS n FROM "User" WHERE email = 'carl@idem.example'`, [])).toBe(0);
  });

  it("serialises concurrent retries: ten at once do the work once", async () => {
    const input = { input: { email: "dora@idem.example", role: "OPERATOR" as const, idempotencyKey: "burst" } };
    const results = await Promise.all(Array.from({ length: 10 }, () => executeOk(t.graphqlUrl, AddMember, input, { token: tenant.members.ADMIN.token })));
    const ids = new Set(results.map((r) => r.membershipAdd.membership?.id));
    expect(ids.size).toBe(1);
    expect(results.every((r) => r.membershipAdd.userErrors.length === 0)).toBe(true);
    expect(await count(`SELECT count(*)::int AS n FROM "AuditEntry" WHERE "tenantId" = $1 AND summary->>'email' LIKE 'd***@%'`, [tenant.tenantId])).toBe(1);
  });

  it("keys are per caller: another member's identical key is independent", async () => {
    const a = await executeOk(t.graphqlUrl, AddMember, { input: { email: "eve@idem.example", role: "ANALYST", idempotencyKey: "shared" } }, { token: tenant.members.ADMIN.token });
    const b = await executeOk(t.graphqlUrl, AddMember, { input: { email: "fay@idem.example", role: "ANALYST", idempotencyKey: "shared" } }, { token: tenant.members.OWNER.token });
    expect(a.membershipAdd.userErrors).toEqual([]);
    expect(b.membershipAdd.userErrors).toEqual([]);
  });

  it("does not record a refused request, so fixing the input and retrying with the key works", async () => {
    const bad = await executeOk(t.graphqlUrl, AddMember, { input: { email: "gil@idem.example", role: "OWNER", idempotencyKey: "fixme" } }, { token: tenant.members.ADMIN.token });
    expect(bad.membershipAdd.userErrors[0]?.code).toBe("ROLE_NOT_ASSIGNABLE");
    const good = await executeOk(t.graphqlUrl, AddMember, { input: { email: "gil@idem.example", role: "ANALYST", idempotencyKey: "fixme" } }, { token: tenant.members.ADMIN.token });
    expect(good.membershipAdd.userErrors).toEqual([]);
  });

  it("never stores or replays an API key's secret", async () => {
    const input = { input: { name: "ci", role: "ANALYST" as const, idempotencyKey: "key-once" } };
    const first = await executeOk(t.graphqlUrl, CreateKey, input, { token: tenant.members.ADMIN.token });
    const replay = await executeOk(t.graphqlUrl, CreateKey, input, { token: tenant.members.ADMIN.token });
    expect(first.apiKeyCreate.secret).toMatch(/^sk_/);
    expect(replay.apiKeyCreate.apiKey?.id).toBe(first.apiKeyCreate.apiKey?.id);
    expect(replay.apiKeyCreate.secret).toBeNull();
    const stored = await asOwner(t.db, async (c) => (await c.query(`SELECT response::text AS r FROM "IdempotencyRecord" WHERE key = 'key-once'`)).rows[0].r as string);
    expect(stored).not.toContain(first.apiKeyCreate.secret!);
  });
});
