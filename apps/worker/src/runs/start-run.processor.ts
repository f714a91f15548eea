import { getRunForExecution, startRun, stopRun } from '@conveyor/db';
import { isConveyorError } from '@conveyor/errors';
import { runJob } from '@conveyor/queue';
import { runContextOf } from '@conveyor/runs';
import { DelayedError, type Job } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';

/** How long a run whose tenant is at its concurrency cap waits before it asks again. */
const ADMISSION_RETRY_MS = 100;

/**
 * A run job: take one of the tenant's run slots, QUEUED → RUNNING, queue the steps without
 * dependencies, arm the run-level timeout. A tenant at its cap parks the job as delayed (the
 * run stays QUEUED). A duplicate job finds the run already past QUEUED and queues nothing new.
 */
export async function startRunProcessor(deps: WorkerDeps, job: Job, token?: string): Promise<void> {
  const ref = runJob.schema.parse(job.data);
  const log = deps.log.child({ tenantId: ref.tenantId, workflowRunId: ref.runId, jobId: job.id });
  const run = await getRunForExecution(deps.pool, ref);
  if (!run || (run.status !== 'QUEUED' && run.status !== 'RUNNING')) {
    log.info({ status: run?.status ?? 'missing' }, 'run job skipped: run is not waiting to start');
    return;
  }
  if ((await deps.admission.admit(ref.tenantId, ref.runId, run.maxConcurrentRuns)) === 'full') {
    await job.moveToDelayed(Date.now() + ADMISSION_RETRY_MS + Math.floor(Math.random() * ADMISSION_RETRY_MS), token);
    throw new DelayedError();
  }
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
  const progress = await startRun(deps.pool, ref, definition);
  if (!progress.applied) return;
  if (run.status === 'QUEUED' && definition.timeoutMs) await deps.producers.scheduleRunTimeout(ref, definition.timeoutMs);
  await deps.runs.afterCommit(runContextOf(ref, run, definition), progress);
  log.info({ queuedSteps: progress.queued.map((step) => step.stepKey) }, 'run started');
}
