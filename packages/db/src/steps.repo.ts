import type { FailureCode } from '@conveyor/errors';
import type { RunForExecution, RunRef } from './runs.repo';
import { queryRows, type SqlExecutor, sql } from './sql';

/** One StepRun of one run, within its tenant: how every step statement names its row. */
export interface StepRunRef extends RunRef {
  stepRunId: string;
  stepKey: string;
}

/**
 * One attempt of a StepRun: every write of its outcome names the attempt and the job that ran it,
 * and applies to that attempt only, so a late result (the step stopped and rerun since, or its job
 * handed to another worker) changes nothing.
 */
export interface AttemptRef extends StepRunRef {
  attempt: number;
  jobId: string;
}

/** The run as a step attempt sees it: a step needs no tenant cap (admission is the run job's). */
export type StepRunContext = Omit<RunForExecution, 'maxConcurrentRuns'>;

/** A failed attempt, as StepRun.error and attemptErrors hold it. */
export interface StepError {
  code: FailureCode;
  message: string;
  attempt?: number;
  retryable?: boolean;
  [key: string]: unknown;
}

/** The step of the run that is RUNNING under this job, if the job carried on with one. */
export async function findStepRunningUnderJob(
  db: SqlExecutor,
  { tenantId, runId, jobId }: RunRef & { jobId: string },
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
