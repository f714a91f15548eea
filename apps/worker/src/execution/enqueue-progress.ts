import type { Progress } from '@conveyor/db';
import type { WorkflowDefinition } from '@conveyor/engine';
import { runTimeoutJob } from '@conveyor/queue';
import type { WorkerDeps } from '../deps';

/**
 * After a commit: adds the jobs of the steps the transaction queued, and clears the run's
 * timeout job once the run is finished. A crash before this point leaves QUEUED steps without
 * jobs, which the reconciler re-adds.
 */
export async function enqueueProgress(
  deps: Pick<WorkerDeps, 'producers' | 'log' | 'metrics'>,
  ref: { tenantId: string; runId: string },
  definition: WorkflowDefinition,
  progress: Progress,
): Promise<void> {
  if (progress.queued.length > 0) {
    const byKey = new Map(definition.steps.map((step) => [step.key, step]));
    await deps.producers.enqueueSteps(
      progress.queued.map((queued) => {
        const step = byKey.get(queued.stepKey);
        const retry = step?.retry ?? { attempts: 1, backoff: 'fixed' as const, delayMs: 0, maxDelayMs: 0, jitter: 0 };
        return { ...ref, ...queued, attempts: retry.attempts, retry };
      }),
    );
  }
  if (progress.finished) {
    deps.log.info({ tenantId: ref.tenantId, workflowRunId: ref.runId, status: progress.finished }, 'run finished');
    deps.metrics.runsFinished.inc({ status: progress.finished });
    await deps.producers.runs.remove(runTimeoutJob.id(ref.runId)).catch(() => undefined);
  }
}
