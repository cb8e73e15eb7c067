// A GraphQL client over real HTTP and WebSocket, typed by the documents that
// codegen generates from the tests' own `graphql()` calls.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { TypedDocumentString } from "../generated/gql/graphql.js";
import { listeningCount, untilListening } from "./subscriptions.js";

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [k: string]: unknown } }[];
  headers: Headers;
}

export async function execute<TResult, TVariables>(
  url: string,
  document: TypedDocumentString<TResult, TVariables> | string,
  variables?: TVariables,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<TResult>> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const text = await response.text();
  let body: { data?: TResult; errors?: GraphQLResponse<TResult>["errors"] } = {};
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`Non-JSON response (${response.status}): ${text.slice(0, 300)}`);
  }
  return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
}

/** Executes and fails loudly on any top-level error; returns data. */
export async function executeOk<TResult, TVariables>(
  url: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<TResult> {
  const result = await execute(url, document, variables, options);
  if (result.errors?.length || !result.data) {
    throw new Error(`GraphQL errors (${result.status}): ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

export interface Subscription<T> {
  /** Resolves with the next event (rejects after `timeoutMs`). */
  next(timeoutMs?: number): Promise<T>;
  /** Every event received so far. */
  received: T[];
  close(): Promise<void>;
}

export function wsClient(wsUrl: string, connectionParams: Record<string, unknown>): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let resolveClosed!: (v: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => resolveClosed({ code: (event as { code: number }).code, reason: String((event as { reason: string }).reason) }) },
  });
  return { client, closed };
}

export async function subscribe<TResult, TVariables>(
  wsUrl: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  connectionParams: Record<string, unknown>,
): Promise<Subscription<TResult> & { errors: unknown[] }> {
  const { client, closed } = wsClient(wsUrl, connectionParams);
  const received: TResult[] = [];
  const errors: unknown[] = [];
  let ended = false;
  void closed.then(() => (ended = true));
  const listeningBefore = listeningCount(wsUrl) ?? 0;
  const waiters: ((v: TResult) => void)[] = [];
  let acknowledged!: () => void;
  const ready = new Promise<void>((r) => (acknowledged = r));
  client.on("connected", () => acknowledged());
  const dispose = client.subscribe<TResult>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) {
          received.push(value.data);
          waiters.shift()?.(value.data);
        }
      },
      error: (e) => {
        errors.push(e);
        ended = true;
      },
      complete: () => {
        ended = true;
      },
    },
  );
  await Promise.race([ready, new Promise((_, reject) => setTimeout(() => reject(new Error(`not connected: ${JSON.stringify(errors)}`)), 5_000))]);
  // The acknowledgement covers the connection, not the subscription: wait until the server listens for events
  // (or the subscription ended with errors, which the caller inspects).
  await untilListening(wsUrl, listeningBefore, () => ended || errors.length > 0);
  let consumed = 0;
  return {
    received,
    errors,
    next(timeoutMs = 5_000) {
      if (consumed < received.length) return Promise.resolve(received[consumed++]!);
      return new Promise<TResult>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms (errors: ${JSON.stringify(errors)})`)), timeoutMs);
        waiters.push((v) => {
          clearTimeout(timer);
          consumed++;
          resolve(v);
        });
      });
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}
