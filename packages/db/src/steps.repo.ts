import type { StepStatus } from '@conveyor/engine';
import type { PrismaClient } from './client';

export interface StepRef {
  tenantId: string;
  stepRunId: string;
}

export interface StartedStep {
  workflowRunId: string;
  stepKey: string;
  /** 1-based number of this attempt. */
  attempt: number;
}

/**
 * QUEUED → RUNNING for one attempt, counting it; null when the step is not waiting for this job
 * (a duplicate or late job). A step still RUNNING under the same job id is a stalled job that
 * BullMQ handed to this worker after its first worker died: the lost attempt is recorded and the
 * step runs again.
 */
export async function startStepAttempt(
  prisma: PrismaClient,
  { tenantId, stepRunId, jobId }: StepRef & { jobId: string },
): Promise<StartedStep | null> {
  const lost = JSON.stringify({ code: 'WORKER_LOST', message: 'the worker running this attempt stopped before it finished' });
  const [row] = await prisma.$queryRaw<StartedStep[]>`
    UPDATE "StepRun"
       SET "attemptErrors" = CASE WHEN "status" = 'RUNNING'
                                  THEN "attemptErrors" || jsonb_build_array(${lost}::jsonb || jsonb_build_object('attempt', "attempt"))
                                  ELSE "attemptErrors" END,
           "status" = 'RUNNING', "attempt" = "attempt" + 1, "updatedAt" = now(), "startedAt" = COALESCE("startedAt", now())
     WHERE "id" = ${stepRunId}::uuid AND "tenantId" = ${tenantId}::uuid
       AND ("status" = 'QUEUED' OR ("status" = 'RUNNING' AND "jobId" = ${jobId}))
    RETURNING "workflowRunId"::text AS "workflowRunId", "stepKey", "attempt"`;
  return row ?? null;
}

/** RUNNING → QUEUED after a failed attempt that will be retried; the attempt's error is kept. */
export async function recordRetry(prisma: PrismaClient, { tenantId, stepRunId }: StepRef, error: StepError): Promise<boolean> {
  const count = await prisma.$executeRaw`
    UPDATE "StepRun"
       SET "status" = 'QUEUED', "updatedAt" = now(),
           "attemptErrors" = "attemptErrors" || jsonb_build_array(${JSON.stringify(error)}::jsonb)
     WHERE "id" = ${stepRunId}::uuid AND "tenantId" = ${tenantId}::uuid AND "status" = 'RUNNING'`;
  return count === 1;
}

/**
 * RUNNING → QUEUED for a step that asked to wait (the delay action): not a failure, so the
 * attempt it used is given back.
 */
export async function recordWait(prisma: PrismaClient, { tenantId, stepRunId }: StepRef): Promise<boolean> {
  const count = await prisma.$executeRaw`
    UPDATE "StepRun" SET "status" = 'QUEUED', "updatedAt" = now(), "attempt" = GREATEST("attempt" - 1, 0)
     WHERE "id" = ${stepRunId}::uuid AND "tenantId" = ${tenantId}::uuid AND "status" = 'RUNNING'`;
  return count === 1;
}

/** Outputs of the given steps of a run, for resolving a step's input templates. */
export async function getStepOutputs(
  prisma: PrismaClient,
  { tenantId, runId, stepKeys }: { tenantId: string; runId: string; stepKeys: string[] },
): Promise<Record<string, unknown>> {
  if (stepKeys.length === 0) return {};
  const rows = await prisma.$queryRaw<{ stepKey: string; output: unknown }[]>`
    SELECT "stepKey", "output" FROM "StepRun"
     WHERE "workflowRunId" = ${runId}::uuid AND "tenantId" = ${tenantId}::uuid AND "stepKey" = ANY(${stepKeys}::text[])`;
  return Object.fromEntries(rows.map((row) => [row.stepKey, row.output]));
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
  prisma: PrismaClient,
  { tenantId, connectionId }: { tenantId: string; connectionId: string },
): Promise<{ ciphertext: Uint8Array; keyId: string } | null> {
  const [row] = await prisma.$queryRaw<{ ciphertext: Uint8Array; keyId: string }[]>`
    SELECT "credentialsCiphertext" AS "ciphertext", "credentialsKeyId" AS "keyId" FROM "Connection"
     WHERE "id" = ${connectionId}::uuid AND "tenantId" = ${tenantId}::uuid`;
  return row ?? null;
}
