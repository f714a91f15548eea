-- AlterTable
ALTER TABLE "StepRun" ADD COLUMN     "jobId" TEXT;

