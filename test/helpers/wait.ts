// Waiting on a condition instead of a wall-clock guess: poll until the probe
// returns something truthy, and fail with a message that says what never
// came when it does not come within the bound. A probe that throws fails the
// wait at once (a broken probe must not look like a slow one).

export interface WaitOptions {
  /** The longest wait; generous, since a loaded machine is slow (default 30 s). */
  timeout?: number;
  /** What was awaited, for the failure message. */
  message?: string;
  /** Time between probes (default 50 ms). */
  interval?: number;
}

/** Polls `condition` until it returns a truthy value and returns that value; throws after `timeout`. */
export async function waitFor<T>(condition: () => T | null | undefined | false | Promise<T | null | undefined | false>, options: WaitOptions = {}): Promise<T> {
  const { timeout = 30_000, message = "a condition", interval = 50 } = options;
  const started = Date.now();
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() - started > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${message}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
