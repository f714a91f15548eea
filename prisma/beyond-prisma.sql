-- What the database holds beyond what prisma/schema.prisma can describe: storage settings and the
-- triggers that keep "OpenRun". The migration that introduced each object holds the same SQL; the
-- schema-drift test (packages/db/src/migrate.int.test.ts) builds a database from schema.prisma plus
-- this file and compares it with one built from the migrations.

-- Status moves are HOT updates (no index holds a column they write): leave room on each page for
-- the new row versions, so that they stay on the row's page. Vacuum these tables sooner than the
-- stock 20 % of dead rows: they take a write per status move.
ALTER TABLE "WorkflowRun" SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE "StepRun" SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
-- A queue table: a row per open run, deleted when it finishes. Vacuum it by dead rows, not by share.
ALTER TABLE "OpenRun" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000);

-- "OpenRun" holds exactly the runs whose status is PENDING, QUEUED or RUNNING (the engine's
-- non-terminal run statuses), whoever writes the run: the api, the worker, or an app through Hasura.
CREATE FUNCTION conveyor_open_run_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "OpenRun" ("tenantId", "runId") VALUES (NEW."tenantId", NEW."id") ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE FUNCTION conveyor_open_run_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "OpenRun" WHERE "tenantId" = OLD."tenantId" AND "runId" = OLD."id";
  RETURN NULL;
END $$;

CREATE TRIGGER "WorkflowRun_open_on_insert" AFTER INSERT ON "WorkflowRun" FOR EACH ROW
  WHEN (NEW."status" IN ('PENDING', 'QUEUED', 'RUNNING')) EXECUTE FUNCTION conveyor_open_run_add();
CREATE TRIGGER "WorkflowRun_open_on_reopen" AFTER UPDATE OF "status" ON "WorkflowRun" FOR EACH ROW
  WHEN (OLD."status" NOT IN ('PENDING', 'QUEUED', 'RUNNING') AND NEW."status" IN ('PENDING', 'QUEUED', 'RUNNING'))
  EXECUTE FUNCTION conveyor_open_run_add();
CREATE TRIGGER "WorkflowRun_open_on_finish" AFTER UPDATE OF "status" ON "WorkflowRun" FOR EACH ROW
  WHEN (OLD."status" IN ('PENDING', 'QUEUED', 'RUNNING') AND NEW."status" NOT IN ('PENDING', 'QUEUED', 'RUNNING'))
  EXECUTE FUNCTION conveyor_open_run_remove();
CREATE TRIGGER "WorkflowRun_open_on_delete" AFTER DELETE ON "WorkflowRun" FOR EACH ROW
  WHEN (OLD."status" IN ('PENDING', 'QUEUED', 'RUNNING')) EXECUTE FUNCTION conveyor_open_run_remove();

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
