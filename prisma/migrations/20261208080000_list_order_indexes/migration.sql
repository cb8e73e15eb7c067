-- List pages in their orders, id last: each page becomes an ordered index scan
-- that stops after the page, so its cost stays flat as a tenant's tables grow
-- (bench/list-growth.ts measured seq scans + sorts of every row at 100k leads).
-- The indexes they replace are their prefixes, so nothing loses an access path.

DROP INDEX IF EXISTS "Lead_tenantId_score_idx";
CREATE INDEX "Lead_tenantId_score_id_idx" ON "Lead"("tenantId", "score", "id");
-- leads(orderBy: SCORE DESC) puts unscored leads last; not expressible in schema.prisma.
CREATE INDEX "Lead_tenantId_score_desc_id_idx" ON "Lead"("tenantId", "score" DESC NULLS LAST, "id" DESC);
DROP INDEX IF EXISTS "Lead_tenantId_updatedAt_idx";
CREATE INDEX "Lead_tenantId_updatedAt_id_idx" ON "Lead"("tenantId", "updatedAt", "id");
DROP INDEX IF EXISTS "Lead_tenantId_createdAt_idx";
CREATE INDEX "Lead_tenantId_createdAt_id_idx" ON "Lead"("tenantId", "createdAt", "id");

DROP INDEX IF EXISTS "Contact_tenantId_updatedAt_idx";
CREATE INDEX "Contact_tenantId_updatedAt_id_idx" ON "Contact"("tenantId", "updatedAt", "id");
CREATE INDEX "Contact_tenantId_createdAt_id_idx" ON "Contact"("tenantId", "createdAt", "id");

DROP INDEX IF EXISTS "Company_tenantId_name_idx";
CREATE INDEX "Company_tenantId_name_id_idx" ON "Company"("tenantId", "name", "id");
DROP INDEX IF EXISTS "Company_tenantId_updatedAt_idx";
CREATE INDEX "Company_tenantId_updatedAt_id_idx" ON "Company"("tenantId", "updatedAt", "id");
CREATE INDEX "Company_tenantId_createdAt_id_idx" ON "Company"("tenantId", "createdAt", "id");

DROP INDEX IF EXISTS "Deal_tenantId_createdAt_idx";
CREATE INDEX "Deal_tenantId_createdAt_id_idx" ON "Deal"("tenantId", "createdAt", "id");
DROP INDEX IF EXISTS "Deal_tenantId_updatedAt_idx";
CREATE INDEX "Deal_tenantId_updatedAt_id_idx" ON "Deal"("tenantId", "updatedAt", "id");

CREATE INDEX "Recommendation_tenantId_createdAt_rank_id_idx" ON "Recommendation"("tenantId", "createdAt" DESC, "rank", "id");
