-- agents

-- CreateEnum
CREATE TYPE "AgentRunStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DEAD');

-- CreateEnum
CREATE TYPE "InboundIntent" AS ENUM ('INTERESTED', 'MEETING_REQUEST', 'QUESTION', 'OBJECTION', 'NOT_INTERESTED', 'UNSUBSCRIBE', 'OUT_OF_OFFICE', 'REFERRAL', 'BOUNCE', 'OTHER');

-- CreateEnum
CREATE TYPE "InboundAction" AS ENUM ('DRAFT_REPLY', 'ARCHIVE', 'SUPPRESS', 'SCHEDULE_FOLLOW_UP', 'ESCALATE');

-- CreateEnum
CREATE TYPE "InboundMessageStatus" AS ENUM ('RECEIVED', 'ANALYSED');

-- CreateEnum
CREATE TYPE "RecommendationTool" AS ENUM ('sendOutreachEmail', 'scheduleFollowUp', 'updateDealStage', 'logSalesActivity');

-- CreateEnum
CREATE TYPE "RecommendationStatus" AS ENUM ('OPEN', 'ACCEPTED', 'DISMISSED', 'EXPIRED');

-- AlterTable
ALTER TABLE "Draft" ADD COLUMN "threadId" UUID;

-- AlterTable
ALTER TABLE "Draft" ADD COLUMN "inboundMessageId" UUID;

-- AlterTable
ALTER TABLE "Draft" ADD COLUMN "inReplyTo" TEXT;

-- AlterTable
ALTER TABLE "AiInvocation" ADD COLUMN "agentRunId" UUID;

-- CreateTable
CREATE TABLE "AgentRun" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "agent" TEXT NOT NULL,
    "queue" TEXT NOT NULL,
    "status" "AgentRunStatus" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL,
    "jobId" UUID NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "input" JSONB NOT NULL DEFAULT '{}',
    "output" JSONB,
    "error" TEXT,
    "fallbackReason" TEXT,
    "triggeredBy" TEXT NOT NULL,
    "leadId" UUID,
    "dealId" UUID,
    "queuedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AgentRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundMessage" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "messageId" TEXT NOT NULL,
    "mailbox" TEXT,
    "fromEmail" TEXT,
    "fromName" TEXT,
    "to" TEXT[],
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "raw" TEXT,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "sentAt" TIMESTAMPTZ(3),
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "inReplyTo" TEXT,
    "references" TEXT[],
    "automated" BOOLEAN NOT NULL DEFAULT false,
    "ruleKind" TEXT,
    "suppressed" TEXT[],
    "status" "InboundMessageStatus" NOT NULL DEFAULT 'RECEIVED',
    "intent" "InboundIntent",
    "action" "InboundAction",
    "relevance" DOUBLE PRECISION,
    "analysis" JSONB,
    "analysedAt" TIMESTAMPTZ(3),
    "analysisRunId" UUID,
    "threadId" UUID,
    "contactId" UUID,
    "leadId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmailThread" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "subjectKey" TEXT NOT NULL,
    "contactId" UUID,
    "leadId" UUID,
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    "lastMessageAt" TIMESTAMPTZ(3) NOT NULL,
    "facts" JSONB,
    "factsUpdatedAt" TIMESTAMPTZ(3),
    "factsRunId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "EmailThread_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Recommendation" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "leadId" UUID,
    "dealId" UUID,
    "contactId" UUID,
    "tool" "RecommendationTool" NOT NULL,
    "title" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "rationale" TEXT NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "factsUsed" TEXT[],
    "rank" INTEGER NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "status" "RecommendationStatus" NOT NULL DEFAULT 'OPEN',
    "feedback" TEXT,
    "audienceRole" "Role" NOT NULL,
    "provider" TEXT NOT NULL,
    "decidedById" TEXT,
    "decidedByLabel" TEXT,
    "decidedAt" TIMESTAMPTZ(3),
    "result" JSONB,
    "agentRunId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Recommendation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VoiceSample" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "sentAt" TIMESTAMPTZ(3),
    "to" TEXT,
    "contentHash" TEXT NOT NULL,
    "importedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VoiceSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VoiceProfile" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "profile" JSONB NOT NULL,
    "sampleCount" INTEGER NOT NULL,
    "agentRunId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "VoiceProfile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Draft_tenantId_threadId_idx" ON "Draft"("tenantId", "threadId");

-- CreateIndex
CREATE INDEX "Draft_tenantId_messageId_idx" ON "Draft"("tenantId", "messageId");

-- CreateIndex
CREATE INDEX "AiInvocation_tenantId_agentRunId_idx" ON "AiInvocation"("tenantId", "agentRunId");

-- CreateIndex
CREATE INDEX "AgentRun_tenantId_agent_status_idx" ON "AgentRun"("tenantId", "agent", "status");

-- CreateIndex
CREATE INDEX "AgentRun_tenantId_status_queuedAt_idx" ON "AgentRun"("tenantId", "status", "queuedAt");

-- CreateIndex
CREATE INDEX "AgentRun_tenantId_leadId_queuedAt_idx" ON "AgentRun"("tenantId", "leadId", "queuedAt");

-- CreateIndex
CREATE INDEX "AgentRun_tenantId_queuedAt_idx" ON "AgentRun"("tenantId", "queuedAt");

-- CreateIndex
CREATE UNIQUE INDEX "AgentRun_tenantId_id_key" ON "AgentRun"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "AgentRun_jobId_key" ON "AgentRun"("jobId");

-- CreateIndex
CREATE INDEX "InboundMessage_tenantId_receivedAt_idx" ON "InboundMessage"("tenantId", "receivedAt");

-- CreateIndex
CREATE INDEX "InboundMessage_tenantId_contactId_receivedAt_idx" ON "InboundMessage"("tenantId", "contactId", "receivedAt");

-- CreateIndex
CREATE INDEX "InboundMessage_tenantId_leadId_receivedAt_idx" ON "InboundMessage"("tenantId", "leadId", "receivedAt");

-- CreateIndex
CREATE INDEX "InboundMessage_tenantId_threadId_idx" ON "InboundMessage"("tenantId", "threadId");

-- CreateIndex
CREATE UNIQUE INDEX "InboundMessage_tenantId_id_key" ON "InboundMessage"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "InboundMessage_tenantId_messageId_key" ON "InboundMessage"("tenantId", "messageId");

-- CreateIndex
CREATE INDEX "EmailThread_tenantId_contactId_lastMessageAt_idx" ON "EmailThread"("tenantId", "contactId", "lastMessageAt");

-- CreateIndex
CREATE INDEX "EmailThread_tenantId_subjectKey_idx" ON "EmailThread"("tenantId", "subjectKey");

-- CreateIndex
CREATE INDEX "EmailThread_tenantId_lastMessageAt_idx" ON "EmailThread"("tenantId", "lastMessageAt");

-- CreateIndex
CREATE UNIQUE INDEX "EmailThread_tenantId_id_key" ON "EmailThread"("tenantId", "id");

-- CreateIndex
CREATE INDEX "Recommendation_tenantId_leadId_status_idx" ON "Recommendation"("tenantId", "leadId", "status");

-- CreateIndex
CREATE INDEX "Recommendation_tenantId_dealId_status_idx" ON "Recommendation"("tenantId", "dealId", "status");

-- CreateIndex
CREATE INDEX "Recommendation_tenantId_status_createdAt_idx" ON "Recommendation"("tenantId", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Recommendation_tenantId_id_key" ON "Recommendation"("tenantId", "id");

-- CreateIndex
CREATE INDEX "VoiceSample_tenantId_userId_createdAt_idx" ON "VoiceSample"("tenantId", "userId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "VoiceSample_tenantId_userId_contentHash_key" ON "VoiceSample"("tenantId", "userId", "contentHash");

-- CreateIndex
CREATE UNIQUE INDEX "VoiceProfile_tenantId_userId_key" ON "VoiceProfile"("tenantId", "userId");

-- AddForeignKey
ALTER TABLE "Draft" ADD CONSTRAINT "Draft_tenantId_threadId_fkey" FOREIGN KEY ("tenantId", "threadId") REFERENCES "EmailThread"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Draft" ADD CONSTRAINT "Draft_tenantId_inboundMessageId_fkey" FOREIGN KEY ("tenantId", "inboundMessageId") REFERENCES "InboundMessage"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AiInvocation" ADD CONSTRAINT "AiInvocation_tenantId_agentRunId_fkey" FOREIGN KEY ("tenantId", "agentRunId") REFERENCES "AgentRun"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentRun" ADD CONSTRAINT "AgentRun_tenantId_leadId_fkey" FOREIGN KEY ("tenantId", "leadId") REFERENCES "Lead"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentRun" ADD CONSTRAINT "AgentRun_tenantId_dealId_fkey" FOREIGN KEY ("tenantId", "dealId") REFERENCES "Deal"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboundMessage" ADD CONSTRAINT "InboundMessage_tenantId_threadId_fkey" FOREIGN KEY ("tenantId", "threadId") REFERENCES "EmailThread"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboundMessage" ADD CONSTRAINT "InboundMessage_tenantId_contactId_fkey" FOREIGN KEY ("tenantId", "contactId") REFERENCES "Contact"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboundMessage" ADD CONSTRAINT "InboundMessage_tenantId_leadId_fkey" FOREIGN KEY ("tenantId", "leadId") REFERENCES "Lead"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmailThread" ADD CONSTRAINT "EmailThread_tenantId_contactId_fkey" FOREIGN KEY ("tenantId", "contactId") REFERENCES "Contact"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmailThread" ADD CONSTRAINT "EmailThread_tenantId_leadId_fkey" FOREIGN KEY ("tenantId", "leadId") REFERENCES "Lead"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recommendation" ADD CONSTRAINT "Recommendation_tenantId_leadId_fkey" FOREIGN KEY ("tenantId", "leadId") REFERENCES "Lead"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recommendation" ADD CONSTRAINT "Recommendation_tenantId_dealId_fkey" FOREIGN KEY ("tenantId", "dealId") REFERENCES "Deal"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recommendation" ADD CONSTRAINT "Recommendation_tenantId_contactId_fkey" FOREIGN KEY ("tenantId", "contactId") REFERENCES "Contact"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recommendation" ADD CONSTRAINT "Recommendation_tenantId_agentRunId_fkey" FOREIGN KEY ("tenantId", "agentRunId") REFERENCES "AgentRun"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VoiceSample" ADD CONSTRAINT "VoiceSample_tenantId_userId_fkey" FOREIGN KEY ("tenantId", "userId") REFERENCES "Membership"("tenantId", "userId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VoiceProfile" ADD CONSTRAINT "VoiceProfile_tenantId_userId_fkey" FOREIGN KEY ("tenantId", "userId") REFERENCES "Membership"("tenantId", "userId") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"AgentRun"');
SELECT app_protect_tenant_table('"InboundMessage"');
SELECT app_protect_tenant_table('"EmailThread"');
SELECT app_protect_tenant_table('"Recommendation"');
SELECT app_protect_tenant_table('"VoiceSample"');
SELECT app_protect_tenant_table('"VoiceProfile"');
