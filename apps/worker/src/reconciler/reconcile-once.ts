import { deleteExpiredEvents, type StaleQuery } from '@conveyor/db';
import type { WorkerDeps } from '../deps/worker-deps';
import { syncSchedules } from '../schedules/schedule-sync';
import { reapDeadCanaries } from '../workers/canary';
import { cancelOrphanedChildren, dispatchStaleRuns, replanIdleRuns, restoreRunJobs, restoreTimeoutJobs } from './repair-runs';
import { freeStaleSlots } from './repair-slots';
import { recoverAbandonedSteps, restoreStepJobs } from './repair-steps';

export interface Repairs {
  /** PENDING runs nobody dispatched (no Hasura event, or the webhook failed). */
  dispatched: number;
  /** QUEUED runs whose run job Redis no longer had. */
  runJobsRestored: number;
  /** QUEUED steps whose step job Redis no longer had. */
  stepJobsRestored: number;
  /** RUNNING steps whose job had ended or vanished (their worker was lost): retried or failed. */
  stepsAbandoned: number;
  /** RUNNING runs with nothing in flight, planned again. */
  runsReplanned: number;
  /** Run-timeout jobs Redis no longer had, armed again for the time left. */
  timeoutsRestored: number;
  /** Job schedulers added, changed or removed to match the SCHEDULE triggers, and triggers disabled whose schedule cannot run. */
  schedulesSynced: number;
  /** Tenant run slots held by runs that had ended without freeing them (a worker died). */
  slotsFreed: number;
  /** Canary queues of worker processes that died without closing them, deleted. */
  canariesReaped: number;
  /** Child runs still going after their parent run finished, cancelled. */
  childrenCancelled: number;
  /** Events kept for a wait that never came, deleted once their time was up. */
  eventsExpired: number;
  /** Execution log lines past retention deleted, where the log store has no TTL index. */
  logLinesExpired: number;
  /** Repair kinds that failed in this pass (each is logged and counted; the others still ran). */
  failed: number;
}

type RepairKind = Exclude<keyof Repairs, 'failed'>;

const BATCH = 500;

/**
 * One repair pass over every tenant, leader or not (the `reconcile` command and tests call it). Each
 * kind of repair runs on its own: one that fails (a dependency blip, one tenant's bad row) is logged
 * and counted, and the others still run. The log sweep, when the store needs sweeps, comes last.
 */
export async function reconcileOnce(
  deps: WorkerDeps,
  staleAfterMs: number,
  { sweepLogs = deps.sweepLogs }: { sweepLogs?: boolean } = {},
): Promise<Repairs> {
  const query: StaleQuery = { olderThanMs: staleAfterMs, limit: BATCH };
  const repairs: Repairs = {
    dispatched: 0,
    runJobsRestored: 0,
    stepJobsRestored: 0,
    stepsAbandoned: 0,
    runsReplanned: 0,
    timeoutsRestored: 0,
    schedulesSynced: 0,
    slotsFreed: 0,
    canariesReaped: 0,
    childrenCancelled: 0,
    eventsExpired: 0,
    logLinesExpired: 0,
    failed: 0,
  };
  const repair = async (kind: RepairKind, work: () => Promise<number>) => {
    try {
      repairs[kind] = await work();
      if (repairs[kind] > 0) deps.metrics.reconcilerRepairs.inc({ kind }, repairs[kind]);
    } catch (error) {
      repairs.failed += 1;
      deps.metrics.reconcilerFailures.inc({ kind });
      deps.log.error({ error, kind }, 'reconciler repair failed; the other repairs go on');
    }
  };
  await repair('dispatched', () => dispatchStaleRuns(deps, query));
  await repair('runJobsRestored', () => restoreRunJobs(deps, query));
  await repair('stepJobsRestored', () => restoreStepJobs(deps, query));
  await repair('stepsAbandoned', () => recoverAbandonedSteps(deps, query));
  await repair('runsReplanned', () => replanIdleRuns(deps, query));
  await repair('timeoutsRestored', () => restoreTimeoutJobs(deps, query));
  await repair('schedulesSynced', async () => {
    const synced = await syncSchedules(deps);
    return synced.upserted + synced.removed + synced.disabled;
  });
  await repair('slotsFreed', () => freeStaleSlots(deps));
  await repair('canariesReaped', () => reapDeadCanaries(deps.redis, deps.settings.queuePrefix));
  await repair('childrenCancelled', () => cancelOrphanedChildren(deps, query));
  await repair('eventsExpired', () => deleteExpiredEvents(deps.pool, BATCH));
  if (sweepLogs) await repair('logLinesExpired', () => deps.logStore.sweepExpired(new Date(deps.now())));
  return repairs;
}
