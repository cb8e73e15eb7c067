// The tenant's governance policy (settings section `governance`, OWNER only):
// four-eyes erasure, and the tenant's own API request budget within the
// platform's. Pure: the use cases and the rate limiter read it.
import { z } from "zod";
import type { Principal } from "../access/principal.js";
import { userError, type UserError } from "../user-error.js";

export const governanceSettingsSchema = z
  .object({
    /** contactErase becomes a request that a second OWNER or ADMIN approves before anything is removed. */
    erasureFourEyes: z.boolean().default(false),
    /** How long an erasure request waits for a decision before it expires. */
    erasureRequestTtlHours: z.number().int().min(1).max(720).default(72),
    /** The tenant's API request budget per window (RATE_LIMIT_WINDOW_SECONDS); null: the platform's. Never above the platform's. */
    apiRateLimit: z
      .object({
        /** Points the whole tenant may spend per window. */
        tenantPoints: z.number().int().min(1).nullable().default(null),
        /** Points one caller (a user or an API key) may spend per window. */
        callerPoints: z.number().int().min(1).nullable().default(null),
      })
      .strict()
      .default({ tenantPoints: null, callerPoints: null }),
  })
  .strict();

export type GovernanceSettings = z.infer<typeof governanceSettingsSchema>;
export type ApiRateLimitSettings = GovernanceSettings["apiRateLimit"];

export interface PlatformRateLimits {
  tenantPoints: number;
  callerPoints: number;
}

/** The budgets in force for a tenant: its own where it set one, never above the platform's. */
export function effectiveRateLimits(tenant: ApiRateLimitSettings | null | undefined, platform: PlatformRateLimits): PlatformRateLimits {
  return {
    tenantPoints: Math.min(tenant?.tenantPoints ?? platform.tenantPoints, platform.tenantPoints),
    callerPoints: Math.min(tenant?.callerPoints ?? platform.callerPoints, platform.callerPoints),
  };
}

/** Why a tenant's rate-limit settings cannot be saved (above the platform's maximum); `field` is where the section sits. */
export function rateLimitSettingsErrors(settings: ApiRateLimitSettings, platform: PlatformRateLimits, field: string[]): UserError[] {
  const errors: UserError[] = [];
  for (const key of ["tenantPoints", "callerPoints"] as const) {
    const value = settings[key];
    if (value !== null && value > platform[key]) {
      errors.push(userError("VALIDATION_FAILED", `governance.apiRateLimit.${key} may be at most the platform's ${platform[key]}.`, [...field, "governance", "apiRateLimit", key]));
    }
  }
  return errors;
}

/** Who made or decides an erasure request. */
export interface ErasureRequester {
  requestedById: string;
  requestedByUserId: string | null;
}

/**
 * Whether `principal` may approve an erasure request: it needs erasure:approve
 * (OWNER, ADMIN), and it must be someone other than the requester (neither the
 * same credential nor another credential of the same person).
 */
export function mayApproveErasure(principal: Pick<Principal, "id" | "userId" | "permissions">, request: ErasureRequester): UserError | null {
  if (!principal.permissions.has("erasure:approve")) {
    return userError("FORBIDDEN", "Only an OWNER or ADMIN may approve an erasure request.", ["input", "erasureRequestId"]);
  }
  const same = principal.id === request.requestedById || (principal.userId !== null && principal.userId === request.requestedByUserId);
  if (same) return userError("SELF_APPROVAL_FORBIDDEN", "The four-eyes policy requires someone other than the requester to approve this erasure.", ["input", "erasureRequestId"]);
  return null;
}

/** A request's status as seen now: a PENDING request past its expiry is EXPIRED. */
export function erasureRequestStatus(request: { status: string; expiresAt: Date }, now: Date = new Date()): "PENDING" | "APPROVED" | "REJECTED" | "EXPIRED" {
  if (request.status === "PENDING" && request.expiresAt.getTime() <= now.getTime()) return "EXPIRED";
  return request.status as "PENDING" | "APPROVED" | "REJECTED" | "EXPIRED";
}
