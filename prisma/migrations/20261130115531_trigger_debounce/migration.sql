-- AlterTable
ALTER TABLE "Trigger" ADD COLUMN     "debounceKey" TEXT,
ADD COLUMN     "debounceWindowMs" INTEGER;

-- AlterTable
ALTER TABLE "WorkflowRun" ADD COLUMN     "debounceOpen" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "DebouncedCall" (
    "tenantId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "runId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DebouncedCall_pkey" PRIMARY KEY ("tenantId","idempotencyKey")
);

-- CreateIndex
CREATE INDEX "DebouncedCall_runId_idx" ON "DebouncedCall"("runId");

-- AddForeignKey
ALTER TABLE "DebouncedCall" ADD CONSTRAINT "DebouncedCall_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DebouncedCall" ADD CONSTRAINT "DebouncedCall_runId_fkey" FOREIGN KEY ("runId") REFERENCES "WorkflowRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

