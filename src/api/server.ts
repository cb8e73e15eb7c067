// One HTTP server, one port: Apollo (POST/GET /graphql), graphql-ws
// (WebSocket upgrade on /graphql), GraphiQL, health, readiness and metrics.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express, { type NextFunction, type Request, type Response } from "express";
import { GraphQLError } from "graphql";
import { budgetErrorOf, RequestSession } from "../data/database.js";
import type { RequestMeta } from "../domain/access/principal.js";
import { createGraphqlHandler, httpErrorAnswer, isDirectGraphqlRequest, type ETagFn } from "./graphql-http.js";
import { ConnectionCap, createRateLimiter } from "./rate-limit.js";
import { tenantApiRateLimit } from "../orchestration/tenant/tenant.js";
import { JOB_STATES, QUEUES } from "../data/job-queue.js";
import type { Authenticator } from "../orchestration/access/auth.js";
import { AuthenticationError, TenantSuspendedError } from "../orchestration/access/auth.js";
import type { Services } from "../orchestration/services.js";
import { runWithRequestContext } from "../observability/request-context.js";
import type { GraphQLContext } from "./context.js";
import { createErrorFormatter } from "./errors.js";
import { subscriptionsOverHttpPlugin } from "./input-guard.js";
import { consoleRouter } from "./console.js";
import { graphiqlRouter } from "./graphiql.js";
import { validationRules } from "./limits.js";
import { costLimitPlugin, observabilityPlugin } from "./plugins.js";
import { authenticate, contextFor, credentialsFrom, header, requestMeta } from "./request.js";
import { unsubscribeRouter } from "./unsubscribe.js";
import { dataExportRouter } from "./data-export.js";
import { oauthCallbackRouter } from "./oauth-callback.js";
import { inboundWebhookRouter } from "./inbound-webhook.js";
import { gmailPushRouter } from "./gmail-push.js";
import { buildSchema } from "./schema/index.js";
import { attachWebSocketServer } from "./websocket.js";

export interface ApiServer {
  httpServer: Server;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  /**
   * false for a worker-only instance (SERVICE_ROLE=worker): it answers /health,
   * /ready and /metrics for its orchestrator, and nothing else.
   */
  serveApi?: boolean;
  /**
   * Committed changes to tenants, as every instance hears them (app.ts: the
   * `auth_change` notifications); null = anything may have changed (the
   * listener reconnected). The rate limiter forgets a changed tenant's limits.
   */
  tenantChanges?: TenantChangeFeed;
}

export interface TenantChangeFeed {
  subscribe(listener: (tenantId: string | null) => void): () => void;
}

export async function createApiServer(services: Services, authenticator: Authenticator, options: ApiServerOptions = {}): Promise<ApiServer> {
  const serveApi = options.serveApi ?? true;
  if (!serveApi) return createHealthServer(services);
  const { config, logger, metrics } = services;
  const schema = buildSchema();
  const development = config.NODE_ENV === "development";
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  // POST /graphql (the common shape) goes straight to Apollo; everything else through express (src/api/graphql-http.ts).
  let direct: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const httpServer = createServer((req, res) => {
    if (direct && isDirectGraphqlRequest(req, config.HTTP_MAX_BODY_BYTES)) direct(req, res);
    else void app(req, res);
  });
  const rateLimiter = createRateLimiter(config, (tenantId) => tenantApiRateLimit(services.db, tenantId));
  const stopHearingTenantChanges = options.tenantChanges?.subscribe((tenantId) => rateLimiter.forgetTenant(tenantId));
  const ws = attachWebSocketServer({ httpServer, schema, services, authenticator, connectionCap: new ConnectionCap(config.WS_MAX_CONNECTIONS_PER_PRINCIPAL), tenantChanges: options.tenantChanges });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.INTROSPECTION_ENABLED,
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM and stops everything in order (API, workers,
    // outbox, jobs, database); Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: !development,
    parseOptions: { maxTokens: config.GRAPHQL_MAX_TOKENS },
    validationRules: validationRules(config),
    formatError: createErrorFormatter({ development, logger }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Every answer is private to its caller, so HTTP cache hints have nothing to say; Apollo's default
      // cache-control plugin would otherwise wrap every field resolver to compute them (issue 14: per-field cost).
      ApolloServerPluginCacheControlDisabled(),
      observabilityPlugin(metrics, logger),
      costLimitPlugin(config, schema, rateLimiter),
      subscriptionsOverHttpPlugin(),
      { serverWillStart: async () => ({ drainServer: () => ws.close() }) },
      // The request's reads are done: commit and give the connection back before answering.
      { requestDidStart: async () => ({ willSendResponse: async ({ contextValue }) => contextValue.session?.release() }) },
    ],
  });
  await apollo.start();

  /** The GraphQL context of one request: who is calling (authentication), its request id, its database session. */
  const graphqlContext = async (headers: IncomingHttpHeaders, meta: RequestMeta, session: RequestSession): Promise<GraphQLContext> => {
    let principal;
    try {
      // A platform administrator's token (no tenant) is theirs alone: no tenant principal with it.
      const platformAdmin = await services.platform?.identify(credentialsFrom(headers));
      if (platformAdmin) {
        return { ...contextFor(services, null, meta, header(headers, "idempotency-key") ?? null, session), platformAdmin };
      }
      principal = await authenticate(authenticator, headers);
    } catch (error) {
      if (error instanceof TenantSuspendedError) {
        throw new GraphQLError(error.message, { extensions: { code: "TENANT_SUSPENDED", http: { status: 403 } } });
      }
      if (error instanceof AuthenticationError) {
        throw new GraphQLError(error.message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
      }
      // No connection came free in time: 503 with Retry-After, never a 500 with internal text.
      const budget = budgetErrorOf(error);
      if (budget) throw new GraphQLError(budget.message, { extensions: budget.extensions, originalError: budget });
      throw error;
    }
    return contextFor(services, principal, meta, header(headers, "idempotency-key") ?? null, session);
  };
  direct = createGraphqlHandler({
    apollo,
    services,
    logger,
    maxBodyBytes: config.HTTP_MAX_BODY_BYTES,
    etag: app.get("etag fn") as ETagFn,
    context: graphqlContext,
  });

  // Request id and trace id for every request, echoed back and on every log line.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const meta = requestMeta(req.headers);
    res.setHeader("X-Request-Id", meta.requestId);
    res.locals.meta = meta;
    runWithRequestContext({ requestId: meta.requestId, traceId: meta.traceId }, next);
  });

  mountHealthRoutes(app, services);

  if (config.GRAPHIQL_ENABLED) app.use(graphiqlRouter());
  app.use(unsubscribeRouter(services));
  app.use(dataExportRouter(services));
  app.use(oauthCallbackRouter(services));
  app.use(inboundWebhookRouter(services));
  // The operator console (web/dist) at / and its client-side routes.
  app.use(
    consoleRouter(undefined, async () => {
      const endSession = services.oidc ? (await services.oidc.publicSettings()).endSessionEndpoint : null;
      return endSession ? [new URL(endSession).origin] : [];
    }),
  );
  app.use(gmailPushRouter(services));

  app.use(
    "/graphql",
    express.json({ limit: config.HTTP_MAX_BODY_BYTES, strict: true }),
    // Express 5 leaves req.body unset when nothing was parsed (GET, other
    // content types); Apollo then answers with its own 400 instead of a 500.
    (req: Request, _res: Response, next: NextFunction) => {
      if (!("body" in req)) (req as { body?: unknown }).body = undefined;
      next();
    },
    // The request's database session: everything below (authentication, resolvers, use cases)
    // holds at most one pooled connection at a time. Released before the response is sent
    // (plugin below), and in any case when the response ends.
    (_req: Request, res: Response, next: NextFunction) => {
      const session = new RequestSession(services.db);
      res.locals.session = session;
      res.once("close", () => void session.release());
      session.run(next);
    },
    expressMiddleware(apollo, {
      context: ({ req, res }) => graphqlContext(req.headers, res.locals.meta as RequestMeta, res.locals.session as RequestSession),
    }),
  );

  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: "Not found.", extensions: { code: "NOT_FOUND" } }] });
  });

  // Body parser and other middleware errors: a clear 4xx, never a stack trace.
  app.use((error: { status?: number; type?: string; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const answer = httpErrorAnswer(error, config.HTTP_MAX_BODY_BYTES);
    if (answer.status >= 500) logger.error({ err: error }, "unhandled HTTP error");
    res.status(answer.status).json(answer.body);
  });

  return {
    httpServer,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    },
    async close() {
      stopHearingTenantChanges?.();
      await apollo.stop();
      await rateLimiter.close();
    },
  };
}

/** /health, /ready and /metrics: every instance answers them, whatever its role. */
function mountHealthRoutes(app: express.Express, services: Services): void {
  const { logger, metrics } = services;
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/ready", async (_req, res) => {
    const checks: Record<string, "ok" | "down"> = {};
    checks.database = await services.db.pool
      .query("SELECT 1")
      .then(() => "ok" as const)
      .catch(() => "down" as const);
    if (services.bus.kind === "redis") checks.redis = (await services.bus.isHealthy()) ? "ok" : "down";
    const ready = Object.values(checks).every((c) => c === "ok");
    // Open connector circuits are reported, not counted: one tenant's provider outage must not take the instance out of rotation.
    const openCircuits = (services.connectors?.resilience.circuits() ?? []).filter((c) => c.state !== "closed");
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", checks, connectors: { openCircuits } });
  });

  app.get("/metrics", async (_req, res) => {
    await sampleGauges(services).catch((error) => logger.warn({ err: error }, "could not sample job and outbox gauges"));
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
}

/** A worker-only instance's HTTP side: health, readiness and metrics for its orchestrator. */
function createHealthServer(services: Services): ApiServer {
  const app = express();
  app.disable("x-powered-by");
  mountHealthRoutes(app, services);
  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: "Not found: this instance runs background workers only (SERVICE_ROLE=worker).", extensions: { code: "NOT_FOUND" } }] });
  });
  const httpServer = createServer(app);
  return {
    httpServer,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

async function sampleGauges(services: Services): Promise<void> {
  const [counts, backlog] = await Promise.all([
    services.jobs.counts(),
    services.db.prisma.$queryRaw<{ n: bigint }[]>`SELECT app_outbox_backlog() AS n`,
  ]);
  services.metrics.jobCounts.reset();
  // Every known queue reports every state, zeros included, so dashboards and alerts see it.
  for (const queue of Object.values(QUEUES)) for (const state of JOB_STATES) services.metrics.jobCounts.set({ queue: queue.name, state }, 0);
  for (const c of counts) services.metrics.jobCounts.set({ queue: c.queue, state: c.state }, c.count);
  services.metrics.outboxPending.set(Number(backlog[0]?.n ?? 0));
}
