// After Redis comes back, events that waited in the outbox go out at once —
// not when the dispatcher's backoff (which grows while Redis is down) runs
// out. Redis is cut through a TCP proxy long enough for the backoff to reach
// 8 s; after the restore the event must reach a subscriber within BOUND_MS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/gql/index.js";
import { createTenant, redisForTests, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { asOwner } from "../helpers/database.js";
import { executeOk, subscribe } from "../helpers/graphql.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";
import { waitFor } from "../helpers/wait.js";

const Events = graphql(`
  subscription OutboxRecoveryEvents($types: [String!]) {
    events(types: $types) { id type }
  }
`);
const Rename = graphql(`
  mutation OutboxRecoveryRename($input: TenantUpdateSettingsInput!) {
    tenantUpdateSettings(input: $input) { tenant { name } userErrors { code } }
  }
`);

/** Redis reconnects within ~1 s (retry cap) and the outbox resumes on 'ready'; before the fix this was the remaining backoff (≥ 8 s here). */
const BOUND_MS = 2_500;

const redis = redisForTests();

describe.skipIf(!redis.url)(`outbox after a Redis outage${redis.url ? "" : ` (skipped: ${redis.reason})`}`, () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let a: TestTenant;
  beforeAll(async () => {
    const target = new URL(redis.url!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    t = await startTestApp({ redisUrl: proxy.url("redis") });
    a = await createTenant(t);
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it(`delivers a backed-off event within ${BOUND_MS} ms of Redis coming back`, async () => {
    const sub = await subscribe(t.wsUrl, Events, { types: ["sales.tenant.updated"] }, { Authorization: `Bearer ${a.members.ANALYST.token}` });
    await proxy.cut();
    await executeOk(t.graphqlUrl, Rename, { input: { name: "Written while Redis is down" } }, { token: a.members.ADMIN.token });

    // Let the backoff grow: 1 s, 2 s, 4 s, then 8 s after the fourth failed attempt.
    const waiting = await waitFor(
      () =>
        asOwner(t.db, async (c) => {
          const row = (
            await c.query(
              `SELECT attempts, "lockedUntil" > now() + interval '5 seconds' AS "longBackoff" FROM "OutboxEvent"
               WHERE "tenantId" = $1 AND type = 'sales.tenant.updated' AND "deliveredAt" IS NULL`,
              [a.tenantId],
            )
          ).rows[0];
          return row && row.attempts >= 4 && row.longBackoff ? row : null;
        }),
      { timeout: 30_000, message: "the outbox to back off for more than 5 s" },
    );
    expect(waiting.attempts).toBeGreaterThanOrEqual(4);
    expect(sub.received).toEqual([]);

    const restoredAt = Date.now();
    await proxy.restore();
    const event = await sub.next(15_000);
    const elapsed = Date.now() - restoredAt;
    console.info(`outbox-redis-recovery: event arrived ${elapsed} ms after Redis came back`);
    expect(event.events.type).toBe("sales.tenant.updated");
    expect(elapsed).toBeLessThan(BOUND_MS);
    await sub.close();
  }, 60_000);
});
