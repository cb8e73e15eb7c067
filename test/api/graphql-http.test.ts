// POST /graphql is served straight from node:http (src/api/graphql-http.ts),
// other shapes of request through express. A client must not be able to tell
// them apart: the same request sent both ways (a body of stated length, or the
// same body chunked, which only express takes) gets the same status, headers
// and body — successes, authentication failures, rate-limit headers, bodies
// that are not JSON, requests Apollo refuses.
import http from "node:http";
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDirectGraphqlRequest } from "../../src/api/graphql-http.js";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await startTestApp({ env: { HTTP_MAX_BODY_BYTES: "20000" } });
  tenant = await createTenant(t, "direct");
});
afterAll(() => t?.close());

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** POST /graphql with the body's length stated (direct path) or chunked (express' path). */
function post(body: Buffer | string, headers: Record<string, string>, chunked: boolean): Promise<Answer> {
  const { hostname, port } = new URL(t.url);
  const bytes = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: hostname,
        port,
        method: "POST",
        path: "/graphql",
        headers: { "content-type": "application/json", "x-request-id": "same-request-id", ...headers, ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(bytes.length) }) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () => {
          const answerHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) if (name !== "date") answerHeaders[name] = String(value);
          resolve({ status: response.statusCode ?? 0, headers: answerHeaders, body: Buffer.concat(chunks).toString("utf8") });
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    if (chunked) {
      // Two chunks, so the body really arrives chunked.
      request.write(bytes.subarray(0, 1));
      request.end(bytes.subarray(1));
    } else {
      request.end(bytes);
    }
  });
}

/** Rate-limit figures move between two requests: compared by presence, everything else by value. */
function comparable(answer: Answer) {
  const headers = { ...answer.headers };
  for (const name of ["x-ratelimit-remaining", "x-ratelimit-reset"]) if (name in headers) headers[name] = "(present)";
  return { ...answer, headers };
}

async function bothWays(body: Buffer | string, headers: Record<string, string> = {}) {
  const direct = await post(body, headers, false);
  const viaExpress = await post(body, headers, true);
  expect(comparable(direct)).toEqual(comparable(viaExpress));
  return direct;
}

describe("POST /graphql: the direct path answers as express does", () => {
  it("a query without a token", async () => {
    const r = await bothWays(JSON.stringify({ query: "{ __typename }" }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ data: { __typename: "Query" } });
    expect(r.headers["x-request-id"]).toBe("same-request-id");
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(r.headers.etag).toMatch(/^W\//);
  });

  it("an authenticated query, with the rate-limit headers", async () => {
    const r = await bothWays(JSON.stringify({ query: "{ me { role } }" }), { authorization: `Bearer ${tenant.members.OWNER.token}` });
    expect(JSON.parse(r.body)).toEqual({ data: { me: { role: "OWNER" } } });
    expect(Object.keys(r.headers)).toEqual(expect.arrayContaining(["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-cost"]));
  });

  it("a token that does not verify: 401", async () => {
    const r = await bothWays(JSON.stringify({ query: "{ me { role } }" }), { authorization: "Bearer not-a-token" });
    expect(r.status).toBe(401);
  });

  it("a body that is not JSON, or JSON that is not an object or array: 400 with the plain message", async () => {
    for (const body of ['{"query": "{ __typename }"', '"just a string"', "123", "   nul"]) {
      const r = await bothWays(body);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ errors: [{ message: "The request body is not valid JSON.", extensions: { code: "BAD_REQUEST" } }] });
    }
  });

  it("a body with a byte-order mark or leading whitespace, and requests Apollo refuses (batch, no query)", async () => {
    const bom = await bothWays(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ query: "{ __typename }" }))]));
    expect(bom.status).toBe(200);
    expect((await bothWays(`  \n ${JSON.stringify({ query: "{ __typename }" })}`)).status).toBe(200);
    expect((await bothWays(JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }]))).status).toBe(400);
    expect((await bothWays("{}")).status).toBe(400);
  });

  it("a request id the service does not accept is replaced the same way", async () => {
    const direct = await post(JSON.stringify({ query: "{ __typename }" }), { "x-request-id": "bad id with spaces" }, false);
    expect(direct.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("which requests take the direct path", () => {
  const request = (method: string, url: string, headers: Record<string, string>) => ({ method, url, headers }) as unknown as IncomingMessage;
  const json = { "content-type": "application/json", "content-length": "20" };

  it("POST /graphql with a JSON body of stated length within the limit", () => {
    expect(isDirectGraphqlRequest(request("POST", "/graphql", json), 1000)).toBe(true);
    expect(isDirectGraphqlRequest(request("POST", "/graphql", { ...json, "content-type": "application/json; charset=utf-8" }), 1000)).toBe(true);
  });

  it("everything else goes to express", () => {
    const express = [
      request("GET", "/graphql", json),
      request("POST", "/graphql/", json),
      request("POST", "/graphql?x=1", json),
      request("POST", "/GraphQL", json),
      request("POST", "/graphql", { ...json, "content-type": "application/json; charset=latin1" }),
      request("POST", "/graphql", { ...json, "content-type": "application/graphql-response+json" }),
      request("POST", "/graphql", { ...json, "content-type": "text/plain" }),
      request("POST", "/graphql", { "content-type": "application/json" }),
      request("POST", "/graphql", { ...json, "content-length": "0" }),
      request("POST", "/graphql", { ...json, "content-length": "1001" }),
      request("POST", "/graphql", { ...json, "content-encoding": "gzip" }),
      request("POST", "/graphql", { ...json, "transfer-encoding": "chunked" }),
    ];
    for (const r of express) expect(isDirectGraphqlRequest(r, 1000), `${r.method} ${r.url} ${JSON.stringify(r.headers)}`).toBe(false);
  });
});
