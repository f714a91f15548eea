import { beginEventWait, readEventWait, recordRetry, recordWait } from '@conveyor/db';
import { retryDelayMs } from '@conveyor/engine';
import { queueNames, type Redis, type StepJobData, stepJob } from '@conveyor/queue';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';
import { retakeRunSlot } from '../runs/run-slots';
import { parkOnDatabaseOutage } from '../workers/park-on-outage';
import { workerOptions } from '../workers/worker-options';
import { type AttemptResult, attempt } from './attempt';
import { runCarried, settle, stepLog } from './carried-steps';
import { claim } from './claim';
import type { StepInFlight } from './step-in-flight';

/** Executes step jobs; a failed attempt is retried after the step's own backoff policy. */
export function createStepWorker(deps: WorkerDeps, connection: Redis): Worker {
  return new Worker(queueNames.steps, (job, token) => processStepJob(deps, job, token), {
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
 * A step job, parked while PostgreSQL is unavailable; the step's own retry and failure, outside that
 * check (an action that cannot reach *its* server is the step's business), go to BullMQ as such.
 */
async function processStepJob(deps: WorkerDeps, job: Job, token?: string): Promise<void> {
  const end = await parkOnDatabaseOutage(deps, job, token, () => stepProcessor(deps, job, token));
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
 * This file is the only place that speaks BullMQ's control flow for steps: a throw retries the job,
 * DelayedError parks it (a wait, or PostgreSQL unavailable), UnrecoverableError fails it for good. The
 * step's own retry and failure come back as a `JobEnd`, so that no action error is ever taken for a
 * database outage.
 */
async function stepProcessor(deps: WorkerDeps, job: Job, token?: string): Promise<JobEnd> {
  const data = stepJob.schema.parse(job.data);
  const jobId = String(job.id);
  if (data.slotReleased && !(await retakeRunSlot(deps, data, deps.log))) {
    await job.moveToDelayed(Date.now() + SLOT_RETRY_MS + Math.floor(Math.random() * SLOT_RETRY_MS), token);
    throw new DelayedError();
  }
  const claimed = await claim(deps, jobId, data);
  if (!claimed) return { kind: 'done' };
  // The job's own step, reclaimed after its worker died (or PostgreSQL failed it mid-step): an attempt
  // like any other, retried by its policy and free to wait, not a step carried on with.
  const step = claimed.carried && claimed.ref.stepRunId === data.stepRunId ? { ...claimed, carried: false } : claimed;
  if (step.carried) {
    // A step this job carried on with before its worker died: the chain goes on from there.
    await runCarried(deps, jobId, step);
    return { kind: 'done' };
  }
  const log = stepLog(deps, jobId, step);
  log.info({ attempt: step.ref.attempt, carried: false }, 'step started');
  const result = await attempt(deps, step, (job.opts.attempts ?? 1) - job.attemptsMade - 1, log);
  if (result.kind === 'retry') {
    await recordRetry(deps.pool, step.ref, result.error);
    return { kind: 'retry', cause: result.cause };
  }
  if (result.kind === 'throttled') {
    await recordWait(deps.pool, step.ref, result.untilEpochMs);
    await job.moveToDelayed(result.untilEpochMs, token);
    log.info({ resumeAt: new Date(result.untilEpochMs).toISOString() }, 'step held by its rate limit');
    throw new DelayedError();
  }
  if (result.kind === 'waitForEvent') return parkForEvent(deps, job, token, data, step, result);
  if (result.kind === 'wait') {
    await recordWait(deps.pool, step.ref, result.untilEpochMs);
    await job.updateData({ ...data, resumeAt: result.untilEpochMs });
    await job.moveToDelayed(result.untilEpochMs, token);
    log.info({ resumeAt: new Date(result.untilEpochMs).toISOString() }, 'step waiting');
    throw new DelayedError();
  }
  const settled = await settle(deps, jobId, step, result);
  if (settled.failed !== undefined) return { kind: 'fail', message: settled.failed };
  await runCarried(deps, jobId, settled.next);
  return { kind: 'done' };
}

/** How long a resuming step whose run has no tenant slot free waits before it asks again, at the most twice this. */
const SLOT_RETRY_MS = 500;

/**
 * A step waiting for an event (or a child run's end): the wait recorded, the job parked until the event
 * or the deadline, and, when nothing else of the run is in flight, the run's tenant slot given back (the
 * job takes one again before the step resumes). An event that came while the job was being parked
 * (its wake-up found the job still active) is looked for once parked: the job then comes straight back.
 */
async function parkForEvent(
  deps: WorkerDeps,
  job: Job,
  token: string | undefined,
  data: StepJobData,
  step: StepInFlight,
  result: Extract<AttemptResult, { kind: 'waitForEvent' }>,
): Promise<JobEnd> {
  const waited = await beginEventWait(deps.pool, step.ref, result);
  if (waited.begun === 'stale') return { kind: 'done' };
  const slotReleased = waited.begun === 'waiting' && waited.idle;
  await job.updateData({ ...data, resumeAt: result.untilEpochMs, ...(slotReleased ? { slotReleased } : {}) });
  await job.moveToDelayed(waited.begun === 'received' ? Date.now() : result.untilEpochMs, token);
  if (waited.begun === 'waiting' && (await readEventWait(deps.pool, step.ref))?.event) await job.promote().catch(() => undefined);
  if (slotReleased) await deps.admission.release(step.ref.tenantId, step.ref.runId);
  stepLog(deps, String(job.id), step).info(
    { event: result.event, begun: waited.begun, slotReleased, until: new Date(result.untilEpochMs).toISOString() },
    'step waiting for an event',
  );
  throw new DelayedError();
}
