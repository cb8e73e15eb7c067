// A finished subscription lets go of its pub/sub listener at once, even when
// no event ever arrives for its tenant (src/api/schema/event.ts closingWith):
// an async generator waiting in `for await` would otherwise hold it until the
// tenant's next event — forever for a quiet tenant.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, startTestApp, type TestApp, type TestTenant } from "../helpers/app.js";
import { wsClient } from "../helpers/graphql.js";
import { closedCount, listeningCount } from "../helpers/subscriptions.js";
import { waitFor } from "../helpers/wait.js";

const SUBSCRIPTIONS = [
  "subscription { events { id } }",
  "subscription { draftStatusChanged { draftId } }",
  "subscription { pendingDraftsChanged { draftId } }",
  "subscription { inboundMessageAnalysed { __typename } }",
];

describe("closing subscriptions of a quiet tenant", () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t, "quiet");
  }, 60_000);
  afterAll(() => t?.close());

  for (const query of SUBSCRIPTIONS) {
    it(`${query}: the event stream is closed as soon as the client completes it`, async () => {
      const listening = listeningCount(t.wsUrl)!;
      const closed = closedCount(t.wsUrl)!;
      const { client } = wsClient(t.wsUrl, { token: tenant.members.MANAGER.token });
      const errors: unknown[] = [];
      const stop = client.subscribe({ query }, { next: (v) => v.errors && errors.push(...v.errors), error: (e) => errors.push(e), complete: () => {} });
      await waitFor(() => listeningCount(t.wsUrl)! > listening || errors.length > 0, { timeout: 10_000, message: "the server to start listening" });
      expect(errors).toEqual([]);
      stop(); // the client sends `complete`; no event is ever published for this tenant
      await waitFor(() => closedCount(t.wsUrl)! > closed, { timeout: 3_000, message: "the server to close the event stream" });
      expect(closedCount(t.wsUrl)! - closed).toBe(1);
      await client.dispose();
    });
  }
});
