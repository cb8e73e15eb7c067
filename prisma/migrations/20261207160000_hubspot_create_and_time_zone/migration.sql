-- HubSpot (issue 11): which records of ours are created in HubSpot (all off by default), and the account's time zone
ALTER TABLE "HubspotSettings" ADD COLUMN "createContacts" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "HubspotSettings" ADD COLUMN "createCompanies" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "HubspotSettings" ADD COLUMN "createDeals" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "HubspotSettings" ADD COLUMN "accountTimeZone" TEXT;
