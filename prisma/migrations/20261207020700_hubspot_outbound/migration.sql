-- hubspot outbound sync and CRM hygiene (issue 11): one row per change of ours for HubSpot

-- CreateEnum
CREATE TYPE "HubspotSyncItemStatus" AS ENUM ('PENDING', 'DONE', 'FAILED', 'SKIPPED');

-- CreateTable
CREATE TABLE "HubspotSyncItem" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "sourceType" TEXT NOT NULL,
    "sourceId" UUID NOT NULL,
    "hubspotType" TEXT NOT NULL,
    "status" "HubspotSyncItemStatus" NOT NULL DEFAULT 'PENDING',
    "hubspotId" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "attemptedAt" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "result" JSONB NOT NULL DEFAULT '{}',
    "doneAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "HubspotSyncItem_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "HubspotSyncItem_tenantId_id_key" ON "HubspotSyncItem"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "HubspotSyncItem_source_key" ON "HubspotSyncItem"("tenantId", "connectionId", "kind", "sourceType", "sourceId");

-- CreateIndex
CREATE INDEX "HubspotSyncItem_tenantId_status_updatedAt_idx" ON "HubspotSyncItem"("tenantId", "status", "updatedAt");

SELECT app_protect_tenant_table('"HubspotSyncItem"');
