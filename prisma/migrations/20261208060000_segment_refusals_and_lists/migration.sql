-- Issue 12: a segment rule's refusal is audited once per (sequence, contact, reason), not on every hourly run;
-- and contact lists, the segments' "lists" criterion.

-- CreateTable
CREATE TABLE "SequenceSegmentRefusal" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "sequenceId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "firstRefusedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastRefusedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SequenceSegmentRefusal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ContactList" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ContactList_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ContactListMember" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "listId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "addedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ContactListMember_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SequenceSegmentRefusal_tenantId_sequenceId_contactId_key" ON "SequenceSegmentRefusal"("tenantId", "sequenceId", "contactId");
CREATE INDEX "SequenceSegmentRefusal_tenantId_contactId_idx" ON "SequenceSegmentRefusal"("tenantId", "contactId");
CREATE UNIQUE INDEX "ContactList_tenantId_id_key" ON "ContactList"("tenantId", "id");
CREATE UNIQUE INDEX "ContactList_tenantId_name_key" ON "ContactList"("tenantId", "name");
CREATE UNIQUE INDEX "ContactListMember_tenantId_listId_contactId_key" ON "ContactListMember"("tenantId", "listId", "contactId");
CREATE INDEX "ContactListMember_tenantId_contactId_idx" ON "ContactListMember"("tenantId", "contactId");

-- AddForeignKey
ALTER TABLE "SequenceSegmentRefusal" ADD CONSTRAINT "SequenceSegmentRefusal_tenantId_sequenceId_fkey" FOREIGN KEY ("tenantId", "sequenceId") REFERENCES "Sequence"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "SequenceSegmentRefusal" ADD CONSTRAINT "SequenceSegmentRefusal_tenantId_contactId_fkey" FOREIGN KEY ("tenantId", "contactId") REFERENCES "Contact"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ContactListMember" ADD CONSTRAINT "ContactListMember_tenantId_listId_fkey" FOREIGN KEY ("tenantId", "listId") REFERENCES "ContactList"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ContactListMember" ADD CONSTRAINT "ContactListMember_tenantId_contactId_fkey" FOREIGN KEY ("tenantId", "contactId") REFERENCES "Contact"("tenantId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security: every row carries its tenant.
SELECT app_protect_tenant_table('"SequenceSegmentRefusal"');
SELECT app_protect_tenant_table('"ContactList"');
SELECT app_protect_tenant_table('"ContactListMember"');
