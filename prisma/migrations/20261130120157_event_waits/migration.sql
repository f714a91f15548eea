-- CreateTable
CREATE TABLE "StepWait" (
    "stepRunId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "workflowRunId" UUID NOT NULL,
    "event" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3),
    "payload" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StepWait_pkey" PRIMARY KEY ("stepRunId")
);

-- CreateTable
CREATE TABLE "WorkflowEvent" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenantId" UUID NOT NULL,
    "event" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkflowEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StepWait_tenantId_event_key_createdAt_idx" ON "StepWait"("tenantId", "event", "key", "createdAt");

-- CreateIndex
CREATE INDEX "WorkflowEvent_tenantId_event_key_createdAt_idx" ON "WorkflowEvent"("tenantId", "event", "key", "createdAt");

-- CreateIndex
CREATE INDEX "WorkflowEvent_expiresAt_idx" ON "WorkflowEvent"("expiresAt");

-- AddForeignKey
ALTER TABLE "StepWait" ADD CONSTRAINT "StepWait_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StepWait" ADD CONSTRAINT "StepWait_stepRunId_fkey" FOREIGN KEY ("stepRunId") REFERENCES "StepRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkflowEvent" ADD CONSTRAINT "WorkflowEvent_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

