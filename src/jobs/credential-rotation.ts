// Key rotation without downtime: add a new key at the END of CREDENTIALS_KEYS
// (it seals from then on; the old ones still open), deploy, and every stored
// credential is re-sealed under the newest key, tenant by tenant in short
// batched transactions. Once nothing is left under an old key id, that key can
// be removed from the ring. Each instance runs it in-process at start-up (the
// instance that has the new key does the work, not whichever one a queued job
// lands on), and hourly as a pg-boss job; with nothing to do it costs one
// indexed query per tenant. Concurrent runs are safe (rows are locked with
// SKIP LOCKED and only rows under another key are selected).
import { rotateAllCredentials, type RotationResult } from "../data/credential-vault.js";
import { QUEUES } from "../data/job-queue.js";
import { withConnectors } from "../orchestration/connection/connection.js";
import type { Services } from "../orchestration/services.js";

export async function runCredentialRotation(services: Pick<Services, "db" | "config" | "connectors">): Promise<RotationResult> {
  if (!services.connectors) throw new Error("connectors are not configured in these services");
  return rotateAllCredentials(services.db, services.connectors.vault, services.config.CREDENTIALS_ROTATION_BATCH);
}

export async function startCredentialRotationWorker(services: Services): Promise<void> {
  const { jobs, logger } = services;
  const { vault } = withConnectors(services).connectors;
  await jobs.boss.schedule(QUEUES.credentialRotation.name, "17 * * * *", {});
  await jobs.boss.work(QUEUES.credentialRotation.name, async () => {
    const result = await runCredentialRotation(services);
    if (result.resealed || result.failed) logger.info({ rotation: { ...result, keyId: vault.ring.current.id } }, "credentials re-encrypted");
    if (result.failed) logger.error({ failed: result.failed }, "some stored credentials could not be decrypted with any key of CREDENTIALS_KEYS");
  });
  // A key added at deploy time is rolled out now, by this instance, not at the next hour.
  void runCredentialRotation(services)
    .then((result) => {
      if (result.resealed || result.failed) logger.info({ rotation: { ...result, keyId: vault.ring.current.id } }, "credentials re-encrypted at start-up");
    })
    .catch((error: unknown) => logger.warn({ err: error instanceof Error ? { name: error.name } : undefined }, "credential rotation at start-up did not finish; the hourly job retries"));
}
