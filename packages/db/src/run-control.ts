import type { RunRef } from './runs.repo';
import { execute, queryRows, type SqlPool, sql, transaction } from './sql';

export interface StopResult {
  applied: boolean;
  /** Jobs of the steps that were waiting: the caller removes them from the queue. */
  stepJobIds: string[];
}

/**
 * Ends an unfinished run (cancelled by a user, or FAILED by its run-level timeout) and every step
 * that had not finished, in one transaction. Running steps are marked too, so the worker that
 * still executes one finds its later report refused; the caller also aborts it.
 */
export async function stopRun(
  pool: SqlPool,
  ref: RunRef,
  stop: { status: 'CANCELLED' | 'FAILED'; code: string; message: string },
): Promise<StopResult> {
  const error = JSON.stringify({ code: stop.code, message: stop.message });
  return transaction(pool, async (tx) => {
    const stopped = await execute(
      tx,
      sql`
      UPDATE "WorkflowRun"
         SET "status" = ${stop.status}::run_status, "updatedAt" = now(), "finishedAt" = now(), "error" = ${error}::jsonb
       WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status" IN ('PENDING', 'QUEUED', 'RUNNING')`,
    );
    if (stopped !== 1) return { applied: false, stepJobIds: [] };
    const steps = await queryRows<{ jobId: string | null }>(
      tx,
      sql`
      UPDATE "StepRun"
         SET "status" = 'CANCELLED', "updatedAt" = now(), "finishedAt" = now(), "error" = ${error}::jsonb
       WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid
         AND "status" IN ('PENDING', 'QUEUED', 'RUNNING')
      RETURNING "jobId"`,
    );
    return { applied: true, stepJobIds: steps.flatMap((step) => (step.jobId ? [step.jobId] : [])) };
  });
}

/**
 * FAILED → QUEUED for a rerun from the failure: steps that succeeded keep their outputs, every
 * other step goes back to PENDING and runs again when the run job plans it.
 */
export async function rerunRun(pool: SqlPool, ref: RunRef): Promise<{ applied: boolean }> {
  return transaction(pool, async (tx) => {
    const requeued = await execute(
      tx,
      sql`
      UPDATE "WorkflowRun" SET "status" = 'QUEUED', "updatedAt" = now(), "finishedAt" = NULL, "error" = NULL, "output" = NULL
       WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status" = 'FAILED'`,
    );
    if (requeued !== 1) return { applied: false };
    await execute(
      tx,
      sql`
      UPDATE "StepRun" SET "status" = 'PENDING', "updatedAt" = now(), "finishedAt" = NULL, "error" = NULL, "output" = NULL
       WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid
         AND "status" IN ('FAILED', 'SKIPPED', 'CANCELLED')`,
    );
    return { applied: true };
  });
}
