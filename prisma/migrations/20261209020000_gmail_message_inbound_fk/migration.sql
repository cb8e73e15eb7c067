-- GmailMessage.inboundMessageId gets its foreign key (issue 10): the Gmail
-- sync's record of a message points at the inbound message it became.
--
-- ON DELETE SET NULL of "inboundMessageId" only (PostgreSQL 15's column list;
-- "tenantId" is part of the key and stays): inbound messages are deleted by a
-- contact's erasure (src/orchestration/governance/erasure.ts), which first
-- marks their Gmail records SKIPPED ("erased") and keeps them, so the next
-- sync or full resync recognises the Gmail message and never imports the
-- erased mail again. CASCADE would delete that record and bring the mail back
-- on a resync; SET NULL keeps it for any other path that deletes an inbound
-- message. Retention only empties inbound messages (their rows stay).

-- Pointers at inbound messages that no longer exist (the service never made
-- them; a manual delete could have) would fail the constraint: clear them.
-- The owner running migrations sees tenant rows only in maintenance mode.
SELECT set_config('app.maintenance', 'on', true);
UPDATE "GmailMessage" m SET "inboundMessageId" = NULL
WHERE m."inboundMessageId" IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "InboundMessage" i WHERE i."tenantId" = m."tenantId" AND i."id" = m."inboundMessageId");
SELECT set_config('app.maintenance', 'off', true);

-- CreateIndex (the foreign key's lookups when an inbound message is deleted)
CREATE INDEX "GmailMessage_tenantId_inboundMessageId_idx" ON "GmailMessage"("tenantId", "inboundMessageId");

-- AddForeignKey
ALTER TABLE "GmailMessage" ADD CONSTRAINT "GmailMessage_tenantId_inboundMessageId_fkey" FOREIGN KEY ("tenantId", "inboundMessageId") REFERENCES "InboundMessage"("tenantId", "id") ON DELETE SET NULL ("inboundMessageId") ON UPDATE CASCADE;
