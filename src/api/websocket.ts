// graphql-ws on the same HTTP server and path as Apollo. The connection is
// authenticated in connection_init (same token kinds as HTTP); a missing or
// bad token closes it with 4403. Credentials are re-checked every minute, so a
// revoked key or removed member stops receiving events.
import type { Server } from "node:http";
import { execute, GraphQLError, type ExecutionResult, NoSchemaIntrospectionCustomRule, parse, specifiedRules, subscribe, validate, type GraphQLSchema } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { RequestSession } from "../data/database.js";
import type { Principal, RequestMeta } from "../domain/principal.js";
import type { Authenticator } from "../orchestration/auth.js";
import type { Services } from "../orchestration/services.js";
import { runWithRequestContext } from "../observability/request-context.js";
import { createErrorFormatter } from "./errors.js";
import { checkOperationCost, validationRules } from "./limits.js";
import type { GraphQLContext } from "./context.js";
import { authenticate, contextFor, requestMeta } from "./request.js";

const REAUTHENTICATE_EVERY_MS = 60_000;

type ConnectionState = {
  principal?: Principal;
  meta?: RequestMeta;
  params?: Record<string, unknown>;
  timer?: NodeJS.Timeout;
};

export function attachWebSocketServer(deps: {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  authenticator: Authenticator;
}): { close(): Promise<void> } {
  const { httpServer, schema, services, authenticator } = deps;
  const { config, logger } = services;
  const wss = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: config.HTTP_MAX_BODY_BYTES });
  const formatError = createErrorFormatter({ development: config.NODE_ENV === "development", logger });
  const rules = [
    ...specifiedRules,
    ...validationRules(config),
    ...(config.INTROSPECTION_ENABLED ? [] : [NoSchemaIntrospectionCustomRule]),
  ];

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      schema,
      isProd: config.NODE_ENV !== "development",
      // withTenant() calls made while resolving take turns with the operation's session.
      execute: (args) => (args.contextValue as GraphQLContext).session.run(() => execute(args)),
      subscribe: async (args) => {
        const session = (args.contextValue as GraphQLContext).session;
        const result = await session.run(() => subscribe(args));
        if (!(Symbol.asyncIterator in result)) return result;
        // Each event is resolved when the stream is pulled: pull it inside the session too.
        const events = result as AsyncGenerator<ExecutionResult>;
        const stream: AsyncIterableIterator<ExecutionResult> = {
          next: () => session.run(() => events.next()),
          return: (value?: unknown) => events.return(value as undefined),
          throw: (error?: unknown) => events.throw(error),
          [Symbol.asyncIterator]: () => stream,
        };
        return stream;
      },
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        try {
          const principal = await authenticate(authenticator, params);
          if (!principal) return false;
          ctx.extra.principal = principal;
          ctx.extra.meta = requestMeta(ctx.extra.request.headers);
          ctx.extra.params = params;
          const socket = ctx.extra.socket;
          ctx.extra.timer = setInterval(() => {
            authenticate(authenticator, params)
              .then((p) => {
                if (!p) socket.close(CloseCode.Forbidden, "Forbidden");
                else ctx.extra.principal = p;
              })
              .catch(() => socket.close(CloseCode.Forbidden, "Forbidden"));
          }, REAUTHENTICATE_EVERY_MS);
          ctx.extra.timer.unref();
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onClose: (ctx) => {
        if (ctx.extra.timer) clearInterval(ctx.extra.timer);
      },
      onSubscribe: (ctx, _id, payload) => {
        const principal = ctx.extra.principal!;
        const meta = { ...ctx.extra.meta!, requestId: requestMeta({}).requestId };
        return runWithRequestContext({ requestId: meta.requestId, traceId: meta.traceId, tenantId: principal.tenantId }, () => {
          let document;
          try {
            document = parse(payload.query, { maxTokens: config.GRAPHQL_MAX_TOKENS });
          } catch (error) {
            return [error instanceof GraphQLError ? error : new GraphQLError("Could not parse the operation.")];
          }
          const errors = validate(schema, document, rules);
          if (errors.length) return errors;
          // One session per operation: each event's reads share one short transaction (closed when idle).
          const contextValue = contextFor(services, principal, meta, null, new RequestSession(services.db));
          const costError = checkOperationCost(config, schema, document, payload.variables ?? undefined, contextValue);
          if (costError) return [costError];
          return {
            schema,
            document,
            operationName: payload.operationName ?? null,
            variableValues: payload.variables ?? null,
            contextValue,
          };
        });
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined,
    },
    wss,
  );

  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
