-- AlterTable
ALTER TABLE "StepRun" ADD COLUMN     "resumeAt" TIMESTAMPTZ(3);

