import type { FailureCode } from '@conveyor/errors';
import type { RunForExecution, RunRef } from './runs.repo';
import { queryRows, type SqlExecutor, sql } from './sql';
import type { StoredCredentials } from './tenant-keys.repo';

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
export type StepRunContext = Omit<RunForExecution, 'maxConcurrentRuns' | 'priority'> & {
  /** The tenant's own private-network allowlist, read with the claim (the worker bounds it by its ceiling). */
  allowPrivateNetworks: string[];
};

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

/** A connection's stored credentials with its tenant's wrapped data key, in one round trip; null when the tenant has no such connection. */
export async function getSealedConnection(
  db: SqlExecutor,
  { tenantId, connectionId }: { tenantId: string; connectionId: string },
): Promise<StoredCredentials | null> {
  const [row] = await queryRows<{
    ciphertext: Uint8Array;
    keyId: string;
    wrappedKey: Uint8Array | null;
    wrapKeyId: string | null;
  }>(
    db,
    sql`
    SELECT c."credentialsCiphertext" AS "ciphertext", c."credentialsKeyId" AS "keyId", k."wrappedKey", k."wrapKeyId"
      FROM "Connection" AS c LEFT JOIN "TenantDataKey" AS k ON k."tenantId" = c."tenantId"
     WHERE c."id" = ${connectionId}::uuid AND c."tenantId" = ${tenantId}::uuid`,
  );
  if (!row) return null;
  const dataKey = row.wrappedKey && row.wrapKeyId ? { ciphertext: row.wrappedKey, keyId: row.wrapKeyId } : null;
  return { ciphertext: row.ciphertext, keyId: row.keyId, dataKey };
}
