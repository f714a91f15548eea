import type { RunStatus } from '@conveyor/engine';
import { prepared, queryRows, type SqlExecutor, type Statement, sql } from './sql';

export interface RunRef {
  tenantId: string;
  runId: string;
}

export interface RunForExecution {
  status: RunStatus;
  input: unknown;
  workflowVersionId: string;
  workflowId: string;
  definition: unknown;
  workflowName: string;
  /** The tenant's cap on runs executing at once. */
  maxConcurrentRuns: number;
  /** Higher first among the tenant's runs waiting for a slot. */
  priority: number;
  /** The tenant's own private-network allowlist (the worker's ceiling bounds it). */
  allowPrivateNetworks: string[];
  /** A debounced run whose window is open: a call may still replace its input until its run job closes it. */
  debounceOpen: boolean;
}

/** The run with its pinned definition (raw JSON: the caller parses it with the engine's schema). */
export async function getRunForExecution(db: SqlExecutor, { tenantId, runId }: RunRef): Promise<RunForExecution | null> {
  const [row] = await queryRows<RunForExecution>(
    db,
    prepared(
      'run-for-execution',
      sql`
    SELECT r."status", r."input", r."workflowVersionId"::text AS "workflowVersionId", r."workflowId"::text AS "workflowId",
           v."definition",
           w."name" AS "workflowName", t."maxConcurrentRuns", t."allowPrivateNetworks", r."priority",
           r."parentStepRunId"::text AS "parentStepRunId", r."debounceOpen"
      FROM "WorkflowRun" AS r
      JOIN "WorkflowVersion" AS v ON v."id" = r."workflowVersionId" AND v."tenantId" = r."tenantId"
      JOIN "Workflow" AS w ON w."id" = r."workflowId" AND w."tenantId" = r."tenantId"
      JOIN "Tenant" AS t ON t."id" = r."tenantId"
     WHERE r."id" = ${runId}::uuid AND r."tenantId" = ${tenantId}::uuid`,
    ),
  );
  return row ?? null;
}

/** A run's status and end, within its tenant: another tenant's run is null, as a missing one. */
export async function getRunStatus(
  db: SqlExecutor,
  { tenantId, runId }: RunRef,
): Promise<{ status: RunStatus; finishedAt: Date | null } | null> {
  const [row] = await queryRows<{ status: RunStatus; finishedAt: Date | null }>(
    db,
    sql`SELECT "status", "finishedAt" FROM "WorkflowRun" WHERE "id" = ${runId}::uuid AND "tenantId" = ${tenantId}::uuid`,
  );
  return row ?? null;
}

/** What decides a dispatch that did not apply: the run's status and whether its workflow can run. */
export async function getDispatchState(
  db: SqlExecutor,
  { tenantId, runId }: RunRef,
): Promise<{ status: RunStatus; priority: number; isActive: boolean | null; version: string | null } | null> {
  const [row] = await queryRows<{ status: RunStatus; priority: number; isActive: boolean | null; version: string | null }>(
    db,
    sql`
    SELECT r."status", r."priority", w."isActive", COALESCE(r."workflowVersionId", w."currentVersionId")::text AS "version"
      FROM "WorkflowRun" AS r LEFT JOIN "Workflow" AS w ON w."id" = r."workflowId" AND w."tenantId" = r."tenantId"
     WHERE r."id" = ${runId}::uuid AND r."tenantId" = ${tenantId}::uuid`,
  );
  return row ?? null;
}

/** The id of the tenant's run started with this idempotency key; null when there is none. */
export async function findRunByIdempotencyKey(db: SqlExecutor, tenantId: string, idempotencyKey: string): Promise<string | null> {
  const [row] = await queryRows<{ runId: string }>(
    db,
    sql`SELECT "id"::text AS "runId" FROM "WorkflowRun" WHERE "tenantId" = ${tenantId}::uuid AND "idempotencyKey" = ${idempotencyKey}`,
  );
  return row?.runId ?? null;
}

/**
 * A tenant's backlog: its runs not yet finished (PENDING, QUEUED or RUNNING), counted from OpenRun by
 * its key alone (an index scan of a small table, no read of WorkflowRun) and capped at the bound.
 * RUNNING runs are bounded by the tenant's `maxConcurrentRuns`, so they move the bound by at most that.
 * Counting only PENDING and QUEUED meant a WorkflowRun read per open run: ~10 ms per call at a backlog
 * of 1,000 (EXPLAIN ANALYZE), on every webhook call of a tenant that is already behind.
 */
export function backlogCapped(tenantId: string, bound: number | null): Statement {
  return sql`(SELECT count(*) FROM (SELECT FROM "OpenRun" WHERE "tenantId" = ${tenantId}::uuid LIMIT ${bound}::int) AS open)`;
}

/** A tenant's runs not yet finished, counted up to `cap` (admission at the door: Hasura's run-insert validation). */
export async function countBacklog(db: SqlExecutor, tenantId: string, cap: number): Promise<number> {
  const [row] = await queryRows<{ open: number }>(
    db,
    prepared('tenant-backlog', sql`SELECT ${backlogCapped(tenantId, cap)}::int AS "open"`),
  );
  return row?.open ?? 0;
}
