// Inbound webhooks over the real service: endpoints managed through GraphQL
// (ADMIN and up), signed requests posted to the public routes over HTTP and
// signed here the way the senders sign (our own HMAC code, not the service's):
// valid, tampered body, wrong secret, stale and future timestamps, replays
// (same id, same signed content under a new id) acknowledged and processed
// once, oversized bodies (413), unknown / other-kind / deleted / other-tenant
// endpoints, secret rotation (both valid during the switch, the old one
// refused after), a form submission flowing to a lead and a draft in the
// review queue, HubSpot's v3 signature (cross-checked with the SDK's
// Signature.isValid) and its events, cross-tenant isolation and the role matrix.
import { execFile } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { Signature } from "@hubspot/api-client";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { sql } from "../../helpers/operator.js";
import { waitFor } from "../../helpers/wait.js";
import { sealInboundSecrets } from "../../../src/orchestration/inbound/inbound-webhook.js";

const CREATE = `
  mutation InboundCreate($input: InboundWebhookEndpointCreateInput!) {
    inboundWebhookEndpointCreate(input: $input) {
      secret
      inboundWebhookEndpoint { id kind name url previousSecretValidUntil }
      userErrors { code field message }
    }
  }`;
const ROTATE = `
  mutation InboundRotate($input: InboundWebhookEndpointRotateSecretInput!) {
    inboundWebhookEndpointRotateSecret(input: $input) { secret previousSecretValidUntil inboundWebhookEndpoint { id } userErrors { code field message } }
  }`;
const DELETE = `
  mutation InboundDelete($input: InboundWebhookEndpointDeleteInput!) {
    inboundWebhookEndpointDelete(input: $input) { deletedEndpointId userErrors { code field message } }
  }`;
const ENDPOINTS = `query InboundEndpoints { inboundWebhookEndpoints(first: 50) { edges { node { id kind name url } } } }`;
const DELIVERIES = `
  query InboundDeliveries($endpointId: ID!) {
    inboundWebhookDeliveries(endpointId: $endpointId, first: 50) { edges { node { id deliveryId status eventTypes body result error receivedAt processedAt } } }
  }`;
const DRAFTS = `
  query InboundDrafts($filter: DraftFilter) {
    drafts(first: 20, filter: $filter) { edges { node { id status origin subject bodyText leadId recipientEmail } } }
  }`;

interface Endpoint {
  id: string;
  url: string;
  secret: string | null;
}

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
const MAX_BODY = 8 * 1024;

beforeAll(async () => {
  t = await startTestApp({ env: { AGENT_POLL_SECONDS: "0.5", INBOUND_WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY) } });
  a = await createTenant(t, "inh-a");
  b = await createTenant(t, "inh-b");
}, 60_000);
afterAll(() => t?.close());

async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown>, token: string) {
  return execute<T, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
}

async function gqlOk<T = Record<string, any>>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const r = await gql<T>(query, variables, token);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

async function createEndpoint(tenant: TestTenant, kind: "GENERIC" | "HUBSPOT", clientSecret?: string): Promise<Endpoint> {
  const r = await gqlOk(CREATE, { input: { kind, name: `${kind} test`, ...(clientSecret ? { clientSecret } : {}) } }, tenant.members.ADMIN.token);
  const p = r.inboundWebhookEndpointCreate;
  expect(p.userErrors).toEqual([]);
  return { id: p.inboundWebhookEndpoint.id, url: p.inboundWebhookEndpoint.url, secret: p.secret };
}

/** Signs as a sender of the generic scheme does: hex HMAC-SHA256 of `<timestamp>.<body>`. */
function genericHeaders(secret: string, body: string, options: { id?: string; timestamp?: number } = {}): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return { "content-type": "application/json", "x-webhook-id": options.id ?? randomUUID(), "x-webhook-timestamp": timestamp, "x-webhook-signature": `sha256=${signature}` };
}

/** Signs as HubSpot does (v3): base64 HMAC-SHA256 of method + URI + body + timestamp (ms), keyed with the client secret. */
function hubspotHeaders(secret: string, url: string, body: string, timestamp = Date.now()): Record<string, string> {
  const signature = createHmac("sha256", secret).update(`POST${url}${body}${timestamp}`).digest("base64");
  return { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) };
}

async function post(url: string, body: string | Buffer, headers: Record<string, string>) {
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") ?? "" };
}

async function storedDeliveries(tenant: TestTenant, endpointId: string) {
  return sql<{ id: string; status: string; deliveryId: string }>(t.db, `SELECT "id", "status", "deliveryId" FROM "InboundWebhookDelivery" WHERE "tenantId" = $1 AND "endpointId" = $2`, [
    tenant.tenantId,
    decodeId(endpointId),
  ]);
}

function decodeId(globalId: string): string {
  return Buffer.from(globalId, "base64").toString("utf8").split(":").slice(1).join(":");
}

async function metric(outcome: string, kind = "generic"): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`inbound_webhook_requests_total{kind="${kind}",outcome="${outcome}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

function form(email: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    type: "form.submission",
    email,
    name: "Dana Whitfield",
    company: "Northwind Freight",
    title: "Head of Operations",
    message: "We run 40 trucks and want to automate dispatch follow-ups. Can you show us how pricing works for a team of 12?",
    formName: "Contact us",
    pageUrl: "https://example.com/contact",
    ...extra,
  });
}

describe("the generic signed webhook", () => {
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await createEndpoint(a, "GENERIC");
  });

  it("create shows the URL (an unguessable id, not the tenant's name) and the secret once", async () => {
    expect(ep.secret).toMatch(/^whin_[A-Za-z0-9_-]{43}$/);
    expect(ep.url).toMatch(new RegExp(`^${t.url}/hooks/in/[A-Za-z0-9_-]{32}$`));
    expect(ep.url).not.toContain(a.slug);
    expect(ep.url).not.toContain(a.tenantId);
    const listed = await gqlOk(ENDPOINTS, {}, a.members.ADMIN.token);
    expect(JSON.stringify(listed)).not.toContain(ep.secret!);
    const stored = await sql<{ secretEnvelope: string }>(t.db, `SELECT "secretEnvelope" FROM "InboundWebhookEndpoint" WHERE "id" = $1`, [decodeId(ep.id)]);
    expect(stored[0]!.secretEnvelope).not.toContain(ep.secret!.slice(5));
  });

  it("a valid delivery is stored, acknowledged with 200 at once, and processed into a lead", async () => {
    const body = form("dana.whitfield@northwind-freight.example");
    const r = await post(ep.url, body, genericHeaders(ep.secret!, body, { id: "valid-1" }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ received: true, duplicate: false });
    const delivered = await waitFor(
      async () => {
        const d = (await gqlOk(DELIVERIES, { endpointId: ep.id }, a.members.ADMIN.token)).inboundWebhookDeliveries.edges.map((e: any) => e.node);
        return d.find((x: any) => x.deliveryId === "valid-1" && x.status !== "RECEIVED");
      },
      { timeout: 30_000, message: "the delivery to be processed" },
    );
    expect(delivered).toMatchObject({ status: "PROCESSED", eventTypes: ["form.submission"], body, error: null });
    expect(delivered.result.items[0]).toMatchObject({ kind: "FORM", result: "CREATED" });
  });

  it("a tampered body, a wrong secret, missing headers: 401, plain text, nothing stored, counted", async () => {
    const before = (await storedDeliveries(a, ep.id)).length;
    const badBefore = await metric("bad_signature");
    const body = form("tamper@northwind-freight.example");
    const headers = genericHeaders(ep.secret!, body);
    const tampered = await post(ep.url, body.replace("12?", "1200?"), headers);
    expect(tampered.status).toBe(401);
    expect(tampered.type).toMatch(/^text\/plain/);
    expect(tampered.text).toBe("Signature missing or not valid.");
    const wrong = await post(ep.url, body, genericHeaders(`whin_${randomBytes(32).toString("base64url")}`, body));
    expect(wrong.status).toBe(401);
    const { "x-webhook-signature": _, ...unsigned } = headers;
    expect((await post(ep.url, body, unsigned)).status).toBe(401);
    expect((await storedDeliveries(a, ep.id)).length).toBe(before);
    expect(await metric("bad_signature")).toBe(badBefore + 2);
    expect(await metric("missing_headers")).toBeGreaterThanOrEqual(1);
  });

  it("a timestamp outside the 5-minute window (old or future) is refused", async () => {
    const before = (await storedDeliveries(a, ep.id)).length;
    const body = form("stale@northwind-freight.example");
    const now = Math.floor(Date.now() / 1000);
    const stale = await post(ep.url, body, genericHeaders(ep.secret!, body, { timestamp: now - 301 }));
    expect(stale.status).toBe(401);
    expect(stale.text).toBe("Timestamp outside the allowed window.");
    expect((await post(ep.url, body, genericHeaders(ep.secret!, body, { timestamp: now + 400 }))).status).toBe(401);
    // Inside the window (4 minutes old) it is fine.
    expect((await post(ep.url, body, genericHeaders(ep.secret!, body, { timestamp: now - 240 }))).status).toBe(200);
    expect((await storedDeliveries(a, ep.id)).length).toBe(before + 1);
  });

  it("a replay (same id; same signed request under a new id) is acknowledged once more and processed once", async () => {
    const email = `replay-${randomUUID().slice(0, 8)}@northwind-freight.example`;
    const body = form(email);
    const headers = genericHeaders(ep.secret!, body, { id: "replay-1" });
    const first = await post(ep.url, body, headers);
    const again = await post(ep.url, body, headers);
    const renamed = await post(ep.url, body, { ...headers, "x-webhook-id": "replay-1-renamed" });
    expect([first.status, again.status, renamed.status]).toEqual([200, 200, 200]);
    expect(JSON.parse(first.text).duplicate).toBe(false);
    expect(JSON.parse(again.text).duplicate).toBe(true);
    expect(JSON.parse(renamed.text).duplicate).toBe(true);
    // The sender's retry of the same event, signed anew (new timestamp), same id: also a replay.
    const resigned = await post(ep.url, body, genericHeaders(ep.secret!, body, { id: "replay-1", timestamp: Math.floor(Date.now() / 1000) - 5 }));
    expect(JSON.parse(resigned.text).duplicate).toBe(true);
    const rows = (await storedDeliveries(a, ep.id)).filter((d) => d.deliveryId.startsWith("replay-1"));
    expect(rows).toHaveLength(1);
    await waitFor(async () => (await storedDeliveries(a, ep.id)).find((d) => d.deliveryId === "replay-1" && d.status === "PROCESSED"), { message: "the replayed delivery processed" });
    const leads = await sql(t.db, `SELECT l."id" FROM "Lead" l JOIN "Contact" c ON c."id" = l."contactId" WHERE c."tenantId" = $1 AND c."email" = $2`, [a.tenantId, email]);
    expect(leads).toHaveLength(1);
    const activities = await sql(t.db, `SELECT "id" FROM "Activity" WHERE "tenantId" = $1 AND "type" = 'FORM_SUBMISSION' AND "leadId" = $2`, [a.tenantId, (leads[0] as { id: string }).id]);
    expect(activities).toHaveLength(1);
    const runs = await sql(t.db, `SELECT "id" FROM "AgentRun" WHERE "tenantId" = $1 AND "agent" = 'draft-writer' AND "leadId" = $2`, [a.tenantId, (leads[0] as { id: string }).id]);
    expect(runs).toHaveLength(1);
  });

  it("deliveries arriving together are stored together (group commit): each answered once, a replay within the burst a duplicate, each with its job, two tenants kept apart", async () => {
    const epB = await createEndpoint(b, "GENERIC");
    const burst = randomUUID().slice(0, 8);
    const mine = Array.from({ length: 30 }, (_, i) => ({ id: `burst-${burst}-${i}`, body: form(`burst-${burst}-${i}@northwind-freight.example`) }));
    const theirs = Array.from({ length: 10 }, (_, i) => ({ id: `burst-${burst}-${i}`, body: form(`burst-b-${burst}-${i}@northwind-freight.example`) }));
    // Sent at once; the first five of tenant a's twice (a sender's retry racing its first try).
    const sends = [
      ...mine.map((d) => post(ep.url, d.body, genericHeaders(ep.secret!, d.body, { id: d.id }))),
      ...mine.slice(0, 5).map((d) => post(ep.url, d.body, genericHeaders(ep.secret!, d.body, { id: d.id }))),
      ...theirs.map((d) => post(epB.url, d.body, genericHeaders(epB.secret!, d.body, { id: d.id }))),
    ];
    const answers = await Promise.all(sends);
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    const duplicates = answers.map((r) => JSON.parse(r.text).duplicate as boolean);
    expect(duplicates.filter(Boolean)).toHaveLength(5);
    // Of each doubled delivery exactly one answer says "new".
    for (let i = 0; i < 5; i++) expect([duplicates[i], duplicates[30 + i]].filter((d) => !d)).toHaveLength(1);
    const rowsA = (await storedDeliveries(a, ep.id)).filter((d) => d.deliveryId.startsWith(`burst-${burst}-`));
    const rowsB = (await storedDeliveries(b, epB.id)).filter((d) => d.deliveryId.startsWith(`burst-${burst}-`));
    expect(rowsA).toHaveLength(30);
    expect(rowsB).toHaveLength(10);
    // Same delivery ids in both tenants: each tenant's own row (the ids are unique per endpoint, not across tenants).
    expect(new Set(rowsA.map((r) => r.id)).size + new Set(rowsB.map((r) => r.id)).size).toBe(40);
    const jobs = await sql<{ deliveryId: string; tenantId: string }>(
      t.db,
      `SELECT data->>'deliveryId' AS "deliveryId", data->>'tenantId' AS "tenantId" FROM pgboss.job WHERE name = 'inbound-webhook' AND data->>'deliveryId' = ANY($1)`,
      [[...rowsA, ...rowsB].map((r) => r.id)],
    );
    expect(jobs).toHaveLength(40);
    expect(jobs.filter((j) => j.tenantId === a.tenantId).map((j) => j.deliveryId).sort()).toEqual(rowsA.map((r) => r.id).sort());
    await waitFor(async () => (await storedDeliveries(b, epB.id)).filter((d) => d.deliveryId.startsWith(`burst-${burst}-`) && d.status === "PROCESSED").length === 10, { timeout: 60_000, message: "tenant b's burst processed" });
    const leadsB = await sql(t.db, `SELECT 1 FROM "Contact" WHERE "tenantId" = $1 AND "email" LIKE $2`, [b.tenantId, `burst-b-${burst}-%`]);
    expect(leadsB).toHaveLength(10);
    const leakedToA = await sql(t.db, `SELECT 1 FROM "Contact" WHERE "tenantId" = $1 AND "email" LIKE $2`, [a.tenantId, `burst-b-${burst}-%`]);
    expect(leakedToA).toHaveLength(0);
  }, 90_000);

  it("an oversized body gets 413 and nothing is stored", async () => {
    const before = (await storedDeliveries(a, ep.id)).length;
    const body = form("big@northwind-freight.example", { message: "x".repeat(MAX_BODY + 1) });
    const r = await post(ep.url, body, genericHeaders(ep.secret!, body));
    expect(r.status).toBe(413);
    expect(r.type).toMatch(/^text\/plain/);
    expect((await storedDeliveries(a, ep.id)).length).toBe(before);
    expect(await metric("too_large")).toBeGreaterThanOrEqual(1);
  });

  it("unknown ids, another kind's id, a deleted endpoint: 404 without a hint", async () => {
    const body = form("unknown@northwind-freight.example");
    for (const url of [`${t.url}/hooks/in/${randomBytes(24).toString("base64url")}`, `${t.url}/hooks/in/not-an-id`, `${t.url}/hooks/in/${a.slug}`]) {
      const r = await post(url, body, genericHeaders(ep.secret!, body));
      expect(r.status).toBe(404);
      expect(r.text).toBe("Not found.");
    }
    // The generic endpoint's id on the HubSpot route is unknown there.
    const publicId = ep.url.split("/").pop()!;
    expect((await post(`${t.url}/hooks/hubspot/${publicId}`, body, genericHeaders(ep.secret!, body))).status).toBe(404);
    const doomed = await createEndpoint(a, "GENERIC");
    expect((await post(doomed.url, body, genericHeaders(doomed.secret!, body))).status).toBe(200);
    const deleted = await gqlOk(DELETE, { input: { endpointId: doomed.id } }, a.members.ADMIN.token);
    expect(deleted.inboundWebhookEndpointDelete).toEqual({ deletedEndpointId: doomed.id, userErrors: [] });
    expect((await post(doomed.url, body, genericHeaders(doomed.secret!, body))).status).toBe(404);
  });

  it("another tenant's secret does not open this tenant's endpoint", async () => {
    const other = await createEndpoint(b, "GENERIC");
    const body = form("cross@northwind-freight.example");
    expect((await post(other.url, body, genericHeaders(ep.secret!, body))).status).toBe(401);
    expect((await post(ep.url, body, genericHeaders(other.secret!, body))).status).toBe(401);
    expect((await post(other.url, body, genericHeaders(other.secret!, body))).status).toBe(200);
    // B's delivery is B's: A cannot list it, and it is stored under B.
    const aView = await gqlOk(DELIVERIES, { endpointId: other.id }, a.members.ADMIN.token);
    expect(aView.inboundWebhookDeliveries.edges).toEqual([]);
    expect(await storedDeliveries(b, other.id)).toHaveLength(1);
  });

  it("rotation: old and new secret both valid during the switch; the old one refused after", async () => {
    const rot = await createEndpoint(a, "GENERIC");
    const first = rot.secret!;
    const r1 = (await gqlOk(ROTATE, { input: { endpointId: rot.id } }, a.members.ADMIN.token)).inboundWebhookEndpointRotateSecret;
    expect(r1.userErrors).toEqual([]);
    const second = r1.secret as string;
    expect(second).toMatch(/^whin_/);
    expect(second).not.toBe(first);
    // Default switch period: 24 h.
    expect(Date.parse(r1.previousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const body = form("rotate@northwind-freight.example");
    expect((await post(rot.url, body, genericHeaders(first, body))).status).toBe(200);
    expect((await post(rot.url, body, genericHeaders(second, body))).status).toBe(200);
    // The switch is over (a rotation that keeps the previous secret 0 s): only the newest secret is valid.
    const r2 = (await gqlOk(ROTATE, { input: { endpointId: rot.id, previousSecretValidSeconds: 0 } }, a.members.ADMIN.token)).inboundWebhookEndpointRotateSecret;
    const third = r2.secret as string;
    expect(r2.previousSecretValidUntil).toBeNull();
    expect((await post(rot.url, body, genericHeaders(first, body))).status).toBe(401);
    expect((await post(rot.url, body, genericHeaders(second, body))).status).toBe(401);
    expect((await post(rot.url, body, genericHeaders(third, body))).status).toBe(200);
    // A previous secret with a short switch period stops working when it ends.
    const r3 = (await gqlOk(ROTATE, { input: { endpointId: rot.id, previousSecretValidSeconds: 1 } }, a.members.ADMIN.token)).inboundWebhookEndpointRotateSecret;
    expect((await post(rot.url, body, genericHeaders(third, body))).status).toBe(200);
    expect((await post(rot.url, body, genericHeaders(r3.secret, body))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await post(rot.url, body, genericHeaders(third, body))).status).toBe(401);
    expect((await post(rot.url, body, genericHeaders(r3.secret, body))).status).toBe(200);
    const audit = await sql<{ action: string }>(t.db, `SELECT "action" FROM "AuditEntry" WHERE "tenantId" = $1 AND "targetId" = $2 ORDER BY "createdAt", "id"`, [a.tenantId, decodeId(rot.id)]);
    expect(audit.map((x) => x.action)).toEqual(["inbound_webhook.endpoint_created", "inbound_webhook.secret_rotated", "inbound_webhook.secret_rotated", "inbound_webhook.secret_rotated"]);
  });

  it("an endpoint changed behind this instance's cache (another instance rotated, re-sealed or deleted it): nothing is stored with secrets no longer valid", async () => {
    // The service caches endpoints by public id; these changes are made in the database directly, as another
    // instance would, so this one hears nothing of them and must learn it at store time.
    const ring = t.app.services.connectors!.vault.ring;
    const behind = await createEndpoint(a, "GENERIC");
    const other = await createEndpoint(a, "GENERIC");
    const behindId = decodeId(behind.id);
    const reseal = (secret: string) =>
      sql(t.db, `UPDATE "InboundWebhookEndpoint" SET "secretEnvelope" = $2 WHERE "id" = $1`, [behindId, sealInboundSecrets(ring, a.tenantId, behindId, { current: secret })]);
    const tag = randomUUID().slice(0, 8);
    const body = (n: string) => form(`behind-${tag}-${n}@northwind-freight.example`);
    const send = (e: Endpoint, secret: string, n: string) => post(e.url, body(n), genericHeaders(secret, body(n), { id: `behind-${tag}-${n}` }));
    // Cached by these first deliveries.
    expect((await send(behind, behind.secret!, "warm")).status).toBe(200);
    expect((await send(other, other.secret!, "warm")).status).toBe(200);

    // Re-sealed, same secret (a key-ring re-seal): still accepted, and stored once.
    await reseal(behind.secret!);
    const resealed = await send(behind, behind.secret!, "resealed");
    expect([resealed.status, JSON.parse(resealed.text).duplicate]).toEqual([200, false]);

    // Rotated elsewhere with no switch period: the cached (old) secret is refused from now on, the new one accepted.
    const next = `whin_${randomBytes(32).toString("base64url")}`;
    await reseal(next);
    const old = await send(behind, behind.secret!, "old-secret");
    expect(old.status).toBe(401);
    expect((await send(behind, next, "new-secret")).status).toBe(200);

    // The same within one burst, next to another endpoint's deliveries (grouped in the same commits): those are
    // all stored, the stale ones refused, none lost.
    const newer = `whin_${randomBytes(32).toString("base64url")}`;
    await reseal(newer);
    const burst = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => send(other, other.secret!, `burst-other-${i}`)),
      ...Array.from({ length: 5 }, (_, i) => send(behind, next, `burst-old-${i}`)),
      ...Array.from({ length: 5 }, (_, i) => send(behind, newer, `burst-new-${i}`)),
    ]);
    expect(burst.map((r) => r.status)).toEqual([...Array(10).fill(200), ...Array(5).fill(401), ...Array(5).fill(200)]);
    const stored = (e: Endpoint) => storedDeliveries(a, e.id).then((rows) => rows.map((r) => r.deliveryId).filter((id) => id.startsWith(`behind-${tag}-`)).sort());
    expect(await stored(other)).toEqual([`behind-${tag}-warm`, ...Array.from({ length: 10 }, (_, i) => `behind-${tag}-burst-other-${i}`)].sort());
    expect(await stored(behind)).toEqual(
      [`behind-${tag}-warm`, `behind-${tag}-resealed`, `behind-${tag}-new-secret`, ...Array.from({ length: 5 }, (_, i) => `behind-${tag}-burst-new-${i}`)].sort(),
    );

    // Rotated elsewhere, and the first delivery after it is signed with the new secret: accepted at once (a
    // signature the cached secrets refuse is checked against the database's before it is refused).
    const newest = `whin_${randomBytes(32).toString("base64url")}`;
    await reseal(newest);
    const first = await send(behind, newest, "newest-first");
    expect([first.status, JSON.parse(first.text).duplicate]).toEqual([200, false]);

    // Deleted elsewhere: 404, as for any unknown id (not a 500 from the batch).
    await sql(t.db, `DELETE FROM "InboundWebhookEndpoint" WHERE "id" = $1`, [behindId]);
    const gone = await send(behind, newest, "after-delete");
    expect([gone.status, gone.text]).toEqual([404, "Not found."]);
    expect((await send(other, other.secret!, "after-delete")).status).toBe(200);
  });

  it("replays racing their first delivery across group commits are each acknowledged, stored once, with one job", async () => {
    const tag = randomUUID().slice(0, 8);
    const deliveries = Array.from({ length: 40 }, (_, i) => ({ id: `race-${tag}-${i}`, body: form(`race-${tag}-${i}@northwind-freight.example`) }));
    const send = (d: { id: string; body: string }) => post(ep.url, d.body, genericHeaders(ep.secret!, d.body, { id: d.id }));
    // Each delivery sent three times: at once, and twice more a few milliseconds later (so in later batches).
    const later = (ms: number, d: { id: string; body: string }) => new Promise<Awaited<ReturnType<typeof send>>>((resolve) => setTimeout(() => resolve(send(d)), ms));
    const answers = await Promise.all(deliveries.flatMap((d, i) => [send(d), later(1 + (i % 7), d), later(5 + (i % 11), d)]));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const fresh = answers.filter((r) => JSON.parse(r.text).duplicate === false);
    expect(fresh).toHaveLength(40);
    const rows = (await storedDeliveries(a, ep.id)).filter((d) => d.deliveryId.startsWith(`race-${tag}-`));
    expect(rows.map((r) => r.deliveryId).sort()).toEqual(deliveries.map((d) => d.id).sort());
    const jobs = await sql<{ deliveryId: string }>(t.db, `SELECT data->>'deliveryId' AS "deliveryId" FROM pgboss.job WHERE name = 'inbound-webhook' AND data->>'deliveryId' = ANY($1)`, [
      rows.map((r) => r.id),
    ]);
    expect(jobs.map((j) => j.deliveryId).sort()).toEqual(rows.map((r) => r.id).sort());
  });
});

describe("done when: a signed form submission becomes a lead and a follow-up draft in the review queue", () => {
  it("posts like the README's curl, and the draft answers what the person wrote", async () => {
    const ep = await createEndpoint(a, "GENERIC");
    const email = `priya.natarajan.${randomUUID().slice(0, 6)}@helios-robotics.example`;
    const body = JSON.stringify({
      email,
      name: "Priya Natarajan",
      company: "Helios Robotics",
      title: "VP Sales",
      message: "We are evaluating tools for our 15-person SDR team. Could we get a demo next week?",
      formName: "Request a demo",
    });
    const r = await post(ep.url, body, genericHeaders(ep.secret!, body, { id: "demo-request-1" }));
    expect(r.status).toBe(200);

    const draft = await waitFor(
      async () => {
        const d = await gqlOk(DRAFTS, { filter: { recipientEmail: email } }, a.members.OPERATOR.token);
        return d.drafts.edges[0]?.node;
      },
      { timeout: 60_000, interval: 250, message: "the follow-up draft" },
    );
    expect(draft).toMatchObject({ status: "PENDING_REVIEW", origin: "AGENT", recipientEmail: email });
    expect(draft.bodyText).toMatch(/Priya/);
    // It answers the submission (the writer saw the form's words as the message to reply to), not a cold outreach.
    expect(draft.subject).toMatch(/Request a demo/);
    expect(draft.bodyText).toMatch(/Helios Robotics/);
    const leadId = decodeId(draft.leadId);
    const lead = await sql<{ id: string; source: string; firstName: string; lastName: string; title: string; company: string }>(
      t.db,
      `SELECT l."id", l."source", c."firstName", c."lastName", c."title", co."name" AS company
       FROM "Lead" l JOIN "Contact" c ON c."id" = l."contactId" LEFT JOIN "Company" co ON co."id" = l."companyId"
       WHERE l."tenantId" = $1 AND c."email" = $2`,
      [a.tenantId, email],
    );
    expect(lead).toEqual([{ id: leadId, source: "web_form", firstName: "Priya", lastName: "Natarajan", title: "VP Sales", company: "Helios Robotics" }]);
    // Scored like any new lead, and the submission on its timeline.
    await waitFor(async () => (await sql(t.db, `SELECT 1 FROM "Lead" WHERE "id" = $1 AND "latestScoreId" IS NOT NULL`, [leadId])).length > 0, { message: "the lead scored" });
    const activity = await sql<{ subject: string; body: string }>(t.db, `SELECT "subject", "body" FROM "Activity" WHERE "leadId" = $1 AND "type" = 'FORM_SUBMISSION'`, [leadId]);
    expect(activity).toEqual([{ subject: "Form: Request a demo", body: "We are evaluating tools for our 15-person SDR team. Could we get a demo next week?" }]);
    const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "payload"->>'leadId' = $2 AND "type" LIKE 'sales.inbound_webhook.%'`, [a.tenantId, leadId]);
    expect(events.map((e) => e.type)).toEqual(["sales.inbound_webhook.form_received"]);
  }, 90_000);
});

describe("the README's curl", () => {
  it("the block in README.md, run as written (with a real URL and secret), posts a form that becomes a draft", async () => {
    const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
    const block = /<!-- inbound-webhook-curl:start -->\s*```sh\n([\s\S]*?)```\s*<!-- inbound-webhook-curl:end -->/.exec(readme)?.[1];
    expect(block).toBeTruthy();
    const tenant = await createTenant(t, "inh-readme");
    const ep = await createEndpoint(tenant, "GENERIC");
    const script = block!
      .replace(/^URL=.*$/m, `URL='${ep.url}'`)
      .replace(/^SECRET=.*$/m, `SECRET='${ep.secret}'`);
    const { stdout } = await promisify(execFile)("bash", ["-euo", "pipefail", "-c", script]);
    expect(JSON.parse(stdout)).toEqual({ received: true, duplicate: false });
    const draft = await waitFor(
      async () => (await gqlOk(DRAFTS, { filter: { recipientEmail: "dana.whitfield@northwind-freight.example" } }, tenant.members.OPERATOR.token)).drafts.edges[0]?.node,
      { timeout: 60_000, interval: 250, message: "the follow-up draft for the README's form" },
    );
    expect(draft).toMatchObject({ status: "PENDING_REVIEW", origin: "AGENT" });
    expect(draft.bodyText).toMatch(/Dana/);
  }, 90_000);
});

describe("HubSpot webhooks (signature v3)", () => {
  const clientSecret = `hs-client-${randomUUID()}`;
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await createEndpoint(a, "HUBSPOT", clientSecret);
  });

  it("a HUBSPOT endpoint needs the app's client secret, and never shows it", async () => {
    expect(ep.secret).toBeNull();
    expect(ep.url).toMatch(new RegExp(`^${t.url}/hooks/hubspot/[A-Za-z0-9_-]{32}$`));
    const missing = await gqlOk(CREATE, { input: { kind: "HUBSPOT", name: "no secret" } }, a.members.ADMIN.token);
    expect(missing.inboundWebhookEndpointCreate.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "clientSecret"] });
  });

  it("accepts a request signed the way HubSpot signs (and the SDK's Signature.isValid agrees); refuses tampered, wrong and stale ones", async () => {
    const events = [
      { eventId: 4001, subscriptionId: 77, portalId: 62515, appId: 1160452, occurredAt: Date.now(), subscriptionType: "contact.creation", attemptNumber: 0, objectId: 9101, changeSource: "FORM", changeFlag: "NEW", properties: { email: { value: "li.wei@orbital-foods.example" }, firstname: { value: "Li" }, lastname: { value: "Wei" }, company: { value: "Orbital Foods" }, message: { value: "Please call me about a pilot." } } },
      { eventId: 4002, subscriptionId: 78, portalId: 62515, appId: 1160452, occurredAt: Date.now(), subscriptionType: "deal.propertyChange", attemptNumber: 0, objectId: 5501, propertyName: "dealstage", propertyValue: "closedwon", changeSource: "CRM" },
    ];
    const body = JSON.stringify(events);
    const timestamp = Date.now();
    const headers = hubspotHeaders(clientSecret, ep.url, body, timestamp);
    expect(Signature.isValid({ signatureVersion: "v3", signature: headers["x-hubspot-signature-v3"]!, clientSecret, requestBody: body, url: ep.url, method: "POST", timestamp })).toBe(true);

    expect((await post(ep.url, body.replace("closedwon", "closedlost"), headers)).status).toBe(401);
    expect((await post(ep.url, body, hubspotHeaders("not-the-client-secret", ep.url, body, timestamp))).status).toBe(401);
    // Signed for another URI (HubSpot signs the full URI it calls).
    expect((await post(ep.url, body, hubspotHeaders(clientSecret, `${ep.url}?x=1`, body, timestamp))).status).toBe(401);
    const old = Date.now() - 5 * 60_000 - 1_000;
    const stale = hubspotHeaders(clientSecret, ep.url, body, old);
    expect(() => Signature.isValid({ signatureVersion: "v3", signature: stale["x-hubspot-signature-v3"]!, clientSecret, requestBody: body, url: ep.url, method: "POST", timestamp: old })).toThrow();
    expect((await post(ep.url, body, stale)).status).toBe(401);
    expect(await storedDeliveries(a, ep.id)).toHaveLength(0);

    const ok = await post(ep.url, body, headers);
    expect(ok.status).toBe(200);
    // HubSpot's retry of the same events (new timestamp, new signature): acknowledged, not processed again.
    const retry = await post(ep.url, body, hubspotHeaders(clientSecret, ep.url, body, Date.now()));
    expect(JSON.parse(retry.text)).toEqual({ received: true, duplicate: true });

    const delivery = await waitFor(async () => (await storedDeliveries(a, ep.id)).find((d) => d.status !== "RECEIVED"), { message: "the HubSpot delivery processed" });
    expect(delivery.status).toBe("PROCESSED");
    const lead = await sql<{ source: string; externalId: string }>(
      t.db,
      `SELECT l."source", r."externalId" FROM "Lead" l JOIN "Contact" c ON c."id" = l."contactId"
       JOIN "ExternalRef" r ON r."entityId" = l."id" AND r."system" = 'hubspot'
       WHERE l."tenantId" = $1 AND c."email" = 'li.wei@orbital-foods.example'`,
      [a.tenantId],
    );
    expect(lead).toEqual([{ source: "hubspot_form", externalId: "9101" }]);
    const change = await sql<{ summary: Record<string, unknown> }>(t.db, `SELECT "summary" FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'inbound_webhook.crm_change' AND "targetId" = $2`, [a.tenantId, delivery.id]);
    expect(change).toHaveLength(1);
    expect(change[0]!.summary).toMatchObject({ subscriptionType: "deal.propertyChange", objectType: "deal", objectId: "5501", propertyName: "dealstage", hubspotConnected: false, syncQueued: false });
  });

  it("a client secret rotation keeps the old one valid during the switch", async () => {
    const next = `hs-client-${randomUUID()}`;
    const generic = (await gqlOk(ROTATE, { input: { endpointId: ep.id } }, a.members.ADMIN.token)).inboundWebhookEndpointRotateSecret;
    expect(generic.userErrors[0]).toMatchObject({ code: "VALIDATION_FAILED", field: ["input", "clientSecret"] });
    const r = (await gqlOk(ROTATE, { input: { endpointId: ep.id, clientSecret: next } }, a.members.ADMIN.token)).inboundWebhookEndpointRotateSecret;
    expect(r).toMatchObject({ secret: null, userErrors: [] });
    const body = JSON.stringify([{ eventId: 4100, subscriptionType: "contact.propertyChange", objectId: 1, propertyName: "lifecyclestage", propertyValue: "lead", occurredAt: Date.now() }]);
    expect((await post(ep.url, body, hubspotHeaders(clientSecret, ep.url, body))).status).toBe(200);
    const body2 = body.replace("4100", "4101");
    expect((await post(ep.url, body2, hubspotHeaders(next, ep.url, body2))).status).toBe(200);
  });
});

describe("isolation and roles", () => {
  it.each(ALL_ROLES)("%s may manage and read inbound endpoints only as ADMIN or OWNER", async (role) => {
    const token = a.members[role].token;
    const created = await gql(CREATE, { input: { kind: "GENERIC", name: `roles ${role}` } }, token);
    const listed = await gql(ENDPOINTS, {}, token);
    if (role === "OWNER" || role === "ADMIN") {
      expect(created.errors).toBeUndefined();
      expect((created.data as any).inboundWebhookEndpointCreate.secret).toMatch(/^whin_/);
      expect(listed.errors).toBeUndefined();
    } else {
      expect(created.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(listed.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const someId = encodeGlobalID("InboundWebhookEndpoint", randomUUID());
      for (const [doc, variables] of [
        [ROTATE, { input: { endpointId: someId } }],
        [DELETE, { input: { endpointId: someId } }],
        [DELIVERIES, { endpointId: someId }],
      ] as const) {
        const r = await gql(doc, variables, token);
        expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      }
    }
  });

  it("a tenant neither sees nor touches another tenant's endpoints and deliveries", async () => {
    const mine = await createEndpoint(a, "GENERIC");
    const body = form("isolation@northwind-freight.example");
    expect((await post(mine.url, body, genericHeaders(mine.secret!, body))).status).toBe(200);
    const bAdmin = b.members.ADMIN.token;
    const listed = await gqlOk(ENDPOINTS, {}, bAdmin);
    expect(listed.inboundWebhookEndpoints.edges.map((e: any) => e.node.id)).not.toContain(mine.id);
    const rotate = await gqlOk(ROTATE, { input: { endpointId: mine.id } }, bAdmin);
    expect(rotate.inboundWebhookEndpointRotateSecret).toMatchObject({ secret: null, userErrors: [{ code: "NOT_FOUND" }] });
    const del = await gqlOk(DELETE, { input: { endpointId: mine.id } }, bAdmin);
    expect(del.inboundWebhookEndpointDelete.userErrors[0].code).toBe("NOT_FOUND");
    expect((await gqlOk(DELIVERIES, { endpointId: mine.id }, bAdmin)).inboundWebhookDeliveries.edges).toEqual([]);
    const node = await gql(`query N($id: ID!) { node(id: $id) { id } }`, { id: mine.id }, bAdmin);
    expect((node.data as any)?.node ?? null).toBeNull();
    // The endpoint still works for its own tenant.
    expect((await gqlOk(DELIVERIES, { endpointId: mine.id }, a.members.ADMIN.token)).inboundWebhookDeliveries.edges).toHaveLength(1);
  });
});
