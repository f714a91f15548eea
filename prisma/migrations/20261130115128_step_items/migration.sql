-- CreateTable
CREATE TABLE "StepItem" (
    "tenantId" UUID NOT NULL,
    "stepRunId" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "status" "step_status" NOT NULL,
    "attempt" INTEGER NOT NULL,
    "output" JSONB,
    "error" JSONB,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "finishedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StepItem_pkey" PRIMARY KEY ("stepRunId","index")
);

-- CreateIndex
CREATE INDEX "StepItem_tenantId_idx" ON "StepItem"("tenantId");

-- AddForeignKey
ALTER TABLE "StepItem" ADD CONSTRAINT "StepItem_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StepItem" ADD CONSTRAINT "StepItem_stepRunId_fkey" FOREIGN KEY ("stepRunId") REFERENCES "StepRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

