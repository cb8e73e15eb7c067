// Request-scoped metadata available anywhere below the HTTP handler (logs,
// audit entries) without threading it through every call.
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestContext {
  requestId: string;
  traceId: string | null;
  tenantId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Trace id from a W3C `traceparent` header (version-traceid-parentid-flags), if well-formed. */
export function traceIdFromTraceparent(header: string | undefined): string | null {
  const match = header?.trim().match(/^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/);
  return match && match[1] !== "0".repeat(32) ? match[1]! : null;
}
