// HubSpot over real HTTP, with the real @hubspot/api-client pointed at the
// wire-level fake: connect with a private-app token (checked, stored sealed,
// never returned) or with OAuth (connectionStart provider HUBSPOT → the fake's
// consent → /oauth/callback); hubspotSyncNow → the job → contacts, companies
// and deals arrive and the connection shows lastSyncAt; the stage mapping is
// validated; roles (OWNER/ADMIN only) and tenants are kept apart.
import { randomBytes } from "node:crypto";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { execute } from "../../helpers/graphql.js";
import { sql, waitFor } from "../../helpers/operator.js";
import { startFakeHubspot, type FakeHubspot } from "../../fakes/hubspot/server.js";

const PRIVATE_APP = `mutation PA($input: ConnectionCreateHubspotPrivateAppInput!) {
  connectionCreateHubspotPrivateApp(input: $input) { connection { id provider shared accountEmail status } userErrors { code field message } }
}`;
const START = `mutation S($input: ConnectionStartInput!) { connectionStart(input: $input) { authorizationUrl userErrors { code field message } } }`;
const SYNC_NOW = `mutation N($input: HubspotSyncNowInput) { hubspotSyncNow(input: $input) { queued connection { id lastSyncAt } userErrors { code field message } } }`;
const MAPPING = `mutation M($input: HubspotStageMappingUpdateInput!) { hubspotStageMappingUpdate(input: $input) { mappings { pipelineId stageId stage } userErrors { code field message } } }`;
const MAPPINGS = `query { hubspotStageMappings { pipelineId stageId stage } }`;
const CONNECTIONS = `query { connections(first: 20) { edges { node { id provider shared accountEmail status lastSyncAt } } } }`;

type Errors = { code: string; field: string[]; message: string }[];

let t: TestApp;
let hs: FakeHubspot;
let tenant: TestTenant;
let other: TestTenant;
const TOKEN = `pat-na1-${randomBytes(12).toString("hex")}`;

beforeAll(async () => {
  hs = await startFakeHubspot();
  hs.addPrivateAppToken(TOKEN);
  t = await startTestApp({
    env: {
      HUBSPOT_CLIENT_ID: hs.clientId,
      HUBSPOT_CLIENT_SECRET: hs.clientSecret,
      HUBSPOT_OAUTH_BASE_URL: hs.url,
      HUBSPOT_API_BASE_URL: hs.url,
      CREDENTIALS_KEYS: `k1:${randomBytes(32).toString("base64")}`,
      CONNECTOR_RETRY_BASE_MS: "10",
    },
  });
  tenant = await createTenant(t, "hs");
  other = await createTenant(t, "hs-other");
  hs.addOwner({ id: "77", email: tenant.members.MANAGER.email, firstName: "Mia", lastName: "Manager" });
  hs.upsert("companies", "501", { name: "Acme Logistics", domain: "acme-logistics.example", hubspot_owner_id: "77" });
  hs.upsert("contacts", "601", { email: "Bea.Buyer@Acme-Logistics.example", firstname: "Bea", lastname: "Buyer", hubspot_owner_id: "77" });
  hs.associate("contacts", "601", "companies", "501");
  hs.upsert("deals", "701", { dealname: "Acme pilot", amount: "12000", dealstage: "qualifiedtobuy", pipeline: "default", hubspot_owner_id: "77" });
  hs.associate("deals", "701", "companies", "501");
  hs.associate("deals", "701", "contacts", "601");
}, 60_000);
afterAll(async () => {
  await t?.close();
  await hs?.close();
});

async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> | undefined, token: string) {
  return execute<T, Record<string, unknown> | undefined>(t.graphqlUrl, query, variables, { token });
}

describe("connecting HubSpot", () => {
  it("an ADMIN connects a private-app token: checked at HubSpot, sealed in the vault, never returned", async () => {
    const before = hs.requests["GET /crm/v3/owners"] ?? 0;
    const r = await gql(PRIVATE_APP, { input: { token: TOKEN } }, tenant.members.ADMIN.token);
    expect(r.errors).toBeUndefined();
    const payload = r.data!.connectionCreateHubspotPrivateApp;
    expect(payload.userErrors).toEqual([]);
    expect(payload.connection).toMatchObject({ provider: "HUBSPOT", shared: true, accountEmail: "private-app", status: "ACTIVE" });
    expect(JSON.stringify(r.data)).not.toContain(TOKEN);
    expect(hs.requests["GET /crm/v3/owners"]! - before).toBe(1);
    const creds = await sql<{ ciphertext: string }>(t.db, `SELECT c."ciphertext" FROM "ConnectionCredential" c JOIN "Connection" n ON n."id" = c."connectionId" WHERE n."tenantId" = $1`, [tenant.tenantId]);
    expect(creds).toHaveLength(1);
    expect(creds[0]!.ciphertext).not.toContain(TOKEN);
    const leaked = await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "AuditEntry" WHERE "tenantId" = $1 AND "summary"::text LIKE $2`, [tenant.tenantId, `%${TOKEN}%`]);
    expect(leaked[0]!.n).toBe(0);
    const audit = await sql<{ action: string }>(t.db, `SELECT "action" FROM "AuditEntry" WHERE "tenantId" = $1 AND "summary"->>'method' = 'private_app'`, [tenant.tenantId]);
    expect(audit.map((a) => a.action)).toEqual(["connection.connected"]);
  });

  it("a token HubSpot refuses is not stored", async () => {
    const r = await gql(PRIVATE_APP, { input: { token: "pat-na1-not-a-real-token-000" } }, other.members.OWNER.token);
    expect(r.data!.connectionCreateHubspotPrivateApp.userErrors.map((e: Errors[number]) => e.code)).toEqual(["VALIDATION_FAILED"]);
    const rows = await sql(t.db, `SELECT 1 FROM "Connection" WHERE "tenantId" = $1`, [other.tenantId]);
    expect(rows).toHaveLength(0);
  });

  it("an OWNER connects through OAuth: consent at HubSpot, callback, tokens sealed, the account is the consenting user", async () => {
    const r = await gql(START, { input: { provider: "HUBSPOT" } }, other.members.OWNER.token);
    expect(r.data!.connectionStart.userErrors).toEqual([]);
    const url = new URL(r.data!.connectionStart.authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${hs.url}/oauth/authorize`);
    expect(url.searchParams.get("scope")).toContain("crm.objects.contacts.read");
    hs.user = "owner@other-portal.example";
    const consent = await fetch(url, { redirect: "manual" });
    const back = await fetch(consent.headers.get("location")!);
    expect(back.status, await back.text()).toBe(200);
    const rows = await sql<{ accountEmail: string; status: string; userId: string | null; scopes: string[] }>(t.db, `SELECT "accountEmail", "status", "userId", "scopes" FROM "Connection" WHERE "tenantId" = $1 AND "provider" = 'HUBSPOT'`, [other.tenantId]);
    expect(rows).toEqual([{ accountEmail: "owner@other-portal.example", status: "ACTIVE", userId: null, scopes: expect.arrayContaining(["crm.objects.deals.read"]) }]);
    const creds = await sql<{ ciphertext: string }>(t.db, `SELECT "ciphertext" FROM "ConnectionCredential" WHERE "tenantId" = $1`, [other.tenantId]);
    for (const token of hs.issuedTokens) expect(creds[0]!.ciphertext).not.toContain(token);
  });

  it("HubSpot is the tenant's account: below ADMIN nobody connects it, not even as a personal connection", async () => {
    for (const role of ["MANAGER", "OPERATOR"] as const) {
      const start = await gql(START, { input: { provider: "HUBSPOT", shared: false } }, tenant.members[role].token);
      expect(start.data!.connectionStart.userErrors.map((e: Errors[number]) => e.code), role).toEqual(["FORBIDDEN"]);
    }
  });
});

describe("syncing", () => {
  it("hubspotSyncNow enqueues a sync; companies, contacts (canonical e-mail) and deals with associations arrive; lastSyncAt is set", async () => {
    const r = await gql(SYNC_NOW, { input: {} }, tenant.members.ADMIN.token);
    expect(r.data!.hubspotSyncNow.userErrors).toEqual([]);
    expect(r.data!.hubspotSyncNow.queued).toBe(true);
    const synced = await waitFor(async () => {
      const c = await gql(CONNECTIONS, undefined, tenant.members.ADMIN.token);
      return c.data!.connections.edges.map((e: { node: { lastSyncAt: string | null } }) => e.node).find((n: { lastSyncAt: string | null }) => n.lastSyncAt);
    }, 60_000, "lastSyncAt");
    expect(synced.provider).toBe("HUBSPOT");
    const events = await sql<{ type: string }>(t.db, `SELECT "type" FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" IN ('sales.connection.sync_requested', 'sales.connection.synced') ORDER BY "createdAt", "id"`, [tenant.tenantId]);
    expect(events.map((e) => e.type)).toEqual(["sales.connection.sync_requested", "sales.connection.synced"]);
    const contact = await sql<{ email: string; emailOriginal: string; firstName: string; companyId: string; ownerId: string }>(t.db, `SELECT "email", "emailOriginal", "firstName", "companyId", "ownerId" FROM "Contact" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(contact).toHaveLength(1);
    expect(contact[0]).toMatchObject({ email: "bea.buyer@acme-logistics.example", emailOriginal: "Bea.Buyer@Acme-Logistics.example", firstName: "Bea", ownerId: tenant.members.MANAGER.userId });
    const company = await sql<{ id: string; name: string }>(t.db, `SELECT "id", "name" FROM "Company" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(company).toEqual([{ id: contact[0]!.companyId, name: "Acme Logistics" }]);
    const deal = await sql<{ id: string; name: string; companyId: string; stage: string; amount: string }>(t.db, `SELECT "id", "name", "companyId", "stage", "amount"::text FROM "Deal" WHERE "tenantId" = $1`, [tenant.tenantId]);
    expect(deal).toEqual([{ id: expect.any(String), name: "Acme pilot", companyId: company[0]!.id, stage: "qualification", amount: "12000.00" }]);
    const dealContacts = await sql(t.db, `SELECT 1 FROM "DealContact" WHERE "dealId" = $1`, [deal[0]!.id]);
    expect(dealContacts).toHaveLength(1);
    const refs = await sql<{ entityType: string; externalId: string }>(t.db, `SELECT "entityType", "externalId" FROM "ExternalRef" WHERE "tenantId" = $1 AND "system" = 'hubspot' ORDER BY "entityType"`, [tenant.tenantId]);
    expect(refs).toEqual([
      { entityType: "Company", externalId: "501" },
      { entityType: "Contact", externalId: "601" },
      { entityType: "Deal", externalId: "701" },
    ]);
    // Nothing of it reached the other tenant.
    const leaked = await sql(t.db, `SELECT 1 FROM "Contact" WHERE "tenantId" = $1 UNION ALL SELECT 1 FROM "ExternalRef" WHERE "tenantId" = $1`, [other.tenantId]);
    expect(leaked).toHaveLength(0);
  });

  it("the stage mapping is validated against the tenant's pipeline and readable by OWNER/ADMIN", async () => {
    const bad = await gql(MAPPING, { input: { mappings: [{ pipelineId: "default", stageId: "qualifiedtobuy", stage: "no_such_stage" }, { pipelineId: "default", stageId: "qualifiedtobuy", stage: "proposal" }] } }, tenant.members.ADMIN.token);
    expect(bad.data!.hubspotStageMappingUpdate.userErrors.map((e: Errors[number]) => [e.code, e.field.join(".")])).toEqual([
      ["VALIDATION_FAILED", "input.mappings.0.stage"],
      ["VALIDATION_FAILED", "input.mappings.1.stageId"],
    ]);
    const good = await gql(MAPPING, { input: { mappings: [{ pipelineId: "default", stageId: "qualifiedtobuy", stage: "discovery" }] } }, tenant.members.OWNER.token);
    expect(good.data!.hubspotStageMappingUpdate.userErrors).toEqual([]);
    const read = await gql(MAPPINGS, undefined, tenant.members.ADMIN.token);
    expect(read.data!.hubspotStageMappings).toEqual([{ pipelineId: "default", stageId: "qualifiedtobuy", stage: "discovery" }]);
    const otherRead = await gql(MAPPINGS, undefined, other.members.OWNER.token);
    expect(otherRead.data!.hubspotStageMappings).toEqual([]);
  });

  it("hubspotSyncNow without a HubSpot connection says so", async () => {
    const third = await createTenant(t, "hs-none");
    const r = await gql(SYNC_NOW, { input: { full: true } }, third.members.OWNER.token);
    expect(r.data!.hubspotSyncNow.userErrors.map((e: Errors[number]) => e.code)).toEqual(["CONNECTION_NOT_ACTIVE"]);
  });
});

describe("roles", () => {
  it("role matrix: connectionCreateHubspotPrivateApp, hubspotSyncNow, hubspotStageMappingUpdate and hubspotStageMappings for OWNER and ADMIN only", async () => {
    const allowed = { OWNER: true, ADMIN: true, MANAGER: false, OPERATOR: false, ANALYST: false } as const;
    for (const role of ALL_ROLES) {
      const token = tenant.members[role].token;
      const ops = {
        connectionCreateHubspotPrivateApp: await gql(PRIVATE_APP, { input: { token: TOKEN } }, token),
        hubspotSyncNow: await gql(SYNC_NOW, { input: {} }, token),
        hubspotStageMappingUpdate: await gql(MAPPING, { input: { mappings: [] } }, token),
        hubspotStageMappings: await gql(MAPPINGS, undefined, token),
      };
      for (const [name, r] of Object.entries(ops)) {
        if (allowed[role]) expect(r.errors, `${role} ${name}`).toBeUndefined();
        else expect(r.errors?.[0]?.extensions?.code, `${role} ${name}`).toBe("FORBIDDEN");
      }
    }
    // Every role's attempt used the one connection: no second one was made.
    const rows = await sql(t.db, `SELECT 1 FROM "Connection" WHERE "tenantId" = $1 AND "provider" = 'HUBSPOT'`, [tenant.tenantId]);
    expect(rows).toHaveLength(1);
  });

  it("another tenant's connection cannot be synced or seen", async () => {
    const mine = await sql<{ id: string }>(t.db, `SELECT "id" FROM "Connection" WHERE "tenantId" = $1 AND "provider" = 'HUBSPOT'`, [tenant.tenantId]);
    const r = await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: encodeGlobalID("Connection", mine[0]!.id) }, other.members.OWNER.token);
    expect(r.data?.node ?? null).toBeNull();
    const list = await gql(CONNECTIONS, undefined, other.members.OWNER.token);
    expect(list.data!.connections.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(encodeGlobalID("Connection", mine[0]!.id));
  });
});

describe("a grant HubSpot no longer honours", () => {
  it("OAuth: the refresh token refused (invalid_grant) during a queued sync turns the connection NEEDS_REAUTH, audited and evented", async () => {
    hs.expireAccessTokens();
    hs.revokeAll();
    hs.addPrivateAppToken(TOKEN); // only the OAuth grant is gone; the first tenant's private app stays valid
    const r = await gql(SYNC_NOW, { input: {} }, other.members.OWNER.token);
    expect(r.data!.hubspotSyncNow.userErrors).toEqual([]);
    await waitFor(async () => {
      const rows = await sql<{ status: string }>(t.db, `SELECT "status" FROM "Connection" WHERE "tenantId" = $1 AND "provider" = 'HUBSPOT'`, [other.tenantId]);
      return rows[0]?.status === "NEEDS_REAUTH";
    }, 60_000, "NEEDS_REAUTH");
    const audit = await sql(t.db, `SELECT 1 FROM "AuditEntry" WHERE "tenantId" = $1 AND "action" = 'connection.needs_reauth'`, [other.tenantId]);
    expect(audit).toHaveLength(1);
    const events = await sql(t.db, `SELECT 1 FROM "OutboxEvent" WHERE "tenantId" = $1 AND "type" = 'sales.connection.needs_reauth'`, [other.tenantId]);
    expect(events).toHaveLength(1);
    // The first tenant's connection is untouched by the other tenant's failure.
    const mine = await sql<{ status: string }>(t.db, `SELECT "status" FROM "Connection" WHERE "tenantId" = $1 AND "provider" = 'HUBSPOT'`, [tenant.tenantId]);
    expect(mine[0]!.status).toBe("ACTIVE");
    // A sync of a connection that needs re-authorising is refused up front.
    const again = await gql(SYNC_NOW, { input: {} }, other.members.OWNER.token);
    expect(again.data!.hubspotSyncNow.userErrors.map((e: Errors[number]) => e.code)).toEqual(["CONNECTION_NOT_ACTIVE"]);
  });
});
