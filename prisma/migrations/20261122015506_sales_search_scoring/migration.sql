-- sales_search_scoring
-- Text search on names, e-mails and companies (trigram GIN indexes serve
-- ILIKE '%term%'), one lead per contact, and a pointer from each lead to its
-- latest score snapshot so lists load scores without a query per lead.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- AlterTable
ALTER TABLE "Lead" ADD COLUMN "latestScoreId" UUID;

-- CreateIndex
CREATE INDEX "Company_name_trgm_idx" ON "Company" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Contact_email_trgm_idx" ON "Contact" USING GIN ("email" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Contact_firstName_trgm_idx" ON "Contact" USING GIN ("firstName" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Contact_lastName_trgm_idx" ON "Contact" USING GIN ("lastName" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Lead_tenantId_createdAt_idx" ON "Lead"("tenantId", "createdAt");

-- CreateIndex
DROP INDEX "Lead_tenantId_contactId_idx";
CREATE UNIQUE INDEX "Lead_tenantId_contactId_key" ON "Lead"("tenantId", "contactId");

-- CreateIndex
CREATE UNIQUE INDEX "ScoreSnapshot_tenantId_id_key" ON "ScoreSnapshot"("tenantId", "id");

-- CreateIndex
CREATE INDEX "Deal_tenantId_updatedAt_idx" ON "Deal"("tenantId", "updatedAt");

-- CreateIndex
CREATE INDEX "Deal_name_trgm_idx" ON "Deal" USING GIN ("name" gin_trgm_ops);

-- AddForeignKey
ALTER TABLE "Lead" ADD CONSTRAINT "Lead_tenantId_latestScoreId_fkey" FOREIGN KEY ("tenantId", "latestScoreId") REFERENCES "ScoreSnapshot"("tenantId", "id") ON DELETE NO ACTION ON UPDATE NO ACTION;
