import { queryRows, type SqlExecutor, sql } from './sql';

/** Rows the reconciler looks at: older than `olderThanMs` in a state that should have moved on. */
export interface StaleQuery {
  olderThanMs: number;
  limit: number;
}

export interface StaleRun {
  tenantId: string;
  runId: string;
  status: 'PENDING' | 'QUEUED';
  priority: number;
}

export interface StaleStep {
  tenantId: string;
  runId: string;
  stepRunId: string;
  stepKey: string;
  jobId: string;
}

/** PENDING runs nobody dispatched (no Hasura event) and QUEUED runs whose job may be lost. Cross-tenant by design. */
export async function findStaleRuns(db: SqlExecutor, { olderThanMs, limit }: StaleQuery): Promise<StaleRun[]> {
  return queryRows<StaleRun>(
    db,
    sql`
    SELECT "tenantId"::text AS "tenantId", "id"::text AS "runId", "status"::text AS "status", "priority"
      FROM "WorkflowRun"
     WHERE "status" IN ('PENDING', 'QUEUED') AND "updatedAt" < now() - make_interval(secs => ${olderThanMs / 1000})
     ORDER BY "updatedAt" LIMIT ${limit}`,
  );
}

/** QUEUED steps that have waited long enough that their job may be lost. */
export async function findStaleQueuedSteps(db: SqlExecutor, { olderThanMs, limit }: StaleQuery): Promise<StaleStep[]> {
  return queryRows<StaleStep>(
    db,
    sql`
    SELECT "tenantId"::text AS "tenantId", "workflowRunId"::text AS "runId", "id"::text AS "stepRunId", "stepKey", "jobId"
      FROM "StepRun"
     WHERE "status" = 'QUEUED' AND "jobId" IS NOT NULL AND "updatedAt" < now() - make_interval(secs => ${olderThanMs / 1000})
     ORDER BY "updatedAt" LIMIT ${limit}`,
  );
}

/** Which of these runs are still QUEUED or RUNNING (the others no longer need a tenant slot). */
export async function findActiveRunIds(db: SqlExecutor, tenantId: string, runIds: string[]): Promise<Set<string>> {
  if (runIds.length === 0) return new Set();
  const rows = await queryRows<{ id: string }>(
    db,
    sql`
    SELECT "id"::text AS "id" FROM "WorkflowRun"
     WHERE "tenantId" = ${tenantId}::uuid AND "id" = ANY(${runIds}::uuid[]) AND "status" IN ('QUEUED', 'RUNNING')`,
  );
  return new Set(rows.map((row) => row.id));
}

/** QUEUED runs per tenant: the true length of each tenant's backlog. */
export async function countQueuedRunsByTenant(db: SqlExecutor): Promise<{ tenantId: string; queued: number }[]> {
  return queryRows<{ tenantId: string; queued: number }>(
    db,
    sql`SELECT "tenantId"::text AS "tenantId", count(*)::int AS "queued" FROM "WorkflowRun" WHERE "status" = 'QUEUED' GROUP BY "tenantId"`,
  );
}
