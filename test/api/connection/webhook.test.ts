// Outbound webhooks over the real service: endpoints managed through GraphQL
// (ADMIN and up), events committed to the real outbox reaching a local
// receiver that verifies every delivery with the `standardwebhooks` verifier,
// retries with a short schedule (WEBHOOK_RETRY_SCHEDULE) against an endpoint
// that fails then recovers, FAILING (audited, evented) after the last attempt,
// manual redelivery, secret rotation with two signatures, and tenants that
// cannot see or touch each other's endpoints and deliveries.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute, executeOk } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";
import { waitFor } from "../../helpers/wait.js";

const Create = graphql(`
  mutation WebhookCreate($input: WebhookEndpointCreateInput!) {
    webhookEndpointCreate(input: $input) {
      secret
      webhookEndpoint { id url eventTypes enabled status }
      userErrors { code field message }
    }
  }
`);
const Update = graphql(`
  mutation WebhookUpdate($input: WebhookEndpointUpdateInput!) {
    webhookEndpointUpdate(input: $input) { webhookEndpoint { id enabled status } userErrors { code field message } }
  }
`);
const Delete = graphql(`
  mutation WebhookDelete($input: WebhookEndpointDeleteInput!) {
    webhookEndpointDelete(input: $input) { deletedEndpointId userErrors { code field message } }
  }
`);
const Rotate = graphql(`
  mutation WebhookRotate($input: WebhookEndpointRotateSecretInput!) {
    webhookEndpointRotateSecret(input: $input) { secret previousSecretValidUntil userErrors { code field message } }
  }
`);
const Redeliver = graphql(`
  mutation WebhookRedeliver($input: WebhookDeliveryRedeliverInput!) {
    webhookDeliveryRedeliver(input: $input) { queued userErrors { code field message } }
  }
`);
const Endpoints = graphql(`
  query WebhookEndpoints {
    webhookEndpoints(first: 50) { edges { node { id url status enabled failingSince } } }
  }
`);
const Deliveries = graphql(`
  query WebhookDeliveries($endpointId: ID!, $filter: WebhookDeliveryFilter) {
    webhookDeliveries(endpointId: $endpointId, first: 50, filter: $filter) {
      edges { node { id eventId eventType attempt manual status responseStatus latencyMs error responseBody nextAttemptAt createdAt } }
    }
  }
`);

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let receiver: http.Server;
let base: string;
const received: Received[] = [];
/** Per path: how many more requests fail with a 500 before it answers 200. */
const failuresLeft = new Map<string, number>();

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const path = req.url ?? "";
      received.push({ path, headers: req.headers as Record<string, string>, body, at: Date.now() });
      const left = failuresLeft.get(path) ?? 0;
      if (path.startsWith("/down") || left > 0) {
        failuresLeft.set(path, left - 1);
        res.writeHead(500).end("receiver is down");
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", WEBHOOK_RETRY_SCHEDULE: "0.4,0.4", WEBHOOK_SECRET_GRACE_SECONDS: "3600" } });
  a = await createTenant(t, "wha");
  b = await createTenant(t, "whb");
}, 60_000);

afterAll(async () => {
  await t?.close();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
});

async function createEndpoint(tenant: TestTenant, path: string, eventTypes: string[]) {
  const r = await executeOk(t.graphqlUrl, Create, { input: { url: `${base}${path}`, eventTypes } }, { token: tenant.members.ADMIN.token });
  expect(r.webhookEndpointCreate.userErrors).toEqual([]);
  return { id: r.webhookEndpointCreate.webhookEndpoint!.id, secret: r.webhookEndpointCreate.secret! };
}

/** Commits an event to the outbox, as a use case's transaction does (e.g. the draft sender's `sales.draft.sent`). */
async function commitEvent(tenant: TestTenant, type: string, payload: Record<string, unknown>): Promise<string> {
  const id = randomUUID();
  await sql(t.db, `INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "payload") VALUES ($1, $2, $3, $4)`, [id, tenant.tenantId, type, JSON.stringify({ ...payload, actor: "agent:draft-sender" })]);
  return id;
}

function deliveries(tenant: TestTenant, endpointId: string) {
  return executeOk(t.graphqlUrl, Deliveries, { endpointId }, { token: tenant.members.ADMIN.token }).then((r) =>
    r.webhookDeliveries.edges.map((e) => e.node).sort((x, y) => x.attempt - y.attempt),
  );
}

describe("roles", () => {
  it.each(ALL_ROLES)("%s may manage endpoints only as ADMIN or OWNER", async (role) => {
    const token = a.members[role].token;
    const created = await execute(t.graphqlUrl, Create, { input: { url: `${base}/roles`, eventTypes: ["sales.draft.*"] } }, { token });
    const listed = await execute(t.graphqlUrl, Endpoints, {}, { token });
    if (role === "OWNER" || role === "ADMIN") {
      expect(created.errors).toBeUndefined();
      expect(created.data?.webhookEndpointCreate.secret).toMatch(/^whsec_/);
      expect(listed.errors).toBeUndefined();
    } else {
      expect(created.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(listed.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const someId = encodeGlobalID("WebhookEndpoint", randomUUID());
      for (const [doc, input] of [
        [Update, { endpointId: someId, enabled: false }],
        [Delete, { endpointId: someId }],
        [Rotate, { endpointId: someId }],
        [Redeliver, { deliveryId: encodeGlobalID("WebhookDelivery", randomUUID()) }],
      ] as const) {
        const r = await execute(t.graphqlUrl, doc as typeof Update, { input: input as { endpointId: string } }, { token });
        expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      }
      const log = await execute(t.graphqlUrl, Deliveries, { endpointId: someId }, { token });
      expect(log.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
  });

  it("validates the URL and the event types", async () => {
    const r = await executeOk(t.graphqlUrl, Create, { input: { url: "ftp://example.com/x", eventTypes: ["draft.sent", "sales.draft.*"] } }, { token: a.members.ADMIN.token });
    expect(r.webhookEndpointCreate.webhookEndpoint).toBeNull();
    expect(r.webhookEndpointCreate.userErrors.map((e) => e.field.join("."))).toEqual(["input.url", "input.eventTypes.0"]);
  });
});

describe("delivery through the real outbox", () => {
  it("delivers a committed sales.draft.sent to a matching endpoint, signed, verified by the standardwebhooks verifier", async () => {
    const endpoint = await createEndpoint(a, "/e2e", ["sales.draft.*"]);
    const other = await createEndpoint(a, "/e2e-leads", ["sales.lead.created"]);
    const eventId = await commitEvent(a, "sales.draft.sent", { draftId: "d-1", messageId: "<m1@x>" });
    const got = await waitFor(() => received.find((r) => r.path === "/e2e" && r.headers["webhook-id"] === eventId), { message: "the webhook" });
    const verified = new Webhook(endpoint.secret).verify(got.body, got.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(verified.type).toBe("sales.draft.sent");
    expect(verified.data).toEqual({ draftId: "d-1", messageId: "<m1@x>" });
    expect(() => new Webhook(other.secret).verify(got.body, got.headers)).toThrow();
    // The log shows one successful attempt.
    const log = await waitFor(async () => {
      const rows = await deliveries(a, endpoint.id);
      return rows.length ? rows : null;
    });
    expect(log).toMatchObject([{ eventId, eventType: "sales.draft.sent", attempt: 1, status: "SUCCEEDED", responseStatus: 204, manual: false, nextAttemptAt: null }]);
    // The filtered endpoint did not get it; nor did the endpoint get events outside its filter (its own creation event).
    expect(received.filter((r) => r.path === "/e2e-leads")).toEqual([]);
    expect(received.filter((r) => r.path === "/e2e").map((r) => JSON.parse(r.body).type)).toEqual(["sales.draft.sent"]);
  });

  it("delivers the events of real use cases too (sales.webhook.endpoint_created from webhookEndpointCreate)", async () => {
    const watcher = await createEndpoint(a, "/watcher", ["sales.webhook.*"]);
    const created = await createEndpoint(a, "/watched", ["sales.deal.won"]);
    const got = await waitFor(
      () => received.find((r) => r.path === "/watcher" && (JSON.parse(r.body) as { data: { endpointId?: string } }).data.endpointId === decodeGlobalID(created.id).id),
      { message: "the endpoint_created webhook" },
    );
    const body = new Webhook(watcher.secret).verify(got.body, got.headers) as { type: string; data: Record<string, unknown> };
    expect(body.type).toBe("sales.webhook.endpoint_created");
    expect(JSON.stringify(body)).not.toContain("whsec_");
  });

  it("retries with backoff against an endpoint that fails then recovers; webhook-id is the same on every attempt", async () => {
    failuresLeft.set("/flaky", 2);
    const endpoint = await createEndpoint(a, "/flaky", ["sales.draft.sent"]);
    const eventId = await commitEvent(a, "sales.draft.sent", { draftId: "d-2" });
    await waitFor(async () => (await deliveries(a, endpoint.id)).some((d) => d.status === "SUCCEEDED"), { message: "the third attempt to succeed" });
    const log = await deliveries(a, endpoint.id);
    expect(log.map((d) => [d.attempt, d.status, d.responseStatus])).toEqual([
      [1, "FAILED", 500],
      [2, "FAILED", 500],
      [3, "SUCCEEDED", 204],
    ]);
    expect(log[0]!.responseBody).toBe("receiver is down");
    expect(log[0]!.nextAttemptAt).not.toBeNull();
    const hits = received.filter((r) => r.path === "/flaky");
    expect(hits.map((h) => h.headers["webhook-id"])).toEqual([eventId, eventId, eventId]);
    // Backoff: 0.4 s ± 10% between attempts (plus polling).
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.at - hits[i - 1]!.at).toBeGreaterThanOrEqual(350);
    const [endpointRow] = await sql<{ status: string }>(t.db, `SELECT "status"::text FROM "WebhookEndpoint" WHERE "id" = $1`, [decodeGlobalID(endpoint.id).id]);
    expect(endpointRow!.status).toBe("ACTIVE");
  });

  it("marks the endpoint FAILING after the last attempt and tells the tenant (audit + event); a manual redelivery is logged", async () => {
    const endpoint = await createEndpoint(a, "/down", ["sales.draft.sent"]);
    const rawId = decodeGlobalID(endpoint.id).id;
    await commitEvent(a, "sales.draft.sent", { draftId: "d-3" });
    const listed = await waitFor(async () => {
      const r = await executeOk(t.graphqlUrl, Endpoints, {}, { token: a.members.ADMIN.token });
      return r.webhookEndpoints.edges.find((e) => e.node.id === endpoint.id && e.node.status === "FAILING");
    }, { message: "the endpoint to turn FAILING" });
    expect(listed.node.failingSince).not.toBeNull();
    const log = await deliveries(a, endpoint.id);
    expect(log.map((d) => [d.attempt, d.status])).toEqual([[1, "FAILED"], [2, "FAILED"], [3, "FAILED"]]);
    expect(log[2]!.nextAttemptAt).toBeNull();
    const audits = await sql(t.db, `SELECT "action" FROM "AuditEntry" WHERE "tenantId" = $1 AND "targetId" = $2 AND "action" = 'webhook_endpoint.failing'`, [a.tenantId, rawId]);
    expect(audits).toHaveLength(1);
    const events = await sql<{ payload: { endpointId: string } }>(t.db, `SELECT "payload" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.webhook.endpoint_failing'`, [a.tenantId]);
    expect(events.map((e) => e.payload.endpointId)).toContain(rawId);

    // Manual redelivery: one more attempt, marked manual, no retry chain after it.
    const r = await executeOk(t.graphqlUrl, Redeliver, { input: { deliveryId: log[2]!.id } }, { token: a.members.ADMIN.token });
    expect(r.webhookDeliveryRedeliver).toEqual({ queued: true, userErrors: [] });
    const manual = await waitFor(async () => (await deliveries(a, endpoint.id)).find((d) => d.manual), { message: "the manual attempt" });
    expect(manual).toMatchObject({ attempt: 4, status: "FAILED", nextAttemptAt: null });
  });

  it("signs with the new and the previous secret after a rotation", async () => {
    const endpoint = await createEndpoint(a, "/rotated", ["sales.draft.sent"]);
    const rotated = await executeOk(t.graphqlUrl, Rotate, { input: { endpointId: endpoint.id } }, { token: a.members.ADMIN.token });
    const next = rotated.webhookEndpointRotateSecret.secret!;
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(endpoint.secret);
    expect(rotated.webhookEndpointRotateSecret.previousSecretValidUntil).not.toBeNull();
    const eventId = await commitEvent(a, "sales.draft.sent", { draftId: "d-4" });
    const got = await waitFor(() => received.find((r) => r.path === "/rotated" && r.headers["webhook-id"] === eventId), { message: "the webhook" });
    expect(new Webhook(next).verify(got.body, got.headers)).toBeTruthy();
    expect(new Webhook(endpoint.secret).verify(got.body, got.headers)).toBeTruthy();
  });
});

describe("tenancy", () => {
  it("another tenant cannot see, update, delete, rotate or redeliver, and never receives the first tenant's events", async () => {
    const endpoint = await createEndpoint(a, "/tenant-a", ["sales.draft.sent"]);
    const mineB = await createEndpoint(b, "/tenant-b", ["sales.draft.sent"]);
    const eventA = await commitEvent(a, "sales.draft.sent", { draftId: "a" });
    const eventB = await commitEvent(b, "sales.draft.sent", { draftId: "b" });
    await waitFor(() => received.some((r) => r.path === "/tenant-a") && received.some((r) => r.path === "/tenant-b"), { message: "both deliveries" });
    const logA = await waitFor(async () => {
      const rows = await deliveries(a, endpoint.id);
      return rows.length ? rows : null;
    });
    expect(received.filter((r) => r.path === "/tenant-a").map((r) => r.headers["webhook-id"])).toEqual([eventA]);
    expect(received.filter((r) => r.path === "/tenant-b").map((r) => r.headers["webhook-id"])).toEqual([eventB]);

    const tokenB = b.members.OWNER.token;
    const listB = await executeOk(t.graphqlUrl, Endpoints, {}, { token: tokenB });
    expect(listB.webhookEndpoints.edges.map((e) => e.node.id)).toEqual([mineB.id]);
    expect((await executeOk(t.graphqlUrl, Deliveries, { endpointId: endpoint.id }, { token: tokenB })).webhookDeliveries.edges).toEqual([]);
    const upd = await executeOk(t.graphqlUrl, Update, { input: { endpointId: endpoint.id, enabled: false } }, { token: tokenB });
    expect(upd.webhookEndpointUpdate.userErrors[0]?.code).toBe("NOT_FOUND");
    const rot = await executeOk(t.graphqlUrl, Rotate, { input: { endpointId: endpoint.id } }, { token: tokenB });
    expect(rot.webhookEndpointRotateSecret).toMatchObject({ secret: null, userErrors: [{ code: "NOT_FOUND" }] });
    const red = await executeOk(t.graphqlUrl, Redeliver, { input: { deliveryId: logA[0]!.id } }, { token: tokenB });
    expect(red.webhookDeliveryRedeliver.userErrors[0]?.code).toBe("NOT_FOUND");
    const del = await executeOk(t.graphqlUrl, Delete, { input: { endpointId: endpoint.id } }, { token: tokenB });
    expect(del.webhookEndpointDelete.userErrors[0]?.code).toBe("NOT_FOUND");
    // Still there, still enabled, for its own tenant.
    const listA = await executeOk(t.graphqlUrl, Endpoints, {}, { token: a.members.ADMIN.token });
    expect(listA.webhookEndpoints.edges.find((e) => e.node.id === endpoint.id)?.node.enabled).toBe(true);
  });

  it("a disabled or deleted endpoint gets nothing more", async () => {
    const endpoint = await createEndpoint(a, "/disabled", ["sales.draft.sent"]);
    const off = await executeOk(t.graphqlUrl, Update, { input: { endpointId: endpoint.id, enabled: false } }, { token: a.members.ADMIN.token });
    expect(off.webhookEndpointUpdate.webhookEndpoint).toMatchObject({ enabled: false, status: "DISABLED" });
    const gone = await createEndpoint(a, "/deleted", ["sales.draft.sent"]);
    await executeOk(t.graphqlUrl, Delete, { input: { endpointId: gone.id } }, { token: a.members.ADMIN.token });
    const probe = await createEndpoint(a, "/probe", ["sales.draft.sent"]);
    const eventId = await commitEvent(a, "sales.draft.sent", { draftId: "d-5" });
    await waitFor(() => received.some((r) => r.path === "/probe" && r.headers["webhook-id"] === eventId), { message: "the probe delivery" });
    expect(probe.id).toBeTruthy();
    expect(received.filter((r) => r.path === "/disabled" || r.path === "/deleted")).toEqual([]);
  });
});
