import { closeDebounceWindow, getRunForExecution, type RunRef, startRun, stopRun } from '@conveyor/db';
import { isConveyorError } from '@conveyor/errors';
import { annotateActiveSpan, spanAttributes } from '@conveyor/observability';
import { runJob } from '@conveyor/queue';
import { runContextOf } from '@conveyor/runs';
import { DelayedError, type Job } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';
import { runCarried } from '../steps/carried-steps';
import { carryOnAtStart, firstCarriedStep } from '../steps/carry-on';
import { NOT_WAITING, reclaimCarried } from '../steps/claim';
import { parkOnDatabaseOutage } from '../workers/park-on-outage';
import { concurrencyGroupOf } from './run-concurrency';
import { holdForRateLimit } from './run-rate-limit';

/**
 * How long a run whose tenant (or concurrency group) is at its cap waits before it asks again, at the most: a freed
 * slot wakes the tenant's longest-waiting run at once (tenant-admission.ts); this delay is the fallback
 * for a run its wake-up missed.
 */
const ADMISSION_RETRY_MS = 500;

/**
 * A run job: take one of the tenant's run slots, QUEUED → RUNNING, queue the steps without
 * dependencies, arm the run-level timeout. When the run has one first step, inline and never retried,
 * the run job starts it in the same statement and runs it (and the chain it carries on with) itself:
 * a chain of transforms costs one job (unless the job stalled before: see below). A tenant at its cap,
 * the workflow's concurrency group at its limit, or the workflow's rate limit, parks the job as delayed
 * (the run stays QUEUED). A duplicate job finds the run already past QUEUED and queues nothing new; a job handed out
 * again after its worker died takes up the step it had carried on with.
 */
export async function startRunProcessor(deps: WorkerDeps, job: Job, token?: string): Promise<void> {
  return parkOnDatabaseOutage(deps, job, token, () => startRunJob(deps, job, token));
}

async function startRunJob(deps: WorkerDeps, job: Job, token?: string): Promise<void> {
  const ref = runJob.schema.parse(job.data);
  const jobId = String(job.id);
  const log = deps.log.child({ tenantId: ref.tenantId, workflowRunId: ref.runId, jobId });
  const run = await readRunToStart(deps, ref);
  if (!run || (run.status !== 'QUEUED' && run.status !== 'RUNNING')) {
    log.info({ status: run?.status ?? 'missing' }, 'run job skipped: run is not waiting to start');
    return;
  }
  annotateActiveSpan({
    [spanAttributes.tenantId]: ref.tenantId,
    [spanAttributes.workflowId]: run.workflowId,
    [spanAttributes.runId]: ref.runId,
  });
  let definition: ReturnType<typeof deps.definitions.get>;
  try {
    definition = deps.definitions.get(run.workflowVersionId, run.definition);
  } catch (error) {
    if (!isConveyorError(error)) throw error;
    await stopRun(deps.pool, ref, { status: 'FAILED', code: 'INVALID_DEFINITION', message: error.message });
    await deps.admission.release(ref.tenantId, ref.runId);
    log.error({ error }, 'run failed: its pinned definition is invalid');
    return;
  }
  const group = await concurrencyGroupOf(deps, ref, run, definition, log);
  if (group === 'failed') return;
  const admission = await deps.admission.admit(ref.tenantId, ref.runId, run.maxConcurrentRuns, run.priority, group);
  if (admission === 'full' || admission === 'group-full') {
    await job.moveToDelayed(Date.now() + ADMISSION_RETRY_MS + Math.floor(Math.random() * ADMISSION_RETRY_MS), token);
    // A slot freed for it while it was refused (its wake-up found it busy): back to the queue at once.
    if (await deps.admission.isOwed(ref.runId)) await job.promote().catch(() => undefined);
    throw new DelayedError();
  }
  if (run.status === 'QUEUED') {
    const held = await holdForRateLimit(deps, ref, run, definition, log);
    if (held === 'failed') return;
    if (held > 0) {
      await job.moveToDelayed(Date.now() + held, token);
      throw new DelayedError();
    }
  }
  if (run.status === 'RUNNING') {
    const carried = await reclaimCarried(deps, jobId, ref, run);
    if (carried !== NOT_WAITING) return runCarried(deps, jobId, carried);
  }
  // BullMQ fails a job that stalls more often than it allows, counting the stalls of its waits for a slot too:
  // a run job that stalled before has none left to spare for a step, which then gets a job of its own.
  const carryOn = job.stalledCounter > 0 ? undefined : carryOnAtStart(deps.actions, definition);
  const progress = await startRun(deps.pool, ref, definition, carryOn && { ...carryOn, jobId });
  if (!progress.applied) return;
  if (run.status === 'QUEUED' && definition.timeoutMs) await deps.producers.scheduleRunTimeout(ref, definition.timeoutMs);
  const context = runContextOf(ref, run, definition);
  await deps.runs.afterCommit(context, progress);
  log.info({ queuedSteps: progress.queued.map((step) => step.stepKey) }, 'run started');
  const first = progress.queued.find((step) => step.started);
  if (first) await runCarried(deps, jobId, await firstCarriedStep(deps, context, run, first));
}

/**
 * The run as its job reads it to start it. A debounced run whose window is open has it closed first and
 * is read again: no call changes its input from then on, so the input read here (for its keys, and for
 * the step the job carries on with) is the input the run runs with.
 */
async function readRunToStart(deps: WorkerDeps, ref: RunRef) {
  const run = await getRunForExecution(deps.pool, ref);
  if (!run?.debounceOpen) return run;
  await closeDebounceWindow(deps.pool, ref);
  return getRunForExecution(deps.pool, ref);
}
