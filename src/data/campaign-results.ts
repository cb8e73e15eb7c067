// Results of one campaign, in one grouped query (like sequence engagement):
// recipients by status; of the drafts written, approved, rejected, cancelled
// and sent; replies — a human (not automated) inbound message from the
// recipient after the draft was sent — and positive replies (intent
// INTERESTED or MEETING_REQUEST). Runs in a tenant transaction (row-level
// security) and names the tenant as well.
import type { PrismaClient, Tx } from "./database.js";

export interface CampaignResults {
  recipients: number;
  planned: number;
  drafted: number;
  skipped: number;
  cancelled: number;
  approved: number;
  rejected: number;
  sent: number;
  replied: number;
  positiveReplies: number;
}

type Db = Pick<PrismaClient | Tx, "$queryRaw">;

export async function campaignResults(db: Db, tenantId: string, campaignId: string): Promise<CampaignResults> {
  const [row] = await db.$queryRaw<CampaignResults[]>`
    SELECT count(*)::int AS recipients,
      count(*) FILTER (WHERE r."status" = 'PLANNED')::int AS planned,
      count(r."draftId")::int AS drafted,
      count(*) FILTER (WHERE r."status" = 'SKIPPED')::int AS skipped,
      count(*) FILTER (WHERE r."status" = 'CANCELLED' OR d."status" = 'CANCELLED')::int AS cancelled,
      count(*) FILTER (WHERE d."approvedAt" IS NOT NULL)::int AS approved,
      count(*) FILTER (WHERE d."status" = 'REJECTED')::int AS rejected,
      count(*) FILTER (WHERE d."status" = 'SENT')::int AS sent,
      count(*) FILTER (WHERE d."sentAt" IS NOT NULL AND EXISTS (
        SELECT 1 FROM "InboundMessage" m WHERE m."tenantId" = r."tenantId" AND m."contactId" = r."contactId" AND NOT m."automated" AND m."receivedAt" > d."sentAt"))::int AS replied,
      count(*) FILTER (WHERE d."sentAt" IS NOT NULL AND EXISTS (
        SELECT 1 FROM "InboundMessage" m WHERE m."tenantId" = r."tenantId" AND m."contactId" = r."contactId" AND NOT m."automated" AND m."receivedAt" > d."sentAt"
          AND m."intent" IN ('INTERESTED', 'MEETING_REQUEST')))::int AS "positiveReplies"
    FROM "CampaignRecipient" r
    LEFT JOIN "Draft" d ON d."tenantId" = r."tenantId" AND d."id" = r."draftId"
    WHERE r."tenantId" = ${tenantId}::uuid AND r."campaignId" = ${campaignId}::uuid`;
  return row!;
}
