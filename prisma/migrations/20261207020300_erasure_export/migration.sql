-- erasure and export (issue 15): hashed suppressions for erased people, the erasure tombstone, export archives

-- AlterEnum
ALTER TYPE "SuppressionKind" ADD VALUE 'EMAIL_HASH';

-- AlterEnum
ALTER TYPE "SuppressionReason" ADD VALUE 'ERASED';

-- CreateEnum
CREATE TYPE "DataExportScope" AS ENUM ('CONTACT', 'TENANT');

-- CreateEnum
CREATE TYPE "DataExportStatus" AS ENUM ('QUEUED', 'READY', 'FAILED', 'DOWNLOADED');

-- CreateTable
CREATE TABLE "ContactErasure" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "emailHash" TEXT,
    "reason" TEXT NOT NULL,
    "report" JSONB NOT NULL DEFAULT '{}',
    "requestedById" TEXT NOT NULL,
    "requestedByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ContactErasure_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DataExport" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "scope" "DataExportScope" NOT NULL,
    "contactId" UUID,
    "status" "DataExportStatus" NOT NULL DEFAULT 'QUEUED',
    "requestedById" TEXT NOT NULL,
    "requestedByLabel" TEXT NOT NULL,
    "archive" BYTEA,
    "byteSize" INTEGER,
    "recordCount" INTEGER,
    "error" TEXT,
    "expiresAt" TIMESTAMPTZ(3),
    "readyAt" TIMESTAMPTZ(3),
    "downloadedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DataExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ContactErasure_tenantId_contactId_key" ON "ContactErasure"("tenantId", "contactId");

-- CreateIndex
CREATE INDEX "ContactErasure_tenantId_createdAt_idx" ON "ContactErasure"("tenantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "DataExport_tenantId_id_key" ON "DataExport"("tenantId", "id");

-- CreateIndex
CREATE INDEX "DataExport_tenantId_createdAt_idx" ON "DataExport"("tenantId", "createdAt");

SELECT app_protect_tenant_table('"ContactErasure"');
SELECT app_protect_tenant_table('"DataExport"');

-- ---------------------------------------------------------------------------
-- contactErase: the send records and the local transport's copies of mail to
-- an erased person. The service role may not delete these (they count against
-- quotas and prove what was sent); this narrow door deletes them for the
-- current tenant only, for the drafts and address the erasure names.
-- ---------------------------------------------------------------------------
CREATE FUNCTION app_erase_mail_records(draft_ids uuid[], address text) RETURNS TABLE (sends integer, messages integer)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
DECLARE
  tenant uuid := app_current_tenant();
  s integer;
  m integer;
BEGIN
  IF tenant IS NULL THEN
    RAISE EXCEPTION 'no tenant set' USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM "EmailSend" WHERE "tenantId" = tenant AND "draftId" = ANY(draft_ids);
  GET DIAGNOSTICS s = ROW_COUNT;
  DELETE FROM "OutboxMessage" WHERE "tenantId" = tenant AND ("draftId" = ANY(draft_ids) OR (address IS NOT NULL AND address = ANY("rcptTo")));
  GET DIAGNOSTICS m = ROW_COUNT;
  RETURN QUERY SELECT s, m;
END
$$;
REVOKE ALL ON FUNCTION app_erase_mail_records(uuid[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_erase_mail_records(uuid[], text) TO sales_app;

-- ---------------------------------------------------------------------------
-- contactErase and the audit trail: entries stay append-only, except that an
-- erasure may rewrite the summaries of the current tenant's entries that name
-- the erased person (their address, phone or full name becomes "[erased]").
-- Only this function sets app.audit_erasure, and only the summary may change;
-- the service role still has no UPDATE grant on "AuditEntry".
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION audit_entry_is_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('app.audit_erasure', true) = 'on'
     AND (to_jsonb(NEW) - 'summary') = (to_jsonb(OLD) - 'summary') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE FUNCTION app_erase_from_audit(pattern text) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on' SET app.audit_erasure = 'on'
  AS $$
DECLARE
  tenant uuid := app_current_tenant();
  n integer;
BEGIN
  IF tenant IS NULL THEN
    RAISE EXCEPTION 'no tenant set' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF pattern IS NULL OR length(pattern) < 4 THEN
    RETURN 0;
  END IF;
  UPDATE "AuditEntry" SET "summary" = regexp_replace("summary"::text, pattern, '[erased]', 'gi')::jsonb
  WHERE "tenantId" = tenant AND "summary"::text ~* pattern;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION app_erase_from_audit(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_erase_from_audit(text) TO sales_app;
