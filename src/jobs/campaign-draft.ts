// The campaign draft worker: each job is one send day of one story-pitch
// campaign, due ahead of that day (pg-boss startAfter): it writes the day's
// drafts (src/orchestration/campaign/campaign.ts, runCampaignDraftJob). A job
// that throws (the database or the AI provider failed) is retried by pg-boss;
// a retry is safe: each recipient's status and the campaign's token decide.
import { QUEUES } from "../data/job-queue.js";
import { runCampaignDraftJob, type CampaignDraftJob } from "../orchestration/campaign/campaign.js";
import type { Services } from "../orchestration/services.js";
import { workTenantQueue } from "./tenant-worker.js";

export async function startCampaignDraftWorker(services: Services): Promise<{ wake(): void }> {
  const { jobs, logger, config } = services;
  const workerId = await workTenantQueue<CampaignDraftJob>(
    services,
    QUEUES.campaignDraft.name,
    { batchSize: 1, pollingIntervalSeconds: Math.max(0.5, Math.min(config.SEND_POLL_SECONDS, 2)) },
    async (batch) => {
      for (const job of batch) {
        const result = await runCampaignDraftJob(services, job.data);
        logger.info({ jobId: job.id, campaignId: job.data.campaignId, day: job.data.day, ...result }, "campaign draft job done");
      }
    },
  );
  return { wake: () => jobs.boss.notifyWorker(workerId) };
}
