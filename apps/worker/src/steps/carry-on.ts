import type { ActionRegistry } from '@conveyor/actions';
import type { QueuedStep, RunForExecution } from '@conveyor/db';
import { afterSuccess, planRun, type WorkflowDefinition } from '@conveyor/engine';
import type { RunContext } from '@conveyor/runs';
import type { WorkerDeps } from '../deps/worker-deps';
import { prepareStep } from './prepared-step';
import type { StepInFlight } from './step-in-flight';

/**
 * The step a job may carry on with after `stepKey` succeeds, instead of queueing a job for it: the
 * only step the success unblocks (afterSuccess), if its action is inline (quick, and never waits,
 * so it never needs a delayed job of its own), it is never retried (a retry needs its own
 * job's backoff), has no rate limit (its wait needs a delayed job too) and no forEach (its items need a job of their own).
 */
export function carryOnAfter(
  actions: ActionRegistry,
  definition: WorkflowDefinition,
  stepKey: string,
): { stepKey: string } | undefined {
  const shortcut = afterSuccess(definition, stepKey);
  return shortcut?.kind === 'queue' ? carriable(actions, definition, shortcut.steps) : undefined;
}

/**
 * The step a run job may carry on with once it started the run, by the same rule: the run's only first
 * step, inline and never retried. Its job is the run job, in the runs queue.
 */
export function carryOnAtStart(actions: ActionRegistry, definition: WorkflowDefinition): { stepKey: string } | undefined {
  return carriable(actions, definition, planRun(definition, {}).ready);
}

function carriable(actions: ActionRegistry, definition: WorkflowDefinition, ready: string[]): { stepKey: string } | undefined {
  if (ready.length !== 1) return undefined;
  const next = definition.steps.find((step) => step.key === ready[0]);
  if (next?.retry.attempts !== 1 || next.rateLimit || next.forEach || actions.get(next.action)?.inline !== true) return undefined;
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

/**
 * The run's first step, already RUNNING under the run job's id (the statement that started the run
 * started it): its input is the run's, read with the run.
 */
export async function firstCarriedStep(
  deps: WorkerDeps,
  run: RunContext,
  row: Pick<RunForExecution, 'input' | 'allowPrivateNetworks'>,
  first: QueuedStep,
): Promise<StepInFlight | undefined> {
  const prepared = prepareStep(run.definition, first.stepKey);
  if (!prepared) return undefined; // carryOnAtStart only names steps of the definition
  await deps.logWriter.waitForCapacity();
  return {
    ref: {
      tenantId: run.tenantId,
      runId: run.runId,
      stepRunId: first.stepRunId,
      stepKey: first.stepKey,
      attempt: 1,
      jobId: first.jobId,
    },
    run,
    prepared,
    runInput: row.input,
    tenantNetworks: row.allowPrivateNetworks,
    outputs: {},
    carried: true,
  };
}
