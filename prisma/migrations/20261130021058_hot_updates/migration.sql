-- DropIndex
DROP INDEX "WorkflowRun_tenantId_status_createdAt_idx";

-- DropIndex
DROP INDEX "WorkflowRun_status_updatedAt_idx";

-- DropIndex
DROP INDEX "StepRun_status_updatedAt_idx";

-- CreateTable
CREATE TABLE "OpenRun" (
    "tenantId" UUID NOT NULL,
    "runId" UUID NOT NULL,

    CONSTRAINT "OpenRun_pkey" PRIMARY KEY ("tenantId","runId")
);

-- CreateIndex
CREATE INDEX "WorkflowRun_tenantId_createdAt_idx" ON "WorkflowRun"("tenantId", "createdAt");


-- The rest: prisma/beyond-prisma.sql as of this migration
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

-- The runs open when this migration runs
INSERT INTO "OpenRun" ("tenantId", "runId") SELECT "tenantId", "id" FROM "WorkflowRun" WHERE "status" IN ('PENDING', 'QUEUED', 'RUNNING');
