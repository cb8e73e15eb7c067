-- Calendar and Drive in drafts (issue 10): what a draft offered and cited, and meetings booked with contacts

-- AlterTable
ALTER TABLE "Draft" ADD COLUMN "offeredSlots" JSONB,
ADD COLUMN "citedAssets" JSONB;

-- CreateEnum
CREATE TYPE "MeetingBookingStatus" AS ENUM ('PENDING', 'BOOKED');

-- CreateTable
CREATE TABLE "MeetingBooking" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "draftId" UUID,
    "connectionId" UUID NOT NULL,
    "bookedByUserId" UUID NOT NULL,
    "startsAt" TIMESTAMPTZ(3) NOT NULL,
    "endsAt" TIMESTAMPTZ(3) NOT NULL,
    "timeZone" TEXT NOT NULL,
    "attendeeEmail" TEXT NOT NULL,
    "status" "MeetingBookingStatus" NOT NULL,
    "calendarEventId" TEXT NOT NULL,
    "htmlLink" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MeetingBooking_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "MeetingBooking_tenantId_id_key" ON "MeetingBooking"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "MeetingBooking_tenantId_contactId_startsAt_key" ON "MeetingBooking"("tenantId", "contactId", "startsAt");

-- CreateIndex
CREATE INDEX "MeetingBooking_tenantId_draftId_idx" ON "MeetingBooking"("tenantId", "draftId");

-- Row-level security: every tenant-owned table is confined to the current tenant.
SELECT app_protect_tenant_table('"MeetingBooking"');
