-- Foundation: tenants, users, memberships, API keys, audit, outbox, idempotency.
-- Tenant isolation is enforced here, in the database: every tenant-owned table
-- has row-level security ENABLED and FORCED, and the service connects as the
-- role "sales_app", which owns nothing and cannot bypass RLS.

-- The service role. Login and password are set by the migration runner from
-- configuration (src/data/migrate.ts), never written into a migration.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sales_app') THEN
    CREATE ROLE sales_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO sales_app;

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('OWNER', 'ADMIN', 'MANAGER', 'OPERATOR', 'ANALYST', 'SERVICE');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('USER', 'API_KEY', 'AGENT');

-- CreateTable
CREATE TABLE "Tenant" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Membership" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Membership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "scopes" TEXT[],
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "expiresAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT NOT NULL,
    "actorLabel" TEXT,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "summary" JSONB NOT NULL DEFAULT '{}',
    "requestId" TEXT,
    "traceId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxEvent" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "lockedUntil" TIMESTAMPTZ(3),

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdempotencyRecord" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "principalId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "response" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "IdempotencyRecord_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Tenant_slug_key" ON "Tenant"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Membership_userId_idx" ON "Membership"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Membership_tenantId_userId_key" ON "Membership"("tenantId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_secretHash_key" ON "ApiKey"("secretHash");

-- CreateIndex
CREATE INDEX "ApiKey_tenantId_createdAt_idx" ON "ApiKey"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEntry_tenantId_createdAt_idx" ON "AuditEntry"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEntry_tenantId_action_createdAt_idx" ON "AuditEntry"("tenantId", "action", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEntry_tenantId_targetType_targetId_idx" ON "AuditEntry"("tenantId", "targetType", "targetId");

-- CreateIndex
CREATE INDEX "AuditEntry_tenantId_actorId_createdAt_idx" ON "AuditEntry"("tenantId", "actorId", "createdAt");

-- CreateIndex
CREATE INDEX "OutboxEvent_deliveredAt_createdAt_idx" ON "OutboxEvent"("deliveredAt", "createdAt");

-- CreateIndex
CREATE INDEX "OutboxEvent_tenantId_createdAt_idx" ON "OutboxEvent"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "IdempotencyRecord_expiresAt_idx" ON "IdempotencyRecord"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "IdempotencyRecord_tenantId_principalId_key_key" ON "IdempotencyRecord"("tenantId", "principalId", "key");

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEntry" ADD CONSTRAINT "AuditEntry_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboxEvent" ADD CONSTRAINT "OutboxEvent_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdempotencyRecord" ADD CONSTRAINT "IdempotencyRecord_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------
-- Row-level security
-- ---------------------------------------------------------------------------

-- The tenant (and user) of the current transaction, set by the service with
-- set_config(..., true): transaction-local, so it never leaks through a pool.
CREATE FUNCTION app_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION app_current_user() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- Turns on RLS for a tenant-owned table. Used by every later migration:
--   SELECT app_protect_tenant_table('"Lead"');
-- * tenant_isolation: the service sees and writes only the current tenant's rows.
-- * maintenance: the owner (the role running migrations) sees rows only inside
--   functions declared with SET app.maintenance = 'on' (the narrow SECURITY
--   DEFINER helpers below); an owner connection on its own sees nothing either.
CREATE FUNCTION app_protect_tenant_table(target regclass, tenant_column text DEFAULT 'tenantId') RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s TO sales_app USING (%I = app_current_tenant()) WITH CHECK (%I = app_current_tenant())',
    target, tenant_column, tenant_column);
  EXECUTE format(
    'CREATE POLICY maintenance ON %s TO %I USING (current_setting(''app.maintenance'', true) = ''on'') WITH CHECK (current_setting(''app.maintenance'', true) = ''on'')',
    target, current_user);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO sales_app', target);
END
$$;

-- Tenant: the service sees and updates only the current tenant; tenants are
-- created by provisioning (seed / maintenance), not by the service role.
ALTER TABLE "Tenant" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Tenant" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self_read ON "Tenant" FOR SELECT TO sales_app USING ("id" = app_current_tenant());
CREATE POLICY tenant_self_update ON "Tenant" FOR UPDATE TO sales_app
  USING ("id" = app_current_tenant()) WITH CHECK ("id" = app_current_tenant());
DO $$ BEGIN
  EXECUTE format('CREATE POLICY maintenance ON "Tenant" TO %I USING (current_setting(''app.maintenance'', true) = ''on'') WITH CHECK (current_setting(''app.maintenance'', true) = ''on'')', current_user);
END $$;
GRANT SELECT, UPDATE ON "Tenant" TO sales_app;

-- User: people are global; a tenant sees only its members (and a user sees
-- themself). New users are created through app_ensure_user().
ALTER TABLE "User" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "User" FORCE ROW LEVEL SECURITY;
CREATE POLICY user_visible ON "User" FOR SELECT TO sales_app USING (
  "id" = app_current_user()
  OR EXISTS (SELECT 1 FROM "Membership" m WHERE m."userId" = "User"."id" AND m."tenantId" = app_current_tenant())
);
CREATE POLICY user_self_update ON "User" FOR UPDATE TO sales_app
  USING ("id" = app_current_user()) WITH CHECK ("id" = app_current_user());
DO $$ BEGIN
  EXECUTE format('CREATE POLICY maintenance ON "User" TO %I USING (current_setting(''app.maintenance'', true) = ''on'') WITH CHECK (current_setting(''app.maintenance'', true) = ''on'')', current_user);
END $$;
GRANT SELECT, UPDATE ON "User" TO sales_app;

SELECT app_protect_tenant_table('"Membership"');
SELECT app_protect_tenant_table('"ApiKey"');
SELECT app_protect_tenant_table('"AuditEntry"');
SELECT app_protect_tenant_table('"OutboxEvent"');
SELECT app_protect_tenant_table('"IdempotencyRecord"');

-- ---------------------------------------------------------------------------
-- Audit entries are append-only: no UPDATE/DELETE/TRUNCATE grant, and a
-- trigger that refuses them for every role.
-- ---------------------------------------------------------------------------
REVOKE UPDATE, DELETE, TRUNCATE ON "AuditEntry" FROM sales_app;

CREATE FUNCTION audit_entry_is_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER "AuditEntry_append_only"
  BEFORE UPDATE OR DELETE ON "AuditEntry"
  FOR EACH ROW EXECUTE FUNCTION audit_entry_is_append_only();

CREATE TRIGGER "AuditEntry_no_truncate"
  BEFORE TRUNCATE ON "AuditEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_is_append_only();

-- ---------------------------------------------------------------------------
-- Outbox: wake the dispatcher when events commit (NOTIFY is delivered at commit).
-- ---------------------------------------------------------------------------
CREATE FUNCTION outbox_event_notify() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_event', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER "OutboxEvent_notify"
  AFTER INSERT ON "OutboxEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_event_notify();

-- ---------------------------------------------------------------------------
-- The only cross-tenant doors, each narrow: SECURITY DEFINER, fixed search
-- path, executable by the service role alone.
-- ---------------------------------------------------------------------------

-- Which tenant an API key belongs to (the key itself is then read under that tenant).
CREATE FUNCTION app_api_key_tenant(secret_hash text) RETURNS TABLE (tenant_id uuid, api_key_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$ SELECT "tenantId", "id" FROM "ApiKey" WHERE "secretHash" = secret_hash $$;

-- The id of the user with this e-mail, creating the user when there is none.
CREATE FUNCTION app_ensure_user(user_email text, user_name text) RETURNS uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
DECLARE
  found uuid;
BEGIN
  INSERT INTO "User" ("id", "email", "name", "updatedAt")
  VALUES (gen_random_uuid(), lower(trim(user_email)), user_name, CURRENT_TIMESTAMP)
  ON CONFLICT ("email") DO NOTHING
  RETURNING "id" INTO found;
  IF found IS NULL THEN
    SELECT "id" INTO found FROM "User" WHERE "email" = lower(trim(user_email));
  END IF;
  RETURN found;
END
$$;

-- Tenants with undelivered outbox events, oldest first (the dispatcher then
-- claims each tenant's events under that tenant's context).
CREATE FUNCTION app_outbox_pending_tenants(max_tenants integer) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
    SELECT "tenantId" FROM "OutboxEvent"
    WHERE "deliveredAt" IS NULL AND ("lockedUntil" IS NULL OR "lockedUntil" < CURRENT_TIMESTAMP)
    GROUP BY "tenantId" ORDER BY min("createdAt") LIMIT max_tenants
  $$;

-- How many outbox events wait for delivery, for /metrics.
CREATE FUNCTION app_outbox_backlog() RETURNS bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$ SELECT count(*) FROM "OutboxEvent" WHERE "deliveredAt" IS NULL $$;

-- All tenant ids, for scheduled per-tenant work that then runs under each tenant.
CREATE FUNCTION app_tenant_ids() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$ SELECT "id" FROM "Tenant" ORDER BY "createdAt" $$;

-- Drops idempotency records past their expiry; returns how many.
CREATE FUNCTION app_purge_expired_idempotency() RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
DECLARE
  purged integer;
BEGIN
  DELETE FROM "IdempotencyRecord" WHERE "expiresAt" < CURRENT_TIMESTAMP;
  GET DIAGNOSTICS purged = ROW_COUNT;
  RETURN purged;
END
$$;

-- Drops delivered outbox events older than the retention; returns how many.
CREATE FUNCTION app_purge_delivered_outbox(retention interval) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
DECLARE
  purged integer;
BEGIN
  DELETE FROM "OutboxEvent" WHERE "deliveredAt" IS NOT NULL AND "deliveredAt" < CURRENT_TIMESTAMP - retention;
  GET DIAGNOSTICS purged = ROW_COUNT;
  RETURN purged;
END
$$;

REVOKE ALL ON FUNCTION app_api_key_tenant(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_purge_delivered_outbox(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_purge_delivered_outbox(interval) TO sales_app;
REVOKE ALL ON FUNCTION app_ensure_user(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_outbox_pending_tenants(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_tenant_ids() FROM PUBLIC;
REVOKE ALL ON FUNCTION app_outbox_backlog() FROM PUBLIC;
REVOKE ALL ON FUNCTION app_purge_expired_idempotency() FROM PUBLIC;
REVOKE ALL ON FUNCTION app_protect_tenant_table(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_api_key_tenant(text) TO sales_app;
GRANT EXECUTE ON FUNCTION app_ensure_user(text, text) TO sales_app;
GRANT EXECUTE ON FUNCTION app_outbox_pending_tenants(integer) TO sales_app;
GRANT EXECUTE ON FUNCTION app_tenant_ids() TO sales_app;
GRANT EXECUTE ON FUNCTION app_outbox_backlog() TO sales_app;
GRANT EXECUTE ON FUNCTION app_purge_expired_idempotency() TO sales_app;
