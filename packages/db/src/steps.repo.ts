import type { StepStatus } from '@conveyor/engine';
import type { RunForExecution } from './runs.repo';
import { execute, prepared, queryRows, type SqlExecutor, sql } from './sql';

export interface StepRef {
  tenantId: string;
  stepRunId: string;
}

/** The run as a step attempt sees it: a step needs no tenant cap (admission is the run job's). */
export type StepRunContext = Omit<RunForExecution, 'maxConcurrentRuns'>;

export interface StartedStep {
  workflowRunId: string;
  stepKey: string;
  /** 1-based number of this attempt. */
  attempt: number;
  /** The run the step belongs to, with its pinned definition; null if the run is gone. */
  run: StepRunContext | null;
  /** Outputs of the run's succeeded steps, by step key, for resolving this step's input. */
  outputs: Record<string, unknown>;
}

/** What an attempt reads besides its step row; by default the definition and every succeeded output. */
export interface AttemptReads {
  /** Only these steps' outputs (the step's dependencies); null for all succeeded steps. */
  outputsOf: string[] | null;
  /** False when the caller already holds the pinned definition (`run.definition` is then null). */
  definition: boolean;
}

/**
 * QUEUED → RUNNING for one attempt under `jobId` (its own job, or a job that carries on with it),
 * counting it, and everything the attempt needs (the run, its definition, earlier outputs) in the
 * same round trip; null when the step is not waiting for this job (a duplicate or late job). A step still RUNNING under the same job id is a stalled job that
 * BullMQ handed to this worker after its first worker died: the lost attempt is recorded and the
 * step runs again.
 */
export async function startStepAttempt(
  db: SqlExecutor,
  { tenantId, stepRunId, jobId }: StepRef & { jobId: string },
  reads: AttemptReads = { outputsOf: null, definition: true },
): Promise<StartedStep | null> {
  const lost = JSON.stringify({ code: 'WORKER_LOST', message: 'the worker running this attempt stopped before it finished' });
  const [row] = await queryRows<Omit<StartedStep, 'run'> & Partial<StepRunContext>>(
    db,
    prepared(
      'start-step-attempt',
      sql`
    WITH started AS (
      UPDATE "StepRun"
         SET "attemptErrors" = CASE WHEN "status" = 'RUNNING'
                                    THEN "attemptErrors" || jsonb_build_array(${lost}::jsonb || jsonb_build_object('attempt', "attempt"))
                                    ELSE "attemptErrors" END,
             "status" = 'RUNNING', "attempt" = "attempt" + 1, "updatedAt" = now(), "startedAt" = COALESCE("startedAt", now()),
             "jobId" = ${jobId}::text
       WHERE "id" = ${stepRunId}::uuid AND "tenantId" = ${tenantId}::uuid
         AND ("status" = 'QUEUED' OR ("status" = 'RUNNING' AND "jobId" = ${jobId}::text))
      RETURNING "workflowRunId", "stepKey", "attempt")
    SELECT s."workflowRunId"::text AS "workflowRunId", s."stepKey", s."attempt",
           r."status", r."input", r."workflowVersionId"::text AS "workflowVersionId",
           CASE WHEN ${reads.definition}::boolean THEN v."definition" END AS "definition",
           w."name" AS "workflowName",
           (SELECT COALESCE(jsonb_object_agg(o."stepKey", o."output"), '{}'::jsonb) FROM "StepRun" AS o
             WHERE o."workflowRunId" = s."workflowRunId" AND o."tenantId" = ${tenantId}::uuid AND o."status" = 'SUCCEEDED'
               AND (${reads.outputsOf}::text[] IS NULL OR o."stepKey" = ANY(${reads.outputsOf}::text[]))) AS "outputs"
      FROM started AS s
      LEFT JOIN "WorkflowRun" AS r ON r."id" = s."workflowRunId" AND r."tenantId" = ${tenantId}::uuid
      LEFT JOIN "WorkflowVersion" AS v ON v."id" = r."workflowVersionId"
      LEFT JOIN "Workflow" AS w ON w."id" = r."workflowId"`,
    ),
  );
  if (!row) return null;
  const { workflowRunId, stepKey, attempt, outputs, ...run } = row;
  return { workflowRunId, stepKey, attempt, outputs, run: run.status ? (run as StepRunContext) : null };
}

/** The step of the run that is RUNNING under this job, if the job carried on with one (see startStepAttempt). */
export async function findStepRunningUnderJob(
  db: SqlExecutor,
  { tenantId, runId, jobId }: { tenantId: string; runId: string; jobId: string },
): Promise<{ stepRunId: string; stepKey: string } | null> {
  const [row] = await queryRows<{ stepRunId: string; stepKey: string }>(
    db,
    sql`
    SELECT "id"::text AS "stepRunId", "stepKey" FROM "StepRun"
     WHERE "workflowRunId" = ${runId}::uuid AND "tenantId" = ${tenantId}::uuid AND "jobId" = ${jobId}::text AND "status" = 'RUNNING'
     LIMIT 1`,
  );
  return row ?? null;
}

/** RUNNING → QUEUED after a failed attempt that will be retried; the attempt's error is kept. */
export async function recordRetry(db: SqlExecutor, { tenantId, stepRunId }: StepRef, error: StepError): Promise<boolean> {
  const count = await execute(
    db,
    sql`
    UPDATE "StepRun"
       SET "status" = 'QUEUED', "updatedAt" = now(),
           "attemptErrors" = "attemptErrors" || jsonb_build_array(${JSON.stringify(error)}::jsonb)
     WHERE "id" = ${stepRunId}::uuid AND "tenantId" = ${tenantId}::uuid AND "status" = 'RUNNING'`,
  );
  return count === 1;
}

/**
 * RUNNING → QUEUED for a step that asked to wait (the delay action): not a failure, so the
 * attempt it used is given back.
 */
export async function recordWait(db: SqlExecutor, { tenantId, stepRunId }: StepRef): Promise<boolean> {
  const count = await execute(
    db,
    sql`
    UPDATE "StepRun" SET "status" = 'QUEUED', "updatedAt" = now(), "attempt" = GREATEST("attempt" - 1, 0)
     WHERE "id" = ${stepRunId}::uuid AND "tenantId" = ${tenantId}::uuid AND "status" = 'RUNNING'`,
  );
  return count === 1;
}

export interface StepError {
  code: string;
  message: string;
  attempt?: number;
  retryable?: boolean;
  [key: string]: unknown;
}

export interface StepRow {
  id: string;
  stepKey: string;
  status: StepStatus;
  jobId: string | null;
  attempt: number;
}

/** A connection's sealed credentials, only within its tenant; null when the tenant has no such connection. */
export async function getSealedConnection(
  db: SqlExecutor,
  { tenantId, connectionId }: { tenantId: string; connectionId: string },
): Promise<{ ciphertext: Uint8Array; keyId: string } | null> {
  const [row] = await queryRows<{ ciphertext: Uint8Array; keyId: string }>(
    db,
    sql`
    SELECT "credentialsCiphertext" AS "ciphertext", "credentialsKeyId" AS "keyId" FROM "Connection"
     WHERE "id" = ${connectionId}::uuid AND "tenantId" = ${tenantId}::uuid`,
  );
  return row ?? null;
}
