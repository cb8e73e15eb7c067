-- Retention (issue 15). Most purges run as the service role inside the
-- tenant's own transaction (row-level security scopes them); these two touch
-- AiInvocation, on which the service has no UPDATE (the records are the cost
-- ledger), so they are narrow SECURITY DEFINER functions that work only on the
-- calling transaction's tenant (app_current_tenant()), one short batch at a time.

-- AI invocations stay append-only, with one narrow exception for retention
-- (and erasure): inside a function that sets app.ai_invocation_redaction, an
-- UPDATE may blank the error text and detach the row from a purged agent run —
-- nothing else about the record (hash, tokens, cost, outcome) can change.
CREATE OR REPLACE FUNCTION ai_invocation_is_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('app.ai_invocation_redaction', true) = 'on'
     AND (to_jsonb(NEW) - 'errorMessage' - 'agentRunId') = (to_jsonb(OLD) - 'errorMessage' - 'agentRunId')
     AND (NEW."errorMessage" IS NULL OR NEW."errorMessage" IS NOT DISTINCT FROM OLD."errorMessage")
     AND (NEW."agentRunId" IS NULL OR NEW."agentRunId" IS NOT DISTINCT FROM OLD."agentRunId") THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'AI invocations are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Blanks the error text of up to `batch` AI invocations created before `cutoff`
-- (hashes, tokens, cost and outcome stay); returns how many.
CREATE FUNCTION app_retention_ai_invocation_text(cutoff timestamptz, batch integer) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on' SET app.ai_invocation_redaction = 'on'
  AS $$
DECLARE
  tenant uuid := app_current_tenant();
  purged integer;
BEGIN
  IF tenant IS NULL THEN RETURN 0; END IF;
  UPDATE "AiInvocation" SET "errorMessage" = NULL
  WHERE "id" IN (
    SELECT "id" FROM "AiInvocation"
    WHERE "tenantId" = tenant AND "createdAt" < cutoff AND "errorMessage" IS NOT NULL
    ORDER BY "createdAt" LIMIT batch FOR UPDATE SKIP LOCKED);
  GET DIAGNOSTICS purged = ROW_COUNT;
  RETURN purged;
END
$$;

-- Deletes up to `batch` finished agent runs queued before `cutoff` that no
-- recommendation points to; the AI invocations they made stay (detached).
CREATE FUNCTION app_retention_agent_runs(cutoff timestamptz, batch integer) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET app.maintenance = 'on' SET app.ai_invocation_redaction = 'on'
  AS $$
DECLARE
  tenant uuid := app_current_tenant();
  ids uuid[];
BEGIN
  IF tenant IS NULL THEN RETURN 0; END IF;
  SELECT array_agg("id") INTO ids FROM (
    SELECT r."id" FROM "AgentRun" r
    WHERE r."tenantId" = tenant AND r."queuedAt" < cutoff AND r."status" NOT IN ('QUEUED', 'RUNNING')
      AND NOT EXISTS (SELECT 1 FROM "Recommendation" rc WHERE rc."tenantId" = r."tenantId" AND rc."agentRunId" = r."id")
    ORDER BY r."queuedAt" LIMIT batch FOR UPDATE SKIP LOCKED) picked;
  IF ids IS NULL THEN RETURN 0; END IF;
  UPDATE "AiInvocation" SET "agentRunId" = NULL WHERE "tenantId" = tenant AND "agentRunId" = ANY (ids);
  DELETE FROM "AgentRun" WHERE "tenantId" = tenant AND "id" = ANY (ids);
  RETURN cardinality(ids);
END
$$;

REVOKE ALL ON FUNCTION app_retention_ai_invocation_text(timestamptz, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_retention_agent_runs(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_retention_ai_invocation_text(timestamptz, integer) TO sales_app;
GRANT EXECUTE ON FUNCTION app_retention_agent_runs(timestamptz, integer) TO sales_app;
