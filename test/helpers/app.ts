// Starts the real service (same composition root as `npm start`) on a random
// port against the file's own database, and provisions tenants with a token
// per role.
import { inject } from "vitest";
import { startApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/observability/logger.js";
import { provisionTenant } from "../../src/data/provisioning.js";
import type { Role } from "../../src/domain/access/permission.js";
import type { EmailTransport } from "../../src/integrations/email/transport.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { watchSubscriptions } from "./subscriptions.js";

export const TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

export interface TestApp {
  app: App;
  db: TestDatabase;
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Use Redis pub/sub (the test must be skipped when none is available). */
  redisUrl?: string | null;
  env?: Record<string, string>;
  db?: TestDatabase;
  onQuery?: (sql: string) => void;
  /** Replaces the e-mail transport (a transport that fails or hangs on purpose). */
  mailTransport?: EmailTransport;
  /** Replaces the AI runtime (providers that fail on purpose). */
  ai?: Parameters<typeof startApp>[0]["ai"];
}

export async function startTestApp(options: StartOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATABASE_URL: db.ownerUrl,
    DATABASE_APP_URL: db.appUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    MIGRATE_ON_START: "false",
    SEED_DEMO_TENANT: "false",
    OUTBOX_SWEEP_MS: "100",
    // Request budgets out of the way of tests that are not about them (test/api/rate-limit.test.ts sets its own).
    RATE_LIMIT_CALLER_POINTS: "10000000",
    RATE_LIMIT_TENANT_POINTS: "100000000",
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  });
  const app = await startApp({ config, appUrl: db.appUrl, jwtSecret: TEST_JWT_SECRET, onQuery: options.onQuery, mailTransport: options.mailTransport, ai: options.ai });
  const wsUrl = `${app.url.replace(/^http/, "ws")}/graphql`;
  watchSubscriptions(wsUrl, app.services.bus, options.redisUrl ?? null);
  return {
    app,
    db,
    url: app.url,
    graphqlUrl: `${app.url}/graphql`,
    wsUrl,
    close: () => app.stop(),
  };
}

export const ALL_ROLES = ["OWNER", "ADMIN", "MANAGER", "OPERATOR", "ANALYST"] as const;

export interface TestMember {
  userId: string;
  membershipId: string;
  email: string;
  role: Role;
  token: string;
}

export interface TestTenant {
  tenantId: string;
  slug: string;
  /** One member per role. */
  members: Record<Exclude<Role, "SERVICE">, TestMember>;
}

let tenantCounter = 0;

export async function createTenant(testApp: TestApp, slugPrefix = "t"): Promise<TestTenant> {
  const slug = `${slugPrefix}-${process.pid}-${++tenantCounter}-${Math.random().toString(36).slice(2, 6)}`;
  const provisioned = await provisionTenant(testApp.db.ownerUrl, {
    name: `Tenant ${slug}`,
    slug,
    members: ALL_ROLES.map((role) => ({ email: `${role.toLowerCase()}@${slug}.example`, name: `${role} of ${slug}`, role })),
  });
  const members = {} as TestTenant["members"];
  for (const m of provisioned.members) {
    const token = await testApp.app.authenticator.issueUserToken({ userId: m.userId, tenantId: provisioned.tenantId }, 3600);
    members[m.role as Exclude<Role, "SERVICE">] = { ...m, token };
  }
  return { tenantId: provisioned.tenantId, slug, members };
}

/** A second instance whose log lines are kept, for tests that no secret reaches the log. */
export interface LoggedApp {
  app: App;
  graphqlUrl: string;
  /** Every line written so far (JSON, one per entry). */
  lines: string[];
  /** A bearer token of `member` in `tenantId` issued by this instance. */
  tokenFor(member: { userId: string }, tenantId: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts another instance on the test app's database (same secrets, no migration
 * or demo seed) with a logger at debug level that keeps every line; `env`
 * adds the settings under test. Stop it in a finally.
 */
export async function startLoggedApp(testApp: TestApp, env: Record<string, string>): Promise<LoggedApp> {
  const lines: string[] = [];
  const logger = createLogger("debug", { write: (line: string) => void lines.push(line) });
  const config = loadConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: testApp.db.ownerUrl,
    DATABASE_APP_URL: testApp.db.appUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    MIGRATE_ON_START: "false",
    SEED_DEMO_TENANT: "false",
    ...env,
  });
  const app = await startApp({ config, appUrl: testApp.db.appUrl, jwtSecret: TEST_JWT_SECRET, logger });
  return {
    app,
    graphqlUrl: `${app.url}/graphql`,
    lines,
    tokenFor: (member, tenantId) => app.authenticator.issueUserToken({ userId: member.userId, tenantId }, 600),
    stop: () => app.stop(),
  };
}

/** The Redis URL for tests that need Redis, or null with the reason to skip. */
export function redisForTests(): { url: string | null; reason: string } {
  return { url: inject("redisUrl"), reason: inject("redisSkipReason") };
}
