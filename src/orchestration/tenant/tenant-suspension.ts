// Whether a tenant is suspended by the platform (see tenant-lifecycle.ts).
// Read inside the caller's tenant transaction (row-level security lets a
// tenant see its own suspension row); kept apart so that authentication, the
// send claim and the agent workers can ask without importing the use cases.
import { withTenant, type Tx } from "../../data/database.js";

export interface TenantSuspensionInfo {
  reason: string;
  suspendedAt: Date;
}

export async function tenantSuspension(tx: Tx, tenantId: string): Promise<TenantSuspensionInfo | null> {
  const rows = await tx.$queryRaw<{ reason: string; suspendedAt: Date }[]>`
    SELECT "reason", "suspendedAt" FROM "TenantSuspension" WHERE "tenantId" = ${tenantId}::uuid`;
  return rows[0] ?? null;
}

/** What a suspended tenant's members are told (the platform's reason stays in the platform's audit). */
export const TENANT_SUSPENDED_MESSAGE = "This tenant is suspended: nothing can be read or changed until the platform resumes it.";

/** How long a suspended tenant's queued job waits before its worker looks again (resuming makes it due at once; src/jobs/tenant-worker.ts). */
export const SUSPENDED_JOB_RECHECK_SECONDS = 300;
/** How long a suspended tenant's queued send is held before the send sweeper looks again (resume re-queues at once). */
export const SUSPENDED_SEND_HOLD_SECONDS = 3600;

/**
 * Of these tenants, the suspended ones, in one statement (app_suspended_tenants:
 * ids in, suspended ids out). For the platform's sweeps that do a tenant's work
 * inline rather than through a tenant job (weekly digests, Gmail watch renewal):
 * they skip a suspended tenant, and the next run after the resume catches up.
 * Tenant jobs are guarded by src/jobs/tenant-worker.ts.
 */
export async function suspendedTenantsAmong(db: { prisma: Parameters<typeof withTenant>[0] }, tenantIds: Iterable<string>): Promise<Set<string>> {
  const ids = [...new Set(tenantIds)];
  if (ids.length === 0) return new Set();
  const rows = await db.prisma.$queryRaw<{ id: string }[]>`SELECT app_suspended_tenants(${ids}::uuid[])::text AS id`;
  return new Set(rows.map((r) => r.id));
}
