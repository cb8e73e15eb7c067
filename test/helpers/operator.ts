// Fixtures for the operator-mode tests: contacts inserted directly (the sales
// domain owns contact use cases), tenant settings patched as the owner, and a
// test app whose send workers and sweeper the test drives itself.
import { ROLE_PERMISSIONS, type Role } from "../../src/domain/access/permission.js";
import { applyMergePatch } from "../../src/domain/tenant/tenant.js";
import type { Actor } from "../../src/orchestration/unit-of-work.js";
import type { EmailTransport } from "../../src/integrations/email/transport.js";
import { startTestApp, type StartOptions, type TestApp, type TestTenant } from "./app.js";
import { asOwner, type TestDatabase } from "./database.js";
import { waitFor as waitForCondition } from "./wait.js";

export async function insertContact(
  db: TestDatabase,
  tenantId: string,
  contact: { email: string | null; firstName?: string; doNotContact?: boolean; title?: string; timeZone?: string | null },
): Promise<string> {
  return asOwner(db, async (c) => {
    const r = await c.query<{ id: string }>(
      `INSERT INTO "Contact" ("id", "tenantId", "email", "emailOriginal", "firstName", "doNotContact", "title", "timeZone", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, $2, $3, $4, $5, $6, CURRENT_TIMESTAMP) RETURNING "id"`,
      [tenantId, contact.email?.toLowerCase() ?? null, contact.firstName ?? null, contact.doNotContact ?? false, contact.title ?? null, contact.timeZone ?? null],
    );
    return r.rows[0]!.id;
  });
}

/** Applies a JSON merge patch to the tenant's settings, as the owner (bypassing the API on purpose). */
export async function patchSettings(db: TestDatabase, tenantId: string, patch: Record<string, unknown>): Promise<void> {
  await asOwner(db, async (c) => {
    const current = (await c.query<{ settings: unknown }>(`SELECT "settings" FROM "Tenant" WHERE "id" = $1`, [tenantId])).rows[0]!.settings;
    await c.query(`UPDATE "Tenant" SET "settings" = $2::jsonb WHERE "id" = $1`, [tenantId, JSON.stringify(applyMergePatch(current, patch))]);
  });
}

export async function sql<T = Record<string, unknown>>(db: TestDatabase, text: string, values: unknown[] = []): Promise<T[]> {
  return asOwner(db, async (c) => (await c.query(text, values)).rows as T[]);
}

/** The app with no background send workers and no periodic sweep: the test calls them. */
export function startOperatorApp(options: StartOptions & { mailTransport?: EmailTransport; workers?: number } = {}): Promise<TestApp> {
  return startTestApp({
    ...options,
    env: {
      SEND_WORKERS: String(options.workers ?? 0),
      SEND_SWEEP_SECONDS: "3600",
      SEND_POLL_SECONDS: "0.5",
      SEND_RETRY_DELAY_SECONDS: "1",
      DATABASE_POOL_MAX: "20",
      ...options.env,
    },
  });
}

/** Polls until the probe returns something (see helpers/wait.ts). */
export function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  return waitForCondition(probe, { timeout: timeoutMs, message: what });
}

/** The headers of an RFC 5322 message (unfolded), by lower-case name. */
export function headersOf(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** The text of a single-part message, quoted-printable decoded. */
export function textBodyOf(raw: string): string {
  const body = raw.slice(raw.search(/\r?\n\r?\n/)).replace(/^\r?\n\r?\n/, "");
  if (!/^Content-Transfer-Encoding: quoted-printable$/im.test(raw.split(/\r?\n\r?\n/)[0]!)) return body;
  const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** The member of `role` as a use-case actor (for tests that call the orchestration layer directly). */
export function userActor(tenant: TestTenant, role: Exclude<Role, "SERVICE"> = "OPERATOR"): Actor {
  const m = tenant.members[role];
  return {
    principal: { kind: "USER", id: m.userId, userId: m.userId, tenantId: tenant.tenantId, role, permissions: ROLE_PERMISSIONS[role], label: `user:${m.email}` },
    meta: { requestId: `test-${role.toLowerCase()}`, traceId: null },
  };
}
