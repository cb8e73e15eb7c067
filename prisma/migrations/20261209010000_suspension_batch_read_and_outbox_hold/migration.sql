-- Suspension is platform data read for many tenants at once by two workers.
--
-- The tenant-job guard (src/jobs/tenant-worker.ts) asked once per tenant per fetched batch, each in its own
-- transaction; it now asks once per batch: which of these tenants are suspended. Only ids go in and only the
-- suspended ids come out (nothing else of TenantSuspension: the reason stays the platform's), and only the
-- service role may call it.
CREATE FUNCTION app_suspended_tenants(tenant_ids uuid[]) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$ SELECT s."tenantId" FROM "TenantSuspension" s WHERE s."tenantId" = ANY(tenant_ids) $$;

REVOKE ALL ON FUNCTION app_suspended_tenants(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_suspended_tenants(uuid[]) TO sales_app;

-- The outbox dispatcher holds a suspended tenant's events (issue 15: a suspended tenant sends nothing): they are
-- not offered to it at all, so they neither block other tenants' events nor count as attempts; the resume's own
-- event wakes the dispatcher (NOTIFY on insert), which then publishes the held ones in their order.
CREATE OR REPLACE FUNCTION app_outbox_pending_tenants(max_tenants integer) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on'
  AS $$
    SELECT o."tenantId" FROM "OutboxEvent" o
    WHERE o."deliveredAt" IS NULL AND (o."lockedUntil" IS NULL OR o."lockedUntil" < CURRENT_TIMESTAMP)
      AND NOT EXISTS (SELECT 1 FROM "TenantSuspension" s WHERE s."tenantId" = o."tenantId")
    GROUP BY o."tenantId" ORDER BY min(o."createdAt") LIMIT max_tenants
  $$;
