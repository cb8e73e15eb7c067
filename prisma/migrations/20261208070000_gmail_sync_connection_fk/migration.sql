-- Gmail sync rows belong to their connection (issue 10): a foreign key from
-- GmailSyncState and GmailMessage to Connection (tenant-scoped, like
-- ConnectionCredential's).
--
-- ON DELETE CASCADE: revoking a connection does not delete it (it stays,
-- REVOKED, tokens erased, as the tenant's record), so its sync state and the
-- record of which Gmail messages it handled stay with it. Connecting the
-- account again makes a new connection whose first sync finds that mail
-- already ingested (InboundMessage is unique by Message-ID per tenant), so
-- nothing comes in twice. Only a connection that is really deleted takes its
-- sync rows; the inbound messages they led to are the tenant's mail and are
-- not touched (no foreign key from them to the connection).

-- Rows whose connection no longer exists (none can be made by the service;
-- a manual delete could have left some) would fail the constraint: remove them.
-- The owner running migrations sees tenant rows only in maintenance mode.
SELECT set_config('app.maintenance', 'on', true);
DELETE FROM "GmailSyncState" s WHERE NOT EXISTS (SELECT 1 FROM "Connection" c WHERE c."tenantId" = s."tenantId" AND c."id" = s."connectionId");
DELETE FROM "GmailMessage" m WHERE NOT EXISTS (SELECT 1 FROM "Connection" c WHERE c."tenantId" = m."tenantId" AND c."id" = m."connectionId");
SELECT set_config('app.maintenance', 'off', true);

-- AddForeignKey
ALTER TABLE "GmailSyncState" ADD CONSTRAINT "GmailSyncState_tenantId_connectionId_fkey" FOREIGN KEY ("tenantId", "connectionId") REFERENCES "Connection"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GmailMessage" ADD CONSTRAINT "GmailMessage_tenantId_connectionId_fkey" FOREIGN KEY ("tenantId", "connectionId") REFERENCES "Connection"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
