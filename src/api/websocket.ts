// graphql-ws on the same HTTP server and path as Apollo. The connection is
// authenticated in connection_init (same token kinds as HTTP); a missing or
// bad token closes it with 4403.
//
// Permissions follow the caller while the socket is open: every event taken
// from the tenant's bus for a subscription is delivered only after a credential
// check no older than RECHECK_AFTER_MS (one shared check per connection), and
// a membership or API-key event forces a fresh check at once. The operation's
// context reads the connection's current principal, so the `events` filter and
// the event-visibility table (src/domain/event.ts) use today's role; a removed
// member or revoked key closes the socket with 4403. Idle sockets are still
// re-checked every minute. A committed change to a tenant (its row or its
// suspension, announced by PostgreSQL as auth_change) re-checks that tenant's
// sockets at once: a suspension closes them without waiting for an event,
// since the outbox holds a suspended tenant's events.
//
// Client faults (syntax, validation, variable values) answer with the codes
// and messages HTTP gives for the same document; only real faults are masked.
import type { Server } from "node:http";
import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  getOperationAST,
  GraphQLError,
  type ExecutionResult,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from "graphql";
import { getVariableValues } from "graphql/execution/values.js";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { RequestSession } from "../data/database.js";
import type { EventBus } from "../data/pubsub.js";
import { canReceiveEvent, type DomainEvent } from "../domain/event.js";
import type { Permission } from "../domain/access/permission.js";
import type { Principal, RequestMeta } from "../domain/access/principal.js";
import { AuthenticationError, type Authenticator } from "../orchestration/access/auth.js";
import type { Services } from "../orchestration/services.js";
import { runWithRequestContext } from "../observability/request-context.js";
import { createErrorFormatter } from "./errors.js";
import { checkOperationCost, validationRules } from "./limits.js";
import type { GraphQLContext } from "./context.js";
import type { ConnectionCap } from "./rate-limit.js";
import type { TenantChangeFeed } from "./server.js";
import { closingWith } from "./schema/event.js";
import { authenticate, contextFor, requestMeta } from "./request.js";

const REAUTHENTICATE_EVERY_MS = 60_000;
/** An event is delivered only under a credential check at most this old (the bound on a demotion taking effect). */
export const RECHECK_AFTER_MS = 2_000;
/** Events that may change who may read what: they force a fresh check before anything else is delivered. */
const ACCESS_EVENT = /^sales\.(membership|api_key)\.|^sales\.tenant\.suspended$/;

/**
 * Subscription fields whose result for an event depends only on the event, the operation (text and
 * variables) and the subscriber's tenant and permissions — no reads, nothing about the user. For
 * these, one instance executes each event once per distinct (operation, tenant, permissions) and
 * sends that one result to every such subscriber, instead of running graphql-js per subscriber
 * (hundreds per event). `events` qualifies: its Event fields only expose the (masked) event.
 */
const SHARED_RESULT_FIELDS: ReadonlySet<string> = new Set(["events"]);
/** What identifies a shareable operation: set when it is accepted, read for every event. */
const sharedOperationKeys = new WeakMap<DocumentNode, string>();
/** Per published event (one object for all its subscribers on this instance): results by key; they go with the event. */
const sharedResults = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
const permissionKeys = new WeakMap<ReadonlySet<Permission>, string>();

function permissionKey(permissions: ReadonlySet<Permission>): string {
  let key = permissionKeys.get(permissions);
  if (key === undefined) {
    key = [...permissions].sort().join(",");
    permissionKeys.set(permissions, key);
  }
  return key;
}

/** True when every root field of the subscription is one of SHARED_RESULT_FIELDS (no fragments, no directives at the root). */
function isShareable(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === "subscription" &&
    operation.selectionSet.selections.every(
      (s) => s.kind === Kind.FIELD && SHARED_RESULT_FIELDS.has(s.name.value) && !s.directives?.length,
    )
  );
}

type ConnectionState = {
  principal?: Principal;
  meta?: RequestMeta;
  params?: Record<string, unknown>;
  timer?: NodeJS.Timeout;
  /** The connection's principal now: re-authenticates when the last check is older than RECHECK_AFTER_MS (or `force`). */
  current?: (force: boolean) => Promise<Principal | null>;
};

/** The same error with `code`, unless it already carries one (limits set their own). */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/**
 * The tenant's events for one operation, each let through only after the
 * connection's principal was re-checked and may still subscribe to and read it.
 * Ends when the principal is gone (the socket is being closed).
 */
function eventsForCurrentPrincipal(source: AsyncIterableIterator<DomainEvent>, state: ConnectionState): AsyncGenerator<DomainEvent> {
  return closingWith(
    source,
    (async function* () {
      try {
        for await (const event of source) {
          const principal = await state.current!(ACCESS_EVENT.test(event.type));
          if (!principal) return;
          if (principal.permissions.has("event:subscribe") && canReceiveEvent(principal.permissions, event.type)) yield event;
        }
      } finally {
        await source.return?.();
      }
    })(),
  );
}

export function attachWebSocketServer(deps: {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  authenticator: Authenticator;
  /** Open connections per principal on this instance (fair use). */
  connectionCap?: ConnectionCap;
  /** Committed changes to tenants (auth_change): their open connections are re-checked at once. */
  tenantChanges?: TenantChangeFeed;
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

  /** Open, authenticated connections by tenant (for the re-check on a tenant change). */
  const byTenant = new Map<string, Set<ConnectionState>>();
  const stopHearingTenantChanges = deps.tenantChanges?.subscribe((tenantId) => {
    const states = tenantId ? [...(byTenant.get(tenantId) ?? [])] : [...byTenant.values()].flatMap((set) => [...set]);
    for (const state of states) void state.current?.(true);
  });

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      schema,
      isProd: config.NODE_ENV !== "development",
      // withTenant() calls made while resolving take turns with the operation's session.
      execute: (args) => (args.contextValue as GraphQLContext).session.run(() => execute(args)),
      // graphql-js's subscribe() (source stream, then execute() with each event as the root value),
      // except that a shareable operation's result is computed once per event and key (see SHARED_RESULT_FIELDS).
      subscribe: async (args) => {
        const context = args.contextValue as GraphQLContext;
        const session = context.session;
        const source = await session.run(() => createSourceEventStream(args));
        if (!(Symbol.asyncIterator in source)) return source;
        const events = source as AsyncGenerator<unknown>;
        const executeFor = (rootValue: unknown) => session.run(() => execute({ ...args, rootValue }));
        const operationKey = sharedOperationKeys.get(args.document);
        const resultFor = (rootValue: unknown): ExecutionResult | Promise<ExecutionResult> => {
          const principal = context.principal;
          if (operationKey === undefined || !principal || typeof rootValue !== "object" || rootValue === null) return executeFor(rootValue);
          const key = `${principal.tenantId}|${permissionKey(principal.permissions)}|${operationKey}`;
          let results = sharedResults.get(rootValue);
          if (!results) sharedResults.set(rootValue, (results = new Map()));
          let result = results.get(key);
          if (!result) results.set(key, (result = Promise.resolve(executeFor(rootValue))));
          return result;
        };
        // Each event is resolved when the stream is pulled: pull it inside the session too.
        const stream: AsyncIterableIterator<ExecutionResult> = {
          next: async () => {
            const pulled = await session.run(() => events.next());
            return pulled.done ? { done: true, value: undefined } : { done: false, value: await resultFor(pulled.value) };
          },
          return: async () => {
            await events.return(undefined);
            return { done: true, value: undefined };
          },
          throw: async (error?: unknown) => {
            await events.return(undefined);
            throw error;
          },
          [Symbol.asyncIterator]: () => stream,
        };
        return stream;
      },
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        try {
          const principal = await authenticate(authenticator, params);
          if (!principal) return false;
          if (deps.connectionCap) {
            if (!deps.connectionCap.acquire(principal)) {
              ctx.extra.socket.close(4429, "Too many open connections for this caller");
              return false;
            }
            // On the socket's own close: graphql-ws runs onClose only after every subscription's
            // generator has returned, which for an idle event stream is when its next event arrives.
            const cap = deps.connectionCap;
            ctx.extra.socket.once("close", () => cap.release(principal));
          }
          ctx.extra.principal = principal;
          ctx.extra.meta = requestMeta(ctx.extra.request.headers);
          ctx.extra.params = params;
          const socket = ctx.extra.socket;
          const state = ctx.extra;
          let checkedAt = Date.now();
          let inflight: Promise<Principal | null> | undefined;
          state.current = (force) => {
            if (!state.principal) return Promise.resolve(null);
            if (!force && !inflight && Date.now() - checkedAt < RECHECK_AFTER_MS) return Promise.resolve(state.principal);
            if (!inflight) {
              checkedAt = Date.now(); // when the check started: what it proves is at least this fresh
              inflight = authenticate(authenticator, params)
                // Refused credentials end the connection (4403); a failed check (database down) too, but
                // as a server fault the client may retry (4500), never by delivering on stale permissions.
                .catch((error: unknown) => (error instanceof AuthenticationError ? null : ("failed" as const)))
                .then((p) => {
                  inflight = undefined;
                  if (p === "failed") {
                    state.principal = undefined;
                    socket.close(CloseCode.InternalServerError, "Could not re-check the credentials");
                    return null;
                  }
                  if (!p || p.tenantId !== state.principal?.tenantId) {
                    state.principal = undefined;
                    socket.close(CloseCode.Forbidden, "Forbidden");
                    return null;
                  }
                  state.principal = p;
                  return p;
                });
            }
            return inflight;
          };
          const timer = setInterval(() => void state.current!(true), REAUTHENTICATE_EVERY_MS);
          timer.unref();
          ctx.extra.timer = timer;
          const tenantId = principal.tenantId;
          const open = byTenant.get(tenantId) ?? new Set<ConnectionState>();
          byTenant.set(tenantId, open.add(state));
          socket.once("close", () => {
            clearInterval(timer);
            open.delete(state);
            if (open.size === 0 && byTenant.get(tenantId) === open) byTenant.delete(tenantId);
          });
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
            return [withCode(error instanceof GraphQLError ? error : new GraphQLError("Could not parse the operation."), "GRAPHQL_PARSE_FAILED")];
          }
          const errors = validate(schema, document, rules);
          if (errors.length) return errors.map((e) => withCode(e, "GRAPHQL_VALIDATION_FAILED"));
          // Checked here, as Apollo does before executing, so bad values are the client's error (BAD_USER_INPUT).
          const operation = getOperationAST(document, payload.operationName ?? undefined);
          if (!operation) {
            const message = payload.operationName ? `Unknown operation named "${payload.operationName}".` : "Must provide operation name if query contains multiple operations.";
            return [new GraphQLError(message, { extensions: { code: "OPERATION_RESOLUTION_FAILURE" } })];
          }
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 50 });
          if (coerced.errors) return coerced.errors.map((e) => withCode(e, "BAD_USER_INPUT"));
          // One session per operation: each event's reads share one short transaction (closed when idle).
          // Its event stream and its principal follow the connection's current credentials.
          const state = ctx.extra;
          const shared = services.bus;
          const bus: EventBus = {
            kind: shared.kind,
            publish: (event) => shared.publish(event),
            subscribe: (tenantId) => eventsForCurrentPrincipal(shared.subscribe(tenantId), state),
            isHealthy: () => shared.isHealthy(),
            onReady: (listener) => shared.onReady(listener),
            close: () => shared.close(),
          };
          const contextValue = contextFor({ ...services, bus }, principal, meta, null, new RequestSession(services.db));
          Object.defineProperty(contextValue, "principal", { get: () => state.principal ?? null, enumerable: true });
          const costError = checkOperationCost(config, schema, document, payload.variables ?? undefined, contextValue);
          if (costError) return [costError];
          if (isShareable(operation)) {
            sharedOperationKeys.set(document, JSON.stringify([payload.operationName ?? null, payload.query, payload.variables ?? null]));
          }
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
      stopHearingTenantChanges?.();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
