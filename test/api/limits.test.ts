// Per-operation limits that could be walked around: `__typename` aliases were
// not counted (3,000 accepted) and directives on fragment spreads were not
// counted (1,000 accepted). Both are checked over HTTP and over WebSocket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { wsClient } from "../helpers/graphql.js";

const MAX_ALIASES = 5;
const MAX_DIRECTIVES = 5;

const typenameAliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${i}: __typename`).join(" ")} }`;
const spreadDirectives = (n: number) =>
  `query { ${Array.from({ length: n }, () => "...F @include(if: true)").join(" ")} } fragment F on Query { __typename }`;
const inlineDirectives = (n: number) => `query { ${Array.from({ length: n }, () => "... @skip(if: false) { __typename }").join(" ")} }`;

describe("alias and directive limits", () => {
  let t: TestApp;
  let a: TestTenant;
  beforeAll(async () => {
    t = await startTestApp({ env: { GRAPHQL_MAX_ALIASES: String(MAX_ALIASES), GRAPHQL_MAX_DIRECTIVES: String(MAX_DIRECTIVES) } });
    a = await createTenant(t);
  });
  afterAll(() => t?.close());

  async function overHttp(query: string) {
    const response = await fetch(t.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${a.members.ANALYST.token}` },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string }[] } };
  }

  async function overWebSocket(query: string): Promise<{ data?: unknown; errors?: { message: string }[] }> {
    const { client } = wsClient(t.wsUrl, { Authorization: `Bearer ${a.members.ANALYST.token}` });
    try {
      return await new Promise((resolve, reject) => {
        let data: unknown;
        client.subscribe(
          { query },
          {
            next: (value) => (data = value.data),
            error: (error) => resolve({ errors: Array.isArray(error) ? error : [{ message: String((error as Error).message ?? error) }] }),
            complete: () => resolve({ data }),
          },
        );
        setTimeout(() => reject(new Error("no answer over WebSocket within 10 s")), 10_000).unref();
      });
    } finally {
      await client.dispose();
    }
  }

  it.each([
    ["__typename aliases", typenameAliases(MAX_ALIASES + 1), /Aliases limit of 5 exceeded, found 6/],
    ["__typename aliases, thousands", typenameAliases(3_000), /Aliases limit of 5 exceeded, found 3000/],
    ["directives on fragment spreads", spreadDirectives(MAX_DIRECTIVES + 1), /Directives limit of 5 exceeded, found 6/],
    ["directives on fragment spreads, a thousand", spreadDirectives(1_000), /Directives limit of 5 exceeded, found 1000/],
    ["directives on inline fragments", inlineDirectives(MAX_DIRECTIVES + 1), /Directives limit of 5 exceeded, found 6/],
  ])("refuses %s over HTTP (400) and over WebSocket", async (_name, query, message) => {
    const http = await overHttp(query);
    expect(http.status).toBe(400);
    expect(http.body.data ?? null).toBeNull();
    expect(http.body.errors?.map((e) => e.message).join("\n")).toMatch(message);

    const ws = await overWebSocket(query);
    expect(ws.data ?? null).toBeNull();
    expect(ws.errors?.map((e) => e.message).join("\n")).toMatch(message);
  });

  it.each([
    ["aliases at the limit", typenameAliases(MAX_ALIASES)],
    ["directives at the limit", spreadDirectives(MAX_DIRECTIVES)],
  ])("accepts %s", async (_name, query) => {
    const http = await overHttp(query);
    expect(http.status).toBe(200);
    expect(http.body.errors).toBeUndefined();
    const ws = await overWebSocket(query);
    expect(ws.errors).toBeUndefined();
    expect(ws.data).toBeTruthy();
  });
});
