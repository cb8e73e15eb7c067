// Shared pieces of the wire-level Google API fakes (gmail.ts, calendar.ts,
// drive.ts, composed by server.ts): JSON replies, Google's error envelope
// ({ error: { code, message, errors: [{ domain, reason, message }], status } }),
// request bodies and the authenticated account of a request.
import type { IncomingMessage, ServerResponse } from "node:http";

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The account the Bearer token belongs to (lower-case e-mail). */
  email: string;
  body(): Promise<unknown>;
}

/** A route module: answers its paths (returns true) or leaves the request to the next one (false). */
export type RouteModule = (ctx: RequestContext) => Promise<boolean>;

const STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};
const REASON: Record<number, string> = {
  400: "invalidArgument",
  401: "authError",
  403: "forbidden",
  404: "notFound",
  409: "duplicate",
  429: "rateLimitExceeded",
  500: "backendError",
  503: "backendError",
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
  res.end(JSON.stringify(body));
  return true;
}

/** Google's JSON error envelope (what gaxios puts in error.response.data). */
export function googleError(res: ServerResponse, code: number, message: string, options: { reason?: string; headers?: Record<string, string>; location?: string } = {}): true {
  const reason = options.reason ?? REASON[code] ?? "unknown";
  return sendJson(
    res,
    code,
    {
      error: {
        code,
        message,
        errors: [{ message, domain: "global", reason, ...(options.location ? { location: options.location, locationType: "parameter" } : {}) }],
        status: STATUS[code] ?? "UNKNOWN",
      },
    },
    options.headers,
  );
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

/** Opaque page tokens: the offset into a result list. */
export function pageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

export function offsetOf(token: string | null): number | null {
  if (!token) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return m ? Number(m[1]) : null;
}

/** Keeps the fields named in a partial-response mask such as "id,name,parents" (top level only). */
export function pick<T extends Record<string, unknown>>(value: T, fields: string[] | null): Partial<T> {
  if (!fields) return value;
  const out: Partial<T> = {};
  for (const f of fields) if (f in value) (out as Record<string, unknown>)[f] = value[f];
  return out;
}
