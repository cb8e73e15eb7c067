// Google API failures as our typed errors. The SDKs (gaxios underneath) throw
// a GaxiosError; every adapter turns it into a GoogleApiError that keeps the
// shape the rest of the service reads:
// - response.status / response.headers["retry-after"]: the resilience policy
//   (httpFailure / isTransient) retries 429/5xx and honours Retry-After;
// - status 401 or response.data.error "invalid_grant"/"invalid_token":
//   callWithConnection refreshes once, then turns the connection to NEEDS_REAUTH.
// Nothing from a token or a message body is ever put in the message.
import { parseRetryAfter } from "../resilience.js";

export type GoogleErrorKind = "REAUTH" | "RATE_LIMITED" | "TRANSIENT" | "NOT_FOUND" | "FORBIDDEN" | "INVALID" | "PERMANENT";

export class GoogleApiError extends Error {
  readonly response: { status: number | null; headers: Record<string, string>; data: { error: string | null } };
  constructor(
    readonly operation: string,
    readonly status: number | null,
    /** Google's reason (errors[0].reason, e.g. rateLimitExceeded, notFound) or the OAuth error code. */
    readonly reason: string | null,
    /** The delay Google asked for (Retry-After), in ms. */
    readonly retryAfterMs: number | null,
    readonly kind: GoogleErrorKind,
  ) {
    super(`Google ${operation} failed (${[reason, status ? `HTTP ${status}` : null].filter(Boolean).join(", ") || "network error"}).`);
    this.name = "GoogleApiError";
    const headers: Record<string, string> = {};
    if (retryAfterMs !== null) headers["retry-after"] = String(Math.ceil(retryAfterMs / 1000));
    this.response = { status, headers, data: { error: kind === "REAUTH" && status !== 401 ? "invalid_grant" : reason } };
  }
}

/** Gmail's history id is older than the history Google keeps: a full resync is needed. */
export class HistoryExpiredError extends Error {
  constructor(readonly startHistoryId: string) {
    super("The Gmail history id is too old; a full sync is needed.");
    this.name = "HistoryExpiredError";
  }
}

/** A Drive folder or file outside the tenant's allowlist: refused without asking Google (or after, for a file's parents). */
export class AssetNotAllowedError extends Error {
  constructor(
    readonly reason: "NO_ALLOWLIST" | "FOLDER_NOT_ALLOWED" | "FILE_NOT_ALLOWED",
    readonly ids: string[],
  ) {
    super(reason === "NO_ALLOWLIST" ? "No Drive folder is allowlisted for assets." : "That Drive item is not in an allowlisted folder.");
    this.name = "AssetNotAllowedError";
  }
}

function header(headers: unknown, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as { get?: unknown }).get === "function") return ((headers as { get(n: string): string | null }).get(name) ?? null) as string | null;
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) if (k.toLowerCase() === name) return v == null ? null : String(v);
  return null;
}

/** Any error from a Google SDK call as a GoogleApiError (already typed errors pass through). */
export function toGoogleError(operation: string, error: unknown): Error {
  if (error instanceof GoogleApiError || error instanceof HistoryExpiredError || error instanceof AssetNotAllowedError) return error;
  const e = error as { status?: unknown; code?: unknown; name?: unknown; response?: { status?: unknown; headers?: unknown; data?: unknown } } | null;
  const status = typeof e?.response?.status === "number" ? e.response.status : typeof e?.status === "number" ? e.status : null;
  if (status === null) {
    // No HTTP answer: network failure or abort. Keep the error as it is (the resilience policy knows these codes).
    if (error instanceof Error && (error.name === "AbortError" || typeof e?.code === "string")) return error;
    return new GoogleApiError(operation, null, typeof e?.code === "string" ? e.code : null, null, "TRANSIENT");
  }
  const data = e?.response?.data as { error?: unknown } | undefined;
  let reason: string | null = null;
  if (typeof data?.error === "string") reason = data.error; // OAuth-style { error: "invalid_grant" }
  else if (data?.error && typeof data.error === "object") {
    const g = data.error as { errors?: { reason?: unknown }[]; status?: unknown };
    reason = typeof g.errors?.[0]?.reason === "string" ? g.errors[0].reason : typeof g.status === "string" ? g.status : null;
  }
  if (reason && !/^[A-Za-z_]{1,64}$/.test(reason)) reason = null;
  const retryAfterMs = parseRetryAfter(header(e?.response?.headers, "retry-after"));
  const kind: GoogleErrorKind =
    status === 401 || reason === "invalid_grant" ? "REAUTH"
    : status === 429 || reason === "rateLimitExceeded" || reason === "userRateLimitExceeded" ? "RATE_LIMITED"
    : status === 408 || status >= 500 ? "TRANSIENT"
    : status === 404 ? "NOT_FOUND"
    : status === 403 ? "FORBIDDEN"
    : status === 400 ? "INVALID"
    : "PERMANENT";
  // Google answers some quota errors with 403 rateLimitExceeded: retried like a 429.
  const effectiveStatus = kind === "RATE_LIMITED" && status === 403 ? 429 : status;
  return new GoogleApiError(operation, effectiveStatus, reason, retryAfterMs, kind);
}

/** Runs an SDK call and maps its failure. */
export async function googleCall<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toGoogleError(operation, error);
  }
}
