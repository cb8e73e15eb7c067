// What a use case may use. Built once at start-up (src/app.ts) and passed
// down; tests build the same thing against their own database.
import type { Config } from "../config/index.js";
import type { Database } from "../data/database.js";
import type { JobQueue } from "../data/job-queue.js";
import type { EventBus } from "../data/pubsub.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { SalesHooks } from "./sales-hooks.js";

export interface Services {
  config: Config;
  db: Database;
  bus: EventBus;
  jobs: JobQueue;
  logger: Logger;
  metrics: Metrics;
  /** Suppression check and AI assessment for lead scoring; absent until those features wire them. */
  salesHooks?: SalesHooks;
}
