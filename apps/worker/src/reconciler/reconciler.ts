import { randomUUID } from 'node:crypto';
import {
  countQueuedRunsByTenant,
  findActiveRunIds,
  findStaleQueuedSteps,
  findStaleRuns,
  getRunForExecution,
  type StaleRun,
  type StaleStep,
} from '@conveyor/db';
import { type Redis, runJob } from '@conveyor/queue';
import { runContextOf } from '@conveyor/runs';
import type { Queue } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';
import { syncSchedules } from '../schedules/schedule-sync';

export interface Repairs {
  /** PENDING runs nobody dispatched (no Hasura event, or the webhook failed). */
  dispatched: number;
  /** QUEUED runs whose run job Redis no longer had. */
  runJobsRestored: number;
  /** QUEUED steps whose step job Redis no longer had. */
  stepJobsRestored: number;
  /** Job schedulers added, changed or removed to match the SCHEDULE triggers. */
  schedulesSynced: number;
  /** Execution log lines past retention deleted, where the log store has no TTL index. */
  logLinesExpired: number;
  /** Tenant run slots held by runs that had ended without freeing them (a worker died). */
  slotsFreed: number;
}

const BATCH = 500;

/**
 * Re-dispatches what a crash or an outage left behind (n8n's recoverFromQueue). Every worker
 * runs one, but only the holder of a Redis lease acts, so repairs are not done twice at once.
 */
export function createReconciler(deps: WorkerDeps, redis: Redis) {
  const leaseKey = `${deps.settings.queuePrefix}:reconciler:leader`;
  const holder = randomUUID();
  const { intervalMs, staleAfterMs, logSweepIntervalMs } = deps.settings.reconciler;
  let timer: NodeJS.Timeout | undefined;
  // Retention is counted in days, and on FerretDB a sweep reads the whole collection: not every pass.
  let lastSweepAt = Number.NEGATIVE_INFINITY;
  let running: Promise<unknown> = Promise.resolve();

  const isLeader = async (): Promise<boolean> => {
    const ttl = intervalMs * 3;
    if ((await redis.set(leaseKey, holder, 'PX', ttl, 'NX')) === 'OK') return true;
    if ((await redis.get(leaseKey)) !== holder) return false;
    await redis.pexpire(leaseKey, ttl);
    return true;
  };

  const pass = async (): Promise<Repairs | null> => {
    if (!(await isLeader())) return null;
    const sweep = deps.sweepLogs && deps.now() - lastSweepAt >= logSweepIntervalMs;
    if (sweep) lastSweepAt = deps.now();
    const repairs = await reconcileOnce(deps, staleAfterMs, { sweepLogs: sweep });
    if (repairs.dispatched + repairs.runJobsRestored + repairs.stepJobsRestored > 0)
      deps.log.warn(repairs, 'reconciler repaired');
    return repairs;
  };

  let stopped = false;
  const schedule = () => {
    if (stopped) return; // a pass that ends after stop() must not arm the next one
    timer = setTimeout(() => {
      running = pass()
        .catch((error: unknown) => deps.log.error({ error }, 'reconciler pass failed'))
        .finally(schedule);
    }, intervalMs);
  };

  return {
    start: schedule,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      if ((await redis.get(leaseKey)) === holder) await redis.del(leaseKey);
    },
  };
}

/**
 * One repair pass over every tenant, leader or not (the `reconcile` command and tests call it);
 * it sweeps expired log lines when the store needs sweeps, unless told not to.
 */
export async function reconcileOnce(
  deps: WorkerDeps,
  staleAfterMs: number,
  { sweepLogs = deps.sweepLogs }: { sweepLogs?: boolean } = {},
): Promise<Repairs> {
  const query = { olderThanMs: staleAfterMs, limit: BATCH };
  const synced = await syncSchedules(deps);
  const repairs: Repairs = {
    dispatched: 0,
    runJobsRestored: 0,
    stepJobsRestored: 0,
    schedulesSynced: synced.upserted + synced.removed,
    logLinesExpired: sweepLogs ? await deps.logStore.sweepExpired(new Date(deps.now())) : 0,
    slotsFreed: await freeStaleSlots(deps),
  };
  for (const run of await findStaleRuns(deps.pool, query)) {
    if (run.status === 'PENDING') repairs.dispatched += Number(await redispatch(deps, run));
    else repairs.runJobsRestored += Number(await restoreRunJob(deps, run));
  }
  for (const step of await findStaleQueuedSteps(deps.pool, query)) {
    repairs.stepJobsRestored += Number(await restoreStepJob(deps, step));
  }
  return repairs;
}

/** Frees slots of runs that are no longer active, and resets each tenant's backlog counter to the truth. */
async function freeStaleSlots(deps: WorkerDeps): Promise<number> {
  const { admission } = deps;
  let freed = 0;
  for (const { tenantId, runIds } of await admission.holders()) {
    const active = await findActiveRunIds(deps.pool, tenantId, runIds);
    for (const runId of runIds.filter((id) => !active.has(id))) {
      await admission.release(tenantId, runId);
      freed += 1;
    }
  }
  for (const { tenantId, queued } of await countQueuedRunsByTenant(deps.pool)) await admission.resetBacklog(tenantId, queued);
  return freed;
}

async function redispatch(deps: WorkerDeps, run: StaleRun): Promise<boolean> {
  const outcome = await deps.runs.dispatch(run);
  return outcome.kind === 'queued' || outcome.kind === 'failed';
}

async function restoreRunJob(deps: WorkerDeps, run: StaleRun): Promise<boolean> {
  if (!(await isLost(deps.queues.runs, runJob.id(run.runId)))) return false;
  await deps.producers.enqueueRun(run);
  return true;
}

async function restoreStepJob(deps: WorkerDeps, step: StaleStep): Promise<boolean> {
  if (!(await isLost(deps.queues.steps, step.jobId))) return false;
  const row = await getRunForExecution(deps.pool, step);
  if (!row) return false;
  const run = runContextOf(step, row, deps.definitions.get(row.workflowVersionId, row.definition));
  const queued = [{ stepRunId: step.stepRunId, stepKey: step.stepKey, jobId: step.jobId }];
  await deps.runs.afterCommit(run, { applied: true, queued, finished: null });
  return true;
}

/** A job is lost when Redis has none under its id, or only a finished one (which an add would not replace). */
async function isLost(queue: Queue, jobId: string): Promise<boolean> {
  const state = await queue.getJobState(jobId);
  if (state === 'unknown') return true;
  if (state !== 'completed' && state !== 'failed') return false;
  await queue.remove(jobId);
  return true;
}
