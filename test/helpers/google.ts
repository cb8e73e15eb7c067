// The service against the wire-level fake Google (test/fakes/google): the
// settings that point it there, and a Google account connected the way a
// member does it (connectionStart, consent at the fake, the public OAuth
// callback), shared by the Gmail, calendar and meeting tests; and the app,
// counters and message builder the Gmail sync and push tests share.
import { randomBytes, randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { Role } from "../../src/domain/access/permission.js";
import { startFakeGoogle, type FakeGoogle } from "../fakes/google/server.js";
import { startTestApp, type TestApp, type TestTenant } from "./app.js";
import { execute } from "./graphql.js";
import { sql } from "./operator.js";

/** Google OAuth and the Google APIs pointed at the fake, and a key for the credential vault that keeps the tokens. */
export function fakeGoogleEnv(google: FakeGoogle, credentialsKeys = `k1:${randomBytes(32).toString("base64")}`): Record<string, string> {
  return {
    GOOGLE_OAUTH_BASE_URL: google.url,
    GOOGLE_API_ROOT_URL: google.rootUrl,
    GOOGLE_CLIENT_ID: google.oauth.clientId,
    GOOGLE_CLIENT_SECRET: google.oauth.clientSecret,
    CREDENTIALS_KEYS: credentialsKeys,
  };
}

const START = `mutation FakeGoogleConnectionStart($input: ConnectionStartInput!) {
  connectionStart(input: $input) { authorizationUrl userErrors { code field message } }
}`;

/**
 * Connects the Google account `email` as this member of the tenant (consent given at the fake); returns the
 * new connection's id. `shared` makes it a shared mailbox (ADMIN).
 */
export async function connectGoogle(
  t: TestApp,
  google: FakeGoogle,
  member: { tenant: TestTenant; role: Exclude<Role, "SERVICE"> },
  email: string,
  options: { scopes: string[]; shared?: boolean },
): Promise<string> {
  google.oauth.user = { email, sub: String(Math.floor(Math.random() * 1e15)) };
  const input = { provider: "GOOGLE", scopes: options.scopes, ...(options.shared ? { shared: true } : {}) };
  const r = await execute<{ connectionStart: { authorizationUrl: string | null; userErrors: unknown[] } }, unknown>(t.graphqlUrl, START, { input }, { token: member.tenant.members[member.role].token });
  expect(r.errors).toBeUndefined();
  expect(r.data!.connectionStart.userErrors).toEqual([]);
  const consent = await fetch(r.data!.connectionStart.authorizationUrl!, { redirect: "manual" });
  const callback = await fetch(consent.headers.get("location")!);
  expect(callback.status, await callback.text()).toBe(200);
  const [row] = await sql<{ id: string }>(
    t.db,
    `SELECT "id" FROM "Connection" WHERE "tenantId" = $1 AND "accountEmail" = $2 ORDER BY "createdAt" DESC LIMIT 1`,
    [member.tenant.tenantId, email],
  );
  return row!.id;
}

// ---- Gmail sync and push tests ------------------------------------------------------

/**
 * A fresh fake Google and the app pointed at it, for tests of what the Gmail
 * sync brings in: agents off (the tests count what the sync ingests, not what
 * the agents make of it), connector retries fast. `env` adds or overrides
 * (a function when it needs the fake's URLs).
 */
export async function startGmailTestApp(
  env: Record<string, string> | ((google: FakeGoogle) => Record<string, string>) = {},
): Promise<{ t: TestApp; google: FakeGoogle; close(): Promise<void> }> {
  const google = await startFakeGoogle();
  const extra = typeof env === "function" ? env(google) : env;
  const t = await startTestApp({ env: { ...fakeGoogleEnv(google), CONNECTOR_RETRY_BASE_MS: "5", AGENT_WORKERS: "0", ...extra } }).catch(async (error: unknown) => {
    await google.close();
    throw error;
  });
  return {
    t,
    google,
    close: async () => {
      await t.close();
      await google.close();
    },
  };
}

/** gmail-sync jobs queued so far (all, or of one mailbox: its connection id is the job's singleton key). */
export async function gmailSyncJobs(t: TestApp, connectionId?: string): Promise<number> {
  const rows = connectionId
    ? await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'gmail-sync' AND singleton_key = $1`, [connectionId])
    : await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'gmail-sync'`);
  return rows[0]!.n;
}

/** The tenant's inbound messages (all, or those that arrived at `mailbox`). */
export async function inboundCount(t: TestApp, tenantId: string, mailbox?: string): Promise<number> {
  const rows = mailbox
    ? await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "InboundMessage" WHERE "tenantId" = $1 AND "mailbox" = $2`, [tenantId, mailbox])
    : await sql<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM "InboundMessage" WHERE "tenantId" = $1`, [tenantId]);
  return rows[0]!.n;
}

/** A plain-text RFC 5322 message (CRLF) for the fake mailbox; a fresh Message-ID unless one is given. */
export function gmailRaw(input: { from: string; to: string; subject: string; body?: string; messageId?: string; inReplyTo?: string; date?: Date }): string {
  return [
    `From: ${input.from}`,
    `To: ${input.to}`,
    `Subject: ${input.subject}`,
    `Date: ${(input.date ?? new Date()).toUTCString()}`,
    `Message-ID: ${input.messageId ?? `<${randomUUID()}@customer.example>`}`,
    ...(input.inReplyTo ? [`In-Reply-To: ${input.inReplyTo}`, `References: ${input.inReplyTo}`] : []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    input.body ?? "Hello, could we talk about pricing for our team next week?",
    "",
  ].join("\r\n");
}
