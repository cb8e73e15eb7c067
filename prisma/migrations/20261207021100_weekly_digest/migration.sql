-- Weekly digest (issue 13): members opt in; a scheduled job writes each one's
-- digest of the last week (and, when asked, a draft to themselves).

-- CreateTable
CREATE TABLE "WeeklyDigestSubscription" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "asDraft" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WeeklyDigestSubscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WeeklyDigest" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "periodEnd" TIMESTAMPTZ(3) NOT NULL,
    "subject" TEXT NOT NULL,
    "bodyText" TEXT NOT NULL,
    "figures" JSONB NOT NULL,
    "draftId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WeeklyDigest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "WeeklyDigestSubscription_tenantId_userId_key" ON "WeeklyDigestSubscription"("tenantId", "userId");

-- CreateIndex
CREATE INDEX "WeeklyDigest_tenantId_userId_createdAt_idx" ON "WeeklyDigest"("tenantId", "userId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "WeeklyDigest_tenantId_userId_periodStart_key" ON "WeeklyDigest"("tenantId", "userId", "periodStart");

-- AddForeignKey
ALTER TABLE "WeeklyDigestSubscription" ADD CONSTRAINT "WeeklyDigestSubscription_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WeeklyDigest" ADD CONSTRAINT "WeeklyDigest_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

SELECT app_protect_tenant_table('"WeeklyDigestSubscription"');
SELECT app_protect_tenant_table('"WeeklyDigest"');

-- Who is due a digest, across tenants (the scheduled job then works inside
-- each tenant): opted-in members of tenants that are not suspended.
CREATE FUNCTION app_weekly_digest_targets() RETURNS TABLE (tenant_id uuid, user_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
    SELECT s."tenantId", s."userId" FROM "WeeklyDigestSubscription" s
    WHERE NOT EXISTS (SELECT 1 FROM "TenantSuspension" ts WHERE ts."tenantId" = s."tenantId")
    ORDER BY s."tenantId", s."userId"
  $$;
REVOKE ALL ON FUNCTION app_weekly_digest_targets() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_weekly_digest_targets() TO sales_app;
