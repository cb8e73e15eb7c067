-- Long-memory titles and excerpts are sealed at rest (issue 15; src/data/field-encryption.ts, MemoryItem): the
-- database sees ciphertext, so the full-text column can no longer be generated from them. It becomes an ordinary
-- column that the writer fills in the same statement, with to_tsvector('english', title || ' ' || text) of the
-- plaintext (src/data/memory-store.ts). DROP EXPRESSION keeps every existing row's vector, so search goes on
-- working while the rotation pass (src/jobs/credential-rotation.ts) seals the existing rows' text; the GIN index
-- and its predicate ("text" <> '': an empty text stays empty when sealed) are unchanged.
ALTER TABLE "MemoryItem" ALTER COLUMN "textSearch" DROP EXPRESSION;
