-- Each sent draft's funnel timestamps, stored on the draft (issue 13: the
-- outcome report over 100k drafts in under a second). The report used to find
-- every cohort draft's bounce, replies, meetings and deals per report (hash
-- joins over the tenant's messages and activities: seconds at 100k drafts);
-- now it reads these columns in one scan of "Draft".
--
-- They are kept by triggers, not by the use cases, because the facts they
-- summarise change on many paths — ingest, re-analysis and intent
-- corrections, activities logged or edited, deals created, re-staged, won or
-- reopened, contacts added to deals, erasure, imports — and a missed path
-- would make the report silently wrong. Each trigger recomputes, in the same
-- transaction, the affected drafts' columns from the same definitions the
-- report used (src/data/outcome-report.ts), so they are exact whatever wrote
-- the row. All are null until the draft is sent.

-- AlterTable
ALTER TABLE "Draft" ADD COLUMN     "bouncedAt" TIMESTAMPTZ(3),
ADD COLUMN     "dealCreatedAt" TIMESTAMPTZ(3),
ADD COLUMN     "dealWonAt" TIMESTAMPTZ(3),
ADD COLUMN     "meetingAt" TIMESTAMPTZ(3),
ADD COLUMN     "positiveReplyAt" TIMESTAMPTZ(3),
ADD COLUMN     "repliedAt" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "Draft_tenantId_createdAt_idx" ON "Draft"("tenantId", "createdAt");

-- A sent draft's funnel, from its contact's and thread's rows at or after the send:
--   bounced_at: first bounce (intent or rule BOUNCE) about the contact;
--   replied_at / positive_at: first human reply in the thread (positive: INTERESTED or MEETING_REQUEST);
--   meeting_at: the earlier of the first MEETING_REQUEST reply and the first MEETING activity with the contact;
--   deal_created_at / deal_won_at: first deal with the contact created after the send, and first such deal won (closedAt).
CREATE FUNCTION app_draft_funnel(p_tenant uuid, p_contact uuid, p_thread uuid, p_sent timestamptz)
  RETURNS TABLE (bounced_at timestamptz, replied_at timestamptz, positive_at timestamptz, meeting_at timestamptz, deal_created_at timestamptz, deal_won_at timestamptz)
  -- No SET clause: PostgreSQL then inlines it into the callers' queries (one plan, no per-draft function call).
  LANGUAGE sql STABLE
  AS $$
  SELECT
    (SELECT min(im."receivedAt") FROM "InboundMessage" im
      WHERE im."tenantId" = p_tenant AND im."contactId" = p_contact AND im."receivedAt" >= p_sent
        AND (im."intent" = 'BOUNCE' OR im."ruleKind" = 'BOUNCE')),
    r.t_reply, r.t_positive,
    least(r.t_meeting_reply,
      (SELECT min(a."occurredAt") FROM "Activity" a
        WHERE a."tenantId" = p_tenant AND a."contactId" = p_contact AND a."type" = 'MEETING' AND a."occurredAt" >= p_sent)),
    dl.t_deal, dl.t_won
  FROM (
    SELECT min(im."receivedAt") AS t_reply,
      min(im."receivedAt") FILTER (WHERE im."intent" IN ('INTERESTED', 'MEETING_REQUEST')) AS t_positive,
      min(im."receivedAt") FILTER (WHERE im."intent" = 'MEETING_REQUEST') AS t_meeting_reply
    FROM "InboundMessage" im
    WHERE im."tenantId" = p_tenant AND im."threadId" = p_thread AND NOT im."automated" AND im."receivedAt" >= p_sent
  ) r,
  (
    SELECT min(d."createdAt") AS t_deal, min(d."closedAt") FILTER (WHERE d."status" = 'WON') AS t_won
    FROM "DealContact" dc JOIN "Deal" d ON d."tenantId" = dc."tenantId" AND d."id" = dc."dealId"
    WHERE dc."tenantId" = p_tenant AND dc."contactId" = p_contact AND d."createdAt" >= p_sent
  ) dl
  WHERE p_sent IS NOT NULL
$$;

-- Recomputes the sent drafts of these contacts or threads (writes only the rows whose funnel changed).
CREATE FUNCTION app_draft_funnel_refresh(p_tenant uuid, p_contacts uuid[], p_threads uuid[]) RETURNS void
  LANGUAGE sql VOLATILE
  AS $$
  UPDATE "Draft" d
  SET "bouncedAt" = f.bounced_at, "repliedAt" = f.replied_at, "positiveReplyAt" = f.positive_at,
      "meetingAt" = f.meeting_at, "dealCreatedAt" = f.deal_created_at, "dealWonAt" = f.deal_won_at
  FROM "Draft" s
  LEFT JOIN LATERAL app_draft_funnel(s."tenantId", s."contactId", s."threadId", s."sentAt") f ON true
  WHERE s."tenantId" = p_tenant AND s."sentAt" IS NOT NULL
    AND (s."contactId" = ANY (p_contacts) OR s."threadId" = ANY (p_threads))
    AND d."tenantId" = s."tenantId" AND d."id" = s."id"
    AND (d."bouncedAt", d."repliedAt", d."positiveReplyAt", d."meetingAt", d."dealCreatedAt", d."dealWonAt")
        IS DISTINCT FROM (f.bounced_at, f.replied_at, f.positive_at, f.meeting_at, f.deal_created_at, f.deal_won_at)
$$;

-- A draft sent (or moved to another contact or thread): its funnel from what is already there.
CREATE FUNCTION app_draft_funnel_on_draft() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW."sentAt" IS NULL THEN
    NEW."bouncedAt" := NULL; NEW."repliedAt" := NULL; NEW."positiveReplyAt" := NULL;
    NEW."meetingAt" := NULL; NEW."dealCreatedAt" := NULL; NEW."dealWonAt" := NULL;
  ELSE
    SELECT f.bounced_at, f.replied_at, f.positive_at, f.meeting_at, f.deal_created_at, f.deal_won_at
      INTO NEW."bouncedAt", NEW."repliedAt", NEW."positiveReplyAt", NEW."meetingAt", NEW."dealCreatedAt", NEW."dealWonAt"
      FROM app_draft_funnel(NEW."tenantId", NEW."contactId", NEW."threadId", NEW."sentAt") f;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "Draft_funnel"
  BEFORE INSERT OR UPDATE OF "sentAt", "contactId", "threadId" ON "Draft"
  FOR EACH ROW EXECUTE FUNCTION app_draft_funnel_on_draft();

-- A message arrives, is analysed (intent), re-threaded, corrected or erased.
CREATE FUNCTION app_draft_funnel_on_inbound() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD."receivedAt", OLD."automated", OLD."intent", OLD."ruleKind", OLD."threadId", OLD."contactId")
      IS NOT DISTINCT FROM (NEW."receivedAt", NEW."automated", NEW."intent", NEW."ruleKind", NEW."threadId", NEW."contactId") THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    PERFORM app_draft_funnel_refresh(OLD."tenantId", ARRAY[OLD."contactId"], ARRAY[OLD."threadId"]);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM app_draft_funnel_refresh(NEW."tenantId", ARRAY[NEW."contactId"], ARRAY[NEW."threadId"]);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "InboundMessage_draft_funnel"
  AFTER INSERT OR UPDATE OR DELETE ON "InboundMessage"
  FOR EACH ROW EXECUTE FUNCTION app_draft_funnel_on_inbound();

-- A meeting logged, moved or removed.
CREATE FUNCTION app_draft_funnel_on_activity() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD."type" = 'MEETING' THEN
    IF TG_OP = 'UPDATE' AND (OLD."type", OLD."occurredAt", OLD."contactId") IS NOT DISTINCT FROM (NEW."type", NEW."occurredAt", NEW."contactId") THEN
      RETURN NULL;
    END IF;
    PERFORM app_draft_funnel_refresh(OLD."tenantId", ARRAY[OLD."contactId"], ARRAY[]::uuid[]);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW."type" = 'MEETING' THEN
    PERFORM app_draft_funnel_refresh(NEW."tenantId", ARRAY[NEW."contactId"], ARRAY[]::uuid[]);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "Activity_draft_funnel"
  AFTER INSERT OR UPDATE OR DELETE ON "Activity"
  FOR EACH ROW EXECUTE FUNCTION app_draft_funnel_on_activity();

-- A contact added to or taken off a deal.
CREATE FUNCTION app_draft_funnel_on_deal_contact() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM app_draft_funnel_refresh(OLD."tenantId", ARRAY[OLD."contactId"], ARRAY[]::uuid[]);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM app_draft_funnel_refresh(NEW."tenantId", ARRAY[NEW."contactId"], ARRAY[]::uuid[]);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "DealContact_draft_funnel"
  AFTER INSERT OR UPDATE OR DELETE ON "DealContact"
  FOR EACH ROW EXECUTE FUNCTION app_draft_funnel_on_deal_contact();

-- A deal won, lost, reopened or re-dated (a deleted deal's contacts go with it: the DealContact trigger).
CREATE FUNCTION app_draft_funnel_on_deal() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF (OLD."status", OLD."closedAt", OLD."createdAt") IS DISTINCT FROM (NEW."status", NEW."closedAt", NEW."createdAt") THEN
    PERFORM app_draft_funnel_refresh(NEW."tenantId",
      ARRAY(SELECT dc."contactId" FROM "DealContact" dc WHERE dc."tenantId" = NEW."tenantId" AND dc."dealId" = NEW."id"), ARRAY[]::uuid[]);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "Deal_draft_funnel"
  AFTER UPDATE ON "Deal"
  FOR EACH ROW EXECUTE FUNCTION app_draft_funnel_on_deal();

-- Backfill: every sent draft's funnel from the rows already there.
SELECT set_config('app.maintenance', 'on', true);
UPDATE "Draft" d
SET "bouncedAt" = f.bounced_at, "repliedAt" = f.replied_at, "positiveReplyAt" = f.positive_at,
    "meetingAt" = f.meeting_at, "dealCreatedAt" = f.deal_created_at, "dealWonAt" = f.deal_won_at
FROM "Draft" s
CROSS JOIN LATERAL app_draft_funnel(s."tenantId", s."contactId", s."threadId", s."sentAt") f
WHERE s."sentAt" IS NOT NULL AND d."id" = s."id";
SELECT set_config('app.maintenance', 'off', true);
