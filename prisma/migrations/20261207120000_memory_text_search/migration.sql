-- Long memory's full text, stored: ranking (ts_rank_cd) recomputed to_tsvector for every matching row and
-- the GIN index's recheck did too; at 100,000 items per tenant a search took seconds. PostgreSQL now keeps
-- the vector in a generated column (filled for existing rows by this statement) and the index is on it.
ALTER TABLE "MemoryItem" ADD COLUMN "textSearch" tsvector GENERATED ALWAYS AS (to_tsvector('english', "title" || ' ' || "text")) STORED;

DROP INDEX IF EXISTS "MemoryItem_text_fts_idx";
CREATE INDEX "MemoryItem_textSearch_idx" ON "MemoryItem" USING gin ("textSearch") WHERE "text" <> '';
