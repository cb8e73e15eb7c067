-- sequences: A/B variants per e-mail step, the variant each step run got, and a saved segment per sequence (issue 12)

-- AlterTable
ALTER TABLE "Sequence" ADD COLUMN "segment" JSONB,
ADD COLUMN "segmentRunAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "SequenceEnrollment" ADD COLUMN "exitIntent" TEXT;

-- AlterTable
ALTER TABLE "SequenceStep" ADD COLUMN "variants" JSONB;

-- AlterTable
ALTER TABLE "SequenceStepRun" ADD COLUMN "variant" TEXT;
