import type { ActionRegistry } from '@conveyor/actions';
import { afterSuccess, type WorkflowDefinition } from '@conveyor/engine';
import type { RetryPolicy } from '@conveyor/queue';

/** The retry policy of a carried step's job data: carried steps are those that never retry. */
export const NO_RETRY: RetryPolicy = { backoff: 'fixed', delayMs: 0, maxDelayMs: 0, jitter: 0 };

/**
 * The step a job may carry on with after `stepKey` succeeds, instead of queueing a job for it: the
 * only step the success unblocks (afterSuccess), if its action is inline (quick, and never waits,
 * so it never needs a delayed job of its own) and it is never retried (a retry needs its own
 * job's backoff).
 */
export function carryOnAfter(
  actions: ActionRegistry,
  definition: WorkflowDefinition,
  stepKey: string,
): { stepKey: string } | undefined {
  const shortcut = afterSuccess(definition, stepKey);
  if (shortcut?.kind !== 'queue' || shortcut.steps.length !== 1) return undefined;
  const next = definition.steps.find((step) => step.key === shortcut.steps[0]);
  if (next?.retry.attempts !== 1 || actions.get(next.action)?.inline !== true) return undefined;
  return { stepKey: next.key };
}
