-- Console sign-in with the identity provider (OIDC): a person's account there
-- (issuer + subject) bound to their user. People are global (like "User"), so
-- this table carries no tenant; the service role reads only the signed-in
-- user's own identities and writes none: binding happens only in
-- app_oidc_sign_in() below.

-- CreateTable
CREATE TABLE "UserIdentity" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "issuer" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSignInAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UserIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "UserIdentity_issuer_subject_key" ON "UserIdentity"("issuer", "subject");

-- CreateIndex
CREATE UNIQUE INDEX "UserIdentity_userId_issuer_key" ON "UserIdentity"("userId", "issuer");

-- AddForeignKey
ALTER TABLE "UserIdentity" ADD CONSTRAINT "UserIdentity_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "UserIdentity" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "UserIdentity" FORCE ROW LEVEL SECURITY;
CREATE POLICY identity_self_read ON "UserIdentity" FOR SELECT TO sales_app USING ("userId" = app_current_user());
GRANT SELECT ON "UserIdentity" TO sales_app;
DO $$ BEGIN
  EXECUTE format('CREATE POLICY maintenance ON "UserIdentity" TO %I USING (current_setting(''app.maintenance'', true) = ''on'') WITH CHECK (current_setting(''app.maintenance'', true) = ''on'')', current_user);
END $$;

-- One sign-in: finds the user an identity belongs to, or binds the identity on
-- a first sign-in (a verified e-mail that names an existing member; one
-- identity per user and issuer, so a second account at the provider claiming
-- the same address is not bound), and lists the user's memberships.
-- outcome: SIGNED_IN | LINKED (bound now) | EMAIL_NOT_VERIFIED | NOT_A_MEMBER | ALREADY_LINKED
CREATE FUNCTION app_oidc_sign_in(p_issuer text, p_subject text, p_email text, p_email_verified boolean)
  RETURNS TABLE (outcome text, user_id uuid, tenant_id uuid, tenant_name text, role text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
DECLARE
  uid uuid;
  result text := 'SIGNED_IN';
BEGIN
  SELECT i."userId" INTO uid FROM "UserIdentity" i WHERE i."issuer" = p_issuer AND i."subject" = p_subject;
  IF uid IS NULL THEN
    IF NOT p_email_verified THEN
      RETURN QUERY SELECT 'EMAIL_NOT_VERIFIED'::text, NULL::uuid, NULL::uuid, NULL::text, NULL::text;
      RETURN;
    END IF;
    SELECT u."id" INTO uid FROM "User" u
      WHERE u."email" = lower(trim(p_email)) AND EXISTS (SELECT 1 FROM "Membership" m WHERE m."userId" = u."id");
    IF uid IS NULL THEN
      RETURN QUERY SELECT 'NOT_A_MEMBER'::text, NULL::uuid, NULL::uuid, NULL::text, NULL::text;
      RETURN;
    END IF;
    INSERT INTO "UserIdentity" ("id", "userId", "issuer", "subject", "email")
      VALUES (gen_random_uuid(), uid, p_issuer, p_subject, lower(trim(p_email)))
      ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'ALREADY_LINKED'::text, NULL::uuid, NULL::uuid, NULL::text, NULL::text;
      RETURN;
    END IF;
    result := 'LINKED';
  ELSE
    UPDATE "UserIdentity" SET "lastSignInAt" = CURRENT_TIMESTAMP WHERE "issuer" = p_issuer AND "subject" = p_subject;
  END IF;
  RETURN QUERY
    SELECT result, uid, m."tenantId", t."name", m."role"::text
    FROM "Membership" m JOIN "Tenant" t ON t."id" = m."tenantId"
    WHERE m."userId" = uid
    ORDER BY t."name", m."tenantId";
END
$$;
REVOKE ALL ON FUNCTION app_oidc_sign_in(text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_oidc_sign_in(text, text, text, boolean) TO sales_app;
