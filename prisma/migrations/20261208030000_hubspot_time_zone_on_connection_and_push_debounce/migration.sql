-- HubSpot (issue 11).
-- The account's time zone moves onto the Connection row, which every HubSpot call loads for its token anyway:
-- the daily budget (counted in the account's day) then needs no extra read per call.
ALTER TABLE "Connection" ADD COLUMN "accountTimeZone" TEXT;
UPDATE "Connection" c SET "accountTimeZone" = h."accountTimeZone"
  FROM "HubspotSettings" h
  WHERE h."tenantId" = c."tenantId" AND c."provider" = 'HUBSPOT' AND h."accountTimeZone" IS NOT NULL;
ALTER TABLE "HubspotSettings" DROP COLUMN "accountTimeZone";
