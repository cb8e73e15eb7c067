-- inbound webhooks (issue 11: signed events from HubSpot and other tools become jobs)

-- CreateEnum
CREATE TYPE "InboundWebhookKind" AS ENUM ('HUBSPOT', 'GENERIC');

-- CreateEnum
CREATE TYPE "InboundWebhookDeliveryStatus" AS ENUM ('RECEIVED', 'PROCESSED', 'IGNORED', 'FAILED');

-- CreateTable
CREATE TABLE "InboundWebhookEndpoint" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "publicId" TEXT NOT NULL,
    "kind" "InboundWebhookKind" NOT NULL,
    "name" TEXT NOT NULL,
    "secretEnvelope" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "previousSecretValidUntil" TIMESTAMPTZ(3),
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "InboundWebhookEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundWebhookDelivery" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "endpointId" UUID NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "status" "InboundWebhookDeliveryStatus" NOT NULL DEFAULT 'RECEIVED',
    "body" TEXT NOT NULL,
    "eventTypes" TEXT[],
    "result" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMPTZ(3),

    CONSTRAINT "InboundWebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "InboundWebhookEndpoint_publicId_key" ON "InboundWebhookEndpoint"("publicId");

-- CreateIndex
CREATE INDEX "InboundWebhookEndpoint_tenantId_createdAt_idx" ON "InboundWebhookEndpoint"("tenantId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "InboundWebhookEndpoint_tenantId_id_key" ON "InboundWebhookEndpoint"("tenantId", "id");

-- CreateIndex
CREATE INDEX "InboundWebhookDelivery_tenantId_endpointId_receivedAt_idx" ON "InboundWebhookDelivery"("tenantId", "endpointId", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "InboundWebhookDelivery_tenantId_id_key" ON "InboundWebhookDelivery"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "InboundWebhookDelivery_tenantId_endpointId_deliveryId_key" ON "InboundWebhookDelivery"("tenantId", "endpointId", "deliveryId");

-- CreateIndex
CREATE UNIQUE INDEX "InboundWebhookDelivery_tenantId_endpointId_contentHash_key" ON "InboundWebhookDelivery"("tenantId", "endpointId", "contentHash");

-- AddForeignKey
ALTER TABLE "InboundWebhookDelivery" ADD CONSTRAINT "InboundWebhookDelivery_tenantId_endpointId_fkey" FOREIGN KEY ("tenantId", "endpointId") REFERENCES "InboundWebhookEndpoint"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"InboundWebhookEndpoint"');
SELECT app_protect_tenant_table('"InboundWebhookDelivery"');

-- The public routes' only cross-tenant door: which endpoint (and tenant) a
-- public id names, with its sealed secrets, so the signature can be checked
-- before anything else happens. Everything after runs under that tenant.
CREATE FUNCTION app_inbound_webhook_endpoint(public_id text)
  RETURNS TABLE (tenant_id uuid, endpoint_id uuid, kind "InboundWebhookKind", secret_envelope text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$ SELECT "tenantId", "id", "kind", "secretEnvelope" FROM "InboundWebhookEndpoint" WHERE "publicId" = public_id $$;
REVOKE ALL ON FUNCTION app_inbound_webhook_endpoint(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_inbound_webhook_endpoint(text) TO sales_app;
