// One typed configuration, parsed once from the environment. An invalid value
// stops start-up with a message that names the variable.
import { z } from "zod";

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no", "on", "off"])
    .optional()
    .transform((v) => (v === undefined ? fallback : ["true", "1", "yes", "on"].includes(v)));

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).optional().default(fallback);

const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgres:// or postgresql:// URL");

function schemaFor(nodeEnv: string) {
  const production = nodeEnv === "production";
  return z
    .object({
      NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
      HOST: z.string().min(1).default("127.0.0.1"),
      PORT: int(4000, 0, 65535),
      PUBLIC_URL: z.string().url().optional(),
      LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default(production ? "info" : "info"),

      DATABASE_URL: postgresUrl.optional(),
      DATABASE_APP_URL: postgresUrl.optional(),
      /**
       * A session connection of the service role for LISTEN (outbox wake-up, authentication-cache
       * invalidation); by default DATABASE_APP_URL. Set it to PostgreSQL itself when DATABASE_APP_URL
       * goes through a transaction-mode pooler (PgBouncer), which cannot hold a LISTEN.
       */
      DATABASE_LISTEN_URL: postgresUrl.optional(),
      DATABASE_APP_PASSWORD: z.string().min(8).optional(),
      DATABASE_POOL_MAX: int(10, 1, 500),
      /** Connections for background work (outbox, job workers, agents, sending, maintenance), apart from the API's. */
      DATABASE_BACKGROUND_POOL_MAX: int(5, 1, 500),
      /** Budget of every statement an API request runs (statement_timeout); 0: none. */
      DATABASE_STATEMENT_TIMEOUT_MS: int(10_000, 0, 3_600_000),
      /** Budget of each API transaction (a request's reads, a mutation), and how long it may sit idle in it. */
      DATABASE_TRANSACTION_TIMEOUT_MS: int(30_000, 100, 3_600_000),
      /** How long an API request waits for a pooled connection before it is answered 503. */
      DATABASE_ACQUIRE_TIMEOUT_MS: int(10_000, 100, 600_000),
      MIGRATE_ON_START: bool(true),
      SEED_DEMO_TENANT: bool(!production),
      EMBEDDED_PG_DIR: z.string().min(1).default(".data/postgres"),
      EMBEDDED_PG_PORT: int(54329, 1, 65535),

      REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL").optional(),

      JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
      JWT_JWKS_URL: z.string().url().optional(),
      JWT_ISSUER: z.string().min(1).default("sales-agent"),
      JWT_AUDIENCE: z.string().min(1).default("sales-agent"),
      /** Platform administrators (tenantCreate/Suspend/Resume, tenants): JWT subjects, comma-separated; their tokens carry no tenant. */
      PLATFORM_ADMIN_SUBJECTS: z.string().optional(),
      /** Console sign-in with the identity provider (OIDC authorization code + PKCE): its issuer URL (discovery at /.well-known/openid-configuration) and this app's client id there. */
      OIDC_ISSUER: z.string().url().optional(),
      OIDC_CLIENT_ID: z.string().min(1).optional(),
      /** Only for a confidential client; a public client (the usual for a browser app with PKCE) has none. */
      OIDC_CLIENT_SECRET: z.string().min(1).optional(),
      OIDC_SCOPES: z.string().min(1).default("openid email profile"),
      /** How long the console session token issued after an OIDC sign-in works. */
      OIDC_SESSION_HOURS: int(12, 1, 24 * 30),
      /** The longest a console session lasts from the sign-in, however often `sessionRefresh` renews it; then the person signs in again. */
      OIDC_SESSION_MAX_HOURS: int(24 * 7, 1, 24 * 90),
      /**
       * The longest an OIDC sign-in lasts when the provider gave no refresh token (so `sessionRefresh` cannot ask it
       * again whether the person may still sign in): within OIDC_SESSION_MAX_HOURS, never beyond this.
       */
      OIDC_SESSION_UNCHECKED_MAX_HOURS: int(24, 1, 24 * 90),
      /** How long a verified caller (token → membership) is remembered; changes drop it at once. 0 = verify every request. */
      AUTH_CACHE_TTL_MS: int(5_000, 0, 60_000),
      /** What this instance runs: "api" (requests), "worker" (background jobs), or "all" (both; one machine). */
      SERVICE_ROLE: z.enum(["all", "api", "worker"]).default("all"),
      /** Fair use: points per window for one caller (API key, or user in a tenant) and for a whole tenant; an operation costs 1 + complexity/100. */
      RATE_LIMIT_CALLER_POINTS: int(3_000, 1, 1_000_000_000),
      RATE_LIMIT_TENANT_POINTS: int(15_000, 1, 1_000_000_000),
      RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 86_400),
      /** Open WebSocket connections per principal on one instance. */
      WS_MAX_CONNECTIONS_PER_PRINCIPAL: int(20, 1, 100_000),

      GRAPHIQL_ENABLED: bool(!production),
      INTROSPECTION_ENABLED: bool(!production),
      HTTP_MAX_BODY_BYTES: int(5 * 1024 * 1024, 1024),
      GRAPHQL_MAX_DEPTH: int(12, 2, 100),
      GRAPHQL_MAX_COMPLEXITY: int(20_000, 10),
      GRAPHQL_MAX_ALIASES: int(30, 1),
      GRAPHQL_MAX_TOKENS: int(10_000, 100),
      GRAPHQL_MAX_DIRECTIVES: int(20, 1),
      IDEMPOTENCY_TTL_HOURS: int(24, 1, 24 * 30),
      OUTBOX_SWEEP_MS: int(1000, 50, 60_000),
      /** Seconds from a bulk write (an import, a CRM sync) to the refresh of the sales tables' planner statistics; the writes of that window share one refresh. */
      SALES_STATISTICS_DELAY_SECONDS: int(5, 0, 3_600),
      DATA_DIR: z.string().min(1).default(".data"),

      // Sending (operator mode)
      /** Global kill switch: stops every tenant's sending, queued jobs included. */
      SENDING_KILL_SWITCH: bool(false),
      /** local: messages are stored in the local outbox (visible through the API); smtp: sent with SMTP_URL. */
      MAIL_TRANSPORT: z.enum(["local", "smtp"]).default("local"),
      SMTP_URL: z.string().regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL").optional(),
      SMTP_TIMEOUT_MS: int(30_000, 1_000, 600_000),
      /** HMAC secret for unsubscribe links; outside production it is derived from the JWT secret when unset. */
      UNSUBSCRIBE_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
      /** How long a worker holds a draft in SENDING before the sweeper may recover it. Keep above SMTP_TIMEOUT_MS. */
      SEND_LEASE_SECONDS: int(120, 1, 3_600),
      /** Send workers in this instance; 0 runs none (an API-only instance). */
      SEND_WORKERS: int(4, 0, 64),
      /** Send jobs each worker takes at a time: their claim, quota and record are one transaction each (issue 14). */
      SEND_BATCH_SIZE: int(25, 1, 50),
      SEND_MAX_ATTEMPTS: int(5, 1, 50),
      SEND_RETRY_DELAY_SECONDS: int(10, 1, 3_600),
      SEND_SWEEP_SECONDS: int(30, 1, 3_600),
      SEND_POLL_SECONDS: z.coerce.number().min(0.5).max(60).optional().default(2),
      // AI: an OpenAI-compatible endpoint; without a key every agent uses the local provider.
      OPENAI_API_KEY: z.string().min(1).optional(),
      OPENAI_BASE_URL: z.string().url().optional(),
      OPENAI_MODEL: z.string().min(1).default("gpt-4o-mini"),
      OPENAI_EMBEDDING_MODEL: z.string().min(1).default("text-embedding-3-small"),
      OPENAI_TIMEOUT_MS: int(30_000, 100, 600_000),
      OPENAI_MAX_RETRIES: int(2, 0, 10),
      /** Longest Retry-After honoured in-process; longer ones fail fast and the job retries later. */
      OPENAI_MAX_RETRY_DELAY_MS: int(20_000, 0, 600_000),
      /** json_schema (structured outputs) or json_object for servers without schema support. */
      OPENAI_JSON_MODE: z.enum(["json_schema", "json_object"]).default("json_schema"),
      /** USD per million tokens, for models the built-in price list does not know. */
      OPENAI_PRICE_INPUT_PER_MTOK: z.coerce.number().min(0).optional(),
      OPENAI_PRICE_OUTPUT_PER_MTOK: z.coerce.number().min(0).optional(),
      // Agents (src/jobs/agents.ts)
      /** Workers per agent queue in this instance; 0 runs none (an API-only instance). */
      AGENT_WORKERS: int(2, 0, 32),
      AGENT_POLL_SECONDS: z.coerce.number().min(0.5).max(60).optional().default(1),
      /** Attempts per agent job before it is dead-lettered. */
      AGENT_MAX_ATTEMPTS: int(4, 1, 20),
      /** First retry delay; doubles (with jitter) on every retry. */
      AGENT_RETRY_DELAY_SECONDS: int(15, 1, 3_600),
      /** A run taking longer than this fails (and is retried). */
      AGENT_TIMEOUT_SECONDS: int(300, 10, 3_600),
      // Connections and the credential vault (src/domain/connection/connection.ts, src/data/credential-vault.ts)
      /** Key ring for stored credentials: `kid1:base64key,kid2:base64key` (32-byte keys); the last encrypts, all decrypt. */
      CREDENTIALS_KEYS: z.string().min(1).optional(),
      /** Re-encryption batch size of the credential-rotation job. */
      CREDENTIALS_ROTATION_BATCH: int(100, 1, 10_000),
      GOOGLE_CLIENT_ID: z.string().min(1).optional(),
      GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
      /** Base URL of Google's OAuth endpoints (a fake server in tests); unset: Google's own. */
      GOOGLE_OAUTH_BASE_URL: z.string().url().optional(),
      /** Root URL of the Google APIs (Gmail, Calendar, Drive) for the SDKs' rootUrl, with a trailing slash (a fake server); unset: Google's own. */
      GOOGLE_API_ROOT_URL: z.string().url().optional(),
      /** Where the provider sends the browser back; default PUBLIC_URL + /oauth/callback. */
      OAUTH_REDIRECT_URL: z.string().url().optional(),
      // HubSpot (src/integrations/hubspot/): OAuth app credentials; a private-app token needs none of these.
      HUBSPOT_CLIENT_ID: z.string().min(1).optional(),
      HUBSPOT_CLIENT_SECRET: z.string().min(1).optional(),
      /** Base of HubSpot's consent page (/oauth/authorize); unset: https://app.hubspot.com (a fake server in tests). */
      HUBSPOT_OAUTH_BASE_URL: z.string().url().optional(),
      /** Base of HubSpot's API and token endpoint (the SDK's basePath); unset: https://api.hubapi.com (a fake server in tests). */
      HUBSPOT_API_BASE_URL: z.string().url().optional(),
      /** Records per page in a HubSpot sync (search API: at most 200; list API: at most 100). */
      HUBSPOT_SYNC_PAGE_SIZE: int(100, 1, 100),
      /** When every ACTIVE HubSpot connection gets an incremental sync (cron), and the full reconcile; "off" for none. Off by default in tests. */
      HUBSPOT_SYNC_CRON: nodeEnv === "test" ? z.string().min(3).default("off") : z.string().min(3).default("*/10 * * * *"),
      HUBSPOT_RECONCILE_CRON: nodeEnv === "test" ? z.string().min(3).default("off") : z.string().min(3).default("40 3 * * *"),
      // Resilience of every connector call (src/integrations/resilience.ts)
      CONNECTOR_TIMEOUT_MS: int(15_000, 100, 600_000),
      CONNECTOR_MAX_RETRIES: int(3, 0, 10),
      /** First retry delay; grows exponentially with jitter. A Retry-After from the provider wins. */
      CONNECTOR_RETRY_BASE_MS: int(500, 1, 60_000),
      /** Longest wait honoured in-process (Retry-After or backoff); longer ones fail fast and the caller retries later. */
      CONNECTOR_MAX_RETRY_DELAY_MS: int(30_000, 0, 600_000),
      /** Consecutive failures that open a (tenant, provider) circuit, and how long it stays open before a trial call. */
      CONNECTOR_BREAKER_THRESHOLD: int(5, 1, 1_000),
      CONNECTOR_BREAKER_HALF_OPEN_MS: int(30_000, 10, 3_600_000),
      /** Calls per second per (tenant, provider), shared by all instances (Redis when REDIS_URL is set, else PostgreSQL). */
      GOOGLE_RATE_LIMIT_PER_SECOND: int(20, 1, 10_000),
      HUBSPOT_RATE_LIMIT_PER_SECOND: int(10, 1, 10_000),
      /** HubSpot's own limits per account, shared by all instances (src/integrations/hubspot/rate-budget.ts): the burst (requests per window) and the daily limit. */
      HUBSPOT_BURST_LIMIT: int(100, 1, 100_000),
      HUBSPOT_BURST_WINDOW_SECONDS: int(10, 1, 3_600),
      HUBSPOT_DAILY_LIMIT: int(250_000, 1, 100_000_000),
      /** Share of both budgets background work (sync, pushes, engagement logging) may use; the rest stays for interactive calls. */
      HUBSPOT_BACKGROUND_SHARE_PERCENT: int(60, 1, 100),
      /** Outbound sync: seconds a record's changes are collected before one push (debounce), and tries per item. */
      HUBSPOT_PUSH_DEBOUNCE_SECONDS: int(5, 0, 3_600),
      /** Outbound sync: the longest a record that keeps changing waits for a quiet debounce window before it is pushed anyway (at least the debounce). */
      HUBSPOT_PUSH_MAX_WAIT_SECONDS: int(60, 0, 86_400),
      // Outbound webhooks (src/integrations/webhook/)
      /** Hosts (names or IP addresses) webhooks may reach although they are private or loopback: tests and on-premise only. */
      WEBHOOK_ALLOWED_HOSTS: z
        .string()
        .default("")
        .transform((v) => v.split(",").map((h) => h.trim().toLowerCase().replace(/^\[|\]$/g, "")).filter(Boolean)),
      /** Delays in seconds before each retry after the first attempt (Standard Webhooks' schedule, ≈ 27 h in all), jittered ±10%. */
      WEBHOOK_RETRY_SCHEDULE: z
        .string()
        .default("5,300,1800,7200,18000,36000,36000")
        .refine((v) => v.split(",").every((d) => Number.isFinite(Number(d)) && Number(d) >= 0), "must be comma-separated seconds")
        .transform((v) => v.split(",").map(Number)),
      /** Connect and total timeout of one delivery attempt. */
      WEBHOOK_TIMEOUT_MS: int(10_000, 100, 60_000),
      /** How long the previous secret still signs (next to the new one) after webhookEndpointRotateSecret. */
      WEBHOOK_SECRET_GRACE_SECONDS: int(24 * 3600, 0, 30 * 24 * 3600),
      // Inbound webhooks (src/api/inbound-webhook.ts): /hooks/hubspot/:id and /hooks/in/:id
      /** Largest body accepted (larger: 413, nothing stored). */
      INBOUND_WEBHOOK_MAX_BODY_BYTES: int(256 * 1024, 1024, 10 * 1024 * 1024),
      /** How far a delivery's timestamp may be from now (HubSpot's rule: 5 minutes). */
      INBOUND_WEBHOOK_TOLERANCE_SECONDS: int(300, 1, 3600),
      /** How long the previous secret stays valid after inboundWebhookEndpointRotateSecret, unless the call says otherwise. */
      INBOUND_WEBHOOK_SECRET_GRACE_SECONDS: int(24 * 3600, 0, 7 * 24 * 3600),
      // Long memory (src/orchestration/memory/memory.ts, src/jobs/memory-index.ts)
      /** Index new history as the outbox delivers it, and sweep every tenant hourly (backfill, re-embedding after a model change). Off by default in tests (their AI call counts stay theirs). */
      MEMORY_AUTO_INDEX: bool(nodeEnv !== "test"),
      // Gmail sync and push (src/orchestration/connection/gmail-sync.ts, src/api/gmail-push.ts)
      /** How far back the first sync of a mailbox (and a resync after expired history) imports mail. */
      GMAIL_SYNC_INITIAL_DAYS: int(30, 1, 3650),
      /** When the scheduled poll enqueues an incremental sync of every ACTIVE Google mailbox (cron; push makes it faster, polling stays the fallback); "off" for none. Off by default in tests. */
      GMAIL_SYNC_POLL_CRON: nodeEnv === "test" ? z.string().min(3).default("off") : z.string().min(3).default("* * * * *"),
      /** Sync workers in this instance; 0 runs none (an API-only instance). */
      GMAIL_SYNC_WORKERS: int(2, 0, 32),
      /** Messages fetched from Gmail at once within a sync (they are ingested in order, one by one). */
      GMAIL_SYNC_FETCH_CONCURRENCY: int(8, 1, 64),
      /** How long a running sync holds its mailbox (renewed per page); a crashed instance's hold lapses after it. */
      GMAIL_SYNC_LEASE_SECONDS: int(600, 10, 86_400),
      /** The audience of Pub/Sub push tokens (the push subscription's --push-auth-token-audience); unset: POST /hooks/gmail/push answers 404. */
      GMAIL_PUSH_AUDIENCE: z.string().min(1).optional(),
      /** The service account Pub/Sub signs push tokens as (--push-auth-service-account); tokens of any other account are refused. */
      GMAIL_PUSH_SERVICE_ACCOUNT: z.string().email().optional(),
      /** The Cloud Pub/Sub topic Gmail publishes mailbox changes to (projects/<project>/topics/<topic>); set: every synced mailbox is watched (users.watch, renewed daily). */
      GMAIL_PUSH_TOPIC: z.string().regex(/^projects\/[^/]+\/topics\/[^/]+$/, "must be projects/<project>/topics/<topic>").optional(),
      /** Where Google's token-signing certificates are fetched (PEM); a fake's in tests. */
      GMAIL_PUSH_CERTS_URL: z.string().url().default("https://www.googleapis.com/oauth2/v1/certs"),
      // Deliverability (src/orchestration/sending/sending-domain.ts): SPF/DKIM/DMARC lookups of sending domains
      /** DNS servers for those lookups, comma-separated host[:port]; empty: the system's; "off": none (every check UNKNOWN, nothing blocked). Off by default in tests. */
      DNS_SERVERS: z
        .string()
        .default(nodeEnv === "test" ? "off" : "")
        .refine((v) => v.trim() === "off" || v.split(",").every((s) => !s.trim() || /^(\[[0-9a-f:]+\]|[0-9a-z.:-]+)(:\d{1,5})?$/i.test(s.trim())), "must be off or comma-separated host[:port]"),
      /** Per lookup (one try each). */
      DNS_TIMEOUT_MS: int(2000, 50, 30_000),
      /** How long a domain's SPF/DKIM/DMARC report is reused (an unanswered check: at most a minute). */
      DNS_CHECK_CACHE_SECONDS: int(600, 0, 86_400),
      /** When the sweep that re-checks sending domains runs (cron); each tenant's domains are re-checked every deliverability.dnsRecheckHours. "off": never. Off in tests. */
      DNS_RECHECK_CRON: nodeEnv === "test" ? z.string().min(3).default("off") : z.string().min(3).default("37 * * * *"),
    })
    .superRefine((env, ctx) => {
      if (env.MAIL_TRANSPORT === "smtp" && !env.SMTP_URL)
        ctx.addIssue({ code: "custom", path: ["SMTP_URL"], message: "is required when MAIL_TRANSPORT=smtp" });
      if (env.GMAIL_PUSH_AUDIENCE && !env.GMAIL_PUSH_SERVICE_ACCOUNT)
        ctx.addIssue({ code: "custom", path: ["GMAIL_PUSH_SERVICE_ACCOUNT"], message: "is required with GMAIL_PUSH_AUDIENCE (push tokens are accepted only from that account)" });
      if (env.OIDC_ISSUER && !env.OIDC_CLIENT_ID)
        ctx.addIssue({ code: "custom", path: ["OIDC_CLIENT_ID"], message: "is required with OIDC_ISSUER (the console's client id at the identity provider)" });
      if (!production) return;
      if (env.OIDC_ISSUER && !env.JWT_SECRET)
        ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "is required with OIDC_ISSUER (it signs the console's session tokens)" });
      if (!env.JWT_SECRET && !env.JWT_JWKS_URL)
        ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "is required in production (or set JWT_JWKS_URL)" });
      if (!env.DATABASE_URL)
        ctx.addIssue({ code: "custom", path: ["DATABASE_URL"], message: "is required in production (the embedded database is for development)" });
      if (!env.CREDENTIALS_KEYS)
        ctx.addIssue({ code: "custom", path: ["CREDENTIALS_KEYS"], message: "is required in production (encrypts stored OAuth tokens)" });
      if (!env.UNSUBSCRIBE_SECRET)
        ctx.addIssue({ code: "custom", path: ["UNSUBSCRIBE_SECRET"], message: "is required in production (signs unsubscribe links)" });
      if (!env.DATABASE_APP_URL && !env.DATABASE_APP_PASSWORD)
        ctx.addIssue({ code: "custom", path: ["DATABASE_APP_PASSWORD"], message: "is required in production (or set DATABASE_APP_URL)" });
    });
}

export type Config = z.infer<ReturnType<typeof schemaFor>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment; empty strings count as unset. Throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schemaFor(cleaned.NODE_ENV ?? "development").safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`));
  }
  return result.data;
}
