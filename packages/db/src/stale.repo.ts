import { queryRows, raw, type SqlExecutor, sql } from './sql';

/**
 * The reconciler's scans start from OpenRun (runs not yet finished, kept by triggers: see
 * prisma/beyond-prisma.sql), not from an index on status: no index holds a column that a status
 * move writes, so those moves are HOT updates. What they scan is bounded by the open runs.
 */
export const openRuns = raw(`"OpenRun" AS o JOIN "WorkflowRun" AS r ON r."id" = o."runId" AND r."tenantId" = o."tenantId"`);
const stepsOfOpenRuns = raw(
  `"OpenRun" AS o JOIN "StepRun" AS s ON s."workflowRunId" = o."runId" AND s."tenantId" = o."tenantId"`,
);

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
  /** When the step, waiting, is due (epoch ms); null when it is not waiting. */
  resumeAt: number | null;
}

/**
 * Runs left in `status` for `olderThanMs`: PENDING runs nobody dispatched (no Hasura event), or QUEUED
 * runs whose job may be lost. Cross-tenant by design.
 */
export async function findStaleRuns(
  db: SqlExecutor,
  status: StaleRun['status'],
  { olderThanMs, limit }: StaleQuery,
): Promise<StaleRun[]> {
  return queryRows<StaleRun>(
    db,
    sql`
    SELECT r."tenantId"::text AS "tenantId", r."id"::text AS "runId", r."status"::text AS "status", r."priority"
      FROM ${openRuns}
     WHERE r."status" = ${status}::run_status AND r."updatedAt" < now() - make_interval(secs => ${olderThanMs / 1000})
     ORDER BY r."updatedAt" LIMIT ${limit}`,
  );
}

/**
 * QUEUED steps that have waited long enough that their job may be lost: the longest-queued of those
 * not waiting (or due: their time is up, or an event came for them), and apart from them the waiting
 * steps due soonest (a tenth as many: each costs a look at Redis on every pass), so that thousands of
 * waits neither crowd out the others nor go unchecked before they are due.
 */
export async function findStaleQueuedSteps(db: SqlExecutor, { olderThanMs, limit }: StaleQuery): Promise<StaleStep[]> {
  const columns = sql`
    SELECT s."tenantId"::text AS "tenantId", s."workflowRunId"::text AS "runId", s."id"::text AS "stepRunId", s."stepKey", s."jobId",
           (extract(epoch FROM s."resumeAt") * 1000)::float8 AS "resumeAt"
      FROM ${stepsOfOpenRuns}
     WHERE s."status" = 'QUEUED' AND s."jobId" IS NOT NULL AND s."updatedAt" < now() - make_interval(secs => ${olderThanMs / 1000})`;
  return queryRows<StaleStep>(
    db,
    sql`
    (${columns} AND (s."resumeAt" IS NULL OR s."resumeAt" <= now()) ORDER BY s."updatedAt" LIMIT ${limit})
    UNION ALL
    (${columns} AND s."resumeAt" > now() ORDER BY s."resumeAt" LIMIT ${Math.max(1, Math.floor(limit / 10))})`,
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
    sql`SELECT r."tenantId"::text AS "tenantId", count(*)::int AS "queued" FROM ${openRuns} WHERE r."status" = 'QUEUED' GROUP BY r."tenantId"`,
  );
}

export interface RunningStep {
  tenantId: string;
  runId: string;
  stepRunId: string;
  stepKey: string;
  attempt: number;
  jobId: string;
}

/**
 * RUNNING steps not touched for `olderThanMs`: a long action, or an attempt whose worker is gone.
 * The caller tells them apart by their job's state in the queue. Cross-tenant by design.
 */
export async function findLongRunningSteps(db: SqlExecutor, { olderThanMs, limit }: StaleQuery): Promise<RunningStep[]> {
  return queryRows<RunningStep>(
    db,
    sql`
    SELECT s."tenantId"::text AS "tenantId", s."workflowRunId"::text AS "runId", s."id"::text AS "stepRunId", s."stepKey", s."attempt", s."jobId"
      FROM ${stepsOfOpenRuns}
     WHERE s."status" = 'RUNNING' AND s."jobId" IS NOT NULL AND s."updatedAt" < now() - make_interval(secs => ${olderThanMs / 1000})
     ORDER BY s."updatedAt" LIMIT ${limit}`,
  );
}

/**
 * RUNNING runs with nothing in flight for `olderThanMs`: no step QUEUED or RUNNING, so nothing will
 * move them on (a worker died between recording a step and planning, and its job is gone).
 */
export async function findIdleRunningRuns(db: SqlExecutor, { olderThanMs, limit }: StaleQuery): Promise<RunRefRow[]> {
  return queryRows<RunRefRow>(
    db,
    sql`
    SELECT r."tenantId"::text AS "tenantId", r."id"::text AS "runId" FROM ${openRuns}
     WHERE r."status" = 'RUNNING' AND r."updatedAt" < now() - make_interval(secs => ${olderThanMs / 1000})
       AND NOT EXISTS (SELECT 1 FROM "StepRun" AS s
                        WHERE s."workflowRunId" = r."id" AND s."tenantId" = r."tenantId"
                          AND s."status" IN ('QUEUED', 'RUNNING'))
     ORDER BY r."updatedAt" LIMIT ${limit}`,
  );
}

export interface RunRefRow {
  tenantId: string;
  runId: string;
}

export interface TimedRun {
  tenantId: string;
  runId: string;
  /** When the run's timeout falls due (epoch ms). */
  dueAt: number;
}

/** RUNNING runs whose workflow has a run-level timeout: the reconciler makes sure each has its timeout job. */
export async function findRunsWithTimeout(db: SqlExecutor, { olderThanMs, limit }: StaleQuery): Promise<TimedRun[]> {
  return queryRows<TimedRun>(
    db,
    sql`
    SELECT r."tenantId"::text AS "tenantId", r."id"::text AS "runId",
           (extract(epoch FROM r."startedAt") * 1000 + (v."definition"->>'timeoutMs')::bigint)::float8 AS "dueAt"
      FROM ${openRuns} JOIN "WorkflowVersion" AS v ON v."id" = r."workflowVersionId"
     WHERE r."status" = 'RUNNING' AND r."startedAt" < now() - make_interval(secs => ${olderThanMs / 1000})
       AND v."definition" ? 'timeoutMs'
     ORDER BY r."startedAt" LIMIT ${limit}`,
  );
}
