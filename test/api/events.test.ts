// Live events: the outbox is published to the tenant's topic and streamed to
// subscribers of that tenant only, over graphql-ws authenticated in
// connection_init. With Redis, events that wait while Redis is down go out
// when it is back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/gql/index.js";
import { createTenant, redisForTests, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { asOwner } from "../helpers/database.js";
import { executeOk, subscribe, wsClient } from "../helpers/graphql.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";

const Events = graphql(`
  subscription EventsAll($types: [String!]) {
    events(types: $types) { id type actor occurredAt payload }
  }
`);
const EventTypesOnly = graphql(`
  subscription EventTypesOnly($types: [String!]) {
    events(types: $types) { kind: type }
  }
`);
const Rename = graphql(`
  mutation EventsRename($input: TenantUpdateSettingsInput!) {
    tenantUpdateSettings(input: $input) { tenant { name } userErrors { code } }
  }
`);
const AddMember = graphql(`
  mutation EventsAddMember($input: MembershipAddInput!) {
    membershipAdd(input: $input) { membership { id } userErrors { code } }
  }
`);

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe("events subscription (in-process pub/sub)", () => {
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  beforeAll(async () => {
    t = await startTestApp();
    [a, b] = [await createTenant(t), await createTenant(t)];
  });
  afterAll(() => t?.close());

  it("delivers a mutation's event to subscribers of the same tenant, and only to them", async () => {
    const subA = await subscribe(t.wsUrl, Events, {}, auth(a.members.ANALYST.token));
    const subB = await subscribe(t.wsUrl, Events, {}, auth(b.members.ANALYST.token));
    await executeOk(t.graphqlUrl, Rename, { input: { name: "Alpha Inc" } }, { token: a.members.ADMIN.token });
    const event = await subA.next();
    // The actor's address is masked as in the audit log (first letter and domain kept).
    const [local, domain] = a.members.ADMIN.email.split("@");
    expect(event.events).toMatchObject({ type: "sales.tenant.updated", actor: `user:${local![0]}***@${domain}`, payload: { tenantId: a.tenantId } });
    expect(JSON.stringify(event.events)).not.toContain(a.members.ADMIN.email);
    // Instead of waiting a while for a leak that might come: give B an event of its own, published after A's.
    // Events reach B in order, so once B's own is in, A's would be too, had it leaked.
    await executeOk(t.graphqlUrl, Rename, { input: { name: "Beta Inc" } }, { token: b.members.ADMIN.token });
    const own = await subB.next();
    expect(own.events).toMatchObject({ type: "sales.tenant.updated", payload: { tenantId: b.tenantId } });
    expect(subB.received).toHaveLength(1);
    await subA.close();
    await subB.close();
  });

  it("filters by type, with prefix patterns", async () => {
    const sub = await subscribe(t.wsUrl, Events, { types: ["sales.membership.*"] }, auth(a.members.OPERATOR.token));
    await executeOk(t.graphqlUrl, Rename, { input: { name: "Alpha 2" } }, { token: a.members.ADMIN.token });
    await executeOk(t.graphqlUrl, AddMember, { input: { email: "live@events.example", role: "ANALYST" } }, { token: a.members.ADMIN.token });
    const event = await sub.next();
    expect(event.events.type).toBe("sales.membership.added");
    expect(sub.received).toHaveLength(1);
    await sub.close();
  });

  it("subscribers of one instance share an event's result only with the same operation, variables and permissions", async () => {
    // One instance resolves an event once per (operation, variables, tenant, permissions) and sends that
    // result to each such subscriber: every other subscriber still gets exactly its own selection.
    const full = [await subscribe(t.wsUrl, Events, {}, auth(a.members.ANALYST.token)), await subscribe(t.wsUrl, Events, {}, auth(a.members.OPERATOR.token))];
    const narrow = await subscribe(t.wsUrl, EventTypesOnly, {}, auth(a.members.ANALYST.token));
    const filtered = await subscribe(t.wsUrl, EventTypesOnly, { types: ["sales.membership.*"] }, auth(a.members.ANALYST.token));
    const other = await subscribe(t.wsUrl, Events, {}, auth(b.members.ANALYST.token));
    await executeOk(t.graphqlUrl, Rename, { input: { name: "Alpha shared" } }, { token: a.members.ADMIN.token });
    await executeOk(t.graphqlUrl, AddMember, { input: { email: "shared@events.example", role: "ANALYST" } }, { token: a.members.ADMIN.token });
    for (const sub of full) {
      const renamed = await sub.next();
      expect(renamed.events).toMatchObject({ type: "sales.tenant.updated", payload: { tenantId: a.tenantId } });
      expect((await sub.next()).events.type).toBe("sales.membership.added");
    }
    expect(full[0]!.received).toEqual(full[1]!.received);
    expect(await narrow.next()).toEqual({ events: { kind: "sales.tenant.updated" } });
    expect(await narrow.next()).toEqual({ events: { kind: "sales.membership.added" } });
    expect(await filtered.next()).toEqual({ events: { kind: "sales.membership.added" } });
    expect(filtered.received).toHaveLength(1);
    // The other tenant's subscriber with the same operation got nothing of A's (its own event arrives first).
    await executeOk(t.graphqlUrl, Rename, { input: { name: "Beta shared" } }, { token: b.members.ADMIN.token });
    expect((await other.next()).events).toMatchObject({ type: "sales.tenant.updated", payload: { tenantId: b.tenantId } });
    expect(other.received).toHaveLength(1);
    for (const sub of [...full, narrow, filtered, other]) await sub.close();
  });

  it("accepts the token in any of the usual connection_init shapes", async () => {
    for (const [i, params] of [
      { authorization: `Bearer ${a.members.ANALYST.token}` },
      { headers: { Authorization: `Bearer ${a.members.ANALYST.token}` } },
      { token: a.members.ANALYST.token },
    ].entries()) {
      const sub = await subscribe(t.wsUrl, Events, {}, params);
      // Accepted as tenant A's analyst: no errors, and A's events arrive.
      await executeOk(t.graphqlUrl, Rename, { input: { name: `Alpha shape ${i}` } }, { token: a.members.ADMIN.token });
      const event = await sub.next();
      expect(event.events).toMatchObject({ type: "sales.tenant.updated", payload: { tenantId: a.tenantId } });
      expect(sub.errors).toEqual([]);
      await sub.close();
    }
  });

  it.each([
    ["no token", {}],
    ["a bad token", { Authorization: "Bearer not-a-token" }],
    ["a malformed header", { Authorization: "Token abc" }],
    ["an unknown API key", { "X-Api-Key": "sk_0000000000_" + "A".repeat(43) }],
  ])("closes the connection with 4403 for %s", async (_name, params) => {
    const { client, closed } = wsClient(t.wsUrl, params);
    const sub = client.subscribe({ query: "subscription { events { id } }" }, { next: () => {}, error: () => {}, complete: () => {} });
    const { code } = await closed;
    expect(code).toBe(4403);
    sub();
    await client.dispose();
  });

  it("marks outbox events delivered once published", async () => {
    await executeOk(t.graphqlUrl, Rename, { input: { name: "Alpha 3" } }, { token: a.members.ADMIN.token });
    await t.app.outbox.flush();
    const pending = await asOwner(t.db, async (c) => (await c.query(`SELECT count(*)::int AS n FROM "OutboxEvent" WHERE "deliveredAt" IS NULL`)).rows[0].n);
    expect(pending).toBe(0);
  });
});

const redis = redisForTests();

describe.skipIf(!redis.url)(`events through Redis${redis.url ? "" : ` (skipped: ${redis.reason})`}`, () => {
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let t1: TestApp;
  let t2: TestApp;
  let a: TestTenant;
  beforeAll(async () => {
    const target = new URL(redis.url!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    // Two service instances on one database: an event committed through one reaches subscribers of the other.
    t1 = await startTestApp({ redisUrl: proxy.url("redis") });
    t2 = await startTestApp({ redisUrl: proxy.url("redis"), db: t1.db });
    a = await createTenant(t1);
  });
  afterAll(async () => {
    await t2?.close();
    await t1?.close();
    await proxy?.close();
  });

  it("fans events out across instances", async () => {
    const sub = await subscribe(t2.wsUrl, Events, {}, auth(a.members.ANALYST.token));
    await executeOk(t1.graphqlUrl, Rename, { input: { name: "Across" } }, { token: a.members.ADMIN.token });
    expect((await sub.next()).events.type).toBe("sales.tenant.updated");
    await sub.close();
  });

  it("keeps events in the outbox while Redis is down and delivers them when it is back", async () => {
    const sub = await subscribe(t2.wsUrl, Events, {}, auth(a.members.ANALYST.token));
    await proxy.cut();
    const ready = await fetch(`${t1.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { database: "ok", redis: "down" } });

    await executeOk(t1.graphqlUrl, Rename, { input: { name: "While down" } }, { token: a.members.ADMIN.token });
    await t1.app.outbox.flush();
    const waiting = await asOwner(t1.db, async (c) =>
      (await c.query(`SELECT "deliveredAt", attempts, "lastError" FROM "OutboxEvent" WHERE type = 'sales.tenant.updated' ORDER BY "createdAt" DESC LIMIT 1`)).rows[0],
    );
    expect(waiting.deliveredAt).toBeNull();
    expect(waiting.attempts).toBeGreaterThanOrEqual(1);
    expect(waiting.lastError).toBeTruthy();

    await proxy.restore();
    const event = await sub.next(15_000);
    expect(event.events).toMatchObject({ type: "sales.tenant.updated" });
    const delivered = await asOwner(t1.db, async (c) => (await c.query(`SELECT count(*)::int AS n FROM "OutboxEvent" WHERE "deliveredAt" IS NULL`)).rows[0].n);
    expect(delivered).toBe(0);
    expect((await fetch(`${t1.url}/ready`)).status).toBe(200);
    await sub.close();
  }, 40_000);
});
