-- Story-pitch campaigns (issue 12): the campaign with its frozen input, its planned recipients, and CAMPAIGN as a draft origin.

-- AlterEnum
ALTER TYPE "DraftOrigin" ADD VALUE 'CAMPAIGN';

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('ACTIVE', 'PAUSED', 'CANCELLED', 'COMPLETED');

-- CreateEnum
CREATE TYPE "CampaignRecipientStatus" AS ENUM ('PLANNED', 'DRAFTED', 'SKIPPED', 'CANCELLED');

-- CreateTable
CREATE TABLE "Campaign" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "brief" TEXT NOT NULL,
    "subject" TEXT,
    "mailbox" TEXT NOT NULL,
    "dailyCap" INTEGER NOT NULL,
    "cadenceDays" INTEGER NOT NULL,
    "startDate" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" "CampaignStatus" NOT NULL DEFAULT 'ACTIVE',
    "recipientCount" INTEGER NOT NULL,
    "scheduleToken" INTEGER NOT NULL DEFAULT 0,
    "createdById" TEXT,
    "createdByLabel" TEXT,
    "pausedAt" TIMESTAMPTZ(3),
    "cancelledAt" TIMESTAMPTZ(3),
    "completedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CampaignRecipient" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "campaignId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "leadId" UUID,
    "rank" INTEGER NOT NULL,
    "rankReason" TEXT NOT NULL,
    "plannedDay" TEXT NOT NULL,
    "plannedAt" TIMESTAMPTZ(3) NOT NULL,
    "status" "CampaignRecipientStatus" NOT NULL DEFAULT 'PLANNED',
    "skipReason" TEXT,
    "draftId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CampaignRecipient_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Campaign_tenantId_status_createdAt_idx" ON "Campaign"("tenantId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "Campaign_tenantId_mailbox_status_idx" ON "Campaign"("tenantId", "mailbox", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_tenantId_id_key" ON "Campaign"("tenantId", "id");

-- CreateIndex
CREATE INDEX "CampaignRecipient_tenantId_campaignId_plannedAt_idx" ON "CampaignRecipient"("tenantId", "campaignId", "plannedAt");

-- CreateIndex
CREATE INDEX "CampaignRecipient_tenantId_contactId_status_idx" ON "CampaignRecipient"("tenantId", "contactId", "status");

-- CreateIndex
CREATE INDEX "CampaignRecipient_tenantId_draftId_idx" ON "CampaignRecipient"("tenantId", "draftId");

-- CreateIndex
CREATE UNIQUE INDEX "CampaignRecipient_tenantId_id_key" ON "CampaignRecipient"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "CampaignRecipient_campaignId_contactId_key" ON "CampaignRecipient"("campaignId", "contactId");

-- AddForeignKey
ALTER TABLE "CampaignRecipient" ADD CONSTRAINT "CampaignRecipient_tenantId_campaignId_fkey" FOREIGN KEY ("tenantId", "campaignId") REFERENCES "Campaign"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"Campaign"');
SELECT app_protect_tenant_table('"CampaignRecipient"');
