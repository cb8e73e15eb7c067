// hubspotSyncItems: each change of ours for HubSpot visible per status and
// kind, to every role with connection:read, and only the tenant's own.
// hubspotSyncItemRetry: a FAILED item queued again, MANAGER and up, audited,
// never another tenant's.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";
import { waitFor } from "../../helpers/wait.js";

const ITEMS = `query I($status: HubspotSyncItemStatus, $kind: HubspotSyncItemKind) { hubspotSyncItems(status: $status, kind: $kind, first: 20) { id kind sourceType hubspotType status hubspotId attempts lastError result } }`;

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
const ids: Record<string, string> = {};

async function insert(tenant: TestTenant, key: string, kind: string, status: string, extra: { hubspotId?: string; lastError?: string } = {}) {
  ids[key] = randomUUID();
  await sql(
    t.db,
    `INSERT INTO "HubspotSyncItem" ("id", "tenantId", "connectionId", "kind", "sourceType", "sourceId", "hubspotType", "status", "hubspotId", "lastError", "attempts", "result", "updatedAt")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::"HubspotSyncItemStatus", $9, $10, 1, '{"fields":["dealstage"]}', now())`,
    [ids[key], tenant.tenantId, randomUUID(), kind, kind === "PUSH" ? "Deal" : "Activity", randomUUID(), kind === "PUSH" ? "deals" : "notes", status, extra.hubspotId ?? null, extra.lastError ?? null],
  );
}

beforeAll(async () => {
  t = await startTestApp();
  a = await createTenant(t, "hsi-a");
  b = await createTenant(t, "hsi-b");
  await insert(a, "aDone", "PUSH", "DONE", { hubspotId: "301" });
  await insert(a, "aFailed", "ENGAGEMENT", "FAILED", { lastError: "HubSpot answered HTTP 400" });
  await insert(b, "bFailed", "ENGAGEMENT", "FAILED", { lastError: "other tenant" });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe("hubspotSyncItems", () => {
  it("lists the tenant's items by status and kind, with the error and result", async () => {
    const failed = await execute<{ hubspotSyncItems: Record<string, unknown>[] }, Record<string, unknown>>(t.graphqlUrl, ITEMS, { status: "FAILED" }, { token: a.members.ADMIN.token });
    expect(failed.errors).toBeUndefined();
    expect(failed.data!.hubspotSyncItems).toEqual([
      { id: ids.aFailed, kind: "ENGAGEMENT", sourceType: "Activity", hubspotType: "notes", status: "FAILED", hubspotId: null, attempts: 1, lastError: "HubSpot answered HTTP 400", result: '{"fields":["dealstage"]}' },
    ]);
    const pushes = await execute<{ hubspotSyncItems: { id: string }[] }, Record<string, unknown>>(t.graphqlUrl, ITEMS, { kind: "PUSH" }, { token: a.members.ADMIN.token });
    expect(pushes.data!.hubspotSyncItems.map((i) => i.id)).toEqual([ids.aDone]);
  });

  it("every role reads its own tenant's items only; another tenant's never appear", async () => {
    for (const role of ALL_ROLES) {
      const r = await execute<{ hubspotSyncItems: { id: string }[] }, Record<string, unknown>>(t.graphqlUrl, ITEMS, {}, { token: a.members[role as Exclude<typeof role, "SERVICE">].token });
      expect(r.errors, role).toBeUndefined();
      expect(r.data!.hubspotSyncItems.map((i) => i.id).sort(), role).toEqual([ids.aDone, ids.aFailed].sort());
    }
    const other = await execute<{ hubspotSyncItems: { id: string }[] }, Record<string, unknown>>(t.graphqlUrl, ITEMS, {}, { token: b.members.OWNER.token });
    expect(other.data!.hubspotSyncItems.map((i) => i.id)).toEqual([ids.bFailed]);
  });

  it("hubspotSyncItemRetry: MANAGER and up queue a FAILED item again (PENDING, tries reset, job sent, audited); others are refused; only failed items; never another tenant's", async () => {
    const RETRY = `mutation R($input: HubspotSyncItemRetryInput!) { hubspotSyncItemRetry(input: $input) { queued item { id status attempts lastError } userErrors { code field message } } }`;
    const retry = (itemId: string, token: string) => execute<{ hubspotSyncItemRetry: Record<string, any> | null }, Record<string, unknown>>(t.graphqlUrl, RETRY, { input: { itemId } }, { token });
    for (const role of ["OPERATOR", "ANALYST"] as const) {
      const r = await retry(ids.aFailed!, a.members[role].token);
      expect(r.data?.hubspotSyncItemRetry ?? null, role).toBeNull();
      expect(r.errors?.[0]?.extensions?.code, role).toBe("FORBIDDEN");
    }
    // Another tenant's failed item is not found, and stays failed.
    const cross = await retry(ids.bFailed!, a.members.OWNER.token);
    expect(cross.data!.hubspotSyncItemRetry!.userErrors).toEqual([{ code: "NOT_FOUND", field: ["input", "itemId"], message: expect.any(String) }]);
    expect((await sql<{ status: string }>(t.db, `SELECT "status" FROM "HubspotSyncItem" WHERE "id" = $1`, [ids.bFailed]))[0]!.status).toBe("FAILED");
    const done = await retry(ids.aDone!, a.members.MANAGER.token);
    expect(done.data!.hubspotSyncItemRetry!.userErrors).toMatchObject([{ code: "INVALID_TRANSITION" }]);
    const ok = await retry(ids.aFailed!, a.members.MANAGER.token);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.hubspotSyncItemRetry).toMatchObject({ queued: true, item: { id: ids.aFailed, status: "PENDING", attempts: 0, lastError: null }, userErrors: [] });
    const audit = await sql<{ summary: Record<string, unknown> }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'hubspot.item_retry_requested' AND "targetId" = $2`, [a.tenantId, ids.aFailed]);
    expect(audit[0]!.summary).toMatchObject({ kind: "ENGAGEMENT", previousError: "HubSpot answered HTTP 400", queued: true });
    const jobs = await sql(t.db, `SELECT 1 FROM pgboss.job WHERE "name" = 'hubspot-push' AND "singleton_key" = $1`, [ids.aFailed]);
    expect(jobs).toHaveLength(1);
    // The worker ran it: its (made-up) connection is not active, so it failed again, with that reason.
    await waitFor(async () => (await sql<{ lastError: string | null }>(t.db, `SELECT "lastError" FROM "HubspotSyncItem" WHERE "id" = $1 AND "status" = 'FAILED'`, [ids.aFailed]))[0]?.lastError?.includes("not active"), {
      timeout: 20_000,
      message: "the retried item run",
    });
  });

  it("hubspotSyncItemRetry of a failed push: a change waits, due now, so the worker pushes it (not skipped as a job with nothing waiting)", async () => {
    await insert(a, "aPushFailed", "PUSH", "FAILED", { lastError: "HubSpot answered HTTP 400" });
    const RETRY = `mutation R($input: HubspotSyncItemRetryInput!) { hubspotSyncItemRetry(input: $input) { queued userErrors { code } } }`;
    const r = await execute<{ hubspotSyncItemRetry: { queued: boolean; userErrors: unknown[] } }, Record<string, unknown>>(t.graphqlUrl, RETRY, { input: { itemId: ids.aPushFailed } }, { token: a.members.MANAGER.token });
    expect(r.data!.hubspotSyncItemRetry).toEqual({ queued: true, userErrors: [] });
    // The worker ran the push: its (made-up) connection is not active, so it failed again with that reason, and nothing waits any more.
    const row = await waitFor(
      async () =>
        (await sql<{ lastError: string | null; pushDueAt: Date | null }>(t.db, `SELECT "lastError", "pushDueAt" FROM "HubspotSyncItem" WHERE "id" = $1 AND "status" = 'FAILED' AND "lastError" LIKE '%not active%'`, [ids.aPushFailed]))[0],
      { timeout: 20_000, message: "the retried push run" },
    );
    expect(row.pushDueAt).toBeNull();
  });

  it("an anonymous caller gets an error, no items", async () => {
    const r = await execute<{ hubspotSyncItems: unknown }, Record<string, unknown>>(t.graphqlUrl, ITEMS, {}, {});
    expect(r.errors?.length).toBeGreaterThan(0);
    expect(r.data?.hubspotSyncItems ?? null).toBeNull();
  });
});
