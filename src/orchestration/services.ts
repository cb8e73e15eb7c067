// What a use case may use. Built once at start-up (src/app.ts) and passed
// down; tests build the same thing against their own database.
import type { AiRuntime } from "../ai/runtime.js";
import type { Config } from "../config/index.js";
import type { Database } from "../data/database.js";
import type { JobQueue } from "../data/job-queue.js";
import type { EventBus } from "../data/pubsub.js";
import type { MailServices } from "../integrations/email/mail.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { ConnectorServices } from "./connection/connection.js";
import type { PlatformIdentity } from "./access/platform-admin.js";
import type { OidcClient } from "../integrations/oidc.js";
import type { SalesHooks } from "./pipeline/sales-hooks.js";

export interface Services {
  config: Config;
  db: Database;
  bus: EventBus;
  jobs: JobQueue;
  logger: Logger;
  metrics: Metrics;
  /** E-mail transport, unsubscribe signing, public URL (operator mode). */
  mail: MailServices;
  /** The AI runtime: proposals from the local or an external provider, every call recorded. */
  ai: AiRuntime;
  /** Suppression check and AI assessment for lead scoring; absent until those features wire them. */
  salesHooks?: SalesHooks;
  /** Connections: the credential vault, the resilience policy, the OAuth providers (built by app.ts; absent in bare scripts). */
  connectors?: ConnectorServices;
  /** Platform administrators' tokens, and sign-in tokens handed out on accepting an invitation (built by app.ts). */
  platform?: PlatformIdentity;
  /** The identity provider for console sign-in (OIDC_ISSUER); absent when not configured. */
  oidc?: OidcClient;
}
