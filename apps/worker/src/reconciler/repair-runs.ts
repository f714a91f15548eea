import {
  findIdleRunningRuns,
  findParentsOfOrphans,
  findRunsWithTimeout,
  findStaleRuns,
  getRunForExecution,
  replanRun,
  type StaleQuery,
} from '@conveyor/db';
import { runJob, runTimeoutJob } from '@conveyor/queue';
import { runContextOf } from '@conveyor/runs';
import type { WorkerDeps } from '../deps/worker-deps';
import { isLost } from './job-state';

/** PENDING runs nobody dispatched (no Hasura event, or the webhook failed): dispatched now. */
export async function dispatchStaleRuns(deps: WorkerDeps, query: StaleQuery): Promise<number> {
  let repaired = 0;
  for (const run of await findStaleRuns(deps.pool, 'PENDING', query)) {
    const outcome = await deps.runs.dispatch(run);
    repaired += Number(outcome.kind === 'queued' || outcome.kind === 'failed');
  }
  return repaired;
}

/** QUEUED runs whose run job Redis no longer has: the job again. */
export async function restoreRunJobs(deps: WorkerDeps, query: StaleQuery): Promise<number> {
  let repaired = 0;
  for (const run of await findStaleRuns(deps.pool, 'QUEUED', query)) {
    if (!(await isLost(deps.queues.runs, runJob.id(run.runId)))) continue;
    await deps.producers.enqueueRun(run);
    repaired += 1;
  }
  return repaired;
}

/**
 * RUNNING runs with no step QUEUED or RUNNING: nothing will move them on (a worker died between
 * recording a step and planning, and its job is gone). Planned again: the next steps, or the end.
 */
export async function replanIdleRuns(deps: WorkerDeps, query: StaleQuery): Promise<number> {
  let repaired = 0;
  for (const ref of await findIdleRunningRuns(deps.pool, query)) {
    const row = await getRunForExecution(deps.pool, ref);
    if (row?.status !== 'RUNNING') continue;
    const run = runContextOf(ref, row, deps.definitions.get(row.workflowVersionId, row.definition));
    const progress = await replanRun(deps.pool, ref, run.definition);
    await deps.runs.afterCommit(run, progress);
    if (progress.queued.length === 0 && !progress.finished) continue;
    deps.log.warn({ tenantId: ref.tenantId, workflowRunId: ref.runId }, 'run found idle while RUNNING: planned again');
    repaired += 1;
  }
  return repaired;
}

/** RUNNING runs whose workflow has a timeout but whose timeout job is gone (Redis lost it): armed again for the time left. */
export async function restoreTimeoutJobs(deps: WorkerDeps, query: StaleQuery): Promise<number> {
  let repaired = 0;
  for (const run of await findRunsWithTimeout(deps.pool, query)) {
    if (!(await isLost(deps.queues.runs, runTimeoutJob.id(run.runId)))) continue;
    await deps.producers.scheduleRunTimeout(run, Math.max(0, Math.round(run.dueAt - deps.now())));
    repaired += 1;
  }
  return repaired;
}

/**
 * Child runs still going whose parent run has finished (a cancel cascade a crash cut short, a parent that
 * failed or timed out): cancelled, with their own children.
 */
export async function cancelOrphanedChildren(deps: WorkerDeps, query: StaleQuery): Promise<number> {
  let cancelled = 0;
  for (const parent of await findParentsOfOrphans(deps.pool, query.limit)) cancelled += await deps.runs.cancelChildren(parent);
  return cancelled;
}
