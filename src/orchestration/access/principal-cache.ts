// A few seconds' memory of "this token is this principal", so a request does
// not pay a database transaction to find the caller's membership again.
//
// Staleness is bounded twice: entries expire after AUTH_CACHE_TTL_MS (and
// never outlive the token), and every change to a membership, API key, user or
// tenant is announced by PostgreSQL at commit (trigger → NOTIFY auth_change,
// heard by every instance) and drops the affected entries at once. While that
// announcement channel is down the cache is not used at all, and it starts
// empty when the channel comes back (changes made meanwhile were not heard).
// And a cached caller's access is re-checked by the first statement of every
// transaction its request opens (app_access_fingerprint, in the same round
// trip that sets the tenant): no read or write of data runs on access a
// committed change already took away, even before the announcement arrives.
// Only what needs no database at all (`{ __typename }`, the role shown by
// `me`) can lag, by the announcement's delivery time.
import type { Principal } from "../../domain/access/principal.js";

/** What changed, as announced by the `auth_change` trigger. Absent fields match everything. */
export interface AuthChange {
  tenantId?: string;
  userId?: string;
  apiKeyId?: string;
}

interface Entry {
  principal: Principal;
  expiresAt: number;
}

export interface PrincipalCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  /** Verifications under way, by token: concurrent misses for one token wait for the same one. */
  private readonly verifying = new Map<string, Promise<Principal>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Only while changes are being heard may an entry be trusted. */
  private trusted = false;

  constructor(options: PrincipalCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get active(): boolean {
    return this.trusted && this.ttlMs > 0;
  }

  get(token: string): Principal | null {
    if (!this.active) return null;
    const entry = this.entries.get(token);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(token);
      return null;
    }
    return entry.principal;
  }

  /** Remembers a freshly verified principal; `notAfter` is the token's own expiry (ms), if it has one. */
  set(token: string, principal: Principal, notAfter?: number): void {
    if (!this.active) return;
    const expiresAt = Math.min(this.now() + this.ttlMs, notAfter ?? Number.POSITIVE_INFINITY);
    if (expiresAt <= this.now()) return;
    if (this.entries.size >= this.maxEntries) {
      // Oldest first (a Map iterates in insertion order).
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(token);
    this.entries.set(token, { principal: { ...principal, cached: true }, expiresAt });
  }

  /**
   * Runs `verify` for a token that missed the cache, unless a verification of the same token is
   * already under way: then its result is shared (hundreds of subscribers of one caller re-checked
   * at the same event cost one transaction, not hundreds). Only one started after the last change
   * heard is shared — every change drops the verifications under way — and nothing is shared while
   * changes cannot be heard.
   */
  verifyOnce(token: string, verify: () => Promise<Principal>): Promise<Principal> {
    if (!this.active) return verify();
    const running = this.verifying.get(token);
    if (running) return running;
    const started = verify().finally(() => {
      if (this.verifying.get(token) === started) this.verifying.delete(token);
    });
    this.verifying.set(token, started);
    return started;
  }

  /** Drops every entry the change could affect (and stops sharing the verifications under way). */
  invalidate(change: AuthChange): void {
    this.verifying.clear();
    if (!change.tenantId && !change.userId && !change.apiKeyId) return this.clear();
    for (const [token, { principal }] of this.entries) {
      if (matches(principal, change)) this.entries.delete(token);
    }
  }

  clear(): void {
    this.entries.clear();
    this.verifying.clear();
  }

  /** Changes are being heard (again): start trusting, from empty. */
  resume(): void {
    this.entries.clear();
    this.verifying.clear();
    this.trusted = true;
  }

  /** Changes can no longer be heard: forget everything and stop caching until `resume`. */
  suspend(): void {
    this.trusted = false;
    this.entries.clear();
    this.verifying.clear();
  }
}

function matches(principal: Principal, change: AuthChange): boolean {
  if (change.tenantId && principal.tenantId !== change.tenantId) return false;
  if (change.apiKeyId) return principal.kind === "API_KEY" && principal.id === change.apiKeyId;
  // A user's change also reaches the API keys that act for them.
  if (change.userId) return principal.userId === change.userId;
  return true;
}

/** Parses a NOTIFY payload; anything unreadable clears everything (the safe answer). */
export function parseAuthChange(payload: string): AuthChange {
  try {
    const value = JSON.parse(payload) as Record<string, unknown>;
    const pick = (key: string) => (typeof value[key] === "string" ? (value[key] as string) : undefined);
    return { tenantId: pick("tenantId"), userId: pick("userId"), apiKeyId: pick("apiKeyId") };
  } catch {
    return {};
  }
}
