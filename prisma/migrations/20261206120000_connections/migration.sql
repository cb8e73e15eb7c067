-- connections

-- CreateEnum
CREATE TYPE "ConnectionProvider" AS ENUM ('GOOGLE', 'HUBSPOT');

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('ACTIVE', 'NEEDS_REAUTH', 'REVOKED', 'ERROR');

-- CreateTable
CREATE TABLE "Connection" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "provider" "ConnectionProvider" NOT NULL,
    "userId" UUID,
    "connectedById" UUID,
    "accountEmail" TEXT NOT NULL,
    "scopes" TEXT[],
    "status" "ConnectionStatus" NOT NULL DEFAULT 'ACTIVE',
    "lastError" TEXT,
    "lastErrorAt" TIMESTAMPTZ(3),
    "lastSyncAt" TIMESTAMPTZ(3),
    "lastSuccessAt" TIMESTAMPTZ(3),
    "lastFailureAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConnectionCredential" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "keyId" TEXT NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "accessTokenExpiresAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ConnectionCredential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OAuthState" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "provider" "ConnectionProvider" NOT NULL,
    "scopes" TEXT[],
    "shared" BOOLEAN NOT NULL,
    "codeVerifier" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OAuthState_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Connection_tenantId_provider_userId_idx" ON "Connection"("tenantId", "provider", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_tenantId_id_key" ON "Connection"("tenantId", "id");

-- CreateIndex
CREATE INDEX "ConnectionCredential_keyId_idx" ON "ConnectionCredential"("keyId");

-- CreateIndex
CREATE UNIQUE INDEX "ConnectionCredential_tenantId_connectionId_key" ON "ConnectionCredential"("tenantId", "connectionId");

-- CreateIndex
CREATE INDEX "OAuthState_tenantId_expiresAt_idx" ON "OAuthState"("tenantId", "expiresAt");

-- AddForeignKey
ALTER TABLE "ConnectionCredential" ADD CONSTRAINT "ConnectionCredential_tenantId_connectionId_fkey" FOREIGN KEY ("tenantId", "connectionId") REFERENCES "Connection"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"Connection"');
SELECT app_protect_tenant_table('"ConnectionCredential"');
SELECT app_protect_tenant_table('"OAuthState"');

-- Shared rate-limit buckets of the connector resilience policy
-- (rate-limiter-flexible's PostgreSQL store, used when no REDIS_URL is set).
-- Keys are "<provider>:<tenant id>"; no token or personal data. It lives in
-- its own schema, outside the tenant-owned tables: the limiter runs on its own
-- connections without a tenant context, and holds only counters.
CREATE SCHEMA IF NOT EXISTS connector;
GRANT USAGE ON SCHEMA connector TO sales_app;
CREATE TABLE connector.rate_limit (
    key VARCHAR(255) PRIMARY KEY,
    points INTEGER NOT NULL DEFAULT 0,
    expire BIGINT
);
GRANT SELECT, INSERT, UPDATE, DELETE ON connector.rate_limit TO sales_app;
