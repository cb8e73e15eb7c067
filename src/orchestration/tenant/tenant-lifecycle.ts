// Tenant lifecycle, done by a platform administrator (platform-admin.ts):
// create a tenant with its first owner, suspend it, resume it, list tenants.
//
// Each change is one transaction under the tenant's own context: the change,
// its audit entry (in the tenant's audit log, actor "platform:<subject>") and
// its event (`sales.tenant.*`) commit together. Creating inserts the Tenant
// row through one narrow SECURITY DEFINER door (the service role cannot
// create tenants otherwise); everything else is ordinary row-level security.
// The API and the CLI (src/cli/tenant.ts) run these same use cases.
//
// Suspension: authentication refuses every credential of a suspended tenant
// (TENANT_SUSPENDED, so nothing is read or written through the API and open
// subscriptions close), the send claim holds its queued drafts (nothing is
// sent; see SUSPENDED_HOLD_REASON), and every tenant worker puts its jobs
// back with a delay (src/jobs/tenant-worker.ts). Resuming re-queues the held
// sends and makes the deferred jobs due at once.
import { z } from "zod";
import { v7 as uuidv7 } from "uuid";
import { withTenant } from "../../data/database.js";
import { releaseDeferredJobs } from "../../data/job-queue.js";
import type { Principal, RequestMeta } from "../../domain/access/principal.js";
import { TENANT_SLUG, tenantNameSchema, tenantSettingsSchema } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { enqueueSend } from "../draft/draft.js";
import type { PlatformAdmin } from "../access/platform-admin.js";
import type { Services } from "../services.js";
import { tenantSuspension } from "./tenant-suspension.js";
import { runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";

/** The platform administrator acting on one tenant: no role in it, no permissions; only audit and events use it. */
export function platformActor(admin: PlatformAdmin, tenantId: string, meta: RequestMeta): Actor {
  const principal: Principal = {
    kind: "USER",
    id: admin.label,
    tenantId,
    role: "SERVICE",
    permissions: new Set(),
    label: admin.label,
    userId: null,
  };
  return { principal, meta };
}

export const tenantCreateSchema = z.object({
  name: tenantNameSchema,
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .regex(TENANT_SLUG, "must be 1-48 lowercase letters, digits or dashes, not starting or ending with a dash"),
  ownerEmail: z.string().trim().toLowerCase().email("must be a valid e-mail address").max(254),
  ownerName: z.string().trim().min(1).max(200).optional(),
});
export type TenantCreateInput = z.infer<typeof tenantCreateSchema>;

export interface CreatedTenant {
  tenantId: string;
  ownerUserId: string;
  ownerMembershipId: string;
}

export async function createTenant(services: Services, admin: PlatformAdmin, meta: RequestMeta, input: TenantCreateInput): Promise<Outcome<CreatedTenant>> {
  const tenantId = uuidv7();
  return runUnitOfWork(services, platformActor(admin, tenantId, meta), async (uow) => {
    const settings = tenantSettingsSchema.parse({});
    const [inserted] = await uow.tx.$queryRaw<{ created: boolean }[]>`
      SELECT app_platform_tenant_insert(${input.name}, ${input.slug}, ${JSON.stringify(settings)}::jsonb) AS created`;
    if (!inserted?.created) return fail(userError("CONFLICT", `A tenant with the slug "${input.slug}" already exists.`, ["input", "slug"]));
    const displayName = input.ownerName ?? input.ownerEmail.split("@")[0]!;
    const [user] = await uow.tx.$queryRaw<{ id: string }[]>`SELECT app_ensure_user(${input.ownerEmail}, ${displayName}) AS id`;
    const ownerUserId = user!.id;
    const membership = await uow.tx.membership.create({ data: { tenantId, userId: ownerUserId, role: "OWNER", displayName } });
    await uow.audit({
      action: "tenant.created",
      targetType: "Tenant",
      targetId: tenantId,
      summary: { name: input.name, slug: input.slug, owner: { userId: ownerUserId, email: input.ownerEmail } },
    });
    await uow.emit("sales.tenant.created", { tenantId, slug: input.slug });
    await uow.emit("sales.membership.added", { membershipId: membership.id, userId: ownerUserId, role: "OWNER" });
    return ok({ tenantId, ownerUserId, ownerMembershipId: membership.id });
  });
}

export const tenantSuspendSchema = z.object({
  tenantId: z.string().uuid(),
  reason: z.string().trim().min(3, "must say why (at least 3 characters)").max(500),
});

/** Re-announces the tenant row so every instance drops credentials it cached for the tenant (auth_change). */
async function touchTenant(uow: UnitOfWork, tenantId: string) {
  await uow.tx.tenant.update({ where: { id: tenantId }, data: { updatedAt: new Date() } });
}

function tenantNotFound() {
  return userError("NOT_FOUND", "No such tenant.", ["input", "tenantId"]);
}

export async function suspendTenant(
  services: Services,
  admin: PlatformAdmin,
  meta: RequestMeta,
  input: z.infer<typeof tenantSuspendSchema>,
): Promise<Outcome<{ tenantId: string }>> {
  return runUnitOfWork(services, platformActor(admin, input.tenantId, meta), async (uow) => {
    const tenant = await uow.tx.tenant.findUnique({ where: { id: input.tenantId }, select: { id: true } });
    if (!tenant) return fail(tenantNotFound());
    // Serialise with a concurrent suspend/resume of the same tenant.
    await uow.tx.$queryRaw`SELECT "id" FROM "Tenant" WHERE "id" = ${tenant.id}::uuid FOR UPDATE`;
    if (await tenantSuspension(uow.tx, tenant.id)) return fail(userError("CONFLICT", "The tenant is already suspended.", ["input", "tenantId"]));
    await uow.tx.tenantSuspension.create({ data: { tenantId: tenant.id, reason: input.reason, suspendedBy: admin.label } });
    await touchTenant(uow, tenant.id);
    await uow.audit({ action: "tenant.suspended", targetType: "Tenant", targetId: tenant.id, summary: { reason: input.reason } });
    await uow.emit("sales.tenant.suspended", { tenantId: tenant.id });
    return ok({ tenantId: tenant.id });
  });
}

export async function resumeTenant(
  services: Services,
  admin: PlatformAdmin,
  meta: RequestMeta,
  input: { tenantId: string },
): Promise<Outcome<{ tenantId: string; sendsRequeued: number }>> {
  return runUnitOfWork(services, platformActor(admin, input.tenantId, meta), async (uow) => {
    const tenant = await uow.tx.tenant.findUnique({ where: { id: input.tenantId }, select: { id: true } });
    if (!tenant) return fail(tenantNotFound());
    await uow.tx.$queryRaw`SELECT "id" FROM "Tenant" WHERE "id" = ${tenant.id}::uuid FOR UPDATE`;
    const suspension = await tenantSuspension(uow.tx, tenant.id);
    if (!suspension) return fail(userError("CONFLICT", "The tenant is not suspended.", ["input", "tenantId"]));
    await uow.tx.tenantSuspension.delete({ where: { tenantId: tenant.id } });
    // The jobs the workers put back while it was suspended are due now (src/jobs/tenant-worker.ts).
    const jobsReleased = await releaseDeferredJobs(uow.tx, tenant.id);
    await touchTenant(uow, tenant.id);
    // The sends the suspension held go back to the queue now (jobs committed with this transaction).
    const held = await uow.tx.draft.findMany({ where: { status: "QUEUED" }, select: { id: true }, orderBy: { id: "asc" } });
    if (held.length) {
      await uow.tx.draft.updateMany({ where: { id: { in: held.map((d) => d.id) }, holdReason: SUSPENDED_HOLD_REASON }, data: { holdReason: null, holdUntil: null } });
    }
    for (const draft of held) await enqueueSend(services, uow, tenant.id, draft.id);
    // Its events held by the outbox dispatcher (src/jobs/outbox-dispatcher.ts) go out once this commits: the
    // resume's own event below wakes the dispatcher, and they are older, so they are published first.
    const eventsReleased = await uow.tx.outboxEvent.count({ where: { tenantId: tenant.id, deliveredAt: null } });
    await uow.audit({
      action: "tenant.resumed",
      targetType: "Tenant",
      targetId: tenant.id,
      summary: { suspendedAt: suspension.suspendedAt.toISOString(), reason: suspension.reason, sendsRequeued: held.length, jobsReleased, eventsReleased },
    });
    await uow.emit("sales.tenant.resumed", { tenantId: tenant.id });
    return ok({ tenantId: tenant.id, sendsRequeued: held.length });
  });
}

export interface PlatformTenant {
  id: string;
  name: string;
  slug: string;
  createdAt: Date;
  suspendedAt: Date | null;
  suspensionReason: string | null;
  memberCount: number;
}

/** Every tenant, oldest first: names, slugs, member counts and suspension; nothing of their data. */
export async function listTenants(services: Pick<Services, "db">, page: { limit: number; offset: number }): Promise<PlatformTenant[]> {
  const rows = await services.db.prisma.$queryRaw<
    { id: string; name: string; slug: string; created_at: Date; suspended_at: Date | null; suspension_reason: string | null; member_count: bigint }[]
  >`SELECT * FROM app_platform_tenants(${page.limit}::integer, ${page.offset}::integer)`;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    slug: r.slug,
    createdAt: r.created_at,
    suspendedAt: r.suspended_at,
    suspensionReason: r.suspension_reason,
    memberCount: Number(r.member_count),
  }));
}

/** One tenant's platform view (read under that tenant's own context: its row, its suspension, how many members). */
export async function findTenant(services: Pick<Services, "db">, tenantId: string): Promise<PlatformTenant | null> {
  return withTenant(services.db.prisma, { tenantId }, async (tx) => {
    const tenant = await tx.tenant.findUnique({ where: { id: tenantId }, select: { id: true, name: true, slug: true, createdAt: true } });
    if (!tenant) return null;
    const suspension = await tenantSuspension(tx, tenantId);
    const memberCount = await tx.membership.count();
    return { ...tenant, suspendedAt: suspension?.suspendedAt ?? null, suspensionReason: suspension?.reason ?? null, memberCount };
  });
}

/**
 * Why a suspended tenant's draft stays QUEUED in the send claim (draft-delivery.ts): held for
 * SUSPENDED_SEND_HOLD_SECONDS, nothing goes to the transport; resuming re-queues it at once.
 */
export const SUSPENDED_HOLD_REASON = "The tenant is suspended; the send waits until it is resumed.";
