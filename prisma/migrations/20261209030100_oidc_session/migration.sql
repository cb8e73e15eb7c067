-- A console sign-in through the identity provider (OIDC), kept server-side so
-- that sessionRefresh asks the provider again (issue 13): the provider's
-- refresh token, sealed with the credential vault (AAD names the user and the
-- session; it never leaves the service), and whether the session has ended.
-- Session tokens name it in their `sid` claim. Like "UserIdentity", it is the
-- person's, not a workspace's: one sign-in hands out a token per workspace,
-- all backed by the one refresh token the provider gave (a copy per workspace
-- would break at the provider's first rotation). The service role sees and
-- changes only the signed-in user's own sessions (app.user_id).

-- CreateTable
CREATE TABLE "OidcSession" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "issuer" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "refreshToken" TEXT,
    "keyId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refreshedAt" TIMESTAMPTZ(3),
    "endedAt" TIMESTAMPTZ(3),
    "endReason" TEXT,

    CONSTRAINT "OidcSession_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OidcSession_userId_createdAt_idx" ON "OidcSession"("userId", "createdAt");

-- AddForeignKey
ALTER TABLE "OidcSession" ADD CONSTRAINT "OidcSession_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "OidcSession" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "OidcSession" FORCE ROW LEVEL SECURITY;
CREATE POLICY oidc_session_self ON "OidcSession" TO sales_app
  USING ("userId" = app_current_user()) WITH CHECK ("userId" = app_current_user());
GRANT SELECT, INSERT, UPDATE ON "OidcSession" TO sales_app;
DO $$ BEGIN
  EXECUTE format('CREATE POLICY maintenance ON "OidcSession" TO %I USING (current_setting(''app.maintenance'', true) = ''on'') WITH CHECK (current_setting(''app.maintenance'', true) = ''on'')', current_user);
END $$;

-- An ended session drops the person's cached principals on every instance at once
-- (src/orchestration/principal-cache.ts), so its tokens stop working now, not after the cache's few seconds.
CREATE FUNCTION oidc_session_auth_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('auth_change', json_build_object('userId', NEW."userId")::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER "OidcSession_auth_change"
  AFTER UPDATE ON "OidcSession"
  FOR EACH ROW
  WHEN (OLD."endedAt" IS NULL AND NEW."endedAt" IS NOT NULL)
  EXECUTE FUNCTION oidc_session_auth_change();
