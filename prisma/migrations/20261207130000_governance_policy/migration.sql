-- governance (issue 15): four-eyes erasure requests, per-tenant secrets (the erased-address hash key)

-- CreateEnum
CREATE TYPE "ErasureRequestStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED', 'EXPIRED');

-- CreateTable
CREATE TABLE "ErasureRequest" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "status" "ErasureRequestStatus" NOT NULL DEFAULT 'PENDING',
    "reason" TEXT NOT NULL,
    "requestedById" TEXT NOT NULL,
    "requestedByUserId" UUID,
    "requestedByLabel" TEXT NOT NULL,
    "decidedById" TEXT,
    "decidedByLabel" TEXT,
    "decisionReason" TEXT,
    "erasureId" UUID,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "decidedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ErasureRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TenantSecret" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "purpose" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TenantSecret_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ErasureRequest_tenantId_id_key" ON "ErasureRequest"("tenantId", "id");

-- CreateIndex
CREATE INDEX "ErasureRequest_tenantId_status_createdAt_idx" ON "ErasureRequest"("tenantId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "ErasureRequest_tenantId_contactId_idx" ON "ErasureRequest"("tenantId", "contactId");

-- CreateIndex
CREATE UNIQUE INDEX "TenantSecret_tenantId_purpose_key" ON "TenantSecret"("tenantId", "purpose");

SELECT app_protect_tenant_table('"ErasureRequest"');
SELECT app_protect_tenant_table('"TenantSecret"');
REVOKE DELETE ON "TenantSecret" FROM sales_app; -- a lost hash key un-suppresses every erased person
