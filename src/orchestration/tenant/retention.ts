// Retention passes (issue 15): every tenant's own policy (the `retention`
// settings section), applied by the maintenance queue. Each tenant that had
// something removed gets an audit entry and a `sales.tenant.retention_applied`
// event with the counts, written together in one unit of work; every pass is
// logged and counted in `retention_purged_total{kind}`. Audit entries are kept.
import { randomUUID } from "node:crypto";
import { withTenant, type Database } from "../../data/database.js";
import { purgeTenant, type PurgeOptions } from "../../data/retention.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { RETENTION_DEFAULTS, RETENTION_KINDS, emptyCounts, totalOf, type RetentionCounts, type RetentionSettings } from "../../domain/tenant/retention.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { ok } from "../../domain/user-error.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import { runUnitOfWork, type Actor } from "../unit-of-work.js";

export function retentionActor(tenantId: string): Actor {
  return { principal: agentPrincipal(tenantId, "retention"), meta: { requestId: randomUUID(), traceId: null } };
}

export interface RetentionPassResult {
  tenants: number;
  /** Tenants that had something removed. */
  touched: number;
  counts: RetentionCounts;
  /** Tenants whose pass failed (logged; the next pass retries). */
  failed: number;
}

/** The policy in force for the tenant of `tenantId`: its settings with the defaults filled in. */
export async function retentionPolicy(db: Database, tenantId: string): Promise<RetentionSettings> {
  const tenant = await withTenant(db.prisma, { tenantId }, (tx) => tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } }));
  return readTenantSettings(tenant.settings).retention;
}

/** Applies one tenant's policy and records what it removed. */
export async function applyTenantRetention(
  services: { db: Database; metrics?: Metrics | null },
  tenantId: string,
  options: PurgeOptions,
): Promise<RetentionCounts> {
  const policy = await retentionPolicy(services.db, tenantId);
  const counts = await purgeTenant(services.db, tenantId, policy, options);
  for (const kind of RETENTION_KINDS) if (counts[kind]) services.metrics?.retentionPurged.inc({ kind }, counts[kind]);
  if (totalOf(counts) > 0) {
    // The counts and the policy that produced them: nothing personal.
    const summary = { counts, policy, defaults: RETENTION_DEFAULTS };
    await runUnitOfWork(services, retentionActor(tenantId), async (uow) => {
      await uow.audit({ action: "tenant.retention_applied", targetType: "Tenant", targetId: tenantId, summary });
      await uow.emit("sales.tenant.retention_applied", { tenantId, counts });
      return ok(null);
    });
  }
  return counts;
}

/** One pass over every tenant. A tenant that fails is logged and skipped; the others go on. */
export async function applyRetention(
  services: { db: Database; logger: Logger; metrics?: Metrics | null },
  options: PurgeOptions,
): Promise<RetentionPassResult> {
  const tenants = await services.db.prisma.$queryRaw<{ id: string }[]>`SELECT app_tenant_ids() AS id`;
  const result: RetentionPassResult = { tenants: tenants.length, touched: 0, counts: emptyCounts(), failed: 0 };
  for (const { id } of tenants) {
    try {
      const counts = await applyTenantRetention(services, id, options);
      if (totalOf(counts) > 0) result.touched++;
      for (const kind of RETENTION_KINDS) result.counts[kind] += counts[kind];
    } catch (error) {
      result.failed++;
      services.logger.warn({ tenantId: id, err: error instanceof Error ? { name: error.name, message: error.message } : undefined }, "retention pass failed for a tenant");
    }
  }
  return result;
}
