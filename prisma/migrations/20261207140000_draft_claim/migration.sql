-- Draft claims (issue 13): the reviewer who opened a pending draft holds it
-- for a few minutes (renewed while open); others cannot approve, reject or
-- edit it meanwhile. Columns on Draft, so its row-level security covers them.

-- AlterTable
ALTER TABLE "Draft" ADD COLUMN "claimHolderId" TEXT,
ADD COLUMN "claimHolderLabel" TEXT,
ADD COLUMN "claimExpiresAt" TIMESTAMPTZ(3);
