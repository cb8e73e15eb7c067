-- operator_mode

-- CreateEnum
CREATE TYPE "DraftStatus" AS ENUM ('PENDING_REVIEW', 'APPROVED', 'QUEUED', 'SENDING', 'SENT', 'REJECTED', 'BLOCKED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "DraftOrigin" AS ENUM ('OPERATOR', 'AGENT', 'SEQUENCE');

-- CreateEnum
CREATE TYPE "MailCategory" AS ENUM ('ONE_TO_ONE', 'MARKETING');

-- CreateEnum
CREATE TYPE "EmailSendState" AS ENUM ('RESERVED', 'SENT', 'RELEASED');

-- CreateEnum
CREATE TYPE "SuppressionKind" AS ENUM ('EMAIL', 'DOMAIN');

-- CreateEnum
CREATE TYPE "SuppressionReason" AS ENUM ('UNSUBSCRIBED', 'BOUNCED', 'COMPLAINED', 'MANUAL');

-- CreateTable
CREATE TABLE "Draft" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "leadId" UUID,
    "dealId" UUID,
    "mailbox" TEXT NOT NULL,
    "recipientEmail" TEXT NOT NULL,
    "category" "MailCategory" NOT NULL DEFAULT 'ONE_TO_ONE',
    "origin" "DraftOrigin" NOT NULL,
    "originRef" TEXT,
    "authorType" "ActorType" NOT NULL,
    "authorId" TEXT NOT NULL,
    "authorUserId" UUID,
    "authorLabel" TEXT NOT NULL,
    "status" "DraftStatus" NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "subject" TEXT NOT NULL,
    "bodyText" TEXT NOT NULL,
    "bodyHtml" TEXT,
    "qualityReport" JSONB NOT NULL,
    "rejectionReason" TEXT,
    "failureReason" TEXT,
    "cancelReason" TEXT,
    "holdReason" TEXT,
    "holdUntil" TIMESTAMPTZ(3),
    "approvedAt" TIMESTAMPTZ(3),
    "sendRequestedBy" TEXT,
    "queuedAt" TIMESTAMPTZ(3),
    "sendAttempts" INTEGER NOT NULL DEFAULT 0,
    "leaseToken" UUID,
    "leaseExpiresAt" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "sentAt" TIMESTAMPTZ(3),
    "messageId" TEXT,
    "providerMessageId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Draft_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DraftRevision" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "draftId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "subject" TEXT NOT NULL,
    "bodyText" TEXT NOT NULL,
    "bodyHtml" TEXT,
    "qualityReport" JSONB NOT NULL,
    "authorType" "ActorType" NOT NULL,
    "authorId" TEXT NOT NULL,
    "authorUserId" UUID,
    "authorLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DraftRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DraftApproval" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "draftId" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "approverType" "ActorType" NOT NULL,
    "approverId" TEXT NOT NULL,
    "approverUserId" UUID,
    "approverLabel" TEXT NOT NULL,
    "approverRole" "Role" NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DraftApproval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmailSend" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "draftId" UUID NOT NULL,
    "mailbox" TEXT NOT NULL,
    "recipientEmail" TEXT NOT NULL,
    "recipientDomain" TEXT NOT NULL,
    "state" "EmailSendState" NOT NULL,
    "transport" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "providerMessageId" TEXT,
    "reservedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMPTZ(3),

    CONSTRAINT "EmailSend_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "draftId" UUID,
    "messageId" TEXT NOT NULL,
    "mailFrom" TEXT NOT NULL,
    "rcptTo" TEXT[],
    "subject" TEXT NOT NULL,
    "raw" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Suppression" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "kind" "SuppressionKind" NOT NULL,
    "value" TEXT NOT NULL,
    "reason" "SuppressionReason" NOT NULL,
    "note" TEXT,
    "createdByType" "ActorType" NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Suppression_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Draft_tenantId_status_createdAt_idx" ON "Draft"("tenantId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "Draft_tenantId_contactId_idx" ON "Draft"("tenantId", "contactId");

-- CreateIndex
CREATE INDEX "Draft_tenantId_mailbox_idx" ON "Draft"("tenantId", "mailbox");

-- CreateIndex
CREATE INDEX "Draft_status_leaseExpiresAt_idx" ON "Draft"("status", "leaseExpiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "Draft_tenantId_id_key" ON "Draft"("tenantId", "id");

-- CreateIndex
CREATE INDEX "DraftRevision_tenantId_draftId_idx" ON "DraftRevision"("tenantId", "draftId");

-- CreateIndex
CREATE UNIQUE INDEX "DraftRevision_draftId_number_key" ON "DraftRevision"("draftId", "number");

-- CreateIndex
CREATE INDEX "DraftApproval_tenantId_draftId_idx" ON "DraftApproval"("tenantId", "draftId");

-- CreateIndex
CREATE UNIQUE INDEX "DraftApproval_draftId_revision_approverId_key" ON "DraftApproval"("draftId", "revision", "approverId");

-- CreateIndex
CREATE INDEX "EmailSend_tenantId_mailbox_reservedAt_idx" ON "EmailSend"("tenantId", "mailbox", "reservedAt");

-- CreateIndex
CREATE INDEX "EmailSend_tenantId_recipientEmail_reservedAt_idx" ON "EmailSend"("tenantId", "recipientEmail", "reservedAt");

-- CreateIndex
CREATE INDEX "EmailSend_tenantId_recipientDomain_reservedAt_idx" ON "EmailSend"("tenantId", "recipientDomain", "reservedAt");

-- CreateIndex
CREATE UNIQUE INDEX "EmailSend_tenantId_draftId_key" ON "EmailSend"("tenantId", "draftId");

-- CreateIndex
CREATE UNIQUE INDEX "EmailSend_tenantId_messageId_key" ON "EmailSend"("tenantId", "messageId");

-- CreateIndex
CREATE INDEX "OutboxMessage_tenantId_createdAt_idx" ON "OutboxMessage"("tenantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMessage_tenantId_messageId_key" ON "OutboxMessage"("tenantId", "messageId");

-- CreateIndex
CREATE INDEX "Suppression_tenantId_createdAt_idx" ON "Suppression"("tenantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Suppression_tenantId_kind_value_key" ON "Suppression"("tenantId", "kind", "value");

-- AddForeignKey
ALTER TABLE "Draft" ADD CONSTRAINT "Draft_tenantId_contactId_fkey" FOREIGN KEY ("tenantId", "contactId") REFERENCES "Contact"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Draft" ADD CONSTRAINT "Draft_tenantId_leadId_fkey" FOREIGN KEY ("tenantId", "leadId") REFERENCES "Lead"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Draft" ADD CONSTRAINT "Draft_tenantId_dealId_fkey" FOREIGN KEY ("tenantId", "dealId") REFERENCES "Deal"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DraftRevision" ADD CONSTRAINT "DraftRevision_tenantId_draftId_fkey" FOREIGN KEY ("tenantId", "draftId") REFERENCES "Draft"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DraftApproval" ADD CONSTRAINT "DraftApproval_tenantId_draftId_fkey" FOREIGN KEY ("tenantId", "draftId") REFERENCES "Draft"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmailSend" ADD CONSTRAINT "EmailSend_tenantId_draftId_fkey" FOREIGN KEY ("tenantId", "draftId") REFERENCES "Draft"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"Draft"');
SELECT app_protect_tenant_table('"DraftRevision"');
SELECT app_protect_tenant_table('"DraftApproval"');
SELECT app_protect_tenant_table('"EmailSend"');
SELECT app_protect_tenant_table('"OutboxMessage"');
SELECT app_protect_tenant_table('"Suppression"');

-- History that must not be rewritten: revisions, approvals, send records and
-- delivered local messages are never updated in place (send records only move
-- through their states) nor deleted by the service.
REVOKE UPDATE, DELETE ON "DraftRevision" FROM sales_app;
REVOKE UPDATE, DELETE ON "DraftApproval" FROM sales_app;
REVOKE DELETE ON "EmailSend" FROM sales_app;
REVOKE UPDATE, DELETE ON "OutboxMessage" FROM sales_app;

-- The send sweeper's only cross-tenant door: drafts whose send needs help —
-- a SENDING lease that lapsed (a worker died mid-send), or a QUEUED draft
-- that has waited past its hold (and past any retry backoff: a retry touches
-- "updatedAt") without being picked up (a lost job). The
-- sweeper then works on each under that draft's own tenant.
CREATE FUNCTION app_stuck_sends(max_rows integer, queued_grace interval)
  RETURNS TABLE (tenant_id uuid, draft_id uuid, status "DraftStatus")
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
    SELECT "tenantId", "id", "status" FROM "Draft"
    WHERE ("status" = 'SENDING' AND "leaseExpiresAt" < CURRENT_TIMESTAMP)
       OR ("status" = 'QUEUED' AND GREATEST("holdUntil", "queuedAt", "updatedAt") < CURRENT_TIMESTAMP - queued_grace)
    ORDER BY "updatedAt" LIMIT max_rows
  $$;
REVOKE ALL ON FUNCTION app_stuck_sends(integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_stuck_sends(integer, interval) TO sales_app;
