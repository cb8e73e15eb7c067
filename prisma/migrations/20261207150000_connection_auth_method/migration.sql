-- How a connection authenticates: OAuth (default), a HubSpot private-app token, or Google
-- domain-wide delegation with a service account's key.
CREATE TYPE "ConnectionAuthMethod" AS ENUM ('OAUTH', 'PRIVATE_APP', 'SERVICE_ACCOUNT');

ALTER TABLE "Connection" ADD COLUMN "authMethod" "ConnectionAuthMethod" NOT NULL DEFAULT 'OAUTH';

-- HubSpot private-app connections were told apart by their placeholder address.
UPDATE "Connection" SET "authMethod" = 'PRIVATE_APP' WHERE "provider" = 'HUBSPOT' AND "accountEmail" = 'private-app';
