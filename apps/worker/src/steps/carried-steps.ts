import { finishStep } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { Logger } from '@conveyor/observability';
import type { WorkerDeps } from '../deps/worker-deps';
import { type AttemptResult, actionType, attempt } from './attempt';
import { carriedStep, carryOnAfter } from './carry-on';
import { logIds, type StepInFlight } from './step-in-flight';

/** The log of a step in flight under a job. */
export function stepLog(deps: WorkerDeps, jobId: string, step: StepInFlight): Logger {
  return deps.log.child({ ...logIds(step.ref), jobId, stepKey: step.ref.stepKey, actionType: actionType(step.prepared.step) });
}

/**
 * Runs a step the job carries on with, then each one that step carries on with, to the end of the
 * chain. Carried steps are never retried and never wait (carryOnAfter's rule): an attempt of one
 * ends in an outcome, a failure being the step's, not the job's.
 */
export async function runCarried(deps: WorkerDeps, jobId: string, first: StepInFlight | undefined): Promise<void> {
  for (let step = first; step; ) {
    const log = stepLog(deps, jobId, step);
    log.info({ attempt: step.ref.attempt, carried: true }, 'step started');
    const result = await attempt(deps, step, 0, log);
    if (result.kind !== 'outcome') {
      throw new ConveyorError({ code: 'INTERNAL', message: `carried step ${step.ref.stepKey} asked to ${result.kind}` });
    }
    step = (await settle(deps, jobId, step, result)).next;
  }
}

/** Records the outcome and adds the jobs it unblocks; then the step the job carries on with, or the job's own step's failure. */
export async function settle(
  deps: WorkerDeps,
  jobId: string,
  step: StepInFlight,
  { outcome }: Extract<AttemptResult, { kind: 'outcome' }>,
): Promise<{ next?: StepInFlight | undefined; failed?: string }> {
  // Only after a success: a failed job step ends its job by throwing, which would drop a carried step.
  const carryOn = outcome.status === 'SUCCEEDED' ? carryOnAfter(deps.actions, step.run.definition, step.ref.stepKey) : undefined;
  const progress = await finishStep(deps.pool, step.ref, step.run.definition, outcome, carryOn && { ...carryOn, jobId });
  await deps.runs.afterCommit(step.run, progress);
  if (outcome.status === 'FAILED' && !step.carried) return { failed: outcome.error.message };
  const next = progress.queued.find((queued) => queued.started);
  return { next: next && outcome.status === 'SUCCEEDED' ? await carriedStep(deps, step, outcome.output, next) : undefined };
}
