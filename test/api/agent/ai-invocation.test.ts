// aiInvocations / aiUsage over real HTTP: who may read them, filters,
// pagination, and tenant confinement by global id.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../../generated/gql/index.js";
import { ALL_ROLES, createTenant, startTestApp, type TestApp, type TestTenant } from "../../helpers/app.js";
import { asOwner } from "../../helpers/database.js";
import { execute, executeOk } from "../../helpers/graphql.js";

const Invocations = graphql(`
  query AiInvocationsList($filter: AiInvocationFilter, $first: Int, $after: String) {
    aiInvocations(filter: $filter, first: $first, after: $after) {
      edges {
        node {
          id
          agent
          operation
          provider
          model
          external
          promptId
          promptVersion
          inputHash
          inputTokens
          outputTokens
          totalTokens
          costUsd
          latencyMs
          attempts
          outcome
          errorKind
          fallbackReason
          redacted
          createdAt
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const Usage = graphql(`
  query AiUsageNow {
    aiUsage { periodStart externalTokens externalCostUsd invocations fallbacks monthlyTokenBudget monthlyCostBudgetUsd }
  }
`);

const NodeById = graphql(`
  query AiInvocationNode($id: ID!) {
    node(id: $id) { id ... on AiInvocation { promptId } }
  }
`);

const CreateKey = graphql(`
  mutation AiInvocationsCreateKey($input: ApiKeyCreateInput!) {
    apiKeyCreate(input: $input) { secret userErrors { code } }
  }
`);

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t, "aigql");
  other = await createTenant(t, "aigql-other");
  const ai = t.app.services.ai;
  await ai.detectRequest({ tenantId: tenant.tenantId, agent: "inbound" }, { text: "Can you send me the contract?" });
  await ai.readThread({ tenantId: tenant.tenantId, agent: "thread-reader" }, { messages: [{ from: "a@b.io", direction: "INBOUND", sentAt: "2025-03-03T10:00:00Z", text: "Could we talk on Friday?" }] });
  await ai.embed({ tenantId: tenant.tenantId, agent: "inbound" }, ["hello"]);
  await ai.detectRequest({ tenantId: other.tenantId, agent: "inbound" }, { text: "Other tenant's text" });
  // An external call that fell back (as the runtime records one), to exercise the filters.
  await asOwner(t.db, (c) =>
    c.query(
      `INSERT INTO "AiInvocation" (id, "tenantId", agent, operation, provider, model, external, "promptId", "promptVersion", "inputHash", "inputTokens", "outputTokens", "totalTokens", "costUsd", "latencyMs", outcome, "errorKind", "errorMessage")
       VALUES (gen_random_uuid(), $1, 'inbound', 'generate', 'openai', 'gpt-4o-mini', true, 'inbound-analysis', 1, 'h', 1000, 200, 1200, 0.00027, 850, 'ERROR', 'TIMEOUT', 'the provider did not answer in time')`,
      [tenant.tenantId],
    ),
  );
});
afterAll(() => t?.close());

describe("aiInvocations", () => {
  it.each(ALL_ROLES)("%s (ai:read) sees the tenant's invocations, newest first, and only its own tenant's", async (role) => {
    const data = await executeOk(t.graphqlUrl, Invocations, { first: 50 }, { token: tenant.members[role as Exclude<typeof role, "SERVICE">].token });
    const nodes = data.aiInvocations.edges.map((e) => e.node);
    expect(nodes).toHaveLength(4);
    expect(nodes.map((n) => n.promptId)).toEqual(["inbound-analysis", null, "thread-reader", "request-detection"]);
    const local = nodes.find((n) => n.promptId === "request-detection")!;
    expect(local).toMatchObject({ agent: "inbound", provider: "local", model: "local-v2", external: false, promptVersion: 1, outcome: "SUCCESS", costUsd: 0, attempts: 1, redacted: false });
    expect(local.inputTokens).toBeGreaterThan(0);
    expect(local.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(nodes[0]).toMatchObject({ provider: "openai", external: true, totalTokens: 1200, costUsd: 0.00027, outcome: "ERROR", errorKind: "TIMEOUT", latencyMs: 850 });
  });

  it("filters by prompt, provider, outcome, external, agent and time", async () => {
    const token = tenant.members.ANALYST.token;
    const q = async (filter: Record<string, unknown>) =>
      (await executeOk(t.graphqlUrl, Invocations, { filter, first: 50 }, { token })).aiInvocations.edges.map((e) => e.node.promptId ?? e.node.operation);
    expect(await q({ promptId: "thread-reader" })).toEqual(["thread-reader"]);
    expect(await q({ provider: "openai" })).toEqual(["inbound-analysis"]);
    expect(await q({ outcome: "ERROR" })).toEqual(["inbound-analysis"]);
    expect(await q({ external: false })).toEqual(["embed", "thread-reader", "request-detection"]);
    expect(await q({ agent: "thread-reader" })).toEqual(["thread-reader"]);
    expect(await q({ fellBack: true })).toEqual([]);
    expect(await q({ from: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
  });

  it("pages with a cursor", async () => {
    const token = tenant.members.ADMIN.token;
    const first = await executeOk(t.graphqlUrl, Invocations, { first: 3 }, { token });
    expect(first.aiInvocations.edges).toHaveLength(3);
    expect(first.aiInvocations.pageInfo.hasNextPage).toBe(true);
    const rest = await executeOk(t.graphqlUrl, Invocations, { first: 3, after: first.aiInvocations.pageInfo.endCursor }, { token });
    expect(rest.aiInvocations.edges).toHaveLength(1);
  });

  it("another tenant's invocation reads as not found by global id", async () => {
    const foreign = await asOwner(t.db, async (c) => (await c.query(`SELECT id FROM "AiInvocation" WHERE "tenantId" = $1`, [other.tenantId])).rows[0].id as string);
    const data = await executeOk(t.graphqlUrl, NodeById, { id: encodeGlobalID("AiInvocation", foreign) }, { token: tenant.members.OWNER.token });
    expect(data.node).toBeNull();
    const own = await executeOk(t.graphqlUrl, NodeById, { id: encodeGlobalID("AiInvocation", foreign) }, { token: other.members.ANALYST.token });
    expect(own.node).toMatchObject({ promptId: "request-detection" });
  });

  it("refuses anonymous callers and API keys without ai:read", async () => {
    const anonymous = await execute(t.graphqlUrl, Invocations, { first: 5 });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const key = await executeOk(t.graphqlUrl, CreateKey, { input: { name: "leads only", role: "ANALYST", scopes: ["LEAD_READ"] } }, { token: tenant.members.ADMIN.token });
    const forbidden = await execute(t.graphqlUrl, Invocations, { first: 5 }, { token: key.apiKeyCreate.secret! });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(forbidden.data ?? null).toBeNull();
  });
});

describe("aiUsage", () => {
  it("reports this month's external use against the tenant's budget", async () => {
    await asOwner(t.db, (c) =>
      c.query(`UPDATE "Tenant" SET settings = '{"ai": {"monthlyTokenBudget": 50000, "monthlyCostBudgetUsd": 12.5}}' WHERE id = $1`, [tenant.tenantId]),
    );
    const data = await executeOk(t.graphqlUrl, Usage, {}, { token: tenant.members.ANALYST.token });
    expect(data.aiUsage).toMatchObject({ externalTokens: 1200, externalCostUsd: 0.00027, invocations: 4, fallbacks: 0, monthlyTokenBudget: 50000, monthlyCostBudgetUsd: 12.5 });
    expect(new Date(data.aiUsage.periodStart).getUTCDate()).toBe(1);
  });
});
