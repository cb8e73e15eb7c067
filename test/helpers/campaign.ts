// Set-up shared by the campaign send-plan tests: an operator app whose send
// workers are off (they only preview and launch), one workspace planning in
// Berlin time from its own sender mailbox, and the Monday to plan from. Their
// contacts (found by a title segment) come from insertContact (helpers/operator.ts).
import { execute } from "./graphql.js";
import { createTenant, type TestApp, type TestTenant } from "./app.js";
import { patchSettings, startOperatorApp } from "./operator.js";

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CampaignPlanApp {
  t: TestApp;
  a: TestTenant;
  /** Runs a GraphQL document as the token's holder; throws on any top-level error. */
  ok(token: string, query: string, variables?: Record<string, unknown>): Promise<Json>;
}

/** The app and its workspace (time zone Europe/Berlin, mailbox sales@<slugPrefix>.example), with `settings` merged into the workspace's settings. */
export async function startCampaignPlanApp(slugPrefix: string, settings: Record<string, unknown> = {}): Promise<CampaignPlanApp> {
  const t = await startOperatorApp({ workers: 0 });
  const a = await createTenant(t, slugPrefix);
  await patchSettings(t.db, a.tenantId, { general: { timeZone: "Europe/Berlin" }, sending: { mailboxes: [`sales@${slugPrefix}.example`] } });
  if (Object.keys(settings).length) await patchSettings(t.db, a.tenantId, settings);
  return {
    t,
    a,
    async ok(token, query, variables = {}) {
      const r = await execute<Json, Record<string, unknown>>(t.graphqlUrl, query, variables, { token });
      if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
      return r.data as Json;
    },
  };
}

/** A Monday at least `weeks` weeks ahead (YYYY-MM-DD): a business day whatever today is. */
export function mondayAhead(weeks: number): string {
  const d = new Date(Date.now() + weeks * 7 * 86_400_000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
