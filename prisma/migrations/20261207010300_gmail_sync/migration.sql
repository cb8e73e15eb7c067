-- gmail sync (issue 10): per-mailbox sync state and the Gmail messages each mailbox's sync handled.

-- CreateEnum
CREATE TYPE "GmailMessageKind" AS ENUM ('INBOUND', 'SENT', 'SKIPPED');

-- CreateTable
CREATE TABLE "GmailSyncState" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "historyId" TEXT,
    "lastMode" TEXT,
    "lastSyncAt" TIMESTAMPTZ(3),
    "lastFullSyncAt" TIMESTAMPTZ(3),
    "lastImported" INTEGER NOT NULL DEFAULT 0,
    "leaseUntil" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "lastErrorAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "GmailSyncState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GmailMessage" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "gmailMessageId" TEXT NOT NULL,
    "rfcMessageId" TEXT NOT NULL,
    "kind" "GmailMessageKind" NOT NULL,
    "inboundMessageId" UUID,
    "skipReason" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GmailMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "GmailSyncState_tenantId_connectionId_key" ON "GmailSyncState"("tenantId", "connectionId");

-- CreateIndex
CREATE UNIQUE INDEX "GmailMessage_tenantId_connectionId_gmailMessageId_key" ON "GmailMessage"("tenantId", "connectionId", "gmailMessageId");

-- CreateIndex
CREATE UNIQUE INDEX "GmailMessage_tenantId_connectionId_rfcMessageId_key" ON "GmailMessage"("tenantId", "connectionId", "rfcMessageId");

-- The ACTIVE Google connections to sync, across tenants (the scheduled poll), or those of one
-- account e-mail (a Gmail push notification names only the mailbox). Ids only.
CREATE FUNCTION app_gmail_sync_targets(account text) RETURNS TABLE ("tenantId" uuid, "connectionId" uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
    SELECT c."tenantId", c."id" FROM "Connection" c
    WHERE c."provider" = 'GOOGLE' AND c."status" = 'ACTIVE'
      AND (account IS NULL OR c."accountEmail" = lower(account))
      AND c."scopes" && ARRAY['https://www.googleapis.com/auth/gmail.readonly', 'https://www.googleapis.com/auth/gmail.modify', 'https://mail.google.com/']
    ORDER BY c."createdAt"
  $$;
REVOKE ALL ON FUNCTION app_gmail_sync_targets(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_gmail_sync_targets(text) TO sales_app;

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"GmailSyncState"');
SELECT app_protect_tenant_table('"GmailMessage"');
