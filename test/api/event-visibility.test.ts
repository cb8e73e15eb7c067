// The `events` subscription delivers an event only to subscribers who could
// read its subject (sales.lead.* needs lead:read, sales.tenant.* tenant:read…),
// and masks e-mail addresses in the actor as the audit log does. Before, an
// API key scoped only to EVENT_SUBSCRIBE watched every lead and draft.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute, executeOk, subscribe } from "../helpers/graphql.js";
import { waitFor } from "../helpers/wait.js";

const Events = graphql(`
  subscription VisibilityEvents {
    events { id type actor payload }
  }
`);
const CreateKey = graphql(`
  mutation VisibilityCreateKey($input: ApiKeyCreateInput!) {
    apiKeyCreate(input: $input) { secret userErrors { code field message } }
  }
`);
const Ingest = graphql(`
  mutation VisibilityIngest($input: LeadIngestInput!) {
    leadIngest(input: $input) { result userErrors { code field message } }
  }
`);
const Rename = graphql(`
  mutation VisibilityRename($input: TenantUpdateSettingsInput!) {
    tenantUpdateSettings(input: $input) { tenant { name } userErrors { code } }
  }
`);
const Leads = graphql(`
  query VisibilityLeads {
    leads(first: 5) { edges { node { id } } }
  }
`);

describe("events are delivered only to subscribers who can read their subject", () => {
  let t: TestApp;
  let a: TestTenant;
  beforeAll(async () => {
    t = await startTestApp();
    a = await createTenant(t);
  });
  afterAll(() => t?.close());

  async function key(scopes: string[]): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const r = await executeOk(t.graphqlUrl, CreateKey, { input: { name: scopes.join("+"), role: "ADMIN", scopes: scopes as any } }, { token: a.members.ADMIN.token });
    expect(r.apiKeyCreate.userErrors).toEqual([]);
    return r.apiKeyCreate.secret!;
  }

  it("a key scoped to EVENT_SUBSCRIBE alone sees nothing; lead events need LEAD_READ; actors are masked", async () => {
    const onlySubscribe = await key(["EVENT_SUBSCRIBE"]);
    const tenantReader = await key(["EVENT_SUBSCRIBE", "TENANT_READ"]);
    const leadReader = await key(["EVENT_SUBSCRIBE", "LEAD_READ"]);

    // The queries refuse the subscribe-only key, as the stream must.
    const leads = await execute(t.graphqlUrl, Leads, {}, { headers: { "x-api-key": onlySubscribe } });
    expect(leads.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const subOnly = await subscribe(t.wsUrl, Events, {}, { "X-Api-Key": onlySubscribe });
    const subTenant = await subscribe(t.wsUrl, Events, {}, { "X-Api-Key": tenantReader });
    const subLead = await subscribe(t.wsUrl, Events, {}, { "X-Api-Key": leadReader });
    const subAnalyst = await subscribe(t.wsUrl, Events, {}, { Authorization: `Bearer ${a.members.ANALYST.token}` });

    const ingested = await executeOk(
      t.graphqlUrl,
      Ingest,
      { input: { email: "grace.hopper@cobol-systems.example", firstName: "Grace", lastName: "Hopper", title: "CTO" } },
      { token: a.members.ADMIN.token },
    );
    expect(ingested.leadIngest.userErrors).toEqual([]);
    // The sentinel: published after the lead's events.
    await executeOk(t.graphqlUrl, Rename, { input: { name: "Visible Co" } }, { token: a.members.ADMIN.token });

    const tenantEvent = await subTenant.next(15_000);
    expect(tenantEvent.events.type).toBe("sales.tenant.updated");
    const analystTypes = await waitFor(
      () => {
        const types = subAnalyst.received.map((e) => e.events.type);
        return types.includes("sales.tenant.updated") ? types : null;
      },
      { message: "the ANALYST to receive the sentinel" },
    );
    // The ANALYST reads leads and the tenant: both kinds arrive, in order.
    expect(analystTypes.some((t) => t.startsWith("sales.lead."))).toBe(true);

    const leadEvent = await waitFor(() => subLead.received.find((e) => e.events.type === "sales.lead.created"), { message: "sales.lead.created for the LEAD_READ key" });
    // The actor's address is masked as in the audit log; the prefix and domain stay.
    const adminDomain = a.members.ADMIN.email.split("@")[1];
    expect(leadEvent.events.actor).toBe(`user:${a.members.ADMIN.email[0]}***@${adminDomain}`);
    expect(tenantEvent.events.actor).toBe(`user:${a.members.ADMIN.email[0]}***@${adminDomain}`);
    expect(JSON.stringify(subAnalyst.received)).not.toContain(a.members.ADMIN.email);

    // Negative checks need a bound: every subscriber above has had the sentinel,
    // which was published after everything else; give the socket a moment more.
    await new Promise((r) => setTimeout(r, 300));
    expect(subOnly.received).toEqual([]);
    expect(subTenant.received.map((e) => e.events.type)).toEqual(["sales.tenant.updated"]);
    expect(subLead.received.filter((e) => e.events.type.startsWith("sales.tenant."))).toEqual([]);

    for (const s of [subOnly, subTenant, subLead, subAnalyst]) await s.close();
  });
});
