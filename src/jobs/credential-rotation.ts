// Key rotation without downtime: add a new key at the END of CREDENTIALS_KEYS
// (it seals from then on; the old ones still open), deploy, and every stored
// credential is re-sealed under the newest key, tenant by tenant in short
// batched transactions. Once nothing is left under an old key id, that key can
// be removed from the ring. Each instance runs it in-process at start-up (the
// instance that has the new key does the work, not whichever one a queued job
// lands on), and hourly as a pg-boss job; with nothing to do it costs one
// indexed query per tenant. Concurrent runs are safe (rows are locked with
// SKIP LOCKED and only rows under another key are selected).
//
// The same pass seals the encrypted fields (message bodies, voice samples,
// inbound webhook bodies, long-memory excerpts; src/data/field-encryption.ts): values under an older
// key are re-sealed under the newest, and plaintext rows written before
// encryption existed are sealed — so upgrading an existing database needs no
// separate migration step.
import { rotateAllCredentials, type RotationResult } from "../data/credential-vault.js";
import { sealAllFields, type FieldSealingResult } from "../data/field-encryption.js";
import { QUEUES } from "../data/job-queue.js";
import { withConnectors } from "../orchestration/connection/connection.js";
import type { Services } from "../orchestration/services.js";

export async function runCredentialRotation(services: Pick<Services, "db" | "config" | "connectors">): Promise<RotationResult & { fields?: FieldSealingResult }> {
  if (!services.connectors) throw new Error("connectors are not configured in these services");
  const result = await rotateAllCredentials(services.db, services.connectors.vault, services.config.CREDENTIALS_ROTATION_BATCH);
  if (!services.db.fields) return result;
  const fields = await sealAllFields(services.db, services.db.fields, services.config.CREDENTIALS_ROTATION_BATCH);
  return { ...result, fields };
}

/** Whether a pass changed or failed anything worth a log line. */
function eventful(result: RotationResult & { fields?: FieldSealingResult }): boolean {
  const sealed = result.fields ? Object.values(result.fields.sealed).reduce((a, b) => a + b, 0) : 0;
  return Boolean(result.resealed || result.failed || sealed || result.fields?.failed);
}

export async function startCredentialRotationWorker(services: Services): Promise<void> {
  const { jobs, logger } = services;
  const { vault } = withConnectors(services).connectors;
  await jobs.boss.schedule(QUEUES.credentialRotation.name, "17 * * * *", {});
  await jobs.boss.work(QUEUES.credentialRotation.name, async () => {
    const result = await runCredentialRotation(services);
    if (eventful(result)) logger.info({ rotation: { ...result, keyId: vault.ring.current.id } }, "credentials re-encrypted");
    if (result.fields?.failed) logger.error({ failed: result.fields.failed }, "some encrypted fields could not be decrypted with any key of CREDENTIALS_KEYS");
    if (result.failed) logger.error({ failed: result.failed }, "some stored credentials could not be decrypted with any key of CREDENTIALS_KEYS");
  });
  // A key added at deploy time is rolled out now, by this instance, not at the next hour.
  void runCredentialRotation(services)
    .then((result) => {
      if (eventful(result)) logger.info({ rotation: { ...result, keyId: vault.ring.current.id } }, "credentials re-encrypted at start-up");
    })
    .catch((error: unknown) => logger.warn({ err: error instanceof Error ? { name: error.name } : undefined }, "credential rotation at start-up did not finish; the hourly job retries"));
}
