import {
  type AttemptRef,
  findLongRunningSteps,
  findStaleQueuedSteps,
  finishStep,
  getRunForExecution,
  recordLostAttempt,
  type StaleQuery,
} from '@conveyor/db';
import { stepJob } from '@conveyor/queue';
import { runContextOf } from '@conveyor/runs';
import type { WorkerDeps } from '../deps/worker-deps';
import { hasEnded, isLost, promoteIfDelayed } from './job-state';

/**
 * QUEUED steps whose step job Redis no longer has: the job again. A waiting step is looked at once it is
 * due (its time is up, or an event came for it): a delayed job that missed its wake-up is promoted.
 */
export async function restoreStepJobs(deps: WorkerDeps, query: StaleQuery): Promise<number> {
  let repaired = 0;
  for (const step of await findStaleQueuedSteps(deps.pool, query)) {
    if (step.resumeAt !== null && step.resumeAt <= Date.now() && (await promoteIfDelayed(deps.queues.steps, step.jobId))) {
      repaired += 1;
      continue;
    }
    if (!(await isLost(deps.queues.steps, step.jobId))) continue;
    const row = await getRunForExecution(deps.pool, step);
    if (!row) continue;
    const run = runContextOf(step, row, deps.definitions.get(row.workflowVersionId, row.definition));
    const due = step.resumeAt === null ? {} : { resumeAt: step.resumeAt }; // a waiting step: for the time left
    const queued = [{ stepRunId: step.stepRunId, stepKey: step.stepKey, jobId: step.jobId, ...due }];
    await deps.runs.afterCommit(run, { applied: true, queued, finished: null });
    repaired += 1;
  }
  return repaired;
}

/**
 * RUNNING steps whose job (a step job, or the run job that carried on with the run's first step) has
 * ended or vanished: BullMQ gave the job up (its workers died, or it
 * stalled too often) or Redis lost it, and no worker runs the attempt any more. The lost attempt is
 * recorded as WORKER_LOST; the step runs again under a new job while its retry policy allows, and
 * fails otherwise. A step whose job is active (a long action) is left to its worker.
 */
export async function recoverAbandonedSteps(deps: WorkerDeps, query: StaleQuery): Promise<number> {
  let repaired = 0;
  for (const step of await findLongRunningSteps(deps.pool, query)) {
    const state = await queueOf(deps, step.jobId).getJobState(step.jobId);
    if (!hasEnded(state)) continue;
    repaired += Number(await recoverAbandonedStep(deps, step, state));
  }
  return repaired;
}

/** The queue of the job a step runs under: its own step job, or the run job that started it and carried on with it. */
function queueOf(deps: WorkerDeps, jobId: string) {
  return jobId.startsWith(stepJob.idPrefix) ? deps.queues.steps : deps.queues.runs;
}

async function recoverAbandonedStep(deps: WorkerDeps, step: AttemptRef, jobState: string): Promise<boolean> {
  const row = await getRunForExecution(deps.pool, step);
  if (!row) return false;
  const run = runContextOf(step, row, deps.definitions.get(row.workflowVersionId, row.definition));
  const attempts = run.definition.steps.find((candidate) => candidate.key === step.stepKey)?.retry.attempts ?? 1;
  const retrying = step.attempt < attempts;
  const message = `attempt ${step.attempt} was lost: its job is ${jobState} while the step was still RUNNING`;
  const error = { code: 'WORKER_LOST' as const, message, attempt: step.attempt, retryable: retrying };
  const ids = { tenantId: step.tenantId, workflowRunId: step.runId, stepRunId: step.stepRunId, jobId: step.jobId };
  deps.log.warn({ ...ids, jobState, retrying }, 'step abandoned by its worker');
  if (retrying) {
    const jobId = await recordLostAttempt(deps.pool, step, error);
    if (!jobId) return false;
    const queued = [{ stepRunId: step.stepRunId, stepKey: step.stepKey, jobId, attempts: attempts - step.attempt }];
    await deps.runs.afterCommit(run, { applied: true, queued, finished: null });
    return true;
  }
  const progress = await finishStep(deps.pool, step, run.definition, { status: 'FAILED', error });
  await deps.runs.afterCommit(run, progress);
  return progress.applied;
}
