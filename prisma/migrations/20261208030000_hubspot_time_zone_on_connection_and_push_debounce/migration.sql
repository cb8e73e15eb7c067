-- HubSpot (issue 11).
-- The account's time zone moves onto the Connection row, which every HubSpot call loads for its token anyway:
-- the daily budget (counted in the account's day) then needs no extra read per call.
ALTER TABLE "Connection" ADD COLUMN "accountTimeZone" TEXT;
UPDATE "Connection" c SET "accountTimeZone" = h."accountTimeZone"
  FROM "HubspotSettings" h
  WHERE h."tenantId" = c."tenantId" AND c."provider" = 'HUBSPOT' AND h."accountTimeZone" IS NOT NULL;
ALTER TABLE "HubspotSettings" DROP COLUMN "accountTimeZone";

-- The outbound push's trailing debounce (a push runs once a record's changes have been quiet for the debounce
-- window, or after the maximum wait from the burst's first change).
ALTER TABLE "HubspotSyncItem" ADD COLUMN "changedAt" TIMESTAMPTZ(3);
ALTER TABLE "HubspotSyncItem" ADD COLUMN "burstStartedAt" TIMESTAMPTZ(3);
ALTER TABLE "HubspotSyncItem" ADD COLUMN "pushDueAt" TIMESTAMPTZ(3);
-- Pushes still waiting when this runs: due now.
UPDATE "HubspotSyncItem" SET "pushDueAt" = now(), "burstStartedAt" = now(), "changedAt" = "updatedAt" WHERE "kind" = 'PUSH' AND "status" = 'PENDING';
