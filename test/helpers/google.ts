// The service against the wire-level fake Google (test/fakes/google): the
// settings that point it there, and a Google account connected the way a
// member does it (connectionStart, consent at the fake, the public OAuth
// callback), shared by the Gmail, calendar and meeting tests.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Role } from "../../src/domain/access/permission.js";
import type { FakeGoogle } from "../fakes/google/server.js";
import type { TestApp, TestTenant } from "./app.js";
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
