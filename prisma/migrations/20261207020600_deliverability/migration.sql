-- Deliverability guardrails (issue 12): per-mailbox pause state and the bounce/complaint
-- signals the rates are computed from.

-- CreateEnum
CREATE TYPE "SendingMailboxStatus" AS ENUM ('ACTIVE', 'PAUSED');

-- CreateEnum
CREATE TYPE "DeliverabilitySignalKind" AS ENUM ('HARD_BOUNCE', 'SOFT_BOUNCE', 'COMPLAINT');

-- CreateTable
CREATE TABLE "SendingMailbox" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "mailbox" TEXT NOT NULL,
    "status" "SendingMailboxStatus" NOT NULL DEFAULT 'ACTIVE',
    "pauseCode" TEXT,
    "pauseReason" TEXT,
    "pausedAt" TIMESTAMPTZ(3),
    "resumedAt" TIMESTAMPTZ(3),
    "resumedBy" TEXT,
    "countSince" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SendingMailbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeliverabilitySignal" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "kind" "DeliverabilitySignalKind" NOT NULL,
    "mailbox" TEXT NOT NULL,
    "sendingDomain" TEXT NOT NULL,
    "recipientEmail" TEXT,
    "inboundMessageId" UUID NOT NULL,
    "emailSendId" UUID,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeliverabilitySignal_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SendingMailbox_tenantId_mailbox_key" ON "SendingMailbox"("tenantId", "mailbox");

-- CreateIndex
CREATE UNIQUE INDEX "DeliverabilitySignal_tenantId_inboundMessageId_key" ON "DeliverabilitySignal"("tenantId", "inboundMessageId");

-- CreateIndex
CREATE INDEX "DeliverabilitySignal_tenantId_mailbox_occurredAt_idx" ON "DeliverabilitySignal"("tenantId", "mailbox", "occurredAt");

-- CreateIndex
CREATE INDEX "DeliverabilitySignal_tenantId_sendingDomain_occurredAt_idx" ON "DeliverabilitySignal"("tenantId", "sendingDomain", "occurredAt");

SELECT app_protect_tenant_table('"SendingMailbox"');
SELECT app_protect_tenant_table('"DeliverabilitySignal"');
