// A suspended tenant sends nothing (issue 15), and that includes its events: the
// outbox dispatcher holds them — not dropped, not marked delivered, not counted
// as attempts — while another tenant's events keep flowing, and publishes them
// in their order once the platform resumes the tenant.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainEvent } from "../../src/domain/event.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute } from "../helpers/graphql.js";
import { sql, waitFor } from "../helpers/operator.js";

const ADMIN = "ops@platform.example";

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let adminToken: string;
const seen = new Map<string, DomainEvent[]>();
const stops: (() => void)[] = [];

async function gql(query: string, variables: Record<string, unknown>, token: string) {
  return execute<Record<string, any>, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
}

/** Everything the bus publishes for a tenant, as a subscriber of it receives it. */
function listen(tenantId: string): void {
  const events: DomainEvent[] = [];
  seen.set(tenantId, events);
  const it = t.app.services.bus.subscribe(tenantId);
  stops.push(() => void it.return?.());
  void (async () => {
    for await (const e of { [Symbol.asyncIterator]: () => it }) events.push(e);
  })();
}

/** An event written the way a use case writes one (an OutboxEvent row in the tenant's transaction). */
async function emitRaw(tenantId: string, type: string): Promise<string> {
  // Time-ordered ids, as the unit of work writes them: two events in the same millisecond keep their order.
  const id = uuidv7();
  await sql(t.db, `INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "payload") VALUES ($1, $2, $3, '{"actor":"test"}'::jsonb)`, [id, tenantId, type]);
  return id;
}

const outboxRow = async (id: string) =>
  (await sql<{ deliveredAt: Date | null; attempts: number; lockedUntil: Date | null }>(t.db, `SELECT "deliveredAt", "attempts", "lockedUntil" FROM "OutboxEvent" WHERE "id" = $1`, [id]))[0]!;

beforeAll(async () => {
  t = await startTestApp({ env: { PLATFORM_ADMIN_SUBJECTS: ADMIN } });
  a = await createTenant(t, "obx-a");
  b = await createTenant(t, "obx-b");
  adminToken = await t.app.services.platform!.issuePlatformToken(ADMIN, 3600);
  listen(a.tenantId);
  listen(b.tenantId);
}, 60_000);

afterAll(async () => {
  for (const stop of stops) stop();
  await t?.close();
});

describe("the outbox of a suspended tenant", () => {
  it("holds its events while suspended (others flow), and publishes them in order on resume", async () => {
    const suspended = await gql(`mutation($input: TenantSuspendInput!) { tenantSuspend(input: $input) { userErrors { code } } }`, { input: { tenantId: encodeGlobalID("Tenant", a.tenantId), reason: "unpaid invoice" } }, adminToken);
    expect(suspended.data!.tenantSuspend.userErrors).toEqual([]);

    const heldFirst = await emitRaw(a.tenantId, "sales.test.held-first");
    const flowing = await emitRaw(b.tenantId, "sales.test.flowing");
    const heldSecond = await emitRaw(a.tenantId, "sales.test.held-second");
    await t.app.outbox.flush();
    await waitFor(async () => seen.get(b.tenantId)!.some((e) => e.id === flowing), 10_000, "the other tenant's event");
    // Several more passes (the sweep runs every 100 ms, and an explicit one): still nothing for the suspended tenant.
    await new Promise((r) => setTimeout(r, 500));
    await t.app.outbox.flush();
    expect(seen.get(a.tenantId)!).toEqual([]);
    for (const id of [heldFirst, heldSecond]) {
      const row = await outboxRow(id);
      expect(row).toEqual({ deliveredAt: null, attempts: 0, lockedUntil: null });
    }
    expect((await outboxRow(flowing)).deliveredAt).not.toBeNull();

    const resumed = await gql(`mutation($input: TenantResumeInput!) { tenantResume(input: $input) { userErrors { code } } }`, { input: { tenantId: encodeGlobalID("Tenant", a.tenantId) } }, adminToken);
    expect(resumed.data!.tenantResume.userErrors).toEqual([]);

    // Woken by the resume's own event, without an explicit flush; the held events first, in their order.
    const types = await waitFor(
      async () => {
        const got = seen.get(a.tenantId)!.map((e) => e.type);
        return got.includes("sales.tenant.resumed") ? got : null;
      },
      10_000,
      "the held events after the resume",
    );
    expect(types).toEqual(["sales.tenant.suspended", "sales.test.held-first", "sales.test.held-second", "sales.tenant.resumed"]);
    for (const id of [heldFirst, heldSecond]) expect((await outboxRow(id)).deliveredAt).not.toBeNull();
    const audit = await sql<{ summary: { eventsReleased: number } }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'tenant.resumed'`, [a.tenantId]);
    expect(audit[0]!.summary.eventsReleased).toBe(3);
  }, 60_000);
});
