-- AlterTable
ALTER TABLE "WorkflowRun" ADD COLUMN     "depth" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "parentRunId" UUID,
ADD COLUMN     "parentStepRunId" UUID;

-- CreateIndex
CREATE INDEX "WorkflowRun_parentRunId_idx" ON "WorkflowRun"("parentRunId");

-- AddForeignKey
ALTER TABLE "WorkflowRun" ADD CONSTRAINT "WorkflowRun_parentRunId_fkey" FOREIGN KEY ("parentRunId") REFERENCES "WorkflowRun"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- The rest: prisma/beyond-prisma.sql as of this migration (the trigger that hands a child run's end to its parent)
-- A child run (one a runWorkflow step started) that ends hands its end to the step waiting for it, in the
-- statement that ended it, whoever wrote it: the step's wait receives { runId, status, output, error }
-- and the step is due now; when the step does not wait yet, the end is kept for it as an event, which its
-- wait takes when it begins. The lock is the one of the event's address (packages/db event-waits.repo.ts).
CREATE FUNCTION conveyor_child_run_ended() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ended jsonb := jsonb_build_object('runId', NEW."id", 'status', NEW."status", 'output', NEW."output", 'error', NEW."error");
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(concat_ws('/', NEW."tenantId"::text, 'conveyor.run.ended', NEW."id"::text), 0));
  UPDATE "StepWait" SET "receivedAt" = now(), "payload" = ended
   WHERE "stepRunId" = NEW."parentStepRunId" AND "tenantId" = NEW."tenantId" AND "event" = 'conveyor.run.ended'
     AND "key" = NEW."id"::text AND "receivedAt" IS NULL;
  IF FOUND THEN
    UPDATE "StepRun" SET "resumeAt" = now()
     WHERE "id" = NEW."parentStepRunId" AND "tenantId" = NEW."tenantId" AND "status" = 'QUEUED';
  ELSE
    INSERT INTO "WorkflowEvent" ("tenantId", "event", "key", "payload", "expiresAt")
    VALUES (NEW."tenantId", 'conveyor.run.ended', NEW."id"::text, ended, now() + interval '30 days');
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "WorkflowRun_child_ended" AFTER UPDATE OF "status" ON "WorkflowRun" FOR EACH ROW
  WHEN (NEW."parentStepRunId" IS NOT NULL AND OLD."status" IN ('PENDING', 'QUEUED', 'RUNNING')
        AND NEW."status" NOT IN ('PENDING', 'QUEUED', 'RUNNING'))
  EXECUTE FUNCTION conveyor_child_run_ended();
