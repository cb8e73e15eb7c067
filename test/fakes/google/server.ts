// The composed wire-level Google fake: OAuth (oauth.ts) + Gmail + Calendar +
// Drive on one port, for the real SDKs pointed at it
// (`rootUrl: fake.rootUrl`, trailing slash included; GOOGLE_OAUTH_BASE_URL = fake.url).
// - Bearer tokens: those the OAuth fake issued (its authenticate()), tokens
//   registered with `addToken(token, email)`, or — when `acceptAnyToken` —
//   any token, as `defaultEmail`. Anything else is Google's 401 authError.
// - Fault injection: `failNext({ status, retryAfter, times, path, afterHandling })` answers
//   the next matching API requests with Google's error shape (429 with a
//   Retry-After header, 5xx…) before any route runs.
// - `requests` counts API requests per "METHOD path".
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { calendarRoutes, createFakeCalendar, type FakeCalendar } from "./calendar.js";
import { googleError, readJson, type RequestContext, type RouteModule } from "./common.js";
import { createFakeDrive, driveRoutes, type FakeDrive } from "./drive.js";
import { createFakeGmail, gmailRoutes, type FakeGmail } from "./gmail.js";
import { createFakeGoogleOAuth, googleOAuthRoutes, type FakeGoogleOAuth } from "./oauth.js";
import { createFakePubSub, pubsubRoutes, type FakePubSub } from "./pubsub.js";

export interface InjectedFailure {
  status: number;
  /** Retry-After header value (seconds, or an HTTP date). */
  retryAfter?: string | number;
  /** How many requests to fail (default 1). */
  times?: number;
  /** Only requests whose path matches (default: every API request). */
  path?: RegExp;
  message?: string;
  /** Handle the request first (e.g. accept a send), then answer with the error: a lost answer after the provider acted. */
  afterHandling?: boolean;
}

export interface FakeGoogle {
  /** Base URL without trailing slash (GOOGLE_OAUTH_BASE_URL). */
  readonly url: string;
  /** The SDKs' rootUrl (trailing slash). */
  readonly rootUrl: string;
  readonly oauth: FakeGoogleOAuth;
  readonly gmail: FakeGmail;
  readonly calendar: FakeCalendar;
  readonly drive: FakeDrive;
  /** Gmail push: the token-signing certificates (/oauth2/v1/certs) and signed Pub/Sub push requests. */
  readonly pubsub: FakePubSub;
  readonly requests: Record<string, number>;
  addToken(token: string, email: string): void;
  failNext(failure: InjectedFailure): void;
  close(): Promise<void>;
}

export interface FakeGoogleOptions {
  port?: number;
  host?: string;
  /** Accept any Bearer token as defaultEmail (standalone use, e.g. npm run dev:fakes). */
  acceptAnyToken?: boolean;
  defaultEmail?: string;
  oauth?: Parameters<typeof createFakeGoogleOAuth>[0];
  /**
   * `POST /__fake/gmail/deliver` { email, raw }: delivers a message from another process (npm run dev:fakes,
   * scripts/walkthrough-google.ts); `GET /__fake/gmail/sent?email=` lists what users.messages.send received
   * (`{ sent: [{ mailbox, id, threadId, messageId, raw }] }`, all mailboxes without `email`).
   */
  controlRoutes?: boolean;
}

export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const oauth = createFakeGoogleOAuth(options.oauth);
  const gmail = createFakeGmail();
  const calendar = createFakeCalendar();
  const drive = createFakeDrive();
  const pubsub = createFakePubSub();
  const certRoutes = pubsubRoutes(pubsub);
  // Gmail publishes changes of watched mailboxes; the push subscription delivers them, signed.
  gmail.onChange = (change) => {
    const endpoint = pubsub.pushEndpoint;
    if (!endpoint) return;
    void pubsub
      .push(endpoint, change.email, change.historyId)
      .then((res) => pubsub.pushed.push({ email: change.email, historyId: change.historyId, status: res.status }))
      .catch(() => pubsub.pushed.push({ email: change.email, historyId: change.historyId, status: 0 }));
  };
  const oauthRoutes = googleOAuthRoutes(oauth);
  const modules: RouteModule[] = [gmailRoutes(gmail), calendarRoutes(calendar), driveRoutes(drive)];
  const tokens = new Map<string, string>();
  const failures: (InjectedFailure & { left: number })[] = [];
  const requests: Record<string, number> = {};

  function account(req: IncomingMessage): string | null {
    const viaOAuth = oauth.authenticate(req);
    if (viaOAuth) return viaOAuth.user.email.toLowerCase();
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!token) return null;
    const known = tokens.get(token);
    if (known) return known;
    return options.acceptAnyToken ? (options.defaultEmail ?? oauth.user.email).toLowerCase() : null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await oauthRoutes(req, res)) return;
    if (certRoutes(req, res)) return;
    const url = new URL(req.url ?? "/", "http://fake");
    if (options.controlRoutes && req.method === "POST" && url.pathname === "/__fake/gmail/deliver") {
      const body = (await readJson(req)) as { email?: unknown; raw?: unknown };
      if (typeof body.email !== "string" || typeof body.raw !== "string") return void googleError(res, 400, "email and raw are required");
      const message = gmail.deliver(body.email.toLowerCase(), { raw: body.raw });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: message.id, threadId: message.threadId, historyId: message.historyId }));
      return;
    }
    if (options.controlRoutes && req.method === "GET" && url.pathname === "/__fake/gmail/sent") {
      const email = url.searchParams.get("email")?.toLowerCase();
      const sent = gmail.sent.filter((s) => !email || s.mailbox === email);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sent }));
      return;
    }
    const key = `${req.method} ${url.pathname}`;
    requests[key] = (requests[key] ?? 0) + 1;
    const failure = failures.find((f) => f.left > 0 && (!f.path || f.path.test(url.pathname)));
    if (failure) {
      failure.left -= 1;
      if (failure.left === 0) failures.splice(failures.indexOf(failure), 1);
      const email = failure.afterHandling ? account(req) : null;
      if (email) {
        // Act on the request with the answer thrown away, then fail as if the answer was lost on the way back.
        const sink = { writeHead: () => sink, setHeader: () => sink, end: () => sink, headersSent: false } as unknown as ServerResponse;
        let bodyCache: Promise<unknown> | null = null;
        const ctx: RequestContext = { req, res: sink, url, email, body: () => (bodyCache ??= readJson(req)) };
        for (const route of modules) if (await route(ctx)) break;
      }
      for await (const _ of req); // drain the body
      googleError(res, failure.status, failure.message ?? (failure.status === 429 ? "Too many concurrent requests for user." : "Backend Error"), {
        headers: failure.retryAfter !== undefined ? { "retry-after": String(failure.retryAfter) } : {},
      });
      return;
    }
    const email = account(req);
    if (!email) {
      googleError(res, 401, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", {
        reason: "authError",
        headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      });
      return;
    }
    let bodyCache: Promise<unknown> | null = null;
    const ctx: RequestContext = { req, res, url, email, body: () => (bodyCache ??= readJson(req)) };
    for (const route of modules) if (await route(ctx)) return;
    googleError(res, 404, "Not Found");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) googleError(res, error instanceof SyntaxError ? 400 : 500, error instanceof SyntaxError ? "Invalid JSON payload received." : "Internal error encountered.");
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    rootUrl: `${url}/`,
    oauth,
    gmail,
    calendar,
    drive,
    pubsub,
    requests,
    addToken: (token, email) => void tokens.set(token, email.toLowerCase()),
    failNext: (failure) => void failures.push({ ...failure, left: failure.times ?? 1 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
