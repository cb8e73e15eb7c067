// A rotation batch the database failed is retried; one whose value does not
// open is not (retrying cannot help, and it is counted as failed instead).
import { describe, expect, test } from "vitest";
import { rotationBatch } from "../../src/data/rotation-batch.js";

class Unopenable extends Error {}

describe("rotationBatch", () => {
  test("retries a transient failure and returns the batch's count", async () => {
    let calls = 0;
    const n = await rotationBatch(async () => {
      calls++;
      if (calls < 3) throw new Error("Transaction API error: Unable to start a transaction in the given time.");
      return 7;
    }, (e) => e instanceof Unopenable);
    expect(n).toBe(7);
    expect(calls).toBe(3);
  });

  test("gives up at once on a value no key opens", async () => {
    let calls = 0;
    const n = await rotationBatch(async () => {
      calls++;
      throw new Unopenable();
    }, (e) => e instanceof Unopenable);
    expect(n).toBeUndefined();
    expect(calls).toBe(1);
  });

  test("gives up after a few attempts when the database keeps failing", async () => {
    let calls = 0;
    const n = await rotationBatch(async () => {
      calls++;
      throw new Error("connection terminated");
    }, () => false);
    expect(n).toBeUndefined();
    expect(calls).toBe(4);
  });
});
