// HubSpot outbound work (src/orchestration/connection/hubspot-push.ts does it):
// one job per HubspotSyncItem, enqueued from the outbox (app.ts onDelivered).
// A transient failure (HubSpot 5xx/429 past the in-process wait, the rate
// budget, an open circuit) leaves the item PENDING with its error and is
// retried by pg-boss with backoff; after MAX_ATTEMPTS tries, or a refusal, the
// item is FAILED (audited and evented as sales.connection.crm_item_failed).
import { QUEUES } from "../data/job-queue.js";
import { withConnectors } from "../orchestration/connection/connection.js";
import { runHubspotItem, type HubspotItemJob } from "../orchestration/connection/hubspot-push.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

export async function startHubspotPushWorker(services: Services): Promise<void> {
  const { jobs, logger } = services;
  await workTenantQueue<HubspotItemJob>(services, QUEUES.hubspotPush.name, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    try {
      const outcome = await runHubspotItem(withConnectors(services), job.data);
      if (outcome) logger.debug({ hubspotItem: { itemId: job.data.itemId, status: outcome.status } }, "HubSpot item done");
    } catch (error) {
      logger.warn({ itemId: job.data.itemId, err: error instanceof Error ? { name: error.name, message: error.message.slice(0, 200) } : undefined }, "HubSpot item failed; retried");
      throw new Error("transient HubSpot failure; retried");
    }
  });
}
