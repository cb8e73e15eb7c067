-- tenant lifecycle: suspension, invitations, and the platform administration's doors (issue 15)

-- CreateEnum
CREATE TYPE "InvitationStatus" AS ENUM ('PENDING', 'ACCEPTED', 'REVOKED');

-- CreateTable
CREATE TABLE "TenantSuspension" (
    "tenantId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "suspendedBy" TEXT NOT NULL,
    "suspendedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TenantSuspension_pkey" PRIMARY KEY ("tenantId")
);

-- CreateTable
CREATE TABLE "Invitation" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "status" "InvitationStatus" NOT NULL DEFAULT 'PENDING',
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "invitedById" UUID,
    "invitedByLabel" TEXT NOT NULL,
    "sendCount" INTEGER NOT NULL DEFAULT 1,
    "acceptedUserId" UUID,
    "acceptedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Invitation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Invitation_tenantId_status_createdAt_idx" ON "Invitation"("tenantId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "Invitation_tenantId_email_idx" ON "Invitation"("tenantId", "email");

-- AddForeignKey
ALTER TABLE "TenantSuspension" ADD CONSTRAINT "TenantSuspension_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

SELECT app_protect_tenant_table('"TenantSuspension"');
SELECT app_protect_tenant_table('"Invitation"');

-- At most one pending invitation per address and tenant (a second invite is a resend).
CREATE UNIQUE INDEX "Invitation_one_pending_per_email" ON "Invitation"("tenantId", "email") WHERE "status" = 'PENDING';

-- ---------------------------------------------------------------------------
-- The platform administration's doors. Platform administrators are not
-- tenant members: they never get a tenant context that reads tenant data.
-- They create tenants (this function inserts only the Tenant row, with the id
-- the caller set as the transaction's tenant, so the owner's membership, the
-- audit entry and the event are then written under ordinary row-level
-- security in the same transaction), and list tenants with their suspension
-- (names, slugs, counts; nothing of a tenant's data).
-- ---------------------------------------------------------------------------
CREATE FUNCTION app_platform_tenant_insert(tenant_name text, tenant_slug text, tenant_settings jsonb) RETURNS boolean
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
DECLARE
  target uuid := app_current_tenant();
  inserted integer;
BEGIN
  IF target IS NULL THEN
    RAISE EXCEPTION 'app_platform_tenant_insert needs the new tenant id as the transaction''s tenant';
  END IF;
  INSERT INTO "Tenant" ("id", "name", "slug", "settings", "updatedAt")
  VALUES (target, tenant_name, tenant_slug, tenant_settings, CURRENT_TIMESTAMP)
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  RETURN inserted = 1;
END
$$;

CREATE FUNCTION app_platform_tenants(max_rows integer, skip_rows integer)
  RETURNS TABLE (id uuid, name text, slug text, created_at timestamptz, suspended_at timestamptz, suspension_reason text, member_count bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
    SELECT t."id", t."name", t."slug", t."createdAt", s."suspendedAt", s."reason",
           (SELECT count(*) FROM "Membership" m WHERE m."tenantId" = t."id")
    FROM "Tenant" t LEFT JOIN "TenantSuspension" s ON s."tenantId" = t."id"
    ORDER BY t."createdAt", t."id"
    LIMIT max_rows OFFSET skip_rows
  $$;

REVOKE ALL ON FUNCTION app_platform_tenant_insert(text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_platform_tenants(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_platform_tenant_insert(text, text, jsonb) TO sales_app;
GRANT EXECUTE ON FUNCTION app_platform_tenants(integer, integer) TO sales_app;
