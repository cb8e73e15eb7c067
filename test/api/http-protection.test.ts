// Bad requests get a clear 4xx or GraphQL error — never a 500, a crash or a
// leaked internal message — and the service keeps serving afterwards.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../generated/gql/index.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { execute, executeOk } from "../helpers/graphql.js";

const Ping = graphql(`
  query ProtectionPing {
    me { role }
  }
`);

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await startTestApp({ env: { HTTP_MAX_BODY_BYTES: "20000", GRAPHQL_MAX_DEPTH: "4", GRAPHQL_MAX_COMPLEXITY: "800", GRAPHQL_MAX_ALIASES: "5" } });
  tenant = await createTenant(t);
});
afterAll(() => t?.close());

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(t.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tenant.members.OWNER.token}`, ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, json: (() => { try { return JSON.parse(text); } catch { return null; } })() };
}

/** A GET with the path sent exactly as given (no URL normalisation). */
function rawGet(rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, method: "GET", path: rawPath }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end();
  });
}

function expectNoLeak(text: string) {
  expect(text).not.toMatch(/\bat \w+ \(|node_modules|\.ts:\d+|stack|prisma|SELECT |syntax error at/i);
}

describe("malformed requests", () => {
  it("answers malformed JSON with 400 and a plain message", async () => {
    const r = await post('{"query": "{ me { role } }"');
    expect(r.status).toBe(400);
    expect(r.json.errors[0].message).toMatch(/not valid JSON/);
    expectNoLeak(r.text);
  });

  it("refuses a body over the size limit with 413", async () => {
    const r = await post(JSON.stringify({ query: `{ me { role } } #${"x".repeat(30_000)}` }));
    expect(r.status).toBe(413);
    expect(r.json.errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("refuses batched requests (an array of operations)", async () => {
    const r = await post(JSON.stringify([{ query: "{ me { role } }" }, { query: "{ me { role } }" }]));
    expect(r.status).toBe(400);
    expectNoLeak(r.text);
  });

  it("refuses a non-JSON content type on POST (CSRF prevention) with 400", async () => {
    const r = await post("query=%7Bme%7Brole%7D%7D", { "content-type": "application/x-www-form-urlencoded" });
    expect(r.status).toBe(400);
    expectNoLeak(r.text);
  });

  it("refuses a GET without the preflight header (CSRF prevention)", async () => {
    const response = await fetch(`${t.graphqlUrl}?query=${encodeURIComponent("{ me { role } }")}`, {
      headers: { authorization: `Bearer ${tenant.members.OWNER.token}` },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF|preflight/i);
  });

  it("reports a syntax error as GRAPHQL_PARSE_FAILED", async () => {
    const r = await post(JSON.stringify({ query: "{ me { role " }));
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("reports wrong variable types as BAD_USER_INPUT", async () => {
    const r = await post(
      JSON.stringify({
        query: "query Q($first: Int) { auditEntries(first: $first) { edges { node { action } } } }",
        variables: { first: "ten" },
      }),
    );
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("reports an unknown field as a validation error", async () => {
    const r = await post(JSON.stringify({ query: "{ me { passwordHash } }" }));
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("reports a malformed cursor as BAD_USER_INPUT, not an internal error", async () => {
    const r = await post(JSON.stringify({ query: '{ auditEntries(first: 5, after: "not-a-cursor") { edges { node { action } } } }' }));
    expect(r.json.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expectNoLeak(r.text);
  });
});

describe("query cost limits", () => {
  it("refuses a query deeper than the limit before running it", async () => {
    expect((await post(JSON.stringify({ query: "{ memberships(first: 1) { edges { node { id } } } }" }))).status).toBe(200);
    const tooDeep = "{ memberships(first: 1) { edges { node { user { id } } } } }";
    const r = await post(JSON.stringify({ query: tooDeep }));
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(r.json.errors[0].message).toMatch(/depth limit of 4 exceeded/);
  });

  it("lets GraphiQL's introspection query through (introspection is switched off in production instead)", async () => {
    const { getIntrospectionQuery } = await import("graphql");
    const r = await post(JSON.stringify({ query: getIntrospectionQuery() }), { authorization: "" });
    expect(r.status).toBe(200);
    expect(r.json.data.__schema.types.length).toBeGreaterThan(20);
  });

  it("refuses a query whose cost is over the limit (big pages of nested lists)", async () => {
    const costly = "{ a: auditEntries(first: 100) { edges { node { id action summary } } } m: memberships(first: 100) { edges { node { id role createdAt updatedAt } } } }";
    const r = await post(JSON.stringify({ query: costly }));
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe("QUERY_TOO_COMPLEX");
    expect(r.json.errors[0].message).toMatch(/too costly/);
  });

  it("refuses more aliases than allowed", async () => {
    const aliases = Array.from({ length: 8 }, (_, i) => `a${i}: me { role }`).join(" ");
    const r = await post(JSON.stringify({ query: `{ ${aliases} }` }));
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(r.json.errors[0].message).toMatch(/Aliases limit of 5 exceeded/);
  });

  it("caps page sizes at 100", async () => {
    // More than 100 rows to page through (leads: the cheapest way to make 120 rows through the API).
    const csv = ["email", ...Array.from({ length: 120 }, (_, i) => `cap${i}@page-cap.example`)].join("\n");
    const imported = await post(JSON.stringify({ query: "mutation CapImport($input: LeadImportInput!) { leadImport(input: $input) { created userErrors { code } } }", variables: { input: { csv } } }));
    expect(imported.json.data.leadImport).toEqual({ created: 120, userErrors: [] });
    // Asked for 150: exactly 100 come back, and there are more.
    const r = await post(JSON.stringify({ query: "{ leads(first: 150) { edges { node { id } } pageInfo { hasNextPage } } }" }));
    expect(r.status).toBe(200);
    expect(r.json.errors).toBeUndefined();
    expect(r.json.data.leads.edges).toHaveLength(100);
    expect(r.json.data.leads.pageInfo.hasNextPage).toBe(true);
  });
});

describe("after all of that", () => {
  it("still serves normal requests", async () => {
    const data = await executeOk(t.graphqlUrl, Ping, {}, { token: tenant.members.OWNER.token });
    expect(data.me.role).toBe("OWNER");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const response = await fetch(`${t.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: "NOT_FOUND" } }] });
  });
});

describe("health, readiness, metrics, GraphiQL", () => {
  it("serves /health and /ready", async () => {
    expect(await (await fetch(`${t.url}/health`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${t.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: "ok" } });
  });

  it("serves Prometheus metrics with request counts by operation", async () => {
    await execute(t.graphqlUrl, Ping, {}, { token: tenant.members.OWNER.token });
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/graphql_requests_total\{operation="ProtectionPing",type="query",outcome="success"\} \d+/);
    expect(text).toMatch(/graphql_request_duration_seconds_bucket\{le="[\d.]+",operation="ProtectionPing",type="query"\}/);
    expect(text).toMatch(/graphql_errors_total\{code="GRAPHQL_PARSE_FAILED"\} \d+/);
    expect(text).toMatch(/outbox_events_pending \d+/);
    expect(text).toMatch(/jobs\{queue="maintenance",state="created"\} \d+/);
  });

  it("serves GraphiQL and its assets from the installed package, with no CDN", async () => {
    const page = await fetch(`${t.url}/graphiql`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("/graphiql/assets/yoga-graphiql.umd.js");
    expect(html).not.toMatch(/https?:\/\/(unpkg|cdn|esm\.sh|jsdelivr)/);
    const script = await fetch(`${t.url}/graphiql/assets/yoga-graphiql.umd.js`);
    expect(script.status).toBe(200);
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
    expect((await fetch(`${t.url}/graphiql/assets/monacoeditorwork/editor.worker.bundle.js`)).status).toBe(200);
    expect((await fetch(`${t.url}/graphiql/assets/graphiql.css`)).status).toBe(200);
  });

  it("never serves a file outside the GraphiQL assets, whatever the raw path", async () => {
    // fetch() would normalise "../" away before sending: send the path byte for byte.
    const ok = await rawGet("/graphiql/assets/graphiql.css");
    expect(ok.status).toBe(200);
    for (const p of [
      "/graphiql/assets/../package.json",
      "/graphiql/assets/../../package.json",
      "/graphiql/assets/../../../../package.json",
      "/graphiql/assets/..%2fpackage.json",
      "/graphiql/assets/%2e%2e/package.json",
      "/graphiql/assets/%2e%2e%2f%2e%2e%2fpackage.json",
      "/graphiql/assets/..%5cpackage.json",
      "/graphiql/assets/....//package.json",
    ]) {
      const r = await rawGet(p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.status, p).toBeLessThan(500);
      // Neither the assets package's manifest nor the service's own.
      expect(r.body, p).not.toMatch(/"name":\s*"(@graphql-yoga\/graphiql|sales-agent)"|"dependencies"/);
    }
  });
});
