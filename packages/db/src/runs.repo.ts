import type { RunStatus } from '@conveyor/engine';
import { execute, prepared, queryRows, type SqlExecutor, sql } from './sql';

export interface RunRef {
  tenantId: string;
  runId: string;
}

/** What dispatching a run did; callers enqueue the run job for `queued` and `already-dispatched` + QUEUED. */
export type DispatchOutcome =
  | { kind: 'queued'; priority: number }
  | { kind: 'already-dispatched'; status: RunStatus; priority: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'missing' };

/**
 * PENDING → QUEUED in one guarded UPDATE that also pins the workflow's current version. A run
 * whose workflow is inactive or has no published version is marked FAILED with the reason, and a
 * run that is no longer PENDING is reported as already dispatched (a repeated delivery).
 */
export async function dispatchRun(db: SqlExecutor, { tenantId, runId }: RunRef): Promise<DispatchOutcome> {
  const queued = await queryRows<{ priority: number }>(
    db,
    prepared(
      'dispatch-run',
      sql`
    UPDATE "WorkflowRun" AS r
       SET "status" = 'QUEUED', "updatedAt" = now(),
           "workflowVersionId" = COALESCE(r."workflowVersionId", w."currentVersionId")
      FROM "Workflow" AS w
     WHERE r."id" = ${runId}::uuid AND r."tenantId" = ${tenantId}::uuid AND r."status" = 'PENDING'
       AND w."id" = r."workflowId" AND w."tenantId" = r."tenantId" AND w."isActive"
       AND COALESCE(r."workflowVersionId", w."currentVersionId") IS NOT NULL
    RETURNING r."priority"`,
    ),
  );
  if (queued[0]) return { kind: 'queued', priority: queued[0].priority };

  const [run] = await queryRows<{ status: RunStatus; priority: number; isActive: boolean | null; version: string | null }>(
    db,
    sql`
    SELECT r."status", r."priority", w."isActive", COALESCE(r."workflowVersionId", w."currentVersionId")::text AS "version"
      FROM "WorkflowRun" AS r LEFT JOIN "Workflow" AS w ON w."id" = r."workflowId" AND w."tenantId" = r."tenantId"
     WHERE r."id" = ${runId}::uuid AND r."tenantId" = ${tenantId}::uuid`,
  );
  if (!run) return { kind: 'missing' };
  if (run.status !== 'PENDING') return { kind: 'already-dispatched', status: run.status, priority: run.priority };

  const reason =
    run.isActive === null ? 'workflow not found' : !run.isActive ? 'workflow is inactive' : 'workflow has no published version';
  const failed = await execute(
    db,
    sql`
    UPDATE "WorkflowRun" SET "status" = 'FAILED', "updatedAt" = now(), "finishedAt" = now(),
           "error" = ${JSON.stringify({ code: 'WORKFLOW_UNAVAILABLE', message: reason })}::jsonb
     WHERE "id" = ${runId}::uuid AND "tenantId" = ${tenantId}::uuid AND "status" = 'PENDING'`,
  );
  return failed === 1 ? { kind: 'failed', reason } : dispatchRun(db, { tenantId, runId });
}

export interface RunForExecution {
  status: RunStatus;
  input: unknown;
  workflowVersionId: string;
  definition: unknown;
  workflowName: string;
  /** The tenant's cap on runs executing at once. */
  maxConcurrentRuns: number;
}

/** The run with its pinned definition (raw JSON: the caller parses it with the engine's schema). */
export async function getRunForExecution(db: SqlExecutor, { tenantId, runId }: RunRef): Promise<RunForExecution | null> {
  const [row] = await queryRows<RunForExecution>(
    db,
    prepared(
      'run-for-execution',
      sql`
    SELECT r."status", r."input", r."workflowVersionId"::text AS "workflowVersionId", v."definition",
           w."name" AS "workflowName", t."maxConcurrentRuns"
      FROM "WorkflowRun" AS r
      JOIN "WorkflowVersion" AS v ON v."id" = r."workflowVersionId" AND v."tenantId" = r."tenantId"
      JOIN "Workflow" AS w ON w."id" = r."workflowId" AND w."tenantId" = r."tenantId"
      JOIN "Tenant" AS t ON t."id" = r."tenantId"
     WHERE r."id" = ${runId}::uuid AND r."tenantId" = ${tenantId}::uuid`,
    ),
  );
  return row ?? null;
}
