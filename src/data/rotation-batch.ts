// One batch of a key-rotation pass (credentials or encrypted fields), retried
// when the database, not the data, failed it. A value no key opens is a
// permanent failure: counted and left alone. A pool timeout, a transaction
// timeout or a dropped connection is not: under load (several instances
// rolling a new key out at once, a busy pool at start-up) giving up on it would
// leave rows under the old key until the next hourly run.
import { ExponentialBackoff, handleWhen, retry } from "cockatiel";

/**
 * Runs one rotation batch; undefined when it cannot be done: the value does not
 * open (`isUnopenable`, not retried) or the database kept failing.
 */
export async function rotationBatch(run: () => Promise<number>, isUnopenable: (error: unknown) => boolean): Promise<number | undefined> {
  const policy = retry(
    handleWhen((error) => !isUnopenable(error)),
    { maxAttempts: 3 /* retries, after the first try */, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }) },
  );
  try {
    return await policy.execute(run);
  } catch {
    return undefined;
  }
}
