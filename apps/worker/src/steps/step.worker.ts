import { finishStep, isDatabaseUnavailable, recordRetry, recordWait } from '@conveyor/db';
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
  return new Worker(queueNames.steps, (job, token) => parkOnDatabaseOutage(deps, job, token), {
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

/** How long a step job waits when PostgreSQL is unavailable before it runs again. */
const DATABASE_RETRY_MS = 1_000;

/**
 * PostgreSQL unavailable (restarting, failing over) is no fault of the step: the job is parked for a
 * moment instead of spending one of the step's attempts, and runs again (a step it left RUNNING is
 * reclaimed, the lost attempt recorded). Any other error goes to BullMQ as it is.
 */
async function parkOnDatabaseOutage(deps: WorkerDeps, job: Job, token?: string): Promise<void> {
  let end: JobEnd;
  try {
    end = await stepProcessor(deps, job, token);
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    deps.log.warn({ error, jobId: job.id }, 'database unavailable: step job parked');
    await job.moveToDelayed(Date.now() + DATABASE_RETRY_MS + Math.floor(Math.random() * DATABASE_RETRY_MS), token);
    throw new DelayedError();
  }
  // The step's own failures, outside the check above: an action that cannot reach *its* server is the step's business.
  if (end.kind === 'retry') throw end.cause; // BullMQ schedules the next attempt with the step's backoff
  if (end.kind === 'fail') throw new UnrecoverableError(end.message);
}

/** How a step job ends when it does not simply complete: its step is retried, or failed for good. */
type JobEnd = { kind: 'done' } | { kind: 'retry'; cause: unknown } | { kind: 'fail'; message: string };

/**
 * A step job: claim its step, run an attempt, record the outcome and queue what it unblocks. A
 * failed attempt that may be retried goes back to QUEUED and BullMQ retries the job with the step's
 * backoff; the last failure fails the step. When the success unblocks exactly one next step that is
 * inline and never retried, the job carries on with it: a chain of transforms costs one job.
 *
 * This file is the only place that speaks BullMQ's control flow: a throw retries the job, DelayedError
 * parks it (a wait, or PostgreSQL unavailable), UnrecoverableError fails it for good. The step's own
 * retry and failure come back as a `JobEnd`, so that no action error is ever taken for a database outage.
 */
async function stepProcessor(deps: WorkerDeps, job: Job, token?: string): Promise<JobEnd> {
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
      return { kind: 'retry', cause: result.cause };
    }
    if (result.kind === 'wait') {
      await recordWait(deps.pool, step.ref, result.untilEpochMs);
      await job.updateData({ ...data, resumeAt: result.untilEpochMs });
      await job.moveToDelayed(result.untilEpochMs, token);
      log.info({ resumeAt: new Date(result.untilEpochMs).toISOString() }, 'step waiting');
      throw new DelayedError();
    }
    const settled = await settle(deps, jobId, step, result);
    if (settled.failed !== undefined) return { kind: 'fail', message: settled.failed };
    step = settled.next;
  }
  return { kind: 'done' };
}

/** Records the outcome and adds the jobs it unblocks; then the step the job carries on with, or the job's own step's failure. */
async function settle(
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
