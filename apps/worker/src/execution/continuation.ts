import type { ActionRegistry } from '@conveyor/actions';
import type { Progress, QueuedStep } from '@conveyor/db';
import type { WorkflowDefinition } from '@conveyor/engine';
import type { RetryPolicy } from '@conveyor/queue';

/** The retry policy of a carried step's job data: carried steps are those that never retry. */
export const NO_RETRY: RetryPolicy = { backoff: 'fixed', delayMs: 0, maxDelayMs: 0, jitter: 0 };

/**
 * Splits what a finished step queued into the step its job may carry on with and the steps that
 * get jobs of their own. The job carries on only with a lone next step whose action is inline (a
 * quick action that never waits, so it never needs its own delayed job) and that is not retried
 * (a retry needs its own job's backoff). The carried step takes the job's id, so if the worker
 * dies meanwhile BullMQ hands the job out again and it finds the step RUNNING under its id.
 */
export function splitContinuation(
  actions: ActionRegistry,
  definition: WorkflowDefinition,
  progress: Progress,
): { carryOn: QueuedStep | undefined; rest: Progress } {
  const [only, ...others] = progress.queued;
  if (!only || others.length > 0) return { carryOn: undefined, rest: progress };
  const step = definition.steps.find((candidate) => candidate.key === only.stepKey);
  const inline = step !== undefined && step.retry.attempts === 1 && actions.get(step.action)?.inline === true;
  return inline ? { carryOn: only, rest: { ...progress, queued: [] } } : { carryOn: undefined, rest: progress };
}
