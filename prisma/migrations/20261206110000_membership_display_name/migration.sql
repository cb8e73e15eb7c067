-- membership_display_name
-- The name a tenant knows a member by, as supplied when they were added.
-- Adding an existing user by e-mail must not reveal the name they use in
-- other tenants; existing memberships keep showing the user's own name (null).

-- AlterTable
ALTER TABLE "Membership" ADD COLUMN "displayName" TEXT;
