import type { RunRef } from './runs.repo';
import { queryRows, type SqlExecutor, sql } from './sql';
import { openRuns } from './stale.repo';
import { statusIn } from './status-moves';

const isWaitingStep = statusIn(['QUEUED'], 's."status"');

/**
 * The version of the tenant's workflow a runWorkflow step starts: `version` when given, else its
 * current one; null when the tenant has no such active workflow or version.
 */
export async function findRunnableVersion(
  db: SqlExecutor,
  { tenantId, workflowId, version }: { tenantId: string; workflowId: string; version?: number | undefined },
): Promise<string | null> {
  const [row] = await queryRows<{ id: string | null }>(
    db,
    sql`
    SELECT CASE WHEN ${version ?? null}::int IS NULL THEN w."currentVersionId"
                ELSE (SELECT v."id" FROM "WorkflowVersion" AS v
                       WHERE v."workflowId" = w."id" AND v."tenantId" = w."tenantId" AND v."version" = ${version ?? null}::int)
           END::text AS "id"
      FROM "Workflow" AS w
     WHERE w."id" = ${workflowId}::uuid AND w."tenantId" = ${tenantId}::uuid AND w."isActive"`,
  );
  return row?.id ?? null;
}

/** How deep a run is: 0 for a run started otherwise than by a runWorkflow step. */
export async function getRunDepth(db: SqlExecutor, { tenantId, runId }: RunRef): Promise<number> {
  const [row] = await queryRows<{ depth: number }>(
    db,
    sql`SELECT "depth" FROM "WorkflowRun" WHERE "id" = ${runId}::uuid AND "tenantId" = ${tenantId}::uuid`,
  );
  return row?.depth ?? 0;
}

/** The child runs of `parent` not yet finished: a parent's cancel cancels them. */
export async function findOpenChildRuns(db: SqlExecutor, parent: RunRef): Promise<RunRef[]> {
  return queryRows<RunRef>(
    db,
    sql`
    SELECT r."tenantId"::text AS "tenantId", r."id"::text AS "runId" FROM "WorkflowRun" AS r
     WHERE r."parentRunId" = ${parent.runId}::uuid AND r."tenantId" = ${parent.tenantId}::uuid
       AND EXISTS (SELECT 1 FROM "OpenRun" AS o WHERE o."tenantId" = r."tenantId" AND o."runId" = r."id")`,
  );
}

/** Finished runs with child runs not yet finished (a cancel cascade cut short, a parent that failed): their children are to cancel. */
export async function findParentsOfOrphans(db: SqlExecutor, limit: number): Promise<RunRef[]> {
  return queryRows<RunRef>(
    db,
    sql`
    SELECT DISTINCT p."tenantId"::text AS "tenantId", p."id"::text AS "runId" FROM ${openRuns}
      JOIN "WorkflowRun" AS p ON p."id" = r."parentRunId" AND p."tenantId" = r."tenantId"
     WHERE NOT EXISTS (SELECT 1 FROM "OpenRun" AS po WHERE po."tenantId" = p."tenantId" AND po."runId" = p."id")
     LIMIT ${limit}`,
  );
}

/** The job of the step of `child`'s parent run that waits for it (QUEUED), if it still waits. */
export async function findParentWaitingJob(db: SqlExecutor, child: RunRef): Promise<string | null> {
  const [row] = await queryRows<{ jobId: string | null }>(
    db,
    sql`
    SELECT s."jobId" FROM "WorkflowRun" AS r
      JOIN "StepRun" AS s ON s."id" = r."parentStepRunId" AND s."tenantId" = r."tenantId"
     WHERE r."id" = ${child.runId}::uuid AND r."tenantId" = ${child.tenantId}::uuid AND ${isWaitingStep}`,
  );
  return row?.jobId ?? null;
}
