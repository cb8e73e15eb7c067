-- hubspot sync (issue 11): per-connection cursors, per-record sync marks, owners, stage mapping

-- CreateTable
CREATE TABLE "HubspotSyncState" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "objectType" TEXT NOT NULL,
    "cursor" TIMESTAMPTZ(3),
    "lastRunAt" TIMESTAMPTZ(3),
    "lastFullAt" TIMESTAMPTZ(3),
    "lastCreated" INTEGER NOT NULL DEFAULT 0,
    "lastUpdated" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "HubspotSyncState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HubspotRecordSync" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" UUID NOT NULL,
    "hubspotId" TEXT NOT NULL,
    "hubspotModifiedAt" TIMESTAMPTZ(3) NOT NULL,
    "localUpdatedAt" TIMESTAMPTZ(3) NOT NULL,
    "syncedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HubspotRecordSync_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HubspotOwner" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "hubspotOwnerId" TEXT NOT NULL,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "userId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "HubspotOwner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HubspotSettings" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "stageMappings" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "HubspotSettings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "HubspotSyncState_tenantId_connectionId_objectType_key" ON "HubspotSyncState"("tenantId", "connectionId", "objectType");

-- CreateIndex
CREATE INDEX "HubspotRecordSync_tenantId_entityType_entityId_idx" ON "HubspotRecordSync"("tenantId", "entityType", "entityId");

-- CreateIndex
CREATE UNIQUE INDEX "HubspotRecordSync_tenantId_entityType_hubspotId_key" ON "HubspotRecordSync"("tenantId", "entityType", "hubspotId");

-- CreateIndex
CREATE UNIQUE INDEX "HubspotOwner_tenantId_hubspotOwnerId_key" ON "HubspotOwner"("tenantId", "hubspotOwnerId");

-- CreateIndex
CREATE UNIQUE INDEX "HubspotSettings_tenantId_key" ON "HubspotSettings"("tenantId");

SELECT app_protect_tenant_table('"HubspotSyncState"');
SELECT app_protect_tenant_table('"HubspotRecordSync"');
SELECT app_protect_tenant_table('"HubspotOwner"');
SELECT app_protect_tenant_table('"HubspotSettings"');
