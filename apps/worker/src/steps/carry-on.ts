import type { ActionRegistry } from '@conveyor/actions';
import type { QueuedStep } from '@conveyor/db';
import { afterSuccess, type WorkflowDefinition } from '@conveyor/engine';
import type { WorkerDeps } from '../deps/worker-deps';
import { prepareStep } from './prepared-step';
import type { StepInFlight } from './step-in-flight';

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

/**
 * The step the job carries on with, already RUNNING under the job's id (the statement that recorded
 * the previous step started it): its input comes from what the job holds, with no read.
 */
export async function carriedStep(
  deps: WorkerDeps,
  previous: StepInFlight,
  output: unknown,
  next: QueuedStep,
): Promise<StepInFlight | undefined> {
  const prepared = prepareStep(previous.run.definition, next.stepKey);
  if (!prepared) return undefined; // carryOnAfter only names steps of the definition
  await deps.logWriter.waitForCapacity();
  return {
    ref: { ...previous.ref, stepRunId: next.stepRunId, stepKey: next.stepKey, attempt: 1 },
    run: previous.run,
    prepared,
    runInput: previous.runInput,
    tenantNetworks: previous.tenantNetworks,
    outputs: { ...previous.outputs, [previous.ref.stepKey]: output },
    carried: true,
  };
}
