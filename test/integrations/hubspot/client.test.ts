// The HubSpot client (the real @hubspot/api-client) against the wire-level
// fake: paging by `after`, search with GT on last-modified and EQ on e-mail,
// batch read, associations v4, owners, pipelines, engagements; SDK errors
// arrive in the shape the resilience policy reads (status, Retry-After).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHubspotApi, HubspotApiError } from "../../../src/integrations/hubspot/client.js";
import { hubspotOAuth } from "../../../src/integrations/hubspot/oauth.js";
import { classifyProviderError } from "../../../src/domain/connection/connection.js";
import { createResilience, httpFailure } from "../../../src/integrations/resilience.js";
import { startFakeHubspot, type FakeHubspot } from "../../fakes/hubspot/server.js";

let hs: FakeHubspot;
const TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555";

beforeAll(async () => {
  hs = await startFakeHubspot();
  hs.addPrivateAppToken(TOKEN);
  const base = Date.parse("2026-11-01T00:00:00Z");
  for (let i = 1; i <= 250; i++) {
    hs.upsert("contacts", String(i), { email: `person${i}@acme.example`, firstname: `P${i}`, lastname: "Doe" }, { updatedAt: new Date(base + i * 60_000) });
  }
  hs.upsert("companies", "900", { name: "Acme", domain: "acme.example" });
  hs.upsert("deals", "700", { dealname: "Acme pilot", dealstage: "qualifiedtobuy", pipeline: "default", amount: "1200" });
  hs.associate("contacts", "1", "companies", "900");
  hs.associate("deals", "700", "companies", "900");
  hs.associate("deals", "700", "contacts", "1");
  hs.addOwner({ id: "31", email: "rep@tenant.example", firstName: "Rita", lastName: "Rep" });
});
afterAll(async () => {
  await hs?.close();
});

describe("HubSpot client against the fake", () => {
  it("lists every contact page by page with `after`", async () => {
    const api = createHubspotApi({ accessToken: TOKEN, basePath: hs.url });
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await api.listPage("contacts", { after, limit: 100, properties: ["email"] });
      ids.push(...page.results.map((r) => r.id));
      after = page.after;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(250);
  });

  it("searches by last-modified GT (sorted ascending) and by e-mail EQ", async () => {
    const api = createHubspotApi({ accessToken: TOKEN, basePath: hs.url });
    const since = Date.parse("2026-11-01T00:00:00Z") + 240 * 60_000;
    const page = await api.search("contacts", { filters: [{ propertyName: "lastmodifieddate", operator: "GT", value: String(since) }], properties: ["email"], limit: 100, sortBy: "lastmodifieddate" });
    expect(page.results.map((r) => r.id)).toEqual(["241", "242", "243", "244", "245", "246", "247", "248", "249", "250"]);
    expect(page.total).toBe(10);
    const byEmail = await api.search("contacts", { filters: [{ propertyName: "email", operator: "EQ", value: "PERSON7@acme.example" }], properties: ["email", "firstname"], limit: 10 });
    expect(byEmail.results).toHaveLength(1);
    expect(byEmail.results[0]!.properties.firstname).toBe("P7");
  });

  it("reads in batches, follows associations, lists owners and pipelines", async () => {
    const api = createHubspotApi({ accessToken: TOKEN, basePath: hs.url });
    const read = await api.batchRead("contacts", ["1", "2", "999"], ["email"]);
    expect(read.map((r) => r.properties.email).sort()).toEqual(["person1@acme.example", "person2@acme.example"]);
    const assoc = await api.associations("deals", "contacts", ["700"]);
    expect(assoc.get("700")).toEqual(["1"]);
    const owners = await api.ownersPage({ after: null, limit: 10 });
    expect(owners.results[0]).toMatchObject({ id: "31", email: "rep@tenant.example" });
    const pipelines = await api.dealPipelines();
    expect(pipelines[0]!.stages.map((s) => s.id)).toContain("closedwon");
  });

  it("creates an engagement on a contact's timeline", async () => {
    const api = createHubspotApi({ accessToken: TOKEN, basePath: hs.url });
    const { id } = await api.createEngagement({ type: "notes", properties: { hs_timestamp: new Date().toISOString(), hs_note_body: "Called" }, associations: { contactIds: ["1"] } });
    expect(hs.get("notes", id)?.properties.hs_note_body).toBe("Called");
    expect((await api.associations("contacts", "notes" as never, ["1"])).get("1")).toEqual([id]);
  });

  it("turns SDK errors into status + Retry-After; 401 is REAUTH", async () => {
    const api = createHubspotApi({ accessToken: TOKEN, basePath: hs.url });
    hs.failNext({ status: 429, retryAfter: 2 });
    const limited = await api.listPage("contacts", { after: null, limit: 1, properties: [] }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(HubspotApiError);
    expect(httpFailure(limited)).toEqual({ status: 429, retryAfterMs: 2000 });
    const refused = await createHubspotApi({ accessToken: "pat-na1-unknown", basePath: hs.url }).listPage("contacts", { after: null, limit: 1, properties: [] }).catch((e: unknown) => e);
    expect(classifyProviderError(refused).kind).toBe("REAUTH");
  });

  it("a 429 with Retry-After is waited out by the resilience policy, then succeeds", async () => {
    const resilience = createResilience({ timeoutMs: 5_000, maxRetries: 3, retryBaseMs: 5, maxRetryDelayMs: 5_000, breakerThreshold: 5, halfOpenAfterMs: 1_000, ratePerSecond: {} });
    const api = createHubspotApi({ accessToken: TOKEN, basePath: hs.url });
    hs.failNext({ status: 429, retryAfter: 1, path: /\/crm\/v3\/owners/ });
    const before = hs.requests["GET /crm/v3/owners"] ?? 0;
    const started = Date.now();
    const page = await resilience.execute("t1", "HUBSPOT", () => api.ownersPage({ after: null, limit: 1 }));
    expect(page.results).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(hs.requests["GET /crm/v3/owners"]! - before).toBe(2);
    await resilience.close();
  });

  it("OAuth: code exchange, token info, refresh, and a revoked refresh token is invalid_grant", async () => {
    const oauth = hubspotOAuth({ HUBSPOT_CLIENT_ID: hs.clientId, HUBSPOT_CLIENT_SECRET: hs.clientSecret, HUBSPOT_OAUTH_BASE_URL: hs.url, HUBSPOT_API_BASE_URL: hs.url });
    const url = new URL(oauth.authorizationUrl({ scopes: ["oauth", "crm.objects.contacts.read"], state: "s1", codeChallenge: "x", redirectUri: "http://127.0.0.1:1/oauth/callback" }));
    const consent = await fetch(url, { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    expect(back.searchParams.get("state")).toBe("s1");
    const tokens = await oauth.exchangeCode({ code: back.searchParams.get("code")!, codeVerifier: "v", redirectUri: "http://127.0.0.1:1/oauth/callback" });
    expect(tokens.accessToken).toMatch(/^hsat-/);
    expect(tokens.expiresAt! - Date.now()).toBeGreaterThan(60_000);
    const info = await oauth.accountInfo(tokens.accessToken!);
    expect(info).toEqual({ email: hs.user, scopes: ["oauth", "crm.objects.contacts.read"] });
    const fresh = await oauth.refresh(tokens.refreshToken!);
    expect(fresh.accessToken).not.toBe(tokens.accessToken);
    hs.revokeAll();
    const refused = await oauth.refresh(tokens.refreshToken!).catch((e: unknown) => e);
    expect(classifyProviderError(refused)).toMatchObject({ kind: "REAUTH" });
    expect((refused as HubspotApiError).response.status).toBe(400);
  });
});
