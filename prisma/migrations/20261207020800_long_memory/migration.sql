-- long_memory

-- CreateEnum
CREATE TYPE "MemorySourceType" AS ENUM ('INBOUND_MESSAGE', 'ACTIVITY', 'SENT_DRAFT', 'THREAD_SUMMARY');

-- CreateTable
CREATE TABLE "MemoryItem" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "sourceType" "MemorySourceType" NOT NULL,
    "sourceId" UUID NOT NULL,
    "contactId" UUID,
    "companyId" UUID,
    "leadId" UUID,
    "dealId" UUID,
    "title" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "embedding" REAL[],
    "model" TEXT,
    "dim" INTEGER,
    "sketchPos" VARBIT,
    "sketchNeg" VARBIT,
    "embeddedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MemoryItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DraftMemory" (
    "tenantId" UUID NOT NULL,
    "draftId" UUID NOT NULL,
    "memoryItemId" UUID NOT NULL,
    "rank" INTEGER NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DraftMemory_pkey" PRIMARY KEY ("draftId","memoryItemId")
);

-- CreateIndex
CREATE INDEX "MemoryItem_tenantId_contactId_occurredAt_idx" ON "MemoryItem"("tenantId", "contactId", "occurredAt");

-- CreateIndex
CREATE INDEX "MemoryItem_tenantId_companyId_occurredAt_idx" ON "MemoryItem"("tenantId", "companyId", "occurredAt");

-- CreateIndex
CREATE INDEX "MemoryItem_tenantId_model_idx" ON "MemoryItem"("tenantId", "model");

-- CreateIndex
CREATE UNIQUE INDEX "MemoryItem_tenantId_id_key" ON "MemoryItem"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "MemoryItem_tenantId_sourceType_sourceId_key" ON "MemoryItem"("tenantId", "sourceType", "sourceId");

-- CreateIndex
CREATE INDEX "DraftMemory_tenantId_memoryItemId_idx" ON "DraftMemory"("tenantId", "memoryItemId");

-- AddForeignKey
ALTER TABLE "DraftMemory" ADD CONSTRAINT "DraftMemory_tenantId_draftId_fkey" FOREIGN KEY ("tenantId", "draftId") REFERENCES "Draft"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DraftMemory" ADD CONSTRAINT "DraftMemory_tenantId_memoryItemId_fkey" FOREIGN KEY ("tenantId", "memoryItemId") REFERENCES "MemoryItem"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"MemoryItem"');
SELECT app_protect_tenant_table('"DraftMemory"');

-- Dot product of two equally long real[] (cosine, for the normalised vectors stored): the exact
-- similarity used by every search method, with or without pgvector.
CREATE FUNCTION app_memory_dot(a real[], b real[]) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT sum(x::float8 * y::float8) FROM unnest(a, b) AS u(x, y) $$;
GRANT EXECUTE ON FUNCTION app_memory_dot(real[], real[]) TO sales_app;

-- Full-text search over the excerpts ('english': stop words dropped; a name stems the same way in the query). Partial (empty
-- excerpts have nothing to find), so it lives here and not in schema.prisma.
CREATE INDEX "MemoryItem_text_fts_idx" ON "MemoryItem" USING gin (to_tsvector('english', "title" || ' ' || "text")) WHERE "text" <> '';

-- pgvector when the server has it (the docker-compose image does; Debian's PostgreSQL 15 and
-- embedded-postgres do not). A migration must not fail without it, so availability is checked
-- and any failure to create it (e.g. missing privilege) leaves the exact fallback in charge.
-- The HNSW index is an expression index over the real[] column, partial per dimension (HNSW needs a
-- fixed one): 256 = the local provider's model. Another model's dimension gets its index by hand
-- (README, "Long memory").
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS vector;
      EXECUTE 'CREATE INDEX "MemoryItem_embedding_hnsw_256_idx" ON "MemoryItem" USING hnsw ((("embedding")::vector(256)) vector_cosine_ops) WHERE "dim" = 256';
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pgvector not used: %', SQLERRM;
    END;
  END IF;
END
$$;
