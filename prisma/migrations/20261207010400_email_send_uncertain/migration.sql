-- Gmail send (issue 10): an attempt that ended uncertain keeps its send record counted
-- against quotas until the provider has been asked (rfc822msgid:) and does not have it.
ALTER TABLE "EmailSend" ADD COLUMN "uncertainAt" TIMESTAMPTZ(3);
