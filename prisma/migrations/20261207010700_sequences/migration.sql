-- sequences

-- CreateEnum
CREATE TYPE "SequenceStatus" AS ENUM ('ACTIVE', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "SequenceStepKind" AS ENUM ('EMAIL', 'TASK', 'WAIT');

-- CreateEnum
CREATE TYPE "SequenceDelayUnit" AS ENUM ('BUSINESS_DAYS', 'HOURS');

-- CreateEnum
CREATE TYPE "SequenceEnrollmentStatus" AS ENUM ('ACTIVE', 'PAUSED', 'EXITED', 'COMPLETED');

-- CreateEnum
CREATE TYPE "SequenceStepOutcome" AS ENUM ('SCHEDULED', 'DRAFTED', 'SENT', 'TASK_CREATED', 'WAITED', 'SKIPPED', 'CANCELLED');

-- CreateTable
CREATE TABLE "Sequence" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "status" "SequenceStatus" NOT NULL DEFAULT 'ACTIVE',
    "currentVersion" INTEGER NOT NULL DEFAULT 1,
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Sequence_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SequenceVersion" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "sequenceId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "skipWeekends" BOOLEAN NOT NULL DEFAULT true,
    "skipHolidays" BOOLEAN NOT NULL DEFAULT true,
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SequenceVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SequenceStep" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "versionId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" "SequenceStepKind" NOT NULL,
    "delayAmount" INTEGER NOT NULL,
    "delayUnit" "SequenceDelayUnit" NOT NULL,
    "windowStart" INTEGER NOT NULL,
    "windowEnd" INTEGER NOT NULL,
    "brief" TEXT,
    "subject" TEXT,
    "taskTitle" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SequenceStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SequenceEnrollment" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "sequenceId" UUID NOT NULL,
    "versionId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "status" "SequenceEnrollmentStatus" NOT NULL DEFAULT 'ACTIVE',
    "live" BOOLEAN DEFAULT true,
    "currentStep" INTEGER NOT NULL DEFAULT 0,
    "timeZone" TEXT NOT NULL,
    "timeZoneSource" TEXT NOT NULL,
    "exitReason" TEXT,
    "exitDetail" TEXT,
    "pausedUntil" TIMESTAMPTZ(3),
    "pauseReason" TEXT,
    "scheduleToken" INTEGER NOT NULL DEFAULT 0,
    "enrolledById" TEXT,
    "enrolledByLabel" TEXT,
    "exitedAt" TIMESTAMPTZ(3),
    "completedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SequenceEnrollment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SequenceStepRun" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "enrollmentId" UUID NOT NULL,
    "stepId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" "SequenceStepKind" NOT NULL,
    "scheduledFor" TIMESTAMPTZ(3) NOT NULL,
    "windowEnd" TIMESTAMPTZ(3) NOT NULL,
    "sendWindow" JSONB NOT NULL,
    "draftId" UUID,
    "taskId" UUID,
    "outcome" "SequenceStepOutcome" NOT NULL DEFAULT 'SCHEDULED',
    "outcomeReason" TEXT,
    "pushedCount" INTEGER NOT NULL DEFAULT 0,
    "pushReason" TEXT,
    "completedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SequenceStepRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Sequence_tenantId_status_createdAt_idx" ON "Sequence"("tenantId", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Sequence_tenantId_id_key" ON "Sequence"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SequenceVersion_tenantId_id_key" ON "SequenceVersion"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SequenceVersion_sequenceId_version_key" ON "SequenceVersion"("sequenceId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "SequenceStep_tenantId_id_key" ON "SequenceStep"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SequenceStep_versionId_position_key" ON "SequenceStep"("versionId", "position");

-- CreateIndex
CREATE INDEX "SequenceEnrollment_tenantId_contactId_status_idx" ON "SequenceEnrollment"("tenantId", "contactId", "status");

-- CreateIndex
CREATE INDEX "SequenceEnrollment_tenantId_sequenceId_status_idx" ON "SequenceEnrollment"("tenantId", "sequenceId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "SequenceEnrollment_tenantId_id_key" ON "SequenceEnrollment"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SequenceEnrollment_sequenceId_contactId_live_key" ON "SequenceEnrollment"("sequenceId", "contactId", "live");

-- CreateIndex
CREATE INDEX "SequenceStepRun_tenantId_draftId_idx" ON "SequenceStepRun"("tenantId", "draftId");

-- CreateIndex
CREATE INDEX "SequenceStepRun_tenantId_stepId_outcome_idx" ON "SequenceStepRun"("tenantId", "stepId", "outcome");

-- CreateIndex
CREATE UNIQUE INDEX "SequenceStepRun_tenantId_id_key" ON "SequenceStepRun"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SequenceStepRun_enrollmentId_position_key" ON "SequenceStepRun"("enrollmentId", "position");

-- AddForeignKey
ALTER TABLE "SequenceVersion" ADD CONSTRAINT "SequenceVersion_tenantId_sequenceId_fkey" FOREIGN KEY ("tenantId", "sequenceId") REFERENCES "Sequence"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SequenceStep" ADD CONSTRAINT "SequenceStep_tenantId_versionId_fkey" FOREIGN KEY ("tenantId", "versionId") REFERENCES "SequenceVersion"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SequenceEnrollment" ADD CONSTRAINT "SequenceEnrollment_tenantId_sequenceId_fkey" FOREIGN KEY ("tenantId", "sequenceId") REFERENCES "Sequence"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SequenceEnrollment" ADD CONSTRAINT "SequenceEnrollment_tenantId_versionId_fkey" FOREIGN KEY ("tenantId", "versionId") REFERENCES "SequenceVersion"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SequenceStepRun" ADD CONSTRAINT "SequenceStepRun_tenantId_enrollmentId_fkey" FOREIGN KEY ("tenantId", "enrollmentId") REFERENCES "SequenceEnrollment"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SequenceStepRun" ADD CONSTRAINT "SequenceStepRun_tenantId_stepId_fkey" FOREIGN KEY ("tenantId", "stepId") REFERENCES "SequenceStep"("tenantId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"Sequence"');
SELECT app_protect_tenant_table('"SequenceVersion"');
SELECT app_protect_tenant_table('"SequenceStep"');
SELECT app_protect_tenant_table('"SequenceEnrollment"');
SELECT app_protect_tenant_table('"SequenceStepRun"');
