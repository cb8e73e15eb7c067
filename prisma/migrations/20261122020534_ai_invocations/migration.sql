-- ai_invocations

-- CreateEnum
CREATE TYPE "AiInvocationOutcome" AS ENUM ('SUCCESS', 'INVALID_OUTPUT', 'ERROR');

-- CreateTable
CREATE TABLE "AiInvocation" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "agent" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "external" BOOLEAN NOT NULL,
    "promptId" TEXT,
    "promptVersion" INTEGER,
    "inputHash" TEXT NOT NULL,
    "inputTokens" INTEGER NOT NULL DEFAULT 0,
    "outputTokens" INTEGER NOT NULL DEFAULT 0,
    "totalTokens" INTEGER NOT NULL DEFAULT 0,
    "costUsd" DECIMAL(14,8) NOT NULL DEFAULT 0,
    "latencyMs" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "outcome" "AiInvocationOutcome" NOT NULL,
    "errorKind" TEXT,
    "errorMessage" TEXT,
    "fallbackReason" TEXT,
    "redacted" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AiInvocation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AiInvocation_tenantId_createdAt_idx" ON "AiInvocation"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "AiInvocation_tenantId_agent_createdAt_idx" ON "AiInvocation"("tenantId", "agent", "createdAt");

-- CreateIndex
CREATE INDEX "AiInvocation_tenantId_external_createdAt_idx" ON "AiInvocation"("tenantId", "external", "createdAt");

-- AddForeignKey
ALTER TABLE "AiInvocation" ADD CONSTRAINT "AiInvocation_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"AiInvocation"');

-- AI invocations are a record of what happened (and the budget is computed
-- from them): the service may only add and read them, like audit entries.
REVOKE UPDATE, DELETE, TRUNCATE ON "AiInvocation" FROM sales_app;

CREATE FUNCTION ai_invocation_is_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'AI invocations are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER "AiInvocation_append_only"
  BEFORE UPDATE OR DELETE ON "AiInvocation"
  FOR EACH ROW EXECUTE FUNCTION ai_invocation_is_append_only();
