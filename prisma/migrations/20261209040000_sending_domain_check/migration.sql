-- Scheduled SPF/DKIM/DMARC re-checks of each tenant's sending domains (issue 12):
-- the latest result per domain with when it was checked, and since when the
-- domain fails DMARC (set when it newly fails, cleared when it recovers), so a
-- change is audited and evented once and the send path uses the newest result.

-- CreateTable
CREATE TABLE "SendingDomainCheck" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "domain" TEXT NOT NULL,
    "alignment" TEXT NOT NULL,
    "report" JSONB NOT NULL,
    "checkedAt" TIMESTAMPTZ(3) NOT NULL,
    "failingSince" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SendingDomainCheck_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SendingDomainCheck_tenantId_domain_key" ON "SendingDomainCheck"("tenantId", "domain");

SELECT app_protect_tenant_table('"SendingDomainCheck"');
