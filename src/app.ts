// The composition root: builds the services from configuration, starts the
// background workers and the API server. src/main.ts runs it for real; the
// tests run the same code against their own databases.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createAiRuntime, type AiRuntime } from "./ai/runtime.js";
import type { Config } from "./config/index.js";
import { connectDatabase, type Database } from "./data/database.js";
import { resolveKeyRing } from "./data/credential-vault.js";
import { FieldCipher } from "./data/field-encryption.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./data/embedded-postgres.js";
import { installJobQueues, startJobQueue } from "./data/job-queue.js";
import { appUrlFromOwnerUrl, migrate } from "./data/migrate.js";
import { createEventBus } from "./data/pubsub.js";
import { createApiServer, type ApiServer } from "./api/server.js";
import { startAgentWorkers } from "./jobs/agents.js";
import { startSendWorkers } from "./jobs/draft-send.js";
import { startSequenceStepWorker } from "./jobs/sequence-step.js";
import { startSequenceSegmentWorkers } from "./jobs/sequence-segment.js";
import { startSendingDomainRecheckWorkers } from "./jobs/sending-domain-recheck.js";
import { startCampaignDraftWorker } from "./jobs/campaign-draft.js";
import { startSalesWorkers } from "./jobs/lead-scoring.js";
import { startMaintenanceWorker } from "./jobs/maintenance.js";
import { startSalesStatisticsWorker } from "./jobs/sales-statistics.js";
import { startWeeklyDigestWorker } from "./jobs/weekly-digest.js";
import { startCredentialRotationWorker } from "./jobs/credential-rotation.js";
import { startGmailSyncWorkers } from "./jobs/gmail-sync.js";
import { startHubspotSyncWorkers } from "./jobs/hubspot-sync.js";
import { startHubspotPushWorker } from "./jobs/hubspot-push.js";
import { enqueueHubspotWork } from "./orchestration/connection/hubspot-push.js";
import { createConnectorServices } from "./orchestration/connection/connection.js";
import { createEmailTransport } from "./integrations/email/index.js";
import { resolveUnsubscribeSecret, type MailServices } from "./integrations/email/mail.js";
import type { EmailTransport } from "./integrations/email/transport.js";
import { startOutboxDispatcher, type OutboxDispatcher } from "./jobs/outbox-dispatcher.js";
import { enqueueWebhookDeliveries, startWebhookDeliveryWorker, type WebhookDeliveryWorker } from "./jobs/webhook-delivery.js";
import { startInboundWebhookWorker } from "./jobs/inbound-webhook.js";
import { enqueueMemoryIndexing, startMemoryIndexWorkers } from "./jobs/memory-index.js";
import { startDataExportWorker } from "./jobs/data-export.js";
import { createAuthenticator, type Authenticator } from "./orchestration/access/auth.js";
import { createPlatformIdentity } from "./orchestration/access/platform-admin.js";
import { createOidcClient } from "./integrations/oidc.js";
import { PrincipalCache, parseAuthChange } from "./orchestration/access/principal-cache.js";
import { listenForNotifications } from "./data/notification-listener.js";
import { aiLeadAssessor } from "./orchestration/lead/qualification-assist.js";
import type { Services } from "./orchestration/services.js";
import { suppressionCheck } from "./orchestration/sending/suppression.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";

/** Only ever used outside production, where no DATABASE_APP_PASSWORD is required. */
const DEVELOPMENT_APP_PASSWORD = "sales_app_local_only";

export interface DatabaseUrls {
  /** The schema owner: migrations and provisioning only. */
  ownerUrl: string;
  /** The service role: everything else. */
  appUrl: string;
  embedded: EmbeddedDatabase | null;
}

/** Resolves (and with no DATABASE_URL, starts) the database, and applies migrations when configured to. */
export async function prepareDatabase(config: Config, logger: Logger): Promise<DatabaseUrls> {
  let embedded: EmbeddedDatabase | null = null;
  let ownerUrl = config.DATABASE_URL;
  if (!ownerUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.EMBEDDED_PG_DIR,
      port: config.EMBEDDED_PG_PORT,
      log: (line) => logger.info(line),
    });
    ownerUrl = embedded.ownerUrl;
    logger.info({ port: config.EMBEDDED_PG_PORT, dir: config.EMBEDDED_PG_DIR }, "embedded PostgreSQL started");
  }
  const appPassword = config.DATABASE_APP_PASSWORD ?? DEVELOPMENT_APP_PASSWORD;
  if (config.MIGRATE_ON_START) {
    const result = await migrate({
      ownerUrl,
      appPassword: config.DATABASE_APP_URL ? undefined : appPassword,
      log: (m) => logger.info(m),
    });
    await installJobQueues(ownerUrl, undefined, { logger });
    logger.info({ applied: result.applied, alreadyApplied: result.alreadyApplied }, "database migrations done");
  }
  return { ownerUrl, appUrl: config.DATABASE_APP_URL ?? appUrlFromOwnerUrl(ownerUrl, appPassword), embedded };
}

/** JWT_SECRET, or outside production a random secret kept in the data folder so printed tokens survive restarts. */
export async function resolveJwtSecret(config: Config): Promise<string | undefined> {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  if (config.NODE_ENV === "production") return undefined;
  const file = path.join(config.DATA_DIR, "jwt-secret");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  await mkdir(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  await writeFile(file, secret + "\n", { mode: 0o600 });
  return secret;
}

export interface App {
  /** The API's services (its own pool). */
  services: Services;
  /** The same services on the background pool, as the workers, outbox and agents use them. */
  background: Services;
  authenticator: Authenticator;
  api: ApiServer;
  outbox: OutboxDispatcher;
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startApp(options: {
  config: Config;
  appUrl: string;
  jwtSecret: string | undefined;
  logger?: Logger;
  /** Extra hook for tests: count every SQL statement. */
  onQuery?: (sql: string) => void;
  /** Replaces the configured e-mail transport (tests: a transport that fails or hangs on purpose). */
  mailTransport?: EmailTransport;
  /** Replaces the AI runtime (tests: providers that fail on purpose). */
  ai?: (deps: { config: Config; db: Database; metrics: Metrics; logger: Logger }) => AiRuntime;
}): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  // Two pools: API requests (each holding at most one connection at a time, within its time budget)
  // and background work (outbox, job workers, agents, sending, maintenance), so API load cannot starve it.
  // Message bodies and other free text are sealed at rest with the credential vault's key ring (src/data/field-encryption.ts).
  const fields = new FieldCipher(await resolveKeyRing(config));
  const db = connectDatabase({
    url: options.appUrl,
    fields,
    poolMax: config.DATABASE_POOL_MAX,
    applicationName: "sales-agent-api",
    budget: {
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      transactionTimeoutMs: config.DATABASE_TRANSACTION_TIMEOUT_MS,
      acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
    },
    onQuery: options.onQuery,
  });
  const backgroundDb = connectDatabase({
    url: options.appUrl,
    poolMax: config.DATABASE_BACKGROUND_POOL_MAX,
    applicationName: "sales-agent-background",
    fields,
    onQuery: options.onQuery,
  });
  const bus = createEventBus(config.REDIS_URL);
  const jobs = await startJobQueue(options.appUrl, { logger, metrics });
  const mail: MailServices = {
    transport: options.mailTransport ?? createEmailTransport(config, backgroundDb),
    unsubscribeSecret: resolveUnsubscribeSecret(config, options.jwtSecret),
    publicUrl: config.PUBLIC_URL ?? null,
  };
  // The AI runtime and the mail transport are mostly background work; their own short transactions use its pool.
  const ai = options.ai
    ? options.ai({ config, db: backgroundDb, metrics, logger })
    : createAiRuntime({ config, db: backgroundDb, metrics, logger });
  // Lead scoring treats a suppressed address as a hard disqualification, and asks the AI for a bounded adjustment.
  const salesHooks = { suppression: suppressionCheck, assessor: aiLeadAssessor({ db: backgroundDb, ai }) };
  const connectors = await createConnectorServices({ config, db, metrics, logger });
  const services: Services = { config, db, bus, jobs, logger, metrics, mail, ai, salesHooks, connectors };
  services.platform = createPlatformIdentity({ config, jwtSecret: options.jwtSecret });
  if (config.OIDC_ISSUER && config.OIDC_CLIENT_ID) {
    services.oidc = createOidcClient({ issuer: config.OIDC_ISSUER, clientId: config.OIDC_CLIENT_ID, clientSecret: config.OIDC_CLIENT_SECRET, scopes: config.OIDC_SCOPES });
  }
  const background: Services = { ...services, db: backgroundDb };
  // Callers are remembered for a few seconds; every committed change to memberships, keys, users or
  // tenants is announced by PostgreSQL (NOTIFY auth_change) and drops the affected entries on every instance.
  const principalCache = new PrincipalCache({ ttlMs: config.AUTH_CACHE_TTL_MS });
  // The same announcements reach the API's per-tenant caches (the tenant's own rate limits): a tenant
  // named by a change is forgotten at once; after a reconnect, every tenant (changes may have been missed).
  const tenantChangeListeners = new Set<(tenantId: string | null) => void>();
  const tenantChanged = (tenantId: string | null) => tenantChangeListeners.forEach((listener) => listener(tenantId));
  const authChanges = await listenForNotifications({
    url: config.DATABASE_LISTEN_URL ?? options.appUrl,
    channel: "auth_change",
    applicationName: "sales-agent-auth-changes",
    logger,
    onNotification: (payload) => {
      const change = parseAuthChange(payload);
      principalCache.invalidate(change);
      if (change.tenantId) tenantChanged(change.tenantId);
    },
    onConnected: () => {
      principalCache.resume();
      tenantChanged(null);
    },
    onDisconnected: () => principalCache.suspend(),
  });
  const authenticator = createAuthenticator({ config, db, jwtSecret: options.jwtSecret, cache: principalCache });

  let webhookWorker: WebhookDeliveryWorker | undefined;
  const outbox = await startOutboxDispatcher({
    db: backgroundDb,
    bus,
    logger,
    metrics,
    listenUrl: config.DATABASE_LISTEN_URL ?? options.appUrl,
    sweepMs: config.OUTBOX_SWEEP_MS,
    // Outbound webhooks: their jobs are enqueued in the transaction that marks the events delivered,
    // and the worker is woken once it committed.
    onDelivered: async (tx, tenantId, events) => {
      await enqueueWebhookDeliveries(jobs, tx, tenantId, events);
      // Long memory: new messages, notes and sent drafts are indexed by a job (src/jobs/memory-index.ts).
      if (config.MEMORY_AUTO_INDEX) await enqueueMemoryIndexing(jobs, tx, tenantId, events);
      // HubSpot: our changes to push and engagements to log (src/orchestration/connection/hubspot-push.ts).
      await enqueueHubspotWork(jobs, tx, tenantId, events, config.HUBSPOT_PUSH_DEBOUNCE_SECONDS, config.HUBSPOT_PUSH_MAX_WAIT_SECONDS);
    },
    afterDelivered: () => webhookWorker?.wake(),
  });
  // SERVICE_ROLE: "api" serves requests only, "worker" runs the background workers only (and answers
  // /health, /ready, /metrics), "all" does both. Every role publishes the outbox (several may, side by side).
  const runsWorkers = config.SERVICE_ROLE !== "api";
  let inboundWebhookWorker: { stop(): Promise<void> } | undefined;
  if (runsWorkers) {
    await startMaintenanceWorker({ jobs, db: backgroundDb, logger, metrics });
    // Planner statistics after imports and CRM syncs, refreshed off their request path (src/jobs/sales-statistics.ts).
    await startSalesStatisticsWorker({ jobs, db: backgroundDb, logger });
    await startWeeklyDigestWorker(background);
    await startSalesWorkers(background);
    await startCredentialRotationWorker(background);
    await startGmailSyncWorkers(background);
    await startHubspotSyncWorkers(background);
    await startHubspotPushWorker(background);
    await startMemoryIndexWorkers(background);
    webhookWorker = await startWebhookDeliveryWorker(background);
    // Inbound webhooks: verified deliveries (stored by /hooks/*) become leads, follow-up drafts and CRM change records.
    inboundWebhookWorker = await startInboundWebhookWorker(background);
    // Data exports (issue 15): archives built off the request path.
    await startDataExportWorker(background);
  }

  const api = await createApiServer(services, authenticator, {
    serveApi: config.SERVICE_ROLE !== "worker",
    tenantChanges: {
      subscribe(listener) {
        tenantChangeListeners.add(listener);
        return () => tenantChangeListeners.delete(listener);
      },
    },
  });
  const port = await api.listen(config.PORT, config.HOST);
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;
  const url = config.PUBLIC_URL?.replace(/\/$/, "") ?? `http://${host}:${port}`;
  mail.publicUrl = url;
  const sendWorkers = runsWorkers ? await startSendWorkers(background) : null;
  const agentWorkers = runsWorkers ? await startAgentWorkers(background) : null;
  // Sequences: each enrolment step is a job due at its time (src/jobs/sequence-step.ts).
  if (runsWorkers) await startSequenceStepWorker(background);
  // Enrolment by rule: a sequence's saved segment, run hourly and on demand (src/jobs/sequence-segment.ts).
  if (runsWorkers) await startSequenceSegmentWorkers(background);
  // Story-pitch campaigns: one draft job per send day (src/jobs/campaign-draft.ts).
  if (runsWorkers) await startCampaignDraftWorker(background);
  // Deliverability: each sending domain's SPF/DKIM/DMARC re-checked on a schedule (src/jobs/sending-domain-recheck.ts).
  if (runsWorkers) await startSendingDomainRecheckWorkers(background);

  let stopping: Promise<void> | null = null;
  return {
    services,
    background,
    authenticator,
    api,
    outbox,
    port,
    url,
    stop() {
      stopping ??= (async () => {
        const step = async (name: string, fn: () => Promise<unknown>) => {
          logger.debug({ step: name }, "stopping");
          await fn();
        };
        await step("api", () => api.close().catch((e) => logger.warn({ err: e }, "API server did not close cleanly")));
        await step("send workers", async () => sendWorkers?.stop().catch(() => {}));
        await step("agent workers", async () => agentWorkers?.stop().catch(() => {}));
        await step("inbound webhook worker", async () => inboundWebhookWorker?.stop());
        await step("outbox", () => outbox.stop());
        await step("auth changes", () => authChanges.stop());
        await step("jobs", () => jobs.stop().catch(() => {}));
        await step("mail", async () => mail.transport.close?.().catch(() => {}));
        await step("connectors", () => connectors.resilience.close());
        await step("hubspot budget", async () => connectors.hubspotBudget?.close());
        await step("bus", () => bus.close());
        await step("db", () => Promise.all([db.close(), backgroundDb.close()]));
      })();
      return stopping;
    },
  };
}
