// The weekly digest's schedule: every hour, the digests that are due (Monday
// from 07:00 in each tenant's time zone, once per member and week) are written
// (src/orchestration/report/weekly-digest.ts). Hourly, not once a week, so each
// tenant's own Monday morning is met and a missed run catches up.
import { QUEUES } from "../data/job-queue.js";
import { writeDueWeeklyDigests } from "../orchestration/report/weekly-digest.js";
import type { Services } from "../orchestration/services.js";

export const WEEKLY_DIGEST_CRON = "5 * * * *";

export async function startWeeklyDigestWorker(services: Services): Promise<void> {
  const { jobs, logger } = services;
  await jobs.boss.schedule(QUEUES.weeklyDigest.name, WEEKLY_DIGEST_CRON, {});
  await jobs.boss.work(QUEUES.weeklyDigest.name, async () => {
    const result = await writeDueWeeklyDigests(services, new Date());
    if (result.written) logger.info(result, "weekly digests written");
  });
}
