import { type DispatchOutcome, dispatchRun, type RunRef } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { inSpan, spanAttributes } from '@conveyor/observability';
import type { RunsDeps } from './deps';

/**
 * PENDING → QUEUED and the run job, idempotently: a repeated call finds the run dispatched and only
 * makes sure its job exists (the job id is the run's, so that adds nothing twice). A queue outage
 * after the update leaves the run QUEUED without a job: the caller is told (503), and the reconciler
 * adds the job later. Traced as `conveyor.dispatch`: the run job's trace continues from it.
 */
export function dispatch({ pool, producers }: Pick<RunsDeps, 'pool' | 'producers'>, ref: RunRef): Promise<DispatchOutcome> {
  const attributes = { [spanAttributes.tenantId]: ref.tenantId, [spanAttributes.runId]: ref.runId };
  return inSpan('conveyor.dispatch', attributes, async () => {
    const outcome = await dispatchRun(pool, ref);
    const needsJob = outcome.kind === 'queued' || (outcome.kind === 'already-dispatched' && outcome.status === 'QUEUED');
    if (needsJob) await enqueue({ producers }, ref);
    return outcome;
  });
}

/**
 * The run job of a QUEUED run (delayed by `delayMs`: a debounced run); a queue outage is the caller's 503
 * (the reconciler adds the job later).
 */
export async function enqueue(
  { producers }: Pick<RunsDeps, 'producers'>,
  ref: RunRef,
  options: { delayMs?: number } = {},
): Promise<void> {
  try {
    await producers.enqueueRun(ref, options);
  } catch (cause) {
    throw new ConveyorError({
      code: 'DEPENDENCY_UNAVAILABLE',
      message: `run ${ref.runId} is QUEUED but its job could not be added (${(cause as Error).message}); the reconciler adds it later`,
      details: { runId: ref.runId },
      cause,
    });
  }
}
