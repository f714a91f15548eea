import type { Progress, RunForExecution } from '@conveyor/db';
import type { WorkflowDefinition } from '@conveyor/engine';
import { runTimeoutJob } from '@conveyor/queue';
import type { WorkerDeps } from '../deps';

export interface RunContext {
  tenantId: string;
  runId: string;
  workflowVersionId: string;
  workflowName: string;
  definition: WorkflowDefinition;
}

/** The parts of a run that its step jobs carry or are named after. */
export function runContextOf(run: Pick<RunForExecution, 'workflowVersionId' | 'workflowName'>) {
  return { workflowVersionId: run.workflowVersionId, workflowName: run.workflowName };
}

/**
 * After a commit: adds the jobs of the steps the transaction queued; once the run is finished,
 * frees its tenant slot and clears its timeout job (if the workflow has a timeout). A crash before this point leaves QUEUED
 * steps without jobs (the reconciler re-adds them) or a slot held (the reconciler frees it).
 */
export async function enqueueProgress(
  deps: Pick<WorkerDeps, 'producers' | 'log' | 'metrics'>,
  run: RunContext,
  progress: Progress,
): Promise<void> {
  const ref = { tenantId: run.tenantId, runId: run.runId };
  if (progress.queued.length > 0) {
    const byKey = new Map(run.definition.steps.map((step) => [step.key, step]));
    await deps.producers.enqueueSteps(
      progress.queued.map((queued) => {
        const step = byKey.get(queued.stepKey);
        const retry = step?.retry ?? { attempts: 1, backoff: 'fixed' as const, delayMs: 0, maxDelayMs: 0, jitter: 0 };
        return {
          ...ref,
          ...queued,
          workflowVersionId: run.workflowVersionId,
          jobName: `${run.workflowName} / ${queued.stepKey}`,
          attempts: retry.attempts,
          retry,
        };
      }),
    );
  }
  if (progress.finished) {
    deps.log.info({ tenantId: ref.tenantId, workflowRunId: ref.runId, status: progress.finished }, 'run finished');
    deps.metrics.runsFinished.inc({ status: progress.finished });
    await deps.producers.admission.release(ref.tenantId, ref.runId);
    if (run.definition.timeoutMs) await deps.producers.runs.remove(runTimeoutJob.id(ref.runId)).catch(() => undefined);
  }
}
