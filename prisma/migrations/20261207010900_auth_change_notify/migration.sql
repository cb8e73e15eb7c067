-- Authentication cache invalidation: every change to what authentication reads
-- (memberships, API keys, users, tenants) is announced at commit on the
-- `auth_change` channel, so every service instance drops the principals it
-- cached for the affected tenant/user/key at once (src/orchestration/principal-cache.ts).
CREATE FUNCTION auth_change_notify() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  affected record;
BEGIN
  IF TG_OP = 'DELETE' THEN affected := OLD; ELSE affected := NEW; END IF;
  IF TG_TABLE_NAME = 'Membership' THEN
    PERFORM pg_notify('auth_change', json_build_object('tenantId', affected."tenantId", 'userId', affected."userId")::text);
  ELSIF TG_TABLE_NAME = 'ApiKey' THEN
    PERFORM pg_notify('auth_change', json_build_object('tenantId', affected."tenantId", 'apiKeyId', affected."id")::text);
  ELSIF TG_TABLE_NAME = 'User' THEN
    PERFORM pg_notify('auth_change', json_build_object('userId', affected."id")::text);
  ELSIF TG_TABLE_NAME = 'Tenant' THEN
    PERFORM pg_notify('auth_change', json_build_object('tenantId', affected."id")::text);
  ELSIF TG_TABLE_NAME = 'TenantSuspension' THEN
    PERFORM pg_notify('auth_change', json_build_object('tenantId', affected."tenantId")::text);
  END IF;
  RETURN NULL;
END
$$;

-- lastUsedAt is written by authentication itself; it changes nothing authentication decides.
CREATE TRIGGER "ApiKey_auth_change"
  AFTER UPDATE ON "ApiKey"
  FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'lastUsedAt') IS DISTINCT FROM (to_jsonb(NEW) - 'lastUsedAt'))
  EXECUTE FUNCTION auth_change_notify();

CREATE TRIGGER "ApiKey_auth_change_delete"
  AFTER DELETE ON "ApiKey"
  FOR EACH ROW EXECUTE FUNCTION auth_change_notify();

CREATE TRIGGER "Membership_auth_change"
  AFTER UPDATE OR DELETE ON "Membership"
  FOR EACH ROW EXECUTE FUNCTION auth_change_notify();

CREATE TRIGGER "User_auth_change"
  AFTER UPDATE OR DELETE ON "User"
  FOR EACH ROW EXECUTE FUNCTION auth_change_notify();

CREATE TRIGGER "Tenant_auth_change"
  AFTER UPDATE OR DELETE ON "Tenant"
  FOR EACH ROW EXECUTE FUNCTION auth_change_notify();

CREATE TRIGGER "TenantSuspension_auth_change"
  AFTER INSERT OR UPDATE OR DELETE ON "TenantSuspension"
  FOR EACH ROW EXECUTE FUNCTION auth_change_notify();

-- What authentication decided a cached caller may do, as it stands now: a
-- request's first statement compares it with what was cached (one call in the
-- statement that sets the tenant, no extra round trip), so a request never
-- reads or writes with access a committed change has already taken away,
-- even before that change's announcement reached this instance.
-- USER: the membership's role. API_KEY: the key's role, scopes and its
-- creator's role, or NULL once the key is revoked or expired. NULL for
-- everyone of a suspended tenant.
CREATE FUNCTION app_access_fingerprint(principal_kind text, tenant uuid, principal_id uuid) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
    SELECT CASE
      WHEN EXISTS (SELECT 1 FROM "TenantSuspension" s WHERE s."tenantId" = tenant) THEN NULL
      WHEN principal_kind = 'USER' THEN (SELECT m."role"::text FROM "Membership" m WHERE m."tenantId" = tenant AND m."userId" = principal_id)
      WHEN principal_kind = 'API_KEY' THEN (
        SELECT k."role"::text || '|' || array_to_string(k."scopes", ',') || '|' || coalesce(m."role"::text, '-')
          FROM "ApiKey" k
          LEFT JOIN "Membership" m ON m."tenantId" = k."tenantId" AND m."userId" = k."createdById"
         WHERE k."id" = principal_id AND k."tenantId" = tenant
           AND k."revokedAt" IS NULL AND (k."expiresAt" IS NULL OR k."expiresAt" > now()))
    END
  $$;
REVOKE ALL ON FUNCTION app_access_fingerprint(text, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_access_fingerprint(text, uuid, uuid) TO sales_app;
