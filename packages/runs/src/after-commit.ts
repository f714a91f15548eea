import type { Progress, RunForExecution } from '@conveyor/db';
import { defaultRetryPolicy, type WorkflowDefinition } from '@conveyor/engine';
import type { RunsDeps } from './deps';
import { wakeParent } from './wake-parent';

/** A run as its step jobs carry it (ids only) and name it (the workflow, in Bull Board). */
export interface RunContext {
  tenantId: string;
  runId: string;
  workflowVersionId: string;
  workflowName: string;
  definition: WorkflowDefinition;
  /** A child run's parent step: woken when the run finishes (its end is handed over in PostgreSQL). */
  parentStepRunId?: string | null | undefined;
}

/** The run context of a run read for execution. */
export function runContextOf(
  ref: { tenantId: string; runId: string },
  run: Pick<RunForExecution, 'workflowVersionId' | 'workflowName'> & { parentStepRunId?: string | null | undefined },
  definition: WorkflowDefinition,
): RunContext {
  const { workflowVersionId, workflowName, parentStepRunId } = run;
  return { ...ref, workflowVersionId, workflowName, definition, ...(parentStepRunId ? { parentStepRunId } : {}) };
}

/**
 * After a state statement: adds the jobs of the steps it queued (a step it started for the caller to
 * carry on with needs none); once the run finished, frees its tenant slot and removes its timeout
 * job, and wakes the step of its parent run waiting for it. A crash before this point leaves QUEUED steps without jobs (the reconciler adds them) or a
 * slot held (the reconciler frees it).
 */
export async function afterCommit(
  { pool, producers, log, metrics }: Pick<RunsDeps, 'pool' | 'producers' | 'log' | 'metrics'>,
  run: RunContext,
  progress: Progress,
): Promise<void> {
  const ref = { tenantId: run.tenantId, runId: run.runId };
  const toEnqueue = progress.queued.filter((step) => !step.started);
  if (toEnqueue.length > 0) {
    const byKey = new Map(run.definition.steps.map((step) => [step.key, step]));
    await producers.enqueueSteps(
      toEnqueue.map(({ stepRunId, stepKey, jobId, attempts, resumeAt }) => {
        const retry = byKey.get(stepKey)?.retry ?? defaultRetryPolicy;
        return {
          ...ref,
          stepRunId,
          stepKey,
          jobId,
          workflowVersionId: run.workflowVersionId,
          jobName: `${run.workflowName} / ${stepKey}`,
          attempts: attempts ?? retry.attempts,
          resumeAt,
          retry,
        };
      }),
    );
  }
  if (progress.finished) {
    log.info({ tenantId: ref.tenantId, workflowRunId: ref.runId, status: progress.finished }, 'run finished');
    metrics.runsFinished.inc({ status: progress.finished });
    await producers.releaseRun(ref, { hadTimeout: run.definition.timeoutMs !== undefined });
    if (run.parentStepRunId) await wakeParent({ pool, producers }, ref);
  }
}
