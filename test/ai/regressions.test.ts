// Recommendation and qualification outputs of the local provider for fixed
// inputs must not drift silently: compare with the committed snapshots
// (regenerate with `npm run eval -- --update-snapshots` and review the diff).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { localRegressions, REGRESSIONS_FILE } from "../../bench/regressions.js";
import { createAiRuntime, memoryInvocationStore } from "../../src/ai/runtime.js";
import { loadConfig } from "../../src/config/index.js";
import type { Database } from "../../src/data/database.js";
import { createLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { messageDate } from "../../src/ai/email.js";

describe("local regressions", () => {
  it("match the committed snapshots", async () => {
    const store = memoryInvocationStore();
    const ai = createAiRuntime({ config: loadConfig({ NODE_ENV: "test" }), db: {} as Database, metrics: createMetrics(), logger: createLogger("silent") }, { store });
    const actual = await localRegressions(ai, "00000000-0000-7000-8000-000000000001");
    expect(actual).toEqual(JSON.parse(readFileSync(REGRESSIONS_FILE, "utf8")));
    // Every call was recorded, all local.
    expect(store.rows.length).toBeGreaterThan(0);
    expect(store.rows.every((r) => r.provider === "local" && r.outcome === "SUCCESS")).toBe(true);
  });

  it("reads Date headers with zone abbreviations and refuses unreadable ones instead of using 'now'", () => {
    expect(messageDate("Thu, 9 Apr 2006 23:34:45 JST")).toBe("2006-04-09T14:34:45.000Z");
    expect(messageDate("Tue, 17 Dec 2019 02:53:09 +0000 (UTC)")).toBe("2019-12-17T02:53:09.000Z");
    expect(messageDate("not a date")).toBeNull();
    expect(messageDate(undefined)).toBeNull();
  });
});
