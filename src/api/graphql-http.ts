// POST /graphql straight from node:http to Apollo (issue 14, per-request
// cost): express' router walked every mounted router and middleware for each
// GraphQL request (~10% of a trivial request's CPU in the profile). The common
// request — POST /graphql with a JSON body of known length — is served here;
// everything else, including every unusual shape of a GraphQL request (GET,
// other paths or content types, compressed or chunked bodies, bodies over the
// limit), still goes through express, which answers it as before.
//
// What a client sees is the same either way: the X-Request-Id header, Apollo's
// headers (rate limits, Retry-After, content type), express' Content-Length
// and weak ETag, the JSON error shapes of src/api/server.ts for a body that is
// not JSON (test/api/http-protection.test.ts and test/api/graphql-http.test.ts
// compare the two paths).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import { RequestSession } from "../data/database.js";
import type { RequestMeta } from "../domain/access/principal.js";
import type { Logger } from "../observability/logger.js";
import { runWithRequestContext } from "../observability/request-context.js";
import type { Services } from "../orchestration/services.js";
import type { GraphQLContext } from "./context.js";
import { requestMeta } from "./request.js";

/** express' ETag function (app.get("etag fn")), so both paths tag bodies alike. */
export type ETagFn = (body: string | Buffer, encoding?: BufferEncoding) => string | undefined;

/** The JSON answer for an error of the HTTP layer (body parser, unknown failure): never a stack trace. */
export function httpErrorAnswer(error: { status?: number; type?: string }, maxBodyBytes: number): { status: number; body: unknown } {
  const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
  const message =
    error.type === "entity.parse.failed"
      ? "The request body is not valid JSON."
      : error.type === "entity.too.large"
        ? `The request body is larger than ${maxBodyBytes} bytes.`
        : status === 404
          ? "Not found."
          : status < 500
            ? "Bad request."
            : "Internal server error.";
  return { status, body: { errors: [{ message, extensions: { code: status === 413 ? "PAYLOAD_TOO_LARGE" : status < 500 ? "BAD_REQUEST" : "INTERNAL_SERVER_ERROR" } }] } };
}

/** What express' res.send(string) does for a POST: charset, Content-Length, weak ETag. */
function send(res: ServerResponse, body: string, etag: ETagFn): void {
  const type = res.getHeader("content-type");
  if (typeof type !== "string") res.setHeader("Content-Type", "text/html; charset=utf-8");
  else if (!/;\s*charset=/i.test(type)) res.setHeader("Content-Type", `${type}; charset=utf-8`);
  if (!res.hasHeader("etag")) {
    const tag = etag(body, "utf8");
    if (tag) res.setHeader("ETag", tag);
  }
  res.setHeader("Content-Length", Buffer.byteLength(body, "utf8"));
  // A string, not a Buffer: node then sends the head and the body in one write, not a corked writev of two.
  res.end(body, "utf8");
}

/** express' res.status(status).json(body). */
function sendJson(res: ServerResponse, status: number, body: unknown, etag: ETagFn): void {
  res.statusCode = status;
  if (!res.hasHeader("content-type")) res.setHeader("Content-Type", "application/json; charset=utf-8");
  send(res, JSON.stringify(body), etag);
}

const JSON_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;

/**
 * True for the request this handler serves: POST to exactly /graphql, a JSON
 * body in UTF-8, not compressed, of a stated length within the limit.
 * Anything else goes to express.
 */
export function isDirectGraphqlRequest(req: IncomingMessage, maxBodyBytes: number): boolean {
  if (req.method !== "POST" || req.url !== "/graphql") return false;
  const { headers } = req;
  if (headers["transfer-encoding"] !== undefined || headers["content-encoding"] !== undefined) return false;
  const type = headers["content-type"];
  if (type === undefined || !JSON_TYPE.test(type)) return false;
  const length = headers["content-length"];
  if (length === undefined || !/^\d+$/.test(length)) return false;
  const bytes = Number(length);
  return bytes > 0 && bytes <= maxBodyBytes;
}

/** body-parser's strict JSON: an object or array (after whitespace and a byte-order mark), or a parse error. */
function parseBody(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  let text = raw.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return { ok: true, value: {} };
  const first = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/.exec(text)?.[1];
  if (first !== "{" && first !== "[") return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export interface GraphqlHandlerOptions {
  apollo: ApolloServer<GraphQLContext>;
  services: Services;
  logger: Logger;
  maxBodyBytes: number;
  etag: ETagFn;
  /** The GraphQL context of one request (authentication), as on the express path. */
  context: (headers: IncomingHttpHeaders, meta: RequestMeta, session: RequestSession) => Promise<GraphQLContext>;
}

/** Serves a request for which isDirectGraphqlRequest() is true. */
export function createGraphqlHandler(options: GraphqlHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { apollo, services, logger, maxBodyBytes, etag, context } = options;
  return (req, res) => {
    const meta = requestMeta(req.headers);
    res.setHeader("X-Request-Id", meta.requestId);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => {});
    req.on("end", () => {
      runWithRequestContext({ requestId: meta.requestId, traceId: meta.traceId }, () => {
        const parsed = parseBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        if (!parsed.ok) {
          const answer = httpErrorAnswer({ status: 400, type: "entity.parse.failed" }, maxBodyBytes);
          sendJson(res, answer.status, answer.body, etag);
          return;
        }
        // The request's database session, as on the express path: at most one pooled connection at a time,
        // released before the response is sent (Apollo plugin in server.ts) and in any case when it ends.
        const session = new RequestSession(services.db);
        res.once("close", () => void session.release());
        session.run(() => execute(req, res, parsed.value, meta, session)).catch((error: unknown) => {
          logger.error({ err: error }, "unhandled HTTP error");
          if (res.headersSent) {
            res.destroy();
            return;
          }
          const answer = httpErrorAnswer({}, maxBodyBytes);
          sendJson(res, answer.status, answer.body, etag);
        });
      });
    });
  };

  async function execute(req: IncomingMessage, res: ServerResponse, body: unknown, meta: RequestMeta, session: RequestSession): Promise<void> {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: "POST", headers, search: "", body },
      context: () => context(req.headers, meta, session),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status || 200;
    if (response.body.kind === "complete") {
      send(res, response.body.string, etag);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}
