// The service against the wire-level fake HubSpot (test/fakes/hubspot): the
// settings that point the real SDK there, and two tenants, each with its own
// private-app token connected the way an ADMIN does it
// (connectHubspotPrivateApp), shared by the HubSpot integration tests.
import { randomBytes } from "node:crypto";
import type { JobQueue } from "../../src/data/job-queue.js";
import { withConnectors } from "../../src/orchestration/connection/connection.js";
import { connectHubspotPrivateApp } from "../../src/orchestration/connection/hubspot.js";
import { startFakeHubspot, type FakeHubspot } from "../fakes/hubspot/server.js";
import { createTenant, startTestApp, type StartOptions, type TestApp, type TestTenant } from "./app.js";
import { userActor } from "./operator.js";

/** A tenant with its own HubSpot private-app token, connected as its shared HubSpot account. */
export interface HubspotTestTenant extends TestTenant {
  token: string;
  connectionId: string;
}

export interface HubspotTestApp {
  t: TestApp;
  hs: FakeHubspot;
  tenant: HubspotTestTenant;
  other: HubspotTestTenant;
  /** The settings the app started with (a second instance on the same database needs the same vault key). */
  env: Record<string, string>;
  /** The app's services with the connectors (what the HubSpot use cases take). */
  services(): HubspotServices;
  close(): Promise<void>;
}

const servicesOf = (t: TestApp) => withConnectors(t.app.services);
export type HubspotServices = ReturnType<typeof servicesOf>;

/** A job queue that sends nothing: items made with it are run by the test itself (no race with the worker). */
export const noJobs = { send: async () => null } as unknown as JobQueue;

export const privateAppToken = () => `pat-na1-${randomBytes(12).toString("hex")}`;

/** HubSpot's API and OAuth pointed at the fake, a key for the credential vault, fast connector retries (one). */
export function fakeHubspotEnv(hs: FakeHubspot): Record<string, string> {
  return {
    HUBSPOT_API_BASE_URL: hs.url,
    HUBSPOT_OAUTH_BASE_URL: hs.url,
    CREDENTIALS_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    CONNECTOR_RETRY_BASE_MS: "10",
    CONNECTOR_MAX_RETRIES: "1",
  };
}

/**
 * Starts a fake HubSpot and the service pointed at it (`env` added to or overriding fakeHubspotEnv), makes two
 * tenants (slug prefixes `prefixes`) and connects each with its own private-app token on the same fake portal.
 */
export async function startHubspotTestApp(options: { prefixes: [string, string]; env?: Record<string, string> } & Pick<StartOptions, "onQuery">): Promise<HubspotTestApp> {
  const hs = await startFakeHubspot();
  let t: TestApp | undefined;
  try {
    const env = { ...fakeHubspotEnv(hs), ...options.env };
    t = await startTestApp({ env, onQuery: options.onQuery });
    const app = t;
    const services = () => servicesOf(app);
    const connected = async (prefix: string): Promise<HubspotTestTenant> => {
      const tenant = await createTenant(app, prefix);
      const token = privateAppToken();
      hs.addPrivateAppToken(token);
      const outcome = await connectHubspotPrivateApp(services(), userActor(tenant, "ADMIN"), { token });
      if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
      return { ...tenant, token, connectionId: outcome.value.connectionId };
    };
    const tenant = await connected(options.prefixes[0]);
    const other = await connected(options.prefixes[1]);
    return {
      t: app,
      hs,
      tenant,
      other,
      env,
      services,
      async close() {
        await app.close();
        await hs.close();
      },
    };
  } catch (error) {
    await t?.close().catch(() => {});
    await hs.close().catch(() => {});
    throw error;
  }
}
