import { finishStep, recordRetry, recordWait } from '@conveyor/db';
import { retryDelayMs } from '@conveyor/engine';
import { queueNames, type Redis, stepJob } from '@conveyor/queue';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';
import { workerOptions } from '../workers/worker-options';
import { type AttemptResult, actionType, attempt } from './attempt';
import { carriedStep, carryOnAfter } from './carry-on';
import { claim } from './claim';
import { logIds, type StepInFlight } from './step-in-flight';

/** Executes step jobs; a failed attempt is retried after the step's own backoff policy. */
export function createStepWorker(deps: WorkerDeps, connection: Redis): Worker {
  return new Worker(queueNames.steps, (job, token) => stepProcessor(deps, job, token), {
    ...workerOptions(deps, connection),
    settings: {
      backoffStrategy: (attemptsMade, type, _error, job) => {
        if (type !== stepJob.backoffType || !job) return 0;
        const { retry } = stepJob.schema.parse(job.data);
        return retryDelayMs({ ...retry, attempts: job.opts.attempts ?? 1 }, attemptsMade, Math.random);
      },
    },
  });
}

/**
 * A step job: claim its step, run an attempt, record the outcome and queue what it unblocks. A
 * failed attempt that may be retried goes back to QUEUED and BullMQ retries the job with the step's
 * backoff; the last failure fails the step. When the success unblocks exactly one next step that is
 * inline and never retried, the job carries on with it: a chain of transforms costs one job.
 *
 * This is the only place that speaks BullMQ's control flow: a throw retries the job, DelayedError
 * parks it until a wait is over, UnrecoverableError fails it for good.
 */
async function stepProcessor(deps: WorkerDeps, job: Job, token?: string): Promise<void> {
  const data = stepJob.schema.parse(job.data);
  const jobId = String(job.id);
  let step = await claim(deps, jobId, data);
  while (step) {
    const log = deps.log.child({
      ...logIds(step.ref),
      jobId,
      stepKey: step.ref.stepKey,
      actionType: actionType(step.prepared.step),
    });
    log.info({ attempt: step.ref.attempt, carried: step.carried }, 'step started');
    const attemptsLeft = step.carried ? 0 : (job.opts.attempts ?? 1) - job.attemptsMade - 1;
    const result = await attempt(deps, step, attemptsLeft, log);
    if (result.kind === 'retry') {
      await recordRetry(deps.pool, step.ref, result.error);
      throw result.cause; // BullMQ schedules the next attempt with the step's backoff
    }
    if (result.kind === 'wait') {
      await recordWait(deps.pool, step.ref);
      await job.updateData({ ...data, resumeAt: result.untilEpochMs });
      await job.moveToDelayed(result.untilEpochMs, token);
      log.info({ resumeAt: new Date(result.untilEpochMs).toISOString() }, 'step waiting');
      throw new DelayedError();
    }
    step = await settle(deps, jobId, step, result);
  }
}

/** Records the outcome and adds the jobs it unblocks; returns the step the job carries on with, if any. */
async function settle(
  deps: WorkerDeps,
  jobId: string,
  step: StepInFlight,
  { outcome }: Extract<AttemptResult, { kind: 'outcome' }>,
): Promise<StepInFlight | undefined> {
  // Only after a success: a failed job step ends its job by throwing, which would drop a carried step.
  const carryOn = outcome.status === 'SUCCEEDED' ? carryOnAfter(deps.actions, step.run.definition, step.ref.stepKey) : undefined;
  const progress = await finishStep(deps.pool, step.ref, step.run.definition, outcome, carryOn && { ...carryOn, jobId });
  await deps.runs.afterCommit(step.run, progress);
  if (outcome.status === 'FAILED' && !step.carried) throw new UnrecoverableError(outcome.error.message);
  const next = progress.queued.find((queued) => queued.started);
  return next && outcome.status === 'SUCCEEDED' ? carriedStep(deps, step, outcome.output, next) : undefined;
}
